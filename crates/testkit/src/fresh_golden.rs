//! Golden cases of the `fresh` option (`recommend` and `similar`) against
//! [`golden_fresh_catalog`], whose last [`CONTENT_ITEMS`] items are content-derived, with
//! the answers recorded natively in `golden/fresh.json`. The native suite and the browser
//! suite (through the JS-facing class, on every CPU backend) must both reproduce them
//! exactly: the fresh places are filled by the core's completion, the same on every
//! backend. Bad values are errors whose message names the field on both.
//!
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p shopwindow-web --test fresh_golden_native`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::fixtures::{golden_content_catalog, GOLDEN_ITEMS};
use crate::rules_golden::{golden_rules_history, golden_tags, RulesCall, NOW};

/// Path of the expectations, relative to this crate.
pub const EXPECTED_PATH: &str = "golden/fresh.json";
/// The expectations, compiled in so the browser build has them too.
pub const EXPECTED_JSON: &str = include_str!("../golden/fresh.json");

/// The golden catalog's last this many items are content-derived (sku-0200 to sku-0239).
pub const CONTENT_ITEMS: usize = 40;

/// The rules golden catalog (tags included) with its last [`CONTENT_ITEMS`] items
/// content-derived.
pub fn golden_fresh_catalog() -> Vec<u8> {
    golden_content_catalog(CONTENT_ITEMS, &golden_tags)
}

/// Whether item id `id` of [`golden_fresh_catalog`] is content-derived.
pub fn is_content_derived(id: &str) -> bool {
    id.strip_prefix("sku-")
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|i| i >= GOLDEN_ITEMS - CONTENT_ITEMS)
}

/// One call and what it must give: a recorded answer, or an error whose message holds
/// `error`.
#[derive(Debug, Clone)]
pub struct FreshCase {
    pub name: &'static str,
    pub call: RulesCall,
    pub error: Option<&'static str>,
}

/// The cases: shares on personalized, cold-start and similar lists, with filters, rules,
/// diversity, interests, probabilities and a context category; then the bad values.
pub fn cases() -> Vec<FreshCase> {
    let history = golden_rules_history();
    let recommend = |name, options: Value| FreshCase {
        name,
        call: RulesCall::Recommend {
            history: history.clone(),
            options,
        },
        error: None,
    };
    let cold = |name, options: Value| FreshCase {
        name,
        call: RulesCall::Recommend {
            history: json!([]),
            options,
        },
        error: None,
    };
    let similar = |name, item_id, options: Value| FreshCase {
        name,
        call: RulesCall::Similar { item_id, options },
        error: None,
    };
    let error = |case: FreshCase, needle| FreshCase {
        error: Some(needle),
        ..case
    };
    vec![
        recommend(
            "recommend, share 0.1 of 10",
            json!({ "k": 10, "fresh": { "share": 0.1 } }),
        ),
        recommend(
            "recommend, share 0.25 of 10",
            json!({ "k": 10, "fresh": { "share": 0.25 } }),
        ),
        recommend(
            "recommend, share 0.5 of 8",
            json!({ "k": 8, "fresh": { "share": 0.5 } }),
        ),
        recommend(
            "recommend, share 0 changes nothing",
            json!({ "k": 8, "fresh": { "share": 0 } }),
        ),
        recommend(
            "recommend, filters and exclusions",
            json!({ "k": 10, "fresh": { "share": 0.3 },
                    "filters": { "categories": ["shoes", "hats"], "availableOnly": true },
                    "exclude": ["sku-0204", "sku-0210"] }),
        ),
        recommend(
            "recommend, pins, never show and a boost",
            json!({ "k": 10, "fresh": { "share": 0.25 }, "rules": {
                "pins": [{ "id": "sku-0100", "position": 0 }, { "id": "sku-0230", "position": 3 }],
                "neverShow": ["sku-0216"],
                "boosts": [{ "ids": ["sku-0221", "sku-0233"], "add": 0.5 }]
            } }),
        ),
        recommend(
            "recommend, diversity",
            json!({ "k": 8, "diversity": 0.5, "fresh": { "share": 0.25 } }),
        ),
        recommend(
            "recommend, interests",
            json!({ "k": 8, "interests": true, "fresh": { "share": 0.25 } }),
        ),
        recommend(
            "recommend, probabilities",
            json!({ "k": 6, "probabilities": true, "fresh": { "share": 0.5 } }),
        ),
        cold(
            "recommend, cold start",
            json!({ "k": 6, "fresh": { "share": 0.5 } }),
        ),
        cold(
            "recommend, cold start in a context category",
            json!({ "k": 8, "contextCategory": "bags", "fresh": { "share": 0.25 } }),
        ),
        similar(
            "similar, share 0.25",
            "sku-0000",
            json!({ "k": 8, "fresh": { "share": 0.25 } }),
        ),
        similar(
            "similar, rules and hide recent purchases",
            "sku-0001",
            json!({ "k": 6, "fresh": { "share": 0.5 }, "history": history.clone(), "now": NOW,
                    "rules": { "hideBoughtDays": 30, "neverShow": ["sku-0211"] } }),
        ),
        error(
            recommend(
                "error: share above 0.5",
                json!({ "fresh": { "share": 0.6 } }),
            ),
            "fresh.share",
        ),
        error(
            cold("error: negative share", json!({ "fresh": { "share": -1 } })),
            "fresh.share",
        ),
        error(
            recommend(
                "error: unknown field in fresh",
                json!({ "fresh": { "shares": 0.1 } }),
            ),
            "shares",
        ),
        error(
            recommend("error: fresh without share", json!({ "fresh": {} })),
            "share",
        ),
        error(
            recommend(
                "error: share not a number",
                json!({ "fresh": { "share": "a lot" } }),
            ),
            "invalid type",
        ),
        error(
            similar(
                "error: similar share above 0.5",
                "sku-0000",
                json!({ "fresh": { "share": 0.75 } }),
            ),
            "fresh.share",
        ),
    ]
}

/// The recorded answers, by case name.
pub fn expected() -> Result<BTreeMap<String, Value>, String> {
    serde_json::from_str(EXPECTED_JSON).map_err(|e| format!("{EXPECTED_PATH} is not valid: {e}"))
}

/// JSON numbers as f64 (`42` from JavaScript equals `42.0` from serde), timings and the
/// backend's name left out (the lists must not depend on the backend).
fn comparable(value: &Value) -> Value {
    match value {
        Value::Number(n) => n.as_f64().map_or(Value::Null, Value::from),
        Value::Array(items) => Value::Array(items.iter().map(comparable).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !["computeMs", "elapsedMs", "backend"].contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), comparable(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Checks `got` (the answer as JSON, or the error's message) against the case: the
/// recorded answer exactly, or an error naming what the case says.
pub fn check(case: &FreshCase, got: Result<&Value, &str>) -> Result<(), String> {
    match (case.error, got) {
        (Some(needle), Err(message)) if message.contains(needle) => Ok(()),
        (Some(needle), Err(message)) => Err(format!(
            "{}: the error {message:?} does not name {needle:?}",
            case.name
        )),
        (Some(_), Ok(answer)) => Err(format!("{}: expected an error, got {answer}", case.name)),
        (None, Err(message)) => Err(format!("{}: {message}", case.name)),
        (None, Ok(got)) => {
            let all = expected()?;
            let want = all
                .get(case.name)
                .ok_or_else(|| format!("no recorded answer for {:?}: regenerate", case.name))?;
            if comparable(got) != comparable(want) {
                return Err(format!("{}: got {got}, expected {want}", case.name));
            }
            Ok(())
        }
    }
}
