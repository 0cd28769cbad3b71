//! shopwindow core: the catalog format, scoring kernels, top-k selection and the on-device
//! user model. Pure Rust for native and wasm32; it never sees JavaScript (see
//! ARCHITECTURE.md for the invariants).

pub mod campaign;
pub mod catalog;
pub mod error;
pub mod kernels;
pub mod profile;
pub mod recommend;
pub mod segment;
pub mod topk;

pub use catalog::{Catalog, CatalogBuilder, CatalogError, ItemRecord, VectorDtype};
pub use error::RecommendError;
pub use kernels::Backend;
pub use profile::{Event, EventKind, EventWeights, ProfileConfig};
pub use recommend::{
    HistoryExclusion, RecommendOptions, Recommendations, Recommended, Recommender, SimilarOptions,
    Strategy,
};
pub use topk::{FilterSpec, Scored};
