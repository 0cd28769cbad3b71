//! The sparse item-to-item component of the hybrid: for each item j, the K items it
//! recommends most strongly, with weights (what a shopper who has j "votes" for them).
//!
//! Three builders; the tuner tries RP3β and one of the EASEs, and keeps whichever
//! validates best:
//!
//! - **EASE, truncated** (Steck 2019) when the items × items inverse fits the memory and
//!   time bounds: B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹ with X the binary user × item
//!   matrix; item j's row keeps its K largest positive B_ji. λ is given relative to the mean
//!   of diag(XᵀX) (the mean number of users per item), so one setting means the same on a
//!   small store and a big one.
//! - **Local EASE** otherwise ([`local_ease`](super::local_ease)): the same regression per
//!   target, solved on the target's strongest co-buys only; memory grows with the items.
//! - **RP3β** (Paudel et al. 2017; Christoffel et al. 2015): a two-step random
//!   walk item → user → item, W_ji = Σ_u (1/|j|)(1/|u|) / |i|^β over the users u of j, with
//!   |·| the degrees of the binary matrix; β > 0 pushes popular items down. It needs only
//!   the sparse matrix, one dense accumulator per thread and the output: memory grows
//!   with the number of items, never with its square.
//!
//! EASE and local EASE are each also refit on their truncated pattern ([`refit`]).
//!
//! Weights are stored as f16 and ids as u32 (`K = 10`: 60 bytes per item); a row with
//! fewer than K positive weights is padded with [`EMPTY`] ids and weight 0.

use half::f16;
use nalgebra::DMatrix;
use rayon::prelude::*;
use shopwindow::topk::{Scored, TopK};

use super::local_ease::{self, Cooccurrence};
use crate::data::Csr;
use crate::eval::spd_inverse::spd_inverse;

/// Neighbours per item by default: u32 id + f16 weight = 6 bytes each, 60 bytes per item.
pub const DEFAULT_K: usize = 10;

/// The id of an unused neighbour slot.
pub const EMPTY: u32 = u32::MAX;

/// Bytes one neighbour slot takes in the catalog (u32 id, f16 weight).
pub const SLOT_BYTES: usize = 4 + 2;

/// How the neighbour lists are made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Truncated EASE with λ = `lambda_rel` × mean diag(XᵀX).
    Ease { lambda_rel: f64 },
    /// Truncated EASE's sparsity pattern, each target's weights refit by ridge regression
    /// on the sources that keep it ([`refit`]).
    EaseRefit { lambda_rel: f64 },
    /// EASE's regression solved per target on its strongest co-buys only
    /// ([`local_ease`](super::local_ease)), for catalogs the full inverse does not fit.
    LocalEase { lambda_rel: f64 },
    /// Local EASE truncated to K, each target refit on the sources that keep it.
    LocalEaseRefit { lambda_rel: f64 },
    /// RP3β with popularity exponent `beta`.
    Rp3 { beta: f64 },
}

impl Method {
    pub fn describe(&self) -> String {
        match self {
            Method::Ease { lambda_rel } => format!("ease λ={lambda_rel}·mean-degree"),
            Method::EaseRefit { lambda_rel } => {
                format!("ease-refit λ={lambda_rel}·mean-degree")
            }
            Method::LocalEase { lambda_rel } => format!("local-ease λ={lambda_rel}·mean-degree"),
            Method::LocalEaseRefit { lambda_rel } => {
                format!("local-ease-refit λ={lambda_rel}·mean-degree")
            }
            Method::Rp3 { beta } => format!("rp3beta β={beta}"),
        }
    }
}

/// K neighbours per item, row-major `[items, k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbours {
    pub k: usize,
    pub ids: Vec<u32>,
    pub weights: Vec<f16>,
}

impl Neighbours {
    pub fn items(&self) -> usize {
        self.ids.len() / self.k.max(1)
    }

    /// Item j's neighbours and weights (f16 widened exactly to f32), empty slots skipped.
    pub fn row(&self, j: usize) -> impl Iterator<Item = (u32, f32)> + '_ {
        let span = j * self.k..(j + 1) * self.k;
        self.ids[span.clone()]
            .iter()
            .zip(&self.weights[span])
            .filter(|(&id, _)| id != EMPTY)
            .map(|(&id, &w)| (id, w.to_f32()))
    }

    /// Bytes per item in the catalog.
    pub fn bytes_per_item(&self) -> usize {
        self.k * SLOT_BYTES
    }

    /// Packs per-item lists (best first, at most `k` each) into the stored layout.
    pub fn from_lists(lists: Vec<Vec<(u32, f32)>>, k: usize) -> Neighbours {
        let mut ids = vec![EMPTY; lists.len() * k];
        let mut weights = vec![f16::ZERO; lists.len() * k];
        for (j, list) in lists.into_iter().enumerate() {
            for (slot, (id, w)) in list.into_iter().take(k).enumerate() {
                ids[j * k + slot] = id;
                weights[j * k + slot] = f16::from_f32(w);
            }
        }
        Neighbours { k, ids, weights }
    }
}

