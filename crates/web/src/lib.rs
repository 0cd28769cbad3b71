//! shopwindow's WebAssembly façade: the `Recommender` class JS code uses.
//!
//! This crate is deliberately thin. It reads the JS arguments as JSON ([`read`]), returns
//! plain JS objects through serde-wasm-bindgen, calls [`api`] (plain Rust, shared with the
//! native tests), and turns every core error into a JS `Error` with the core's message.
//! Nothing here panics on bad input: malformed options, unknown ids and corrupt catalogs
//! all come back as errors.

pub mod api;
pub mod backend;
pub mod dto;
pub mod gpu_scans;
pub mod read;

use std::cell::RefCell;

use serde::Serialize;
use shopwindow::campaign::StandingRequest;
use shopwindow::json::{self, Value};
use shopwindow::number::Quoted;
use shopwindow::{Catalog, Recommender as Engine};
use wasm_bindgen::prelude::*;

use crate::dto::{BackendChoice, BackendStatus};

// The two objects a campaign decision passes between this module and the campaigns module
// (`shopwindow_campaigns`, loaded only by pages with campaigns, whose types import these).
#[wasm_bindgen(typescript_custom_section)]
const STANDING_TYPES: &str = r#"
/** The parts of a campaign's context the caller left out (the campaigns module says). */
export interface StandingRequest { segment: boolean; rfm: boolean; userDims: number }
/** The shopper's standing as a campaign decision reads it: the parts asked for. */
export interface ShopperStanding { segment?: number; rfm?: { r: number; f: number; m: number }; user?: number[] }
"#;

/// Recommendations computed on this device from a catalog file and the shopper's history.
#[wasm_bindgen]
pub struct Recommender {
    /// Borrowed mutably only to switch the CPU backend.
    engine: RefCell<Engine>,
    status: RefCell<BackendStatus>,
    /// Requests the WebGPU module is scanning for (`gpu_scans`).
    pending: gpu_scans::PendingRequests,
}

/// How the engine reads one kind of argument from its JSON (`read`).
type Reader<T> = fn(&Value) -> Result<T, read::ReadError>;

/// Reads an optional JS argument (`undefined`/`null` = defaults) into a DTO.
///
/// Input goes through `JSON.stringify`, the core's JSON reader (in the module anyway for
/// the catalog header) and [`read`], which refuses unknown fields: a misspelt option must be an
/// error, not a silently ignored default.
fn from_js<T: Default>(value: JsValue, what: &str, read: Reader<T>) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    required_from_js(value, what, read)
}

fn required_from_js<T>(value: JsValue, what: &str, read: Reader<T>) -> Result<T, JsError> {
    let value = json_from_js(value, what)?;
    read(&value).map_err(|e| invalid_argument(what, &e.to_string()))
}

/// `value` as JSON, parsed to a `Value`: the part of reading an argument that does not
/// depend on its type, kept out of the generic functions so that it is in the wasm once.
/// Through a `Value` and `read`'s field-by-field checks: the JSON reader is in the wasm
/// anyway for the catalog's header, and derived deserializers would add a visitor per
/// option type.
fn json_from_js(value: JsValue, what: &str) -> Result<Value, JsError> {
    let text = js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| invalid_argument(what, "not JSON-serializable"))?;
    json::parse(&text).map_err(|e| invalid_argument(what, &e.to_string()))
}

fn invalid_argument(what: &str, reason: &str) -> JsError {
    JsError::new(&format!("invalid {what}: {reason}"))
}

/// Plain objects (not `Map`s) so results read naturally in JS and JSON.stringify them.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|e| JsError::new(&format!("could not build the result: {e}")))
}

fn error(err: impl std::fmt::Display) -> JsError {
    JsError::new(&err.to_string())
}

/// The history and options of `recommend`, as `recommend` and `interestPoints` read them.
fn recommend_args(
    history: JsValue,
    options: JsValue,
) -> Result<(Vec<dto::HistoryEvent>, dto::RecommendOptions), JsError> {
    let history = from_js(history, "history", read::history)?;
    let options = from_js(options, "recommend options", read::recommend_options)?;
    Ok((history, with_clock(options)))
}

/// Options whose "now" defaults to the page's clock.
fn with_clock(mut options: dto::RecommendOptions) -> dto::RecommendOptions {
    decay_clock(options.half_life_days, &mut options.now);
    rules_clock(options.rules.as_ref(), &mut options.now);
    options
}

/// `now` defaults to the page's clock when `needed`; a `now` the caller gave is kept.
fn page_clock(needed: bool, now: &mut Option<f64>) {
    if needed {
        now.get_or_insert_with(js_sys::Date::now);
    }
}

