//! `rerank` against `recommend` (the same score bits for every item, plain and hybrid,
//! every storage) and the mixing rule written out by hand on small lists.

use super::*;
use crate::catalog::{
    Catalog, CatalogBuilder, HistoryTransform, HybridParams, HybridSpec, ItemRecord, NeighbourSpec,
    VectorDtype, EMPTY_NEIGHBOUR,
};
use crate::event::EventKind;
use crate::kernels::Backend;
use crate::profile::EventWeights;
use crate::recommend::{HistoryExclusion, RecommendOptions};
use crate::rng::SplitMix64;

const N: usize = 120;
const D: usize = 6;

fn unit(rng: &mut SplitMix64) -> f32 {
    (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32
}

fn catalog(seed: u64, dtype: VectorDtype, hybrid: Option<HybridParams>) -> Recommender {
    let mut rng = SplitMix64::new(seed);
    let mut builder = CatalogBuilder::new(D).dtype(dtype);
    for i in 0..N {
        let v: Vec<f32> = (0..D).map(|_| unit(&mut rng) * 2.0 - 1.0).collect();
        let mut item = ItemRecord::new(format!("i{i}"));
        item.popularity = (rng.next_u64() % 6) as f32 * 10.0;
        builder.push(item, &v).unwrap();
    }
    if let Some(params) = hybrid {
        let k = 3;
        let mut ids = Vec::new();
        let mut weights = Vec::new();
        for _ in 0..N * k {
            ids.push(match rng.next_u64() % 8 {
                0 => EMPTY_NEIGHBOUR,
                _ => (rng.next_u64() % N as u64) as u32,
            });
            weights.push((rng.next_u64() % 9) as f32 * 0.25);
        }
        builder = builder.hybrid(HybridSpec {
            params,
            neighbours: Some(NeighbourSpec { k, ids, weights }),
        });
    }
    Recommender::new(Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap())
}

fn history(rng: &mut SplitMix64, len: usize) -> Vec<Event> {
    let kinds = [EventKind::View, EventKind::Cart, EventKind::Purchase];
    (0..len)
        .map(|_| Event {
            item: (rng.next_u64() % N as u64) as u32,
            kind: kinds[(rng.next_u64() % 3) as usize],
            timestamp_ms: None,
        })
        .collect()
}

fn event(item: u32) -> Event {
    Event {
        item,
        kind: EventKind::Purchase,
        timestamp_ms: None,
    }
}

fn hybrid(vectors: bool) -> HybridParams {
    HybridParams {
        vectors,
        neighbour_weight: 0.5,
        popularity_weight: 0.25,
        history: HistoryTransform::Log1p,
    }
}

/// Every given item's score is the bits `recommend` gives that item (all items returned,
/// nothing excluded), on every storage and CPU backend, plain and hybrid.
#[test]
fn scores_are_the_recommendation_scores() {
    let mut rng = SplitMix64::new(5);
    let setups = [
        (VectorDtype::F32, None),
        (VectorDtype::F16, None),
        (VectorDtype::I8, None),
        (VectorDtype::F32, Some(hybrid(true))),
        (VectorDtype::I8, Some(hybrid(true))),
        (VectorDtype::F32, Some(hybrid(false))),
    ];
    for (round, (dtype, params)) in setups.into_iter().enumerate() {
        for backend in [Backend::Scalar, Backend::best()] {
            let r = catalog(round as u64, dtype, params).with_backend(backend);
            for case in 0..4 {
                let events = history(&mut rng, 1 + case * 4);
                let all = RecommendOptions {
                    k: N,
                    exclude_history: HistoryExclusion::None,
                    ..RecommendOptions::default()
                };
                let recommended = r.recommend(&events, &all).unwrap();
                let mut want = vec![f32::NAN; N];
                for item in &recommended.items {
                    want[item.index as usize] = item.score;
                }
                // A store list: 40 items in an arbitrary order, one repeated.
                let mut list: Vec<Option<u32>> = (0..40)
                    .map(|_| Some((rng.next_u64() % N as u64) as u32))
                    .collect();
                list.push(list[3]);
                let got = r.rerank(&events, &list, &RerankOptions::default()).unwrap();
                assert_eq!(got.strategy, RerankStrategy::Personalized);
                assert_eq!(got.items.len(), list.len());
                for slot in &got.items {
                    let i = slot.item.unwrap() as usize;
                    assert_eq!(
                        slot.score.unwrap().to_bits(),
                        want[i].to_bits(),
                        "round {round} case {case} item {i}"
                    );
                    assert_eq!(list[slot.position], slot.item);
                }
                // Strength 1 is the model's order: scores descending.
                assert!(got
                    .items
                    .windows(2)
                    .all(|w| w[0].score.unwrap() >= w[1].score.unwrap()));
            }
        }
    }
}

/// Four items with known scores: the keys of the documented rule worked by hand.
#[test]
fn strength_mixes_store_and_model_ranks() {
    // Item vectors along x, so a shopper who bought item 0 ([1, 0]) scores by x.
    let mut builder = CatalogBuilder::new(2);
    for x in [1.0f32, 0.1, 0.2, 0.3, 0.4] {
        builder
            .push(ItemRecord::new(format!("x{x}")), &[x, 0.0])
            .unwrap();
    }
    let r = Recommender::new(Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap());
    let history = [event(0)];
    // Store order 1, 2, 3, 4 (scores ascending): the model reverses it.
    let list = [Some(1), Some(2), Some(3), Some(4)];
    let order = |strength: f32| -> Vec<u32> {
        let options = RerankOptions {
            strength,
            ..RerankOptions::default()
        };
        let got = r.rerank(&history, &list, &options).unwrap();
        got.items.iter().map(|s| s.item.unwrap()).collect()
    };
    assert_eq!(order(0.0), [1, 2, 3, 4]);
    assert_eq!(order(1.0), [4, 3, 2, 1]);
    // s = 0..3, m = 3..0: at 0.5 every key is 1.5, so the store's order breaks the tie.
    assert_eq!(order(0.5), [1, 2, 3, 4]);
    // At 0.75: keys 0.25·s + 0.75·(3 − s) = 2.25 − 0.5·s: the model's order.
    assert_eq!(order(0.75), [4, 3, 2, 1]);
    // Store order 4, 1, 2, 3: s = 0..3, m = 0, 3, 2, 1. At 0.5 keys 0, 2, 2, 2 → 4 first,
    // then the tie 1, 2, 3 in store order; at 0.6 keys 0, 2.2, 2.0, 1.8 → 4, 3, 2, 1.
    let list = [Some(4), Some(1), Some(2), Some(3)];
    let order = |strength: f32| -> Vec<u32> {
        let options = RerankOptions {
            strength,
            ..RerankOptions::default()
        };
        let got = r.rerank(&history, &list, &options).unwrap();
        got.items.iter().map(|s| s.item.unwrap()).collect()
    };
    assert_eq!(order(0.5), [4, 1, 2, 3]);
    assert_eq!(order(0.6), [4, 3, 2, 1]);
}

#[test]
fn model_ties_keep_the_store_order() {
    let mut builder = CatalogBuilder::new(2);
    for (i, v) in [[1.0f32, 0.0], [0.0, 1.0], [0.0, 2.0], [0.0, 2.0]]
        .iter()
        .enumerate()
    {
        builder.push(ItemRecord::new(format!("t{i}")), v).unwrap();
    }
    let r = Recommender::new(Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap());
    // A shopper who bought item 0 scores items 1..3 alike (0): the store's order stays.
    for list in [[Some(3), Some(1), Some(2)], [Some(2), Some(3), Some(1)]] {
        let got = r
            .rerank(&[event(0)], &list, &RerankOptions::default())
            .unwrap();
        let items: Vec<Option<u32>> = got.items.iter().map(|s| s.item).collect();
        assert_eq!(items, list);
    }
}

#[test]
fn unknown_ids_keep_their_positions() {
    let r = catalog(1, VectorDtype::F32, None);
    let history = [event(7), event(8)];
    let known = [Some(3), Some(9), Some(40), Some(77), Some(100)];
    let mut with_gaps = known.to_vec();
    with_gaps.insert(0, None);
    with_gaps.insert(3, None);
    with_gaps.push(None);
    let plain = r
        .rerank(&history, &known, &RerankOptions::default())
        .unwrap();
    let gapped = r
        .rerank(&history, &with_gaps, &RerankOptions::default())
        .unwrap();
    let unknown_at: Vec<usize> = (0..gapped.items.len())
        .filter(|&p| gapped.items[p].item.is_none())
        .collect();
    assert_eq!(unknown_at, [0, 3, 7]);
    for &p in &unknown_at {
        assert_eq!(gapped.items[p].position, p);
        assert_eq!(gapped.items[p].score, None);
    }
    // The known items fill the other slots in the order they have without the gaps.
    let order =
        |list: &Reranked| -> Vec<u32> { list.items.iter().filter_map(|s| s.item).collect() };
    assert_eq!(order(&gapped), order(&plain));
    assert_ne!(
        order(&plain),
        [3, 9, 40, 77, 100],
        "the model moved something"
    );
}

#[test]
fn a_shopper_without_history_sees_the_store_order() {
    let r = catalog(2, VectorDtype::F32, Some(hybrid(true)));
    let list = [Some(5), None, Some(2), Some(90)];
    let zero_views = RerankOptions {
        profile: ProfileConfig {
            weights: EventWeights {
                view: 0.0,
                cart: 3.0,
                purchase: 5.0,
            },
            ..ProfileConfig::default()
        },
        ..RerankOptions::default()
    };
    let viewed = [Event {
        item: 4,
        kind: EventKind::View,
        timestamp_ms: None,
    }];
    for (history, options) in [
        (&[][..], RerankOptions::default()),
        (&viewed[..], zero_views),
    ] {
        let got = r.rerank(history, &list, &options).unwrap();
        assert_eq!(got.strategy, RerankStrategy::StoreOrder);
        let items: Vec<Option<u32>> = got.items.iter().map(|s| s.item).collect();
        assert_eq!(items, list);
        assert!(got.items.iter().all(|s| s.score.is_none()));
        assert!(got.items.iter().enumerate().all(|(p, s)| s.position == p));
    }
    let empty = r
        .rerank(&[event(1)], &[], &RerankOptions::default())
        .unwrap();
    assert!(empty.items.is_empty());
}

#[test]
fn strength_outside_zero_to_one_is_an_error_naming_it() {
    let r = catalog(3, VectorDtype::F32, None);
    for strength in [-0.1, 1.01, f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let options = RerankOptions {
            strength,
            ..RerankOptions::default()
        };
        let err = r.rerank(&[event(1)], &[Some(0)], &options).unwrap_err();
        assert!(
            matches!(
                err,
                RecommendError::InvalidOption {
                    name: "strength",
                    ..
                }
            ),
            "{strength}: {err}"
        );
        assert!(err.to_string().contains("`strength`"), "{err}");
        // Checked before the shopper is known: a cold shopper is refused alike.
        assert!(r.rerank(&[], &[Some(0)], &options).is_err());
    }
}

#[test]
fn too_many_items_is_an_error_naming_the_limit() {
    let r = catalog(4, VectorDtype::F32, None);
    let list = vec![Some(0); MAX_RERANK_ITEMS + 1];
    let err = r
        .rerank(&[event(1)], &list, &RerankOptions::default())
        .unwrap_err();
    assert!(matches!(
        err,
        RecommendError::InvalidOption { name: "items", .. }
    ));
    assert!(err.to_string().contains("at most 1000"), "{err}");
    assert!(r
        .rerank(&[event(1)], &list[1..], &RerankOptions::default())
        .is_ok());
}

#[test]
fn an_index_outside_the_catalog_or_a_bad_profile_is_an_error() {
    let r = catalog(5, VectorDtype::F32, None);
    let err = r
        .rerank(&[event(1)], &[Some(N as u32)], &RerankOptions::default())
        .unwrap_err();
    assert!(matches!(err, RecommendError::UnknownItem(_)));
    let bad_profile = RerankOptions {
        profile: ProfileConfig {
            half_life_days: Some(-1.0),
            ..ProfileConfig::default()
        },
        ..RerankOptions::default()
    };
    assert!(r.rerank(&[event(1)], &[Some(0)], &bad_profile).is_err());
}
