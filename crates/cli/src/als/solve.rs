//! Solving one row's least-squares system, the inner step of implicit ALS:
//!
//! ```text
//! (YᵀY + λ_u I + Σ_{i∈u} (c_i − 1) y_i y_iᵀ) x_u = Σ_{i∈u} c_i y_i,     c_i = 1 + α w_i
//! ```
//!
//! (Hu, Koren & Volinsky 2008; the same system the browser's fold-in solves exactly.)
//! [`conjugate_gradient`] takes a few warm-started CG steps without ever forming the matrix
//! (Takács, Pilászy & Tikk 2011; what `implicit` does on the CPU): O(n_u d + d²) per step.
//! [`cholesky`] forms and factors it: exact, O(n_u d² + d³), the reference for tests.

use nalgebra::{DMatrix, DVector};

use super::vector::{axpy, dot, symmetric_matvec, Fused, MulAdd, Unfused};

/// What every row of one half-iteration shares: the other side's factors and their Gram
/// matrix YᵀY (d × d, row-major, without λ).
#[derive(Debug, Clone, Copy)]
pub struct Fixed<'a> {
    pub other: &'a [f32],
    pub gram: &'a [f32],
    pub dim: usize,
    pub alpha: f32,
}

/// One row's observations: columns (indices into `other`) and weights `w`.
#[derive(Debug, Clone, Copy)]
pub struct Observations<'a> {
    pub columns: &'a [u32],
    pub weights: &'a [f32],
}

/// Per-thread work vectors of the CG solver.
#[derive(Debug, Clone)]
pub struct Scratch {
    residual: Vec<f32>,
    direction: Vec<f32>,
    product: Vec<f32>,
}

impl Scratch {
    pub fn new(dim: usize) -> Scratch {
        Scratch {
            residual: vec![0.0; dim],
            direction: vec![0.0; dim],
            product: vec![0.0; dim],
        }
    }
}

/// Residuals below this (squared norm) count as solved, as in `implicit`.
const SOLVED: f32 = 1e-20;

/// Improves `x` in place with up to `steps` conjugate-gradient steps from its current value.
pub fn conjugate_gradient(
    fixed: &Fixed<'_>,
    row: Observations<'_>,
    lambda: f32,
    steps: usize,
    x: &mut [f32],
    scratch: &mut Scratch,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has just been checked to support AVX2 and FMA.
        unsafe { conjugate_gradient_avx2(fixed, row, lambda, steps, x, scratch) };
        return;
    }
    conjugate_gradient_with::<Unfused>(fixed, row, lambda, steps, x, scratch);
}

/// The same code compiled for AVX2 + FMA (eight f32 lanes, fused multiply-add).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn conjugate_gradient_avx2(
    fixed: &Fixed<'_>,
    row: Observations<'_>,
    lambda: f32,
    steps: usize,
    x: &mut [f32],
    scratch: &mut Scratch,
) {
    conjugate_gradient_with::<Fused>(fixed, row, lambda, steps, x, scratch);
}

#[inline(always)]
fn conjugate_gradient_with<M: MulAdd>(
    fixed: &Fixed<'_>,
    row: Observations<'_>,
    lambda: f32,
    steps: usize,
    x: &mut [f32],
    scratch: &mut Scratch,
) {
    let d = fixed.dim;
    let item = |i: u32| &fixed.other[i as usize * d..(i as usize + 1) * d];
    let Scratch {
        residual: r,
        direction: p,
        product: ap,
    } = scratch;

    // r = b − A x = −(YᵀY + λI) x + Σ [c_i − (c_i − 1) y_i·x] y_i
    symmetric_matvec::<M>(fixed.gram, x, r);
    for (rv, &xv) in r.iter_mut().zip(x.iter()) {
        *rv = -M::mul_add(lambda, xv, *rv);
    }
    for (&i, &w) in row.columns.iter().zip(row.weights) {
        let y = item(i);
        let extra = fixed.alpha * w;
        let coefficient = (1.0 + extra) - extra * dot::<M>(y, x);
        axpy::<M>(coefficient, y, r);
    }
    p.copy_from_slice(r);
    let mut rs_old = dot::<M>(r, r);
    if rs_old < SOLVED {
        return;
    }
    for _ in 0..steps {
        // Ap = (YᵀY + λI) p + Σ (c_i − 1)(y_i·p) y_i
        symmetric_matvec::<M>(fixed.gram, p, ap);
        axpy::<M>(lambda, p, ap);
        for (&i, &w) in row.columns.iter().zip(row.weights) {
            let y = item(i);
            let extra = fixed.alpha * w;
            axpy::<M>(extra * dot::<M>(y, p), y, ap);
        }
        let step = rs_old / dot::<M>(p, ap);
        axpy::<M>(step, p, x);
        axpy::<M>(-step, ap, r);
        let rs_new = dot::<M>(r, r);
        if rs_new < SOLVED {
            break;
        }
        let beta = rs_new / rs_old;
        for (pv, &rv) in p.iter_mut().zip(r.iter()) {
            *pv = M::mul_add(beta, *pv, rv);
        }
        rs_old = rs_new;
    }
}

/// Solves the row's system exactly (f64 Cholesky), overwriting `x`.
pub fn cholesky(fixed: &Fixed<'_>, row: Observations<'_>, lambda: f32, x: &mut [f32]) {
    let d = fixed.dim;
    let alpha = fixed.alpha as f64;
    let mut a = DMatrix::<f64>::from_fn(d, d, |r, c| fixed.gram[r * d + c] as f64);
    let mut b = DVector::<f64>::zeros(d);
    for (&i, &w) in row.columns.iter().zip(row.weights) {
        let y = &fixed.other[i as usize * d..(i as usize + 1) * d];
        let extra = alpha * w as f64;
        for c in 0..d {
            let scaled = extra * y[c] as f64;
            for r in 0..d {
                a[(r, c)] += scaled * y[r] as f64;
            }
            b[c] += (1.0 + extra) * y[c] as f64;
        }
    }
    for k in 0..d {
        a[(k, k)] += lambda as f64;
    }
    // Only with λ = 0 and too few observations can the system be singular: x then keeps
    // its previous value.
    if let Some(factor) = a.cholesky() {
        let solution = factor.solve(&b);
        for (xv, &s) in x.iter_mut().zip(solution.iter()) {
            *xv = s as f32;
        }
    }
}
