//! Fitting the blend weights on the validation users, and scoring any blend there.
//!
//! The components of every validation user (vector scores, neighbour candidates) are
//! computed once per trained model; a blend is then just a re-ranking, so a few dozen
//! blends cost far less than training one model. The grid is relative to the components'
//! own scales (the mean over users of their best vector score and best neighbour score),
//! so it means the same whatever λ did to the vector scores' size.

use std::collections::HashSet;

use rayon::prelude::*;

use shopwindow::topk::Scored as TopScored;

use super::hybrid::{rank, rank_many, Blend, Components, HistoryTransform};
use crate::eval::metrics::{MetricSums, Metrics};

/// One validation user: components in catalog space and the items to find.
#[derive(Debug, Clone)]
pub struct ValUser {
    pub components: Components,
    pub relevant: HashSet<u32>,
    /// The popularity blend's list for this user (the degenerate-winner guard's yardstick).
    pub popular: Vec<u32>,
}

/// A blend's validation figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub blend: Blend,
    pub metrics: Metrics,
    /// Mean share of the user's list that popularity's list for them also holds.
    pub popularity_overlap: f64,
}

impl Scored {
    /// Whether this model is popularity under another name: its lists are mostly the
    /// popularity lists, or it recommends hardly more of the catalog than popularity does
    /// (only where popularity's lists leave most of the catalog unseen: on a small
    /// catalog every model, popularity included, covers most of it).
    pub fn is_popularity_like(&self, popularity: &Metrics) -> bool {
        self.popularity_overlap >= 0.8
            || (popularity.coverage < 0.25 && self.metrics.coverage <= 1.5 * popularity.coverage)
    }
}

/// Every user's validation recall (lists of `k`, [`super::validation_recall`]) under
/// `blend`, in `users`' order: what [`choose`] compares.
pub fn per_user_recall(users: &[ValUser], q: &[f32], blend: &Blend, k: usize) -> Vec<f64> {
    users
        .par_iter()
        .map(|u| {
            let list = indices(rank(&u.components, q, blend, k));
            super::validation_recall(&list, &u.relevant, k)
        })
        .collect()
}

/// Standard errors a more complex model must win by before it replaces popularity.
pub const MARGIN_OVER_POPULARITY: f64 = 2.0;
/// Standard errors a more complex model must win by before it replaces a simpler one
/// (other than popularity): none. One standard error was tried and shipped neighbours +
/// popularity on Online Retail's 30 % customer sample where the hybrid was 6 % better on
/// test; among the personalised families the simpler one is not the safer one.
pub const MARGIN_OVER_SIMPLER: f64 = 0.0;

/// Mean and standard error of the paired difference `a − b` over users.
pub fn paired_difference(a: &[f64], b: &[f64]) -> (f64, f64) {
    let n = a.len().min(b.len());
    if n == 0 {
        return (0.0, 0.0);
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let mean = d.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::INFINITY);
    }
    let var = d.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    (mean, (var / n as f64).sqrt())
}

/// The family to ship, from each family's per-user validation recall, simplest first
/// (index 0 is popularity): the best family by mean recall, unless a simpler one is
/// within the validation noise of it. A simpler family j is preferred over the best b
/// when mean(r_b − r_j) ≤ z·SE(r_b − r_j) (paired over the same users; z =
/// [`MARGIN_OVER_POPULARITY`] for popularity, [`MARGIN_OVER_SIMPLER`] otherwise): a
/// validation split too thin to tell the models apart ships the simpler one. `None`
/// entries are families that were not available.
pub fn choose(recalls: &[Option<&[f64]>]) -> usize {
    let mean = |r: &[f64]| r.iter().sum::<f64>() / r.len().max(1) as f64;
    let mut best = 0;
    for (i, r) in recalls.iter().enumerate() {
        if let (Some(r), Some(b)) = (r, recalls[best]) {
            if mean(r) > mean(b) {
                best = i;
            }
        }
    }
    let Some(b) = recalls[best] else {
        return 0;
    };
    for (j, r) in recalls.iter().enumerate().take(best) {
        let Some(r) = r else { continue };
        let z = if j == 0 {
            MARGIN_OVER_POPULARITY
        } else {
            MARGIN_OVER_SIMPLER
        };
        let (gain, se) = paired_difference(b, r);
        if gain <= z * se {
            return j;
        }
    }
    best
}

