//! Real store exports and their mess: weights that are not counts, odd dates and units,
//! headers and delimiters the reader must not guess silently, and `eval` / `train` inputs
//! that used to run to a meaningless result.

mod common;

use std::fmt::Write as _;

use indicatif::ProgressBar;
use shopwindow_cli::als::SplitMix64;
use shopwindow_cli::data::interactions_csv::{
    read_interactions, CsvFormat, HeaderMode, WeightMode,
};
use shopwindow_cli::data::time::TimeUnit;
use shopwindow_cli::data::{BadRowPolicy, EventLog, RowReport};

fn read(
    contents: &str,
    format: CsvFormat,
    policy: BadRowPolicy,
) -> anyhow::Result<(EventLog, RowReport)> {
    let dir = tempfile::tempdir().unwrap();
    let path = common::write(dir.path(), "events.csv", contents);
    read_interactions(&path, format, policy, &ProgressBar::hidden())
}

fn error(contents: &str, format: CsvFormat) -> String {
    read(contents, format, BadRowPolicy::Fail)
        .unwrap_err()
        .to_string()
}

/// A timestamped purchase log with taste clusters: `users` customers over 40 items, ten
/// days in March 2024, one unit per row.
fn purchase_log(users: usize) -> String {
    let mut rng = SplitMix64::new(11);
    let mut text = String::from("customer_id,sku,qty,time\n");
    for u in 0..users {
        let cluster = u % 4;
        for n in 0..10 {
            let item = cluster * 10 + (rng.next_u64() % 10) as usize;
            let day = 1 + (n % 10);
            let _ = writeln!(text, "c{u},p{item},1,2024-03-{day:02} 12:00");
        }
    }
    text
}

fn run(args: &[&str]) -> (bool, String) {
    let output = common::shopwindow(args);
    (output.status.success(), common::text(&output))
}

// --- weights ---------------------------------------------------------------------------

#[test]
fn a_fractional_weight_is_refused_with_its_line_and_the_way_forward() {
    let error = error("u1,a,1\nu2,b,1.5\n", CsvFormat::default());
    assert!(error.contains("events.csv:2:"), "{error}");
    assert!(error.contains("not a whole count"), "{error}");
    assert!(error.contains("--weights ignore"), "{error}");
}

#[test]
fn weight_zero_rows_are_dropped_and_counted() {
    let (log, report) = read(
        "u1,a,0\nu1,b,2\nu2,a,0\nu2,c,1\n",
        CsvFormat::default(),
        BadRowPolicy::Fail,
    )
    .unwrap();
    assert_eq!(log.events.len(), 2);
    assert!(
        log.items.get("a").is_none(),
        "a weight-0 row is no interaction"
    );
    assert_eq!(report.skipped, 0);
    let summary = report.summary("events");
    assert!(summary.contains("2 rows of weight 0 dropped"), "{summary}");
}

#[test]
fn weights_ignore_counts_every_row_once() {
    let format = CsvFormat {
        weights: WeightMode::Ignore,
        ..CsvFormat::default()
    };
    let (log, _) = read("u1,a,12.99\nu1,b,0.5\nu2,a,3\n", format, BadRowPolicy::Fail).unwrap();
    assert!(log.events.iter().all(|e| e.weight == 1.0));
    assert_eq!(log.events.len(), 3);
}

#[test]
fn eval_with_zero_weights_prints_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = purchase_log(80);
    // Cancelled lines: quantity 0, as store exports write them.
    log.push_str("c1,p3,0,2024-03-09 12:00\nc2,p4,0,2024-03-09 13:00\n");
    let events = common::write(dir.path(), "events.csv", &log);
    let (ok, text) = run(&[
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
        "3",
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("| popularity"), "{text}");
    assert!(text.contains("rows of weight 0 dropped"), "{text}");
}

