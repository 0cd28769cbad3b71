//! What passes between the engine module, which holds the catalog and plans each request,
//! and the WebGPU module, which holds the catalog's copy on the GPU and scans it. The two
//! are separate wasm modules with separate memories, so everything crosses as plain `u32`
//! words (or bytes and floats for the upload), encoded and decoded by the functions here,
//! which both modules link:
//!
//! - once, the catalog's [`Shape`], then per chunk its rows and per-item columns in the
//!   GPU's layout, and each per-item scan column on first use (a [`Source`]);
//! - per scan, a [`ScanRequest`]: the words and parameters the shaders read, and the pool;
//! - back, the read-back words (the workgroups' candidates and log-sum-exp pairs), which
//!   the engine merges ([`scan_result`]);
//! - per request, its scans [`frame`]d into one array, an empty slot for a scan the GPU does
//!   not serve (the engine runs that one on the CPU).
//!
//! The engine's side ([`ScanRequest::of`], [`CatalogSource`], [`scan_result`]) is plain Rust
//! over the core's types; the WebGPU module's side only decodes.

use std::ops::Range;

use shopwindow::recommend::{ScanColumn, ScanPlan};
use shopwindow::topk::ScanResult;
use shopwindow::{Recommender, VectorDtype};

use crate::layout::{self, Request, ADD_BIAS, LOG_PARTITION, MAX_POOL, USE_WEIGHTS};

/// What the GPU needs to know of a catalog before its rows: the storage type, the
/// dimension and the number of items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// The catalog's storage (4-bit rows arrive widened to int8, see `layout::gpu_dtype`).
    pub dtype: VectorDtype,
    pub dim: usize,
    pub items: usize,
}

impl Shape {
    pub fn of(engine: &Recommender) -> Shape {
        let catalog = engine.catalog();
        Shape {
            dtype: catalog.dtype(),
            dim: catalog.dim(),
            items: catalog.len(),
        }
    }

    pub fn encode(&self) -> Vec<u32> {
        let dtype = VectorDtype::ALL
            .iter()
            .position(|&d| d == self.dtype)
            .unwrap_or(0);
        vec![dtype as u32, self.dim as u32, self.items as u32]
    }

    pub fn decode(words: &[u32]) -> Result<Shape, String> {
        match *words {
            [dtype, dim, items] => Ok(Shape {
                dtype: *VectorDtype::ALL
                    .get(dtype as usize)
                    .ok_or_else(|| format!("unknown storage type {dtype} in a catalog shape"))?,
                dim: dim as usize,
                items: items as usize,
            }),
            _ => Err(format!("a catalog shape is 3 words, not {}", words.len())),
        }
    }
}

/// Where the GPU's copy of the catalog comes from: the engine, directly ([`CatalogSource`])
/// or through the JS boundary (the WebGPU module's binding).
pub trait Source {
    /// The rows of `items` in the GPU's layout (`layout::vector_bytes`).
    fn rows(&self, items: Range<usize>) -> Result<Vec<u8>, String>;
    /// The per-item columns of `items` (`layout::columns`).
    fn columns(&self, items: Range<usize>) -> Result<Vec<u32>, String>;
    /// Every item's value of `column`.
    fn scan_column(&self, column: ScanColumn) -> Result<Vec<f32>, String>;
}

/// The engine as a [`Source`], for code that holds it (the engine module, tests, the bench).
pub struct CatalogSource<'a>(pub &'a Recommender);

impl CatalogSource<'_> {
    /// `items` if it lies within the catalog.
    fn checked(&self, items: Range<usize>) -> Result<Range<usize>, String> {
        let len = self.0.catalog().len();
        if items.start <= items.end && items.end <= len {
            Ok(items)
        } else {
            Err(format!(
                "rows {}..{} are outside the catalog's {len} items",
                items.start, items.end
            ))
        }
    }
}

impl Source for CatalogSource<'_> {
    fn rows(&self, items: Range<usize>) -> Result<Vec<u8>, String> {
        let catalog = self.0.catalog();
        let items = self.checked(items)?;
        Ok(layout::vector_bytes(catalog.vectors(), catalog.dim(), items).into_owned())
    }

    fn columns(&self, items: Range<usize>) -> Result<Vec<u32>, String> {
        let items = self.checked(items)?;
        Ok(layout::columns(self.0.catalog(), items))
    }

    fn scan_column(&self, column: ScanColumn) -> Result<Vec<f32>, String> {
        Ok(self.0.scan_column(column).to_vec())
    }
}

