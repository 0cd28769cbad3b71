//! A request in two halves around the catalog scan: `plan_*` validates it and says which
//! scans it needs, any backend runs them (the CPU's [`Recommender::run_scan`], or the
//! browser's WebGPU scorer), and [`Recommender::complete`] turns the results into the
//! list. The rules before and after the scan are written once, here.

use super::fresh::{fresh_places, place_fresh};
use super::hybrid::Candidates;
use super::options::{check_diversity, check_k, pool_size};
use super::rules::{HostScores, ResolvedRules, ScanRules};
use super::{
    HistoryExclusion, RecommendOptions, Recommendations, Recommended, Recommender, SimilarOptions,
    Strategy,
};
use crate::error::RecommendError;
use crate::kernels::Query;
use crate::profile::{fold_in, Event, EventKind};
use crate::topk::{
    diversify, scan, ItemBias, ItemFilter, ItemWeights, ScanResult, Scored, Scoring, TopK,
};

/// One pass over the catalog that a request needs: what [`scan`] takes. Built by
/// [`Recommender::plan_recommend`] / [`Recommender::plan_similar`], run by
/// [`Recommender::run_scan`] or by another backend, finished by [`Recommender::finish`].
#[derive(Debug, Clone)]
pub struct ScanPlan<'r> {
    /// The shopper's (or the item's) vector; `None` when the scan ranks by `bias` alone (a
    /// hybrid catalog with its vector term off).
    pub query: Option<Query>,
    pub filter: ItemFilter<'r>,
    /// How many candidates the scan keeps (more than the request's k when diversifying).
    pub pool: usize,
    /// Whether the scan must also compute the softmax normalizer.
    pub log_partition: bool,
    /// Per-item score multipliers (inverse norms for `similar`).
    pub weights: ItemWeights<'r>,
    /// Per-item terms added after the dot product (the hybrid model's popularity term).
    pub bias: ItemBias<'r>,
    pub(super) k: usize,
    pub(super) diversity: f32,
    /// The hybrid model's neighbour terms `w_nb · nb_i` of its candidates, ascending by
    /// item, added to those items' scores inside the scan (empty without a hybrid). A
    /// backend that cannot add them runs [`ScanPlan::dense`] instead.
    pub(super) neighbour_terms: Vec<(u32, f32)>,
    /// The merchandising rules' adjusted and pinned items: excluded by `filter`, scored on
    /// the host and merged in [`Recommender::finish`] (see `rules.rs`).
    pub(super) rules: ScanRules,
    /// The places for content-derived products (`fresh.rs`); 0 = none.
    pub(super) fresh: usize,
}

impl<'r> ScanPlan<'r> {
    /// How the scan scores each item.
    pub fn scoring(&self) -> Scoring<'_> {
        Scoring {
            query: self.query.as_ref(),
            weights: self.weights,
            bias: self.bias,
            sparse: &self.neighbour_terms,
        }
    }

    /// Whether some items' scores carry a term of their own ([`ScanPlan::scoring`]'s
    /// `sparse`), which a backend scoring every item alike cannot add.
    pub fn has_sparse_terms(&self) -> bool {
        !self.neighbour_terms.is_empty()
    }

    /// This scan for a backend that scores every item alike (the WebGPU scorer): the same
    /// scan with the items that carry a sparse term left out, and the merge that turns its
    /// result into this plan's. The left-out items are scored in full on the host, so the
    /// merged list is exactly [`Recommender::run_scan`]'s (see `hybrid.rs`, "Exact top-k").
    pub fn dense(&self, recommender: &Recommender) -> (ScanPlan<'r>, DenseMerge) {
        if self.neighbour_terms.is_empty() {
            return (self.clone(), DenseMerge::default());
        }
        let merge = DenseMerge {
            candidates: Some(Candidates::score(recommender, self)),
            pool: self.pool,
        };
        (self.dense_scan(), merge)
    }

    /// [`ScanPlan::dense`]'s scan alone, without scoring the left-out items: what a
    /// backend's request needs before the scan (the merge is made when its result is in).
    pub fn dense_scan(&self) -> ScanPlan<'r> {
        if self.neighbour_terms.is_empty() {
            return self.clone();
        }
        let items: Vec<u32> = self.neighbour_terms.iter().map(|&(i, _)| i).collect();
        ScanPlan {
            filter: self.filter.excluding_sorted(&items),
            neighbour_terms: Vec::new(),
            ..self.clone()
        }
    }
}

/// The per-item columns a scan may read besides the vectors ([`ScanPlan::weights`] and
/// [`ScanPlan::bias`]); each is computed once per recommender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanColumn {
    /// 1/|y_i|: `similar`'s multipliers, which turn dot products into cosines.
    InverseNorms,
    /// The hybrid model's popularity term `t_i`, added to each item's score.
    PopularityTerm,
}

