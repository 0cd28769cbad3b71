//! The recommendation API the browser façade, the CLI's evaluation and the golden tests all
//! call: history in, ranked items out.
//!
//! - `options`: what a request may ask for and what it gets back;
//! - `plan`: a request validated into the catalog scans it needs ([`RecommendPlan`],
//!   [`ScanPlan`]) and the one completion every backend ends in
//!   ([`Recommender::complete`]);
//! - `cold`: the answer without history (popularity);
//! - `hybrid`: the hybrid model's score (vectors, neighbours, popularity) and its exact
//!   merge around the scan;
//! - `placements`: bought together and trending, from the catalog's offline tables;
//! - `fresh`: a share of the places for content-derived products, placed with the pins;
//! - `rules`: merchandising rules (boost / bury, pins, never show, hide recently bought),
//!   applied in the completion step so every backend shares them;
//! - `interests`: multi-interest (clusters of the history, one scan each, interleaved);
//! - `rerank`: a list the store shows, reordered for the shopper by the scan's scores;
//! - `standing`: the shopper's segment and RFM standing from one fold-in ([`Standing`]).

mod cold;
mod fresh;
pub mod hybrid;
pub mod interests;
mod options;
mod placements;
mod plan;
mod rerank;
mod rules;
#[cfg(test)]
mod rules_tests;
mod standing;

use std::sync::OnceLock;

use crate::catalog::Catalog;
use crate::error::RecommendError;
use crate::kernels::{Backend, Query};
use crate::profile::{fold_in, item_weights, Event, ProfileConfig};
use crate::topk::{scan, ItemFilter, Scored, Scoring};

pub use fresh::{Fresh, MAX_FRESH_SHARE};
pub use options::{
    HistoryExclusion, RecommendOptions, Recommendations, Recommended, SimilarOptions, Strategy,
    MAX_K,
};
pub use placements::PlacementOptions;
pub use plan::{DenseMerge, RecommendPlan, ScanColumn, ScanPlan};
pub use rerank::{RerankOptions, RerankStrategy, Reranked, RerankedItem, MAX_RERANK_ITEMS};
pub use rules::{
    Adjustment, HideBought, Pin, Rules, Selector, MAX_ADD, MAX_ADJUSTMENTS, MAX_HIDE_DAYS, MAX_PINS,
};
pub use standing::Standing;

/// A catalog plus the CPU backend that scores it.
#[derive(Debug)]
pub struct Recommender {
    catalog: Catalog,
    backend: Backend,
    /// 1/|y_i| per item, computed on the first `similar` call.
    inverse_norms: OnceLock<Vec<f32>>,
    /// The hybrid model's popularity term `t_i` per item, computed on first use.
    popularity_bias: OnceLock<Vec<f32>>,
}

impl Recommender {
    pub fn new(catalog: Catalog) -> Recommender {
        Recommender {
            catalog,
            backend: Backend::best(),
            inverse_norms: OnceLock::new(),
            popularity_bias: OnceLock::new(),
        }
    }

    pub fn with_backend(mut self, backend: Backend) -> Recommender {
        self.backend = backend;
        self
    }