/// Bytes the EASE builder holds at its peak for `n` items: XᵀX, its inverse and the
/// block recursion's temporaries, all n × n f64.
pub fn ease_memory_bytes(n: usize) -> u64 {
    3 * 8 * (n as u64) * (n as u64)
}

/// Mean diag(XᵀX) of the binary matrix: the mean number of users per item.
pub fn mean_degree(train: &Csr) -> f64 {
    train.nnz() as f64 / train.cols().max(1) as f64
}

/// P = (XᵀX + λI)⁻¹ of the binary matrix, with λ = `lambda_rel` × the mean item degree.
pub fn ease_inverse(train: &Csr, lambda_rel: f64) -> DMatrix<f64> {
    let gram = ease_gram(train, lambda_rel);
    spd_inverse(&gram).expect("XᵀX + λI is positive definite for λ > 0")
}

/// XᵀX + λI of the binary matrix, with λ = `lambda_rel` × the mean item degree.
pub fn ease_gram(train: &Csr, lambda_rel: f64) -> DMatrix<f64> {
    let lambda = (lambda_rel * mean_degree(train)).max(1e-6);
    crate::eval::baselines::gram_with_ridge(train, lambda)
}

/// Most sources one target's refit may have (a dense solve of that size); a target kept
/// by more keeps its truncated weights.
pub const MAX_REFIT_SUPPORT: usize = 1500;

/// Truncation's loss, compensated: `table`'s sparsity pattern kept, and each target i's
/// weights from its sources S_i = {j : i in row j} refit as EASE's regression restricted to
/// them, w = (G_SS)⁻¹ G_Si with G = XᵀX + λI (`gram(a, b)`; i ∉ S_i, so the diagonal
/// constraint holds). The dropped weights' share of the score moves onto the kept ones.
/// Rows are re-sorted by the new weights, strongest first.
pub fn refit(gram: impl Fn(usize, usize) -> f64 + Sync, table: &Neighbours) -> Neighbours {
    let n = table.items();
    let k = table.k;
    let mut sources: Vec<Vec<u32>> = vec![Vec::new(); n];
    for j in 0..n {
        for (i, _) in table.row(j) {
            sources[i as usize].push(j as u32);
        }
    }
    // (target, sources, refit weights), each target solved on its own.
    let solved: Vec<Option<Vec<f64>>> = sources
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            if s.is_empty() || s.len() > MAX_REFIT_SUPPORT {
                return None;
            }
            let m = s.len();
            let a = DMatrix::<f64>::from_fn(m, m, |r, c| gram(s[r] as usize, s[c] as usize));
            let b = nalgebra::DVector::<f64>::from_fn(m, |r, _| gram(s[r] as usize, i));
            let w = a.cholesky()?.solve(&b);
            Some(w.iter().copied().collect())
        })
        .collect();
    let mut lists: Vec<Vec<(u32, f32)>> = (0..n).map(|j| table.row(j).collect()).collect();
    for (i, (s, w)) in sources.iter().zip(&solved).enumerate() {
        let Some(w) = w else { continue };
        for (&j, &weight) in s.iter().zip(w) {
            if let Some(slot) = lists[j as usize].iter_mut().find(|(t, _)| *t == i as u32) {
                slot.1 = weight as f32;
            }
        }
    }
    for list in &mut lists {
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    Neighbours::from_lists(lists, k)
}

/// Item j's K largest positive EASE weights B_ji = −P_ji / P_ii (i ≠ j), from P.
pub fn ease_neighbours(p: &DMatrix<f64>, k: usize) -> Neighbours {
    let n = p.nrows();
    let diag: Vec<f64> = (0..n).map(|i| p[(i, i)]).collect();
    let lists: Vec<Vec<(u32, f32)>> = (0..n)
        .into_par_iter()
        .map(|j| {
            // P is symmetric: column j holds P_ij = P_ji.
            let column = p.column(j);
            let mut top = TopK::new(k);
            for i in 0..n {
                let w = (-column[i] / diag[i]) as f32;
                if i == j || w <= 0.0 {
                    continue;
                }
                let candidate = Scored {
                    index: i as u32,
                    score: w,
                };
                if top.accepts(&candidate) {
                    top.push(candidate);
                }
            }
            top.into_sorted()
                .into_iter()
                .map(|s| (s.index, s.score))
                .collect()
        })
        .collect();
    Neighbours::from_lists(lists, k)
}