impl Recommender {
    /// The values of `column` for every item, as the scans that read it see them.
    pub fn scan_column(&self, column: ScanColumn) -> &[f32] {
        match column {
            ScanColumn::InverseNorms => self.inverse_norms(),
            ScanColumn::PopularityTerm => self.popularity_bias(),
        }
    }
}

/// Turns a [`ScanPlan::dense`] scan's result into the full plan's: see there.
#[derive(Debug, Clone, Default)]
pub struct DenseMerge {
    candidates: Option<Candidates>,
    pool: usize,
}

impl DenseMerge {
    /// The dense scan's list merged with the left-out items, and its normalizer corrected
    /// for their terms.
    pub fn apply(&self, result: ScanResult) -> ScanResult {
        match &self.candidates {
            None => result,
            Some(c) => ScanResult {
                top: c.merge(result.top, self.pool),
                log_partition: result.log_partition.map(|lse| c.log_partition(lse)),
            },
        }
    }
}

/// What [`Recommender::plan_recommend`] decided.
// One plan per request, built once and moved into `complete`: boxing the scan would add an
// allocation to every request to save a copy of a few hundred bytes.
#[allow(clippy::large_enum_variant)]
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

impl Recommender {
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
        let fresh = fresh_places(options.fresh.as_ref(), options.k)?;
        self.check_items(history.iter().map(|e| e.item))?;
        let rules = options.rules.resolve(&self.catalog, history)?;
        let mut spec = options.filter.clone();
        spec.exclude.extend_from_slice(&rules.hidden);
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

