//! A stable sort for the engine's short lists, small in the wasm.
//!
//! Why not `slice::sort_by`: the standard library's sorts are generic over the element
//! and the comparison, so each call site with its own closure instantiates its own copy:
//! 3 to 4 KB of wasm per stable call site (driftsort's runs, merges and small-sort
//! networks), five of them in the engine module before this existed, by twiggy. The lists
//! sorted here are short by construction (a catalog's tensors, at most
//! [`crate::catalog`]'s tensor limit; a history's interests, at most 4), where an insertion
//! sort is as fast and costs a few hundred bytes per call site. Long lists of ids (a
//! catalog's id order, a history's items) go through [`sort_ids_by`], one instantiation of
//! the standard library's unstable sort for all of them.

use std::cmp::Ordering;

/// Sorts `items` by `compare` (not stably: give `compare` a tie-break where order among
/// equals matters), in O(n log n). The comparison is a trait object so that every caller
/// shares one instantiation of the standard library's unstable sort (a catalog's id order,
/// a history's items, the rules' and filters' id lists), where each `sort_unstable_by`
/// with its own closure would be its own 2–3 KB copy in the wasm.
pub fn sort_ids_by(items: &mut [u32], compare: &mut dyn FnMut(u32, u32) -> Ordering) {
    items.sort_unstable_by(|&a, &b| compare(a, b));
}

/// Sorts item ids ascending (`sort_ids_by` with their own order).
pub fn sort_ids(items: &mut [u32]) {
    sort_ids_by(items, &mut |a, b| a.cmp(&b));
}

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
        /// Ids in the order of any total comparison, as the standard library sorts them.
        #[test]
        fn ids_sort_as_the_standard_sort(ids in prop::collection::vec(0u32..50, 0..200)) {
            let key = |i: u32| i % 7;
            let mut ours = ids.clone();
            sort_ids_by(&mut ours, &mut |a, b| key(a).cmp(&key(b)).then(a.cmp(&b)));
            let mut reference = ids.clone();
            reference.sort_by_key(|&i| (key(i), i));
            prop_assert_eq!(ours, reference);
            let mut ascending = ids.clone();
            sort_ids(&mut ascending);
            let mut reference = ids;
            reference.sort();
            prop_assert_eq!(ascending, reference);
        }

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
