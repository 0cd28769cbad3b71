//! WebGPU in headless Chromium (SwiftShader here: a software adapter, correct but slow), for
//! real, as a page uses it: the WebGPU module's `GpuRecommender` scanning for an engine
//! module's `Recommender` (a JS object, called through JS as the page's would be). Every
//! vector type, filters and exclusions, forced chunking, and every fallback.
//!
//! Parity: the GPU's top-k ids must equal the scalar reference's exactly, and its scores
//! must be within `tolerance` of the reference's. f32/f16 kernels sum in the reference
//! order, but WGSL may fuse a multiply and an add, so scores may differ in the last bits:
//! the tolerance is 1e-5 × the largest |score| in the list, far above a few ulps of
//! fused rounding at these dimensions and far below the score gaps of the fixtures. The
//! int8 kernel is exact integer arithmetic plus the same two f32 products as the CPU. To
//! make "ids equal exactly" meaningful, each check first asks the reference for k + 1 items
//! and requires consecutive reference scores to differ by more than twice the tolerance: a
//! near-tie would make either order correct, and the fixtures are checked to have none.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect, JSON};
use serde_json::{json, Value};
use shopwindow::VectorDtype;
use shopwindow_testkit::catalogs::clustered_catalog;
use shopwindow_testkit::fixtures::{golden_catalog, golden_hybrid_catalog, HybridFixture};
use shopwindow_testkit::fresh_golden::{self, golden_fresh_catalog};
use shopwindow_testkit::hybrid_golden::long_history;
use shopwindow_testkit::rules_golden::RulesCall;
use shopwindow_web::Recommender;
use shopwindow_web_gpu::GpuRecommender;
use shopwindow_webgpu::testing::{break_shaders_for_tests, override_i8_dot_for_tests};
use shopwindow_webgpu::I8Dot;
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[path = "../../web/tests/browser_common/mod.rs"]
mod browser_common;
use browser_common::{interest_labels, message, two_tastes};

wasm_bindgen_test_configure!(run_in_browser);

const DTYPES: [VectorDtype; 4] = VectorDtype::ALL;

fn js(value: &Value) -> JsValue {
    JSON::parse(&value.to_string()).expect("valid JSON")
}

