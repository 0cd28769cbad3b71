//! What the shaders read, laid out on the host: how the catalog is cut into chunks, the
//! per-item columns, the per-request words (query, category bitset, exclusions), the
//! dispatch parameters, and the merge of the per-workgroup candidates. Plain Rust with no
//! web types, so all of it is unit-tested natively.

use std::borrow::Cow;
use std::ops::Range;

use shopwindow::catalog::ItemVectors;
use shopwindow::kernels::I8Query;
use shopwindow::topk::{FilterParts, Scored, TopK};
use shopwindow::{Catalog, VectorDtype};

/// Items per workgroup tile; must equal `TILE` in topk.wgsl.
pub const TILE: usize = 1024;

/// Largest candidate pool a GPU scan serves. Each workgroup writes `pool` candidates, so
/// the read-back is at most N/4 entries; bigger pools (k > 64 with diversity, or k > 256)
/// are scored on the CPU, which is exact and fast enough for such requests.
pub const MAX_POOL: usize = TILE / 4;

/// Size of `Params` in topk.wgsl, and the stride of its copies in one uniform buffer (the
/// WebGPU default `minUniformBufferOffsetAlignment`).
pub const PARAMS_BYTES: usize = 64;
pub const PARAMS_STRIDE: usize = 256;

/// Bytes of per-item columns (`vec4<u32>`).
pub const COLUMN_BYTES: usize = 16;

/// Flag bits of `Params.flags`, as in topk.wgsl.
pub const FILTER_CATEGORIES: u32 = 1;
pub const FILTER_PRICE: u32 = 2;
pub const FILTER_AVAILABLE: u32 = 4;
pub const USE_WEIGHTS: u32 = 8;
pub const LOG_PARTITION: u32 = 16;
/// The per-item column adds to the score (the hybrid model's popularity term) instead of
/// multiplying it; a request sets at most one of `USE_WEIGHTS` and `ADD_BIAS`.
pub const ADD_BIAS: u32 = 32;

/// Marks an empty candidate slot (filtered out, or past the end of the chunk).
pub const NO_ITEM: u32 = u32::MAX;

/// u32 words per int8 row: rows are zero-padded to whole words for `dot4I8Packed`.
pub fn i8_row_words(dim: usize) -> usize {
    dim.div_ceil(4)
}

/// The storage the shaders read for a catalog of `dtype`: 4-bit rows are widened to int8
/// at upload (see [`vector_bytes`]), so the int8 shader's exact integer dot products equal
/// the CPU's 4-bit ones; every other type is read as stored.
pub fn gpu_dtype(dtype: VectorDtype) -> VectorDtype {
    match dtype {
        VectorDtype::I4 => VectorDtype::I8,
        other => other,
    }
}

/// Bytes one item's vector takes on the GPU.
pub fn row_bytes(dtype: VectorDtype, dim: usize) -> usize {
    match gpu_dtype(dtype) {
        VectorDtype::F32 => 4 * dim,
        VectorDtype::F16 => 2 * dim,
        VectorDtype::I8 | VectorDtype::I4 => 4 * i8_row_words(dim),
    }
}

/// Items per chunk so that no buffer of a chunk exceeds `max_bytes` (the device's
/// `maxStorageBufferBindingSize` and `maxBufferSize`, or a smaller limit a test sets).
pub fn chunk_items(dtype: VectorDtype, dim: usize, max_bytes: u64) -> Result<usize, String> {
    // Four bytes of slack for padding an f16 chunk to a whole word.
    let usable = max_bytes.saturating_sub(4);
    let per_row = row_bytes(dtype, dim).max(COLUMN_BYTES) as u64;
    let items = usable / per_row;
    if items == 0 {
        return Err(format!(
            "a GPU buffer may hold {max_bytes} bytes, less than one item ({per_row} bytes)"
        ));
    }
    // Item indices within a chunk are u32 in the shaders, and so are element offsets; one
    // dispatch covers at most 65535 workgroups (WebGPU's guaranteed limit).
    let max_items = ((u32::MAX as u64) / dim.max(1) as u64).min(65_535 * TILE as u64);
    Ok(items.min(max_items) as usize)
}

