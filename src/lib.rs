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

/// The allocator of every wasm module: a free list (lol_alloc), about 8 KB smaller in each
/// than the standard library's dlmalloc and as fast for the modules' pattern (a few buffers
/// per call, all freed when it returns; `cargo xtask bench`). Here because every module
/// links the core, and a binary takes one allocator: a module's tests that link the engine
/// beside it must not find two. `a_long_session_reuses_freed_memory`
/// (crates/web/tests/browser.rs) holds it to reusing what requests free.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> = {
    // SAFETY: the wasm build runs on one thread: it is built without atomics or shared
    // memory, so no two calls into the allocator can overlap.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) }
};
