//! Writes catalog files (the trainer, the importer and the test fixtures all use this).

use std::collections::{BTreeMap, HashMap};

use safetensors::tensor::TensorView;
use safetensors::Dtype;

use super::hybrid;
use super::meta::file_metadata;
use super::placements::{self, PlacementSpec};
use super::{
    names, strings, Catalog, CatalogError, Gram, HybridSpec, Limits, ModelParams, VectorDtype,
    FORMAT_VERSION,
};
use crate::rfm::{RfmThresholds, RFM_FEATURES};

/// Everything about one item except its vector.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    pub id: String,
    pub title: Option<String>,
    pub image_url: Option<String>,
    /// Merchandising tags (no `|` inside a tag; empty tags are dropped).
    pub tags: Vec<String>,
    pub category: Option<String>,
    pub price: Option<f32>,
    pub available: bool,
    pub popularity: f32,
}

impl ItemRecord {
    /// An in-stock item with only an id.
    pub fn new(id: impl Into<String>) -> Self {
        ItemRecord {
            id: id.into(),
            title: None,
            image_url: None,
            tags: Vec::new(),
            category: None,
            price: None,
            available: true,
            popularity: 0.0,
        }
    }
}

/// Customer segments to ship in a catalog (see ARCHITECTURE.md, "Segments").
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentSpec {
    /// `S × d` centroids, row-major (`S × (d + 3)` with `rfm_weight`).
    pub centroids: Vec<f32>,
    /// Customers per segment (S entries).
    pub sizes: Vec<u32>,
    pub labels: Vec<String>,
    /// Temperature τ of the soft membership `softmax(−‖x − c_s‖² / τ)`.
    pub temperature: f32,
    /// Per segment its dominant category names (all lists equally long), or empty.
    pub top_categories: Vec<Vec<String>>,
    /// Per segment its most characteristic item ids (all lists equally long), or empty.
    pub top_items: Vec<Vec<String>>,
    /// Weight W of the RFM features appended to each point (`segment.rfm_weight`), or
    /// `None` for segments of the fold-in direction alone.
    pub rfm_weight: Option<f32>,
}

/// One tensor to write: name, dtype, shape, little-endian bytes.
type OwnedTensor = (String, Dtype, Vec<usize>, Vec<u8>);

/// Limits wide enough for anything the writer accepted (its output is validated with them).
const WRITER_LIMITS: Limits = Limits {
    max_items: usize::MAX,
    max_dim: usize::MAX,
    max_vector_elements: usize::MAX,
    max_neighbours: usize::MAX,
};

/// Collects items and their f32 vectors, then encodes them as a catalog file.
#[derive(Debug, Clone)]
pub struct CatalogBuilder {
    dim: usize,
    dtype: VectorDtype,
    params: ModelParams,
    metadata: BTreeMap<String, String>,
    items: Vec<ItemRecord>,
    vectors: Vec<f32>,
    segments: Option<SegmentSpec>,
    rfm: Option<RfmThresholds>,
    hybrid: Option<HybridSpec>,
}

impl CatalogBuilder {
    pub fn new(dim: usize) -> Self {
        CatalogBuilder {
            dim,
            dtype: VectorDtype::F32,
            params: ModelParams::default(),
            metadata: BTreeMap::new(),
            items: Vec::new(),
            vectors: Vec::new(),
            segments: None,
            rfm: None,
            hybrid: None,
        }
    }

    /// Ships the hybrid model: its blend as `hybrid.*` metadata (replacing any such free-text
    /// entries) and its neighbour table, whose ids index this builder's items.
    pub fn hybrid(mut self, hybrid: HybridSpec) -> Self {
        self.hybrid = Some(hybrid);
        self
    }

    /// Ships customer segments; their top categories and items are names and ids of this
    /// builder's items.
    pub fn segments(mut self, segments: SegmentSpec) -> Self {
        self.segments = Some(segments);
        self
    }

    /// Ships RFM quintile thresholds.
    pub fn rfm_thresholds(mut self, thresholds: RfmThresholds) -> Self {
        self.rfm = Some(thresholds);
        self
    }

    /// How vectors are stored in the file (f32 by default).
    pub fn dtype(mut self, dtype: VectorDtype) -> Self {
        self.dtype = dtype;
        self
    }

