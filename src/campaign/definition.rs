//! campaigns.json: what the store ships beside the catalog, parsed strictly (unknown
//! fields are errors) and validated once into [`CampaignBook`].
//!
//! ```json
//! { "version": 1,
//!   "privacy": { "epsilon": 1.0, "lifetimeBudget": 4.0, "epochHours": 24 },
//!   "campaigns": [{
//!     "id": "home-banner",
//!     "variants": [{ "id": "sale", "label": "Spring sale" }, { "id": "shipping" }],
//!     "policy": { "kind": "thompson", "draws": 256 },
//!     "floor": 0.05,
//!     "context": { "userDims": 4, "pages": ["home", "product"] },
//!     "priors": [ { "variant": "sale", "alpha": 2, "beta": 40 },
//!                 { "segment": 3, "variant": "sale", "alpha": 6, "beta": 30 } ] }] }
//! ```
//!
//! Priors are a flat list: an entry without `segment` is the default for its variant, one
//! with a segment overrides it for shoppers of that segment. (Lists rather than nested
//! JSON objects keep the parser small in the wasm module.)

use super::context::FeatureSpec;
use super::error::{invalid, CampaignError};
use super::json;
use super::limits::{
    DEFAULT_DRAWS, DEFAULT_EXPLORATION, DEFAULT_MAX_OBSERVATIONS, MAX_CAMPAIGNS, MAX_DRAWS,
    MAX_ID_LENGTH, MAX_PENDING, MAX_SEGMENTS, MAX_STATE_NUMBERS, MAX_VARIANTS,
};
use super::raw::{RawCampaign, RawFile, RawPolicy, RawPrior, RawPrivacy};
use crate::number::{Num, Quoted};

/// Format version of campaigns.json this reader understands.
pub const FORMAT_VERSION: u32 = 1;
/// Which policy decides, with its parameters (validated).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PolicyKind {
    /// Best posterior mean with probability 1 − ε, uniform otherwise.
    EpsilonGreedy { epsilon: f64 },
    /// Bernoulli Thompson sampling by probability matching (see `policy`).
    Thompson { draws: u32 },
    /// LinUCB (Li et al. 2010, disjoint arms) with exploration weight α.
    LinUcb { alpha: f64 },
}

impl PolicyKind {
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::EpsilonGreedy { .. } => "epsilonGreedy",
            PolicyKind::Thompson { .. } => "thompson",
            PolicyKind::LinUcb { .. } => "linUcb",
        }
    }

    fn uses_beta_priors(self) -> bool {
        !matches!(self, PolicyKind::LinUcb { .. })
    }
}

/// A variant's prior, learned offline by the store from aggregate data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VariantPrior {
    /// Beta(alpha, beta) on the click rate; for ε-greedy these are pseudo-counts (alpha
    /// clicks in alpha + beta shows).
    Beta { alpha: f64, beta: f64 },
    /// LinUCB: the bias coefficient starts at `mean` (the population click rate), the
    /// others at 0, all with `precision` (the prior's A = precision · I).
    Linear { mean: f64, precision: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub id: String,
    pub label: Option<String>,
}

/// Randomized-response reporting, when the store opts in (off when absent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrivacyConfig {
    /// ε of one report.
    pub epsilon: f64,
    /// Total ε a device may ever spend; reports stop once it would be exceeded.
    pub lifetime_budget: f64,
    /// Length of an epoch (one report per campaign per epoch), in milliseconds.
    pub epoch_ms: f64,
}

/// One validated campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: String,
    pub variants: Vec<Variant>,
    pub policy: PolicyKind,
    /// Every variant's probability is at least this (mixing with uniform; default 0.1 / K).
    pub floor: f64,
    pub features: FeatureSpec,
    pub max_observations: f64,
    default_prior: Vec<VariantPrior>,
    /// Sorted by segment.
    segment_priors: Vec<(u32, Vec<VariantPrior>)>,
}

