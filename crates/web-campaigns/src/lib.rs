//! shopwindow's campaign module: the `Campaigns` JS class, which variant of a campaign to
//! show, learned on this device.
//!
//! A wasm module of its own (`shopwindow_campaigns`), so that pages without campaigns never
//! download the policies, their samplers and the JSON state machinery. It holds no catalog:
//! what a decision needs from the shopper's history (segment, RFM scores, projected user
//! vector) it asks for with [`Campaigns::standing_request`], the catalog's module computes
//! (`Recommender.shopperStanding`), and the answer comes back into [`Campaigns::choose`].
//!
//! Randomness comes from `crypto.getRandomValues` (through getrandom), here and nowhere
//! else in the project's browser code: the core takes a seed per decision.

pub mod session;

use serde::Serialize;
use shopwindow::campaign::ShopperStanding;
use shopwindow::json;
use wasm_bindgen::prelude::*;

use crate::session::{CampaignSession, ChooseContext};

// The two objects a decision passes between this module and the catalog's module are
// declared once, in the engine's types (shopwindow.d.ts, beside this module's in www/pkg).
#[wasm_bindgen(typescript_custom_section)]
const STANDING_TYPES: &str =
    r#"import type { StandingRequest, ShopperStanding } from "./shopwindow";"#;

/// The store's campaigns (campaigns.json) with this device's policy state.
#[wasm_bindgen]
pub struct Campaigns {
    session: CampaignSession,
}

/// A fresh seed from the platform's cryptographic generator.
fn entropy() -> Result<u64, JsError> {
    getrandom::u64().map_err(|e| JsError::new(&format!("no random numbers available: {e}")))
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn error(err: impl std::fmt::Display) -> JsError {
    JsError::new(&err.to_string())
}

/// Plain objects (not `Map`s), as the catalog's module returns them.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|e| JsError::new(&format!("could not build the result: {e}")))
}

/// A JS value read as JSON (`undefined` / `null`: `Value::Null`). Through `JSON.stringify`
/// and the core's JSON reader, as the catalog's module reads options: unknown fields stay
/// visible to the strict readers, and every number reads back as the very f64 JS held.
fn json_from_js(value: &JsValue, what: &str) -> Result<json::Value, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(json::Value::Null);
    }
    let invalid = |reason: String| JsError::new(&format!("invalid {what}: {reason}"));
    let text = js_sys::JSON::stringify(value)
        .map_err(|_| invalid("not JSON-serializable".into()))?
        .as_string()
        .ok_or_else(|| invalid("not JSON-serializable".into()))?;
    json::parse_round_trip(&text).map_err(|e| invalid(e.to_string()))
}

/// The context JS passed, read strictly.
fn context_from_js(context: &JsValue) -> Result<ChooseContext, JsError> {
    ChooseContext::from_json(&json_from_js(context, "campaign context")?)
        .map_err(|e| JsError::new(&format!("invalid campaign context: {e}")))
}

#[wasm_bindgen]
impl Campaigns {
    /// Parses `definitions` (the text of campaigns.json) strictly, and `state` (the text
    /// `state()` returned earlier) when given. Throws on invalid definitions or unreadable
    /// state; state of campaigns whose definition changed is dropped (`droppedState`).
    #[wasm_bindgen(constructor)]
    pub fn new(definitions: &str, state: Option<String>) -> Result<Campaigns, JsError> {
        let session = CampaignSession::new(definitions, state.as_deref()).map_err(error)?;
        Ok(Campaigns { session })
    }

    /// Ids of campaigns whose stored state no longer matched their definition.
    #[wasm_bindgen(getter, js_name = droppedState)]
    pub fn dropped_state(&self) -> Vec<String> {
        self.session.dropped().to_vec()
    }

    /// How many dimensions of the shopper's vector `campaignId` uses (0 = none).
    #[wasm_bindgen(js_name = userDims)]
    pub fn user_dims(
        &self,
        #[wasm_bindgen(js_name = campaignId)] campaign_id: &str,
    ) -> Result<usize, JsError> {
        self.session.user_dims(campaign_id).map_err(error)
    }

    /// What the shopper's standing must fill in before `choose`: the segment, RFM scores
    /// and (for a campaign with user features) projected user vector that `context` leaves
    /// out; `undefined` when it gives all the campaign reads. Pass it to the catalog's
    /// `Recommender.shopperStanding` and its answer to `choose`. Throws on an unknown
    /// campaign or an invalid context.
    #[wasm_bindgen(
        js_name = standingRequest,
        unchecked_return_type = "StandingRequest | undefined"
    )]
    pub fn standing_request(
        &self,
        #[wasm_bindgen(js_name = campaignId)] campaign_id: &str,
        #[wasm_bindgen(unchecked_param_type = "ChooseContext | undefined")] context: JsValue,
    ) -> Result<JsValue, JsError> {
        let context = context_from_js(&context)?;
        match self
            .session
            .standing_request(campaign_id, &context)
            .map_err(error)?
        {
            Some(request) => to_js(&request),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Chooses the variant to show and records the show. `context` is completed with
    /// `standing` (the catalog's answer to `standingRequest`) where the caller left a field
    /// out; without `standing` it is used as given. A field given as `null` stays empty.
    #[wasm_bindgen(unchecked_return_type = "CampaignDecision")]
    pub fn choose(
        &mut self,
        #[wasm_bindgen(js_name = campaignId)] campaign_id: &str,
        #[wasm_bindgen(unchecked_param_type = "ChooseContext | undefined")] context: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ShopperStanding | undefined")] standing: JsValue,
    ) -> Result<JsValue, JsError> {
        let context = context_from_js(&context)?;
        let standing = json_from_js(&standing, "shopper standing")?;
        let standing = ShopperStanding::from_json(&standing)
            .map_err(|e| JsError::new(&format!("invalid shopper standing: {e}")))?;
        let decision = self
            .session
            .choose_with(
                campaign_id,
                context,
                standing.as_ref(),
                now_ms(),
                entropy()?,
            )
            .map_err(error)?;
        to_js(&decision)
    }

    /// Rewards the latest of `campaignId`'s last 8 decisions that showed `variant` and has
    /// no reward yet (0 to 1; a click is 1).
    pub fn reward(
        &mut self,
        #[wasm_bindgen(js_name = campaignId)] campaign_id: &str,
        variant: &str,
        reward: f64,
    ) -> Result<(), JsError> {
        self.session
            .reward(campaign_id, variant, reward)
            .map_err(error)
    }

    /// The randomized-response report this device would send for `campaignId` this epoch,
    /// spending ε of its lifetime budget once per epoch. Throws when the store has not
    /// opted in, nothing was shown yet, or the budget is spent.
    #[wasm_bindgen(js_name = privacyReport, unchecked_return_type = "PrivacyReport")]
    pub fn privacy_report(
        &mut self,
        #[wasm_bindgen(js_name = campaignId)] campaign_id: &str,
    ) -> Result<JsValue, JsError> {
        let report = self
            .session
            .privacy_report(campaign_id, entropy()?)
            .map_err(error)?;
        to_js(&report)
    }

    /// The policy state to store on the device (JSON text, bounded in size).
    pub fn state(&self) -> String {
        self.session.state_json()
    }

    /// What this device has learned, per campaign and variant, and the privacy budget.
    #[wasm_bindgen(unchecked_return_type = "CampaignSummary")]
    pub fn summary(&self) -> Result<JsValue, JsError> {
        to_js(&self.session.summary())
    }
}