fn json_of(value: &JsValue) -> Value {
    let text = JSON::stringify(value).unwrap().as_string().unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn settle(promise: Promise) -> Value {
    match promise.await {
        Ok(value) => json_of(&value),
        Err(e) => panic!("promise rejected: {e:?}"),
    }
}

/// A page's pair: the engine module's `Recommender` (handed to JS, where the WebGPU module
/// calls it) and the WebGPU module's `GpuRecommender` over it; `twin` is a second engine on
/// the same catalog, in Rust, for the interest labels a page would compute.
struct Gpu {
    rec: GpuRecommender,
    twin: Recommender,
}

impl Gpu {
    /// `GpuRecommender.create(engine, options)`, which never rejects because of the GPU.
    async fn new(bytes: Vec<u8>, options: Value) -> Gpu {
        let engine = Recommender::new(bytes.clone()).unwrap_or_else(|_| panic!("catalog loads"));
        let created = GpuRecommender::create(JsValue::from(engine).unchecked_into(), js(&options))
            .await
            .unwrap_or_else(|e| panic!("create rejected: {e:?}"));
        Gpu {
            rec: GpuRecommender::try_from_js_value(created).unwrap(),
            twin: Recommender::new(bytes).unwrap_or_else(|_| panic!("catalog loads")),
        }
    }

    /// `setBackendAsync(name)`'s status.
    async fn set(&self, name: &str, options: Value) -> Value {
        settle(self.rec.set_backend_async(name.into(), js(&options))).await
    }

    fn status(&self) -> Value {
        json_of(&self.rec.backend_status())
    }
}

/// A request, as the JS API takes it.
#[derive(Clone)]
enum Call {
    Recommend { history: Value, options: Value },
    Similar { item: String, options: Value },
}

impl Call {
    fn with_k(&self, k: u64) -> Call {
        let mut call = self.clone();
        match &mut call {
            Call::Recommend { options, .. } | Call::Similar { options, .. } => {
                options["k"] = json!(k)
            }
        }
        call
    }

    fn k(&self) -> u64 {
        match self {
            Call::Recommend { options, .. } | Call::Similar { options, .. } => {
                options["k"].as_u64().unwrap_or(10)
            }
        }
    }

    /// Whether the list is not in score order: diversified (MMR), interleaved across
    /// interests, with pinned items, or with fresh places.
    fn diversified(&self) -> bool {
        match self {
            Call::Recommend { options, .. } | Call::Similar { options, .. } => {
                options["diversity"].as_f64().unwrap_or(0.0) > 0.0
                    || options["interests"].as_bool().unwrap_or(false)
                    || options["rules"]["pins"].is_array()
                    || options["fresh"].is_object()
            }
        }
    }

    fn run_sync(&self, rec: &Recommender) -> Value {
        let result = match self {
            Call::Recommend { history, options } => rec.recommend(
                js(history),
                js(options),
                interest_labels(rec, &js(history), &js(options)),
            ),
            Call::Similar { item, options } => rec.similar(item, js(options)),
        };
        json_of(&result.unwrap_or_else(|e| panic!("reference failed: {:?}", JsValue::from(e))))
    }

    async fn run_async(&self, gpu: &Gpu) -> Value {
        settle(match self {
            Call::Recommend { history, options } => gpu.rec.recommend_async(
                js(history),
                js(options),
                interest_labels(&gpu.twin, &js(history), &js(options)),
            ),
            Call::Similar { item, options } => gpu.rec.similar_async(item, js(options)),
        })
        .await
    }
}

/// Requests with history exclusion, explicit exclusions, every filter, similar items, and
/// diversity, over items named `id(i)` with categories `cats`.
fn calls(id: impl Fn(usize) -> String, cats: [&str; 2]) -> Vec<(&'static str, Call)> {
    let history = json!([
        { "itemId": id(0), "type": "view" },
        { "itemId": id(6), "type": "view" },
        { "itemId": id(12), "type": "cart" },
        { "itemId": id(2), "type": "purchase" },
    ]);
    vec![
        (
            "personalized",
            Call::Recommend {
                history: history.clone(),
                options: json!({ "k": 10 }),
            },
        ),
        (
            "filters and exclusions",
            Call::Recommend {
                history: history.clone(),
                options: json!({
                    "k": 12,
                    "exclude": [id(18), id(24), id(30)],
                    "filters": { "categories": cats, "priceMin": 20, "priceMax": 80, "availableOnly": true },
                }),
            },
        ),
        (
            "purchased-only exclusion",
            Call::Recommend {
                history: history.clone(),
                options: json!({ "k": 20, "excludeHistory": "purchased" }),
            },
        ),
        (
            "probabilities, filtered (the normalizer still covers every item)",
            Call::Recommend {
                history: history.clone(),
                options: json!({ "k": 6, "probabilities": true, "filters": { "availableOnly": true, "categories": cats } }),
            },
        ),
        (
            "diversity",
            Call::Recommend {
                history,
                options: json!({ "k": 8, "diversity": 0.5 }),
            },
        ),
        (
            "interests: one scan per interest, interleaved",
            Call::Recommend {
                history: json!([
                    { "itemId": id(0), "type": "view" },
                    { "itemId": id(6), "type": "view" },
                    { "itemId": id(12), "type": "cart" },
                    { "itemId": id(1), "type": "view" },
                    { "itemId": id(7), "type": "purchase" },
                    { "itemId": id(13), "type": "view" },
                ]),
                options: json!({ "k": 10, "interests": true, "filters": { "availableOnly": true } }),
            },
        ),
        (
            "similar, filtered",
            Call::Similar {
                item: id(7),
                options: json!({ "k": 8, "exclude": [id(13)], "filters": { "availableOnly": true, "priceMax": 90 } }),
            },
        ),
        (
            "merchandising rules: boost, bury, pins, never show (applied after the GPU scan)",
            Call::Recommend {
                history: json!([
                    { "itemId": id(0), "type": "view" },
                    { "itemId": id(2), "type": "purchase" },
                ]),
                options: json!({ "k": 10, "probabilities": true, "rules": {
                    "boosts": [
                        { "categories": [cats[1]], "add": 0.5 },
                        { "priceMin": 70, "add": -0.5 },
                        { "ids": [id(9), id(15)], "add": 2.0 }
                    ],
                    "pins": [{ "id": id(40), "position": 1 }],
                    "neverShow": [id(6), id(12)]
                } }),
            },
        ),
        (
            "similar with rules",
            Call::Similar {
                item: id(7),
                options: json!({ "k": 8, "rules": {
                    "boosts": [{ "categories": [cats[0]], "add": 0.3 }],
                    "pins": [{ "id": id(3), "position": 0 }],
                    "neverShowCategories": [cats[1]]
                } }),
            },
        ),
    ]
}

fn items(result: &Value) -> Vec<(String, f32)> {
    result["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["score"].as_f64().unwrap() as f32,
            )
        })
        .collect()
}

