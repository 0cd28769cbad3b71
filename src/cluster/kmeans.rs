//! k-means: k-means++ seeding, Lloyd iterations with empty-cluster repair, and a mini-batch
//! variant for large inputs.
//!
//! Used offline to build the catalog's customer segments and usable on the device for
//! small inputs (a shopper's own history, 2 to a few hundred points). Parameters are
//! validated once into [`KMeans`]; points are checked once into [`Points`]; randomness comes
//! from a [`RandomSource`] the caller seeds, so equal seeds give equal models everywhere.
//!
//! Arithmetic: points and the shipped centroids are f32, distances and sums are f64, so
//! the objective is computed accurately and identically on every platform.

use thiserror::Error;

use crate::rng::RandomSource;

/// Why k-means could not run.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum KMeansError {
    #[error("invalid k-means parameter `{name}`: {reason}")]
    InvalidParam { name: &'static str, reason: String },
    #[error("{len} values are not whole points of dimension {dim}")]
    Shape { len: usize, dim: usize },
    #[error("cannot make {k} clusters of {n} points: k must not exceed the number of points")]
    TooFewPoints { n: usize, k: usize },
    #[error("cannot make {k} clusters: the points take only {distinct} distinct values")]
    TooFewDistinctPoints { distinct: usize, k: usize },
    #[error("point {point} holds a non-finite value")]
    NonFinite { point: usize },
}

/// How centroids are refined after seeding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Full passes over every point (exact; the objective never increases).
    Lloyd,
    /// Sculley (2010): each step moves the centroids towards a random batch of points
    /// with per-centroid learning rates; `max_iter` counts batches.
    MiniBatch { batch_size: usize },
}

/// Unchecked k-means parameters; [`KMeansParams::check`] validates them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansParams {
    pub k: usize,
    /// Lloyd: most iterations per run. Mini-batch: number of batches per run.
    pub max_iter: usize,
    /// Lloyd stops when the centroids move less than `tol` × the data's mean per-dimension
    /// variance (squared distance summed over centroids), as scikit-learn does.
    pub tol: f64,
    /// Independent seeded runs; the lowest-inertia one wins.
    pub n_init: usize,
    pub algorithm: Algorithm,
}

impl KMeansParams {
    /// scikit-learn's defaults: 300 iterations, tol 1e-4, 10 runs, Lloyd.
    pub fn new(k: usize) -> KMeansParams {
        KMeansParams {
            k,
            max_iter: 300,
            tol: 1e-4,
            n_init: 10,
            algorithm: Algorithm::Lloyd,
        }
    }

    pub fn check(self) -> Result<KMeans, KMeansError> {
        let bad = |name, reason: &str| {
            Err(KMeansError::InvalidParam {
                name,
                reason: reason.to_string(),
            })
        };
        if self.k == 0 {
            return bad("k", "at least one cluster is needed");
        }
        if self.max_iter == 0 {
            return bad("max_iter", "must be at least 1");
        }
        if !self.tol.is_finite() || self.tol < 0.0 {
            return bad("tol", "must be a non-negative number");
        }
        if self.n_init == 0 {
            return bad("n_init", "must be at least 1");
        }
        if let Algorithm::MiniBatch { batch_size: 0 } = self.algorithm {
            return bad("batch_size", "must be at least 1");
        }
        Ok(KMeans { params: self })
    }
}

/// Validated k-means parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeans {
    params: KMeansParams,
}

/// Validated points: `len` rows of `dim` finite f32 values, row-major.
#[derive(Debug, Clone, Copy)]
pub struct Points<'a> {
    data: &'a [f32],
    dim: usize,
}

