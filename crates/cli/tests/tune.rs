//! `shopwindow train` with no hyper-parameter flags: the self-tuning path end to end, from
//! a small synthetic purchase log to a hybrid catalog the core reads and `inspect` reports.

mod common;

use std::fmt::Write as _;

use shopwindow::rng::SplitMix64;
use shopwindow::{Catalog, Event, EventKind, ProfileConfig, RecommendOptions, Recommender};

/// 400 customers in four taste clusters of 15 products each, buying on 20 days: enough
/// for a temporal validation split with a few hundred evaluated customers.
fn purchase_log() -> String {
    let mut rng = SplitMix64::new(11);
    let mut text = String::from("user,item,weight,timestamp\n");
    for u in 0..400 {
        let cluster = u % 4;
        for n in 0..8 {
            let item = cluster * 15 + (rng.next_u64() % 15) as usize;
            let day = 1 + (n * 5 + u) % 20;
            let _ = writeln!(text, "c{u},p{item},1,2024-03-{day:02} 12:00");
        }
    }
    text
}

fn train(events: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    train_with(events, out, &[])
}

fn train_with(
    events: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "-q",
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--tune-budget",
        "3",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::shopwindow(&args)
}

#[test]
fn train_without_flags_tunes_and_ships_the_choice_in_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &purchase_log());
    let out = dir.path().join("catalog.safetensors");
    let run = train(&events, &out);
    assert!(run.status.success(), "{}", common::text(&run));
    let printed = common::text(&run);
    assert!(printed.contains("validation"), "{printed}");
    assert!(printed.contains("popularity"), "{printed}");

    let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(catalog.len(), 60);
    let hybrid = catalog.hybrid().expect("a tuned catalog carries its blend");
    let report: Vec<(&str, &str)> = catalog.tune_report().collect();
    let winner = report
        .iter()
        .find(|(k, _)| *k == "tune.winner")
        .map(|(_, v)| *v)
        .expect("tune.winner is written");
    // Four clean clusters: a personal model must beat the bestseller list here.
    assert_ne!(winner, "popularity", "{printed}");
    if winner == "hybrid" || winner.starts_with("neighbours") {
        assert!(hybrid.neighbours.is_some());
    }

    // The device's answer for a shopper of cluster 2 stays in cluster 2.
    let recommender = Recommender::new(catalog);
    let item = recommender.catalog().index_of("p31").unwrap();
    let history = [Event {
        item,
        kind: EventKind::Purchase,
        timestamp_ms: None,
    }];
    let list = recommender
        .recommend(
            &history,
            &RecommendOptions {
                k: 5,
                profile: ProfileConfig::default(),
                ..RecommendOptions::default()
            },
        )
        .unwrap();
    for r in &list.items {
        let id = recommender.catalog().id(r.index as usize);
        let number: usize = id[1..].parse().unwrap();
        assert_eq!(
            number / 15,
            2,
            "{id} for a cluster-2 shopper: {:?}",
            list.items
        );
    }

    let inspect = common::shopwindow(&["inspect", out.to_str().unwrap()]);
    let shown = common::text(&inspect);
    assert!(inspect.status.success(), "{shown}");
    assert!(shown.contains("hybrid: vectors"), "{shown}");
    assert!(shown.contains("tune.winner"), "{shown}");
}

#[test]
fn the_same_data_and_seed_tune_to_the_same_choice() {
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &purchase_log());
    let first = dir.path().join("a.safetensors");
    let second = dir.path().join("b.safetensors");
    let mut printed = Vec::new();
    for out in [&first, &second] {
        let run = train(&events, out);
        assert!(run.status.success(), "{}", common::text(&run));
        printed.push(common::text(&run));
    }
    let report = |path: &std::path::Path| {
        let catalog = Catalog::from_bytes(std::fs::read(path).unwrap()).unwrap();
        let choice: Vec<(String, String)> = catalog
            .tune_report()
            .filter(|(k, _)| matches!(*k, "tune.winner" | "tune.als" | "tune.neighbours"))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (choice, catalog.hybrid().map(|h| h.params))
    };
    assert_eq!(
        report(&first),
        report(&second),
        "first run:\n{}\nsecond run:\n{}",
        printed[0],
        printed[1]
    );
}

