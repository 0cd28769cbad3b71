//! WebAssembly SIMD128 kernels (compiled for wasm32 with `+simd128`).
//!
//! Each kernel reproduces the arithmetic of [`super::scalar`] exactly: f32 rows use two
//! f32x4 accumulators (lanes 0–3 and 4–7 of the reference's eight partial sums) and the same
//! final combination; int8 rows sum exactly in i32. WebAssembly has no fused multiply-add
//! in SIMD128 and never flushes subnormals, so the results are bit-identical.

use core::arch::wasm32::*;

use super::I8Query;

/// 2^112: rescales a binary16 bit pattern shifted into f32 position (see `f16x4_to_f32x4`).
const F16_EXPONENT_REBIAS: f32 = 5.192_297e33;

/// Loads 16 bytes from `slice[offset..offset + 16 / size_of::<T>()]`.
///
/// # Safety
/// The caller guarantees `offset * size_of::<T>() + 16 <= slice.len() * size_of::<T>()`.
#[inline(always)]
unsafe fn load<T>(slice: &[T], offset: usize) -> v128 {
    // SAFETY: the caller keeps the 16-byte read inside `slice`; `v128_load` has no
    // alignment requirement.
    unsafe { v128_load(slice.as_ptr().add(offset) as *const v128) }
}

/// Dot product in the reference order of [`super::scalar::dot_f32`].
#[inline]
pub fn dot_f32(q: &[f32], x: &[f32]) -> f32 {
    let len = x.len().min(q.len());
    let whole = len / 8 * 8;
    let mut acc_lo = f32x4_splat(0.0);
    let mut acc_hi = f32x4_splat(0.0);
    let mut base = 0;
    while base < whole {
        // SAFETY: base + 8 <= whole <= len for both slices.
        unsafe {
            acc_lo = f32x4_add(acc_lo, f32x4_mul(load(q, base), load(x, base)));
            acc_hi = f32x4_add(acc_hi, f32x4_mul(load(q, base + 4), load(x, base + 4)));
        }
        base += 8;
    }
    let mut sum = combine(acc_lo, acc_hi);
    for j in whole..len {
        sum += q[j] * x[j];
    }
    sum
}

/// Dot product with binary16 items, in the reference order.
#[inline]
pub fn dot_f16(q: &[f32], x: &[u16]) -> f32 {
    let len = x.len().min(q.len());
    let whole = len / 8 * 8;
    let mut acc_lo = f32x4_splat(0.0);
    let mut acc_hi = f32x4_splat(0.0);
    let mut base = 0;
    while base < whole {
        // SAFETY: base + 8 <= whole <= len: eight u16 (16 bytes) and eight f32 are in bounds.
        unsafe {
            let halves = load(x, base);
            let lo = f16x4_to_f32x4(u32x4_extend_low_u16x8(halves));
            let hi = f16x4_to_f32x4(u32x4_extend_high_u16x8(halves));
            acc_lo = f32x4_add(acc_lo, f32x4_mul(load(q, base), lo));
            acc_hi = f32x4_add(acc_hi, f32x4_mul(load(q, base + 4), hi));
        }
        base += 8;
    }
    let mut sum = combine(acc_lo, acc_hi);
    for j in whole..len {
        sum += q[j] * super::scalar::f16_to_f32(x[j]);
    }
    sum
}

/// `((a0+a4) + (a1+a5)) + ((a2+a6) + (a3+a7))` where lo = a0..a3 and hi = a4..a7.
#[inline(always)]
fn combine(lo: v128, hi: v128) -> f32 {
    let s = f32x4_add(lo, hi);
    (f32x4_extract_lane::<0>(s) + f32x4_extract_lane::<1>(s))
        + (f32x4_extract_lane::<2>(s) + f32x4_extract_lane::<3>(s))
}

/// Exact conversion of four finite binary16 values (zero-extended into u32 lanes) to f32.
///
/// Shifting sign-less bits left by 13 lines the half's exponent and mantissa up with f32's;
/// the result reads as the right value times 2^-112 (also for subnormal halves, which
/// become f32 subnormals), so one exact multiplication by 2^112 fixes it. Catalog
/// validation has already rejected infinities and NaNs, which this would not preserve.
#[inline(always)]
fn f16x4_to_f32x4(h: v128) -> v128 {
    let sign = i32x4_shl(v128_and(h, u32x4_splat(0x8000)), 16);
    let magnitude = i32x4_shl(v128_and(h, u32x4_splat(0x7fff)), 13);
    v128_or(f32x4_mul(magnitude, f32x4_splat(F16_EXPONENT_REBIAS)), sign)
}

/// Exact i32 dot product of a quantized query and an int8 row (whole 16-byte groups only).
#[inline(always)]
fn dot_i8_groups(q: &[i16], x: &[i8], whole: usize) -> v128 {
    let mut acc = i32x4_splat(0);
    let mut base = 0;
    while base < whole {
        // SAFETY: base + 16 <= whole <= len: sixteen i8 and sixteen i16 are in bounds.
        unsafe {
            let bytes = load(x, base);
            acc = i32x4_add(
                acc,
                i32x4_dot_i16x8(i16x8_extend_low_i8x16(bytes), load(q, base)),
            );
            acc = i32x4_add(
                acc,
                i32x4_dot_i16x8(i16x8_extend_high_i8x16(bytes), load(q, base + 8)),
            );
        }
        base += 16;
    }
    acc
}

