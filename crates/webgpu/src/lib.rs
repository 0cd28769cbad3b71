//! The WebGPU backend of shopwindow: scoring and top-k in WGSL compute shaders, with the
//! catalog uploaded once.
//!
//! The GPU side is [`GpuScorer`]: [`GpuScorer::start`] gets a device and uploads a catalog
//! from a [`wire::Source`], [`GpuScorer::scan`] runs one [`wire::ScanRequest`] and returns
//! the read-back words, and a few accessors report what the page's backend status needs
//! (adapter, chunks, int8 lanes, device loss). The engine's side is [`wire`]: it turns a
//! core `ScanPlan` into a request, serves the catalog's rows and columns, and merges the
//! read-back into the core's `ScanResult`. The two sides meet only through `wire`'s words,
//! so the WebGPU module (`shopwindow-web-gpu`) scores for the engine module without either
//! holding the other's memory, and is loaded only where a GPU scores. Everything JS-shaped
//! (options, status objects, promises, the choice of backend) belongs to the binding
//! crates.
//!
//! WebGPU is an accelerator on top of the CPU path, never a requirement: every way it can
//! fail (no `navigator.gpu`, no adapter, a refused device, a pipeline error, a lost device)
//! comes back as an error the caller answers by scoring on the CPU.
//!
//! Inside: device acquisition (`device`) is separate from the kernels (`scorer`); the
//! host-side data layout ([`layout`]), the wire format ([`wire`]) and the shader sources
//! ([`shaders`]) are plain Rust, built and tested natively too; the rest is
//! `cfg(target_arch = "wasm32")`.

mod error;
pub mod layout;
pub mod shaders;
pub mod wire;

#[cfg(all(target_arch = "wasm32", feature = "bench"))]
pub mod bench;
#[cfg(target_arch = "wasm32")]
mod device;
#[cfg(target_arch = "wasm32")]
mod scorer;

pub use error::{GpuError, StartError};
pub use layout::MAX_POOL;
pub use shaders::I8Dot;

#[cfg(target_arch = "wasm32")]
pub use device::js_message;
#[cfg(target_arch = "wasm32")]
pub use scorer::{GpuScorer, StartOptions};
/// The device type, for tests that simulate its loss ([`GpuScorer::device`]).
#[cfg(target_arch = "wasm32")]
pub use web_sys::GpuDevice;

/// Switches for the browser tests: paths a correct build on a current browser never takes.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod testing {
    pub use crate::device::override_i8_dot_for_tests;
    pub use crate::scorer::break_shaders_for_tests;
}
