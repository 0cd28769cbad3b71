//! Merchandising rules: the store's adjustments to a list, applied in the core after the
//! scan so that every backend (scalar, SIMD128, WebGPU) returns the same list. The exact
//! semantics are in ARCHITECTURE.md, "Merchandising rules"; in short:
//!
//! - **never show** items (by id or by category) and **hide recently bought** items: they
//!   join the request's exclusions, so the scan keeps looking past them and the list still
//!   has k items when the catalog has them;
//! - **boost / bury**: an additive term per matching item (`score + Σ add` over the rules
//!   that match it, summed in rule order in f32). The items a rule touches are excluded from
//!   the backend's scan and scored on the host with the scan's own arithmetic, then merged,
//!   so the top-k by adjusted score is exact (no over-fetch that could miss an item);
//!   `probability` stays the model's `P(i|u)` of the unadjusted score;
//! - **pins**: items placed at fixed 0-based positions, if they exist and pass the request's
//!   filter (never-show and hidden items included); the other items fill the remaining
//!   positions in rank order; when the list runs short a pin closes up to the end.

use super::options::MAX_K;
use super::Recommender;
use crate::catalog::Catalog;
use crate::error::RecommendError;
use crate::number::Num;
use crate::profile::{Event, EventKind};
use crate::sort::sort_ids;
use crate::topk::{ItemFilter, Scored, Scoring, TopK};

/// At most this many boost / bury rules per request.
pub const MAX_ADJUSTMENTS: usize = 64;
/// At most this many pins per request.
pub const MAX_PINS: usize = 64;
/// Largest |add| of a boost or bury.
pub const MAX_ADD: f32 = 1.0e6;
/// Longest "hide recently bought" window, in days (ten years).
pub const MAX_HIDE_DAYS: f64 = 3650.0;

const MS_PER_DAY: f64 = 86_400_000.0;

/// The rules of one request (or the placement's default). `Rules::default()` changes
/// nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rules {
    /// Boosts (`add > 0`) and buries (`add < 0`), in the order their terms are summed.
    pub adjust: Vec<Adjustment>,
    /// Items placed at fixed positions; positions and items are each unique.
    pub pins: Vec<Pin>,
    /// Items never returned.
    pub never_show: Vec<u32>,
    /// Categories whose items are never returned.
    pub never_show_categories: Vec<u32>,
    /// Items the shopper bought recently are never returned.
    pub hide_bought: Option<HideBought>,
}

/// Which items a boost or bury touches: those that satisfy every part given (at least one).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector {
    /// The item's category is one of these.
    pub categories: Option<Vec<u32>>,
    /// The item's price is at least this (inclusive).
    pub price_min: Option<f32>,
    /// The item's price is at most this (inclusive).
    pub price_max: Option<f32>,
    /// The item carries at least one of these tags (`item.tags`, exact match).
    pub tags: Option<Vec<String>>,
    /// The item is one of these.
    pub items: Option<Vec<u32>>,
}

/// `add` is added to the score of every item `select` matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    pub select: Selector,
    pub add: f32,
}

/// Item `item` at 0-based position `position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    pub item: u32,
    pub position: usize,
}

/// Hide the items of purchase events from the last `days` days before `now_ms` (ms since
/// the epoch). A purchase without a timestamp, or stamped after `now_ms`, counts as bought
/// now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HideBought {
    pub days: f64,
    pub now_ms: f64,
}

fn invalid(name: &'static str, reason: String) -> RecommendError {
    RecommendError::InvalidOption { name, reason }
}

impl Rules {
    pub fn is_empty(&self) -> bool {
        *self == Rules::default()
    }

