//! The generic interactions file: one row per event, `user,item[,weight][,timestamp]`.
//!
//! Columns are positional. A header row is detected (or forced either way), any one-byte
//! delimiter works, and `.gz` files are read transparently. Weights default to 1 and repeat
//! rows add up, so a plain purchase log and a pre-aggregated count table both work.
//!
//! A weight counts events (a quantity, a number of views): a whole, non-negative number,
//! because the shopper's device keeps a history of events and every part of the CLI that
//! simulates a shopper (eval, segments) replays a weight w as w events. Rows of weight 0
//! are dropped and counted (zero events is no interaction). A fractional weight (spend,
//! dwell time) is a bad row unless `WeightMode::Ignore` says to count every row once.
//! Rows dated after tomorrow are bad rows too: a future date would become "now" for RFM.

use std::path::Path;

use anyhow::Result;
use indicatif::ProgressBar;

use super::time::{format_utc, now_seconds, parse_timestamp_in, TimeUnit};
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

/// What the third column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightMode {
    /// A count of events: whole and non-negative (0 drops the row).
    #[default]
    Count,
    /// Not used: every row counts as one event (for spend, dwell time and other amounts).
    Ignore,
}

/// How the file is laid out, and what every row must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvFormat {
    pub delimiter: u8,
    pub header: HeaderMode,
    /// What a bare number in the timestamp column counts.
    pub time_unit: TimeUnit,
    pub weights: WeightMode,
    /// A row without a timestamp is a bad row (temporal splits need one on every row).
    pub require_timestamp: bool,
}

impl Default for CsvFormat {
    fn default() -> Self {
        CsvFormat {
            delimiter: b',',
            header: HeaderMode::Auto,
            time_unit: TimeUnit::Seconds,
            weights: WeightMode::Count,
            require_timestamp: false,
        }
    }
}

/// First-column names that mark a first row as a header.
const USER_WORDS: &[&str] = &[
    "user",
    "user_id",
    "userid",
    "customer",
    "customer_id",
    "customerid",
    "client",
    "client_id",
    "clientid",
    "shopper",
    "shopper_id",
    "buyer",
    "buyer_id",
    "member",
    "member_id",
    "account",
    "account_id",
    "visitor",
    "visitor_id",
    "visitorid",
    "session",
    "session_id",
];

/// Second-column names that mark a first row as a header.
const ITEM_WORDS: &[&str] = &[
    "item",
    "item_id",
    "itemid",
    "product",
    "product_id",
    "productid",
    "sku",
    "article",
    "article_id",
    "stockcode",
    "stock_code",
    "offer",
    "offer_id",
];

/// True when `fields` read like column names rather than data: a weight column that is
/// not a number, a timestamp column without a digit, or a first (second) column named
/// like a user (item) column.
pub fn looks_like_header(fields: &[&str]) -> bool {
    if let Some(weight) = fields.get(2) {
        if !weight.trim().is_empty() && weight.trim().parse::<f64>().is_err() {
            return true;
        }
    }
    if let Some(timestamp) = fields.get(3) {
        if !timestamp.trim().is_empty() && !timestamp.chars().any(|c| c.is_ascii_digit()) {
            return true;
        }
    }
    let named = |field: Option<&&str>, words: &[&str]| {
        field.is_some_and(|f| words.contains(&f.trim().to_ascii_lowercase().as_str()))
    };
    named(fields.first(), USER_WORDS) || named(fields.get(1), ITEM_WORDS)
}

/// Seconds after now a row may be dated (clock skew between the export and this machine).
const FUTURE_SLACK_S: i64 = 86_400;

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
    let rules = RowRules {
        format,
        latest: now_seconds() + FUTURE_SLACK_S,
    };
    let mut log = EventLog::default();
    let mut report = RowReport::default();
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    // The first line when header detection read it as data: (line, user, item).
    let mut first_as_data: Option<(u64, String, String)> = None;
    let mut zero_weight = 0usize;
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
        // A line of spaces is as empty as an empty line (which the csv reader skips).
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
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
            if format.header == HeaderMode::Auto && fields.len() >= 2 {
                let (user, item) = (fields[0].trim(), fields[1].trim());
                first_as_data = Some((line, user.to_string(), item.to_string()));
            }
        }
        report.rows += 1;
        match rules.parse_row(&fields) {
            Ok(Parsed::Event(row)) => log.push(row.user, row.item, row.weight, row.timestamp),
            Ok(Parsed::ZeroWeight) => zero_weight += 1,
            Err(reason) => report.bad_row(policy, path, line, reason)?,
        }
    }
    progress.set_position(reader.position().byte());
    if zero_weight > 0 {
        report.notes.push(format!(
            "{zero_weight} rows of weight 0 dropped: a weight counts events, and no event is \
             no interaction"
        ));
    }
    if let Some(note) = first_as_data.and_then(|first| phantom_header_note(&log, first)) {
        report.notes.push(note);
    }
    if log.events.is_empty() {
        anyhow::bail!("{}: no interactions were read", path.display());
    }
    Ok((log, report))
}

