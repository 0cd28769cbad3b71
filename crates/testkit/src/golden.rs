//! Golden cases: requests against the golden catalogs whose answers are recorded in
//! `golden/expected.json`. The native suite and the browser suite both replay them (the
//! browser through the real JS-facing `Recommender`) and must reproduce the file exactly:
//! same ids in the same order and bit-identical f32 scores. Probabilities pass through
//! `exp`, whose last bit may differ between platform math libraries, so they are compared
//! to 1e-6 relative.
//!
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p shopwindow-web --test golden_native`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use shopwindow::VectorDtype;

/// Path of the expectations, relative to this crate.
pub const EXPECTED_PATH: &str = "golden/expected.json";
/// The expectations, compiled in so the browser build has them too.
pub const EXPECTED_JSON: &str = include_str!("../golden/expected.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Recommend,
    Similar,
}

/// One request, in the JSON shapes the JS API takes.
#[derive(Debug, Clone)]
pub struct GoldenCase {
    pub name: &'static str,
    pub catalog: VectorDtype,
    pub call: Call,
    /// `recommend`: the history array.
    pub history: Value,
    /// `similar`: the item id.
    pub item_id: &'static str,
    pub options: Value,
}

/// The comparable part of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    pub items: Vec<AnswerItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerItem {
    pub id: String,
    pub score: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f32>,
    /// The interest that proposed the item (`interests: true` with two or more interests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interest: Option<u8>,
}

pub(crate) fn view(id: &str) -> Value {
    json!({ "itemId": id, "type": "view" })
}

pub(crate) const DAY_MS: f64 = 86_400_000.0;

/// One taste: shoes, with a hat bought.
pub(crate) fn shoes_and_hats() -> Value {
    json!([
        view("sku-0000"),
        view("sku-0006"),
        { "itemId": "sku-0012", "type": "cart" },
        { "itemId": "sku-0002", "type": "purchase" },
    ])
}

/// Two tastes: four shoes, three bags.
pub(crate) fn shoes_and_bags() -> Value {
    json!([
        view("sku-0000"),
        view("sku-0006"),
        { "itemId": "sku-0012", "type": "cart" },
        view("sku-0018"),
        view("sku-0001"),
        { "itemId": "sku-0007", "type": "purchase" },
        view("sku-0013"),
    ])
}

/// The cases. Items `sku-0000`, `sku-0006`, … are shoes; `sku-0001`, … bags (i % 6).
pub fn cases() -> Vec<GoldenCase> {
    let shoes_and_hats = shoes_and_hats();
    let shoes_and_bags = shoes_and_bags();
    let mut out = Vec::new();
    for dtype in VectorDtype::ALL {
        out.push(GoldenCase {
            name: "interests: shoes and bags interleaved",
            catalog: dtype,
            call: Call::Recommend,
            history: shoes_and_bags.clone(),
            item_id: "",
            options: json!({ "k": 10, "interests": true }),
        });
        out.push(GoldenCase {
            name: "personalized",
            catalog: dtype,
            call: Call::Recommend,
            history: shoes_and_hats.clone(),
            item_id: "",
            options: json!({ "k": 10 }),
        });
        out.push(GoldenCase {
            name: "similar",
            catalog: dtype,
            call: Call::Similar,
            history: Value::Null,
            item_id: "sku-0007",
            options: json!({ "k": 8 }),
        });
    }
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
            "event weights and half-life decay",
            json!([
                { "itemId": "sku-0001", "type": "view", "timestamp": 8.0 * DAY_MS },
                { "itemId": "sku-0005", "type": "purchase", "timestamp": 10.0 * DAY_MS },
                { "itemId": "sku-0011", "type": "cart", "timestamp": 6.0 * DAY_MS },
            ]),
            json!({ "k": 10, "halfLifeDays": 2, "now": 10.0 * DAY_MS, "eventWeights": { "view": 1, "cart": 2, "purchase": 6 } }),
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
            "interests: one taste is the single-vector list",
            json!([view("sku-0000"), view("sku-0006"), view("sku-0012")]),
            json!({ "k": 6, "interests": true }),
        ),
        (
            "interests: one item is the single-vector list",
            json!([view("sku-0003")]),
            json!({ "k": 6, "interests": true }),
        ),
        (
            "interests: cold start stays popular",
            json!([]),
            json!({ "k": 5, "interests": true }),
        ),
        (
            "unknown history ids are skipped",
            json!([view("no-such-item"), view("sku-0003")]),
            json!({ "k": 6 }),
        ),
    ];
    for (name, history, options) in f32_cases {
        out.push(GoldenCase {
            name,
            catalog: VectorDtype::F32,
            call: Call::Recommend,
            history,
            item_id: "",
            options,
        });
    }
    out.push(GoldenCase {
        name: "similar with filters and diversity",
        catalog: VectorDtype::I8,
        call: Call::Similar,
        history: Value::Null,
        item_id: "sku-0010",
        options: json!({ "k": 6, "diversity": 0.3, "filters": { "availableOnly": true, "priceMax": 90 } }),
    });
    out
}

impl GoldenCase {
    /// Unique key of the case in the expectations file.
    pub fn key(&self) -> String {
        format!("{} [{}]", self.name, self.catalog.as_str())
    }
}

/// The recorded answers, by case key.
pub fn expected() -> Result<std::collections::BTreeMap<String, Answer>, String> {
    serde_json::from_str(EXPECTED_JSON).map_err(|e| format!("{EXPECTED_PATH} is not valid: {e}"))
}

/// Checks `got` against the recorded answer for `case`.
pub fn check(case: &GoldenCase, got: &Answer) -> Result<(), String> {
    compare(&expected()?, &case.key(), got)
}

/// Checks `got` against the answer recorded under `key` in `all`: the same strategy, ids,
/// interests and f32 score bits, probabilities to 1e-6 relative.
pub fn compare(
    all: &std::collections::BTreeMap<String, Answer>,
    key: &str,
    got: &Answer,
) -> Result<(), String> {
    let want = all
        .get(key)
        .ok_or_else(|| format!("no recorded answer for {key:?}: regenerate the golden file"))?;
    if want.strategy != got.strategy {
        return Err(format!(
            "{key}: strategy {:?}, expected {:?}",
            got.strategy, want.strategy
        ));
    }
    let ids = |a: &Answer| a.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    if ids(want) != ids(got) {
        return Err(format!(
            "{key}: ids {:?}, expected {:?}",
            ids(got),
            ids(want)
        ));
    }
    for (g, w) in got.items.iter().zip(&want.items) {
        if g.score.to_bits() != w.score.to_bits() {
            return Err(format!(
                "{key}: {} scored {:e}, expected {:e}",
                g.id, g.score, w.score
            ));
        }
        if g.interest != w.interest {
            return Err(format!(
                "{key}: {} from interest {:?}, expected {:?}",
                g.id, g.interest, w.interest
            ));
        }
        match (g.probability, w.probability) {
            (None, None) => {}
            (Some(a), Some(b)) if ((a - b) / b).abs() <= 1e-6 => {}
            (a, b) => return Err(format!("{key}: {} probability {a:?}, expected {b:?}", g.id)),
        }
    }
    Ok(())
}
