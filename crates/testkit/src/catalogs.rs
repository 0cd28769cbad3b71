//! Synthetic catalogs of any size, for benchmarks and GPU tests: the same bytes from the
//! same arguments on every target, so the native benchmark, the browser benchmark and the
//! browser tests build exactly the catalogs they always did.

use shopwindow::{CatalogBuilder, ItemRecord, VectorDtype};

use crate::fixtures::Xorshift;

/// Category names of [`clustered_catalog`].
pub const CLUSTER_CATEGORIES: [&str; 8] = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];

/// The bytes of an `n × d` catalog of vectors uniform in [-1, 1), stored as `dtype`, with
/// ids `item-{i}` and nothing else. The same seed gives the same underlying vectors for
/// every dtype. The builder (and its copy of the vectors) is gone when this returns, so at
/// N = 1M a caller that parses the bytes holds only one big copy.
pub fn random_catalog(n: usize, d: usize, dtype: VectorDtype, seed: u64) -> Vec<u8> {
    let mut rng = Xorshift::new(seed);
    let mut builder = CatalogBuilder::new(d).dtype(dtype);
    let mut row = vec![0.0f32; d];
    for i in 0..n {
        row.iter_mut().for_each(|v| *v = rng.signed());
        builder
            .push(ItemRecord::new(format!("item-{i}")), &row)
            .expect("generated vectors are finite");
    }
    builder
        .to_bytes()
        .expect("the builder writes a valid catalog")
}

/// `n` items of dimension `d` (ids `item-{i}`) in random categories of
/// [`CLUSTER_CATEGORIES`], with prices from 1.00 to 100.99, and every 5th item (i % 5 == 2)
/// out of stock. Vectors are uniform noise around a per-category center, so lists have
/// structure and filters matter.
pub fn clustered_catalog(dtype: VectorDtype, n: usize, d: usize, seed: u64) -> Vec<u8> {
    let mut rng = Xorshift::new(seed);
    let centers: Vec<Vec<f32>> = (0..CLUSTER_CATEGORIES.len())
        .map(|_| (0..d).map(|_| rng.signed()).collect())
        .collect();
    let mut builder = CatalogBuilder::new(d).dtype(dtype);
    for i in 0..n {
        let category = (rng.below(CLUSTER_CATEGORIES.len() as u64)) as usize;
        let vector: Vec<f32> = centers[category]
            .iter()
            .map(|c| 0.5 * c + 0.5 * rng.signed())
            .collect();
        let item = ItemRecord {
            id: format!("item-{i}"),
            title: None,
            image_url: None,
            tags: Vec::new(),
            category: Some(CLUSTER_CATEGORIES[category].to_string()),
            price: Some(1.0 + rng.below(10_000) as f32 / 100.0),
            available: i % 5 != 2,
            popularity: rng.unit(),
        };
        builder
            .push(item, &vector)
            .expect("generated vectors are finite");
    }
    builder
        .to_bytes()
        .expect("the builder writes a valid catalog")
}

/// A fold-in history of `len` distinct items spread over a catalog of `n` items (a stride
/// of 7919, a prime), weighted 1 to 5 like a mix of views, carts and purchases, sorted by
/// item.
pub fn spread_history(n: usize, len: usize) -> Vec<(u32, f64)> {
    let mut history: Vec<(u32, f64)> = (0..len)
        .map(|k| (((k * 7919) % n) as u32, 1.0 + (k % 5) as f64))
        .collect();
    history.sort_by_key(|&(item, _)| item);
    history
}

/// [`random_catalog`]'s vectors (the same for the same seed) with popularity in [0, 100)
/// and, with `hybrid`, the hybrid model: `k` random neighbours per item with weights in
/// (0, 1], strongest first, and the blend `params`. With `None` the same catalog without
/// the hybrid: the benchmark's plain row over the same vectors.
pub fn random_hybrid_catalog(
    n: usize,
    d: usize,
    dtype: VectorDtype,
    seed: u64,
    hybrid: Option<(usize, shopwindow::catalog::HybridParams)>,
) -> Vec<u8> {
    use shopwindow::catalog::{HybridSpec, NeighbourSpec};
    let mut rng = Xorshift::new(seed);
    let mut other = Xorshift::new(seed ^ 0x5eed);
    let mut builder = CatalogBuilder::new(d).dtype(dtype);
    let mut row = vec![0.0f32; d];
    for i in 0..n {
        row.iter_mut().for_each(|v| *v = rng.signed());
        let mut item = ItemRecord::new(format!("item-{i}"));
        item.popularity = (other.unit() * 100.0).floor();
        builder
            .push(item, &row)
            .expect("generated vectors are finite");
    }
    if let Some((k, params)) = hybrid {
        let ids = (0..n * k).map(|_| other.below(n as u64) as u32).collect();
        let weights = (0..n * k)
            .map(|s| (1.0 - (s % k) as f32 / k as f32) * (0.5 + 0.5 * other.unit()))
            .collect();
        builder = builder.hybrid(HybridSpec {
            params,
            neighbours: Some(NeighbourSpec { k, ids, weights }),
        });
    }
    builder
        .to_bytes()
        .expect("the builder writes a valid catalog")
}
