//! The `Campaigns` JS class: which variant of a campaign to show, learned on this device.
//!
//! Randomness comes from `crypto.getRandomValues` (through getrandom), here and nowhere
//! else: the core takes a seed per decision.

use wasm_bindgen::prelude::*;

use crate::campaigns::{CampaignSession, ChooseContext, Shopper};
use crate::{dto, error, from_js, to_js, Recommender};

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

    /// Chooses the variant to show and records the show. The context is used as given
    /// (`chooseFor` completes it from the shopper's history).
    #[wasm_bindgen(unchecked_return_type = "CampaignDecision")]
    pub fn choose(
        &mut self,
        #[wasm_bindgen(js_name = campaignId)] campaign_id: &str,
        #[wasm_bindgen(unchecked_param_type = "ChooseContext | undefined")] context: JsValue,
    ) -> Result<JsValue, JsError> {
        self.decide(campaign_id, context, None)
    }

    /// Chooses the variant for the shopper with `history` and records the show, completing
    /// `context` in the same call: the segment and RFM scores the caller did not give (when
    /// the catalog ships them) and the projected user vector (when the campaign reads one)
    /// all come from one fold-in of `history`, with `options` as `segment()` takes them.
    /// A field given as `null` stays empty.
    #[wasm_bindgen(js_name = chooseFor, unchecked_return_type = "CampaignDecision")]
    pub fn choose_for(
        &mut self,
        #[wasm_bindgen(js_name = campaignId)] campaign_id: &str,
        #[wasm_bindgen(unchecked_param_type = "ChooseContext | undefined")] context: JsValue,
        recommender: &Recommender,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SegmentOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let history: Vec<dto::HistoryEvent> = from_js(history, "history")?;
        let mut options: dto::SegmentOptions = from_js(options, "segment options")?;
        options.now = Some(options.now.unwrap_or_else(now_ms));
        let engine = recommender.engine();
        let shopper = Shopper {
            engine: &engine,
            history: &history,
            options: &options,
        };
        self.decide(campaign_id, context, Some(&shopper))
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

impl Campaigns {
    /// `choose` and `chooseFor`: one reader of the context, one decision.
    fn decide(
        &mut self,
        campaign_id: &str,
        context: JsValue,
        shopper: Option<&Shopper<'_>>,
    ) -> Result<JsValue, JsError> {
        let context: serde_json::Value = from_js(context, "campaign context")?;
        let context = ChooseContext::from_json(&context)
            .map_err(|e| JsError::new(&format!("invalid campaign context: {e}")))?;
        let decision = self
            .session
            .choose_for(campaign_id, context, shopper, now_ms(), entropy()?)
            .map_err(error)?;
        to_js(&decision)
    }
}
