//! Ranks with a hybrid catalog exactly as the device will ([`super::hybrid`]): the catalog's
//! items matched to the training columns by id, each user's training row turned into the
//! browser's history (one purchase event per unit of weight, unit event weights).

use anyhow::{bail, Context, Result};
use shopwindow::{Catalog, Recommender};

use super::catalog_ext::read_hybrid;
use super::hybrid::{Blend, HybridModel};
use crate::data::Interactions;
use crate::eval::core_ranker::{history_events, unit_profile};
use crate::eval::Ranker;

pub struct HybridRanker<'a> {
    model: HybridModel,
    train: &'a Interactions,
    to_catalog: Vec<Option<u32>>,
    to_column: Vec<u32>,
}

impl<'a> HybridRanker<'a> {
    /// `None` when the catalog has no hybrid metadata (rank it with the vectors alone).
    pub fn new(bytes: Vec<u8>, train: &'a Interactions) -> Result<Option<HybridRanker<'a>>> {
        let Some((neighbours, blend)) = read_hybrid(&bytes)? else {
            return Ok(None);
        };
        let catalog = Catalog::from_bytes(bytes).context("reading the catalog")?;
        if let Some(t) = &neighbours {
            if t.items() != catalog.len() {
                bail!(
                    "the neighbour table has {} rows for {} items",
                    t.items(),
                    catalog.len()
                );
            }
        }
        let mut to_catalog = vec![None; train.items.len()];
        let mut to_column = Vec::with_capacity(catalog.len());
        for index in 0..catalog.len() {
            let Some(column) = train.items.get(catalog.id(index)) else {
                bail!(
                    "catalog item {:?} is not in the training split: the catalog was not \
                     trained on this split",
                    catalog.id(index)
                );
            };
            to_catalog[column as usize] = Some(index as u32);
            to_column.push(column);
        }
        Ok(Some(HybridRanker {
            model: HybridModel::new(Recommender::new(catalog), neighbours, blend),
            train,
            to_catalog,
            to_column,
        }))
    }

    pub fn blend(&self) -> &Blend {
        &self.model.blend
    }

    /// The same catalog ranked under another blend (to measure the parts on a test split).
    pub fn with_blend(mut self, blend: Blend) -> Self {
        self.model.blend = blend;
        self
    }
}

impl Ranker for HybridRanker<'_> {
    fn rank(&self, row: usize, k: usize) -> Result<Vec<u32>> {
        let (columns, weights) = self.train.matrix.row(row);
        let (indices, weights): (Vec<u32>, Vec<f32>) = columns
            .iter()
            .zip(weights)
            .filter_map(|(&column, &w)| self.to_catalog[column as usize].map(|i| (i, w)))
            .unzip();
        let history = history_events(&indices, &weights)?;
        let list = self.model.recommend(&history, &unit_profile(), k)?;
        Ok(list
            .iter()
            .map(|s| self.to_column[s.index as usize])
            .collect())
    }
}
