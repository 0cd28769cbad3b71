//! The interest labels a page gets from the interests module, for the native suites that
//! replay `recommend({ interests: true })` through `api` (shared by `common` and
//! `rules_common`).

use shopwindow::recommend::interests::{split_interests, INTEREST_SEED};
use shopwindow::Recommender;
use shopwindow_web::{api, dto};

/// With `interests: true`, the labels a page gets from the interests module: the engine's
/// points, split by the same core function that module calls.
pub fn interest_labels(
    engine: &Recommender,
    history: &[dto::HistoryEvent],
    options: &dto::RecommendOptions,
) -> Option<Vec<u8>> {
    options.interests.unwrap_or(false).then(|| {
        let points = api::interest_points(engine, history, options).unwrap();
        split_interests(&points, engine.catalog().dim(), INTEREST_SEED)
    })
}