impl Campaign {
    /// The priors for a shopper in `segment` (the default when the store ships none for it).
    pub fn priors(&self, segment: Option<u32>) -> &[VariantPrior] {
        segment
            .and_then(|s| {
                let at = self.segment_priors.binary_search_by_key(&s, |e| e.0).ok()?;
                Some(&self.segment_priors[at].1)
            })
            .unwrap_or(&self.default_prior)
    }

    /// Numbers this campaign's policy state holds: shows and rewards per variant, plus
    /// XᵀX (d²) and Xᵀr (d) per variant for LinUCB, plus the pending decisions' feature
    /// vectors.
    pub fn state_numbers(&self) -> usize {
        let d = match self.policy {
            PolicyKind::LinUcb { .. } => self.features.dim(),
            _ => 0,
        };
        self.variants.len() * (2 + d + d * d) + MAX_PENDING * d
    }

    pub fn variant_index(&self, id: &str) -> Option<usize> {
        self.variants.iter().position(|v| v.id == id)
    }

    /// A campaign built in code (the CLI evaluates policies without a campaigns.json).
    pub fn new(
        id: &str,
        variants: Vec<Variant>,
        policy: PolicyKind,
        floor: f64,
        features: FeatureSpec,
        default_prior: Vec<VariantPrior>,
    ) -> Result<Campaign, CampaignError> {
        let campaign = Campaign {
            id: id.to_string(),
            variants,
            policy,
            floor,
            features,
            max_observations: DEFAULT_MAX_OBSERVATIONS,
            default_prior,
            segment_priors: Vec::new(),
        };
        campaign.check()?;
        Ok(campaign)
    }

    fn check(&self) -> Result<(), CampaignError> {
        let id = &self.id;
        let k = self.variants.len();
        if !(2..=MAX_VARIANTS).contains(&k) {
            return Err(invalid(
                id,
                format!("needs 2 to {MAX_VARIANTS} variants, has {k}"),
            ));
        }
        if !(self.floor.is_finite() && self.floor >= 0.0 && self.floor * k as f64 <= 1.0) {
            return Err(invalid(
                id,
                format!(
                    "floor {} must be from 0 to 1/{k} (1 / number of variants)",
                    Num(self.floor)
                ),
            ));
        }
        match self.policy {
            PolicyKind::EpsilonGreedy { epsilon } if !(0.0..=1.0).contains(&epsilon) => {
                return Err(invalid(
                    id,
                    format!("epsilon {} must be from 0 to 1", Num(epsilon)),
                ));
            }
            PolicyKind::Thompson { draws } if !(1..=MAX_DRAWS).contains(&draws) => {
                return Err(invalid(
                    id,
                    format!("draws {draws} must be from 1 to {MAX_DRAWS}"),
                ));
            }
            PolicyKind::LinUcb { alpha } if !(alpha.is_finite() && alpha >= 0.0) => {
                return Err(invalid(
                    id,
                    format!("alpha {} must be a non-negative number", Num(alpha)),
                ));
            }
            _ => {}
        }
        if !(self.max_observations.is_finite() && self.max_observations >= 10.0) {
            return Err(invalid(id, "maxObservations must be at least 10"));
        }
        let priors =
            std::iter::once(&self.default_prior).chain(self.segment_priors.iter().map(|e| &e.1));
        for table in priors {
            if table.len() != k {
                return Err(invalid(id, "a prior table does not cover every variant"));
            }
            for prior in table {
                check_prior(id, prior, self.policy)?;
            }
        }
        Ok(())
    }
}

