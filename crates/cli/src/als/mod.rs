//! Implicit-feedback ALS (Hu, Koren & Volinsky 2008), multi-threaded with rayon.
//!
//! Each iteration solves every user's vector with the item vectors fixed, then every item's
//! with the user vectors fixed. A row's system only reads the other side, so rows are
//! solved in parallel and the result does not depend on the number of threads.
//!
//! The confidence of an observed cell is `c = 1 + α·w` (w: the summed interaction weight)
//! and λ is either constant or multiplied by the row's number of observed cells — exactly
//! the two [`LambdaScaling`]s the browser's fold-in implements, so a catalog trained here
//! folds in on the device with the same system training solved.

mod solve;
pub mod vector;

use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use rayon::prelude::*;
use shopwindow::catalog::{LambdaScaling, ModelParams};

use crate::data::Csr;
pub use solve::{cholesky, conjugate_gradient, Fixed, Observations, Scratch};
use vector::{axpy, Unfused};

/// How each row's system is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Solver {
    /// `steps` conjugate-gradient steps, warm-started from the previous iteration's vector.
    ConjugateGradient { steps: usize },
    /// An exact Cholesky solve (slower; a reference).
    Cholesky,
}

/// Training hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlsConfig {
    pub factors: usize,
    pub regularization: f32,
    pub lambda_scaling: LambdaScaling,
    pub alpha: f32,
    pub iterations: usize,
    pub solver: Solver,
    pub seed: u64,
}

impl Default for AlsConfig {
    fn default() -> Self {
        AlsConfig {
            factors: 64,
            regularization: 0.05,
            lambda_scaling: LambdaScaling::Constant,
            alpha: 1.0,
            iterations: 15,
            solver: Solver::ConjugateGradient { steps: 3 },
            seed: 42,
        }
    }
}

impl AlsConfig {
    pub fn validate(&self) -> Result<()> {
        ensure!(
            (1..=1024).contains(&self.factors),
            "factors must be between 1 and 1024"
        );
        ensure!(
            self.regularization.is_finite() && self.regularization >= 0.0,
            "regularization must be a non-negative number"
        );
        ensure!(
            self.alpha.is_finite() && self.alpha >= 0.0,
            "alpha must be a non-negative number"
        );
        if let Solver::ConjugateGradient { steps } = self.solver {
            ensure!(steps >= 1, "conjugate-gradient steps must be at least 1");
        }
        Ok(())
    }

    /// What the catalog must record so fold-in solves the same system.
    pub fn model_params(&self) -> ModelParams {
        ModelParams {
            alpha: self.alpha,
            lambda: self.regularization,
            lambda_scaling: self.lambda_scaling,
        }
    }

    fn lambda_for(&self, observed: usize) -> f32 {
        match self.lambda_scaling {
            LambdaScaling::Constant => self.regularization,
            LambdaScaling::Interactions => self.regularization * observed.max(1) as f32,
        }
    }
}

/// Trained factors, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct AlsModel {
    pub factors: usize,
    pub user_factors: Vec<f32>,
    pub item_factors: Vec<f32>,
}

impl AlsModel {
    pub fn item(&self, i: usize) -> &[f32] {
        &self.item_factors[i * self.factors..(i + 1) * self.factors]
    }

    pub fn user(&self, u: usize) -> &[f32] {
        &self.user_factors[u * self.factors..(u + 1) * self.factors]
    }
}

/// Trains on a user × item matrix of weights, calling `on_iteration(done, took)` after each
/// iteration. Runs on the current rayon pool (install one to choose the thread count).
pub fn train(
    user_items: &Csr,
    config: &AlsConfig,
    mut on_iteration: impl FnMut(usize, Duration),
) -> Result<AlsModel> {
    config.validate()?;
    let d = config.factors;
    let item_users = user_items.transpose();
    let mut rng = SplitMix64::new(config.seed);
    // Small positive values, as `implicit` starts: large enough to break symmetry, small
    // enough that the first half-iteration is dominated by the data.
    let mut init = |n: usize| -> Vec<f32> {
        (0..n * d)
            .map(|_| rng.next_f32() * 0.01)
            .collect::<Vec<f32>>()
    };
    let mut model = AlsModel {
        factors: d,
        user_factors: init(user_items.rows()),
        item_factors: init(user_items.cols()),
    };
    for iteration in 0..config.iterations {
        let start = Instant::now();
        solve_side(
            &mut model.user_factors,
            user_items,
            &model.item_factors,
            config,
        );
        solve_side(
            &mut model.item_factors,
            &item_users,
            &model.user_factors,
            config,
        );
        on_iteration(iteration + 1, start.elapsed());
    }
    Ok(model)
}

