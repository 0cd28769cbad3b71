//! Golden cases of `segment()`: histories against [`golden_segment_catalog`] (or its
//! variant with RFM features), with the
//! answers recorded natively in `golden/segments.json`. The native suite and the browser
//! suite (through the JS-facing class) must both reproduce them: the same segment, label,
//! top categories and RFM standing exactly, and the soft membership (which passes through
//! `exp`, whose last bit may differ between platform math libraries) to 1e-6 relative.
//!
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p shopwindow-web --test segment_golden_native`.
//!
//! [`golden_segment_catalog`]: crate::fixtures::golden_segment_catalog

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// Path of the expectations, relative to this crate.
pub const EXPECTED_PATH: &str = "golden/segments.json";
/// The expectations, compiled in so the browser build has them too.
pub const EXPECTED_JSON: &str = include_str!("../golden/segments.json");

const DAY_MS: f64 = 86_400_000.0;
/// "Now" of every case: 100 days after the epoch.
const NOW: f64 = 100.0 * DAY_MS;

/// One `segment(history, options)` call, in the JSON shapes the JS API takes.
#[derive(Debug, Clone)]
pub struct SegmentCase {
    pub name: &'static str,
    /// Replayed against [`golden_rfm_segment_catalog`] (segments on RFM features) instead
    /// of [`golden_segment_catalog`].
    ///
    /// [`golden_rfm_segment_catalog`]: crate::fixtures::golden_rfm_segment_catalog
    /// [`golden_segment_catalog`]: crate::fixtures::golden_segment_catalog
    pub rfm_features: bool,
    pub history: Value,
    pub options: Value,
}

fn event(id: &str, kind: &str, day: f64) -> Value {
    json!({ "itemId": id, "type": kind, "timestamp": day * DAY_MS })
}

/// The cases. Items `sku-0000`, `sku-0006`, … are shoes; `sku-0001`, … bags (i % 6).
pub fn cases() -> Vec<SegmentCase> {
    vec![
        SegmentCase {
            name: "shoe browser",
            rfm_features: false,
            history: json!([
                event("sku-0000", "view", 99.0),
                event("sku-0006", "view", 99.5),
                event("sku-0012", "cart", 99.6),
            ]),
            options: json!({ "now": NOW }),
        },
        SegmentCase {
            name: "bag buyer with RFM",
            rfm_features: false,
            history: json!([
                event("sku-0001", "purchase", 40.0),
                event("sku-0007", "purchase", 95.2),
                event("sku-0013", "purchase", 95.7),
                event("sku-0019", "view", 99.0),
            ]),
            options: json!({ "now": NOW }),
        },
        SegmentCase {
            name: "mixed tastes, weights and decay",
            rfm_features: false,
            history: json!([
                event("sku-0002", "purchase", 60.0),
                event("sku-0003", "view", 99.0),
                event("sku-0009", "view", 99.2),
                event("sku-0015", "cart", 99.4),
            ]),
            options: json!({ "now": NOW, "halfLifeDays": 10, "eventWeights": { "view": 2, "purchase": 4 } }),
        },
        SegmentCase {
            name: "empty history",
            rfm_features: false,
            history: json!([]),
            options: json!({ "now": NOW }),
        },
        SegmentCase {
            name: "unknown ids are skipped",
            rfm_features: false,
            history: json!([
                event("no-such-item", "purchase", 98.0),
                event("sku-0005", "view", 99.0)
            ]),
            options: json!({ "now": NOW }),
        },
        // Segments on RFM features: the bag buyer's scores become part of the point; the
        // shoe browser has no purchase, so the RFM part is neutral.
        SegmentCase {
            name: "bag buyer, segments with RFM features",
            rfm_features: true,
            history: json!([
                event("sku-0001", "purchase", 40.0),
                event("sku-0007", "purchase", 95.2),
                event("sku-0013", "purchase", 95.7),
                event("sku-0019", "view", 99.0),
            ]),
            options: json!({ "now": NOW }),
        },
        SegmentCase {
            name: "shoe browser, segments with RFM features",
            rfm_features: true,
            history: json!([
                event("sku-0000", "view", 99.0),
                event("sku-0006", "view", 99.5),
                event("sku-0012", "cart", 99.6),
            ]),
            options: json!({ "now": NOW }),
        },
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
                .map(|(k, v)| (k.clone(), numbers_as_f64(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Checks `got` (the answer as JSON) against the recorded one.
pub fn check(case: &SegmentCase, got: &Value) -> Result<(), String> {
    let all = expected()?;
    let want = all
        .get(case.name)
        .ok_or_else(|| format!("no recorded answer for {:?}: regenerate", case.name))?;
    let without_membership = |v: &Value| {
        let mut v = numbers_as_f64(v);
        if let Some(segment) = v.get_mut("segment").and_then(Value::as_object_mut) {
            segment.remove("membership");
        }
        v
    };
    if without_membership(got) != without_membership(want) {
        return Err(format!("{}: got {got}, expected {want}", case.name));
    }
    let membership = |v: &Value| -> Vec<f64> {
        v.pointer("/segment/membership")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    let (g, w) = (membership(got), membership(want));
    if g.len() != w.len()
        || g.iter()
            .zip(&w)
            .any(|(a, b)| (a - b).abs() > 1e-6 * b.abs().max(1e-30))
    {
        return Err(format!("{}: membership {g:?}, expected {w:?}", case.name));
    }
    Ok(())
}
