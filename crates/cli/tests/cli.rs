//! The binary end to end on small generated files: train, inspect, errors, and the golden
//! files for the browser's equivalence test.

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use shopwindow::{Catalog, Event, EventKind, Recommender};
use shopwindow_cli::als::SplitMix64;
use shopwindow_cli::eval::core_ranker::CoreRanker;

/// A timestamped purchase log with taste clusters: 120 users over 40 items, ten days.
fn purchase_log() -> String {
    let mut rng = SplitMix64::new(11);
    let mut text = String::from("customer_id,sku,qty,time\n");
    for u in 0..120 {
        let cluster = u % 4;
        for n in 0..10 {
            let item = cluster * 10 + (rng.next_u64() % 10) as usize;
            let day = 1 + (n % 10);
            let _ = writeln!(text, "c{u},p{item},1,2024-03-{day:02} 12:00");
        }
    }
    text
}

fn items_csv() -> String {
    let mut text = String::from("id,title,category,price,available\n");
    for i in 0..40 {
        let _ = writeln!(
            text,
            "p{i},Product {i},group {},{}.5,{}",
            i / 10,
            i,
            i % 7 != 0
        );
    }
    text
}

/// Products named after their taste cluster (p0..p39 bought; n0..n3 new, one per cluster).
fn items_with_new_products() -> String {
    const WORDS: [&str; 4] = [
        "garden trowel",
        "kitchen knife",
        "wooden toy",
        "poetry book",
    ];
    let mut text = String::from("id,title,description,brand,category\n");
    for i in 0..40 {
        let c = i / 10;
        let _ = writeln!(
            text,
            "p{i},{} {i},A {} for you,Brand{c},group {c}",
            WORDS[c], WORDS[c]
        );
    }
    for (c, word) in WORDS.iter().enumerate() {
        let _ = writeln!(text, "n{c},new {word},A {word} for you,Brand{c},group {c}");
    }
    text
}

/// Trains on the purchase log with `extra` flags; the catalog and `inspect`'s report.
fn train_with_new_products(extra: &[&str]) -> (Catalog, String) {
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &purchase_log());
    let items = common::write(dir.path(), "items.csv", &items_with_new_products());
    let out = dir.path().join("catalog.safetensors");
    let mut args = vec![
        "-q",
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--items",
        items.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = common::shopwindow(&args);
    assert!(run.status.success(), "{}", common::text(&run));
    let inspect = common::shopwindow(&["inspect", out.to_str().unwrap()]);
    assert!(inspect.status.success(), "{}", common::text(&inspect));
    let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    (catalog, common::text(&inspect))
}

#[test]
fn items_without_interactions_get_content_vectors() {
    for flags in [
        &["--factors", "8", "--iterations", "8"][..],
        &["--tune-budget", "2"][..],
    ] {
        let (catalog, inspect) = train_with_new_products(flags);
        assert_eq!(catalog.len(), 44, "{flags:?}");
        assert_eq!(catalog.content_derived_items(), 4);
        assert!(
            inspect.contains("content-derived vectors: 4 of 44"),
            "{inspect}"
        );
        for c in 0..4 {
            assert_eq!(catalog.id(40 + c), format!("n{c}"), "the last items");
            assert_eq!(catalog.popularity().unwrap()[40 + c], 0.0);
        }
        // A shopper of cluster 2 ranks the new cluster-2 product first among the new ones
        // (when the catalog ranks by vectors at all: the tuner may ship popularity).
        if catalog.hybrid().is_some_and(|h| !h.params.vectors) {
            continue;
        }
        let recommender = Recommender::new(catalog);
        let history = [Event {
            item: recommender.catalog().index_of("p23").unwrap(),
            kind: EventKind::Purchase,
            timestamp_ms: None,
        }];
        let options = shopwindow::RecommendOptions {
            k: 44,
            ..Default::default()
        };
        // "Similar items" of a new product: bought products of its family.
        let n2 = recommender.catalog().index_of("n2").unwrap();
        let similar = recommender
            .similar(n2, &shopwindow::SimilarOptions::default())
            .unwrap();
        let nearest = similar
            .iter()
            .map(|r| recommender.catalog().id(r.index as usize))
            .find(|id| id.starts_with('p'));
        assert!(
            nearest.is_some_and(|id| id.starts_with("p2") && id.len() == 3),
            "{nearest:?}"
        );
        let list = recommender.recommend(&history, &options).unwrap();
        let first_new = list
            .items
            .iter()
            .map(|r| recommender.catalog().id(r.index as usize))
            .find(|id| id.starts_with('n'));
        assert_eq!(first_new, Some("n2"), "{flags:?}");
    }
    let (catalog, inspect) =
        train_with_new_products(&["--factors", "8", "--iterations", "8", "--no-content"]);
    assert_eq!(catalog.len(), 40);
    assert_eq!(catalog.content_derived_items(), 0);
    assert!(!inspect.contains("content-derived"), "{inspect}");

    let run = common::shopwindow(&[
        "train",
        "--interactions",
        "x.csv",
        "--content-scale",
        "0",
        "-o",
        "y",
    ]);
    assert!(!run.status.success());
    assert!(
        common::text(&run).contains("--content-scale"),
        "{}",
        common::text(&run)
    );
}

