//! The hybrid score as the tuner computes it while it searches: each validation shopper's
//! components (vector scores, neighbour sums) are computed once and re-ranked under many
//! blends, which the core's one-request API cannot do cheaply. The arithmetic is the
//! core's (`shopwindow::recommend::hybrid`, the same `history_weight` and
//! `popularity_term`), and every shipped catalog is scored by the core itself
//! (`eval --models catalog`, the CLI↔browser parity test), so what the tuner measures is
//! what ships.
//!
//! # Specification
//!
//! Inputs: the catalog (item vectors, `item.popularity`, fold-in parameters), the
//! neighbour table (`neighbour.ids` u32 [N, K], `neighbour.weights` f16 [N, K], id
//! `u32::MAX` = empty slot), and the blend (`v` ∈ {0, 1}, `w_nb`, `w_pop` f32, the history
//! transform `h`). For a history of events and a profile (event weights, half-life, now):
//!
//! 1. `w_j` = the core's `profile::item_weights(history, profile)`: per distinct item j, the
//!    sum of its events' kind weights, each decayed to now (f64, items ascending). If no
//!    `w_j > 0` the shopper is cold: the list is the core's cold start (popularity), and
//!    nothing below applies.
//! 2. Vector term, when `v = 1`: `s_i` = the core's score of item i against the fold-in
//!    vector of the same history (the scan kernel's f32 dot product; bit-identical on every
//!    backend). When `v = 0` no fold-in and no vector scan happen.
//! 3. Popularity term: `q_i = ln(1 + p_i) / ln(1 + max_j p_j)` in f64, rounded to f32 once
//!    at load (`p` = `item.popularity`; all 0 when the tensor is absent or its max is 0).
//!    `t_i = w_pop · q_i` (one f32 multiply).
//! 4. Base score: `b_i = s_i + t_i` (one f32 add) when `v = 1`; `b_i = t_i` when `v = 0`.
//! 5. Neighbour term: `h_j = w_j` rounded to f32 (`linear`), `ln(1 + w_j)` in f64 rounded
//!    to f32 (`log1p`) or `min(w_j, 1)` rounded to f32 (`saturate`), for items with
//!    `w_j > 0`. In ascending j, then in slot order,
//!    `nb_i += h_j · (f32) weight_{j,slot}` (f32 multiply, then f32 add; `nb_i` starts at
//!    0.0) for every non-empty slot naming i. The items touched form the candidate set C.
//! 6. Final score: `f_i = b_i + w_nb · nb_i` (f32 multiply, then f32 add) for i ∈ C;
//!    `f_i = b_i` otherwise. No fused multiply-add anywhere.
//! 7. Allowed items: not excluded (the history under the request's `HistoryExclusion`,
//!    explicit exclusions, filters), as the core's `ItemFilter` says. Ranking: `f`
//!    descending, then item index ascending (`topk::rank_order`).
//!
//! # Exact top-k without scoring C twice over the catalog
//!
//! Let A = allowed items, C' = C ∩ A, T = the top (k + |C'|) of A by `b` (same order). The
//! answer is the top k by `f` of T ∪ C'. Proof: an item outside C' has `f = b`. Any item x of
//! the true top k outside C' is among the k best of A \ C' by `b` (the items above it in
//! A \ C' rank above it by `f` too), and T, holding at most |C'| items of C', holds the k
//! best of A \ C' by `b`. So the device runs its usual scan (vectors, plus the additive
//! `t_i`) for k + |C'| candidates, then scores C' in full and merges. With `v = 0`, T is the
//! popularity order, which needs no scan at all.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use shopwindow::kernels::{score_rows, Query};
use shopwindow::profile::item_weights;
use shopwindow::topk::{Scored, TopK};
use shopwindow::{Event, ProfileConfig, RecommendOptions, Recommender};

use super::neighbours::Neighbours;

/// How `w_j` becomes the neighbour term's history weight, and `h_j` / `q_i` themselves:
/// the core's, so the tuner ranks with the device's arithmetic (the core takes `ln` from
/// libm on every target, where the platform's could differ in the last bit).
pub use shopwindow::catalog::HistoryTransform;
pub use shopwindow::recommend::hybrid::{history_weight, popularity_term};

/// The blend weights of the final score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blend {
    /// `v`: whether the vector score takes part.
    pub vectors: bool,
    pub w_nb: f32,
    pub w_pop: f32,
    pub history: HistoryTransform,
}

impl Blend {
    /// The iALS score alone (no neighbours, no popularity).
    pub fn vectors_only() -> Blend {
        Blend {
            vectors: true,
            w_nb: 0.0,
            w_pop: 0.0,
            history: HistoryTransform::Linear,
        }
    }

