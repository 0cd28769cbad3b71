//! The `fresh` parity file: `eval --cold-start --golden DIR` writes the cold split's catalog
//! with its new products (content-derived vectors, `content.items` set) and, for its first
//! customers, the lists the core returns for `recommend` with `fresh: { share:
//! FRESH_SHARE }`, in `golden.json`'s format (`crate::golden`). The options travel in the
//! file, so the browser's parity test (`crates/web/tests/parity.rs`) replays them as they
//! are and must return the same ids with bit-identical scores.

use std::path::Path;

use anyhow::{ensure, Context, Result};
use serde_json::json;
use shopwindow::recommend::Fresh;
use shopwindow::{Catalog, Recommender};

use super::cold::ColdSplit;
use super::core_ranker::{history_events, CoreRanker};
use crate::golden::{GoldenEvent, GoldenUser, CATALOG_FILE, GOLDEN_FILE};

/// The share of each list for new products in the parity file.
pub const FRESH_SHARE: f64 = 0.1;

/// Writes `catalog` (the cold split's catalog with its new products) and the top-k with
/// `fresh` of the split's first `users` customers into `dir`.
pub fn write(dir: &Path, split: &ColdSplit, catalog: &[u8], k: usize, users: usize) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let catalog_path = dir.join(CATALOG_FILE);
    std::fs::write(&catalog_path, catalog)
        .with_context(|| format!("writing {}", catalog_path.display()))?;
    // Rank from the bytes as written, exactly what the browser will load.
    let recommender = Recommender::new(
        Catalog::from_bytes(std::fs::read(&catalog_path)?).context("reading the catalog back")?,
    );
    let catalog = recommender.catalog();
    ensure!(
        catalog.content_derived_items() > 0,
        "the cold split has no new products to give fresh places to"
    );
    let options = shopwindow::RecommendOptions {
        fresh: Some(Fresh { share: FRESH_SHARE }),
        ..CoreRanker::options(k)
    };
    let mut cases = Vec::new();
    for user in split.users.iter().take(users) {
        let (columns, weights) = split.train.matrix.row(user.row as usize);
        let history = history_events(columns, weights)?;
        let list = recommender
            .recommend(&history, &options)
            .context("the core recommender failed")?;
        cases.push(GoldenUser {
            user: split.train.users.id(user.row).to_string(),
            history: history
                .iter()
                .map(|e| GoldenEvent {
                    item_id: catalog.id(e.item as usize).to_string(),
                    kind: "purchase",
                })
                .collect(),
            expected: list
                .items
                .iter()
                .map(|r| catalog.id(r.index as usize).to_string())
                .collect(),
            scores: list.items.iter().map(|r| r.score).collect(),
        });
    }
    let golden = json!({
        "format": "shopwindow-golden-topk",
        "version": 1,
        "catalog": CATALOG_FILE,
        "options": {
            "k": k,
            "excludeHistory": "all",
            "eventWeights": { "view": 1.0, "cart": 1.0, "purchase": 1.0 },
            "fresh": { "share": FRESH_SHARE },
        },
        "users": cases,
    });
    let json_path = dir.join(GOLDEN_FILE);
    std::fs::write(&json_path, serde_json::to_string(&golden)?)
        .with_context(|| format!("writing {}", json_path.display()))
}
