//! The recommendation API the browser façade, the CLI's evaluation and the golden tests all
//! call: history in, ranked items out.

use std::sync::OnceLock;

use crate::catalog::Catalog;
use crate::error::RecommendError;
use crate::kernels::{Backend, Query};
use crate::profile::{fold_in, item_weights, Event, EventKind, ProfileConfig};
use crate::segment::interests::{interest_clusters, INTEREST_SEED};
use crate::segment::{shopper_segment, ShopperSegment};
use crate::topk::{diversify, scan, FilterSpec, ItemFilter, ItemWeights, ScanResult, Scored, TopK};

/// Which history items never come back as recommendations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistoryExclusion {
    /// Everything the shopper viewed, carted or bought.
    #[default]
    All,
    /// Only what they bought.
    Purchased,
    /// Nothing: history items may be recommended again.
    None,
}

/// Options of [`Recommender::recommend`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendOptions {
    pub k: usize,
    pub filter: FilterSpec,
    pub exclude_history: HistoryExclusion,
    /// 0 = rank by relevance only; up to 1 = strongest MMR diversification.
    pub diversity: f32,
    /// Also compute the calibrated click probability `P(i|u)` of each returned item.
    pub probabilities: bool,
    /// Category of the page being viewed; ranks that category first on cold start.
    pub context_category: Option<u32>,
    pub profile: ProfileConfig,
    /// Multi-interest: split the history into interests and interleave one list per
    /// interest (see [`Recommender::finish_interests`]). Off by default: on Online Retail it
    /// does not raise recall@20 (BENCHMARKS.md).
    pub interests: bool,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        RecommendOptions {
            k: 10,
            filter: FilterSpec::default(),
            exclude_history: HistoryExclusion::All,
            diversity: 0.0,
            probabilities: false,
            context_category: None,
            profile: ProfileConfig::default(),
            interests: false,
        }
    }
}

/// Options of [`Recommender::similar`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarOptions {
    pub k: usize,
    pub filter: FilterSpec,
    pub diversity: f32,
}

impl Default for SimilarOptions {
    fn default() -> Self {
        SimilarOptions {
            k: 10,
            filter: FilterSpec::default(),
            diversity: 0.0,
        }
    }
}

/// How a list was produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// From the shopper's folded-in vector.
    Personalized,
    /// Cold start: by popularity (optionally the page's category first).
    Popular,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Personalized => "personalized",
            Strategy::Popular => "popular",
        }
    }
}

/// One recommended item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recommended {
    pub index: u32,
    pub score: f32,
    /// `P(i|u)` over the whole catalog, when requested and personalized (with interests:
    /// under the vector of the interest that proposed the item).
    pub probability: Option<f32>,
    /// The interest that proposed the item (0 = the one with most history items), when the
    /// list was interleaved from two or more interests.
    pub interest: Option<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendations {
    pub items: Vec<Recommended>,
    pub strategy: Strategy,
}

/// One pass over the catalog that a request needs: what [`scan`] takes. Built by
/// [`Recommender::plan_recommend`] / [`Recommender::plan_similar`], run by
/// [`Recommender::run_scan`] or by another backend, finished by [`Recommender::finish`].
#[derive(Debug, Clone)]
pub struct ScanPlan<'r> {
    pub query: Query,
    pub filter: ItemFilter<'r>,
    /// How many candidates the scan keeps (more than the request's k when diversifying).
    pub pool: usize,
    /// Whether the scan must also compute the softmax normalizer.
    pub log_partition: bool,
    /// Per-item score multipliers (inverse norms for `similar`).
    pub weights: ItemWeights<'r>,
    k: usize,
    diversity: f32,
}

