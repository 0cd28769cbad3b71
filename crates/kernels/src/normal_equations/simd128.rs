//! The normal equations with SIMD128: two f64 lanes per instruction and register blocking,
//! with every entry's operations in the reference order of [`super::scalar`]. SIMD128 has
//! no fused multiply-add, so `f64x2_add(f64x2_mul(f, x), y)` rounds exactly like the
//! reference's `f * x + y`, lane by lane.

use core::arch::wasm32::*;

use super::{pivot, Items, ITEM_BLOCK};

/// Loads `slice[at..at + 2]`.
///
/// # Safety
/// The caller guarantees `at + 2 <= slice.len()`.
#[inline(always)]
unsafe fn load(slice: &[f64], at: usize) -> v128 {
    // SAFETY: the caller keeps the 16-byte read inside `slice`; no alignment requirement.
    unsafe { v128_load(slice.as_ptr().add(at) as *const v128) }
}

/// Stores `value` to `slice[at..at + 2]`.
///
/// # Safety
/// The caller guarantees `at + 2 <= slice.len()`.
#[inline(always)]
unsafe fn store(slice: &mut [f64], at: usize, value: v128) {
    // SAFETY: the caller keeps the 16-byte write inside `slice`; no alignment requirement.
    unsafe { v128_store(slice.as_mut_ptr().add(at) as *mut v128, value) }
}

/// `f * x + y` per lane, the reference's update.
#[inline(always)]
fn mul_add(f: v128, x: v128, y: v128) -> v128 {
    f64x2_add(f64x2_mul(f, x), y)
}

/// As [`super::scalar::accumulate`]: whole blocks of [`ITEM_BLOCK`] items pass over the lower
/// triangle together (each entry gets the items' terms in their order, in a register), the
/// rest one item at a time.
pub fn accumulate(a: &mut [f64], b: &mut [f64], dim: usize, items: &Items<'_>) {
    let count = items.extra.len().min(items.confidence.len());
    let count = count.min(items.vectors.len() / dim.max(1));
    let mut t = 0;
    while t + ITEM_BLOCK <= count {
        accumulate_block::<ITEM_BLOCK>(a, b, dim, items, t);
        t += ITEM_BLOCK;
    }
    while t < count {
        accumulate_block::<1>(a, b, dim, items, t);
        t += 1;
    }
}

/// Adds items `first..first + M` to the lower triangle of `a` and to `b`.
#[inline(always)]
fn accumulate_block<const M: usize>(
    a: &mut [f64],
    b: &mut [f64],
    dim: usize,
    items: &Items<'_>,
    first: usize,
) {
    let ys: [&[f64]; M] =
        core::array::from_fn(|m| &items.vectors[(first + m) * dim..(first + m + 1) * dim]);
    for col in 0..dim {
        let scaled: [f64; M] = core::array::from_fn(|m| items.extra[first + m] * ys[m][col]);
        let factors: [v128; M] = core::array::from_fn(|m| f64x2_splat(scaled[m]));
        let column = &mut a[col * dim..(col + 1) * dim];
        let mut r = col;
        while r + 2 <= dim {
            // SAFETY: r + 2 <= dim = column.len() = ys[m].len().
            unsafe {
                let mut entry = load(column, r);
                for m in 0..M {
                    entry = mul_add(factors[m], load(ys[m], r), entry);
                }
                store(column, r, entry);
            }
            r += 2;
        }
        if r < dim {
            for (&s, y) in scaled.iter().zip(&ys) {
                column[r] += s * y[r];
            }
        }
        for (&confidence, y) in items.confidence[first..first + M].iter().zip(&ys) {
            b[col] += confidence * y[col];
        }
    }
}

/// Rows of a column updated together in [`cholesky`]: four f64x2 accumulators.
const ROWS: usize = 8;

