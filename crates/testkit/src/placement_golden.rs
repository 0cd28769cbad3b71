//! Golden cases of the placements `together()` and `trending()` against
//! [`golden_placement_catalog`], and of `rerank()` (a store's list reordered for a shopper)
//! against it and the hybrid golden catalogs, with the answers recorded natively in
//! `golden/placements.json`. The native suite and the browser suite (through the JS-facing
//! class) must both reproduce them exactly: the lists come from the catalog's tables, with
//! f32 sums in a stated order and no transcendental function, so every platform agrees to
//! the bit; `rerank`'s scores are the scan's, which the other golden suites already hold
//! to the bit on every backend.
//!
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p shopwindow-web --test placement_golden_native`.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use shopwindow::catalog::{
    with_placements, PlacementSpec, TogetherMeasure, TogetherSpec, TrendingSpec, EMPTY_SLOT,
};
use shopwindow::VectorDtype;

use crate::fixtures::{
    golden_catalog, golden_hybrid_catalog, HybridFixture, GOLDEN_CATEGORIES, GOLDEN_ITEMS,
};
use crate::golden::DAY_MS;
use crate::hybrid_golden::long_history;

/// Path of the expectations, relative to this crate.
pub const EXPECTED_PATH: &str = "golden/placements.json";
/// The expectations, compiled in so the browser build has them too.
pub const EXPECTED_JSON: &str = include_str!("../golden/placements.json");

/// Bought-together slots per item of the fixture.
const K: usize = 4;

/// The golden catalog (f32) with a bought-together table and a trending score. Item i is
/// paired with items of the next category (`i + 1 + 6m`, m < 4: the shoe goes with bags),
/// lifts falling with m and varying with i; every 5th item has no partners. Trending favours
/// items whose index ends in a small digit, independently of popularity.
pub fn golden_placement_catalog() -> Vec<u8> {
    with_golden_placements(&golden_catalog(VectorDtype::F32))
}

/// `catalog` (the golden items) with [`golden_placement_catalog`]'s placement tables.
pub fn with_golden_placements(catalog: &[u8]) -> Vec<u8> {
    let n = GOLDEN_ITEMS;
    let c = GOLDEN_CATEGORIES.len();
    let mut ids = vec![EMPTY_SLOT; n * K];
    let mut lift = vec![0.0f32; n * K];
    for i in (0..n).filter(|i| i % 5 != 4) {
        for m in 0..K {
            ids[i * K + m] = ((i + 1 + c * m) % n) as u32;
            lift[i * K + m] = 1.0 + (K - m) as f32 + (i % 3) as f32 * 0.25;
        }
    }
    let spec = PlacementSpec {
        together: Some(TogetherSpec {
            k: K,
            ids,
            weights: lift,
            measure: TogetherMeasure::Lift,
        }),
        trending: Some(TrendingSpec {
            scores: (0..n)
                .map(|i| ((i * 7) % 10) as f32 * 1.5 + (i % 4) as f32 * 0.1)
                .collect(),
            half_life_days: 7.0,
            as_of: Some(1_767_225_600),
        }),
    };
    with_placements(catalog, &spec).expect("valid placement tables")
}

/// One call: `together(itemIds, options)`, `trending(options)` or
/// `rerank(history, itemIds, options)`, in the JSON shapes the JS API takes.
#[derive(Debug, Clone)]
pub enum PlacementCall {
    Together {
        item_ids: Value,
        options: Value,
    },
    Trending {
        options: Value,
    },
    /// Against [`golden_placement_catalog`] (`hybrid: None`) or a hybrid golden catalog.
    Rerank {
        hybrid: Option<HybridFixture>,
        history: Value,
        item_ids: Value,
        options: Value,
    },
}

impl PlacementCall {
    /// The catalog the call runs against.
    pub fn catalog(&self) -> Vec<u8> {
        match self {
            PlacementCall::Rerank {
                hybrid: Some(fixture),
                ..
            } => golden_hybrid_catalog(*fixture),
            _ => golden_placement_catalog(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PlacementCase {
    pub name: &'static str,
    pub call: PlacementCall,
}

/// The cases. Items `sku-0000`, `sku-0006`, … are shoes; `sku-0001`, … bags (i % 6); every
/// 7th item (i % 7 = 3) is out of stock.
pub fn cases() -> Vec<PlacementCase> {
    let together = |name, item_ids: Value, options: Value| PlacementCase {
        name,
        call: PlacementCall::Together { item_ids, options },
    };
    let trending = |name, options: Value| PlacementCase {
        name,
        call: PlacementCall::Trending { options },
    };
    vec![
        together("together, one item", json!(["sku-0000"]), json!({})),
        together(
            "together, a cart sums lift",
            json!(["sku-0000", "sku-0006", "sku-0012"]),
            json!({ "k": 6 }),
        ),
        together(
            "together, in stock and under 90",
            json!(["sku-0002", "sku-0008"]),
            json!({ "filters": { "availableOnly": true, "priceMax": 90 }, "exclude": ["sku-0009"] }),
        ),
        together(
            "together, unknown ids are reported",
            json!(["no-such-item", "sku-0010"]),
            json!({ "k": 3 }),
        ),
        together(
            "together, an item without partners",
            json!(["sku-0004"]),
            json!({}),
        ),
        trending("trending overall", json!({ "k": 8 })),
        trending(
            "trending in hats, in stock",
            json!({ "k": 5, "category": "hats", "filters": { "availableOnly": true } }),
        ),
    ]
    .into_iter()
    .chain(rerank_cases())
    .collect()
}

/// A category grid as a store shows it: shoes and hats interleaved (items 0, 2, 6, 8, …),
/// in an order of the store's own (not by index).
pub fn rerank_grid() -> Value {
    let items: Vec<String> = (0..20)
        .map(|k| {
            let i = (k * 7) % 20;
            format!("sku-{:04}", (i / 2) * 6 + (i % 2) * 2)
        })
        .collect();
    json!(items)
}

fn rerank_cases() -> Vec<PlacementCase> {
    let rerank = |name, hybrid, history: Value, item_ids: Value, options: Value| PlacementCase {
        name,
        call: PlacementCall::Rerank {
            hybrid,
            history,
            item_ids,
            options,
        },
    };
    // A shopper of hats: their hats should rise through the shoes.
    let hats = json!([
        { "itemId": "sku-0002", "type": "purchase" },
        { "itemId": "sku-0008", "type": "view" },
        { "itemId": "sku-0014", "type": "cart" },
    ]);
    let mut with_unknown = rerank_grid();
    let list = with_unknown.as_array_mut().expect("an array");
    list.insert(0, json!("new-arrival"));
    list.insert(5, json!("no-such-item"));
    vec![
        rerank(
            "rerank, a hat shopper, model order",
            None,
            hats.clone(),
            rerank_grid(),
            json!({}),
        ),
        rerank(
            "rerank, a hat shopper, strength 0.5",
            None,
            hats.clone(),
            rerank_grid(),
            json!({ "strength": 0.5 }),
        ),
        rerank(
            "rerank, strength 0 keeps the store order",
            None,
            hats.clone(),
            rerank_grid(),
            json!({ "strength": 0 }),
        ),
        rerank(
            "rerank, unknown ids keep their positions",
            None,
            hats.clone(),
            with_unknown,
            json!({ "strength": 0.8 }),
        ),
        rerank(
            "rerank, no history keeps the store order",
            None,
            json!([]),
            rerank_grid(),
            json!({}),
        ),
        rerank(
            "rerank, decayed history",
            None,
            json!([
                { "itemId": "sku-0002", "type": "purchase", "timestamp": 1.0 * DAY_MS },
                { "itemId": "sku-0006", "type": "cart", "timestamp": 9.0 * DAY_MS },
            ]),
            rerank_grid(),
            json!({ "halfLifeDays": 2, "now": 10.0 * DAY_MS, "eventWeights": { "view": 0.5 } }),
        ),
        rerank(
            "rerank, hybrid i8",
            Some(HybridFixture::Full(VectorDtype::I8)),
            long_history(40),
            rerank_grid(),
            json!({ "strength": 0.7 }),
        ),
        rerank(
            "rerank, hybrid without vectors",
            Some(HybridFixture::NoVectors),
            hats,
            rerank_grid(),
            json!({}),
        ),
    ]
}

/// The recorded answers, by case name.
pub fn expected() -> Result<BTreeMap<String, Value>, String> {
    serde_json::from_str(EXPECTED_JSON).map_err(|e| format!("{EXPECTED_PATH} is not valid: {e}"))
}

/// JSON numbers as f64, so `42` (from JavaScript) equals `42.0` (from serde).
fn numbers_as_f64(value: &Value) -> Value {
    match value {
        Value::Number(n) => n.as_f64().map_or(Value::Null, Value::from),
        Value::Array(items) => Value::Array(items.iter().map(numbers_as_f64).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "computeMs")
                .map(|(k, v)| (k.clone(), numbers_as_f64(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Checks `got` (the answer as JSON) against the recorded one, exactly.
pub fn check(case: &PlacementCase, got: &Value) -> Result<(), String> {
    let all = expected()?;
    let want = all
        .get(case.name)
        .ok_or_else(|| format!("no recorded answer for {:?}: regenerate", case.name))?;
    if numbers_as_f64(got) != numbers_as_f64(want) {
        return Err(format!("{}: got {got}, expected {want}", case.name));
    }
    Ok(())
}
