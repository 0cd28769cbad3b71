//! Names for segments, from what their customers buy more than everyone else.
//!
//! An item (or category) characterizes a segment by `c · ln(share in segment / share
//! overall)`, where `c` counts the segment's customers who bought it: frequent within the
//! segment and over-represented there. Items bought by fewer than 3 of the segment's
//! customers, or by fewer than 10% of them, are never characteristic (a label must not
//! describe one person's basket, nor a niche that a few percent of a large segment share:
//! lift alone would name a segment after it). Lines that are not products (price 0, or a
//! title, category or id with a word such as "coupon", "postage" or "fee") never name a
//! segment either; the caller is told how many were left out.
//! The label joins the two most characteristic category names, or item titles when the
//! catalog has no categories.

use std::collections::HashSet;

use shopwindow::Catalog;

use super::CustomerHistory;

/// Fewest customers of a segment who must have bought something for it to count.
const MIN_BUYERS: usize = 3;

/// Least share of a segment's customers who must have bought something for it to count.
const MIN_SUPPORT: f64 = 0.10;

/// Words (whole, any case) that mark a catalog line as something other than a product:
/// vouchers, fees and carriage sit in store exports beside the goods.
const NOT_A_PRODUCT: &[&str] = &[
    "coupon",
    "coupons",
    "voucher",
    "vouchers",
    "discount",
    "postage",
    "shipping",
    "carriage",
    "fee",
    "fees",
    "deposit",
    "adjustment",
];

/// Whether a catalog line is something other than a product: free (price 0) or named with
/// one of [`NOT_A_PRODUCT`]'s words in its title, category or id.
pub fn is_non_product(
    id: &str,
    title: Option<&str>,
    category: Option<&str>,
    price: Option<f32>,
) -> bool {
    if price == Some(0.0) {
        return true;
    }
    [Some(id), title, category]
        .into_iter()
        .flatten()
        .any(|text| {
            text.split(|c: char| !c.is_alphanumeric())
                .any(|word| NOT_A_PRODUCT.contains(&word.to_lowercase().as_str()))
        })
}

/// Per catalog item: whether it is a non-product line ([`is_non_product`]).
fn non_products(catalog: &Catalog) -> Vec<bool> {
    (0..catalog.len())
        .map(|i| {
            let category = catalog.category(i).and_then(|c| catalog.category_name(c));
            let price = catalog.prices().map(|p| p[i]);
            is_non_product(catalog.id(i), catalog.title(i), category, price)
        })
        .collect()
}

/// Labels and top lists, one per segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub labels: Vec<String>,
    pub top_categories: Vec<Vec<String>>,
    pub top_items: Vec<Vec<String>>,
    /// Catalog items left out of labels and top lists as non-product lines.
    pub non_products: usize,
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
                .filter(|&k| {
                    segment[k] >= MIN_BUYERS
                        && segment[k] as f64 >= MIN_SUPPORT * size as f64
                        && score(k) > 0.0
                })
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
    let excluded = non_products(catalog);
    let item_counts = buyers(customers, assignments, segments, catalog.len(), |i| {
        (!excluded[i as usize]).then_some(i as usize)
    });
    let top_item_indices = characteristic(&item_counts, &sizes, top);
    let top_items: Vec<Vec<String>> = top_item_indices
        .iter()
        .map(|items| items.iter().map(|&i| catalog.id(i).to_string()).collect())
        .collect();
    let category_count = catalog.category_count();
    let top_category_indices = (category_count > 0).then(|| {
        let counts = buyers(customers, assignments, segments, category_count, |i| {
            // A category counts through the products in it only.
            let i = i as usize;
            catalog
                .category(i)
                .filter(|_| !excluded[i])
                .map(|c| c as usize)
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
        non_products: excluded.iter().filter(|&&e| e).count(),
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
    fn a_niche_with_lift_but_little_support_does_not_name_a_segment() {
        // A segment of 100: key 0 bought by 60 (as everywhere), key 1 by 4 (4.4%, nobody
        // else): lift alone would put key 1 first.
        let counts = vec![vec![60, 4], vec![60, 0]];
        let top = characteristic(&counts, &[100, 100], 2);
        assert_eq!(top[0], vec![0, 1]);
    }

    #[test]
    fn non_product_lines_are_recognised() {
        assert!(is_non_product("C-10", Some("COUPON 10%"), None, Some(1.0)));
        assert!(is_non_product("x", None, Some("Postage"), None));
        assert!(is_non_product("bag", Some("Paper bag"), None, Some(0.0)));
        assert!(!is_non_product(
            "22423",
            Some("REGENCY CAKESTAND 3 TIER"),
            Some("Kitchen"),
            Some(12.75)
        ));
        // Whole words only.
        assert!(!is_non_product("x", Some("Coffee mug"), None, None));
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