fn check_prior(id: &str, prior: &VariantPrior, policy: PolicyKind) -> Result<(), CampaignError> {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    match *prior {
        VariantPrior::Beta { alpha, beta } if policy.uses_beta_priors() => {
            if !(positive(alpha) && positive(beta) && alpha + beta <= 1e9) {
                return Err(invalid(
                    id,
                    format!(
                        "Beta({}, {}) needs positive parameters",
                        Num(alpha),
                        Num(beta)
                    ),
                ));
            }
        }
        VariantPrior::Linear { mean, precision } if !policy.uses_beta_priors() => {
            if !(mean.is_finite() && positive(precision)) {
                return Err(invalid(
                    id,
                    format!(
                        "prior mean {} / precision {}: need a number and a positive precision",
                        Num(mean),
                        Num(precision)
                    ),
                ));
            }
        }
        _ => {
            return Err(invalid(
                id,
                format!(
                    "{} policies take {} priors",
                    policy.name(),
                    if policy.uses_beta_priors() {
                        "alpha/beta"
                    } else {
                        "mean/precision"
                    }
                ),
            ))
        }
    }
    Ok(())
}

/// Every campaign of a store, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignBook {
    pub campaigns: Vec<Campaign>,
    pub privacy: Option<PrivacyConfig>,
}

impl CampaignBook {
    pub fn from_json(text: &str) -> Result<CampaignBook, CampaignError> {
        let raw = json::parse(text)
            .and_then(|v| RawFile::read(&v))
            .map_err(CampaignError::Parse)?;
        if raw.version != u64::from(FORMAT_VERSION) {
            return Err(CampaignError::Parse(format!(
                "version {} is not supported (this reader knows version {FORMAT_VERSION})",
                raw.version
            )));
        }
        if raw.campaigns.len() > MAX_CAMPAIGNS {
            return Err(CampaignError::Parse(format!(
                "more than {MAX_CAMPAIGNS} campaigns"
            )));
        }
        let mut campaigns: Vec<Campaign> = Vec::with_capacity(raw.campaigns.len());
        for raw in raw.campaigns {
            let campaign = checked_campaign(raw)?;
            if campaigns.iter().any(|c| c.id == campaign.id) {
                return Err(invalid(&campaign.id, "the id is used twice"));
            }
            campaigns.push(campaign);
        }
        let numbers: usize = campaigns.iter().map(Campaign::state_numbers).sum();
        if numbers > MAX_STATE_NUMBERS {
            return Err(CampaignError::Parse(format!(
                "the policy state of these campaigns would hold {numbers} numbers, more than \
                 {MAX_STATE_NUMBERS}: use fewer variants or context features"
            )));
        }
        let privacy = raw.privacy.map(checked_privacy).transpose()?;
        Ok(CampaignBook { campaigns, privacy })
    }

    pub fn get(&self, id: &str) -> Result<&Campaign, CampaignError> {
        self.campaigns
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| CampaignError::UnknownCampaign(id.to_string()))
    }
}

fn check_id(campaign: &str, what: &str, id: &str) -> Result<(), CampaignError> {
    if id.is_empty() || id.len() > MAX_ID_LENGTH {
        return Err(invalid(
            campaign,
            format!(
                "{what} id {} must have 1 to {MAX_ID_LENGTH} bytes",
                Quoted(id)
            ),
        ));
    }
    Ok(())
}

