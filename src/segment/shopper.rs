//! The shopper's segment and RFM standing, from the local history only.

use crate::catalog::Catalog;
use crate::error::RecommendError;
use crate::event::Event;
use crate::number::Num;
use crate::rfm::{RfmScores, RfmSegment, RfmValues};
use crate::segment::assign::{assign_vector, SegmentAssignment};
use crate::segment::rfm::rfm;

/// The shopper's RFM values, scores and named segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShopperRfm {
    pub values: RfmValues,
    pub scores: RfmScores,
    pub segment: RfmSegment,
}

/// What [`shopper_segment`] found. Either part is `None` when the history cannot say
/// (no events, no purchases for RFM) or the catalog does not ship that part.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopperSegment {
    pub segment: Option<SegmentAssignment>,
    pub rfm: Option<ShopperRfm>,
}

/// Checks what [`shopper_segment`] needs before anything is computed, in the order its
/// errors are reported: a catalog with neither segments nor RFM thresholds (the store built
/// it without `shopwindow segments`), a "now" that is not a time, an unknown item.
pub fn check_history(
    catalog: &Catalog,
    history: &[Event],
    now_ms: f64,
) -> Result<(), RecommendError> {
    if catalog.segments().is_none() && catalog.rfm_thresholds().is_none() {
        return Err(RecommendError::NoSegments);
    }
    if !now_ms.is_finite() {
        return Err(RecommendError::InvalidOption {
            name: "now",
            reason: format!("{} is not a time in ms since the epoch", Num(now_ms)),
        });
    }
    // RFM reads prices by item index: check them even when no fold-in runs.
    if let Some(bad) = history.iter().find(|e| e.item as usize >= catalog.len()) {
        return Err(RecommendError::UnknownItem(format!("#{}", bad.item)));
    }
    Ok(())
}

/// Assigns the shopper with `history` and fold-in vector `user` (computed once by the
/// caller, `None` for a cold shopper) to the catalog's segments (unit vector → nearest
/// centroid) and scores their purchases against the catalog's RFM thresholds, with
/// "now" = `now_ms`. [`Recommender::standing`](crate::recommend::Recommender::standing)
/// is the usual way in.
///
/// The errors are [`check_history`]'s; an empty history is not one: both parts are `None`.
pub fn shopper_segment(
    catalog: &Catalog,
    history: &[Event],
    user: Option<&[f32]>,
    now_ms: f64,
) -> Result<ShopperSegment, RecommendError> {
    check_history(catalog, history, now_ms)?;
    let rfm = catalog.rfm_thresholds().and_then(|t| {
        let values = rfm(history, catalog.prices(), now_ms)?;
        let scores = t.score(&values);
        Some(ShopperRfm {
            values,
            scores,
            segment: scores.segment(),
        })
    });
    // Segments built with RFM features take the same scores as the standing above.
    let segment = user.and_then(|x| assign_vector(catalog, x, rfm.as_ref().map(|r| &r.scores)));
    Ok(ShopperSegment { segment, rfm })
}
