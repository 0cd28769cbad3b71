//! Replays the golden cases natively through the same `api` functions the wasm class calls;
//! `browser.rs` replays them in headless Chromium. Both must match the recorded answers.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;

use shopwindow::{Catalog, Recommender, VectorDtype};
use shopwindow_testkit::fixtures::golden_catalog;
use shopwindow_testkit::golden::{self, Answer, GoldenCase};

fn engine(dtype: VectorDtype) -> Recommender {
    Recommender::new(Catalog::from_bytes(golden_catalog(dtype)).expect("golden catalog loads"))
}

fn run(engine: &Recommender, case: &GoldenCase) -> Answer {
    common::replay(
        engine,
        case.call,
        &case.history,
        case.item_id,
        &case.options,
    )
}

#[test]
fn golden_cases_match_the_recorded_answers() {
    let engines: BTreeMap<&str, Recommender> = VectorDtype::ALL
        .into_iter()
        .map(|d| (d.as_str(), engine(d)))
        .collect();
    let cases = golden::cases();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let answers: BTreeMap<String, Answer> = cases
            .iter()
            .map(|case| (case.key(), run(&engines[case.catalog.as_str()], case)))
            .collect();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testkit/golden/expected.json"
        );
        let text = serde_json::to_string_pretty(&answers).unwrap() + "\n";
        std::fs::write(path, text).unwrap();
        eprintln!("wrote {} golden answers to {path}", answers.len());
        return;
    }
    for case in &cases {
        let answer = run(&engines[case.catalog.as_str()], case);
        golden::check(case, &answer).unwrap();
    }
}
