//! The catalog file: a safetensors file of item embeddings and a little metadata.
//!
//! [`Catalog::from_bytes`] validates everything once (shapes, dtypes, finiteness, unique
//! ids, string tables, limits) and keeps the file's bytes as they are: tensors are read in
//! place, so a 64 MB catalog costs 64 MB of memory, not twice that. After that, accessors
//! hand out typed slices without re-checking. [`CatalogBuilder`] writes the same format.
//!
//! Tensor names and metadata keys are listed in [`names`] and documented in ARCHITECTURE.md.

mod error;
mod segments;
mod strings;
mod writer;

use std::collections::BTreeMap;
use std::ops::Range;

use safetensors::{Dtype, SafeTensors};

pub use error::CatalogError;
pub use segments::Segments;
pub use writer::{with_segments, CatalogBuilder, ItemRecord, SegmentSpec};

use segments::SegmentLayout;
use strings::StringTable;

use crate::segment::rfm::RfmThresholds;

#[cfg(target_endian = "big")]
compile_error!("safetensors stores little-endian data; shopwindow reads it in place and so needs a little-endian target");

/// The catalog format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Tensor names and `__metadata__` keys of format version 1.
pub mod names {
    /// `[N, d]` F32, F16 or I8 item embeddings (required).
    pub const VECTORS: &str = "item.vectors";
    /// `[N]` F32 per-item scale of I8 vectors: value = scale × int8 (required for I8).
    pub const SCALE: &str = "item.scale";
    /// `[B]` U8 UTF-8 blob of item ids (required).
    pub const ID_UTF8: &str = "item.id.utf8";
    /// `[N + 1]` U32 or I64 offsets into the id blob (required).
    pub const ID_OFFSETS: &str = "item.id.offsets";
    /// Optional item titles, same layout as ids.
    pub const TITLE_UTF8: &str = "item.title.utf8";
    pub const TITLE_OFFSETS: &str = "item.title.offsets";
    /// Optional image URLs, same layout as ids.
    pub const IMAGE_UTF8: &str = "item.image.utf8";
    pub const IMAGE_OFFSETS: &str = "item.image.offsets";
    /// `[N]` F32 popularity (any non-negative scale; used for cold start).
    pub const POPULARITY: &str = "item.popularity";
    /// `[N]` U16 or U32 category index per item.
    pub const CATEGORY: &str = "item.category";
    /// Optional category names, indexed by `item.category`.
    pub const CATEGORY_NAME_UTF8: &str = "category.name.utf8";
    pub const CATEGORY_NAME_OFFSETS: &str = "category.name.offsets";
    /// `[N]` F32 price (non-negative).
    pub const PRICE: &str = "item.price";
    /// `[N]` U8 availability, 1 = in stock, 0 = not.
    pub const AVAILABLE: &str = "item.available";
    /// `[d, d]` F32 Gram matrix YᵀY of the stored vectors, for exact fold-in.
    pub const GRAM: &str = "model.gram";
    /// `[S, d]` F32 customer-segment centroids (in the L2-normalized fold-in space).
    pub const SEGMENT_CENTROIDS: &str = "segment.centroids";
    /// `[S]` U32 customers per segment when the segments were built.
    pub const SEGMENT_SIZES: &str = "segment.size";
    /// Segment labels, a string table of S strings.
    pub const SEGMENT_LABEL_UTF8: &str = "segment.label.utf8";
    pub const SEGMENT_LABEL_OFFSETS: &str = "segment.label.offsets";
    /// `[1]` F32 temperature τ of the soft segment membership.
    pub const SEGMENT_TEMPERATURE: &str = "segment.temperature";
    /// `[S, T]` U32 dominant category indices per segment (optional).
    pub const SEGMENT_TOP_CATEGORIES: &str = "segment.top_categories";
    /// `[S, T]` U32 most characteristic item indices per segment (optional).
    pub const SEGMENT_TOP_ITEMS: &str = "segment.top_items";
    /// `[1]` F32 weight W of the RFM features appended to each segment point (optional;
    /// present, the centroids are `[S, d + 3]` and `rfm.thresholds` must ship too).
    pub const SEGMENT_RFM_WEIGHT: &str = "segment.rfm_weight";
    /// `[3, 4]` F32 RFM quintile thresholds: recency days, frequency, monetary.
    pub const RFM_THRESHOLDS: &str = "rfm.thresholds";

