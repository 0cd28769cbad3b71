//! The plain JS objects the API takes and returns. Field names are camelCase as JS code
//! expects; unknown fields are rejected so a typo in an option is an error, not a silent
//! default. `Tsify` writes each type into the generated `.d.ts`. The engine reads the
//! option types with [`crate::read`] (field by field, to the derives' verdict); the derived
//! `Deserialize` serves native callers and that reader's tests, and `Serialize` writes the
//! results.

use serde::{Deserialize, Serialize};
use tsify::Tsify;

/// One thing the shopper did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HistoryEvent {
    pub item_id: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    /// Milliseconds since the Unix epoch (`Date.now()`); used by `halfLifeDays`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub timestamp: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum EventType {
    View,
    Cart,
    Purchase,
}

/// Business filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filters {
    /// Keep only items in these categories (names as in the catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub categories: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub price_min: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub price_max: Option<f32>,
    #[serde(default)]
    #[tsify(optional)]
    pub available_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum ExcludeHistory {
    /// Never recommend anything in the history (default).
    #[default]
    All,
    /// Never recommend what was bought; viewed and carted items may come back.
    Purchased,
    None,
}

/// Weight of each event type in the user model (defaults 1 / 3 / 5); 0 ignores the type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventWeights {
    #[tsify(optional)]
    pub view: Option<f32>,
    #[tsify(optional)]
    pub cart: Option<f32>,
    #[tsify(optional)]
    pub purchase: Option<f32>,
}

/// Options of `recommend`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecommendOptions {
    /// How many items (default 10, at most 1000).
    #[tsify(optional)]
    pub k: Option<usize>,
    #[tsify(optional)]
    pub filters: Option<Filters>,
    /// Item ids never to return (e.g. the items already on the page).
    #[tsify(optional)]
    pub exclude: Option<Vec<String>>,
    #[tsify(optional)]
    pub exclude_history: Option<ExcludeHistory>,
    /// 0 (default) ranks by relevance only; up to 1 trades relevance for variety (MMR).
    #[tsify(optional)]
    pub diversity: Option<f32>,
    /// Also return `probability`: P(item | shopper), a softmax over the whole catalog.
    #[tsify(optional)]
    pub probabilities: Option<bool>,
    /// Category of the current page: on cold start its items come first.
    #[tsify(optional)]
    pub context_category: Option<String>,
    #[tsify(optional)]
    pub event_weights: Option<EventWeights>,
    /// Halve an event's weight every this many days (no decay by default).
    #[tsify(optional)]
    pub half_life_days: Option<f64>,
    /// "Now" for the decay, ms since the epoch (default `Date.now()`).
    #[tsify(optional)]
    pub now: Option<f64>,
    /// Multi-interest (default false): split the history into up to 4 interests and
    /// interleave one list per interest; each item then says its `interest`. A history
    /// that is one interest gets the usual list. The wasm class takes the split as
    /// `recommend`'s third argument (`interestPoints`, then the interests module's
    /// `splitInterests`); the npm package does that itself.
    #[tsify(optional)]
    pub interests: Option<bool>,
    /// Merchandising rules (boost / bury, pins, never show, hide recently bought).
    #[tsify(optional)]
    pub rules: Option<Rules>,
    /// A share of the places for new, content-derived products (README, "Fresh").
    #[tsify(optional)]
    pub fresh: Option<Fresh>,
}

/// `fresh`: ⌊share·k⌋ places of the list go to the best content-derived products (products
/// without purchases yet) the list does not already show, spread from the second place on.
/// A catalog without content-derived products is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fresh {
    /// A number in [0, 0.5].
    pub share: f64,
}

/// Merchandising rules, applied by the engine after scoring on every backend alike
/// (ARCHITECTURE.md, "Merchandising rules"). Every field is optional; unknown fields,
/// wrong types and out-of-range values are errors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rules {
    /// Boosts (`add > 0`) and buries (`add < 0`), at most 64: each item's score becomes
    /// `score + Σ add` over the rules that select it, and the list is ranked by that.
    /// `probability` stays the model's.
    #[tsify(optional)]
    pub boosts: Option<Vec<Boost>>,
    /// Items shown at fixed 0-based positions (at most 64, positions below 1000, each
    /// position and id once), when the catalog has them and the request's filters, exclusions
    /// and these rules allow them. Ids the catalog lacks are skipped.
    #[tsify(optional)]
    pub pins: Option<Vec<PinRule>>,
    /// Item ids never returned (ids the catalog lacks are skipped).
    #[tsify(optional)]
    pub never_show: Option<Vec<String>>,
    /// Categories (names as in the catalog) whose items are never returned.
    #[tsify(optional)]
    pub never_show_categories: Option<Vec<String>>,
    /// Never return what the shopper bought (history events of type "purchase") in the last
    /// this many days before `now` (0 < days ≤ 3650); a purchase without a timestamp counts
    /// as bought now.
    #[tsify(optional)]
    pub hide_bought_days: Option<f64>,
}