    pub fn set_backend(&mut self, backend: Backend) {
        self.backend = backend;
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The shopper's vector, or `None` when the history carries no weight: empty, or only
    /// events of kinds weighted 0 (which fold-in ignores, as Spark's ALS ignores zero
    /// ratings), so the shopper is cold.
    pub fn user_vector(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
    ) -> Result<Option<Vec<f32>>, RecommendError> {
        match self.history_weights(history, profile)? {
            Some(weights) => fold_in(&self.catalog, &weights).map(Some),
            None => Ok(None),
        }
    }

    /// The history's item weights (`item_weights`), checked; `None` when none is above 0
    /// (the shopper is cold).
    fn history_weights(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
    ) -> Result<Option<Vec<(u32, f64)>>, RecommendError> {
        profile.validate()?;
        self.check_items(history.iter().map(|e| e.item))?;
        let weights = item_weights(history, profile);
        if weights.iter().all(|&(_, w)| w <= 0.0) {
            return Ok(None);
        }
        Ok(Some(weights))
    }

    /// "Recommended for you": personalized when there is history, popular otherwise.
    pub fn recommend(
        &self,
        history: &[Event],
        options: &RecommendOptions,
    ) -> Result<Recommendations, RecommendError> {
        let plan = self.plan_recommend(history, options)?;
        let results = plan
            .scans()
            .iter()
            .map(|scan| self.run_scan(scan))
            .collect();
        Ok(self.complete(plan, results))
    }

    /// "Similar items": cosine similarity to item `item`, which itself is never returned.
    pub fn similar(
        &self,
        item: u32,
        options: &SimilarOptions,
    ) -> Result<Vec<Scored>, RecommendError> {
        let plan = self.plan_similar(item, options)?;
        let result = self.run_scan(&plan);
        Ok(self
            .finish(&plan, result)
            .into_iter()
            .map(|r| Scored {
                index: r.index,
                score: r.score,
            })
            .collect())
    }

    /// `P(i|u)` for each of `items`: softmax of the shopper's scores over the whole catalog.
    /// With an empty history every item is equally likely.
    pub fn probabilities(
        &self,
        history: &[Event],
        items: &[u32],
        profile: &ProfileConfig,
    ) -> Result<Vec<f32>, RecommendError> {
        self.check_items(items.iter().copied())?;
        if let Some(hybrid) = self.catalog.hybrid() {
            return self.hybrid_probabilities(&hybrid, history, items, profile);
        }
        let Some(user) = self.user_vector(history, profile)? else {
            return Ok(vec![1.0 / self.catalog.len() as f32; items.len()]);
        };
        let query = Query::new(&user);
        let everything = ItemFilter::all(&self.catalog);
        let lse = scan(
            &self.catalog,
            self.backend,
            &Scoring::dot(&query),
            &everything,
            0,
            true,
        )
        .log_partition
        .unwrap_or(0.0);
        let mut score = [0.0f32];
        Ok(items
            .iter()
            .map(|&i| {
                crate::kernels::score_rows(
                    self.backend,
                    &query,
                    self.catalog.vectors(),
                    i as usize..i as usize + 1,
                    &mut score,
                );
                ((score[0] as f64) - lse).exp() as f32
            })
            .collect())
    }

    pub(crate) fn inverse_norms(&self) -> &[f32] {
        self.inverse_norms.get_or_init(|| {
            let mut row = vec![0.0f32; self.catalog.dim()];
            (0..self.catalog.len())
                .map(|i| {
                    self.catalog.row_into(i, &mut row);
                    let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
                    if norm > 0.0 {
                        1.0 / norm
                    } else {
                        0.0
                    }
                })
                .collect()
        })
    }

    pub(crate) fn check_items(
        &self,
        items: impl IntoIterator<Item = u32>,
    ) -> Result<(), RecommendError> {
        let n = self.catalog.len();
        match items.into_iter().find(|&i| i as usize >= n) {
            Some(i) => Err(RecommendError::UnknownItem(format!("#{i}"))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogBuilder, ItemRecord};
    use crate::event::EventKind;
    use crate::profile::EventWeights;

    fn recommender() -> Recommender {
        let mut builder = CatalogBuilder::new(2);
        for (i, v) in [[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]].iter().enumerate() {
            let mut item = ItemRecord::new(format!("i{i}"));
            item.popularity = i as f32;
            builder.push(item, v).unwrap();
        }
        Recommender::new(Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap())
    }

    fn event(item: u32, kind: EventKind) -> Event {
        Event {
            item,
            kind,
            timestamp_ms: None,
        }
    }

    #[test]
    fn a_history_weighted_zero_is_a_cold_start() {
        let r = recommender();
        let options = RecommendOptions {
            profile: ProfileConfig {
                weights: EventWeights {
                    view: 0.0,
                    cart: 3.0,
                    purchase: 5.0,
                },
                ..ProfileConfig::default()
            },
            ..RecommendOptions::default()
        };
        let views = [event(0, EventKind::View)];
        let cold = r.recommend(&views, &options).unwrap();
        assert_eq!(cold.strategy, Strategy::Popular);
        assert_eq!(cold.items[0].index, 2, "most popular first");
        // One weighted event makes it personal.
        let bought = [event(0, EventKind::View), event(1, EventKind::Purchase)];
        let personal = r.recommend(&bought, &options).unwrap();
        assert_eq!(personal.strategy, Strategy::Personalized);
    }
}