/// The parts of a catalog the engine hands over, by number: one export serves them all
/// (`gpuUpload(part, start, end)` in the engine module), as little-endian bytes.
pub const PART_SHAPE: u32 = 0;
/// Rows `start..end` in the GPU's layout ([`Source::rows`]).
pub const PART_ROWS: u32 = 1;
/// The per-item columns of items `start..end` ([`Source::columns`]).
pub const PART_COLUMNS: u32 = 2;
/// [`ScanColumn::InverseNorms`] for every item.
pub const PART_INVERSE_NORMS: u32 = 3;
/// [`ScanColumn::PopularityTerm`] for every item.
pub const PART_POPULARITY_TERM: u32 = 4;

/// The part number of a scan column.
pub fn part_of_column(column: ScanColumn) -> u32 {
    match column {
        ScanColumn::InverseNorms => PART_INVERSE_NORMS,
        ScanColumn::PopularityTerm => PART_POPULARITY_TERM,
    }
}

fn le_bytes<const N: usize>(values: impl IntoIterator<Item = [u8; N]>) -> Vec<u8> {
    values.into_iter().flatten().collect()
}

impl CatalogSource<'_> {
    /// `part` of the catalog (`items` where it is per item) as little-endian bytes.
    pub fn part(&self, part: u32, items: Range<usize>) -> Result<Vec<u8>, String> {
        let words = |w: Vec<u32>| le_bytes(w.into_iter().map(u32::to_le_bytes));
        let floats = |f: &[f32]| le_bytes(f.iter().map(|v| v.to_le_bytes()));
        match part {
            PART_SHAPE => Ok(words(Shape::of(self.0).encode())),
            PART_ROWS => self.rows(items),
            PART_COLUMNS => self.columns(items).map(words),
            PART_INVERSE_NORMS => Ok(floats(self.0.scan_column(ScanColumn::InverseNorms))),
            PART_POPULARITY_TERM => Ok(floats(self.0.scan_column(ScanColumn::PopularityTerm))),
            other => Err(format!("unknown catalog part {other}")),
        }
    }
}

/// Little-endian bytes as `u32` words (a trailing partial word is dropped).
pub fn words_of(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect()
}

/// Little-endian bytes as `f32` values (a trailing partial value is dropped).
pub fn floats_of(bytes: &[u8]) -> Vec<f32> {
    words_of(bytes).into_iter().map(f32::from_bits).collect()
}

/// Words before the request's own words: pool, flags, the five offsets and lengths, the two
/// price bounds and the query scale.
const REQUEST_HEADER: usize = 10;

/// One scan as the GPU runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRequest {
    pub request: Request,
    /// How many candidates the scan keeps.
    pub pool: usize,
}

impl ScanRequest {
    /// `plan` (a scan without per-item sparse terms: [`ScanPlan::dense`]) on a catalog of
    /// `dtype`, or `None` when the GPU does not serve it: very large pools stay on the CPU
    /// (see [`MAX_POOL`]), and so does a scan without a query (a hybrid catalog with its
    /// vector term off ranks by one column, which needs no GPU).
    pub fn of(plan: &ScanPlan<'_>, dtype: VectorDtype) -> Option<ScanRequest> {
        let query = plan.query.as_ref()?;
        if plan.pool > MAX_POOL
            || plan.has_sparse_terms()
            || (plan.weights.is_some() && plan.bias.is_some())
        {
            return None;
        }
        let mut request = Request::new(
            dtype,
            query.values(),
            plan.filter.parts(),
            plan.weights.is_some(),
        );
        if plan.log_partition {
            request.flags |= LOG_PARTITION;
        }
        if plan.bias.is_some() {
            request.flags |= ADD_BIAS;
        }
        Some(ScanRequest {
            request,
            pool: plan.pool,
        })
    }

    /// Whether the scan computes the softmax normalizer too.
    pub fn log_partition(&self) -> bool {
        self.request.flags & LOG_PARTITION != 0
    }

    /// The per-item column the scan reads, if any.
    pub fn column(&self) -> Option<ScanColumn> {
        if self.request.flags & USE_WEIGHTS != 0 {
            Some(ScanColumn::InverseNorms)
        } else if self.request.flags & ADD_BIAS != 0 {
            Some(ScanColumn::PopularityTerm)
        } else {
            None
        }
    }

    pub fn encode(&self) -> Vec<u32> {
        let r = &self.request;
        let mut words = Vec::with_capacity(REQUEST_HEADER + r.words.len());
        words.extend([
            self.pool as u32,
            r.flags,
            r.category_offset,
            r.category_count,
            r.exclude_offset,
            r.exclude_len,
            r.price_min.to_bits(),
            r.price_max.to_bits(),
            r.query_scale.to_bits(),
            r.words.len() as u32,
        ]);
        words.extend_from_slice(&r.words);
        words
    }

