//! The catalog file: a safetensors file of item embeddings and a little metadata.
//!
//! [`Catalog::from_bytes`] validates everything once (shapes, dtypes, finiteness, unique
//! ids, string tables, limits) and keeps the file's bytes as they are: tensors are read in
//! place, so a 64 MB catalog costs 64 MB of memory, not twice that. After that, accessors
//! hand out typed slices without re-checking. [`CatalogBuilder`] writes the same format.
//!
//! Tensor names and metadata keys are listed in [`names`] and documented in ARCHITECTURE.md.
//! The jobs live apart: `layout` finds and checks the tensors, `meta` parses the metadata,
//! `strings` the string tables, `segments` the optional segment tensors, `hybrid` the
//! optional neighbour table and blend of the hybrid model, `placements` the optional
//! bought-together and trending tables, `storage` keeps
//! the bytes aligned, `gram` accumulates YᵀY, `writer` writes the format; this file is the
//! validated `Catalog` and its accessors.

mod container;
mod error;
mod gram;
mod hybrid;
mod layout;
mod meta;
mod metadata;
pub mod names;
mod placements;
mod segments;
mod storage;
mod strings;
mod vectors;
mod writer;

pub use error::CatalogError;
pub use hybrid::{
    HistoryTransform, Hybrid, HybridParams, HybridSpec, NeighbourSpec, Neighbours, EMPTY_NEIGHBOUR,
    HYBRID_VERSION,
};
pub use layout::{vector_shape, Limits, MAX_VECTOR_VALUE};
pub use meta::{CatalogMeta, LambdaScaling, ModelParams};
pub use metadata::Metadata;
pub use placements::{
    PlacementSpec, Together, TogetherMeasure, TogetherSpec, Trending, TrendingSpec, EMPTY_SLOT,
};
pub use segments::Segments;
pub use vectors::{ItemVectors, VectorDtype};
pub use writer::{
    with_hybrid, with_placements, with_segments, without_item_text, CatalogBuilder, ItemRecord,
    ItemText, SegmentSpec, STORED_GRAM_MIN_ITEMS,
};

pub(crate) use gram::Gram;
pub(crate) use layout::{Find, Found};

use container::relayout;
use layout::{f32s, CategoryColumn, Layout};
use storage::Storage;
use strings::StringTable;

use crate::rfm::RfmThresholds;
use crate::sort::sort_ids_by;

#[cfg(target_endian = "big")]
compile_error!("safetensors stores little-endian data; shopwindow reads it in place and so needs a little-endian target");

/// The catalog format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A validated catalog. Holding one means every invariant in the module docs holds.
#[derive(Debug)]
pub struct Catalog {
    storage: Storage,
    layout: Layout,
    /// Item indices sorted by id, for O(log N) id lookup without a hash map per item.
    id_order: Vec<u32>,
    /// YᵀY in f64, row-major d × d (read from the file or computed once at load).
    gram: Vec<f64>,
    zero_copy: bool,
}

