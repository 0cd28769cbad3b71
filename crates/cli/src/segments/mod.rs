//! Offline customer segments: fold each customer's history into the catalog's vector space
//! through the core (exactly what the browser computes for a shopper), cluster the unit
//! vectors with the core's k-means, merge away segments too small to ship, label each from
//! what its customers buy, and score everyone's RFM for the quintile thresholds.

pub mod labels;
pub mod quality;

use anyhow::{bail, ensure, Context, Result};
use rayon::prelude::*;
use shopwindow::catalog::SegmentSpec;
use shopwindow::cluster::{assign, Algorithm, KMeansParams, Points};
use shopwindow::profile::{Event, EventKind, ProfileConfig};
use shopwindow::segment::{
    rfm, segment_point, unit_vector, RfmThresholds, RfmValues, SplitMix64, RFM_FEATURES,
};
use shopwindow::{Catalog, Recommender};

use crate::data::EventLog;

/// How segments are built.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentConfig {
    /// Segments asked of k-means (fewer ship when small ones are merged away).
    pub k: usize,
    /// No segment ships with fewer customers: a segment must never single out a person.
    pub min_size: usize,
    pub seed: u64,
    pub n_init: usize,
    pub max_iter: usize,
    /// Mini-batch k-means with this batch size (for very many customers); Lloyd if `None`.
    pub batch_size: Option<usize>,
    /// Top categories and items shipped per segment.
    pub top: usize,
    /// Append each customer's RFM scores, weighted by this, to their point (`--with-rfm`).
    pub rfm_weight: Option<f32>,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        SegmentConfig {
            k: 8,
            min_size: 50,
            seed: 42,
            n_init: 10,
            max_iter: 300,
            batch_size: None,
            top: 3,
            rfm_weight: None,
        }
    }
}

/// One customer's history as the browser would hold it: catalog item indices, purchase
/// events with times.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerHistory {
    pub id: String,
    pub events: Vec<Event>,
}

/// Every customer's events before `until` (Unix seconds; all when `None`) on items the
/// catalog has, as purchase events (an event of weight w becomes w purchases; weights are
/// counts in every supported source). Customers without such events are left out.
pub fn customer_histories(
    log: &EventLog,
    catalog: &Catalog,
    until: Option<i64>,
) -> Result<Vec<CustomerHistory>> {
    let item_index: Vec<Option<u32>> = log
        .items
        .ids()
        .iter()
        .map(|id| catalog.index_of(id))
        .collect();
    let mut per_user: Vec<Vec<Event>> = vec![Vec::new(); log.users.len()];
    for e in &log.events {
        if until.is_some_and(|u| e.timestamp.is_none_or(|t| t >= u)) {
            continue;
        }
        let Some(item) = item_index[e.item as usize] else {
            continue;
        };
        ensure!(
            e.weight >= 1.0 && e.weight.fract() == 0.0,
            "weight {} of customer {:?} is not a whole count; segments fold histories of events",
            e.weight,
            log.users.id(e.user)
        );
        for _ in 0..e.weight as usize {
            per_user[e.user as usize].push(Event {
                item,
                kind: EventKind::Purchase,
                timestamp_ms: e.timestamp.map(|t| t as f64 * 1000.0),
            });
        }
    }
    Ok(per_user
        .into_iter()
        .enumerate()
        .filter(|(_, events)| !events.is_empty())
        .map(|(u, events)| CustomerHistory {
            id: log.users.id(u as u32).to_string(),
            events,
        })
        .collect())
}

/// Each customer's unit fold-in vector, row-major (`customers.len() × d`), computed by the
/// core exactly as the browser computes a shopper's.
pub fn fold_in_points(
    recommender: &Recommender,
    customers: &[CustomerHistory],
    profile: &ProfileConfig,
) -> Result<Vec<f32>> {
    let rows: Vec<Vec<f32>> = customers
        .par_iter()
        .map(|c| {
            let x = recommender
                .user_vector(&c.events, profile)
                .with_context(|| format!("folding in customer {:?}", c.id))?
                .context("a customer without events")?;
            unit_vector(&x).with_context(|| format!("customer {:?} folds in to zero", c.id))
        })
        .collect::<Result<_>>()?;
    Ok(rows.concat())
}

