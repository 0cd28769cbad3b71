//! The hybrid model: the vector score, a sparse item-to-item neighbour term and popularity
//! in one exact ranking, for catalogs that ship `hybrid.*` (see `catalog::hybrid`).
//!
//! # The score (hybrid version 1)
//!
//! This is the specification the offline tuner evaluates (`crates/cli/src/tune/hybrid.rs`);
//! every step is one stated f32 or f64 operation, so the tuner, the CPU backends and the
//! WebGPU path rank alike. For a history and a profile:
//!
//! 1. `w_j` = [`item_weights`](crate::profile::item_weights): per distinct item, its events' kind weights, time-decayed
//!    (f64, items ascending). No `w_j > 0`: the shopper is cold and gets the popularity
//!    list (`cold.rs`), as without the hybrid.
//! 2. `s_i` = the scan kernel's dot product of item i with the fold-in vector of the same
//!    history, only when `v = 1` (`hybrid.vector_weight`); with `v = 0` nothing is folded
//!    in and no vector is read.
//! 3. `q_i = ln(1 + p_i) / ln(1 + max_j p_j)` in f64, rounded to f32 once per catalog
//!    (`p` = `item.popularity`; all 0 without it or when its max is 0);
//!    `t_i = w_pop · q_i` (one f32 multiply): the scan's per-item bias ([`popularity_bias`]).
//! 4. `b_i = s_i + t_i` (one f32 add, after the dot product) when `v = 1`; `b_i = t_i`
//!    when `v = 0`.
//! 5. `h_j` = `w_j` (linear), `ln(1 + w_j)` (log1p) or `min(w_j, 1)` (saturate), in f64
//!    rounded to f32, for items with `w_j > 0` ([`history_weight`]). In ascending j, then
//!    slot order, `nb_i += h_j · weight_{j,slot}` (f32 multiply, f32 add, from 0.0) for
//!    every non-empty slot naming i ([`neighbour_scores`]): the slots are summed as they
//!    are, so a row naming its own item or an item twice counts each slot. The items
//!    touched are the candidates C. With `w_nb = 0` there are none (f = b exactly).
//! 6. `f_i = b_i + w_nb · nb_i` (f32 multiply, then f32 add) for i ∈ C, `f_i = b_i`
//!    otherwise. No fused multiply-add anywhere.
//! 7. The request's filter (history exclusion, explicit exclusions, business filters)
//!    decides which items may be returned; ranking is `f` descending, then index ascending.
//!
//! The `ln` of steps 3 and 5 is [`libm::log1p`] on every target, not the platform's: the
//! system math library (glibc natively) and the wasm build's may differ in the last bit,
//! which rounding to f32 would then show once in a while. The tuner's reference should use
//! these functions (they are public) for the same reason.
//!
//! # Exact top-k
//!
//! The CPU scan scores `f` itself: the per-item bias `t` for every item, then the
//! candidates' terms `w_nb · nb_i` (one f32 multiply each, [`HybridScores::neighbour_terms`])
//! added inside the scan's blocks (`topk::Scoring`'s sparse terms, each one f32 add after
//! the bias), so its top list and its log-sum-exp are `f`'s directly.
//!
//! A backend that scores every item alike (the WebGPU scorer) runs
//! [`ScanPlan::dense`](super::ScanPlan::dense): let A be the allowed items and C' = C ∩ A.
//! It scans A \ C' (C is added to the request's exclusions) by `b`, keeping the usual pool
//! P (k, or MMR's pool): T = the best P of A \ C' by `b`. The answer's pool is the best P
//! by `f` of T ∪ C', with C' scored in full on the host. Exact: an item outside C' has
//! `f = b`, so any item of the true best P outside C' is among the best P of A \ C' by `b`
//! (the items above it there rank above it by `f` too), which is T. The pool does not grow
//! with the history, so the WebGPU scan (pools ≤ 256) serves it.
//!
//! # Probabilities
//!
//! `P(i|u)` is the softmax of `f` over the whole catalog: the CPU scan's log-sum-exp. On
//! the dense path the scan's log-sum-exp is over `b` (every item, filters aside) and the
//! candidates replace their terms:
//! `Σ_j exp(f_j) = exp(lse_b) − Σ_{i∈C} exp(b_i) + Σ_{i∈C} exp(f_i)`, in f64 shifted by
//! the largest exponent ([`Candidates::log_partition`]). The difference is clamped at 0;
//! it loses precision only when C holds nearly all of `exp(b)`'s mass and `f < b` there
//! (a negative `w_nb`), never for the tuner's non-negative weights, where the sum only grows.
//!
//! # Multi-interest
//!
//! With `interests: true` and `v = 1`, each interest is scored as a shopper whose history
//! is that interest's events: its fold-in vector and the neighbour sums of its own items,
//! so an interest's list is the hybrid list of its part of the history. With `v = 0` there
//! are no vectors to cluster by intent and the request is the single list.