/// `now` defaults to the page's clock when events decay with a half-life.
fn decay_clock(half_life_days: Option<f64>, now: &mut Option<f64>) {
    page_clock(half_life_days.is_some(), now);
}

/// `now` defaults to the page's clock when the rules hide recent purchases.
fn rules_clock(rules: Option<&dto::Rules>, now: &mut Option<f64>) {
    page_clock(rules.is_some_and(|r| r.hide_bought_days.is_some()), now);
}

/// The option names `method` ("recommend", "probability", "similar", "segment", "together",
/// "trending", "rerank", or "choose" for its context) takes, from the option types themselves (`dto::option_names`).
#[wasm_bindgen(js_name = optionNames)]
pub fn option_names(method: &str) -> Result<Vec<String>, JsError> {
    dto::option_names(method)
        .map(|names| names.iter().map(|n| n.to_string()).collect())
        .ok_or_else(|| JsError::new(&format!("no options for {}", Quoted(method))))
}

#[wasm_bindgen]
impl Recommender {
    /// Validates `catalog` (the bytes of a catalog file) and keeps it in wasm memory.
    /// Throws an `Error` naming what is wrong with a corrupt or unsupported file.
    #[wasm_bindgen(constructor)]
    pub fn new(catalog: Vec<u8>) -> Result<Recommender, JsError> {
        let catalog = Catalog::from_bytes(catalog).map_err(error)?;
        Ok(Recommender {
            engine: RefCell::new(Engine::new(catalog)),
            status: RefCell::new(backend::on_cpu(
                BackendChoice::Simd,
                "the synchronous constructor scores on the CPU".into(),
            )),
            pending: gpu_scans::PendingRequests::default(),
        })
    }

    /// "Recommended for you" from `history` (oldest first or in any order).
    ///
    /// With `interests: true`, `interestLabels` are the interests module's labels of
    /// `interestPoints` for the same history and options (the npm package passes them).
    #[wasm_bindgen(unchecked_return_type = "Recommendations")]
    pub fn recommend(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecommendOptions | undefined")] options: JsValue,
        #[wasm_bindgen(js_name = interestLabels)] interest_labels: Option<Vec<u8>>,
    ) -> Result<JsValue, JsError> {
        let (history, options) = recommend_args(history, options)?;
        let answer = api::recommend(
            &self.engine(),
            &history,
            &options,
            interest_labels.as_deref(),
        );
        to_js(&answer.map_err(error)?)
    }

    /// The points `recommend({ interests: true })` splits into interests for `history`:
    /// unit vectors of the catalog's dimension, row after row, for the interests module
    /// (`shopwindow_interests`, which only pages asking for interests load) to label.
    /// Empty when there are too few to split: the labels are then empty too.
    #[wasm_bindgen(js_name = interestPoints)]
    pub fn interest_points(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecommendOptions | undefined")] options: JsValue,
    ) -> Result<Vec<f32>, JsError> {
        let (history, options) = recommend_args(history, options)?;
        api::interest_points(&self.engine(), &history, &options).map_err(error)
    }

    /// Items most similar to `itemId` (cosine of their vectors), excluding the item itself.
    #[wasm_bindgen(unchecked_return_type = "SimilarItems")]
    pub fn similar(
        &self,
        #[wasm_bindgen(js_name = itemId)] item_id: &str,
        #[wasm_bindgen(unchecked_param_type = "SimilarOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let mut options: dto::SimilarOptions =
            from_js(options, "similar options", read::similar_options)?;
        rules_clock(options.rules.as_ref(), &mut options.now);
        to_js(&api::similar(&self.engine(), item_id, &options).map_err(error)?)
    }

    /// "Often bought together" with `itemIds` (one product or a whole cart): items bought in
    /// the same baskets more often than their popularity predicts, by summed lift. Unknown
    /// ids are skipped and listed in `unknownItems`; throws when the catalog has no
    /// bought-together table.
    #[wasm_bindgen(unchecked_return_type = "PlacementItems")]
    pub fn together(
        &self,
        #[wasm_bindgen(js_name = itemIds, unchecked_param_type = "string[]")] item_ids: JsValue,
        #[wasm_bindgen(unchecked_param_type = "PlacementOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let item_ids: Vec<String> = required_from_js(item_ids, "item ids", read::item_ids)?;
        let mut options: dto::PlacementOptions =
            from_js(options, "together options", read::placement_options)?;
        rules_clock(options.rules.as_ref(), &mut options.now);
        to_js(&api::together(&self.engine(), &item_ids, &options).map_err(error)?)
    }

