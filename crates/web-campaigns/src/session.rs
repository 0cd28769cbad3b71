//! Campaigns in plain Rust: the JS-shaped objects of `choose` / `reward` and a session that
//! holds the store's campaign definitions with this device's policy state. The wasm class
//! (`lib.rs`) only moves these across the boundary and supplies the entropy, so native
//! tests run exactly what the browser runs.

use serde::{Deserialize, Serialize};
use shopwindow::campaign::{
    self, rfm_from_json, segment_from_json, user_from_json, CampaignBook, CampaignError, LdpReport,
    PolicyContext, PolicyState, Rng, ShopperStanding, StandingRequest, CONTEXT_FIELDS,
};
use shopwindow::json::{Object, Value};
use tsify::Tsify;

/// What a page knows when it asks for a variant. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CampaignContext {
    /// The shopper's segment index (selects the store's per-segment priors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub segment: Option<u32>,
    /// Recency / frequency / monetary scores, 1 to 5 each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub rfm: Option<RfmScores>,
    /// The shopper's vector projected to the campaign's `userDims` (filled in by the
    /// package from the history; pass it yourself only when calling the class directly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub user: Option<Vec<f32>>,
    /// The kind of page ("home", "product", ...), one of the campaign's `context.pages`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub page: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct RfmScores {
    pub r: u8,
    pub f: u8,
    pub m: u8,
}

impl From<campaign::RfmScores> for RfmScores {
    fn from(s: campaign::RfmScores) -> RfmScores {
        RfmScores {
            r: s.r,
            f: s.f,
            m: s.m,
        }
    }
}

/// The context of a decision, completed for the shopper with what the catalog's engine
/// answers to [`ChooseContext::request`] (`Shopwindow.choose` does both). Every field is
/// optional; a field given as `null` counts as given, so it stays empty instead of being
/// filled in.
///
/// Read by hand from the core's `json::Value` ([`ChooseContext::from_json`]), as the core reads
/// campaigns.json: the module parses `Value`s anyway, and a derived `Deserialize` that tells
/// `null` from absent and skips a `segment()` answer's extra RFM fields cost ~5 KB of wasm.
/// The derive here only writes the TypeScript type.
#[derive(Debug, Clone, Default, PartialEq, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ChooseContext {
    /// The kind of page the slot is on, one of the campaign's `context.pages`.
    #[tsify(optional)]
    pub page: Option<String>,
    /// The shopper's segment index: selects the store's per-segment priors. By default the
    /// shopper's own, when the catalog ships segments.
    #[tsify(optional, type = "number | null")]
    pub segment: Option<Option<u32>>,
    /// RFM scores 1..5 (extra fields, like those of a `segment()` answer, are ignored). By
    /// default the shopper's own, after a purchase.
    #[tsify(optional, type = "{ r: number; f: number; m: number } | null")]
    pub rfm: Option<Option<RfmScores>>,
    /// A projected user vector; by default the shopper's, when the campaign uses one.
    #[tsify(optional, type = "number[] | null")]
    pub user: Option<Option<Vec<f32>>>,
}

