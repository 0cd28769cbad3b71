//! What a device has learned, kept with its history and serialized as JSON.
//!
//! Per campaign the state holds sufficient statistics only, never a list of events:
//! shows and summed rewards per variant, and for LinUCB the per-variant Gram matrix XᵀX and
//! Xᵀr (d ≤ 20). Its size is therefore fixed by the campaign definitions, which may not
//! add up to more than `MAX_STATE_NUMBERS` (16,384) numbers in all. When a campaign's shows reach `maxObservations` every statistic
//! is halved, so the numbers stay bounded and old behaviour fades (the policy keeps
//! adapting). Priors are not stored: they come from campaigns.json at decision time, per
//! segment. The privacy ledger is device-wide and survives any reset of the statistics.

use serde::Serialize;

use super::definition::{Campaign, CampaignBook, PolicyKind};
use super::error::CampaignError;
use super::json::{self, Obj};
use super::ldp::LdpReport;
use super::limits::{MAX_CAMPAIGNS, MAX_PENDING};
use crate::json::Value;

pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyState {
    pub version: u32,
    /// One entry per campaign that has decided at least once (a list, not a map: smaller
    /// code in the wasm module).
    pub campaigns: Vec<CampaignState>,
    pub privacy: PrivacyLedger,
}

/// One campaign's learning. `variants` and `policy` record what the statistics are about,
/// so a changed campaign definition starts afresh instead of misreading them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignState {
    pub id: String,
    pub variants: Vec<String>,
    pub policy: String,
    pub dim: usize,
    pub shows: Vec<f64>,
    pub rewards: Vec<f64>,
    /// LinUCB only: K row-major d×d Gram matrices, then K vectors Xᵀr.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gram: Vec<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub xr: Vec<f64>,
    /// The latest decisions (oldest first, at most `MAX_PENDING`), which rewards attach to.
    pub pending: Vec<Pending>,
    /// The first decision of the current epoch (what a privacy report is about).
    pub epoch: Option<EpochObservation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
    pub variant: usize,
    pub features: Vec<f64>,
    pub rewarded: bool,
    pub epoch: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EpochObservation {
    pub epoch: u64,
    pub variant: usize,
    pub clicked: bool,
}

/// The device's lifetime privacy spending. Never reset by the policy code.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyLedger {
    /// Total ε spent by every report this device made.
    pub spent: f64,
    pub reports: u32,
    /// The latest report per campaign: asking again in the same epoch returns it unchanged
    /// (repeating one randomized answer reveals nothing new and costs nothing).
    pub last: Vec<LdpReport>,
}

impl Default for PolicyState {
    fn default() -> PolicyState {
        PolicyState {
            version: STATE_VERSION,
            campaigns: Vec::new(),
            privacy: PrivacyLedger::default(),
        }
    }
}

impl PolicyState {
    /// Reads stored state strictly. Statistics of campaigns that no longer exist or whose
    /// definition changed are dropped (their ids are returned); the ledger is always kept.
    pub fn from_json(
        text: &str,
        book: &CampaignBook,
    ) -> Result<(PolicyState, Vec<String>), CampaignError> {
        let mut state = json::parse(text)
            .and_then(|v| PolicyState::read(&v))
            .map_err(CampaignError::State)?;
        if state.version != STATE_VERSION {
            return Err(CampaignError::State(format!(
                "version {} is not {STATE_VERSION}",
                state.version
            )));
        }
        let ledger = &state.privacy;
        if !(ledger.spent.is_finite() && ledger.spent >= 0.0) {
            return Err(CampaignError::State("the privacy ledger is corrupt".into()));
        }
        let mut dropped = Vec::new();
        state.campaigns.retain(|stats| {
            let keep = book.get(&stats.id).is_ok_and(|c| stats.fits(c));
            if !keep {
                dropped.push(stats.id.clone());
            }
            keep
        });
        if state.privacy.last.len() > MAX_CAMPAIGNS {
            return Err(CampaignError::State("the privacy ledger is corrupt".into()));
        }
        Ok((state, dropped))
    }

