//! The browser gives the same answer as the CLI: a catalog trained by `shopwindow eval
//! --golden` on UCI Online Retail, and for its evaluation users the top-20 the CLI computed
//! natively from that same file. Here the wasm build recomputes every list through the JS
//! class and must return the same ids in the same order with bit-identical scores.
//!
//! `cargo xtask test` writes the files into `SHOPWINDOW_PARITY_DIR` and builds this test
//! with the `parity-test` feature, so it never runs on stale or missing inputs.
#![cfg(all(target_arch = "wasm32", feature = "parity-test"))]

use serde::Deserialize;
use shopwindow_web::Recommender;
use wasm_bindgen_test::*;

mod browser_common;
use browser_common::js;

wasm_bindgen_test_configure!(run_in_browser);

const CATALOG: &[u8] = include_bytes!(concat!(
    env!("SHOPWINDOW_PARITY_DIR"),
    "/catalog.safetensors"
));
const GOLDEN: &str = include_str!(concat!(env!("SHOPWINDOW_PARITY_DIR"), "/golden.json"));

#[derive(Deserialize)]
struct GoldenFile {
    format: String,
    options: serde_json::Value,
    users: Vec<GoldenUser>,
}

#[derive(Deserialize)]
struct GoldenUser {
    user: String,
    history: serde_json::Value,
    expected: Vec<String>,
    scores: Vec<f32>,
}

#[derive(Deserialize)]
struct Answer {
    items: Vec<AnswerItem>,
}

#[derive(Deserialize)]
struct AnswerItem {
    id: String,
    score: f32,
}

#[wasm_bindgen_test]
fn wasm_top20_equals_the_cli_for_every_golden_user() {
    let golden: GoldenFile = serde_json::from_str(GOLDEN).expect("golden.json parses");
    assert_eq!(golden.format, "shopwindow-golden-topk");
    assert!(
        golden.users.len() >= 200,
        "only {} golden users",
        golden.users.len()
    );
    let rec = Recommender::new(CATALOG.to_vec()).unwrap_or_else(|_| panic!("catalog loads"));
    assert_eq!(rec.backend(), "simd128");
    let options = js(&golden.options);
    for user in &golden.users {
        let result = rec
            .recommend(js(&user.history), options.clone(), None)
            .unwrap_or_else(|_| panic!("user {}: recommend failed", user.user));
        let answer: Answer = serde_wasm_bindgen::from_value(result).unwrap();
        let ids: Vec<&str> = answer.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, user.expected, "user {}: ids differ", user.user);
        for (item, want) in answer.items.iter().zip(&user.scores) {
            assert_eq!(
                item.score.to_bits(),
                want.to_bits(),
                "user {}: item {} scored {} natively {}",
                user.user,
                item.id,
                item.score,
                want
            );
        }
    }
}
