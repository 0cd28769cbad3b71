//! The evaluation protocols: UCI Online Retail split in time at [`TEST_FROM`] and
//! MovieLens-100K's official u1…u5 folds (the filters and the counts they reproduce are in
//! BENCHMARKS.md, "Protocols"), plus a temporal split of any interactions file.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::split::{given_split, temporal_split, EvalSplit};
use crate::data::interactions_csv::{read_interactions, CsvFormat};
use crate::data::movielens::{read_ratings, RatingWeight};
use crate::data::online_retail::{read_online_retail, RetailReport, TEST_FROM};
use crate::data::time::{format_utc, parse_timestamp, parse_timestamp_in};
use crate::data::{BadRowPolicy, EventLog};
use crate::progress::Progress;

/// MovieLens-100K's official five-fold splits `u1` … `u5`, from the data set's directory
/// (its `splits/` folder with `.gz` files, or the plain files beside `u.data`).
pub fn movielens_splits(dir: &Path, weight: RatingWeight) -> Result<Vec<EvalSplit>> {
    (1..=5)
        .map(|fold| {
            let base = find_split_file(dir, &format!("u{fold}.base"))?;
            let test = find_split_file(dir, &format!("u{fold}.test"))?;
            let (train_log, _) = read_ratings(&base, weight, BadRowPolicy::Fail)?;
            let (test_log, _) = read_ratings(&test, weight, BadRowPolicy::Fail)?;
            Ok(given_split(&format!("u{fold}"), &train_log, &test_log))
        })
        .collect()
}

pub(crate) fn find_split_file(dir: &Path, name: &str) -> Result<PathBuf> {
    let candidates = [
        dir.join("splits").join(format!("{name}.gz")),
        dir.join("splits").join(name),
        dir.join(format!("{name}.gz")),
        dir.join(name),
    ];
    match candidates.iter().find(|p| p.exists()) {
        Some(p) => Ok(p.clone()),
        None => bail!(
            "{}: no {name} (looked in the directory and its splits/ folder)",
            dir.display()
        ),
    }
}

/// UCI Online Retail: train on invoices before 2011-11-01, test on the rest.
pub fn online_retail_split(path: &Path, progress: &Progress) -> Result<(EvalSplit, RetailReport)> {
    let bar = progress.file(path, "reading");
    let (log, _, report) = read_online_retail(path, BadRowPolicy::Fail, &bar)?;
    bar.finish_and_clear();
    let test_from = parse_timestamp(TEST_FROM).expect("a valid constant date");
    Ok((temporal_split("online-retail", &log, test_from), report))
}

/// The `test_from` that holds out each user's last basket (their events at their latest
/// time) instead of cutting at one date.
pub const LAST_BASKET: &str = "last-basket";

/// Any interactions file with timestamps, split at `test_from` (a date, or
/// [`LAST_BASKET`]).
pub fn csv_temporal_split(
    path: &Path,
    format: CsvFormat,
    policy: BadRowPolicy,
    test_from: &str,
    progress: &Progress,
) -> Result<EvalSplit> {
    let bar = progress.file(path, "reading");
    // A row without a time is a bad row with its line (skipped under --skip-bad-rows).
    let format = CsvFormat {
        require_timestamp: true,
        ..format
    };
    let (log, report) = read_interactions(path, format, policy, &bar)?;
    bar.finish_and_clear();
    if report.skipped > 0 || !report.notes.is_empty() {
        eprintln!("{}", report.summary(&path.display().to_string()));
    }
    let name = path
        .file_name()
        .map_or("csv".into(), |n| n.to_string_lossy().into_owned());
    if test_from == LAST_BASKET {
        return Ok(crate::tune::split::last_basket(&log));
    }
    let test_from = parse_timestamp_in(test_from, format.time_unit).map_err(anyhow::Error::msg)?;
    check_test_from(&log, test_from)?;
    Ok(temporal_split(&name, &log, test_from))
}

/// Refuses a `--test-from` that leaves nothing to train on or nothing to test on, naming
/// the file's first and last times (every event has one: the reader required it).
fn check_test_from(log: &EventLog, test_from: i64) -> Result<()> {
    let times = log.events.iter().filter_map(|e| e.timestamp);
    let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
        bail!("no row has a timestamp");
    };
    if test_from <= first {
        bail!(
            "--test-from {} is not after the first row ({}): no row is left to train on",
            format_utc(test_from),
            format_utc(first)
        );
    }
    if test_from > last {
        bail!(
            "--test-from {} is after the last row ({}): no row is left to test on",
            format_utc(test_from),
            format_utc(last)
        );
    }
    Ok(())
}
