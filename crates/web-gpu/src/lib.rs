//! The WebGPU backend as a WebAssembly module of its own (`shopwindow_gpu`).
//!
//! Few shoppers' browsers score on a GPU (it pays only for large catalogs, and only where
//! the browser offers a hardware adapter), so the engine module every page loads carries no
//! WebGPU code, and this module carries no engine: it scans the catalog of an engine
//! module's `Recommender` (the `engine` it is created with) and leaves everything else to
//! it. A request goes in two halves: the engine plans it and hands over its scans
//! (`planRecommendScans`, `planSimilarScans`), this module runs them on the GPU, and the
//! engine merges the read-backs and answers (`completeScans`); the catalog's rows come over
//! once, chunk by chunk, when the GPU starts. Only numbers cross (`shopwindow_webgpu::wire`),
//! so the answers are the engine's own, the same as on the CPU.
//!
//! WebGPU is an accelerator, never a requirement: every way it fails (no adapter, a refused
//! device, a pipeline error, a lost device) ends on the engine's CPU backend with the same
//! results, a `backendStatus` that says so, and a call of `onfallback`; no promise rejects
//! because of the GPU, only for bad input, with the engine's messages.

#[cfg(target_arch = "wasm32")]
mod recommender;
mod status;

#[cfg(target_arch = "wasm32")]
pub use recommender::{Engine, GpuRecommender};
pub use status::Status;