fn probabilities(result: &Value) -> Vec<Option<f64>> {
    result["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["probability"].as_f64())
        .collect()
}

fn tolerance(scores: &[(String, f32)]) -> f32 {
    1e-5 * scores
        .iter()
        .fold(f32::MIN_POSITIVE, |m, (_, s)| m.max(s.abs()))
}

/// Checks `call` on `gpu` against the scalar reference; returns the largest score error.
async fn check_parity(name: &str, call: &Call, gpu: &Gpu, reference: &Recommender) -> f32 {
    let want_result = call.run_sync(reference);
    let want = items(&want_result);
    let got_result = call.run_async(gpu).await;
    // P(i|u) = exp(score − log Σ exp): the GPU sums exp in f32 per workgroup (the CPU in
    // f64), so probabilities agree to 1e-5 relative.
    let mut worst_p = 0.0f64;
    for (g, w) in probabilities(&got_result)
        .into_iter()
        .zip(probabilities(&want_result))
    {
        match (g, w) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                assert!((g - w).abs() <= 1e-5 * w, "{name}: P {g:e} vs {w:e}");
                worst_p = worst_p.max((g - w).abs() / w);
            }
            other => panic!("{name}: probabilities {other:?}"),
        }
    }
    if worst_p > 0.0 {
        console_log!("{name}: largest relative probability difference {worst_p:e}");
    }
    assert_eq!(got_result["backend"], "webgpu", "{name}: {got_result}");
    let got = items(&got_result);
    let tol = tolerance(&want);
    if !call.diversified() {
        // No near-ties among the first k + 1 reference items, or ids could legitimately
        // come in another order.
        let wider = items(&call.with_k(call.k() + 1).run_sync(reference));
        for w in wider.windows(2) {
            assert!(
                w[0].1 - w[1].1 > 2.0 * tol,
                "{name}: the fixture has a near-tie ({:?} vs {:?}); pick another",
                w[0],
                w[1]
            );
        }
    }
    let ids = |v: &[(String, f32)]| v.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&got), ids(&want), "{name}: ids differ");
    let mut worst = 0.0f32;
    for ((id, g), (_, w)) in got.iter().zip(&want) {
        let err = (g - w).abs();
        assert!(
            err <= tol,
            "{name}: {id} scored {g:e} on the GPU, {w:e} on the CPU"
        );
        worst = worst.max(err);
    }
    worst
}

fn scalar(bytes: Vec<u8>) -> Recommender {
    let rec = Recommender::new(bytes).unwrap_or_else(|_| panic!("catalog loads"));
    rec.set_backend("scalar").unwrap();
    rec
}

async fn webgpu(bytes: Vec<u8>, max_chunk_bytes: Option<u64>) -> (Gpu, Value) {
    let rec = Gpu::new(bytes, json!({ "backend": "simd" })).await;
    let status = rec
        .set("webgpu", json!({ "maxChunkBytes": max_chunk_bytes }))
        .await;
    assert_eq!(
        status["backend"], "webgpu",
        "WebGPU should work here: {status}"
    );
    assert_eq!(status["fallback"], false);
    (rec, status)
}

async fn parity_on(
    label: &str,
    bytes: Vec<u8>,
    max_chunk: Option<u64>,
    calls: &[(&str, Call)],
) -> usize {
    let reference = scalar(bytes.clone());
    let (gpu, status) = webgpu(bytes, max_chunk).await;
    let mut worst = 0.0f32;
    for (name, call) in calls {
        worst = worst.max(check_parity(&format!("{label} {name}"), call, &gpu, &reference).await);
    }
    console_log!("{label}: {status}; largest score difference {worst:e}");
    status["chunks"].as_u64().unwrap() as usize
}

