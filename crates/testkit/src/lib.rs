//! Deterministic fixtures, golden cases and property checks shared by the native test suite
//! and the browser test suite, so both run exactly the same checks.

pub mod catalogs;
pub mod fixtures;
pub mod fresh_golden;
pub mod golden;
pub mod hybrid_golden;
pub mod placement_golden;
pub mod properties;
pub mod rules_golden;
pub mod segment_golden;

/// A golden case's JSON (a history, options, an id list) as the engine module reads it:
/// written out and read back by the core's JSON reader, as a page's `JSON.stringify` text
/// is. The native runners pass their cases through it so that they read what the browser
/// reads.
pub fn as_page_json(value: &serde_json::Value) -> shopwindow::json::Value {
    shopwindow::json::parse(&value.to_string()).expect("serde_json writes JSON")
}