impl ChooseContext {
    /// The field names: the reader's and those the package checks a caller's context
    /// against (`optionNames("choose")` of the catalog's module lists the same).
    pub const FIELDS: &'static [&'static str] = CONTEXT_FIELDS;

    /// Reads the context JS passed (`null` or absent: empty). Unknown fields are errors.
    pub fn from_json(value: &Value) -> Result<ChooseContext, String> {
        let map = match value {
            Value::Null => return Ok(ChooseContext::default()),
            Value::Object(map) => map,
            _ => return Err("must be an object".into()),
        };
        if let Some(unknown) = map.keys().find(|k| !Self::FIELDS.contains(&k.as_str())) {
            return Err(format!(
                "unknown field `{unknown}`, expected one of `{}`",
                Self::FIELDS.join("`, `")
            ));
        }
        // Absent: None; null: Some(None); else Some(Some(read)).
        fn given<T>(
            map: &Object,
            key: &str,
            read: impl FnOnce(&Value) -> Option<T>,
            expected: &str,
        ) -> Result<Option<Option<T>>, String> {
            match map.get(key) {
                None => Ok(None),
                Some(Value::Null) => Ok(Some(None)),
                Some(v) => read(v)
                    .map(|t| Some(Some(t)))
                    .ok_or_else(|| format!("`{key}` must be {expected}")),
            }
        }
        Ok(ChooseContext {
            page: given(map, "page", |v| v.as_str().map(str::to_string), "a string")?.flatten(),
            segment: given(map, "segment", segment_from_json, "a segment index")?,
            rfm: given(
                map,
                "rfm",
                |v| rfm_from_json(v).map(RfmScores::from),
                "{r, f, m} with scores 1 to 5",
            )?,
            user: given(map, "user", user_from_json, "an array of numbers")?,
        })
    }
}

impl ChooseContext {
    /// What the shopper's standing must fill in for a campaign reading `user_dims` user
    /// dimensions: the segment, the RFM scores and the user vector the caller did not give
    /// (`null` counts as given). `None` when the caller gave all the campaign reads.
    pub fn request(&self, user_dims: usize) -> Option<StandingRequest> {
        let request = StandingRequest {
            segment: self.segment.is_none(),
            rfm: self.rfm.is_none(),
            user_dims: if self.user.is_none() { user_dims } else { 0 },
        };
        (request.segment || request.rfm || request.user_dims > 0).then_some(request)
    }

    /// The context the policy reads: what the caller gave, the rest from `standing` (the
    /// engine's answer to [`ChooseContext::request`]; `None`: nothing to add).
    pub fn complete(self, standing: Option<&ShopperStanding>) -> CampaignContext {
        let ChooseContext {
            page,
            segment,
            rfm,
            user,
        } = self;
        let standing = standing.cloned().unwrap_or_default();
        CampaignContext {
            segment: segment.unwrap_or(standing.segment),
            rfm: rfm.unwrap_or(standing.rfm.map(RfmScores::from)),
            user: user.unwrap_or(standing.user),
            page,
        }
    }
}

/// The variant to show, with the probability it was chosen with.
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CampaignDecision {
    pub campaign: String,
    pub variant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub label: Option<String>,
    /// P(variant) under the policy at this decision: log it to evaluate policies offline.
    pub propensity: f64,
    /// The whole distribution, in the campaign's variant order.
    pub probabilities: Vec<f64>,
    /// "epsilonGreedy", "thompson" or "linUcb".
    pub policy: String,
}

