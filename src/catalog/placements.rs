//! The optional placement tables: what storefront placements other than "for you" and
//! "similar" read from the catalog. Built offline from the store's orders (the CLI's
//! `placements` module); how they are served is `recommend::placements`'s job.
//!
//! | name | kind | meaning |
//! |---|---|---|
//! | `together.ids` | U32 [N, K] | row j: items bought in the same basket as item j more often than their popularity predicts, strongest first; `u32::MAX` = empty slot |
//! | `together.weight` | F32 [N, K] | each slot's strength (finite, > 0; an empty slot's is ignored) |
//! | `together.measure` | metadata | what the weights are: `"lift"` or `"cosine"` (required with the table) |
//! | `trending.score` | F32 [N] | time-decayed popularity at build time (finite, ≥ 0) |
//! | `trending.half_life_days` | metadata | the decay's half-life in days (finite, > 0; required with `trending.score`) |
//! | `trending.as_of` | metadata | when the score was computed, Unix seconds (free text) |
//!
//! The `together.*` tensors and key come together or not at all. Both tables are new names, so
//! readers that predate them ignore them and the file still loads there; a catalog without
//! them loads here (the placements that need them say so when asked).

use std::ops::Range;

use safetensors::Dtype;

use super::layout::f32s;
use super::{names, CatalogError, Find, Limits, Metadata};
use crate::number::{Num, Quoted};

/// The id of an unused bought-together slot.
pub const EMPTY_SLOT: u32 = u32::MAX;

/// What a bought-together weight measures (both from basket counts: B baskets, c_i holding
/// item i, c_ij holding both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TogetherMeasure {
    /// `c_ij · B / (c_i · c_j)`: how many times more often than chance.
    Lift,
    /// `c_ij / √(c_i · c_j)`: co-purchase cosine, which leans less to rare partners.
    Cosine,
}

impl TogetherMeasure {
    /// The name stored in `together.measure`.
    pub fn as_str(self) -> &'static str {
        match self {
            TogetherMeasure::Lift => "lift",
            TogetherMeasure::Cosine => "cosine",
        }
    }

    pub fn parse(text: &str) -> Option<TogetherMeasure> {
        [TogetherMeasure::Lift, TogetherMeasure::Cosine]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// A bought-together table to write: `k` slots per item, row-major `[N, k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TogetherSpec {
    pub k: usize,
    /// Item indices or [`EMPTY_SLOT`].
    pub ids: Vec<u32>,
    /// Strength per slot: finite and > 0 where the slot is used.
    pub weights: Vec<f32>,
    pub measure: TogetherMeasure,
}

/// A trending score to write.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendingSpec {
    /// One per item, finite, ≥ 0.
    pub scores: Vec<f32>,
    /// Finite, > 0.
    pub half_life_days: f32,
    /// Unix seconds the decay was measured from.
    pub as_of: Option<i64>,
}

/// The placement tables of a catalog to write (`None` parts ship nothing).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlacementSpec {
    pub together: Option<TogetherSpec>,
    pub trending: Option<TrendingSpec>,
}

#[derive(Debug, Clone)]
struct TogetherLayout {
    k: usize,
    ids: Range<usize>,
    weights: Range<usize>,
    measure: TogetherMeasure,
}

#[derive(Debug, Clone)]
struct TrendingLayout {
    scores: Range<usize>,
    half_life_days: f32,
}

/// Where the placement tables live, after the shape and metadata checks.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlacementLayout {
    together: Option<TogetherLayout>,
    trending: Option<TrendingLayout>,
}

/// The bought-together table, borrowed from the catalog: `k` slots per item.
#[derive(Debug, Clone, Copy)]
pub struct Together<'a> {
    k: usize,
    ids: &'a [u32],
    weights: &'a [f32],
    measure: TogetherMeasure,
}

impl<'a> Together<'a> {
    /// Slots per item (K ≥ 1).
    pub fn k(&self) -> usize {
        self.k
    }

    /// What the weights measure.
    pub fn measure(&self) -> TogetherMeasure {
        self.measure
    }

    /// Item j's slots: ids (or [`EMPTY_SLOT`]) and weights, strongest first.
    pub fn row(&self, j: usize) -> (&'a [u32], &'a [f32]) {
        let span = j * self.k..(j + 1) * self.k;
        (&self.ids[span.clone()], &self.weights[span])
    }
}

/// The trending score, borrowed from the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Trending<'a> {
    /// One per item.
    pub scores: &'a [f32],
    pub half_life_days: f32,
}