/// A store whose full EASE inverse would not fit the bound still gets EASE's regression,
/// solved per product on its strongest co-buys; where it fits, both are candidates.
#[test]
fn over_the_ease_memory_bound_the_neighbours_come_from_local_ease() {
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &purchase_log());
    let out = dir.path().join("catalog.safetensors");

    let run = train_with(&events, &out, &["--tune-ease-memory", "0"]);
    let printed = common::text(&run);
    assert!(run.status.success(), "{printed}");
    assert!(
        printed.contains("full EASE skipped for 60 items"),
        "{printed}"
    );
    assert!(!printed.contains("EASE full"), "{printed}");
    assert!(
        printed.contains("local EASE top-10 neighbours"),
        "{printed}"
    );
    let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    let neighbours = catalog
        .tune_report()
        .find(|(k, _)| *k == "tune.neighbours")
        .map(|(_, v)| v.to_string())
        .expect("tune.neighbours is written");
    // "none" when the winner carries no neighbour table (iALS + popularity).
    assert!(
        neighbours == "none" || neighbours.contains("local-ease") || neighbours.contains("rp3beta"),
        "{neighbours}"
    );

    let run = train(&events, &out);
    let printed = common::text(&run);
    assert!(run.status.success(), "{printed}");
    assert!(printed.contains("EASE full"), "{printed}");
    assert!(!printed.contains("full EASE skipped"), "{printed}");
}

/// A season that turns: 600 customers buy staples in the log's first ten days, 300 of them
/// then buy new products in its last week. The tuner counts popularity with a half-life
/// there, and `train` says how often such a catalog must be rebuilt; with all-time counts
/// it has nothing to say.
#[test]
fn a_catalog_whose_popularity_forgets_says_how_often_to_rebuild_it() {
    const START: i64 = 1_700_000_000;
    const DAY: i64 = 86_400;
    let mut text = String::from("user,item,weight,timestamp\n");
    for u in 0..600 {
        for j in 0..3 {
            let staple = (u * 7 + j * 11) % 30;
            let _ = writeln!(text, "u{u},s{staple},1,{}", START + (u % 10) * DAY);
        }
    }
    for u in 0..300 {
        for j in 0..4 {
            let day = if j < 2 { 95 + j } else { 100 + j };
            let product = (u + j * 7) % 30;
            let _ = writeln!(text, "u{u},n{product},1,{}", START + day * DAY);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "season.csv", &text);
    let out = dir.path().join("catalog.safetensors");

    let run = train(&events, &out);
    let printed = common::text(&run);
    assert!(run.status.success(), "{printed}");
    assert!(
        printed.contains("recent popularity (half-life"),
        "{printed}"
    );
    assert!(
        printed.contains("note: the catalog's popularity halves with every"),
        "{printed}"
    );
    assert!(printed.contains("so rebuild the catalog"), "{printed}");
    assert!(printed.contains("--tune-popularity all-time"), "{printed}");

    let run = train_with(&events, &out, &["--tune-popularity", "all-time"]);
    let printed = common::text(&run);
    assert!(run.status.success(), "{printed}");
    assert!(
        !printed.contains("note: the catalog's popularity"),
        "{printed}"
    );
}

#[test]
fn a_log_too_small_to_tune_on_still_gets_a_catalog_with_the_fixed_settings() {
    let dir = tempfile::tempdir().unwrap();
    // Three customers, one day: no customer has a later basket to hold out.
    let log = "user,item,weight,timestamp\nu1,a,1,2024-01-01\nu1,b,1,2024-01-01\n\
               u2,a,1,2024-01-01\nu2,c,1,2024-01-01\nu3,b,1,2024-01-01\n";
    let events = common::write(dir.path(), "events.csv", log);
    let out = dir.path().join("catalog.safetensors");
    let run = train(&events, &out);
    let printed = common::text(&run);
    assert!(run.status.success(), "{printed}");
    assert!(printed.contains("too little data to tune on"), "{printed}");
    assert!(printed.contains("fixed defaults"), "{printed}");
    let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(catalog.len(), 3);
    assert!(
        !catalog
            .meta()
            .extra
            .keys()
            .any(|key| key.starts_with("tune.")),
        "a catalog that was not tuned records no tuning: {:?}",
        catalog.meta().extra.keys().collect::<Vec<_>>()
    );

    // `eval` still says why it cannot tune: one customer to test, none left to validate.
    let log = "user,item,weight,timestamp\nu1,a,1,2024-01-01\nu1,b,1,2024-01-02\n\
               u2,a,1,2024-01-01\nu2,c,1,2024-01-02\nu3,b,1,2024-01-01\n";
    let events = common::write(dir.path(), "two-days.csv", log);
    let eval = common::shopwindow(&[
        "-q",
        "eval",
        "--interactions",
        events.to_str().unwrap(),
        "--test-from",
        "last-basket",
        "--models",
        "tuned",
    ]);
    assert!(!eval.status.success());
    assert!(common::text(&eval).contains("too little data to tune on"));
}
