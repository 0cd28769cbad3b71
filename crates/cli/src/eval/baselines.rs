//! Reference models for the evaluation table: popularity, item-kNN (cosine) and EASE
//! (Steck 2019). They see exactly the training matrix the ALS model sees and exclude the
//! user's training items, like the browser does.

use anyhow::Result;
use indicatif::ProgressBar;
use nalgebra::DMatrix;
use rayon::prelude::*;
use shopwindow::topk::{Scored, TopK};

use super::spd_inverse::spd_inverse_counted;
use super::Ranker;
use crate::data::Csr;

/// The k best-scoring items that are not in `exclude` (sorted), ties by lower index, with
/// the core's selection so every model breaks ties the same way.
pub fn top_k_excluding(scores: &[f32], exclude: &[u32], k: usize) -> Vec<u32> {
    let mut top = TopK::new(k);
    for (i, &score) in scores.iter().enumerate() {
        let candidate = Scored {
            index: i as u32,
            score,
        };
        if top.accepts(&candidate) && exclude.binary_search(&(i as u32)).is_err() {
            top.push(candidate);
        }
    }
    top.into_sorted().into_iter().map(|s| s.index).collect()
}

/// Most-bought first: the number of distinct training users per item.
pub struct Popularity<'a> {
    train: &'a Csr,
    scores: Vec<f32>,
}

impl<'a> Popularity<'a> {
    pub fn new(train: &'a Csr) -> Popularity<'a> {
        let scores = train
            .column_counts()
            .into_iter()
            .map(|c| c as f32)
            .collect();
        Popularity { train, scores }
    }
}

impl Ranker for Popularity<'_> {
    fn rank(&self, row: usize, k: usize) -> Result<Vec<u32>> {
        Ok(top_k_excluding(&self.scores, self.train.row(row).0, k))
    }
}

/// Item-based nearest neighbours: cosine similarity of the items' binary user columns,
/// each item keeping its `neighbors` most similar items; a user's score for an item is the
/// sum of its similarities to the user's items (Sarwar et al. 2001, Deshpande & Karypis 2004).
pub struct ItemKnn<'a> {
    train: &'a Csr,
    /// Per item: its most similar items and their similarities.
    neighbors: Vec<Vec<(u32, f32)>>,
}

impl<'a> ItemKnn<'a> {
    pub fn new(train: &'a Csr, neighbors: usize) -> ItemKnn<'a> {
        Self::with_progress(train, neighbors, &ProgressBar::hidden())
    }

    /// [`ItemKnn::new`], advancing `bar` by one per item done.
    pub fn with_progress(train: &'a Csr, neighbors: usize, bar: &ProgressBar) -> ItemKnn<'a> {
        let n = train.cols();
        let item_users = train.transpose();
        let norms: Vec<f32> = (0..n)
            .map(|i| (item_users.row_nnz(i) as f32).sqrt())
            .collect();
        let lists = (0..n)
            .into_par_iter()
            .map_init(
                || vec![0u32; n],
                |co_counts, i| {
                    co_counts.fill(0);
                    for &u in item_users.row(i).0 {
                        for &j in train.row(u as usize).0 {
                            co_counts[j as usize] += 1;
                        }
                    }
                    let mut top = TopK::new(neighbors);
                    for (j, &count) in co_counts.iter().enumerate() {
                        if j == i || count == 0 {
                            continue;
                        }
                        let candidate = Scored {
                            index: j as u32,
                            score: count as f32 / (norms[i] * norms[j]),
                        };
                        if top.accepts(&candidate) {
                            top.push(candidate);
                        }
                    }
                    bar.inc(1);
                    top.into_sorted()
                        .into_iter()
                        .map(|s| (s.index, s.score))
                        .collect()
                },
            )
            .collect();
        ItemKnn {
            train,
            neighbors: lists,
        }
    }
}

impl Ranker for ItemKnn<'_> {
    fn rank(&self, row: usize, k: usize) -> Result<Vec<u32>> {
        let mut scores = vec![0.0f32; self.train.cols()];
        let history = self.train.row(row).0;
        for &j in history {
            for &(i, similarity) in &self.neighbors[j as usize] {
                scores[i as usize] += similarity;
            }
        }
        Ok(top_k_excluding(&scores, history, k))
    }
}

/// EASE (Steck 2019): the item-item weights B minimizing ‖X − XB‖² + λ‖B‖² with
/// diag(B) = 0, in closed form from P = (XᵀX + λI)⁻¹: B_ij = −P_ij / P_jj. X is binary.
pub struct Ease<'a> {
    train: &'a Csr,
    /// n × n, row j = the weights item j gives every item.
    weights: Vec<f32>,
}

/// XᵀX + λI of the binary interaction matrix (EASE's system; the tuner's neighbour
/// builder solves the same one), one item row per task.
pub fn gram_with_ridge(train: &Csr, lambda: f64) -> DMatrix<f64> {
    let n = train.cols();
    let item_users = train.transpose();
    let mut gram = DMatrix::<f64>::zeros(n, n);
    gram.as_mut_slice()
        .par_chunks_mut(n)
        .enumerate()
        .for_each(|(i, column)| {
            // Column i of a symmetric matrix is its row i.
            for &u in item_users.row(i).0 {
                for &j in train.row(u as usize).0 {
                    column[j as usize] += 1.0;
                }
            }
            column[i] += lambda;
        });
    gram
}

impl<'a> Ease<'a> {
    /// O(n³) time and n² memory in the number of items: for catalogs that fit in memory.
    pub fn new(train: &'a Csr, lambda: f64) -> Ease<'a> {
        Self::with_progress(train, lambda, &ProgressBar::hidden())
    }

    /// [`Ease::new`], advancing `bar` by the inverse's multiply-adds as they are done (a
    /// bar of length [`inverse_work`](super::spd_inverse::inverse_work)`(items)` ends full).
    pub fn with_progress(train: &'a Csr, lambda: f64, bar: &ProgressBar) -> Ease<'a> {
        let n = train.cols();
        let gram = gram_with_ridge(train, lambda);
        let p = spd_inverse_counted(&gram, &|work| bar.inc(work))
            .expect("XᵀX + λI is positive definite for λ > 0");
        let mut weights = vec![0.0f32; n * n];
        weights.par_chunks_mut(n).enumerate().for_each(|(j, row)| {
            // B_ji = −P_ji / P_ii; P is symmetric so P_ji is column j's entry i.
            let column = p.column(j);
            for (i, b) in row.iter_mut().enumerate() {
                *b = if i == j {
                    0.0
                } else {
                    (-column[i] / p[(i, i)]) as f32
                };
            }
        });
        Ease { train, weights }
    }
}

impl Ranker for Ease<'_> {
    fn rank(&self, row: usize, k: usize) -> Result<Vec<u32>> {
        let n = self.train.cols();
        let mut scores = vec![0.0f32; n];
        let history = self.train.row(row).0;
        for &j in history {
            let weights = &self.weights[j as usize * n..(j as usize + 1) * n];
            scores.iter_mut().zip(weights).for_each(|(s, w)| *s += w);
        }
        Ok(top_k_excluding(&scores, history, k))
    }
}
