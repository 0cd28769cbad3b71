//! Where each tensor lives in the file, found and checked once: dtypes, shapes, limits,
//! values. `Catalog` serves typed slices from the ranges recorded here without checking
//! again.

use std::ops::Range;

use safetensors::Dtype;

use super::container::{dtype_name, read_header, Container};
use super::hybrid::{self, HybridLayout};
use super::meta::{parse_meta, CatalogMeta};
use super::metadata::Metadata;
use super::placements::{self, PlacementLayout};
use super::segments::{self, SegmentLayout};
use super::strings::{self, StringTable};
use super::{names, CatalogError, VectorDtype};
use crate::number::{Num, Quoted};
use crate::rfm::RfmThresholds;

/// Largest magnitude of a served vector value (an f32 element, or an int8 row's
/// scale × 128). Factor models put their values within a few units; a file that holds
/// values near `f32::MAX` is finite but unusable: the shopper's score `u · y` (and the
/// softmax over the catalog) overflows to infinity and NaN. Bounded by 10⁶, a dot product of
/// two rows (d ≤ 1024) stays under 10¹⁵ and YᵀY over the largest catalog under 10²⁰.
pub const MAX_VECTOR_VALUE: f32 = 1e6;

/// Size limits checked before anything is allocated for a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_items: usize,
    pub max_dim: usize,
    /// Upper bound on N × d, and on N × K of a neighbour table.
    pub max_vector_elements: usize,
    /// Upper bound on K, the neighbour slots per item of a hybrid catalog.
    pub max_neighbours: usize,
}

impl Default for Limits {
    /// 4M items, 1024 dims, 2^28 vector elements (1 GiB as F32): what one browser tab can
    /// hold. The I8 kernels are exact for d ≤ 1024 (their i32 sums cannot overflow).
    /// 256 neighbours per item (1.5 KB a row; the tuner's default is 10, 60 bytes).
    fn default() -> Self {
        Limits {
            max_items: 4_000_000,
            max_dim: 1024,
            max_vector_elements: 1 << 28,
            max_neighbours: 256,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum CategoryColumn {
    U16(Range<usize>),
    U32(Range<usize>),
}

/// Where each tensor lives in the buffer, after validation.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) len: usize,
    pub(super) dim: usize,
    pub(super) dtype: VectorDtype,
    pub(super) vectors: Range<usize>,
    pub(super) scales: Option<Range<usize>>,
    pub(super) ids: StringTable,
    pub(super) titles: Option<StringTable>,
    pub(super) images: Option<StringTable>,
    pub(super) tags: Option<StringTable>,
    pub(super) popularity: Option<Range<usize>>,
    pub(super) category: Option<CategoryColumn>,
    pub(super) category_names: Option<StringTable>,
    pub(super) price: Option<Range<usize>>,
    pub(super) available: Option<Range<usize>>,
    pub(super) gram: Option<Range<usize>>,
    pub(super) segments: Option<SegmentLayout>,
    pub(super) rfm: Option<RfmThresholds>,
    pub(super) hybrid: Option<HybridLayout>,
    pub(super) placements: PlacementLayout,
    /// `content.items`: the last this many items have content-derived vectors.
    pub(super) content_items: usize,
    pub(super) meta: CatalogMeta,
    /// False when some tensor is not aligned to its element size inside the file.
    pub(super) aligned: bool,
}

/// Views a validated, aligned F32 range.
pub(super) fn f32s<'b>(bytes: &'b [u8], range: &Range<usize>) -> &'b [f32] {
    bytemuck::cast_slice(&bytes[range.clone()])
}

/// A tensor located by `Layout::parse`: byte range in the buffer, dtype and shape.
pub(crate) type Found = (Range<usize>, Dtype, Vec<usize>);

/// A tensor lookup as `Layout::parse` offers it: by name, with the dtypes allowed and how
/// to name them in an error. Optional tensors are read through `dyn` lookups in one
/// function each, so they add one copy of their checks to the wasm rather than an inlined
/// lookup per tensor.
pub(crate) type Find<'f> =
    dyn FnMut(&'static str, &[Dtype], &'static str) -> Result<Option<Found>, CatalogError> + 'f;

