//! Merchandising rules against a brute force of their specification (every allowed item
//! scored, adjusted, sorted, pins placed), on every list kind, plus each rule's edge cases
//! and every validation error.

use super::rules::place_pins;
use super::*;
use crate::catalog::{
    with_placements, Catalog, CatalogBuilder, HistoryTransform, HybridParams, HybridSpec,
    ItemRecord, NeighbourSpec, PlacementSpec, TogetherMeasure, TogetherSpec, TrendingSpec,
    EMPTY_NEIGHBOUR,
};
use crate::event::EventKind;
use crate::kernels::Backend;
use crate::profile::ProfileConfig;
use crate::rng::SplitMix64;
use crate::topk::{rank_order, FilterSpec};

const N: usize = 60;
const D: usize = 5;
const DAY: f64 = 86_400_000.0;

fn unit(rng: &mut SplitMix64) -> f32 {
    (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32
}

/// N items in categories c0..c2, prices 0..19, tags "sale" (i % 4 == 0) and "new"
/// (i % 5 == 0), coarse popularity (ties), bought-together and trending tables, and
/// optionally a hybrid model with neighbours.
fn recommender(seed: u64, hybrid: bool) -> Recommender {
    let mut rng = SplitMix64::new(seed);
    let mut builder = CatalogBuilder::new(D);
    for i in 0..N {
        let v: Vec<f32> = (0..D).map(|_| unit(&mut rng) * 2.0 - 1.0).collect();
        let mut item = ItemRecord::new(format!("i{i}"));
        item.popularity = (rng.next_u64() % 5) as f32;
        item.category = Some(format!("c{}", i % 3));
        item.price = Some((i % 20) as f32);
        item.available = i % 13 != 7;
        if i % 4 == 0 {
            item.tags.push("sale".into());
        }
        if i % 5 == 0 {
            item.tags.push("new".into());
        }
        builder.push(item, &v).unwrap();
    }
    if hybrid {
        let k = 3;
        let mut ids = Vec::new();
        let mut weights = Vec::new();
        for _ in 0..N * k {
            ids.push(match rng.next_u64() % 6 {
                0 => EMPTY_NEIGHBOUR,
                _ => (rng.next_u64() % N as u64) as u32,
            });
            weights.push((rng.next_u64() % 5) as f32 * 0.25);
        }
        builder = builder.hybrid(HybridSpec {
            params: HybridParams {
                vectors: true,
                neighbour_weight: 0.7,
                popularity_weight: 0.3,
                history: HistoryTransform::Log1p,
            },
            neighbours: Some(NeighbourSpec { k, ids, weights }),
        });
    }
    let k = 4;
    let mut ids = Vec::new();
    let mut weights = Vec::new();
    for _ in 0..N * k {
        ids.push((rng.next_u64() % N as u64) as u32);
        weights.push((rng.next_u64() % 8 + 1) as f32 * 0.5);
    }
    let spec = PlacementSpec {
        together: Some(TogetherSpec {
            k,
            ids,
            weights,
            measure: TogetherMeasure::Lift,
        }),
        trending: Some(TrendingSpec {
            scores: (0..N).map(|_| (rng.next_u64() % 7) as f32).collect(),
            half_life_days: 7.0,
            as_of: None,
        }),
    };
    let bytes = with_placements(&builder.to_bytes().unwrap(), &spec).unwrap();
    Recommender::new(Catalog::from_bytes(bytes).unwrap())
}

fn event(item: u32, kind: EventKind, days_ago: Option<f64>) -> Event {
    Event {
        item,
        kind,
        timestamp_ms: days_ago.map(|d| NOW - d * DAY),
    }
}

const NOW: f64 = 1_000.0 * DAY;

fn history() -> Vec<Event> {
    vec![
        event(1, EventKind::View, Some(3.0)),
        event(2, EventKind::Purchase, Some(40.0)),
        event(4, EventKind::Cart, Some(1.0)),
        event(9, EventKind::Purchase, Some(2.0)),
    ]
}

fn boost(select: Selector, add: f32) -> Adjustment {
    Adjustment { select, add }
}

fn categories(c: &[u32]) -> Selector {
    Selector {
        categories: Some(c.to_vec()),
        ..Selector::default()
    }
}

fn tags(t: &[&str]) -> Selector {
    Selector {
        tags: Some(t.iter().map(|s| s.to_string()).collect()),
        ..Selector::default()
    }
}

fn price(min: Option<f32>, max: Option<f32>) -> Selector {
    Selector {
        price_min: min,
        price_max: max,
        ..Selector::default()
    }
}

fn items(i: &[u32]) -> Selector {
    Selector {
        items: Some(i.to_vec()),
        ..Selector::default()
    }
}

fn indices(list: &[Recommended]) -> Vec<u32> {
    list.iter().map(|r| r.index).collect()
}

/// The specification written out: `adjusted(i) = raw(i) + Σ add` over the matching rules
/// in order, every allowed item ranked by it, then the pins placed.
fn brute_force(
    r: &Recommender,
    raw: &dyn Fn(u32) -> f32,
    allowed: &dyn Fn(u32) -> bool,
    rules: &Rules,
    k: usize,
) -> Vec<(u32, f32)> {
    let catalog = r.catalog();
    let adjusted = |i: u32| {
        let mut add = 0.0f32;
        for rule in &rules.adjust {
            let s = &rule.select;
            let at = i as usize;
            let price = catalog.prices().unwrap()[at];
            let hit = s
                .categories
                .as_ref()
                .is_none_or(|c| c.contains(&catalog.category(at).unwrap()))
                && s.price_min.is_none_or(|m| price >= m)
                && s.price_max.is_none_or(|m| price <= m)
                && s.tags
                    .as_ref()
                    .is_none_or(|t| catalog.tags(at).any(|x| t.iter().any(|w| w == x)))
                && s.items.as_ref().is_none_or(|list| list.contains(&i));
            if hit {
                add += rule.add;
            }
        }
        if add == 0.0 {
            raw(i)
        } else {
            raw(i) + add
        }
    };
    let pinned: Vec<u32> = rules.pins.iter().map(|p| p.item).collect();
    let mut organic: Vec<Scored> = (0..N as u32)
        .filter(|&i| allowed(i) && !pinned.contains(&i))
        .map(|i| Scored {
            index: i,
            score: adjusted(i),
        })
        .collect();
    organic.sort_by(rank_order);
    organic.truncate(k);
    let mut pins: Vec<(usize, Scored)> = rules
        .pins
        .iter()
        .filter(|p| p.position < k && allowed(p.item))
        .map(|p| {
            let s = Scored {
                index: p.item,
                score: adjusted(p.item),
            };
            (p.position, s)
        })
        .collect();
    pins.sort_by_key(|&(p, _)| p);
    place_pins(organic, pins, k)
        .into_iter()
        .map(|s| (s.index, s.score))
        .collect()
}

fn pairs(list: &[Recommended]) -> Vec<(u32, f32)> {
    list.iter().map(|r| (r.index, r.score)).collect()
}

/// Rule sets of every kind, alone and together.
fn rule_sets() -> Vec<Rules> {
    vec![
        Rules {
            adjust: vec![boost(categories(&[1]), 0.8)],
            ..Rules::default()
        },
        Rules {
            adjust: vec![boost(price(Some(5.0), Some(9.0)), -1.5)],
            ..Rules::default()
        },
        Rules {
            adjust: vec![boost(tags(&["sale"]), 2.0), boost(tags(&["new"]), -0.25)],
            ..Rules::default()
        },
        Rules {
            adjust: vec![boost(items(&[3, 17, 44, 58]), 5.0)],
            ..Rules::default()
        },
        Rules {
            adjust: vec![
                boost(
                    Selector {
                        categories: Some(vec![0, 2]),
                        price_max: Some(12.0),
                        ..Selector::default()
                    },
                    0.5,
                ),
                boost(items(&[10, 11]), -3.0),
            ],
            pins: vec![
                Pin {
                    item: 50,
                    position: 1,
                },
                Pin {
                    item: 21,
                    position: 0,
                },
            ],
            never_show: vec![5, 6],
            never_show_categories: vec![2],
            hide_bought: Some(HideBought {
                days: 30.0,
                now_ms: NOW,
            }),
        },
        Rules {
            pins: vec![Pin {
                item: 30,
                position: 3,
            }],
            ..Rules::default()
        },
    ]
}

/// What a request's filter allows, written out for the brute force: the filter spec, the
/// history exclusion (everything), never-show, hidden purchases.
fn allowed_by(
    r: &Recommender,
    spec: &FilterSpec,
    excluded: &[u32],
    rules: &Rules,
    history: &[Event],
) -> impl Fn(u32) -> bool {
    let catalog = r.catalog();
    let categories: Vec<u32> = (0..N)
        .map(|i| catalog.category(i).unwrap())
        .collect::<Vec<_>>();
    let prices = catalog.prices().unwrap().to_vec();
    let available: Vec<u8> = catalog.availability().unwrap().to_vec();
    let spec = spec.clone();
    let mut hidden: Vec<u32> = excluded.to_vec();
    hidden.extend(&rules.never_show);
    hidden.extend((0..N as u32).filter(|&i| {
        rules
            .never_show_categories
            .contains(&categories[i as usize])
    }));
    if let Some(h) = rules.hide_bought {
        hidden.extend(
            history
                .iter()
                .filter(|e| {
                    e.kind == EventKind::Purchase
                        && e.timestamp_ms.is_none_or(|t| t >= h.now_ms - h.days * DAY)
                })
                .map(|e| e.item),
        );
    }
    move |i: u32| {
        let at = i as usize;
        spec.categories
            .as_ref()
            .is_none_or(|c| c.contains(&categories[at]))
            && spec.price_min.is_none_or(|m| prices[at] >= m)
            && spec.price_max.is_none_or(|m| prices[at] <= m)
            && (!spec.available_only || available[at] != 0)
            && !spec.exclude.contains(&i)
            && !hidden.contains(&i)
    }
}

fn filters() -> Vec<FilterSpec> {
    vec![
        FilterSpec::default(),
        FilterSpec {
            categories: Some(vec![0, 1]),
            available_only: true,
            exclude: vec![12, 13],
            ..FilterSpec::default()
        },
        FilterSpec {
            price_min: Some(3.0),
            price_max: Some(15.0),
            ..FilterSpec::default()
        },
    ]
}

#[test]
fn personalized_lists_are_the_brute_force_of_every_rule_set() {
    for hybrid in [false, true] {
        let r = recommender(7, hybrid);
        let events = history();
        let weights = r
            .history_weights(&events, &ProfileConfig::default())
            .unwrap()
            .unwrap();
        for (s, rules) in rule_sets().into_iter().enumerate() {
            for (f, filter) in filters().into_iter().enumerate() {
                for k in [1, 4, 10, 25] {
                    let options = RecommendOptions {
                        k,
                        filter: filter.clone(),
                        rules: rules.clone(),
                        ..RecommendOptions::default()
                    };
                    let plan = r.plan_recommend(&events, &options).unwrap();
                    let RecommendPlan::Scan(scan) = &plan else {
                        panic!("one scan")
                    };
                    // The model score of any item, with the scan's arithmetic.
                    let scoring = {
                        let mut plain = scan.clone();
                        plain.rules = Default::default();
                        plain
                    };
                    let raw = |i: u32| {
                        let mut out = [0.0f32];
                        scoring
                            .scoring()
                            .score_items(r.catalog(), r.backend(), &[i], &mut out);
                        out[0]
                    };
                    let history_items: Vec<u32> = events.iter().map(|e| e.item).collect();
                    let allowed = allowed_by(&r, &filter, &history_items, &rules, &events);
                    let want = brute_force(&r, &raw, &allowed, &rules, k);
                    let got = r.recommend(&events, &options).unwrap();
                    assert_eq!(
                        pairs(&got.items),
                        want,
                        "hybrid {hybrid} rules {s} filter {f} k {k}"
                    );
                    assert_eq!(got.items.len(), k.min(want.len()));
                    let _ = &weights;
                }
            }
        }
    }
}

/// The WebGPU path's shape: the scan run on the dense plan (neighbour candidates out),
/// merged, then finished, gives the CPU list bit for bit with rules.
#[test]
fn the_dense_path_with_rules_gives_the_cpu_list() {
    let r = recommender(11, true);
    let events = history();
    for (s, rules) in rule_sets().into_iter().enumerate() {
        let options = RecommendOptions {
            k: 12,
            rules,
            probabilities: true,
            ..RecommendOptions::default()
        };
        let cpu = r.recommend(&events, &options).unwrap();
        let plan = r.plan_recommend(&events, &options).unwrap();
        let results = plan
            .scans()
            .iter()
            .map(|scan| {
                let (dense, merge) = scan.dense(&r);
                merge.apply(r.run_scan(&dense))
            })
            .collect();
        let gpu_shaped = r.complete(plan, results);
        assert_eq!(indices(&cpu.items), indices(&gpu_shaped.items), "rules {s}");
        assert_eq!(pairs(&cpu.items), pairs(&gpu_shaped.items), "rules {s}");
    }
}

#[test]
fn a_boost_changes_the_rank_and_score_but_not_the_probability() {
    let r = recommender(3, false);
    let events = history();
    let plain = RecommendOptions {
        k: 30,
        probabilities: true,
        ..RecommendOptions::default()
    };
    let before = r.recommend(&events, &plain).unwrap();
    let last = *before.items.last().unwrap();
    let boosted = RecommendOptions {
        rules: Rules {
            adjust: vec![boost(items(&[last.index]), 100.0)],
            ..Rules::default()
        },
        ..plain.clone()
    };
    let after = r.recommend(&events, &boosted).unwrap();
    assert_eq!(after.items[0].index, last.index);
    assert_eq!(after.items[0].score, last.score + 100.0);
    assert_eq!(after.items[0].probability, last.probability);
    // Burying the best item sends it out of a short list; the list stays full.
    let best = before.items[0].index;
    let buried = RecommendOptions {
        k: 5,
        rules: Rules {
            adjust: vec![boost(items(&[best]), -100.0)],
            ..Rules::default()
        },
        ..plain
    };
    let list = r.recommend(&events, &buried).unwrap().items;
    assert_eq!(list.len(), 5);
    assert!(!indices(&list).contains(&best));
    assert_eq!(indices(&list), indices(&before.items[1..6]));
}

#[test]
fn never_show_and_hidden_purchases_leave_the_list_full() {
    let r = recommender(5, false);
    let events = history();
    let open = RecommendOptions {
        k: 8,
        exclude_history: HistoryExclusion::None,
        ..RecommendOptions::default()
    };
    let before = indices(&r.recommend(&events, &open).unwrap().items);
    let rules = Rules {
        never_show: before[..3].to_vec(),
        never_show_categories: vec![1],
        hide_bought: Some(HideBought {
            days: 30.0,
            now_ms: NOW,
        }),
        ..Rules::default()
    };
    let after = indices(
        &r.recommend(
            &events,
            &RecommendOptions {
                rules,
                ..open.clone()
            },
        )
        .unwrap()
        .items,
    );
    assert_eq!(after.len(), 8, "the scan looks past the hidden items");
    for i in &after {
        assert!(!before[..3].contains(i));
        assert_ne!(r.catalog().category(*i as usize), Some(1));
        assert_ne!(*i, 9, "bought 2 days ago");
    }
}

#[test]
fn hide_bought_reads_purchases_in_the_window_only() {
    let r = recommender(5, false);
    let hide = |days| Rules {
        hide_bought: Some(HideBought { days, now_ms: NOW }),
        ..Rules::default()
    };
    let events = vec![
        event(2, EventKind::Purchase, Some(40.0)),
        event(9, EventKind::Purchase, Some(2.0)),
        event(11, EventKind::Purchase, None),
        event(14, EventKind::Purchase, Some(-1.0)),
        event(20, EventKind::View, Some(0.5)),
        event(21, EventKind::Cart, Some(0.5)),
    ];
    let resolved = hide(30.0).resolve(r.catalog(), &events).unwrap();
    // Within 30 days, no timestamp (now), from the future (now); never views or carts.
    assert_eq!(resolved.hidden, [9, 11, 14]);
    let resolved = hide(41.0).resolve(r.catalog(), &events).unwrap();
    assert_eq!(resolved.hidden, [2, 9, 11, 14]);
    // Exactly at the window's edge counts as inside.
    let edge = [event(3, EventKind::Purchase, Some(30.0))];
    assert_eq!(hide(30.0).resolve(r.catalog(), &edge).unwrap().hidden, [3]);
}

#[test]
fn pins_take_their_positions_and_close_up_when_the_list_is_short() {
    let organic: Vec<u32> = vec![10, 11, 12];
    let place = |pins: Vec<(usize, u32)>, k| place_pins(organic.clone(), pins, k);
    assert_eq!(place(vec![(0, 1), (2, 2)], 5), [1, 10, 2, 11, 12]);
    assert_eq!(place(vec![(1, 1)], 2), [10, 1]);
    // Position 7 of a 10-list holding 3 other items: the pin follows the last one.
    assert_eq!(place(vec![(7, 1)], 10), [10, 11, 12, 1]);
    assert_eq!(place(vec![(4, 1), (6, 2)], 10), [10, 11, 12, 1, 2]);
    // Pins in any order go by position.
    assert_eq!(place(vec![(6, 2), (4, 1)], 10), [10, 11, 12, 1, 2]);
    assert_eq!(place(vec![(2, 2), (0, 1)], 4), [1, 10, 2, 11]);
    assert_eq!(place(vec![], 2), [10, 11, 12], "no pins: the list as it is");
}

#[test]
fn pins_respect_filters_never_show_and_k_and_appear_once() {
    let r = recommender(9, false);
    let events = history();
    let base = RecommendOptions {
        k: 6,
        probabilities: true,
        ..RecommendOptions::default()
    };
    let organic = r.recommend(&events, &base).unwrap().items;
    let pin = |item, position| Pin { item, position };
    let with = |rules: Rules| {
        r.recommend(
            &events,
            &RecommendOptions {
                rules,
                ..base.clone()
            },
        )
        .unwrap()
        .items
    };
    // The organic second item pinned first: it moves, it is not repeated.
    let moved = with(Rules {
        pins: vec![pin(organic[1].index, 0)],
        ..Rules::default()
    });
    assert_eq!(moved[0].index, organic[1].index);
    assert_eq!(moved[0].score, organic[1].score);
    assert_eq!(moved[0].probability, organic[1].probability);
    assert_eq!(
        indices(&moved[1..]),
        [0, 2, 3, 4, 5].map(|i| organic[i].index)
    );
    // A pin never shown, out of stock (with availableOnly), in the history, or at k or
    // beyond does not appear; the list keeps its organic items.
    let out_of_stock = 7; // i % 13 == 7
    let hidden = with(Rules {
        pins: vec![pin(33, 0), pin(out_of_stock, 1), pin(4, 2), pin(40, 6)],
        never_show: vec![33],
        ..Rules::default()
    });
    let mut available = base.clone();
    available.filter.available_only = true;
    available.rules = Rules {
        pins: vec![pin(out_of_stock, 1)],
        ..Rules::default()
    };
    assert!(!indices(&r.recommend(&events, &available).unwrap().items).contains(&7));
    assert!(!indices(&hidden).contains(&33));
    assert!(!indices(&hidden).contains(&4), "4 is in the history");
    assert!(!indices(&hidden).contains(&40), "position 6 of a 6-list");
    assert_eq!(
        hidden[1].index, out_of_stock,
        "no availability filter asked"
    );
}

#[test]
fn cold_start_popularity_takes_boosts_and_pins() {
    let r = recommender(13, false);
    let popularity = r.catalog().popularity().unwrap().to_vec();
    let rules = Rules {
        adjust: vec![boost(tags(&["new"]), 3.0)],
        pins: vec![Pin {
            item: 59,
            position: 2,
        }],
        never_show_categories: vec![0],
        ..Rules::default()
    };
    for k in [1, 3, 9] {
        let options = RecommendOptions {
            k,
            rules: rules.clone(),
            ..RecommendOptions::default()
        };
        let got = r.recommend(&[], &options).unwrap();
        assert_eq!(got.strategy, Strategy::Popular);
        let allowed = allowed_by(&r, &FilterSpec::default(), &[], &rules, &[]);
        let want = brute_force(&r, &|i| popularity[i as usize], &allowed, &rules, k);
        assert_eq!(pairs(&got.items), want, "k {k}");
    }
}

#[test]
fn similar_takes_the_rules() {
    let r = recommender(17, false);
    for (s, rules) in rule_sets().into_iter().enumerate() {
        let options = SimilarOptions {
            k: 9,
            rules: rules.clone(),
            history: history(),
            ..SimilarOptions::default()
        };
        let plan = r.plan_similar(8, &options).unwrap();
        let mut plain = plan.clone();
        plain.rules = Default::default();
        let raw = |i: u32| {
            let mut out = [0.0f32];
            plain
                .scoring()
                .score_items(r.catalog(), r.backend(), &[i], &mut out);
            out[0]
        };
        let allowed = allowed_by(&r, &FilterSpec::default(), &[8], &rules, &history());
        let want = brute_force(&r, &raw, &allowed, &rules, 9);
        let got: Vec<(u32, f32)> = r
            .similar(8, &options)
            .unwrap()
            .iter()
            .map(|s| (s.index, s.score))
            .collect();
        assert_eq!(got, want, "rules {s}");
    }
}

#[test]
fn trending_and_together_take_the_rules() {
    let r = recommender(19, false);
    let trending = r.catalog().trending().unwrap().scores.to_vec();
    let together = r.catalog().together().unwrap();
    let cart = [0u32, 1];
    // The cart's summed weights, as `together` defines them.
    let mut sums = vec![None::<f32>; N];
    for &i in &cart {
        let (ids, weights) = together.row(i as usize);
        for (&j, &w) in ids.iter().zip(weights) {
            let slot = &mut sums[j as usize];
            *slot = Some(slot.unwrap_or(0.0) + w);
        }
    }
    for (s, rules) in rule_sets().into_iter().enumerate() {
        let options = PlacementOptions {
            k: 7,
            rules: rules.clone(),
            history: history(),
            ..PlacementOptions::default()
        };
        let allowed = allowed_by(&r, &FilterSpec::default(), &[], &rules, &history());
        let want = brute_force(&r, &|i| trending[i as usize], &allowed, &rules, 7);
        let got: Vec<(u32, f32)> = r
            .trending(&options)
            .unwrap()
            .iter()
            .map(|s| (s.index, s.score))
            .collect();
        assert_eq!(got, want, "trending, rules {s}");

        // Together: only items a cart item names are candidates; pins are shown anyway.
        let allowed = allowed_by(&r, &FilterSpec::default(), &cart, &rules, &history());
        let pinned: Vec<u32> = rules.pins.iter().map(|p| p.item).collect();
        let candidate = |i: u32| allowed(i) && (sums[i as usize].is_some() || pinned.contains(&i));
        let want = brute_force(
            &r,
            &|i| sums[i as usize].unwrap_or(0.0),
            &candidate,
            &rules,
            7,
        );
        let got: Vec<(u32, f32)> = r
            .together(&cart, &options)
            .unwrap()
            .iter()
            .map(|s| (s.index, s.score))
            .collect();
        assert_eq!(got, want, "together, rules {s}");
    }
}

#[test]
fn interleaved_interests_place_the_pins_once() {
    let r = recommender(23, false);
    let events: Vec<Event> = (0..N as u32)
        .step_by(3)
        .map(|i| event(i, EventKind::Purchase, Some(100.0)))
        .collect();
    let options = RecommendOptions {
        k: 8,
        interests: Some(r.interest_labels(&events, &ProfileConfig::default())),
        rules: Rules {
            pins: vec![Pin {
                item: 31,
                position: 0,
            }],
            ..Rules::default()
        },
        ..RecommendOptions::default()
    };
    let list = r.recommend(&events, &options).unwrap().items;
    assert_eq!(list[0].index, 31);
    assert_eq!(list[0].interest, None);
    assert_eq!(list.len(), 8);
    assert_eq!(indices(&list).iter().filter(|&&i| i == 31).count(), 1);
}

fn rejects(r: &Recommender, rules: Rules) -> RecommendError {
    let options = RecommendOptions {
        rules,
        ..RecommendOptions::default()
    };
    r.recommend(&history(), &options).unwrap_err()
}

fn option_name(err: &RecommendError) -> &'static str {
    match err {
        RecommendError::InvalidOption { name, .. } => name,
        other => panic!("not an option error: {other}"),
    }
}

