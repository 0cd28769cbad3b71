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

use super::plan::ScanPlan;
use super::{Recommended, Recommender};
use crate::catalog::Catalog;
use crate::cluster::{
    silhouette, squared_distance, unit_vector, KMeansModel, KMeansParams, Points,
};
use crate::error::RecommendError;
use crate::profile::{fold_in, item_weights, Event, ProfileConfig};
use crate::rng::SplitMix64;
use crate::topk::ScanResult;

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
pub fn interest_clusters(catalog: &Catalog, history: &[Event], seed: u64) -> Vec<Vec<u32>> {
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
fn separated(model: &KMeansModel) -> bool {
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

impl Recommender {
    /// One fold-in vector per interest of the history (largest interest first): the
    /// fold-in of the history's events on that interest's items. Only items the profile
    /// weighs above 0 are clustered, so every interest has a vector. One vector means the
    /// history is one interest.
    pub fn interest_vectors(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
    ) -> Result<Vec<Vec<f32>>, RecommendError> {
        self.interest_weights(history, profile)
            .iter()
            .map(|weights| fold_in(&self.catalog, weights))
            .collect()
    }

    /// The item weights of each interest of the history (largest interest first): the
    /// `item_weights` of the history's events on that interest's items, each with at least
    /// one weight above 0.
    pub(super) fn interest_weights(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
    ) -> Vec<Vec<(u32, f64)>> {
        let weights = item_weights(history, profile);
        // `item_weights` is sorted by item.
        let weighed = |item: u32| {
            weights
                .binary_search_by_key(&item, |&(i, _)| i)
                .is_ok_and(|at| weights[at].1 > 0.0)
        };
        let weighted: Vec<Event> = history
            .iter()
            .filter(|e| weighed(e.item))
            .copied()
            .collect();
        interest_clusters(&self.catalog, &weighted, INTEREST_SEED)
            .iter()
            .map(|items| {
                let events: Vec<Event> = weighted
                    .iter()
                    .filter(|e| items.contains(&e.item))
                    .copied()
                    .collect();
                item_weights(&events, profile)
            })
            .collect()
    }

    /// The second half of a multi-interest request: each interest's scan finished as
    /// [`Recommender::finish`] does (so diversity and probabilities apply per interest),
    /// then the lists interleaved round-robin: rank 1 of every interest in plan order
    /// (largest interest first), then rank 2, and so on, skipping an item already taken,
    /// until k items. Deterministic: the order depends only on the lists. `results` are the
    /// scans of `plans`, in the same order.
    pub fn finish_interests(
        &self,
        plans: &[ScanPlan<'_>],
        results: Vec<ScanResult>,
    ) -> Vec<Recommended> {
        let k = plans.first().map_or(0, |p| p.k);
        let mut first = None;
        let lists: Vec<Vec<Recommended>> = plans
            .iter()
            .zip(results)
            .map(|(plan, result)| {
                let host = self.host_scores(plan);
                let log_partition = result.log_partition;
                let list = self.finish_organic(plan, result, &host);
                first.get_or_insert((host, log_partition));
                list
            })
            .collect();
        let merged = interleave(&lists, k);
        // The pins and the fresh items go into the interleaved list, scored under the
        // largest interest.
        match (first, plans.first()) {
            (Some((host, log_partition)), Some(plan)) => {
                self.place_scan_pins(merged, plan, &host, log_partition)
            }
            _ => merged,
        }
    }
}

/// Round-robin merge of ranked lists, first list first within a rank, without repeats;
/// each item is tagged with the list it came from.
fn interleave(lists: &[Vec<Recommended>], k: usize) -> Vec<Recommended> {
    let mut merged: Vec<Recommended> = Vec::with_capacity(k);
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    for rank in 0..longest {
        for (interest, list) in lists.iter().enumerate() {
            if merged.len() == k {
                return merged;
            }
            if let Some(r) = list.get(rank) {
                if !merged.iter().any(|m| m.index == r.index) {
                    merged.push(Recommended {
                        interest: u8::try_from(interest).ok(),
                        ..*r
                    });
                }
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogBuilder, ItemRecord};
    use crate::event::EventKind;
    use crate::recommend::{HistoryExclusion, RecommendOptions};
    use crate::topk::FilterSpec;

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
        let two = interest_clusters(rec.catalog(), &views(&[0, 1, 2, 21, 22, 23, 24]), 1);
        assert_eq!(two.len(), 2, "{two:?}");
        assert!(
            two[0].iter().all(|&i| (20..40).contains(&i)),
            "largest first"
        );
        assert!(two[1].iter().all(|&i| i < 20));
        let three = interest_clusters(rec.catalog(), &views(&[0, 1, 2, 21, 22, 23, 41, 42]), 1);
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
            interest_clusters(rec.catalog(), &views(&[0, 1, 2, 3, 4, 5]), 1).len(),
            1
        );
        assert_eq!(
            interest_clusters(rec.catalog(), &views(&[0, 25]), 1).len(),
            1
        );
        assert_eq!(
            interest_clusters(rec.catalog(), &[], 1),
            vec![Vec::<u32>::new()]
        );
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

    fn item(index: u32, score: f32) -> Recommended {
        Recommended {
            index,
            score,
            probability: None,
            interest: None,
        }
    }

    #[test]
    fn interleaving_takes_each_rank_in_list_order_and_skips_repeats() {
        let a = vec![item(1, 3.0), item(2, 2.0), item(3, 1.0)];
        let b = vec![item(2, 9.0), item(4, 8.0), item(5, 7.0)];
        let merged = interleave(&[a.clone(), b.clone()], 5);
        let got: Vec<(u32, Option<u8>)> = merged.iter().map(|r| (r.index, r.interest)).collect();
        assert_eq!(
            got,
            [
                (1, Some(0)),
                (2, Some(1)),
                (4, Some(1)),
                (3, Some(0)),
                (5, Some(1))
            ]
        );
        // Item 2 keeps the score of the list that proposed it first.
        assert_eq!(merged[1].score, 9.0);
        assert_eq!(interleave(&[a.clone(), b.clone()], 2).len(), 2);
        // Fewer distinct items than k: all of them, once.
        assert_eq!(interleave(&[a.clone(), a], 10).len(), 3);
    }
}
