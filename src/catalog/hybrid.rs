//! The optional hybrid model: a sparse item-to-item neighbour table and the blend weights
//! the offline tuner chose, read and validated with the rest of the catalog (how a shopper
//! is scored with them is `recommend::hybrid`'s job; this module knows no algorithm).
//!
//! | name | kind | meaning |
//! |---|---|---|
//! | `neighbour.ids` | U32 [N, K] | row j: the items item j recommends, strongest first; `u32::MAX` = empty slot |
//! | `neighbour.weights` | F16 [N, K] | the slots' weights (finite; an empty slot's is ignored) |
//! | `hybrid.version` | metadata | `"1"`; present = the catalog is a hybrid |
//! | `hybrid.vector_weight` | metadata | `"1"` or `"0"`: whether the vector score takes part |
//! | `hybrid.neighbour_weight`, `hybrid.popularity_weight` | metadata | `w_nb`, `w_pop`: finite f32 |
//! | `hybrid.history` | metadata | `"linear"`, `"log1p"` or `"saturate"` |
//!
//! The two tensors come together or not at all (a hybrid without them blends vectors and
//! popularity only); they need the metadata, which may come without them. Ids are item
//! indices below N or the empty sentinel. A row may name its own item and may name an item
//! twice: the score sums over slots, so both are well defined, and the builders decide
//! whether to write them (`recommend::hybrid` states the sum). K is at least 1 and at most
//! [`Limits::max_neighbours`](super::Limits). Older readers ignore the tensors and keep the
//! keys as free text, so a hybrid catalog still loads there (scored by its vectors alone).

use std::ops::Range;

use safetensors::Dtype;

use super::{names, CatalogError, Find, Limits, Metadata};
use crate::number::{Num, Quoted};

/// The id of an unused neighbour slot.
pub const EMPTY_NEIGHBOUR: u32 = u32::MAX;

/// The hybrid version this build reads and writes.
pub const HYBRID_VERSION: u32 = 1;

/// How a history item's weight `w_j` becomes its weight in the neighbour term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryTransform {
    /// `w_j` itself.
    Linear,
    /// `ln(1 + w_j)`.
    Log1p,
    /// `min(w_j, 1)`: one for a whole event, fading with time decay.
    Saturate,
}

impl HistoryTransform {
    /// The name stored in `hybrid.history`.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryTransform::Linear => "linear",
            HistoryTransform::Log1p => "log1p",
            HistoryTransform::Saturate => "saturate",
        }
    }

    pub fn parse(text: &str) -> Option<HistoryTransform> {
        [
            HistoryTransform::Linear,
            HistoryTransform::Log1p,
            HistoryTransform::Saturate,
        ]
        .into_iter()
        .find(|t| t.as_str() == text)
    }
}

/// The blend of the final score, as the tuner chose it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HybridParams {
    /// `v`: whether the vector score takes part (`hybrid.vector_weight` 1 or 0).
    pub vectors: bool,
    /// `w_nb`, finite.
    pub neighbour_weight: f32,
    /// `w_pop`, finite.
    pub popularity_weight: f32,
    pub history: HistoryTransform,
}

/// A neighbour table to write: `k` slots per item, row-major `[N, k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourSpec {
    pub k: usize,
    /// Item indices or [`EMPTY_NEIGHBOUR`].
    pub ids: Vec<u32>,
    /// Stored as f16 (rounded to nearest, ties to even; magnitudes past 65504 are rejected).
    pub weights: Vec<f32>,
}

/// The hybrid part of a catalog to write.
#[derive(Debug, Clone, PartialEq)]
pub struct HybridSpec {
    pub params: HybridParams,
    /// `None`: a blend of vectors and popularity without neighbours.
    pub neighbours: Option<NeighbourSpec>,
}

/// Where the neighbour tensors live, after the shape checks.
#[derive(Debug, Clone)]
pub(crate) struct NeighbourLayout {
    k: usize,
    ids: Range<usize>,
    weights: Range<usize>,
}

/// The hybrid part of a catalog, after the shape and metadata checks.
#[derive(Debug, Clone)]
pub(crate) struct HybridLayout {
    params: HybridParams,
    neighbours: Option<NeighbourLayout>,
}

/// The catalog's hybrid model, borrowed from the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Hybrid<'a> {
    pub params: HybridParams,
    /// `None` when the catalog ships the blend without a neighbour table.
    pub neighbours: Option<Neighbours<'a>>,
}

/// The neighbour table: `k` slots per item.
#[derive(Debug, Clone, Copy)]
pub struct Neighbours<'a> {
    k: usize,
    ids: &'a [u32],
    /// IEEE binary16 bit patterns.
    weights: &'a [u16],
}

impl<'a> Neighbours<'a> {
    /// Slots per item (K ≥ 1).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Items the table has rows for (the catalog's items; every id in it is below this).
    pub fn items(&self) -> usize {
        self.ids.len() / self.k
    }

