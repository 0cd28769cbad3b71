//! `together()`, `trending()` and `rerank()` in headless Chromium: the same requests give the answers
//! `placement_golden_native.rs` recorded, on every CPU backend, and bad input comes back
//! as `Error`s.
#![cfg(target_arch = "wasm32")]

use js_sys::JSON;
use shopwindow::{Backend, VectorDtype};
use shopwindow_testkit::fixtures::golden_catalog;
use shopwindow_testkit::placement_golden::{self, golden_placement_catalog, PlacementCall};
use shopwindow_web::Recommender;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod browser_common;
use browser_common::{js, message};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn placements_match_the_native_answers_on_every_backend() {
    for backend in Backend::all() {
        for case in placement_golden::cases() {
            let rec =
                Recommender::new(case.call.catalog()).unwrap_or_else(|_| panic!("catalog loads"));
            rec.set_backend(backend.name()).unwrap();
            let result = match &case.call {
                PlacementCall::Together { item_ids, options } => {
                    rec.together(js(item_ids), js(options))
                }
                PlacementCall::Trending { options } => rec.trending(js(options)),
                PlacementCall::Rerank {
                    history,
                    item_ids,
                    options,
                    ..
                } => rec.rerank(js(history), js(item_ids), js(options)),
            }
            .unwrap_or_else(|e| panic!("{}: {}", case.name, message(e.into())));
            let text = JSON::stringify(&result).unwrap().as_string().unwrap();
            let got: serde_json::Value = serde_json::from_str(&text).unwrap();
            placement_golden::check(&case, &got)
                .unwrap_or_else(|e| panic!("backend {}: {e}", backend.name()));
        }
    }
}

#[wasm_bindgen_test]
fn bad_placement_requests_throw_errors_that_say_why() {
    let rec = Recommender::new(golden_placement_catalog()).unwrap_or_else(|_| panic!("loads"));
    let ids = js(&serde_json::json!(["sku-0000"]));
    let err = rec
        .together(ids.clone(), js(&serde_json::json!({ "kk": 3 })))
        .err()
        .unwrap();
    assert!(message(err.into()).contains("kk"));
    let plain =
        Recommender::new(golden_catalog(VectorDtype::F32)).unwrap_or_else(|_| panic!("loads"));
    let err = plain.together(ids, JsValue::UNDEFINED).err().unwrap();
    assert!(message(err.into()).contains("bought-together table"));
    let err = plain.trending(JsValue::UNDEFINED).err().unwrap();
    assert!(message(err.into()).contains("trending score"));
    let empty = js(&serde_json::json!([]));
    let one = js(&serde_json::json!(["sku-0000"]));
    for options in [
        serde_json::json!({ "strength": 2 }),
        serde_json::json!({ "strength": -1 }),
    ] {
        let err = rec
            .rerank(empty.clone(), one.clone(), js(&options))
            .err()
            .unwrap();
        assert!(message(err.into()).contains("`strength`"));
    }
    let err = rec
        .rerank(
            empty.clone(),
            one.clone(),
            js(&serde_json::json!({ "strenght": 1 })),
        )
        .err()
        .unwrap();
    assert!(message(err.into()).contains("strenght"));
    let many: Vec<String> = (0..1001).map(|i| format!("sku-{:04}", i % 240)).collect();
    let err = rec
        .rerank(empty, js(&serde_json::json!(many)), JsValue::UNDEFINED)
        .err()
        .unwrap();
    assert!(message(err.into()).contains("at most 1000"));
}