/// Item j's K largest positive local-EASE weights (absolute `lambda`).
pub fn local_ease_neighbours(co: &Cooccurrence, lambda: f64, k: usize) -> Neighbours {
    let mut lists = local_ease::weights_by_source(co, lambda.max(1e-6));
    for list in &mut lists {
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        list.truncate(k);
    }
    Neighbours::from_lists(lists, k)
}

/// [`refit`] of a local-EASE table on the sparse XᵀX + λI.
pub fn local_ease_refit(co: &Cooccurrence, lambda: f64, table: &Neighbours) -> Neighbours {
    let lambda = lambda.max(1e-6);
    refit(
        |a, b| co.get(a, b) + if a == b { lambda } else { 0.0 },
        table,
    )
}

/// RP3β neighbours of the binary matrix `train` (users × items).
pub fn rp3_neighbours(train: &Csr, beta: f64, k: usize) -> Neighbours {
    let n = train.cols();
    let item_users = train.transpose();
    let user_inv: Vec<f64> = (0..train.rows())
        .map(|u| 1.0 / train.row_nnz(u).max(1) as f64)
        .collect();
    // |i|^−β, for every target item i.
    let item_pow: Vec<f64> = (0..n)
        .map(|i| (item_users.row_nnz(i).max(1) as f64).powf(-beta))
        .collect();
    let lists: Vec<Vec<(u32, f32)>> = (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0.0f64; n], Vec::<u32>::new()),
            |(acc, touched), j| {
                let users = item_users.row(j).0;
                let from = 1.0 / users.len().max(1) as f64;
                for &u in users {
                    for &i in train.row(u as usize).0 {
                        if acc[i as usize] == 0.0 {
                            touched.push(i);
                        }
                        acc[i as usize] += user_inv[u as usize];
                    }
                }
                let mut top = TopK::new(k);
                for &i in touched.iter() {
                    let w = (from * acc[i as usize] * item_pow[i as usize]) as f32;
                    acc[i as usize] = 0.0;
                    if i as usize == j || w <= 0.0 {
                        continue;
                    }
                    let candidate = Scored { index: i, score: w };
                    if top.accepts(&candidate) {
                        top.push(candidate);
                    }
                }
                touched.clear();
                top.into_sorted()
                    .into_iter()
                    .map(|s| (s.index, s.score))
                    .collect()
            },
        )
        .collect();
    Neighbours::from_lists(lists, k)
}