/// The catalog's items cut into consecutive chunks of at most `per_chunk`.
pub fn chunk_ranges(items: usize, per_chunk: usize) -> Vec<Range<usize>> {
    (0..items)
        .step_by(per_chunk.max(1))
        .map(|start| start..(start + per_chunk).min(items))
        .collect()
}

/// The vectors of items `rows` as the shaders read them: f32 and f16 as stored (f16 padded
/// to a whole word), int8 with each row zero-padded to whole words, 4-bit widened to that
/// int8 layout. Borrowed when the stored bytes already are that layout.
pub fn vector_bytes(vectors: ItemVectors<'_>, dim: usize, rows: Range<usize>) -> Cow<'_, [u8]> {
    let span = rows.start * dim..rows.end * dim;
    let bytes: &[u8] = match vectors {
        ItemVectors::F32(v) => bytemuck::cast_slice(&v[span]),
        ItemVectors::F16(v) => bytemuck::cast_slice(&v[span]),
        ItemVectors::I8 { values, .. } if dim.is_multiple_of(4) => {
            bytemuck::cast_slice(&values[span])
        }
        ItemVectors::I8 { values, .. } => {
            let stride = 4 * i8_row_words(dim);
            let mut out = vec![0u8; rows.len() * stride];
            for (dst, src) in out
                .chunks_exact_mut(stride)
                .zip(values[span].chunks_exact(dim))
            {
                dst[..dim].copy_from_slice(bytemuck::cast_slice(src));
            }
            return Cow::Owned(out);
        }
        ItemVectors::I4 { packed, .. } => {
            let stride = 4 * i8_row_words(dim);
            let mut out = vec![0u8; rows.len() * stride];
            let span = rows.start * dim / 2..rows.end * dim / 2;
            for (dst, src) in out
                .chunks_exact_mut(stride)
                .zip(packed[span].chunks_exact(dim / 2))
            {
                for (pair, &b) in dst.chunks_exact_mut(2).zip(src) {
                    let (lo, hi) = shopwindow::kernels::unpack_i4(b);
                    pair[0] = lo as u8;
                    pair[1] = hi as u8;
                }
            }
            return Cow::Owned(out);
        }
    };
    if bytes.len().is_multiple_of(4) {
        Cow::Borrowed(bytes)
    } else {
        let mut padded = bytes.to_vec();
        padded.resize(bytes.len().next_multiple_of(4), 0);
        Cow::Owned(padded)
    }
}

/// Per-item columns of items `rows`: category, price bits, availability, int8 row scale.
/// Static data, uploaded once with the vectors; each request only sets flags.
pub fn columns(catalog: &Catalog, rows: Range<usize>) -> Vec<u32> {
    let prices = catalog.prices();
    let available = catalog.availability();
    let scales = match catalog.vectors() {
        ItemVectors::I8 { scales, .. } | ItemVectors::I4 { scales, .. } => Some(scales),
        _ => None,
    };
    let mut out = Vec::with_capacity(rows.len() * 4);
    for i in rows {
        out.extend([
            catalog.category(i).unwrap_or(0),
            prices.map_or(0, |p| p[i].to_bits()),
            available.map_or(1, |a| a[i] as u32),
            scales.map_or(0, |s| s[i].to_bits()),
        ]);
    }
    out
}

/// The per-request storage words and the parameters that point into them.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Query words, then the allowed-category bitset, then the sorted exclusions.
    pub words: Vec<u32>,
    pub flags: u32,
    pub category_offset: u32,
    pub category_count: u32,
    pub exclude_offset: u32,
    pub exclude_len: u32,
    pub price_min: f32,
    pub price_max: f32,
    pub query_scale: f32,
}