fn checked_campaign(raw: RawCampaign) -> Result<Campaign, CampaignError> {
    let id = raw.id;
    check_id(&id, "campaign", &id)?;
    let mut variants: Vec<Variant> = Vec::with_capacity(raw.variants.len());
    for v in raw.variants {
        check_id(&id, "variant", &v.id)?;
        if variants.iter().any(|w| w.id == v.id) {
            return Err(invalid(
                &id,
                format!("variant {} is listed twice", Quoted(&v.id)),
            ));
        }
        variants.push(Variant {
            id: v.id,
            label: v.label,
        });
    }
    let policy = checked_policy(&id, &raw.policy)?;
    let features = match raw.context {
        Some(c) => FeatureSpec::new(c.user_dims, c.pages).map_err(|reason| invalid(&id, reason))?,
        None => FeatureSpec::default(),
    };
    let k = variants.len();
    let neutral = if policy.uses_beta_priors() {
        VariantPrior::Beta {
            alpha: 1.0,
            beta: 1.0,
        }
    } else {
        VariantPrior::Linear {
            mean: 0.0,
            precision: 1.0,
        }
    };
    let default_prior = prior_table(&id, &variants, &raw.priors, None, &vec![neutral; k])?;
    let mut segments: Vec<u32> = raw.priors.iter().filter_map(|p| p.segment).collect();
    // The shared id sort: the module's JSON reader already carries it, where
    // `sort_unstable` would add a second instantiation (3–4 KB).
    crate::sort::sort_ids(&mut segments);
    segments.dedup();
    if segments.len() > MAX_SEGMENTS {
        return Err(invalid(
            &id,
            format!("priors for more than {MAX_SEGMENTS} segments"),
        ));
    }
    let segment_priors = segments
        .into_iter()
        .map(|s| {
            Ok((
                s,
                prior_table(&id, &variants, &raw.priors, Some(s), &default_prior)?,
            ))
        })
        .collect::<Result<Vec<_>, CampaignError>>()?;
    let campaign = Campaign {
        floor: raw.floor.unwrap_or(DEFAULT_EXPLORATION / k as f64),
        max_observations: raw.max_observations.unwrap_or(DEFAULT_MAX_OBSERVATIONS),
        id,
        variants,
        policy,
        features,
        default_prior,
        segment_priors,
    };
    campaign.check()?;
    Ok(campaign)
}

fn checked_policy(id: &str, raw: &RawPolicy) -> Result<PolicyKind, CampaignError> {
    let only = |allowed: &str| -> Result<(), CampaignError> {
        let given = [
            ("epsilon", raw.epsilon.is_some()),
            ("draws", raw.draws.is_some()),
            ("alpha", raw.alpha.is_some()),
        ];
        match given.iter().find(|(name, set)| *set && *name != allowed) {
            Some((name, _)) => Err(invalid(
                id,
                format!("policy {} does not take `{name}`", Quoted(&raw.kind)),
            )),
            None => Ok(()),
        }
    };
    let missing = |name: &str| invalid(id, format!("policy {} needs `{name}`", Quoted(&raw.kind)));
    match raw.kind.as_str() {
        "epsilonGreedy" => {
            only("epsilon")?;
            Ok(PolicyKind::EpsilonGreedy {
                epsilon: raw.epsilon.ok_or_else(|| missing("epsilon"))?,
            })
        }
        "thompson" => {
            only("draws")?;
            Ok(PolicyKind::Thompson {
                draws: raw.draws.unwrap_or(DEFAULT_DRAWS),
            })
        }
        "linUcb" => {
            only("alpha")?;
            Ok(PolicyKind::LinUcb {
                alpha: raw.alpha.ok_or_else(|| missing("alpha"))?,
            })
        }
        other => Err(invalid(
            id,
            format!(
                "unknown policy kind {} (expected epsilonGreedy, thompson or linUcb)",
                Quoted(other)
            ),
        )),
    }
}

/// One prior per variant, in variant order, from the entries of `segment` (None: the
/// default entries); variants without an entry keep `fallback`'s.
fn prior_table(
    id: &str,
    variants: &[Variant],
    entries: &[RawPrior],
    segment: Option<u32>,
    fallback: &[VariantPrior],
) -> Result<Vec<VariantPrior>, CampaignError> {
    let mut out = fallback.to_vec();
    let mut seen = vec![false; variants.len()];
    for raw in entries.iter().filter(|e| e.segment == segment) {
        let name = &raw.variant;
        let index = variants.iter().position(|v| &v.id == name).ok_or_else(|| {
            invalid(
                id,
                format!("a prior names the unknown variant {}", Quoted(name)),
            )
        })?;
        if std::mem::replace(&mut seen[index], true) {
            return Err(invalid(
                id,
                format!(
                    "two priors for variant {} in the same segment",
                    Quoted(name)
                ),
            ));
        }
        out[index] = match (raw.alpha, raw.beta, raw.mean, raw.precision) {
            (Some(alpha), Some(beta), None, None) => VariantPrior::Beta { alpha, beta },
            (None, None, Some(mean), Some(precision)) => VariantPrior::Linear { mean, precision },
            _ => {
                return Err(invalid(
                    id,
                    format!(
                        "the prior of {} needs either alpha and beta, or mean and precision",
                        Quoted(name)
                    ),
                ))
            }
        };
    }
    Ok(out)
}