    /// The implicit-ALS parameters fold-in must use with these vectors.
    pub fn params(mut self, params: ModelParams) -> Self {
        self.params = params;
        self
    }

    /// A free-text `__metadata__` entry (`created`, `source`, hyper-parameters, …).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds an item; its vector must have `dim` finite values.
    pub fn push(&mut self, item: ItemRecord, vector: &[f32]) -> Result<(), CatalogError> {
        let index = self.items.len();
        if vector.len() != self.dim {
            return Err(CatalogError::Shape {
                name: format!("vector of item {:?}", item.id),
                found: vec![vector.len()],
                expected: format!("[{}]", self.dim),
            });
        }
        if let Some(j) = vector.iter().position(|v| !v.is_finite()) {
            return Err(CatalogError::NonFinite {
                name: names::VECTORS.into(),
                index: index * self.dim + j,
            });
        }
        // A tag is one `|`-separated field of `item.tags`: it cannot hold the separator,
        // and an empty one would read back as no tag.
        if let Some(tag) = item.tags.iter().find(|t| t.is_empty() || t.contains('|')) {
            return Err(CatalogError::StringTable {
                name: names::TAGS_UTF8.into(),
                reason: format!(
                    "item {:?} has the tag {tag:?}: tags are non-empty and hold no '|'",
                    item.id
                ),
            });
        }
        self.items.push(item);
        self.vectors.extend_from_slice(vector);
        Ok(())
    }

    /// Encodes the catalog and validates the result with the reader, so the writer can never
    /// produce a file the browser rejects.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CatalogError> {
        let n = self.items.len();
        let d = self.dim;
        let mut tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        let mut add = |name: &str, dtype: Dtype, shape: Vec<usize>, data: Vec<u8>| {
            tensors.push((name.to_string(), dtype, shape, data));
        };

        let (vector_bytes, stored) = self.encode_vectors()?;
        match self.dtype {
            VectorDtype::F32 => add(names::VECTORS, Dtype::F32, vec![n, d], vector_bytes),
            VectorDtype::F16 => add(names::VECTORS, Dtype::F16, vec![n, d], vector_bytes),
            VectorDtype::I8 => {
                let (values, scales) = vector_bytes.split_at(n * d);
                add(names::VECTORS, Dtype::I8, vec![n, d], values.to_vec());
                add(names::SCALE, Dtype::F32, vec![n], scales.to_vec());
            }
            VectorDtype::I4 => {
                let (packed, scales) = vector_bytes.split_at(n * d / 2);
                add(names::VECTORS, Dtype::U8, vec![n, d / 2], packed.to_vec());
                add(names::SCALE, Dtype::F32, vec![n], scales.to_vec());
            }
        }
        if n >= STORED_GRAM_MIN_ITEMS {
            add(
                names::GRAM,
                Dtype::F32,
                vec![d, d],
                f32_bytes(&gram_f32(&stored, d)),
            );
        }

        let ids: Vec<&str> = self.items.iter().map(|i| i.id.as_str()).collect();
        add_strings(&mut add, names::ID_UTF8, names::ID_OFFSETS, &ids)?;
        if self.items.iter().any(|i| i.title.is_some()) {
            let titles: Vec<&str> = self
                .items
                .iter()
                .map(|i| i.title.as_deref().unwrap_or(""))
                .collect();
            add_strings(&mut add, names::TITLE_UTF8, names::TITLE_OFFSETS, &titles)?;
        }
        if self.items.iter().any(|i| i.image_url.is_some()) {
            let images: Vec<&str> = self
                .items
                .iter()
                .map(|i| i.image_url.as_deref().unwrap_or(""))
                .collect();
            add_strings(&mut add, names::IMAGE_UTF8, names::IMAGE_OFFSETS, &images)?;
        }
        if self.items.iter().any(|i| !i.tags.is_empty()) {
            let tags: Vec<String> = self.items.iter().map(|i| i.tags.join("|")).collect();
            let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            add_strings(&mut add, names::TAGS_UTF8, names::TAGS_OFFSETS, &tags)?;
        }
        let popularity: Vec<f32> = self.items.iter().map(|i| i.popularity).collect();
        add(
            names::POPULARITY,
            Dtype::F32,
            vec![n],
            f32_bytes(&popularity),
        );
        let available: Vec<u8> = self.items.iter().map(|i| i.available as u8).collect();
        add(names::AVAILABLE, Dtype::U8, vec![n], available);

