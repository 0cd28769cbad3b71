//! The WGSL sources (stripped of comments by build.rs), assembled per vector type. Plain
//! Rust with no web types, so the native test suite can validate every module the browser
//! may compile (tests/wgsl_valid.rs).
//!
//! A module is topk.wgsl plus one kernel. f32 and f16 share one kernel, score_float.wgsl,
//! and differ only in the element load put beside it (load_f32.wgsl / load_f16.wgsl); int8
//! has its own, with the lane product of the browser (dot_i8_*.wgsl).

use shopwindow::VectorDtype;

/// Scoring + per-workgroup top-k, shared by every vector type.
pub const TOPK: &str = include_str!(concat!(env!("OUT_DIR"), "/topk.wgsl"));
/// The f32/f16 dot product, over the element load `fn x(e) -> f32` of a `LOAD_*`.
pub const SCORE_FLOAT: &str = include_str!(concat!(env!("OUT_DIR"), "/score_float.wgsl"));
pub const LOAD_F32: &str = include_str!(concat!(env!("OUT_DIR"), "/load_f32.wgsl"));
pub const LOAD_F16: &str = include_str!(concat!(env!("OUT_DIR"), "/load_f16.wgsl"));
pub const SCORE_I8: &str = include_str!(concat!(env!("OUT_DIR"), "/score_i8.wgsl"));
pub const DOT_I8_PACKED: &str = include_str!(concat!(env!("OUT_DIR"), "/dot_i8_packed.wgsl"));
pub const DOT_I8_UNPACKED: &str = include_str!(concat!(env!("OUT_DIR"), "/dot_i8_unpacked.wgsl"));

/// Name of the WGSL language feature that provides `dot4I8Packed`.
pub const PACKED_DOT_FEATURE: &str = "packed_4x8_integer_dot_product";

/// How the int8 kernel multiplies four lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum I8Dot {
    /// `dot4I8Packed` (the browser reports the language feature).
    Packed,
    /// Sign-extend each lane and multiply (every WebGPU browser).
    Unpacked,
}

/// The complete module for `dtype`. `i8_dot` only matters for int8 catalogs.
pub fn module(dtype: VectorDtype, i8_dot: I8Dot) -> String {
    let parts: &[&str] = match (crate::layout::gpu_dtype(dtype), i8_dot) {
        (VectorDtype::F32, _) => &[TOPK, LOAD_F32, SCORE_FLOAT],
        (VectorDtype::F16, _) => &[TOPK, LOAD_F16, SCORE_FLOAT],
        (VectorDtype::I8 | VectorDtype::I4, I8Dot::Packed) => &[TOPK, SCORE_I8, DOT_I8_PACKED],
        (VectorDtype::I8 | VectorDtype::I4, I8Dot::Unpacked) => &[TOPK, SCORE_I8, DOT_I8_UNPACKED],
    };
    parts.join("\n")
}

/// Every module [`module`] can produce, with a name for test messages.
pub fn all_modules() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dtype in [VectorDtype::F32, VectorDtype::F16, VectorDtype::I8] {
        for dot in [I8Dot::Packed, I8Dot::Unpacked] {
            if dtype != VectorDtype::I8 && dot == I8Dot::Unpacked {
                continue;
            }
            out.push((format!("{} ({dot:?})", dtype.as_str()), module(dtype, dot)));
        }
    }
    out
}
