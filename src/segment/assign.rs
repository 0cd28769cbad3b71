//! Which segment a shopper is in, computed on the device from the local history.
//!
//! The shopper's point is their fold-in vector scaled to unit length: segments group
//! customers by the direction of their taste, not by how much they buy (that is what RFM
//! measures). The offline builder clusters exactly these points, made by this module.
//! Soft membership is `softmax(−‖x − c_s‖² / τ)` over the segments, with the catalog's
//! temperature τ (the builder ships the customers' mean squared distance to their own
//! centroid, so typical distance differences matter and membership is not all-or-nothing).

use crate::catalog::{Catalog, Segments};
use crate::segment::kmeans::{nearest, squared_distance};

/// `x / ‖x‖`, or `None` for the zero vector (no direction to assign).
pub fn unit_vector(x: &[f32]) -> Option<Vec<f32>> {
    let norm = x.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt();
    (norm > 0.0 && norm.is_finite()).then(|| x.iter().map(|&v| (v as f64 / norm) as f32).collect())
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

/// Assigns a point (already a unit vector of the catalog's dimension) to the nearest
/// centroid; ties go to the lower segment index.
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

/// Assigns a fold-in vector; `None` when the catalog has no segments or the vector is zero.
pub fn assign_vector(catalog: &Catalog, user_vector: &[f32]) -> Option<SegmentAssignment> {
    let segments = catalog.segments()?;
    let point = unit_vector(user_vector)?;
    Some(assign_point(&segments, &point))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{with_segments, CatalogBuilder, ItemRecord, SegmentSpec};

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
        };
        let bytes = with_segments(&builder.to_bytes().unwrap(), Some(&spec), None).unwrap();
        Catalog::from_bytes(bytes).unwrap()
    }

    #[test]
    fn the_nearest_centroid_wins_and_membership_is_a_distribution() {
        let catalog = catalog(0.5);
        // Scale does not matter: only the direction is assigned.
        let got = assign_vector(&catalog, &[3.0, 1.0]).unwrap();
        assert_eq!(got.segment, 0);
        let total: f32 = got.membership.iter().sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert!(got.membership[0] > got.membership[1] && got.membership[1] > got.membership[2]);
        assert_eq!(assign_vector(&catalog, &[0.0, 0.0]), None);
    }

    #[test]
    fn temperature_sharpens_or_softens_membership() {
        let sharp = assign_vector(&catalog(0.05), &[1.0, 0.8]).unwrap();
        let soft = assign_vector(&catalog(5.0), &[1.0, 0.8]).unwrap();
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
