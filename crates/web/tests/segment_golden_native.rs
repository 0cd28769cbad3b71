//! Replays the `segment()` golden cases natively through the same `api` function the wasm
//! class calls; `segment_browser.rs` replays them in headless Chromium.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use serde_json::Value;
use shopwindow::{Catalog, Recommender};
use shopwindow_testkit::fixtures::{
    golden_catalog, golden_rfm_segment_catalog, golden_segment_catalog,
};
use shopwindow_testkit::segment_golden::{self, SegmentCase};
use shopwindow_web::{api, dto, read};

fn run(engine: &Recommender, case: &SegmentCase) -> Result<Value, shopwindow::RecommendError> {
    let history: Vec<dto::HistoryEvent> =
        read::history(&shopwindow_testkit::as_page_json(&case.history)).unwrap();
    let options: dto::SegmentOptions =
        read::segment_options(&shopwindow_testkit::as_page_json(&case.options)).unwrap();
    Ok(serde_json::to_value(api::segment(engine, &history, &options)?).unwrap())
}

fn engine() -> Recommender {
    Recommender::new(Catalog::from_bytes(golden_segment_catalog()).unwrap())
}

fn rfm_engine() -> Recommender {
    Recommender::new(Catalog::from_bytes(golden_rfm_segment_catalog()).unwrap())
}

#[test]
fn segment_cases_match_the_recorded_answers() {
    let (engine, rfm_engine) = (engine(), rfm_engine());
    let engine_for = |case: &SegmentCase| {
        if case.rfm_features {
            &rfm_engine
        } else {
            &engine
        }
    };
    let cases = segment_golden::cases();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let answers: BTreeMap<&str, Value> = cases
            .iter()
            .map(|case| (case.name, run(engine_for(case), case).unwrap()))
            .collect();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testkit/golden/segments.json"
        );
        std::fs::write(path, serde_json::to_string_pretty(&answers).unwrap() + "\n").unwrap();
        eprintln!("wrote {} segment answers to {path}", answers.len());
        return;
    }
    for case in &cases {
        segment_golden::check(case, &run(engine_for(case), case).unwrap()).unwrap();
    }
}

#[test]
fn the_recorded_answers_say_something() {
    // Guards the golden file against recording a degenerate engine: shoes land with the
    // shoe fans, the bag buyer with the bag fans and an RFM standing, empty means null.
    let all = segment_golden::expected().unwrap();
    let label = |name: &str| all[name].pointer("/segment/label").cloned();
    assert_eq!(label("shoe browser"), Some("shoes fans".into()));
    assert_eq!(label("bag buyer with RFM"), Some("bags fans".into()));
    let rfm = &all["bag buyer with RFM"]["rfm"];
    assert_eq!(rfm["frequency"], 2);
    assert_eq!(all["empty history"]["segment"], Value::Null);
    // Segments on RFM features: the bag buyer still lands with the bag fans, but the RFM
    // part of the point moves the membership; without purchases there is no RFM standing.
    let with_rfm = "bag buyer, segments with RFM features";
    assert_eq!(label(with_rfm), Some("bags fans".into()));
    assert_ne!(
        all[with_rfm].pointer("/segment/membership"),
        all["bag buyer with RFM"].pointer("/segment/membership")
    );
    assert_eq!(all[with_rfm]["rfm"], all["bag buyer with RFM"]["rfm"]);
    let neutral = "shoe browser, segments with RFM features";
    assert_eq!(label(neutral), Some("shoes fans".into()));
    assert_eq!(all[neutral]["rfm"], Value::Null);
    assert_eq!(
        all["unknown ids are skipped"]["unknownItems"][0],
        "no-such-item"
    );
}

#[test]
fn options_are_strict_and_now_is_required() {
    let bad: Result<dto::SegmentOptions, _> = serde_json::from_str(r#"{ "nowMs": 1 }"#);
    assert!(bad.is_err());
    let err = api::segment(&engine(), &[], &dto::SegmentOptions::default()).unwrap_err();
    assert!(err.to_string().contains("now"), "{err}");
}

#[test]
fn a_catalog_without_segments_is_an_error() {
    let plain = Recommender::new(
        Catalog::from_bytes(golden_catalog(shopwindow::VectorDtype::F32)).unwrap(),
    );
    let options = dto::SegmentOptions {
        now: Some(0.0),
        ..Default::default()
    };
    let err = api::segment(&plain, &[], &options).unwrap_err();
    assert!(err.to_string().contains("no customer segments"), "{err}");
}
