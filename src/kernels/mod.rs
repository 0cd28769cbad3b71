//! Scoring kernels: the `shopwindow-kernels` crate (`crates/kernels`), re-exported so that
//! `shopwindow::kernels::…` names it, plus [`score_rows`], the dispatch over the catalog's
//! storage types (the kernels crate knows slices, not catalogs).
//!
//! The kernels live in their own crate so that the shipped wasm builds them at
//! `opt-level = 3` while the rest of the core stays size-optimized (`Cargo.toml`,
//! `[profile.wasm-release.package.shopwindow-kernels]`).

pub use shopwindow_kernels::*;

use std::ops::Range;

use crate::catalog::ItemVectors;

/// Scores items `rows` of `vectors` against `query` into `out` (`out.len() == rows.len()`).
///
/// This is the single dispatch point between storage types; the kernels crate dispatches
/// between backends, and the loops inside each backend are monomorphic so the per-item cost
/// is just the dot product.
pub fn score_rows(
    backend: Backend,
    query: &Query,
    vectors: ItemVectors<'_>,
    rows: Range<usize>,
    out: &mut [f32],
) {
    let d = query.dim();
    let span = rows.start * d..rows.end * d;
    match vectors {
        ItemVectors::F32(v) => score_f32(backend, query, &v[span], out),
        ItemVectors::F16(v) => score_f16(backend, query, &v[span], out),
        ItemVectors::I8 { values, scales } => {
            score_i8(backend, query, &values[span], &scales[rows], out)
        }
        ItemVectors::I4 { packed, scales } => {
            let bytes = rows.start * d / 2..rows.end * d / 2;
            score_i4(backend, query, &packed[bytes], &scales[rows], out)
        }
    }
}
