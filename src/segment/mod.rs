//! Customer segmentation: k-means (offline for the catalog's segments, on the device for
//! small inputs), RFM scores, and the on-device assignment of a shopper to a segment.

pub mod kmeans;
pub mod rng;

pub use kmeans::{Algorithm, KMeans, KMeansError, KMeansModel, KMeansParams, Points};
pub use rng::{RandomSource, SplitMix64};
pub mod rfm;
pub use rfm::{rfm, Rfm, RfmError, RfmScores, RfmSegment, RfmThresholds};