    /// Metadata: format version, `"1"` (required).
    pub const META_FORMAT_VERSION: &str = "format_version";
    /// Metadata: model kind, `"ials"` (default).
    pub const META_MODEL: &str = "model";
    /// Metadata: implicit-ALS confidence weight α (`c = 1 + α·w`).
    pub const META_ALPHA: &str = "alpha";
    /// Metadata: implicit-ALS regularization λ.
    pub const META_LAMBDA: &str = "lambda";
    /// Metadata: `"constant"` (λ as is) or `"interactions"` (λ × the user's item count).
    pub const META_LAMBDA_SCALING: &str = "lambda_scaling";
    /// Metadata: free-text creation time and source.
    pub const META_CREATED: &str = "created";
    pub const META_SOURCE: &str = "source";
}

/// Size limits checked before anything is allocated for a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_items: usize,
    pub max_dim: usize,
    /// Upper bound on N × d.
    pub max_vector_elements: usize,
}

impl Default for Limits {
    /// 4M items, 1024 dims, 2^28 vector elements (1 GiB as F32): what one browser tab can
    /// hold. The I8 kernels are exact for d ≤ 1024 (their i32 sums cannot overflow).
    fn default() -> Self {
        Limits {
            max_items: 4_000_000,
            max_dim: 1024,
            max_vector_elements: 1 << 28,
        }
    }
}

/// How item vectors are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VectorDtype {
    F32,
    F16,
    /// Symmetric per-item int8: value = `item.scale[i]` × q.
    I8,
}

impl VectorDtype {
    pub fn as_str(self) -> &'static str {
        match self {
            VectorDtype::F32 => "f32",
            VectorDtype::F16 => "f16",
            VectorDtype::I8 => "i8",
        }
    }
}

impl std::str::FromStr for VectorDtype {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "f32" => Ok(VectorDtype::F32),
            "f16" => Ok(VectorDtype::F16),
            "i8" | "int8" => Ok(VectorDtype::I8),
            other => Err(format!(
                "unknown vector dtype {other:?} (use f32, f16 or i8)"
            )),
        }
    }
}

/// Borrowed item vectors, as stored.
#[derive(Debug, Clone, Copy)]
pub enum ItemVectors<'a> {
    F32(&'a [f32]),
    /// IEEE binary16 bit patterns.
    F16(&'a [u16]),
    I8 {
        values: &'a [i8],
        scales: &'a [f32],
    },
}

/// How the fold-in regularization grows with the user's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LambdaScaling {
    /// λ as is (Hu et al. 2008, `implicit`).
    Constant,
    /// λ × number of distinct items in the history (Spark MLlib ALS).
    Interactions,
}

/// The implicit-ALS parameters the catalog's vectors were trained with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelParams {
    pub alpha: f32,
    pub lambda: f32,
    pub lambda_scaling: LambdaScaling,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            alpha: 1.0,
            lambda: 0.1,
            lambda_scaling: LambdaScaling::Constant,
        }
    }
}

/// Parsed `__metadata__`.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogMeta {
    pub format_version: u32,
    pub model: String,
    pub params: ModelParams,
    pub created: Option<String>,
    pub source: Option<String>,
    /// Keys this build does not interpret, kept for `inspect`.
    pub extra: BTreeMap<String, String>,
}