/// As [`super::scalar::cholesky`]: for column j, each group of eight rows stays in registers while
/// the columns k < j are subtracted in order, so an entry goes through memory once per
/// column instead of once per k.
pub fn cholesky(a: &mut [f64], dim: usize) -> bool {
    for j in 0..dim {
        let (done, rest) = a.split_at_mut(j * dim);
        let col_j = &mut rest[..dim];
        let mut i = j;
        while i + ROWS <= dim {
            // SAFETY: i + 8 <= dim: col_j[i..i + 8] and, for k < j, done[k * dim + i..
            // k * dim + i + 8] are in bounds (done holds j whole columns).
            unsafe {
                let (mut y0, mut y1, mut y2, mut y3) = (
                    load(col_j, i),
                    load(col_j, i + 2),
                    load(col_j, i + 4),
                    load(col_j, i + 6),
                );
                for k in 0..j {
                    let col_k = &done[k * dim..(k + 1) * dim];
                    let f = f64x2_splat(-col_k[j]);
                    y0 = mul_add(f, load(col_k, i), y0);
                    y1 = mul_add(f, load(col_k, i + 2), y1);
                    y2 = mul_add(f, load(col_k, i + 4), y2);
                    y3 = mul_add(f, load(col_k, i + 6), y3);
                }
                store(col_j, i, y0);
                store(col_j, i + 2, y1);
                store(col_j, i + 4, y2);
                store(col_j, i + 6, y3);
            }
            i += ROWS;
        }
        while i + 2 <= dim {
            // SAFETY: i + 2 <= dim, as above.
            unsafe {
                let mut y = load(col_j, i);
                for k in 0..j {
                    let col_k = &done[k * dim..(k + 1) * dim];
                    y = mul_add(f64x2_splat(-col_k[j]), load(col_k, i), y);
                }
                store(col_j, i, y);
            }
            i += 2;
        }
        if i < dim {
            for k in 0..j {
                let col_k = &done[k * dim..(k + 1) * dim];
                col_j[i] += -col_k[j] * col_k[i];
            }
        }
        let Some(root) = pivot(col_j[j]) else {
            return false;
        };
        col_j[j] = root;
        for entry in &mut col_j[j + 1..] {
            *entry /= root;
        }
    }
    true
}

/// As [`super::scalar::substitute`], two lanes at a time.
pub fn substitute(l: &[f64], dim: usize, b: &mut [f64]) {
    for i in 0..dim {
        let coeff = b[i] / l[i * dim + i];
        b[i] = coeff;
        let factor = f64x2_splat(-coeff);
        let col = &l[i * dim..(i + 1) * dim];
        let mut r = i + 1;
        while r + 2 <= dim {
            // SAFETY: r + 2 <= dim = col.len() = b.len().
            unsafe { store(b, r, mul_add(factor, load(col, r), load(b, r))) };
            r += 2;
        }
        if r < dim {
            b[r] += -coeff * col[r];
        }
    }
    for i in (0..dim).rev() {
        let dot = dot(&l[i * dim + i + 1..(i + 1) * dim], &b[i + 1..]);
        b[i] = (b[i] - dot) / l[i * dim + i];
    }
}

/// [`super::scalar::dot`] with the eight partial sums as four f64x2 (lanes 0–1, 2–3, 4–5, 6–7).
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let len = x.len().min(y.len());
    let whole = len / 8 * 8;
    let zero = f64x2_splat(0.0);
    let (mut s01, mut s23, mut s45, mut s67) = (zero, zero, zero, zero);
    let mut at = 0;
    while at < whole {
        // SAFETY: at + 8 <= whole <= len for both slices.
        unsafe {
            s01 = f64x2_add(s01, f64x2_mul(load(x, at), load(y, at)));
            s23 = f64x2_add(s23, f64x2_mul(load(x, at + 2), load(y, at + 2)));
            s45 = f64x2_add(s45, f64x2_mul(load(x, at + 4), load(y, at + 4)));
            s67 = f64x2_add(s67, f64x2_mul(load(x, at + 6), load(y, at + 6)));
        }
        at += 8;
    }
    // (s0 + s4, s1 + s5) and (s2 + s6, s3 + s7), added to zero in the reference order.
    let low = f64x2_add(s01, s45);
    let high = f64x2_add(s23, s67);
    let mut res = 0.0;
    res += f64x2_extract_lane::<0>(low);
    res += f64x2_extract_lane::<1>(low);
    res += f64x2_extract_lane::<0>(high);
    res += f64x2_extract_lane::<1>(high);
    for j in whole..len {
        res += x[j] * y[j];
    }
    res
}
