//! Which segment a shopper is in, computed on the device from the local history.
//!
//! The shopper's point is their fold-in vector scaled to unit length: segments group
//! customers by the direction of their taste, not by how much they buy (that is what RFM
//! measures). The offline builder clusters exactly these points, made by this module.
//! Soft membership is `softmax(−‖x − c_s‖² / τ)` over the segments, with the catalog's
//! temperature τ (the builder ships the customers' mean squared distance to their own
//! centroid, so typical distance differences matter and membership is not all-or-nothing).
//!
//! Segments built with RFM features (`segment.rfm_weight` = W in the catalog) append three
//! coordinates to the unit vector: each RFM score s ∈ 1..=5 as W·(s − 3)/2 ∈ [−W, W], and
//! 0 for all three when the shopper has no purchase yet (neutral: no pull towards either
//! end). The builder and the device both make points with [`segment_point`].

use crate::catalog::{Catalog, Segments};
use crate::cluster::{nearest, squared_distance, unit_vector};
use crate::rfm::{RfmScores, RFM_FEATURES};

/// The RFM part of a segment point: R, F, M scores mapped to [−weight, weight], or zeros
/// (neutral) without purchases.
pub fn rfm_features(scores: Option<&RfmScores>, weight: f32) -> [f32; RFM_FEATURES] {
    let feature = |score: u8| weight * (score as f32 - 3.0) / 2.0;
    scores.map_or([0.0; RFM_FEATURES], |s| {
        [feature(s.r), feature(s.f), feature(s.m)]
    })
}

/// The point a shopper is clustered and assigned as: the unit fold-in vector, followed by
/// the RFM features when `rfm_weight` is given.
pub fn segment_point(
    unit: &[f32],
    scores: Option<&RfmScores>,
    rfm_weight: Option<f32>,
) -> Vec<f32> {
    let mut point = unit.to_vec();
    if let Some(weight) = rfm_weight {
        point.extend(rfm_features(scores, weight));
    }
    point
}

/// A shopper's segment.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentAssignment {
    /// Index into the catalog's segment table.
    pub segment: u32,
    /// Squared distance from the shopper's point to the segment's centroid.
    pub squared_distance: f32,
    /// Soft membership over all segments (sums to 1; the assigned one is the largest).
    pub membership: Vec<f32>,
}

/// Assigns a point (made by [`segment_point`], of the segments' point width) to the
/// nearest centroid; ties go to the lower segment index.
pub fn assign_point(segments: &Segments<'_>, point: &[f32]) -> SegmentAssignment {
    let dim = point.len();
    let (segment, distance) = nearest(segments.centroids(), dim, point);
    let tau = segments.temperature() as f64;
    let logits: Vec<f64> = (0..segments.len())
        .map(|s| -(squared_distance(point, segments.centroid(s)) - distance) / tau)
        .collect();
    // Shifted by the nearest distance, so the largest logit is 0 and exp cannot overflow.
    let weights: Vec<f64> = logits.iter().map(|&l| l.exp()).collect();
    let total: f64 = weights.iter().sum();
    SegmentAssignment {
        segment,
        squared_distance: distance as f32,
        membership: weights.iter().map(|&w| (w / total) as f32).collect(),
    }
}

