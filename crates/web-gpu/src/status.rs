//! The `backendStatus` this module reports: the engine's own while the CPU scores, and the
//! GPU's outcomes in the same shape (requested, backend, reason, fallback, adapter, chunks).
//! Plain Rust, so the wording is tested natively; the JS object is built by hand, field by
//! field, because a serializer would be the largest thing in this module.

/// Which backend scores, and why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// What was asked for: "auto", "webgpu", "simd" or "scalar".
    pub requested: String,
    /// What scores now: "webgpu", "simd128" or "scalar".
    pub backend: String,
    pub reason: String,
    /// WebGPU was wanted, failed, and the CPU took over with the same results.
    pub fallback: bool,
    pub adapter: Option<String>,
    pub chunks: Option<usize>,
}

impl Status {
    /// WebGPU scoring on `adapter`, the catalog in `chunks` buffers. `int8` names how int8
    /// lanes are multiplied ("" for float catalogs).
    pub fn on_gpu(
        requested: &str,
        adapter: &str,
        chunks: usize,
        size: (usize, usize),
        int8: &str,
    ) -> Status {
        let reason = if requested == "auto" {
            format!(
                "auto: GPU adapter {adapter} and {} items × {} dims{int8}",
                size.0, size.1
            )
        } else {
            format!("requested; GPU adapter {adapter}{int8}")
        };
        Status {
            requested: requested.into(),
            backend: "webgpu".into(),
            reason,
            fallback: false,
            adapter: Some(adapter.into()),
            chunks: Some(chunks),
        }
    }

    /// "auto" declined a software adapter: the CPU scores, not as a fallback.
    pub fn software(requested: &str, cpu: &str, adapter: &str) -> Status {
        Status {
            requested: requested.into(),
            backend: cpu.into(),
            reason: format!(
                "the only WebGPU adapter ({adapter}) is a software renderer, slower than simd128"
            ),
            fallback: false,
            adapter: Some(adapter.into()),
            chunks: None,
        }
    }

    /// WebGPU failed (`why`); the CPU backend `cpu` scores with the same results.
    pub fn fell_back(requested: &str, cpu: &str, why: &str, adapter: Option<String>) -> Status {
        Status {
            requested: requested.into(),
            backend: cpu.into(),
            reason: format!("WebGPU unavailable, using the CPU: {why}"),
            fallback: true,
            adapter,
            chunks: None,
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod js {
    use js_sys::{Object, Reflect};
    use wasm_bindgen::JsValue;

    use super::Status;

    fn string(object: &JsValue, name: &str) -> Option<String> {
        Reflect::get(object, &name.into()).ok()?.as_string()
    }

    impl Status {
        /// The engine's `backendStatus` object.
        pub fn from_js(object: &JsValue) -> Status {
            Status {
                requested: string(object, "requested").unwrap_or_default(),
                backend: string(object, "backend").unwrap_or_default(),
                reason: string(object, "reason").unwrap_or_default(),
                fallback: Reflect::get(object, &"fallback".into())
                    .ok()
                    .and_then(|f| f.as_bool())
                    .unwrap_or(false),
                adapter: string(object, "adapter"),
                chunks: Reflect::get(object, &"chunks".into())
                    .ok()
                    .and_then(|c| c.as_f64())
                    .map(|c| c as usize),
            }
        }

        /// The object the page reads (absent fields left out, as the engine does).
        pub fn to_js(&self) -> JsValue {
            let object = Object::new();
            let set = |name: &str, value: JsValue| {
                // Setting a property of a fresh plain object cannot fail.
                let _ = Reflect::set(&object, &name.into(), &value);
            };
            set("requested", self.requested.as_str().into());
            set("backend", self.backend.as_str().into());
            set("reason", self.reason.as_str().into());
            set("fallback", self.fallback.into());
            if let Some(adapter) = &self.adapter {
                set("adapter", adapter.as_str().into());
            }
            if let Some(chunks) = self.chunks {
                set("chunks", (chunks as f64).into());
            }
            object.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_statuses_say_what_scores_and_why() {
        let auto = Status::on_gpu(
            "auto",
            "nvidia hopper",
            2,
            (40_000, 64),
            "; int8 lanes by dot4I8Packed",
        );
        assert_eq!(auto.backend, "webgpu");
        assert_eq!(
            auto.reason,
            "auto: GPU adapter nvidia hopper and 40000 items × 64 dims; int8 lanes by dot4I8Packed"
        );
        assert_eq!((auto.chunks, auto.fallback), (Some(2), false));
        let forced = Status::on_gpu("webgpu", "nvidia hopper", 1, (10, 2), "");
        assert_eq!(forced.reason, "requested; GPU adapter nvidia hopper");

        let soft = Status::software("auto", "simd128", "google swiftshader");
        assert_eq!((soft.backend.as_str(), soft.fallback), ("simd128", false));
        assert!(soft.reason.contains("software renderer"));

        let lost = Status::fell_back("webgpu", "scalar", "the GPU device was lost", None);
        assert!(lost.fallback);
        assert_eq!(
            lost.reason,
            "WebGPU unavailable, using the CPU: the GPU device was lost"
        );
    }
}