    /// Popularity alone (the guard's answer to a degenerate winner).
    pub fn popularity() -> Blend {
        Blend {
            vectors: false,
            w_nb: 0.0,
            w_pop: 1.0,
            history: HistoryTransform::Saturate,
        }
    }
}

/// Step 5: the candidates and their `nb_i`, ascending by item.
pub fn neighbour_scores(
    neighbours: &Neighbours,
    weights: &[(u32, f64)],
    transform: HistoryTransform,
) -> Vec<(u32, f32)> {
    let mut acc: BTreeMap<u32, f32> = BTreeMap::new();
    for &(j, w) in weights {
        if w <= 0.0 {
            continue;
        }
        let h = history_weight(transform, w);
        for (i, weight) in neighbours.row(j as usize) {
            *acc.entry(i).or_insert(0.0) += h * weight;
        }
    }
    acc.into_iter().collect()
}

/// Step 2: the core's score of every item against `user` (scan kernel, f32).
pub fn vector_scores(recommender: &Recommender, user: &[f32]) -> Vec<f32> {
    let catalog = recommender.catalog();
    let n = catalog.len();
    let mut scores = vec![0.0f32; n];
    score_rows(
        recommender.backend(),
        &Query::new(user),
        catalog.vectors(),
        0..n,
        &mut scores,
    );
    scores
}

/// A shopper's neighbour candidates under each history transform.
pub type NeighbourLists = Arc<Vec<(HistoryTransform, Vec<(u32, f32)>)>>;

/// One shopper's components, computed once and ranked under any blend.
#[derive(Debug, Clone)]
pub struct Components {
    /// `s` of step 2 for every item (`None` without vectors).
    pub vector: Option<Vec<f32>>,
    /// Step 5's candidates, per history transform, ascending by item (shared: they
    /// depend on the history and the table only, not on the vectors).
    pub neighbours: NeighbourLists,
    /// Items that may not be returned, ascending.
    pub excluded: Vec<u32>,
}

impl Components {
    /// The vector scores, when `blend` uses them.
    fn vector_for(&self, blend: &Blend) -> Option<&[f32]> {
        match (&self.vector, blend.vectors) {
            (Some(s), true) => Some(s.as_slice()),
            _ => None,
        }
    }

    fn neighbour_list(&self, transform: HistoryTransform) -> &[(u32, f32)] {
        self.neighbours
            .iter()
            .find(|(t, _)| *t == transform)
            .map_or(&[][..], |(_, list)| list.as_slice())
    }
}

/// Step 4's `b_i` (one f32 multiply, then one f32 add): what [`rank`] and [`rank_many`]
/// must compute identically for their lists to agree.
fn base_score(vector: Option<&[f32]>, w_pop: f32, q: &[f32], i: usize) -> f32 {
    let t = w_pop * q[i];
    match vector {
        Some(s) => s[i] + t,
        None => t,
    }
}

/// Steps 3–7: the top k under `blend`. The device needs the candidate argument above
/// because its scan cannot add the neighbour terms everywhere; here every item's `f` is
/// at hand, so one pass with a k-sized heap gives the same list (the same `f`, the same
/// order) at a fraction of the cost of a (k + |C'|)-sized one: the tuner ranks every
/// validation shopper under dozens of blends per configuration, and with long histories
/// |C'| runs to hundreds. `q` is step 3's popularity term.
pub fn rank(components: &Components, q: &[f32], blend: &Blend, k: usize) -> Vec<Scored> {
    let allowed = |i: u32| components.excluded.binary_search(&i).is_err();
    // w_nb = 0 adds exactly 0 to every b_i: no candidate changes rank.
    let candidates: &[(u32, f32)] = if blend.w_nb != 0.0 {
        components.neighbour_list(blend.history)
    } else {
        &[]
    };
    let vector = components.vector_for(blend);
    let mut top = TopK::new(k);
    let mut next = candidates.iter().peekable();
    for i in 0..q.len() {
        let b = base_score(vector, blend.w_pop, q, i);
        let f = match next.next_if(|&&(c, _)| c as usize == i) {
            Some(&(_, nb)) => b + blend.w_nb * nb,
            None => b,
        };
        let candidate = Scored {
            index: i as u32,
            score: f,
        };
        if top.accepts(&candidate) && allowed(i as u32) {
            top.push(candidate);
        }
    }
    top.into_sorted()
}

