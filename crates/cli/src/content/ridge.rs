//! Ridge regression from sparse content features to item factors:
//! `min_W Σ_i ‖x_i W − (y_i − m)‖² + λ‖W‖²`, `m` the mean factor row (the intercept, not
//! penalized), solved column by column with conjugate gradient on the normal equations
//! `(XᵀX + λI) w = Xᵀ(y − m)`.
//!
//! Only the feature columns some training row uses can have a weight ≠ 0 (elsewhere the
//! right-hand side is 0 and λ > 0), so the solve works on those columns alone. The cost of
//! one CG step of one factor is two passes over the nonzeros; factors run in parallel.

use rayon::prelude::*;

use super::features::FeatureMatrix;
use crate::als::SplitMix64;

/// The λ values tried on the validation fold, largest first (each fit warm-starts the next).
pub const LAMBDA_GRID: [f32; 5] = [10.0, 3.0, 1.0, 0.3, 0.1];

/// Factors the λ grid is validated on (all of them when fewer).
pub const VALIDATION_FACTORS: usize = 16;

/// Share of the warm items held out to choose λ.
pub const VALIDATION_SHARE: f64 = 0.1;

/// CG stops when the residual is below this share of the right-hand side, or after
/// [`MAX_STEPS`] steps.
const TOLERANCE: f32 = 1e-2;
const MAX_STEPS: usize = 40;

/// A fitted map: factor rows from feature rows.
#[derive(Debug, Clone)]
pub struct RidgeMap {
    pub dim: usize,
    pub lambda: f32,
    /// The mean of the training rows' factors.
    pub intercept: Vec<f32>,
    /// Used feature columns, ascending, and their weights (`columns.len()` × `dim`,
    /// row-major).
    columns: Vec<u32>,
    weights: Vec<f32>,
}

impl RidgeMap {
    /// `x_i W`: the predicted offset from the intercept for feature row `i` of `x`.
    pub fn offset(&self, x: &FeatureMatrix, i: usize) -> Vec<f32> {
        let mut out = vec![0.0; self.dim];
        let (cols, vals) = x.row(i);
        for (&c, &v) in cols.iter().zip(vals) {
            if let Ok(k) = self.columns.binary_search(&c) {
                let w = &self.weights[k * self.dim..(k + 1) * self.dim];
                out.iter_mut().zip(w).for_each(|(o, w)| *o += v * w);
            }
        }
        out
    }

    /// The intercept plus the offset.
    pub fn predict(&self, x: &FeatureMatrix, i: usize) -> Vec<f32> {
        let mut out = self.offset(x, i);
        out.iter_mut()
            .zip(&self.intercept)
            .for_each(|(o, m)| *o += m);
        out
    }
}

/// The training rows as a compact CSR over the used columns.
struct Design {
    offsets: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f32>,
    used: Vec<u32>,
}

impl Design {
    fn new(x: &FeatureMatrix, rows: &[usize]) -> Design {
        let mut used: Vec<u32> = rows.iter().flat_map(|&r| x.row(r).0.to_vec()).collect();
        used.sort_unstable();
        used.dedup();
        let mut design = Design {
            offsets: vec![0],
            columns: Vec::new(),
            values: Vec::new(),
            used,
        };
        for &r in rows {
            let (cols, vals) = x.row(r);
            for (&c, &v) in cols.iter().zip(vals) {
                let k = design.used.binary_search(&c).expect("collected above");
                design.columns.push(k as u32);
                design.values.push(v);
            }
            design.offsets.push(design.columns.len());
        }
        design
    }

    fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    /// `out = XᵀX p + λ p`.
    fn normal_apply(&self, p: &[f32], lambda: f32, xp: &mut [f32], out: &mut [f32]) {
        for (r, o) in xp.iter_mut().enumerate() {
            let (a, b) = (self.offsets[r], self.offsets[r + 1]);
            *o = self.columns[a..b]
                .iter()
                .zip(&self.values[a..b])
                .map(|(&c, &v)| v * p[c as usize])
                .sum();
        }
        out.iter_mut().zip(p).for_each(|(o, p)| *o = lambda * p);
        self.transpose_add(xp, out);
    }

    /// `out += Xᵀ z`.
    fn transpose_add(&self, z: &[f32], out: &mut [f32]) {
        for (r, &zr) in z.iter().enumerate() {
            let (a, b) = (self.offsets[r], self.offsets[r + 1]);
            for (&c, &v) in self.columns[a..b].iter().zip(&self.values[a..b]) {
                out[c as usize] += v * zr;
            }
        }
    }

