//! Customer segmentation: k-means (offline for the catalog's segments, on the device for
//! small inputs), RFM scores, the on-device assignment of a shopper to a segment, and the
//! shopper's own interest clusters (multi-interest).

pub mod assign;
pub mod interests;
pub mod kmeans;
pub mod rfm;
pub mod rng;
pub mod shopper;

pub use assign::{
    assign_point, assign_vector, rfm_features, segment_point, unit_vector, SegmentAssignment,
    RFM_FEATURES,
};
pub use kmeans::{Algorithm, KMeans, KMeansError, KMeansModel, KMeansParams, Points};
pub use rfm::{rfm, Rfm, RfmError, RfmScores, RfmSegment, RfmThresholds};
pub use rng::{RandomSource, SplitMix64};
pub use shopper::{shopper_segment, ShopperRfm, ShopperSegment};
