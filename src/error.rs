//! Errors of the recommendation API (catalog errors live in [`crate::catalog`]).

use thiserror::Error;

use crate::catalog::CatalogError;
use crate::number::Quoted;

/// Why a recommendation request could not be answered.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum RecommendError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),

    /// An item id the catalog does not contain, where one is required (e.g. `similar`).
    #[error("unknown item id {}: the catalog has no such item", Quoted(.0))]
    UnknownItem(String),

    /// A filter needs a column the catalog does not carry.
    #[error("this catalog has no {0}, so it cannot filter by them")]
    MissingColumn(&'static str),

    /// An option is out of range or malformed.
    #[error("invalid option `{name}`: {reason}")]
    InvalidOption { name: &'static str, reason: String },

    /// A query vector has the wrong length.
    #[error("vector has {found} dimensions but the catalog has {expected}")]
    DimensionMismatch { found: usize, expected: usize },

    /// `segment()` on a catalog built without segments or RFM thresholds.
    #[error("this catalog has no customer segments or RFM thresholds: build it with `shopwindow segments` (or `train --segments K`)")]
    NoSegments,

    /// A placement needs a table the catalog was built without (`together`, `trending`).
    #[error("this catalog has no {0}: build it with `shopwindow train` from interactions with baskets and times")]
    MissingPlacement(&'static str),

    /// The fold-in system could not be solved (only with degenerate catalogs).
    #[error("could not compute the user vector: {0}")]
    FoldIn(String),
}
