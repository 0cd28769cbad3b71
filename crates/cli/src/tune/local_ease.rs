//! EASE for catalogs whose items × items inverse does not fit: each target's regression
//! solved on its own few candidate sources.
//!
//! EASE's column i is the ridge regression of item i's purchases on every other item's,
//! b = (G₋ᵢ₋ᵢ + λI)⁻¹ G₋ᵢᵢ with G = XᵀX (the diagonal constraint makes the closed form and
//! this leave-one-out regression the same). The sources that end with weight are among the
//! items bought together with i, so here each target i keeps its [`CANDIDATES`] strongest
//! co-buys (count over √degree, so a bestseller does not crowd out an item bought mostly
//! with i) and the regression is solved on them alone: an M × M system per item instead
//! of one n × n inverse. Memory is the co-occurrence rows, each capped at [`MAX_ROW`]
//! partners, plus one dense accumulator per thread; time is one pass over the customers'
//! baskets per item plus n · M³/3 for the solves.

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use crate::data::Csr;

/// Candidate sources per target item (the size of each local regression).
pub const CANDIDATES: usize = 64;

/// Most co-occurrence partners kept per item (its strongest by count); bounds the memory
/// at `n × MAX_ROW × 8` bytes.
pub const MAX_ROW: usize = 1024;

/// Co-occurrence counts of the binary matrix XᵀX, row by row, each row sorted by item id
/// and without its diagonal; `degree` holds the diagonal (customers per item).
#[derive(Debug, Clone)]
pub struct Cooccurrence {
    rows: Vec<Vec<(u32, u32)>>,
    degree: Vec<u32>,
}

impl Cooccurrence {
    /// Counts from the user × item matrix `train` (weights ignored: EASE's binary X).
    pub fn of(train: &Csr) -> Cooccurrence {
        let n = train.cols();
        let item_users = train.transpose();
        let degree: Vec<u32> = (0..n).map(|j| item_users.row_nnz(j) as u32).collect();
        let rows = (0..n)
            .into_par_iter()
            .map_init(
                || (vec![0u32; n], Vec::<u32>::new()),
                |(counts, touched), j| {
                    for &u in item_users.row(j).0 {
                        for &i in train.row(u as usize).0 {
                            if counts[i as usize] == 0 {
                                touched.push(i);
                            }
                            counts[i as usize] += 1;
                        }
                    }
                    let mut row: Vec<(u32, u32)> = touched
                        .iter()
                        .filter(|&&i| i as usize != j)
                        .map(|&i| (i, counts[i as usize]))
                        .collect();
                    for &i in touched.iter() {
                        counts[i as usize] = 0;
                    }
                    touched.clear();
                    if row.len() > MAX_ROW {
                        row.select_nth_unstable_by(MAX_ROW - 1, |a, b| {
                            b.1.cmp(&a.1).then(a.0.cmp(&b.0))
                        });
                        row.truncate(MAX_ROW);
                    }
                    row.sort_unstable_by_key(|&(i, _)| i);
                    // The bound counts what is kept, not what a long row once held.
                    row.shrink_to_fit();
                    row
                },
            )
            .collect();
        Cooccurrence { rows, degree }
    }

    pub fn items(&self) -> usize {
        self.degree.len()
    }

    /// Bytes the rows and degrees hold (at most `n × MAX_ROW × 8` plus `4n`).
    pub fn bytes(&self) -> u64 {
        let pairs: usize = self.rows.iter().map(Vec::len).sum();
        (pairs * 8 + self.degree.len() * 4) as u64
    }

    /// XᵀX at (a, b): the diagonal is the degree; a pair dropped by both rows' caps is 0.
    pub fn get(&self, a: usize, b: usize) -> f64 {
        if a == b {
            return self.degree[a] as f64;
        }
        let find = |row: &[(u32, u32)], key: usize| {
            row.binary_search_by_key(&(key as u32), |&(i, _)| i)
                .map(|at| row[at].1)
                .unwrap_or(0)
        };
        find(&self.rows[a], b).max(find(&self.rows[b], a)) as f64
    }

    /// Target i's candidate sources: its [`CANDIDATES`] strongest co-buys by count / √degree.
    fn candidates(&self, i: usize) -> Vec<u32> {
        let mut scored: Vec<(u32, f64)> = self.rows[i]
            .iter()
            .map(|&(j, c)| (j, c as f64 / (self.degree[j as usize].max(1) as f64).sqrt()))
            .collect();
        if scored.len() > CANDIDATES {
            scored.select_nth_unstable_by(CANDIDATES - 1, |a, b| {
                b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
            });
            scored.truncate(CANDIDATES);
        }
        let mut ids: Vec<u32> = scored.into_iter().map(|(j, _)| j).collect();
        ids.sort_unstable();
        ids
    }
}

