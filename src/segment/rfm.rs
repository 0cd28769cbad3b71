//! RFM: how recently, how often and how much a shopper buys, scored 1..=5 against quintile
//! thresholds computed over the store's customers, and named by a fixed rule table.
//!
//! The same function computes the raw values offline (over each training customer's
//! purchases) and on the device (over the local history), so a shopper's scores are the
//! ones the store's population was scored with:
//!
//! - **recency**: days from the last purchase to "now" (fractional; never negative);
//! - **frequency**: distinct UTC calendar days with at least one purchase (the device sees
//!   events, not orders, and one day's purchases are one visit);
//! - **monetary**: the sum of the catalog price of every purchase event (0 without prices).
//!
//! Only purchase events count; views and carts say nothing about buying.

use thiserror::Error;

use crate::profile::{Event, EventKind};

const MS_PER_DAY: f64 = 86_400_000.0;

/// Raw RFM values of one shopper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfm {
    pub recency_days: f64,
    pub frequency: u32,
    pub monetary: f64,
}

/// RFM of a purchase history; `None` without any purchase. Events without a timestamp
/// count as happening at `now_ms`.
pub fn rfm(events: &[Event], prices: Option<&[f32]>, now_ms: f64) -> Option<Rfm> {
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
    Some(Rfm {
        recency_days: ((now_ms - last) / MS_PER_DAY).max(0.0),
        frequency: days.len() as u32,
        monetary,
    })
}

/// Why a set of thresholds is unusable.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum RfmError {
    #[error("RFM {row} thresholds must be finite and non-negative, found {value}")]
    InvalidValue { row: &'static str, value: f32 },
    // No values in the message: formatting an f32 array would add float formatting code to
    // the wasm for one error message.
    #[error("RFM {row} thresholds must not decrease")]
    Decreasing { row: &'static str, values: [f32; 4] },
}

/// The 20/40/60/80 % quantiles of each raw value over a population: the boundaries
/// between scores 1..=5. Stored as f32 and compared as such, offline and on the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmThresholds {
    recency: [f32; 4],
    frequency: [f32; 4],
    monetary: [f32; 4],
}

/// Names of the three rows, in their stored order.
pub const RFM_ROWS: [&str; 3] = ["recency", "frequency", "monetary"];

impl RfmThresholds {
    /// Checked thresholds: finite, non-negative, non-decreasing within each row.
    pub fn new(
        recency: [f32; 4],
        frequency: [f32; 4],
        monetary: [f32; 4],
    ) -> Result<RfmThresholds, RfmError> {
        for (row, values) in RFM_ROWS.into_iter().zip([recency, frequency, monetary]) {
            if let Some(&value) = values.iter().find(|v| !v.is_finite() || **v < 0.0) {
                return Err(RfmError::InvalidValue { row, value });
            }
            if values.windows(2).any(|w| w[1] < w[0]) {
                return Err(RfmError::Decreasing { row, values });
            }
        }
        Ok(RfmThresholds {
            recency,
            frequency,
            monetary,
        })
    }

    /// Quintile boundaries of `population` (linear interpolation between order
    /// statistics, as NumPy's default); `None` for an empty population.
    pub fn from_population(population: &[Rfm]) -> Option<RfmThresholds> {
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

    /// The rows in stored order: recency, frequency, monetary.
    pub fn rows(&self) -> [[f32; 4]; 3] {
        [self.recency, self.frequency, self.monetary]
    }

    /// Scores 1..=5: recent buyers get a high R, frequent and big spenders high F and M.
    pub fn score(&self, rfm: &Rfm) -> RfmScores {
        let above =
            |value: f64, row: &[f32; 4]| row.iter().filter(|&&t| value > t as f64).count() as u8;
        RfmScores {
            r: 5 - above(rfm.recency_days, &self.recency),
            f: 1 + above(rfm.frequency as f64, &self.frequency),
            m: 1 + above(rfm.monetary, &self.monetary),
        }
    }
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    let position = p * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// R, F and M scores, each 1..=5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmScores {
    pub r: u8,
    pub f: u8,
    pub m: u8,
}

/// Named RFM segments; [`RfmScores::segment`] documents the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RfmSegment {
    Champions,
    Loyal,
    PotentialLoyalist,
    New,
    NeedsAttention,
    AtRisk,
    Hibernating,
    Lost,
}

