//! Simulated shoppers: latent tastes (favourite categories and styles), sessions of views,
//! carts and purchases drawn from them, and the interaction matrix those sessions make.

use std::collections::HashSet;

use shopwindow::rng::{RandomSource, SplitMix64};

use super::products::Product;
use super::random::chance;
use super::tables::{CATEGORIES, STYLES};
use crate::data::Csr;

/// Interaction weight of each event: the browser's default `EventWeights`, so a shopper's
/// history on the device is folded in on the scale the model was trained on.
const VIEW: f32 = 1.0;
const CART: f32 = 3.0;
const PURCHASE: f32 = 5.0;

/// One event of a simulated shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Cart,
    Purchase,
}

impl Action {
    fn weight(self) -> f32 {
        match self {
            Action::View => VIEW,
            Action::Cart => CART,
            Action::Purchase => PURCHASE,
        }
    }
}

/// A visit: the items touched, in order.
pub type Session = Vec<(u32, Action)>;

/// The simulated shop: products and every shopper's sessions.
#[derive(Debug, Clone)]
pub struct Storefront {
    pub products: Vec<Product>,
    pub shoppers: Vec<Vec<Session>>,
}

impl Storefront {
    /// The shopper × item matrix of summed event weights over the sessions `keep` selects
    /// (`keep(shopper, session, sessions of that shopper)`), and how many events it holds.
    pub(super) fn matrix(&self, mut keep: impl FnMut(usize, usize, usize) -> bool) -> (Csr, usize) {
        let mut triples = Vec::new();
        for (u, sessions) in self.shoppers.iter().enumerate() {
            for (s, session) in sessions.iter().enumerate() {
                if keep(u, s, sessions.len()) {
                    for &(item, action) in session {
                        triples.push((u as u32, item, action.weight()));
                    }
                }
            }
        }
        let events = triples.len();
        (
            Csr::from_triples(self.shoppers.len(), self.products.len(), triples),
            events,
        )
    }
}

/// Items indices with their cumulative appeal: one group to draw from.
type Group = (Vec<u32>, Vec<f64>);

/// Draws items in proportion to their appeal, within a category or a (category, style).
struct Sampler {
    /// Per category: item indices and cumulative appeal.
    by_category: Vec<Group>,
    /// Per category and style, the same (may be empty).
    by_style: Vec<Vec<Group>>,
}

impl Sampler {
    fn new(products: &[Product]) -> Sampler {
        let group = |keep: &dyn Fn(&Product) -> bool| {
            let mut items = Vec::new();
            let mut cumulative = Vec::new();
            let mut total = 0.0;
            for (i, p) in products.iter().enumerate() {
                if keep(p) {
                    total += p.appeal;
                    items.push(i as u32);
                    cumulative.push(total);
                }
            }
            (items, cumulative)
        };
        Sampler {
            by_category: (0..CATEGORIES.len())
                .map(|c| group(&|p| p.category == c))
                .collect(),
            by_style: (0..CATEGORIES.len())
                .map(|c| {
                    (0..STYLES.len())
                        .map(|s| group(&|p| p.category == c && p.style == s))
                        .collect()
                })
                .collect(),
        }
    }

    fn draw(rng: &mut impl RandomSource, (items, cumulative): &Group) -> Option<u32> {
        let total = *cumulative.last()?;
        let target = rng.next_unit() * total;
        let at = cumulative.partition_point(|&c| c <= target);
        Some(items[at.min(items.len() - 1)])
    }

    /// An item of category `c`, of style `s` when the category has one.
    fn item(&self, rng: &mut impl RandomSource, c: usize, s: Option<usize>) -> u32 {
        s.and_then(|s| Self::draw(rng, &self.by_style[c][s]))
            .or_else(|| Self::draw(rng, &self.by_category[c]))
            .expect("every category has items")
    }
}

