//! Everything that can go wrong with campaign definitions, decisions and reports.

use thiserror::Error;

use crate::number::{Num, Quoted};

#[derive(Debug, Error, Clone, PartialEq)]
pub enum CampaignError {
    /// campaigns.json is not valid JSON or has the wrong shape (serde's message says where).
    #[error("invalid campaigns file: {0}")]
    Parse(String),

    /// campaigns.json parses but says something impossible.
    #[error("invalid campaign {}: {reason}", Quoted(.campaign))]
    Invalid { campaign: String, reason: String },

    #[error("unknown campaign {}", Quoted(.0))]
    UnknownCampaign(String),

    #[error("campaign {} has no variant {}", Quoted(.campaign), Quoted(.variant))]
    UnknownVariant { campaign: String, variant: String },

    /// A reward without a decision to attach it to.
    #[error("campaign {}: {reason}", Quoted(.campaign))]
    NoDecision { campaign: String, reason: String },

    /// A decision context that does not fit the campaign.
    #[error("invalid context: {0}")]
    Context(String),

    #[error("invalid reward {}: rewards are numbers from 0 to 1", Num(*.0))]
    Reward(f64),

    /// Stored policy state that cannot be used (corrupt, or from another format).
    #[error("invalid policy state: {0}")]
    State(String),

    /// Local differential privacy: reporting is off, nothing to report, or the budget is spent.
    #[error("privacy report refused: {0}")]
    Privacy(String),
}

pub(crate) fn invalid(campaign: &str, reason: impl Into<String>) -> CampaignError {
    CampaignError::Invalid {
        campaign: campaign.to_string(),
        reason: reason.into(),
    }
}
