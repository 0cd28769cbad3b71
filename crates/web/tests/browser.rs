//! Browser tests, run in headless Chromium by `cargo xtask test` (wasm-bindgen-test).
//! They exercise the SIMD128 kernels for real and the JS-facing class exactly as a page
//! calls it: plain JS objects in, plain JS objects out, `Error`s for bad input.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect};
use shopwindow::{Backend, VectorDtype};
use shopwindow_testkit::fixtures::{golden_catalog, golden_hybrid_catalog, HybridFixture};
use shopwindow_testkit::golden::{self, Answer, Call};
use shopwindow_testkit::hybrid_golden;
use shopwindow_testkit::properties;
use shopwindow_web::Recommender;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

mod browser_common;
use browser_common::{js, message, recommend};

wasm_bindgen_test_configure!(run_in_browser);

fn recommender(dtype: VectorDtype) -> Recommender {
    Recommender::new(golden_catalog(dtype)).unwrap_or_else(|_| panic!("golden catalog loads"))
}

/// The message of a thrown `Error`.
#[wasm_bindgen_test]
fn this_build_scores_with_simd128() {
    assert_eq!(Backend::best().name(), "simd128");
    assert!(Backend::all().len() >= 2);
    assert_eq!(recommender(VectorDtype::F32).backend(), "simd128");
}

#[wasm_bindgen_test]
fn simd128_kernels_are_bit_identical_to_the_reference() {
    properties::f32_kernels_match_reference(96).unwrap();
    properties::f16_kernels_match_reference(96).unwrap();
    properties::i8_kernels_match_reference(96).unwrap();
    properties::i4_kernels_match_reference(96).unwrap();
    properties::threshold_matches_reference(96).unwrap();
    properties::normal_equations_match_nalgebra(48).unwrap();
}

#[wasm_bindgen_test]
fn top_k_matches_a_full_sort() {
    properties::top_k_matches_full_sort(64).unwrap();
}

#[wasm_bindgen_test]
fn biased_scan_is_bit_identical_to_the_reference() {
    properties::biased_scan_matches_reference(64).unwrap();
}

#[wasm_bindgen_test]
fn hybrid_golden_cases_match_native_answers_on_every_backend() {
    for fixture in HybridFixture::all() {
        for backend in Backend::all() {
            let rec = Recommender::new(golden_hybrid_catalog(fixture))
                .unwrap_or_else(|_| panic!("hybrid catalog loads"));
            rec.set_backend(backend.name()).unwrap();
            for case in hybrid_golden::cases()
                .iter()
                .filter(|c| c.fixture == fixture)
            {
                let answer = replay(
                    &rec,
                    case.call,
                    &case.history,
                    case.item_id,
                    &case.options,
                    &case.key(),
                );
                hybrid_golden::check(case, &answer)
                    .unwrap_or_else(|e| panic!("backend {}: {e}", backend.name()));
            }
        }
    }
}

#[wasm_bindgen_test]
fn info_reports_the_hybrid() {
    let rec = Recommender::new(golden_hybrid_catalog(HybridFixture::NoVectors)).unwrap();
    let info = rec.info().unwrap();
    let get = |obj: &JsValue, key: &str| Reflect::get(obj, &key.into()).unwrap();
    let hybrid = get(&info, "hybrid");
    assert!(!get(&hybrid, "vectors").as_bool().unwrap());
    assert_eq!(get(&hybrid, "history").as_string().unwrap(), "saturate");
    assert_eq!(get(&hybrid, "neighbours").as_f64().unwrap(), 10.0);
    let tune = get(&info, "tune");
    assert_eq!(get(&tune, "winner").as_string().unwrap(), "hybrid");
}

/// One recorded request through the JS class; `key` names the case when it fails.
fn replay(
    rec: &Recommender,
    call: Call,
    history: &serde_json::Value,
    item_id: &str,
    options: &serde_json::Value,
    key: &str,
) -> Answer {
    let result = match call {
        Call::Recommend => recommend(rec, js(history), js(options)),
        Call::Similar => rec.similar(item_id, js(options)),
    };
    let result = result.unwrap_or_else(|e| panic!("{key}: {}", message(e.into())));
    serde_wasm_bindgen::from_value(result).unwrap()
}