    /// Checks the rules against `catalog`: every value in range, every column a rule reads
    /// present, no pin conflict. Errors name the field.
    pub fn check(&self, catalog: &Catalog) -> Result<(), RecommendError> {
        let n = catalog.len();
        let item_ok =
            |name: &'static str, items: &[u32]| match items.iter().find(|&&i| i as usize >= n) {
                Some(i) => Err(RecommendError::UnknownItem(format!("#{i} in {name}"))),
                None => Ok(()),
            };
        let categories_ok = |name: &'static str, categories: &[u32]| {
            if !catalog.has_categories() {
                return Err(RecommendError::MissingColumn("categories"));
            }
            let count = catalog.category_count();
            match categories
                .iter()
                .find(|&&c| count > 0 && c as usize >= count)
            {
                Some(c) => Err(invalid(name, format!("category #{c} does not exist"))),
                None => Ok(()),
            }
        };
        if self.adjust.len() > MAX_ADJUSTMENTS {
            return Err(invalid(
                "rules.boosts",
                format!(
                    "{} rules; at most {MAX_ADJUSTMENTS} are allowed",
                    self.adjust.len()
                ),
            ));
        }
        for (r, rule) in self.adjust.iter().enumerate() {
            if !(rule.add.is_finite() && rule.add.abs() <= MAX_ADD) {
                return Err(invalid(
                    "rules.boosts.add",
                    format!(
                        "rule {r}: {} is not a number in [-{max}, {max}]",
                        Num(rule.add),
                        max = Num(MAX_ADD)
                    ),
                ));
            }
            let s = &rule.select;
            if s.categories.is_none()
                && s.price_min.is_none()
                && s.price_max.is_none()
                && s.tags.is_none()
                && s.items.is_none()
            {
                return Err(invalid(
                    "rules.boosts",
                    format!(
                        "rule {r} selects nothing: give categories, priceMin, priceMax, tags \
                         or ids"
                    ),
                ));
            }
            if let Some(c) = &s.categories {
                categories_ok("rules.boosts.categories", c)?;
            }
            if s.price_min.is_some() || s.price_max.is_some() {
                if catalog.prices().is_none() {
                    return Err(RecommendError::MissingColumn("prices"));
                }
                let min = s.price_min.unwrap_or(f32::NEG_INFINITY);
                let max = s.price_max.unwrap_or(f32::INFINITY);
                if min.is_nan() || max.is_nan() || min > max {
                    return Err(invalid(
                        "rules.boosts.price",
                        format!(
                            "rule {r}: [{}, {}] is not a price range",
                            Num(min),
                            Num(max)
                        ),
                    ));
                }
            }
            if s.tags.is_some() && !catalog.has_tags() {
                return Err(RecommendError::MissingColumn("tags"));
            }
            if let Some(items) = &s.items {
                item_ok("rules.boosts.ids", items)?;
            }
        }
        if self.pins.len() > MAX_PINS {
            return Err(invalid(
                "rules.pins",
                format!("{} pins; at most {MAX_PINS} are allowed", self.pins.len()),
            ));
        }
        for (p, pin) in self.pins.iter().enumerate() {
            if pin.position >= MAX_K {
                return Err(invalid(
                    "rules.pins.position",
                    format!("pin {p}: {} is not below {MAX_K}", pin.position),
                ));
            }
            if let Some(q) = self.pins[..p]
                .iter()
                .position(|o| o.position == pin.position)
            {
                return Err(invalid(
                    "rules.pins.position",
                    format!("pins {q} and {p} both take position {}", pin.position),
                ));
            }
            if let Some(q) = self.pins[..p].iter().position(|o| o.item == pin.item) {
                return Err(invalid(
                    "rules.pins.id",
                    format!("pins {q} and {p} both pin item #{}", pin.item),
                ));
            }
        }
        item_ok(
            "rules.pins",
            &self.pins.iter().map(|p| p.item).collect::<Vec<_>>(),
        )?;
        item_ok("rules.neverShow", &self.never_show)?;
        if !self.never_show_categories.is_empty() {
            categories_ok("rules.neverShowCategories", &self.never_show_categories)?;
        }
        if let Some(hide) = self.hide_bought {
            if !(hide.days > 0.0 && hide.days <= MAX_HIDE_DAYS) {
                return Err(invalid(
                    "rules.hideBoughtDays",
                    format!(
                        "{} is not a number of days in (0, {}]",
                        Num(hide.days),
                        Num(MAX_HIDE_DAYS)
                    ),
                ));
            }
            if !hide.now_ms.is_finite() {
                return Err(invalid(
                    "now",
                    format!("{} is not a time", Num(hide.now_ms)),
                ));
            }
        }
        Ok(())
    }

    /// The rules checked and resolved for one request over `catalog`, with the shopper's
    /// `history` (read by `hide_bought` only).
    pub(super) fn resolve(
        &self,
        catalog: &Catalog,
        history: &[Event],
    ) -> Result<ResolvedRules, RecommendError> {
        self.check(catalog)?;
        let mut hidden = self.never_show.clone();
        if !self.never_show_categories.is_empty() {
            hidden.extend((0..catalog.len() as u32).filter(|&i| {
                catalog
                    .category(i as usize)
                    .is_some_and(|c| self.never_show_categories.contains(&c))
            }));
        }
        if let Some(hide) = self.hide_bought {
            let since = hide.now_ms - hide.days * MS_PER_DAY;
            hidden.extend(
                history
                    .iter()
                    .filter(|e| {
                        e.kind == EventKind::Purchase && e.timestamp_ms.is_none_or(|t| t >= since)
                    })
                    .map(|e| e.item),
            );
        }
        sort_ids(&mut hidden);
        hidden.dedup();
        Ok(ResolvedRules {
            hidden,
            adjustments: self.adjustments(catalog),
            pins: self.pins.clone(),
        })
    }

    /// `(item, Σ add)` for every item some boost or bury matches and whose sum is not 0,
    /// ascending by item.
    fn adjustments(&self, catalog: &Catalog) -> Vec<(u32, f32)> {
        if self.adjust.is_empty() {
            return Vec::new();
        }
        // Rules that all name their items touch only those: no pass over the catalog.
        let candidates: Vec<u32> = if self.adjust.iter().all(|r| r.select.items.is_some()) {
            let mut items: Vec<u32> = self
                .adjust
                .iter()
                .flat_map(|r| r.select.items.iter().flatten().copied())
                .collect();
            sort_ids(&mut items);
            items.dedup();
            items
        } else {
            (0..catalog.len() as u32).collect()
        };
        candidates
            .into_iter()
            .filter_map(|i| {
                let sum = self
                    .adjust
                    .iter()
                    .filter(|r| r.select.matches(catalog, i))
                    .fold(0.0f32, |sum, r| sum + r.add);
                (sum != 0.0).then_some((i, sum))
            })
            .collect()
    }
}

