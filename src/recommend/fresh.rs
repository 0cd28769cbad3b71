//! Fresh: a bounded share of a list's places for the catalog's content-derived products
//! (`content.items`, its last rows: products without purchases, so without feedback yet),
//! so that they are shown and start collecting it.
//!
//! With k places and share s, ⌊s·k⌋ places go to content-derived products: the best ones
//! under the list's own scoring (its filters, exclusions, rules and adjustments), never one
//! the list already shows. They are spread through the list and never take its first
//! place, which stays the best ordinary item: a new product is a guess, and the top place
//! is where a list earns its clicks. Pins keep their positions. When fewer content-derived
//! products qualify, the remaining places stay ordinary; a catalog without them is
//! unchanged. Applied in the completion step next to the rules, so every backend returns
//! the same list.

use super::rules::place_pins;
use crate::error::RecommendError;
use crate::number::Num;

/// Largest share: at most half the places go to products without feedback, so an
/// ordinary item always leads and every other place at least is the model's choice.
pub const MAX_FRESH_SHARE: f64 = 0.5;

/// The `fresh` option: the share of places given to content-derived products.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fresh {
    /// In [0, [`MAX_FRESH_SHARE`]].
    pub share: f64,
}

impl Fresh {
    /// Errors name the field `fresh.share`.
    pub fn check(&self) -> Result<(), RecommendError> {
        if !(self.share.is_finite() && (0.0..=MAX_FRESH_SHARE).contains(&self.share)) {
            return Err(RecommendError::InvalidOption {
                name: "fresh.share",
                reason: format!(
                    "{} is not a number in [0, {}]",
                    Num(self.share),
                    Num(MAX_FRESH_SHARE)
                ),
            });
        }
        Ok(())
    }

    /// ⌊share·k⌋: the places of a list of `k` that go to content-derived products.
    pub fn places(&self, k: usize) -> usize {
        // In f64, as JavaScript computes `Math.floor(share * k)`: a JS number arrives as
        // this f64 unchanged (an f32 would make 0.35·20 land below 7).
        (self.share * k as f64).floor() as usize
    }
}

/// The places of an optional `fresh`, checked: 0 without it.
pub(super) fn fresh_places(fresh: Option<&Fresh>, k: usize) -> Result<usize, RecommendError> {
    match fresh {
        None => Ok(0),
        Some(f) => {
            f.check()?;
            Ok(f.places(k))
        }
    }
}

/// The 0-based positions of `count` fresh places among `free` positions (ascending, those
/// no pin holds): evenly spaced over all but the first, each at the middle of its stretch,
/// so they sit inside the list rather than bunched at its top or bottom.
/// Needs `count < free.len()`.
pub(super) fn spread_positions(free: &[usize], count: usize) -> Vec<usize> {
    let rest = free.len() - 1;
    (0..count)
        .map(|j| free[1 + (2 * j + 1) * rest / (2 * count)])
        .collect()
}

/// The list of `k` with up to `places` fresh items: `organic` (best first, no pinned item),
/// `pins` (`(position, item)`, positions below k) and `candidates` (the best
/// content-derived items the list allows, pinned ones excluded, best first as the list
/// ranks them; `places + k` of them always suffice, since the list shows at most k). The
/// fresh items are the best candidates the list does not show otherwise; they take the
/// places of the last ordinary items shown.
// Not inlined: three completions call it (scans, interests, cold start), and one copy in
// the wasm is enough.
#[inline(never)]
pub(super) fn place_fresh<T: Copy>(
    organic: Vec<T>,
    pins: Vec<(usize, T)>,
    candidates: Vec<T>,
    places: usize,
    k: usize,
    index: impl Fn(&T) -> u32,
) -> Vec<T> {
    let pinned: Vec<usize> = pins.iter().map(|&(p, _)| p).collect();
    let free: Vec<usize> = (0..k).filter(|p| !pinned.contains(p)).collect();
    // At least one ordinary place: the first.
    let mut count = places.min(free.len().saturating_sub(1));
    if count == 0 || candidates.is_empty() {
        return place_pins(organic, pins, k);
    }
    // Fewer fresh items show more ordinary ones, which may hold a candidate: shrink until
    // the count holds (it only ever shrinks, so this ends).
    let picks = loop {
        let shown = &organic[..organic.len().min(free.len() - count)];
        let picks: Vec<T> = candidates
            .iter()
            .filter(|c| !shown.iter().any(|o| index(o) == index(c)))
            .take(count)
            .copied()
            .collect();
        if picks.len() == count {
            break picks;
        }
        count = picks.len();
        if count == 0 {
            return place_pins(organic, pins, k);
        }
    };
    let organic: Vec<T> = organic
        .into_iter()
        .filter(|o| !picks.iter().any(|p| index(p) == index(o)))
        .collect();
    let mut placed = pins;
    placed.extend(spread_positions(&free, count).into_iter().zip(picks));
    place_pins(organic, placed, k)
}

#[cfg(test)]
#[path = "fresh_tests.rs"]
mod tests;
