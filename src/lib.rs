//! shopwindow core: the catalog format, scoring kernels, top-k selection and the on-device
//! user model. Pure Rust for native and wasm32; it never sees JavaScript (see
//! ARCHITECTURE.md for the invariants).
//!
//! The modules form layers that only point down; `tests/layering.rs` holds the order and
//! fails the build's tests when a module imports one above it:
//! `number` → `rng`, `rfm`, `sort` → `catalog` → `error` → `event` → `kernels` → `topk` → `profile` →
//! `cluster` → `segment` → `recommend` | `campaign`.

pub mod campaign;
pub mod catalog;
pub mod cluster;
pub mod error;
pub mod event;
pub mod json;
pub mod kernels;
pub mod number;
pub mod profile;
pub mod recommend;
pub mod rfm;
pub mod rng;
pub mod segment;
pub mod sort;
pub mod topk;

pub use catalog::{Catalog, CatalogBuilder, CatalogError, ItemRecord, VectorDtype};
pub use error::RecommendError;
pub use event::{Event, EventKind};
pub use kernels::Backend;
pub use profile::{EventWeights, ProfileConfig};
pub use recommend::{
    HistoryExclusion, RecommendOptions, Recommendations, Recommended, Recommender, SimilarOptions,
    Standing, Strategy,
};
pub use rfm::{RfmScores, RfmSegment, RfmThresholds, RfmValues};
pub use segment::ShopperSegment;
pub use topk::{FilterSpec, Scored};
