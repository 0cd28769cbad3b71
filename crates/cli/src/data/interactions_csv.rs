//! The generic interactions file: one row per event, `user,item[,weight][,timestamp]`.
//!
//! Columns are positional. A header row is detected (or forced either way), any one-byte
//! delimiter works, and `.gz` files are read transparently. Weights default to 1 and repeat
//! rows add up, so a plain purchase log and a pre-aggregated count table both work.

use std::path::Path;

use anyhow::Result;
use indicatif::ProgressBar;

use super::time::parse_timestamp;
use super::{open_maybe_gz, BadRowPolicy, EventLog, RowReport};

/// Whether the first row is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderMode {
    /// Decide from the first row (see [`looks_like_header`]).
    #[default]
    Auto,
    Present,
    Absent,
}

/// How the file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvFormat {
    pub delimiter: u8,
    pub header: HeaderMode,
}

impl Default for CsvFormat {
    fn default() -> Self {
        CsvFormat {
            delimiter: b',',
            header: HeaderMode::Auto,
        }
    }
}

/// Column names that mark a first row as a header when no numeric column decides it.
const HEADER_WORDS: &[&str] = &[
    "user",
    "user_id",
    "userid",
    "customer",
    "customer_id",
    "customerid",
    "visitor",
    "visitor_id",
    "session",
    "session_id",
];

/// True when `fields` read like column names rather than data: a weight or timestamp column
/// that does not parse, or a first column named like a user column.
pub fn looks_like_header(fields: &[&str]) -> bool {
    if let Some(weight) = fields.get(2) {
        if weight.trim().parse::<f64>().is_err() {
            return true;
        }
    }
    if let Some(timestamp) = fields.get(3) {
        if parse_timestamp(timestamp).is_err() {
            return true;
        }
    }
    fields
        .first()
        .is_some_and(|f| HEADER_WORDS.contains(&f.trim().to_ascii_lowercase().as_str()))
}

/// Reads an interactions file into an event log.
pub fn read_interactions(
    path: &Path,
    format: CsvFormat,
    policy: BadRowPolicy,
    progress: &ProgressBar,
) -> Result<(EventLog, RowReport)> {
    let input = open_maybe_gz(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(format.delimiter)
        .has_headers(false)
        .flexible(true)
        .comment(None)
        .from_reader(input);
    let mut log = EventLog::default();
    let mut report = RowReport::default();
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                // A CSV-level error (bad quoting): the reader resynchronises at the next line.
                report.rows += 1;
                report.bad_row(policy, path, line, error)?;
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if report.rows % 65_536 == 0 {
            progress.set_position(reader.position().byte());
        }
        let fields: Result<Vec<&str>, _> = record.iter().map(std::str::from_utf8).collect();
        let Ok(fields) = fields else {
            report.rows += 1;
            report.bad_row(policy, path, line, "the row is not valid UTF-8")?;
            continue;
        };
        if first {
            first = false;
            let header = match format.header {
                HeaderMode::Auto => looks_like_header(&fields),
                HeaderMode::Present => true,
                HeaderMode::Absent => false,
            };
            if header {
                continue;
            }
        }
        report.rows += 1;
        match parse_row(&fields) {
            Ok(row) => log.push(row.user, row.item, row.weight, row.timestamp),
            Err(reason) => report.bad_row(policy, path, line, reason)?,
        }
    }
    progress.set_position(reader.position().byte());
    if log.events.is_empty() {
        anyhow::bail!("{}: no interactions were read", path.display());
    }
    Ok((log, report))
}

struct Row<'a> {
    user: &'a str,
    item: &'a str,
    weight: f32,
    timestamp: Option<i64>,
}

fn parse_row<'a>(fields: &[&'a str]) -> Result<Row<'a>, String> {
    if !(2..=4).contains(&fields.len()) {
        return Err(format!(
            "expected 2 to 4 columns (user,item[,weight][,timestamp]), found {}",
            fields.len()
        ));
    }
    let user = fields[0].trim();
    let item = fields[1].trim();
    if user.is_empty() {
        return Err("the user column is empty".into());
    }
    if item.is_empty() {
        return Err("the item column is empty".into());
    }
    let weight = match fields.get(2).map(|w| w.trim()) {
        None | Some("") => 1.0,
        Some(text) => {
            let w: f32 = text
                .parse()
                .map_err(|_| format!("the weight {text:?} is not a number"))?;
            if !w.is_finite() || w < 0.0 {
                return Err(format!(
                    "the weight {text:?} must be a finite, non-negative number"
                ));
            }
            w
        }
    };
    let timestamp = match fields.get(3).map(|t| t.trim()) {
        None | Some("") => None,
        Some(text) => Some(parse_timestamp(text)?),
    };
    Ok(Row {
        user,
        item,
        weight,
        timestamp,
    })
}
