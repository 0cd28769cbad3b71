//! The inverse of a symmetric positive definite matrix, for EASE's (XᵀX + λI)⁻¹.
//!
//! nalgebra's `cholesky().inverse()` works column by column and takes minutes for a few
//! thousand items. Here the matrix is inverted by 2 × 2 blocks through the Schur
//! complement, recursively, so nearly all the work is matrix products, which nalgebra
//! hands to a cache-blocked, SIMD GEMM (`matrixmultiply`); products are split across
//! threads by column. Small blocks use the Cholesky inverse. For SPD input every Schur
//! complement is SPD too, so the recursion is as stable as the Cholesky route.

use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut};

/// Below this size a block is inverted directly.
const DIRECT: usize = 256;
/// Products whose output has more columns than this are split across two tasks.
const SPLIT_COLUMNS: usize = 128;

/// A⁻¹, or `None` if A is not (numerically) positive definite.
pub fn spd_inverse(a: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    spd_inverse_counted(a, &|_| {})
}

/// Multiply-adds of a product of an m × k by a k × n matrix, and (as a unit of the same
/// order) of a direct inverse of an n × n block: the work progress is counted in.
fn product_work(m: usize, k: usize, n: usize) -> u64 {
    (m * k) as u64 * n as u64
}

fn direct_work(n: usize) -> u64 {
    product_work(n, n, n)
}

/// The work [`spd_inverse_counted`] reports in total for an n × n matrix (it follows the
/// recursion exactly, so a progress bar of this length ends full).
pub fn inverse_work(n: usize) -> u64 {
    if n <= DIRECT {
        return direct_work(n);
    }
    let h = n / 2;
    let m = n - h;
    inverse_work(h)
        + inverse_work(m)
        + product_work(h, h, m)
        + product_work(m, h, m)
        + product_work(h, m, m)
        + product_work(h, m, h)
}

/// [`spd_inverse`], calling `done(work)` as each block inverse or product finishes; the
/// calls add up to [`inverse_work`]`(n)` (for a progress bar with a real unit and an ETA).
pub fn spd_inverse_counted(a: &DMatrix<f64>, done: &(dyn Fn(u64) + Sync)) -> Option<DMatrix<f64>> {
    let n = a.nrows();
    assert_eq!(n, a.ncols(), "a square matrix");
    if n <= DIRECT {
        let inverse = a.clone().cholesky().map(|c| c.inverse());
        done(direct_work(n));
        return inverse;
    }
    // A = [A11 A12; A12ᵀ A22]; S = A22 − A12ᵀ A11⁻¹ A12 (the Schur complement).
    // A⁻¹ = [A11⁻¹ + W S⁻¹ Wᵀ, −W S⁻¹; −S⁻¹ Wᵀ, S⁻¹] with W = A11⁻¹ A12.
    let h = n / 2;
    let m = n - h;
    let a11_inv = spd_inverse_counted(&a.view((0, 0), (h, h)).into_owned(), done)?;
    let a12 = a.view((0, h), (h, m));
    let mut w = DMatrix::<f64>::zeros(h, m);
    product(w.as_view_mut(), 1.0, a11_inv.as_view(), a12, 0.0);
    done(product_work(h, h, m));
    let mut s = a.view((h, h), (m, m)).into_owned();
    let a12_t = a12.transpose();
    product(s.as_view_mut(), -1.0, a12_t.as_view(), w.as_view(), 1.0);
    done(product_work(m, h, m));
    symmetrize(&mut s);
    let s_inv = spd_inverse_counted(&s, done)?;
    let mut v = DMatrix::<f64>::zeros(h, m);
    product(v.as_view_mut(), 1.0, w.as_view(), s_inv.as_view(), 0.0);
    done(product_work(h, m, m));

    let mut inverse = DMatrix::<f64>::zeros(n, n);
    inverse.view_mut((0, 0), (h, h)).copy_from(&a11_inv);
    let w_t = w.transpose();
    product(
        inverse.view_mut((0, 0), (h, h)),
        1.0,
        v.as_view(),
        w_t.as_view(),
        1.0,
    );
    done(product_work(h, m, h));
    inverse.view_mut((0, h), (h, m)).copy_from(&(-&v));
    inverse
        .view_mut((h, 0), (m, h))
        .copy_from(&(-v.transpose()));
    inverse.view_mut((h, h), (m, m)).copy_from(&s_inv);
    symmetrize(&mut inverse);
    Some(inverse)
}

/// C = alpha·A·B + beta·C, with C's columns split across rayon tasks.
fn product(
    mut c: DMatrixViewMut<'_, f64>,
    alpha: f64,
    a: DMatrixView<'_, f64>,
    b: DMatrixView<'_, f64>,
    beta: f64,
) {
    let cols = c.ncols();
    if cols <= SPLIT_COLUMNS {
        c.gemm(alpha, &a, &b, beta);
        return;
    }
    let half = cols / 2;
    let (left, right) = c.columns_range_pair_mut(0..half, half..);
    let (b_left, b_right) = (b.columns_range(0..half), b.columns_range(half..));
    rayon::join(
        || product(left, alpha, a, b_left, beta),
        || product(right, alpha, a, b_right, beta),
    );
}

/// Averages A and Aᵀ: rounding makes computed products slightly asymmetric.
fn symmetrize(a: &mut DMatrix<f64>) {
    let n = a.nrows();
    for c in 0..n {
        for r in c + 1..n {
            let mean = 0.5 * (a[(r, c)] + a[(c, r)]);
            a[(r, c)] = mean;
            a[(c, r)] = mean;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_cholesky_inverse() {
        let n = 700;
        // A random-ish SPD matrix: BᵀB + I.
        let b = DMatrix::<f64>::from_fn(n, n, |r, c| ((r * 31 + c * 17) % 13) as f64 / 13.0 - 0.5);
        let a = b.transpose() * &b + DMatrix::identity(n, n);
        let fast = spd_inverse(&a).unwrap();
        let identity = &a * &fast;
        for r in 0..n {
            for c in 0..n {
                let expected = if r == c { 1.0 } else { 0.0 };
                assert!((identity[(r, c)] - expected).abs() < 1e-8);
            }
        }
    }

    #[test]
    fn the_work_reported_adds_up_to_the_bar_length() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let n = 700;
        let a = DMatrix::<f64>::from_fn(n, n, |r, c| if r == c { 2.0 } else { 0.001 });
        let done = AtomicU64::new(0);
        spd_inverse_counted(&a, &|w| {
            done.fetch_add(w, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(done.into_inner(), inverse_work(n));
        assert!(inverse_work(n) > 0);
    }
}
