//! The UCI Online Retail file (Chen 2015): one row per invoice line.
//!
//! An interaction (customer, stock code) counts the distinct invoices that contain it. Rows
//! are kept only when they describe a real purchase of a product by a known customer; each
//! dropped row is counted under the first reason that applies, in this order:
//! no CustomerID, a cancellation invoice (`C…`), Quantity ≤ 0, UnitPrice ≤ 0, and a stock
//! code that is not a product (it must start with a digit: `POST`, `M`, `DOT`,
//! `BANK CHARGES`… are fees and adjustments).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use anyhow::{bail, Result};
use indicatif::ProgressBar;

use super::time::parse_timestamp;
use super::{open_csv_with_header, BadRowPolicy, EventLog, IdMap, ItemInfo, ItemTable, RowReport};

/// The first day of the test period of the Online Retail evaluation protocol: invoices
/// before it train, invoices from it on are held out (BENCHMARKS.md, "Protocols").
pub const TEST_FROM: &str = "2011-11-01";

/// Why rows were dropped, and what was kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetailReport {
    pub rows: RowReport,
    pub no_customer: usize,
    pub cancellation: usize,
    pub non_positive_quantity: usize,
    pub non_positive_price: usize,
    pub not_a_product: usize,
    pub kept_rows: usize,
    /// Distinct (customer, stock code, invoice) triples among the kept rows.
    pub purchases: usize,
}

impl fmt::Display for RetailReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.rows.summary("Online Retail"))?;
        writeln!(
            f,
            "  dropped, no CustomerID:        {:>7}",
            self.no_customer
        )?;
        writeln!(
            f,
            "  dropped, cancellation invoice: {:>7}",
            self.cancellation
        )?;
        writeln!(
            f,
            "  dropped, Quantity <= 0:        {:>7}",
            self.non_positive_quantity
        )?;
        writeln!(
            f,
            "  dropped, UnitPrice <= 0:       {:>7}",
            self.non_positive_price
        )?;
        writeln!(
            f,
            "  dropped, not a product code:   {:>7}",
            self.not_a_product
        )?;
        writeln!(f, "  kept rows:                     {:>7}", self.kept_rows)?;
        write!(
            f,
            "  purchases (customer, item, invoice): {}",
            self.purchases
        )
    }
}

struct Columns {
    invoice: usize,
    stock_code: usize,
    description: usize,
    quantity: usize,
    date: usize,
    price: usize,
    customer: usize,
}

impl Columns {
    fn from_header(path: &Path, header: &csv::StringRecord) -> Result<Columns> {
        let find = |name: &str| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}:1: not an Online Retail file: no {name} column in the header {:?}",
                        path.display(),
                        header.iter().collect::<Vec<_>>()
                    )
                })
        };
        Ok(Columns {
            invoice: find("InvoiceNo")?,
            stock_code: find("StockCode")?,
            description: find("Description")?,
            quantity: find("Quantity")?,
            date: find("InvoiceDate")?,
            price: find("UnitPrice")?,
            customer: find("CustomerID")?,
        })
    }
}

/// What is known about an item while reading: title votes and prices.
#[derive(Default)]
struct ItemStats {
    titles: HashMap<String, (usize, usize)>,
    prices: Vec<f32>,
}

/// Reads the file (`.csv` or `.csv.gz`) into purchases, item titles and median prices.
pub fn read_online_retail(
    path: &Path,
    policy: BadRowPolicy,
    progress: &ProgressBar,
) -> Result<(EventLog, ItemTable, RetailReport)> {
    let (mut reader, header) = open_csv_with_header(path, b',')?;
    let columns = Columns::from_header(path, &header)?;

    let mut report = RetailReport::default();
    let mut log = EventLog::default();
    let mut invoices = IdMap::default();
    let mut seen: HashSet<(u32, u32, u32)> = HashSet::new();
    let mut stats: HashMap<u32, ItemStats> = HashMap::new();
    let mut record = csv::StringRecord::new();
    while let Some(line) = report
        .rows
        .next_record(&mut reader, &mut record, policy, path)?
    {
        report.rows.rows += 1;
        if report.rows.rows % 65_536 == 0 {
            progress.set_position(reader.position().byte());
        }
        let cell = |c: usize| record.get(c).unwrap_or("").trim();
        if record.len() < header.len() {
            report.rows.bad_row(
                policy,
                path,
                line,
                format!("expected {} columns, found {}", header.len(), record.len()),
            )?;
            continue;
        }
        let customer = cell(columns.customer);
        let invoice = cell(columns.invoice);
        let stock_code = cell(columns.stock_code);
        if customer.is_empty() || customer.eq_ignore_ascii_case("NA") {
            report.no_customer += 1;
            continue;
        }
        if invoice.starts_with(['C', 'c']) {
            report.cancellation += 1;
            continue;
        }
        let Ok(quantity) = cell(columns.quantity).parse::<i64>() else {
            report.rows.bad_row(
                policy,
                path,
                line,
                format!("Quantity {:?} is not an integer", cell(columns.quantity)),
            )?;
            continue;
        };
        if quantity <= 0 {
            report.non_positive_quantity += 1;
            continue;
        }
        let price = match cell(columns.price).parse::<f32>() {
            Ok(p) if p.is_finite() => p,
            _ => {
                report.rows.bad_row(
                    policy,
                    path,
                    line,
                    format!("UnitPrice {:?} is not a number", cell(columns.price)),
                )?;
                continue;
            }
        };
        if price <= 0.0 {
            report.non_positive_price += 1;
            continue;
        }
        if !stock_code.starts_with(|c: char| c.is_ascii_digit()) {
            report.not_a_product += 1;
            continue;
        }
        let timestamp = match parse_timestamp(cell(columns.date)) {
            Ok(t) => t,
            Err(reason) => {
                report.rows.bad_row(policy, path, line, reason)?;
                continue;
            }
        };
        report.kept_rows += 1;
        let user = log.users.intern(customer);
        let item = log.items.intern(stock_code);
        let invoice = invoices.intern(invoice);
        let item_stats = stats.entry(item).or_default();
        item_stats.prices.push(price);
        let description = cell(columns.description);
        if !description.is_empty() {
            let first_seen = item_stats.titles.len();
            item_stats
                .titles
                .entry(description.to_string())
                .or_insert((0, first_seen))
                .0 += 1;
        }
        if seen.insert((user, item, invoice)) {
            log.events.push(super::LoggedEvent {
                user,
                item,
                weight: 1.0,
                timestamp: Some(timestamp),
            });
        }
    }
    progress.set_position(reader.position().byte());
    report.purchases = log.events.len();
    if log.events.is_empty() {
        bail!("{}: no purchases left after filtering", path.display());
    }
    let items = item_table(&log, stats);
    Ok((log, items, report))
}

/// Title: the most frequent description (ties: the first seen). Price: the median.
fn item_table(log: &EventLog, stats: HashMap<u32, ItemStats>) -> ItemTable {
    let mut table = ItemTable::new();
    for (item, mut s) in stats {
        let title = s
            .titles
            .into_iter()
            .max_by_key(|(_, (count, first))| (*count, std::cmp::Reverse(*first)))
            .map(|(t, _)| t);
        s.prices.sort_by(f32::total_cmp);
        let price = s.prices.get(s.prices.len() / 2).copied();
        table.insert(
            log.items.id(item).to_string(),
            ItemInfo {
                title,
                price,
                ..ItemInfo::default()
            },
        );
    }
    table
}