    /// "Trending" (time-decayed popularity computed when the catalog was built), overall or
    /// in `category`; throws when the catalog has no trending score.
    #[wasm_bindgen(unchecked_return_type = "PlacementItems")]
    pub fn trending(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PlacementOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let mut options: dto::PlacementOptions =
            from_js(options, "trending options", read::placement_options)?;
        rules_clock(options.rules.as_ref(), &mut options.now);
        to_js(&api::trending(&self.engine(), &options).map_err(error)?)
    }

    /// `itemIds` (a list the store shows, e.g. a category grid) reordered for the shopper
    /// with `history`: each item's model score (what `recommend` gives it) ranks the items,
    /// and `strength` (0 = the given order, 1 = the model's, default 1) mixes the two ranks.
    /// Unknown ids keep their positions; an empty history keeps the given order. Scores only
    /// the given items, on the CPU, on every backend.
    #[wasm_bindgen(unchecked_return_type = "RerankedList")]
    pub fn rerank(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(js_name = itemIds, unchecked_param_type = "string[]")] item_ids: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RerankOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let history: Vec<dto::HistoryEvent> = from_js(history, "history", read::history)?;
        let item_ids: Vec<String> = required_from_js(item_ids, "item ids", read::item_ids)?;
        let mut options: dto::RerankOptions =
            from_js(options, "rerank options", read::rerank_options)?;
        decay_clock(options.half_life_days, &mut options.now);
        to_js(&api::rerank(&self.engine(), &history, &item_ids, &options).map_err(error)?)
    }

    /// Calibrated `P(item | shopper)` for each of `itemIds` (softmax over the whole catalog).
    #[wasm_bindgen(unchecked_return_type = "number[]")]
    pub fn probability(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(js_name = itemIds, unchecked_param_type = "string[]")] item_ids: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecommendOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let history: Vec<dto::HistoryEvent> = from_js(history, "history", read::history)?;
        let item_ids: Vec<String> = required_from_js(item_ids, "item ids", read::item_ids)?;
        let options = with_clock(from_js(options, "options", read::recommend_options)?);
        to_js(&api::probability(&self.engine(), &history, &item_ids, &options).map_err(error)?)
    }

    /// The shopper's customer segment (id, label, soft membership, the segment's top
    /// categories) and RFM standing, from `history` only. Both are `null` for an empty
    /// history; throws when the catalog ships neither segments nor RFM thresholds.
    #[wasm_bindgen(unchecked_return_type = "ShopperSegment")]
    pub fn segment(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SegmentOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let history: Vec<dto::HistoryEvent> = from_js(history, "history", read::history)?;
        let mut options: dto::SegmentOptions =
            from_js(options, "segment options", read::segment_options)?;
        options.now = Some(options.now.unwrap_or_else(js_sys::Date::now));
        to_js(&api::segment(&self.engine(), &history, &options).map_err(error)?)
    }

    /// The shopper's vector projected to `dims` dimensions for campaign policies (a fixed
    /// ±1 projection scaled to unit length); empty for an empty history.
    #[wasm_bindgen(js_name = userFeatures)]
    pub fn user_features(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        dims: usize,
    ) -> Result<Vec<f32>, JsError> {
        let history: Vec<dto::HistoryEvent> = from_js(history, "history", read::history)?;
        api::user_features(&self.engine(), &history, dims).map_err(error)
    }

    /// What a campaign decision asked for (`Campaigns.standingRequest` in the campaigns
    /// module), from one fold-in of `history`: the segment and RFM scores where the catalog
    /// ships them, the user vector projected as `userFeatures` does. `options` as
    /// `segment()` takes them ("now" defaults to the page's clock). `undefined` when this
    /// catalog or history gives nothing asked for.
    #[wasm_bindgen(
        js_name = shopperStanding,
        unchecked_return_type = "ShopperStanding | undefined"
    )]
    pub fn shopper_standing(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SegmentOptions | undefined")] options: JsValue,
        #[wasm_bindgen(unchecked_param_type = "StandingRequest")] request: JsValue,
    ) -> Result<JsValue, JsError> {
        let history: Vec<dto::HistoryEvent> = from_js(history, "history", read::history)?;
        let mut options: dto::SegmentOptions =
            from_js(options, "segment options", read::segment_options)?;
        options.now.get_or_insert_with(js_sys::Date::now);
        let request: StandingRequest =
            required_from_js(request, "standing request", read::standing_request)?;
        match api::shopper_standing(&self.engine(), &history, &options, request).map_err(error)? {
            Some(standing) => to_js(&standing),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// What the catalog holds: sizes, dtype, model parameters, categories.
    #[wasm_bindgen(unchecked_return_type = "CatalogInfo")]
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&api::info(self.engine().catalog()))
    }

    /// One item for display, or `undefined` when the catalog has no such id.
    #[wasm_bindgen(unchecked_return_type = "ItemResult | undefined")]
    pub fn item(
        &self,
        #[wasm_bindgen(js_name = itemId)] item_id: &str,
    ) -> Result<JsValue, JsError> {
        let engine = self.engine();
        let catalog = engine.catalog();
        match catalog.index_of(item_id) {
            Some(index) => {
                let score = catalog.popularity().map_or(0.0, |p| p[index as usize]);
                to_js(&api::item_result(catalog, index, score, None))
            }
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// The backend in use: "simd128" or "scalar". This module scores on the CPU; the
    /// WebGPU module (`shopwindow_gpu`) scores its scans on a GPU and reports its own.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.status.borrow().backend.clone()
    }

    /// Which backend scores, why, and whether WebGPU fell back to the CPU.
    #[wasm_bindgen(getter, js_name = backendStatus, unchecked_return_type = "BackendStatus")]
    pub fn backend_status(&self) -> Result<JsValue, JsError> {
        to_js(&*self.status.borrow())
    }

    /// Sets the CPU backend ("simd", "simd128" or "scalar"); every backend returns the same
    /// lists. "auto" and "webgpu" are accepted and score on the CPU here, and
    /// `backendStatus` says why (a catalog too small for `auto`, or no GPU in this module:
    /// the WebGPU module's `GpuRecommender` is what scores on one, and it sets this
    /// module's CPU backend through this method, reading the status back to decide).
    #[wasm_bindgen(js_name = setBackend)]
    pub fn set_backend(&self, name: &str) -> Result<(), JsError> {
        let choice = BackendChoice::parse(name).map_err(|e| JsError::new(&e))?;
        let status = if matches!(choice, BackendChoice::Simd | BackendChoice::Scalar) {
            backend::on_cpu(choice, "requested".into())
        } else {
            let engine = self.engine();
            let catalog = engine.catalog();
            backend::without_gpu(choice, catalog.len(), catalog.dim(), browser_has_webgpu())
        };
        self.engine.borrow_mut().set_backend(choice.cpu());
        self.status.replace(status);
        Ok(())
    }
}