/// Assigns a fold-in vector and the shopper's RFM scores (`None` without purchases; only
/// read when the segments use RFM features); `None` when the catalog has no segments or
/// the vector is zero.
pub fn assign_vector(
    catalog: &Catalog,
    user_vector: &[f32],
    rfm_scores: Option<&RfmScores>,
) -> Option<SegmentAssignment> {
    let segments = catalog.segments()?;
    let point = segment_point(
        &unit_vector(user_vector)?,
        rfm_scores,
        segments.rfm_weight(),
    );
    Some(assign_point(&segments, &point))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{with_segments, CatalogBuilder, ItemRecord, SegmentSpec};
    use crate::rfm::RfmThresholds;

    fn catalog(temperature: f32) -> Catalog {
        let mut builder = CatalogBuilder::new(2);
        builder.push(ItemRecord::new("a"), &[1.0, 0.0]).unwrap();
        builder.push(ItemRecord::new("b"), &[0.0, 1.0]).unwrap();
        let spec = SegmentSpec {
            centroids: vec![1.0, 0.0, 0.0, 1.0, -1.0, 0.0],
            sizes: vec![50, 60, 70],
            labels: vec!["east".into(), "north".into(), "west".into()],
            temperature,
            top_categories: vec![],
            top_items: vec![],
            rfm_weight: None,
        };
        let bytes = with_segments(&builder.to_bytes().unwrap(), Some(&spec), None).unwrap();
        Catalog::from_bytes(bytes).unwrap()
    }

    /// Two segments of the same taste, big spenders (RFM 5,5,5) and the rest (1,1,1).
    fn rfm_catalog(weight: f32) -> Catalog {
        let mut builder = CatalogBuilder::new(2);
        builder.push(ItemRecord::new("a"), &[1.0, 0.0]).unwrap();
        let spec = SegmentSpec {
            centroids: vec![
                1.0, 0.0, weight, weight, weight, 1.0, 0.0, -weight, -weight, -weight,
            ],
            sizes: vec![50, 60],
            labels: vec!["big".into(), "small".into()],
            temperature: 0.5,
            top_categories: vec![],
            top_items: vec![],
            rfm_weight: Some(weight),
        };
        let thresholds = RfmThresholds::new(
            [1.0, 2.0, 3.0, 4.0],
            [1.0, 2.0, 3.0, 4.0],
            [1.0, 2.0, 3.0, 4.0],
        )
        .unwrap();
        let bytes =
            with_segments(&builder.to_bytes().unwrap(), Some(&spec), Some(&thresholds)).unwrap();
        Catalog::from_bytes(bytes).unwrap()
    }

    #[test]
    fn rfm_scores_map_to_the_weighted_unit_range_and_no_purchase_is_neutral() {
        let scores = |r, f, m| RfmScores { r, f, m };
        assert_eq!(rfm_features(Some(&scores(1, 3, 5)), 0.5), [-0.5, 0.0, 0.5]);
        assert_eq!(rfm_features(Some(&scores(2, 4, 4)), 2.0), [-1.0, 1.0, 1.0]);
        assert_eq!(rfm_features(None, 0.5), [0.0; 3]);
        assert_eq!(
            segment_point(&[0.6, 0.8], Some(&scores(5, 5, 1)), Some(0.5)),
            vec![0.6, 0.8, 0.5, 0.5, -0.5]
        );
        assert_eq!(
            segment_point(&[0.6, 0.8], None, Some(0.5)),
            vec![0.6, 0.8, 0.0, 0.0, 0.0]
        );
        // Without RFM features the scores are not read.
        assert_eq!(
            segment_point(&[0.6, 0.8], Some(&scores(5, 5, 5)), None),
            vec![0.6, 0.8]
        );
    }

    #[test]
    fn rfm_features_decide_between_segments_of_the_same_taste() {
        let catalog = rfm_catalog(0.5);
        let segments = catalog.segments().unwrap();
        assert_eq!(
            (segments.point_dim(), segments.rfm_weight()),
            (4 + 1, Some(0.5))
        );
        let top = RfmScores { r: 5, f: 4, m: 5 };
        let low = RfmScores { r: 1, f: 2, m: 1 };
        assert_eq!(
            assign_vector(&catalog, &[2.0, 0.0], Some(&top))
                .unwrap()
                .segment,
            0
        );
        assert_eq!(
            assign_vector(&catalog, &[2.0, 0.0], Some(&low))
                .unwrap()
                .segment,
            1
        );
        // No purchases: the neutral point is equally far from both.
        let neutral = assign_vector(&catalog, &[2.0, 0.0], None).unwrap();
        assert_eq!(neutral.segment, 0);
        assert!(
            (neutral.membership[0] - 0.5).abs() < 1e-6,
            "{:?}",
            neutral.membership
        );
    }

    #[test]
    fn the_nearest_centroid_wins_and_membership_is_a_distribution() {
        let catalog = catalog(0.5);
        // Scale does not matter: only the direction is assigned.
        let got = assign_vector(&catalog, &[3.0, 1.0], None).unwrap();
        assert_eq!(got.segment, 0);
        let total: f32 = got.membership.iter().sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert!(got.membership[0] > got.membership[1] && got.membership[1] > got.membership[2]);
        assert_eq!(assign_vector(&catalog, &[0.0, 0.0], None), None);
    }

    #[test]
    fn temperature_sharpens_or_softens_membership() {
        let sharp = assign_vector(&catalog(0.05), &[1.0, 0.8], None).unwrap();
        let soft = assign_vector(&catalog(5.0), &[1.0, 0.8], None).unwrap();
        assert!(sharp.membership[0] > soft.membership[0]);
        assert!(soft.membership.iter().all(|&p| p > 0.2));
    }

    #[test]
    fn unit_vectors_have_length_one() {
        let u = unit_vector(&[3.0, 4.0]).unwrap();
        assert!((u[0] - 0.6).abs() < 1e-7 && (u[1] - 0.8).abs() < 1e-7);
        assert_eq!(unit_vector(&[0.0; 3]), None);
    }
}
