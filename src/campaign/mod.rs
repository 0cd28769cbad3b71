//! Campaign optimization on the device: which banner, offer or email-capture variant to
//! show, learned from what this shopper does, without sending the history anywhere.
//!
//! - [`definition`]: campaigns.json (campaigns, variants, policy, priors per segment),
//!   validated into checked types; `raw` reads the file's shapes before validation.
//! - [`limits`]: the bounds of the file and of the state.
//! - [`context`]: the on-device features a decision sees.
//! - [`policy`]: ε-greedy, Thompson sampling and LinUCB as action distributions, with the
//!   exploration floor; every decision carries the propensity of its action.
//! - [`state`]: the bounded, serializable statistics a device keeps.
//! - [`ldp`]: optional randomized-response reports under a lifetime privacy budget.
//! - [`random`]: the seeded generator (the core takes seeds, never entropy).
//!
//! [`choose`], [`reward`] and [`privacy_report`] tie them together.

pub mod context;
pub mod definition;
pub mod error;
mod json;
pub mod ldp;
pub mod limits;
pub mod policy;
pub mod random;
mod raw;
pub mod state;

pub use context::{
    project_user, rfm_from_json, segment_from_json, user_from_json, FeatureSpec, PolicyContext,
    ShopperStanding, StandingRequest, CONTEXT_FIELDS,
};
pub use definition::{Campaign, CampaignBook, PolicyKind, PrivacyConfig, Variant, VariantPrior};
pub use error::CampaignError;
pub use ldp::LdpReport;
pub use random::Rng;
// The scores a context carries (the type lives below the campaigns, with the other RFM data).
pub use crate::rfm::RfmScores;
pub use state::{CampaignState, PolicyState};

use crate::number::{Num, Quoted};
use limits::MAX_PENDING;
use state::{EpochObservation, Pending};

/// One decision: the variant to show and the probability it was chosen with.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub variant: usize,
    pub variant_id: String,
    pub label: Option<String>,
    /// The probability of `variant` in `probabilities` (what off-policy evaluation needs).
    pub propensity: f64,
    /// The whole action distribution, in variant order.
    pub probabilities: Vec<f64>,
    pub policy: &'static str,
}

/// Decides which variant of `campaign_id` to show, records the show, and remembers the
/// decision so that a reward can attach to it. `now_ms` places it in a privacy epoch.
pub fn choose(
    book: &CampaignBook,
    state: &mut PolicyState,
    campaign_id: &str,
    context: &PolicyContext,
    now_ms: Option<f64>,
    rng: &mut Rng,
) -> Result<Decision, CampaignError> {
    let campaign = book.get(campaign_id)?;
    let x = campaign
        .features
        .features(context)
        .map_err(CampaignError::Context)?;
    let epoch = match (book.privacy, now_ms) {
        (Some(privacy), Some(now)) if now.is_finite() && now >= 0.0 => {
            Some((now / privacy.epoch_ms).floor() as u64)
        }
        _ => None,
    };
    let stats = state.campaign_mut(campaign);
    let probabilities = policy::probabilities(campaign, stats, context.segment, &x, rng);
    let variant = rng.pick(&probabilities);
    let linear_x: Vec<f64> = if stats.dim > 0 { x } else { Vec::new() };
    stats.record_show(variant, &linear_x, campaign.max_observations);
    let opens_epoch = epoch.filter(|&e| stats.epoch.is_none_or(|o| o.epoch != e));
    if let Some(e) = opens_epoch {
        stats.epoch = Some(EpochObservation {
            epoch: e,
            variant,
            clicked: false,
        });
    }
    stats.remember(Pending {
        variant,
        features: linear_x,
        rewarded: false,
        epoch: opens_epoch,
    });
    let chosen = &campaign.variants[variant];
    Ok(Decision {
        variant,
        variant_id: chosen.id.clone(),
        label: chosen.label.clone(),
        propensity: probabilities[variant],
        probabilities,
        policy: campaign.policy.name(),
    })
}

