//! Merchandising rules in headless Chromium: the golden requests give the answers
//! `rules_golden_native.rs` recorded, through the JS-facing class, on every CPU backend
//! (the scalar reference and SIMD128 give the same lists), and bad rules throw `Error`s
//! naming the field.
#![cfg(target_arch = "wasm32")]

use js_sys::JSON;
use shopwindow::Backend;
use shopwindow_testkit::rules_golden::{self, golden_rules_catalog, RulesCall};
use shopwindow_web::Recommender;
use wasm_bindgen_test::*;

mod browser_common;
use browser_common::{js, message, recommend};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn rules_match_the_native_answers_on_every_backend() {
    for backend in Backend::all() {
        let rec =
            Recommender::new(golden_rules_catalog()).unwrap_or_else(|_| panic!("catalog loads"));
        rec.set_backend(backend.name()).unwrap();
        for case in rules_golden::cases() {
            let result = match &case.call {
                RulesCall::Recommend { history, options } => {
                    recommend(&rec, js(history), js(options))
                }
                RulesCall::Similar { item_id, options } => rec.similar(item_id, js(options)),
                RulesCall::Together { item_ids, options } => {
                    rec.together(js(item_ids), js(options))
                }
                RulesCall::Trending { options } => rec.trending(js(options)),
            }
            .unwrap_or_else(|e| panic!("{}: {}", case.name, message(e.into())));
            let text = JSON::stringify(&result).unwrap().as_string().unwrap();
            let got: serde_json::Value = serde_json::from_str(&text).unwrap();
            rules_golden::check(&case, &got)
                .unwrap_or_else(|e| panic!("backend {}: {e}", backend.name()));
        }
    }
}

#[wasm_bindgen_test]
fn bad_rules_throw_errors_that_name_the_field() {
    let rec = Recommender::new(golden_rules_catalog()).unwrap_or_else(|_| panic!("loads"));
    let bad = |rules: serde_json::Value| {
        let options = js(&serde_json::json!({ "rules": rules }));
        message(rec.trending(options).expect_err("rejected").into())
    };
    assert!(bad(serde_json::json!({ "pinz": [] })).contains("pinz"));
    assert!(
        bad(serde_json::json!({ "boosts": [{ "tags": ["sale"], "add": "x" }] }))
            .contains("invalid type")
    );
    assert!(bad(serde_json::json!({ "hideBoughtDays": -2 })).contains("rules.hideBoughtDays"));
    // In the browser "now" defaults to the page's clock.
    let ok = js(&serde_json::json!({ "rules": { "hideBoughtDays": 2 } }));
    assert!(rec.trending(ok).is_ok());
}
