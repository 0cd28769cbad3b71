//! The items file: one row per item with named columns, in any order.
//!
//! | column (any of these names) | meaning |
//! |---|---|
//! | `id`, `item`, `item_id`, `sku`, `product_id` | the item id used in the interactions (required) |
//! | `title`, `name` | display title |
//! | `description` | free text; with the title, brand and category it gives an item without interactions a vector (`content`) |
//! | `brand`, `manufacturer` | brand name (content feature) |
//! | `category` | category name (used by the browser's category filter) |
//! | `price` | non-negative price |
//! | `available`, `in_stock` | `1/0`, `true/false`, `yes/no` |
//! | `image_url`, `image` | image URL |
//! | `popularity` | non-negative popularity for cold start (else: interaction counts) |
//! | `tags` | merchandising tags separated by `|` (`sale|new`); blanks around a tag are trimmed |
//!
//! Other columns are ignored. Empty cells mean "not given".

use std::path::Path;

use anyhow::{bail, Result};

use super::interactions_csv::delimiter_hint;
use super::{open_csv_with_header, BadRowPolicy, ItemInfo, ItemTable, RowReport};

/// Longest description kept (bytes): a longer cell is a bad row, most likely a broken
/// quote that swallowed the rows after it.
pub const MAX_DESCRIPTION_BYTES: usize = 16_384;
/// Longest brand (bytes), for the same reason.
pub const MAX_BRAND_BYTES: usize = 256;

#[derive(Debug, Default)]
struct Columns {
    id: usize,
    title: Option<usize>,
    description: Option<usize>,
    brand: Option<usize>,
    category: Option<usize>,
    price: Option<usize>,
    available: Option<usize>,
    image_url: Option<usize>,
    popularity: Option<usize>,
    tags: Option<usize>,
}

impl Columns {
    fn from_header(path: &Path, header: &csv::StringRecord, delimiter: u8) -> Result<Columns> {
        let find = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
        };
        let Some(id) = find(&["id", "item", "item_id", "itemid", "sku", "product_id"]) else {
            let fields: Vec<&str> = header.iter().collect();
            bail!(
                "{}:1: the items file needs a header with an id column (id, item, item_id, sku \
                 or product_id); found {fields:?}{}",
                path.display(),
                delimiter_hint(&fields, delimiter).replace(
                    "pass --delimiter",
                    "pass the items file's delimiter (train --items-delimiter, import --delimiter)"
                )
            );
        };
        Ok(Columns {
            id,
            title: find(&["title", "name"]),
            description: find(&["description", "desc"]),
            brand: find(&["brand", "manufacturer"]),
            category: find(&["category"]),
            price: find(&["price"]),
            available: find(&["available", "in_stock", "availability"]),
            image_url: find(&["image_url", "image", "image_link"]),
            popularity: find(&["popularity"]),
            tags: find(&["tags"]),
        })
    }
}

/// Reads item metadata keyed by item id. A repeated id is a malformed row.
pub fn read_items(
    path: &Path,
    delimiter: u8,
    policy: BadRowPolicy,
) -> Result<(ItemTable, Vec<String>, RowReport)> {
    let (mut reader, header) = open_csv_with_header(path, delimiter)?;
    let columns = Columns::from_header(path, &header, delimiter)?;
    let mut table = ItemTable::new();
    let mut order = Vec::new();
    let mut report = RowReport::default();
    let mut record = csv::StringRecord::new();
    while let Some(line) = report.next_record(&mut reader, &mut record, policy, path)? {
        report.rows += 1;
        match parse_item(&columns, &record) {
            Ok((id, _)) if table.contains_key(&id) => {
                report.bad_row(policy, path, line, format!("item id {id:?} appears again"))?
            }
            Ok((id, info)) => {
                order.push(id.clone());
                table.insert(id, info);
            }
            Err(reason) => report.bad_row(policy, path, line, reason)?,
        }
    }
    Ok((table, order, report))
}

fn parse_item(columns: &Columns, record: &csv::StringRecord) -> Result<(String, ItemInfo), String> {
    let cell = |c: Option<usize>| {
        c.and_then(|c| record.get(c))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let id = cell(Some(columns.id)).ok_or("the id column is empty")?;
    let non_negative = |name: &str, c: Option<usize>| -> Result<Option<f32>, String> {
        match cell(c) {
            None => Ok(None),
            Some(text) => match text.parse::<f32>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
                _ => Err(format!("the {name} {text:?} is not a non-negative number")),
            },
        }
    };
    let text = |name: &str, c: Option<usize>, limit: usize| -> Result<Option<String>, String> {
        match cell(c) {
            Some(t) if t.len() > limit => Err(format!(
                "the {name} is {} bytes, over the {limit}-byte limit",
                t.len()
            )),
            t => Ok(t.map(str::to_string)),
        }
    };
    let available = match cell(columns.available) {
        None => None,
        Some(text) => Some(parse_flag(text).ok_or_else(|| {
            format!("availability {text:?} is not one of 1/0, true/false, yes/no")
        })?),
    };
    Ok((
        id.to_string(),
        ItemInfo {
            title: cell(columns.title).map(str::to_string),
            description: text("description", columns.description, MAX_DESCRIPTION_BYTES)?,
            brand: text("brand", columns.brand, MAX_BRAND_BYTES)?,
            category: cell(columns.category).map(str::to_string),
            price: non_negative("price", columns.price)?,
            available,
            image_url: cell(columns.image_url).map(str::to_string),
            popularity: non_negative("popularity", columns.popularity)?,
            tags: parse_tags(cell(columns.tags)),
        },
    ))
}

/// `a|b|c` as tags; empty fields (`a||b`, a trailing `|`) are dropped.
fn parse_tags(text: Option<&str>) -> Vec<String> {
    text.unwrap_or("")
        .split('|')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_flag(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "in stock" | "in_stock" => Some(true),
        "0" | "false" | "no" | "n" | "out of stock" | "out_of_stock" => Some(false),
        _ => None,
    }
}
