//! The draws the generators need beyond what the core's `RandomSource` offers (uniform
//! units and indices). Every stream is the core's SplitMix64, seeded from the storefront's
//! seed, so the same seed gives the same shop on every platform.

use shopwindow::rng::RandomSource;

/// True with probability `p`.
pub fn chance(rng: &mut impl RandomSource, p: f64) -> bool {
    rng.next_unit() < p
}

/// Standard normal (Box-Muller, one of the pair).
pub fn normal(rng: &mut impl RandomSource) -> f64 {
    // Clamped away from 0 so the logarithm stays finite.
    let u = rng.next_unit().max(f64::MIN_POSITIVE);
    let v = rng.next_unit();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopwindow::rng::SplitMix64;

    #[test]
    fn draws_have_the_expected_moments() {
        let mut rng = SplitMix64::new(3);
        let n = 20_000;
        let hits = (0..n).filter(|_| chance(&mut rng, 0.3)).count();
        assert!((hits as f64 / n as f64 - 0.3).abs() < 0.02, "{hits}");
        let xs: Vec<f64> = (0..n).map(|_| normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            mean.abs() < 0.05 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
