//! Optional segment tensors: customer segments built offline (`shopwindow segments`) and
//! the RFM quintile thresholds, read and validated with the rest of the catalog.
//!
//! | tensor | dtype | shape |
//! |---|---|---|
//! | `segment.centroids` | F32 | [S, d] (L2-normalized fold-in space) |
//! | `segment.size` | U32 | [S] customers per segment |
//! | `segment.label.utf8` / `.offsets` | U8 / U32 or I64 | [S+1] offsets |
//! | `segment.temperature` | F32 | [1] softmax temperature of soft membership |
//! | `segment.top_categories` | U32 | [S, T] category indices (optional) |
//! | `segment.top_items` | U32 | [S, T] item indices (optional) |
//! | `segment.rfm_weight` | F32 | [1] weight W of the RFM features (optional) |
//! | `rfm.thresholds` | F32 | [3, 4] recency / frequency / monetary quintiles (optional) |
//!
//! Centroids, sizes, labels and temperature come together or not at all. With
//! `segment.rfm_weight` the centroids are `[S, d + 3]` (the fold-in direction plus the
//! weighted RFM scores, see `segment::assign`; `RFM_FEATURES` in `rfm`) and `rfm.thresholds` must ship too, since
//! the device scores the shopper's purchases against them to build the same point.

use std::ops::Range;

use safetensors::Dtype;

use super::strings::{find_table, StringTable};
use super::{names, CatalogError, Find, Found};
use crate::number::Num;
use crate::rfm::{RfmError, RfmThresholds, RFM_FEATURES, RFM_ROWS};

/// Where the segment tensors live, after the shape checks.
#[derive(Debug, Clone)]
pub(crate) struct SegmentLayout {
    count: usize,
    centroids: Range<usize>,
    sizes: Range<usize>,
    labels: StringTable,
    temperature: f32,
    top_categories: Option<(Range<usize>, usize)>,
    top_items: Option<(Range<usize>, usize)>,
    /// Weight of the appended RFM features; `None` for plain fold-in segments.
    rfm_weight: Option<f32>,
    /// Width of a segment point: d, or d + 3 with RFM features.
    width: usize,
}

fn shape_error(name: &str, found: Vec<usize>, expected: String) -> CatalogError {
    CatalogError::Shape {
        name: name.into(),
        found,
        expected,
    }
}

/// Little-endian f32s, whatever the alignment (used before the layout is known aligned).
fn read_f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The segment layout and the RFM thresholds, when the file has them.
pub(crate) fn parse(
    buffer: &[u8],
    find: &mut Find<'_>,
    dim: usize,
) -> Result<(Option<SegmentLayout>, Option<RfmThresholds>), CatalogError> {
    // One label per string: the table's own length is the segment count.
    let labels = find_table(
        buffer,
        find,
        names::SEGMENT_LABEL_UTF8,
        names::SEGMENT_LABEL_OFFSETS,
        None,
    )?;
    let segments = SegmentLayout::parse(buffer, find, labels, dim)?;
    let rfm = parse_rfm(buffer, find(names::RFM_THRESHOLDS, &[Dtype::F32], "F32")?)?;
    if segments.as_ref().is_some_and(|s| s.rfm_weight.is_some()) && rfm.is_none() {
        // The device could not build the RFM part of the shopper's point.
        return Err(CatalogError::MissingTensor(names::RFM_THRESHOLDS));
    }
    Ok((segments, rfm))
}

