//! Multi-interest: the shopper's own history split into up to [`MAX_INTERESTS`] interest
//! clusters (k-means over the history items' unit vectors, k chosen by the data), one
//! fold-in vector per interest, and recommendations interleaved across interests.
//!
//! k is the one of 2..=4 with the best mean silhouette, if that silhouette reaches
//! [`MIN_SILHOUETTE`] and the interests point in clearly different directions
//! ([`MIN_SEPARATION`]); otherwise the history is one interest (and the answer is the plain
//! single-vector one). Each interest needs at least [`MIN_ITEMS_PER_INTEREST`] items.
//!
//! `RecommendOptions::interests` turns it on in [`Recommender::recommend`] (and so in the
//! browser's `recommend({ interests: true })`): `plan_recommend` plans one scan per
//! interest and `finish_interests` interleaves the lists. Off by default, because
//! `shopwindow eval --models ials-interests` finds no recall gain on Online Retail.

use crate::profile::Event;
use crate::recommend::Recommender;
use crate::segment::assign::unit_vector;
use crate::segment::kmeans::{squared_distance, KMeansParams, Points};
use crate::segment::rng::SplitMix64;

pub const MAX_INTERESTS: usize = 4;
/// The seed of the interest k-means: fixed, so the same history gives the same interests
/// (and lists) natively, in the browser and in the evaluation.
pub const INTEREST_SEED: u64 = 0x5eed_1a7e_2e57;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogBuilder, ItemRecord};
    use crate::profile::{EventKind, ProfileConfig};
    use crate::recommend::{HistoryExclusion, RecommendOptions};
    use crate::{Catalog, FilterSpec};

    /// Three tastes of 20 items each: items 0..20 point along the first axis, 20..40 the
    /// second, 40..60 the third (with a little spread).
    fn three_taste_catalog() -> Recommender {
        let mut builder = CatalogBuilder::new(3);
        for i in 0..60 {
            let wobble = (i % 5) as f32 * 0.05;
            let mut v = [wobble, wobble, wobble];
            v[i / 20] = 1.0;
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

    fn with_interests(k: usize) -> RecommendOptions {
        RecommendOptions {
            k,
            interests: true,
            ..RecommendOptions::default()
        }
    }

    #[test]
    fn the_data_chooses_how_many_interests() {
        let rec = three_taste_catalog();
        let two = interest_clusters(&rec, &views(&[0, 1, 2, 21, 22, 23, 24]), 1);
        assert_eq!(two.len(), 2, "{two:?}");
        assert!(
            two[0].iter().all(|&i| (20..40).contains(&i)),
            "largest first"
        );
        assert!(two[1].iter().all(|&i| i < 20));
        let three = interest_clusters(&rec, &views(&[0, 1, 2, 21, 22, 23, 41, 42]), 1);
        assert_eq!(three.len(), 3, "{three:?}");
        let profile = ProfileConfig::default();
        let vectors = rec
            .interest_vectors(&views(&[0, 1, 2, 21, 22, 23, 41, 42]), &profile)
            .unwrap();
        assert_eq!(vectors.len(), 3);
    }

    #[test]
    fn one_taste_or_tiny_histories_stay_one_interest() {
        let rec = three_taste_catalog();
        assert_eq!(
            interest_clusters(&rec, &views(&[0, 1, 2, 3, 4, 5]), 1).len(),
            1
        );
        assert_eq!(interest_clusters(&rec, &views(&[0, 25]), 1).len(), 1);
        assert_eq!(interest_clusters(&rec, &[], 1), vec![Vec::<u32>::new()]);
    }

    #[test]
    fn empty_and_one_item_histories_get_the_single_vector_answer() {
        let rec = three_taste_catalog();
        for history in [vec![], views(&[3]), views(&[0, 1, 2, 3])] {
            let plain = rec.recommend(&history, &with_interests(5)).unwrap();
            let single = RecommendOptions {
                interests: false,
                ..with_interests(5)
            };
            assert_eq!(plain, rec.recommend(&history, &single).unwrap());
            assert!(plain.items.iter().all(|r| r.interest.is_none()));
        }
    }

    #[test]
    fn items_weighted_zero_form_no_interest() {
        let rec = three_taste_catalog();
        let mut history = views(&[0, 1, 2]);
        history.extend(views(&[21, 22, 23]).into_iter().map(|e| Event {
            kind: EventKind::Cart,
            ..e
        }));
        let mut profile = ProfileConfig::default();
        profile.weights.view = 0.0;
        assert_eq!(rec.interest_vectors(&history, &profile).unwrap().len(), 1);
        profile.weights.view = 1.0;
        assert_eq!(rec.interest_vectors(&history, &profile).unwrap().len(), 2);
    }

    #[test]
    fn interleaved_lists_alternate_interests_without_repeats_or_history() {
        let rec = three_taste_catalog();
        let history = views(&[0, 1, 2, 21, 22, 23, 24]);
        let list = rec.recommend(&history, &with_interests(6)).unwrap().items;
        assert_eq!(list.len(), 6);
        let interests: Vec<Option<u8>> = list.iter().map(|r| r.interest).collect();
        assert_eq!(interests, [0, 1, 0, 1, 0, 1].map(Some));
        // Interest 0 is the second taste (4 items), interest 1 the first (3 items).
        for r in &list {
            let taste = r.index / 20;
            assert_eq!(r.interest, Some(if taste == 1 { 0 } else { 1 }), "{r:?}");
        }
        assert!(list
            .iter()
            .all(|r| !history.iter().any(|e| e.item == r.index)));
        let distinct: std::collections::HashSet<u32> = list.iter().map(|r| r.index).collect();
        assert_eq!(distinct.len(), 6);
    }

    #[test]
    fn every_interest_obeys_the_filters_and_exclusions() {
        let rec = three_taste_catalog();
        let history = views(&[0, 1, 2, 21, 22, 23, 24]);
        let options = RecommendOptions {
            filter: FilterSpec {
                exclude: vec![3, 4, 25, 26],
                ..FilterSpec::default()
            },
            exclude_history: HistoryExclusion::Purchased,
            diversity: 0.5,
            probabilities: true,
            ..with_interests(10)
        };
        let list = rec.recommend(&history, &options).unwrap().items;
        assert_eq!(list.len(), 10);
        assert!(list.iter().all(|r| ![3, 4, 25, 26].contains(&r.index)));
        assert!(list.iter().all(|r| r.probability.is_some()));
        // Views are not purchases, so with `Purchased` the history may come back.
        assert!(list
            .iter()
            .any(|r| history.iter().any(|e| e.item == r.index)));
    }
}
