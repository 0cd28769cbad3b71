//! Seeded randomness: the one SplitMix64 of the workspace. The core never touches entropy:
//! callers pass a generator or a seed (the CLI seeds it from `--seed`, tests from a
//! constant), so the same seed and data give the same k-means segments, ALS factors,
//! campaign generator states and projections on every platform.

/// A source of uniformly distributed 64-bit words.
pub trait RandomSource {
    fn next_u64(&mut self) -> u64;

    /// Uniform in [0, 1), from the top 53 bits (every f64 in the range equally spaced).
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (n ≥ 1); the modulo bias is below 2^-40 for the sizes used here.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and a full-period 64-bit generator,
/// plenty for seeding and sampling. Written here and nowhere else: the same seed must give
/// the same sequence in every tool and version (which a general-purpose RNG crate does not
/// promise), so k-means, the ALS trainer's initial factors, the campaign generator's seeding
/// and the campaign projection all draw from this one definition.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next word. Inherent as well as [`RandomSource::next_u64`], so callers that only
    /// need words do not have to import the trait.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) from the top 24 bits (every f32 in the range equally spaced): the
    /// ALS trainer's initial factors.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// The first output of a generator seeded with `seed`: a stateless 64-bit hash (the
    /// campaign projection's signs).
    pub fn mix(seed: u64) -> u64 {
        SplitMix64::new(seed).next_u64()
    }
}

impl RandomSource for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        SplitMix64::next_u64(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_values_stay_in_range_and_depend_on_the_seed() {
        let mut a = SplitMix64::new(1);
        let mut b = SplitMix64::new(2);
        let xs: Vec<f64> = (0..1000).map(|_| a.next_unit()).collect();
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.05, "mean {mean}");
        assert_ne!(SplitMix64::new(1).next_u64(), b.next_u64());
        assert!((0..100).all(|_| a.below(7) < 7));
    }
}
