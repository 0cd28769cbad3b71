//! A stable sort for the engine's short lists, small in the wasm.
//!
//! Why not `slice::sort_by`: the standard library's sorts are generic over the element
//! and the comparison, so each call site with its own closure instantiates its own copy:
//! 3 to 4 KB of wasm per stable call site (driftsort's runs, merges and small-sort
//! networks), five of them in the engine module before this existed, by twiggy. The lists
//! sorted here are short by construction (a catalog's tensors, at most
//! [`crate::catalog`]'s tensor limit; a history's interests, at most 4), where an insertion
//! sort is as fast and costs a few hundred bytes per call site. Long lists (a catalog's
//! ids, a history's items) keep `sort_unstable*`, which they need for n log n.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, stably (equal items keep their order), in O(n²) time: for
/// lists of at most a few thousand items.
pub fn sort_short_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && compare(&items[j - 1], &items[j]) == Ordering::Greater {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort, ties included.
        #[test]
        fn sorts_as_the_standard_stable_sort(items in prop::collection::vec((0u8..8, any::<u16>()), 0..64)) {
            let mut ours = items.clone();
            sort_short_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut reference = items;
            reference.sort_by_key(|item| item.0);
            prop_assert_eq!(ours, reference);
        }
    }
}