        if self.items.iter().any(|i| i.price.is_some()) {
            let mut prices = Vec::with_capacity(n);
            for (index, item) in self.items.iter().enumerate() {
                prices.push(item.price.ok_or_else(|| CatalogError::InvalidValue {
                    name: names::PRICE.into(),
                    index,
                    reason: format!("item {:?} has no price while other items do", item.id),
                })?);
            }
            add(names::PRICE, Dtype::F32, vec![n], f32_bytes(&prices));
        }

        if self.items.iter().any(|i| i.category.is_some()) {
            // Category indices follow first appearance, so the output is deterministic.
            let mut index_of: HashMap<&str, u32> = HashMap::new();
            let mut category_names: Vec<&str> = Vec::new();
            let mut column = Vec::with_capacity(n);
            for item in &self.items {
                let name = item.category.as_deref().unwrap_or("uncategorized");
                let next = category_names.len() as u32;
                let c = *index_of.entry(name).or_insert_with(|| {
                    category_names.push(name);
                    next
                });
                column.push(c);
            }
            if category_names.len() <= u16::MAX as usize + 1 {
                let narrow: Vec<u16> = column.iter().map(|&c| c as u16).collect();
                add(
                    names::CATEGORY,
                    Dtype::U16,
                    vec![n],
                    bytemuck::cast_slice(&narrow).to_vec(),
                );
            } else {
                add(
                    names::CATEGORY,
                    Dtype::U32,
                    vec![n],
                    bytemuck::cast_slice(&column).to_vec(),
                );
            }
            add_strings(
                &mut add,
                names::CATEGORY_NAME_UTF8,
                names::CATEGORY_NAME_OFFSETS,
                &category_names,
            )?;
        }

        if let Some(spec) = &self.segments {
            let categories = category_order(&self.items);
            tensors.extend(segment_tensors(
                spec,
                d,
                |id| self.items.iter().position(|i| i.id == id),
                |name| categories.iter().position(|&c| c == name),
            )?);
        }
        if let Some(rfm) = &self.rfm {
            tensors.push(rfm_tensor(rfm));
        }
        let mut metadata = self.metadata.clone();
        if let Some(spec) = &self.hybrid {
            set_hybrid(&mut metadata, spec);
            if let Some(table) = &spec.neighbours {
                tensors.extend(hybrid::tensors(table, n)?);
            }
        }

        metadata.insert(
            names::META_FORMAT_VERSION.into(),
            FORMAT_VERSION.to_string(),
        );
        metadata.insert(names::META_MODEL.into(), "ials".into());
        metadata.insert(names::META_ALPHA.into(), self.params.alpha.to_string());
        metadata.insert(names::META_LAMBDA.into(), self.params.lambda.to_string());
        metadata.insert(
            names::META_LAMBDA_SCALING.into(),
            self.params.lambda_scaling.as_str().into(),
        );