#[test]
fn out_of_range_rules_are_errors_naming_the_field() {
    let r = recommender(1, false);
    let one = |select: Selector, add| Rules {
        adjust: vec![boost(select, add)],
        ..Rules::default()
    };
    for add in [f32::NAN, f32::INFINITY, 2.0e6, -2.0e6] {
        assert_eq!(
            option_name(&rejects(&r, one(categories(&[0]), add))),
            "rules.boosts.add"
        );
    }
    assert_eq!(
        option_name(&rejects(&r, one(Selector::default(), 1.0))),
        "rules.boosts"
    );
    assert_eq!(
        option_name(&rejects(&r, one(price(Some(9.0), Some(3.0)), 1.0))),
        "rules.boosts.price"
    );
    assert_eq!(
        option_name(&rejects(&r, one(price(Some(f32::NAN), None), 1.0))),
        "rules.boosts.price"
    );
    assert_eq!(
        option_name(&rejects(&r, one(categories(&[7]), 1.0))),
        "rules.boosts.categories"
    );
    let many = Rules {
        adjust: vec![boost(categories(&[0]), 1.0); MAX_ADJUSTMENTS + 1],
        ..Rules::default()
    };
    assert_eq!(option_name(&rejects(&r, many)), "rules.boosts");
    let pins = |pins: Vec<(u32, usize)>| Rules {
        pins: pins
            .into_iter()
            .map(|(item, position)| Pin { item, position })
            .collect(),
        ..Rules::default()
    };
    let err = rejects(&r, pins(vec![(1, 0), (2, 0)]));
    assert_eq!(option_name(&err), "rules.pins.position");
    assert!(err.to_string().contains("pins 0 and 1"), "{err}");
    assert_eq!(
        option_name(&rejects(&r, pins(vec![(1, 0), (1, 3)]))),
        "rules.pins.id"
    );
    assert_eq!(
        option_name(&rejects(&r, pins(vec![(1, MAX_K)]))),
        "rules.pins.position"
    );
    assert_eq!(
        option_name(&rejects(
            &r,
            pins((0..=MAX_PINS as u32).map(|i| (i, i as usize)).collect())
        )),
        "rules.pins"
    );
    assert!(matches!(
        rejects(&r, pins(vec![(N as u32, 0)])),
        RecommendError::UnknownItem(_)
    ));
    for days in [0.0, -1.0, f64::NAN, MAX_HIDE_DAYS + 1.0] {
        let rules = Rules {
            hide_bought: Some(HideBought { days, now_ms: NOW }),
            ..Rules::default()
        };
        assert_eq!(option_name(&rejects(&r, rules)), "rules.hideBoughtDays");
    }
    let never = Rules {
        never_show: vec![N as u32],
        ..Rules::default()
    };
    assert!(matches!(rejects(&r, never), RecommendError::UnknownItem(_)));
    // Errors on every list kind, not just `recommend`.
    let bad = one(Selector::default(), 1.0);
    assert!(r
        .trending(&PlacementOptions {
            rules: bad.clone(),
            ..PlacementOptions::default()
        })
        .is_err());
    assert!(r
        .similar(
            0,
            &SimilarOptions {
                rules: bad,
                ..SimilarOptions::default()
            }
        )
        .is_err());
}

