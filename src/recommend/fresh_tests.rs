//! `fresh` against a brute force of its specification: the same list without `fresh`, long
//! enough to rank every allowed item, gives the ordinary items and, read further down, the
//! best content-derived items not shown; they go to evenly spread places from the second.

use super::*;
use crate::catalog::{Catalog, CatalogBuilder, ItemRecord};
use crate::error::RecommendError;
use crate::event::EventKind;
use crate::profile::{Event, ProfileConfig};
use crate::recommend::{
    HistoryExclusion, Pin, RecommendOptions, Recommender, Rules, SimilarOptions, MAX_FRESH_SHARE,
};
use crate::rng::SplitMix64;
use crate::topk::FilterSpec;

const N: usize = 40;
const D: usize = 4;
/// The last this many items are content-derived.
const CONTENT: usize = 12;
const FIRST_CONTENT: u32 = (N - CONTENT) as u32;

/// N items in categories c0..c2, some unavailable; the last CONTENT are content-derived
/// (no popularity: never bought) unless `content` is false.
fn recommender(seed: u64, content: bool) -> Recommender {
    let mut rng = SplitMix64::new(seed);
    let mut builder = CatalogBuilder::new(D);
    for i in 0..N {
        let v: Vec<f32> = (0..D)
            .map(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
            .collect();
        let mut item = ItemRecord::new(format!("i{i}"));
        item.popularity = if i >= FIRST_CONTENT as usize {
            0.0
        } else {
            (rng.next_u64() % 50) as f32
        };
        item.category = Some(format!("c{}", i % 3));
        item.available = i % 11 != 5;
        builder.push(item, &v).unwrap();
    }
    if content {
        builder = builder.metadata("content.items", CONTENT.to_string());
    }
    Recommender::new(Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap())
}

fn bought(items: &[u32]) -> Vec<Event> {
    items
        .iter()
        .map(|&item| Event {
            item,
            kind: EventKind::Purchase,
            timestamp_ms: None,
        })
        .collect()
}

fn fresh(share: f64) -> Option<Fresh> {
    Some(Fresh { share })
}

fn ids(r: &Recommender, history: &[Event], options: &RecommendOptions) -> Vec<u32> {
    let list = r.recommend(history, options).unwrap();
    list.items.iter().map(|x| x.index).collect()
}

/// The specification, written out: `full` is the list without `fresh` ranking every
/// allowed item; `count` fresh places at 1 + ⌊(j + ½)(k − 1)/count⌋.
fn brute_force(full: &[u32], k: usize, share: f64) -> Vec<u32> {
    let mut count = ((share * k as f64).floor() as usize).min(k - 1);
    let picks = loop {
        let shown = &full[..full.len().min(k - count)];
        let picks: Vec<u32> = full
            .iter()
            .copied()
            .filter(|&i| i >= FIRST_CONTENT && !shown.contains(&i))
            .take(count)
            .collect();
        if picks.len() == count {
            break picks;
        }
        count = picks.len();
    };
    let positions: Vec<usize> = (0..count)
        .map(|j| 1 + ((j as f64 + 0.5) * (k - 1) as f64 / count as f64).floor() as usize)
        .collect();
    let mut ordinary = full.iter().filter(|i| !picks.contains(i));
    let mut fresh = picks.iter();
    let mut out = Vec::new();
    for p in 0..k {
        let next = if positions.contains(&p) {
            fresh.next()
        } else {
            ordinary.next()
        };
        match next {
            Some(&i) => out.push(i),
            None => break,
        }
    }
    // A list that ran short closes up: the remaining fresh items follow.
    out.extend(fresh.copied().take(k - out.len()));
    out
}

#[test]
fn places_are_the_floor_of_share_times_k() {
    let places = |share: f64, k: usize| Fresh { share }.places(k);
    assert_eq!(places(0.1, 10), 1);
    assert_eq!(places(0.25, 10), 2);
    assert_eq!(
        places(0.35, 20),
        7,
        "in f64, as JavaScript's Math.floor(0.35 * 20)"
    );
    assert_eq!(places(0.5, 7), 3);
    assert_eq!(places(0.1, 9), 0);
    assert_eq!(places(0.0, 1000), 0);
}

#[test]
fn fresh_places_are_spread_from_the_second_place() {
    let free: Vec<usize> = (0..10).collect();
    assert_eq!(spread_positions(&free, 1), [5]);
    assert_eq!(spread_positions(&free, 2), [3, 7]);
    assert_eq!(spread_positions(&free, 5), [1, 3, 5, 7, 9]);
    // With pins at 3 and 4 the places spread over the free ones.
    let free = [0, 1, 2, 5, 6, 7, 8, 9];
    assert_eq!(spread_positions(&free, 2), [2, 8]);
    for k in 2..=60 {
        let free: Vec<usize> = (0..k).collect();
        for count in 1..=k / 2 {
            let p = spread_positions(&free, count);
            assert!(
                p[0] >= 1,
                "k {k}, count {count}: the first place stays ordinary"
            );
            assert!(p.windows(2).all(|w| w[0] < w[1]), "k {k}, count {count}");
            assert!(*p.last().unwrap() < k);
        }
    }
}

#[test]
fn personalized_lists_take_the_top_content_items_as_the_brute_force_does() {
    for seed in 0..6 {
        let r = recommender(seed, true);
        let history = bought(&[seed as u32, 7, 30]);
        for k in [2, 5, 10, 20] {
            for share in [0.1, 0.25, 0.5] {
                let full = ids(
                    &r,
                    &history,
                    &RecommendOptions {
                        k: N,
                        ..RecommendOptions::default()
                    },
                );
                let options = RecommendOptions {
                    k,
                    fresh: fresh(share),
                    ..RecommendOptions::default()
                };
                let got = ids(&r, &history, &options);
                assert_eq!(
                    got,
                    brute_force(&full, k, share),
                    "seed {seed} k {k} {share}"
                );
                let fresh_count = got[..].iter().filter(|&&i| i >= FIRST_CONTENT).count();
                let ordinary_fresh = full[..k].iter().filter(|&&i| i >= FIRST_CONTENT).count();
                assert!(fresh_count >= ordinary_fresh.max(Fresh { share }.places(k)));
                assert_eq!(
                    got[0], full[0],
                    "the first place stays the best ordinary item"
                );
            }
        }
    }
}

#[test]
fn cold_start_and_similar_lists_follow_the_brute_force() {
    let r = recommender(3, true);
    let k = 10;
    let full = ids(
        &r,
        &[],
        &RecommendOptions {
            k: N,
            ..RecommendOptions::default()
        },
    );
    let options = RecommendOptions {
        k,
        fresh: fresh(0.3),
        ..RecommendOptions::default()
    };
    let got = ids(&r, &[], &options);
    assert_eq!(got, brute_force(&full, k, 0.3));
    assert_eq!(got.iter().filter(|&&i| i >= FIRST_CONTENT).count(), 3);

    let similar = |k: usize, share: Option<Fresh>| -> Vec<u32> {
        let options = SimilarOptions {
            k,
            fresh: share,
            ..SimilarOptions::default()
        };
        r.similar(4, &options)
            .unwrap()
            .iter()
            .map(|s| s.index)
            .collect()
    };
    let full = similar(N - 1, None);
    assert_eq!(similar(k, fresh(0.5)), brute_force(&full, k, 0.5));
}

#[test]
fn filters_exclusions_and_never_show_bound_the_choice() {
    let r = recommender(1, true);
    let history = bought(&[2, FIRST_CONTENT + 1]);
    let filter = FilterSpec {
        categories: Some(vec![0, 1]),
        available_only: true,
        exclude: vec![FIRST_CONTENT + 3],
        ..FilterSpec::default()
    };
    let rules = Rules {
        never_show: vec![FIRST_CONTENT + 4, FIRST_CONTENT + 6],
        ..Rules::default()
    };
    let options = |k: usize, share: Option<Fresh>| RecommendOptions {
        k,
        filter: filter.clone(),
        rules: rules.clone(),
        exclude_history: HistoryExclusion::All,
        fresh: share,
        ..RecommendOptions::default()
    };
    let full = ids(&r, &history, &options(N, None));
    let got = ids(&r, &history, &options(8, fresh(0.5)));
    assert_eq!(got, brute_force(&full, 8, 0.5));
    let catalog = r.catalog();
    for &i in &got {
        assert_ne!(
            catalog.category(i as usize),
            Some(2),
            "#{i} is outside the filter"
        );
        assert_eq!(
            catalog.availability().unwrap()[i as usize],
            1,
            "#{i} is unavailable"
        );
        assert!(![
            FIRST_CONTENT + 1,
            FIRST_CONTENT + 3,
            FIRST_CONTENT + 4,
            FIRST_CONTENT + 6
        ]
        .contains(&i));
    }
}

#[test]
fn pins_keep_their_places_and_are_never_fresh_items() {
    let r = recommender(2, true);
    let history = bought(&[0, 1]);
    let k = 10;
    let plain = RecommendOptions {
        k: N,
        ..RecommendOptions::default()
    };
    let full = ids(&r, &history, &plain);
    let best_content = *full.iter().find(|&&i| i >= FIRST_CONTENT).unwrap();
    // Pin the best content item at 5 (where one fresh place would go) and an old item at 0.
    let pins = vec![
        Pin {
            item: best_content,
            position: 5,
        },
        Pin {
            item: 3,
            position: 0,
        },
    ];
    let options = RecommendOptions {
        k,
        rules: Rules {
            pins: pins.clone(),
            ..Rules::default()
        },
        fresh: fresh(0.1),
        ..RecommendOptions::default()
    };
    let got = ids(&r, &history, &options);
    assert_eq!(got.len(), k);
    assert_eq!(got[0], 3);
    assert_eq!(got[5], best_content);
    // The one fresh place: the middle of the free places 1..=4, 6..=9 from the second
    // free one on, holding the best other content item.
    let free: Vec<usize> = (0..k).filter(|&p| p != 0 && p != 5).collect();
    let at = spread_positions(&free, 1)[0];
    let ordinary: Vec<u32> = full
        .iter()
        .copied()
        .filter(|&i| i != 3 && i != best_content)
        .collect();
    let shown = &ordinary[..k - 3];
    let expected = *ordinary
        .iter()
        .find(|&&i| i >= FIRST_CONTENT && !shown.contains(&i))
        .unwrap();
    assert_eq!(got[at], expected);
    let mut unique = got.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), k, "no item twice");
}