/// [`rank`] under each of `blends`, the same lists, in far fewer passes over the catalog:
/// blends that differ only in `w_nb` share one. Outside the candidates C, `f = b`, so the
/// k best allowed non-candidates by `b` (one pass, shared) merged with every allowed
/// candidate scored in full hold each blend's top k (the argument of the module's
/// "exact top-k", with the candidates set apart instead of drawn from a longer list). The
/// tuner's coarse blend grid ranks every validation shopper under 32 blends with four
/// distinct `w_pop`: four passes instead of 32.
pub fn rank_many(
    components: &Components,
    q: &[f32],
    blends: &[Blend],
    k: usize,
) -> Vec<Vec<Scored>> {
    let allowed = |i: u32| components.excluded.binary_search(&i).is_err();
    let shares_pass = |a: &Blend, b: &Blend| {
        a.vectors == b.vectors && a.w_pop.to_bits() == b.w_pop.to_bits() && a.history == b.history
    };
    let mut lists = vec![Vec::new(); blends.len()];
    let mut ranked = vec![false; blends.len()];
    for first in 0..blends.len() {
        if ranked[first] {
            continue;
        }
        let pass = blends[first];
        let candidates = components.neighbour_list(pass.history);
        let vector = components.vector_for(&pass);
        let base_score = |i: usize| base_score(vector, pass.w_pop, q, i);
        let mut top = TopK::new(k);
        let mut next = candidates.iter().peekable();
        for i in 0..q.len() {
            if next.next_if(|&&(c, _)| c as usize == i).is_some() {
                continue;
            }
            let candidate = Scored {
                index: i as u32,
                score: base_score(i),
            };
            if top.accepts(&candidate) && allowed(i as u32) {
                top.push(candidate);
            }
        }
        let outside = top.into_sorted();
        for j in first..blends.len() {
            if ranked[j] || !shares_pass(&blends[j], &pass) {
                continue;
            }
            ranked[j] = true;
            let w_nb = blends[j].w_nb;
            let mut top = TopK::new(k);
            for &s in &outside {
                top.push(s);
            }
            for &(c, nb) in candidates {
                if !allowed(c) {
                    continue;
                }
                let b = base_score(c as usize);
                // w_nb = 0: `rank` leaves the candidates at b.
                let f = if w_nb != 0.0 { b + w_nb * nb } else { b };
                top.push(Scored { index: c, score: f });
            }
            lists[j] = top.into_sorted();
        }
    }
    lists
}

/// A catalog plus its hybrid parts: what the device will hold.
pub struct HybridModel {
    pub recommender: Recommender,
    pub neighbours: Option<Neighbours>,
    pub blend: Blend,
    /// Step 3's `q`.
    pub popularity: Vec<f32>,
}

impl HybridModel {
    pub fn new(recommender: Recommender, neighbours: Option<Neighbours>, blend: Blend) -> Self {
        let catalog = recommender.catalog();
        let popularity = popularity_term(catalog.popularity(), catalog.len());
        HybridModel {
            recommender,
            neighbours,
            blend,
            popularity,
        }
    }

    /// The components of a history; `None` for a cold shopper (no `w_j > 0`).
    pub fn components(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
        transforms: &[HistoryTransform],
        vectors: bool,
    ) -> Result<Option<Components>> {
        let weights = item_weights(history, profile);
        if weights.iter().all(|&(_, w)| w <= 0.0) {
            return Ok(None);
        }
        let vector = if vectors {
            let user = self
                .recommender
                .user_vector(history, profile)
                .context("fold-in")?
                .expect("a history with weight folds in");
            Some(vector_scores(&self.recommender, &user))
        } else {
            None
        };
        let neighbours = Arc::new(match &self.neighbours {
            Some(table) => transforms
                .iter()
                .map(|&t| (t, neighbour_scores(table, &weights, t)))
                .collect(),
            None => Vec::new(),
        });
        let mut excluded: Vec<u32> = history.iter().map(|e| e.item).collect();
        excluded.sort_unstable();
        excluded.dedup();
        Ok(Some(Components {
            vector,
            neighbours,
            excluded,
        }))
    }