/// One boost or bury: `add` goes to every item that matches all the selectors given (at
/// least one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Boost {
    /// The item's category is one of these (names as in the catalog).
    #[tsify(optional)]
    pub categories: Option<Vec<String>>,
    /// The item's price is at least this.
    #[tsify(optional)]
    pub price_min: Option<f32>,
    /// The item's price is at most this.
    #[tsify(optional)]
    pub price_max: Option<f32>,
    /// The item carries one of these tags (the catalog's `item.tags`).
    #[tsify(optional)]
    pub tags: Option<Vec<String>>,
    /// The item is one of these ids (ids the catalog lacks are skipped).
    #[tsify(optional)]
    pub ids: Option<Vec<String>>,
    /// Added to the score (in the list's own score units); finite, |add| ≤ 1e6.
    pub add: f32,
}

/// Item `id` at 0-based `position`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PinRule {
    pub id: String,
    pub position: usize,
}

/// Options of `similar`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimilarOptions {
    #[tsify(optional)]
    pub k: Option<usize>,
    #[tsify(optional)]
    pub filters: Option<Filters>,
    #[tsify(optional)]
    pub exclude: Option<Vec<String>>,
    #[tsify(optional)]
    pub diversity: Option<f32>,
    /// Merchandising rules.
    #[tsify(optional)]
    pub rules: Option<Rules>,
    /// The shopper's history, read only by `rules.hideBoughtDays`.
    #[tsify(optional)]
    pub history: Option<Vec<HistoryEvent>>,
    /// "Now" for `rules.hideBoughtDays`, ms since the epoch (default `Date.now()`).
    #[tsify(optional)]
    pub now: Option<f64>,
    /// A share of the places for new, content-derived products (see `Fresh`).
    #[tsify(optional)]
    pub fresh: Option<Fresh>,
}

/// Options of `together` and `trending`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlacementOptions {
    /// How many items (default 10, at most 1000); `together` may return fewer.
    #[tsify(optional)]
    pub k: Option<usize>,
    /// Only this category (a name as in the catalog): "trending in X".
    #[tsify(optional)]
    pub category: Option<String>,
    #[tsify(optional)]
    pub filters: Option<Filters>,
    /// Item ids never to return (`together`'s own items never come back anyway).
    #[tsify(optional)]
    pub exclude: Option<Vec<String>>,
    /// Merchandising rules.
    #[tsify(optional)]
    pub rules: Option<Rules>,
    /// The shopper's history, read only by `rules.hideBoughtDays`.
    #[tsify(optional)]
    pub history: Option<Vec<HistoryEvent>>,
    /// "Now" for `rules.hideBoughtDays`, ms since the epoch (default `Date.now()`).
    #[tsify(optional)]
    pub now: Option<f64>,
}

/// The answer of `together` and `trending`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PlacementItems {
    /// Best first; `score` is the summed lift (`together`) or the decayed popularity
    /// (`trending`).
    pub items: Vec<ItemResult>,
    /// Given ids the catalog does not know: skipped, not an error.
    pub unknown_items: Vec<String>,
}

/// Options of `rerank`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RerankOptions {
    /// 0 keeps the store's order, 1 (default) is the model's order; in between, each item's
    /// key is `(1 - strength) * storeRank + strength * modelRank`, ties in store order.
    #[tsify(optional)]
    pub strength: Option<f32>,
    #[tsify(optional)]
    pub event_weights: Option<EventWeights>,
    /// Halve an event's weight every this many days (no decay by default).
    #[tsify(optional)]
    pub half_life_days: Option<f64>,
    /// "Now" for the decay, ms since the epoch (default `Date.now()`).
    #[tsify(optional)]
    pub now: Option<f64>,
}

/// One item of a reranked list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RerankedItem {
    pub id: String,
    /// The model's score (what `recommend` gives the item); `null` for an id the catalog
    /// does not have, and for every item while the shopper has no history.
    #[tsify(type = "number | null")]
    pub score: Option<f32>,
    /// The item's position in the given list.
    pub position: usize,
}

