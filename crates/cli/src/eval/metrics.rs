//! Ranking metrics for one user, and their averages over users.

use std::collections::HashSet;

/// recall@k = hits in the top k / min(k, |relevant|).
pub fn recall_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    let hits = ranked
        .iter()
        .take(k)
        .filter(|i| relevant.contains(i))
        .count();
    hits as f64 / k.min(relevant.len()) as f64
}

/// NDCG@k with binary gains: DCG = Σ over hits at 0-based rank r of 1/log2(r + 2), divided
/// by the DCG of a perfect list of min(k, |relevant|) hits.
pub fn ndcg_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    let discount = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, i)| relevant.contains(i))
        .map(|(rank, _)| discount(rank))
        .sum();
    let ideal: f64 = (0..k.min(relevant.len())).map(discount).sum();
    dcg / ideal
}

/// Averages over the evaluated users, and catalog coverage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    pub users: usize,
    pub recall: f64,
    pub ndcg: f64,
    /// Share of the catalog that appears in at least one user's top k.
    pub coverage: f64,
}

/// Sums per-user results; `merge` combines partial sums from threads.
#[derive(Debug, Clone)]
pub struct MetricSums {
    users: usize,
    recall: f64,
    ndcg: f64,
    recommended: Vec<bool>,
}

impl MetricSums {
    pub fn new(catalog_len: usize) -> MetricSums {
        MetricSums {
            users: 0,
            recall: 0.0,
            ndcg: 0.0,
            recommended: vec![false; catalog_len],
        }
    }

    pub fn add(&mut self, ranked: &[u32], relevant: &HashSet<u32>, k: usize) {
        self.add_with_recall(ranked, relevant, k, recall_at_k(ranked, relevant, k));
    }

    /// [`add`](Self::add) with the user's recall computed by the caller.
    pub fn add_with_recall(
        &mut self,
        ranked: &[u32],
        relevant: &HashSet<u32>,
        k: usize,
        recall: f64,
    ) {
        self.users += 1;
        self.recall += recall;
        self.ndcg += ndcg_at_k(ranked, relevant, k);
        for &i in ranked.iter().take(k) {
            self.recommended[i as usize] = true;
        }
    }

    pub fn merge(mut self, other: MetricSums) -> MetricSums {
        self.users += other.users;
        self.recall += other.recall;
        self.ndcg += other.ndcg;
        for (a, b) in self.recommended.iter_mut().zip(other.recommended) {
            *a |= b;
        }
        self
    }

    pub fn finish(&self) -> Metrics {
        let users = self.users.max(1) as f64;
        let covered = self.recommended.iter().filter(|&&r| r).count();
        Metrics {
            users: self.users,
            recall: self.recall / users,
            ndcg: self.ndcg / users,
            coverage: covered as f64 / self.recommended.len().max(1) as f64,
        }
    }
}

/// The mean of several splits' metrics (MovieLens u1..u5), each split weighted equally.
pub fn mean(metrics: &[Metrics]) -> Metrics {
    let n = metrics.len().max(1) as f64;
    Metrics {
        users: metrics.iter().map(|m| m.users).sum(),
        recall: metrics.iter().map(|m| m.recall).sum::<f64>() / n,
        ndcg: metrics.iter().map(|m| m.ndcg).sum::<f64>() / n,
        coverage: metrics.iter().map(|m| m.coverage).sum::<f64>() / n,
    }
}
