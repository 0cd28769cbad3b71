//! Golden cases of the hybrid model: requests against [`golden_hybrid_catalog`] (the
//! golden catalog with a neighbour table and a blend), with the answers recorded natively
//! in `golden/hybrid.json`. The native suite and the browser suite (through the JS-facing
//! class, on every backend) must reproduce them as [`golden::compare`] says: the same ids
//! and bit-identical scores. The answers of `golden/expected.json` are not touched: a
//! catalog without the hybrid still scores as before.
//!
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p shopwindow-web --test hybrid_golden_native`.
//!
//! [`golden_hybrid_catalog`]: crate::fixtures::golden_hybrid_catalog

use std::collections::BTreeMap;

use serde_json::{json, Value};
use shopwindow::VectorDtype;

use crate::fixtures::HybridFixture;
use crate::golden::{self, view, Answer, Call, DAY_MS};

/// Path of the expectations, relative to this crate.
pub const EXPECTED_PATH: &str = "golden/hybrid.json";
/// The expectations, compiled in so the browser build has them too.
pub const EXPECTED_JSON: &str = include_str!("../golden/hybrid.json");

/// One request against one hybrid catalog, in the JSON shapes the JS API takes.
#[derive(Debug, Clone)]
pub struct HybridCase {
    pub name: &'static str,
    pub fixture: HybridFixture,
    pub call: Call,
    /// `recommend`: the history array.
    pub history: Value,
    /// `similar`: the item id.
    pub item_id: &'static str,
    pub options: Value,
}

impl HybridCase {
    /// Unique key of the case in the expectations file.
    pub fn key(&self) -> String {
        format!("{} [{}]", self.name, self.fixture.name())
    }
}

/// A long history: `n` events over many items, kinds and days (decayed with a half-life).
pub fn long_history(n: usize) -> Value {
    let kinds = ["view", "view", "cart", "view", "purchase"];
    Value::Array(
        (0..n)
            .map(|e| {
                json!({
                    "itemId": format!("sku-{:04}", (e * 37 + e / 7) % 240),
                    "type": kinds[e % kinds.len()],
                    "timestamp": (e % 30) as f64 * DAY_MS,
                })
            })
            .collect(),
    )
}

fn recommend(
    name: &'static str,
    fixture: HybridFixture,
    history: Value,
    options: Value,
) -> HybridCase {
    HybridCase {
        name,
        fixture,
        call: Call::Recommend,
        history,
        item_id: "",
        options,
    }
}

/// The cases. Items `sku-0000`, `sku-0006`, … are shoes; `sku-0001`, … bags (i % 6).
pub fn cases() -> Vec<HybridCase> {
    let shoes_and_hats = golden::shoes_and_hats();
    let shoes_and_bags = golden::shoes_and_bags();
    let decay = json!({ "halfLifeDays": 7, "now": 30.0 * DAY_MS });
    let mut out = Vec::new();
    for dtype in VectorDtype::ALL {
        let full = HybridFixture::Full(dtype);
        out.push(recommend(
            "personalized",
            full,
            shoes_and_hats.clone(),
            json!({ "k": 10 }),
        ));
        out.push(recommend(
            "interests: shoes and bags interleaved",
            full,
            shoes_and_bags.clone(),
            json!({ "k": 10, "interests": true }),
        ));
        out.push(recommend(
            "long history with decay and probabilities",
            full,
            long_history(200),
            json!({ "k": 20, "probabilities": true, "halfLifeDays": 7, "now": 30.0 * DAY_MS }),
        ));
        out.push(HybridCase {
            name: "similar ignores the hybrid",
            fixture: full,
            call: Call::Similar,
            history: Value::Null,
            item_id: "sku-0007",
            options: json!({ "k": 8 }),
        });
    }
    let full = HybridFixture::Full(VectorDtype::F32);
    let f32_cases = [
        (
            "filters: category, price, in stock",
            shoes_and_hats.clone(),
            json!({ "k": 12, "filters": { "categories": ["shoes", "coats"], "priceMin": 20, "priceMax": 80, "availableOnly": true } }),
        ),
        (
            "exclude purchased only, explicit exclusions",
            shoes_and_hats.clone(),
            json!({ "k": 10, "excludeHistory": "purchased", "exclude": ["sku-0018", "sku-0024"] }),
        ),
        (
            "history may come back",
            shoes_and_hats.clone(),
            json!({ "k": 10, "excludeHistory": "none" }),
        ),
        (
            "diversity",
            shoes_and_hats.clone(),
            json!({ "k": 10, "diversity": 0.6 }),
        ),
        (
            "probabilities",
            shoes_and_hats.clone(),
            json!({ "k": 5, "probabilities": true }),
        ),
        (
            "more than the GPU pool: k = 300",
            shoes_and_hats.clone(),
            json!({ "k": 300 }),
        ),
        ("cold start: popular", json!([]), json!({ "k": 10 })),
        (
            "cold start: page category first",
            json!([]),
            json!({ "k": 10, "contextCategory": "belts", "filters": { "availableOnly": true } }),
        ),
        (
            "interests with filters, exclusions, diversity and probabilities",
            shoes_and_bags.clone(),
            json!({ "k": 8, "interests": true, "diversity": 0.4, "probabilities": true, "excludeHistory": "purchased", "exclude": ["sku-0024"], "filters": { "availableOnly": true, "priceMax": 90 } }),
        ),
        (
            "views weighted zero: cold",
            json!([view("sku-0003")]),
            json!({ "k": 5, "eventWeights": { "view": 0, "cart": 3, "purchase": 5 } }),
        ),
    ];
    for (name, history, options) in f32_cases {
        out.push(recommend(name, full, history, options));
    }
    for fixture in [
        HybridFixture::NoVectors,
        HybridFixture::NoTable,
        HybridFixture::Linear,
    ] {
        out.push(recommend(
            "personalized",
            fixture,
            shoes_and_hats.clone(),
            json!({ "k": 10 }),
        ));
        out.push(recommend(
            "probabilities and filters",
            fixture,
            shoes_and_bags.clone(),
            json!({ "k": 8, "probabilities": true, "filters": { "availableOnly": true } }),
        ));
        let mut long = decay.clone();
        long["k"] = json!(15);
        out.push(recommend("long history", fixture, long_history(200), long));
    }
    out.push(recommend(
        "interests without vectors: one list",
        HybridFixture::NoVectors,
        shoes_and_bags,
        json!({ "k": 10, "interests": true, "diversity": 0.3 }),
    ));
    out
}

/// The recorded answers, by case key.
pub fn expected() -> Result<BTreeMap<String, Answer>, String> {
    serde_json::from_str(EXPECTED_JSON).map_err(|e| format!("{EXPECTED_PATH} is not valid: {e}"))
}

/// Checks `got` against the recorded answer for `case`.
pub fn check(case: &HybridCase, got: &Answer) -> Result<(), String> {
    golden::compare(&expected()?, &case.key(), got)
}