/// The catalog's bytes, 8-byte aligned so every tensor can be viewed in place.
#[derive(Debug)]
enum Storage {
    Bytes(Vec<u8>),
    /// A realigned copy, used when the allocator handed us an unaligned buffer.
    Words {
        words: Vec<u64>,
        len: usize,
    },
}

impl Storage {
    fn aligned(bytes: Vec<u8>) -> Storage {
        if bytes.as_ptr().align_offset(8) == 0 {
            return Storage::Bytes(bytes);
        }
        let len = bytes.len();
        let mut words = vec![0u64; len.div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..len].copy_from_slice(&bytes);
        Storage::Words { words, len }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Storage::Bytes(bytes) => bytes,
            Storage::Words { words, len } => &bytemuck::cast_slice::<u64, u8>(words)[..*len],
        }
    }
}

#[derive(Debug, Clone)]
enum CategoryColumn {
    U16(Range<usize>),
    U32(Range<usize>),
}

/// Where each tensor lives in the buffer, after validation.
#[derive(Debug, Clone)]
struct Layout {
    len: usize,
    dim: usize,
    dtype: VectorDtype,
    vectors: Range<usize>,
    scales: Option<Range<usize>>,
    ids: StringTable,
    titles: Option<StringTable>,
    images: Option<StringTable>,
    popularity: Option<Range<usize>>,
    category: Option<CategoryColumn>,
    category_names: Option<StringTable>,
    price: Option<Range<usize>>,
    available: Option<Range<usize>>,
    gram: Option<Range<usize>>,
    segments: Option<SegmentLayout>,
    rfm: Option<RfmThresholds>,
    meta: CatalogMeta,
    /// False when some tensor is not aligned to its element size inside the file.
    aligned: bool,
}

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

    /// True when the file carried `model.gram` (false: computed at load).
    pub fn has_stored_gram(&self) -> bool {
        self.layout.gram.is_some()
    }

    fn compute_gram(&self) -> Vec<f64> {
        let mut gram = Gram::new(self.dim());
        let mut row = vec![0.0f32; self.dim()];
        for i in 0..self.len() {
            self.row_into(i, &mut row);
            gram.add_row(&row);
        }
        gram.finish()
    }
}

/// Accumulates YᵀY row by row in f64 (lower triangle, mirrored at the end).
pub(crate) struct Gram {
    dim: usize,
    sums: Vec<f64>,
}

impl Gram {
    pub(crate) fn new(dim: usize) -> Self {
        Gram {
            dim,
            sums: vec![0.0; dim * dim],
        }
    }

    pub(crate) fn add_row(&mut self, row: &[f32]) {
        let d = self.dim;
        for (a, &ya) in row[..d].iter().enumerate() {
            let ya = ya as f64;
            let lower = &mut self.sums[a * d..=a * d + a];
            for (sum, &yb) in lower.iter_mut().zip(&row[..=a]) {
                *sum += ya * yb as f64;
            }
        }
    }

    /// Row-major d × d.
    pub(crate) fn finish(mut self) -> Vec<f64> {
        let d = self.dim;
        for a in 0..d {
            for b in 0..a {
                self.sums[b * d + a] = self.sums[a * d + b];
            }
        }
        self.sums
    }
}

/// Views a validated, aligned F32 range.
fn f32s<'b>(bytes: &'b [u8], range: &Range<usize>) -> &'b [f32] {
    bytemuck::cast_slice(&bytes[range.clone()])
}

/// A tensor located by `Layout::parse`: byte range in the buffer, dtype and shape.
pub(crate) type Found = (Range<usize>, Dtype, Vec<usize>);

