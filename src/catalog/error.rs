//! Every way a catalog file can be wrong, each naming what is wrong.

use thiserror::Error;

use crate::number::Quoted;

/// Why a catalog file was rejected (or could not be written).
///
/// Messages are written for the store engineer who built the file: they name the tensor,
/// the metadata key or the item id at fault.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CatalogError {
    /// The bytes end before the header or the tensor data they announce.
    #[error("catalog file is truncated: {0}")]
    Truncated(String),

    /// The bytes are not a well-formed safetensors file.
    #[error("not a valid safetensors catalog: {0}")]
    Header(String),

    /// A tensor the format requires is absent.
    #[error("catalog is missing the required tensor `{0}`")]
    MissingTensor(&'static str),

    /// A tensor has an element type this format does not allow for it.
    #[error("tensor `{name}` has dtype {found}, expected {expected}")]
    Dtype {
        name: String,
        found: String,
        expected: &'static str,
    },

    /// A tensor's shape disagrees with the item count or the dimension.
    #[error("tensor `{name}` has shape {found:?}, expected {expected}")]
    Shape {
        name: String,
        found: Vec<usize>,
        expected: String,
    },

    /// `__metadata__` lacks the format version or carries one this build cannot read.
    #[error("unsupported catalog format version {}: this build reads version {supported}", Quoted(.found))]
    Version { found: String, supported: u32 },

    /// A `__metadata__` entry is present but cannot be understood.
    #[error("catalog metadata `{key}` is invalid: {reason}")]
    Metadata { key: String, reason: String },

    /// The catalog is larger than the configured [`Limits`](super::Limits).
    #[error("catalog too large: {what} is {found}, the limit is {limit}")]
    TooLarge {
        what: &'static str,
        found: usize,
        limit: usize,
    },

    /// A floating-point tensor holds NaN or ±infinity.
    #[error("tensor `{name}` holds a non-finite value at element {index}")]
    NonFinite { name: String, index: usize },

    /// A value is finite but outside what the field allows (a negative price, say).
    #[error("tensor `{name}` element {index} is invalid: {reason}")]
    InvalidValue {
        name: String,
        index: usize,
        reason: String,
    },

    /// Two items share one id.
    #[error("item id {} appears twice (items {first} and {second})", Quoted(.id))]
    DuplicateId {
        id: String,
        first: usize,
        second: usize,
    },

    /// A UTF-8 string table (blob + offsets) is inconsistent.
    #[error("string table `{name}` is malformed: {reason}")]
    StringTable { name: String, reason: String },
}

impl CatalogError {
    /// A metadata value that is missing or cannot be used, naming its key.
    pub(crate) fn metadata(key: &str, reason: String) -> CatalogError {
        CatalogError::Metadata {
            key: key.into(),
            reason,
        }
    }
}

impl From<safetensors::SafeTensorError> for CatalogError {
    fn from(err: safetensors::SafeTensorError) -> Self {
        use safetensors::SafeTensorError as E;
        match err {
            E::HeaderTooSmall | E::MetadataIncompleteBuffer | E::InvalidHeaderLength => {
                CatalogError::Truncated(err.to_string())
            }
            other => CatalogError::Header(other.to_string()),
        }
    }
}
