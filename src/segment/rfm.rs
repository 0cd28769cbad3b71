//! RFM computed: the raw values of a purchase history and the quintile thresholds of a
//! population (the types, the scores and the rule table are plain data in [`crate::rfm`]).
//!
//! The same function computes the raw values offline (over each training customer's
//! purchases) and on the device (over the local history), so a shopper's scores are the
//! ones the store's population was scored with. Only purchase events count; views and
//! carts say nothing about buying (the definitions of recency, frequency and monetary are
//! in [`crate::rfm`]).

use crate::event::{Event, EventKind};
use crate::rfm::{RfmThresholds, RfmValues};

const MS_PER_DAY: f64 = 86_400_000.0;

/// RFM of a purchase history; `None` without any purchase. Events without a timestamp
/// count as happening at `now_ms`.
pub fn rfm(events: &[Event], prices: Option<&[f32]>, now_ms: f64) -> Option<RfmValues> {
    let mut days: Vec<i64> = Vec::new();
    let mut last = f64::NEG_INFINITY;
    let mut monetary = 0.0;
    for event in events.iter().filter(|e| e.kind == EventKind::Purchase) {
        let t = event.timestamp_ms.unwrap_or(now_ms);
        last = last.max(t);
        let day = (t / MS_PER_DAY).floor() as i64;
        // A linear search, not sort + dedup: histories are capped (1,000 events by
        // default) and a sort of i64 would be one more sort instantiation in the wasm.
        if !days.contains(&day) {
            days.push(day);
        }
        monetary += prices.map_or(0.0, |p| p[event.item as usize] as f64);
    }
    if days.is_empty() {
        return None;
    }
    Some(RfmValues {
        recency_days: ((now_ms - last) / MS_PER_DAY).max(0.0),
        frequency: days.len() as u32,
        monetary,
    })
}

// An inherent impl outside the type's module: the thresholds are data the catalog format
// stores (so they live below it), computing them from customers is segmentation.
impl RfmThresholds {
    /// Quintile boundaries of `population` (linear interpolation between order
    /// statistics, as NumPy's default); `None` for an empty population.
    pub fn from_population(population: &[RfmValues]) -> Option<RfmThresholds> {
        if population.is_empty() {
            return None;
        }
        let quintiles = |mut values: Vec<f64>| -> [f32; 4] {
            values.sort_by(f64::total_cmp);
            [0.2, 0.4, 0.6, 0.8].map(|p| quantile(&values, p) as f32)
        };
        let thresholds = RfmThresholds::new(
            quintiles(population.iter().map(|r| r.recency_days).collect()),
            quintiles(population.iter().map(|r| r.frequency as f64).collect()),
            quintiles(population.iter().map(|r| r.monetary).collect()),
        );
        // Quantiles of finite non-negative values are themselves sorted, finite and
        // non-negative.
        thresholds.ok()
    }
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    let position = p * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purchase(item: u32, day: f64) -> Event {
        Event {
            item,
            kind: EventKind::Purchase,
            timestamp_ms: Some(day * MS_PER_DAY),
        }
    }

    #[test]
    fn raw_values_count_purchase_days_and_catalog_prices() {
        let prices = [2.0, 10.0, 0.5];
        let events = [
            purchase(0, 1.2),
            purchase(1, 1.7), // same day as the first: one visit
            purchase(2, 4.5),
            Event {
                item: 1,
                kind: EventKind::View,
                timestamp_ms: Some(9.0 * MS_PER_DAY),
            },
        ];
        let got = rfm(&events, Some(&prices), 10.5 * MS_PER_DAY).unwrap();
        assert_eq!(got.frequency, 2);
        assert!((got.recency_days - 6.0).abs() < 1e-9, "{got:?}");
        assert!((got.monetary - 12.5).abs() < 1e-9);
        assert_eq!(rfm(&events, None, 10.5 * MS_PER_DAY).unwrap().monetary, 0.0);
        assert_eq!(rfm(&events[3..], Some(&prices), 0.0), None);
    }

    #[test]
    fn future_purchases_count_as_now() {
        let got = rfm(&[purchase(0, 5.0)], None, 4.0 * MS_PER_DAY).unwrap();
        assert_eq!(got.recency_days, 0.0);
    }

    #[test]
    fn quintiles_split_a_uniform_population_into_fifths() {
        let population: Vec<RfmValues> = (0..100)
            .map(|i| RfmValues {
                recency_days: i as f64,
                frequency: i,
                monetary: 10.0 * i as f64,
            })
            .collect();
        let t = RfmThresholds::from_population(&population).unwrap();
        let mut counts = [[0usize; 5]; 3];
        for r in &population {
            let s = t.score(r);
            counts[0][s.r as usize - 1] += 1;
            counts[1][s.f as usize - 1] += 1;
            counts[2][s.m as usize - 1] += 1;
        }
        for row in counts {
            assert_eq!(row, [20; 5]);
        }
        // The most recent buyers get R = 5.
        assert_eq!(t.score(&population[0]).r, 5);
        assert_eq!(t.score(&population[99]).r, 1);
        assert_eq!(RfmThresholds::from_population(&[]), None);
    }
}
