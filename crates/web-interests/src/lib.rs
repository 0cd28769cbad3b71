//! Multi-interest clustering as a WebAssembly module of its own (`shopwindow_interests`).
//!
//! `recommend({ interests: true })` splits the shopper's history into interests with
//! k-means and a silhouette test. Few pages ask for it, so the engine module every page
//! loads does not carry that code: the engine hands over the history's points
//! (`Recommender.interestPoints`: unit vectors, plain numbers), this module labels them,
//! and the engine takes the labels back with the request (`recommend(history, options,
//! labels)`). The npm package fetches this module on the first such request and does the
//! hand-over itself. Nothing but numbers crosses, so the module needs no serde and no
//! knowledge of catalogs.

use shopwindow::recommend::interests::{self, INTEREST_SEED};
use wasm_bindgen::prelude::*;

/// The interest of each point of `points` (unit vectors of `dim` values, row after row, as
/// `interestPoints` returns them), or no labels when the points are one interest (too few,
/// no clear split, or not a whole number of rows). Always the same labels for the same
/// points: the k-means seed is fixed, as it is natively.
#[wasm_bindgen(js_name = splitInterests)]
pub fn split_interests(points: &[f32], dim: usize) -> Vec<u8> {
    interests::split_interests(points, dim, INTEREST_SEED)
}
