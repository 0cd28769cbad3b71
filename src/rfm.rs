//! RFM as plain data: how recently, how often and how much a shopper buys (the raw
//! values), the quintile thresholds the catalog ships, the 1..=5 scores those thresholds
//! give and the named segment of a score triple (a fixed rule table).
//!
//! These types sit at the bottom of the crate because the catalog format stores the
//! thresholds and the campaign context takes the scores; computing the values from a
//! history and the thresholds from a population is `segment::rfm`'s job.
//!
//! - **recency**: days from the last purchase to "now" (fractional; never negative);
//! - **frequency**: distinct UTC calendar days with at least one purchase (the device sees
//!   events, not orders, and one day's purchases are one visit);
//! - **monetary**: the sum of the catalog price of every purchase event (0 without prices).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::number::Num;

/// Raw RFM values of one shopper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmValues {
    pub recency_days: f64,
    pub frequency: u32,
    pub monetary: f64,
}

/// Why a set of thresholds is unusable.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum RfmError {
    #[error("RFM {row} thresholds must be finite and non-negative, found {}", Num(*.value))]
    InvalidValue { row: &'static str, value: f32 },
    // No values in the message: a list of four numbers says less than the row's name.
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

/// Coordinates an RFM standing adds to a segment point, one per score: with
/// `segment.rfm_weight` the catalog's centroids are `d + RFM_FEATURES` wide.
pub const RFM_FEATURES: usize = 3;

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

    /// The rows in stored order: recency, frequency, monetary.
    pub fn rows(&self) -> [[f32; 4]; 3] {
        [self.recency, self.frequency, self.monetary]
    }

    /// Scores 1..=5: recent buyers get a high R, frequent and big spenders high F and M.
    pub fn score(&self, rfm: &RfmValues) -> RfmScores {
        let above =
            |value: f64, row: &[f32; 4]| row.iter().filter(|&&t| value > t as f64).count() as u8;
        RfmScores {
            r: 5 - above(rfm.recency_days, &self.recency),
            f: 1 + above(rfm.frequency as f64, &self.frequency),
            m: 1 + above(rfm.monetary, &self.monetary),
        }
    }
}

/// R, F and M scores, each 1..=5. Serializable as `{r, f, m}`: a shopper's scores cross
/// from the catalog's wasm module to the campaigns' module as a plain object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
