//! Names for segments, from what their customers buy more than everyone else.
//!
//! An item (or category) characterizes a segment by `c · ln(share in segment / share
//! overall)`, where `c` counts the segment's customers who bought it: frequent within the
//! segment and over-represented there. Items bought by fewer than 3 of the segment's
//! customers are never characteristic (a label must not describe one person's basket).
//! The label joins the two most characteristic category names, or item titles when the
//! catalog has no categories.

use std::collections::HashSet;

use shopwindow::Catalog;

use super::CustomerHistory;

/// Fewest customers of a segment who must have bought something for it to count.
const MIN_BUYERS: usize = 3;

/// Labels and top lists, one per segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub labels: Vec<String>,
    pub top_categories: Vec<Vec<String>>,
    pub top_items: Vec<Vec<String>>,
}

/// Distinct customers per key and segment: `counts[segment][key]`.
fn buyers(
    customers: &[CustomerHistory],
    assignments: &[u32],
    segments: usize,
    keys: usize,
    key_of: impl Fn(u32) -> Option<usize>,
) -> Vec<Vec<usize>> {
    let mut counts = vec![vec![0usize; keys]; segments];
    for (customer, &s) in customers.iter().zip(assignments) {
        let distinct: HashSet<usize> = customer
            .events
            .iter()
            .filter_map(|e| key_of(e.item))
            .collect();
        for key in distinct {
            counts[s as usize][key] += 1;
        }
    }
    counts
}

/// The `top` most characteristic keys of each segment (always `top` of them, so the
/// shipped tensor is rectangular: qualifying keys first, then the segment's most bought).
fn characteristic(counts: &[Vec<usize>], sizes: &[usize], top: usize) -> Vec<Vec<usize>> {
    let keys = counts.first().map_or(0, Vec::len);
    let total_customers: usize = sizes.iter().sum();
    let overall: Vec<usize> = (0..keys)
        .map(|k| counts.iter().map(|c| c[k]).sum())
        .collect();
    counts
        .iter()
        .zip(sizes)
        .map(|(segment, &size)| {
            let score = |k: usize| {
                let c = segment[k] as f64;
                let share = c / size.max(1) as f64;
                let base = overall[k] as f64 / total_customers.max(1) as f64;
                c * (share / base).ln()
            };
            let mut qualifying: Vec<usize> = (0..keys)
                .filter(|&k| segment[k] >= MIN_BUYERS && score(k) > 0.0)
                .collect();
            qualifying.sort_by(|&a, &b| score(b).total_cmp(&score(a)).then(a.cmp(&b)));
            let mut by_count: Vec<usize> = (0..keys).collect();
            by_count.sort_by(|&a, &b| segment[b].cmp(&segment[a]).then(a.cmp(&b)));
            let mut chosen: Vec<usize> = Vec::with_capacity(top);
            for k in qualifying.into_iter().chain(by_count) {
                if chosen.len() == top.min(keys) {
                    break;
                }
                if !chosen.contains(&k) {
                    chosen.push(k);
                }
            }
            chosen
        })
        .collect()
}

/// Labels, top categories (when the catalog has category names) and top items.
pub fn describe(
    catalog: &Catalog,
    customers: &[CustomerHistory],
    assignments: &[u32],
    segments: usize,
    top: usize,
) -> Described {
    let sizes = super::sizes(assignments, segments);
    let item_counts = buyers(customers, assignments, segments, catalog.len(), |i| {
        Some(i as usize)
    });
    let top_item_indices = characteristic(&item_counts, &sizes, top);
    let top_items: Vec<Vec<String>> = top_item_indices
        .iter()
        .map(|items| items.iter().map(|&i| catalog.id(i).to_string()).collect())
        .collect();
    let category_count = catalog.category_count();
    let top_category_indices = (category_count > 0).then(|| {
        let counts = buyers(customers, assignments, segments, category_count, |i| {
            catalog.category(i as usize).map(|c| c as usize)
        });
        characteristic(&counts, &sizes, top)
    });
    let top_categories: Vec<Vec<String>> = top_category_indices
        .iter()
        .flatten()
        .map(|cats| {
            cats.iter()
                .map(|&c| {
                    catalog
                        .category_name(c as u32)
                        .unwrap_or_default()
                        .to_string()
                })
                .collect()
        })
        .collect();
    let mut labels: Vec<String> = (0..segments)
        .map(|s| match &top_category_indices {
            Some(_) => top_categories[s]
                .iter()
                .take(2)
                .cloned()
                .collect::<Vec<_>>()
                .join(" · "),
            None => top_item_indices[s]
                .iter()
                .take(2)
                .map(|&i| title_case(catalog.title(i).unwrap_or(catalog.id(i))))
                .collect::<Vec<_>>()
                .join(" · "),
        })
        .collect();
    deduplicate(&mut labels);
    Described {
        labels,
        top_categories,
        top_items,
    }
}

/// "WHITE HANGING HEART T-LIGHT HOLDER" → "White Hanging Heart T-Light Holder" (Online
/// Retail's titles are upper case); other titles are kept as they are.
fn title_case(title: &str) -> String {
    if title.chars().any(|c| c.is_lowercase()) {
        return title.to_string();
    }
    let mut out = String::with_capacity(title.len());
    let mut start = true;
    for c in title.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphanumeric() && c != '\'';
    }
    out
}

/// Equal labels get " (2)", " (3)", … so every segment is told apart.
fn deduplicate(labels: &mut [String]) {
    let original = labels.to_vec();
    for i in 1..labels.len() {
        let earlier = original[..i].iter().filter(|l| **l == original[i]).count();
        if earlier > 0 {
            labels[i] = format!("{} ({})", original[i], earlier + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characteristic_keys_are_over_represented_and_bought_by_several() {
        // Two segments of 10; key 0 everyone buys, key 1 only segment 0, key 2 one person
        // of segment 1.
        let counts = vec![vec![10, 8, 0], vec![10, 0, 1]];
        let top = characteristic(&counts, &[10, 10], 2);
        assert_eq!(top[0], vec![1, 0]);
        // Nothing qualifies for segment 1: the most bought fill the list.
        assert_eq!(top[1], vec![0, 2]);
    }

    #[test]
    fn labels_are_made_readable_and_unique() {
        assert_eq!(
            title_case("WHITE HANGING HEART T-LIGHT HOLDER"),
            "White Hanging Heart T-Light Holder"
        );
        assert_eq!(title_case("Teapot"), "Teapot");
        let mut labels = vec!["A".to_string(), "B".into(), "A".into(), "A".into()];
        deduplicate(&mut labels);
        assert_eq!(labels, ["A", "B", "A (2)", "A (3)"]);
    }
}
