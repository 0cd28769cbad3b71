//! Replays the hybrid golden cases natively through the same `api` functions the wasm class
//! calls; `browser.rs` replays them in headless Chromium. Both must match the recorded
//! answers (`crates/testkit/golden/hybrid.json`).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;

use shopwindow::{Catalog, Recommender};
use shopwindow_testkit::fixtures::{golden_hybrid_catalog, HybridFixture};
use shopwindow_testkit::golden::Answer;
use shopwindow_testkit::hybrid_golden::{self, HybridCase};
use shopwindow_web::api;

fn run(engine: &Recommender, case: &HybridCase) -> Answer {
    common::replay(
        engine,
        case.call,
        &case.history,
        case.item_id,
        &case.options,
    )
}

#[test]
fn hybrid_golden_cases_match_the_recorded_answers() {
    let engines: BTreeMap<String, Recommender> = HybridFixture::all()
        .into_iter()
        .map(|f| {
            let catalog = Catalog::from_bytes(golden_hybrid_catalog(f)).expect("hybrid catalog");
            (f.name(), Recommender::new(catalog))
        })
        .collect();
    let cases = hybrid_golden::cases();
    let keys: std::collections::BTreeSet<String> = cases.iter().map(HybridCase::key).collect();
    assert_eq!(keys.len(), cases.len(), "case keys are unique");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let answers: BTreeMap<String, Answer> = cases
            .iter()
            .map(|case| (case.key(), run(&engines[&case.fixture.name()], case)))
            .collect();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testkit/golden/hybrid.json");
        let text = serde_json::to_string_pretty(&answers).unwrap() + "\n";
        std::fs::write(path, text).unwrap();
        eprintln!("wrote {} hybrid golden answers to {path}", answers.len());
        return;
    }
    for case in &cases {
        let answer = run(&engines[&case.fixture.name()], case);
        hybrid_golden::check(case, &answer).unwrap();
    }
}

#[test]
fn info_reports_the_hybrid_and_the_tuner() {
    let catalog = Catalog::from_bytes(golden_hybrid_catalog(HybridFixture::Full(
        shopwindow::VectorDtype::F32,
    )))
    .unwrap();
    let info = serde_json::to_value(api::info(&catalog)).unwrap();
    assert_eq!(
        info["hybrid"],
        serde_json::json!({
            "vectors": true,
            "neighbourWeight": 0.6f32,
            "popularityWeight": 0.8f32,
            "history": "log1p",
            "neighbours": 10,
        })
    );
    assert_eq!(info["tune"]["winner"], "hybrid");
    let plain = Catalog::from_bytes(shopwindow_testkit::fixtures::golden_catalog(
        shopwindow::VectorDtype::F32,
    ))
    .unwrap();
    let info = serde_json::to_value(api::info(&plain)).unwrap();
    assert!(info.get("hybrid").is_none());
    assert_eq!(info["tune"], serde_json::json!({}));
}