use super::options::pool_size;
use super::plan::{RecommendPlan, ScanPlan};
use super::{RecommendOptions, Recommender};
use crate::catalog::{HistoryTransform, Hybrid, Neighbours, EMPTY_NEIGHBOUR};
use crate::error::RecommendError;
use crate::kernels::{scalar::f16_to_f32, Query};
use crate::profile::{fold_in, Event, ProfileConfig};
use crate::topk::{scan, ItemFilter, Scored, Scoring, TopK};

/// `q_i` of step 3 for every item.
pub fn popularity_term(popularity: Option<&[f32]>, n: usize) -> Vec<f32> {
    let Some(p) = popularity else {
        return vec![0.0; n];
    };
    let max = p.iter().fold(0.0f32, |m, &v| m.max(v)) as f64;
    if max <= 0.0 {
        return vec![0.0; n];
    }
    let denominator = libm::log1p(max);
    p.iter()
        .map(|&v| (libm::log1p(v as f64) / denominator) as f32)
        .collect()
}

/// `t_i = w_pop · q_i` for every item: the scan's per-item bias.
pub fn popularity_bias(popularity: Option<&[f32]>, n: usize, popularity_weight: f32) -> Vec<f32> {
    let mut q = popularity_term(popularity, n);
    q.iter_mut().for_each(|q| *q *= popularity_weight);
    q
}

/// `h_j` of step 5.
pub fn history_weight(transform: HistoryTransform, w: f64) -> f32 {
    match transform {
        HistoryTransform::Linear => w as f32,
        HistoryTransform::Log1p => libm::log1p(w) as f32,
        HistoryTransform::Saturate => w.min(1.0) as f32,
    }
}

/// Step 5: the candidates and their `nb_i`, ascending by item. `weights` are
/// [`item_weights`](crate::profile::item_weights)' (ascending by item).
pub fn neighbour_scores(
    table: &Neighbours<'_>,
    weights: &[(u32, f64)],
    transform: HistoryTransform,
) -> Vec<(u32, f32)> {
    let sums = NeighbourSums::new(table, weights, transform);
    sums.items.into_iter().zip(sums.sums).collect()
}

/// Step 5's candidates (ascending) and their `nb_i`, side by side: the terms `w_nb · nb_i`
/// are then one multiply over a column of floats (a vectorized multiply over interleaved
/// (id, sum) pairs also multiplied the ids' bits, tiny subnormal floats that cost a
/// microcode assist each on x86).
#[derive(Debug, Default)]
struct NeighbourSums {
    items: Vec<u32>,
    sums: Vec<f32>,
}

impl NeighbourSums {
    fn new(
        table: &Neighbours<'_>,
        weights: &[(u32, f64)],
        transform: HistoryTransform,
    ) -> NeighbourSums {
        // Two passes over the slots: the first marks each candidate's bit in a bitset of the
        // catalog, the second adds each term to its candidate's sum in (j, slot) order, the
        // order of the specification. A running count of marked bits before each 64-item word
        // turns an id into its place among the candidates in O(1), and reading the bits gives
        // the candidates ascending: no sort and no search per slot (sorting and searching the
        // ~2,000 slots of a 200-event history took a quarter of a vectors-off recommend).
        let each_term = |add: &mut dyn FnMut(u32, f32)| {
            for &(j, w) in weights {
                if w <= 0.0 {
                    continue;
                }
                let h = history_weight(transform, w);
                let (ids, bits) = table.row(j as usize);
                for (&i, &bits) in ids.iter().zip(bits) {
                    if i != EMPTY_NEIGHBOUR {
                        add(i, h * f16_to_f32(bits));
                    }
                }
            }
        };
        let mut marks = vec![0u64; table.items().div_ceil(64)];
        each_term(&mut |i, _| marks[i as usize / 64] |= 1 << (i % 64));
        let mut marked_before = Vec::with_capacity(marks.len());
        let mut count = 0usize;
        for word in &marks {
            marked_before.push(count);
            count += word.count_ones() as usize;
        }
        let mut items: Vec<u32> = Vec::with_capacity(count);
        for (at, &word) in marks.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                items.push((at * 64) as u32 + rest.trailing_zeros());
                rest &= rest - 1;
            }
        }
        let mut sums = vec![0.0f32; count];
        each_term(&mut |i, term| {
            let at = i as usize / 64;
            let lower = marks[at] & ((1u64 << (i % 64)) - 1);
            sums[marked_before[at] + lower.count_ones() as usize] += term;
        });
        NeighbourSums { items, sums }
    }
}

