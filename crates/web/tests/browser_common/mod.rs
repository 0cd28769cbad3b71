//! What the headless-Chromium suites share: JSON in, `Error` messages out.
#![cfg(target_arch = "wasm32")]
// Each suite is its own test binary and uses the part it needs.
#![allow(dead_code)]

use js_sys::JSON;
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
