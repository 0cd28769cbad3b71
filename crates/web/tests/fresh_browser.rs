//! The `fresh` option in headless Chromium: the golden requests give the answers
//! `fresh_golden_native.rs` recorded, through the JS-facing class, on every CPU backend
//! (the scalar reference and SIMD128 give the same lists), and bad values throw `Error`s
//! naming the field; `probability` refuses `fresh`.
#![cfg(target_arch = "wasm32")]

use js_sys::JSON;
use shopwindow::Backend;
use shopwindow_testkit::fresh_golden::{self, golden_fresh_catalog};
use shopwindow_testkit::rules_golden::{golden_rules_history, RulesCall};
use shopwindow_web::Recommender;
use wasm_bindgen_test::*;

mod browser_common;
use browser_common::{js, message, recommend};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn fresh_matches_the_native_answers_on_every_backend() {
    for backend in Backend::all() {
        let rec =
            Recommender::new(golden_fresh_catalog()).unwrap_or_else(|_| panic!("catalog loads"));
        rec.set_backend(backend.name()).unwrap();
        for case in fresh_golden::cases() {
            let result = match &case.call {
                RulesCall::Recommend { history, options } => {
                    recommend(&rec, js(history), js(options))
                }
                RulesCall::Similar { item_id, options } => rec.similar(item_id, js(options)),
                other => panic!("fresh has no {other:?}"),
            };
            let got = match result {
                Ok(value) => {
                    let text = JSON::stringify(&value).unwrap().as_string().unwrap();
                    Ok(serde_json::from_str::<serde_json::Value>(&text).unwrap())
                }
                Err(e) => Err(message(e.into())),
            };
            let got = match &got {
                Ok(value) => Ok(value),
                Err(text) => Err(text.as_str()),
            };
            fresh_golden::check(&case, got)
                .unwrap_or_else(|e| panic!("backend {}: {e}", backend.name()));
        }
    }
}

#[wasm_bindgen_test]
fn probability_refuses_fresh() {
    let rec = Recommender::new(golden_fresh_catalog()).unwrap_or_else(|_| panic!("loads"));
    let options = js(&serde_json::json!({ "fresh": { "share": 0.2 } }));
    let err = rec
        .probability(
            js(&golden_rules_history()),
            js(&serde_json::json!(["sku-0201"])),
            options,
        )
        .expect_err("refused");
    assert!(message(err.into()).contains("fresh"));
}
