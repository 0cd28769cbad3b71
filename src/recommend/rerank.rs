//! Personalizing a list the store already shows (a category grid, search results): each
//! given item is scored for the shopper by the model, and the model's order is mixed with
//! the store's by a `strength`.
//!
//! # The semantics
//!
//! - **Scores.** An item's score is exactly the one the recommendation scan gives it
//!   ([`Recommender::recommend`] with no filter and no history exclusion): the dot product
//!   with the fold-in vector, plus the hybrid model's popularity term `t_i` and neighbour
//!   term `w_nb · nb_i` when the catalog ships one. It is computed by the scan's own
//!   [`Scoring`] (one kernel call per given item, `Scoring::score_items`), so no second
//!   formula exists. Multi-interest is not used: the shopper is one vector.
//! - **Mixing.** Let the n known items have store rank `s` (their order in the given list,
//!   0-based, unknown ids skipped) and model rank `m` (score descending, ties by store
//!   rank). Each item's key is `(1 − strength) · s + strength · m` in f32 (the subtraction,
//!   two multiplies, one add, in that order; ranks below 2^24 are exact); the list is the
//!   items by key ascending, ties by `s`. This is the weighted sum of the two ranks
//!   normalized by `n − 1` (the same divisor on both sides, so it is left out). Strength 0
//!   is the store's order exactly, 1 the model's, and 0.5 moves an item only as far as the
//!   two orders disagree on it.
//! - **Unknown ids** (`None`: not in the catalog, e.g. added after it was built) keep their
//!   position; the known items fill the other positions in the mixed order.
//! - **A shopper without weighted history** (empty, or only events weighted 0) gets the
//!   store's order unchanged and no scores: the store's order is already its best list for
//!   a stranger, and popularity would only repeat what a category page sorts by.
//! - History items are neither removed nor moved: the store decides what the list holds.

use super::Recommender;
use crate::error::RecommendError;
use crate::kernels::Query;
use crate::profile::{fold_in, Event, ProfileConfig};
use crate::topk::{Scored, Scoring, TopK};

use super::hybrid::HybridScores;
use crate::number::Num;

/// The longest list [`Recommender::rerank`] takes: a page's list, not a catalog. Each item
/// costs one kernel call, so 1,000 stays well under a frame.
pub const MAX_RERANK_ITEMS: usize = 1000;

/// Options of [`Recommender::rerank`].
#[derive(Debug, Clone, PartialEq)]
pub struct RerankOptions {
    /// 0 keeps the store's order, 1 is the model's order; in between mixes the ranks.
    pub strength: f32,
    pub profile: ProfileConfig,
}

impl Default for RerankOptions {
    fn default() -> Self {
        RerankOptions {
            strength: 1.0,
            profile: ProfileConfig::default(),
        }
    }
}

/// One slot of a reranked list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RerankedItem {
    /// Where the item was in the given list (unknown ids stay at theirs).
    pub position: usize,
    /// The catalog item, `None` for an id the catalog does not have.
    pub item: Option<u32>,
    /// The model's score; `None` for an unknown id or a shopper without history.
    pub score: Option<f32>,
}

/// How a reranked list was ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RerankStrategy {
    /// Mixed with the model's order by `strength`.
    Personalized,
    /// The store's order as given: the shopper has no weighted history.
    StoreOrder,
}

/// The answer of [`Recommender::rerank`]: every given slot once, in the new order.
#[derive(Debug, Clone, PartialEq)]
pub struct Reranked {
    pub items: Vec<RerankedItem>,
    pub strategy: RerankStrategy,
}