impl PlacementLayout {
    pub(crate) fn together<'a>(&self, buffer: &'a [u8]) -> Option<Together<'a>> {
        self.together.as_ref().map(|t| Together {
            k: t.k,
            ids: bytemuck::cast_slice(&buffer[t.ids.clone()]),
            weights: f32s(buffer, &t.weights),
            measure: t.measure,
        })
    }

    pub(crate) fn trending<'a>(&self, buffer: &'a [u8]) -> Option<Trending<'a>> {
        self.trending.as_ref().map(|t| Trending {
            scores: f32s(buffer, &t.scores),
            half_life_days: t.half_life_days,
        })
    }

    /// Value checks on the aligned buffer: ids index items or are empty, numbers in range.
    pub(crate) fn check_values(&self, buffer: &[u8], items: usize) -> Result<(), CatalogError> {
        if let Some(table) = self.together(buffer) {
            for (index, (&id, &lift)) in table.ids.iter().zip(table.weights).enumerate() {
                if id == EMPTY_SLOT {
                    continue;
                }
                if id as usize >= items {
                    return Err(CatalogError::InvalidValue {
                        name: names::TOGETHER_IDS.into(),
                        index,
                        reason: format!(
                            "id {id} is neither an item index below {items} nor the empty slot {EMPTY_SLOT}"
                        ),
                    });
                }
                if !lift.is_finite() {
                    return Err(CatalogError::NonFinite {
                        name: names::TOGETHER_WEIGHT.into(),
                        index,
                    });
                }
                if lift <= 0.0 {
                    return Err(CatalogError::InvalidValue {
                        name: names::TOGETHER_WEIGHT.into(),
                        index,
                        reason: format!("weight {} of a used slot must be > 0", Num(lift)),
                    });
                }
            }
        }
        if let Some(trending) = self.trending(buffer) {
            if let Some(index) = trending.scores.iter().position(|s| !s.is_finite()) {
                return Err(CatalogError::NonFinite {
                    name: names::TRENDING_SCORE.into(),
                    index,
                });
            }
            if let Some(index) = trending.scores.iter().position(|&s| s < 0.0) {
                return Err(CatalogError::InvalidValue {
                    name: names::TRENDING_SCORE.into(),
                    index,
                    reason: "must be ≥ 0".into(),
                });
            }
        }
        Ok(())
    }
}

/// Finds and checks the placement tables' shapes against the item count `items`; the
/// half-life is taken out of `extra` (the metadata no other reader interpreted).
pub(crate) fn parse(
    find: &mut Find<'_>,
    extra: &mut Metadata,
    items: usize,
    limits: &Limits,
) -> Result<PlacementLayout, CatalogError> {
    let ids = find(names::TOGETHER_IDS, &[Dtype::U32], "U32")?;
    let weights = find(names::TOGETHER_WEIGHT, &[Dtype::F32], "F32")?;
    let measure = extra.remove(names::META_TOGETHER_MEASURE);
    let together = match (ids, weights) {
        (None, None) if measure.is_some() => {
            return Err(CatalogError::MissingTensor(names::TOGETHER_IDS))
        }
        (None, None) => None,
        (Some(_), None) => return Err(CatalogError::MissingTensor(names::TOGETHER_WEIGHT)),
        (None, Some(_)) => return Err(CatalogError::MissingTensor(names::TOGETHER_IDS)),
        (Some((ids, _, id_shape)), Some((weights, _, lift_shape))) => {
            let measure = match measure
                .as_deref()
                .map(|m| (m, TogetherMeasure::parse(m.trim())))
            {
                Some((_, Some(m))) => m,
                Some((text, None)) => {
                    return Err(CatalogError::metadata(
                        names::META_TOGETHER_MEASURE,
                        format!("{} is not \"lift\" or \"cosine\"", Quoted(text)),
                    ))
                }
                None => {
                    return Err(CatalogError::metadata(
                        names::META_TOGETHER_MEASURE,
                        format!("missing, but the file has `{}`", names::TOGETHER_IDS),
                    ))
                }
            };
            let k = match id_shape[..] {
                [n, k] if n == items && k >= 1 && k <= limits.max_neighbours => k,
                [n, k] if n == items && k > limits.max_neighbours => {
                    return Err(CatalogError::TooLarge {
                        what: "bought-together slots per item",
                        found: k,
                        limit: limits.max_neighbours,
                    })
                }
                _ => {
                    return Err(CatalogError::Shape {
                        name: names::TOGETHER_IDS.into(),
                        found: id_shape,
                        expected: format!("[{items}, K] with K ≥ 1"),
                    })
                }
            };
            if items.saturating_mul(k) > limits.max_vector_elements {
                return Err(CatalogError::TooLarge {
                    what: "bought-together slots (N × K)",
                    found: items.saturating_mul(k),
                    limit: limits.max_vector_elements,
                });
            }
            if lift_shape != [items, k] {
                return Err(CatalogError::Shape {
                    name: names::TOGETHER_WEIGHT.into(),
                    found: lift_shape,
                    expected: format!("[{items}, {k}] (as {})", names::TOGETHER_IDS),
                });
            }
            Some(TogetherLayout {
                k,
                ids,
                weights,
                measure,
            })
        }
    };
    let half_life = extra.remove(names::META_TRENDING_HALF_LIFE_DAYS);
    let trending = match (
        find(names::TRENDING_SCORE, &[Dtype::F32], "F32")?,
        half_life,
    ) {
        (None, None) => None,
        (None, Some(_)) => return Err(CatalogError::MissingTensor(names::TRENDING_SCORE)),
        (Some(_), None) => {
            return Err(CatalogError::metadata(
                names::META_TRENDING_HALF_LIFE_DAYS,
                format!("missing, but the file has `{}`", names::TRENDING_SCORE),
            ))
        }
        (Some((scores, _, shape)), Some(text)) => {
            if shape != [items] {
                return Err(CatalogError::Shape {
                    name: names::TRENDING_SCORE.into(),
                    found: shape,
                    expected: format!("[{items}] (one per item)"),
                });
            }
            let half_life_days = match super::meta::number(&text) {
                Some(v) if v.is_finite() && v > 0.0 => v,
                _ => {
                    return Err(CatalogError::metadata(
                        names::META_TRENDING_HALF_LIFE_DAYS,
                        format!("{} is not a finite number of days > 0", Quoted(&text)),
                    ))
                }
            };
            Some(TrendingLayout {
                scores,
                half_life_days,
            })
        }
    };
    Ok(PlacementLayout { together, trending })
}

