//! Cold start: a shopper without weighted history gets the most popular items, the page's
//! category first when the request names one; merchandising rules adjust the popularity
//! and place their pins as on every list, and `fresh` its content-derived items.

use super::fresh::place_fresh;
use super::rules::ResolvedRules;
use super::{Recommended, Recommender};
use crate::topk::{rank_order, ItemFilter, Scored, TopK};

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
        let n = self.catalog.len();
        let content = if fresh == 0 {
            0
        } else {
            self.catalog.content_derived_items().min(n)
        };
        let mut candidates: Vec<Scored> = ((n - content) as u32..n as u32)
            .filter(|&i| organic_filter.allows(i))
            .map(|i| Scored {
                index: i,
                score: score(i as usize),
            })
            .collect();
        let outside = |s: &Scored| {
            context.is_some_and(|c| self.catalog.category(s.index as usize) != Some(c))
        };
        candidates.sort_by(|a, b| outside(a).cmp(&outside(b)).then(rank_order(a, b)));
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