/// What [`Recommender::plan_recommend`] decided.
#[derive(Debug)]
pub enum RecommendPlan<'r> {
    /// Answered without scoring (cold start).
    Ready(Recommendations),
    /// Needs this scan, then [`Recommender::finish`].
    Scan(ScanPlan<'r>),
    /// Multi-interest: one scan per interest, largest interest first, then
    /// [`Recommender::finish_interests`].
    Interests(Vec<ScanPlan<'r>>),
}

impl<'r> RecommendPlan<'r> {
    /// The catalog scans the plan needs, in the order [`Recommender::complete`] expects
    /// their results (none when the plan is already answered).
    pub fn scans(&self) -> &[ScanPlan<'r>] {
        match self {
            RecommendPlan::Ready(_) => &[],
            RecommendPlan::Scan(plan) => std::slice::from_ref(plan),
            RecommendPlan::Interests(plans) => plans,
        }
    }
}

/// Largest k a request may ask for.
pub const MAX_K: usize = 1000;

/// A catalog plus the CPU backend that scores it.
#[derive(Debug)]
pub struct Recommender {
    catalog: Catalog,
    backend: Backend,
    /// 1/|y_i| per item, computed on the first `similar` call.
    inverse_norms: OnceLock<Vec<f32>>,
}

impl Recommender {
    pub fn new(catalog: Catalog) -> Recommender {
        Recommender {
            catalog,
            backend: Backend::best(),
            inverse_norms: OnceLock::new(),
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
        profile.validate()?;
        self.check_items(history.iter().map(|e| e.item))?;
        let weights = item_weights(history, profile);
        if weights.iter().all(|&(_, w)| w <= 0.0) {
            return Ok(None);
        }
        fold_in(&self.catalog, &weights).map(Some)
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

    /// The one way a planned recommendation becomes a list, whichever backend ran its
    /// scans: `results` are the scans of [`RecommendPlan::scans`], in that order. The CPU
    /// path ([`Recommender::recommend`]) and the browser's WebGPU path both end here, so
    /// the rules after the scan (diversity, probabilities, interleaving, the strategy) are
    /// written once.
    ///
    /// # Panics
    /// When `results` does not hold one result per scan of the plan.
    pub fn complete(&self, plan: RecommendPlan<'_>, results: Vec<ScanResult>) -> Recommendations {
        assert_eq!(
            plan.scans().len(),
            results.len(),
            "one scan result per planned scan"
        );
        match plan {
            RecommendPlan::Ready(done) => done,
            RecommendPlan::Scan(plan) => {
                let result = results.into_iter().next().expect("checked above");
                Recommendations {
                    items: self.finish(&plan, result),
                    strategy: Strategy::Personalized,
                }
            }
            RecommendPlan::Interests(plans) => Recommendations {
                items: self.finish_interests(&plans, results),
                strategy: Strategy::Personalized,
            },
        }
    }

    /// The first half of [`Recommender::recommend`]: validates the request and either
    /// answers it (cold start) or says which catalog scan it needs. A caller with another
    /// scoring backend (the browser's WebGPU path) runs that scan itself and hands the
    /// result to [`Recommender::finish`]; `recommend` is exactly this with [`run_scan`].
    ///
    /// [`run_scan`]: Recommender::run_scan
    pub fn plan_recommend(
        &self,
        history: &[Event],
        options: &RecommendOptions,
    ) -> Result<RecommendPlan<'_>, RecommendError> {
        check_k(options.k)?;
        check_diversity(options.diversity)?;
        let mut spec = options.filter.clone();
        spec.exclude.extend(history.iter().filter_map(|e| {
            let excluded = match options.exclude_history {
                HistoryExclusion::All => true,
                HistoryExclusion::Purchased => e.kind == EventKind::Purchase,
                HistoryExclusion::None => false,
            };
            excluded.then_some(e.item)
        }));
        self.check_items(spec.exclude.iter().copied())?;
        let filter = ItemFilter::new(&self.catalog, &spec)?;

        let Some(user) = self.user_vector(history, &options.profile)? else {
            let items = self.popular(&filter, options.k, options.context_category);
            return Ok(RecommendPlan::Ready(Recommendations {
                items: items
                    .into_iter()
                    .map(|s| Recommended {
                        index: s.index,
                        score: s.score,
                        probability: None,
                        interest: None,
                    })
                    .collect(),
                strategy: Strategy::Popular,
            }));
        };
        if options.interests {
            let interests = self.interest_vectors(history, &options.profile)?;
            if interests.len() >= 2 {
                return Ok(RecommendPlan::Interests(
                    interests
                        .iter()
                        .map(|x| personal_scan(x, filter.clone(), options))
                        .collect(),
                ));
            }
        }
        Ok(RecommendPlan::Scan(personal_scan(&user, filter, options)))
    }

    /// One fold-in vector per interest of the history (largest interest first): the
    /// fold-in of the history's events on that interest's items. Only items the profile
    /// weighs above 0 are clustered, so every interest has a vector. One vector means the
    /// history is one interest.
    pub fn interest_vectors(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
    ) -> Result<Vec<Vec<f32>>, RecommendError> {
        let weights = item_weights(history, profile);
        // `item_weights` is sorted by item.
        let weighed = |item: u32| {
            weights
                .binary_search_by_key(&item, |&(i, _)| i)
                .is_ok_and(|at| weights[at].1 > 0.0)
        };
        let weighted: Vec<Event> = history
            .iter()
            .filter(|e| weighed(e.item))
            .copied()
            .collect();
        interest_clusters(self, &weighted, INTEREST_SEED)
            .iter()
            .map(|items| {
                let events: Vec<Event> = weighted
                    .iter()
                    .filter(|e| items.contains(&e.item))
                    .copied()
                    .collect();
                fold_in(&self.catalog, &item_weights(&events, profile))
            })
            .collect()
    }

    /// Runs a planned scan on this recommender's CPU backend.
    pub fn run_scan(&self, plan: &ScanPlan<'_>) -> ScanResult {
        scan(
            &self.catalog,
            self.backend,
            &plan.query,
            &plan.filter,
            plan.pool,
            plan.log_partition,
            plan.weights,
        )
    }

    /// The second half of a planned request: diversity and probabilities over the scan's
    /// candidates (`result.top`, best first, as [`scan`] returns them).
    pub fn finish(&self, plan: &ScanPlan<'_>, result: ScanResult) -> Vec<Recommended> {
        let ranked = if plan.diversity > 0.0 {
            diversify(&self.catalog, &result.top, plan.k, plan.diversity)
        } else {
            result.top
        };
        ranked
            .into_iter()
            .map(|s| Recommended {
                index: s.index,
                score: s.score,
                probability: result
                    .log_partition
                    .map(|lse| ((s.score as f64) - lse).exp() as f32),
                interest: None,
            })
            .collect()
    }

    /// The second half of a multi-interest request: each interest's scan finished as
    /// [`Recommender::finish`] does (so diversity and probabilities apply per interest),
    /// then the lists interleaved round-robin: rank 1 of every interest in plan order
    /// (largest interest first), then rank 2, and so on, skipping an item already taken,
    /// until k items. Deterministic: the order depends only on the lists. `results` are the
    /// scans of `plans`, in the same order.
    pub fn finish_interests(
        &self,
        plans: &[ScanPlan<'_>],
        results: Vec<ScanResult>,
    ) -> Vec<Recommended> {
        let k = plans.first().map_or(0, |p| p.k);
        let lists: Vec<Vec<Recommended>> = plans
            .iter()
            .zip(results)
            .map(|(plan, result)| self.finish(plan, result))
            .collect();
        interleave(&lists, k)
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

    /// The scan [`Recommender::similar`] runs: the item's unit vector against every item,
    /// each score weighted by the item's inverse norm (so scores are cosines).
    pub fn plan_similar(
        &self,
        item: u32,
        options: &SimilarOptions,
    ) -> Result<ScanPlan<'_>, RecommendError> {
        check_k(options.k)?;
        check_diversity(options.diversity)?;
        self.check_items(std::iter::once(item))?;
        let mut spec = options.filter.clone();
        spec.exclude.push(item);
        self.check_items(spec.exclude.iter().copied())?;
        let filter = ItemFilter::new(&self.catalog, &spec)?;
        let inverse_norms = self.inverse_norms();
        let mut query = self.catalog.row(item as usize);
        let scale = inverse_norms[item as usize];
        query.iter_mut().for_each(|v| *v *= scale);
        Ok(ScanPlan {
            query: Query::new(&query),
            filter,
            pool: pool_size(options.k, options.diversity),
            log_partition: false,
            weights: Some(inverse_norms),
            k: options.k,
            diversity: options.diversity,
        })
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
        let Some(user) = self.user_vector(history, profile)? else {
            return Ok(vec![1.0 / self.catalog.len() as f32; items.len()]);
        };
        let query = Query::new(&user);
        let everything = ItemFilter::all(&self.catalog);
        let lse = scan(
            &self.catalog,
            self.backend,
            &query,
            &everything,
            0,
            true,
            None,
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

    /// Most popular allowed items; with a context category, that category's first.
    fn popular(&self, filter: &ItemFilter<'_>, k: usize, context: Option<u32>) -> Vec<Scored> {
        let popularity = self.catalog.popularity();
        let score = |i: usize| popularity.map_or(0.0, |p| p[i]);
        let select = |in_context: &dyn Fn(usize) -> bool, k: usize| {
            let mut top = TopK::new(k);
            for i in 0..self.catalog.len() {
                let candidate = Scored {
                    index: i as u32,
                    score: score(i),
                };
                if in_context(i) && top.accepts(&candidate) && filter.allows(i as u32) {
                    top.push(candidate);
                }
            }
            top.into_sorted()
        };
        let Some(category) = context else {
            return select(&|_| true, k);
        };
        let mut items = select(&|i| self.catalog.category(i) == Some(category), k);
        if items.len() < k {
            let rest = select(
                &|i| self.catalog.category(i) != Some(category),
                k - items.len(),
            );
            items.extend(rest);
        }
        items
    }

    fn inverse_norms(&self) -> &[f32] {
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

    /// The shopper's customer segment and RFM standing (see [`crate::segment::shopper`]).
    pub fn segment(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
        now_ms: f64,
    ) -> Result<ShopperSegment, RecommendError> {
        shopper_segment(self, history, profile, now_ms)
    }

    fn check_items(&self, items: impl IntoIterator<Item = u32>) -> Result<(), RecommendError> {
        let n = self.catalog.len();
        match items.into_iter().find(|&i| i as usize >= n) {
            Some(i) => Err(RecommendError::UnknownItem(format!("#{i}"))),
            None => Ok(()),
        }
    }
}

/// Round-robin merge of ranked lists, first list first within a rank, without repeats;
/// each item is tagged with the list it came from.
fn interleave(lists: &[Vec<Recommended>], k: usize) -> Vec<Recommended> {
    let mut merged: Vec<Recommended> = Vec::with_capacity(k);
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    for rank in 0..longest {
        for (interest, list) in lists.iter().enumerate() {
            if merged.len() == k {
                return merged;
            }
            if let Some(r) = list.get(rank) {
                if !merged.iter().any(|m| m.index == r.index) {
                    merged.push(Recommended {
                        interest: u8::try_from(interest).ok(),
                        ..*r
                    });
                }
            }
        }
    }
    merged
}

fn check_k(k: usize) -> Result<(), RecommendError> {
    if k == 0 || k > MAX_K {
        return Err(RecommendError::InvalidOption {
            name: "k",
            reason: format!("{k} is not between 1 and {MAX_K}"),
        });
    }
    Ok(())
}

fn check_diversity(diversity: f32) -> Result<(), RecommendError> {
    if !(0.0..=1.0).contains(&diversity) {
        return Err(RecommendError::InvalidOption {
            name: "diversity",
            reason: format!("{diversity} is not between 0 and 1"),
        });
    }
    Ok(())
}

/// The scan of a personalized list for the shopper (or interest) vector `user`.
fn personal_scan<'r>(
    user: &[f32],
    filter: ItemFilter<'r>,
    options: &RecommendOptions,
) -> ScanPlan<'r> {
    ScanPlan {
        query: Query::new(user),
        filter,
        pool: pool_size(options.k, options.diversity),
        log_partition: options.probabilities,
        weights: None,
        k: options.k,
        diversity: options.diversity,
    }
}

/// How many candidates MMR chooses from: enough room to trade relevance for variety.
fn pool_size(k: usize, diversity: f32) -> usize {
    if diversity > 0.0 {
        (k * 4).max(40)
    } else {
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogBuilder, ItemRecord};
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

    fn item(index: u32, score: f32) -> Recommended {
        Recommended {
            index,
            score,
            probability: None,
            interest: None,
        }
    }

    #[test]
    fn interleaving_takes_each_rank_in_list_order_and_skips_repeats() {
        let a = vec![item(1, 3.0), item(2, 2.0), item(3, 1.0)];
        let b = vec![item(2, 9.0), item(4, 8.0), item(5, 7.0)];
        let merged = interleave(&[a.clone(), b.clone()], 5);
        let got: Vec<(u32, Option<u8>)> = merged.iter().map(|r| (r.index, r.interest)).collect();
        assert_eq!(
            got,
            [
                (1, Some(0)),
                (2, Some(1)),
                (4, Some(1)),
                (3, Some(0)),
                (5, Some(1))
            ]
        );
        // Item 2 keeps the score of the list that proposed it first.
        assert_eq!(merged[1].score, 9.0);
        assert_eq!(interleave(&[a.clone(), b.clone()], 2).len(), 2);
        // Fewer distinct items than k: all of them, once.
        assert_eq!(interleave(&[a.clone(), a], 10).len(), 3);
    }
}
