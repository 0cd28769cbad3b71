//! A small seeded random number generator and the samplers the policies need.
//!
//! The core never touches real entropy (ARCHITECTURE.md, invariants): callers pass a seed,
//! the browser façade takes it from `crypto.getRandomValues`, tests fix it. xoshiro256**
//! (Blackman and Vigna) is small, fast and statistically sound for simulation; it is not a
//! cryptographic generator and is not used as one (randomized response needs unpredictable
//! coins only against the server, which never sees the seed).

use crate::rng::SplitMix64;

/// xoshiro256** seeded through SplitMix64, so any `u64` (including 0) gives a good state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn seed_from_u64(seed: u64) -> Rng {
        let mut seeder = SplitMix64::new(seed);
        Rng {
            s: [
                seeder.next_u64(),
                seeder.next_u64(),
                seeder.next_u64(),
                seeder.next_u64(),
            ],
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1): safe to take the logarithm of.
    fn open_uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (`n > 0`), by Lemire's multiply-shift (bias below 2^-32
    /// for the small n used here).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Standard normal by Marsaglia's polar method (no trigonometry: smaller code than
    /// Box–Muller; one of the pair is used).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 use the boost
    /// Gamma(a) = Gamma(a + 1) · U^(1/a). `shape` must be positive and finite.
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let boost = (self.open_uniform().ln() / shape).exp();
            return self.gamma(shape + 1.0) * boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.open_uniform();
            if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). When both gammas
    /// underflow to 0 (only for shapes far below 1) the draw goes to the larger shape's end.
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        let y = self.gamma(b);
        let total = x + y;
        if total > 0.0 {
            x / total
        } else if a >= b {
            1.0
        } else {
            0.0
        }
    }

    /// An index drawn with the given probabilities (which sum to 1 up to rounding; the last
    /// index with positive probability absorbs the rounding).
    pub fn pick(&mut self, probabilities: &[f64]) -> usize {
        let u = self.uniform();
        let mut cumulative = 0.0;
        let mut last_positive = 0;
        for (i, &p) in probabilities.iter().enumerate() {
            if p > 0.0 {
                last_positive = i;
                cumulative += p;
                if u < cumulative {
                    return i;
                }
            }
        }
        last_positive
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(draws: impl Iterator<Item = f64>) -> (f64, f64) {
        let values: Vec<f64> = draws.collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    /// Kolmogorov–Smirnov distance of a sample from a CDF.
    fn ks(mut sample: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
        sample.sort_by(f64::total_cmp);
        let n = sample.len() as f64;
        sample
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let f = cdf(x);
                (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn same_seed_same_stream_and_different_seeds_differ() {
        let a: Vec<u64> = (0..8)
            .map({
                let mut r = Rng::seed_from_u64(7);
                move |_| r.next_u64()
            })
            .collect();
        let mut r = Rng::seed_from_u64(7);
        assert!(a.iter().all(|&v| v == r.next_u64()));
        assert_ne!(Rng::seed_from_u64(8).next_u64(), a[0]);
    }

    #[test]
    fn uniform_is_in_range_and_flat() {
        let mut rng = Rng::seed_from_u64(1);
        let sample: Vec<f64> = (0..20_000).map(|_| rng.uniform()).collect();
        assert!(sample.iter().all(|&u| (0.0..1.0).contains(&u)));
        // 1.63/sqrt(n) is the 1% critical value of the KS statistic.
        assert!(ks(sample, |x| x) < 1.63 / (20_000f64).sqrt());
        assert!((0..1000).all(|_| rng.below(3) < 3));
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut rng = Rng::seed_from_u64(2);
        let (mean, var) = moments((0..50_000).map(|_| rng.normal()));
        assert!(mean.abs() < 0.02, "{mean}");
        assert!((var - 1.0).abs() < 0.03, "{var}");
    }

    #[test]
    fn gamma_matches_its_mean_and_variance_above_and_below_shape_one() {
        let mut rng = Rng::seed_from_u64(3);
        for shape in [0.3, 1.0, 2.5, 40.0, 1000.0] {
            let (mean, var) = moments((0..40_000).map(|_| rng.gamma(shape)));
            // Gamma(k, 1): mean k, variance k. Tolerances are ~4 standard errors.
            let se = (shape / 40_000.0).sqrt();
            assert!(
                (mean - shape).abs() < 4.0 * se,
                "shape {shape}: mean {mean}"
            );
            assert!((var / shape - 1.0).abs() < 0.06, "shape {shape}: var {var}");
        }
    }

    #[test]
    fn beta_follows_closed_form_cdfs() {
        let mut rng = Rng::seed_from_u64(4);
        let n = 20_000;
        let critical = 1.63 / (n as f64).sqrt();
        // Beta(a, 1) has CDF x^a; Beta(1, b) has CDF 1 - (1 - x)^b.
        let sample: Vec<f64> = (0..n).map(|_| rng.beta(2.5, 1.0)).collect();
        assert!(ks(sample, |x| x.powf(2.5)) < critical);
        let sample: Vec<f64> = (0..n).map(|_| rng.beta(1.0, 3.0)).collect();
        assert!(ks(sample, |x| 1.0 - (1.0 - x).powi(3)) < critical);
        let sample: Vec<f64> = (0..n).map(|_| rng.beta(0.5, 1.0)).collect();
        assert!(ks(sample, |x| x.sqrt()) < critical);
    }

    #[test]
    fn beta_with_production_sized_parameters_has_the_right_mean() {
        // The Open Bandit priors reach Beta(1013, 222255): the sampler must stay accurate.
        let mut rng = Rng::seed_from_u64(5);
        let (a, b) = (1013.0, 222_255.0);
        let (mean, var) = moments((0..20_000).map(|_| rng.beta(a, b)));
        let true_mean = a / (a + b);
        let true_var = a * b / ((a + b).powi(2) * (a + b + 1.0));
        assert!(
            (mean / true_mean - 1.0).abs() < 0.003,
            "{mean} vs {true_mean}"
        );
        assert!((var / true_var - 1.0).abs() < 0.06, "{var} vs {true_var}");
    }

    #[test]
    fn pick_follows_the_probabilities_and_never_picks_zero() {
        let mut rng = Rng::seed_from_u64(6);
        let p = [0.2, 0.0, 0.5, 0.3];
        let mut counts = [0usize; 4];
        for _ in 0..40_000 {
            counts[rng.pick(&p)] += 1;
        }
        assert_eq!(counts[1], 0);
        for (c, p) in counts.iter().zip(p) {
            assert!((*c as f64 / 40_000.0 - p).abs() < 0.01);
        }
    }
}