        let views = tensors
            .iter()
            .map(|(name, dtype, shape, data)| {
                TensorView::new(*dtype, shape.clone(), data)
                    .map(|view| (name.clone(), view))
                    .map_err(CatalogError::from)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bytes = with_metadata(safetensors::serialize(views, None)?, &metadata);
        Catalog::from_bytes_with_limits(bytes.clone(), &WRITER_LIMITS)?;
        Ok(bytes)
    }

    /// Stored bytes (for I8 and I4: values then scales) and the vectors as stored, dequantized, so
    /// the Gram matrix describes exactly what fold-in will read.
    fn encode_vectors(&self) -> Result<(Vec<u8>, Vec<f32>), CatalogError> {
        let d = self.dim;
        match self.dtype {
            VectorDtype::F32 => Ok((f32_bytes(&self.vectors), self.vectors.clone())),
            VectorDtype::F16 => {
                let mut bits = Vec::with_capacity(self.vectors.len());
                let mut stored = Vec::with_capacity(self.vectors.len());
                for (index, &v) in self.vectors.iter().enumerate() {
                    let h = half::f16::from_f32(v);
                    if !h.is_finite() {
                        return Err(CatalogError::InvalidValue {
                            name: names::VECTORS.into(),
                            index,
                            reason: format!("{v} does not fit in f16 (max 65504)"),
                        });
                    }
                    bits.push(h.to_bits());
                    stored.push(h.to_f32());
                }
                Ok((bytemuck::cast_slice(&bits).to_vec(), stored))
            }
            VectorDtype::I8 => {
                let n = self.items.len();
                let mut values = Vec::with_capacity(n * d);
                let mut scales = Vec::with_capacity(n);
                let mut stored = Vec::with_capacity(n * d);
                for row in self.vectors.chunks_exact(d.max(1)) {
                    let (q, scale) = quantize_i8(row);
                    values.extend(q.iter().map(|&v| v as u8));
                    stored.extend(q.iter().map(|&v| scale * v as f32));
                    scales.push(scale);
                }
                values.extend_from_slice(&f32_bytes(&scales));
                Ok((values, stored))
            }
            VectorDtype::I4 => {
                if d % 2 != 0 {
                    return Err(CatalogError::Shape {
                        name: names::VECTORS.into(),
                        found: vec![self.items.len(), d],
                        expected: "an even dimension for 4-bit storage (use i8 instead)".into(),
                    });
                }
                let n = self.items.len();
                let mut packed = Vec::with_capacity(n * d / 2);
                let mut scales = Vec::with_capacity(n);
                let mut stored = Vec::with_capacity(n * d);
                for row in self.vectors.chunks_exact(d.max(1)) {
                    let (q, scale) = quantize_i4(row);
                    packed.extend(
                        q.chunks_exact(2)
                            .map(|p| shopwindow_kernels::pack_i4(p[0], p[1])),
                    );
                    stored.extend(q.iter().map(|&v| scale * v as f32));
                    scales.push(scale);
                }
                packed.extend_from_slice(&f32_bytes(&scales));
                Ok((packed, stored))
            }
        }
    }
}

/// Category names in order of first appearance: the indices `to_bytes` gives them.
fn category_order(items: &[ItemRecord]) -> Vec<&str> {
    let mut order: Vec<&str> = Vec::new();
    if items.iter().any(|i| i.category.is_some()) {
        for item in items {
            let name = item.category.as_deref().unwrap_or("uncategorized");
            if !order.contains(&name) {
                order.push(name);
            }
        }
    }
    order
}

fn rfm_tensor(rfm: &RfmThresholds) -> OwnedTensor {
    let values: Vec<f32> = rfm.rows().iter().flatten().copied().collect();
    (
        names::RFM_THRESHOLDS.into(),
        Dtype::F32,
        vec![3, 4],
        f32_bytes(&values),
    )
}

/// A `[S, T]` index table to write: tensor name, the keys per segment, how a key resolves
/// to an index, and what a key is (for the error message).
type TopTable<'a> = (
    &'a str,
    &'a Vec<Vec<String>>,
    &'a dyn Fn(&str) -> Option<usize>,
    &'a str,
);