#[test]
fn a_catalog_without_content_items_and_share_zero_change_nothing() {
    let history = bought(&[4, 9]);
    for (content, share) in [(false, 0.5), (true, 0.0), (true, 0.05)] {
        let r = recommender(5, content);
        let plain = RecommendOptions::default();
        let with = RecommendOptions {
            fresh: fresh(share),
            ..RecommendOptions::default()
        };
        assert_eq!(ids(&r, &history, &with), ids(&r, &history, &plain));
        assert_eq!(ids(&r, &[], &with), ids(&r, &[], &plain));
    }
}

#[test]
fn too_few_qualifying_content_items_leave_the_places_ordinary() {
    let r = recommender(4, true);
    let history = bought(&[1]);
    // Only two content items remain allowed.
    let never_show: Vec<u32> = (FIRST_CONTENT..N as u32 - 2).collect();
    let options = |k: usize, share: Option<Fresh>| RecommendOptions {
        k,
        rules: Rules {
            never_show: never_show.clone(),
            ..Rules::default()
        },
        fresh: share,
        ..RecommendOptions::default()
    };
    let full = ids(&r, &history, &options(N, None));
    let got = ids(&r, &history, &options(12, fresh(0.5)));
    assert_eq!(got.len(), 12);
    assert_eq!(got, brute_force(&full, 12, 0.5));
    assert!(got.iter().filter(|&&i| i >= FIRST_CONTENT).count() <= 2);
}