impl Layout {
    fn parse(buffer: &[u8], limits: &Limits) -> Result<Layout, CatalogError> {
        let file = SafeTensors::deserialize(buffer).map_err(|e| container_error(e, buffer))?;
        let base = buffer.as_ptr() as usize;
        let mut aligned = true;
        // Byte range of a tensor inside `buffer`, with dtype and shape checks.
        let mut find = |name: &'static str,
                        allowed: &[Dtype],
                        expected: &'static str|
         -> Result<Option<Found>, CatalogError> {
            let view = match file.tensor(name) {
                Ok(view) => view,
                Err(safetensors::SafeTensorError::TensorNotFound(_)) => return Ok(None),
                Err(other) => return Err(other.into()),
            };
            if !allowed.contains(&view.dtype()) {
                return Err(CatalogError::Dtype {
                    name: name.to_string(),
                    found: format!("{:?}", view.dtype()),
                    expected,
                });
            }
            let start = view.data().as_ptr() as usize - base;
            let range = start..start + view.data().len();
            if start % (view.dtype().bitsize() / 8).max(1) != 0 {
                aligned = false;
            }
            Ok(Some((range, view.dtype(), view.shape().to_vec())))
        };

        let (vectors, vdtype, vshape) = find(
            names::VECTORS,
            &[Dtype::F32, Dtype::F16, Dtype::I8],
            "F32, F16 or I8",
        )?
        .ok_or(CatalogError::MissingTensor(names::VECTORS))?;
        let (len, dim) = match vshape[..] {
            [n, d] if n > 0 && d > 0 => (n, d),
            _ => {
                return Err(CatalogError::Shape {
                    name: names::VECTORS.into(),
                    found: vshape,
                    expected: "[N, d] with N ≥ 1 and d ≥ 1".into(),
                })
            }
        };
        check_limits(len, dim, limits)?;
        let dtype = match vdtype {
            Dtype::F32 => VectorDtype::F32,
            Dtype::F16 => VectorDtype::F16,
            _ => VectorDtype::I8,
        };
        let per_item = |name: &'static str,
                        found: Option<Found>|
         -> Result<Option<(Range<usize>, Dtype)>, CatalogError> {
            match found {
                None => Ok(None),
                Some((range, dt, shape)) if shape == [len] => Ok(Some((range, dt))),
                Some((_, _, shape)) => Err(CatalogError::Shape {
                    name: name.into(),
                    found: shape,
                    expected: format!("[{len}] (one per item)"),
                }),
            }
        };

        let scales = per_item(names::SCALE, find(names::SCALE, &[Dtype::F32], "F32")?)?;
        let scales = match (dtype, scales) {
            (VectorDtype::I8, None) => return Err(CatalogError::MissingTensor(names::SCALE)),
            (VectorDtype::I8, Some((r, _))) => Some(r),
            (_, _) => None,
        };
        let popularity = per_item(
            names::POPULARITY,
            find(names::POPULARITY, &[Dtype::F32], "F32")?,
        )?
        .map(|(r, _)| r);
        let category = per_item(
            names::CATEGORY,
            find(names::CATEGORY, &[Dtype::U16, Dtype::U32], "U16 or U32")?,
        )?
        .map(|(r, dt)| match dt {
            Dtype::U16 => CategoryColumn::U16(r),
            _ => CategoryColumn::U32(r),
        });
        let price =
            per_item(names::PRICE, find(names::PRICE, &[Dtype::F32], "F32")?)?.map(|(r, _)| r);
        let available = per_item(
            names::AVAILABLE,
            find(names::AVAILABLE, &[Dtype::U8], "U8")?,
        )?
        .map(|(r, _)| r);
        let gram = match find(names::GRAM, &[Dtype::F32], "F32")? {
            None => None,
            Some((r, _, shape)) if shape == [dim, dim] => Some(r),
            Some((_, _, shape)) => {
                return Err(CatalogError::Shape {
                    name: names::GRAM.into(),
                    found: shape,
                    expected: format!("[{dim}, {dim}]"),
                })
            }
        };
        let mut table = |utf8: &'static str,
                         offsets: &'static str,
                         expected_len: Option<usize>|
         -> Result<Option<StringTable>, CatalogError> {
            let blob = find(utf8, &[Dtype::U8], "U8")?;
            let offs = find(offsets, &[Dtype::U32, Dtype::I64], "U32 or I64")?;
            let (blob, (orange, odtype, oshape)) = match (blob, offs) {
                (None, None) => return Ok(None),
                (Some(b), Some(o)) => (b, o),
                (Some(_), None) => return Err(CatalogError::MissingTensor(offsets)),
                (None, Some(_)) => return Err(CatalogError::MissingTensor(utf8)),
            };
            if blob.2.len() != 1 || oshape.len() != 1 {
                return Err(CatalogError::StringTable {
                    name: utf8.into(),
                    reason: "blob and offsets must be 1-D".into(),
                });
            }
            let offsets_u32 = read_offsets(&buffer[orange], odtype, utf8)?;
            let n = expected_len.unwrap_or(offsets_u32.len().saturating_sub(1));
            StringTable::new(utf8, buffer, blob.0, offsets_u32, n).map(Some)
        };
        let ids = table(names::ID_UTF8, names::ID_OFFSETS, Some(len))?
            .ok_or(CatalogError::MissingTensor(names::ID_UTF8))?;
        let titles = table(names::TITLE_UTF8, names::TITLE_OFFSETS, Some(len))?;
        let images = table(names::IMAGE_UTF8, names::IMAGE_OFFSETS, Some(len))?;
        let category_names = table(
            names::CATEGORY_NAME_UTF8,
            names::CATEGORY_NAME_OFFSETS,
            None,
        )?;
        // Through `dyn` lookups in one function, so the optional tensors add one copy of
        // their checks to the wasm rather than an inlined lookup each.
        let (segments, rfm) = segments::parse(buffer, &mut find, dim)?;

        let meta = parse_meta(file_metadata(buffer)?)?;
        let layout = Layout {
            len,
            dim,
            dtype,
            vectors,
            scales,
            ids,
            titles,
            images,
            popularity,
            category,
            category_names,
            price,
            available,
            gram,
            segments,
            rfm,
            meta,
            aligned,
        };
        if layout.aligned {
            layout.check_values(buffer)?;
        }
        Ok(layout)
    }