/// The segment tensors, with names and ids resolved to indices.
fn segment_tensors(
    spec: &SegmentSpec,
    dim: usize,
    item_index: impl Fn(&str) -> Option<usize>,
    category_index: impl Fn(&str) -> Option<usize>,
) -> Result<Vec<OwnedTensor>, CatalogError> {
    let count = spec.sizes.len();
    let shape_error = |name: &str, found: Vec<usize>, expected: String| CatalogError::Shape {
        name: name.into(),
        found,
        expected,
    };
    let width = dim + spec.rfm_weight.map_or(0, |_| RFM_FEATURES);
    if count == 0 || spec.centroids.len() != count * width {
        return Err(shape_error(
            names::SEGMENT_CENTROIDS,
            vec![spec.centroids.len()],
            format!("{count} segments × {width} values, at least one segment"),
        ));
    }
    if spec.labels.len() != count {
        return Err(shape_error(
            names::SEGMENT_LABEL_UTF8,
            vec![spec.labels.len()],
            format!("[{count}] (one label per segment)"),
        ));
    }
    let mut out: Vec<OwnedTensor> = vec![
        (
            names::SEGMENT_CENTROIDS.into(),
            Dtype::F32,
            vec![count, width],
            f32_bytes(&spec.centroids),
        ),
        (
            names::SEGMENT_SIZES.into(),
            Dtype::U32,
            vec![count],
            bytemuck::cast_slice(&spec.sizes).to_vec(),
        ),
        (
            names::SEGMENT_TEMPERATURE.into(),
            Dtype::F32,
            vec![1],
            f32_bytes(&[spec.temperature]),
        ),
    ];
    if let Some(weight) = spec.rfm_weight {
        out.push((
            names::SEGMENT_RFM_WEIGHT.into(),
            Dtype::F32,
            vec![1],
            f32_bytes(&[weight]),
        ));
    }
    add_strings(
        &mut |name: &str, dtype, shape, data| out.push((name.into(), dtype, shape, data)),
        names::SEGMENT_LABEL_UTF8,
        names::SEGMENT_LABEL_OFFSETS,
        &spec.labels,
    )?;
    let tables: [TopTable<'_>; 2] = [
        (
            names::SEGMENT_TOP_CATEGORIES,
            &spec.top_categories,
            &category_index,
            "category",
        ),
        (
            names::SEGMENT_TOP_ITEMS,
            &spec.top_items,
            &item_index,
            "item",
        ),
    ];
    for (name, lists, index, what) in tables {
        if lists.is_empty() {
            continue;
        }
        let width = lists[0].len();
        if lists.len() != count || lists.iter().any(|l| l.len() != width) {
            return Err(shape_error(
                name,
                lists.iter().map(Vec::len).collect(),
                format!("{count} lists of equal length"),
            ));
        }
        let mut indices = Vec::with_capacity(count * width);
        for (position, key) in lists.iter().flatten().enumerate() {
            let index = index(key).ok_or_else(|| CatalogError::InvalidValue {
                name: name.into(),
                index: position,
                reason: format!("the catalog has no {what} {key:?}"),
            })?;
            indices.push(index as u32);
        }
        out.push((
            name.into(),
            Dtype::U32,
            vec![count, width],
            bytemuck::cast_slice(&indices).to_vec(),
        ));
    }
    Ok(out)
}