#[test]
fn content_scale_is_chosen_on_the_data_by_default_and_recorded() {
    let meta = |catalog: &Catalog, key: &str| catalog.meta().extra.get(key).cloned();
    let flags = ["--factors", "8", "--iterations", "8", "--seed", "3"];
    let (first, inspect) = train_with_new_products(&flags);
    let (again, _) = train_with_new_products(&flags);
    let scale = meta(&first, "content.scale").expect("content.scale recorded");
    let rule = meta(&first, "content.scale_rule").expect("content.scale_rule recorded");
    assert!(
        rule.starts_with("auto:") && rule.contains("seed 3"),
        "{rule}"
    );
    let grid = shopwindow_cli::content::scale::GRID;
    assert!(grid.iter().any(|g| g.to_string() == scale), "{scale}");
    // The same seed, the same choice.
    assert_eq!(meta(&again, "content.scale"), Some(scale.clone()));
    assert_eq!(meta(&again, "content.scale_rule"), Some(rule));
    assert!(
        inspect.contains(&format!("content exposure scale: {scale} (auto:")),
        "{inspect}"
    );
    // A number is used as is.
    let mut given = flags.to_vec();
    given.extend(["--content-scale", "0.5"]);
    let (catalog, inspect) = train_with_new_products(&given);
    assert_eq!(meta(&catalog, "content.scale").as_deref(), Some("0.5"));
    assert!(
        inspect.contains("content exposure scale: 0.5 (given: --content-scale 0.5)"),
        "{inspect}"
    );
}