/// Ranks every user under `blend` and scores the lists.
pub fn evaluate(users: &[ValUser], q: &[f32], blend: &Blend, k: usize) -> Scored {
    let lists: Vec<Vec<u32>> = users
        .par_iter()
        .map(|u| indices(rank(&u.components, q, blend, k)))
        .collect();
    score_lists(users, q.len(), blend, lists.iter().map(Vec::as_slice), k)
}

/// [`evaluate`] for each of `blends`, the same figures, with the users ranked under all of
/// them at once ([`rank_many`]).
pub fn evaluate_many(users: &[ValUser], q: &[f32], blends: &[Blend], k: usize) -> Vec<Scored> {
    // [user][blend] → [blend][user].
    let by_user: Vec<Vec<Vec<u32>>> = users
        .par_iter()
        .map(|u| {
            rank_many(&u.components, q, blends, k)
                .into_iter()
                .map(indices)
                .collect()
        })
        .collect();
    blends
        .iter()
        .enumerate()
        .map(|(b, blend)| {
            let lists = by_user.iter().map(|lists| lists[b].as_slice());
            score_lists(users, q.len(), blend, lists, k)
        })
        .collect()
}

fn indices(list: Vec<TopScored>) -> Vec<u32> {
    list.into_iter().map(|s| s.index).collect()
}

/// The figures of `lists` (one per user, in `users`' order), summed in that order.
fn score_lists<'a>(
    users: &[ValUser],
    items: usize,
    blend: &Blend,
    lists: impl Iterator<Item = &'a [u32]>,
    k: usize,
) -> Scored {
    let mut sums = MetricSums::new(items);
    let mut overlap = 0.0;
    for (user, list) in users.iter().zip(lists) {
        sums.add_with_recall(
            list,
            &user.relevant,
            k,
            super::validation_recall(list, &user.relevant, k),
        );
        if !user.popular.is_empty() {
            let shared = list.iter().filter(|i| user.popular.contains(i)).count();
            overlap += shared as f64 / user.popular.len() as f64;
        }
    }
    Scored {
        blend: *blend,
        metrics: sums.finish(),
        popularity_overlap: overlap / users.len().max(1) as f64,
    }
}

/// Better validation recall wins; NDCG breaks exact ties; then the earlier candidate.
fn better(a: &Scored, b: &Scored) -> bool {
    (a.metrics.recall, a.metrics.ndcg) > (b.metrics.recall, b.metrics.ndcg)
}

/// Mean over users of the largest allowed vector score and the largest neighbour score.
fn scales(users: &[ValUser], history: HistoryTransform) -> (f32, f32) {
    let (mut vec_sum, mut nb_sum) = (0.0f64, 0.0f64);
    for u in users {
        let c = &u.components;
        if let Some(s) = &c.vector {
            let best = s
                .iter()
                .enumerate()
                .filter(|(i, _)| c.excluded.binary_search(&(*i as u32)).is_err())
                .fold(f32::NEG_INFINITY, |m, (_, &v)| m.max(v));
            if best.is_finite() {
                vec_sum += best.abs() as f64;
            }
        }
        if let Some((_, list)) = c.neighbours.iter().find(|(t, _)| *t == history) {
            nb_sum += list.iter().fold(0.0f32, |m, &(_, v)| m.max(v)) as f64;
        }
    }
    let n = users.len().max(1) as f64;
    let positive = |x: f64| if x > 0.0 { (x / n) as f32 } else { 1.0 };
    (positive(vec_sum), positive(nb_sum))
}

/// What the fit may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    pub vectors: bool,
    pub neighbours: bool,
}

