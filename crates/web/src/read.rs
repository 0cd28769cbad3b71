//! Reads the API's option objects and histories from a JSON `Value`, field by field.
//!
//! Why not the types' derived `Deserialize`: every derived struct brings its own visitor,
//! field matcher and sequence path into the wasm (22 KB of the engine module for the types
//! below, measured side by side), while the checks are the same few everywhere: an object
//! whose keys are all known, and fields that are strings, numbers, booleans, lists or
//! nested objects. Here each type is a short function over one shared set of checks. The
//! derives stay on the types: they write the TypeScript declarations, the native tests
//! build options with them, and a property test (`tests`) holds this reader to their
//! verdict on every input it generates.
//!
//! What it accepts is what the derive accepts, less two forms no page writes by accident:
//! serde also reads a struct from a list of its fields' values (`"filters": []`,
//! `"fresh": [0.2]`) and an enum from a one-key object (`{"all": null}`); here objects are
//! objects and enums are strings. Messages use serde's wording ("unknown field `x`",
//! "missing field `add`", "invalid type: string \"a\", expected a number") and say where
//! the field is (`rules.boosts[0].add`), which serde's did not.

use shopwindow::campaign::StandingRequest;
use shopwindow::json::{Object, Value};
use shopwindow::number::Quoted;

use crate::dto::{
    Boost, EventType, EventWeights, ExcludeHistory, Filters, Fresh, HistoryEvent, PinRule,
    PlacementOptions, RecommendOptions, RerankOptions, Rules, SegmentOptions, SimilarOptions,
};

/// What went wrong, and at which field (`rules.boosts[0].add`; empty for the value itself).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    path: String,
    message: String,
}

impl ReadError {
    fn new(message: String) -> ReadError {
        ReadError {
            path: String::new(),
            message,
        }
    }

    /// The same error one level up: inside field `name` (or list index `[i]`).
    fn inside(mut self, segment: &str) -> ReadError {
        self.path = if self.path.is_empty() {
            segment.to_string()
        } else if self.path.starts_with('[') {
            format!("{segment}{}", self.path)
        } else {
            format!("{segment}.{}", self.path)
        };
        self
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ReadError {}

type Read<T> = Result<T, ReadError>;

/// A reader of one kind of value. Function pointers rather than closures: the generic
/// helpers below are then instantiated once per result type, not once per call site.
type Reader<T> = fn(&Value) -> Read<T>;

/// serde's words for what was found, so messages read as before.
fn invalid_type(found: &Value, expected: &str) -> ReadError {
    let found = match found {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {}", Quoted(s)),
        Value::Array(_) => "sequence".to_string(),
        Value::Object(_) => "map".to_string(),
    };
    ReadError::new(format!("invalid type: {found}, expected {expected}"))
}

/// "one of `a`, `b`, `c`" (or "`a`" alone), as serde lists the names it expects.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_string(),
        [one] => format!("`{one}`"),
        _ => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("one of {}", quoted.join(", "))
        }
    }
}

/// An object whose keys are all among `names`, read field by field.
struct Fields<'a> {
    map: &'a Object,
}

fn fields<'a>(value: &'a Value, names: &[&str]) -> Read<Fields<'a>> {
    let map = value
        .as_object()
        .ok_or_else(|| invalid_type(value, "an object"))?;
    if let Some(key) = map.keys().find(|key| !names.contains(&key.as_str())) {
        return Err(ReadError::new(format!(
            "unknown field `{key}`, expected {}",
            one_of(names)
        )));
    }
    Ok(Fields { map })
}

impl Fields<'_> {
    /// An optional field: absent or `null` is `None`.
    fn optional<T>(&self, name: &str, read: Reader<T>) -> Read<Option<T>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(value).map(Some).map_err(|e| e.inside(name)),
        }
    }

    /// A field that must be there (`null` is a wrong type, as for serde).
    fn required<T>(&self, name: &str, read: Reader<T>) -> Read<T> {
        match self.map.get(name) {
            None => Err(ReadError::new(format!("missing field `{name}`"))),
            Some(value) => read(value).map_err(|e| e.inside(name)),
        }
    }

    /// A field that defaults when absent (but not when `null`, as serde's `default`).
    fn or_default<T: Default>(&self, name: &str, read: Reader<T>) -> Read<T> {
        match self.map.get(name) {
            None => Ok(T::default()),
            Some(value) => read(value).map_err(|e| e.inside(name)),
        }
    }
}

fn string(value: &Value) -> Read<String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| invalid_type(value, "a string"))
}

fn boolean(value: &Value) -> Read<bool> {
    value
        .as_bool()
        .ok_or_else(|| invalid_type(value, "a boolean"))
}

/// Any JSON number, as serde converts it to `f64`.
fn f64(value: &Value) -> Read<f64> {
    value
        .as_f64()
        .ok_or_else(|| invalid_type(value, "a number"))
}