impl Selector {
    fn matches(&self, catalog: &Catalog, i: u32) -> bool {
        let at = i as usize;
        if let Some(categories) = &self.categories {
            if !catalog
                .category(at)
                .is_some_and(|c| categories.contains(&c))
            {
                return false;
            }
        }
        if self.price_min.is_some() || self.price_max.is_some() {
            let Some(price) = catalog.prices().map(|p| p[at]) else {
                return false;
            };
            if self.price_min.is_some_and(|min| price < min)
                || self.price_max.is_some_and(|max| price > max)
            {
                return false;
            }
        }
        if let Some(tags) = &self.tags {
            if !catalog.tags(at).any(|t| tags.iter().any(|want| want == t)) {
                return false;
            }
        }
        if let Some(items) = &self.items {
            if !items.contains(&i) {
                return false;
            }
        }
        true
    }
}

/// [`Rules`] resolved for one request: what the scan excludes, the adjusted items, the
/// pins in position order.
#[derive(Debug, Clone, Default)]
pub(super) struct ResolvedRules {
    /// Never-show and recently bought items, ascending: the request's exclusions.
    pub(super) hidden: Vec<u32>,
    /// `(item, Σ add)`, ascending by item.
    adjustments: Vec<(u32, f32)>,
    /// In the rules' order (`place_pins` orders them by position).
    pins: Vec<Pin>,
}