impl Layout {
    pub(super) fn parse(buffer: &[u8], limits: &Limits) -> Result<Layout, CatalogError> {
        let Container { tensors, metadata } = Container::parse(buffer)?;
        let mut aligned = true;
        // Byte range of a tensor inside `buffer`, with dtype and shape checks.
        let mut find = |name: &'static str,
                        allowed: &[Dtype],
                        expected: &'static str|
         -> Result<Option<Found>, CatalogError> {
            let Some(tensor) = tensors.iter().find(|t| t.name == name) else {
                return Ok(None);
            };
            if !allowed.contains(&tensor.dtype) {
                return Err(CatalogError::Dtype {
                    name: name.to_string(),
                    found: dtype_name(tensor.dtype).to_string(),
                    expected,
                });
            }
            // The buffer is 8-byte aligned (`Storage`), so an offset into it tells the
            // alignment of the address.
            if tensor.data.start % (tensor.dtype.bitsize() / 8).max(1) != 0 {
                aligned = false;
            }
            Ok(Some((
                tensor.data.clone(),
                tensor.dtype,
                tensor.shape.clone(),
            )))
        };

        let (vectors, vdtype, vshape) = find(
            names::VECTORS,
            &[Dtype::F32, Dtype::F16, Dtype::I8, Dtype::U8],
            "F32, F16, I8 or U8 (4-bit pairs)",
        )?
        .ok_or(CatalogError::MissingTensor(names::VECTORS))?;
        let per_byte = if vdtype == Dtype::U8 {
            U8_VALUES_PER_BYTE
        } else {
            1
        };
        let (len, dim) = match vshape[..] {
            [n, d] if n > 0 && d > 0 => (n, d * per_byte),
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
            Dtype::U8 => VectorDtype::I4,
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
            (VectorDtype::I8 | VectorDtype::I4, None) => {
                return Err(CatalogError::MissingTensor(names::SCALE))
            }
            (VectorDtype::I8 | VectorDtype::I4, Some((r, _))) => Some(r),
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
        let mut table = |utf8, offsets, expected_len| {
            strings::find_table(buffer, &mut find, utf8, offsets, expected_len)
        };
        let ids = table(names::ID_UTF8, names::ID_OFFSETS, Some(len))?
            .ok_or(CatalogError::MissingTensor(names::ID_UTF8))?;
        let titles = table(names::TITLE_UTF8, names::TITLE_OFFSETS, Some(len))?;
        let images = table(names::IMAGE_UTF8, names::IMAGE_OFFSETS, Some(len))?;
        let tags = table(names::TAGS_UTF8, names::TAGS_OFFSETS, Some(len))?;
        let category_names = table(
            names::CATEGORY_NAME_UTF8,
            names::CATEGORY_NAME_OFFSETS,
            None,
        )?;
        // Through `dyn` lookups in one function, so the optional tensors add one copy of
        // their checks to the wasm rather than an inlined lookup each.
        let (segments, rfm) = segments::parse(buffer, &mut find, dim)?;

        let mut meta = parse_meta(metadata)?;
        let hybrid = hybrid::parse(&mut find, &mut meta.extra, len, limits)?;
        if let Some(k) = hybrid.as_ref().and_then(HybridLayout::k) {
            check_neighbour_slots(len, k, limits)?;
        }
        let placements = placements::parse(&mut find, &mut meta.extra, len, limits)?;
        let content_items = content_items(&meta.extra, len)?;
        let layout = Layout {
            len,
            dim,
            dtype,
            vectors,
            scales,
            ids,
            titles,
            images,
            tags,
            popularity,
            category,
            category_names,
            price,
            available,
            gram,
            segments,
            rfm,
            hybrid,
            placements,
            content_items,
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
            VectorDtype::F32 => {
                let values = f32s(buffer, &self.vectors);
                check_finite(names::VECTORS, values)?;
                if let Some(index) = values.iter().position(|v| v.abs() > MAX_VECTOR_VALUE) {
                    return Err(CatalogError::InvalidValue {
                        name: names::VECTORS.into(),
                        index,
                        reason: format!(
                            "{} is larger in magnitude than {}: scores would overflow",
                            Num(values[index]),
                            Num(MAX_VECTOR_VALUE)
                        ),
                    });
                }
            }
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
            VectorDtype::I8 | VectorDtype::I4 => {}
        }
        if let Some(r) = &self.scales {
            let scales = f32s(buffer, r);
            check_non_negative(names::SCALE, scales)?;
            // int8 magnitudes reach 128 (4-bit ones 8): scale × 128 is the row's largest served value, held
            // to the same bound as f32 values (a finite scale can even dequantize to ±∞).
            if let Some(index) = scales
                .iter()
                .position(|&s| (s * 128.0).is_nan() || s * 128.0 > MAX_VECTOR_VALUE)
            {
                return Err(CatalogError::InvalidValue {
                    name: names::SCALE.into(),
                    index,
                    reason: format!(
                        "scale × 128 = {} is larger than {}: scores would overflow",
                        Num(scales[index] * 128.0),
                        Num(MAX_VECTOR_VALUE)
                    ),
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
        if let Some(hybrid) = &self.hybrid {
            hybrid.check_values(buffer, self.len)?;
        }
        self.placements.check_values(buffer, self.len)?;
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

/// `content.items` when present: a whole number of items, at most N.
fn content_items(extra: &Metadata, len: usize) -> Result<usize, CatalogError> {
    match extra.get(names::META_CONTENT_ITEMS) {
        None => Ok(0),
        Some(v) => match v.parse::<usize>() {
            Ok(c) if c <= len => Ok(c),
            _ => Err(CatalogError::metadata(
                names::META_CONTENT_ITEMS,
                format!(
                    "{} is not a whole number of items from 0 to {len}",
                    Quoted(v)
                ),
            )),
        },
    }
}

fn check_neighbour_slots(len: usize, k: usize, limits: &Limits) -> Result<(), CatalogError> {
    let slots = len.saturating_mul(k);
    if slots > limits.max_vector_elements {
        return Err(CatalogError::TooLarge {
            what: "items × neighbours",
            found: slots,
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

/// Items and dimensions of the vectors tensor, read from a catalog's header alone (the first
/// 8 + n bytes of the file, or more): what a page needs to choose a backend before the whole
/// catalog is handed to an engine. Nothing else is checked; `None` for a header that cannot
/// be read this way (the full parse then reports what is wrong).
pub fn vector_shape(header: &[u8]) -> Option<(usize, usize)> {
    let (_, header) = read_header(header).ok()?;
    let vectors = header.get(names::VECTORS)?;
    // The dtype's name compared as text: deserializing safetensors' `Dtype` here would add
    // 3 KB of derived parser to the engine module.
    let per_byte = if vectors.get("dtype")?.as_str()? == "U8" {
        U8_VALUES_PER_BYTE
    } else {
        1
    };
    match vectors.get("shape")?.as_array()?.as_slice() {
        [n, d] => Some((
            usize::try_from(n.as_u64()?).ok()?,
            usize::try_from(d.as_u64()?).ok()?.checked_mul(per_byte)?,
        )),
        _ => None,
    }
}

/// Vector values per byte of a U8 `item.vectors` (two 4-bit values), so its second axis
/// is d/2.
const U8_VALUES_PER_BYTE: usize = 2;