#[test]
fn train_segments_with_zero_weights_builds_segments() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = purchase_log(120);
    log.push_str("c1,p3,0,2024-03-09 12:00\n");
    let events = common::write(dir.path(), "events.csv", &log);
    let out = dir.path().join("catalog.safetensors");
    let (ok, text) = run(&[
        "-q",
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--no-tune",
        "--factors",
        "8",
        "--iterations",
        "3",
        "--segments",
        "2",
        "--min-segment-size",
        "10",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
}

// --- timestamps ------------------------------------------------------------------------

#[test]
fn millisecond_timestamps_need_the_unit_flag() {
    let contents = "u1,a,1,1320105600000\nu2,b,1,1320105601000\n";
    let format = CsvFormat {
        header: HeaderMode::Absent,
        ..CsvFormat::default()
    };
    let error = error(contents, format);
    assert!(
        error.contains("events.csv:1:") && error.contains("--time-unit ms"),
        "{error}"
    );
    let format = CsvFormat {
        time_unit: TimeUnit::Milliseconds,
        ..format
    };
    let (log, _) = read(contents, format, BadRowPolicy::Fail).unwrap();
    assert_eq!(log.events[0].timestamp, Some(1_320_105_600));
    assert_eq!(log.events[1].timestamp, Some(1_320_105_601));
}

#[test]
fn a_row_dated_in_the_future_is_a_bad_row() {
    let contents = "u1,a,1,2011-11-01\nu2,b,1,2099-01-01\nu3,c,1,2011-11-02\n";
    let error = error(contents, CsvFormat::default());
    assert!(
        error.contains("events.csv:2:") && error.contains("in the future"),
        "{error}"
    );
    let (log, report) = read(contents, CsvFormat::default(), BadRowPolicy::Skip).unwrap();
    assert_eq!(log.events.len(), 2);
    assert_eq!(report.skipped, 1);
}

#[test]
fn an_impossible_date_is_a_bad_row() {
    let error = error(
        "u1,a,1,2011-02-28\nu2,b,1,2011-02-31\n",
        CsvFormat::default(),
    );
    assert!(error.contains("events.csv:2:"), "{error}");
    assert!(error.contains("not a date on the calendar"), "{error}");
}

#[test]
fn a_missing_timestamp_in_a_temporal_split_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = purchase_log(80);
    log.push_str("c5,p1,1,\n");
    let events = common::write(dir.path(), "events.csv", &log);
    let path = events.to_str().unwrap();
    let line = log.lines().count();
    let args = |skip: bool| {
        let mut args = vec![
            "-q",
            "eval",
            "--interactions",
            path,
            "--test-from",
            "2024-03-08",
            "--models",
            "popularity",
        ];
        if skip {
            args.push("--skip-bad-rows");
        }
        args
    };
    let (ok, text) = run(&args(false));
    assert!(!ok);
    assert!(
        text.contains(&format!("events.csv:{line}: no timestamp")),
        "{text}"
    );
    let (ok, text) = run(&args(true));
    assert!(ok, "{text}");
    assert!(text.contains("1 skipped"), "{text}");
}

// --- layout ----------------------------------------------------------------------------

#[test]
fn a_two_column_header_is_detected() {
    let (log, _) = read(
        "client,product\nc1,x\nc2,y\n",
        CsvFormat::default(),
        BadRowPolicy::Fail,
    )
    .unwrap();
    assert_eq!(log.events.len(), 2);
    assert!(log.users.get("client").is_none());
}

#[test]
fn an_unknown_two_column_header_is_pointed_out() {
    let (log, report) = read(
        "kunde,artikel\nc1,x\nc1,y\nc2,x\n",
        CsvFormat::default(),
        BadRowPolicy::Fail,
    )
    .unwrap();
    assert_eq!(log.events.len(), 4, "read as data: the note says so");
    let summary = report.summary("events");
    assert!(
        summary.contains("line 1") && summary.contains("--header yes"),
        "{summary}"
    );
    // A first line whose user or item comes back is data, and no note is made.
    let (_, report) = read(
        "c1,x\nc1,y\nc2,x\n",
        CsvFormat::default(),
        BadRowPolicy::Fail,
    )
    .unwrap();
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

#[test]
fn a_semicolon_file_without_delimiter_gets_a_hint() {
    let semicolons = error("user;item\nu1;a\n", CsvFormat::default());
    assert!(semicolons.contains("--delimiter ';'"), "{semicolons}");
    let tabs = error("u1\ta\nu2\tb\n", CsvFormat::default());
    assert!(tabs.contains("--delimiter 'tab'"), "{tabs}");
}

#[test]
fn a_semicolon_items_file_gets_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let items = common::write(dir.path(), "items.csv", "id;title;price\na;Mug;3\n");
    let error = shopwindow_cli::data::items_csv::read_items(&items, b',', BadRowPolicy::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("--items-delimiter") && error.contains("';'"),
        "{error}"
    );
}

#[test]
fn whitespace_only_lines_are_empty_lines() {
    let (log, report) = read(
        "u1,a\n   \nu2,b\n\t\n\nu3,c\n",
        CsvFormat::default(),
        BadRowPolicy::Fail,
    )
    .unwrap();
    assert_eq!(log.events.len(), 3);
    assert_eq!(report.skipped, 0);
}

// --- eval --test-from ------------------------------------------------------------------

#[test]
fn test_from_outside_the_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &purchase_log(40));
    let path = events.to_str().unwrap();
    for (date, reason) in [
        ("2024-04-01", "after the last row (2024-03-10 12:00:00 UTC)"),
        (
            "2024-02-01",
            "not after the first row (2024-03-01 12:00:00 UTC)",
        ),
    ] {
        let (ok, text) = run(&[
            "-q",
            "eval",
            "--interactions",
            path,
            "--test-from",
            date,
            "--models",
            "popularity",
        ]);
        assert!(!ok, "{text}");
        assert!(text.contains(reason), "{text}");
    }
}

// --- eval memory -----------------------------------------------------------------------

