//! The WebGPU backend of shopwindow: scoring and top-k in WGSL compute shaders, with the
//! catalog uploaded once.
//!
//! The whole surface is [`GpuScorer`]: [`GpuScorer::start`] gets a device and uploads a
//! catalog, [`GpuScorer::supports`] says whether a `ScanPlan` can run here,
//! [`GpuScorer::scan`] runs one and returns the core's `ScanResult`, and a few accessors
//! report what the page's backend status needs (adapter, chunks, int8 lanes, device loss).
//! Everything JS-shaped (options, status objects, promises, the choice of backend) belongs
//! to the binding crate; this one knows the core and WebGPU only, so it can later be
//! loaded as a module of its own, only where a GPU is there.
//!
//! WebGPU is an accelerator on top of the CPU path, never a requirement: every way it can
//! fail (no `navigator.gpu`, no adapter, a refused device, a pipeline error, a lost device)
//! comes back as an error the caller answers by scoring on the CPU.
//!
//! Inside: device acquisition (`device`) is separate from the kernels (`scorer`); the
//! host-side data layout (`layout`) and the shader sources ([`shaders`]) are plain Rust,
//! built and tested natively too; the rest is `cfg(target_arch = "wasm32")`.

mod error;
// The layout is used by the browser-only scorer; natively only its unit tests run.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod layout;
pub mod shaders;

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