impl Recommender {
    /// The store's list `items` (`None` = an id the catalog does not have) reordered for
    /// the shopper with `history`; see the module documentation for the exact rule.
    ///
    /// Errors: `strength` not a number in [0, 1], more than [`MAX_RERANK_ITEMS`] items, an
    /// index outside the catalog, a bad profile.
    pub fn rerank(
        &self,
        history: &[Event],
        items: &[Option<u32>],
        options: &RerankOptions,
    ) -> Result<Reranked, RecommendError> {
        check_rerank_options(items.len(), options.strength)?;
        self.check_items(items.iter().flatten().copied())?;
        let Some(weights) = self.history_weights(history, &options.profile)? else {
            return Ok(Reranked {
                items: (0..items.len())
                    .map(|position| RerankedItem {
                        position,
                        item: items[position],
                        score: None,
                    })
                    .collect(),
                strategy: RerankStrategy::StoreOrder,
            });
        };
        let known: Vec<u32> = items.iter().flatten().copied().collect();
        let scores = self.shopper_scores(&weights, &known)?;
        let order = mixed_order(&scores, options.strength);
        let positions: Vec<usize> = (0..items.len()).filter(|&p| items[p].is_some()).collect();
        let mut next = order.into_iter();
        let reranked = (0..items.len())
            .map(|position| match items[position] {
                None => RerankedItem {
                    position,
                    item: None,
                    score: None,
                },
                Some(_) => {
                    let k = next.next().expect("one known item per known position");
                    RerankedItem {
                        position: positions[k],
                        item: Some(known[k]),
                        score: Some(scores[k]),
                    }
                }
            })
            .collect();
        Ok(Reranked {
            items: reranked,
            strategy: RerankStrategy::Personalized,
        })
    }

    /// The scan's score of each of `items` for the shopper with item weights `weights`
    /// (at least one above 0): the scoring `plan_recommend` builds, applied to these rows.
    fn shopper_scores(
        &self,
        weights: &[(u32, f64)],
        items: &[u32],
    ) -> Result<Vec<f32>, RecommendError> {
        let mut out = vec![0.0f32; items.len()];
        match self.catalog.hybrid() {
            Some(hybrid) => {
                let user = if hybrid.params.vectors {
                    Some(fold_in(&self.catalog, weights)?)
                } else {
                    None
                };
                let scores = HybridScores::new(self, &hybrid, weights, user.as_deref());
                let terms = scores.neighbour_terms();
                let scoring = Scoring {
                    sparse: &terms,
                    ..scores.scoring()
                };
                scoring.score_items(&self.catalog, self.backend, items, &mut out);
            }
            None => {
                let query = Query::new(&fold_in(&self.catalog, weights)?);
                Scoring::dot(&query).score_items(&self.catalog, self.backend, items, &mut out);
            }
        }
        Ok(out)
    }
}

fn check_rerank_options(len: usize, strength: f32) -> Result<(), RecommendError> {
    if !(0.0..=1.0).contains(&strength) {
        return Err(RecommendError::InvalidOption {
            name: "strength",
            reason: format!("{} is not a number between 0 and 1", Num(strength)),
        });
    }
    if len > MAX_RERANK_ITEMS {
        return Err(RecommendError::InvalidOption {
            name: "items",
            reason: format!("{len} items; rerank takes at most {MAX_RERANK_ITEMS}"),
        });
    }
    Ok(())
}

/// The store ranks `0..scores.len()` reordered by `(1 − strength) · s + strength · m`
/// ascending, ties by `s`, where `m` is the model rank (score descending, ties by `s`).
fn mixed_order(scores: &[f32], strength: f32) -> Vec<usize> {
    let n = scores.len();
    let by_model = best_first(scores.iter().copied());
    let mut model_rank = vec![0usize; n];
    for (m, &s) in by_model.iter().enumerate() {
        model_rank[s] = m;
    }
    let keep = 1.0 - strength;
    // Ascending key = descending negated key; ties go to the lower store rank either way.
    best_first((0..n).map(|s| -(keep * s as f32 + strength * model_rank[s] as f32)))
}

/// Positions `0..` of `scores` by [`rank_order`](crate::topk::rank_order) (score
/// descending, then position): the top-k heap the scan selects with, which keeps a second
/// sort out of the wasm.
fn best_first(scores: impl ExactSizeIterator<Item = f32>) -> Vec<usize> {
    let mut top = TopK::new(scores.len());
    for (at, score) in scores.enumerate() {
        top.push(Scored {
            index: at as u32,
            score,
        });
    }
    top.into_sorted()
        .into_iter()
        .map(|s| s.index as usize)
        .collect()
}

#[cfg(test)]
#[path = "rerank_tests.rs"]
mod tests;
