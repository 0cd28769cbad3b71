//! Turns item vectors plus metadata into catalog bytes with the core's writer, which also
//! computes YᵀY and validates the result with the same reader the browser uses.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use shopwindow::catalog::ModelParams;
use shopwindow::{CatalogBuilder, ItemRecord, VectorDtype};

use crate::data::{ItemInfo, ItemTable};

/// Everything a catalog is made from.
#[derive(Debug, Clone)]
pub struct CatalogSpec<'a> {
    pub ids: &'a [String],
    /// Row-major, `ids.len()` × `dim`.
    pub vectors: &'a [f32],
    pub dim: usize,
    /// Cold-start popularity per item (an items-file `popularity` column wins).
    pub popularity: &'a [f32],
    pub items: &'a ItemTable,
    pub params: ModelParams,
    pub dtype: VectorDtype,
    /// Free-text `__metadata__` (source, hyper-parameters, creation time).
    pub metadata: BTreeMap<String, String>,
}

/// Encodes a catalog. Every item's price must be known, or none.
pub fn build_catalog(spec: &CatalogSpec<'_>) -> Result<Vec<u8>> {
    let n = spec.ids.len();
    assert_eq!(spec.vectors.len(), n * spec.dim, "vectors must be N × d");
    assert_eq!(spec.popularity.len(), n, "one popularity per item");
    check_prices(spec.ids, spec.items)?;
    let mut builder = CatalogBuilder::new(spec.dim)
        .dtype(spec.dtype)
        .params(spec.params);
    for (key, value) in &spec.metadata {
        builder = builder.metadata(key, value);
    }
    let missing = ItemInfo::default();
    for (i, id) in spec.ids.iter().enumerate() {
        let info = spec.items.get(id).unwrap_or(&missing);
        let record = ItemRecord {
            id: id.clone(),
            title: info.title.clone(),
            image_url: info.image_url.clone(),
            tags: info.tags.clone(),
            category: info.category.clone(),
            price: info.price,
            available: info.available.unwrap_or(true),
            popularity: info.popularity.unwrap_or(spec.popularity[i]),
        };
        builder
            .push(record, &spec.vectors[i * spec.dim..(i + 1) * spec.dim])
            .with_context(|| format!("item {id:?}"))?;
    }
    builder.to_bytes().context("writing the catalog")
}

/// What to do when some catalog items have a price and others not (the catalog stores a
/// price for every item or for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MissingPrices {
    /// Stop and say which items lack one.
    #[default]
    Error,
    /// Ship the catalog without prices: no price filter in the browser, and RFM's
    /// monetary value is 0 for everyone.
    Drop,
}

/// Settles partial prices over the catalog's items `ids` before any training: an error
/// naming the unpriced items, or (with [`MissingPrices::Drop`]) every price removed and a
/// note saying how many items had one.
pub fn settle_prices(
    ids: &[String],
    items: &mut ItemTable,
    choice: MissingPrices,
) -> Result<Option<String>> {
    let priced = ids
        .iter()
        .filter(|id| items.get(*id).and_then(|i| i.price).is_some())
        .count();
    if priced == 0 || priced == ids.len() {
        return Ok(None);
    }
    match choice {
        MissingPrices::Error => check_prices(ids, items).map(|()| None),
        MissingPrices::Drop => {
            for info in items.values_mut() {
                info.price = None;
            }
            Ok(Some(format!(
                "{priced} of {} catalog items have a price, the others not: --missing-prices \
                 drop ships no prices (no price filter; RFM monetary is 0 for everyone)",
                ids.len()
            )))
        }
    }
}

/// The catalog stores a price for every item or for none: say which items lack one.
fn check_prices(ids: &[String], items: &ItemTable) -> Result<()> {
    let priced = ids
        .iter()
        .filter(|id| items.get(*id).and_then(|i| i.price).is_some())
        .count();
    if priced == 0 || priced == ids.len() {
        return Ok(());
    }
    let examples: Vec<&str> = ids
        .iter()
        .filter(|id| items.get(*id).and_then(|i| i.price).is_none())
        .take(5)
        .map(String::as_str)
        .collect();
    bail!(
        "{priced} of {} items have a price, the others do not (e.g. {examples:?}); the \
         catalog's price filter needs a price for every item or for none: complete the items \
         file, or pass --missing-prices drop to ship no prices",
        ids.len()
    )
}

/// The usual metadata entries: creation time (Unix seconds) and a source description.
pub fn standard_metadata(source: &str) -> BTreeMap<String, String> {
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs().to_string())
        .unwrap_or_default();
    BTreeMap::from([
        ("created".to_string(), created),
        ("source".to_string(), source.to_string()),
    ])
}
