//! The fold-in's normal equations `A x = b` for one shopper, accumulated and solved:
//!
//! ```text
//! A = G + Σ_i extra_i · y_i y_iᵀ + λ I,   b = Σ_i confidence_i · y_i
//! ```
//!
//! where `G` (YᵀY) ships in the catalog. `A` is symmetric positive definite; only its lower
//! triangle is stored and read, column-major, and it is solved by Cholesky (`A = L Lᵀ`, then
//! `L z = b` and `Lᵀ x = z`).
//!
//! The arithmetic is fixed by [`scalar`], which performs exactly the operations, in exactly
//! the order, of the dense nalgebra code this replaced (nalgebra 0.35's
//! `Cholesky::new` + `solve`: a left-looking factorization whose column updates are
//! `y = (−l)·x + y`, a forward substitution of the same form, and a backward substitution
//! whose dot products use nalgebra's eight partial sums). The SIMD128 copy keeps every
//! entry's sequence of operations and only changes how many entries one instruction
//! touches (and how often an entry goes through memory), so both are bit-identical to the
//! nalgebra results; the property tests compare them on random systems.

pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;

use crate::Backend;

/// Items added to `A` together: each entry of the lower triangle is loaded and stored once
/// per block instead of once per item. Per entry the items still come in their order.
const ITEM_BLOCK: usize = 4;

/// The system for one shopper, filled item by item and then solved.
#[derive(Debug, Clone)]
pub struct NormalEquations {
    backend: Backend,
    dim: usize,
    /// `A`, column-major `dim × dim`: entry (row r, column c) at `c * dim + r`; only the
    /// lower triangle (r ≥ c) is kept up to date.
    a: Vec<f64>,
    b: Vec<f64>,
    /// Items added but not yet in `a` and `b`: their vectors in f64, one row each.
    pending: Vec<f64>,
    pending_extra: Vec<f64>,
    pending_confidence: Vec<f64>,
}

impl NormalEquations {
    /// `A = G`, `b = 0`, with `gram` the catalog's YᵀY as `dim × dim` values row by row
    /// (only its lower triangle is read).
    pub fn new(backend: Backend, gram: &[f64], dim: usize) -> NormalEquations {
        assert_eq!(gram.len(), dim * dim, "the Gram matrix is dim × dim");
        let mut a = vec![0.0; dim * dim];
        for col in 0..dim {
            for row in col..dim {
                a[col * dim + row] = gram[row * dim + col];
            }
        }
        NormalEquations {
            backend,
            dim,
            a,
            b: vec![0.0; dim],
            pending: Vec::with_capacity(ITEM_BLOCK * dim),
            pending_extra: Vec::with_capacity(ITEM_BLOCK),
            pending_confidence: Vec::with_capacity(ITEM_BLOCK),
        }
    }

    /// `A += extra · y yᵀ`, `b += confidence · y` (the caller passes both weights, so that
    /// they are computed exactly as it defines them).
    pub fn add_item(&mut self, y: &[f32], extra: f64, confidence: f64) {
        assert_eq!(y.len(), self.dim, "an item vector has dim values");
        self.pending.extend(y.iter().map(|&v| v as f64));
        self.pending_extra.push(extra);
        self.pending_confidence.push(confidence);
        if self.pending_extra.len() == ITEM_BLOCK {
            self.flush();
        }
    }

    /// `A += λ I`, after every item added so far.
    pub fn add_to_diagonal(&mut self, lambda: f64) {
        self.flush();
        let d = self.dim;
        for i in 0..d {
            self.a[i * d + i] += lambda;
        }
    }

    /// The solution `x`, or `None` when `A` is not positive definite (a pivot that is zero,
    /// negative or NaN, as nalgebra's `Cholesky::new` reports it).
    pub fn solve(mut self) -> Option<Vec<f64>> {
        self.flush();
        let d = self.dim;
        let (a, b) = (&mut self.a, &mut self.b);
        let factored = match self.backend {
            Backend::Scalar => scalar::cholesky(a, d),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Backend::Simd128 => simd128::cholesky(a, d),
        };
        if !factored {
            return None;
        }
        match self.backend {
            Backend::Scalar => scalar::substitute(a, d, b),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Backend::Simd128 => simd128::substitute(a, d, b),
        }
        Some(self.b)
    }

    fn flush(&mut self) {
        let items = Items {
            vectors: &self.pending,
            extra: &self.pending_extra,
            confidence: &self.pending_confidence,
        };
        match self.backend {
            Backend::Scalar => scalar::accumulate(&mut self.a, &mut self.b, self.dim, &items),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Backend::Simd128 => simd128::accumulate(&mut self.a, &mut self.b, self.dim, &items),
        }
        self.pending.clear();
        self.pending_extra.clear();
        self.pending_confidence.clear();
    }
}

/// Items to add to the system, in order: `vectors` holds one row of `dim` values per item.
pub struct Items<'a> {
    pub vectors: &'a [f64],
    pub extra: &'a [f64],
    pub confidence: &'a [f64],
}

/// nalgebra's pivot test: `Cholesky::new` fails on a zero pivot and on one whose square
/// root it cannot take (`try_sqrt`: negative or NaN), which leaves exactly the positive ones.
#[inline]
fn pivot(diag: f64) -> Option<f64> {
    (diag > 0.0).then(|| diag.sqrt())
}