    /// One factor's weights by CG from `start`.
    fn solve(&self, target: &[f32], lambda: f32, start: &[f32]) -> Vec<f32> {
        let n = self.used.len();
        let mut rhs = vec![0.0; n];
        self.transpose_add(target, &mut rhs);
        let rhs_norm = dot(&rhs, &rhs).sqrt();
        let mut w = start.to_vec();
        if rhs_norm == 0.0 {
            return vec![0.0; n];
        }
        let mut xp = vec![0.0; self.rows()];
        let mut ap = vec![0.0; n];
        self.normal_apply(&w, lambda, &mut xp, &mut ap);
        let mut r: Vec<f32> = rhs.iter().zip(&ap).map(|(b, a)| b - a).collect();
        let mut p = r.clone();
        let mut rr = dot(&r, &r);
        for _ in 0..MAX_STEPS {
            if rr.sqrt() <= TOLERANCE * rhs_norm {
                break;
            }
            self.normal_apply(&p, lambda, &mut xp, &mut ap);
            let alpha = rr / dot(&p, &ap);
            w.iter_mut().zip(&p).for_each(|(w, p)| *w += alpha * p);
            r.iter_mut().zip(&ap).for_each(|(r, a)| *r -= alpha * a);
            let next = dot(&r, &r);
            let beta = next / rr;
            rr = next;
            p.iter_mut().zip(&r).for_each(|(p, r)| *p = r + beta * *p);
        }
        w
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Fits the map on feature rows `rows` of `x` with factor rows `y` (`rows.len()` × `dim`).
pub fn fit(x: &FeatureMatrix, rows: &[usize], y: &[f32], dim: usize, lambda: f32) -> RidgeMap {
    fit_from(x, rows, y, dim, lambda, None)
}

fn fit_from(
    x: &FeatureMatrix,
    rows: &[usize],
    y: &[f32],
    dim: usize,
    lambda: f32,
    start: Option<&RidgeMap>,
) -> RidgeMap {
    assert_eq!(y.len(), rows.len() * dim, "one factor row per training row");
    assert!(lambda > 0.0, "λ must be positive");
    let design = Design::new(x, rows);
    let mut intercept = vec![0.0f64; dim];
    for row in y.chunks_exact(dim) {
        intercept
            .iter_mut()
            .zip(row)
            .for_each(|(m, &v)| *m += f64::from(v));
    }
    let intercept: Vec<f32> = intercept
        .iter()
        .map(|m| (m / rows.len().max(1) as f64) as f32)
        .collect();
    let n = design.used.len();
    let columns: Vec<Vec<f32>> = (0..dim)
        .into_par_iter()
        .map(|f| {
            let target: Vec<f32> = y
                .chunks_exact(dim)
                .map(|row| row[f] - intercept[f])
                .collect();
            // A warm start from an earlier fit: its weights on the columns both use.
            let initial: Vec<f32> = match start {
                Some(s) => design
                    .used
                    .iter()
                    .map(|c| {
                        s.columns
                            .binary_search(c)
                            .map_or(0.0, |k| s.weights[k * dim + f])
                    })
                    .collect(),
                None => vec![0.0; n],
            };
            design.solve(&target, lambda, &initial)
        })
        .collect();
    let mut weights = vec![0.0; n * dim];
    for (f, column) in columns.iter().enumerate() {
        for (k, &w) in column.iter().enumerate() {
            weights[k * dim + f] = w;
        }
    }
    RidgeMap {
        dim,
        lambda,
        intercept,
        columns: design.used,
        weights,
    }
}

/// λ chosen on the store's own data and the map refit with it on all rows.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub map: RidgeMap,
    /// (λ, mean squared error per held-out row over the first [`VALIDATION_FACTORS`]
    /// factors) for every λ tried.
    pub validation: Vec<(f32, f64)>,
}

/// Holds out a seeded [`VALIDATION_SHARE`] of `rows`, fits every λ of [`LAMBDA_GRID`] on
/// the rest (their first [`VALIDATION_FACTORS`] factors), keeps the λ with the least squared error on the held-out rows and refits on
/// all rows. With fewer than 10 rows there is nothing to hold out: λ = 1.
pub fn choose_and_fit(
    x: &FeatureMatrix,
    rows: &[usize],
    y: &[f32],
    dim: usize,
    seed: u64,
) -> Chosen {
    if rows.len() < 10 {
        return Chosen {
            map: fit(x, rows, y, dim, 1.0),
            validation: Vec::new(),
        };
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut rng = SplitMix64::new(seed ^ 0xC0_7E_47);
    for i in (1..order.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let held = ((rows.len() as f64 * VALIDATION_SHARE).ceil() as usize).max(1);
    let (valid, train) = order.split_at(held);
    // λ is chosen on the first `sub` factors only: iALS factors are no more than a
    // rotation apart from each other (none is special), so a sample of them validates λ for
    // all, at a quarter of the work for d = 64.
    let sub = dim.min(VALIDATION_FACTORS);
    let pick = |which: &[usize]| -> (Vec<usize>, Vec<f32>) {
        let r = which.iter().map(|&k| rows[k]).collect();
        let v = which
            .iter()
            .flat_map(|&k| y[k * dim..k * dim + sub].iter().copied())
            .collect();
        (r, v)
    };
    let (train_rows, train_y) = pick(train);
    let (valid_rows, valid_y) = pick(valid);
    let mut validation = Vec::new();
    let mut best: Option<(f64, f32)> = None;
    let mut previous: Option<RidgeMap> = None;
    for &lambda in &LAMBDA_GRID {
        let map = fit_from(x, &train_rows, &train_y, sub, lambda, previous.as_ref());
        let error = valid_rows
            .iter()
            .zip(valid_y.chunks_exact(sub))
            .map(|(&r, truth)| {
                map.predict(x, r)
                    .iter()
                    .zip(truth)
                    .map(|(p, t)| f64::from(p - t).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / valid_rows.len() as f64;
        validation.push((lambda, error));
        if best.as_ref().is_none_or(|(e, _)| error < *e) {
            best = Some((error, map.lambda));
        }
        previous = Some(map);
    }
    let (_, lambda) = best.expect("the grid is not empty");
    let map = fit_from(x, rows, y, dim, lambda, None);
    Chosen { map, validation }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows with 4 of 40 columns at random, unit length; y = x W + m exactly.
    fn synthetic(n: usize, seed: u64) -> (FeatureMatrix, Vec<f32>, Vec<f32>) {
        let mut rng = SplitMix64::new(seed);
        let dim = 3;
        let true_w: Vec<f32> = (0..40 * dim).map(|_| rng.next_f32() * 2.0 - 1.0).collect();
        let mean = [0.5, -1.0, 2.0];
        let mut x = FeatureMatrix {
            offsets: vec![0],
            columns: Vec::new(),
            values: Vec::new(),
        };
        let mut y = Vec::new();
        for _ in 0..n {
            let mut cols: Vec<u32> = (0..4).map(|_| (rng.next_u64() % 40) as u32 * 997).collect();
            cols.sort_unstable();
            cols.dedup();
            let v = 1.0 / (cols.len() as f32).sqrt();
            let mut target = mean.to_vec();
            for &c in &cols {
                x.columns.push(c);
                x.values.push(v);
                let k = (c / 997) as usize;
                target
                    .iter_mut()
                    .enumerate()
                    .for_each(|(f, t)| *t += v * true_w[k * dim + f]);
            }
            x.offsets.push(x.columns.len());
            y.extend(target);
        }
        (x, y, true_w)
    }

    #[test]
    fn the_map_reproduces_a_linear_relation() {
        let (x, y, _) = synthetic(600, 7);
        let train: Vec<usize> = (0..500).collect();
        // The centered targets are not exactly linear in x (the intercept is the sample
        // mean, not the true one), so a tiny λ recovers the relation closely, not exactly.
        let map = fit(&x, &train, &y[..500 * 3], 3, 1e-3);
        for r in 500..600 {
            let predicted = map.predict(&x, r);
            for (p, t) in predicted.iter().zip(&y[r * 3..r * 3 + 3]) {
                assert!(
                    (p - t).abs() < 0.05,
                    "row {r}: {predicted:?} vs {:?}",
                    &y[r * 3..r * 3 + 3]
                );
            }
        }
        // A huge λ shrinks everything to the intercept.
        let flat = fit(&x, &train, &y[..500 * 3], 3, 1e6);
        let p = flat.predict(&x, 550);
        for (a, b) in p.iter().zip(&flat.intercept) {
            assert!((a - b).abs() < 1e-3);
        }
    }

    #[test]
    fn lambda_is_chosen_on_held_out_rows() {
        let (x, y, _) = synthetic(400, 11);
        let rows: Vec<usize> = (0..400).collect();
        let chosen = choose_and_fit(&x, &rows, &y, 3, 1);
        assert_eq!(chosen.validation.len(), LAMBDA_GRID.len());
        // Noise-free data: the smallest λ fits the held-out rows best.
        assert_eq!(chosen.map.lambda, *LAMBDA_GRID.last().unwrap());
        let errors: Vec<f64> = chosen.validation.iter().map(|&(_, e)| e).collect();
        assert!(errors.windows(2).all(|w| w[1] <= w[0] + 1e-9), "{errors:?}");
        // Same seed, same choice.
        let again = choose_and_fit(&x, &rows, &y, 3, 1);
        assert_eq!(again.validation, chosen.validation);
    }
}
