//! Placements served from the catalog's offline tables rather than from the shopper's
//! vector: "bought together" (co-purchase lift, `together.*`) and "trending" (time-decayed
//! popularity, `trending.score`). Both honour the request's filters and exclusions and rank
//! by [`rank_order`](crate::topk::rank_order) (score descending, then item index), so the
//! same request gives the same list on every backend: there is no scan to run elsewhere.

use super::options::check_k;
use super::rules::{place_pins, ResolvedRules, Rules};
use super::Recommender;
use crate::error::RecommendError;
use crate::profile::Event;
use crate::sort::sort_ids;
use crate::topk::{FilterSpec, ItemFilter, Scored, TopK};

/// Options of [`Recommender::together`] and [`Recommender::trending`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementOptions {
    pub k: usize,
    pub filter: FilterSpec,
    /// Merchandising rules (`rules.rs`).
    pub rules: Rules,
    /// The shopper's history, read only by `rules.hide_bought`.
    pub history: Vec<Event>,
}

impl Default for PlacementOptions {
    fn default() -> Self {
        PlacementOptions {
            k: 10,
            filter: FilterSpec::default(),
            rules: Rules::default(),
            history: Vec::new(),
        }
    }
}

impl Recommender {
    /// "Often bought together" for one item or a whole cart: each candidate j scores
    /// `Σ weight(i → j)` (the table's lift or cosine) over the distinct items i of `items`
    /// whose row names j, summed in f32 in ascending order of i, so an item that completes
    /// several cart items ranks first.
    /// The given items are never returned. Only items some basket paired with a given item
    /// are candidates: the list may be shorter than k (empty for an item no basket shared).
    pub fn together(
        &self,
        items: &[u32],
        options: &PlacementOptions,
    ) -> Result<Vec<Scored>, RecommendError> {
        check_k(options.k)?;
        self.check_items(items.iter().copied())?;
        let table = self
            .catalog
            .together()
            .ok_or(RecommendError::MissingPlacement("bought-together table"))?;
        let (filter, rules) = self.placement_filter(options, items)?;
        let pinned = rules.pinned_items();
        let mut sources = items.to_vec();
        sort_ids(&mut sources);
        sources.dedup();
        // (candidate, summed lift) in first-seen order: a cart names at most cart × K
        // candidates, so a linear search beats building a map per request.
        let mut sums: Vec<(u32, f32)> = Vec::new();
        for &i in &sources {
            let (ids, lifts) = table.row(i as usize);
            for (&j, &lift) in ids.iter().zip(lifts) {
                if j == crate::catalog::EMPTY_SLOT || !filter.allows(j) {
                    continue;
                }
                match sums.iter_mut().find(|(c, _)| *c == j) {
                    Some((_, sum)) => *sum += lift,
                    None => sums.push((j, lift)),
                }
            }
        }
        let sum_of = |j: u32| sums.iter().find(|&&(c, _)| c == j).map_or(0.0, |&(_, s)| s);
        let mut top = TopK::new(options.k);
        for &(index, sum) in &sums {
            let candidate = Scored {
                index,
                score: rules.adjusted(index, sum),
            };
            if top.accepts(&candidate) && pinned.binary_search(&index).is_err() {
                top.push(candidate);
            }
        }
        // A pinned item's score is its summed weight (0 when no cart item names it),
        // adjusted.
        let pins = rules
            .pins(&filter, options.k)
            .into_iter()
            .map(|p| {
                let score = rules.adjusted(p.item, sum_of(p.item));
                (
                    p.position,
                    Scored {
                        index: p.item,
                        score,
                    },
                )
            })
            .collect();
        Ok(place_pins(top.into_sorted(), pins, options.k))
    }

    /// The filter of a placement request (its filter, `also_excluded`, and the rules'
    /// hidden items) and its resolved rules.
    fn placement_filter(
        &self,
        options: &PlacementOptions,
        also_excluded: &[u32],
    ) -> Result<(ItemFilter<'_>, ResolvedRules), RecommendError> {
        self.check_items(options.history.iter().map(|e| e.item))?;
        let rules = options.rules.resolve(&self.catalog, &options.history)?;
        let mut spec = options.filter.clone();
        spec.exclude.extend_from_slice(also_excluded);
        self.check_items(spec.exclude.iter().copied())?;
        spec.exclude.extend_from_slice(&rules.hidden);
        Ok((ItemFilter::new(&self.catalog, &spec)?, rules))
    }