/// The best blend of `family` on `users`: a coarse grid relative to the components'
/// scales, then a local search (×/÷ √2 on each weight) from its best point. `fine`
/// adds the local search and both history transforms.
pub fn fit(users: &[ValUser], q: &[f32], k: usize, family: Family, fine: bool) -> Scored {
    let transforms: &[HistoryTransform] = if family.neighbours && fine {
        &[
            HistoryTransform::Saturate,
            HistoryTransform::Linear,
            HistoryTransform::Log1p,
        ]
    } else {
        &[HistoryTransform::Saturate]
    };
    let mut best: Option<Scored> = None;
    let keep = |scored: Scored, best: &mut Option<Scored>| {
        if best.as_ref().is_none_or(|b| better(&scored, b)) {
            *best = Some(scored);
        }
    };
    for &history in transforms {
        let (vec_scale, nb_scale) = scales(users, history);
        let (nb_grid, pop_grid): (Vec<f32>, Vec<f32>) = match (family.vectors, family.neighbours) {
            (true, true) => (
                [0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 16.0]
                    .iter()
                    .map(|m| m * vec_scale / nb_scale)
                    .collect(),
                [0.0, 0.03125, 0.125, 0.5]
                    .iter()
                    .map(|m| m * vec_scale)
                    .collect(),
            ),
            (true, false) => (
                vec![0.0],
                [0.0, 0.015625, 0.03125, 0.0625, 0.125, 0.25, 0.5, 1.0]
                    .iter()
                    .map(|m| m * vec_scale)
                    .collect(),
            ),
            // Neighbours and popularity only: popularity orders what the neighbours do not
            // reach, so even its smallest weight is above 0.
            (false, true) => (
                vec![1.0],
                [0.001, 0.03125, 0.125, 0.5, 2.0]
                    .iter()
                    .map(|m| m * nb_scale)
                    .collect(),
            ),
            (false, false) => (vec![0.0], vec![1.0]),
        };
        let grid: Vec<Blend> = nb_grid
            .iter()
            .flat_map(|&w_nb| {
                pop_grid.iter().map(move |&w_pop| Blend {
                    vectors: family.vectors,
                    w_nb,
                    w_pop,
                    history,
                })
            })
            .collect();
        for scored in evaluate_many(users, q, &grid, k) {
            keep(scored, &mut best);
        }
    }
    let mut best = best.expect("the grid is never empty");
    if fine && (family.vectors || family.neighbours) {
        // Local search: each weight ×/÷ √2 while it helps (a few rounds at most).
        for _ in 0..3 {
            let start = best.blend;
            let step = std::f32::consts::SQRT_2;
            let mut moves = Vec::new();
            if family.vectors && family.neighbours && start.w_nb > 0.0 {
                moves.push(Blend {
                    w_nb: start.w_nb * step,
                    ..start
                });
                moves.push(Blend {
                    w_nb: start.w_nb / step,
                    ..start
                });
            }
            if start.w_pop > 0.0 {
                moves.push(Blend {
                    w_pop: start.w_pop * step,
                    ..start
                });
                moves.push(Blend {
                    w_pop: start.w_pop / step,
                    ..start
                });
            }
            let mut moved = Some(best);
            for blend in moves {
                keep(evaluate(users, q, &blend, k), &mut moved);
            }
            let moved = moved.expect("seeded with the best");
            if moved.blend == best.blend {
                break;
            }
            best = moved;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::als::SplitMix64;

    /// Users whose relevant item is the best neighbour candidate, while the vector score
    /// points elsewhere: the fit must give the neighbours weight.
    fn users() -> Vec<ValUser> {
        let n = 30;
        let mut rng = SplitMix64::new(5);
        (0..40)
            .map(|u| {
                let target = (u % n) as u32;
                let vector: Vec<f32> = (0..n).map(|_| rng.next_f32()).collect();
                let mut list: Vec<(u32, f32)> = vec![(target, 2.0)];
                let other = ((u + 7) % n) as u32;
                list.push((other, 0.5));
                list.sort_by_key(|c| c.0);
                ValUser {
                    components: Components {
                        vector: Some(vector),
                        neighbours: std::sync::Arc::new(vec![
                            (HistoryTransform::Linear, list.clone()),
                            (HistoryTransform::Log1p, list),
                        ]),
                        excluded: vec![((u + 1) % n) as u32],
                    },
                    relevant: HashSet::from([target]),
                    popular: vec![0, 1, 2],
                }
            })
            .collect()
    }

    #[test]
    fn choose_ships_popularity_within_the_noise() {
        // 400 users; popularity finds 0.1 of them, the middle family 0.3, the complex one
        // 0.31: among personalised families the better one wins, an exact tie the simpler.
        let user = |share: f64| -> Vec<f64> {
            (0..400)
                .map(|u| {
                    if (u % 100) as f64 / 100.0 < share {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let (pop, mid, top) = (user(0.1), user(0.3), user(0.31));
        assert_eq!(choose(&[Some(&pop), Some(&mid), Some(&top)]), 2);
        assert_eq!(choose(&[Some(&pop), Some(&mid), Some(&mid)]), 1);
        // A clear win is kept.
        let far = user(0.6);
        assert_eq!(choose(&[Some(&pop), Some(&mid), Some(&far)]), 2);
        // Nothing beats popularity by more than noise: popularity.
        // (one user more in 400: a gain of one standard error).
        let mut near = pop.clone();
        near[50] = 1.0;
        assert_eq!(choose(&[Some(&pop), None, Some(&near)]), 0);
        // Popularity best: popularity.
        assert_eq!(choose(&[Some(&mid), Some(&pop)]), 0);
        let (gain, se) = paired_difference(&[1.0, 0.0, 1.0, 0.0], &[0.0; 4]);
        assert_eq!(gain, 0.5);
        assert!((se - (1.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_small_catalogs_full_coverage_is_not_popularity() {
        let popularity = Metrics {
            users: 10,
            recall: 0.1,
            ndcg: 0.1,
            coverage: 0.8,
        };
        let scored = Scored {
            blend: Blend::popularity(),
            metrics: Metrics {
                users: 10,
                recall: 0.3,
                ndcg: 0.2,
                coverage: 1.0,
            },
            popularity_overlap: 0.4,
        };
        assert!(!scored.is_popularity_like(&popularity));
        let narrow = Metrics {
            coverage: 0.02,
            ..popularity
        };
        let scored_narrow = Scored {
            metrics: Metrics {
                coverage: 0.025,
                ..scored.metrics
            },
            ..scored
        };
        assert!(scored_narrow.is_popularity_like(&narrow));
    }

    #[test]
    fn evaluating_many_blends_equals_evaluating_each() {
        let users = users();
        let q: Vec<f32> = (0..30).map(|i| 1.0 - i as f32 / 30.0).collect();
        let mut blends = Vec::new();
        for history in [HistoryTransform::Linear, HistoryTransform::Log1p] {
            for w_nb in [0.0, 0.1, 1.0] {
                for w_pop in [0.0, 0.5] {
                    for vectors in [true, false] {
                        blends.push(Blend {
                            vectors,
                            w_nb,
                            w_pop,
                            history,
                        });
                    }
                }
            }
        }
        for k in [1, 3] {
            let each: Vec<Scored> = blends.iter().map(|b| evaluate(&users, &q, b, k)).collect();
            assert_eq!(evaluate_many(&users, &q, &blends, k), each);
        }
    }

    #[test]
    fn the_fit_finds_the_neighbours_and_is_deterministic() {
        let users = users();
        let q: Vec<f32> = (0..30).map(|i| 1.0 - i as f32 / 30.0).collect();
        let family = Family {
            vectors: true,
            neighbours: true,
        };
        let a = fit(&users, &q, 1, family, true);
        assert!(a.blend.w_nb > 0.0, "{a:?}");
        assert_eq!(a.metrics.recall, 1.0);
        let b = fit(&users, &q, 1, family, true);
        assert_eq!(a, b);
        let popularity = fit(
            &users,
            &q,
            3,
            Family {
                vectors: false,
                neighbours: false,
            },
            true,
        );
        assert_eq!(popularity.blend, Blend::popularity());
    }
}
