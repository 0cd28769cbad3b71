//! The offline side of shopwindow, as a library the `shopwindow` binary and the tests share:
//! dataset readers, the implicit-ALS trainer, catalog writing and import, evaluation.
//!
//! Native only: it uses threads (rayon) and files. Everything the browser also does —
//! reading catalogs, fold-in, scoring, top-k — comes from the core crate, so what is
//! evaluated here is what ships.

pub mod als;
pub mod bandit;
pub mod catalog_file;
pub mod commands;
pub mod content;
pub mod data;
pub mod eval;
pub mod golden;
pub mod npy;
pub mod placements;
pub mod preview;
pub mod progress;
pub mod segments;
pub mod spark;
pub mod storefront;
pub mod tune;
pub mod vectors;