    /// Value checks that need typed views (so only run on an aligned layout).
    fn check_values(&self, buffer: &[u8]) -> Result<(), CatalogError> {
        match self.dtype {
            VectorDtype::F32 => check_finite(names::VECTORS, f32s(buffer, &self.vectors))?,
            VectorDtype::F16 => {
                let halves: &[u16] = bytemuck::cast_slice(&buffer[self.vectors.clone()]);
                // Exponent bits all ones means ±infinity or NaN in binary16.
                if let Some(index) = halves.iter().position(|&h| h & 0x7c00 == 0x7c00) {
                    return Err(CatalogError::NonFinite {
                        name: names::VECTORS.into(),
                        index,
                    });
                }
            }
            VectorDtype::I8 => {}
        }
        if let Some(r) = &self.scales {
            let scales = f32s(buffer, r);
            check_non_negative(names::SCALE, scales)?;
            // A finite scale can still dequantize to ±infinity (f32::MAX × 127); int8
            // magnitudes reach 128, so that bound keeps every served row finite.
            if let Some(index) = scales.iter().position(|&s| !(s * 128.0).is_finite()) {
                return Err(CatalogError::InvalidValue {
                    name: names::SCALE.into(),
                    index,
                    reason: "scale × 128 overflows f32".into(),
                });
            }
        }
        if let Some(r) = &self.popularity {
            check_non_negative(names::POPULARITY, f32s(buffer, r))?;
        }
        if let Some(r) = &self.price {
            check_non_negative(names::PRICE, f32s(buffer, r))?;
        }
        if let Some(r) = &self.gram {
            check_finite(names::GRAM, f32s(buffer, r))?;
        }
        if let Some(r) = &self.available {
            if let Some(index) = buffer[r.clone()].iter().position(|&b| b > 1) {
                return Err(CatalogError::InvalidValue {
                    name: names::AVAILABLE.into(),
                    index,
                    reason: "must be 0 or 1".into(),
                });
            }
        }
        if let (Some(column), Some(names_table)) = (&self.category, &self.category_names) {
            let count = names_table.len() as u32;
            let bad = match column {
                CategoryColumn::U16(r) => bytemuck::cast_slice::<u8, u16>(&buffer[r.clone()])
                    .iter()
                    .position(|&c| c as u32 >= count),
                CategoryColumn::U32(r) => bytemuck::cast_slice::<u8, u32>(&buffer[r.clone()])
                    .iter()
                    .position(|&c| c >= count),
            };
            if let Some(index) = bad {
                return Err(CatalogError::InvalidValue {
                    name: names::CATEGORY.into(),
                    index,
                    reason: format!("category index is not below the {count} category names"),
                });
            }
        }
        if let Some(segments) = &self.segments {
            segments.check_values(
                buffer,
                self.len,
                self.category_names.as_ref().map(StringTable::len),
            )?;
        }
        Ok(())
    }
}

