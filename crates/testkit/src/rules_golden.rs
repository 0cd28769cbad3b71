//! Golden cases of merchandising rules (`rules` in the options of `recommend`, `similar`,
//! `together` and `trending`) against [`golden_rules_catalog`], with the answers recorded
//! natively in `golden/rules.json`. The native suite and the browser suite (through the
//! JS-facing class, on every CPU backend) must both reproduce them exactly: the rules are
//! applied by the core after the scan, the same on every backend.
//!
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p shopwindow-web --test rules_golden_native`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::fixtures::golden_tagged_catalog;
use crate::placement_golden::with_golden_placements;

/// Path of the expectations, relative to this crate.
pub const EXPECTED_PATH: &str = "golden/rules.json";
/// The expectations, compiled in so the browser build has them too.
pub const EXPECTED_JSON: &str = include_str!("../golden/rules.json");

/// "Now" of every case, ms since the epoch (2026-01-01).
pub const NOW: f64 = 1_767_225_600_000.0;
const DAY: f64 = 86_400_000.0;

/// Item i's tags in [`golden_rules_catalog`]: "sale" when i % 4 = 0, "clearance" when
/// i % 10 = 3, "new" when i % 6 = 0 (every shoe).
pub fn golden_tags(i: usize) -> Vec<String> {
    let mut tags = Vec::new();
    if i.is_multiple_of(4) {
        tags.push("sale".to_string());
    }
    if i % 10 == 3 {
        tags.push("clearance".to_string());
    }
    if i.is_multiple_of(6) {
        tags.push("new".to_string());
    }
    tags
}

/// The placement golden catalog with [`golden_tags`].
pub fn golden_rules_catalog() -> Vec<u8> {
    with_golden_placements(&golden_tagged_catalog(&golden_tags))
}

/// One call, in the JSON shapes the JS API takes.
#[derive(Debug, Clone)]
pub enum RulesCall {
    Recommend {
        history: Value,
        options: Value,
    },
    Similar {
        item_id: &'static str,
        options: Value,
    },
    Together {
        item_ids: Value,
        options: Value,
    },
    Trending {
        options: Value,
    },
}

#[derive(Debug, Clone)]
pub struct RulesCase {
    pub name: &'static str,
    pub call: RulesCall,
}

/// A shopper who bought shoes (sku-0000 40 days ago, sku-0006 and sku-0012 in the last
/// week) and viewed a bag.
pub fn golden_rules_history() -> Value {
    json!([
        { "itemId": "sku-0000", "type": "purchase", "timestamp": NOW - 40.0 * DAY },
        { "itemId": "sku-0006", "type": "purchase", "timestamp": NOW - 5.0 * DAY },
        { "itemId": "sku-0012", "type": "purchase", "timestamp": NOW - 1.0 * DAY },
        { "itemId": "sku-0001", "type": "view", "timestamp": NOW - 1.0 * DAY },
    ])
}

/// The cases: one per rule kind on `recommend`, their combination, cold start, diversity,
/// interests, and each of `similar`, `together` and `trending`.
pub fn cases() -> Vec<RulesCase> {
    let history = golden_rules_history();
    let recommend = |name, options: Value| RulesCase {
        name,
        call: RulesCall::Recommend {
            history: history.clone(),
            options,
        },
    };
    vec![
        recommend(
            "recommend, boost a category",
            json!({ "k": 8, "rules": { "boosts": [{ "categories": ["hats"], "add": 2.0 }] } }),
        ),
        recommend(
            "recommend, bury a price range, probabilities are the model's",
            json!({ "k": 8, "probabilities": true,
                    "rules": { "boosts": [{ "priceMin": 60, "add": -3.0 }] } }),
        ),
        recommend(
            "recommend, boost and bury by tag",
            json!({ "k": 10, "rules": { "boosts": [
                { "tags": ["sale"], "add": 1.5 },
                { "tags": ["clearance"], "add": -1.5 }
            ] } }),
        ),
        recommend(
            "recommend, boost ids",
            json!({ "k": 6, "rules": { "boosts": [{ "ids": ["sku-0101", "sku-0203", "no-such"], "add": 50 }] } }),
        ),
        recommend(
            "recommend, pins, never show, hide recent purchases",
            json!({ "k": 8, "excludeHistory": "none", "now": NOW, "rules": {
                "pins": [
                    { "id": "sku-0100", "position": 0 },
                    { "id": "sku-0050", "position": 3 },
                    { "id": "no-such", "position": 5 }
                ],
                "neverShow": ["sku-0018"],
                "neverShowCategories": ["bags"],
                "hideBoughtDays": 30
            } }),
        ),
        RulesCase {
            name: "recommend, cold start with a boost and a pin",
            call: RulesCall::Recommend {
                history: json!([]),
                options: json!({ "k": 6, "rules": {
                    "boosts": [{ "categories": ["socks"], "priceMax": 50, "add": 40 }],
                    "pins": [{ "id": "sku-0005", "position": 1 }]
                } }),
            },
        },
        recommend(
            "recommend, diversity after a boost",
            json!({ "k": 6, "diversity": 0.5,
                    "rules": { "boosts": [{ "categories": ["coats"], "add": 1.0 }] } }),
        ),
        recommend(
            "recommend, interests with a pin",
            json!({ "k": 8, "interests": true,
                    "rules": { "pins": [{ "id": "sku-0033", "position": 2 }] } }),
        ),
        RulesCase {
            name: "similar, tag boost, pin, never show",
            call: RulesCall::Similar {
                item_id: "sku-0000",
                options: json!({ "k": 6, "rules": {
                    "boosts": [{ "tags": ["sale"], "add": 0.5 }],
                    "pins": [{ "id": "sku-0100", "position": 4 }],
                    "neverShow": ["sku-0006"]
                } }),
            },
        },
        RulesCase {
            name: "together, boost, pin, never show a category",
            call: RulesCall::Together {
                item_ids: json!(["sku-0000", "sku-0006"]),
                options: json!({ "k": 6, "rules": {
                    "boosts": [{ "priceMax": 40, "add": 5 }],
                    "pins": [{ "id": "sku-0050", "position": 0 }],
                    "neverShowCategories": ["coats"]
                } }),
            },
        },
        RulesCase {
            name: "trending, hide recent purchases, bury clearance, pin",
            call: RulesCall::Trending {
                options: json!({ "k": 8, "history": history.clone(), "now": NOW, "rules": {
                    "hideBoughtDays": 14,
                    "boosts": [{ "tags": ["clearance"], "add": -20 }],
                    "pins": [{ "id": "sku-0003", "position": 7 }]
                } }),
            },
        },
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

/// Checks `got` (the answer as JSON) against the recorded one, exactly.
pub fn check(case: &RulesCase, got: &Value) -> Result<(), String> {
    let all = expected()?;
    let want = all
        .get(case.name)
        .ok_or_else(|| format!("no recorded answer for {:?}: regenerate", case.name))?;
    if comparable(got) != comparable(want) {
        return Err(format!("{}: got {got}, expected {want}", case.name));
    }
    Ok(())
}
