//! Proves the browser test harness works: this file runs in headless Chromium through
//! wasm-bindgen-test-runner and chromedriver (see crates/web/webdriver.json).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn runs_in_a_browser() {
    assert_eq!(js_sys::Math::abs(-1.0), 1.0);

    // Only a browser has `navigator`; Node would fail here, which is the point.
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .expect("global object has a navigator");
    assert!(navigator.is_object(), "not running in a browser");

    // WebGPU is expected in headless Chromium with --enable-unsafe-webgpu, but whether it
    // is there is the WebGPU backend's business; the harness only reports it.
    let gpu = js_sys::Reflect::get(&navigator, &"gpu".into()).unwrap_or_default();
    wasm_bindgen_test::console_log!("navigator.gpu present: {}", !gpu.is_undefined());
}