    /// "Trending": the items with the highest time-decayed popularity the catalog was built
    /// with (`trending.score`, half-life in `Trending::half_life_days`) that pass the filter;
    /// "trending in X" is the same request filtered to category X.
    pub fn trending(&self, options: &PlacementOptions) -> Result<Vec<Scored>, RecommendError> {
        check_k(options.k)?;
        let trending = self
            .catalog
            .trending()
            .ok_or(RecommendError::MissingPlacement("trending score"))?;
        let (filter, rules) = self.placement_filter(options, &[])?;
        let organic = filter.excluding_sorted(&rules.pinned_items());
        let score = |i: u32| rules.adjusted(i, trending.scores[i as usize]);
        let mut top = TopK::new(options.k);
        for i in 0..trending.scores.len() as u32 {
            let candidate = Scored {
                index: i,
                score: score(i),
            };
            if top.accepts(&candidate) && organic.allows(i) {
                top.push(candidate);
            }
        }
        let pins = rules
            .pins(&filter, options.k)
            .into_iter()
            .map(|p| {
                let pinned = Scored {
                    index: p.item,
                    score: score(p.item),
                };
                (p.position, pinned)
            })
            .collect();
        Ok(place_pins(top.into_sorted(), pins, options.k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{
        with_placements, Catalog, CatalogBuilder, ItemRecord, PlacementSpec, TogetherMeasure,
        TogetherSpec, TrendingSpec, EMPTY_SLOT,
    };

    const E: u32 = EMPTY_SLOT;

    /// Five items in two categories; item 3 is out of stock. Bought together: 0 → {1, 2},
    /// 1 → {2, 3}, 4 → {0}.
    fn recommender() -> Recommender {
        let mut builder = CatalogBuilder::new(2);
        for i in 0..5 {
            let mut item = ItemRecord::new(format!("i{i}"));
            item.category = Some(if i < 3 { "a" } else { "b" }.into());
            item.price = Some(i as f32 * 10.0);
            item.available = i != 3;
            builder.push(item, &[1.0, i as f32]).unwrap();
        }
        let spec = PlacementSpec {
            together: Some(TogetherSpec {
                k: 2,
                ids: vec![1, 2, 2, 3, E, E, E, E, 0, E],
                weights: vec![4.0, 1.5, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0],
                measure: TogetherMeasure::Lift,
            }),
            trending: Some(TrendingSpec {
                scores: vec![1.0, 5.0, 3.0, 4.0, 3.0],
                half_life_days: 7.0,
                as_of: None,
            }),
        };
        let bytes = with_placements(&builder.to_bytes().unwrap(), &spec).unwrap();
        Recommender::new(Catalog::from_bytes(bytes).unwrap())
    }

    fn indices(list: &[Scored]) -> Vec<u32> {
        list.iter().map(|s| s.index).collect()
    }

    #[test]
    fn together_sums_lift_over_the_cart_and_never_returns_the_cart() {
        let r = recommender();
        let one = r.together(&[0], &PlacementOptions::default()).unwrap();
        assert_eq!(indices(&one), [1, 2]);
        assert_eq!(one[0].score, 4.0);
        // Cart {0, 1}: 2 is named by both (1.5 + 2.0), 3 by one; 1 is in the cart.
        let cart = r
            .together(&[1, 0, 0], &PlacementOptions::default())
            .unwrap();
        assert_eq!(indices(&cart), [2, 3]);
        assert_eq!(cart[0].score, 3.5);
        // An item no basket shared has no complements.
        assert!(r
            .together(&[2], &PlacementOptions::default())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn together_honours_filters_availability_and_k() {
        let r = recommender();
        let options = |filter: FilterSpec, k| PlacementOptions {
            k,
            filter,
            ..PlacementOptions::default()
        };
        let in_stock = FilterSpec {
            available_only: true,
            ..FilterSpec::default()
        };
        assert_eq!(
            indices(&r.together(&[0, 1], &options(in_stock, 10)).unwrap()),
            [2]
        );
        let cheap = FilterSpec {
            price_max: Some(15.0),
            exclude: vec![1],
            ..FilterSpec::default()
        };
        assert!(r.together(&[0], &options(cheap, 10)).unwrap().is_empty());
        assert_eq!(
            indices(
                &r.together(&[0], &options(FilterSpec::default(), 1))
                    .unwrap()
            ),
            [1]
        );
    }

    #[test]
    fn trending_ranks_by_the_decayed_score_within_the_filter() {
        let r = recommender();
        let all = r.trending(&PlacementOptions::default()).unwrap();
        // Ties (2 and 4 at 3.0) go to the lower index.
        assert_eq!(indices(&all), [1, 3, 2, 4, 0]);
        let in_b = PlacementOptions {
            k: 10,
            filter: FilterSpec {
                categories: Some(vec![1]),
                available_only: true,
                ..FilterSpec::default()
            },
            ..PlacementOptions::default()
        };
        assert_eq!(indices(&r.trending(&in_b).unwrap()), [4]);
    }

    #[test]
    fn placements_without_their_table_or_with_bad_input_are_errors() {
        let mut builder = CatalogBuilder::new(1);
        builder.push(ItemRecord::new("x"), &[1.0]).unwrap();
        let plain = Recommender::new(Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap());
        let err = plain
            .together(&[0], &PlacementOptions::default())
            .unwrap_err();
        assert_eq!(
            err,
            RecommendError::MissingPlacement("bought-together table")
        );
        assert!(err.to_string().contains("bought-together table"));
        let err = plain.trending(&PlacementOptions::default()).unwrap_err();
        assert!(err.to_string().contains("trending score"));
        let r = recommender();
        assert!(matches!(
            r.together(&[9], &PlacementOptions::default()),
            Err(RecommendError::UnknownItem(_))
        ));
        let zero = PlacementOptions {
            k: 0,
            ..PlacementOptions::default()
        };
        assert!(matches!(
            r.trending(&zero),
            Err(RecommendError::InvalidOption { name: "k", .. })
        ));
    }
}