/// Simulates `n` shoppers with latent tastes; `on_progress(done)` every 1,000 shoppers.
pub fn simulate(
    products: &[Product],
    n: usize,
    seed: u64,
    mut on_progress: impl FnMut(usize),
) -> Vec<Vec<Session>> {
    let sampler = Sampler::new(products);
    let mut rng = SplitMix64::new(seed ^ 0x5b0b_5eed);
    let mut shoppers = Vec::with_capacity(n);
    for shopper in 0..n {
        // Tastes: 1-3 favourite categories (the first the strongest), 1-2 styles.
        let favourites =
            1 + usize::from(chance(&mut rng, 0.55)) + usize::from(chance(&mut rng, 0.2));
        let mut categories: Vec<usize> = Vec::new();
        while categories.len() < favourites {
            let c = rng.below(CATEGORIES.len());
            if !categories.contains(&c) {
                categories.push(c);
            }
        }
        let mut styles = vec![rng.below(STYLES.len())];
        if chance(&mut rng, 0.4) {
            styles.push(rng.below(STYLES.len()));
        }

        // One to three visits; a quarter of the shoppers are regulars with up to five more.
        let mut count = 1 + rng.below(3);
        if chance(&mut rng, 0.25) {
            count += rng.below(6);
        }
        let mut sessions = Vec::with_capacity(count);
        for _ in 0..count {
            // Mostly a favourite category (the first twice as often), now and then any.
            let category = if chance(&mut rng, 0.9) {
                categories[rng.below(categories.len() + 1).saturating_sub(1)]
            } else {
                rng.below(CATEGORIES.len())
            };
            let views = 2 + rng.below(6);
            let mut session: Session = Vec::with_capacity(views + 2);
            for _ in 0..views {
                let item = if chance(&mut rng, 0.05) {
                    // Noise: something anywhere in the shop.
                    rng.below(products.len()) as u32
                } else {
                    let style = if chance(&mut rng, 0.7) {
                        Some(styles[rng.below(styles.len())])
                    } else {
                        None
                    };
                    sampler.item(&mut rng, category, style)
                };
                session.push((item, Action::View));
            }
            // Some viewed items go in the basket; some of those are bought.
            let viewed: Vec<u32> = session.iter().map(|&(i, _)| i).collect();
            let mut considered = HashSet::new();
            for item in viewed {
                if !considered.insert(item) || !products[item as usize].available {
                    continue;
                }
                if chance(&mut rng, 0.2) {
                    session.push((item, Action::Cart));
                    if chance(&mut rng, 0.6) {
                        session.push((item, Action::Purchase));
                    }
                }
            }
            sessions.push(session);
        }
        shoppers.push(sessions);
        if (shopper + 1) % 1000 == 0 {
            on_progress(1000);
        }
    }
    on_progress(n % 1000);
    shoppers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storefront::products::products;

    #[test]
    fn shoppers_stay_mostly_in_a_few_categories() {
        let products = products(600, 2);
        let shoppers = simulate(&products, 500, 2, |_| {});
        let mut in_top = 0;
        let mut total = 0;
        for sessions in &shoppers {
            let mut counts = [0usize; 12];
            for &(item, _) in sessions.iter().flatten() {
                counts[products[item as usize].category] += 1;
                total += 1;
            }
            counts.sort_unstable_by(|a, b| b.cmp(a));
            in_top += counts[..3].iter().sum::<usize>();
        }
        assert!(in_top as f64 > 0.85 * total as f64, "{in_top} of {total}");
    }

    #[test]
    fn the_matrix_sums_the_weights_of_the_kept_sessions() {
        let store = Storefront {
            products: products(12, 1),
            shoppers: vec![vec![
                vec![(0, Action::View), (0, Action::Cart)],
                vec![(3, Action::View), (3, Action::Purchase)],
            ]],
        };
        let (all, events) = store.matrix(|_, _, _| true);
        assert_eq!(events, 4);
        assert_eq!(all.row(0), (&[0u32, 3][..], &[4.0f32, 6.0][..]));
        let (first, events) = store.matrix(|_, s, _| s == 0);
        assert_eq!(events, 2);
        assert_eq!(first.row(0), (&[0u32][..], &[4.0f32][..]));
    }
}