fn checked_privacy(raw: RawPrivacy) -> Result<PrivacyConfig, CampaignError> {
    let bad = |reason: String| CampaignError::Parse(format!("privacy: {reason}"));
    if !(raw.epsilon.is_finite() && raw.epsilon > 0.0 && raw.epsilon <= 10.0) {
        return Err(bad(format!(
            "epsilon {} must be in (0, 10]",
            Num(raw.epsilon)
        )));
    }
    if !(raw.lifetime_budget.is_finite() && raw.lifetime_budget >= raw.epsilon) {
        return Err(bad(format!(
            "lifetimeBudget {} must be a number at least epsilon",
            Num(raw.lifetime_budget)
        )));
    }
    let hours = raw.epoch_hours.unwrap_or(24.0);
    if !(hours.is_finite() && hours >= 1.0) {
        return Err(bad(format!("epochHours {} must be at least 1", Num(hours))));
    }
    Ok(PrivacyConfig {
        epsilon: raw.epsilon,
        lifetime_budget: raw.lifetime_budget,
        epoch_ms: hours * 3_600_000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
        "version": 1,
        "privacy": { "epsilon": 1.0, "lifetimeBudget": 3.0 },
        "campaigns": [{
            "id": "banner",
            "variants": [{ "id": "a", "label": "A" }, { "id": "b" }, { "id": "c" }],
            "policy": { "kind": "thompson" },
            "priors": [
                { "variant": "a", "alpha": 2, "beta": 40 },
                { "segment": 3, "variant": "b", "alpha": 5, "beta": 20 }
            ]
        }, {
            "id": "offer",
            "variants": [{ "id": "x" }, { "id": "y" }],
            "policy": { "kind": "linUcb", "alpha": 0.5 },
            "context": { "userDims": 2, "pages": ["home"] },
            "priors": [{ "variant": "x", "mean": 0.1, "precision": 4 }]
        }]
    }"#;

    #[test]
    fn a_good_file_parses_with_defaults_and_segment_priors() {
        let book = CampaignBook::from_json(GOOD).unwrap();
        let banner = book.get("banner").unwrap();
        assert_eq!(
            banner.policy,
            PolicyKind::Thompson {
                draws: DEFAULT_DRAWS
            }
        );
        assert_eq!(banner.floor, 0.1 / 3.0);
        let beta = |alpha, beta| VariantPrior::Beta { alpha, beta };
        assert_eq!(
            banner.priors(None),
            &[beta(2.0, 40.0), beta(1.0, 1.0), beta(1.0, 1.0)]
        );
        // Segment 3 overrides b and inherits a from the default table.
        assert_eq!(
            banner.priors(Some(3)),
            &[beta(2.0, 40.0), beta(5.0, 20.0), beta(1.0, 1.0)]
        );
        assert_eq!(banner.priors(Some(9)), banner.priors(None));
        let offer = book.get("offer").unwrap();
        assert_eq!(offer.features.dim(), 1 + 2 + 3 + 1);
        assert_eq!(
            offer.priors(None)[0],
            VariantPrior::Linear {
                mean: 0.1,
                precision: 4.0
            }
        );
        let privacy = book.privacy.unwrap();
        assert_eq!(privacy.epoch_ms, 86_400_000.0);
        assert!(matches!(
            book.get("nope"),
            Err(CampaignError::UnknownCampaign(_))
        ));
    }

    fn error_of(text: &str) -> String {
        CampaignBook::from_json(text).unwrap_err().to_string()
    }

    fn one(campaign: &str) -> String {
        format!(r#"{{"version":1,"campaigns":[{campaign}]}}"#)
    }

    #[test]
    fn bad_files_get_clear_errors() {
        let cases = [
            (
                r#"{"version":1,"campaigns":[],"extra":1}"#.to_string(),
                "unknown field `extra`",
            ),
            (
                r#"{"version":2,"campaigns":[]}"#.to_string(),
                "version 2 is not supported",
            ),
            (
                one(r#"{"id":"c","variants":[{"id":"a"}],"policy":{"kind":"thompson"}}"#),
                "needs 2 to 128 variants",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"a"}],"policy":{"kind":"thompson"}}"#,
                ),
                "listed twice",
            ),
            (
                one(r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"greedy"}}"#),
                "unknown policy kind \"greedy\"",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson","alpha":1}}"#,
                ),
                "does not take `alpha`",
            ),
            (
                one(r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"linUcb"}}"#),
                "needs `alpha`",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"},"priors":[{"variant":"a","alpha":1,"beta":1},{"variant":"a","alpha":2,"beta":1}]}"#,
                ),
                "two priors for variant \"a\"",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson","drawz":3}}"#,
                ),
                "unknown field `drawz`",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"epsilonGreedy","epsilon":1.5}}"#,
                ),
                "epsilon 1.5",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"},"floor":0.6}"#,
                ),
                "floor 0.6",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"},"priors":[{"variant":"z","alpha":1,"beta":1}]}"#,
                ),
                "unknown variant \"z\"",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"},"priors":[{"variant":"a","alpha":-1,"beta":1}]}"#,
                ),
                "positive parameters",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"},"priors":[{"variant":"a","mean":0.1,"precision":1}]}"#,
                ),
                "thompson policies take alpha/beta priors",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"},"priors":[{"variant":"a","alpha":1}]}"#,
                ),
                "needs either alpha and beta",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"},"priors":[{"segment":"vip","variant":"a","alpha":1,"beta":1}]}"#,
                ),
                "field `segment` of a prior must be",
            ),
            (
                one(
                    r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"linUcb","alpha":1},"context":{"userDims":99}}"#,
                ),
                "userDims",
            ),
            (
                one(r#"{"id":"","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"}}"#),
                "campaign id",
            ),
            (
                r#"{"version":1,"campaigns":[],"privacy":{"epsilon":0,"lifetimeBudget":1}}"#
                    .to_string(),
                "epsilon 0",
            ),
            (
                r#"{"version":1,"campaigns":[],"privacy":{"epsilon":2,"lifetimeBudget":1}}"#
                    .to_string(),
                "lifetimeBudget 1",
            ),
        ];
        for (text, expected) in cases {
            let message = error_of(&text);
            assert!(
                message.contains(expected),
                "{text}\n -> {message}\n expected {expected}"
            );
        }
        // 128 variants × (2 + 20 + 400) LinUCB numbers (and 8 pending × 20) is far over the
        // state budget.
        let variants: Vec<String> = (0..128).map(|i| format!(r#"{{"id":"v{i}"}}"#)).collect();
        let huge = one(&format!(
            r#"{{"id":"c","variants":[{}],"policy":{{"kind":"linUcb","alpha":1}},
                "context":{{"userDims":8,"pages":["1","2","3","4","5","6","7","8"]}}}}"#,
            variants.join(",")
        ));
        assert!(
            error_of(&huge).contains("would hold 54176 numbers"),
            "{}",
            error_of(&huge)
        );
        let twice = format!(
            r#"{{"version":1,"campaigns":[{0},{0}]}}"#,
            r#"{"id":"c","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"}}"#
        );
        assert!(error_of(&twice).contains("used twice"));
    }
}
