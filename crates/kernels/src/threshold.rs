//! The top-k scan's threshold test: where the next score that could enter the selection is.
//!
//! Once a top-k selection is full, almost every score of a scan lies below its worst kept
//! score (the floor), and testing each one against the ranked order costs far more than
//! the dot product that made it. [`next_candidate`] skips every score below the floor and
//! returns the first one that is not, so the caller offers only those. Skipping is exact:
//! a score `s` with `s < floor` can never enter a selection whose floor is `floor` (and the
//! floor only rises), and `!(s < floor)` is also true for NaN, so a NaN score or floor is
//! never skipped. Both backends return the same index.

use crate::Backend;

/// The index of the first score in `scores[from..]` that is not below `floor` (that is,
/// `!(s < floor)`), or `scores.len()` when there is none.
pub fn next_candidate(backend: Backend, scores: &[f32], from: usize, floor: f32) -> usize {
    match backend {
        Backend::Scalar => scalar(scores, from, floor),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => simd128(scores, from, floor),
    }
}

/// The reference: one comparison per score.
#[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(s < floor)` keeps NaN, `s >= floor` would not
fn scalar(scores: &[f32], from: usize, floor: f32) -> usize {
    let from = from.min(scores.len());
    scores[from..]
        .iter()
        .position(|&s| !(s < floor))
        .map_or(scores.len(), |at| from + at)
}

/// Sixteen scores per step: four f32x4 `<` compares folded with `and`, and one
/// `all_true` branch; only a step holding a candidate is searched lane by lane.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn simd128(scores: &[f32], from: usize, floor: f32) -> usize {
    use core::arch::wasm32::*;

    const STEP: usize = 16;
    let len = scores.len();
    let mut at = from.min(len);
    let limit = f32x4_splat(floor);
    while at + STEP <= len {
        // SAFETY: at + 16 <= len, so the four 16-byte loads read scores[at..at + 16];
        // `v128_load` has no alignment requirement.
        let all_below = unsafe {
            let p = scores.as_ptr().add(at) as *const v128;
            let b0 = f32x4_lt(v128_load(p), limit);
            let b1 = f32x4_lt(v128_load(p.add(1)), limit);
            let b2 = f32x4_lt(v128_load(p.add(2)), limit);
            let b3 = f32x4_lt(v128_load(p.add(3)), limit);
            i32x4_all_true(v128_and(v128_and(b0, b1), v128_and(b2, b3)))
        };
        if !all_below {
            // A candidate is in this step: the reference finds it.
            return scalar(&scores[..at + STEP], at, floor);
        }
        at += STEP;
    }
    scalar(scores, at, floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_score_not_below_the_floor() {
        let scores = [0.0, 1.0, -2.0, 3.0, f32::NAN, 5.0];
        assert_eq!(next_candidate(Backend::Scalar, &scores, 0, 0.5), 1);
        assert_eq!(next_candidate(Backend::Scalar, &scores, 2, 0.5), 3);
        assert_eq!(
            next_candidate(Backend::Scalar, &scores, 4, 10.0),
            4,
            "NaN is kept"
        );
        assert_eq!(next_candidate(Backend::Scalar, &scores, 5, 10.0), 6);
        assert_eq!(next_candidate(Backend::Scalar, &scores, 9, 0.0), 6);
        assert_eq!(
            next_candidate(Backend::Scalar, &scores, 0, f32::NEG_INFINITY),
            0
        );
    }
}