impl Catalog {
    /// Validates `bytes` with the default [`Limits`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Catalog, CatalogError> {
        Catalog::from_bytes_with_limits(bytes, &Limits::default())
    }

    /// Validates `bytes` as a catalog, keeping them as the catalog's storage.
    pub fn from_bytes_with_limits(
        bytes: Vec<u8>,
        limits: &Limits,
    ) -> Result<Catalog, CatalogError> {
        let mut storage = Storage::aligned(bytes);
        let mut layout = Layout::parse(storage.as_bytes(), limits)?;
        let mut zero_copy = true;
        if !layout.aligned {
            // Files written by safetensors (Rust or Python) align every tensor; a file
            // that does not gets re-serialized once so the hot paths can read in place.
            storage = Storage::aligned(relayout(storage.as_bytes())?);
            layout = Layout::parse(storage.as_bytes(), limits)?;
            zero_copy = false;
        }
        let buffer = storage.as_bytes();
        let id_order = unique_id_order(&layout.ids, buffer)?;
        let mut catalog = Catalog {
            gram: Vec::new(),
            storage,
            layout,
            id_order,
            zero_copy,
        };
        catalog.gram = match &catalog.layout.gram {
            Some(range) => f32s(catalog.storage.as_bytes(), range)
                .iter()
                .map(|&v| v as f64)
                .collect(),
            None => catalog.compute_gram(),
        };
        Ok(catalog)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.layout.len
    }

    /// Always false: a catalog without items is rejected.
    pub fn is_empty(&self) -> bool {
        self.layout.len == 0
    }

    /// Embedding dimension d.
    pub fn dim(&self) -> usize {
        self.layout.dim
    }

    pub fn dtype(&self) -> VectorDtype {
        self.layout.dtype
    }

    pub fn meta(&self) -> &CatalogMeta {
        &self.layout.meta
    }

    pub fn params(&self) -> ModelParams {
        self.layout.meta.params
    }

    /// Size of the file in bytes.
    pub fn byte_len(&self) -> usize {
        self.storage.as_bytes().len()
    }

    /// The catalog as a file (the bytes given to `from_bytes`, or their re-laid copy):
    /// `Catalog::from_bytes` of them gives this catalog again.
    pub fn as_bytes(&self) -> &[u8] {
        self.storage.as_bytes()
    }

    /// True when tensors are read in place from the bytes given to `from_bytes` (false only
    /// for files whose tensors were not aligned and had to be re-laid once).
    pub fn is_zero_copy(&self) -> bool {
        self.zero_copy
    }

    fn bytes(&self) -> &[u8] {
        self.storage.as_bytes()
    }

    pub fn vectors(&self) -> ItemVectors<'_> {
        let bytes = self.bytes();
        let range = &self.layout.vectors;
        match self.layout.dtype {
            VectorDtype::F32 => ItemVectors::F32(f32s(bytes, range)),
            VectorDtype::F16 => ItemVectors::F16(bytemuck::cast_slice(&bytes[range.clone()])),
            VectorDtype::I8 => ItemVectors::I8 {
                values: bytemuck::cast_slice(&bytes[range.clone()]),
                scales: f32s(bytes, self.layout.scales.as_ref().unwrap_or(&(0..0))),
            },
            VectorDtype::I4 => ItemVectors::I4 {
                packed: &bytes[range.clone()],
                scales: f32s(bytes, self.layout.scales.as_ref().unwrap_or(&(0..0))),
            },
        }
    }

    /// Item `index`'s vector as f32, written into `out` (length d).
    pub fn row_into(&self, index: usize, out: &mut [f32]) {
        let d = self.dim();
        let span = index * d..(index + 1) * d;
        match self.vectors() {
            ItemVectors::F32(v) => out.copy_from_slice(&v[span]),
            ItemVectors::F16(v) => {
                for (o, &h) in out.iter_mut().zip(&v[span]) {
                    *o = half::f16::from_bits(h).to_f32();
                }
            }
            ItemVectors::I8 { values, scales } => {
                let s = scales[index];
                for (o, &q) in out.iter_mut().zip(&values[span]) {
                    *o = s * q as f32;
                }
            }
            ItemVectors::I4 { packed, scales } => {
                let s = scales[index];
                let bytes = &packed[index * d / 2..(index + 1) * d / 2];
                for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
                    let (lo, hi) = shopwindow_kernels::unpack_i4(b);
                    pair[0] = s * lo as f32;
                    pair[1] = s * hi as f32;
                }
            }
        }
    }

    /// Item `index`'s vector as a new f32 vector.
    pub fn row(&self, index: usize) -> Vec<f32> {
        let mut out = vec![0.0; self.dim()];
        self.row_into(index, &mut out);
        out
    }

    pub fn id(&self, index: usize) -> &str {
        self.layout.ids.get(self.bytes(), index)
    }

    /// The index of the item with this id, if the catalog has it.
    pub fn index_of(&self, id: &str) -> Option<u32> {
        let bytes = self.bytes();
        self.id_order
            .binary_search_by(|&i| {
                self.layout
                    .ids
                    .get_bytes(bytes, i as usize)
                    .cmp(id.as_bytes())
            })
            .ok()
            .map(|pos| self.id_order[pos])
    }

    pub fn title(&self, index: usize) -> Option<&str> {
        self.layout
            .titles
            .as_ref()
            .map(|t| t.get(self.bytes(), index))
    }

    pub fn image_url(&self, index: usize) -> Option<&str> {
        self.layout
            .images
            .as_ref()
            .map(|t| t.get(self.bytes(), index))
    }

    /// Whether the catalog ships merchandising tags (`item.tags`).
    pub fn has_tags(&self) -> bool {
        self.layout.tags.is_some()
    }

    /// Item `index`'s tags, as stored: separated by `|`, empty for none; `None` when the
    /// catalog has no tags table. [`Catalog::tags`] splits them.
    pub fn tags_text(&self, index: usize) -> Option<&str> {
        self.layout
            .tags
            .as_ref()
            .map(|t| t.get(self.bytes(), index))
    }

    /// Item `index`'s tags (empty without a tags table or without tags).
    pub fn tags(&self, index: usize) -> impl Iterator<Item = &str> {
        self.tags_text(index)
            .unwrap_or("")
            .split('|')
            .filter(|t| !t.is_empty())
    }

    pub fn popularity(&self) -> Option<&[f32]> {
        self.layout
            .popularity
            .as_ref()
            .map(|r| f32s(self.bytes(), r))
    }

    pub fn prices(&self) -> Option<&[f32]> {
        self.layout.price.as_ref().map(|r| f32s(self.bytes(), r))
    }

    /// Availability flags (1 = in stock); `None` means every item is available.
    pub fn availability(&self) -> Option<&[u8]> {
        self.layout
            .available
            .as_ref()
            .map(|r| &self.bytes()[r.clone()])
    }

    pub fn has_categories(&self) -> bool {
        self.layout.category.is_some()
    }

    /// Item `index`'s category, if the catalog has categories.
    #[inline]
    pub fn category(&self, index: usize) -> Option<u32> {
        let bytes = self.bytes();
        match &self.layout.category {
            None => None,
            Some(CategoryColumn::U16(r)) => {
                Some(bytemuck::cast_slice::<u8, u16>(&bytes[r.clone()])[index] as u32)
            }
            Some(CategoryColumn::U32(r)) => {
                Some(bytemuck::cast_slice::<u8, u32>(&bytes[r.clone()])[index])
            }
        }
    }

    /// Number of named categories (0 when the catalog has no category names).
    pub fn category_count(&self) -> usize {
        self.layout
            .category_names
            .as_ref()
            .map_or(0, StringTable::len)
    }

    pub fn category_name(&self, category: u32) -> Option<&str> {
        let table = self.layout.category_names.as_ref()?;
        ((category as usize) < table.len()).then(|| table.get(self.bytes(), category as usize))
    }

    /// The category index with this name.
    pub fn category_by_name(&self, name: &str) -> Option<u32> {
        (0..self.category_count() as u32).find(|&c| self.category_name(c) == Some(name))
    }

    /// YᵀY, row-major d × d.
    pub fn gram(&self) -> &[f64] {
        &self.gram
    }

    /// The customer segments built offline, if the catalog ships them.
    pub fn segments(&self) -> Option<Segments<'_>> {
        self.layout
            .segments
            .as_ref()
            .map(|layout| Segments::new(self.bytes(), layout))
    }

    /// The RFM quintile thresholds, if the catalog ships them.
    pub fn rfm_thresholds(&self) -> Option<&RfmThresholds> {
        self.layout.rfm.as_ref()
    }

    /// The hybrid model (neighbour table and blend weights), if the catalog ships one.
    pub fn hybrid(&self) -> Option<Hybrid<'_>> {
        self.layout.hybrid.as_ref().map(|h| h.view(self.bytes()))
    }

    /// The bought-together table, if the catalog ships one.
    pub fn together(&self) -> Option<Together<'_>> {
        self.layout.placements.together(self.bytes())
    }

    /// The trending score (time-decayed popularity), if the catalog ships one.
    pub fn trending(&self) -> Option<Trending<'_>> {
        self.layout.placements.trending(self.bytes())
    }

    /// The offline tuner's report: the `tune.*` metadata entries (free text), key order.
    pub fn tune_report(&self) -> impl Iterator<Item = (&str, &str)> {
        self.layout
            .meta
            .extra
            .iter()
            .filter(|(k, _)| k.starts_with(names::META_TUNE_PREFIX))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many items have content-derived vectors (`content.items`): the catalog's last
    /// ones. They rank like any item; the count is for reports.
    pub fn content_derived_items(&self) -> usize {
        self.layout.content_items
    }

    /// True when the file carried `model.gram` (false: computed at load).
    pub fn has_stored_gram(&self) -> bool {
        self.layout.gram.is_some()
    }

    /// YᵀY of the stored vectors, rounded to f32 as the writer stores it: a catalog scores
    /// the same whether its file carries the gram or not (`writer::STORED_GRAM_MIN_ITEMS`).
    fn compute_gram(&self) -> Vec<f64> {
        let mut gram = Gram::new(self.dim());
        let mut row = vec![0.0f32; self.dim()];
        for i in 0..self.len() {
            self.row_into(i, &mut row);
            gram.add_row(&row);
        }
        gram.finish().into_iter().map(f64::from).collect()
    }
}

/// Sorted id permutation; rejects empty and duplicate ids.
fn unique_id_order(ids: &StringTable, buffer: &[u8]) -> Result<Vec<u32>, CatalogError> {
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    sort_ids_by(&mut order, &mut |a, b| {
        ids.get_bytes(buffer, a as usize)
            .cmp(ids.get_bytes(buffer, b as usize))
            .then(a.cmp(&b))
    });
    for pair in order.windows(2) {
        if ids.get_bytes(buffer, pair[0] as usize) == ids.get_bytes(buffer, pair[1] as usize) {
            return Err(CatalogError::DuplicateId {
                id: ids.get(buffer, pair[0] as usize).to_string(),
                first: pair[0] as usize,
                second: pair[1] as usize,
            });
        }
    }
    if let Some(&first) = order.first() {
        if ids.get(buffer, first as usize).is_empty() {
            return Err(CatalogError::InvalidValue {
                name: names::ID_UTF8.into(),
                index: first as usize,
                reason: "item ids must not be empty".into(),
            });
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests;
