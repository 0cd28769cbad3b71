//! "Trending": popularity with recent events counting more. Each event adds its weight
//! halved every `half_life_days` before the newest event of the log (the build's "now"):
//!
//! `score_i = Σ_{events e on i} w_e · 2^(−(t_now − t_e) / half_life)`
//!
//! so an item bought 50 times a half-life ago scores as one bought 25 times today. The
//! device ranks the shipped scores (overall, or within a category for "popular in X"); the
//! catalog states the half-life (`trending.half_life_days`) and `t_now` (`trending.as_of`).

use shopwindow::catalog::TrendingSpec;
use shopwindow::Catalog;

use crate::data::EventLog;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendingConfig {
    /// Finite, > 0.
    pub half_life_days: f32,
}

impl Default for TrendingConfig {
    fn default() -> Self {
        TrendingConfig {
            half_life_days: 7.0,
        }
    }
}

/// The trending score of every catalog item (0 for items without timed events), or
/// `None` when no event of the log has a timestamp.
pub fn trending_scores(
    log: &EventLog,
    catalog: &Catalog,
    config: &TrendingConfig,
) -> Option<TrendingSpec> {
    let now = log.events.iter().filter_map(|e| e.timestamp).max()?;
    let index: Vec<Option<u32>> = log
        .items
        .ids()
        .iter()
        .map(|id| catalog.index_of(id))
        .collect();
    let half_life_s = config.half_life_days as f64 * 86_400.0;
    let mut scores = vec![0.0f64; catalog.len()];
    for e in &log.events {
        if let (Some(t), Some(i)) = (e.timestamp, index[e.item as usize]) {
            let age = (now - t) as f64;
            scores[i as usize] += e.weight.max(0.0) as f64 * (-age / half_life_s).exp2();
        }
    }
    Some(TrendingSpec {
        scores: scores.into_iter().map(|s| s as f32).collect(),
        half_life_days: config.half_life_days,
        as_of: Some(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_one_half_life_old_counts_half() {
        let mut builder = shopwindow::CatalogBuilder::new(1);
        for id in ["old", "new", "never"] {
            builder
                .push(shopwindow::ItemRecord::new(id), &[1.0])
                .unwrap();
        }
        let catalog = Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap();
        let mut log = EventLog::default();
        let day = 86_400;
        log.push("u", "old", 2.0, Some(0));
        log.push("u", "old", 1.0, Some(14 * day));
        log.push("v", "new", 1.0, Some(14 * day));
        let config = TrendingConfig {
            half_life_days: 7.0,
        };
        let spec = trending_scores(&log, &catalog, &config).unwrap();
        // 2 · 2^-2 + 1 = 1.5
        assert_eq!(spec.scores, vec![1.5, 1.0, 0.0]);
        assert_eq!(spec.as_of, Some(14 * day));
        let mut untimed = EventLog::default();
        untimed.push("u", "old", 1.0, None);
        assert!(trending_scores(&untimed, &catalog, &config).is_none());
    }
}
