//! Customer segmentation on the device: the shopper's point (unit fold-in vector plus
//! optional RFM features), the nearest of the catalog's segments with a soft membership,
//! and the RFM standing computed from the local history.

pub mod assign;
pub mod rfm;
pub mod shopper;

pub use assign::{assign_point, assign_vector, rfm_features, segment_point, SegmentAssignment};
pub use rfm::rfm;
pub use shopper::{check_history, shopper_segment, ShopperRfm, ShopperSegment};

// The names this module exported before clustering, RFM data and randomness moved below
// it (`cluster`, `rfm`, `rng`); the offline segment builder still reads them from here.
pub use crate::cluster::{
    unit_vector, Algorithm, KMeans, KMeansError, KMeansModel, KMeansParams, Points,
};
pub use crate::rfm::{RfmError, RfmScores, RfmSegment, RfmThresholds, RfmValues, RFM_FEATURES};
pub use crate::rng::{RandomSource, SplitMix64};