impl<'a> Points<'a> {
    pub fn new(data: &'a [f32], dim: usize) -> Result<Points<'a>, KMeansError> {
        if dim == 0 || data.len() % dim != 0 {
            return Err(KMeansError::Shape {
                len: data.len(),
                dim,
            });
        }
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            return Err(KMeansError::NonFinite { point: index / dim });
        }
        Ok(Points { data, dim })
    }

    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansModel {
    pub dim: usize,
    /// `k × dim`, row-major, f32 as shipped in catalogs.
    pub centroids: Vec<f32>,
    /// The nearest centroid of each point (ties: the lower index).
    pub assignments: Vec<u32>,
    /// Σ squared distance of each point to its nearest centroid.
    pub inertia: f64,
    /// Lloyd iterations (or mini-batch steps) of the winning run.
    pub iterations: usize,
    /// The winning run's inertia after each assignment step (Lloyd: never increases);
    /// for mini-batch only the final value.
    pub inertia_history: Vec<f64>,
}

impl KMeansModel {
    pub fn k(&self) -> usize {
        self.centroids.len() / self.dim
    }

    pub fn centroid(&self, c: usize) -> &[f32] {
        &self.centroids[c * self.dim..(c + 1) * self.dim]
    }

    /// Points per cluster.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.k()];
        for &c in &self.assignments {
            sizes[c as usize] += 1;
        }
        sizes
    }
}

/// Squared Euclidean distance, summed in f64 in index order.
pub fn squared_distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x as f64 - y as f64;
            d * d
        })
        .sum()
}

fn squared_distance_f64(a: &[f32], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x as f64 - y;
            d * d
        })
        .sum()
}

/// The nearest of the `centroids` (row-major, `dim` wide) to `x`, and its squared
/// distance; ties go to the lower index.
pub fn nearest(centroids: &[f32], dim: usize, x: &[f32]) -> (u32, f64) {
    let mut best = (0u32, f64::INFINITY);
    for (c, centroid) in centroids.chunks_exact(dim).enumerate() {
        let d = squared_distance(x, centroid);
        if d < best.1 {
            best = (c as u32, d);
        }
    }
    best
}

/// Assigns every point to its nearest centroid; returns the assignments and the inertia.
pub fn assign(points: &Points<'_>, centroids: &[f32]) -> (Vec<u32>, f64) {
    let mut inertia = 0.0;
    let labels = (0..points.len())
        .map(|i| {
            let (c, d) = nearest(centroids, points.dim(), points.row(i));
            inertia += d;
            c
        })
        .collect();
    (labels, inertia)
}

impl KMeans {
    pub fn params(&self) -> &KMeansParams {
        &self.params
    }

    /// Runs `n_init` seeded fits and keeps the one with the lowest inertia (the first on
    /// ties).
    pub fn fit(
        &self,
        points: &Points<'_>,
        rng: &mut impl RandomSource,
    ) -> Result<KMeansModel, KMeansError> {
        let k = self.params.k;
        if points.len() < k {
            return Err(KMeansError::TooFewPoints { n: points.len(), k });
        }
        let mut best: Option<KMeansModel> = None;
        for _ in 0..self.params.n_init {
            let run = match self.params.algorithm {
                Algorithm::Lloyd => {
                    let seeds = plus_plus(points, k, &all_indices(points.len()), rng)?;
                    lloyd(points, seeds, self.params.max_iter, self.tol_abs(points))
                }
                Algorithm::MiniBatch { batch_size } => {
                    mini_batch(points, k, batch_size, self.params.max_iter, rng)?
                }
            };
            let model = finish(points, run);
            if best.as_ref().is_none_or(|b| model.inertia < b.inertia) {
                best = Some(model);
            }
        }
        Ok(best.expect("n_init ≥ 1 is checked"))
    }

    /// `tol` scaled by the mean per-dimension variance of the data.
    fn tol_abs(&self, points: &Points<'_>) -> f64 {
        let (n, d) = (points.len() as f64, points.dim());
        let mut variance_sum = 0.0;
        for j in 0..d {
            let mean = (0..points.len())
                .map(|i| points.row(i)[j] as f64)
                .sum::<f64>()
                / n;
            variance_sum += (0..points.len())
                .map(|i| (points.row(i)[j] as f64 - mean).powi(2))
                .sum::<f64>()
                / n;
        }
        self.params.tol * variance_sum / d as f64
    }
}

