//! The reference: nalgebra 0.35's operations, in its order, one value at a time.

use super::{pivot, Items};

/// `a += Σ extra_t · y_t y_tᵀ` on the lower triangle (column-major) and
/// `b += Σ confidence_t · y_t`, item after item: per column, `scaled = extra · y[col]`, then
/// `a[r][col] += scaled · y[r]` for r ≥ col, and `b[col] += confidence · y[col]`.
pub fn accumulate(a: &mut [f64], b: &mut [f64], dim: usize, items: &Items<'_>) {
    for ((y, &extra), &confidence) in items
        .vectors
        .chunks_exact(dim)
        .zip(items.extra)
        .zip(items.confidence)
    {
        for (col, (&y_col, b_col)) in y.iter().zip(b.iter_mut()).enumerate() {
            let scaled = extra * y_col;
            let column = &mut a[col * dim + col..(col + 1) * dim];
            for (entry, &y_r) in column.iter_mut().zip(&y[col..]) {
                *entry += scaled * y_r;
            }
            *b_col += confidence * y_col;
        }
    }
}

/// In-place Cholesky factorization of the lower triangle of `a` (column-major), left-looking
/// as nalgebra's `Cholesky::new`: for each column j, `a[i][j] += (−a[j][k]) · a[i][k]`
/// for k = 0, 1, … j−1 and i ≥ j, then the pivot's square root and `a[i][j] /= pivot`.
/// False when a pivot is zero, negative or NaN.
pub fn cholesky(a: &mut [f64], dim: usize) -> bool {
    for j in 0..dim {
        for k in 0..j {
            let factor = -a[k * dim + j];
            let (done, rest) = a.split_at_mut(j * dim);
            let col_k = &done[k * dim + j..(k + 1) * dim];
            let col_j = &mut rest[j..dim];
            for (y, &x) in col_j.iter_mut().zip(col_k) {
                *y += factor * x;
            }
        }
        let Some(root) = pivot(a[j * dim + j]) else {
            return false;
        };
        a[j * dim + j] = root;
        for entry in &mut a[j * dim + j + 1..(j + 1) * dim] {
            *entry /= root;
        }
    }
    true
}

/// Solves `L Lᵀ x = b` in place with the factor from [`cholesky`]: forward substitution as
/// nalgebra's `solve_lower_triangular`, then backward substitution with `Lᵀ` as its
/// `ad_solve_lower_triangular`.
pub fn substitute(l: &[f64], dim: usize, b: &mut [f64]) {
    for i in 0..dim {
        let coeff = b[i] / l[i * dim + i];
        b[i] = coeff;
        let factor = -coeff;
        let (_, below) = b.split_at_mut(i + 1);
        for (y, &x) in below.iter_mut().zip(&l[i * dim + i + 1..(i + 1) * dim]) {
            *y += factor * x;
        }
    }
    for i in (0..dim).rev() {
        let dot = dot(&l[i * dim + i + 1..(i + 1) * dim], &b[i + 1..]);
        b[i] = (b[i] - dot) / l[i * dim + i];
    }
}

/// nalgebra's dot product: eight partial sums over whole groups of eight, added to zero as
/// `(s0 + s4)`, `(s1 + s5)`, `(s2 + s6)`, `(s3 + s7)`, then the tail in order.
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    let len = x.len().min(y.len());
    let whole = len / 8 * 8;
    let mut acc = [0.0f64; 8];
    for base in (0..whole).step_by(8) {
        for (lane, s) in acc.iter_mut().enumerate() {
            *s += x[base + lane] * y[base + lane];
        }
    }
    let mut res = 0.0;
    res += acc[0] + acc[4];
    res += acc[1] + acc[5];
    res += acc[2] + acc[6];
    res += acc[3] + acc[7];
    for j in whole..len {
        res += x[j] * y[j];
    }
    res
}
