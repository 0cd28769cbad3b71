//! The WebGPU backend: scoring and top-k in WGSL compute shaders, with the catalog uploaded
//! once. Device acquisition ([`device`]) is separate from the kernels ([`scorer`]); the
//! host-side data layout ([`layout`]) and the shader sources ([`shaders`]) are plain Rust,
//! tested natively.
//!
//! WebGPU is an accelerator on top of the CPU path, never a requirement: every way it can
//! fail (no `navigator.gpu`, no adapter, a refused device, a pipeline error, a lost device)
//! comes back as an error the façade answers by scoring on the CPU.

pub mod layout;
pub mod shaders;

#[cfg(all(target_arch = "wasm32", feature = "bench"))]
pub mod bench;
#[cfg(target_arch = "wasm32")]
pub mod device;
#[cfg(target_arch = "wasm32")]
pub mod scorer;