/// Builds the neighbours `method` names.
pub fn build(train: &Csr, method: Method, k: usize) -> Neighbours {
    match method {
        Method::Ease { lambda_rel } => ease_neighbours(&ease_inverse(train, lambda_rel), k),
        Method::EaseRefit { lambda_rel } => {
            let table = ease_neighbours(&ease_inverse(train, lambda_rel), k);
            let gram = ease_gram(train, lambda_rel);
            refit(|a, b| gram[(a, b)], &table)
        }
        Method::LocalEase { lambda_rel } | Method::LocalEaseRefit { lambda_rel } => {
            let co = Cooccurrence::of(train);
            let table = local_ease_neighbours(&co, lambda_rel * mean_degree(train), k);
            match method {
                Method::LocalEaseRefit { .. } => {
                    local_ease_refit(&co, lambda_rel * mean_degree(train), &table)
                }
                _ => table,
            }
        }
        Method::Rp3 { beta } => rp3_neighbours(train, beta, k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 6 users × 5 items, some repeated weights (the builders use the binary pattern).
    fn tiny() -> Csr {
        Csr::from_triples(
            6,
            5,
            vec![
                (0, 0, 1.0),
                (0, 1, 2.0),
                (1, 0, 1.0),
                (1, 1, 1.0),
                (1, 2, 1.0),
                (2, 2, 1.0),
                (2, 3, 3.0),
                (3, 3, 1.0),
                (3, 4, 1.0),
                (4, 0, 1.0),
                (4, 4, 1.0),
                (5, 1, 1.0),
                (5, 2, 1.0),
                (5, 3, 1.0),
            ],
        )
    }

    fn dense_binary(m: &Csr) -> DMatrix<f64> {
        let mut x = DMatrix::<f64>::zeros(m.rows(), m.cols());
        for u in 0..m.rows() {
            for &i in m.row(u).0 {
                x[(u, i as usize)] = 1.0;
            }
        }
        x
    }

    /// Brute-force top-k of a dense weight matrix w[(j, i)], positive and i ≠ j only.
    fn brute_top(w: &DMatrix<f64>, k: usize) -> Vec<Vec<(u32, f32)>> {
        (0..w.nrows())
            .map(|j| {
                let mut row: Vec<(u32, f32)> = (0..w.ncols())
                    .filter(|&i| i != j && w[(j, i)] as f32 > 0.0)
                    .map(|i| (i as u32, w[(j, i)] as f32))
                    .collect();
                row.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                row.truncate(k);
                row
            })
            .collect()
    }

    fn assert_matches(got: &Neighbours, expected: &[Vec<(u32, f32)>]) {
        for (j, want) in expected.iter().enumerate() {
            let row: Vec<(u32, f32)> = got.row(j).collect();
            assert_eq!(row.len(), want.len(), "item {j}: {row:?} vs {want:?}");
            for ((gi, gw), (wi, ww)) in row.iter().zip(want) {
                assert_eq!(gi, wi, "item {j}: {row:?} vs {want:?}");
                // f16 storage: 11 significant bits.
                assert!((gw - ww).abs() <= ww.abs() * 1e-3, "{gw} vs {ww}");
            }
        }
    }

    #[test]
    fn ease_matches_the_dense_closed_form() {
        let m = tiny();
        let x = dense_binary(&m);
        let lambda_rel = 0.5;
        let lambda = lambda_rel * mean_degree(&m);
        let g = x.transpose() * &x + DMatrix::<f64>::identity(5, 5) * lambda;
        let p = g.try_inverse().unwrap();
        // B_ji = −P_ji / P_ii, diag 0.
        let b = DMatrix::<f64>::from_fn(
            5,
            5,
            |j, i| {
                if i == j {
                    0.0
                } else {
                    -p[(j, i)] / p[(i, i)]
                }
            },
        );
        let got = build(&m, Method::Ease { lambda_rel }, 2);
        assert_eq!(got.bytes_per_item(), 12);
        assert_matches(&got, &brute_top(&b, 2));
    }

    #[test]
    fn refit_solves_each_targets_ridge_on_its_kept_sources() {
        let m = tiny();
        let lambda_rel = 0.5;
        let table = build(&m, Method::Ease { lambda_rel }, 2);
        let gram = ease_gram(&m, lambda_rel);
        let got = refit(|a, b| gram[(a, b)], &table);
        // Same pattern (ids per row, as sets).
        for j in 0..5 {
            let mut a: Vec<u32> = table.row(j).map(|(i, _)| i).collect();
            let mut b: Vec<u32> = got.row(j).map(|(i, _)| i).collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "row {j}");
        }
        // Target i's weights solve G_SS w = G_Si over its sources S.
        for i in 0..5u32 {
            let s: Vec<usize> = (0..5)
                .filter(|&j| table.row(j).any(|(t, _)| t == i))
                .collect();
            if s.is_empty() {
                continue;
            }
            let a = DMatrix::<f64>::from_fn(s.len(), s.len(), |r, c| gram[(s[r], s[c])]);
            let b = DMatrix::<f64>::from_fn(s.len(), 1, |r, _| gram[(s[r], i as usize)]);
            let w = a.try_inverse().unwrap() * b;
            for (r, &j) in s.iter().enumerate() {
                let stored = got.row(j).find(|&(t, _)| t == i).unwrap().1;
                assert!((stored as f64 - w[(r, 0)]).abs() <= w[(r, 0)].abs() * 1e-3 + 1e-6);
            }
        }
    }

    #[test]
    fn rp3_matches_the_dense_random_walk() {
        let m = tiny();
        let x = dense_binary(&m);
        let beta = 0.3;
        let item_deg: Vec<f64> = (0..5).map(|i| x.column(i).sum()).collect();
        let user_deg: Vec<f64> = (0..6).map(|u| x.row(u).sum()).collect();
        let w = DMatrix::<f64>::from_fn(5, 5, |j, i| {
            let walk: f64 = (0..6)
                .map(|u| x[(u, j)] / item_deg[j] * x[(u, i)] / user_deg[u])
                .sum();
            walk / item_deg[i].powf(beta)
        });
        let got = build(&m, Method::Rp3 { beta }, 3);
        assert_matches(&got, &brute_top(&w, 3));
        // Rows with fewer than k positive weights are padded.
        let wide = build(&m, Method::Rp3 { beta }, 5);
        assert!(wide.ids.contains(&EMPTY));
        assert_eq!(wide.items(), 5);
    }
}
