//! Reading interaction and item files: header detection, delimiters, gzip, and what
//! happens to malformed rows.

mod common;

use std::io::Write;

use indicatif::ProgressBar;
use shopwindow_cli::data::interactions_csv::{read_interactions, CsvFormat, HeaderMode};
use shopwindow_cli::data::items_csv::read_items;
use shopwindow_cli::data::BadRowPolicy;

fn read(
    contents: &str,
    format: CsvFormat,
    policy: BadRowPolicy,
) -> anyhow::Result<(
    shopwindow_cli::data::EventLog,
    shopwindow_cli::data::RowReport,
)> {
    let dir = tempfile::tempdir().unwrap();
    let path = common::write(dir.path(), "events.csv", contents);
    read_interactions(&path, format, policy, &ProgressBar::hidden())
}

#[test]
fn header_is_detected_from_a_non_numeric_weight_column() {
    let (log, report) = read(
        "user_id,item_id,weight\nu1,a,2\nu1,b,1\nu2,a,1\n",
        CsvFormat::default(),
        BadRowPolicy::Fail,
    )
    .unwrap();
    assert_eq!(report.rows, 3);
    assert_eq!(log.events.len(), 3);
    assert_eq!(log.users.len(), 2);
    assert_eq!(log.events[0].weight, 2.0);
}

#[test]
fn two_column_files_with_and_without_header() {
    let (log, _) = read(
        "customer,sku\nc1,x\n",
        CsvFormat::default(),
        BadRowPolicy::Fail,
    )
    .unwrap();
    assert_eq!(log.events.len(), 1);
    assert_eq!(log.items.id(0), "x");
    // No header: the first row is data.
    let (log, _) = read("c1,x\nc2,y\n", CsvFormat::default(), BadRowPolicy::Fail).unwrap();
    assert_eq!(log.events.len(), 2);
    assert_eq!(log.events[0].weight, 1.0);
    // Forced header mode wins over detection.
    let format = CsvFormat {
        header: HeaderMode::Present,
        ..CsvFormat::default()
    };
    let (log, _) = read("c1,x\nc2,y\n", format, BadRowPolicy::Fail).unwrap();
    assert_eq!(log.events.len(), 1);
}

#[test]
fn other_delimiters_and_timestamps() {
    let format = CsvFormat {
        delimiter: b'\t',
        header: HeaderMode::Auto,
        ..CsvFormat::default()
    };
    let (log, _) = read(
        "user\titem\tweight\ttime\nu1\ta\t2\t2011-11-01 10:00\nu2\tb\t1\t1320141600\n",
        format,
        BadRowPolicy::Fail,
    )
    .unwrap();
    assert_eq!(log.events[0].weight, 2.0);
    assert_eq!(log.events[0].timestamp, Some(1_320_141_600));
    assert_eq!(log.events[1].timestamp, Some(1_320_141_600));

    let format = CsvFormat {
        delimiter: b';',
        header: HeaderMode::Absent,
        ..CsvFormat::default()
    };
    let (log, _) = read(
        "u1;\"item;with;semicolons\";3\n",
        format,
        BadRowPolicy::Fail,
    )
    .unwrap();
    assert_eq!(log.items.id(0), "item;with;semicolons");
}

#[test]
fn a_malformed_row_is_an_error_with_file_line_and_reason() {
    let contents = "user,item,weight\nu1,a,1\nu2,b,lots\nu3,c,1\n";
    let error = read(contents, CsvFormat::default(), BadRowPolicy::Fail)
        .unwrap_err()
        .to_string();
    assert!(error.contains("events.csv:3:"), "{error}");
    assert!(error.contains("\"lots\" is not a number"), "{error}");
    assert!(error.contains("--skip-bad-rows"), "{error}");

    for (contents, line, reason) in [
        ("u1,a\nu2\n", 2, "expected 2 to 4 columns"),
        ("u1,a\n,b\n", 2, "user column is empty"),
        ("u1,a,1\nu1,b,-2\n", 2, "non-negative"),
        ("u1,a,1,2011-01-01\nu1,b,1,someday\n", 2, "not a timestamp"),
        ("u1,a,1\nu1,b,inf\n", 2, "finite"),
    ] {
        let error = read(contents, CsvFormat::default(), BadRowPolicy::Fail)
            .unwrap_err()
            .to_string();
        assert!(error.contains(&format!("events.csv:{line}:")), "{error}");
        assert!(error.contains(reason), "{error}");
    }
}