#[wasm_bindgen_test]
fn golden_cases_match_native_answers_on_every_backend() {
    for backend in Backend::all() {
        for dtype in VectorDtype::ALL {
            let rec = recommender(dtype);
            rec.set_backend(backend.name()).unwrap();
            for case in golden::cases().iter().filter(|c| c.catalog == dtype) {
                let answer = replay(
                    &rec,
                    case.call,
                    &case.history,
                    case.item_id,
                    &case.options,
                    &case.key(),
                );
                golden::check(case, &answer)
                    .unwrap_or_else(|e| panic!("backend {}: {e}", backend.name()));
            }
        }
    }
}

#[wasm_bindgen_test]
fn results_are_plain_objects_with_display_fields() {
    let rec = recommender(VectorDtype::F32);
    let history = js(
        &serde_json::json!([{ "itemId": "sku-0000", "type": "view" }, { "itemId": "gone", "type": "cart" }]),
    );
    let result = rec.recommend(history, JsValue::UNDEFINED, None).unwrap();
    let get = |obj: &JsValue, key: &str| Reflect::get(obj, &key.into()).unwrap();
    assert_eq!(
        get(&result, "strategy").as_string().unwrap(),
        "personalized"
    );
    assert_eq!(get(&result, "backend").as_string().unwrap(), "simd128");
    let unknown: Array = get(&result, "unknownItems").dyn_into().unwrap();
    assert_eq!(unknown.length(), 1);
    assert_eq!(unknown.get(0).as_string().unwrap(), "gone");
    let items: Array = get(&result, "items").dyn_into().unwrap();
    assert_eq!(items.length(), 10);
    let first = items.get(0);
    assert!(get(&first, "title").as_string().unwrap().contains("no."));
    assert!(get(&first, "price").as_f64().unwrap() > 0.0);
    assert!(get(&first, "category").as_string().is_some());

    let info = rec.info().unwrap();
    assert_eq!(get(&info, "items").as_f64().unwrap(), 240.0);
    assert_eq!(get(&info, "dim").as_f64().unwrap(), 13.0);
    assert!(get(&info, "zeroCopy").as_bool().unwrap());
}

#[wasm_bindgen_test]
fn probabilities_are_a_softmax_over_the_catalog() {
    let rec = recommender(VectorDtype::F32);
    let history = js(&serde_json::json!([{ "itemId": "sku-0000", "type": "purchase" }]));
    let ids: Vec<String> = (0..240).map(|i| format!("sku-{i:04}")).collect();
    let all = rec
        .probability(
            history.clone(),
            serde_wasm_bindgen::to_value(&ids).unwrap(),
            JsValue::UNDEFINED,
        )
        .unwrap();
    let p: Vec<f64> = serde_wasm_bindgen::from_value(all).unwrap();
    let total: f64 = p.iter().sum();
    assert!((total - 1.0).abs() < 1e-5, "probabilities sum to {total}");
    let err = rec
        .probability(
            history,
            serde_wasm_bindgen::to_value(&["nope"]).unwrap(),
            JsValue::UNDEFINED,
        )
        .unwrap_err();
    assert!(message(err.into()).contains("nope"));
}

#[wasm_bindgen_test]
fn corrupt_catalogs_throw_errors_that_say_why() {
    let mut bytes = golden_catalog(VectorDtype::F32);
    bytes.truncate(bytes.len() / 2);
    let err = Recommender::new(bytes)
        .err()
        .expect("truncated catalog is rejected");
    assert!(message(err.into()).contains("truncated"));
    let err = Recommender::new(b"not a catalog at all".to_vec())
        .err()
        .unwrap();
    assert!(message(err.into()).contains("safetensors"));
    let err = Recommender::new(Vec::new()).err().unwrap();
    assert!(!message(err.into()).is_empty());
}

