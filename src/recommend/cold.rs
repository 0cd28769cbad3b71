//! Cold start: a shopper without weighted history gets the most popular items, the page's
//! category first when the request names one.

use super::Recommender;
use crate::topk::{ItemFilter, Scored, TopK};

impl Recommender {
    /// Most popular allowed items; with a context category, that category's first.
    pub(super) fn popular(
        &self,
        filter: &ItemFilter<'_>,
        k: usize,
        context: Option<u32>,
    ) -> Vec<Scored> {
        let popularity = self.catalog.popularity();
        let score = |i: usize| popularity.map_or(0.0, |p| p[i]);
        let select = |in_context: &dyn Fn(usize) -> bool, k: usize| {
            let mut top = TopK::new(k);
            for i in 0..self.catalog.len() {
                let candidate = Scored {
                    index: i as u32,
                    score: score(i),
                };
                if in_context(i) && top.accepts(&candidate) && filter.allows(i as u32) {
                    top.push(candidate);
                }
            }
            top.into_sorted()
        };
        let Some(category) = context else {
            return select(&|_| true, k);
        };
        let mut items = select(&|i| self.catalog.category(i) == Some(category), k);
        if items.len() < k {
            let rest = select(
                &|i| self.catalog.category(i) != Some(category),
                k - items.len(),
            );
            items.extend(rest);
        }
        items
    }
}