/// The `fresh` golden cases the GPU scans (with history, and similar) on WebGPU: the fresh
/// places are filled in the core's completion, so the ids equal the reference's.
#[wasm_bindgen_test]
async fn fresh_lists_match_the_reference_on_webgpu() {
    let calls: Vec<(&str, Call)> = fresh_golden::cases()
        .into_iter()
        .filter(|case| case.error.is_none())
        .filter_map(|case| match case.call {
            RulesCall::Recommend { history, options }
                if history.as_array().is_some_and(|h| !h.is_empty()) =>
            {
                Some((case.name, Call::Recommend { history, options }))
            }
            RulesCall::Similar { item_id, options } => Some((
                case.name,
                Call::Similar {
                    item: item_id.to_string(),
                    options,
                },
            )),
            _ => None,
        })
        .collect();
    assert!(calls.len() >= 10);
    parity_on("fresh", golden_fresh_catalog(), None, &calls).await;
}

#[wasm_bindgen_test]
async fn golden_catalogs_match_the_reference_on_webgpu() {
    let id = |i: usize| format!("sku-{i:04}");
    for dtype in DTYPES {
        let calls = calls(id, ["shoes", "coats"]);
        let chunks = parity_on(dtype.as_str(), golden_catalog(dtype), None, &calls).await;
        assert_eq!(chunks, 1);
        // 240 items in chunks of at most 1 KiB: 13 chunks for f32, 7 for f16, 4 for i8 and
        // for i4 (widened to int8 rows on the GPU).
        let chunks = parity_on(dtype.as_str(), golden_catalog(dtype), Some(1024), &calls).await;
        assert!(chunks >= 3, "{dtype:?}: {chunks} chunks");
    }
}

#[wasm_bindgen_test]
async fn a_20k_item_catalog_matches_the_reference_on_webgpu_in_chunks() {
    let id = |i: usize| format!("item-{i}");
    for dtype in DTYPES {
        // 4-bit pairs need an even dimension.
        let dim = if dtype == VectorDtype::I4 { 38 } else { 37 };
        let bytes = clustered_catalog(dtype, 20_000, dim, 7);
        let calls = calls(id, ["c1", "c4"]);
        let chunks = parity_on(
            &format!("20k {}", dtype.as_str()),
            bytes.clone(),
            None,
            &calls,
        )
        .await;
        assert_eq!(chunks, 1);
        // ~256 KiB chunks: 2-5 chunks depending on the row size, boundaries mid-tile.
        let chunks = parity_on(
            &format!("20k {} chunked", dtype.as_str()),
            bytes,
            Some(250_000),
            &calls,
        )
        .await;
        assert!(chunks >= 2, "{dtype:?}: {chunks} chunks");
    }
}

#[wasm_bindgen_test]
async fn the_unpacked_int8_kernel_matches_too() {
    // Chromium has dot4I8Packed; force the kernel for browsers without it.
    override_i8_dot_for_tests(Some(I8Dot::Unpacked));
    let id = |i: usize| format!("item-{i}");
    let calls = calls(id, ["c2", "c5"]);
    let bytes = clustered_catalog(VectorDtype::I8, 5_000, 21, 11);
    let reference = scalar(bytes.clone());
    let (gpu, status) = webgpu(bytes, Some(40_000)).await;
    override_i8_dot_for_tests(None);
    assert!(
        status["reason"].as_str().unwrap().contains("unpacked"),
        "{status}"
    );
    for (name, call) in &calls {
        check_parity(&format!("i8 unpacked {name}"), call, &gpu, &reference).await;
    }
}