fn check_limits(len: usize, dim: usize, limits: &Limits) -> Result<(), CatalogError> {
    if len > limits.max_items {
        return Err(CatalogError::TooLarge {
            what: "item count",
            found: len,
            limit: limits.max_items,
        });
    }
    if dim > limits.max_dim {
        return Err(CatalogError::TooLarge {
            what: "dimension",
            found: dim,
            limit: limits.max_dim,
        });
    }
    let elements = len.saturating_mul(dim);
    if elements > limits.max_vector_elements {
        return Err(CatalogError::TooLarge {
            what: "items × dimension",
            found: elements,
            limit: limits.max_vector_elements,
        });
    }
    Ok(())
}

fn check_finite(name: &str, values: &[f32]) -> Result<(), CatalogError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(CatalogError::NonFinite {
            name: name.into(),
            index,
        }),
        None => Ok(()),
    }
}

fn check_non_negative(name: &str, values: &[f32]) -> Result<(), CatalogError> {
    check_finite(name, values)?;
    match values.iter().position(|&v| v < 0.0) {
        Some(index) => Err(CatalogError::InvalidValue {
            name: name.into(),
            index,
            reason: "must not be negative".into(),
        }),
        None => Ok(()),
    }
}

/// safetensors reports a file that does not end where its tensor data ends with one error,
/// whether bytes are missing or left over; only missing bytes are a truncation.
fn container_error(err: safetensors::SafeTensorError, buffer: &[u8]) -> CatalogError {
    if matches!(err, safetensors::SafeTensorError::MetadataIncompleteBuffer) {
        if let Some(end) = declared_end(buffer).filter(|&end| buffer.len() > end) {
            return CatalogError::Header(format!(
                "{} bytes follow the tensor data, which ends at byte {end}",
                buffer.len() - end
            ));
        }
    }
    err.into()
}

/// Where the header says the file ends (only called once safetensors parsed the header).
fn declared_end(buffer: &[u8]) -> Option<usize> {
    let n = usize::try_from(u64::from_le_bytes(buffer.get(..8)?.try_into().ok()?)).ok()?;
    let header: serde_json::Value =
        serde_json::from_slice(buffer.get(8..8usize.checked_add(n)?)?).ok()?;
    let mut data_end = 0u64;
    for (name, info) in header.as_object()? {
        if name != "__metadata__" {
            data_end = data_end.max(info.get("data_offsets")?.get(1)?.as_u64()?);
        }
    }
    (8 + n).checked_add(usize::try_from(data_end).ok()?)
}

