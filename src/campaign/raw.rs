//! campaigns.json as written, before validation: each object read field by field from a
//! `json::Value` (see `json`), unknown fields refused. [`super::definition`] turns
//! these shapes into checked types.

use crate::json::Value;

use super::json::Obj;

pub(super) struct RawFile {
    pub(super) version: u64,
    pub(super) campaigns: Vec<RawCampaign>,
    pub(super) privacy: Option<RawPrivacy>,
}

pub(super) struct RawCampaign {
    pub(super) id: String,
    pub(super) variants: Vec<RawVariant>,
    pub(super) policy: RawPolicy,
    pub(super) floor: Option<f64>,
    pub(super) context: Option<RawContext>,
    pub(super) priors: Vec<RawPrior>,
    pub(super) max_observations: Option<f64>,
}

pub(super) struct RawVariant {
    pub(super) id: String,
    pub(super) label: Option<String>,
}

/// `{"kind": "epsilonGreedy" | "thompson" | "linUcb", ...its parameters}`.
pub(super) struct RawPolicy {
    pub(super) kind: String,
    pub(super) epsilon: Option<f64>,
    pub(super) draws: Option<u32>,
    pub(super) alpha: Option<f64>,
}

pub(super) struct RawContext {
    pub(super) user_dims: usize,
    pub(super) pages: Vec<String>,
}

/// One variant's prior, for one segment or (without `segment`) for everyone:
/// `alpha`/`beta` for the Beta-based policies, `mean`/`precision` for LinUCB.
pub(super) struct RawPrior {
    pub(super) segment: Option<u32>,
    pub(super) variant: String,
    pub(super) alpha: Option<f64>,
    pub(super) beta: Option<f64>,
    pub(super) mean: Option<f64>,
    pub(super) precision: Option<f64>,
}

pub(super) struct RawPrivacy {
    pub(super) epsilon: f64,
    pub(super) lifetime_budget: f64,
    pub(super) epoch_hours: Option<f64>,
}

impl RawFile {
    pub(super) fn read(value: &Value) -> Result<RawFile, String> {
        let o = Obj::new(
            value,
            "the campaigns file",
            &["version", "campaigns", "privacy"],
        )?;
        Ok(RawFile {
            version: o.u64("version")?,
            campaigns: o
                .array("campaigns", false)?
                .iter()
                .map(RawCampaign::read)
                .collect::<Result<_, _>>()?,
            privacy: o.opt("privacy").map(RawPrivacy::read).transpose()?,
        })
    }
}

impl RawCampaign {
    pub(super) fn read(value: &Value) -> Result<RawCampaign, String> {
        let fields = [
            "id",
            "variants",
            "policy",
            "floor",
            "context",
            "priors",
            "maxObservations",
        ];
        let o = Obj::new(value, "a campaign", &fields)?;
        Ok(RawCampaign {
            id: o.str("id")?,
            variants: o
                .array("variants", false)?
                .iter()
                .map(RawVariant::read)
                .collect::<Result<_, _>>()?,
            policy: RawPolicy::read(o.req("policy")?)?,
            floor: o.opt_f64("floor")?,
            context: o.opt("context").map(RawContext::read).transpose()?,
            priors: o
                .array("priors", true)?
                .iter()
                .map(RawPrior::read)
                .collect::<Result<_, _>>()?,
            max_observations: o.opt_f64("maxObservations")?,
        })
    }
}

impl RawVariant {
    pub(super) fn read(value: &Value) -> Result<RawVariant, String> {
        let o = Obj::new(value, "a variant", &["id", "label"])?;
        Ok(RawVariant {
            id: o.str("id")?,
            label: o.opt_str("label")?,
        })
    }
}

impl RawPolicy {
    pub(super) fn read(value: &Value) -> Result<RawPolicy, String> {
        let o = Obj::new(value, "a policy", &["kind", "epsilon", "draws", "alpha"])?;
        Ok(RawPolicy {
            kind: o.str("kind")?,
            epsilon: o.opt_f64("epsilon")?,
            draws: o.opt_u32("draws")?,
            alpha: o.opt_f64("alpha")?,
        })
    }
}

impl RawContext {
    pub(super) fn read(value: &Value) -> Result<RawContext, String> {
        let o = Obj::new(value, "a campaign context", &["userDims", "pages"])?;
        Ok(RawContext {
            user_dims: o.opt_u64("userDims")?.unwrap_or(0).min(usize::MAX as u64) as usize,
            pages: o.strings("pages", true)?,
        })
    }
}

impl RawPrior {
    pub(super) fn read(value: &Value) -> Result<RawPrior, String> {
        let fields = ["segment", "variant", "alpha", "beta", "mean", "precision"];
        let o = Obj::new(value, "a prior", &fields)?;
        Ok(RawPrior {
            segment: o.opt_u32("segment")?,
            variant: o.str("variant")?,
            alpha: o.opt_f64("alpha")?,
            beta: o.opt_f64("beta")?,
            mean: o.opt_f64("mean")?,
            precision: o.opt_f64("precision")?,
        })
    }
}

impl RawPrivacy {
    pub(super) fn read(value: &Value) -> Result<RawPrivacy, String> {
        let o = Obj::new(
            value,
            "privacy",
            &["epsilon", "lifetimeBudget", "epochHours"],
        )?;
        Ok(RawPrivacy {
            epsilon: o.f64("epsilon")?,
            lifetime_budget: o.f64("lifetimeBudget")?,
            epoch_hours: o.opt_f64("epochHours")?,
        })
    }
}
