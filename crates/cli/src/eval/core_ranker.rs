//! Ranks with the core's [`Recommender`]: the catalog is written and re-read exactly as the
//! browser gets it, and each user's training history is folded in by the same code the
//! browser runs (exact iALS fold-in, history excluded, core top-k).

use anyhow::{ensure, Context, Result};
use shopwindow::{
    Catalog, Event, EventKind, EventWeights, HistoryExclusion, ProfileConfig, RecommendOptions,
    Recommender,
};

use super::Ranker;
use crate::data::Csr;

/// The profile settings under which one history event adds exactly 1 to `w_i`, so a
/// user's history of purchase events reproduces the training matrix row.
pub fn unit_profile() -> ProfileConfig {
    ProfileConfig {
        weights: EventWeights {
            view: 1.0,
            cart: 1.0,
            purchase: 1.0,
        },
        half_life_days: None,
        now_ms: None,
    }
}

/// A training row as browser history: `w` purchase events per item with weight `w`.
///
/// The browser's history is a list of events, so weights must be whole numbers (counts),
/// which every protocol here has.
pub fn history_events(columns: &[u32], weights: &[f32]) -> Result<Vec<Event>> {
    let mut events = Vec::with_capacity(columns.len());
    for (&item, &w) in columns.iter().zip(weights) {
        ensure!(
            w >= 1.0 && w.fract() == 0.0,
            "weight {w} at training column {item} is not a whole count; the browser's history counts events"
        );
        for _ in 0..w as usize {
            events.push(Event {
                item,
                kind: EventKind::Purchase,
                timestamp_ms: None,
            });
        }
    }
    Ok(events)
}

/// The browser's ranking of a catalog whose items are the training matrix's columns.
pub struct CoreRanker<'a> {
    recommender: Recommender,
    train: &'a Csr,
}

impl<'a> CoreRanker<'a> {
    pub fn new(catalog_bytes: Vec<u8>, train: &'a Csr) -> Result<CoreRanker<'a>> {
        let catalog = Catalog::from_bytes(catalog_bytes).context("reading the catalog back")?;
        ensure!(
            catalog.len() == train.cols(),
            "catalog and training matrix disagree on the number of items"
        );
        Ok(CoreRanker {
            recommender: Recommender::new(catalog),
            train,
        })
    }

    pub fn recommender(&self) -> &Recommender {
        &self.recommender
    }

    /// The options every evaluation uses: top k, whole history excluded, no diversity.
    pub fn options(k: usize) -> RecommendOptions {
        RecommendOptions {
            k,
            exclude_history: HistoryExclusion::All,
            profile: unit_profile(),
            ..RecommendOptions::default()
        }
    }

    /// Top k with scores, for the golden files.
    pub fn rank_scored(&self, row: usize, k: usize) -> Result<Vec<(u32, f32)>> {
        let (columns, weights) = self.train.row(row);
        let history = history_events(columns, weights)?;
        let result = self
            .recommender
            .recommend(&history, &Self::options(k))
            .context("the core recommender failed")?;
        Ok(result.items.iter().map(|r| (r.index, r.score)).collect())
    }
}

impl Ranker for CoreRanker<'_> {
    fn rank(&self, row: usize, k: usize) -> Result<Vec<u32>> {
        Ok(self
            .rank_scored(row, k)?
            .into_iter()
            .map(|(i, _)| i)
            .collect())
    }
}

/// [`CoreRanker`] with `interests: true`: the core's multi-interest recommend (the
/// browser's `recommend({ interests: true })`), per-interest lists interleaved. A user whose
/// history is one interest gets exactly the single-vector list.
pub struct InterestRanker<'a>(pub CoreRanker<'a>);

impl Ranker for InterestRanker<'_> {
    fn rank(&self, row: usize, k: usize) -> Result<Vec<u32>> {
        let (columns, weights) = self.0.train.row(row);
        let history = history_events(columns, weights)?;
        let mut options = CoreRanker::options(k);
        options.interests = Some(
            self.0
                .recommender
                .interest_labels(&history, &options.profile),
        );
        let result = self
            .0
            .recommender
            .recommend(&history, &options)
            .context("the core recommender failed")?;
        Ok(result.items.iter().map(|r| r.index).collect())
    }
}

#[cfg(test)]
mod tests {
    use shopwindow::{CatalogBuilder, ItemRecord};

    use super::*;

    /// Items 0..10 point along the first axis, 10..20 along the second.
    fn two_tastes() -> Vec<u8> {
        let mut builder = CatalogBuilder::new(3);
        for i in 0..20 {
            let wobble = (i % 5) as f32 * 0.05;
            let mut v = [wobble, wobble, 0.1];
            v[i / 10] = 1.0;
            builder.push(ItemRecord::new(format!("i{i}")), &v).unwrap();
        }
        builder.to_bytes().unwrap()
    }

    #[test]
    fn the_interest_ranker_interleaves_both_tastes_of_a_user() {
        // User 0 bought three items of each taste (taste one twice as often); user 1 one item.
        let train = Csr::from_triples(
            2,
            20,
            vec![
                (0, 0, 2.0),
                (0, 1, 2.0),
                (0, 2, 2.0),
                (0, 11, 1.0),
                (0, 12, 1.0),
                (0, 13, 1.0),
                (1, 5, 1.0),
            ],
        );
        let ranker = InterestRanker(CoreRanker::new(two_tastes(), &train).unwrap());
        let list = ranker.rank(0, 6).unwrap();
        let tastes: Vec<u32> = list.iter().map(|&i| i / 10).collect();
        assert_eq!(tastes.len(), 6);
        assert!(
            tastes.windows(2).all(|w| w[0] != w[1]),
            "alternating tastes: {list:?}"
        );
        assert!(list.iter().all(|i| ![0, 1, 2, 11, 12, 13].contains(i)));
        // One item is one interest: exactly the single-vector list.
        assert_eq!(ranker.rank(1, 5).unwrap(), ranker.0.rank(1, 5).unwrap());
    }
}
