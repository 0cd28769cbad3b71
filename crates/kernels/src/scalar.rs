//! The scalar reference kernels, always compiled.
//!
//! They fix the arithmetic every backend must reproduce: f32 dot products accumulate in
//! eight interleaved partial sums combined in one stated order (the shape of two f32x4
//! accumulators), and int8 dot products are exact i32 sums. The simd128 kernels follow the
//! same order, so both return bit-identical scores and identical top-k lists; the property
//! tests check that, and check this file against a plain f64 dot product.

use super::I8Query;

/// Dot product in the reference order: `acc[j % 8] += q[j]·x[j]` over whole groups of
/// eight, then `((a0+a4) + (a1+a5)) + ((a2+a6) + (a3+a7))`, then the tail in order.
#[inline]
pub fn dot_f32(q: &[f32], x: &[f32]) -> f32 {
    dot_by(q, x.len(), |j| x[j])
}

/// Like [`dot_f32`] with `x` given as IEEE binary16 bit patterns (converted exactly).
#[inline]
pub fn dot_f16(q: &[f32], x: &[u16]) -> f32 {
    dot_by(q, x.len(), |j| f16_to_f32(x[j]))
}

#[inline(always)]
fn dot_by(q: &[f32], len: usize, x: impl Fn(usize) -> f32) -> f32 {
    let mut acc = [0.0f32; 8];
    let whole = len / 8 * 8;
    for base in (0..whole).step_by(8) {
        for (lane, a) in acc.iter_mut().enumerate() {
            *a += q[base + lane] * x(base + lane);
        }
    }
    let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (j, &qj) in q.iter().enumerate().take(len).skip(whole) {
        sum += qj * x(j);
    }
    sum
}

/// Exact integer dot product of the quantized query with an int8 row.
#[inline]
pub fn dot_i8(q: &[i16], x: &[i8]) -> i32 {
    q.iter()
        .zip(x)
        .fold(0i32, |acc, (&a, &b)| acc.wrapping_add(a as i32 * b as i32))
}

/// Exact integer dot product of the quantized query with a 4-bit row (`x` holds d/2 bytes;
/// layout in [`crate::unpack_i4`]).
#[inline]
pub fn dot_i4(q: &[i16], x: &[u8]) -> i32 {
    q.chunks_exact(2).zip(x).fold(0i32, |acc, (pair, &b)| {
        let (lo, hi) = crate::unpack_i4(b);
        acc.wrapping_add(pair[0] as i32 * lo as i32)
            .wrapping_add(pair[1] as i32 * hi as i32)
    })
}

/// Exact binary16 → f32 conversion.
#[inline]
pub fn f16_to_f32(bits: u16) -> f32 {
    half::f16::from_bits(bits).to_f32()
}

/// `out[r] = q · row r` for consecutive f32 rows of length `q.len()`.
pub fn score_f32(q: &[f32], rows: &[f32], out: &mut [f32]) {
    super::score_each(q.len(), rows, out, |row| dot_f32(q, row));
}

/// `out[r] = q · row r` for consecutive f16 rows.
pub fn score_f16(q: &[f32], rows: &[u16], out: &mut [f32]) {
    super::score_each(q.len(), rows, out, |row| dot_f16(q, row));
}

/// `out[r] = (q16 · row r) × (q_scale × scale[r])` for consecutive int8 rows.
pub fn score_i8(q: &I8Query, rows: &[i8], scales: &[f32], out: &mut [f32]) {
    let dim = q.values.len();
    for ((o, row), &scale) in out.iter_mut().zip(rows.chunks_exact(dim)).zip(scales) {
        *o = dot_i8(&q.values, row) as f32 * (q.scale * scale);
    }
}

/// `out[r] = (q16 · row r) × (q_scale × scale[r])` for consecutive 4-bit rows of d/2 bytes.
pub fn score_i4(q: &I8Query, rows: &[u8], scales: &[f32], out: &mut [f32]) {
    let row_bytes = (q.values.len() / 2).max(1);
    for ((o, row), &scale) in out.iter_mut().zip(rows.chunks_exact(row_bytes)).zip(scales) {
        *o = dot_i4(&q.values, row) as f32 * (q.scale * scale);
    }
}

/// `out[i] += terms[i]`: one f32 add per element (the hybrid model's per-item term).
pub fn add_assign(out: &mut [f32], terms: &[f32]) {
    for (o, &t) in out.iter_mut().zip(terms) {
        *o += t;
    }
}
