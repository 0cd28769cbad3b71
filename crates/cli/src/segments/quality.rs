//! How good the segments are: silhouette, stability over time, RFM segment counts.

use std::collections::BTreeMap;

use rayon::prelude::*;
use shopwindow::cluster::{nearest, point_silhouette, Points};
use shopwindow::rfm::{RfmSegment, RfmThresholds, RfmValues};
use shopwindow::rng::{RandomSource, SplitMix64};

/// Mean silhouette (the core's [`point_silhouette`]) over a uniform sample of at most
/// `sample` points (all when fewer), distances taken among the sampled points only;
/// points alone in their segment score 0. Parallel over the sample; the sum is taken in
/// sample order, so the result does not depend on the thread count.
pub fn silhouette(points: &Points<'_>, labels: &[u32], sample: usize, seed: u64) -> f64 {
    let n = points.len();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64::new(seed);
    let m = sample.min(n);
    for i in 0..m {
        let j = i + rng.below(n - i);
        order.swap(i, j);
    }
    let chosen = &order[..m];
    let segments = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let scores: Vec<f64> = chosen
        .par_iter()
        .map(|&i| point_silhouette(points, labels, segments, chosen, i))
        .collect();
    scores.iter().sum::<f64>() / m.max(1) as f64
}

/// Of customers assigned `before[i]` from one history and re-assigned from another (rows
/// of `later`, unit vectors), the share whose segment stays the same, and the share that
/// chance would give (Σ p_s² over the segment shares).
pub fn stability(centroids: &[f32], before: &[u32], later: &Points<'_>) -> (f64, f64) {
    let dim = later.dim();
    let same = before
        .iter()
        .enumerate()
        .filter(|&(i, &s)| nearest(centroids, dim, later.row(i)).0 == s)
        .count();
    let segments = centroids.len() / dim;
    let sizes = super::sizes(before, segments);
    let n = before.len().max(1) as f64;
    let chance = sizes.iter().map(|&s| (s as f64 / n).powi(2)).sum();
    (same as f64 / n, chance)
}

/// Customers per named RFM segment, in the rule table's order.
pub fn rfm_counts(
    population: &[RfmValues],
    thresholds: &RfmThresholds,
) -> BTreeMap<RfmSegment, usize> {
    let mut counts: BTreeMap<RfmSegment, usize> = RfmSegment::ALL.iter().map(|&s| (s, 0)).collect();
    for r in population {
        *counts.entry(thresholds.score(r).segment()).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silhouette_is_high_for_separated_and_low_for_mixed_labels() {
        let data: Vec<f32> = (0..40)
            .flat_map(|i| [if i < 20 { 0.0 } else { 10.0 } + (i % 5) as f32 * 0.1, 0.0])
            .collect();
        let points = Points::new(&data, 2).unwrap();
        let good: Vec<u32> = (0..40).map(|i| (i >= 20) as u32).collect();
        let bad: Vec<u32> = (0..40).map(|i| (i % 2) as u32).collect();
        assert!(silhouette(&points, &good, 100, 1) > 0.9);
        assert!(silhouette(&points, &bad, 100, 1) < 0.1);
        // Sampling still lands close.
        assert!(silhouette(&points, &good, 30, 1) > 0.9);
    }

    #[test]
    fn stability_counts_unchanged_assignments() {
        let centroids = [0.0, 1.0];
        let later_data = [0.1, 0.9, 0.8, 0.2];
        let later = Points::new(&later_data, 1).unwrap();
        let (same, chance) = stability(&centroids, &[0, 1, 0, 0], &later);
        assert_eq!(same, 0.75);
        assert_eq!(chance, 0.75 * 0.75 + 0.25 * 0.25);
    }
}
