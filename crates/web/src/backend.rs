//! The one place a scoring backend is chosen. SIMD128 versus scalar is fixed when the wasm
//! is built (`shopwindow::Backend`); WebGPU is decided here at run time, because a browser
//! may have no `navigator.gpu`, no adapter, or only a software one.

use shopwindow::number::Quoted;
use shopwindow::Backend;

use crate::dto::{BackendChoice, BackendStatus};

/// `auto` tries WebGPU from this many scored values (items × dimensions) up: 2^21, e.g.
/// 32k items at d = 64, where SIMD128 needs about 2 ms (about 1 ns per value) while a WebGPU
/// dispatch plus read-back costs a fraction of a millisecond on a real GPU. Below it the
/// GPU's fixed cost would eat the gain. To be refined with real-GPU measurements.
pub const AUTO_MIN_ELEMENTS: usize = 1 << 21;

impl BackendChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Webgpu => "webgpu",
            BackendChoice::Simd => "simd",
            BackendChoice::Scalar => "scalar",
        }
    }

    /// Parses a name as the JS API spells it.
    pub fn parse(name: &str) -> Result<BackendChoice, String> {
        match name {
            "auto" => Ok(BackendChoice::Auto),
            "webgpu" => Ok(BackendChoice::Webgpu),
            "simd" | "simd128" => Ok(BackendChoice::Simd),
            "scalar" => Ok(BackendChoice::Scalar),
            other => Err(format!(
                "unknown backend {}; use \"auto\", \"webgpu\", \"simd\" or \"scalar\"",
                Quoted(other)
            )),
        }
    }

    /// The CPU backend this choice scores with when the GPU does not.
    pub fn cpu(self) -> Backend {
        match self {
            BackendChoice::Scalar => Backend::Scalar,
            _ => Backend::best(),
        }
    }
}

/// What happens before any GPU is asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Score on this CPU backend; `reason` says why.
    Cpu(BackendStatus),
    /// Get a WebGPU device; `auto` says whether a software adapter should be refused.
    TryGpu { auto: bool },
}

/// Scoring on `choice`'s CPU backend for `reason` (not a fallback).
pub fn on_cpu(choice: BackendChoice, reason: String) -> BackendStatus {
    BackendStatus {
        requested: choice.as_str().into(),
        backend: choice.cpu().name().into(),
        reason,
        fallback: false,
        adapter: None,
        chunks: None,
    }
}

/// The first step of choosing: CPU choices and small catalogs never touch the GPU.
pub fn decide(choice: BackendChoice, items: usize, dim: usize) -> Decision {
    let status = |reason: String| Decision::Cpu(on_cpu(choice, reason));
    match choice {
        BackendChoice::Simd | BackendChoice::Scalar => status("requested".into()),
        BackendChoice::Auto if items.saturating_mul(dim) < AUTO_MIN_ELEMENTS => status(format!(
            "catalog too small for WebGPU to gain ({items} items × {dim} dims < {AUTO_MIN_ELEMENTS} values)"
        )),
        BackendChoice::Auto => Decision::TryGpu { auto: true },
        BackendChoice::Webgpu => Decision::TryGpu { auto: false },
    }
}

/// The status after a failed WebGPU attempt: the CPU with the same results.
pub fn fell_back(choice: BackendChoice, why: String, adapter: Option<String>) -> BackendStatus {
    BackendStatus {
        requested: choice.as_str().into(),
        backend: choice.cpu().name().into(),
        reason: format!("WebGPU unavailable, using the CPU: {why}"),
        fallback: true,
        adapter,
        chunks: None,
    }
}

/// The status of `choice` in the engine module built without WebGPU (`shopwindow`; the
/// package loads `shopwindow_gpu` instead when a GPU would be used): `decide`'s CPU status,
/// or, where it would try the GPU, a fallback that says why there is none.
pub fn without_gpu(
    choice: BackendChoice,
    items: usize,
    dim: usize,
    browser_has_webgpu: bool,
) -> BackendStatus {
    let why = if browser_has_webgpu {
        "this engine module is built without WebGPU; load the shopwindow_gpu module for it"
    } else {
        // As the WebGPU module says it, so a page reads the same reason from either module.
        "navigator.gpu is missing: this browser has no WebGPU"
    };
    match decide(choice, items, dim) {
        Decision::Cpu(status) => status,
        Decision::TryGpu { .. } => fell_back(choice, why.into(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_choices_and_small_catalogs_never_ask_for_a_gpu() {
        for (choice, items) in [
            (BackendChoice::Simd, 10_000_000),
            (BackendChoice::Scalar, 10_000_000),
            (BackendChoice::Auto, 1000),
        ] {
            match decide(choice, items, 64) {
                Decision::Cpu(status) => {
                    assert!(!status.fallback);
                    assert_eq!(status.requested, choice.as_str());
                }
                other => panic!("{choice:?}: {other:?}"),
            }
        }
        assert_eq!(
            decide(BackendChoice::Auto, 1 << 15, 64),
            Decision::TryGpu { auto: true }
        );
        assert_eq!(
            decide(BackendChoice::Webgpu, 10, 2),
            Decision::TryGpu { auto: false }
        );
    }

    #[test]
    fn without_the_gpu_module_a_gpu_choice_falls_back_and_says_why() {
        let small = without_gpu(BackendChoice::Auto, 1000, 64, true);
        assert!(
            !small.fallback,
            "a small catalog is not a fallback: {small:?}"
        );
        assert!(small.reason.contains("too small"));
        let large = without_gpu(BackendChoice::Auto, 1 << 15, 64, false);
        assert!(large.fallback);
        assert_eq!(large.backend, Backend::best().name());
        assert!(
            large.reason.contains("navigator.gpu is missing"),
            "{large:?}"
        );
        let forced = without_gpu(BackendChoice::Webgpu, 10, 2, true);
        assert!(
            forced.fallback && forced.reason.contains("shopwindow_gpu"),
            "{forced:?}"
        );
        let scalar = without_gpu(BackendChoice::Scalar, 1 << 20, 64, true);
        assert_eq!(
            (scalar.backend.as_str(), scalar.fallback),
            ("scalar", false)
        );
    }

    #[test]
    fn names_parse_as_the_js_api_spells_them() {
        assert_eq!(BackendChoice::parse("simd128"), Ok(BackendChoice::Simd));
        assert_eq!(BackendChoice::parse("webgpu"), Ok(BackendChoice::Webgpu));
        assert!(BackendChoice::parse("webgl").unwrap_err().contains("webgl"));
        assert_eq!(BackendChoice::Scalar.cpu(), Backend::Scalar);
    }
}