impl ResolvedRules {
    /// The summed adjustment of item `i` (0 when no rule touches it).
    pub(super) fn adjustment(&self, i: u32) -> f32 {
        self.adjustments
            .binary_search_by_key(&i, |&(item, _)| item)
            .map_or(0.0, |at| self.adjustments[at].1)
    }

    /// `score` adjusted for item `i`.
    pub(super) fn adjusted(&self, i: u32, score: f32) -> f32 {
        let add = self.adjustment(i);
        if add == 0.0 {
            score
        } else {
            score + add
        }
    }

    /// The pins a list of `k` under `filter` shows: allowed by the filter (which holds the
    /// hidden items), at a position below k; in the rules' order.
    pub(super) fn pins(&self, filter: &ItemFilter<'_>, k: usize) -> Vec<Pin> {
        self.pins
            .iter()
            .filter(|p| p.position < k && filter.allows(p.item))
            .copied()
            .collect()
    }

    /// Every pinned item, ascending: the organic ranking never holds them.
    pub(super) fn pinned_items(&self) -> Vec<u32> {
        let mut items: Vec<u32> = self.pins.iter().map(|p| p.item).collect();
        sort_ids(&mut items);
        items
    }

    /// The part of the rules a scan needs, for a scan under `filter` that keeps `k`: see
    /// [`ScanRules`]. Returns it with the items the scan must exclude (ascending).
    pub(super) fn for_scan(&self, filter: &ItemFilter<'_>, k: usize) -> (ScanRules, Vec<u32>) {
        let pins = self.pins(filter, k);
        let adjusted: Vec<(u32, f32)> = self
            .adjustments
            .iter()
            .filter(|&&(i, _)| filter.allows(i) && !self.pins.iter().any(|p| p.item == i))
            .copied()
            .collect();
        let mut excluded: Vec<u32> = adjusted.iter().map(|&(i, _)| i).collect();
        excluded.extend(self.pinned_items());
        sort_ids(&mut excluded);
        excluded.dedup();
        let pins = pins
            .into_iter()
            .map(|p| (p, self.adjustment(p.item)))
            .collect();
        (ScanRules { adjusted, pins }, excluded)
    }
}

/// What a scan's completion applies: the adjusted items (excluded from the scan, scored on
/// the host and merged) and the pins, each with its adjustment.
#[derive(Debug, Clone, Default)]
pub(super) struct ScanRules {
    /// `(item, Σ add)` of the adjusted items the request's filter allows, ascending.
    adjusted: Vec<(u32, f32)>,
    /// The pins shown, with their items' adjustments.
    pins: Vec<(Pin, f32)>,
}

/// One item scored on the host: its model score and its adjusted score.
#[derive(Debug, Clone, Copy)]
pub(super) struct HostScore {
    pub(super) index: u32,
    pub(super) raw: f32,
    pub(super) adjusted: f32,
}

/// The host's scores of a scan's adjusted and pinned items.
#[derive(Debug, Clone, Default)]
pub(super) struct HostScores {
    /// The adjusted items, ascending by item.
    adjusted: Vec<HostScore>,
    /// The pins, as `(position, score)`.
    pins: Vec<(usize, HostScore)>,
}

impl ScanRules {
    pub(super) fn is_empty(&self) -> bool {
        self.adjusted.is_empty() && self.pins.is_empty()
    }

    /// The summed adjustment of item `i` when it is one of the scan's adjusted items
    /// (allowed by the request, not pinned, left out of the scan).
    pub(super) fn adjustment_of(&self, i: u32) -> Option<f32> {
        self.adjusted
            .binary_search_by_key(&i, |&(item, _)| item)
            .ok()
            .map(|at| self.adjusted[at].1)
    }