/// The local EASE weights B_ji for every target i over its candidates j, as lists per
/// source j of (target i, weight), positive weights only, unsorted. `lambda` is absolute.
pub fn weights_by_source(co: &Cooccurrence, lambda: f64) -> Vec<Vec<(u32, f32)>> {
    let n = co.items();
    let per_target: Vec<(Vec<u32>, Vec<f64>)> = (0..n)
        .into_par_iter()
        .map_init(
            || vec![usize::MAX; n],
            |slot, i| {
                let sources = co.candidates(i);
                let w = solve_local(co, slot, &sources, i, lambda);
                (sources, w)
            },
        )
        .collect();
    let mut lists: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
    for (i, (sources, w)) in per_target.iter().enumerate() {
        for (&j, &weight) in sources.iter().zip(w) {
            if weight > 0.0 {
                lists[j as usize].push((i as u32, weight as f32));
            }
        }
    }
    lists
}

/// Ridge regression of target `i` on `sources`: (G_SS + λI) w = G_Si. `slot` maps an item
/// to its place in `sources` (all `usize::MAX` on entry and on return). Empty when the
/// system cannot be solved (it always can for λ > 0).
fn solve_local(
    co: &Cooccurrence,
    slot: &mut [usize],
    sources: &[u32],
    i: usize,
    lambda: f64,
) -> Vec<f64> {
    let m = sources.len();
    if m == 0 {
        return Vec::new();
    }
    for (r, &j) in sources.iter().enumerate() {
        slot[j as usize] = r;
    }
    let mut g = DMatrix::<f64>::zeros(m, m);
    for (r, &a) in sources.iter().enumerate() {
        g[(r, r)] = co.degree[a as usize] as f64 + lambda;
        for &(b, c) in &co.rows[a as usize] {
            let s = slot[b as usize];
            if s != usize::MAX {
                // A pair one row's cap dropped is still found in the other's.
                let c = c as f64;
                if c > g[(r, s)] {
                    g[(r, s)] = c;
                    g[(s, r)] = c;
                }
            }
        }
    }
    for &j in sources {
        slot[j as usize] = usize::MAX;
    }
    let rhs = DVector::<f64>::from_fn(m, |r, _| co.get(sources[r] as usize, i));
    match g.cholesky() {
        Some(chol) => chol.solve(&rhs).iter().copied().collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small matrix with structure: 40 users, 12 items, seeded.
    fn sample() -> Csr {
        let mut triples = Vec::new();
        let mut state = 7u64;
        for u in 0..40u32 {
            for i in 0..12u32 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let p = if (u + i) % 3 == 0 { 0.7 } else { 0.2 };
                if ((state >> 33) as f64 / (1u64 << 31) as f64) < p {
                    triples.push((u, i, 1.0));
                }
            }
        }
        Csr::from_triples(40, 12, triples)
    }

    fn dense_gram(x: &Csr) -> DMatrix<f64> {
        let n = x.cols();
        let mut g = DMatrix::<f64>::zeros(n, n);
        for u in 0..x.rows() {
            let items = x.row(u).0;
            for &a in items {
                for &b in items {
                    g[(a as usize, b as usize)] += 1.0;
                }
            }
        }
        g
    }

    #[test]
    fn counts_match_the_dense_gram() {
        let x = sample();
        let co = Cooccurrence::of(&x);
        let g = dense_gram(&x);
        for a in 0..12 {
            for b in 0..12 {
                assert_eq!(co.get(a, b), g[(a, b)], "({a}, {b})");
            }
        }
    }

    /// With every other item a candidate (12 items < CANDIDATES), each target's local
    /// regression is EASE's column: B = I − P·diag(1/diag P), P = (G + λI)⁻¹.
    #[test]
    fn with_all_items_as_candidates_it_is_ease() {
        let x = sample();
        let lambda = 5.0;
        let co = Cooccurrence::of(&x);
        for a in 0..12 {
            for b in 0..12 {
                assert!(
                    co.get(a, b) > 0.0,
                    "every pair is bought together at least once"
                );
            }
        }
        let lists = weights_by_source(&co, lambda);
        let mut g = dense_gram(&x);
        for d in 0..12 {
            g[(d, d)] += lambda;
        }
        let p = g.try_inverse().expect("positive definite");
        for j in 0..12 {
            for i in 0..12 {
                if i == j {
                    continue;
                }
                let ease = -p[(j, i)] / p[(i, i)];
                let got = lists[j]
                    .iter()
                    .find(|&&(t, _)| t as usize == i)
                    .map(|&(_, w)| w as f64);
                match got {
                    Some(w) => assert!((w - ease).abs() < 1e-5, "B[{j},{i}] {w} vs {ease}"),
                    // Only positive weights are kept.
                    None => assert!(ease <= 1e-9, "B[{j},{i}] {ease} dropped"),
                }
            }
        }
    }

    #[test]
    fn row_caps_keep_the_strongest_partners() {
        // One user buying everything: every pair co-occurs once; rows stay within the cap.
        let n = MAX_ROW + 10;
        let triples: Vec<(u32, u32, f32)> = (0..n as u32).map(|i| (0, i, 1.0)).collect();
        let co = Cooccurrence::of(&Csr::from_triples(1, n, triples));
        assert!(co.rows.iter().all(|r| r.len() == MAX_ROW));
        assert!(co
            .rows
            .iter()
            .all(|r| r.windows(2).all(|w| w[0].0 < w[1].0)));
    }
}