/// The candidates of one hybrid scan on the dense path ([`ScanPlan::dense`]): what its
/// merge adds to the scan's list and how it corrects the scan's normalizer.
#[derive(Debug, Clone, Default)]
pub(super) struct Candidates {
    /// C': the allowed candidates with their final scores `f`.
    allowed: Vec<Scored>,
    /// (b_i, f_i) of every candidate, allowed or not, when probabilities are asked for.
    terms: Vec<(f32, f32)>,
}

impl Candidates {
    /// The candidates of `plan` (the items its neighbour terms name) scored in full on the
    /// host: `b` by the plan's scoring without the terms (one kernel dispatch per item,
    /// the scan's arithmetic), then `f = b + term`.
    pub(super) fn score(recommender: &Recommender, plan: &ScanPlan<'_>) -> Candidates {
        let terms = &plan.neighbour_terms;
        let items: Vec<u32> = terms.iter().map(|&(i, _)| i).collect();
        let mut bases = vec![0.0f32; items.len()];
        let dense = Scoring {
            sparse: &[],
            ..plan.scoring()
        };
        dense.score_items(
            &recommender.catalog,
            recommender.backend,
            &items,
            &mut bases,
        );
        let mut out = Candidates::default();
        for (&(i, term), &b) in terms.iter().zip(&bases) {
            let f = b + term;
            if plan.filter.allows(i) {
                out.allowed.push(Scored { index: i, score: f });
            }
            if plan.log_partition {
                out.terms.push((b, f));
            }
        }
        out
    }

    /// The scan's list (the best of A \ C' by `b`) and C' merged: the best `pool` by `f`.
    pub(super) fn merge(&self, top: Vec<Scored>, pool: usize) -> Vec<Scored> {
        let mut best = TopK::new(pool);
        for s in top.into_iter().chain(self.allowed.iter().copied()) {
            best.push(s);
        }
        best.into_sorted()
    }

    /// log Σ_j exp(f_j) from the scan's log Σ_j exp(b_j).
    pub(super) fn log_partition(&self, base: f64) -> f64 {
        if self.terms.is_empty() {
            return base;
        }
        let shift = self
            .terms
            .iter()
            .fold(base, |m, &(b, f)| m.max(b as f64).max(f as f64));
        let (removed, added) = self.terms.iter().fold((0.0f64, 0.0f64), |(r, a), &(b, f)| {
            (r + (b as f64 - shift).exp(), a + (f as f64 - shift).exp())
        });
        let rest = ((base - shift).exp() - removed).max(0.0);
        shift + (rest + added).ln()
    }
}

/// One shopper's (or interest's) hybrid scores around a scan: the vector query, the
/// candidates' `nb`, and `b_i` / `f_i` of any item on the host.
pub(super) struct HybridScores<'a> {
    recommender: &'a Recommender,
    query: Option<Query>,
    bias: &'a [f32],
    neighbour_weight: f32,
    /// The candidates, ascending, and their nb_i.
    neighbours: NeighbourSums,
}

impl<'a> HybridScores<'a> {
    /// `weights`: the history's [`item_weights`](crate::profile::item_weights), at least one above 0. `user`: its
    /// fold-in vector when the vector term is on.
    pub(super) fn new(
        recommender: &'a Recommender,
        hybrid: &Hybrid<'_>,
        weights: &[(u32, f64)],
        user: Option<&[f32]>,
    ) -> HybridScores<'a> {
        let params = hybrid.params;
        let neighbours = match hybrid.neighbours {
            Some(table) if params.neighbour_weight != 0.0 => {
                NeighbourSums::new(&table, weights, params.history)
            }
            // w_nb = 0 adds exactly 0 to every b_i: no candidate changes rank.
            _ => NeighbourSums::default(),
        };
        HybridScores {
            recommender,
            query: user.map(Query::new),
            bias: recommender.popularity_bias(),
            neighbour_weight: params.neighbour_weight,
            neighbours,
        }
    }

    /// The scan's scoring of `b` (no neighbour terms).
    pub(super) fn scoring(&self) -> Scoring<'_> {
        Scoring {
            query: self.query.as_ref(),
            weights: None,
            bias: Some(self.bias),
            sparse: &[],
        }
    }

    /// `b_i`, with the scan's arithmetic (the same kernel over the one row).
    fn base(&self, i: u32) -> f32 {
        let mut out = [0.0f32];
        let r = self.recommender;
        self.scoring()
            .score_items(&r.catalog, r.backend, &[i], &mut out);
        out[0]
    }

    /// `f_i` of any item: `b_i`, plus `w_nb · nb_i` for a candidate.
    pub(super) fn score(&self, i: u32) -> f32 {
        let b = self.base(i);
        match self.neighbours.items.binary_search(&i) {
            Ok(at) => b + self.neighbour_weight * self.neighbours.sums[at],
            Err(_) => b,
        }
    }

    /// The candidates' terms `w_nb · nb_i` (one f32 multiply each), ascending by item:
    /// what the scan adds to their `b`.
    pub(super) fn neighbour_terms(&self) -> Vec<(u32, f32)> {
        let terms: Vec<f32> = self
            .neighbours
            .sums
            .iter()
            .map(|&nb| self.neighbour_weight * nb)
            .collect();
        self.neighbours.items.iter().copied().zip(terms).collect()
    }

    /// The scan of `f` over the catalog, as a plan's parts: the query (none when the vector
    /// term is off), the bias and the neighbour terms.
    pub(super) fn into_scan(self) -> (Option<Query>, &'a [f32], Vec<(u32, f32)>) {
        let terms = self.neighbour_terms();
        (self.query, self.bias, terms)
    }
}

