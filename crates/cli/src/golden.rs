//! Golden files for the browser's equivalence test: a catalog, and for some evaluation
//! users their history and the top-k the core computes natively from that same file.
//!
//! `golden.json` (format `shopwindow-golden-topk`, version 1; written compact). Its
//! `history` events and `options` have the shapes of the JS API (`crates/web/src/dto.rs`),
//! so the browser test passes them to `recommend(history, options)` as they are:
//!
//! ```json
//! {
//!   "format": "shopwindow-golden-topk", "version": 1,
//!   "catalog": "catalog.safetensors",            // beside this file
//!   "options": {"k": 20, "excludeHistory": "all",
//!               "eventWeights": {"view": 1, "cart": 1, "purchase": 1}},
//!   "users": [
//!     {"user": "12347",
//!      "history": [{"itemId": "85123A", "type": "purchase"}, ...],  // one event per invoice
//!      "expected": ["22423", ...],                                    // item ids, best first
//!      "scores": [0.91, ...]}                                         // x_u · y_i of each
//!   ]
//! }
//! ```
//!
//! The recommender loaded with the catalog must return `expected` in order for each user
//! (no timestamps, so no decay; no diversity; no filters).

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use shopwindow::VectorDtype;

use crate::als::AlsConfig;
use crate::eval::core_ranker::CoreRanker;
use crate::eval::split::EvalSplit;
use crate::eval::train_catalog;
use crate::progress::Progress;

#[derive(Debug, Serialize)]
pub struct GoldenFile {
    pub format: &'static str,
    pub version: u32,
    pub catalog: &'static str,
    pub options: GoldenOptions,
    pub users: Vec<GoldenUser>,
}

/// The JS `RecommendOptions` every case uses.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoldenOptions {
    pub k: usize,
    pub exclude_history: &'static str,
    pub event_weights: EventWeightsJson,
}

#[derive(Debug, Serialize)]
pub struct EventWeightsJson {
    pub view: f32,
    pub cart: f32,
    pub purchase: f32,
}

#[derive(Debug, Serialize)]
pub struct GoldenUser {
    pub user: String,
    pub history: Vec<GoldenEvent>,
    pub expected: Vec<String>,
    pub scores: Vec<f32>,
}

/// A JS `HistoryEvent`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoldenEvent {
    pub item_id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

pub const CATALOG_FILE: &str = "catalog.safetensors";
pub const GOLDEN_FILE: &str = "golden.json";

/// Trains iALS on `split`, writes its catalog and the top-k of the first `users`
/// evaluated users into `dir`.
pub fn write(
    dir: &Path,
    split: &EvalSplit,
    als: &AlsConfig,
    dtype: VectorDtype,
    k: usize,
    users: usize,
    progress: &Progress,
) -> Result<()> {
    let bytes = train_catalog(split, als, dtype, progress)?;
    write_catalog(dir, split, &bytes, k, users)
}

/// Writes `bytes` (a catalog trained on `split`, e.g. the self-tuned hybrid) and the top-k
/// the core computes from it for the first `users` evaluated users into `dir`.
pub fn write_catalog(
    dir: &Path,
    split: &EvalSplit,
    bytes: &[u8],
    k: usize,
    users: usize,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let catalog_path = dir.join(CATALOG_FILE);
    std::fs::write(&catalog_path, bytes)
        .with_context(|| format!("writing {}", catalog_path.display()))?;
    // Rank from the bytes as written, exactly what the browser will load.
    let ranker = CoreRanker::new(std::fs::read(&catalog_path)?, &split.train.matrix)?;
    let golden = golden_file(split, &ranker, k, users)?;
    let json_path = dir.join(GOLDEN_FILE);
    std::fs::write(&json_path, serde_json::to_string(&golden)?)
        .with_context(|| format!("writing {}", json_path.display()))
}

/// The golden cases of the first `users` evaluated users.
pub fn golden_file(
    split: &EvalSplit,
    ranker: &CoreRanker<'_>,
    k: usize,
    users: usize,
) -> Result<GoldenFile> {
    let catalog = ranker.recommender().catalog();
    let mut cases = Vec::new();
    for user in split.users.iter().take(users) {
        let row = user.row as usize;
        let (columns, weights) = split.train.matrix.row(row);
        let mut history = Vec::new();
        for (&item, &w) in columns.iter().zip(weights) {
            for _ in 0..w as usize {
                history.push(GoldenEvent {
                    item_id: catalog.id(item as usize).to_string(),
                    kind: "purchase",
                });
            }
        }
        let ranked = ranker.rank_scored(row, k)?;
        cases.push(GoldenUser {
            user: split.train.users.id(user.row).to_string(),
            history,
            expected: ranked
                .iter()
                .map(|&(i, _)| catalog.id(i as usize).to_string())
                .collect(),
            scores: ranked.iter().map(|&(_, s)| s).collect(),
        });
    }
    Ok(GoldenFile {
        format: "shopwindow-golden-topk",
        version: 1,
        catalog: CATALOG_FILE,
        options: GoldenOptions {
            k,
            exclude_history: "all",
            event_weights: EventWeightsJson {
                view: 1.0,
                cart: 1.0,
                purchase: 1.0,
            },
        },
        users: cases,
    })
}
