//! Native benchmarks of the core's hot paths (`cargo bench -p shopwindow`, also
//! `cargo xtask bench --native`).
//!
//! These time the portable scalar reference and the parts that are not kernels (fold-in,
//! parsing). The numbers the product is judged by come from the in-browser benchmark
//! (`crates/web/tests/browser_bench.rs`), since wasm in V8 is the shipping target; these
//! exist to catch regressions quickly without a browser. Sample counts and measurement
//! times are small so the whole run stays well under two minutes on two cores.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use shopwindow::catalog::{Catalog, HistoryTransform, HybridParams, VectorDtype};
use shopwindow::kernels::{Backend, Query};
use shopwindow::profile::fold_in;
use shopwindow::recommend::{Adjustment, Pin, Rules, Selector};
use shopwindow::topk::{scan, ItemFilter, Scoring};
use shopwindow::{Event, EventKind, RecommendOptions, Recommender};
use shopwindow_testkit::catalogs::{
    clustered_catalog, random_catalog, random_hybrid_catalog, spread_history,
};
use shopwindow_testkit::fixtures::Xorshift;

const SCAN_ITEMS: usize = 100_000;
const DIM: usize = 64;
const HISTORY: usize = 200;
const FOLD_IN_ITEMS: usize = 20_000;

fn catalog(n: usize, d: usize, dtype: VectorDtype, seed: u64) -> Catalog {
    Catalog::from_bytes(random_catalog(n, d, dtype, seed)).expect("the builder's output parses")
}

fn fold_in_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("fold_in_200_items");
    for d in [64, 128] {
        let cat = catalog(FOLD_IN_ITEMS, d, VectorDtype::F32, 100 + d as u64);
        let weights = spread_history(FOLD_IN_ITEMS, HISTORY);
        group.bench_function(format!("d{d}"), |b| {
            b.iter(|| fold_in(black_box(&cat), black_box(&weights)).expect("positive definite"))
        });
    }
    group.finish();
}

fn scan_bench(c: &mut Criterion) {
    let mut rng = Xorshift::new(7);
    let query_values: Vec<f32> = (0..DIM).map(|_| rng.signed()).collect();
    let query = Query::new(&query_values);
    let mut group = c.benchmark_group("scalar_scan_top10_100k_d64");
    for dtype in [VectorDtype::F32, VectorDtype::I8] {
        let cat = catalog(SCAN_ITEMS, DIM, dtype, 1);
        let filter = ItemFilter::all(&cat);
        group.bench_function(dtype.as_str(), |b| {
            b.iter(|| {
                scan(
                    black_box(&cat),
                    Backend::Scalar,
                    &Scoring::dot(&query),
                    &filter,
                    10,
                    false,
                )
            })
        });
    }
    group.finish();
}

fn parse_bench(c: &mut Criterion) {
    let bytes = random_catalog(SCAN_ITEMS, DIM, VectorDtype::F32, 1);
    let mut group = c.benchmark_group("catalog_from_bytes");
    // A parse takes tens of ms: ten samples need more than the default two seconds.
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("100k_d64_f32", |b| {
        // The copy is setup, not timed: `from_bytes` takes ownership of the buffer.
        b.iter_batched(
            || bytes.clone(),
            |bytes| Catalog::from_bytes(bytes).expect("valid"),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// A whole `recommend` with a 200-event history at N = 100k, scalar: the plain catalog and
/// the hybrid over the same vectors (K = 10 neighbours, popularity), side by side.
fn hybrid_bench(c: &mut Criterion) {
    let params = HybridParams {
        vectors: true,
        neighbour_weight: 0.5,
        popularity_weight: 0.3,
        history: HistoryTransform::Log1p,
    };
    let events: Vec<Event> = (0..HISTORY)
        .map(|e| Event {
            item: ((e * 7919) % SCAN_ITEMS) as u32,
            kind: [EventKind::View, EventKind::Cart, EventKind::Purchase][e % 3],
            timestamp_ms: None,
        })
        .collect();
    let options = RecommendOptions::default();
    let mut group = c.benchmark_group("recommend_200_events_100k_d64_f32");
    for (name, hybrid) in [("plain", None), ("hybrid_k10", Some((10, params)))] {
        let bytes = random_hybrid_catalog(SCAN_ITEMS, DIM, VectorDtype::F32, 21, hybrid);
        let engine = Recommender::new(Catalog::from_bytes(bytes).expect("valid"))
            .with_backend(Backend::Scalar);
        group.bench_function(name, |b| {
            b.iter(|| {
                engine
                    .recommend(black_box(&events), &options)
                    .expect("valid")
            })
        });
    }
    group.finish();
}

/// A whole `recommend` (200 events, N = 100k, d = 64, f32, scalar, top-10) under
/// merchandising rules: none; a boost on 10 ids; pins and never-show; a bury of one of 8
/// categories (~12.5k items scored on the host); a price-range boost (~half the catalog).
fn rules_bench(c: &mut Criterion) {
    let bytes = clustered_catalog(VectorDtype::F32, SCAN_ITEMS, DIM, 31);
    let engine =
        Recommender::new(Catalog::from_bytes(bytes).expect("valid")).with_backend(Backend::Scalar);
    let events: Vec<Event> = (0..HISTORY)
        .map(|e| Event {
            item: ((e * 7919) % SCAN_ITEMS) as u32,
            kind: [EventKind::View, EventKind::Cart, EventKind::Purchase][e % 3],
            timestamp_ms: None,
        })
        .collect();
    let boost = |select: Selector, add| Adjustment { select, add };
    let cases = [
        ("none", Rules::default()),
        (
            "boost_10_ids",
            Rules {
                adjust: vec![boost(
                    Selector {
                        items: Some((0..10).map(|i| i * 9973).collect()),
                        ..Selector::default()
                    },
                    1.0,
                )],
                ..Rules::default()
            },
        ),
        (
            "pins_and_never_show",
            Rules {
                pins: vec![Pin {
                    item: 5,
                    position: 0,
                }],
                never_show: (0..100).map(|i| i * 997).collect(),
                ..Rules::default()
            },
        ),
        (
            "bury_one_category",
            Rules {
                adjust: vec![boost(
                    Selector {
                        categories: Some(vec![3]),
                        ..Selector::default()
                    },
                    -1.0,
                )],
                ..Rules::default()
            },
        ),
        (
            "boost_half_by_price",
            Rules {
                adjust: vec![boost(
                    Selector {
                        price_max: Some(50.0),
                        ..Selector::default()
                    },
                    0.5,
                )],
                ..Rules::default()
            },
        ),
    ];
    let mut group = c.benchmark_group("recommend_rules_100k_d64_f32");
    for (name, rules) in cases {
        let options = RecommendOptions {
            rules,
            ..RecommendOptions::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                engine
                    .recommend(black_box(&events), &options)
                    .expect("valid")
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = fold_in_bench, scan_bench, parse_bench, hybrid_bench, rules_bench
}
criterion_main!(benches);