/// How `rerank` ordered the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum RerankStrategy {
    /// Mixed with the model's order by `strength`.
    Personalized,
    /// The given order: the shopper has no history yet.
    Store,
}

/// The answer of `rerank`: every given id once, in the new order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RerankedList {
    pub items: Vec<RerankedItem>,
    pub strategy: RerankStrategy,
    /// Given ids the catalog does not know: they keep their positions in `items`.
    pub unknown_items: Vec<String>,
}

/// A returned item with what a storefront needs to render it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    pub id: String,
    /// Dot product with the shopper's vector (cosine for `similar`, popularity on cold start).
    pub score: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub probability: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub price: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub image_url: Option<String>,
    pub available: bool,
    /// The item's merchandising tags (catalogs with `item.tags`); absent when it has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub tags: Vec<String>,
    /// With `interests: true`: the interest that proposed the item (0 = the one with most
    /// history items); absent when the list came from one vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub interest: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    Personalized,
    Popular,
}

/// The answer of `recommend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Recommendations {
    pub items: Vec<ItemResult>,
    pub strategy: Strategy,
    /// History ids the catalog does not know (delisted items): skipped, not an error.
    pub unknown_items: Vec<String>,
    /// The backend that scored: "webgpu", "simd128" or "scalar".
    pub backend: String,
}

/// The answer of `similar`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SimilarItems {
    pub items: Vec<ItemResult>,
    /// The backend that scored: "webgpu", "simd128" or "scalar".
    pub backend: String,
}

/// What `info()` reports about the loaded catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CatalogInfo {
    pub items: usize,
    pub dim: usize,
    /// "f32", "f16" or "i8".
    pub dtype: String,
    pub format_version: u32,
    pub model: String,
    pub alpha: f32,
    pub lambda: f32,
    /// "constant" or "interactions".
    pub lambda_scaling: String,
    pub categories: Vec<String>,
    pub has_prices: bool,
    pub has_availability: bool,
    pub has_titles: bool,
    /// Whether the catalog ships merchandising tags (`item.tags`).
    #[serde(default)]
    pub has_tags: bool,
    #[tsify(optional)]
    pub created: Option<String>,
    #[tsify(optional)]
    pub source: Option<String>,
    pub byte_length: usize,
    /// True when the catalog bytes are read in place (no second copy in memory).
    pub zero_copy: bool,
    /// The hybrid model, when the catalog ships one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub hybrid: Option<HybridInfo>,
    /// The offline tuner's report: its `tune.*` metadata (free text), keys without the
    /// `tune.` prefix. Empty when the catalog was not tuned.
    #[serde(default)]
    #[tsify(type = "Record<string, string>")]
    pub tune: TuneReport,
}

/// The tuner's report, key → value in key order, given to JS as a plain object. A list,
/// not a `BTreeMap`: the catalog already keeps its metadata sorted, and the map's insert,
/// walk and drop were 6 KB of the engine module for this one field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TuneReport(pub Vec<(String, String)>);

impl Serialize for TuneReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for TuneReport {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(deserializer)?;
        Ok(TuneReport(map.into_iter().collect()))
    }
}

/// The hybrid model a catalog ships: how `recommend` blends its scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct HybridInfo {
    /// Whether the vector score takes part.
    pub vectors: bool,
    pub neighbour_weight: f32,
    pub popularity_weight: f32,
    /// "linear", "log1p" or "saturate".
    pub history: String,
    /// Neighbour slots per item (0 without a neighbour table).
    pub neighbours: usize,
}

/// A scoring backend a page can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// WebGPU when this device has a hardware adapter and the catalog is large enough to
    /// gain; SIMD128 otherwise.
    #[default]
    Auto,
    Webgpu,
    /// The wasm SIMD128 kernels ("simd128" is accepted too).
    #[serde(alias = "simd128")]
    Simd,
    /// The portable reference kernels.
    Scalar,
}

/// Options of `Recommender.create` and `setBackendAsync`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackendOptions {
    #[tsify(optional)]
    pub backend: Option<BackendChoice>,
    /// Largest GPU buffer to use for one chunk of the catalog, in bytes (default: the
    /// device's limit). For tuning and tests.
    #[tsify(optional)]
    pub max_chunk_bytes: Option<f64>,
}

