//! The engine module's backends (`www/pkg/shopwindow`, the one every page loads, which has
//! no GPU code), in headless Chromium: it reads from a catalog's header whether a backend
//! choice would try a GPU, takes every backend name with a status that says why it scores
//! on the CPU, and serves the WebGPU module its rows. The GPU itself is tested with that
//! module (`crates/web-gpu/tests/gpu.rs`).
#![cfg(target_arch = "wasm32")]

use js_sys::Uint8Array;
use shopwindow::VectorDtype;
use shopwindow_testkit::fixtures::golden_catalog;
use shopwindow_web::{tries_gpu, Recommender};
use wasm_bindgen_test::*;

mod browser_common;
use browser_common::{js, message};

wasm_bindgen_test_configure!(run_in_browser);

/// A catalog header alone (no tensor data): `items` × `dim` vectors stored as `dtype`.
fn header(items: usize, columns: usize, dtype: &str) -> Vec<u8> {
    let json = serde_json::json!({
        "__metadata__": {},
        "item.vectors": { "dtype": dtype, "shape": [items, columns], "data_offsets": [0, 0] },
    })
    .to_string();
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json.as_bytes());
    bytes
}

fn status(rec: &Recommender) -> serde_json::Value {
    let value = rec.backend_status().unwrap_or_else(|_| panic!("status"));
    serde_json::from_str(&String::from(js_sys::JSON::stringify(&value).unwrap())).unwrap()
}

#[wasm_bindgen_test]
fn a_gpu_is_tried_for_webgpu_always_and_for_auto_from_the_size_line() {
    let small = header(1000, 64, "I8");
    let large = header(40_000, 64, "I8");
    let tries = |h: &[u8], backend: &str| {
        tries_gpu(&Uint8Array::from(h), backend).unwrap_or_else(|_| panic!())
    };
    assert!(!tries(&small, "auto"));
    assert!(tries(&large, "auto"));
    assert!(tries(&small, "webgpu"));
    assert!(!tries(&large, "simd") && !tries(&large, "scalar"));
    // 4-bit storage holds two values per byte: 16,384 columns of bytes are 32,768 dims.
    assert!(tries(&header(64, 16_384, "U8"), "auto"));
    assert!(!tries(&header(64, 16_384, "I8"), "auto"));
    // A header that cannot be read tries nothing (the constructor reports the file);
    // an unknown backend is an error naming it.
    assert!(!tries(b"not a catalog", "webgpu"));
    let real = golden_catalog(VectorDtype::F32);
    assert!(!tries(&real, "auto"));
    // The header is enough, and a length past the end of the bytes reads nothing.
    assert!(!tries(&large[..large.len() - 1], "webgpu"));
    let err = tries_gpu(&Uint8Array::from(&small[..]), "webgl")
        .map(|_| ())
        .unwrap_err();
    assert!(message(err.into()).contains("webgl"));
}

#[wasm_bindgen_test]
fn every_backend_name_is_taken_and_the_status_says_why_it_is_the_cpu() {
    let rec = Recommender::new(golden_catalog(VectorDtype::F32)).unwrap_or_else(|_| panic!());
    rec.set_backend("auto").unwrap_or_else(|_| panic!("auto"));
    let auto = status(&rec);
    assert_eq!(auto["backend"], "simd128");
    assert_eq!(auto["fallback"], false);
    assert!(
        auto["reason"].as_str().unwrap().contains("too small"),
        "{auto}"
    );

    rec.set_backend("webgpu")
        .unwrap_or_else(|_| panic!("webgpu"));
    let forced = status(&rec);
    assert_eq!(forced["backend"], "simd128");
    assert_eq!(forced["fallback"], true);
    let reason = forced["reason"].as_str().unwrap();
    assert!(
        reason.contains("shopwindow_gpu") || reason.contains("navigator.gpu is missing"),
        "{reason}"
    );

    rec.set_backend("scalar")
        .unwrap_or_else(|_| panic!("scalar"));
    assert_eq!(rec.backend(), "scalar");
    assert!(rec.set_backend("webgl").is_err());
}

#[wasm_bindgen_test]
fn the_rows_for_the_gpu_module_are_checked_against_the_catalog() {
    let rec = Recommender::new(golden_catalog(VectorDtype::I8)).unwrap_or_else(|_| panic!());
    let part = |part: u32, start: u32, end: u32| rec.gpu_upload(part, start, end);
    let shape = part(0, 0, 0).unwrap_or_else(|_| panic!("shape"));
    assert_eq!(shape.len(), 12, "storage, dim and items as three words");
    assert_eq!(&shape[4..], &[13, 0, 0, 0, 240, 0, 0, 0], "dim and items");
    // int8 rows padded to whole words: 13 values in 16 bytes.
    assert_eq!(part(1, 0, 10).unwrap_or_else(|_| panic!()).len(), 160);
    assert_eq!(part(2, 230, 240).unwrap_or_else(|_| panic!()).len(), 160);
    let err = part(1, 200, 241).map(|_| ()).unwrap_err();
    assert!(message(err.into()).contains("240 items"));
    let err = part(7, 0, 0).map(|_| ()).unwrap_err();
    assert!(message(err.into()).contains("part 7"));
    // A token no plan gave out is refused, not guessed at.
    let err = rec.complete_scans(99, vec![0]).map(|_| ()).unwrap_err();
    assert!(message(err.into()).contains("no request 99"));
    let planned = rec
        .plan_recommend_scans(
            js(&serde_json::json!([{ "itemId": "sku-0003", "type": "purchase" }])),
            js(&serde_json::json!({ "k": 5 })),
            None,
        )
        .unwrap_or_else(|_| panic!("plans"));
    // Completed with empty slots: the CPU's answer, as `recommend` gives it.
    let answer = rec
        .complete_scans(planned[0], vec![1, 0])
        .unwrap_or_else(|_| panic!("completes"));
    let list =
        |value: &wasm_bindgen::JsValue| String::from(js_sys::JSON::stringify(value).unwrap());
    let direct = rec
        .recommend(
            js(&serde_json::json!([{ "itemId": "sku-0003", "type": "purchase" }])),
            js(&serde_json::json!({ "k": 5 })),
            None,
        )
        .unwrap_or_else(|_| panic!("recommends"));
    assert_eq!(list(&answer), list(&direct));
}