/// A tensor to write: name, dtype, shape, little-endian bytes.
pub(crate) type Tensor = (String, Dtype, Vec<usize>, Vec<u8>);

/// `__metadata__` entries to write.
pub(crate) type Entries = Vec<(&'static str, String)>;

/// The tensors and metadata entries of `spec` for a catalog of `items` items. Values are
/// checked again by the reader the writer ends with.
pub(crate) fn encode(
    spec: &PlacementSpec,
    items: usize,
) -> Result<(Vec<Tensor>, Entries), CatalogError> {
    let mut tensors = Vec::new();
    let mut metadata = Vec::new();
    if let Some(t) = &spec.together {
        let slots = items * t.k;
        for (name, found) in [
            (names::TOGETHER_IDS, t.ids.len()),
            (names::TOGETHER_WEIGHT, t.weights.len()),
        ] {
            if t.k == 0 || found != slots {
                return Err(CatalogError::Shape {
                    name: name.into(),
                    found: vec![found],
                    expected: format!("{items} items × K = {} slots, K ≥ 1", t.k),
                });
            }
        }
        tensors.push((
            names::TOGETHER_IDS.to_string(),
            Dtype::U32,
            vec![items, t.k],
            bytemuck::cast_slice(&t.ids).to_vec(),
        ));
        tensors.push((
            names::TOGETHER_WEIGHT.to_string(),
            Dtype::F32,
            vec![items, t.k],
            bytemuck::cast_slice(&t.weights).to_vec(),
        ));
        metadata.push((names::META_TOGETHER_MEASURE, t.measure.as_str().to_string()));
    }
    if let Some(t) = &spec.trending {
        if t.scores.len() != items {
            return Err(CatalogError::Shape {
                name: names::TRENDING_SCORE.into(),
                found: vec![t.scores.len()],
                expected: format!("[{items}] (one per item)"),
            });
        }
        tensors.push((
            names::TRENDING_SCORE.to_string(),
            Dtype::F32,
            vec![items],
            bytemuck::cast_slice(&t.scores).to_vec(),
        ));
        metadata.push((
            names::META_TRENDING_HALF_LIFE_DAYS,
            t.half_life_days.to_string(),
        ));
        if let Some(as_of) = t.as_of {
            metadata.push((names::META_TRENDING_AS_OF, as_of.to_string()));
        }
    }
    Ok((tensors, metadata))
}
