//! Reading interaction logs and item metadata into one shape: an [`EventLog`] of
//! `(user, item, weight, time)` events plus an [`ItemTable`], from which any subset of events
//! becomes a user × item [`Interactions`] matrix (training data, or one side of a split).

pub mod interactions_csv;
pub mod items_csv;
pub mod movielens;
pub mod online_retail;
mod rows;
pub mod sparse;
pub mod time;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};

pub use rows::{BadRowPolicy, RowReport};
pub use sparse::Csr;

/// Dense indices for string ids, in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    ids: Vec<String>,
    index: HashMap<String, u32>,
}

impl IdMap {
    /// The index of `id`, adding it if new.
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), i);
        i
    }

    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    pub fn id(&self, index: u32) -> &str {
        &self.ids[index as usize]
    }

    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// One interaction of a user with an item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoggedEvent {
    pub user: u32,
    pub item: u32,
    pub weight: f32,
    /// Seconds since the Unix epoch, when the source has times.
    pub timestamp: Option<i64>,
}

/// Everything read from an interactions source, with ids interned.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    pub users: IdMap,
    pub items: IdMap,
    pub events: Vec<LoggedEvent>,
}

impl EventLog {
    pub fn push(&mut self, user: &str, item: &str, weight: f32, timestamp: Option<i64>) {
        let user = self.users.intern(user);
        let item = self.items.intern(item);
        self.events.push(LoggedEvent {
            user,
            item,
            weight,
            timestamp,
        });
    }

    /// All events as one matrix.
    pub fn to_interactions(&self) -> Interactions {
        Interactions::from_events(self, self.events.iter())
    }
}

/// A user × item matrix of summed weights, over the users and items that occur in it.
#[derive(Debug, Clone)]
pub struct Interactions {
    pub users: IdMap,
    pub items: IdMap,
    pub matrix: Csr,
}

impl Interactions {
    /// The matrix of `events` (a subset of `log`'s), re-indexed so that only the users and
    /// items occurring in them get rows and columns, in order of first appearance.
    pub fn from_events<'a>(
        log: &EventLog,
        events: impl IntoIterator<Item = &'a LoggedEvent>,
    ) -> Interactions {
        let mut users = IdMap::default();
        let mut items = IdMap::default();
        let mut triples = Vec::new();
        for e in events {
            let u = users.intern(log.users.id(e.user));
            let i = items.intern(log.items.id(e.item));
            triples.push((u, i, e.weight));
        }
        let matrix = Csr::from_triples(users.len(), items.len(), triples);
        Interactions {
            users,
            items,
            matrix,
        }
    }

    /// Number of users who interacted with each item: the catalog's popularity.
    pub fn item_user_counts(&self) -> Vec<f32> {
        self.matrix
            .column_counts()
            .into_iter()
            .map(|c| c as f32)
            .collect()
    }
}

/// What a catalog can say about an item besides its vector.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemInfo {
    pub title: Option<String>,
    /// Free-text description: content features only (the catalog does not ship it).
    pub description: Option<String>,
    /// Brand or maker: content features only.
    pub brand: Option<String>,
    pub category: Option<String>,
    pub price: Option<f32>,
    /// `None` = not stated (the catalog then treats the item as in stock).
    pub available: Option<bool>,
    pub image_url: Option<String>,
    pub popularity: Option<f32>,
    /// Merchandising tags (the items file's `tags` column, `a|b|c`).
    pub tags: Vec<String>,
}

/// Item metadata by item id.
pub type ItemTable = HashMap<String, ItemInfo>;

/// Opens a file for reading, decompressing it when its name ends in `.gz`.
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn Read>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = BufReader::with_capacity(1 << 16, file);
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(reader)))
    } else {
        Ok(Box::new(reader))
    }
}

/// Opens a CSV file with a header row (`.gz` allowed) and reads that header. Rows may have
/// any number of fields: a short row is the reader's to report under its `BadRowPolicy`,
/// with its line, rather than a csv-crate error that stops the whole file.
pub fn open_csv_with_header(
    path: &Path,
    delimiter: u8,
) -> Result<(csv::Reader<Box<dyn Read>>, csv::StringRecord)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(open_maybe_gz(path)?);
    let header = reader
        .headers()
        .map_err(|e| anyhow::anyhow!("{}:1: cannot read the header: {e}", path.display()))?
        .clone();
    Ok((reader, header))
}