    /// Item j's slots: ids (or [`EMPTY_NEIGHBOUR`]) and f16 weight bits, in slot order.
    pub fn row(&self, j: usize) -> (&'a [u32], &'a [u16]) {
        let span = j * self.k..(j + 1) * self.k;
        (&self.ids[span.clone()], &self.weights[span])
    }

    /// Bytes one item's row takes in the file (u32 id + f16 weight per slot).
    pub fn bytes_per_item(&self) -> usize {
        self.k * 6
    }
}

impl HybridLayout {
    /// K, when the catalog ships a neighbour table.
    pub(crate) fn k(&self) -> Option<usize> {
        self.neighbours.as_ref().map(|n| n.k)
    }

    pub(crate) fn view<'a>(&self, buffer: &'a [u8]) -> Hybrid<'a> {
        Hybrid {
            params: self.params,
            neighbours: self.neighbours.as_ref().map(|n| Neighbours {
                k: n.k,
                ids: bytemuck::cast_slice(&buffer[n.ids.clone()]),
                weights: bytemuck::cast_slice(&buffer[n.weights.clone()]),
            }),
        }
    }

    /// Value checks on the aligned buffer: ids index items or are empty, weights finite.
    pub(crate) fn check_values(&self, buffer: &[u8], items: usize) -> Result<(), CatalogError> {
        let Some(table) = self.view(buffer).neighbours else {
            return Ok(());
        };
        if let Some(index) = table
            .ids
            .iter()
            .position(|&id| id != EMPTY_NEIGHBOUR && id as usize >= items)
        {
            return Err(CatalogError::InvalidValue {
                name: names::NEIGHBOUR_IDS.into(),
                index,
                reason: format!(
                    "id {} is neither an item index below {items} nor the empty slot {EMPTY_NEIGHBOUR}",
                    table.ids[index]
                ),
            });
        }
        // Exponent bits all ones means ±infinity or NaN in binary16.
        if let Some(index) = table.weights.iter().position(|&h| h & 0x7c00 == 0x7c00) {
            return Err(CatalogError::NonFinite {
                name: names::NEIGHBOUR_WEIGHTS.into(),
                index,
            });
        }
        Ok(())
    }
}

/// Finds and checks the hybrid part: the `hybrid.*` keys are taken out of `extra` (the
/// metadata no other reader interpreted), the neighbour tensors' shapes checked against the
/// item count `items`.
pub(crate) fn parse(
    find: &mut Find<'_>,
    extra: &mut Metadata,
    items: usize,
    limits: &Limits,
) -> Result<Option<HybridLayout>, CatalogError> {
    let ids = find(names::NEIGHBOUR_IDS, &[Dtype::U32], "U32")?;
    let weights = find(names::NEIGHBOUR_WEIGHTS, &[Dtype::F16], "F16")?;
    // The keys are taken out of `extra` one by one: what is left there under `hybrid.` at
    // the end is unknown to this version.
    let Some(version) = extra.remove(names::META_HYBRID_VERSION) else {
        // Without the blend nothing says how to use a neighbour table.
        let stray = extra
            .keys()
            .find(|k| k.starts_with("hybrid."))
            .map(String::as_str)
            .or(ids
                .as_ref()
                .map(|_| names::NEIGHBOUR_IDS)
                .or(weights.as_ref().map(|_| names::NEIGHBOUR_WEIGHTS)));
        return match stray {
            Some(what) => Err(CatalogError::metadata(
                names::META_HYBRID_VERSION,
                format!("missing, but the file has `{what}` of the hybrid model"),
            )),
            None => Ok(None),
        };
    };
    if version.trim() != HYBRID_VERSION.to_string() {
        return Err(CatalogError::metadata(
            names::META_HYBRID_VERSION,
            format!(
                "{} is not a hybrid version this build reads ({HYBRID_VERSION})",
                Quoted(&version)
            ),
        ));
    }
    let mut number = |key: &str| -> Result<f32, CatalogError> {
        let text = extra
            .remove(key)
            .ok_or_else(|| CatalogError::metadata(key, "missing from a hybrid catalog".into()))?;
        // As the other numbers (see `meta::number`): the value read back is the f32 whose
        // shortest decimal the writer stored.
        match super::meta::number(&text) {
            Some(v) if v.is_finite() => Ok(v),
            _ => Err(CatalogError::metadata(
                key,
                format!("{} is not a finite number", Quoted(&text)),
            )),
        }
    };
    let v = number(names::META_HYBRID_VECTOR_WEIGHT)?;
    if v != 0.0 && v != 1.0 {
        return Err(CatalogError::metadata(
            names::META_HYBRID_VECTOR_WEIGHT,
            format!("{} is neither 1 (vectors on) nor 0 (off)", Num(v)),
        ));
    }
    let vectors = v == 1.0;
    let neighbour_weight = number(names::META_HYBRID_NEIGHBOUR_WEIGHT)?;
    let popularity_weight = number(names::META_HYBRID_POPULARITY_WEIGHT)?;
    let history = extra
        .remove(names::META_HYBRID_HISTORY)
        .ok_or_else(|| {
            CatalogError::metadata(
                names::META_HYBRID_HISTORY,
                "missing from a hybrid catalog".into(),
            )
        })
        .and_then(|text| {
            HistoryTransform::parse(text.trim()).ok_or_else(|| {
                CatalogError::metadata(
                    names::META_HYBRID_HISTORY,
                    format!(
                        "{} is not \"linear\", \"log1p\" or \"saturate\"",
                        Quoted(&text)
                    ),
                )
            })
        })?;
    if let Some(key) = extra.keys().find(|k| k.starts_with("hybrid.")) {
        return Err(CatalogError::metadata(
            key,
            format!("not a key of hybrid version {HYBRID_VERSION}"),
        ));
    }
    let neighbours = match (ids, weights) {
        (None, None) => None,
        (Some(_), None) => return Err(CatalogError::MissingTensor(names::NEIGHBOUR_WEIGHTS)),
        (None, Some(_)) => return Err(CatalogError::MissingTensor(names::NEIGHBOUR_IDS)),
        (Some((ids, _, id_shape)), Some((weights, _, weight_shape))) => {
            let k = match id_shape[..] {
                [n, k] if n == items && k >= 1 && k <= limits.max_neighbours => k,
                [n, k] if n == items && k > limits.max_neighbours => {
                    return Err(CatalogError::TooLarge {
                        what: "neighbours per item",
                        found: k,
                        limit: limits.max_neighbours,
                    })
                }
                _ => {
                    return Err(CatalogError::Shape {
                        name: names::NEIGHBOUR_IDS.into(),
                        found: id_shape,
                        expected: format!("[{items}, K] with K ≥ 1"),
                    })
                }
            };
            if weight_shape != [items, k] {
                return Err(CatalogError::Shape {
                    name: names::NEIGHBOUR_WEIGHTS.into(),
                    found: weight_shape,
                    expected: format!("[{items}, {k}] (as {})", names::NEIGHBOUR_IDS),
                });
            }
            Some(NeighbourLayout { k, ids, weights })
        }
    };
    Ok(Some(HybridLayout {
        params: HybridParams {
            vectors,
            neighbour_weight,
            popularity_weight,
            history,
        },
        neighbours,
    }))
}