/// Each customer's unit fold-in vector (rows of `unit`, width `dim`) with the RFM
/// features appended: their RFM scores against `thresholds` at `now_ms`, weighted by
/// `weight` (neutral zeros without purchases). The core's [`segment_point`] makes them,
/// the same function the device uses for a shopper. Rows are `dim + 3` wide.
pub fn with_rfm_features(
    catalog: &Catalog,
    unit: &[f32],
    dim: usize,
    customers: &[CustomerHistory],
    thresholds: &RfmThresholds,
    weight: f32,
    now_ms: f64,
) -> Vec<f32> {
    customers
        .iter()
        .zip(unit.chunks_exact(dim))
        .flat_map(|(c, row)| {
            let scores = rfm(&c.events, catalog.prices(), now_ms).map(|v| thresholds.score(&v));
            segment_point(row, scores.as_ref(), Some(weight))
        })
        .collect()
}

/// Segments ready to ship, and which segment each input point is in.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltSegments {
    pub spec: SegmentSpec,
    /// Per point: its nearest shipped centroid (what the browser will answer).
    pub assignments: Vec<u32>,
    /// Segments k-means made before small ones were merged away.
    pub clustered: usize,
    pub inertia: f64,
    /// Catalog items left out of the labels as non-product lines.
    pub non_products: usize,
}

/// Clusters `points` (segment points of width `dim`), merges segments below
/// `config.min_size` into their neighbours, and labels what is left.
pub fn build_segments(
    catalog: &Catalog,
    points: &[f32],
    dim: usize,
    customers: &[CustomerHistory],
    config: &SegmentConfig,
) -> Result<BuiltSegments> {
    let points = Points::new(points, dim)?;
    ensure!(
        points.len() == customers.len(),
        "one point per customer is needed"
    );
    if points.len() < config.min_size {
        bail!(
            "only {} customers: no segment of at least --min-segment-size {} can be built",
            points.len(),
            config.min_size
        );
    }
    let params = KMeansParams {
        n_init: config.n_init,
        max_iter: config.max_iter,
        algorithm: match config.batch_size {
            Some(batch_size) => Algorithm::MiniBatch { batch_size },
            None => Algorithm::Lloyd,
        },
        ..KMeansParams::new(config.k.min(points.len()))
    };
    let model = params
        .check()?
        .fit(&points, &mut SplitMix64::new(config.seed))?;
    let (centroids, assignments, inertia) =
        merge_small(&points, model.centroids.clone(), config.min_size);
    let count = centroids.len() / dim;
    let sizes = sizes(&assignments, count);
    let temperature = (inertia / points.len() as f64).max(1e-6) as f32;
    let described = labels::describe(catalog, customers, &assignments, count, config.top);
    Ok(BuiltSegments {
        spec: SegmentSpec {
            centroids,
            sizes: sizes.iter().map(|&s| s as u32).collect(),
            labels: described.labels,
            temperature,
            top_categories: described.top_categories,
            top_items: described.top_items,
            rfm_weight: config.rfm_weight,
        },
        assignments,
        clustered: model.k(),
        inertia,
        non_products: described.non_products,
    })
}

pub fn sizes(assignments: &[u32], count: usize) -> Vec<usize> {
    let mut sizes = vec![0; count];
    for &a in assignments {
        sizes[a as usize] += 1;
    }
    sizes
}

/// Removes the smallest segment while any has fewer than `min_size` points: its points go
/// to their nearest remaining centroid and every centroid moves to its points' mean. Ends
/// with every point assigned to its nearest centroid and every segment at least
/// `min_size` strong (the caller checked there are `min_size` points at all).
pub fn merge_small(
    points: &Points<'_>,
    mut centroids: Vec<f32>,
    min_size: usize,
) -> (Vec<f32>, Vec<u32>, f64) {
    let dim = points.dim();
    loop {
        let (labels, inertia) = assign(points, &centroids);
        let count = centroids.len() / dim;
        let sizes = sizes(&labels, count);
        let smallest = (0..count)
            .filter(|&s| sizes[s] < min_size)
            .min_by_key(|&s| (sizes[s], s));
        let Some(smallest) = smallest.filter(|_| count > 1) else {
            return (centroids, labels, inertia);
        };
        centroids.drain(smallest * dim..(smallest + 1) * dim);
        let (labels, _) = assign(points, &centroids);
        let mut sums = vec![0.0f64; centroids.len()];
        let mut counts = vec![0usize; count - 1];
        for (i, &s) in labels.iter().enumerate() {
            counts[s as usize] += 1;
            for (sum, &v) in sums[s as usize * dim..(s as usize + 1) * dim]
                .iter_mut()
                .zip(points.row(i))
            {
                *sum += v as f64;
            }
        }
        for (s, &n) in counts.iter().enumerate() {
            // An emptied segment keeps its centroid; it is the smallest next round.
            if n > 0 {
                for (c, &sum) in centroids[s * dim..(s + 1) * dim]
                    .iter_mut()
                    .zip(&sums[s * dim..(s + 1) * dim])
                {
                    *c = (sum / n as f64) as f32;
                }
            }
        }
    }
}

