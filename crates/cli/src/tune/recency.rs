//! Popularity that forgets: the catalog's popularity counted with a half-life.
//!
//! The catalog's popularity is what a first-time shopper sees and the hybrid's `w_pop`
//! term. Counted over all time, a shop's best seller of last year outranks what sells this
//! week; a store's shoppers buy the season's products (on Online Retail's temporal split a
//! three-day half-life doubles a bestseller list's recall). How fast a store's demand moves
//! is the store's own, so the half-life is chosen on the validation split among
//! [`HALF_LIVES_DAYS`], and all-time counts stay unless a half-life beats them by more
//! than the validation noise.
//!
//! Each (customer, product) pair counts once, as in the all-time count (the number of
//! customers who bought the product), weighted by `0.5^(age / half-life)` where the age is
//! that customer's latest event with the product before the log's "now" ([`popularity`]).

use std::collections::HashMap;

use crate::data::{EventLog, IdMap};

/// The half-lives tried, in days (about three apart), besides all-time counts.
pub const HALF_LIVES_DAYS: [f64; 5] = [90.0, 30.0, 10.0, 3.0, 1.0];

/// Seconds in a day: the log's times are Unix seconds.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// Share of the events at or before the time ages are measured from: the log's latest
/// time, unless a few stray events lie beyond the rest (one mistyped year in an export
/// would otherwise age every real purchase into nothing).
pub const NOW_QUANTILE: f64 = 0.999;

/// Each (customer, item) pair's age, read once from a log, so that trying several
/// half-lives walks the log once.
pub struct Ages {
    /// The item's column and the age (seconds) of the pair's latest event, in (customer,
    /// item) order: the sums below are then the same bits on every run.
    pairs: Vec<(u32, f64)>,
    items: usize,
}

impl Ages {
    /// The ages of `log`'s pairs over `items` (a matrix's columns), measured from the log's
    /// "now" (the time [`NOW_QUANTILE`] of its events are at or before; a later event has
    /// age 0). Items of `log` missing from `items` are skipped. `None` when an event has
    /// no time.
    pub fn new(log: &EventLog, items: &IdMap) -> Option<Ages> {
        let mut times = Vec::with_capacity(log.events.len());
        let mut latest: HashMap<(u32, u32), i64> = HashMap::new();
        for e in &log.events {
            let t = e.timestamp?;
            times.push(t);
            latest
                .entry((e.user, e.item))
                .and_modify(|l| *l = (*l).max(t))
                .or_insert(t);
        }
        let now = match times.len() {
            0 => 0,
            n => {
                let at = ((n as f64 * NOW_QUANTILE).ceil() as usize).clamp(1, n) - 1;
                *times.select_nth_unstable(at).1
            }
        };
        // The log's item index → the matrix's column, once per item instead of once per
        // pair.
        let column: Vec<Option<u32>> = log.items.ids().iter().map(|id| items.get(id)).collect();
        let mut latest: Vec<((u32, u32), i64)> = latest.into_iter().collect();
        latest.sort_unstable_by_key(|&(pair, _)| pair);
        let pairs = latest
            .into_iter()
            .filter_map(|((_, item), t)| Some((column[item as usize]?, (now - t).max(0) as f64)))
            .collect();
        Some(Ages {
            pairs,
            items: items.len(),
        })
    }

    /// Each item weighted by how recently each of its customers last had it:
    /// `Σ_customers 0.5^(age / half_life)`; items no pair mentions get 0.
    pub fn popularity(&self, half_life_days: f64) -> Vec<f32> {
        let half_life = half_life_days * SECONDS_PER_DAY;
        let mut sums = vec![0.0f64; self.items];
        for &(c, age) in &self.pairs {
            sums[c as usize] += 0.5f64.powf(age / half_life);
        }
        sums.into_iter().map(|s| s as f32).collect()
    }
}

/// [`Ages::popularity`] of `log` over `items` for one half-life; `None` when an event has
/// no time.
pub fn popularity(log: &EventLog, items: &IdMap, half_life_days: f64) -> Option<Vec<f32>> {
    Some(Ages::new(log, items)?.popularity(half_life_days))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn each_customer_counts_once_halved_per_half_life_of_age() {
        let mut log = EventLog::default();
        // a: u0 twice (latest at day 10, the log's end), u1 at day 8; b: u1 at day 6;
        // c is in the log but not in the matrix; d is in the matrix, never in the log.
        log.push("u0", "a", 1.0, Some(2 * DAY));
        log.push("u0", "a", 3.0, Some(10 * DAY));
        log.push("u1", "a", 1.0, Some(8 * DAY));
        log.push("u1", "b", 1.0, Some(6 * DAY));
        log.push("u1", "c", 1.0, Some(9 * DAY));
        let mut items = IdMap::default();
        for id in ["d", "b", "a"] {
            items.intern(id);
        }
        let p = popularity(&log, &items, 2.0).unwrap();
        assert_eq!(p, vec![0.0, 0.25, 1.5]);
        // A very long half-life is the all-time count of customers.
        let p = popularity(&log, &items, 1e12).unwrap();
        assert_eq!(p, vec![0.0, 1.0, 2.0]);
        // Stray events far beyond the rest (under 0.1% of the log) are not "now": ages
        // stay measured from day 10, and the strays count in full.
        let mut late = log.clone();
        for _ in 0..1000 {
            late.push("u3", "z", 1.0, Some(5 * DAY));
        }
        late.push("u9", "b", 1.0, Some(1000 * DAY));
        let p = popularity(&late, &items, 2.0).unwrap();
        assert_eq!(p, vec![0.0, 1.25, 1.5]);
        // No time on a row: no recency.
        log.push("u2", "a", 1.0, None);
        assert_eq!(popularity(&log, &items, 2.0), None);
    }
}
