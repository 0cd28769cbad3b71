//! Multi-interest: the shopper's own history split into up to [`MAX_INTERESTS`] interest
//! clusters (k-means over the history items' unit vectors, k chosen by the data), one
//! fold-in vector per interest, and recommendations interleaved across interests.
//!
//! k is the one of 2..=4 with the best mean silhouette, if that silhouette reaches
//! [`MIN_SILHOUETTE`] and the interests point in clearly different directions
//! ([`MIN_SEPARATION`]); otherwise the history is one interest (and the answer is the plain
//! single-vector one). Each interest needs at least [`MIN_ITEMS_PER_INTEREST`] items.
//!
//! The split is two steps, so that the k-means need not be in the module every page loads:
//! [`InterestPoints`] (the history's items and unit vectors, in the engine) and
//! [`split_interests`] (their labels; in the browser a module of its own, fetched on the
//! first `recommend({ interests: true })`). `RecommendOptions::interests` carries the labels
//! into [`Recommender::recommend`] ([`Recommender::interest_labels`] computes them
//! natively): `plan_recommend` plans one scan per interest and `finish_interests`
//! interleaves the lists. Off by default, because `shopwindow eval --models
//! ials-interests` finds no recall gain on Online Retail.

use super::plan::ScanPlan;
use super::{Recommended, Recommender};
use crate::catalog::Catalog;
use crate::cluster::{
    silhouette, squared_distance, unit_vector, KMeansModel, KMeansParams, Points,
};
use crate::error::RecommendError;
use crate::profile::{fold_in, item_weights, Event, ProfileConfig};
use crate::rng::SplitMix64;
use crate::sort::sort_short_by;
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

/// The history items a multi-interest request clusters: its distinct items, most recent
/// first (at most [`MAX_CLUSTERED_ITEMS`]), and the unit vectors of those that have a
/// direction. The engine module computes these; the k-means that labels them
/// ([`split_interests`]) is a module of its own in the browser, loaded only by pages that
/// ask for interests, so the split crosses between them as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct InterestPoints {
    /// Distinct history items, most recent last occurrence first.
    items: Vec<u32>,
    /// The items of `items` with a direction (a non-zero vector), in the same order.
    kept: Vec<u32>,
    /// `kept`'s unit vectors, row after row.
    data: Vec<f32>,
}

impl InterestPoints {
    pub fn new(catalog: &Catalog, history: &[Event]) -> InterestPoints {
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
        InterestPoints { items, kept, data }
    }

    /// How many points there are to cluster.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Whether there are enough points for two interests; with fewer the history is one
    /// interest and [`split_interests`] need not run (nor its module load).
    pub fn can_split(&self) -> bool {
        self.kept.len() >= 2 * MIN_ITEMS_PER_INTEREST
    }

    /// The points' unit vectors, row after row (what [`split_interests`] reads).
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// The history items of each interest, largest first, from [`split_interests`]'s
    /// labels of these points (empty: one interest of every item). Items without a
    /// direction join the largest interest. Labels that do not fit these points (another
    /// history's, a label with no points) are an error, not a guess.
    pub fn group(&self, labels: &[u8]) -> Result<Vec<Vec<u32>>, RecommendError> {
        if labels.is_empty() {
            return Ok(vec![self.items.clone()]);
        }
        let invalid = |reason: String| RecommendError::InvalidOption {
            name: "interests",
            reason,
        };
        if labels.len() != self.kept.len() {
            return Err(invalid(format!(
                "{} interest labels for a history with {} points to cluster",
                labels.len(),
                self.kept.len()
            )));
        }
        let k = labels.iter().max().map_or(0, |&l| l as usize + 1);
        if k > MAX_INTERESTS {
            return Err(invalid(format!(
                "interest label {} is over the most interests, {MAX_INTERESTS}",
                k - 1
            )));
        }
        let mut clusters: Vec<Vec<u32>> = vec![Vec::new(); k];
        for (&item, &label) in self.kept.iter().zip(labels) {
            clusters[label as usize].push(item);
        }
        if clusters.iter().any(Vec::is_empty) {
            return Err(invalid(
                "every interest label up to the largest needs a point".into(),
            ));
        }
        // Stable: interests of equal size keep their labels' order.
        sort_short_by(&mut clusters, |a, b| b.len().cmp(&a.len()));
        clusters[0].extend(self.items.iter().filter(|i| !self.kept.contains(i)));
        Ok(clusters)
    }
}

