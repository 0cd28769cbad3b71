//! Multi-interest: the shopper's own history split into up to [`MAX_INTERESTS`] interest
//! clusters (k-means over the history items' unit vectors, k chosen by the data), one
//! fold-in vector per interest, and recommendations interleaved across interests.
//!
//! k is the one of 2..=4 with the best mean silhouette, if that silhouette reaches
//! [`MIN_SILHOUETTE`] and the interests point in clearly different directions
//! ([`MIN_SEPARATION`]); otherwise the history is one interest (and the answer is the plain
//! single-vector one). Each interest needs at least [`MIN_ITEMS_PER_INTEREST`] items.
//! Offline only for now: `shopwindow eval --models ials-interests` measures it.

use crate::error::RecommendError;
use crate::profile::{fold_in, item_weights, Event, ProfileConfig};
use crate::recommend::{HistoryExclusion, RecommendOptions, Recommended, Recommender};
use crate::segment::assign::unit_vector;
use crate::segment::kmeans::{squared_distance, KMeansParams, Points};
use crate::segment::rng::SplitMix64;

pub const MAX_INTERESTS: usize = 4;
/// Least mean silhouette for a split into interests to count as real.
pub const MIN_SILHOUETTE: f64 = 0.15;
pub const MIN_ITEMS_PER_INTEREST: usize = 2;
/// Least squared distance between two interests' unit mean directions (0.5: about 41°
/// apart): the silhouette alone is scale-free and would split any spread of one taste.
pub const MIN_SEPARATION: f64 = 0.5;
/// Most recent distinct items clustered (keeps the O(n²) silhouette small).
pub const MAX_CLUSTERED_ITEMS: usize = 200;

/// The history items of each interest (catalog indices), largest interest first.
pub fn interest_clusters(recommender: &Recommender, history: &[Event], seed: u64) -> Vec<Vec<u32>> {
    let catalog = recommender.catalog();
    // Distinct items, most recent last occurrence first.
    let mut items: Vec<u32> = Vec::new();
    for event in history.iter().rev() {
        if !items.contains(&event.item) {
            items.push(event.item);
        }
    }
    items.truncate(MAX_CLUSTERED_ITEMS);
    let mut kept = Vec::with_capacity(items.len());
    let mut data = Vec::with_capacity(items.len() * catalog.dim());
    for &item in &items {
        if let Some(unit) = unit_vector(&catalog.row(item as usize)) {
            kept.push(item);
            data.extend(unit);
        }
    }
    let single = || vec![items.clone()];
    let Ok(points) = Points::new(&data, catalog.dim()) else {
        return single();
    };
    let mut best: Option<(f64, Vec<u32>, usize)> = None;
    for k in 2..=MAX_INTERESTS.min(kept.len() / MIN_ITEMS_PER_INTEREST) {
        let params = KMeansParams {
            n_init: 3,
            ..KMeansParams::new(k)
        };
        let Ok(model) = params
            .check()
            .and_then(|m| m.fit(&points, &mut SplitMix64::new(seed)))
        else {
            continue;
        };
        if model.sizes().iter().any(|&s| s < MIN_ITEMS_PER_INTEREST) || !separated(&model) {
            continue;
        }
        let score = silhouette(&points, &model.assignments);
        if score >= MIN_SILHOUETTE && best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, model.assignments, k));
        }
    }
    let Some((_, labels, k)) = best else {
        return single();
    };
    let mut clusters: Vec<Vec<u32>> = vec![Vec::new(); k];
    for (&item, &label) in kept.iter().zip(&labels) {
        clusters[label as usize].push(item);
    }
    // Items without a direction (zero vectors) join the largest interest.
    clusters.sort_by_key(|c| std::cmp::Reverse(c.len()));
    clusters[0].extend(items.iter().filter(|i| !kept.contains(i)));
    clusters
}

/// Whether every two centroids point in clearly different directions.
fn separated(model: &crate::segment::kmeans::KMeansModel) -> bool {
    let directions: Vec<Vec<f32>> = (0..model.k())
        .filter_map(|c| unit_vector(model.centroid(c)))
        .collect();
    directions.len() == model.k()
        && directions.iter().enumerate().all(|(a, x)| {
            directions[a + 1..]
                .iter()
                .all(|y| squared_distance(x, y) >= MIN_SEPARATION)
        })
}

/// Mean silhouette with Euclidean distances over all points.
fn silhouette(points: &Points<'_>, labels: &[u32]) -> f64 {
    let k = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let n = points.len();
    let mut total = 0.0;
    for i in 0..n {
        let mut sums = vec![0.0f64; k];
        let mut counts = vec![0usize; k];
        for j in (0..n).filter(|&j| j != i) {
            sums[labels[j] as usize] += squared_distance(points.row(i), points.row(j)).sqrt();
            counts[labels[j] as usize] += 1;
        }
        let own = labels[i] as usize;
        if counts[own] == 0 {
            continue;
        }
        let a = sums[own] / counts[own] as f64;
        let b = (0..k)
            .filter(|&c| c != own && counts[c] > 0)
            .map(|c| sums[c] / counts[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b);
        }
    }
    total / n.max(1) as f64
}