#[test]
fn out_of_range_shares_are_errors_naming_the_field() {
    let r = recommender(0, true);
    for share in [-0.1, MAX_FRESH_SHARE + 0.01, 1.0, f64::NAN, f64::INFINITY] {
        let options = RecommendOptions {
            fresh: fresh(share),
            ..RecommendOptions::default()
        };
        for history in [bought(&[1]), Vec::new()] {
            match r.recommend(&history, &options) {
                Err(RecommendError::InvalidOption { name, .. }) => assert_eq!(name, "fresh.share"),
                other => panic!("share {share}: {other:?}"),
            }
        }
        let similar = SimilarOptions {
            fresh: fresh(share),
            ..SimilarOptions::default()
        };
        assert!(matches!(
            r.similar(0, &similar),
            Err(RecommendError::InvalidOption {
                name: "fresh.share",
                ..
            })
        ));
    }
}

#[test]
fn boosted_and_buried_content_items_rank_by_their_adjusted_score() {
    use crate::recommend::{Adjustment, Selector};
    let r = recommender(6, true);
    let history = bought(&[3, 8]);
    let rules = Rules {
        adjust: vec![
            Adjustment {
                select: Selector {
                    items: Some(vec![N as u32 - 1, N as u32 - 2]),
                    ..Selector::default()
                },
                add: 0.5,
            },
            Adjustment {
                select: Selector {
                    categories: Some(vec![1]),
                    ..Selector::default()
                },
                add: -0.25,
            },
        ],
        ..Rules::default()
    };
    for interests in [false, true] {
        let options = |k: usize, share: Option<Fresh>| RecommendOptions {
            k,
            rules: rules.clone(),
            interests: interests.then(|| r.interest_labels(&history, &ProfileConfig::default())),
            fresh: share,
            ..RecommendOptions::default()
        };
        let full = ids(&r, &history, &options(N, None));
        let got = ids(&r, &history, &options(10, fresh(0.2)));
        if !interests {
            assert_eq!(got, brute_force(&full, 10, 0.2));
        }
        assert_eq!(got.len(), 10);
        assert_eq!(got[0], full[0]);
    }
}