impl Request {
    pub fn new(
        dtype: VectorDtype,
        query: &[f32],
        filter: FilterParts<'_>,
        weighted: bool,
    ) -> Request {
        let (mut words, query_scale) = query_words(dtype, query);
        let mut flags = if weighted { USE_WEIGHTS } else { 0 };
        let category_offset = words.len() as u32;
        let mut category_count = 0;
        if let Some(allowed) = filter.categories {
            flags |= FILTER_CATEGORIES;
            category_count = allowed.len() as u32;
            let mut bits = vec![0u32; allowed.len().div_ceil(32)];
            for (c, _) in allowed.iter().enumerate().filter(|(_, &ok)| ok) {
                bits[c / 32] |= 1 << (c % 32);
            }
            words.extend(bits);
        }
        // WGSL may assume floats are finite: clamp open bounds to the largest finite
        // values, which no (finite) price lies beyond, so the comparisons are unchanged.
        let (mut price_min, mut price_max) = (f32::MIN, f32::MAX);
        if let Some((min, max)) = filter.price {
            flags |= FILTER_PRICE;
            price_min = min.max(f32::MIN);
            price_max = max.min(f32::MAX);
        }
        if filter.available.is_some() {
            flags |= FILTER_AVAILABLE;
        }
        let exclude_offset = words.len() as u32;
        words.extend_from_slice(filter.exclude);
        // A storage binding may not be empty.
        if words.is_empty() {
            words.push(0);
        }
        Request {
            words,
            flags,
            category_offset,
            category_count,
            exclude_offset,
            exclude_len: filter.exclude.len() as u32,
            price_min,
            price_max,
            query_scale,
        }
    }