    pub fn to_json(&self) -> String {
        // Plain numbers, strings and lists cannot fail to serialize. No `expect`: its
        // message would bring serde_json's error formatting into the campaigns module.
        serde_json::to_string(self)
            .unwrap_or_else(|_| unreachable!("the state is plain numbers and strings"))
    }

    /// The statistics of campaign `id`, if it has any.
    pub fn campaign(&self, id: &str) -> Option<&CampaignState> {
        self.campaigns.iter().find(|c| c.id == id)
    }

    /// The statistics of `campaign`, created empty on first use.
    pub fn campaign_mut(&mut self, campaign: &Campaign) -> &mut CampaignState {
        let at = match self.campaigns.iter().position(|c| c.id == campaign.id) {
            Some(at) => at,
            None => {
                self.campaigns.push(CampaignState::fresh(campaign));
                self.campaigns.len() - 1
            }
        };
        &mut self.campaigns[at]
    }
}

impl CampaignState {
    pub fn fresh(campaign: &Campaign) -> CampaignState {
        let k = campaign.variants.len();
        let linear = matches!(campaign.policy, PolicyKind::LinUcb { .. });
        let d = if linear { campaign.features.dim() } else { 0 };
        CampaignState {
            id: campaign.id.clone(),
            variants: campaign.variants.iter().map(|v| v.id.clone()).collect(),
            policy: campaign.policy.name().into(),
            dim: d,
            shows: vec![0.0; k],
            rewards: vec![0.0; k],
            gram: vec![0.0; k * d * d],
            xr: vec![0.0; k * d],
            pending: Vec::new(),
            epoch: None,
        }
    }

    /// True when these statistics belong to `campaign` as defined now and are sane.
    pub fn fits(&self, campaign: &Campaign) -> bool {
        let fresh = CampaignState::fresh(campaign);
        let k = fresh.shows.len();
        let d = fresh.dim;
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        self.id == fresh.id
            && self.variants == fresh.variants
            && self.policy == fresh.policy
            && self.dim == d
            && self.shows.len() == k
            && self.rewards.len() == k
            && self.gram.len() == k * d * d
            && self.xr.len() == k * d
            && finite(&self.shows)
            && finite(&self.rewards)
            && finite(&self.gram)
            && finite(&self.xr)
            && self
                .shows
                .iter()
                .zip(&self.rewards)
                .all(|(&s, &r)| s >= 0.0 && (0.0..=s + 1e-9).contains(&r))
            && self.pending.len() <= MAX_PENDING
            && self
                .pending
                .iter()
                .all(|p| p.variant < k && p.features.len() == d)
            && self.epoch.is_none_or(|e| e.variant < k)
    }

    /// Keeps `decision` for a later reward, forgetting the oldest beyond `MAX_PENDING`.
    pub fn remember(&mut self, decision: Pending) {
        if self.pending.len() == MAX_PENDING {
            self.pending.remove(0);
        }
        self.pending.push(decision);
    }

    /// Records a show of `variant` with features `x` (reward 0 until a reward arrives).
    pub fn record_show(&mut self, variant: usize, x: &[f64], max_observations: f64) {
        if self.shows.iter().sum::<f64>() + 1.0 > max_observations {
            self.halve();
        }
        self.shows[variant] += 1.0;
        let d = self.dim;
        if d > 0 {
            let gram = &mut self.gram[variant * d * d..(variant + 1) * d * d];
            for (i, &xi) in x.iter().enumerate() {
                for (j, &xj) in x.iter().enumerate() {
                    gram[i * d + j] += xi * xj;
                }
            }
        }
    }