#[wasm_bindgen_test]
async fn requests_the_gpu_does_not_serve_are_scored_on_the_cpu() {
    let (gpu, _) = webgpu(golden_catalog(VectorDtype::F32), None).await;
    let history = json!([{ "itemId": "sku-0003", "type": "view" }]);
    // Pools over 256 candidates stay on the CPU (`probabilities` is served on the GPU:
    // see the parity tests).
    let options = json!({ "k": 300 });
    let result = settle(gpu.rec.recommend_async(js(&history), js(&options), None)).await;
    assert_eq!(result["backend"], "simd128", "{options}");
    // So do the interests' scans, and the answer says so.
    let two_tastes = two_tastes();
    let options = json!({ "k": 300, "interests": true });
    let interests = interest_labels(&gpu.twin, &js(&two_tastes), &js(&options));
    let result = settle(
        gpu.rec
            .recommend_async(js(&two_tastes), js(&options), interests),
    )
    .await;
    assert_eq!(result["backend"], "simd128", "{options}");
    assert!(result["items"][0]["interest"].is_number(), "{result}");
    // Cold start needs no scoring at all.
    let result = settle(
        gpu.rec
            .recommend_async(js(&json!([])), JsValue::UNDEFINED, None),
    )
    .await;
    assert_eq!(result["strategy"], "popular");
    assert_eq!(gpu.rec.backend(), "webgpu");
    // Bad input is the engine's error, as a rejection.
    let bad = gpu
        .rec
        .recommend_async(js(&history), js(&json!({ "k": "ten" })), None)
        .await
        .unwrap_err();
    assert!(message(bad).contains("`k`"));
    let bad = gpu
        .rec
        .similar_async("no-such-sku", JsValue::UNDEFINED)
        .await
        .unwrap_err();
    assert!(message(bad).contains("no-such-sku"));
}

/// The hybrid model on the GPU: the popularity term is a per-item column added after the
/// dot product, the neighbour candidates are excluded from the GPU scan and merged on the
/// host, so every request of the parity suite (probabilities included) runs there, whole or
/// chunked, and ranks as the reference does.
#[wasm_bindgen_test]
async fn hybrid_catalogs_match_the_reference_on_webgpu() {
    let id = |i: usize| format!("sku-{i:04}");
    let fixtures = [
        HybridFixture::Full(VectorDtype::F32),
        HybridFixture::Full(VectorDtype::F16),
        HybridFixture::Full(VectorDtype::I8),
        HybridFixture::NoTable,
        HybridFixture::Linear,
    ];
    for fixture in fixtures {
        let mut calls = calls(id, ["shoes", "coats"]);
        calls.push((
            "a 200-event history with decay (a large candidate set)",
            Call::Recommend {
                history: long_history(200),
                options: json!({ "k": 20, "probabilities": true, "halfLifeDays": 7, "now": 30.0 * 86_400_000.0 }),
            },
        ));
        let label = fixture.name();
        let bytes = golden_hybrid_catalog(fixture);
        assert_eq!(parity_on(&label, bytes.clone(), None, &calls).await, 1);
        let chunks = parity_on(&format!("{label} chunked"), bytes, Some(1024), &calls).await;
        assert!(chunks >= 3, "{label}: {chunks} chunks");
    }
}

/// A hybrid catalog with its vector term off ranks by a column: the CPU serves it (no
/// vectors to score), with the same answer, and says so.
#[wasm_bindgen_test]
async fn a_hybrid_without_vectors_is_scored_on_the_cpu() {
    let bytes = golden_hybrid_catalog(HybridFixture::NoVectors);
    let reference = scalar(bytes.clone());
    let (gpu, _) = webgpu(bytes, None).await;
    for (name, call) in calls(|i| format!("sku-{i:04}"), ["shoes", "coats"]) {
        let Call::Recommend { .. } = call else {
            continue;
        };
        let got = call.run_async(&gpu).await;
        assert_eq!(got["backend"], "simd128", "{name}: {got}");
        assert_eq!(items(&got), items(&call.run_sync(&reference)), "{name}");
    }
    assert_eq!(gpu.rec.backend(), "webgpu");
}

/// Resolves after `ms` milliseconds (lets browser events such as `device.lost` run).
async fn sleep_ms(ms: i32) {
    let set_timeout: js_sys::Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
        .unwrap()
        .unchecked_into();
    let wait = Promise::new(&mut |resolve, _| {
        set_timeout
            .call2(&JsValue::NULL, &resolve, &ms.into())
            .unwrap();
    });
    wait.await.unwrap();
}

/// Shadows `navigator.gpu` with `undefined` for the duration of `body`.
struct NoWebGpu(JsValue);

