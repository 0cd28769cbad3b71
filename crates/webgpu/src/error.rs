//! The two ways the GPU path reports failure: [`StartError`] when no scorer could be made,
//! [`GpuError`] when a scan failed. Both carry a message for the page (the binding crate
//! puts it in the backend status); the caller's answer to either is the CPU.

use std::fmt;

/// Why the GPU could not do something: a message for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuError(String);

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GpuError {}

// The code inside builds its messages as strings; `?` turns them into a `GpuError` at the
// public functions.
impl From<String> for GpuError {
    fn from(message: String) -> GpuError {
        GpuError(message)
    }
}

impl From<&str> for GpuError {
    fn from(message: &str) -> GpuError {
        GpuError(message.to_string())
    }
}

/// Why `GpuScorer::start` made no scorer. Any device it got is released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// No device: no `navigator.gpu`, no adapter, or the device was refused.
    NoDevice(GpuError),
    /// The only adapter is a software renderer (SwiftShader, WARP, …), and the caller asked
    /// to refuse those (`StartOptions::refuse_software`).
    Software { adapter: String },
    /// A device on `adapter`, but the pipeline or the catalog upload failed.
    Failed { adapter: String, error: GpuError },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NoDevice(error) | StartError::Failed { error, .. } => error.fmt(f),
            StartError::Software { adapter } => {
                write!(
                    f,
                    "the only WebGPU adapter ({adapter}) is a software renderer"
                )
            }
        }
    }
}

impl std::error::Error for StartError {}