/// The `hybrid.*` metadata entries of `params` (numbers as their shortest round-trip
/// decimals, so they read back bit for bit).
pub(crate) fn metadata(params: &HybridParams) -> [(&'static str, String); 5] {
    [
        (names::META_HYBRID_VERSION, HYBRID_VERSION.to_string()),
        (
            names::META_HYBRID_VECTOR_WEIGHT,
            if params.vectors { "1" } else { "0" }.to_string(),
        ),
        (
            names::META_HYBRID_NEIGHBOUR_WEIGHT,
            params.neighbour_weight.to_string(),
        ),
        (
            names::META_HYBRID_POPULARITY_WEIGHT,
            params.popularity_weight.to_string(),
        ),
        (
            names::META_HYBRID_HISTORY,
            params.history.as_str().to_string(),
        ),
    ]
}

/// A tensor to write: name, dtype, shape, little-endian bytes.
pub(crate) type Tensor = (String, Dtype, Vec<usize>, Vec<u8>);

/// The neighbour tensors of `spec` for a catalog of `items` items: (name, dtype, shape,
/// little-endian bytes). Values are checked again by the reader the writer ends with.
pub(crate) fn tensors(spec: &NeighbourSpec, items: usize) -> Result<[Tensor; 2], CatalogError> {
    let slots = items * spec.k;
    for (name, found) in [
        (names::NEIGHBOUR_IDS, spec.ids.len()),
        (names::NEIGHBOUR_WEIGHTS, spec.weights.len()),
    ] {
        if spec.k == 0 || found != slots {
            return Err(CatalogError::Shape {
                name: name.into(),
                found: vec![found],
                expected: format!("{items} items × K = {} slots, K ≥ 1", spec.k),
            });
        }
    }
    let mut bits = Vec::with_capacity(slots);
    for (index, &w) in spec.weights.iter().enumerate() {
        let h = half::f16::from_f32(w);
        if !h.is_finite() {
            return Err(CatalogError::InvalidValue {
                name: names::NEIGHBOUR_WEIGHTS.into(),
                index,
                reason: format!("{} is not a finite f16 (max 65504)", Num(w)),
            });
        }
        bits.push(h.to_bits());
    }
    Ok([
        (
            names::NEIGHBOUR_IDS.into(),
            Dtype::U32,
            vec![items, spec.k],
            bytemuck::cast_slice(&spec.ids).to_vec(),
        ),
        (
            names::NEIGHBOUR_WEIGHTS.into(),
            Dtype::F16,
            vec![items, spec.k],
            bytemuck::cast_slice(&bits).to_vec(),
        ),
    ])
}