impl SegmentLayout {
    /// Finds and shape-checks the segment tensors; `labels` is the label table (if any).
    fn parse(
        buffer: &[u8],
        find: &mut Find<'_>,
        labels: Option<StringTable>,
        dim: usize,
    ) -> Result<Option<SegmentLayout>, CatalogError> {
        let centroids = find(names::SEGMENT_CENTROIDS, &[Dtype::F32], "F32")?;
        let sizes = find(names::SEGMENT_SIZES, &[Dtype::U32], "U32")?;
        let temperature = find(names::SEGMENT_TEMPERATURE, &[Dtype::F32], "F32")?;
        let top_categories = find(names::SEGMENT_TOP_CATEGORIES, &[Dtype::U32], "U32")?;
        let top_items = find(names::SEGMENT_TOP_ITEMS, &[Dtype::U32], "U32")?;
        let rfm_weight = find(names::SEGMENT_RFM_WEIGHT, &[Dtype::F32], "F32")?;
        let Some((centroids, _, shape)) = centroids else {
            let stray = [
                (sizes.is_some(), names::SEGMENT_SIZES),
                (labels.is_some(), names::SEGMENT_LABEL_UTF8),
                (temperature.is_some(), names::SEGMENT_TEMPERATURE),
                (top_categories.is_some(), names::SEGMENT_TOP_CATEGORIES),
                (top_items.is_some(), names::SEGMENT_TOP_ITEMS),
                (rfm_weight.is_some(), names::SEGMENT_RFM_WEIGHT),
            ];
            return match stray.iter().find(|(present, _)| *present) {
                Some(_) => Err(CatalogError::MissingTensor(names::SEGMENT_CENTROIDS)),
                None => Ok(None),
            };
        };
        let rfm_weight = rfm_weight
            .map(|found| parse_rfm_weight(buffer, found))
            .transpose()?;
        let width = dim + rfm_weight.map_or(0, |_| RFM_FEATURES);
        let count = match shape[..] {
            [s, w] if s > 0 && w == width => s,
            _ => {
                let with_rfm = if rfm_weight.is_some() {
                    format!(" ({dim} + {RFM_FEATURES} RFM features, as segment.rfm_weight says)")
                } else {
                    String::new()
                };
                return Err(shape_error(
                    names::SEGMENT_CENTROIDS,
                    shape,
                    format!("[S, {width}]{with_rfm} with S ≥ 1"),
                ));
            }
        };
        let (sizes, _, size_shape) =
            sizes.ok_or(CatalogError::MissingTensor(names::SEGMENT_SIZES))?;
        if size_shape != [count] {
            return Err(shape_error(
                names::SEGMENT_SIZES,
                size_shape,
                format!("[{count}] (one per segment)"),
            ));
        }
        let labels = labels.ok_or(CatalogError::MissingTensor(names::SEGMENT_LABEL_UTF8))?;
        if labels.len() != count {
            return Err(CatalogError::StringTable {
                name: names::SEGMENT_LABEL_UTF8.into(),
                reason: format!("{} labels for {count} segments", labels.len()),
            });
        }
        let (range, _, t_shape) =
            temperature.ok_or(CatalogError::MissingTensor(names::SEGMENT_TEMPERATURE))?;
        if t_shape != [1] {
            return Err(shape_error(
                names::SEGMENT_TEMPERATURE,
                t_shape,
                "[1]".into(),
            ));
        }
        let temperature = read_f32s(&buffer[range])[0];
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(CatalogError::InvalidValue {
                name: names::SEGMENT_TEMPERATURE.into(),
                index: 0,
                reason: format!("{} is not a positive number", Num(temperature)),
            });
        }
        let per_segment = |name: &'static str, found: Option<Found>| match found {
            None => Ok(None),
            Some((range, _, shape)) => match shape[..] {
                [s, t] if s == count => Ok(Some((range, t))),
                _ => Err(shape_error(name, shape, format!("[{count}, T]"))),
            },
        };
        Ok(Some(SegmentLayout {
            count,
            centroids,
            sizes,
            labels,
            temperature,
            top_categories: per_segment(names::SEGMENT_TOP_CATEGORIES, top_categories)?,
            top_items: per_segment(names::SEGMENT_TOP_ITEMS, top_items)?,
            rfm_weight,
            width,
        }))
    }

    /// Value checks on the aligned buffer: finite centroids, indices in range.
    pub(crate) fn check_values(
        &self,
        buffer: &[u8],
        items: usize,
        categories: Option<usize>,
    ) -> Result<(), CatalogError> {
        let centroids: &[f32] = bytemuck::cast_slice(&buffer[self.centroids.clone()]);
        if let Some(index) = centroids.iter().position(|v| !v.is_finite()) {
            return Err(CatalogError::NonFinite {
                name: names::SEGMENT_CENTROIDS.into(),
                index,
            });
        }
        if let Some((range, _)) = &self.top_items {
            check_indices(names::SEGMENT_TOP_ITEMS, buffer, range, items, "items")?;
        }
        if let Some((range, _)) = &self.top_categories {
            let Some(count) = categories else {
                return Err(CatalogError::MissingTensor(names::CATEGORY_NAME_UTF8));
            };
            check_indices(
                names::SEGMENT_TOP_CATEGORIES,
                buffer,
                range,
                count,
                "category names",
            )?;
        }
        Ok(())
    }
}

/// Reads and checks `segment.rfm_weight`: one positive, finite number.
fn parse_rfm_weight(buffer: &[u8], (range, _, shape): Found) -> Result<f32, CatalogError> {
    if shape != [1] {
        return Err(shape_error(names::SEGMENT_RFM_WEIGHT, shape, "[1]".into()));
    }
    let weight = read_f32s(&buffer[range])[0];
    if !(weight.is_finite() && weight > 0.0) {
        return Err(CatalogError::InvalidValue {
            name: names::SEGMENT_RFM_WEIGHT.into(),
            index: 0,
            reason: format!("{} is not a positive number", Num(weight)),
        });
    }
    Ok(weight)
}

