//! The synthetic product list: unique names, prices typical of each department, a
//! heavy-tailed appeal (the popularity bias shoppers follow) and a few items out of stock.

use std::collections::HashSet;

use shopwindow::rng::{RandomSource, SplitMix64};

use super::random::{chance, normal};
use super::tables::{CATEGORIES, COLOURS, STYLES};

/// One product.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: String,
    pub title: String,
    /// Index into [`CATEGORIES`].
    pub category: usize,
    /// Index into [`STYLES`].
    pub style: usize,
    pub price: f32,
    pub available: bool,
    /// How attractive the item is to everyone (heavy-tailed): the popularity bias.
    pub appeal: f64,
}

/// Makes `n` products, spread evenly over the categories (at least one per category).
pub fn products(n: usize, rng_seed: u64) -> Vec<Product> {
    let mut rng = SplitMix64::new(rng_seed ^ 0x5eed_5407);
    let mut products = Vec::with_capacity(n);
    let mut titles = HashSet::new();
    for (c, department) in CATEGORIES.iter().enumerate() {
        let count = n / CATEGORIES.len() + usize::from(c < n % CATEGORIES.len());
        let nouns: Vec<&str> = department.nouns.split(", ").collect();
        let (low, high) = department.prices;
        let prefix: String = department.slug.to_uppercase().chars().take(3).collect();
        for made in 1..=count {
            let style = rng.below(STYLES.len());
            // Names are unique, as in a real shop: a few draws, then a numbered edition.
            let mut title = String::new();
            for attempt in 0.. {
                let words = STYLES[style];
                title = format!(
                    "{} {} {}",
                    COLOURS[rng.below(COLOURS.len())],
                    words[rng.below(words.len())],
                    nouns[rng.below(nouns.len())]
                );
                if attempt >= 8 {
                    title = format!("{title} No. {made}");
                }
                if titles.insert(title.clone()) {
                    break;
                }
            }
            // Prices spread log-uniformly over the category's range, ending in .99 or .50.
            let raw = low * (high / low).powf(rng.next_unit() as f32);
            let price = raw.floor() + if chance(&mut rng, 0.7) { 0.99 } else { 0.5 };
            // Heavy-tailed appeal (log-normal, median 1). About 5% of the items are out of
            // stock, all among the slower sellers: a bestseller is restocked first, and the
            // demo's popular rows stay shoppable.
            let appeal = (0.9 * normal(&mut rng)).exp();
            let available = !(appeal < 1.0 && chance(&mut rng, 0.1));
            products.push(Product {
                id: format!("{prefix}-{made:04}"),
                title,
                category: c,
                style,
                price,
                available,
                appeal,
            });
        }
    }
    products
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_have_unique_names_and_typical_prices() {
        let products = products(3000, 1);
        assert_eq!(products.len(), 3000);
        let titles: HashSet<&str> = products.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles.len(), 3000);
        let ids: HashSet<&str> = products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), 3000);
        for p in &products {
            let (low, high) = CATEGORIES[p.category].prices;
            assert!(p.price >= low.floor() && p.price <= high + 1.0, "{p:?}");
        }
        let out = products.iter().filter(|p| !p.available).count();
        assert!((75..=225).contains(&out), "{out} out of stock");
        // More items than distinct names still works (numbered editions).
        assert_eq!(super::products(40_000, 1).len(), 40_000);
    }
}
