//! The file's `__metadata__`: format version, model kind and the implicit-ALS parameters
//! the fold-in needs, parsed strictly (a bad number or an unknown scaling is an error).

use std::collections::BTreeMap;

use super::container::Container;
use crate::number::Quoted;

use super::{names, CatalogError, Metadata, FORMAT_VERSION};

/// How the fold-in regularization grows with the user's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LambdaScaling {
    /// λ as is (Hu et al. 2008, `implicit`).
    Constant,
    /// λ × number of distinct items in the history (Spark MLlib ALS).
    Interactions,
}

impl LambdaScaling {
    /// The name stored in the catalog's `lambda_scaling` metadata (and shown to JS).
    pub fn as_str(self) -> &'static str {
        match self {
            LambdaScaling::Constant => "constant",
            LambdaScaling::Interactions => "interactions",
        }
    }
}

impl std::str::FromStr for LambdaScaling {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "constant" => Ok(LambdaScaling::Constant),
            "interactions" => Ok(LambdaScaling::Interactions),
            other => Err(format!(
                "{} is neither \"constant\" nor \"interactions\"",
                Quoted(other)
            )),
        }
    }
}

/// The implicit-ALS parameters the catalog's vectors were trained with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelParams {
    pub alpha: f32,
    pub lambda: f32,
    pub lambda_scaling: LambdaScaling,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            alpha: 1.0,
            lambda: 0.1,
            lambda_scaling: LambdaScaling::Constant,
        }
    }
}

/// Parsed `__metadata__`.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogMeta {
    pub format_version: u32,
    pub model: String,
    pub params: ModelParams,
    pub created: Option<String>,
    pub source: Option<String>,
    /// Keys this build does not interpret, kept for `inspect`.
    pub extra: Metadata,
}

/// `__metadata__` of the file.
pub(super) fn file_metadata(buffer: &[u8]) -> Result<BTreeMap<String, String>, CatalogError> {
    Ok(Container::parse(buffer)?.metadata.into_iter().collect())
}

pub(super) fn parse_meta(mut raw: Metadata) -> Result<CatalogMeta, CatalogError> {
    let version = raw
        .remove(names::META_FORMAT_VERSION)
        .ok_or_else(|| CatalogError::Version {
            found: "(missing)".into(),
            supported: FORMAT_VERSION,
        })?;
    if version.trim() != FORMAT_VERSION.to_string() {
        return Err(CatalogError::Version {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let defaults = ModelParams::default();
    // A model parameter from `raw` (taken out of it), or its default when absent.
    let mut parameter = |key: &str, default: f32, allow_zero: bool| -> Result<f32, CatalogError> {
        match raw.remove(key) {
            None => Ok(default),
            Some(text) => match number(&text) {
                Some(v) if v.is_finite() && (v > 0.0 || (allow_zero && v == 0.0)) => Ok(v),
                _ => Err(CatalogError::Metadata {
                    key: key.into(),
                    reason: format!(
                        "{} is not a {} number",
                        Quoted(&text),
                        if allow_zero {
                            "non-negative"
                        } else {
                            "positive"
                        }
                    ),
                }),
            },
        }
    };
    let alpha = parameter(names::META_ALPHA, defaults.alpha, true)?;
    let lambda = parameter(names::META_LAMBDA, defaults.lambda, false)?;
    let lambda_scaling = match raw.remove(names::META_LAMBDA_SCALING) {
        None => defaults.lambda_scaling,
        Some(text) => text.parse().map_err(|reason| CatalogError::Metadata {
            key: names::META_LAMBDA_SCALING.into(),
            reason,
        })?,
    };
    let model = raw
        .remove(names::META_MODEL)
        .unwrap_or_else(|| "ials".into());
    if model != "ials" {
        return Err(CatalogError::Metadata {
            key: names::META_MODEL.into(),
            reason: format!(
                "model kind {} is not supported (expected \"ials\")",
                Quoted(&model)
            ),
        });
    }
    Ok(CatalogMeta {
        format_version: FORMAT_VERSION,
        model,
        params: ModelParams {
            alpha,
            lambda,
            lambda_scaling,
        },
        created: raw.remove(names::META_CREATED),
        source: raw.remove(names::META_SOURCE),
        extra: raw,
    })
}

/// A metadata number (JSON number syntax) as f32: `None` when `text` is not one.
///
/// Through the engine's JSON reader, which the header needs anyway: `str::parse::<f32>`
/// would add core's float parser and its ~10 KB table. The value is the f64 the reader
/// gives, rounded to f32; a number beyond f32's range is none.
pub(super) fn number(text: &str) -> Option<f32> {
    let value = crate::json::parse(text.trim()).ok()?;
    let number = value.as_f64()? as f32;
    number.is_finite().then_some(number)
}
