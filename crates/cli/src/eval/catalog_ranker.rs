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

#[cfg(test)]
mod tests {
    use shopwindow::{CatalogBuilder, ItemRecord};

    use super::*;
    use crate::data::EventLog;

    /// Users u0 and u1 over items a, b, c (columns 0, 1, 2 in first-seen order).
    fn train() -> Interactions {
        let mut log = EventLog::default();
        log.push("u0", "a", 1.0, None);
        log.push("u0", "b", 2.0, None);
        log.push("u1", "c", 1.0, None);
        log.to_interactions()
    }

    /// A catalog with the given items in the given order; item `x` points along axis `x`.
    fn catalog(ids: &[&str]) -> Vec<u8> {
        let mut builder = CatalogBuilder::new(4);
        for id in ids {
            let axis = ["a", "b", "c", "z"].iter().position(|x| x == id).unwrap();
            let mut v = [0.1f32; 4];
            v[axis] = 1.0;
            builder.push(ItemRecord::new(*id), &v).unwrap();
        }
        builder.to_bytes().unwrap()
    }

    #[test]
    fn ranks_in_training_columns_whatever_the_catalog_order() {
        let train = train();
        let ranker = CatalogRanker::new(catalog(&["c", "b", "a"]), &train).unwrap();
        assert_eq!(ranker.catalog_index(0), Some(2));
        // u1 bought c (column 2): the other two items, in column space, history excluded.
        let list = ranker.rank(1, 3).unwrap();
        assert_eq!(list.len(), 2);
        assert!(
            list.iter().all(|&column| column == 0 || column == 1),
            "{list:?}"
        );
    }

    #[test]
    fn training_items_missing_from_the_catalog_are_left_out() {
        let train = train();
        let ranker = CatalogRanker::new(catalog(&["a", "c"]), &train).unwrap();
        assert_eq!(ranker.catalog_index(1), None);
        // u0's history keeps only a; b cannot be recommended; c is what is left.
        assert_eq!(ranker.rank(0, 5).unwrap(), vec![2]);
    }

    #[test]
    fn a_catalog_of_other_items_is_refused() {
        let train = train();
        let err = CatalogRanker::new(catalog(&["a", "z"]), &train)
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("1 catalog items are not in the training split"),
            "{err}"
        );
    }
}
