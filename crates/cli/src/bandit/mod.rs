//! Off-policy evaluation of campaign policies on logged bandit feedback (`bandit-eval`)
//! and de-biasing of randomized-response reports (`ldp-debias`).

pub mod estimators;
pub mod logs;
pub mod obd;
