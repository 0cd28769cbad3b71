//! WebAssembly SIMD128 kernels (compiled for wasm32 with `+simd128`).
//!
//! Each kernel reproduces the arithmetic of [`super::scalar`] exactly: f32 rows use two
//! f32x4 accumulators (lanes 0–3 and 4–7 of the reference's eight partial sums) and the same
//! final combination; int8 rows sum exactly in i32. WebAssembly has no fused multiply-add
//! in SIMD128 and never flushes subnormals, so the results are bit-identical.

use core::arch::wasm32::*;

use super::I8Query;

/// 2^112: rescales a binary16 bit pattern shifted into f32 position (see `load_f16x4`).
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
        // SAFETY: base + 8 <= whole <= len: eight u16 and eight f32 are in bounds.
        unsafe {
            let lo = load_f16x4(x, base);
            let hi = load_f16x4(x, base + 4);
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

/// Loads `x[offset..offset + 4]`, finite binary16 values, as exact f32.
///
/// Sign-extending each half into an i32 lane and shifting it left by 13 puts the half's
/// sign at bit 31 and its exponent and mantissa where f32 keeps them; bits 28–30 then hold
/// copies of the sign, which the mask clears. Read as f32 that is the right value times
/// 2^-112 (subnormal halves become f32 subnormals), and one exact multiplication by 2^112,
/// which keeps the sign, finishes the job. This is the same bit pattern as converting
/// sign and magnitude separately, in four instructions per four values instead of eight.
/// Catalog validation has already rejected infinities and NaNs, which this would not keep.
///
/// # Safety
/// The caller guarantees `offset + 4 <= x.len()`.
#[inline(always)]
unsafe fn load_f16x4(x: &[u16], offset: usize) -> v128 {
    // SAFETY: the caller keeps the 8-byte read inside `x`; the load has no alignment
    // requirement.
    let halves = unsafe { i32x4_load_extend_i16x4(x.as_ptr().add(offset) as *const i16) };
    let bits = v128_and(i32x4_shl(halves, 13), u32x4_splat(0x8fff_e000));
    f32x4_mul(bits, f32x4_splat(F16_EXPONENT_REBIAS))
}

/// Loads `x[offset..offset + 8]` sign-extended into i16 lanes. One load-and-extend per
/// eight bytes is cheaper than a 16-byte load and two extends: on x86 the high-half
/// extend is two instructions, and the int8 kernels are bound by instruction count.
///
/// # Safety
/// The caller guarantees `offset + 8 <= x.len()`.
#[inline(always)]
unsafe fn load_i8x8(x: &[i8], offset: usize) -> v128 {
    // SAFETY: the caller keeps the 8-byte read inside `x`; no alignment requirement.
    unsafe { i16x8_load_extend_i8x8(x.as_ptr().add(offset)) }
}

/// Exact i32 dot product of a quantized query and an int8 row (whole 16-byte groups only).
#[inline(always)]
fn dot_i8_groups(q: &[i16], x: &[i8], whole: usize) -> v128 {
    let mut acc = i32x4_splat(0);
    let mut base = 0;
    while base < whole {
        // SAFETY: base + 16 <= whole <= len: sixteen i8 and sixteen i16 are in bounds.
        unsafe {
            acc = add_i8_group(acc, x, base, load(q, base), load(q, base + 8));
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

/// Rows scored together by the blocked kernels. Each row keeps its own accumulators, in
/// the reference order, so blocking changes only how often the query is loaded: once per
/// block instead of once per row. Four rows' accumulators plus the query chunk still fit
/// in the 16 vector registers V8 uses on x86-64.
///
/// The blocked loops name each row's accumulators instead of looping over an array of
/// them: the shipped build is optimized for size (`opt-level = "z"`), which does not
/// unroll loops, and an array indexed in a loop would live in memory.
const ROW_BLOCK: usize = 4;

/// The lo and hi f32x4 accumulators of one row (reference lanes 0–3 and 4–7).
type F32Acc = (v128, v128);

const F32_ACC_ZERO: F32Acc = (f32x4(0.0, 0.0, 0.0, 0.0), f32x4(0.0, 0.0, 0.0, 0.0));

/// Adds `q[base..base + 8] · x` to `acc`, where `q_lo` and `q_hi` hold the query values
/// and `x` the row's eight values as two f32x4.
#[inline(always)]
fn add_f32_group(acc: F32Acc, q_lo: v128, q_hi: v128, x_lo: v128, x_hi: v128) -> F32Acc {
    (
        f32x4_add(acc.0, f32x4_mul(q_lo, x_lo)),
        f32x4_add(acc.1, f32x4_mul(q_hi, x_hi)),
    )
}

/// Finishes one f32 row in the reference order: combine the accumulators, then the tail.
#[inline(always)]
fn finish_f32(acc: F32Acc, q_tail: &[f32], x_tail: &[f32]) -> f32 {
    let mut sum = combine(acc.0, acc.1);
    for (&qj, &xj) in q_tail.iter().zip(x_tail) {
        sum += qj * xj;
    }
    sum
}

/// Finishes one f16 row in the reference order.
#[inline(always)]
fn finish_f16(acc: F32Acc, q_tail: &[f32], x_tail: &[u16]) -> f32 {
    let mut sum = combine(acc.0, acc.1);
    for (&qj, &xj) in q_tail.iter().zip(x_tail) {
        sum += qj * super::scalar::f16_to_f32(xj);
    }
    sum
}

/// `out[r] = q · row r` for consecutive f32 rows.
pub fn score_f32(q: &[f32], rows: &[f32], out: &mut [f32]) {
    let dim = q.len();
    let count = out.len().min(rows.len() / dim.max(1));
    let whole = dim / 8 * 8;
    let (r1, r2, r3) = (dim, 2 * dim, 3 * dim);
    let mut r = 0;
    while r + ROW_BLOCK <= count {
        let block = &rows[r * dim..(r + ROW_BLOCK) * dim];
        let (mut a0, mut a1, mut a2, mut a3) =
            (F32_ACC_ZERO, F32_ACC_ZERO, F32_ACC_ZERO, F32_ACC_ZERO);
        let mut base = 0;
        while base < whole {
            // SAFETY: base + 8 <= whole <= dim, so q[base..base + 8] is in bounds and, for
            // k < ROW_BLOCK, so is block[k * dim + base..k * dim + base + 8].
            unsafe {
                let (q_lo, q_hi) = (load(q, base), load(q, base + 4));
                let (b0, b1, b2, b3) = (base, r1 + base, r2 + base, r3 + base);
                a0 = add_f32_group(a0, q_lo, q_hi, load(block, b0), load(block, b0 + 4));
                a1 = add_f32_group(a1, q_lo, q_hi, load(block, b1), load(block, b1 + 4));
                a2 = add_f32_group(a2, q_lo, q_hi, load(block, b2), load(block, b2 + 4));
                a3 = add_f32_group(a3, q_lo, q_hi, load(block, b3), load(block, b3 + 4));
            }
            base += 8;
        }
        let q_tail = &q[whole..];
        out[r] = finish_f32(a0, q_tail, &block[whole..r1]);
        out[r + 1] = finish_f32(a1, q_tail, &block[r1 + whole..r2]);
        out[r + 2] = finish_f32(a2, q_tail, &block[r2 + whole..r3]);
        out[r + 3] = finish_f32(a3, q_tail, &block[r3 + whole..]);
        r += ROW_BLOCK;
    }
    while r < count {
        out[r] = dot_f32(q, &rows[r * dim..(r + 1) * dim]);
        r += 1;
    }
}

/// `out[r] = q · row r` for consecutive f16 rows, blocked like [`score_f32`]: besides
/// sharing query loads, four independent rows keep more conversions in flight.
pub fn score_f16(q: &[f32], rows: &[u16], out: &mut [f32]) {
    let dim = q.len();
    let count = out.len().min(rows.len() / dim.max(1));
    let whole = dim / 8 * 8;
    let (r1, r2, r3) = (dim, 2 * dim, 3 * dim);
    let mut r = 0;
    while r + ROW_BLOCK <= count {
        touch_ahead(rows, r * dim, ROW_BLOCK * dim);
        let block = &rows[r * dim..(r + ROW_BLOCK) * dim];
        let (mut a0, mut a1, mut a2, mut a3) =
            (F32_ACC_ZERO, F32_ACC_ZERO, F32_ACC_ZERO, F32_ACC_ZERO);
        let mut base = 0;
        while base < whole {
            // SAFETY: base + 8 <= whole <= dim, so q[base..base + 8] is in bounds and, for
            // k < ROW_BLOCK, so is block[k * dim + base..k * dim + base + 8].
            unsafe {
                let (q_lo, q_hi) = (load(q, base), load(q, base + 4));
                let (b0, b1, b2, b3) = (base, r1 + base, r2 + base, r3 + base);
                let (x0, y0) = (load_f16x4(block, b0), load_f16x4(block, b0 + 4));
                let (x1, y1) = (load_f16x4(block, b1), load_f16x4(block, b1 + 4));
                let (x2, y2) = (load_f16x4(block, b2), load_f16x4(block, b2 + 4));
                let (x3, y3) = (load_f16x4(block, b3), load_f16x4(block, b3 + 4));
                a0 = add_f32_group(a0, q_lo, q_hi, x0, y0);
                a1 = add_f32_group(a1, q_lo, q_hi, x1, y1);
                a2 = add_f32_group(a2, q_lo, q_hi, x2, y2);
                a3 = add_f32_group(a3, q_lo, q_hi, x3, y3);
            }
            base += 8;
        }
        let q_tail = &q[whole..];
        out[r] = finish_f16(a0, q_tail, &block[whole..r1]);
        out[r + 1] = finish_f16(a1, q_tail, &block[r1 + whole..r2]);
        out[r + 2] = finish_f16(a2, q_tail, &block[r2 + whole..r3]);
        out[r + 3] = finish_f16(a3, q_tail, &block[r3 + whole..]);
        r += ROW_BLOCK;
    }
    while r < count {
        out[r] = dot_f16(q, &rows[r * dim..(r + 1) * dim]);
        r += 1;
    }
}

/// Adds `x[at..at + 16] · q` to `acc` exactly in i32, where `q_lo` and `q_hi` hold the
/// sixteen matching query values as two i16x8 halves.
///
/// # Safety
/// The caller guarantees `at + 16 <= x.len()`.
#[inline(always)]
unsafe fn add_i8_group(acc: v128, x: &[i8], at: usize, q_lo: v128, q_hi: v128) -> v128 {
    // SAFETY: at + 16 <= x.len(), so both 8-byte reads are in bounds.
    let (lo, hi) = unsafe { (load_i8x8(x, at), load_i8x8(x, at + 8)) };
    let sum = i32x4_add(i32x4_dot_i16x8(lo, q_lo), i32x4_dot_i16x8(hi, q_hi));
    i32x4_add(acc, sum)
}

/// Lane k of the result is the sum of the four lanes of `a_k`.
#[inline(always)]
fn transpose_add(a0: v128, a1: v128, a2: v128, a3: v128) -> v128 {
    let s01 = i32x4_add(
        i32x4_shuffle::<0, 4, 1, 5>(a0, a1),
        i32x4_shuffle::<2, 6, 3, 7>(a0, a1),
    );
    let s23 = i32x4_add(
        i32x4_shuffle::<0, 4, 1, 5>(a2, a3),
        i32x4_shuffle::<2, 6, 3, 7>(a2, a3),
    );
    i32x4_add(
        i32x4_shuffle::<0, 1, 4, 5>(s01, s23),
        i32x4_shuffle::<2, 3, 6, 7>(s01, s23),
    )
}

/// `out[r] = (q16 · row r) × (q_scale × scale[r])`, four rows at a time: the rows walk
/// their 16-byte groups together so each query chunk is loaded once per block, and their
/// horizontal sums share one transpose. Integer sums are exact, so the order of the
/// additions cannot change a score.
pub fn score_i8(q: &I8Query, rows: &[i8], scales: &[f32], out: &mut [f32]) {
    let dim = q.values.len();
    let count = out.len().min(scales.len()).min(rows.len() / dim.max(1));
    let whole = dim / 16 * 16;
    let qv = &q.values[..];
    let mut r = 0;
    while r + ROW_BLOCK <= count {
        touch_ahead(rows, r * dim, ROW_BLOCK * dim);
        let block = &rows[r * dim..(r + ROW_BLOCK) * dim];
        let (mut a0, mut a1, mut a2, mut a3) = (
            i32x4_splat(0),
            i32x4_splat(0),
            i32x4_splat(0),
            i32x4_splat(0),
        );
        let mut base = 0;
        while base < whole {
            // SAFETY: base + 16 <= whole <= dim, so qv[base..base + 16] is in bounds and,
            // for k < ROW_BLOCK, so is block[k * dim + base..k * dim + base + 16].
            unsafe {
                let (q_lo, q_hi) = (load(qv, base), load(qv, base + 8));
                a0 = add_i8_group(a0, block, base, q_lo, q_hi);
                a1 = add_i8_group(a1, block, dim + base, q_lo, q_hi);
                a2 = add_i8_group(a2, block, 2 * dim + base, q_lo, q_hi);
                a3 = add_i8_group(a3, block, 3 * dim + base, q_lo, q_hi);
            }
            base += 16;
        }
        let mut sums = transpose_add(a0, a1, a2, a3);
        if whole < dim {
            let tail = |k: usize| tail_i8(qv, &block[k * dim..(k + 1) * dim], whole);
            sums = i32x4_add(sums, i32x4(tail(0), tail(1), tail(2), tail(3)));
        }
        // SAFETY: r + 4 <= count <= scales.len() and <= out.len().
        unsafe { store_scaled(out, r, sums, q.scale, scales) };
        r += ROW_BLOCK;
    }
    while r < count {
        out[r] = dot_i8(qv, &rows[r * dim..(r + 1) * dim]) as f32 * (q.scale * scales[r]);
        r += 1;
    }
}

/// How far ahead of the block being scored [`touch_ahead`] reads, in bytes: 32 cache lines,
/// far enough for the lines to arrive while the block in hand is scored, near enough to
/// stay in cache until then. Measured at 1M int8 rows (d = 64, headless Chromium, this
/// project's x86 machine): 1 KB 6.8 ms, 2 KB 6.3 ms, 4 KB 7.0 ms, none 9.0 ms.
const TOUCH_AHEAD_BYTES: usize = 2048;

/// Cache line size of x86 and most Arm cores; touching every 128 bytes instead measured
/// as slow as not touching at all.
const CACHE_LINE: usize = 64;

/// Reads one byte of each cache line in `rows`' bytes `start + TOUCH_AHEAD_BYTES ..
/// start + TOUCH_AHEAD_BYTES + len` that lies inside `rows`, and discards it.
///
/// WebAssembly has no prefetch instruction, and with the hardware's stream prefetcher
/// alone the int8 scan paid its compute and its memory wait one after the other (1M rows:
/// 9.0 ms, against 4.1 ms to stream the same bytes and 3.8 ms to score them from cache).
/// A read the kernel does not use starts the miss early, so the wait overlaps the scoring
/// of the block in hand: int8 7.7–9.0 → 6.1–7.5 ms, f16 20.9–22.6 → 15.7–16.6 ms at 1M
/// rows (BENCHMARKS.md, "Reading ahead in the int8 and f16 scans"). The f32 scan
/// does not use it: it is bound by the memory's bandwidth, which the prefetcher already
/// keeps busy, and the extra reads only slowed it from cache (100k rows: 1.5 → 1.8 ms).
/// The reads are volatile so that neither LLVM nor the engine drops them (an engine may
/// not drop a load that can trap). Scores are unchanged: nothing read here reaches them.
#[inline(always)]
fn touch_ahead<T>(rows: &[T], start: usize, len: usize) {
    let bytes = core::mem::size_of_val(rows);
    let size = core::mem::size_of::<T>();
    let mut at = start * size + TOUCH_AHEAD_BYTES;
    let end = ((start + len) * size + TOUCH_AHEAD_BYTES).min(bytes);
    let base = rows.as_ptr() as *const u8;
    while at < end {
        // SAFETY: at < end <= the byte length of `rows`, so the one-byte read is inside
        // the slice; u8 has no alignment requirement.
        unsafe { core::ptr::read_volatile(base.add(at)) };
        at += CACHE_LINE;
    }
}

/// Stores four rows' exact integer dot products as scores, `sum × (q_scale × scale[r])`,
/// each lane in the reference's order of operations (`score_i8`, `score_i4`).
///
/// # Safety
/// The caller guarantees `r + 4 <= scales.len()` and `r + 4 <= out.len()`.
#[inline(always)]
unsafe fn store_scaled(out: &mut [f32], r: usize, sums: v128, q_scale: f32, scales: &[f32]) {
    // SAFETY: r + 4 <= scales.len(), and the store writes out[r..r + 4] (in bounds by the
    // caller's guarantee; `v128_store` has no alignment requirement).
    unsafe {
        let factor = f32x4_mul(f32x4_splat(q_scale), load(scales, r));
        let scores = f32x4_mul(f32x4_convert_i32x4(sums), factor);
        v128_store(out.as_mut_ptr().add(r) as *mut v128, scores);
    }
}

/// Adds one 16-byte group of a 4-bit row (32 values) to `acc`, each value offset by +8:
/// flipping each nibble's sign bit turns a two's-complement nibble v into the unsigned
/// v + 8, which 16-bit lanes can mask and shift out natively (WebAssembly's 8-bit lane
/// shifts are emulated on x86). The low nibbles are the row's even dimensions, the high
/// ones its odd dimensions, so each half meets the matching half of the deinterleaved
/// query without a shuffle. The caller subtracts 8·Σq once per row.
///
/// # Safety
/// The caller guarantees `at + 16 <= x.len()`.
#[inline(always)]
unsafe fn add_i4_group(acc: v128, x: &[u8], at: usize, even: [v128; 2], odd: [v128; 2]) -> v128 {
    // SAFETY: at + 16 <= x.len().
    let bytes = v128_xor(unsafe { load(x, at) }, u8x16_splat(0x88));
    let (first, second) = (
        u16x8_extend_low_u8x16(bytes),
        u16x8_extend_high_u8x16(bytes),
    );
    let low_nibble = u16x8_splat(0x0f);
    let even_sum = i32x4_add(
        i32x4_dot_i16x8(v128_and(first, low_nibble), even[0]),
        i32x4_dot_i16x8(v128_and(second, low_nibble), even[1]),
    );
    let odd_sum = i32x4_add(
        i32x4_dot_i16x8(u16x8_shr(first, 4), odd[0]),
        i32x4_dot_i16x8(u16x8_shr(second, 4), odd[1]),
    );
    i32x4_add(acc, i32x4_add(even_sum, odd_sum))
}

/// `out[r] = (q16 · row r) × (q_scale × scale[r])` for 4-bit rows of d/2 bytes, four rows
/// at a time like [`score_i8`]. The query is split once into its even and odd dimensions
/// (what the low and high nibbles multiply). Integer sums are exact, so the result equals
/// [`super::scalar::score_i4`] bit for bit.
pub fn score_i4(q: &I8Query, rows: &[u8], scales: &[f32], out: &mut [f32]) {
    let dim = q.values.len();
    let row_bytes = dim / 2;
    if row_bytes == 0 {
        return super::scalar::score_i4(q, rows, scales, out);
    }
    let count = out.len().min(scales.len()).min(rows.len() / row_bytes);
    if count < ROW_BLOCK {
        // No whole block: the reference does it all without the query split below (the
        // host scores single candidate rows through here).
        return super::scalar::score_i4(q, rows, scales, out);
    }
    let whole = row_bytes / 16 * 16;
    let even: Vec<i16> = q.values.iter().step_by(2).copied().collect();
    let odd: Vec<i16> = q.values.iter().skip(1).step_by(2).copied().collect();
    // The groups count every value 8 too high (see `add_i4_group`): 8·Σq over their
    // dimensions comes off each row's sum. Wrapping i32 arithmetic, so still exact.
    let offset = q.values[..2 * whole]
        .iter()
        .fold(0i32, |sum, &v| sum.wrapping_add(8 * v as i32));
    let tail = |row: &[u8]| super::scalar::dot_i4(&q.values[2 * whole..], &row[whole..]);
    let mut r = 0;
    while r + ROW_BLOCK <= count {
        let block = &rows[r * row_bytes..(r + ROW_BLOCK) * row_bytes];
        let mut acc = [i32x4_splat(0); ROW_BLOCK];
        let mut base = 0;
        while base < whole {
            // SAFETY: base + 16 <= whole <= row_bytes = even.len() = odd.len(), so the
            // query loads are in bounds, and so is each row's group
            // block[k * row_bytes + base..+16] for k < ROW_BLOCK.
            unsafe {
                let e = [load(&even, base), load(&even, base + 8)];
                let o = [load(&odd, base), load(&odd, base + 8)];
                for (k, a) in acc.iter_mut().enumerate() {
                    *a = add_i4_group(*a, block, k * row_bytes + base, e, o);
                }
            }
            base += 16;
        }
        let mut sums = i32x4_sub(
            transpose_add(acc[0], acc[1], acc[2], acc[3]),
            i32x4_splat(offset),
        );
        if whole < row_bytes {
            let t = |k: usize| tail(&block[k * row_bytes..(k + 1) * row_bytes]);
            sums = i32x4_add(sums, i32x4(t(0), t(1), t(2), t(3)));
        }
        // SAFETY: r + 4 <= count <= scales.len() and <= out.len().
        unsafe { store_scaled(out, r, sums, q.scale, scales) };
        r += ROW_BLOCK;
    }
    // The last rows, fewer than a block: the reference itself.
    super::scalar::score_i4(
        q,
        &rows[r * row_bytes..],
        &scales[r..count],
        &mut out[r..count],
    );
}

/// `out[i] += terms[i]`, four lanes at a time: each lane is one IEEE f32 add, exactly the
/// reference's [`super::scalar::add_assign`] (SIMD128 rounds like scalar f32 and never
/// flushes subnormals).
pub fn add_assign(out: &mut [f32], terms: &[f32]) {
    let n = out.len().min(terms.len());
    let whole = n / 4 * 4;
    let mut i = 0;
    while i < whole {
        // SAFETY: i + 4 <= whole <= n for both slices; the store writes the same 16
        // bytes of `out` the load read, and `v128_store` has no alignment requirement.
        unsafe {
            let sum = f32x4_add(load(out, i), load(terms, i));
            v128_store(out.as_mut_ptr().add(i) as *mut v128, sum);
        }
        i += 4;
    }
    for j in whole..n {
        out[j] += terms[j];
    }
}

/// Sums f32 values with SIMD128 and nothing else: the time this takes over a catalog's
/// bytes is the one-core memory bound that scoring cannot beat (used by the benchmark).
/// Four independent accumulators, named rather than looped over so that a size-optimized
/// build keeps them in registers too.
pub fn read_limit_f32(values: &[f32]) -> f32 {
    let whole = values.len() / 16 * 16;
    let (mut a0, mut a1, mut a2, mut a3) = (
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
    );
    let mut base = 0;
    while base < whole {
        // SAFETY: base + 16 <= whole: four f32x4 loads are in bounds.
        unsafe {
            a0 = f32x4_add(a0, load(values, base));
            a1 = f32x4_add(a1, load(values, base + 4));
            a2 = f32x4_add(a2, load(values, base + 8));
            a3 = f32x4_add(a3, load(values, base + 12));
        }
        base += 16;
    }
    let s = f32x4_add(f32x4_add(a0, a1), f32x4_add(a2, a3));
    combine(s, f32x4_splat(0.0)) + values[whole..].iter().sum::<f32>()
}

/// The same memory bound for int8 data: a wrapping byte sum.
pub fn read_limit_i8(values: &[i8]) -> i32 {
    let whole = values.len() / 64 * 64;
    let (mut a0, mut a1, mut a2, mut a3) = (
        i8x16_splat(0),
        i8x16_splat(0),
        i8x16_splat(0),
        i8x16_splat(0),
    );
    let mut base = 0;
    while base < whole {
        // SAFETY: base + 64 <= whole: four 16-byte loads are in bounds.
        unsafe {
            a0 = i8x16_add(a0, load(values, base));
            a1 = i8x16_add(a1, load(values, base + 16));
            a2 = i8x16_add(a2, load(values, base + 32));
            a3 = i8x16_add(a3, load(values, base + 48));
        }
        base += 64;
    }
    let s = i8x16_add(i8x16_add(a0, a1), i8x16_add(a2, a3));
    let wide = i32x4_extadd_pairwise_i16x8(i16x8_extadd_pairwise_i8x16(s));
    let lanes = i32x4_extract_lane::<0>(wide)
        + i32x4_extract_lane::<1>(wide)
        + i32x4_extract_lane::<2>(wide)
        + i32x4_extract_lane::<3>(wide);
    lanes + values[whole..].iter().map(|&v| v as i32).sum::<i32>()
}