#[test]
fn given_content_vectors_place_new_products_without_text() {
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &purchase_log());
    // Ids only: the new products' content is the embedding file alone.
    let mut items = String::from("id\n");
    let mut vectors = String::new();
    for i in 0..44 {
        let (id, cluster) = if i < 40 {
            (format!("p{i}"), i / 10)
        } else {
            (format!("n{}", i - 40), i - 40)
        };
        let _ = writeln!(items, "{id}");
        let mut v = [0.0f32; 5];
        v[cluster] = 1.0;
        v[4] = (i % 3) as f32 * 0.2;
        let _ = writeln!(vectors, "{id},{},{},{},{},{}", v[0], v[1], v[2], v[3], v[4]);
    }
    let items = common::write(dir.path(), "items.csv", &items);
    let vectors = common::write(dir.path(), "embeddings.csv", &vectors);
    let out = dir.path().join("catalog.safetensors");
    let run = common::shopwindow(&[
        "-q",
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--items",
        items.to_str().unwrap(),
        "--content-vectors",
        vectors.to_str().unwrap(),
        "--factors",
        "8",
        "--iterations",
        "8",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(catalog.content_derived_items(), 4);
    assert_eq!(
        catalog
            .meta()
            .extra
            .get("content.given_vectors")
            .map(String::as_str),
        Some("44")
    );
    let recommender = Recommender::new(catalog);
    let history = [Event {
        item: recommender.catalog().index_of("p31").unwrap(),
        kind: EventKind::Purchase,
        timestamp_ms: None,
    }];
    let options = shopwindow::RecommendOptions {
        k: 44,
        ..Default::default()
    };
    let list = recommender.recommend(&history, &options).unwrap();
    let first_new = list
        .items
        .iter()
        .map(|r| recommender.catalog().id(r.index as usize))
        .find(|id| id.starts_with('n'));
    assert_eq!(first_new, Some("n3"));

    // An .npy has no ids: the error says what to pass.
    let npy = dir.path().join("e.npy");
    std::fs::write(&npy, b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }                                                            \n\x00\x00\x80\x3f\x00\x00\x80\x3f").unwrap();
    let run = common::shopwindow(&[
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--content-vectors",
        npy.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(
        common::text(&run).contains("--content-vector-ids"),
        "{}",
        common::text(&run)
    );

    // A vector for a product neither bought nor in the items file: the file, its row and
    // the id, instead of a vector silently dropped.
    let stray = common::write(dir.path(), "stray.csv", "p0,1,0\nP-1,0,1\n");
    let run = common::shopwindow(&[
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--items",
        items.to_str().unwrap(),
        "--content-vectors",
        stray.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let text = common::text(&run);
    assert!(
        text.contains("stray.csv: row 2 names item \"P-1\", which is not a product of the interactions or of the items file"),
        "{text}"
    );
}

#[test]
fn eval_cold_start_scores_new_and_hidden_products() {
    let dir = tempfile::tempdir().unwrap();
    // The purchase log (March 1-10), plus each customer buying their cluster's new
    // product on March 11, after the test period starts.
    let mut log = purchase_log();
    for u in 0..120 {
        let _ = writeln!(log, "c{u},n{},1,2024-03-11 12:00", u % 4);
    }
    let events = common::write(dir.path(), "events.csv", &log);
    let items = common::write(dir.path(), "items.csv", &items_with_new_products());
    let run = common::shopwindow(&[
        "-q",
        "eval",
        "--interactions",
        events.to_str().unwrap(),
        "--test-from",
        "2024-03-08",
        "--items",
        items.to_str().unwrap(),
        "--cold-start",
        "--hide-items",
        "0.2",
        "--k",
        "1",
        "--factors",
        "8",
        "--iterations",
        "8",
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        out.contains("new products: 4 candidates (4 with content), 120 customers, 120 test pairs"),
        "{out}"
    );
    assert!(out.contains("hidden products: 8 candidates"), "{out}");
    for row in [
        "| random |",
        "| category popularity |",
        "| content nearest neighbours |",
        "| iALS + content map (candidates only) |",
        "warm products",
    ] {
        assert!(out.contains(row), "{row} in {out}");
    }
    // Each customer's new product shares words, brand and category with their history:
    // content neighbours and the content map find it first among four.
    assert!(
        out.contains("| content nearest neighbours | 1.0000 |"),
        "{out}"
    );
    assert!(
        out.contains("| iALS + content map (candidates only) | 1.0000 |"),
        "{out}"
    );

    let bad = common::shopwindow(&[
        "eval",
        "--interactions",
        events.to_str().unwrap(),
        "--test-from",
        "2024-03-08",
        "--cold-start",
        "--hide-items",
        "1.5",
    ]);
    assert!(!bad.status.success());
    assert!(
        common::text(&bad).contains("--hide-items 1.5"),
        "{}",
        common::text(&bad)
    );
}

/// `eval --cold-start --golden DIR`: the catalog with the new products (`content.items`)
/// and lists with `fresh: {share: 0.1}`, whose fresh place holds a new product.
#[test]
fn eval_cold_start_golden_writes_fresh_lists_with_the_new_products() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = purchase_log();
    for u in 0..120 {
        let _ = writeln!(log, "c{u},n{},1,2024-03-11 12:00", u % 4);
    }
    let events = common::write(dir.path(), "events.csv", &log);
    let items = common::write(dir.path(), "items.csv", &items_with_new_products());
    let golden = dir.path().join("golden");
    let run = common::shopwindow(&[
        "-q",
        "eval",
        "--interactions",
        events.to_str().unwrap(),
        "--test-from",
        "2024-03-08",
        "--items",
        items.to_str().unwrap(),
        "--cold-start",
        "--k",
        "10",
        "--factors",
        "8",
        "--iterations",
        "8",
        "--golden",
        golden.to_str().unwrap(),
        "--golden-users",
        "20",
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog =
        Catalog::from_bytes(std::fs::read(golden.join("catalog.safetensors")).unwrap()).unwrap();
    assert_eq!(catalog.content_derived_items(), 4);
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(golden.join("golden.json")).unwrap()).unwrap();
    assert_eq!(file["format"], "shopwindow-golden-topk");
    assert_eq!(file["options"]["fresh"]["share"], 0.1);
    let users = file["users"].as_array().unwrap();
    assert_eq!(users.len(), 20);
    for user in users {
        let expected: Vec<&str> = user["expected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap())
            .collect();
        assert_eq!(expected.len(), 10, "{user}");
        // One place of ten, spread from the second: 0-based 5.
        assert!(expected[5].starts_with('n'), "{expected:?}");
    }
}

#[test]
fn help_explains_every_command() {
    let run = common::shopwindow(&["--help"]);
    assert!(run.status.success());
    let help = String::from_utf8_lossy(&run.stdout);
    for command in ["train", "import", "eval", "inspect"] {
        assert!(help.contains(command), "{help}");
    }
    let run = common::shopwindow(&["train", "--help"]);
    let help = String::from_utf8_lossy(&run.stdout);
    for flag in [
        "--interactions",
        "--online-retail",
        "--skip-bad-rows",
        "--alpha",
        "--dtype",
    ] {
        assert!(help.contains(flag), "{help}");
    }
}

/// `train` with fixed small settings (8 factors, 5 iterations) on the purchase log and items
/// file written into `dir`, the catalog to `out`, plus `extra` flags.
fn train_small(dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let events = common::write(dir, "events.csv", &purchase_log());
    let items = common::write(dir, "items.csv", &items_csv());
    let mut args = vec![
        "-q",
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--items",
        items.to_str().unwrap(),
        "--factors",
        "8",
        "--iterations",
        "5",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::shopwindow(&args)
}

#[test]
fn train_writes_a_catalog_with_item_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("catalog.safetensors");
    let run = train_small(dir.path(), &out, &["--dtype", "i8"]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(catalog.len(), 40);
    assert_eq!(catalog.dim(), 8);
    assert_eq!(catalog.dtype().as_str(), "i8");
    let p7 = catalog.index_of("p7").unwrap() as usize;
    assert_eq!(catalog.title(p7), Some("Product 7"));
    assert_eq!(catalog.availability().unwrap()[p7], 0);
    assert_eq!(catalog.prices().unwrap()[p7], 7.5);
    assert!(catalog.popularity().unwrap()[p7] > 0.0);
    assert_eq!(
        catalog.meta().extra.get("factors").map(String::as_str),
        Some("8")
    );

    // One event personalizes: a shopper of cluster 1 gets cluster-1 items.
    let recommender = Recommender::new(catalog);
    let history = [Event {
        item: recommender.catalog().index_of("p12").unwrap(),
        kind: EventKind::Purchase,
        timestamp_ms: None,
    }];
    let list = recommender
        .recommend(&history, &Default::default())
        .unwrap();
    let top = recommender
        .catalog()
        .id(list.items[0].index as usize)
        .to_string();
    assert!(top.starts_with("p1") && top.len() == 3, "{top}");

    let inspect = common::shopwindow(&["inspect", out.to_str().unwrap(), "--items", "2"]);
    assert!(inspect.status.success(), "{}", common::text(&inspect));
}

#[test]
fn train_leaves_titles_out_of_the_file_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let train = |out: &Path, extra: &[&str]| train_small(dir.path(), out, extra);
    let full_path = dir.path().join("full.safetensors");
    let lean_path = dir.path().join("lean.safetensors");
    let run = train(&full_path, &[]);
    assert!(run.status.success(), "{}", common::text(&run));
    let run = train(&lean_path, &["--leave-out", "title,image-url"]);
    assert!(run.status.success(), "{}", common::text(&run));
    let full = Catalog::from_bytes(std::fs::read(&full_path).unwrap()).unwrap();
    let lean_bytes = std::fs::read(&lean_path).unwrap();
    assert!(lean_bytes.len() < std::fs::read(&full_path).unwrap().len());
    let lean = Catalog::from_bytes(lean_bytes).unwrap();
    let p7 = lean.index_of("p7").unwrap() as usize;
    assert_eq!(full.title(p7), Some("Product 7"));
    assert_eq!(lean.title(p7), None);
    // Everything else is the same catalog: prices, availability, vectors.
    assert_eq!(lean.prices().unwrap()[p7], 7.5);
    assert_eq!(lean.availability().unwrap()[p7], 0);
    assert_eq!(lean.row(p7), full.row(p7));

    let wrong = train(&lean_path, &["--leave-out", "titles"]);
    assert!(!wrong.status.success());
    let text = common::text(&wrong);
    assert!(
        text.contains("--leave-out") && text.contains("image-url"),
        "{text}"
    );
}

#[test]
fn train_ships_bought_together_and_trending_from_baskets() {
    // Orders of two: p(2k) always with p(2k+1), at one time per order; p0/p1 sell on the
    // last day, the rest a month earlier.
    let mut log = String::from("customer_id,sku,qty,time\n");
    for u in 0..60 {
        let k = u % 5;
        let day = if k == 0 { 31 } else { 1 };
        for item in [2 * k, 2 * k + 1] {
            let _ = writeln!(log, "c{u},p{item},1,2024-03-{day:02} 12:00");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &log);
    let out = dir.path().join("catalog.safetensors");
    let run = common::shopwindow(&[
        "-q",
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--factors",
        "4",
        "--iterations",
        "3",
        "--trending-half-life-days",
        "10",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let engine = Recommender::new(Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap());
    let catalog = engine.catalog();
    assert_eq!(
        catalog.dtype().as_str(),
        "i8",
        "train stores int8 unless told otherwise"
    );
    let index = |id: &str| catalog.index_of(id).unwrap();
    let together = engine
        .together(&[index("p4")], &Default::default())
        .unwrap();
    assert_eq!(together.len(), 1, "only p5 shares baskets with p4");
    assert_eq!(together[0].index, index("p5"));
    let trending = catalog.trending().expect("a trending score");
    assert_eq!(trending.half_life_days, 10.0);
    let top = engine.trending(&Default::default()).unwrap();
    let first_two: Vec<u32> = top.iter().take(2).map(|s| s.index).collect();
    assert!(first_two.contains(&index("p0")) && first_two.contains(&index("p1")));
}

#[test]
fn a_bad_row_stops_training_with_its_line_unless_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = purchase_log();
    log.push_str("c1,p1,two,2024-03-02 12:00\n");
    let events = common::write(dir.path(), "events.csv", &log);
    let out = dir.path().join("c.safetensors");
    let args = |skip: bool| {
        let mut a = vec![
            "-q",
            "train",
            "--interactions",
            events.to_str().unwrap(),
            "--iterations",
            "2",
            "--factors",
            "4",
            "-o",
            out.to_str().unwrap(),
        ];
        if skip {
            a.push("--skip-bad-rows");
        }
        a
    };
    let run = common::shopwindow(&args(false));
    assert!(!run.status.success());
    let text = common::text(&run);
    assert!(
        text.contains("events.csv:1202:") && text.contains("\"two\""),
        "{text}"
    );
    let run = common::shopwindow(&args(true));
    assert!(run.status.success(), "{}", common::text(&run));
    assert!(common::text(&run).contains("1201 rows read, 1 skipped"));
}

#[test]
fn inspect_rejects_a_corrupt_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = common::write(dir.path(), "bad.safetensors", "definitely not a catalog");
    let run = common::shopwindow(&["inspect", bad.to_str().unwrap()]);
    assert!(!run.status.success());
    assert!(common::text(&run).contains("not a valid catalog"));
}

/// The native half of "the browser gives the same answer": `eval --golden` writes a
/// catalog and the expected top-k of evaluation users; the same lists must come out of a
/// recommender built from the file as written, given the histories in the JSON.
#[test]
fn golden_files_reproduce_from_the_written_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &purchase_log());
    let golden = dir.path().join("golden");
    let run = common::shopwindow(&[
        "-q",
        "eval",
        "--interactions",
        events.to_str().unwrap(),
        "--test-from",
        "2024-03-08",
        "--models",
        "popularity,ials",
        "--factors",
        "8",
        "--iterations",
        "5",
        "--k",
        "5",
        "--golden",
        golden.to_str().unwrap(),
        "--golden-users",
        "50",
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let table = String::from_utf8_lossy(&run.stdout);
    assert!(table.contains("| popularity |"), "{table}");

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(golden.join("golden.json")).unwrap()).unwrap();
    assert_eq!(json["format"], "shopwindow-golden-topk");
    assert_eq!(json["options"]["k"], 5);
    assert_eq!(json["options"]["excludeHistory"], "all");
    assert_eq!(json["options"]["eventWeights"]["purchase"], 1.0);
    let catalog_bytes = std::fs::read(golden.join(json["catalog"].as_str().unwrap())).unwrap();
    let recommender = Recommender::new(Catalog::from_bytes(catalog_bytes).unwrap());
    let catalog = recommender.catalog();
    let users = json["users"].as_array().unwrap();
    assert_eq!(users.len(), 50);
    let options = CoreRanker::options(5);
    let mut distinct_lists = HashMap::new();
    for user in users {
        let history: Vec<Event> = user["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| Event {
                item: catalog.index_of(e["itemId"].as_str().unwrap()).unwrap(),
                kind: e["type"].as_str().unwrap().parse().unwrap(),
                timestamp_ms: None,
            })
            .collect();
        assert!(!history.is_empty());
        let got: Vec<&str> = recommender
            .recommend(&history, &options)
            .unwrap()
            .items
            .iter()
            .map(|r| catalog.id(r.index as usize))
            .collect();
        let expected: Vec<&str> = user["expected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(got, expected, "user {}", user["user"]);
        *distinct_lists.entry(expected.join(",")).or_insert(0) += 1;
    }
    assert!(
        distinct_lists.len() > 4,
        "lists are personal, not one list for all"
    );
}

#[test]
fn train_ships_item_tags_and_inspect_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &purchase_log());
    let mut items = String::from("id,title,tags\n");
    for i in 0..40 {
        let tags = match i % 3 {
            0 => "sale|new",
            1 => "",
            _ => "clearance",
        };
        let _ = writeln!(items, "p{i},Product {i},{tags}");
    }
    let items = common::write(dir.path(), "items.csv", &items);
    let out = dir.path().join("catalog.safetensors");
    let run = common::shopwindow(&[
        "-q",
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--items",
        items.to_str().unwrap(),
        "--factors",
        "4",
        "--iterations",
        "2",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert!(catalog.has_tags());
    let tags = |id: &str| {
        let i = catalog.index_of(id).unwrap() as usize;
        catalog.tags(i).map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(tags("p3"), ["sale", "new"]);
    assert!(tags("p4").is_empty());
    assert_eq!(tags("p5"), ["clearance"]);

    let inspect = common::shopwindow(&["inspect", out.to_str().unwrap(), "--items", "40"]);
    assert!(inspect.status.success(), "{}", common::text(&inspect));
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(
        text.contains("tags: 3 distinct on 27 of 40 items"),
        "{text}"
    );
    assert!(text.contains("tags sale|new"), "{text}");
}