fn f32(value: &Value) -> Read<f32> {
    f64(value).map(|n| n as f32)
}

/// A non-negative integer that fits `usize` (serde refuses fractions and negatives too).
fn usize(value: &Value) -> Read<usize> {
    match value {
        Value::Number(n) if n.is_f64() => Err(invalid_type(value, "a non-negative integer")),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| {
                ReadError::new(format!(
                    "invalid value: integer `{n}`, expected a non-negative integer that fits usize"
                ))
            }),
        _ => Err(invalid_type(value, "a non-negative integer")),
    }
}

fn list<T>(value: &Value, read: Reader<T>) -> Read<Vec<T>> {
    let items = value
        .as_array()
        .ok_or_else(|| invalid_type(value, "a list"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| read(item).map_err(|e| e.inside(&format!("[{i}]"))))
        .collect()
}

fn strings(value: &Value) -> Read<Vec<String>> {
    list(value, string)
}

/// One of `variants` (by name), as its index.
fn variant(value: &Value, variants: &[&str]) -> Read<usize> {
    let name = value
        .as_str()
        .ok_or_else(|| invalid_type(value, &format!("a string, {}", one_of(variants))))?;
    variants.iter().position(|v| *v == name).ok_or_else(|| {
        ReadError::new(format!(
            "unknown variant `{name}`, expected {}",
            one_of(variants)
        ))
    })
}

// The field names of each object, in the order of the types' fields: what `optionNames`
// reports, and what a test compares with serde's own lists for the derived types.
pub const HISTORY_EVENT_FIELDS: &[&str] = &["itemId", "type", "timestamp"];
pub const FILTERS_FIELDS: &[&str] = &["categories", "priceMin", "priceMax", "availableOnly"];
pub const EVENT_WEIGHTS_FIELDS: &[&str] = &["view", "cart", "purchase"];
pub const RECOMMEND_FIELDS: &[&str] = &[
    "k",
    "filters",
    "exclude",
    "excludeHistory",
    "diversity",
    "probabilities",
    "contextCategory",
    "eventWeights",
    "halfLifeDays",
    "now",
    "interests",
    "rules",
    "fresh",
];
pub const FRESH_FIELDS: &[&str] = &["share"];
pub const RULES_FIELDS: &[&str] = &[
    "boosts",
    "pins",
    "neverShow",
    "neverShowCategories",
    "hideBoughtDays",
];
pub const BOOST_FIELDS: &[&str] = &["categories", "priceMin", "priceMax", "tags", "ids", "add"];
pub const PIN_FIELDS: &[&str] = &["id", "position"];
pub const SIMILAR_FIELDS: &[&str] = &[
    "k",
    "filters",
    "exclude",
    "diversity",
    "rules",
    "history",
    "now",
    "fresh",
];
pub const PLACEMENT_FIELDS: &[&str] = &[
    "k", "category", "filters", "exclude", "rules", "history", "now",
];
pub const RERANK_FIELDS: &[&str] = &["strength", "eventWeights", "halfLifeDays", "now"];
pub const SEGMENT_FIELDS: &[&str] = &["eventWeights", "halfLifeDays", "now"];
pub const STANDING_FIELDS: &[&str] = &["segment", "rfm", "userDims"];

const EVENT_TYPES: &[&str] = &["view", "cart", "purchase"];
const EXCLUDE_HISTORY: &[&str] = &["all", "purchased", "none"];

fn event_type(value: &Value) -> Read<EventType> {
    let all = [EventType::View, EventType::Cart, EventType::Purchase];
    Ok(all[variant(value, EVENT_TYPES)?])
}

pub fn history_event(value: &Value) -> Read<HistoryEvent> {
    let f = fields(value, HISTORY_EVENT_FIELDS)?;
    Ok(HistoryEvent {
        item_id: f.required("itemId", string)?,
        kind: f.required("type", event_type)?,
        timestamp: f.optional("timestamp", f64)?,
    })
}

pub fn history(value: &Value) -> Read<Vec<HistoryEvent>> {
    list(value, history_event)
}

/// A list of item ids.
pub fn item_ids(value: &Value) -> Read<Vec<String>> {
    strings(value)
}

fn filters(value: &Value) -> Read<Filters> {
    let f = fields(value, FILTERS_FIELDS)?;
    Ok(Filters {
        categories: f.optional("categories", strings)?,
        price_min: f.optional("priceMin", f32)?,
        price_max: f.optional("priceMax", f32)?,
        available_only: f.or_default("availableOnly", boolean)?,
    })
}

fn exclude_history(value: &Value) -> Read<ExcludeHistory> {
    let all = [
        ExcludeHistory::All,
        ExcludeHistory::Purchased,
        ExcludeHistory::None,
    ];
    Ok(all[variant(value, EXCLUDE_HISTORY)?])
}

fn event_weights(value: &Value) -> Read<EventWeights> {
    let f = fields(value, EVENT_WEIGHTS_FIELDS)?;
    Ok(EventWeights {
        view: f.optional("view", f32)?,
        cart: f.optional("cart", f32)?,
        purchase: f.optional("purchase", f32)?,
    })
}

fn fresh(value: &Value) -> Read<Fresh> {
    let f = fields(value, FRESH_FIELDS)?;
    Ok(Fresh {
        share: f.required("share", f64)?,
    })
}

fn boost(value: &Value) -> Read<Boost> {
    let f = fields(value, BOOST_FIELDS)?;
    Ok(Boost {
        categories: f.optional("categories", strings)?,
        price_min: f.optional("priceMin", f32)?,
        price_max: f.optional("priceMax", f32)?,
        tags: f.optional("tags", strings)?,
        ids: f.optional("ids", strings)?,
        add: f.required("add", f32)?,
    })
}

fn pin(value: &Value) -> Read<PinRule> {
    let f = fields(value, PIN_FIELDS)?;
    Ok(PinRule {
        id: f.required("id", string)?,
        position: f.required("position", usize)?,
    })
}

fn boosts(value: &Value) -> Read<Vec<Boost>> {
    list(value, boost)
}

fn pins(value: &Value) -> Read<Vec<PinRule>> {
    list(value, pin)
}

fn rules(value: &Value) -> Read<Rules> {
    let f = fields(value, RULES_FIELDS)?;
    Ok(Rules {
        boosts: f.optional("boosts", boosts)?,
        pins: f.optional("pins", pins)?,
        never_show: f.optional("neverShow", strings)?,
        never_show_categories: f.optional("neverShowCategories", strings)?,
        hide_bought_days: f.optional("hideBoughtDays", f64)?,
    })
}

pub fn recommend_options(value: &Value) -> Read<RecommendOptions> {
    let f = fields(value, RECOMMEND_FIELDS)?;
    Ok(RecommendOptions {
        k: f.optional("k", usize)?,
        filters: f.optional("filters", filters)?,
        exclude: f.optional("exclude", strings)?,
        exclude_history: f.optional("excludeHistory", exclude_history)?,
        diversity: f.optional("diversity", f32)?,
        probabilities: f.optional("probabilities", boolean)?,
        context_category: f.optional("contextCategory", string)?,
        event_weights: f.optional("eventWeights", event_weights)?,
        half_life_days: f.optional("halfLifeDays", f64)?,
        now: f.optional("now", f64)?,
        interests: f.optional("interests", boolean)?,
        rules: f.optional("rules", rules)?,
        fresh: f.optional("fresh", fresh)?,
    })
}

pub fn similar_options(value: &Value) -> Read<SimilarOptions> {
    let f = fields(value, SIMILAR_FIELDS)?;
    Ok(SimilarOptions {
        k: f.optional("k", usize)?,
        filters: f.optional("filters", filters)?,
        exclude: f.optional("exclude", strings)?,
        diversity: f.optional("diversity", f32)?,
        rules: f.optional("rules", rules)?,
        history: f.optional("history", history)?,
        now: f.optional("now", f64)?,
        fresh: f.optional("fresh", fresh)?,
    })
}

pub fn placement_options(value: &Value) -> Read<PlacementOptions> {
    let f = fields(value, PLACEMENT_FIELDS)?;
    Ok(PlacementOptions {
        k: f.optional("k", usize)?,
        category: f.optional("category", string)?,
        filters: f.optional("filters", filters)?,
        exclude: f.optional("exclude", strings)?,
        rules: f.optional("rules", rules)?,
        history: f.optional("history", history)?,
        now: f.optional("now", f64)?,
    })
}

pub fn rerank_options(value: &Value) -> Read<RerankOptions> {
    let f = fields(value, RERANK_FIELDS)?;
    Ok(RerankOptions {
        strength: f.optional("strength", f32)?,
        event_weights: f.optional("eventWeights", event_weights)?,
        half_life_days: f.optional("halfLifeDays", f64)?,
        now: f.optional("now", f64)?,
    })
}

pub fn segment_options(value: &Value) -> Read<SegmentOptions> {
    let f = fields(value, SEGMENT_FIELDS)?;
    Ok(SegmentOptions {
        event_weights: f.optional("eventWeights", event_weights)?,
        half_life_days: f.optional("halfLifeDays", f64)?,
        now: f.optional("now", f64)?,
    })
}

/// What the campaigns module asks the engine for (every field required, as derived).
pub fn standing_request(value: &Value) -> Read<StandingRequest> {
    let f = fields(value, STANDING_FIELDS)?;
    Ok(StandingRequest {
        segment: f.required("segment", boolean)?,
        rfm: f.required("rfm", boolean)?,
        user_dims: f.required("userDims", usize)?,
    })
}

#[cfg(test)]
mod tests;