    /// Adds a reward in [0, 1] to the show recorded with features `x`.
    pub fn record_reward(&mut self, variant: usize, x: &[f64], reward: f64) {
        // After a halving the show may count for less than a whole: keep rewards ≤ shows.
        let room = (self.shows[variant] - self.rewards[variant]).max(0.0);
        self.rewards[variant] += reward.min(room);
        let d = self.dim;
        if d > 0 {
            for (acc, &xi) in self.xr[variant * d..(variant + 1) * d].iter_mut().zip(x) {
                *acc += reward * xi;
            }
        }
    }

    fn halve(&mut self) {
        for v in [
            &mut self.shows,
            &mut self.rewards,
            &mut self.gram,
            &mut self.xr,
        ] {
            v.iter_mut().for_each(|x| *x *= 0.5);
        }
    }
}

// Reading stored state back, field by field (see `json` for why not serde's derive).

impl PolicyState {
    fn read(value: &Value) -> Result<PolicyState, String> {
        let o = Obj::new(value, "the state", &["version", "campaigns", "privacy"])?;
        let version = o.u64("version")?;
        Ok(PolicyState {
            version: u32::try_from(version)
                .map_err(|_| format!("version {version} is not {STATE_VERSION}"))?,
            campaigns: o
                .array("campaigns", false)?
                .iter()
                .map(CampaignState::read)
                .collect::<Result<_, _>>()?,
            privacy: PrivacyLedger::read(o.req("privacy")?)?,
        })
    }
}

impl CampaignState {
    fn read(value: &Value) -> Result<CampaignState, String> {
        let fields = [
            "id", "variants", "policy", "dim", "shows", "rewards", "gram", "xr", "pending", "epoch",
        ];
        let o = Obj::new(value, "a campaign's state", &fields)?;
        Ok(CampaignState {
            id: o.str("id")?,
            variants: o.strings("variants", false)?,
            policy: o.str("policy")?,
            dim: o.usize("dim")?,
            shows: o.numbers("shows", false)?,
            rewards: o.numbers("rewards", false)?,
            gram: o.numbers("gram", true)?,
            xr: o.numbers("xr", true)?,
            pending: read_pending(o.opt("pending"))?,
            epoch: o.opt("epoch").map(EpochObservation::read).transpose()?,
        })
    }
}

/// The pending decisions: a list, or (as stored before tabs shared the state) one object.
fn read_pending(value: Option<&Value>) -> Result<Vec<Pending>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(list)) => list.iter().map(Pending::read).collect(),
        Some(one) => Ok(vec![Pending::read(one)?]),
    }
}

impl Pending {
    fn read(value: &Value) -> Result<Pending, String> {
        let o = Obj::new(
            value,
            "a pending decision",
            &["variant", "features", "rewarded", "epoch"],
        )?;
        Ok(Pending {
            variant: o.usize("variant")?,
            features: o.numbers("features", false)?,
            rewarded: o.bool("rewarded")?,
            epoch: o.opt_u64("epoch")?,
        })
    }
}

impl EpochObservation {
    fn read(value: &Value) -> Result<EpochObservation, String> {
        let o = Obj::new(
            value,
            "an epoch observation",
            &["epoch", "variant", "clicked"],
        )?;
        Ok(EpochObservation {
            epoch: o.u64("epoch")?,
            variant: o.usize("variant")?,
            clicked: o.bool("clicked")?,
        })
    }
}

impl PrivacyLedger {
    fn read(value: &Value) -> Result<PrivacyLedger, String> {
        let o = Obj::new(value, "the privacy ledger", &["spent", "reports", "last"])?;
        let reports = o.u64("reports")?;
        Ok(PrivacyLedger {
            spent: o.f64("spent")?,
            reports: u32::try_from(reports)
                .map_err(|_| "the privacy ledger is corrupt".to_string())?,
            last: o
                .array("last", false)?
                .iter()
                .map(LdpReport::read)
                .collect::<Result<_, _>>()?,
        })
    }
}
