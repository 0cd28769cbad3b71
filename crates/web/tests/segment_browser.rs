//! `segment()` in headless Chromium: the same histories give the same segments and RFM
//! standings as natively (the answers `segment_golden_native.rs` recorded), and bad input
//! comes back as `Error`s.
#![cfg(target_arch = "wasm32")]

use js_sys::JSON;
use shopwindow::VectorDtype;
use shopwindow_testkit::fixtures::{
    golden_catalog, golden_rfm_segment_catalog, golden_segment_catalog,
};
use shopwindow_testkit::segment_golden;
use shopwindow_web::Recommender;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod browser_common;
use browser_common::{js, message};

wasm_bindgen_test_configure!(run_in_browser);

fn recommender() -> Recommender {
    Recommender::new(golden_segment_catalog()).unwrap_or_else(|_| panic!("catalog loads"))
}

#[wasm_bindgen_test]
fn segments_match_the_native_answers() {
    let plain = recommender();
    let with_rfm =
        Recommender::new(golden_rfm_segment_catalog()).unwrap_or_else(|_| panic!("catalog loads"));
    for case in segment_golden::cases() {
        let rec = if case.rfm_features { &with_rfm } else { &plain };
        let result = rec
            .segment(js(&case.history), js(&case.options))
            .unwrap_or_else(|e| panic!("{}: {}", case.name, message(e.into())));
        let text = JSON::stringify(&result).unwrap().as_string().unwrap();
        let got: serde_json::Value = serde_json::from_str(&text).unwrap();
        segment_golden::check(&case, &got).unwrap();
    }
}

#[wasm_bindgen_test]
fn now_defaults_to_the_page_clock() {
    let history = js(&serde_json::json!([
        { "itemId": "sku-0001", "type": "purchase", "timestamp": js_sys::Date::now() - 86_400_000.0 }
    ]));
    let result = recommender().segment(history, JsValue::UNDEFINED).unwrap();
    let text = JSON::stringify(&result).unwrap().as_string().unwrap();
    let got: serde_json::Value = serde_json::from_str(&text).unwrap();
    let days = got["rfm"]["recencyDays"].as_f64().unwrap();
    assert!((0.99..1.01).contains(&days), "{got}");
}

#[wasm_bindgen_test]
fn bad_input_is_an_error() {
    let rec = recommender();
    let err = rec
        .segment(
            js(&serde_json::json!([])),
            js(&serde_json::json!({ "k": 3 })),
        )
        .unwrap_err();
    assert!(message(err.into()).contains("unknown field"));
    let err = rec
        .segment(
            js(&serde_json::json!([{ "itemId": "sku-0001" }])),
            JsValue::UNDEFINED,
        )
        .unwrap_err();
    assert!(message(err.into()).contains("invalid history"));
    let plain = Recommender::new(golden_catalog(VectorDtype::F32)).unwrap_or_else(|_| panic!());
    let err = plain
        .segment(js(&serde_json::json!([])), JsValue::UNDEFINED)
        .unwrap_err();
    assert!(message(err.into()).contains("no customer segments"));
}