#[test]
fn rules_on_columns_the_catalog_lacks_are_errors() {
    let mut builder = CatalogBuilder::new(2);
    for i in 0..4 {
        builder
            .push(ItemRecord::new(format!("x{i}")), &[1.0, i as f32])
            .unwrap();
    }
    let bare = Recommender::new(Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap())
        .with_backend(Backend::Scalar);
    let missing = |select: Selector| {
        let options = RecommendOptions {
            rules: Rules {
                adjust: vec![boost(select, 1.0)],
                ..Rules::default()
            },
            ..RecommendOptions::default()
        };
        bare.recommend(&[], &options).unwrap_err()
    };
    assert_eq!(
        missing(tags(&["sale"])),
        RecommendError::MissingColumn("tags")
    );
    assert_eq!(
        missing(price(None, Some(3.0))),
        RecommendError::MissingColumn("prices")
    );
    assert_eq!(
        missing(categories(&[0])),
        RecommendError::MissingColumn("categories")
    );
    // Ids need no column.
    let ok = RecommendOptions {
        rules: Rules {
            adjust: vec![boost(items(&[3]), 10.0)],
            ..Rules::default()
        },
        ..RecommendOptions::default()
    };
    assert_eq!(bare.recommend(&[], &ok).unwrap().items[0].index, 3);
}
