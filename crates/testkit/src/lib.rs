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