/// Solves every row of `target` (rows of `matrix`) against the fixed factors `other`.
fn solve_side(target: &mut [f32], matrix: &Csr, other: &[f32], config: &AlsConfig) {
    let d = config.factors;
    let gram = gram(other, d);
    let fixed = Fixed {
        other,
        gram: &gram,
        dim: d,
        alpha: config.alpha,
    };
    target.par_chunks_mut(d).enumerate().for_each_init(
        || Scratch::new(d),
        |scratch, (r, x)| {
            let (columns, weights) = matrix.row(r);
            if columns.is_empty() {
                // (YᵀY + λI) x = 0: the exact answer, whatever the solver.
                x.fill(0.0);
                return;
            }
            let row = Observations { columns, weights };
            let lambda = config.lambda_for(columns.len());
            match config.solver {
                Solver::ConjugateGradient { steps } => {
                    conjugate_gradient(&fixed, row, lambda, steps, x, scratch)
                }
                Solver::Cholesky => cholesky(&fixed, row, lambda, x),
            }
        },
    );
}

/// Rows summed per block of this many, so the Gram matrix is the same for any thread count.
const GRAM_BLOCK: usize = 512;

/// YᵀY of row-major `factors`, d × d row-major.
pub fn gram(factors: &[f32], d: usize) -> Vec<f32> {
    let partials: Vec<Vec<f32>> = factors
        .par_chunks(GRAM_BLOCK * d)
        .map(|block| {
            let mut g = vec![0.0f32; d * d];
            for y in block.chunks_exact(d) {
                for (a, &ya) in y.iter().enumerate() {
                    axpy::<Unfused>(ya, y, &mut g[a * d..(a + 1) * d]);
                }
            }
            g
        })
        .collect();
    let mut total = vec![0.0f32; d * d];
    for g in partials {
        total.iter_mut().zip(&g).for_each(|(t, v)| *t += v);
    }
    total
}

/// The core's seeded generator, re-exported where the trainer's callers have always found
/// it: the initial factors must be the same for a seed on every platform and every version
/// of this tool, which a general-purpose RNG crate does not promise.
pub use shopwindow::rng::SplitMix64;

#[cfg(test)]
mod tests {
    use super::*;

    fn random_factors(n: usize, d: usize, seed: u64) -> Vec<f32> {
        let mut rng = SplitMix64::new(seed);
        (0..n * d).map(|_| rng.next_f32() - 0.5).collect()
    }

    #[test]
    fn conjugate_gradient_converges_to_the_cholesky_solution() {
        let d = 12;
        let other = random_factors(40, d, 1);
        let g = gram(&other, d);
        let fixed = Fixed {
            other: &other,
            gram: &g,
            dim: d,
            alpha: 3.0,
        };
        let columns = [1u32, 5, 17, 33];
        let weights = [1.0f32, 2.0, 1.0, 4.0];
        let row = Observations {
            columns: &columns,
            weights: &weights,
        };
        let mut exact = vec![0.0; d];
        cholesky(&fixed, row, 0.1, &mut exact);
        let mut x = vec![0.0; d];
        conjugate_gradient(&fixed, row, 0.1, 50, &mut x, &mut Scratch::new(d));
        for (a, b) in x.iter().zip(&exact) {
            assert!((a - b).abs() < 1e-3, "{x:?} vs {exact:?}");
        }
    }

    #[test]
    fn gram_matches_a_plain_sum() {
        let d = 5;
        let f = random_factors(1100, d, 7);
        let g = gram(&f, d);
        for a in 0..d {
            for b in 0..d {
                let plain: f64 = f.chunks_exact(d).map(|y| y[a] as f64 * y[b] as f64).sum();
                assert!((g[a * d + b] as f64 - plain).abs() < 1e-3);
            }
        }
    }
}