    /// A request [`ScanRequest::encode`] wrote; its offsets are checked against its words,
    /// so a decoded request never makes the shaders read past them.
    pub fn decode(words: &[u32]) -> Result<ScanRequest, String> {
        let (header, rest) = words
            .split_first_chunk::<REQUEST_HEADER>()
            .ok_or("a scan request is shorter than its header")?;
        let [pool, flags, category_offset, category_count, exclude_offset, exclude_len, price_min, price_max, query_scale, len] =
            *header;
        if rest.len() != len as usize {
            return Err(format!(
                "a scan request says {len} words and has {}",
                rest.len()
            ));
        }
        let fits = |offset: u32, count: u64| u64::from(offset) + count <= u64::from(len);
        if !fits(category_offset, u64::from(category_count).div_ceil(32))
            || !fits(exclude_offset, u64::from(exclude_len))
        {
            return Err("a scan request points past its words".into());
        }
        if pool == 0 || pool as usize > MAX_POOL {
            return Err(format!(
                "a GPU scan keeps 1 to {MAX_POOL} items, not {pool}"
            ));
        }
        Ok(ScanRequest {
            request: Request {
                words: rest.to_vec(),
                flags,
                category_offset,
                category_count,
                exclude_offset,
                exclude_len,
                price_min: f32::from_bits(price_min),
                price_max: f32::from_bits(price_max),
                query_scale: f32::from_bits(query_scale),
            },
            pool: pool as usize,
        })
    }
}

/// The engine's result of a scan from the GPU's read-back: `groups` (how many workgroups
/// wrote), their `pool` candidates each as `(key, item)` pairs, then, when the scan asked
/// for it, each workgroup's log-sum-exp pair.
pub fn scan_result(words: &[u32], pool: usize, log_partition: bool) -> Result<ScanResult, String> {
    let (&groups, rest) = words.split_first().ok_or("an empty GPU scan result")?;
    let groups = groups as usize;
    let candidates = groups * pool * 2;
    let expected = candidates + if log_partition { 2 * groups } else { 0 };
    if rest.len() != expected {
        return Err(format!(
            "a GPU scan result of {groups} workgroups has {} words, not {expected}",
            rest.len()
        ));
    }
    let (candidates, pairs) = rest.split_at(candidates);
    Ok(ScanResult {
        top: layout::merge(candidates, pool),
        log_partition: log_partition.then(|| layout::log_partition(pairs)),
    })
}

/// Several scans' words in one array: their count, then each one's length and words; an
/// absent scan has length 0.
pub fn frame(parts: impl IntoIterator<Item = Option<Vec<u32>>>) -> Vec<u32> {
    let mut out = vec![0];
    for part in parts {
        out[0] += 1;
        let part = part.unwrap_or_default();
        out.push(part.len() as u32);
        out.extend(part);
    }
    out
}