    /// `Params` (topk.wgsl) for one chunk, as little-endian bytes. `groups` is the number
    /// of workgroups over all chunks: the log-sum-exp pairs follow their candidates.
    pub fn params(&self, chunk: &Chunk, dim: usize, k: usize, groups: usize) -> [u8; PARAMS_BYTES] {
        let words: [u32; PARAMS_BYTES / 4] = [
            chunk.items.start as u32,
            chunk.items.len() as u32,
            dim as u32,
            k as u32,
            (chunk.first_slot_group * k) as u32,
            self.flags,
            self.category_offset,
            self.category_count,
            self.exclude_offset,
            self.exclude_len,
            self.price_min.to_bits(),
            self.price_max.to_bits(),
            self.query_scale.to_bits(),
            i8_row_words(dim) as u32,
            (groups * k + chunk.first_slot_group) as u32,
            0,
        ];
        let mut out = [0u8; PARAMS_BYTES];
        for (dst, w) in out.chunks_exact_mut(4).zip(words) {
            dst.copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

/// Where a chunk sits: its items, and the index of its first workgroup among all chunks'
/// workgroups (its candidates start at that workgroup's slots).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub items: Range<usize>,
    pub first_slot_group: usize,
}

impl Chunk {
    /// Workgroups that cover the chunk.
    pub fn workgroups(&self) -> usize {
        self.items.len().div_ceil(TILE)
    }

    /// Chunks for `ranges`, numbering their workgroups consecutively.
    pub fn layout(ranges: Vec<Range<usize>>) -> Vec<Chunk> {
        let mut next = 0;
        ranges
            .into_iter()
            .map(|items| {
                let chunk = Chunk {
                    items,
                    first_slot_group: next,
                };
                next += chunk.workgroups();
                chunk
            })
            .collect()
    }
}

/// The query as shader words: f32 bit patterns for float catalogs; for int8 the CPU's
/// quantized query (so the integer dot products equal the CPU's) split as q = 256·hi + lo,
/// hi and lo packed four int8 lanes per word, hi words first. Returns the int8 scale too.
pub fn query_words(dtype: VectorDtype, query: &[f32]) -> (Vec<u32>, f32) {
    match gpu_dtype(dtype) {
        VectorDtype::F32 | VectorDtype::F16 => (query.iter().map(|v| v.to_bits()).collect(), 0.0),
        VectorDtype::I8 | VectorDtype::I4 => {
            let quantized = I8Query::new(query);
            let words = i8_row_words(query.len());
            let mut out = vec![0u32; 2 * words];
            for (j, &q) in quantized.values.iter().enumerate() {
                let (hi, lo) = split_i16(q);
                out[j / 4] |= (hi as u8 as u32) << (8 * (j % 4));
                out[words + j / 4] |= (lo as u8 as u32) << (8 * (j % 4));
            }
            (out, quantized.scale)
        }
    }
}

/// q = 256·hi + lo with lo in [-128, 127] and hi in [-64, 64] for |q| ≤ 16383.
pub fn split_i16(q: i16) -> (i8, i8) {
    let lo = ((q as i32 + 128) & 255) - 128;
    let hi = (q as i32 - lo) / 256;
    (hi as i8, lo as i8)
}

/// The u32 whose unsigned order is `f32::total_cmp` order; must match `order_key` in
/// topk.wgsl. Only the GPU makes keys: this copy is the tests' model of it.
#[cfg(test)]
pub fn order_key(score: f32) -> u32 {
    let bits = score.to_bits();
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// Inverse of [`order_key`].
pub fn score_of_key(key: u32) -> f32 {
    f32::from_bits(if key & 0x8000_0000 != 0 {
        key & 0x7fff_ffff
    } else {
        !key
    })
}

/// log Σ exp(score) from the workgroups' (max, Σ exp(score − max)) pairs of f32 bits,
/// combined in f64 like `topk::LogSumExp`.
pub fn log_partition(pairs: &[u32]) -> f64 {
    let parts: Vec<(f64, f64)> = pairs
        .chunks_exact(2)
        .map(|p| (f32::from_bits(p[0]) as f64, f32::from_bits(p[1]) as f64))
        .collect();
    let max = parts.iter().fold(f64::NEG_INFINITY, |m, &(x, _)| m.max(x));
    let sum: f64 = parts.iter().map(|&(x, s)| s * (x - max).exp()).sum();
    max + sum.ln()
}

/// The final merge: the best `pool` of the workgroups' candidates, `(key, item)` word
/// pairs, best first, with the CPU's ranking (`topk::rank_order`).
pub fn merge(candidates: &[u32], pool: usize) -> Vec<Scored> {
    let mut top = TopK::new(pool);
    for pair in candidates.chunks_exact(2) {
        if pair[1] != NO_ITEM {
            top.push(Scored {
                index: pair[1],
                score: score_of_key(pair[0]),
            });
        }
    }
    top.into_sorted()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_keys_sort_like_total_cmp_and_round_trip() {
        let values = [
            f32::NEG_INFINITY,
            -3.4e38,
            -1.0,
            -1e-40,
            -0.0,
            0.0,
            1e-40,
            0.5,
            2.0,
            3.4e38,
            f32::INFINITY,
        ];
        for w in values.windows(2) {
            assert!(order_key(w[0]) < order_key(w[1]), "{} vs {}", w[0], w[1]);
        }
        for v in values {
            assert_eq!(score_of_key(order_key(v)).to_bits(), v.to_bits());
        }
        // Key 0 (empty slot) is below every real score.
        assert!(values.iter().all(|&v| order_key(v) > 0));
    }

    #[test]
    fn int8_query_split_reconstructs_every_value() {
        for q in -16383i16..=16383 {
            let (hi, lo) = split_i16(q);
            assert_eq!(hi as i32 * 256 + lo as i32, q as i32, "{q}");
            assert!((-64..=64).contains(&hi));
        }
    }

    #[test]
    fn int8_query_words_pack_hi_then_lo() {
        let query = [1.0, -0.5, 0.25, 0.0, 0.75];
        let (words, scale) = query_words(VectorDtype::I8, &query);
        let quantized = I8Query::new(&query);
        assert_eq!(scale, quantized.scale);
        assert_eq!(words.len(), 4);
        for (j, &q) in quantized.values.iter().enumerate() {
            let byte = |w: u32| (w >> (8 * (j % 4))) as u8 as i8 as i32;
            let hi = byte(words[j / 4]);
            let lo = byte(words[2 + j / 4]);
            assert_eq!(hi * 256 + lo, q as i32);
        }
    }

    #[test]
    fn four_bit_rows_are_widened_to_the_int8_layout() {
        // d = 6: two padding bytes per int8 row; items 1..3 of a 3-item catalog.
        let values: Vec<i8> = vec![1, -2, 7, -7, 0, 3, -8, 5, 2, 2, -1, 0, 4, 4, -4, 6, 1, -3];
        let packed: Vec<u8> = values
            .chunks_exact(2)
            .map(|p| shopwindow::kernels::pack_i4(p[0], p[1]))
            .collect();
        let scales = [0.5; 3];
        let vectors = ItemVectors::I4 {
            packed: &packed,
            scales: &scales,
        };
        let bytes = vector_bytes(vectors, 6, 1..3);
        let mut expected = Vec::new();
        for row in values[6..].chunks_exact(6) {
            expected.extend(row.iter().map(|&v| v as u8));
            expected.extend([0, 0]);
        }
        assert_eq!(&bytes[..], &expected[..]);
        assert_eq!(gpu_dtype(VectorDtype::I4), VectorDtype::I8);
        assert_eq!(row_bytes(VectorDtype::I4, 6), row_bytes(VectorDtype::I8, 6));
    }

    #[test]
    fn chunks_respect_the_byte_limit() {
        let per = chunk_items(VectorDtype::F32, 13, 1 << 12).unwrap();
        assert_eq!(per, (4096 - 4) / 52);
        // Small rows are bounded by the 16-byte columns.
        assert_eq!(
            chunk_items(VectorDtype::I8, 3, 1 << 12).unwrap(),
            (4096 - 4) / 16
        );
        assert!(chunk_items(VectorDtype::F32, 1024, 1000).is_err());
        let ranges = chunk_ranges(10, 4);
        assert_eq!(ranges, vec![0..4, 4..8, 8..10]);
        let chunks = Chunk::layout(chunk_ranges(3000, 1500));
        assert_eq!(chunks[0].workgroups(), 2);
        assert_eq!(chunks[1].first_slot_group, 2);
    }

    #[test]
    fn int8_rows_are_padded_to_words() {
        let values: Vec<i8> = (0..10).map(|v| v as i8 - 5).collect();
        let scales = [1.0; 2];
        let vectors = ItemVectors::I8 {
            values: &values,
            scales: &scales,
        };
        let bytes = vector_bytes(vectors, 5, 0..2);
        assert_eq!(bytes.len(), 16);
        assert_eq!(&bytes[..5], bytemuck::cast_slice::<i8, u8>(&values[..5]));
        assert_eq!(&bytes[5..8], &[0, 0, 0]);
        assert_eq!(&bytes[8..13], bytemuck::cast_slice::<i8, u8>(&values[5..]));
        let halves = [1u16, 2, 3];
        assert_eq!(vector_bytes(ItemVectors::F16(&halves), 3, 0..1).len(), 8);
    }

    #[test]
    fn log_partition_combines_workgroup_pairs() {
        let scores = [[1.0f32, -2.0, 0.5], [30.0, 29.0, -1.0]];
        let pairs: Vec<u32> = scores
            .iter()
            .flat_map(|group| {
                let max = group.iter().copied().fold(f32::MIN, f32::max);
                let sum: f32 = group.iter().map(|s| (s - max).exp()).sum();
                [max.to_bits(), sum.to_bits()]
            })
            .collect();
        let direct = scores
            .iter()
            .flatten()
            .map(|&s| (s as f64).exp())
            .sum::<f64>()
            .ln();
        assert!((log_partition(&pairs) - direct).abs() < 1e-6);
    }

    #[test]
    fn merge_ranks_like_the_cpu_and_skips_empty_slots() {
        let pairs = [
            (order_key(1.0), 7),
            (0, NO_ITEM),
            (order_key(2.0), 9),
            (order_key(1.0), 3),
            (order_key(-0.0), 1),
            (order_key(0.0), 2),
        ];
        let words: Vec<u32> = pairs.iter().flat_map(|&(k, i)| [k, i]).collect();
        let top = merge(&words, 4);
        let got: Vec<(u32, f32)> = top.iter().map(|s| (s.index, s.score)).collect();
        assert_eq!(got, vec![(9, 2.0), (3, 1.0), (7, 1.0), (2, 0.0)]);
    }

    #[test]
    fn requests_clamp_open_price_bounds_and_lay_out_filters() {
        let allowed = [false, true, false, true];
        let exclude = [4, 9];
        let parts = FilterParts {
            categories: Some(&allowed),
            price: Some((f32::NEG_INFINITY, 50.0)),
            available: Some(&[1, 0]),
            exclude: &exclude,
        };
        let r = Request::new(VectorDtype::F32, &[1.0, 2.0], parts, true);
        assert_eq!(
            r.flags,
            FILTER_CATEGORIES | FILTER_PRICE | FILTER_AVAILABLE | USE_WEIGHTS
        );
        assert_eq!(
            r.words,
            vec![1.0f32.to_bits(), 2.0f32.to_bits(), 0b1010, 4, 9]
        );
        assert_eq!((r.category_offset, r.category_count), (2, 4));
        assert_eq!((r.exclude_offset, r.exclude_len), (3, 2));
        assert_eq!((r.price_min, r.price_max), (f32::MIN, 50.0));
    }
}