/// Offsets as u32 whatever their stored type (NumPy's default integer is int64).
fn read_offsets(bytes: &[u8], dtype: Dtype, name: &str) -> Result<Vec<u32>, CatalogError> {
    let bad = |reason: &str| CatalogError::StringTable {
        name: name.into(),
        reason: reason.into(),
    };
    match dtype {
        Dtype::U32 => Ok(bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()),
        _ => bytes
            .chunks_exact(8)
            .map(|c| {
                let v = i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
                u32::try_from(v).map_err(|_| bad("an offset is negative or over 4 GiB"))
            })
            .collect(),
    }
}

/// `__metadata__` of the file (the safetensors crate parses it; we only read it).
fn file_metadata(buffer: &[u8]) -> Result<BTreeMap<String, String>, CatalogError> {
    let (_, metadata) = SafeTensors::read_metadata(buffer)?;
    Ok(metadata
        .metadata()
        .as_ref()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default())
}

fn parse_meta(mut raw: BTreeMap<String, String>) -> Result<CatalogMeta, CatalogError> {
    let version = raw
        .remove(names::META_FORMAT_VERSION)
        .ok_or_else(|| CatalogError::Version {
            found: "(missing)".into(),
            supported: FORMAT_VERSION,
        })?;
    if version.trim() != FORMAT_VERSION.to_string() {
        return Err(CatalogError::Version {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let defaults = ModelParams::default();
    let mut number = |key: &str, default: f32, allow_zero: bool| -> Result<f32, CatalogError> {
        match raw.remove(key) {
            None => Ok(default),
            // serde_json's number parser is already in the module (the header is JSON);
            // `str::parse::<f32>` would add core's float parser and its ~10 KB table.
            Some(text) => match serde_json::from_str::<f32>(text.trim()) {
                Ok(v) if v.is_finite() && (v > 0.0 || (allow_zero && v == 0.0)) => Ok(v),
                _ => Err(CatalogError::Metadata {
                    key: key.into(),
                    reason: format!(
                        "{text:?} is not a {} number",
                        if allow_zero {
                            "non-negative"
                        } else {
                            "positive"
                        }
                    ),
                }),
            },
        }
    };
    let alpha = number(names::META_ALPHA, defaults.alpha, true)?;
    let lambda = number(names::META_LAMBDA, defaults.lambda, false)?;
    let lambda_scaling = match raw.remove(names::META_LAMBDA_SCALING).as_deref() {
        None | Some("constant") => LambdaScaling::Constant,
        Some("interactions") => LambdaScaling::Interactions,
        Some(other) => {
            return Err(CatalogError::Metadata {
                key: names::META_LAMBDA_SCALING.into(),
                reason: format!("{other:?} is neither \"constant\" nor \"interactions\""),
            })
        }
    };
    let model = raw
        .remove(names::META_MODEL)
        .unwrap_or_else(|| "ials".into());
    if model != "ials" {
        return Err(CatalogError::Metadata {
            key: names::META_MODEL.into(),
            reason: format!("model kind {model:?} is not supported (expected \"ials\")"),
        });
    }
    Ok(CatalogMeta {
        format_version: FORMAT_VERSION,
        model,
        params: ModelParams {
            alpha,
            lambda,
            lambda_scaling,
        },
        created: raw.remove(names::META_CREATED),
        source: raw.remove(names::META_SOURCE),
        extra: raw,
    })
}

/// Sorted id permutation; rejects empty and duplicate ids.
fn unique_id_order(ids: &StringTable, buffer: &[u8]) -> Result<Vec<u32>, CatalogError> {
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
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

/// Re-serializes a file whose tensors are unaligned; safetensors' writer aligns them.
fn relayout(buffer: &[u8]) -> Result<Vec<u8>, CatalogError> {
    let file = SafeTensors::deserialize(buffer)?;
    let metadata = file_metadata(buffer)?;
    let tensors: Vec<(String, safetensors::tensor::TensorView<'_>)> = file.tensors();
    let info = (!metadata.is_empty()).then(|| metadata.into_iter().collect());
    Ok(safetensors::serialize(tensors, info)?)
}

#[cfg(test)]
mod tests;
