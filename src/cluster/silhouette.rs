//! The silhouette (Rousseeuw 1987) with Euclidean distances: how much closer a point is to
//! its own cluster than to the nearest other one. Written once for the device (choosing how
//! many interests a history has) and the CLI (judging the catalog's segments, over a
//! sample and in parallel, which is why a single point's value is public).

use super::kmeans::{squared_distance, Points};

/// The silhouette of point `i` against the points `among` (`i` itself skipped): a = mean
/// distance to the others of its cluster, b = the lowest mean distance to another
/// cluster's, s = (b − a) / max(a, b). A point alone in its cluster, or with no other
/// cluster among the points, scores 0. `clusters` is one more than the largest label.
pub fn point_silhouette(
    points: &Points<'_>,
    labels: &[u32],
    clusters: usize,
    among: &[usize],
    i: usize,
) -> f64 {
    let mut sums = vec![0.0f64; clusters];
    let mut counts = vec![0usize; clusters];
    for &j in among.iter().filter(|&&j| j != i) {
        sums[labels[j] as usize] += squared_distance(points.row(i), points.row(j)).sqrt();
        counts[labels[j] as usize] += 1;
    }
    let own = labels[i] as usize;
    if counts[own] == 0 {
        return 0.0;
    }
    let a = sums[own] / counts[own] as f64;
    let b = (0..clusters)
        .filter(|&c| c != own && counts[c] > 0)
        .map(|c| sums[c] / counts[c] as f64)
        .fold(f64::INFINITY, f64::min);
    if !b.is_finite() {
        return 0.0;
    }
    (b - a) / a.max(b)
}

/// Mean silhouette over all points (O(n²) distances: for small inputs).
pub fn silhouette(points: &Points<'_>, labels: &[u32]) -> f64 {
    let clusters = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let n = points.len();
    let all: Vec<usize> = (0..n).collect();
    let mut total = 0.0;
    for i in 0..n {
        total += point_silhouette(points, labels, clusters, &all, i);
    }
    total / n.max(1) as f64
}
