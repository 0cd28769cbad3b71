//! The placement tables a catalog ships besides its vectors, built from the store's event
//! log: bought together (`together`, co-purchase lift within baskets) and trending
//! (`trending`, time-decayed popularity). Items are matched to the catalog by id, so the
//! tables fit any catalog made from the same log (`train`, or a catalog evaluated by `eval`).

pub mod together;
pub mod trending;

use anyhow::{Context, Result};
use shopwindow::catalog::{with_placements, PlacementSpec};
use shopwindow::Catalog;

use crate::data::EventLog;

pub use together::{baskets, together_table, TogetherConfig};
pub use trending::{trending_scores, TrendingConfig};

/// Which tables to build (`None` = leave it out).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacementConfig {
    pub together: Option<TogetherConfig>,
    pub trending: Option<TrendingConfig>,
}

/// The catalog `bytes` with the placement tables of `log`. A table the log cannot give
/// (no timestamps: no baskets and no recency) is left out with a note on stderr.
pub fn add_placements(bytes: &[u8], log: &EventLog, config: &PlacementConfig) -> Result<Vec<u8>> {
    let catalog = Catalog::from_bytes(bytes.to_vec())?;
    let mut spec = PlacementSpec::default();
    if let Some(together) = &config.together {
        let basket_list = baskets(log, &catalog);
        if basket_list.is_empty() {
            eprintln!("note: the interactions have no timestamps, so no baskets: no bought-together table");
        } else {
            let (table, stats) = together_table(&basket_list, catalog.len(), together);
            eprintln!("{stats}");
            spec.together = Some(table);
        }
    }
    if let Some(trending) = &config.trending {
        match trending_scores(log, &catalog, trending) {
            Some(t) => spec.trending = Some(t),
            None => eprintln!("note: the interactions have no timestamps: no trending score"),
        }
    }
    with_placements(bytes, &spec).context("adding the placement tables")
}