fn all_indices(n: usize) -> Vec<usize> {
    (0..n).collect()
}

/// Centroids (f64, `k × dim`) of one run before they are rounded to f32.
struct Run {
    centroids: Vec<f64>,
    iterations: usize,
    history: Vec<f64>,
}

/// Rounds the run's centroids to f32 and assigns every point against those, so the
/// model's assignments and inertia are exactly what the shipped centroids give.
fn finish(points: &Points<'_>, run: Run) -> KMeansModel {
    let centroids: Vec<f32> = run.centroids.iter().map(|&v| v as f32).collect();
    let (assignments, inertia) = assign(points, &centroids);
    KMeansModel {
        dim: points.dim(),
        centroids,
        assignments,
        inertia,
        iterations: run.iterations,
        inertia_history: run.history,
    }
}

/// Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's 2 + ⌊ln k⌋ candidate
/// draws per centroid, keeping the one that lowers the potential most) over the points
/// `among`.
fn plus_plus(
    points: &Points<'_>,
    k: usize,
    among: &[usize],
    rng: &mut impl RandomSource,
) -> Result<Vec<f64>, KMeansError> {
    let d = points.dim();
    let first = among[rng.below(among.len())];
    let mut centroids: Vec<f64> = points.row(first).iter().map(|&v| v as f64).collect();
    let mut closest: Vec<f64> = among
        .iter()
        .map(|&i| squared_distance(points.row(i), points.row(first)))
        .collect();
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut cumulative = vec![0.0; among.len()];
    let mut candidate_closest = vec![0.0; among.len()];
    let mut best_closest = vec![0.0; among.len()];
    for chosen in 1..k {
        let mut running = 0.0;
        for (sum, &c) in cumulative.iter_mut().zip(&closest) {
            running += c;
            *sum = running;
        }
        if running <= 0.0 {
            // Every point sits on a chosen centroid: there are only `chosen` distinct ones.
            return Err(KMeansError::TooFewDistinctPoints {
                distinct: chosen,
                k,
            });
        }
        let mut best: Option<(usize, f64)> = None;
        for _ in 0..trials {
            let target = rng.next_unit() * running;
            let slot = cumulative
                .partition_point(|&s| s <= target)
                .min(among.len() - 1);
            let candidate = points.row(among[slot]);
            let mut potential = 0.0;
            for ((out, &old), &i) in candidate_closest.iter_mut().zip(&closest).zip(among) {
                *out = old.min(squared_distance(points.row(i), candidate));
                potential += *out;
            }
            if best.is_none_or(|(_, p)| potential < p) {
                best = Some((slot, potential));
                best_closest.copy_from_slice(&candidate_closest);
            }
        }
        let (slot, _) = best.expect("at least two trials");
        centroids.extend(points.row(among[slot]).iter().map(|&v| v as f64));
        std::mem::swap(&mut closest, &mut best_closest);
    }
    debug_assert_eq!(centroids.len(), k * d);
    Ok(centroids)
}

/// Lloyd iterations from `centroids` (f64, `k × dim`).
fn lloyd(points: &Points<'_>, mut centroids: Vec<f64>, max_iter: usize, tol_abs: f64) -> Run {
    let (n, d) = (points.len(), points.dim());
    let k = centroids.len() / d;
    let mut labels = vec![u32::MAX; n];
    let mut distances = vec![0.0f64; n];
    let mut history = Vec::new();
    let mut iterations = 0;
    while iterations < max_iter {
        iterations += 1;
        let mut changed = false;
        let mut inertia = 0.0;
        for i in 0..n {
            let x = points.row(i);
            let mut best = (0u32, f64::INFINITY);
            for (c, centroid) in centroids.chunks_exact(d).enumerate() {
                let dist = squared_distance_f64(x, centroid);
                if dist < best.1 {
                    best = (c as u32, dist);
                }
            }
            changed |= labels[i] != best.0;
            labels[i] = best.0;
            distances[i] = best.1;
            inertia += best.1;
        }
        history.push(inertia);
        if !changed {
            break;
        }
        let updated = update(points, &labels, &mut distances, k);
        let shift: f64 = updated
            .iter()
            .zip(&centroids)
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        centroids = updated;
        if shift <= tol_abs {
            break;
        }
    }
    Run {
        centroids,
        iterations,
        history,
    }
}