impl RfmSegment {
    pub const ALL: [RfmSegment; 8] = [
        RfmSegment::Champions,
        RfmSegment::Loyal,
        RfmSegment::PotentialLoyalist,
        RfmSegment::New,
        RfmSegment::NeedsAttention,
        RfmSegment::AtRisk,
        RfmSegment::Hibernating,
        RfmSegment::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RfmSegment::Champions => "Champions",
            RfmSegment::Loyal => "Loyal",
            RfmSegment::PotentialLoyalist => "Potential loyalist",
            RfmSegment::New => "New",
            RfmSegment::NeedsAttention => "Needs attention",
            RfmSegment::AtRisk => "At risk",
            RfmSegment::Hibernating => "Hibernating",
            RfmSegment::Lost => "Lost",
        }
    }
}

impl RfmScores {
    /// The rule table, first match wins (it covers every score combination):
    ///
    /// | segment | rule |
    /// |---|---|
    /// | Champions | R ≥ 4, F ≥ 4, M ≥ 4 |
    /// | Loyal | R ≥ 3, F ≥ 4 |
    /// | Potential loyalist | R ≥ 4, F 2..=3 |
    /// | New | R ≥ 4, F = 1 |
    /// | Needs attention | R = 3 (F ≤ 3) |
    /// | At risk | R ≤ 2, F ≥ 3 |
    /// | Hibernating | R = 2 (F ≤ 2) |
    /// | Lost | R = 1 (F ≤ 2) |
    pub fn segment(&self) -> RfmSegment {
        let RfmScores { r, f, m } = *self;
        match (r, f) {
            _ if r >= 4 && f >= 4 && m >= 4 => RfmSegment::Champions,
            _ if r >= 3 && f >= 4 => RfmSegment::Loyal,
            _ if r >= 4 && f >= 2 => RfmSegment::PotentialLoyalist,
            _ if r >= 4 => RfmSegment::New,
            (3, _) => RfmSegment::NeedsAttention,
            _ if f >= 3 => RfmSegment::AtRisk,
            (2, _) => RfmSegment::Hibernating,
            _ => RfmSegment::Lost,
        }
    }
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
        let population: Vec<Rfm> = (0..100)
            .map(|i| Rfm {
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

    #[test]
    fn thresholds_are_checked() {
        let ok = [1.0, 2.0, 3.0, 4.0];
        assert!(RfmThresholds::new(ok, ok, ok).is_ok());
        assert!(matches!(
            RfmThresholds::new(ok, [1.0, 0.5, 2.0, 3.0], ok),
            Err(RfmError::Decreasing {
                row: "frequency",
                ..
            })
        ));
        assert!(matches!(
            RfmThresholds::new(ok, ok, [f32::NAN, 1.0, 2.0, 3.0]),
            Err(RfmError::InvalidValue {
                row: "monetary",
                ..
            })
        ));
        assert!(RfmThresholds::new([-1.0, 0.0, 0.0, 0.0], ok, ok).is_err());
    }

    #[test]
    fn the_rule_table_names_every_score_combination() {
        let named = |r, f, m| RfmScores { r, f, m }.segment();
        assert_eq!(named(5, 5, 5), RfmSegment::Champions);
        assert_eq!(named(5, 5, 2), RfmSegment::Loyal);
        assert_eq!(named(3, 4, 1), RfmSegment::Loyal);
        assert_eq!(named(4, 3, 5), RfmSegment::PotentialLoyalist);
        assert_eq!(named(5, 1, 1), RfmSegment::New);
        assert_eq!(named(3, 2, 2), RfmSegment::NeedsAttention);
        assert_eq!(named(2, 5, 5), RfmSegment::AtRisk);
        assert_eq!(named(1, 3, 1), RfmSegment::AtRisk);
        assert_eq!(named(2, 2, 5), RfmSegment::Hibernating);
        assert_eq!(named(1, 1, 1), RfmSegment::Lost);
        let mut seen = std::collections::BTreeSet::new();
        for r in 1..=5 {
            for f in 1..=5 {
                for m in 1..=5 {
                    seen.insert(named(r, f, m));
                }
            }
        }
        assert_eq!(seen.len(), RfmSegment::ALL.len());
    }
}
