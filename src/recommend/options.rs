//! What a request may ask for and what it gets back.

use super::fresh::Fresh;
use super::rules::Rules;
use crate::error::RecommendError;
use crate::number::Num;
use crate::profile::{Event, ProfileConfig};
use crate::topk::FilterSpec;

/// Which history items never come back as recommendations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistoryExclusion {
    /// Everything the shopper viewed, carted or bought.
    #[default]
    All,
    /// Only what they bought.
    Purchased,
    /// Nothing: history items may be recommended again.
    None,
}

/// Options of [`Recommender::recommend`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendOptions {
    pub k: usize,
    pub filter: FilterSpec,
    pub exclude_history: HistoryExclusion,
    /// 0 = rank by relevance only; up to 1 = strongest MMR diversification.
    pub diversity: f32,
    /// Also compute the calibrated click probability `P(i|u)` of each returned item.
    pub probabilities: bool,
    /// Category of the page being viewed; ranks that category first on cold start.
    pub context_category: Option<u32>,
    pub profile: ProfileConfig,
    /// Multi-interest: the interest labels of the history's points
    /// ([`Recommender::interest_labels`], or the browser's interests module on
    /// [`Recommender::interest_points`]); one list per interest, interleaved (see
    /// [`Recommender::finish_interests`]). Empty labels: the history is one interest.
    /// `None` (the default): one list. On Online Retail it does not raise recall@20
    /// (BENCHMARKS.md).
    pub interests: Option<Vec<u8>>,
    /// Merchandising rules (`rules.rs`); `hide_bought` reads the request's history.
    pub rules: Rules,
    /// A share of the places for content-derived products (`fresh.rs`).
    pub fresh: Option<Fresh>,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        RecommendOptions {
            k: 10,
            filter: FilterSpec::default(),
            exclude_history: HistoryExclusion::All,
            diversity: 0.0,
            probabilities: false,
            context_category: None,
            profile: ProfileConfig::default(),
            interests: None,
            rules: Rules::default(),
            fresh: None,
        }
    }
}

/// Options of [`Recommender::similar`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarOptions {
    pub k: usize,
    pub filter: FilterSpec,
    pub diversity: f32,
    /// Merchandising rules (`rules.rs`).
    pub rules: Rules,
    /// The shopper's history, read only by `rules.hide_bought`.
    pub history: Vec<Event>,
    /// A share of the places for content-derived products (`fresh.rs`).
    pub fresh: Option<Fresh>,
}

impl Default for SimilarOptions {
    fn default() -> Self {
        SimilarOptions {
            k: 10,
            filter: FilterSpec::default(),
            diversity: 0.0,
            rules: Rules::default(),
            history: Vec::new(),
            fresh: None,
        }
    }
}

/// How a list was produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// From the shopper's folded-in vector.
    Personalized,
    /// Cold start: by popularity (optionally the page's category first).
    Popular,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Personalized => "personalized",
            Strategy::Popular => "popular",
        }
    }
}

/// One recommended item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recommended {
    pub index: u32,
    pub score: f32,
    /// `P(i|u)` over the whole catalog, when requested and personalized (with interests:
    /// under the vector of the interest that proposed the item).
    pub probability: Option<f32>,
    /// The interest that proposed the item (0 = the one with most history items), when the
    /// list was interleaved from two or more interests.
    pub interest: Option<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendations {
    pub items: Vec<Recommended>,
    pub strategy: Strategy,
}

/// Largest k a request may ask for.
pub const MAX_K: usize = 1000;

pub(super) fn check_k(k: usize) -> Result<(), RecommendError> {
    if k == 0 || k > MAX_K {
        return Err(RecommendError::InvalidOption {
            name: "k",
            reason: format!("{k} is not between 1 and {MAX_K}"),
        });
    }
    Ok(())
}

pub(super) fn check_diversity(diversity: f32) -> Result<(), RecommendError> {
    if !(0.0..=1.0).contains(&diversity) {
        return Err(RecommendError::InvalidOption {
            name: "diversity",
            reason: format!("{} is not between 0 and 1", Num(diversity)),
        });
    }
    Ok(())
}

/// How many candidates MMR chooses from: enough room to trade relevance for variety.
pub(super) fn pool_size(k: usize, diversity: f32) -> usize {
    if diversity > 0.0 {
        (k * 4).max(40)
    } else {
        k
    }
}