/// New centroids: the mean of each cluster. An empty cluster is re-seeded at the point
/// farthest from its own centroid, which then counts as that cluster's (so the objective
/// still cannot increase: that point's cost drops to zero, no other cost changes).
fn update(points: &Points<'_>, labels: &[u32], distances: &mut [f64], k: usize) -> Vec<f64> {
    let d = points.dim();
    let mut sums = vec![0.0f64; k * d];
    let mut counts = vec![0usize; k];
    for (i, &c) in labels.iter().enumerate() {
        let c = c as usize;
        counts[c] += 1;
        for (s, &v) in sums[c * d..(c + 1) * d].iter_mut().zip(points.row(i)) {
            *s += v as f64;
        }
    }
    for c in 0..k {
        if counts[c] > 0 {
            let count = counts[c] as f64;
            sums[c * d..(c + 1) * d]
                .iter_mut()
                .for_each(|s| *s /= count);
            continue;
        }
        let farthest = (0..labels.len())
            .filter(|&i| distances[i] > 0.0)
            .max_by(|&a, &b| distances[a].total_cmp(&distances[b]).then(b.cmp(&a)));
        if let Some(i) = farthest {
            for (s, &v) in sums[c * d..(c + 1) * d].iter_mut().zip(points.row(i)) {
                *s = v as f64;
            }
            distances[i] = 0.0;
        }
    }
    sums
}

/// Mini-batch k-means: seeded with k-means++ on a sample of 3 × batch points (as
/// scikit-learn), then `steps` batches drawn with replacement.
fn mini_batch(
    points: &Points<'_>,
    k: usize,
    batch_size: usize,
    steps: usize,
    rng: &mut impl RandomSource,
) -> Result<Run, KMeansError> {
    let (n, d) = (points.len(), points.dim());
    let sample_size = n.min((3 * batch_size).max(k));
    let mut order = all_indices(n);
    // Partial Fisher-Yates: the first `sample_size` entries become a uniform sample.
    for i in 0..sample_size {
        let j = i + rng.below(n - i);
        order.swap(i, j);
    }
    let mut centroids = match plus_plus(points, k, &order[..sample_size], rng) {
        Err(KMeansError::TooFewDistinctPoints { .. }) if sample_size < n => {
            plus_plus(points, k, &order, rng)?
        }
        other => other?,
    };
    let mut counts = vec![0u64; k];
    for _ in 0..steps {
        for _ in 0..batch_size {
            let x = points.row(rng.below(n));
            let mut best = (0usize, f64::INFINITY);
            for (c, centroid) in centroids.chunks_exact(d).enumerate() {
                let dist = squared_distance_f64(x, centroid);
                if dist < best.1 {
                    best = (c, dist);
                }
            }
            let c = best.0;
            counts[c] += 1;
            let rate = 1.0 / counts[c] as f64;
            for (m, &v) in centroids[c * d..(c + 1) * d].iter_mut().zip(x) {
                *m += rate * (v as f64 - *m);
            }
        }
    }
    let final_inertia = {
        let rounded: Vec<f32> = centroids.iter().map(|&v| v as f32).collect();
        assign(points, &rounded).1
    };
    Ok(Run {
        centroids,
        iterations: steps,
        history: vec![final_inertia],
    })
}

#[cfg(test)]
mod tests;
