//! MovieLens-100K: `u.data` (and the official `u1.base` … `u5.test` splits), tab-separated
//! `user item rating timestamp`; `u.item` for titles and genres.
//!
//! The data set is for research only: it is read from where it lies, never copied.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};

use super::{open_maybe_gz, BadRowPolicy, EventLog, ItemInfo, ItemTable, RowReport};

/// How a rating becomes an implicit-feedback weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RatingWeight {
    /// Every rating is one interaction (the usual implicit-feedback protocol).
    #[default]
    One,
    /// The rating value (1–5) is the weight.
    Rating,
}

/// Reads a ratings file (`u.data`, `u1.base`, … plain or `.gz`).
pub fn read_ratings(
    path: &Path,
    weight: RatingWeight,
    policy: BadRowPolicy,
) -> Result<(EventLog, RowReport)> {
    let mut text = String::new();
    open_maybe_gz(path)?
        .read_to_string(&mut text)
        .with_context(|| format!("{} is not UTF-8 text", path.display()))?;
    let mut log = EventLog::default();
    let mut report = RowReport::default();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        report.rows += 1;
        match parse_rating(line, weight) {
            Ok((user, item, w, t)) => log.push(user, item, w, Some(t)),
            Err(reason) => report.bad_row(policy, path, number as u64 + 1, reason)?,
        }
    }
    Ok((log, report))
}

fn parse_rating(line: &str, weight: RatingWeight) -> Result<(&str, &str, f32, i64), String> {
    let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
    let [user, item, rating, timestamp] = fields[..] else {
        return Err(format!(
            "expected 4 tab-separated fields (user item rating timestamp), found {}",
            fields.len()
        ));
    };
    if user.is_empty() || item.is_empty() {
        return Err("empty user or item".into());
    }
    let rating: f32 = rating
        .parse()
        .ok()
        .filter(|r: &f32| r.is_finite() && *r >= 0.0)
        .ok_or_else(|| format!("rating {rating:?} is not a non-negative number"))?;
    let timestamp: i64 = timestamp
        .parse()
        .map_err(|_| format!("timestamp {timestamp:?} is not an integer"))?;
    let w = match weight {
        RatingWeight::One => 1.0,
        RatingWeight::Rating => rating,
    };
    Ok((user, item, w, timestamp))
}

/// Titles and first genres from `u.item` (Latin-1, `|`-separated) and `u.genre`, when the
/// directory has them; an empty table otherwise.
pub fn read_movies(dir: &Path) -> Result<ItemTable> {
    let items = dir.join("u.item");
    if !items.exists() {
        return Ok(ItemTable::new());
    }
    let genres: Vec<String> = match std::fs::read(dir.join("u.genre")) {
        Ok(bytes) => latin1(&bytes)
            .lines()
            .filter_map(|l| l.split('|').next())
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    };
    let bytes = std::fs::read(&items).with_context(|| format!("reading {}", items.display()))?;
    let mut table = ItemTable::new();
    for line in latin1(&bytes).lines() {
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() < 2 {
            continue;
        }
        let category = fields
            .iter()
            .skip(5)
            .position(|f| *f == "1")
            .and_then(|g| genres.get(g).cloned());
        table.insert(
            fields[0].to_string(),
            ItemInfo {
                title: Some(fields[1].to_string()),
                category,
                ..ItemInfo::default()
            },
        );
    }
    Ok(table)
}

/// MovieLens ships Latin-1 text; every byte is one code point.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}