/// A copy of the catalog file `bytes` with its segments and RFM thresholds replaced (any
/// earlier `segment.*` and `rfm.*` tensors are dropped; `None` ships none). Everything else
/// — vectors, metadata, tensor bytes — is kept as it is. The result is validated.
pub fn with_segments(
    bytes: &[u8],
    segments: Option<&SegmentSpec>,
    rfm: Option<&RfmThresholds>,
) -> Result<Vec<u8>, CatalogError> {
    let catalog = Catalog::from_bytes_with_limits(bytes.to_vec(), &WRITER_LIMITS)?;
    let mut added: Vec<OwnedTensor> = Vec::new();
    if let Some(spec) = segments {
        added = segment_tensors(
            spec,
            catalog.dim(),
            |id| catalog.index_of(id).map(|i| i as usize),
            |name| catalog.category_by_name(name).map(|c| c as usize),
        )?;
    }
    added.extend(rfm.map(rfm_tensor));
    let file = safetensors::SafeTensors::deserialize(bytes)?;
    let mut views: Vec<(String, TensorView<'_>)> = file
        .tensors()
        .into_iter()
        .filter(|(name, _)| !name.starts_with("segment.") && !name.starts_with("rfm."))
        .collect();
    for (name, dtype, shape, data) in &added {
        views.push((name.clone(), TensorView::new(*dtype, shape.clone(), data)?));
    }
    let out = with_metadata(safetensors::serialize(views, None)?, &file_metadata(bytes)?);
    Catalog::from_bytes_with_limits(out.clone(), &WRITER_LIMITS)?;
    Ok(out)
}

/// Replaces the `hybrid.*` entries of `metadata` with those of `spec`.
fn set_hybrid(metadata: &mut BTreeMap<String, String>, spec: &HybridSpec) {
    metadata.retain(|key, _| !key.starts_with("hybrid."));
    metadata.extend(
        hybrid::metadata(&spec.params)
            .into_iter()
            .map(|(key, value)| (key.to_string(), value)),
    );
}

/// A copy of the catalog file `bytes` with its hybrid model replaced (any earlier
/// `neighbour.*` tensors and `hybrid.*` metadata are dropped; `None` ships none). Everything
/// else — vectors, segments, other metadata such as the tuner's `tune.*` report — is kept as
/// it is. The result is validated.
pub fn with_hybrid(bytes: &[u8], spec: Option<&HybridSpec>) -> Result<Vec<u8>, CatalogError> {
    let catalog = Catalog::from_bytes_with_limits(bytes.to_vec(), &WRITER_LIMITS)?;
    let added = match spec.and_then(|s| s.neighbours.as_ref()) {
        Some(table) => hybrid::tensors(table, catalog.len())?.to_vec(),
        None => Vec::new(),
    };
    let mut metadata = file_metadata(bytes)?;
    metadata.retain(|key, _| !key.starts_with("hybrid."));
    if let Some(spec) = spec {
        set_hybrid(&mut metadata, spec);
    }
    let file = safetensors::SafeTensors::deserialize(bytes)?;
    let mut views: Vec<(String, TensorView<'_>)> = file
        .tensors()
        .into_iter()
        .filter(|(name, _)| !name.starts_with("neighbour."))
        .collect();
    for (name, dtype, shape, data) in &added {
        views.push((name.clone(), TensorView::new(*dtype, shape.clone(), data)?));
    }
    let out = with_metadata(safetensors::serialize(views, None)?, &metadata);
    Catalog::from_bytes_with_limits(out.clone(), &WRITER_LIMITS)?;
    Ok(out)
}

/// A copy of the catalog file `bytes` with its placement tables replaced (any earlier
/// `together.*` / `trending.*` tensors and metadata are dropped; `None` parts ship none).
/// Everything else is kept as it is. The result is validated.
pub fn with_placements(bytes: &[u8], spec: &PlacementSpec) -> Result<Vec<u8>, CatalogError> {
    let catalog = Catalog::from_bytes_with_limits(bytes.to_vec(), &WRITER_LIMITS)?;
    let (added, entries) = placements::encode(spec, catalog.len())?;
    let is_placement = |name: &str| name.starts_with("together.") || name.starts_with("trending.");
    let mut metadata = file_metadata(bytes)?;
    metadata.retain(|key, _| !is_placement(key));
    metadata.extend(entries.into_iter().map(|(k, v)| (k.to_string(), v)));
    let file = safetensors::SafeTensors::deserialize(bytes)?;
    let mut views: Vec<(String, TensorView<'_>)> = file
        .tensors()
        .into_iter()
        .filter(|(name, _)| !is_placement(name))
        .collect();
    for (name, dtype, shape, data) in &added {
        views.push((name.clone(), TensorView::new(*dtype, shape.clone(), data)?));
    }
    let out = with_metadata(safetensors::serialize(views, None)?, &metadata);
    Catalog::from_bytes_with_limits(out.clone(), &WRITER_LIMITS)?;
    Ok(out)
}

/// Item text a store may leave out of its catalog file: its pages already show titles and
/// images from its own data, and the text is most of a large catalog's metadata bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemText {
    Titles,
    ImageUrls,
}

impl ItemText {
    fn tensors(self) -> [&'static str; 2] {
        match self {
            ItemText::Titles => [names::TITLE_UTF8, names::TITLE_OFFSETS],
            ItemText::ImageUrls => [names::IMAGE_UTF8, names::IMAGE_OFFSETS],
        }
    }
}

/// A copy of the catalog file `bytes` without the item text `leave_out` names (a catalog
/// without titles answers `None` for them, as one built without). Everything else is kept
/// as it is. The result is validated.
pub fn without_item_text(bytes: &[u8], leave_out: &[ItemText]) -> Result<Vec<u8>, CatalogError> {
    let dropped: Vec<&str> = leave_out.iter().flat_map(|text| text.tensors()).collect();
    let file = safetensors::SafeTensors::deserialize(bytes)?;
    let views: Vec<(String, TensorView<'_>)> = file
        .tensors()
        .into_iter()
        .filter(|(name, _)| !dropped.contains(&name.as_str()))
        .collect();
    let out = with_metadata(safetensors::serialize(views, None)?, &file_metadata(bytes)?);
    Catalog::from_bytes_with_limits(out.clone(), &WRITER_LIMITS)?;
    Ok(out)
}

/// Symmetric int8 quantization of one row: the largest magnitude maps to ±127.
pub fn quantize_i8(row: &[f32]) -> (Vec<i8>, f32) {
    let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return (vec![0; row.len()], 0.0);
    }
    let scale = max / 127.0;
    let q = row
        .iter()
        .map(|&v| (v / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (q, scale)
}

/// Symmetric 4-bit quantization of one row, values in −7..=7: the step that makes the
/// row's squared error smallest among clipping points from the largest magnitude down to
/// half of it. With 15 levels, clipping a few large components costs less than the coarse
/// step the largest one would force on all the others.
pub fn quantize_i4(row: &[f32]) -> (Vec<i8>, f32) {
    let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return (vec![0; row.len()], 0.0);
    }
    let quantize = |scale: f32| -> Vec<i8> {
        row.iter()
            .map(|&v| (v / scale).round().clamp(-7.0, 7.0) as i8)
            .collect()
    };
    let error = |scale: f32, q: &[i8]| -> f64 {
        row.iter()
            .zip(q)
            .map(|(&v, &q)| (v as f64 - (scale * q as f32) as f64).powi(2))
            .sum()
    };
    let mut best = (f64::INFINITY, Vec::new(), 0.0f32);
    for step in 0..=16 {
        let scale = max * (1.0 - step as f32 / 32.0) / 7.0;
        let q = quantize(scale);
        let e = error(scale, &q);
        if e < best.0 {
            best = (e, q, scale);
        }
    }
    (best.1, best.2)
}

/// From this many items up the file carries `model.gram` (YᵀY, d² f32 values); below it
/// the reader computes it at load. The trade: d² × 4 bytes on the wire (16 KB at d = 64,
/// noise to a compressor) against N × d²/2 multiply-adds at load. A phone on a slow
/// connection (about 200 KB/s) downloads 16 KB in 80 ms and a slow phone's wasm does
/// N × 2,080 multiply-adds for d = 64 in about N × 8 ns, 80 ms at 10,000 items: below that,
/// computing is cheaper than downloading, and the answers are the same either way (the
/// reader rounds a computed gram to f32, as this writer stores it).
pub const STORED_GRAM_MIN_ITEMS: usize = 10_000;

fn gram_f32(vectors: &[f32], d: usize) -> Vec<f32> {
    let mut gram = Gram::new(d);
    for row in vectors.chunks_exact(d.max(1)) {
        gram.add_row(row);
    }
    gram.finish()
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    bytemuck::cast_slice(values).to_vec()
}

fn add_strings<S: AsRef<str>>(
    add: &mut impl FnMut(&str, Dtype, Vec<usize>, Vec<u8>),
    utf8: &str,
    offsets_name: &str,
    strings: &[S],
) -> Result<(), CatalogError> {
    let (blob, offsets) = strings::encode(strings)?;
    let blob_len = blob.len();
    add(utf8, Dtype::U8, vec![blob_len], blob);
    add(
        offsets_name,
        Dtype::U32,
        vec![offsets.len()],
        bytemuck::cast_slice(&offsets).to_vec(),
    );
    Ok(())
}

/// Adds `__metadata__` to a safetensors file written without it, entries in key order.
///
/// `safetensors::serialize` takes the metadata as a `HashMap` and writes it in that map's
/// (random) iteration order, so the same catalog would get a different header, and a
/// different cache version, on every run. Written here instead, equal inputs give equal
/// bytes. Data offsets are relative to the end of the header, so the tensors are untouched.
fn with_metadata(file: Vec<u8>, metadata: &BTreeMap<String, String>) -> Vec<u8> {
    const N_LEN: usize = 8;
    let header_len = u64::from_le_bytes(file[..N_LEN].try_into().expect("8 bytes")) as usize;
    let header = std::str::from_utf8(&file[N_LEN..N_LEN + header_len])
        .expect("safetensors writes a UTF-8 header")
        .trim_end();
    let tensors = header
        .strip_prefix('{')
        .expect("safetensors writes a JSON object");
    let mut out = format!(
        "{{\"__metadata__\":{}",
        serde_json::to_string(metadata).expect("a map of strings serializes")
    );
    if tensors != "}" {
        out.push(',');
    }
    out.push_str(tensors);
    // Padded with spaces to a multiple of 8 bytes, as safetensors aligns it.
    while out.len() % N_LEN != 0 {
        out.push(' ');
    }
    let mut bytes = Vec::with_capacity(N_LEN + out.len() + file.len() - N_LEN - header_len);
    bytes.extend_from_slice(&(out.len() as u64).to_le_bytes());
    bytes.extend_from_slice(out.as_bytes());
    bytes.extend_from_slice(&file[N_LEN + header_len..]);
    bytes
}