#[inline(always)]
fn tail_i8(q: &[i16], x: &[i8], from: usize) -> i32 {
    super::scalar::dot_i8(&q[from..], &x[from..])
}

/// Exact integer dot product, equal to [`super::scalar::dot_i8`].
#[inline]
pub fn dot_i8(q: &[i16], x: &[i8]) -> i32 {
    let len = x.len().min(q.len());
    let whole = len / 16 * 16;
    let acc = dot_i8_groups(q, x, whole);
    let sum = i32x4_extract_lane::<0>(acc)
        .wrapping_add(i32x4_extract_lane::<1>(acc))
        .wrapping_add(i32x4_extract_lane::<2>(acc))
        .wrapping_add(i32x4_extract_lane::<3>(acc));
    sum.wrapping_add(tail_i8(&q[..len], &x[..len], whole))
}

/// `out[r] = q · row r` for consecutive f32 rows.
pub fn score_f32(q: &[f32], rows: &[f32], out: &mut [f32]) {
    super::score_each(q.len(), rows, out, |row| dot_f32(q, row));
}

/// `out[r] = q · row r` for consecutive f16 rows.
pub fn score_f16(q: &[f32], rows: &[u16], out: &mut [f32]) {
    super::score_each(q.len(), rows, out, |row| dot_f16(q, row));
}

/// `out[r] = (q16 · row r) × (q_scale × scale[r])`, four rows at a time so the horizontal
/// sums of four accumulators share one transpose.
pub fn score_i8(q: &I8Query, rows: &[i8], scales: &[f32], out: &mut [f32]) {
    let dim = q.values.len();
    let count = out.len().min(scales.len()).min(rows.len() / dim.max(1));
    let whole = dim / 16 * 16;
    let qv = &q.values[..];
    let mut r = 0;
    while r + 4 <= count {
        let row = |k: usize| &rows[(r + k) * dim..(r + k + 1) * dim];
        let (a0, a1, a2, a3) = (
            dot_i8_groups(qv, row(0), whole),
            dot_i8_groups(qv, row(1), whole),
            dot_i8_groups(qv, row(2), whole),
            dot_i8_groups(qv, row(3), whole),
        );
        // Transpose-and-add: lane k of `sums` is the total of accumulator k.
        let s01 = i32x4_add(
            i32x4_shuffle::<0, 4, 1, 5>(a0, a1),
            i32x4_shuffle::<2, 6, 3, 7>(a0, a1),
        );
        let s23 = i32x4_add(
            i32x4_shuffle::<0, 4, 1, 5>(a2, a3),
            i32x4_shuffle::<2, 6, 3, 7>(a2, a3),
        );
        let mut sums = i32x4_add(
            i32x4_shuffle::<0, 1, 4, 5>(s01, s23),
            i32x4_shuffle::<2, 3, 6, 7>(s01, s23),
        );
        if whole < dim {
            sums = i32x4_add(
                sums,
                i32x4(
                    tail_i8(qv, row(0), whole),
                    tail_i8(qv, row(1), whole),
                    tail_i8(qv, row(2), whole),
                    tail_i8(qv, row(3), whole),
                ),
            );
        }
        // SAFETY: r + 4 <= count <= scales.len() and <= out.len().
        unsafe {
            let factor = f32x4_mul(f32x4_splat(q.scale), load(scales, r));
            let scores = f32x4_mul(f32x4_convert_i32x4(sums), factor);
            v128_store(out.as_mut_ptr().add(r) as *mut v128, scores);
        }
        r += 4;
    }
    while r < count {
        out[r] = dot_i8(qv, &rows[r * dim..(r + 1) * dim]) as f32 * (q.scale * scales[r]);
        r += 1;
    }
}

/// Sums f32 values with SIMD128 and nothing else: the time this takes over a catalog's
/// bytes is the one-core memory bound that scoring cannot beat (used by the benchmark).
pub fn read_limit_f32(values: &[f32]) -> f32 {
    let whole = values.len() / 16 * 16;
    let mut acc = [f32x4_splat(0.0); 4];
    let mut base = 0;
    while base < whole {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: base + 16 <= whole: four f32x4 loads are in bounds.
            *a = f32x4_add(*a, unsafe { load(values, base + 4 * k) });
        }
        base += 16;
    }
    let s = f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3]));
    combine(s, f32x4_splat(0.0)) + values[whole..].iter().sum::<f32>()
}

/// The same memory bound for int8 data: a wrapping byte sum.
pub fn read_limit_i8(values: &[i8]) -> i32 {
    let whole = values.len() / 64 * 64;
    let mut acc = [i8x16_splat(0); 4];
    let mut base = 0;
    while base < whole {
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: base + 64 <= whole: four 16-byte loads are in bounds.
            *a = i8x16_add(*a, unsafe { load(values, base + 16 * k) });
        }
        base += 64;
    }
    let s = i8x16_add(i8x16_add(acc[0], acc[1]), i8x16_add(acc[2], acc[3]));
    let wide = i32x4_extadd_pairwise_i16x8(i16x8_extadd_pairwise_i8x16(s));
    let lanes = i32x4_extract_lane::<0>(wide)
        + i32x4_extract_lane::<1>(wide)
        + i32x4_extract_lane::<2>(wide)
        + i32x4_extract_lane::<3>(wide);
    lanes + values[whole..].iter().map(|&v| v as i32).sum::<i32>()
}
