//! Getting a WebGPU device: `navigator.gpu`, an adapter, and a device with the limits the
//! catalog needs. Separate from the kernels so each failure has one place and one message.
//! (`device.lost` is offered by `GpuScorer::lost`; the caller owns the fallback.)

use std::cell::Cell;

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Gpu, GpuAdapter, GpuDevice, GpuDeviceDescriptor};

use crate::shaders::{I8Dot, PACKED_DOT_FEATURE};

/// A device and what we learnt about it while getting it.
pub struct Device {
    pub device: GpuDevice,
    /// "vendor architecture" (or the description), for the report to the page.
    pub adapter: String,
    /// A software adapter (SwiftShader, WARP, …): correct but slower than simd128.
    pub software: bool,
    /// How the int8 kernel multiplies lanes on this browser.
    pub i8_dot: I8Dot,
    /// Largest buffer and storage binding this device accepts, in bytes.
    pub max_buffer_bytes: u64,
}

thread_local! {
    static I8_DOT_OVERRIDE: Cell<Option<I8Dot>> = const { Cell::new(None) };
}

/// Makes later devices multiply int8 lanes this way regardless of the browser (`None`
/// restores detection): lets the browser tests run the unpacked kernel on a browser that
/// has `dot4I8Packed`.
#[doc(hidden)]
pub fn override_i8_dot_for_tests(dot: Option<I8Dot>) {
    I8_DOT_OVERRIDE.with(|o| o.set(dot));
}

/// `navigator.gpu`, read through the global object so it works in pages and workers alike,
/// and so a test can shadow it with `undefined`.
fn navigator_gpu() -> Result<Gpu, String> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or_default();
    let gpu = if navigator.is_object() {
        Reflect::get(&navigator, &"gpu".into()).unwrap_or_default()
    } else {
        JsValue::UNDEFINED
    };
    if gpu.is_undefined() || gpu.is_null() {
        return Err("navigator.gpu is missing: this browser has no WebGPU".into());
    }
    Ok(gpu.unchecked_into())
}

/// The text of a rejected promise or a thrown value: an `Error`'s message, a string as it
/// is, anything else "unknown error".
pub fn js_message(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

pub async fn acquire() -> Result<Device, String> {
    let gpu = navigator_gpu()?;
    let adapter = gpu
        .request_adapter()
        .await
        .map_err(|e| format!("requestAdapter failed: {}", js_message(&e)))?;
    let adapter: GpuAdapter = adapter
        .into_option()
        .ok_or("requestAdapter returned no adapter (no usable GPU)")?;

    // A device gets WebGPU's default limits (128 MiB per storage binding, 256 MiB per
    // buffer) unless it asks for more: ask for everything the adapter offers, so big
    // catalogs need fewer chunks.
    let limits = adapter.limits();
    let binding = limits.max_storage_buffer_binding_size();
    let buffer = limits.max_buffer_size();
    let required = Object::new();
    for (name, value) in [
        ("maxStorageBufferBindingSize", binding),
        ("maxBufferSize", buffer),
    ] {
        Reflect::set(&required, &name.into(), &value.into())
            .map_err(|e| format!("cannot build requiredLimits: {}", js_message(&e)))?;
    }
    let descriptor = GpuDeviceDescriptor::new();
    descriptor.set_required_limits(required.unchecked_ref());
    let device = adapter
        .request_device_with_descriptor(&descriptor)
        .await
        .map_err(|e| format!("requestDevice failed: {}", js_message(&e)))?;

    let info = adapter.info();
    let (vendor, architecture) = (info.vendor(), info.architecture());
    let software = info.is_fallback_adapter() || architecture == "swiftshader";
    let adapter_name = match (vendor.is_empty(), architecture.is_empty()) {
        (true, true) => info.description(),
        _ => format!("{vendor} {architecture}").trim().to_string(),
    };

    let i8_dot = I8_DOT_OVERRIDE.with(Cell::get).unwrap_or(
        if gpu.wgsl_language_features().has(PACKED_DOT_FEATURE) {
            I8Dot::Packed
        } else {
            I8Dot::Unpacked
        },
    );

    Ok(Device {
        device,
        adapter: adapter_name,
        software,
        i8_dot,
        max_buffer_bytes: binding.min(buffer) as u64,
    })
}