/// A catalog with segments and RFM thresholds, and what went into it.
#[derive(Debug, Clone)]
pub struct SegmentedCatalog {
    pub bytes: Vec<u8>,
    pub built: BuiltSegments,
    /// The clustered customers and their segment points (row-major, `dim` wide: the unit
    /// fold-in vector, plus the RFM features with `--with-rfm`).
    pub customers: Vec<CustomerHistory>,
    pub points: Vec<f32>,
    pub dim: usize,
    pub thresholds: Option<RfmThresholds>,
    pub now_ms: f64,
    /// What the caller should tell the user about the RFM thresholds (missing times or
    /// prices), one line each.
    pub notes: Vec<String>,
}

/// Folds in `customers` (with the browser's default event weights, so a shopper whose
/// device holds the same events gets the same vector), builds segments, computes RFM
/// thresholds at `now_ms`, and writes both into a copy of the catalog `catalog_bytes`.
pub fn segment_catalog(
    catalog_bytes: &[u8],
    customers: Vec<CustomerHistory>,
    config: &SegmentConfig,
    now_ms: f64,
) -> Result<SegmentedCatalog> {
    let catalog = Catalog::from_bytes(catalog_bytes.to_vec()).context("reading the catalog")?;
    let recommender = Recommender::new(catalog);
    let catalog = recommender.catalog();
    let (thresholds, notes) = checked_rfm_thresholds(catalog, &customers, now_ms);
    let (points, dim) = segment_points(
        &recommender,
        &customers,
        config.rfm_weight,
        thresholds.as_ref(),
        now_ms,
    )?;
    let built = build_segments(catalog, &points, dim, &customers, config)?;
    let mut notes = notes;
    if built.non_products > 0 {
        notes.push(format!(
            "{} catalog items are not products (price 0, or a word such as coupon, postage \
             or fee in the title, category or id): they name no segment",
            built.non_products
        ));
    }
    let bytes =
        shopwindow::catalog::with_segments(catalog_bytes, Some(&built.spec), thresholds.as_ref())
            .context("writing the segments into the catalog")?;
    Ok(SegmentedCatalog {
        bytes,
        built,
        customers,
        points,
        dim,
        thresholds,
        now_ms,
        notes,
    })
}

/// The RFM thresholds, unless the data cannot give meaningful ones, with a note for each
/// thing the user must know: without any purchase time every customer's recency would be
/// "now" (everyone "New"), so no thresholds ship; customers without times or a catalog
/// without prices are counted and said.
pub fn checked_rfm_thresholds(
    catalog: &Catalog,
    customers: &[CustomerHistory],
    now_ms: f64,
) -> (Option<RfmThresholds>, Vec<String>) {
    let mut notes = Vec::new();
    let untimed = customers
        .iter()
        .filter(|c| c.events.iter().any(|e| e.timestamp_ms.is_none()))
        .count();
    if untimed == customers.len() {
        notes.push(
            "no purchase has a time: RFM needs them (recency, visits by day), so the catalog \
             ships no RFM thresholds"
                .to_string(),
        );
        return (None, notes);
    }
    if untimed > 0 {
        notes.push(format!(
            "{untimed} of {} customers have purchases without a time: those count as bought \
             \"now\" in their recency and frequency",
            customers.len()
        ));
    }
    if catalog.prices().is_none() {
        notes.push(
            "the catalog has no prices: every customer's RFM monetary value is 0, so all get \
             the same M score and segments that need big spenders (\"Champions\") stay empty; \
             give an items file with a price column"
                .to_string(),
        );
    }
    (rfm_thresholds(catalog, customers, now_ms), notes)
}

/// The customers' segment points and their width: unit fold-in vectors, with the RFM
/// features (scored against `thresholds` at `now_ms`) when `rfm_weight` is given.
pub fn segment_points(
    recommender: &Recommender,
    customers: &[CustomerHistory],
    rfm_weight: Option<f32>,
    thresholds: Option<&RfmThresholds>,
    now_ms: f64,
) -> Result<(Vec<f32>, usize)> {
    let catalog = recommender.catalog();
    let dim = catalog.dim();
    let unit = fold_in_points(recommender, customers, &ProfileConfig::default())?;
    let Some(weight) = rfm_weight else {
        return Ok((unit, dim));
    };
    ensure!(
        weight.is_finite() && weight > 0.0,
        "--rfm-weight {weight} is not a positive number"
    );
    let thresholds = thresholds
        .context("--with-rfm needs RFM thresholds, but no customer has a purchase with a time")?;
    let points = with_rfm_features(catalog, &unit, dim, customers, thresholds, weight, now_ms);
    Ok((points, dim + RFM_FEATURES))
}

