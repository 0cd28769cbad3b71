//! The shopper's standing from one fold-in: the user vector, the customer segment it falls
//! in and the RFM standing of the purchases. The browser's campaign context (segment, RFM
//! scores, projected user vector) is built from one [`Standing`], so the history is folded
//! in once per decision.

use super::Recommender;
use crate::error::RecommendError;
use crate::profile::{Event, ProfileConfig};
use crate::segment::{check_history, shopper_segment, ShopperSegment};

/// What [`Recommender::standing`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The shopper's fold-in vector; `None` for a cold shopper (no weighted history).
    pub user: Option<Vec<f32>>,
    /// The segment and RFM standing computed from `user` and the history.
    pub segment: ShopperSegment,
}

impl Recommender {
    /// The shopper's fold-in vector plus their customer segment and RFM standing from it
    /// (see [`shopper_segment`]), with "now" = `now_ms`. The history is folded in once.
    ///
    /// Errors come in [`check_history`]'s order first (a catalog with neither segments nor
    /// RFM thresholds, a bad "now", an unknown item), then the fold-in's (the profile).
    pub fn standing(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
        now_ms: f64,
    ) -> Result<Standing, RecommendError> {
        check_history(&self.catalog, history, now_ms)?;
        let user = self.user_vector(history, profile)?;
        let segment = shopper_segment(&self.catalog, history, user.as_deref(), now_ms)?;
        Ok(Standing { user, segment })
    }

    /// The shopper's customer segment and RFM standing: [`Recommender::standing`] without
    /// the vector. A catalog with RFM thresholds but no segments needs no vector, so no
    /// fold-in runs and the profile is not read (as `segment()` has always behaved there).
    pub fn segment(
        &self,
        history: &[Event],
        profile: &ProfileConfig,
        now_ms: f64,
    ) -> Result<ShopperSegment, RecommendError> {
        if self.catalog.segments().is_none() {
            return shopper_segment(&self.catalog, history, None, now_ms);
        }
        self.standing(history, profile, now_ms).map(|s| s.segment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{with_segments, Catalog, CatalogBuilder, ItemRecord, SegmentSpec};
    use crate::event::EventKind;
    use crate::rfm::{RfmSegment, RfmThresholds};
    use crate::segment::ShopperSegment;

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
        let got = rec
            .segment(&history, &ProfileConfig::default(), 10.0 * DAY)
            .unwrap();
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
        let got = recommender(true, true)
            .segment(&[], &ProfileConfig::default(), 0.0)
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
        let got = recommender(true, true)
            .segment(&views, &ProfileConfig::default(), DAY)
            .unwrap();
        assert_eq!(got.segment.unwrap().segment, 0);
        assert_eq!(got.rfm, None);
    }

    #[test]
    fn a_catalog_without_segments_is_a_clear_error() {
        let err = recommender(false, false)
            .segment(&[], &ProfileConfig::default(), 0.0)
            .unwrap_err();
        assert_eq!(err, RecommendError::NoSegments);
        assert!(err.to_string().contains("shopwindow segments"));
        // Either part alone is enough.
        let views = [event(0, EventKind::Purchase, 1.0)];
        let only_rfm = recommender(false, true)
            .segment(&views, &ProfileConfig::default(), DAY)
            .unwrap();
        assert!(only_rfm.segment.is_none() && only_rfm.rfm.is_some());
    }

    #[test]
    fn bad_items_and_times_are_errors() {
        let rec = recommender(true, true);
        let bad = [event(9, EventKind::Purchase, 1.0)];
        assert!(matches!(
            rec.segment(&bad, &ProfileConfig::default(), DAY),
            Err(RecommendError::UnknownItem(_))
        ));
        assert!(rec
            .segment(&[], &ProfileConfig::default(), f64::NAN)
            .is_err());
    }

    #[test]
    fn standing_is_the_segment_and_the_vector_of_one_fold_in() {
        let rec = recommender(true, true);
        let history = [
            event(2, EventKind::View, 9.0),
            event(3, EventKind::Purchase, 9.5),
        ];
        let profile = ProfileConfig::default();
        let now = 10.0 * DAY;
        let standing = rec.standing(&history, &profile, now).unwrap();
        assert_eq!(standing.user, rec.user_vector(&history, &profile).unwrap());
        assert!(standing.user.is_some());
        assert_eq!(
            standing.segment,
            shopper_segment(rec.catalog(), &history, standing.user.as_deref(), now).unwrap()
        );
        assert_eq!(
            standing.segment,
            rec.segment(&history, &profile, now).unwrap()
        );
        let cold = rec.standing(&[], &profile, now).unwrap();
        assert_eq!(cold.user, None);
        assert_eq!(cold.segment.segment, None);
    }
}
