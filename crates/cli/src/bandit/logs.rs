//! Logged bandit feedback: one row per shown action with its reward and the logging
//! policy's propensity. The columns are those of the Open Bandit Dataset
//! (`item_id, position, click, propensity_score, user_feature_*`), found by header name.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::data::open_maybe_gz;

/// One logged decision.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRow {
    /// Index of the shown action (the item id, which is 0..K in the Open Bandit Dataset).
    pub action: usize,
    /// Slot, 0-based (positions 1..3 in the file).
    pub position: usize,
    pub reward: f64,
    /// The logging policy's probability of `action` in this slot.
    pub propensity: f64,
    /// Categorical user features, each as the index of its value in order of appearance.
    pub user: Vec<u32>,
}

/// A log file's rows plus the sizes the estimators need.
#[derive(Debug, Clone)]
pub struct Log {
    pub rows: Vec<LoggedRow>,
    pub actions: usize,
    pub positions: usize,
}

impl Log {
    pub fn mean_reward(&self) -> f64 {
        self.rows.iter().map(|r| r.reward).sum::<f64>() / self.rows.len().max(1) as f64
    }
}

pub fn read_log(path: &Path) -> Result<Log> {
    let reader = open_maybe_gz(path)?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let headers = csv
        .headers()
        .with_context(|| format!("reading the header of {}", path.display()))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("{}: no column {name:?}", path.display()))
    };
    let (item, position, click, propensity) = (
        column("item_id")?,
        column("position")?,
        column("click")?,
        column("propensity_score")?,
    );
    let user_columns: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.starts_with("user_feature_"))
        .map(|(i, _)| i)
        .collect();
    let mut codes: Vec<HashMap<String, u32>> = vec![HashMap::new(); user_columns.len()];
    let mut rows = Vec::new();
    for (n, record) in csv.records().enumerate() {
        let line = n + 2;
        let record = record.with_context(|| format!("{} line {line}", path.display()))?;
        let field = |i: usize| record.get(i).unwrap_or("");
        let number = |i: usize, what: &str| -> Result<f64> {
            field(i)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .with_context(|| {
                    format!(
                        "{} line {line}: {what} {:?} is not a number",
                        path.display(),
                        field(i)
                    )
                })
        };
        let action = field(item).parse::<usize>().with_context(|| {
            format!(
                "{} line {line}: item_id {:?} is not an index",
                path.display(),
                field(item)
            )
        })?;
        let slot = number(position, "position")?;
        if !(slot >= 1.0 && slot.fract() == 0.0 && slot <= 16.0) {
            bail!(
                "{} line {line}: position {slot} is not 1 to 16",
                path.display()
            );
        }
        let reward = number(click, "click")?;
        let p = number(propensity, "propensity_score")?;
        if !(p > 0.0 && p <= 1.0) {
            bail!(
                "{} line {line}: propensity {p} is not in (0, 1]",
                path.display()
            );
        }
        let user = user_columns
            .iter()
            .zip(codes.iter_mut())
            .map(|(&c, map)| {
                let next = map.len() as u32;
                *map.entry(field(c).to_string()).or_insert(next)
            })
            .collect();
        rows.push(LoggedRow {
            action,
            position: slot as usize - 1,
            reward,
            propensity: p,
            user,
        });
    }
    if rows.is_empty() {
        bail!("{}: no rows", path.display());
    }
    let actions = rows.iter().map(|r| r.action).max().unwrap_or(0) + 1;
    let positions = rows.iter().map(|r| r.position).max().unwrap_or(0) + 1;
    Ok(Log {
        rows,
        actions,
        positions,
    })
}