    /// Scores the adjusted and pinned items with `scoring` on `recommender`'s CPU backend:
    /// [`Scoring::score_items`], the scan's own arithmetic, then `+ Σ add` in f32.
    pub(super) fn score(&self, recommender: &Recommender, scoring: &Scoring<'_>) -> HostScores {
        if self.is_empty() {
            return HostScores::default();
        }
        let items: Vec<u32> = self
            .adjusted
            .iter()
            .map(|&(i, _)| i)
            .chain(self.pins.iter().map(|(p, _)| p.item))
            .collect();
        let mut raw = vec![0.0f32; items.len()];
        scoring.score_items(
            recommender.catalog(),
            recommender.backend(),
            &items,
            &mut raw,
        );
        let adds = self
            .adjusted
            .iter()
            .map(|&(_, a)| a)
            .chain(self.pins.iter().map(|&(_, a)| a));
        let mut scored: Vec<HostScore> = items
            .iter()
            .zip(raw)
            .zip(adds)
            .map(|((&index, raw), add)| HostScore {
                index,
                raw,
                adjusted: if add == 0.0 { raw } else { raw + add },
            })
            .collect();
        let pins = scored
            .split_off(self.adjusted.len())
            .into_iter()
            .zip(&self.pins)
            .map(|(s, (p, _))| (p.position, s))
            .collect();
        HostScores {
            adjusted: scored,
            pins,
        }
    }
}

impl HostScores {
    /// The scan's best-first list merged with the adjusted items by adjusted score, the
    /// best `pool` kept ([`rank_order`](crate::topk::rank_order): score descending, then
    /// item index).
    pub(super) fn merge(&self, top: Vec<Scored>, pool: usize) -> Vec<Scored> {
        if self.adjusted.is_empty() {
            return top;
        }
        let adjusted = self.adjusted.iter().map(|s| Scored {
            index: s.index,
            score: s.adjusted,
        });
        let mut best = TopK::new(pool);
        for candidate in top.into_iter().chain(adjusted) {
            if best.accepts(&candidate) {
                best.push(candidate);
            }
        }
        best.into_sorted()
    }

    /// The model score of item `i` when the host scored it (an adjusted or pinned item).
    pub(super) fn raw(&self, i: u32) -> Option<f32> {
        self.adjusted
            .binary_search_by_key(&i, |s| s.index)
            .ok()
            .map(|at| self.adjusted[at].raw)
            .or_else(|| {
                self.pins
                    .iter()
                    .find(|(_, s)| s.index == i)
                    .map(|(_, s)| s.raw)
            })
    }

    /// The pins as `(position, score)`.
    pub(super) fn pins(&self) -> &[(usize, HostScore)] {
        &self.pins
    }
}

/// `organic` (best first, without the pinned items) with the pins (`(position, item)`,
/// distinct positions, any order) placed: position p holds the pin for p; every other
/// position takes the next organic item; when the organic items run out the remaining pins
/// follow in position order. At most `k` items; pins at `k` or beyond are not shown
/// (callers pass the pins below k).
pub(super) fn place_pins<T>(organic: Vec<T>, pins: Vec<(usize, T)>, k: usize) -> Vec<T> {
    if pins.is_empty() {
        return organic;
    }
    let mut pins: Vec<Option<(usize, T)>> = pins.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(k);
    let mut organic = organic.into_iter();
    while out.len() < k {
        // At most 64 pins: a scan for the lowest remaining position beats sorting them.
        let next = pins
            .iter()
            .enumerate()
            .filter_map(|(at, pin)| pin.as_ref().map(|&(position, _)| (position, at)))
            .min();
        let take_pin =
            |pins: &mut Vec<Option<(usize, T)>>, at: usize| pins[at].take().map(|(_, item)| item);
        let item = match next {
            Some((position, at)) if position <= out.len() => take_pin(&mut pins, at),
            _ => match organic.next() {
                Some(item) => Some(item),
                None => next.and_then(|(_, at)| take_pin(&mut pins, at)),
            },
        };
        match item {
            Some(item) => out.push(item),
            None => break,
        }
    }
    out
}
