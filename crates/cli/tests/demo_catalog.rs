//! `shopwindow demo-catalog`: the synthetic storefront is deterministic, looks like a shop,
//! and its trained catalog recommends like one.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use shopwindow::{Catalog, Event, EventKind, RecommendOptions, Recommender, SimilarOptions};
use shopwindow_cli::progress::Progress;
use shopwindow_cli::storefront::{demo_catalog, StorefrontConfig, CATEGORIES};

/// The default demo catalog (without the held-out check), built once for these tests.
fn default_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let config = StorefrontConfig {
            eval_shoppers: 0,
            ..StorefrontConfig::default()
        };
        demo_catalog(&config, &Progress::hidden()).unwrap().bytes
    })
}

fn recommender() -> Recommender {
    Recommender::new(Catalog::from_bytes(default_bytes().to_vec()).unwrap())
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    // A smaller shop keeps this quick; the default one is compared with itself below.
    let config = StorefrontConfig {
        items: 600,
        shoppers: 3000,
        eval_shoppers: 0,
        ..StorefrontConfig::default()
    };
    let progress = Progress::hidden();
    let a = demo_catalog(&config, &progress).unwrap().bytes;
    let b = demo_catalog(&config, &progress).unwrap().bytes;
    // Byte for byte, header included: the writer orders `__metadata__` by key.
    assert!(a == b, "two runs with the same seed differ");
    let other = StorefrontConfig { seed: 8, ..config };
    assert!(demo_catalog(&other, &progress).unwrap().bytes != a);

    let again = StorefrontConfig {
        eval_shoppers: 0,
        ..StorefrontConfig::default()
    };
    assert!(demo_catalog(&again, &progress).unwrap().bytes == default_bytes());
}

#[test]
fn the_command_writes_a_shop_and_reports_that_ials_beats_popularity() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.safetensors");
    let output = common::shopwindow(&["-q", "demo-catalog", "--output", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", common::text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);

    // "held-out recall@10 (...): iALS 0.1824, popularity 0.0206"
    let line = stdout
        .lines()
        .find(|l| l.starts_with("held-out recall@10"))
        .unwrap_or_else(|| panic!("no quality line: {}", common::text(&output)));
    let number = |name: &str| -> f64 {
        let rest = &line[line.find(name).unwrap() + name.len()..];
        rest.trim_start()
            .split(|c: char| c == ',' || c.is_whitespace())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (ials, popularity) = (number("iALS"), number("popularity"));
    assert!(
        ials > 2.0 * popularity && ials > 0.1,
        "iALS {ials} vs popularity {popularity}"
    );

    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes == default_bytes(),
        "the command and the library differ"
    );
    let catalog = Catalog::from_bytes(bytes).unwrap();
    assert_eq!(catalog.len(), 3000);
    assert_eq!(catalog.dim(), 64);
    assert_eq!(catalog.category_count(), CATEGORIES.len());
    let titles: HashSet<&str> = (0..catalog.len())
        .map(|i| catalog.title(i).unwrap())
        .collect();
    assert_eq!(titles.len(), 3000, "titles are unique");
    let prices = catalog.prices().unwrap();
    assert!(prices.iter().all(|&p| (3.0..=250.0).contains(&p)));
    let in_stock = catalog
        .availability()
        .unwrap()
        .iter()
        .filter(|&&a| a != 0)
        .count();
    assert!((2750..=2925).contains(&in_stock), "{in_stock} in stock");
    let popularity = catalog.popularity().unwrap();
    assert!(popularity.iter().all(|&p| p > 0.0), "every item was seen");
    // Out-of-stock items are slow sellers: each category's bestsellers (the demo's first
    // products) can be bought.
    let available = catalog.availability().unwrap();
    for c in 0..catalog.category_count() as u32 {
        let mut items: Vec<usize> = (0..catalog.len())
            .filter(|&i| catalog.category(i) == Some(c))
            .collect();
        items.sort_by(|&a, &b| popularity[b].total_cmp(&popularity[a]));
        assert!(
            items[..12].iter().all(|&i| available[i] != 0),
            "a bestseller of {} is out of stock",
            catalog.category_name(c).unwrap()
        );
    }
    // Every picture is one of the demo's own.
    let img = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/demo");
    for i in 0..catalog.len() {
        let url = catalog.image_url(i).unwrap();
        assert!(img.join(url).is_file(), "{url} is not in www/demo");
    }
    assert_eq!(catalog.id(0), "KIT-0001");
}

#[test]
fn a_shopper_browsing_one_category_is_recommended_that_category() {
    let recommender = recommender();
    let catalog = recommender.catalog();
    for c in 0..catalog.category_count() as u32 {
        let items: Vec<u32> = (0..catalog.len() as u32)
            .filter(|&i| catalog.category(i as usize) == Some(c))
            .collect();
        // Three views, as a shopper clicking through a category page (the browser's weights).
        let history: Vec<Event> = items[..3]
            .iter()
            .map(|&item| Event {
                item,
                kind: EventKind::View,
                timestamp_ms: None,
            })
            .collect();
        let options = RecommendOptions {
            k: 10,
            ..RecommendOptions::default()
        };
        let result = recommender.recommend(&history, &options).unwrap();
        let same = result
            .items
            .iter()
            .filter(|r| catalog.category(r.index as usize) == Some(c))
            .count();
        let name = catalog.category_name(c).unwrap();
        assert!(same >= 8, "{same} of 10 recommendations are in {name}");

        // Similar items share the category.
        let similar = recommender
            .similar(items[0], &SimilarOptions::default())
            .unwrap();
        let same = similar
            .iter()
            .filter(|r| catalog.category(r.index as usize) == Some(c))
            .count();
        assert!(
            same >= 8,
            "{same} of 10 items similar to one in {name} share it"
        );
    }
}

#[test]
fn the_demo_catalog_ships_segments_a_badge_can_show() {
    let catalog = recommender().catalog().segments().map(|s| {
        (0..s.len())
            .map(|i| {
                (
                    s.label(i).to_string(),
                    s.sizes()[i],
                    s.top_categories(i).len(),
                )
            })
            .collect::<Vec<_>>()
    });
    let segments = catalog.expect("the demo catalog has segments");
    assert_eq!(segments.len(), 8, "{segments:?}");
    let labels: HashSet<&str> = segments.iter().map(|(l, _, _)| l.as_str()).collect();
    assert_eq!(
        labels.len(),
        segments.len(),
        "labels are distinct: {segments:?}"
    );
    for (label, size, top) in &segments {
        assert!(*size >= 50, "{label}: {size}");
        assert_eq!(*top, 3);
        // Labels are made of the shop's department names.
        let first = label.split(" · ").next().unwrap();
        assert!(CATEGORIES.iter().any(|c| c.name == first), "{label}");
    }
    assert!(recommender().catalog().rfm_thresholds().is_some());
}
