//! The shopper's segment and RFM standing, from the local history only.

use crate::error::RecommendError;
use crate::profile::{Event, ProfileConfig};
use crate::recommend::Recommender;
use crate::segment::assign::{assign_vector, SegmentAssignment};
use crate::segment::rfm::{rfm, Rfm, RfmScores, RfmSegment};

/// The shopper's RFM values, scores and named segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShopperRfm {
    pub values: Rfm,
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

/// Assigns the shopper with `history` to the catalog's segments (fold-in vector → unit
/// vector → nearest centroid) and scores their purchases against the catalog's RFM
/// thresholds, with "now" = `now_ms`.
///
/// A catalog with neither segments nor RFM thresholds is an error (the store built it
/// without `shopwindow segments`); an empty history is not: both parts are `None`.
pub fn shopper_segment(
    recommender: &Recommender,
    history: &[Event],
    profile: &ProfileConfig,
    now_ms: f64,
) -> Result<ShopperSegment, RecommendError> {
    let catalog = recommender.catalog();
    let thresholds = catalog.rfm_thresholds();
    if catalog.segments().is_none() && thresholds.is_none() {
        return Err(RecommendError::NoSegments);
    }
    if !now_ms.is_finite() {
        return Err(RecommendError::InvalidOption {
            name: "now",
            reason: format!("{now_ms} is not a time in ms since the epoch"),
        });
    }
    // RFM reads prices by item index: check them even when no fold-in runs.
    if let Some(bad) = history.iter().find(|e| e.item as usize >= catalog.len()) {
        return Err(RecommendError::UnknownItem(format!("#{}", bad.item)));
    }
    let rfm = thresholds.and_then(|t| {
        let values = rfm(history, catalog.prices(), now_ms)?;
        let scores = t.score(&values);
        Some(ShopperRfm {
            values,
            scores,
            segment: scores.segment(),
        })
    });
    // Segments built with RFM features take the same scores as the standing above.
    let segment = match catalog.segments() {
        None => None,
        Some(_) => recommender
            .user_vector(history, profile)?
            .and_then(|x| assign_vector(catalog, &x, rfm.as_ref().map(|r| &r.scores))),
    };
    Ok(ShopperSegment { segment, rfm })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{with_segments, CatalogBuilder, ItemRecord, SegmentSpec};
    use crate::profile::EventKind;
    use crate::segment::RfmThresholds;
    use crate::Catalog;

    const DAY: f64 = 86_400_000.0;

    fn recommender(segments: bool, rfm: bool) -> Recommender {
        let mut builder = CatalogBuilder::new(2);
        for (i, v) in [[1.0, 0.1], [0.9, 0.2], [0.1, 1.0], [0.2, 0.9]]
            .iter()
            .enumerate()
        {
            let mut item = ItemRecord::new(format!("i{i}"));
            item.price = Some(10.0 * (i + 1) as f32);
            builder.push(item, v).unwrap();
        }
        let spec = SegmentSpec {
            centroids: vec![1.0, 0.0, 0.0, 1.0],
            sizes: vec![50, 50],
            labels: vec!["first".into(), "second".into()],
            temperature: 0.5,
            top_categories: vec![],
            top_items: vec![],
            rfm_weight: None,
        };
        let thresholds = RfmThresholds::new(
            [1.0, 7.0, 30.0, 90.0],
            [1.0, 2.0, 3.0, 4.0],
            [5.0, 20.0, 50.0, 100.0],
        )
        .unwrap();
        let bytes = with_segments(
            &builder.to_bytes().unwrap(),
            segments.then_some(&spec),
            rfm.then_some(&thresholds),
        )
        .unwrap();
        Recommender::new(Catalog::from_bytes(bytes).unwrap())
    }

    fn event(item: u32, kind: EventKind, day: f64) -> Event {
        Event {
            item,
            kind,
            timestamp_ms: Some(day * DAY),
        }
    }

    #[test]
    fn history_picks_the_segment_and_purchases_the_rfm_standing() {
        let rec = recommender(true, true);
        let history = [
            event(2, EventKind::View, 9.0),
            event(3, EventKind::Purchase, 9.5),
            event(2, EventKind::Purchase, 3.0),
        ];
        let got = shopper_segment(&rec, &history, &ProfileConfig::default(), 10.0 * DAY).unwrap();
        assert_eq!(got.segment.as_ref().unwrap().segment, 1);
        let rfm = got.rfm.unwrap();
        assert_eq!(rfm.values.frequency, 2);
        assert!((rfm.values.monetary - 70.0).abs() < 1e-9);
        // 0.5 days ago: R 5; two purchase days: F 2; £70: M 4.
        assert_eq!((rfm.scores.r, rfm.scores.f, rfm.scores.m), (5, 2, 4));
        assert_eq!(rfm.segment, RfmSegment::PotentialLoyalist);
    }

    #[test]
    fn an_empty_history_has_no_segment_yet() {
        let got = shopper_segment(
            &recommender(true, true),
            &[],
            &ProfileConfig::default(),
            0.0,
        )
        .unwrap();
        assert_eq!(
            got,
            ShopperSegment {
                segment: None,
                rfm: None
            }
        );
        // Views only: a segment, but no RFM standing.
        let views = [event(0, EventKind::View, 1.0)];
        let got = shopper_segment(
            &recommender(true, true),
            &views,
            &ProfileConfig::default(),
            DAY,
        )
        .unwrap();
        assert_eq!(got.segment.unwrap().segment, 0);
        assert_eq!(got.rfm, None);
    }

    #[test]
    fn a_catalog_without_segments_is_a_clear_error() {
        let err = shopper_segment(
            &recommender(false, false),
            &[],
            &ProfileConfig::default(),
            0.0,
        )
        .unwrap_err();
        assert_eq!(err, RecommendError::NoSegments);
        assert!(err.to_string().contains("shopwindow segments"));
        // Either part alone is enough.
        let views = [event(0, EventKind::Purchase, 1.0)];
        let only_rfm = shopper_segment(
            &recommender(false, true),
            &views,
            &ProfileConfig::default(),
            DAY,
        )
        .unwrap();
        assert!(only_rfm.segment.is_none() && only_rfm.rfm.is_some());
    }

    #[test]
    fn bad_items_and_times_are_errors() {
        let rec = recommender(true, true);
        let bad = [event(9, EventKind::Purchase, 1.0)];
        assert!(matches!(
            shopper_segment(&rec, &bad, &ProfileConfig::default(), DAY),
            Err(RecommendError::UnknownItem(_))
        ));
        assert!(shopper_segment(&rec, &[], &ProfileConfig::default(), f64::NAN).is_err());
    }
}