/// Whether `backend` would try WebGPU for `catalog` (a catalog file, or its first bytes),
/// read from its header alone: "webgpu" always, "auto" from `backend::AUTO_MIN_ELEMENTS`
/// scored values up, CPU choices never. Read before the catalog is handed to the engine, so
/// a page loads the WebGPU module (`shopwindow_gpu`) only when it will try it. Only the
/// header (8 + n bytes) is copied into this module's
/// memory, not the file. `false` for a header that cannot be read: the engine's constructor
/// then says what is wrong with the file.
#[wasm_bindgen(js_name = triesGpu)]
pub fn tries_gpu(catalog: &js_sys::Uint8Array, backend: &str) -> Result<bool, JsError> {
    let choice = BackendChoice::parse(backend).map_err(|e| JsError::new(&e))?;
    let len = catalog.length();
    if len < 8 {
        return Ok(false);
    }
    let mut prefix = [0u8; 8];
    catalog.subarray(0, 8).copy_to(&mut prefix);
    // A length past the end reads what there is, which `vector_shape` finds incomplete.
    let end = u64::from_le_bytes(prefix)
        .saturating_add(8)
        .min(u64::from(len)) as u32;
    let header = catalog.subarray(0, end).to_vec();
    Ok(
        shopwindow::catalog::vector_shape(&header).is_some_and(|(items, dim)| {
            matches!(
                backend::decide(choice, items, dim),
                backend::Decision::TryGpu { .. }
            )
        }),
    )
}

/// Whether the page or worker has `navigator.gpu` (read through the global object, so it
/// works in both); false outside a browser.
fn browser_has_webgpu() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let global = js_sys::global();
        let navigator = js_sys::Reflect::get(&global, &"navigator".into()).unwrap_or_default();
        navigator.is_object()
            && js_sys::Reflect::get(&navigator, &"gpu".into())
                .is_ok_and(|gpu| !gpu.is_undefined() && !gpu.is_null())
    }
    #[cfg(not(target_arch = "wasm32"))]
    false
}

impl Recommender {
    fn engine(&self) -> std::cell::Ref<'_, Engine> {
        self.engine.borrow()
    }
}