/// A note when the first line, read as data, made a user and an item that occur nowhere
/// else in the file: the mark of an undetected header (`client,product`).
fn phantom_header_note(
    log: &EventLog,
    (line, user, item): (u64, String, String),
) -> Option<String> {
    if log.events.len() < 2 {
        return None;
    }
    let (u, i) = (log.users.get(&user)?, log.items.get(&item)?);
    let user_rows = log.events.iter().filter(|e| e.user == u).count();
    let item_rows = log.events.iter().filter(|e| e.item == i).count();
    (user_rows == 1 && item_rows == 1).then(|| {
        format!(
            "line {line} ({user:?}, {item:?}) was read as data, and that user and item occur \
             nowhere else: if it is a header, pass --header yes (--header no keeps it as data \
             without this note)"
        )
    })
}

struct Row<'a> {
    user: &'a str,
    item: &'a str,
    weight: f32,
    timestamp: Option<i64>,
}

enum Parsed<'a> {
    Event(Row<'a>),
    /// A count of zero events: dropped and counted.
    ZeroWeight,
}

/// What a row must satisfy.
struct RowRules {
    format: CsvFormat,
    /// The latest Unix second a row may be dated.
    latest: i64,
}

impl RowRules {
    fn parse_row<'a>(&self, fields: &[&'a str]) -> Result<Parsed<'a>, String> {
        if !(2..=4).contains(&fields.len()) {
            return Err(format!(
                "expected 2 to 4 columns (user,item[,weight][,timestamp]), found {}{}",
                fields.len(),
                delimiter_hint(fields, self.format.delimiter)
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
        let weight = match (self.format.weights, fields.get(2).map(|w| w.trim())) {
            (WeightMode::Ignore, _) | (_, None | Some("")) => 1.0,
            (WeightMode::Count, Some(text)) => {
                let w: f32 = text
                    .parse()
                    .map_err(|_| format!("the weight {text:?} is not a number"))?;
                if !w.is_finite() || w < 0.0 {
                    return Err(format!(
                        "the weight {text:?} must be a finite, non-negative count"
                    ));
                }
                if w.fract() != 0.0 {
                    return Err(format!(
                        "the weight {text:?} is not a whole count: weights count events \
                         (quantities, views); for amounts such as spend pass --weights ignore \
                         (every row counts once)"
                    ));
                }
                if w == 0.0 {
                    return Ok(Parsed::ZeroWeight);
                }
                w
            }
        };
        let timestamp = match fields.get(3).map(|t| t.trim()) {
            None | Some("") if self.format.require_timestamp => {
                return Err(
                    "no timestamp (4th column): a temporal split needs one on every row".into(),
                )
            }
            None | Some("") => None,
            Some(text) => {
                let t = parse_timestamp_in(text, self.format.time_unit)?;
                if t > self.latest {
                    return Err(format!(
                        "the timestamp {text:?} ({}) is in the future: it would become \"now\" \
                         for recency",
                        format_utc(t)
                    ));
                }
                Some(t)
            }
        };
        Ok(Parsed::Event(Row {
            user,
            item,
            weight,
            timestamp,
        }))
    }
}

/// When a row is one field holding another common delimiter: which flag reads it.
pub fn delimiter_hint(fields: &[&str], delimiter: u8) -> String {
    let [only] = fields else {
        return String::new();
    };
    [(';', ";"), ('\t', "tab"), ('|', "|")]
        .into_iter()
        .find(|&(c, _)| c as u32 != delimiter as u32 && only.contains(c))
        .map_or_else(String::new, |(c, flag)| {
            format!(" (the line contains {c:?}: pass --delimiter '{flag}')")
        })
}