/// One fold-in vector per interest: the fold-in of the history's events on its items.
pub fn interest_vectors(
    recommender: &Recommender,
    history: &[Event],
    profile: &ProfileConfig,
    seed: u64,
) -> Result<Vec<Vec<f32>>, RecommendError> {
    interest_clusters(recommender, history, seed)
        .iter()
        .map(|items| {
            let events: Vec<Event> = history
                .iter()
                .filter(|e| items.contains(&e.item))
                .copied()
                .collect();
            fold_in(recommender.catalog(), &item_weights(&events, profile))
        })
        .collect()
}

/// "Recommended for you" interleaved across the shopper's interests: each interest ranks
/// with its own events (and the whole history's exclusions), and the lists are merged
/// round-robin, largest interest first, skipping items already taken. With one interest
/// this is exactly [`Recommender::recommend`].
pub fn recommend_interests(
    recommender: &Recommender,
    history: &[Event],
    options: &RecommendOptions,
    seed: u64,
) -> Result<Vec<Recommended>, RecommendError> {
    let clusters = interest_clusters(recommender, history, seed);
    if clusters.len() <= 1 {
        return Ok(recommender.recommend(history, options)?.items);
    }
    let mut per_interest = options.clone();
    // The whole history's exclusions apply to every interest's list.
    per_interest
        .filter
        .exclude
        .extend(history.iter().filter_map(|e| {
            let excluded = match options.exclude_history {
                HistoryExclusion::All => true,
                HistoryExclusion::Purchased => e.kind == crate::profile::EventKind::Purchase,
                HistoryExclusion::None => false,
            };
            excluded.then_some(e.item)
        }));
    per_interest.exclude_history = HistoryExclusion::None;
    let lists = clusters
        .iter()
        .map(|items| {
            let events: Vec<Event> = history
                .iter()
                .filter(|e| items.contains(&e.item))
                .copied()
                .collect();
            Ok(recommender.recommend(&events, &per_interest)?.items)
        })
        .collect::<Result<Vec<_>, RecommendError>>()?;
    let mut merged: Vec<Recommended> = Vec::with_capacity(options.k);
    for rank in 0..options.k {
        for list in &lists {
            if merged.len() == options.k {
                return Ok(merged);
            }
            if let Some(r) = list.get(rank) {
                if !merged.iter().any(|m| m.index == r.index) {
                    merged.push(*r);
                }
            }
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogBuilder, ItemRecord};
    use crate::profile::EventKind;
    use crate::Catalog;

    /// Items 0..20 point one way, 20..40 an orthogonal way (with a little spread).
    fn two_taste_catalog() -> Recommender {
        let mut builder = CatalogBuilder::new(3);
        for i in 0..40 {
            let wobble = (i % 5) as f32 * 0.05;
            let v = if i < 20 {
                [1.0, wobble, 0.1]
            } else {
                [wobble, 1.0, 0.1]
            };
            builder.push(ItemRecord::new(format!("i{i}")), &v).unwrap();
        }
        Recommender::new(Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap())
    }

    fn views(items: &[u32]) -> Vec<Event> {
        items
            .iter()
            .map(|&item| Event {
                item,
                kind: EventKind::View,
                timestamp_ms: None,
            })
            .collect()
    }

    #[test]
    fn two_separate_tastes_become_two_interests() {
        let rec = two_taste_catalog();
        let history = views(&[0, 1, 2, 21, 22, 23, 24]);
        let clusters = interest_clusters(&rec, &history, 1);
        assert_eq!(clusters.len(), 2, "{clusters:?}");
        assert!(clusters[0].iter().all(|&i| i >= 20));
        assert!(clusters[1].iter().all(|&i| i < 20));
        let vectors = interest_vectors(&rec, &history, &ProfileConfig::default(), 1).unwrap();
        assert_eq!(vectors.len(), 2);
    }

    #[test]
    fn one_taste_or_tiny_histories_stay_one_interest() {
        let rec = two_taste_catalog();
        assert_eq!(
            interest_clusters(&rec, &views(&[0, 1, 2, 3, 4, 5]), 1).len(),
            1
        );
        assert_eq!(interest_clusters(&rec, &views(&[0, 25]), 1).len(), 1);
        assert_eq!(interest_clusters(&rec, &[], 1), vec![Vec::<u32>::new()]);
    }

    #[test]
    fn interleaved_lists_cover_both_interests_and_skip_the_history() {
        let rec = two_taste_catalog();
        let history = views(&[0, 1, 2, 21, 22, 23, 24]);
        let options = RecommendOptions {
            k: 6,
            ..RecommendOptions::default()
        };
        let list = recommend_interests(&rec, &history, &options, 1).unwrap();
        assert_eq!(list.len(), 6);
        assert!(list.iter().any(|r| r.index < 20) && list.iter().any(|r| r.index >= 20));
        assert!(list
            .iter()
            .all(|r| !history.iter().any(|e| e.item == r.index)));
        let distinct: std::collections::HashSet<u32> = list.iter().map(|r| r.index).collect();
        assert_eq!(distinct.len(), 6);
    }
}