#[test]
fn ease_above_the_memory_limit_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let events = common::write(dir.path(), "events.csv", &purchase_log(80));
    let path = events.to_str().unwrap();
    let eval = |limit: &str| {
        run(&[
            "-q",
            "eval",
            "--interactions",
            path,
            "--test-from",
            "2024-03-08",
            "--models",
            "popularity,ease",
            "--memory-limit",
            limit,
        ])
    };
    // 40 items: about 45 kB for EASE.
    let (ok, text) = eval("0.00001");
    assert!(!ok, "{text}");
    assert!(
        text.contains("EASE") && text.contains("--memory-limit"),
        "{text}"
    );
    assert!(!text.contains("| popularity"), "nothing ran: {text}");
    let (ok, text) = eval("1");
    assert!(ok, "{text}");
}

// --- items, prices, RFM, inspect -------------------------------------------------------

fn items_with_some_prices() -> String {
    let mut text = String::from("id,title,price\n");
    for i in 0..40 {
        let price = if i % 2 == 0 {
            format!("{i}.5")
        } else {
            String::new()
        };
        let _ = writeln!(text, "p{i},Product {i},{price}");
    }
    text
}

fn train(
    dir: &std::path::Path,
    events: &str,
    extra: &[&str],
) -> (bool, String, std::path::PathBuf) {
    let events = common::write(dir, "events.csv", events);
    let out = dir.join("catalog.safetensors");
    let mut args = vec![
        "-q",
        "train",
        "--interactions",
        events.to_str().unwrap(),
        "--no-tune",
        "--factors",
        "8",
        "--iterations",
        "3",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (ok, text) = run(&args);
    (ok, text, out)
}

#[test]
fn partial_prices_have_a_way_forward() {
    let dir = tempfile::tempdir().unwrap();
    let items = common::write(dir.path(), "items.csv", &items_with_some_prices());
    let items = items.to_str().unwrap();
    let (ok, text, _) = train(dir.path(), &purchase_log(40), &["--items", items]);
    assert!(!ok);
    assert!(text.contains("--missing-prices drop"), "{text}");
    let (ok, text, out) = train(
        dir.path(),
        &purchase_log(40),
        &["--items", items, "--missing-prices", "drop"],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("20 of 40 catalog items have a price"),
        "{text}"
    );
    let catalog = shopwindow::Catalog::from_bytes(std::fs::read(out).unwrap()).unwrap();
    assert!(catalog.prices().is_none());
    assert_eq!(
        catalog.title(catalog.index_of("p3").unwrap() as usize),
        Some("Product 3")
    );
}

#[test]
fn segments_without_prices_say_the_monetary_score_is_flat() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text, _) = train(
        dir.path(),
        &purchase_log(120),
        &["--segments", "2", "--min-segment-size", "10"],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("the catalog has no prices") && text.contains("Champions"),
        "{text}"
    );
}

#[test]
fn segments_without_timestamps_ship_no_rfm_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let untimed: String = purchase_log(120)
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    let (ok, text, out) = train(
        dir.path(),
        &untimed,
        &["--segments", "2", "--min-segment-size", "10"],
    );
    assert!(ok, "{text}");
    assert!(text.contains("no purchase has a time"), "{text}");
    let catalog = shopwindow::Catalog::from_bytes(std::fs::read(out).unwrap()).unwrap();
    assert!(catalog.segments().is_some());
    assert!(
        catalog.rfm_thresholds().is_none(),
        "no thresholds that make everyone New"
    );
}

#[test]
fn inspect_prints_the_creation_date() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text, out) = train(dir.path(), &purchase_log(40), &[]);
    assert!(ok, "{text}");
    let (ok, text) = run(&["inspect", out.to_str().unwrap()]);
    assert!(ok, "{text}");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("created"))
        .unwrap();
    assert!(line.ends_with(" UTC") && line.contains("-"), "{line}");
}

#[test]
fn a_weight_eval_cannot_replay_is_named_by_customer_and_item_before_any_model_runs() {
    // Weights from a source other than the interactions reader (which refuses them).
    let mut log = EventLog::default();
    log.push("anna", "mug", 1.0, Some(10));
    log.push("anna", "teapot", 1.5, Some(20));
    log.push("anna", "spoon", 1.0, Some(100));
    let split = shopwindow_cli::eval::split::temporal_split("t", &log, 50);
    let error = shopwindow_cli::eval::check_event_counts(&split)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("customer \"anna\"") && error.contains("item \"teapot\""),
        "{error}"
    );
}

#[test]
fn a_split_with_nobody_to_evaluate_is_an_error_not_a_table_of_zeros() {
    let dir = tempfile::tempdir().unwrap();
    // Everyone in the test period is a new customer.
    let mut text = purchase_log(40);
    for u in 0..5 {
        let _ = writeln!(text, "new{u},p1,1,2024-03-10 18:00");
    }
    let events = common::write(dir.path(), "events.csv", &text);
    let (ok, text) = run(&[
        "-q",
        "eval",
        "--interactions",
        events.to_str().unwrap(),
        "--test-from",
        "2024-03-10 13:00",
        "--models",
        "popularity",
    ]);
    assert!(!ok, "{text}");
    assert!(text.contains("nothing to evaluate"), "{text}");
}