        let Some(weights) = self.history_weights(history, &options.profile)? else {
            let items = self.popular(&filter, options.k, options.context_category, &rules, fresh);
            return Ok(RecommendPlan::Ready(Recommendations {
                items,
                strategy: Strategy::Popular,
            }));
        };
        let plan = self.plan_personal(history, &weights, filter, options)?;
        Ok(match plan {
            RecommendPlan::Ready(done) => RecommendPlan::Ready(done),
            RecommendPlan::Scan(scan) => RecommendPlan::Scan(with_rules(scan, &rules, fresh)),
            RecommendPlan::Interests(scans) => RecommendPlan::Interests(
                scans
                    .into_iter()
                    .map(|s| with_rules(s, &rules, fresh))
                    .collect(),
            ),
        })
    }

    /// The scans of a shopper with weighted history, before the merchandising rules.
    fn plan_personal<'r>(
        &'r self,
        history: &[Event],
        weights: &[(u32, f64)],
        filter: ItemFilter<'r>,
        options: &RecommendOptions,
    ) -> Result<RecommendPlan<'r>, RecommendError> {
        if let Some(hybrid) = self.catalog.hybrid() {
            return self.plan_hybrid(&hybrid, history, weights, filter, options);
        }
        let user = fold_in(&self.catalog, weights)?;
        if let Some(labels) = &options.interests {
            let interests = self.interest_vectors(history, &options.profile, labels)?;
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

    /// Runs a planned scan on this recommender's CPU backend.
    pub fn run_scan(&self, plan: &ScanPlan<'_>) -> ScanResult {
        scan(
            &self.catalog,
            self.backend,
            &plan.scoring(),
            &plan.filter,
            plan.pool,
            plan.log_partition,
        )
    }

    /// The second half of a planned request: the merchandising rules' adjusted items
    /// merged, diversity and probabilities over the scan's candidates (`result.top`, best
    /// first, as [`scan`] returns them), then the pins and the fresh items placed.
    pub fn finish(&self, plan: &ScanPlan<'_>, result: ScanResult) -> Vec<Recommended> {
        let host = self.host_scores(plan);
        let log_partition = result.log_partition;
        let organic = self.finish_organic(plan, result, &host);
        self.place_scan_pins(organic, plan, &host, log_partition)
    }

    /// `organic` with the plan's pins placed (`rules::place_pins`), each with its adjusted
    /// score and its model probability, and its fresh items (`fresh.rs`).
    pub(super) fn place_scan_pins(
        &self,
        organic: Vec<Recommended>,
        plan: &ScanPlan<'_>,
        host: &HostScores,
        log_partition: Option<f64>,
    ) -> Vec<Recommended> {
        let recommended = |index: u32, score: f32, raw: f32| Recommended {
            index,
            score,
            probability: log_partition.map(|lse| ((raw as f64) - lse).exp() as f32),
            interest: None,
        };
        let pins = host
            .pins()
            .iter()
            .map(|&(position, s)| (position, recommended(s.index, s.adjusted, s.raw)))
            .collect();
        let candidates = self
            .fresh_candidates(plan)
            .into_iter()
            .map(|(s, raw)| recommended(s.index, s.score, raw))
            .collect();
        place_fresh(organic, pins, candidates, plan.fresh, plan.k, |r| r.index)
    }

    /// The best content-derived items the plan's list allows (its adjusted ones included,
    /// its pinned ones not), scored on the host with the scan's arithmetic and the rules'
    /// adjustment, best first, each with its model score; none without fresh places. At
    /// most places + k of them: the list shows at most k, so that many always suffice.
    fn fresh_candidates(&self, plan: &ScanPlan<'_>) -> Vec<(Scored, f32)> {
        let n = self.catalog.len();
        let content = self.catalog.content_derived_items().min(n);
        if plan.fresh == 0 || content == 0 {
            return Vec::new();
        }
        let items: Vec<u32> = ((n - content) as u32..n as u32)
            .filter(|&i| plan.filter.allows(i) || plan.rules.adjustment_of(i).is_some())
            .collect();
        let mut raw = vec![0.0f32; items.len()];
        plan.scoring()
            .score_items(&self.catalog, self.backend, &items, &mut raw);
        // `TopK`, not a sort: a sort instantiation costs the wasm several KB.
        let mut best = TopK::new(plan.fresh + plan.k);
        for (&index, &raw) in items.iter().zip(&raw) {
            let score = match plan.rules.adjustment_of(index) {
                Some(add) if add != 0.0 => raw + add,
                _ => raw,
            };
            best.push(Scored { index, score });
        }
        best.into_sorted()
            .into_iter()
            .map(|s| {
                let at = items.binary_search(&s.index).expect("a candidate");
                (s, raw[at])
            })
            .collect()
    }

    /// The plan's adjusted and pinned items scored on the host (`rules.rs`).
    pub(super) fn host_scores(&self, plan: &ScanPlan<'_>) -> HostScores {
        plan.rules.score(self, &plan.scoring())
    }

    /// [`Recommender::finish`] without the pins.
    pub(super) fn finish_organic(
        &self,
        plan: &ScanPlan<'_>,
        result: ScanResult,
        host: &HostScores,
    ) -> Vec<Recommended> {
        let ScanResult { top, log_partition } = result;
        let top = host.merge(top, plan.pool);
        let ranked = if plan.diversity > 0.0 {
            diversify(&self.catalog, &top, plan.k, plan.diversity)
        } else {
            top
        };
        ranked
            .into_iter()
            .map(|s| {
                // The probability is the model's: of the score before any boost or bury.
                let raw = host.raw(s.index).unwrap_or(s.score);
                Recommended {
                    index: s.index,
                    score: s.score,
                    probability: log_partition.map(|lse| ((raw as f64) - lse).exp() as f32),
                    interest: None,
                }
            })
            .collect()
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
        let fresh = fresh_places(options.fresh.as_ref(), options.k)?;
        self.check_items(std::iter::once(item))?;
        self.check_items(options.history.iter().map(|e| e.item))?;
        let rules = options.rules.resolve(&self.catalog, &options.history)?;
        let mut spec = options.filter.clone();
        spec.exclude.push(item);
        spec.exclude.extend_from_slice(&rules.hidden);
        self.check_items(spec.exclude.iter().copied())?;
        let filter = ItemFilter::new(&self.catalog, &spec)?;
        let inverse_norms = self.inverse_norms();
        let mut query = self.catalog.row(item as usize);
        let scale = inverse_norms[item as usize];
        query.iter_mut().for_each(|v| *v *= scale);
        let plan = ScanPlan {
            query: Some(Query::new(&query)),
            filter,
            pool: pool_size(options.k, options.diversity),
            log_partition: false,
            weights: Some(inverse_norms),
            bias: None,
            k: options.k,
            diversity: options.diversity,
            neighbour_terms: Vec::new(),
            rules: ScanRules::default(),
            fresh: 0,
        };
        Ok(with_rules(plan, &rules, fresh))
    }
}

/// `plan` under the merchandising rules: their adjusted and pinned items (those the
/// filter allows) leave the scan, to be scored on the host in [`Recommender::finish`];
/// with `fresh` places for content-derived items.
fn with_rules<'r>(plan: ScanPlan<'r>, rules: &ResolvedRules, fresh: usize) -> ScanPlan<'r> {
    let plan = ScanPlan { fresh, ..plan };
    let (scan_rules, excluded) = rules.for_scan(&plan.filter, plan.k);
    if scan_rules.is_empty() {
        // Every item a rule touches is filtered out anyway.
        return plan;
    }
    ScanPlan {
        filter: plan.filter.excluding_sorted(&excluded),
        rules: scan_rules,
        ..plan
    }
}

/// The scan of a personalized list for the shopper (or interest) vector `user`.
fn personal_scan<'r>(
    user: &[f32],
    filter: ItemFilter<'r>,
    options: &RecommendOptions,
) -> ScanPlan<'r> {
    ScanPlan {
        query: Some(Query::new(user)),
        filter,
        pool: pool_size(options.k, options.diversity),
        log_partition: options.probabilities,
        weights: None,
        bias: None,
        k: options.k,
        diversity: options.diversity,
        neighbour_terms: Vec::new(),
        rules: ScanRules::default(),
        fresh: 0,
    }
}