impl Recommender {
    /// [`Recommender::plan_recommend`] for a hybrid catalog, once the request is checked
    /// and the shopper is known not to be cold: `weights` are the history's item weights,
    /// `filter` the request's filter.
    pub(super) fn plan_hybrid<'r>(
        &'r self,
        hybrid: &Hybrid<'_>,
        history: &[Event],
        weights: &[(u32, f64)],
        filter: ItemFilter<'r>,
        options: &RecommendOptions,
    ) -> Result<RecommendPlan<'r>, RecommendError> {
        let vectors = hybrid.params.vectors;
        if let Some(labels) = options.interests.as_deref().filter(|_| vectors) {
            let interests = self.interest_weights(history, &options.profile, labels)?;
            if interests.len() >= 2 {
                return interests
                    .iter()
                    .map(|w| {
                        let user = fold_in(&self.catalog, w)?;
                        let scores = HybridScores::new(self, hybrid, w, Some(&user));
                        Ok(hybrid_scan(scores, &filter, options))
                    })
                    .collect::<Result<_, _>>()
                    .map(RecommendPlan::Interests);
            }
        }
        let user = if vectors {
            Some(fold_in(&self.catalog, weights)?)
        } else {
            None
        };
        let scores = HybridScores::new(self, hybrid, weights, user.as_deref());
        Ok(RecommendPlan::Scan(hybrid_scan(scores, &filter, options)))
    }

    /// [`Recommender::probabilities`] for a hybrid catalog: softmax of `f` over the whole
    /// catalog (uniform for a cold shopper, as without the hybrid).
    pub(super) fn hybrid_probabilities(
        &self,
        hybrid: &Hybrid<'_>,
        history: &[Event],
        items: &[u32],
        profile: &ProfileConfig,
    ) -> Result<Vec<f32>, RecommendError> {
        let Some(weights) = self.history_weights(history, profile)? else {
            return Ok(vec![1.0 / self.catalog.len() as f32; items.len()]);
        };
        let user = if hybrid.params.vectors {
            Some(fold_in(&self.catalog, &weights)?)
        } else {
            None
        };
        let scores = HybridScores::new(self, hybrid, &weights, user.as_deref());
        let terms = scores.neighbour_terms();
        let scoring = Scoring {
            sparse: &terms,
            ..scores.scoring()
        };
        let everything = ItemFilter::all(&self.catalog);
        let lse = scan(&self.catalog, self.backend, &scoring, &everything, 0, true)
            .log_partition
            .unwrap_or(0.0);
        Ok(items
            .iter()
            .map(|&i| ((scores.score(i) as f64) - lse).exp() as f32)
            .collect())
    }

    /// `t` of the hybrid model, computed on first use (an empty slice without a hybrid).
    pub(crate) fn popularity_bias(&self) -> &[f32] {
        self.popularity_bias
            .get_or_init(|| match self.catalog.hybrid() {
                Some(h) => popularity_bias(
                    self.catalog.popularity(),
                    self.catalog.len(),
                    h.params.popularity_weight,
                ),
                None => Vec::new(),
            })
    }
}

/// A plan's scan for the hybrid shopper `scores`: `f` scored in the scan, the neighbour
/// terms added to the candidates' `b` there.
pub(super) fn hybrid_scan<'r>(
    scores: HybridScores<'r>,
    filter: &ItemFilter<'r>,
    options: &RecommendOptions,
) -> ScanPlan<'r> {
    let (query, bias, neighbour_terms) = scores.into_scan();
    ScanPlan {
        rules: Default::default(),
        fresh: 0,
        query,
        filter: filter.clone(),
        pool: pool_size(options.k, options.diversity),
        log_partition: options.probabilities,
        weights: None,
        bias: Some(bias),
        k: options.k,
        diversity: options.diversity,
        neighbour_terms,
    }
}

#[cfg(test)]
#[path = "hybrid_tests.rs"]
mod tests;
