//! `shopwindow segments` and `train --segments` end to end on a generated log with four
//! taste groups: segments ship with labels, sizes at least the minimum, RFM thresholds,
//! and a shopper's history lands in the segment of its group.

mod common;

use std::fmt::Write as _;

use shopwindow::segment::RandomSource;
use shopwindow::segment::SplitMix64;
use shopwindow::{Catalog, Event, EventKind, ProfileConfig, Recommender};

/// 160 customers in four groups of 40, each buying from its group's 10 products over
/// several days; group g buys products in category "group g".
fn purchase_log() -> String {
    let mut rng = SplitMix64::new(5);
    let mut text = String::from("customer_id,sku,qty,time\n");
    for u in 0..160 {
        let group = u % 4;
        for n in 0..8 {
            let item = group * 10 + rng.below(10);
            let day = 1 + (n + u) % 20;
            let _ = writeln!(text, "c{u},p{item},1,2024-03-{day:02} 12:00");
        }
    }
    text
}

fn items_csv() -> String {
    let mut text = String::from("id,title,category,price\n");
    for i in 0..40 {
        let _ = writeln!(text, "p{i},Product {i},group {},{}.0", i / 10, 1 + i);
    }
    text
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        let dir = tempfile::tempdir().unwrap();
        common::write(dir.path(), "events.csv", &purchase_log());
        common::write(dir.path(), "items.csv", &items_csv());
        Files { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    fn train(&self, extra: &[&str]) -> std::process::Output {
        let (events, items, out) = (
            self.path("events.csv"),
            self.path("items.csv"),
            self.path("catalog.safetensors"),
        );
        let mut args = vec![
            "-q",
            "train",
            "--interactions",
            &events,
            "--items",
            &items,
            "--factors",
            "8",
            "--iterations",
            "8",
            "--regularization",
            "1",
            "-o",
            &out,
        ];
        args.extend_from_slice(extra);
        common::shopwindow(&args)
    }
}

fn load(path: &str) -> Catalog {
    Catalog::from_bytes(std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn train_with_segments_ships_labelled_segments_no_smaller_than_the_minimum() {
    let files = Files::new();
    let run = files.train(&["--segments", "4", "--min-segment-size", "30"]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = load(&files.path("catalog.safetensors"));
    let segments = catalog.segments().expect("segments ship");
    let sizes = segments.sizes();
    assert!(sizes.iter().all(|&s| s >= 30), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<u32>(), 160);
    // Each label names the group its customers buy from.
    for s in 0..segments.len() {
        assert!(
            segments.label(s).starts_with("group "),
            "{}",
            segments.label(s)
        );
        assert_eq!(segments.top_categories(s).len(), 3);
    }
    assert!(catalog.rfm_thresholds().is_some());

    // A shopper who buys group 2's products is in the segment labelled "group 2".
    let recommender = Recommender::new(catalog);
    let catalog = recommender.catalog();
    let history: Vec<Event> = ["p20", "p23", "p27"]
        .iter()
        .map(|id| Event {
            item: catalog.index_of(id).unwrap(),
            kind: EventKind::Purchase,
            timestamp_ms: None,
        })
        .collect();
    let got = recommender
        .segment(&history, &ProfileConfig::default(), 0.0)
        .unwrap();
    let segment = got.segment.unwrap().segment as usize;
    assert!(
        catalog
            .segments()
            .unwrap()
            .label(segment)
            .starts_with("group 2"),
        "{}",
        catalog.segments().unwrap().label(segment)
    );
}

#[test]
fn segments_command_adds_segments_to_a_trained_catalog() {
    let files = Files::new();
    let run = files.train(&[]);
    assert!(run.status.success(), "{}", common::text(&run));
    assert!(load(&files.path("catalog.safetensors"))
        .segments()
        .is_none());
    let (catalog, events, out, npy) = (
        files.path("catalog.safetensors"),
        files.path("events.csv"),
        files.path("segmented.safetensors"),
        files.path("points.npy"),
    );
    let run = common::shopwindow(&[
        "-q",
        "segments",
        "--catalog",
        &catalog,
        "--interactions",
        &events,
        "--k",
        "6",
        "--min-segment-size",
        "25",
        "--export-points",
        &npy,
        "-o",
        &out,
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("silhouette") && stdout.contains("Champions"),
        "{stdout}"
    );
    let segmented = load(&out);
    let sizes = segmented.segments().unwrap().sizes().to_vec();
    assert!(sizes.iter().all(|&s| s >= 25), "{sizes:?}");
    // The vectors and everything else are unchanged.
    let plain = load(&catalog);
    assert_eq!(segmented.row(3), plain.row(3));
    assert_eq!(segmented.meta(), plain.meta());
    // 160 unit vectors of dimension 8 as float32 .npy.
    let npy = std::fs::read(&npy).unwrap();
    assert_eq!(&npy[..6], b"\x93NUMPY");
    assert!(npy.len() > 160 * 8 * 4);
}

#[test]
fn a_minimum_larger_than_the_customer_base_is_refused() {
    let files = Files::new();
    let run = files.train(&["--segments", "4", "--min-segment-size", "500"]);
    assert!(!run.status.success());
    assert!(
        common::text(&run).contains("--min-segment-size 500"),
        "{}",
        common::text(&run)
    );
}

#[test]
fn with_rfm_segments_reload_with_d_plus_3_centroids_and_assign_a_shopper() {
    let files = Files::new();
    let run = files.train(&[]);
    assert!(run.status.success(), "{}", common::text(&run));
    let (catalog, events, out) = (
        files.path("catalog.safetensors"),
        files.path("events.csv"),
        files.path("rfm.safetensors"),
    );
    let segments_run = |extra: &[&str]| {
        let mut args = vec![
            "-q",
            "segments",
            "--catalog",
            &catalog,
            "--interactions",
            &events,
            "--k",
            "4",
            "--min-segment-size",
            "25",
            "-o",
            &out,
        ];
        args.extend_from_slice(extra);
        common::shopwindow(&args)
    };
    // The weight alone is refused: it means nothing without --with-rfm.
    let run = segments_run(&["--rfm-weight", "0.4"]);
    assert!(!run.status.success());
    assert!(
        common::text(&run).contains("--with-rfm"),
        "{}",
        common::text(&run)
    );

    let run = segments_run(&["--with-rfm", "--rfm-weight", "0.4"]);
    assert!(run.status.success(), "{}", common::text(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("RFM features of weight 0.4"), "{stdout}");
    let segmented = load(&out);
    let segments = segmented.segments().unwrap();
    assert_eq!(segments.rfm_weight(), Some(0.4));
    assert_eq!(segments.point_dim(), 8 + 3);
    assert_eq!(segments.centroids().len(), segments.len() * 11);
    assert!(segmented.rfm_thresholds().is_some());

    // A group-2 buyer gets a segment of group-2 buyers, with RFM scores in the point.
    let recommender = Recommender::new(segmented);
    let catalog = recommender.catalog();
    const DAY: f64 = 86_400_000.0;
    let march_10 = 19_792.0 * DAY; // 2024-03-10
    let history: Vec<Event> = ["p20", "p23", "p27"]
        .iter()
        .enumerate()
        .map(|(n, id)| Event {
            item: catalog.index_of(id).unwrap(),
            kind: EventKind::Purchase,
            timestamp_ms: Some(march_10 + n as f64 * DAY),
        })
        .collect();
    let got = recommender
        .segment(&history, &ProfileConfig::default(), march_10 + 11.0 * DAY)
        .unwrap();
    assert!(got.rfm.is_some());
    let assigned = got.segment.unwrap();
    let total: f32 = assigned.membership.iter().sum();
    assert!((total - 1.0).abs() < 1e-5, "{:?}", assigned.membership);
    let label = catalog.segments().unwrap().label(assigned.segment as usize);
    assert!(label.starts_with("group 2"), "{label}");
}

#[test]
fn train_with_segments_can_use_rfm_features() {
    let files = Files::new();
    let run = files.train(&["--segments", "4", "--min-segment-size", "30", "--with-rfm"]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = load(&files.path("catalog.safetensors"));
    let segments = catalog.segments().expect("segments ship");
    assert_eq!(segments.rfm_weight(), Some(0.5));
    assert_eq!(segments.point_dim(), 8 + 3);
    assert!(segments.sizes().iter().all(|&s| s >= 30));
}

#[test]
fn train_with_rfm_but_no_segments_is_refused() {
    let files = Files::new();
    let run = files.train(&["--with-rfm"]);
    assert!(!run.status.success());
    assert!(
        common::text(&run).contains("give --segments K"),
        "{}",
        common::text(&run)
    );
}