    /// The device's list: top k, the whole history excluded.
    pub fn recommend(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
        k: usize,
    ) -> Result<Vec<Scored>> {
        let components =
            self.components(history, profile, &[self.blend.history], self.blend.vectors)?;
        match components {
            Some(c) => Ok(rank(&c, &self.popularity, &self.blend, k)),
            None => {
                // Cold start: the core's popularity list.
                let options = RecommendOptions {
                    k,
                    profile: *profile,
                    ..RecommendOptions::default()
                };
                let result = self.recommender.recommend(history, &options)?;
                Ok(result
                    .items
                    .iter()
                    .map(|r| Scored {
                        index: r.index,
                        score: r.score,
                    })
                    .collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::als::SplitMix64;
    use shopwindow::topk::rank_order;

    /// Brute force: f for every allowed item, sorted.
    fn brute(components: &Components, q: &[f32], blend: &Blend, k: usize) -> Vec<Scored> {
        let nb: BTreeMap<u32, f32> = components
            .neighbour_list(blend.history)
            .iter()
            .copied()
            .collect();
        let mut all: Vec<Scored> = (0..q.len() as u32)
            .filter(|i| components.excluded.binary_search(i).is_err())
            .map(|i| {
                let t = blend.w_pop * q[i as usize];
                let b = match (&components.vector, blend.vectors) {
                    (Some(s), true) => s[i as usize] + t,
                    _ => t,
                };
                let f = match nb.get(&i) {
                    Some(&v) if blend.w_nb != 0.0 => b + blend.w_nb * v,
                    _ => b,
                };
                Scored { index: i, score: f }
            })
            .collect();
        all.sort_by(rank_order);
        all.truncate(k);
        all
    }

    #[test]
    fn one_pass_ranking_gives_the_brute_force_top_k() {
        let mut rng = SplitMix64::new(3);
        for round in 0..200 {
            let n = 5 + (rng.next_u64() % 60) as usize;
            let q: Vec<f32> = (0..n).map(|_| rng.next_f32()).collect();
            // Coarse values make ties common, which the order must break by index.
            let s: Vec<f32> = (0..n)
                .map(|_| (rng.next_f32() * 8.0).round() / 8.0)
                .collect();
            let mut list: Vec<(u32, f32)> = Vec::new();
            for i in 0..n as u32 {
                if rng.next_u64() % 3 == 0 {
                    list.push((i, (rng.next_f32() * 4.0).round() / 4.0));
                }
            }
            let mut excluded: Vec<u32> =
                (0..n as u32).filter(|_| rng.next_u64() % 4 == 0).collect();
            excluded.dedup();
            let components = Components {
                vector: Some(s),
                neighbours: Arc::new(vec![(HistoryTransform::Linear, list)]),
                excluded,
            };
            let blend = Blend {
                vectors: round % 3 != 0,
                w_nb: [0.0, 0.5, 2.0, 100.0][round % 4],
                w_pop: [0.0, 0.25, 1.0][round % 3],
                history: HistoryTransform::Linear,
            };
            let k = 1 + (rng.next_u64() % 12) as usize;
            assert_eq!(
                rank(&components, &q, &blend, k),
                brute(&components, &q, &blend, k),
                "round {round}"
            );
        }
    }

    #[test]
    fn ranking_many_blends_at_once_gives_each_blends_list() {
        let mut rng = SplitMix64::new(11);
        for round in 0..200 {
            let n = 5 + (rng.next_u64() % 60) as usize;
            let q: Vec<f32> = (0..n).map(|_| rng.next_f32()).collect();
            let s: Vec<f32> = (0..n)
                .map(|_| (rng.next_f32() * 8.0).round() / 8.0 - 0.5)
                .collect();
            let list = |rng: &mut SplitMix64| -> Vec<(u32, f32)> {
                let mut out = Vec::new();
                for i in 0..n as u32 {
                    if rng.next_u64() % 3 == 0 {
                        out.push((i, (rng.next_f32() * 4.0).round() / 4.0 - 1.0));
                    }
                }
                out
            };
            let excluded: Vec<u32> = (0..n as u32).filter(|_| rng.next_u64() % 4 == 0).collect();
            let components = Components {
                vector: (round % 5 != 0).then_some(s),
                neighbours: Arc::new(vec![
                    (HistoryTransform::Linear, list(&mut rng)),
                    (HistoryTransform::Log1p, list(&mut rng)),
                ]),
                excluded,
            };
            let mut blends = Vec::new();
            for history in [
                HistoryTransform::Linear,
                HistoryTransform::Log1p,
                HistoryTransform::Saturate,
            ] {
                for w_pop in [0.0, 0.25, 1.0] {
                    for w_nb in [0.0, -0.5, 0.5, 2.0, 100.0] {
                        blends.push(Blend {
                            vectors: rng.next_u64() % 4 != 0,
                            w_nb,
                            w_pop,
                            history,
                        });
                    }
                }
            }
            let k = 1 + (rng.next_u64() % 12) as usize;
            let many = rank_many(&components, &q, &blends, k);
            for (blend, got) in blends.iter().zip(&many) {
                assert_eq!(
                    got,
                    &rank(&components, &q, blend, k),
                    "round {round}, {blend:?}"
                );
            }
        }
    }

    #[test]
    fn neighbour_scores_accumulate_in_history_order() {
        let table =
            Neighbours::from_lists(vec![vec![(1, 0.5), (2, 0.25)], vec![(2, 1.0)], vec![]], 2);
        let got = neighbour_scores(&table, &[(0, 2.0), (1, 3.0)], HistoryTransform::Linear);
        assert_eq!(got, vec![(1, 1.0), (2, 0.5 + 3.0)]);
        let logged = neighbour_scores(&table, &[(1, 1.0)], HistoryTransform::Log1p);
        assert_eq!(logged, vec![(2, (2.0f64.ln()) as f32)]);
        assert_eq!(popularity_term(Some(&[0.0, 3.0]), 2), vec![0.0, 1.0]);
    }
}