/// What this device has learned, for the shopper to see.
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CampaignSummary {
    pub campaigns: Vec<CampaignStats>,
    pub privacy: PrivacySummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CampaignStats {
    pub id: String,
    pub policy: String,
    pub variants: Vec<VariantStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct VariantStats {
    pub id: String,
    /// Shows and summed rewards kept on this device (halved past `maxObservations`).
    pub shows: f64,
    pub rewards: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PrivacySummary {
    /// Whether the store collects randomized-response reports at all.
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub epsilon: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub lifetime_budget: Option<f64>,
    /// ε spent so far by this device, over its lifetime.
    pub spent: f64,
    pub reports: u32,
}

/// A privacy report as JS sees it (the core's type, with a declared shape).
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyReport {
    pub campaign: String,
    pub epoch: u64,
    pub variant: String,
    pub clicked: bool,
    pub epsilon: f64,
}

impl From<LdpReport> for PrivacyReport {
    fn from(r: LdpReport) -> PrivacyReport {
        PrivacyReport {
            campaign: r.campaign,
            epoch: r.epoch,
            variant: r.variant,
            clicked: r.clicked,
            epsilon: r.epsilon,
        }
    }
}

impl CampaignContext {
    fn to_core(&self) -> PolicyContext {
        PolicyContext {
            segment: self.segment,
            rfm: self.rfm.map(|s| campaign::RfmScores {
                r: s.r,
                f: s.f,
                m: s.m,
            }),
            user: self.user.clone().unwrap_or_default(),
            page: self.page.clone(),
        }
    }
}

/// The store's campaigns and this device's state.
pub struct CampaignSession {
    book: CampaignBook,
    state: PolicyState,
    dropped: Vec<String>,
}

impl CampaignSession {
    /// Parses the definitions and, when given, stored state (an error if it is unreadable:
    /// the caller decides whether to start afresh). State of campaigns that changed is
    /// dropped and listed in [`CampaignSession::dropped`].
    pub fn new(definitions: &str, state: Option<&str>) -> Result<CampaignSession, CampaignError> {
        let book = CampaignBook::from_json(definitions)?;
        let (state, dropped) = match state {
            Some(text) => PolicyState::from_json(text, &book)?,
            None => (PolicyState::default(), Vec::new()),
        };
        Ok(CampaignSession {
            book,
            state,
            dropped,
        })
    }

    pub fn dropped(&self) -> &[String] {
        &self.dropped
    }

    /// How many user-vector dimensions `campaign_id` reads (0: it needs no user vector).
    pub fn user_dims(&self, campaign_id: &str) -> Result<usize, CampaignError> {
        Ok(self.book.get(campaign_id)?.features.user_dims())
    }

    pub fn choose(
        &mut self,
        campaign_id: &str,
        context: &CampaignContext,
        now_ms: f64,
        seed: u64,
    ) -> Result<CampaignDecision, CampaignError> {
        let mut rng = Rng::seed_from_u64(seed);
        let d = campaign::choose(
            &self.book,
            &mut self.state,
            campaign_id,
            &context.to_core(),
            Some(now_ms),
            &mut rng,
        )?;
        Ok(CampaignDecision {
            campaign: campaign_id.to_string(),
            variant: d.variant_id,
            label: d.label,
            propensity: d.propensity,
            probabilities: d.probabilities,
            policy: d.policy.to_string(),
        })
    }

    /// What `context` still needs from the shopper's standing for `campaign_id`
    /// ([`ChooseContext::request`]); an unknown campaign is an error.
    pub fn standing_request(
        &self,
        campaign_id: &str,
        context: &ChooseContext,
    ) -> Result<Option<StandingRequest>, CampaignError> {
        Ok(context.request(self.user_dims(campaign_id)?))
    }

    /// [`CampaignSession::choose`] with the context completed from `standing` (the
    /// engine's answer to [`CampaignSession::standing_request`], when there was one).
    pub fn choose_with(
        &mut self,
        campaign_id: &str,
        context: ChooseContext,
        standing: Option<&ShopperStanding>,
        now_ms: f64,
        seed: u64,
    ) -> Result<CampaignDecision, CampaignError> {
        self.choose(campaign_id, &context.complete(standing), now_ms, seed)
    }

    pub fn reward(
        &mut self,
        campaign_id: &str,
        variant: &str,
        reward: f64,
    ) -> Result<(), CampaignError> {
        campaign::reward(&self.book, &mut self.state, campaign_id, variant, reward)
    }

    pub fn privacy_report(
        &mut self,
        campaign_id: &str,
        seed: u64,
    ) -> Result<PrivacyReport, CampaignError> {
        let mut rng = Rng::seed_from_u64(seed);
        campaign::privacy_report(&self.book, &mut self.state, campaign_id, &mut rng)
            .map(PrivacyReport::from)
    }

    /// The state to store (JSON text; bounded by the campaign definitions).
    pub fn state_json(&self) -> String {
        self.state.to_json()
    }

    pub fn summary(&self) -> CampaignSummary {
        let campaigns = self
            .book
            .campaigns
            .iter()
            .map(|c| {
                let stats = self.state.campaign(&c.id);
                CampaignStats {
                    id: c.id.clone(),
                    policy: c.policy.name().to_string(),
                    variants: c
                        .variants
                        .iter()
                        .enumerate()
                        .map(|(i, v)| VariantStats {
                            id: v.id.clone(),
                            shows: stats.map_or(0.0, |s| s.shows[i]),
                            rewards: stats.map_or(0.0, |s| s.rewards[i]),
                        })
                        .collect(),
                }
            })
            .collect();
        let privacy = self.book.privacy;
        CampaignSummary {
            campaigns,
            privacy: PrivacySummary {
                enabled: privacy.is_some(),
                epsilon: privacy.map(|p| p.epsilon),
                lifetime_budget: privacy.map(|p| p.lifetime_budget),
                spent: self.state.privacy.spent,
                reports: self.state.privacy.reports,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = r#"{"version":1,"privacy":{"epsilon":1,"lifetimeBudget":2},"campaigns":[
        {"id":"banner","variants":[{"id":"a","label":"A"},{"id":"b"}],"policy":{"kind":"thompson"},
         "context":{"userDims":2,"pages":["home"]}}]}"#;

    #[test]
    fn choose_reward_and_restore_from_the_stored_state() {
        let mut session = CampaignSession::new(BOOK, None).unwrap();
        assert_eq!(session.user_dims("banner").unwrap(), 2);
        let ctx = CampaignContext {
            page: Some("home".into()),
            user: Some(vec![0.6, 0.8]),
            ..Default::default()
        };
        let d = session.choose("banner", &ctx, 1.0e12, 7).unwrap();
        assert_eq!(d.probabilities.len(), 2);
        assert_eq!(
            d.propensity,
            d.probabilities[if d.variant == "a" { 0 } else { 1 }]
        );
        session.reward("banner", &d.variant, 1.0).unwrap();
        let stored = session.state_json();
        let restored = CampaignSession::new(BOOK, Some(&stored)).unwrap();
        assert_eq!(restored.summary(), session.summary());
        let v = restored.summary().campaigns[0]
            .variants
            .iter()
            .find(|v| v.id == d.variant)
            .unwrap()
            .clone();
        assert_eq!((v.shows, v.rewards), (1.0, 1.0));
        assert!(CampaignSession::new(BOOK, Some("{not json")).is_err());
    }

    #[test]
    fn the_demo_campaigns_file_is_valid() {
        let demo = include_str!("../../../www/demo/campaigns.json");
        let mut session = CampaignSession::new(demo, None).unwrap();
        let page = CampaignContext {
            page: Some("home".into()),
            ..Default::default()
        };
        let d = session.choose("home-banner", &page, 0.0, 1).unwrap();
        assert!(d.label.is_some());
        assert!(session.summary().privacy.enabled);
    }

    #[test]
    fn context_json_is_strict() {
        let ok: CampaignContext =
            serde_json::from_str(r#"{"segment":3,"rfm":{"r":5,"f":1,"m":2},"page":"home"}"#)
                .unwrap();
        assert_eq!(ok.segment, Some(3));
        assert!(serde_json::from_str::<CampaignContext>(r#"{"segmnet":3}"#).is_err());
        assert!(
            serde_json::from_str::<CampaignContext>(r#"{"rfm":{"r":1,"f":1,"m":1,"x":1}}"#)
                .is_err()
        );
    }

    #[test]
    fn privacy_reports_spend_the_budget_once() {
        let mut session = CampaignSession::new(BOOK, None).unwrap();
        session
            .choose("banner", &CampaignContext::default(), 0.0, 1)
            .unwrap();
        let report = session.privacy_report("banner", 2).unwrap();
        assert_eq!(report.epsilon, 1.0);
        assert_eq!(session.summary().privacy.spent, 1.0);
        assert_eq!(session.privacy_report("banner", 3).unwrap(), report);
    }
}