impl NoWebGpu {
    fn install() -> NoWebGpu {
        let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
        let descriptor = Object::new();
        Reflect::set(&descriptor, &"value".into(), &JsValue::UNDEFINED).unwrap();
        Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
        Reflect::define_property(
            navigator.unchecked_ref::<Object>(),
            &"gpu".into(),
            &descriptor,
        )
        .unwrap();
        NoWebGpu(navigator)
    }
}

impl Drop for NoWebGpu {
    fn drop(&mut self) {
        Reflect::delete_property(self.0.unchecked_ref::<Object>(), &"gpu".into()).unwrap();
    }
}

#[wasm_bindgen_test]
async fn without_navigator_gpu_webgpu_falls_back_to_the_cpu() {
    let bytes = golden_catalog(VectorDtype::I8);
    let reference = scalar(bytes.clone());
    {
        let _stub = NoWebGpu::install();
        let rec = Gpu::new(bytes.clone(), json!({ "backend": "simd" })).await;
        let status = rec.set("webgpu", json!({})).await;
        assert_eq!(status["backend"], "simd128", "{status}");
        assert_eq!(status["fallback"], true);
        assert!(
            status["reason"].as_str().unwrap().contains("navigator.gpu"),
            "{status}"
        );
        assert_eq!(rec.status(), status);
        for (name, call) in calls(|i| format!("sku-{i:04}"), ["shoes", "coats"]) {
            let got = call.run_async(&rec).await;
            assert_eq!(got["backend"], "simd128", "{name}");
            assert_eq!(items(&got), items(&call.run_sync(&reference)), "{name}");
        }
        // `create` resolves too, never rejects.
        let created = Gpu::new(bytes.clone(), json!({ "backend": "webgpu" })).await;
        assert_eq!(created.rec.backend(), "simd128");
    }
    // With WebGPU back, the same recommender can retry.
    let rec = Gpu::new(bytes, json!({ "backend": "simd" })).await;
    let status = rec.set("webgpu", json!({})).await;
    assert_eq!(status["backend"], "webgpu", "{status}");
}

#[wasm_bindgen_test]
async fn a_lost_device_falls_back_to_the_cpu_with_the_same_results() {
    let bytes = golden_catalog(VectorDtype::F16);
    let reference = scalar(bytes.clone());
    let (rec, _) = webgpu(bytes, Some(4096)).await;
    let calls_seen = Rc::new(Cell::new(0));
    let seen = calls_seen.clone();
    let handler = Closure::<dyn Fn(JsValue)>::new(move |status: JsValue| {
        assert_eq!(json_of(&status)["fallback"], true);
        seen.set(seen.get() + 1);
    });
    rec.rec.set_onfallback(Some(
        handler.as_ref().unchecked_ref::<js_sys::Function>().clone(),
    ));

    rec.rec.gpu_device().expect("a device").destroy();
    // The page hears of the loss when it happens, before any request.
    for _ in 0..100 {
        if calls_seen.get() > 0 {
            break;
        }
        sleep_ms(10).await;
    }
    assert_eq!(calls_seen.get(), 1, "onfallback fires on the loss");
    assert_eq!(rec.rec.backend(), "simd128");
    let calls = calls(|i| format!("sku-{i:04}"), ["shoes", "coats"]);
    for (name, call) in &calls {
        let got = call.run_async(&rec).await;
        assert_eq!(got["backend"], "simd128", "{name}: {got}");
        assert_eq!(items(&got), items(&call.run_sync(&reference)), "{name}");
    }
    let status = rec.status();
    assert_eq!(status["backend"], "simd128");
    assert_eq!(status["fallback"], true);
    assert!(
        status["reason"].as_str().unwrap().contains("lost"),
        "{status}"
    );
    assert_eq!(
        calls_seen.get(),
        1,
        "onfallback fires once, not again per request"
    );
    assert!(rec.rec.gpu_device().is_none());

    // Retrying gets a fresh device.
    let status = rec.set("webgpu", json!({})).await;
    assert_eq!(status["backend"], "webgpu", "{status}");
    let (name, call) = &calls[0];
    check_parity(name, call, &rec, &reference).await;

    // Lost while a request is under way: it is answered on the CPU all the same, and the
    // page hears of the loss once.
    let Call::Recommend { history, options } = call else {
        unreachable!("the first call recommends")
    };
    let pending = rec.rec.recommend_async(
        js(history),
        js(options),
        interest_labels(&rec.twin, &js(history), &js(options)),
    );
    rec.rec.gpu_device().expect("a device").destroy();
    let got = settle(pending).await;
    assert_eq!(got["backend"], "simd128", "{got}");
    assert_eq!(items(&got), items(&call.run_sync(&reference)));
    sleep_ms(20).await;
    assert_eq!(calls_seen.get(), 2, "once per loss");
    // Either the request's read-back or the `lost` event noticed first; both fall back.
    console_log!("second loss: {}", rec.status()["reason"]);
}

