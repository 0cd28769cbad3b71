//! Ranks with a catalog made elsewhere (e.g. `import --from spark-als`), through the core's
//! [`Recommender`] exactly as the browser would: the catalog's items are matched to the
//! training matrix's columns by item id, each user's training history is folded in, and
//! the top-k comes back in column space.

use anyhow::{bail, Context, Result};
use shopwindow::{Catalog, Recommender};

use super::core_ranker::{history_events, CoreRanker};
use super::Ranker;
use crate::data::Interactions;

pub struct CatalogRanker<'a> {
    recommender: Recommender,
    train: &'a Interactions,
    /// Training column → catalog index (`None`: the catalog lacks the item).
    to_catalog: Vec<Option<u32>>,
    /// Catalog index → training column.
    to_column: Vec<u32>,
}

impl<'a> CatalogRanker<'a> {
    /// Every catalog item must be an item of the training split (the catalog was trained
    /// on it); training items the catalog lacks are never recommended and are left out of
    /// the histories.
    pub fn new(catalog_bytes: Vec<u8>, train: &'a Interactions) -> Result<CatalogRanker<'a>> {
        let catalog = Catalog::from_bytes(catalog_bytes).context("reading the catalog")?;
        let mut to_catalog = vec![None; train.items.len()];
        let mut to_column = Vec::with_capacity(catalog.len());
        let mut unknown = Vec::new();
        for index in 0..catalog.len() {
            match train.items.get(catalog.id(index)) {
                Some(column) => {
                    to_catalog[column as usize] = Some(index as u32);
                    to_column.push(column);
                }
                None => unknown.push(catalog.id(index).to_string()),
            }
        }
        if !unknown.is_empty() {
            bail!(
                "{} catalog items are not in the training split (e.g. {:?}): the catalog \
                 was not trained on this split",
                unknown.len(),
                &unknown[..unknown.len().min(5)]
            );
        }
        let absent = to_catalog.iter().filter(|c| c.is_none()).count();
        if absent > 0 {
            eprintln!("note: {absent} training items are not in the catalog");
        }
        Ok(CatalogRanker {
            recommender: Recommender::new(catalog),
            train,
            to_catalog,
            to_column,
        })
    }

    /// The catalog index of each training column the catalog has.
    pub fn catalog_index(&self, column: u32) -> Option<u32> {
        self.to_catalog[column as usize]
    }

    pub fn recommender(&self) -> &Recommender {
        &self.recommender
    }
}

impl Ranker for CatalogRanker<'_> {
    fn rank(&self, row: usize, k: usize) -> Result<Vec<u32>> {
        let (columns, weights) = self.train.matrix.row(row);
        let (indices, weights): (Vec<u32>, Vec<f32>) = columns
            .iter()
            .zip(weights)
            .filter_map(|(&column, &w)| self.to_catalog[column as usize].map(|i| (i, w)))
            .unzip();
        let history = history_events(&indices, &weights)?;
        let result = self
            .recommender
            .recommend(&history, &CoreRanker::options(k))
            .context("the core recommender failed")?;
        Ok(result
            .items
            .iter()
            .map(|r| self.to_column[r.index as usize])
            .collect())
    }
}