fn check_indices(
    name: &str,
    buffer: &[u8],
    range: &Range<usize>,
    bound: usize,
    what: &str,
) -> Result<(), CatalogError> {
    let values: &[u32] = bytemuck::cast_slice(&buffer[range.clone()]);
    match values.iter().position(|&v| v as usize >= bound) {
        Some(index) => Err(CatalogError::InvalidValue {
            name: name.into(),
            index,
            reason: format!("index {} is not below the {bound} {what}", values[index]),
        }),
        None => Ok(()),
    }
}

/// Reads and checks `rfm.thresholds`, when present.
fn parse_rfm(buffer: &[u8], found: Option<Found>) -> Result<Option<RfmThresholds>, CatalogError> {
    let Some((range, _, shape)) = found else {
        return Ok(None);
    };
    if shape != [3, 4] {
        return Err(shape_error(
            names::RFM_THRESHOLDS,
            shape,
            "[3, 4] (recency, frequency, monetary × 4 quintile boundaries)".into(),
        ));
    }
    let v = read_f32s(&buffer[range]);
    let row = |r: usize| [v[4 * r], v[4 * r + 1], v[4 * r + 2], v[4 * r + 3]];
    RfmThresholds::new(row(0), row(1), row(2))
        .map(Some)
        .map_err(|e| {
            let (RfmError::InvalidValue { row, .. } | RfmError::Decreasing { row, .. }) = &e;
            CatalogError::InvalidValue {
                name: names::RFM_THRESHOLDS.into(),
                // The first element of the offending row.
                index: 4 * RFM_ROWS.iter().position(|r| r == row).unwrap_or(0),
                reason: e.to_string(),
            }
        })
}

/// The catalog's customer segments, borrowed from the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Segments<'a> {
    buffer: &'a [u8],
    layout: &'a SegmentLayout,
    dim: usize,
}

impl<'a> Segments<'a> {
    pub(crate) fn new(buffer: &'a [u8], layout: &'a SegmentLayout) -> Segments<'a> {
        Segments {
            buffer,
            layout,
            dim: layout.width,
        }
    }

    /// Width of a segment point and centroid: d, or d + 3 with RFM features.
    pub fn point_dim(&self) -> usize {
        self.dim
    }

    /// Weight W of the RFM features appended to each point, when the segments use them.
    pub fn rfm_weight(&self) -> Option<f32> {
        self.layout.rfm_weight
    }

    /// Number of segments S (at least 1).
    pub fn len(&self) -> usize {
        self.layout.count
    }

    /// Always false: a segment table has at least one segment.
    pub fn is_empty(&self) -> bool {
        self.layout.count == 0
    }

    /// `S × point_dim` centroids, row-major.
    pub fn centroids(&self) -> &'a [f32] {
        bytemuck::cast_slice(&self.buffer[self.layout.centroids.clone()])
    }

    pub fn centroid(&self, segment: usize) -> &'a [f32] {
        &self.centroids()[segment * self.dim..(segment + 1) * self.dim]
    }

    /// Customers in each segment when it was built.
    pub fn sizes(&self) -> &'a [u32] {
        bytemuck::cast_slice(&self.buffer[self.layout.sizes.clone()])
    }

    pub fn label(&self, segment: usize) -> &'a str {
        self.layout.labels.get(self.buffer, segment)
    }

    /// Temperature τ of the soft membership `softmax(−‖x − c_s‖² / τ)`.
    pub fn temperature(&self) -> f32 {
        self.layout.temperature
    }

    /// The segment's dominant category indices, most characteristic first (empty when the
    /// catalog ships none).
    pub fn top_categories(&self, segment: usize) -> &'a [u32] {
        self.rows(&self.layout.top_categories, segment)
    }

    /// The segment's most characteristic item indices (empty when none ship).
    pub fn top_items(&self, segment: usize) -> &'a [u32] {
        self.rows(&self.layout.top_items, segment)
    }

    fn rows(&self, table: &Option<(Range<usize>, usize)>, segment: usize) -> &'a [u32] {
        match table {
            None => &[],
            Some((range, width)) => {
                let all: &[u32] = bytemuck::cast_slice(&self.buffer[range.clone()]);
                &all[segment * width..(segment + 1) * width]
            }
        }
    }
}