/// The scans [`frame`] put into `words`.
pub fn unframe(words: &[u32]) -> Result<Vec<Option<&[u32]>>, String> {
    let (&count, mut rest) = words.split_first().ok_or("an empty frame of scans")?;
    let mut parts = Vec::new();
    for _ in 0..count {
        let (&len, after) = rest.split_first().ok_or("a frame of scans ends early")?;
        if after.len() < len as usize {
            return Err("a frame of scans ends early".into());
        }
        let (part, after) = after.split_at(len as usize);
        parts.push((len > 0).then_some(part));
        rest = after;
    }
    if !rest.is_empty() {
        return Err("a frame of scans has words after its last scan".into());
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{order_key, NO_ITEM};
    use shopwindow::profile::{Event, EventKind};
    use shopwindow::recommend::{RecommendOptions, RecommendPlan, SimilarOptions};
    use shopwindow::topk::{FilterParts, FilterSpec};

    fn engine(dtype: VectorDtype) -> Recommender {
        let bytes = shopwindow_testkit::catalogs::random_catalog(300, 8, dtype, 7);
        Recommender::new(shopwindow::Catalog::from_bytes(bytes).unwrap())
    }

    #[test]
    fn shapes_round_trip_and_refuse_unknown_types() {
        for dtype in VectorDtype::ALL {
            let shape = Shape {
                dtype,
                dim: 64,
                items: 1_000_000,
            };
            assert_eq!(Shape::decode(&shape.encode()), Ok(shape));
        }
        assert!(Shape::decode(&[9, 4, 4])
            .unwrap_err()
            .contains("storage type 9"));
        assert!(Shape::decode(&[0, 4]).is_err());
    }

    #[test]
    fn requests_round_trip_and_name_their_column() {
        let engine = engine(VectorDtype::I8);
        let history = [Event {
            item: 3,
            kind: EventKind::View,
            timestamp_ms: None,
        }];
        let options = RecommendOptions {
            k: 5,
            filter: FilterSpec {
                categories: None,
                price_min: None,
                price_max: None,
                available_only: false,
                exclude: vec![10, 20, 30],
            },
            ..RecommendOptions::default()
        };
        let RecommendPlan::Scan(plan) = engine.plan_recommend(&history, &options).unwrap() else {
            panic!("a history scans");
        };
        let request = ScanRequest::of(&plan, VectorDtype::I8).expect("served on the GPU");
        assert_eq!(request.column(), None);
        assert_eq!(ScanRequest::decode(&request.encode()), Ok(request.clone()));

        let similar = engine.plan_similar(4, &SimilarOptions::default()).unwrap();
        let request = ScanRequest::of(&similar, VectorDtype::I8).unwrap();
        assert_eq!(request.column(), Some(ScanColumn::InverseNorms));
    }

    #[test]
    fn broken_requests_are_refused_not_read() {
        let request = ScanRequest {
            request: Request::new(
                VectorDtype::F32,
                &[1.0, 2.0],
                FilterParts {
                    categories: None,
                    price: None,
                    available: None,
                    exclude: &[],
                },
                false,
            ),
            pool: 10,
        };
        let words = request.encode();
        assert!(ScanRequest::decode(&words[..5]).is_err());
        let mut long = words.clone();
        long.push(0);
        assert!(ScanRequest::decode(&long).unwrap_err().contains("says"));
        let mut past = words.clone();
        past[5] = 1_000; // exclude_len
        assert!(ScanRequest::decode(&past).unwrap_err().contains("past"));
        let mut pool = words;
        pool[0] = (MAX_POOL + 1) as u32;
        assert!(ScanRequest::decode(&pool).is_err());
    }

    #[test]
    fn results_merge_like_the_gpu_path_and_check_their_length() {
        // Two workgroups of pool 2, the second with one empty slot, and their lse pairs.
        let words = [
            2,
            order_key(0.5),
            7,
            order_key(0.25),
            3,
            order_key(0.75),
            9,
            0,
            NO_ITEM,
            0.75f32.to_bits(),
            1.0f32.to_bits(),
            0.5f32.to_bits(),
            1.0f32.to_bits(),
        ];
        let result = scan_result(&words, 2, true).unwrap();
        let ids: Vec<u32> = result.top.iter().map(|s| s.index).collect();
        assert_eq!(ids, [9, 7]);
        assert!(result.log_partition.is_some());
        assert!(scan_result(&words, 2, false).is_err());
        assert!(scan_result(&[], 2, false).is_err());
    }

    #[test]
    fn frames_round_trip_with_absent_scans() {
        let framed = frame([Some(vec![1, 2, 3]), None, Some(vec![4])]);
        let parts = unframe(&framed).unwrap();
        assert_eq!(parts, [Some(&[1, 2, 3][..]), None, Some(&[4][..])]);
        assert_eq!(unframe(&frame([])).unwrap(), Vec::<Option<&[u32]>>::new());
        assert!(unframe(&framed[..framed.len() - 1]).is_err());
        let mut extra = framed;
        extra.push(0);
        assert!(unframe(&extra).is_err());
    }

    #[test]
    fn parts_cross_as_bytes_and_come_back_as_the_source_gave_them() {
        let engine = engine(VectorDtype::F16);
        let source = CatalogSource(&engine);
        let shape = source.part(PART_SHAPE, 0..0).unwrap();
        assert_eq!(Shape::decode(&words_of(&shape)), Ok(Shape::of(&engine)));
        assert_eq!(source.part(PART_ROWS, 3..9), source.rows(3..9));
        let columns = source.part(PART_COLUMNS, 3..9).unwrap();
        assert_eq!(words_of(&columns), source.columns(3..9).unwrap());
        for column in [ScanColumn::InverseNorms, ScanColumn::PopularityTerm] {
            let bytes = source.part(part_of_column(column), 0..0).unwrap();
            assert_eq!(floats_of(&bytes), source.scan_column(column).unwrap());
        }
        assert!(source.part(9, 0..1).unwrap_err().contains("part 9"));
        assert!(source.part(PART_ROWS, 0..301).is_err());
    }

    #[test]
    fn the_catalog_source_checks_its_ranges() {
        let engine = engine(VectorDtype::I4);
        let source = CatalogSource(&engine);
        let rows = source.rows(0..10).unwrap();
        assert_eq!(rows.len(), 10 * layout::row_bytes(VectorDtype::I4, 8));
        assert_eq!(source.columns(290..300).unwrap().len(), 40);
        assert!(source.rows(290..301).unwrap_err().contains("300 items"));
        assert_eq!(
            source.scan_column(ScanColumn::InverseNorms).unwrap().len(),
            300
        );
    }
}