/// Which backend scores, and why: `backendStatus`, the answer of `setBackendAsync`, and the
/// argument of `onfallback`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct BackendStatus {
    /// What was asked for: "auto", "webgpu", "simd" or "scalar".
    pub requested: String,
    /// What scores now: "webgpu", "simd128" or "scalar".
    pub backend: String,
    /// Why, in words.
    pub reason: String,
    /// True when WebGPU was wanted but failed (missing, refused, pipeline error, device
    /// lost) and the CPU took over with the same results.
    pub fallback: bool,
    /// The GPU adapter, when one was obtained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub adapter: Option<String>,
    /// GPU buffers the catalog was split into, when WebGPU scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub chunks: Option<usize>,
}

/// Options of `segment`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SegmentOptions {
    /// Event weights of the fold-in (defaults 1 / 3 / 5, as the segments were built).
    #[tsify(optional)]
    pub event_weights: Option<EventWeights>,
    /// Halve an event's weight every this many days (no decay by default).
    #[tsify(optional)]
    pub half_life_days: Option<f64>,
    /// "Now" for recency and decay, ms since the epoch (default `Date.now()`).
    #[tsify(optional)]
    pub now: Option<f64>,
}

/// The shopper's customer segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SegmentResult {
    /// Index into the catalog's segment table.
    pub id: u32,
    pub label: String,
    /// Soft membership over every segment (sums to 1), in segment order.
    pub membership: Vec<f32>,
    /// The segment's dominant categories, most characteristic first (the "why").
    pub top_categories: Vec<String>,
    /// Ids of the segment's most characteristic items.
    pub top_items: Vec<String>,
    /// Customers in the segment when it was built.
    pub size: u32,
}

/// The shopper's RFM standing, from their purchases on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RfmResult {
    /// Days since the last purchase.
    pub recency_days: f64,
    /// Distinct days with a purchase.
    pub frequency: u32,
    /// Sum of the catalog prices of the purchases.
    pub monetary: f64,
    /// Scores 1..=5 against the store's quintiles (5 = most recent / frequent / spent).
    pub r: u8,
    pub f: u8,
    pub m: u8,
    /// "Champions", "Loyal", "Potential loyalist", "New", "Needs attention", "At risk",
    /// "Hibernating" or "Lost".
    pub segment: String,
}

/// The answer of `segment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ShopperSegment {
    /// `null` while the history is empty, or when the catalog ships no segments.
    #[tsify(type = "SegmentResult | null")]
    pub segment: Option<SegmentResult>,
    /// `null` without purchases, or when the catalog ships no RFM thresholds.
    #[tsify(type = "RfmResult | null")]
    pub rfm: Option<RfmResult>,
    /// History ids the catalog does not know: skipped, not an error.
    pub unknown_items: Vec<String>,
}

/// The option names the npm package's `method` forwards to the engine (`optionNames(method)`),
/// from the lists the engine reads the options with (`read`, which a test holds to these
/// types' fields); `None` for a method without options. The package checks its callers'
/// options against these, so they cannot drift from this file the way a hand-kept copy in
/// JS did; the worker protocol carries them in the description the page gets at start-up.
pub fn option_names(method: &str) -> Option<&'static [&'static str]> {
    use crate::read;
    Some(match method {
        "recommend" | "probability" => read::RECOMMEND_FIELDS,
        "similar" => read::SIMILAR_FIELDS,
        "segment" => read::SEGMENT_FIELDS,
        "together" | "trending" => read::PLACEMENT_FIELDS,
        "rerank" => read::RERANK_FIELDS,
        "choose" => shopwindow::campaign::CONTEXT_FIELDS,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_names_come_from_the_option_types() {
        let names = |method| option_names(method).unwrap();
        assert_eq!(
            names("similar"),
            [
                "k",
                "filters",
                "exclude",
                "diversity",
                "rules",
                "history",
                "now",
                "fresh"
            ]
        );
        assert_eq!(names("segment"), ["eventWeights", "halfLifeDays", "now"]);
        assert_eq!(
            names("rerank"),
            ["strength", "eventWeights", "halfLifeDays", "now"]
        );
        assert_eq!(names("choose"), ["page", "segment", "rfm", "user"]);
        assert_eq!(names("probability"), names("recommend"));
        let recommend = names("recommend");
        assert!(recommend.contains(&"excludeHistory") && recommend.contains(&"interests"));
        // Every name is one the engine accepts (`{name: null}` reads as its default).
        for name in recommend {
            let json = shopwindow::json::parse(&format!("{{\"{name}\": null}}")).unwrap();
            crate::read::recommend_options(&json).unwrap();
        }
        assert_eq!(option_names("item"), None);
    }
}
