//! What the headless-Chromium suites share: JSON in, `Error` messages out.
#![cfg(target_arch = "wasm32")]
// Each suite is its own test binary and uses the part it needs.
#![allow(dead_code)]

use js_sys::{Reflect, JSON};
use shopwindow::recommend::interests::{split_interests, INTEREST_SEED};
use shopwindow_web::Recommender;
use wasm_bindgen::{JsCast, JsValue};

/// `value` as the JS object a page would pass.
pub fn js(value: &serde_json::Value) -> JsValue {
    JSON::parse(&value.to_string()).expect("valid JSON")
}

/// The message of a thrown `Error` (or says what was thrown instead).
pub fn message(err: JsValue) -> String {
    err.dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|v| format!("not an Error: {v:?}"))
}

/// With `interests: true` in `options`, the labels a page gets from the interests module:
/// the engine's points, split by the core function that module exports.
pub fn interest_labels(rec: &Recommender, history: &JsValue, options: &JsValue) -> Option<Vec<u8>> {
    let wanted = Reflect::get(options, &"interests".into()).ok()?.as_bool()?;
    if !wanted {
        return None;
    }
    let points = rec
        .interest_points(history.clone(), options.clone())
        .unwrap_or_else(|e| panic!("interestPoints: {}", message(e.into())));
    Some(split_interests(&points, dim(rec), INTEREST_SEED))
}

/// The catalog's dimension, as a page reads it from `info()`.
pub fn dim(rec: &Recommender) -> usize {
    let info = rec.info().unwrap_or_else(|_| panic!("info"));
    Reflect::get(&info, &"dim".into())
        .unwrap()
        .as_f64()
        .unwrap() as usize
}

/// Six views over two tastes of the golden catalog: a history that splits into interests.
pub fn two_tastes() -> serde_json::Value {
    serde_json::json!([
        { "itemId": "sku-0000", "type": "view" },
        { "itemId": "sku-0006", "type": "view" },
        { "itemId": "sku-0012", "type": "view" },
        { "itemId": "sku-0001", "type": "view" },
        { "itemId": "sku-0007", "type": "view" },
        { "itemId": "sku-0013", "type": "view" },
    ])
}

/// `recommend` as the package calls it: with the interest labels when the options ask
/// for interests.
pub fn recommend(
    rec: &Recommender,
    history: JsValue,
    options: JsValue,
) -> Result<JsValue, wasm_bindgen::JsError> {
    let labels = interest_labels(rec, &history, &options);
    rec.recommend(history, options, labels)
}