/// Attaches `reward` (0 to 1; a click is 1) to the latest of `campaign_id`'s last
/// `MAX_PENDING` decisions that showed `variant_id` and has not been rewarded yet.
pub fn reward(
    book: &CampaignBook,
    state: &mut PolicyState,
    campaign_id: &str,
    variant_id: &str,
    reward: f64,
) -> Result<(), CampaignError> {
    let campaign = book.get(campaign_id)?;
    if !(0.0..=1.0).contains(&reward) {
        return Err(CampaignError::Reward(reward));
    }
    let variant =
        campaign
            .variant_index(variant_id)
            .ok_or_else(|| CampaignError::UnknownVariant {
                campaign: campaign_id.into(),
                variant: variant_id.into(),
            })?;
    let stats = state.campaign_mut(campaign);
    let no_decision = |reason: String| CampaignError::NoDecision {
        campaign: campaign_id.into(),
        reason,
    };
    // The latest such decision: with two tabs showing the same variant, either click may
    // take either decision; both were shown, so the counts are right either way.
    let pending = stats
        .pending
        .iter_mut()
        .rev()
        .find(|p| p.variant == variant && !p.rewarded)
        .ok_or_else(|| {
            no_decision(format!(
                "none of the last {MAX_PENDING} decisions showed {} without a reward yet",
                Quoted(variant_id)
            ))
        })?;
    pending.rewarded = true;
    let (features, epoch) = (pending.features.clone(), pending.epoch);
    stats.record_reward(variant, &features, reward);
    if reward > 0.0 {
        if let (Some(e), Some(obs)) = (epoch, stats.epoch.as_mut()) {
            if obs.epoch == e {
                obs.clicked = true;
            }
        }
    }
    Ok(())
}

/// The randomized-response report of `campaign_id` for the epoch of its latest
/// observation, spending ε from the device's lifetime budget (once per epoch: asking again
/// returns the same report at no cost). Refused when the store has not opted in, when
/// there is nothing to report, or once the budget would be exceeded.
pub fn privacy_report(
    book: &CampaignBook,
    state: &mut PolicyState,
    campaign_id: &str,
    rng: &mut Rng,
) -> Result<LdpReport, CampaignError> {
    let campaign = book.get(campaign_id)?;
    let privacy = book
        .privacy
        .ok_or_else(|| CampaignError::Privacy("this store does not collect reports".into()))?;
    let observation = state
        .campaign(campaign_id)
        .and_then(|s| s.epoch)
        .ok_or_else(|| CampaignError::Privacy("no decision to report yet".into()))?;
    let ledger = &mut state.privacy;
    let previous = ledger.last.iter().position(|r| r.campaign == campaign_id);
    if let Some(last) = previous
        .map(|at| &ledger.last[at])
        .filter(|r| r.epoch == observation.epoch)
    {
        return Ok(last.clone());
    }
    if ledger.spent + privacy.epsilon > privacy.lifetime_budget * (1.0 + 1e-12) {
        return Err(CampaignError::Privacy(format!(
            "the lifetime privacy budget is spent (ε {} of {})",
            Num(ledger.spent),
            Num(privacy.lifetime_budget)
        )));
    }
    let domain = 2 * campaign.variants.len();
    let truth = ldp::pair_index(observation.variant, observation.clicked);
    let reported = ldp::randomize(truth, domain, privacy.epsilon, rng);
    let report = LdpReport {
        campaign: campaign_id.into(),
        epoch: observation.epoch,
        variant: campaign.variants[reported / 2].id.clone(),
        clicked: reported % 2 == 1,
        epsilon: privacy.epsilon,
    };
    ledger.spent += privacy.epsilon;
    ledger.reports += 1;
    match previous {
        Some(at) => ledger.last[at] = report.clone(),
        None => ledger.last.push(report.clone()),
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