/// Every customer's RFM values (those with at least one purchase) at `now_ms`.
pub fn population_rfm(
    catalog: &Catalog,
    customers: &[CustomerHistory],
    now_ms: f64,
) -> Vec<RfmValues> {
    customers
        .iter()
        .filter_map(|c| rfm(&c.events, catalog.prices(), now_ms))
        .collect()
}

/// The quintile thresholds of the customers' RFM values.
pub fn rfm_thresholds(
    catalog: &Catalog,
    customers: &[CustomerHistory],
    now_ms: f64,
) -> Option<RfmThresholds> {
    RfmThresholds::from_population(&population_rfm(catalog, customers, now_ms))
}

/// "Now" for recency when none is given: the start of the day after the last event.
pub fn default_now_ms(customers: &[CustomerHistory]) -> f64 {
    const DAY_MS: f64 = 86_400_000.0;
    let last = customers
        .iter()
        .flat_map(|c| c.events.iter().filter_map(|e| e.timestamp_ms))
        .fold(0.0f64, f64::max);
    ((last / DAY_MS).floor() + 1.0) * DAY_MS
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopwindow::segment::RandomSource;

    /// Points around unit directions: `counts[i]` points near direction i of `dim`.
    fn clustered_points(counts: &[usize], dim: usize) -> Vec<f32> {
        let mut rng = SplitMix64::new(4);
        let mut out = Vec::new();
        for (c, &n) in counts.iter().enumerate() {
            for _ in 0..n {
                let mut x: Vec<f32> = (0..dim)
                    .map(|j| {
                        if j == c {
                            1.0
                        } else {
                            0.1 * rng.next_unit() as f32
                        }
                    })
                    .collect();
                let norm = x.iter().map(|v| v * v).sum::<f32>().sqrt();
                x.iter_mut().for_each(|v| *v /= norm);
                out.extend(x);
            }
        }
        out
    }

    #[test]
    fn small_segments_are_merged_so_none_singles_anyone_out() {
        let counts = [120, 90, 3, 1];
        let data = clustered_points(&counts, 4);
        let points = Points::new(&data, 4).unwrap();
        let model = KMeansParams::new(4)
            .check()
            .unwrap()
            .fit(&points, &mut SplitMix64::new(1))
            .unwrap();
        // k-means itself isolates the tiny groups...
        assert!(model.sizes().iter().any(|&s| s < 50), "{:?}", model.sizes());
        // ...which must not ship.
        let (centroids, labels, _) = merge_small(&points, model.centroids, 50);
        let sizes = sizes(&labels, centroids.len() / 4);
        assert_eq!(sizes.len(), 2, "{sizes:?}");
        assert!(sizes.iter().all(|&s| s >= 50), "{sizes:?}");
        assert_eq!(sizes.iter().sum::<usize>(), 214);
        // Every point sits with its nearest shipped centroid.
        assert_eq!(assign(&points, &centroids).0, labels);
    }

    #[test]
    fn too_few_customers_for_any_segment_is_an_error() {
        let data = clustered_points(&[10, 10], 3);
        let catalog = tiny_catalog();
        let customers = vec![
            CustomerHistory {
                id: "c".into(),
                events: vec![]
            };
            20
        ];
        let err =
            build_segments(&catalog, &data, 3, &customers, &SegmentConfig::default()).unwrap_err();
        assert!(err.to_string().contains("--min-segment-size"), "{err}");
    }

    fn tiny_catalog() -> Catalog {
        let mut b = shopwindow::CatalogBuilder::new(3);
        for i in 0..3 {
            let mut v = [0.0; 3];
            v[i] = 1.0;
            b.push(shopwindow::ItemRecord::new(format!("i{i}")), &v)
                .unwrap();
        }
        Catalog::from_bytes(b.to_bytes().unwrap()).unwrap()
    }

    #[test]
    fn histories_keep_catalog_items_before_the_cutoff() {
        let mut log = EventLog::default();
        log.push("u1", "i0", 2.0, Some(100));
        log.push("u1", "gone", 1.0, Some(100));
        log.push("u1", "i1", 1.0, Some(300));
        log.push("u2", "i2", 1.0, Some(400));
        let catalog = tiny_catalog();
        let all = customer_histories(&log, &catalog, None).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].events.len(), 3);
        let early = customer_histories(&log, &catalog, Some(200)).unwrap();
        assert_eq!(early.len(), 1);
        assert_eq!(early[0].events.len(), 2);
        assert_eq!(early[0].events[0].timestamp_ms, Some(100_000.0));
        log.push("u3", "i0", 1.5, Some(1));
        assert!(customer_histories(&log, &catalog, None).is_err());
    }
}
