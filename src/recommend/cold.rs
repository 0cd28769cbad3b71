//! Cold start: a shopper without weighted history gets the most popular items, the page's
//! category first when the request names one; merchandising rules adjust the popularity
//! and place their pins as on every list, and `fresh` its content-derived items.

use super::fresh::place_fresh;
use super::rules::ResolvedRules;
use super::{Recommended, Recommender};
use crate::topk::{ItemFilter, Scored, TopK};

impl Recommender {
    /// Most popular allowed items (popularity + the rules' adjustment); with a context
    /// category, that category's first; then the rules' pins and `fresh` places for
    /// content-derived items (ranked as the list ranks: the context category's first).
    pub(super) fn popular(
        &self,
        filter: &ItemFilter<'_>,
        k: usize,
        context: Option<u32>,
        rules: &ResolvedRules,
        fresh: usize,
    ) -> Vec<Recommended> {
        let popularity = self.catalog.popularity();
        let score = |i: usize| rules.adjusted(i as u32, popularity.map_or(0.0, |p| p[i]));
        let organic_filter = filter.excluding_sorted(&rules.pinned_items());
        let select = |in_context: &dyn Fn(usize) -> bool, k: usize| {
            let mut top = TopK::new(k);
            for i in 0..self.catalog.len() {
                let candidate = Scored {
                    index: i as u32,
                    score: score(i),
                };
                if in_context(i) && top.accepts(&candidate) && organic_filter.allows(i as u32) {
                    top.push(candidate);
                }
            }
            top.into_sorted()
        };
        let items = match context {
            None => select(&|_| true, k),
            Some(category) => {
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
        };
        let recommended = |s: Scored| Recommended {
            index: s.index,
            score: s.score,
            probability: None,
            interest: None,
        };
        let pins = rules
            .pins(filter, k)
            .into_iter()
            .map(|p| {
                let s = Scored {
                    index: p.item,
                    score: score(p.item as usize),
                };
                (p.position, recommended(s))
            })
            .collect();
        // The best content-derived candidates in the list's own order (the context
        // category's first), at most fresh + k: the list shows at most k of them.
        let content = self.catalog.len() - self.catalog.content_derived_items();
        let candidates = match (fresh, context) {
            (0, _) => Vec::new(),
            (_, None) => select(&|i| i >= content, fresh + k),
            (_, Some(category)) => {
                let in_context = |i: usize| self.catalog.category(i) == Some(category);
                let mut first = select(&|i| i >= content && in_context(i), fresh + k);
                if first.len() < fresh + k {
                    let rest = fresh + k - first.len();
                    first.extend(select(&|i| i >= content && !in_context(i), rest));
                }
                first
            }
        };
        place_fresh(
            items.into_iter().map(recommended).collect(),
            pins,
            candidates.into_iter().map(recommended).collect(),
            fresh,
            k,
            |r| r.index,
        )
    }
}