#[test]
fn skip_bad_rows_counts_and_quotes_them() {
    let contents = "user,item,weight\nu1,a,1\nu2,b,x\nu3\nu4,d,2\n,e,1\n";
    let (log, report) = read(contents, CsvFormat::default(), BadRowPolicy::Skip).unwrap();
    assert_eq!(log.events.len(), 2);
    assert_eq!(report.rows, 5);
    assert_eq!(report.skipped, 3);
    assert!(report.examples[0].contains("events.csv:3:"));
    assert!(report.examples[1].contains("events.csv:4:"));
    assert!(report.examples[2].contains("events.csv:6:"));
    assert!(report.summary("events").contains("3 skipped"));
}

#[test]
fn gzip_files_are_read_transparently() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.csv.gz");
    let mut encoder =
        flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), Default::default());
    encoder.write_all(b"u1,a\nu2,a\nu2,b\n").unwrap();
    encoder.finish().unwrap();
    let (log, _) = read_interactions(
        &path,
        CsvFormat::default(),
        BadRowPolicy::Fail,
        &ProgressBar::hidden(),
    )
    .unwrap();
    assert_eq!(log.events.len(), 3);
}

#[test]
fn items_file_description_and_brand_are_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::write(
        dir.path(),
        "items.csv",
        "id,title,Description,Brand\n\
         a,Mug,\"A large mug, blue glaze\",Acme\n\
         b,Spoon,,\n",
    );
    let (items, _, _) = read_items(&path, b',', BadRowPolicy::Fail).unwrap();
    assert_eq!(
        items["a"].description.as_deref(),
        Some("A large mug, blue glaze")
    );
    assert_eq!(items["a"].brand.as_deref(), Some("Acme"));
    assert_eq!(items["b"].description, None, "an empty cell is not given");
    assert_eq!(items["b"].brand, None);

    let long = "x".repeat(shopwindow_cli::data::items_csv::MAX_BRAND_BYTES + 1);
    let bad = common::write(
        dir.path(),
        "brands.csv",
        &format!("id,brand\na,Acme\nb,{long}\n"),
    );
    let error = read_items(&bad, b',', BadRowPolicy::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("brands.csv:3:") && error.contains("brand"),
        "{error}"
    );
    let (items, _, report) = read_items(&bad, b',', BadRowPolicy::Skip).unwrap();
    assert_eq!((items.len(), report.skipped), (1, 1));
}

#[test]
fn items_file_columns_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::write(
        dir.path(),
        "items.csv",
        "price,id,title,category,available,image_url,extra\n\
         9.5,a,\"Mug, large\",kitchen,yes,https://x/a.jpg,zzz\n\
         1,b,Spoon,,0,,\n",
    );
    let (items, order, report) = read_items(&path, b',', BadRowPolicy::Fail).unwrap();
    assert_eq!(report.rows, 2);
    assert_eq!(order, vec!["a", "b"]);
    let a = &items["a"];
    assert_eq!(a.title.as_deref(), Some("Mug, large"));
    assert_eq!(a.price, Some(9.5));
    assert_eq!(a.available, Some(true));
    assert_eq!(a.image_url.as_deref(), Some("https://x/a.jpg"));
    assert_eq!(items["b"].category, None);
    assert_eq!(items["b"].available, Some(false));

    let bad = common::write(dir.path(), "bad.csv", "id,price\na,1\nb,cheap\na,2\n");
    let error = read_items(&bad, b',', BadRowPolicy::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("bad.csv:3:") && error.contains("price"),
        "{error}"
    );
    let (_, _, report) = read_items(&bad, b',', BadRowPolicy::Skip).unwrap();
    assert_eq!(report.skipped, 2, "a bad price and a repeated id");
    assert!(report.examples[1].contains("appears again"));

    let no_id = common::write(dir.path(), "noid.csv", "name,price\nx,1\n");
    let error = read_items(&no_id, b',', BadRowPolicy::Fail)
        .unwrap_err()
        .to_string();
    assert!(error.contains("id column"), "{error}");
}

#[test]
fn items_file_tags_column_splits_on_the_bar() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::write(
        dir.path(),
        "items.csv",
        "id,tags\n\
         a,sale| new ||summer\n\
         b,\n\
         c,clearance\n",
    );
    let (items, _, _) = read_items(&path, b',', BadRowPolicy::Fail).unwrap();
    assert_eq!(items["a"].tags, ["sale", "new", "summer"]);
    assert!(items["b"].tags.is_empty());
    assert_eq!(items["c"].tags, ["clearance"]);
}
