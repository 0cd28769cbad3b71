//! shopwindow core: the catalog format, scoring kernels, top-k selection and the on-device
//! user model. Pure Rust for native and wasm32; it never sees JavaScript (see
//! ARCHITECTURE.md for the invariants).

pub mod catalog;

pub use catalog::{Catalog, CatalogBuilder, CatalogError, ItemRecord, VectorDtype};