#[wasm_bindgen_test]
async fn a_pipeline_error_falls_back_to_the_cpu() {
    let bytes = golden_catalog(VectorDtype::F32);
    let reference = scalar(bytes.clone());
    let rec = Gpu::new(bytes, json!({ "backend": "simd" })).await;
    break_shaders_for_tests(true);
    let status = rec.set("webgpu", json!({})).await;
    break_shaders_for_tests(false);
    assert_eq!(status["backend"], "simd128", "{status}");
    assert_eq!(status["fallback"], true);
    assert!(
        status["reason"].as_str().unwrap().contains("pipeline"),
        "{status}"
    );
    let (name, call) = &calls(|i| format!("sku-{i:04}"), ["shoes", "coats"])[1];
    let got = call.run_async(&rec).await;
    assert_eq!(got["backend"], "simd128", "{name}");
    assert_eq!(items(&got), items(&call.run_sync(&reference)), "{name}");
}

#[wasm_bindgen_test]
async fn forced_and_automatic_backend_choices() {
    let bytes = golden_catalog(VectorDtype::F32);
    let rec = Gpu::new(bytes, json!({ "backend": "simd" })).await;
    for (asked, backend) in [
        ("scalar", "scalar"),
        ("simd", "simd128"),
        ("webgpu", "webgpu"),
        ("simd128", "simd128"),
    ] {
        let status = rec.set(asked, json!({})).await;
        assert_eq!(status["backend"], backend, "{asked}: {status}");
        assert_eq!(rec.rec.backend(), backend);
    }
    // auto on a small catalog never asks for a GPU.
    let status = rec.set("auto", json!({})).await;
    assert_eq!(status["backend"], "simd128");
    assert!(
        status["reason"].as_str().unwrap().contains("too small"),
        "{status}"
    );
    // auto on a catalog big enough to gain refuses a software adapter (SwiftShader here).
    let big = clustered_catalog(VectorDtype::I8, 32_768, 64, 3);
    let created = Gpu::new(big, json!({ "backend": "auto" })).await;
    let status = created.status();
    assert_eq!(status["requested"], "auto");
    console_log!("auto on 32768 × 64: {status}");
    match status["backend"].as_str().unwrap() {
        "webgpu" => assert!(status["adapter"].is_string()),
        "simd128" => assert!(
            status["reason"].as_str().unwrap().contains("software") || status["fallback"] == true,
            "{status}"
        ),
        other => panic!("auto chose {other}"),
    }
    // A bad name is rejected with the engine's message; a failed upload falls back.
    let rejected = rec
        .rec
        .set_backend_async("webgl".into(), JsValue::UNDEFINED)
        .await;
    assert!(message(rejected.unwrap_err()).contains("webgl"));
    let status = rec.set("webgpu", json!({ "maxChunkBytes": 8 })).await;
    assert_eq!(status["backend"], "simd128");
    assert_eq!(status["fallback"], true);
    assert!(
        status["reason"]
            .as_str()
            .unwrap()
            .contains("less than one item"),
        "{status}"
    );
}

/// The benchmark's WebGPU row works (its numbers mean nothing on SwiftShader).
#[cfg(feature = "bench")]
#[wasm_bindgen_test]
async fn the_benchmark_row_runs() {
    let bytes = clustered_catalog(VectorDtype::F32, 4096, 64, 5);
    let row = shopwindow_webgpu::bench::webgpu_top_k(bytes, 10, 3, None)
        .await
        .unwrap();
    assert!(row.same_ids, "{row:?}");
    assert_eq!(row.gpu_ms.len(), 3);
    console_log!(
        "bench row: {} (software: {}), gpu {:.2} ms, cpu {:.2} ms",
        row.adapter,
        row.software,
        row.gpu_median_ms(),
        row.cpu_median_ms()
    );
}
