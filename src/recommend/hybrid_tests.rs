//! The hybrid ranking against a brute force of its specification: every item's `f`
//! computed directly (the neighbour sums as the tuner's reference writes them, a map
//! summed in history order), filtered, sorted. Random catalogs, blends, histories and
//! filters; ties are common (coarse popularity and weights), so the index order is tested.

use std::collections::BTreeMap;

use super::*;
use crate::catalog::{
    Catalog, CatalogBuilder, HybridParams, HybridSpec, ItemRecord, NeighbourSpec, VectorDtype,
};
use crate::event::EventKind;
use crate::kernels::{score_rows, Backend};
use crate::profile::{item_weights, ProfileConfig};
use crate::recommend::{HistoryExclusion, RecommendOptions, Strategy};
use crate::rng::SplitMix64;
use crate::topk::{diversify, rank_order, FilterSpec};

const N: usize = 300;
const D: usize = 7;
const K: usize = 4;

fn unit(rng: &mut SplitMix64) -> f32 {
    (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32
}

fn catalog(seed: u64, dtype: VectorDtype, params: HybridParams, table: bool) -> Recommender {
    let mut rng = SplitMix64::new(seed);
    let mut builder = CatalogBuilder::new(D).dtype(dtype);
    for i in 0..N {
        let v: Vec<f32> = (0..D).map(|_| unit(&mut rng) * 2.0 - 1.0).collect();
        let mut item = ItemRecord::new(format!("i{i}"));
        // Coarse popularity with zeros: many equal t_i.
        item.popularity = (rng.next_u64() % 6) as f32 * 10.0;
        item.category = Some(format!("c{}", i % 3));
        item.price = Some((i % 17) as f32);
        item.available = i % 11 != 5;
        builder.push(item, &v).unwrap();
    }
    let neighbours = table.then(|| {
        let mut ids = Vec::with_capacity(N * K);
        let mut weights = Vec::with_capacity(N * K);
        for j in 0..N {
            for slot in 0..K {
                let id = match rng.next_u64() % 10 {
                    0 => EMPTY_NEIGHBOUR,
                    1 => j as u32,                       // a self-neighbour
                    2 if slot > 0 => ids[ids.len() - 1], // a repeated neighbour
                    _ => (rng.next_u64() % N as u64) as u32,
                };
                ids.push(id);
                // Quarter steps: exact in f16, and sums that tie.
                weights.push((rng.next_u64() % 9) as f32 * 0.25);
            }
        }
        NeighbourSpec { k: K, ids, weights }
    });
    let bytes = builder
        .hybrid(HybridSpec { params, neighbours })
        .to_bytes()
        .unwrap();
    Recommender::new(Catalog::from_bytes(bytes).unwrap())
}

/// `f` of every item by the specification, written out directly.
fn brute_scores(r: &Recommender, weights: &[(u32, f64)]) -> Vec<f32> {
    let catalog = r.catalog();
    let hybrid = catalog.hybrid().unwrap();
    let p = hybrid.params;
    let q = popularity_term(catalog.popularity(), N);
    let s = p.vectors.then(|| {
        let user = fold_in(catalog, weights).unwrap();
        let mut s = vec![0.0f32; N];
        score_rows(
            Backend::Scalar,
            &Query::new(&user),
            catalog.vectors(),
            0..N,
            &mut s,
        );
        s
    });
    let mut nb: BTreeMap<u32, f32> = BTreeMap::new();
    if let Some(table) = hybrid.neighbours {
        for &(j, w) in weights {
            if w <= 0.0 {
                continue;
            }
            let h = history_weight(p.history, w);
            let (ids, bits) = table.row(j as usize);
            for (&i, &b) in ids.iter().zip(bits) {
                if i != EMPTY_NEIGHBOUR {
                    *nb.entry(i).or_insert(0.0) += h * half::f16::from_bits(b).to_f32();
                }
            }
        }
    }
    (0..N)
        .map(|i| {
            let t = p.popularity_weight * q[i];
            let b = match &s {
                Some(s) => s[i] + t,
                None => t,
            };
            match nb.get(&(i as u32)) {
                Some(&v) if p.neighbour_weight != 0.0 => b + p.neighbour_weight * v,
                _ => b,
            }
        })
        .collect()
}

/// The best `pool` allowed items by `f`.
fn brute_top(r: &Recommender, f: &[f32], spec: &FilterSpec, pool: usize) -> Vec<Scored> {
    let filter = ItemFilter::new(r.catalog(), spec).unwrap();
    let mut all: Vec<Scored> = (0..f.len() as u32)
        .filter(|&i| filter.allows(i))
        .map(|i| Scored {
            index: i,
            score: f[i as usize],
        })
        .collect();
    all.sort_by(rank_order);
    all.truncate(pool);
    all
}

fn brute_log_partition(f: &[f32]) -> f64 {
    let max = f.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
    max + f.iter().map(|&v| (v as f64 - max).exp()).sum::<f64>().ln()
}

fn history(rng: &mut SplitMix64, len: usize) -> Vec<Event> {
    let kinds = [EventKind::View, EventKind::Cart, EventKind::Purchase];
    (0..len)
        .map(|_| Event {
            item: (rng.next_u64() % N as u64) as u32,
            kind: kinds[(rng.next_u64() % 3) as usize],
            timestamp_ms: Some((rng.next_u64() % 20) as f64 * 86_400_000.0),
        })
        .collect()
}

fn history_spec(history: &[Event], options: &RecommendOptions) -> FilterSpec {
    let mut spec = options.filter.clone();
    spec.exclude.extend(history.iter().filter_map(|e| {
        let out = match options.exclude_history {
            HistoryExclusion::All => true,
            HistoryExclusion::Purchased => e.kind == EventKind::Purchase,
            HistoryExclusion::None => false,
        };
        out.then_some(e.item)
    }));
    spec
}

fn blends() -> Vec<HybridParams> {
    let mut out = Vec::new();
    for vectors in [true, false] {
        for (neighbour_weight, popularity_weight) in
            [(0.5, 0.25), (0.0, 1.0), (2.0, 0.0), (-0.75, 0.5)]
        {
            for history in [
                HistoryTransform::Linear,
                HistoryTransform::Log1p,
                HistoryTransform::Saturate,
            ] {
                out.push(HybridParams {
                    vectors,
                    neighbour_weight,
                    popularity_weight,
                    history,
                });
            }
        }
    }
    out
}

#[test]
fn recommendations_are_the_brute_force_top_k() {
    let mut rng = SplitMix64::new(11);
    for (round, params) in blends().into_iter().enumerate() {
        let dtype = [VectorDtype::F32, VectorDtype::F16, VectorDtype::I8][round % 3];
        let r = catalog(round as u64, dtype, params, round % 5 != 4);
        for case in 0..6 {
            let len = 1 + (rng.next_u64() % 30) as usize;
            let events = history(&mut rng, len);
            let options = RecommendOptions {
                k: 1 + (rng.next_u64() % 25) as usize,
                exclude_history: [
                    HistoryExclusion::All,
                    HistoryExclusion::Purchased,
                    HistoryExclusion::None,
                ][case % 3],
                filter: FilterSpec {
                    categories: (case % 2 == 1).then(|| vec![0, 2]),
                    price_max: (case == 3).then_some(9.0),
                    available_only: case >= 4,
                    exclude: vec![(rng.next_u64() % N as u64) as u32],
                    ..FilterSpec::default()
                },
                diversity: if case == 5 { 0.5 } else { 0.0 },
                probabilities: case % 2 == 0,
                profile: ProfileConfig {
                    half_life_days: Some(3.0),
                    now_ms: Some(20.0 * 86_400_000.0),
                    ..ProfileConfig::default()
                },
                ..RecommendOptions::default()
            };
            let got = r.recommend(&events, &options).unwrap();
            assert_eq!(got.strategy, Strategy::Personalized);
            let weights = item_weights(&events, &options.profile);
            let f = brute_scores(&r, &weights);
            let spec = history_spec(&events, &options);
            let pool = brute_top(&r, &f, &spec, pool_size(options.k, options.diversity));
            let want = if options.diversity > 0.0 {
                diversify(r.catalog(), &pool, options.k, options.diversity)
            } else {
                pool
            };
            let got_items: Vec<Scored> = got
                .items
                .iter()
                .map(|i| Scored {
                    index: i.index,
                    score: i.score,
                })
                .collect();
            assert_eq!(got_items, want, "round {round} case {case}: {params:?}");
            if options.probabilities {
                let lse = brute_log_partition(&f);
                for item in &got.items {
                    let want = ((item.score as f64) - lse).exp();
                    let p = item.probability.unwrap() as f64;
                    assert!(
                        (p - want).abs() <= 1e-6 * want + 1e-30,
                        "round {round} case {case}: P = {p}, expected {want}"
                    );
                }
                let asked: Vec<u32> = got.items.iter().map(|i| i.index).collect();
                let direct = r.probabilities(&events, &asked, &options.profile).unwrap();
                for (item, p) in got.items.iter().zip(direct) {
                    assert_eq!(Some(p), item.probability, "probabilities() agrees");
                }
            }
        }
    }
}

/// The dense path (what the WebGPU scorer runs: candidates left out of the scan, scored
/// on the host and merged) gives the CPU scan's list, score bits included, and its
/// normalizer to rounding (1e-7), for every blend, storage and filter.
#[test]
fn the_dense_path_merges_to_the_cpu_scan() {
    let mut rng = SplitMix64::new(29);
    for (round, params) in blends().into_iter().enumerate() {
        let dtype = [VectorDtype::F32, VectorDtype::F16, VectorDtype::I8][round % 3];
        let r = catalog(100 + round as u64, dtype, params, true);
        for case in 0..6 {
            let len = 1 + (rng.next_u64() % 30) as usize;
            let events = history(&mut rng, len);
            let options = RecommendOptions {
                k: 1 + (rng.next_u64() % 25) as usize,
                filter: FilterSpec {
                    categories: (case % 2 == 1).then(|| vec![0, 2]),
                    available_only: case >= 3,
                    ..FilterSpec::default()
                },
                diversity: if case == 5 { 0.5 } else { 0.0 },
                probabilities: true,
                interests: (case == 4)
                    .then(|| r.interest_labels(&events, &ProfileConfig::default())),
                ..RecommendOptions::default()
            };
            let plan = r.plan_recommend(&events, &options).unwrap();
            for scan in plan.scans() {
                let cpu = r.run_scan(scan);
                let (dense, merge) = scan.dense(&r);
                assert!(!dense.has_sparse_terms());
                let merged = merge.apply(r.run_scan(&dense));
                assert_eq!(cpu.top, merged.top, "round {round} case {case}: {params:?}");
                let (a, b) = (cpu.log_partition.unwrap(), merged.log_partition.unwrap());
                // The scan sums exp in blocks, the merge corrects in f64: a difference
                // of 1e-7 in log Σ exp is a relative 1e-7 in a probability.
                assert!(
                    (a - b).abs() <= 1e-7,
                    "round {round} case {case}: {a} vs {b}"
                );
            }
        }
    }
}

#[test]
fn without_vectors_nothing_is_folded_in_or_scanned() {
    let params = HybridParams {
        vectors: false,
        neighbour_weight: 1.0,
        popularity_weight: 1.0,
        history: HistoryTransform::Saturate,
    };
    let r = catalog(3, VectorDtype::F32, params, true);
    let events = history(&mut SplitMix64::new(5), 8);
    assert!(
        r.interest_points(&events, &ProfileConfig::default())
            .is_empty(),
        "no vectors: nothing to split"
    );
    let options = RecommendOptions {
        interests: Some(vec![]),
        ..RecommendOptions::default()
    };
    let RecommendPlan::Scan(plan) = r.plan_recommend(&events, &options).unwrap() else {
        panic!("one scan, interests or not");
    };
    assert!(plan.query.is_none(), "no fold-in, no vector term");
    assert!(plan.bias.is_some());
}

#[test]
fn a_history_free_shopper_gets_popularity() {
    for params in blends().into_iter().step_by(5) {
        let r = catalog(7, VectorDtype::F32, params, true);
        let got = r.recommend(&[], &RecommendOptions::default()).unwrap();
        assert_eq!(got.strategy, Strategy::Popular);
        let pop = r.catalog().popularity().unwrap();
        assert!(got
            .items
            .windows(2)
            .all(|w| pop[w[0].index as usize] >= pop[w[1].index as usize]));
    }
}

/// With interests each interest is the hybrid list of its own events.
#[test]
fn each_interest_is_the_hybrid_list_of_its_events() {
    // Three tastes along the axes so the history clusters.
    let mut builder = CatalogBuilder::new(3);
    for i in 0..90 {
        let mut v = [0.05 * (i % 5) as f32; 3];
        v[i / 30] = 1.0;
        let mut item = ItemRecord::new(format!("i{i}"));
        item.popularity = (i % 7) as f32;
        builder.push(item, &v).unwrap();
    }
    let ids: Vec<u32> = (0..90u32)
        .flat_map(|j| [(j + 1) % 90, (j + 31) % 90])
        .collect();
    let neighbours = NeighbourSpec {
        k: 2,
        weights: vec![0.5; ids.len()],
        ids,
    };
    let params = HybridParams {
        vectors: true,
        neighbour_weight: 0.3,
        popularity_weight: 0.1,
        history: HistoryTransform::Log1p,
    };
    let bytes = builder
        .hybrid(HybridSpec {
            params,
            neighbours: Some(neighbours),
        })
        .to_bytes()
        .unwrap();
    let r = Recommender::new(Catalog::from_bytes(bytes).unwrap());
    let events: Vec<Event> = [0u32, 1, 2, 3, 30, 31, 32, 33]
        .iter()
        .map(|&item| Event {
            item,
            kind: EventKind::View,
            timestamp_ms: None,
        })
        .collect();
    let labels = r.interest_labels(&events, &ProfileConfig::default());
    let options = RecommendOptions {
        k: 6,
        interests: Some(labels.clone()),
        ..RecommendOptions::default()
    };
    let RecommendPlan::Interests(plans) = r.plan_recommend(&events, &options).unwrap() else {
        panic!("two interests");
    };
    let groups = r
        .interest_weights(&events, &options.profile, &labels)
        .unwrap();
    assert_eq!(plans.len(), groups.len());
    let spec = history_spec(&events, &options);
    for (plan, weights) in plans.iter().zip(&groups) {
        let got: Vec<Scored> = r
            .finish(plan, r.run_scan(plan))
            .iter()
            .map(|i| Scored {
                index: i.index,
                score: i.score,
            })
            .collect();
        let f = {
            let hybrid = r.catalog().hybrid().unwrap();
            let user = fold_in(r.catalog(), weights).unwrap();
            let scores = HybridScores::new(&r, &hybrid, weights, Some(&user));
            (0..90u32).map(|i| scores.score(i)).collect::<Vec<_>>()
        };
        assert_eq!(got, brute_top(&r, &f, &spec, options.k));
    }
}

#[test]
fn log1p_is_the_same_function_everywhere() {
    // Values whose f64 ln(1 + x) sits close to an f32 rounding boundary are where two math
    // libraries could disagree after rounding; libm is one implementation on every target.
    assert_eq!(history_weight(HistoryTransform::Log1p, 1.0), 2f32.ln());
    assert_eq!(history_weight(HistoryTransform::Saturate, 2.5), 1.0);
    assert_eq!(history_weight(HistoryTransform::Linear, 2.5), 2.5);
    assert_eq!(popularity_term(Some(&[0.0, 3.0]), 2), vec![0.0, 1.0]);
    assert_eq!(popularity_term(Some(&[0.0, 0.0]), 2), vec![0.0, 0.0]);
    assert_eq!(popularity_term(None, 2), vec![0.0, 0.0]);
}

#[test]
fn neighbour_scores_accumulate_in_history_order() {
    let r = {
        let mut builder = CatalogBuilder::new(1);
        for i in 0..3 {
            builder
                .push(ItemRecord::new(format!("i{i}")), &[1.0])
                .unwrap();
        }
        let spec = HybridSpec {
            params: HybridParams {
                vectors: true,
                neighbour_weight: 1.0,
                popularity_weight: 0.0,
                history: HistoryTransform::Linear,
            },
            neighbours: Some(NeighbourSpec {
                k: 2,
                ids: vec![1, 2, 2, EMPTY_NEIGHBOUR, EMPTY_NEIGHBOUR, EMPTY_NEIGHBOUR],
                weights: vec![0.5, 0.25, 1.0, 7.0, 0.0, 0.0],
            }),
        };
        let bytes = builder.hybrid(spec).to_bytes().unwrap();
        Catalog::from_bytes(bytes).unwrap()
    };
    let hybrid = r.hybrid().unwrap();
    let table = hybrid.neighbours.unwrap();
    let got = neighbour_scores(&table, &[(0, 2.0), (1, 3.0)], HistoryTransform::Linear);
    assert_eq!(got, vec![(1, 1.0), (2, 0.5 + 3.0)]);
    let logged = neighbour_scores(&table, &[(1, 1.0)], HistoryTransform::Log1p);
    assert_eq!(logged, vec![(2, 2f64.ln() as f32)]);
    assert!(neighbour_scores(&table, &[(2, 1.0)], HistoryTransform::Linear).is_empty());
}

#[test]
fn neighbour_scores_match_a_map_summed_in_history_order_at_every_word_boundary() {
    // Catalogs of 1 to 200 items cross the bitset's 64-item words at every offset; ids are
    // drawn with extra weight on a word's first and last bit and the catalog's last item.
    for seed in 0..200u64 {
        let mut rng = SplitMix64::new(seed);
        let n = 1 + (rng.next_u64() % 200) as usize;
        let k = 1 + (rng.next_u64() % 4) as usize;
        let mut builder = CatalogBuilder::new(1);
        for i in 0..n {
            builder
                .push(ItemRecord::new(format!("i{i}")), &[1.0])
                .unwrap();
        }
        let edges: Vec<u32> = [0, 63, 64, 127, 128, n - 1]
            .into_iter()
            .filter(|&i| i < n)
            .map(|i| i as u32)
            .collect();
        let ids: Vec<u32> = (0..n * k)
            .map(|_| match rng.next_u64() % 5 {
                0 => EMPTY_NEIGHBOUR,
                1 => edges[(rng.next_u64() % edges.len() as u64) as usize],
                _ => (rng.next_u64() % n as u64) as u32,
            })
            .collect();
        let weights: Vec<f32> = (0..n * k)
            .map(|_| (rng.next_u64() % 13) as f32 * 0.125 - 0.5)
            .collect();
        let spec = HybridSpec {
            params: HybridParams {
                vectors: true,
                neighbour_weight: 1.0,
                popularity_weight: 0.0,
                history: HistoryTransform::Log1p,
            },
            neighbours: Some(NeighbourSpec { k, ids, weights }),
        };
        let catalog = Catalog::from_bytes(builder.hybrid(spec).to_bytes().unwrap()).unwrap();
        let table = catalog.hybrid().unwrap().neighbours.unwrap();
        // Ascending items, as `item_weights` gives them; weight 0 is skipped.
        let mut history: Vec<(u32, f64)> = Vec::new();
        for j in 0..n as u32 {
            if rng.next_u64() % 3 == 0 {
                history.push((j, (rng.next_u64() % 4) as f64));
            }
        }
        let mut expected: BTreeMap<u32, f32> = BTreeMap::new();
        for &(j, w) in &history {
            if w <= 0.0 {
                continue;
            }
            let h = history_weight(HistoryTransform::Log1p, w);
            let (ids, bits) = table.row(j as usize);
            for (&i, &bits) in ids.iter().zip(bits) {
                if i != EMPTY_NEIGHBOUR {
                    *expected.entry(i).or_insert(0.0) += h * f16_to_f32(bits);
                }
            }
        }
        let got = neighbour_scores(&table, &history, HistoryTransform::Log1p);
        let expected: Vec<(u32, f32)> = expected.into_iter().collect();
        assert_eq!(
            got.iter()
                .map(|&(i, s)| (i, s.to_bits()))
                .collect::<Vec<_>>(),
            expected
                .iter()
                .map(|&(i, s)| (i, s.to_bits()))
                .collect::<Vec<_>>(),
            "seed {seed}, n {n}, k {k}"
        );
    }
}