/// The interest of each point (`data`: unit vectors of `dim` values, row after row), or
/// none (empty) when the points are one interest: k-means for each k of 2..=4 with `seed`,
/// kept only if every interest has [`MIN_ITEMS_PER_INTEREST`] points, the interests are
/// [`MIN_SEPARATION`] apart and the mean silhouette reaches [`MIN_SILHOUETTE`]; the best
/// silhouette wins.
pub fn split_interests(data: &[f32], dim: usize, seed: u64) -> Vec<u8> {
    let Ok(points) = Points::new(data, dim) else {
        return Vec::new();
    };
    let mut best: Option<(f64, Vec<u32>)> = None;
    for k in 2..=MAX_INTERESTS.min(points.len() / MIN_ITEMS_PER_INTEREST) {
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
            best = Some((score, model.assignments));
        }
    }
    // Labels are below MAX_INTERESTS (4), so each fits a byte.
    best.map_or_else(Vec::new, |(_, labels)| {
        labels.into_iter().map(|l| l as u8).collect()
    })
}

/// The history items of each interest (catalog indices), largest interest first: the
/// points of `history` split where they are (native callers; the browser splits in the
/// interests module and hands the labels over).
pub fn interest_clusters(catalog: &Catalog, history: &[Event], seed: u64) -> Vec<Vec<u32>> {
    let points = InterestPoints::new(catalog, history);
    let labels = split_interests(points.data(), catalog.dim(), seed);
    // Labels split from these points always fit them.
    points
        .group(&labels)
        .unwrap_or_else(|_| vec![points.items.clone()])
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
    /// The points a multi-interest request for `history` clusters: its items the profile
    /// weighs above 0 (so every interest has a vector), as [`InterestPoints`].
    /// None when the catalog's model scores no vectors (a hybrid without them), which
    /// leaves interests nothing to split.
    pub fn interest_points(&self, history: &[Event], profile: &ProfileConfig) -> InterestPoints {
        let history = match self.catalog.hybrid() {
            Some(hybrid) if !hybrid.params.vectors => &[][..],
            _ => history,
        };
        InterestPoints::new(&self.catalog, &self.weighed_events(history, profile))
    }

    /// The interest labels of `history`'s points, split here (native callers; what the
    /// browser's interests module returns for the same points). Empty: one interest.
    pub fn interest_labels(&self, history: &[Event], profile: &ProfileConfig) -> Vec<u8> {
        let points = self.interest_points(history, profile);
        if !points.can_split() {
            return Vec::new();
        }
        split_interests(points.data(), self.catalog.dim(), INTEREST_SEED)
    }

    /// One fold-in vector per interest of the history (largest interest first), from the
    /// interest labels of its points: the fold-in of the history's events on that
    /// interest's items. One vector means the history is one interest.
    pub fn interest_vectors(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
        labels: &[u8],
    ) -> Result<Vec<Vec<f32>>, RecommendError> {
        self.interest_weights(history, profile, labels)?
            .iter()
            .map(|weights| fold_in(&self.catalog, weights))
            .collect()
    }

    /// The item weights of each interest of the history (largest interest first): the
    /// `item_weights` of the history's events on that interest's items, each with at least
    /// one weight above 0. `labels` are the interest labels of the history's points.
    pub(super) fn interest_weights(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
        labels: &[u8],
    ) -> Result<Vec<Vec<(u32, f64)>>, RecommendError> {
        let weighted = self.weighed_events(history, profile);
        Ok(InterestPoints::new(&self.catalog, &weighted)
            .group(labels)?
            .iter()
            .map(|items| {
                let events: Vec<Event> = weighted
                    .iter()
                    .filter(|e| items.contains(&e.item))
                    .copied()
                    .collect();
                item_weights(&events, profile)
            })
            .collect())
    }

    /// The events of `history` on items the profile weighs above 0.
    fn weighed_events(&self, history: &[Event], profile: &ProfileConfig) -> Vec<Event> {
        let weights = item_weights(history, profile);
        // `item_weights` is sorted by item.
        let weighed = |item: u32| {
            weights
                .binary_search_by_key(&item, |&(i, _)| i)
                .is_ok_and(|at| weights[at].1 > 0.0)
        };
        history
            .iter()
            .filter(|e| weighed(e.item))
            .copied()
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

    /// Options with the interest labels `rec` splits `history` into.
    fn with_interests(rec: &Recommender, history: &[Event], k: usize) -> RecommendOptions {
        let profile = ProfileConfig::default();
        RecommendOptions {
            k,
            interests: Some(rec.interest_labels(history, &profile)),
            profile,
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
        let history = views(&[0, 1, 2, 21, 22, 23, 41, 42]);
        let labels = rec.interest_labels(&history, &profile);
        let vectors = rec.interest_vectors(&history, &profile, &labels).unwrap();
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
            let plain = rec
                .recommend(&history, &with_interests(&rec, &history, 5))
                .unwrap();
            let single = RecommendOptions {
                interests: None,
                ..with_interests(&rec, &history, 5)
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
        let interests = |profile: &ProfileConfig| {
            let labels = rec.interest_labels(&history, profile);
            rec.interest_vectors(&history, profile, &labels)
                .unwrap()
                .len()
        };
        profile.weights.view = 0.0;
        assert_eq!(interests(&profile), 1);
        profile.weights.view = 1.0;
        assert_eq!(interests(&profile), 2);
    }

    #[test]
    fn interleaved_lists_alternate_interests_without_repeats_or_history() {
        let rec = three_taste_catalog();
        let history = views(&[0, 1, 2, 21, 22, 23, 24]);
        let list = rec
            .recommend(&history, &with_interests(&rec, &history, 6))
            .unwrap()
            .items;
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
            ..with_interests(&rec, &history, 10)
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

    #[test]
    fn labels_split_elsewhere_give_the_same_interests() {
        let rec = three_taste_catalog();
        let history = views(&[0, 1, 2, 21, 22, 23, 41, 42]);
        let points = rec.interest_points(&history, &ProfileConfig::default());
        assert_eq!(points.len(), 8);
        assert_eq!(points.data().len(), 8 * rec.catalog().dim());
        assert!(points.can_split());
        // What the interests module does with the points, as plain data.
        let labels = split_interests(points.data(), rec.catalog().dim(), INTEREST_SEED);
        assert_eq!(
            points.group(&labels).unwrap(),
            interest_clusters(rec.catalog(), &history, INTEREST_SEED)
        );
        assert_eq!(
            points.group(&[]).unwrap().len(),
            1,
            "no labels: one interest"
        );
    }

    #[test]
    fn labels_that_do_not_fit_the_history_are_refused() {
        let rec = three_taste_catalog();
        let history = views(&[0, 1, 2, 21, 22, 23, 24]);
        let reason = |labels: Vec<u8>| {
            let options = RecommendOptions {
                interests: Some(labels),
                ..RecommendOptions::default()
            };
            match rec.recommend(&history, &options) {
                Err(RecommendError::InvalidOption { name, reason }) => {
                    assert_eq!(name, "interests");
                    reason
                }
                other => panic!("{other:?}"),
            }
        };
        assert!(reason(vec![0, 1, 0]).contains("3 interest labels for a history with 7"));
        assert!(reason(vec![0, 0, 0, 4, 4, 4, 4]).contains("over the most interests"));
        assert!(reason(vec![0, 0, 0, 2, 2, 2, 2]).contains("needs a point"));
        // Labels that fit are taken as given, even a split the k-means would not make.
        let options = RecommendOptions {
            k: 4,
            interests: Some(vec![0, 1, 0, 1, 0, 1, 0]),
            ..RecommendOptions::default()
        };
        let list = rec.recommend(&history, &options).unwrap().items;
        assert_eq!(
            list.iter().map(|r| r.interest).collect::<Vec<_>>(),
            [0, 1, 0, 1].map(Some)
        );
    }

    #[test]
    fn too_few_points_need_no_split() {
        let rec = three_taste_catalog();
        let profile = ProfileConfig::default();
        let points = rec.interest_points(&views(&[0, 1, 21]), &profile);
        assert!(!points.can_split());
        assert!(split_interests(points.data(), 3, INTEREST_SEED).is_empty());
        assert!(rec
            .interest_labels(&views(&[0, 1, 21]), &profile)
            .is_empty());
        assert!(rec.interest_points(&[], &profile).is_empty());
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