#[wasm_bindgen_test]
fn bad_requests_throw_errors_that_say_why() {
    let rec = recommender(VectorDtype::I8);
    let err = rec.similar("no-such-sku", JsValue::UNDEFINED).unwrap_err();
    assert!(message(err.into()).contains("no-such-sku"));

    let typo = js(&serde_json::json!({ "kk": 3 }));
    let err = rec
        .recommend(js(&serde_json::json!([])), typo, None)
        .unwrap_err();
    assert!(message(err.into()).contains("kk"));

    let bad_kind = js(&serde_json::json!([{ "itemId": "sku-0001", "type": "like" }]));
    let err = rec
        .recommend(bad_kind, JsValue::UNDEFINED, None)
        .unwrap_err();
    assert!(message(err.into()).contains("like"));

    let bad_category = js(&serde_json::json!({ "filters": { "categories": ["spaceships"] } }));
    let err = rec
        .recommend(js(&serde_json::json!([])), bad_category, None)
        .unwrap_err();
    assert!(message(err.into()).contains("spaceships"));

    let not_a_flag = js(&serde_json::json!({ "interests": "yes" }));
    let err = rec
        .recommend(js(&serde_json::json!([])), not_a_flag, None)
        .unwrap_err();
    assert!(message(err.into()).contains("invalid recommend options"));

    let zero_k = js(&serde_json::json!({ "k": 0 }));
    assert!(rec
        .recommend(js(&serde_json::json!([])), zero_k, None)
        .is_err());

    let err = rec.set_backend("webgl").unwrap_err();
    assert!(message(err.into()).contains("webgl"));
    rec.set_backend("scalar").unwrap();
    assert_eq!(rec.backend(), "scalar");
}

#[wasm_bindgen_test]
fn empty_history_falls_back_to_popular_items() {
    let rec = recommender(VectorDtype::F16);
    let result = rec
        .recommend(js(&serde_json::json!([])), JsValue::NULL, None)
        .unwrap();
    let answer: Answer = serde_wasm_bindgen::from_value(result).unwrap();
    assert_eq!(answer.strategy.as_deref(), Some("popular"));
    assert_eq!(answer.items.len(), 10);
    assert!(answer.items.windows(2).all(|w| w[0].score >= w[1].score));
}

/// A long visit: rounds of requests of every size on a 20,000-item hybrid catalog (each
/// request allocates a score buffer of the catalog's size among many small allocations:
/// the options' JSON, the history, the fold-in, the heap, the result), the catalog dropped
/// and opened again between rounds. The engine's allocator must reuse what was freed: the
/// module's memory after the last round is what it was after three warm-up rounds, where a
/// leak or a fragmenting allocator would grow it round after round.
#[wasm_bindgen_test]
fn a_long_session_reuses_freed_memory() {
    use shopwindow::catalog::{HistoryTransform, HybridParams};
    use shopwindow_testkit::catalogs::random_hybrid_catalog;
    use shopwindow_testkit::fixtures::Xorshift;

    const ITEMS: u64 = 20_000;
    let params = HybridParams {
        vectors: true,
        neighbour_weight: 0.5,
        popularity_weight: 0.3,
        history: HistoryTransform::Log1p,
    };
    let catalog = random_hybrid_catalog(ITEMS as usize, 32, VectorDtype::I8, 5, Some((10, params)));
    let pages = || core::arch::wasm32::memory_size(0);
    let mut rng = Xorshift::new(11);
    let round = |rng: &mut Xorshift| {
        let rec = Recommender::new(catalog.clone()).unwrap_or_else(|_| panic!("loads"));
        for _ in 0..60 {
            let history: Vec<serde_json::Value> = (0..rng.below(200))
                .map(|_| {
                    let kind = ["view", "cart", "purchase"][rng.below(3) as usize];
                    serde_json::json!({ "itemId": format!("item-{}", rng.below(ITEMS)), "type": kind })
                })
                .collect();
            let k = 1 + rng.below(60);
            let options = js(&serde_json::json!({ "k": k }));
            recommend(
                &rec,
                js(&serde_json::Value::Array(history)),
                options.clone(),
            )
            .unwrap_or_else(|e| panic!("recommend: {}", message(e.into())));
            rec.similar(&format!("item-{}", rng.below(ITEMS)), options)
                .unwrap_or_else(|e| panic!("similar: {}", message(e.into())));
        }
    };
    for _ in 0..3 {
        round(&mut rng);
    }
    let after_warm_up = pages();
    // 40 more rounds: more than the memory free after the warm-up (the catalog's builder
    // freed what it used) could absorb if a round kept even a megabyte.
    for _ in 0..40 {
        round(&mut rng);
    }
    // 64 KiB pages: a little slack for a round that needs more at once than any before.
    assert!(
        pages() <= after_warm_up + 8,
        "memory grew from {after_warm_up} to {} pages over the session",
        pages()
    );
}
