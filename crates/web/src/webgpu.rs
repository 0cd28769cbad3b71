//! The async half of the `Recommender` class: creating it with a backend choice, switching
//! to WebGPU, and the requests that may score on the GPU. Every GPU failure ends on the CPU
//! with the same results, a `backendStatus` that says so, and a call of `onfallback`; no
//! promise rejects because of the GPU (only for bad input, like the sync methods).
//!
//! The GPU itself (device, shaders, upload, scan) is `shopwindow_webgpu::GpuScorer`; this
//! file holds what is JS-shaped: the options, the promises, and the status the page reads.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::futures::future_to_promise;
use js_sys::Promise;
use shopwindow::recommend::ScanPlan;
use shopwindow::topk::{ScanResult, Scored};
use shopwindow::{Catalog, Recommender as Engine};

use shopwindow_webgpu::{GpuScorer, I8Dot, StartError, StartOptions};
use wasm_bindgen::prelude::*;

use crate::backend::{self, Decision};
use crate::dto::{self, BackendChoice, BackendStatus};
use crate::{api, error, from_js, read, rules_clock, to_js, with_clock, Recommender, Shared};

/// Reads `BackendOptions` (`{ backend?, maxChunkBytes? }`). By hand rather than with
/// serde: a serde_json deserializer per type costs kilobytes of wasm, and this object has
/// two fields. As everywhere in the API, an unknown field is an error.
fn backend_options(value: &JsValue) -> Result<(Option<BackendChoice>, Option<u64>), JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok((None, None));
    }
    let invalid = |why: String| JsError::new(&format!("invalid backend options: {why}"));
    let object: &js_sys::Object = value
        .dyn_ref()
        .ok_or_else(|| invalid("not an object".into()))?;
    let mut choice = None;
    let mut chunk = None;
    for key in js_sys::Object::keys(object) {
        let key = key.as_string().unwrap_or_default();
        let field = js_sys::Reflect::get(object, &key.as_str().into()).unwrap_or_default();
        match key.as_str() {
            "backend" if field.is_undefined() => {}
            "backend" => {
                let name = field
                    .as_string()
                    .ok_or_else(|| invalid("`backend` is not a string".into()))?;
                choice = Some(BackendChoice::parse(&name).map_err(invalid)?);
            }
            "maxChunkBytes" if field.is_undefined() || field.is_null() => {}
            "maxChunkBytes" => match field.as_f64() {
                Some(bytes) if bytes >= 1.0 => chunk = Some(bytes as u64),
                _ => return Err(invalid("`maxChunkBytes` is not a positive number".into())),
            },
            other => return Err(invalid(format!("unknown field `{other}`"))),
        }
    }
    Ok((choice, chunk))
}

/// `future_to_promise` behind one boxed future type: each distinct future type would get
/// its own copy of js-sys's task machinery in the wasm.
fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let boxed: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(future);
    future_to_promise(boxed)
}

/// A promise rejected with `err`: how the async methods report bad input.
fn rejected(err: JsError) -> Promise {
    Promise::reject(&JsValue::from(err))
}

impl Shared {
    /// Applies `choice`: the one place where WebGPU is tried, kept or given up. Fails
    /// only while an async request is running (its scan holds the engine).
    // The engine is borrowed across the GPU start. That is sound: the only mutable borrow
    // anywhere is `Shared::set_cpu`'s `try_borrow_mut`, which reports an error instead.
    #[allow(clippy::await_holding_refcell_ref)]
    async fn select(
        self: &Rc<Self>,
        choice: BackendChoice,
        max_chunk_bytes: Option<u64>,
    ) -> Result<BackendStatus, JsError> {
        self.set_cpu(choice.cpu())?;
        // Drop the old device first, so its memory is free for the new upload.
        self.gpu.replace(None);
        let engine = self.engine.borrow();
        let catalog = engine.catalog();
        let status = match backend::decide(choice, catalog.len(), catalog.dim()) {
            Decision::Cpu(status) => status,
            Decision::TryGpu { auto } => match self.start_gpu(catalog, auto, max_chunk_bytes).await
            {
                Ok(status) | Err(status) => status,
            },
        };
        drop(engine);
        self.status.replace(status.clone());
        Ok(status)
    }

    async fn start_gpu(
        self: &Rc<Self>,
        catalog: &Catalog,
        auto: bool,
        max_chunk_bytes: Option<u64>,
    ) -> Result<BackendStatus, BackendStatus> {
        let choice = if auto {
            BackendChoice::Auto
        } else {
            BackendChoice::Webgpu
        };
        let options = StartOptions {
            max_chunk_bytes,
            refuse_software: auto,
        };
        let scorer = match GpuScorer::start(catalog, options).await {
            Ok(scorer) => scorer,
            Err(StartError::Software { adapter }) => {
                let reason = format!(
                    "the only WebGPU adapter ({adapter}) is a software renderer, slower than simd128"
                );
                return Ok(BackendStatus {
                    adapter: Some(adapter),
                    ..backend::on_cpu(choice, reason)
                });
            }
            Err(StartError::NoDevice(why)) => {
                return Err(backend::fell_back(choice, why.to_string(), None))
            }
            Err(StartError::Failed { adapter, error }) => {
                return Err(backend::fell_back(choice, error.to_string(), Some(adapter)))
            }
        };
        let adapter = scorer.adapter().to_string();
        let int8 = match (catalog.dtype(), scorer.i8_dot()) {
            (shopwindow::VectorDtype::I8, I8Dot::Packed) => "; int8 lanes by dot4I8Packed",
            (shopwindow::VectorDtype::I8, I8Dot::Unpacked) => "; int8 lanes unpacked",
            _ => "",
        };
        let status = BackendStatus {
            requested: choice.as_str().into(),
            backend: "webgpu".into(),
            reason: if auto {
                format!(
                    "auto: GPU adapter {adapter} and {} items × {} dims{int8}",
                    catalog.len(),
                    catalog.dim()
                )
            } else {
                format!("requested; GPU adapter {adapter}{int8}")
            },
            fallback: false,
            adapter: Some(adapter),
            chunks: Some(scorer.chunk_count()),
        };
        let scorer = Rc::new(scorer);
        self.watch_loss(&scorer);
        self.gpu.replace(Some(scorer));
        Ok(status)
    }

    /// Falls back as soon as the device is lost, not at the next request, so the page
    /// hears of it (`onfallback`, `backendStatus`) when it happens. Holds neither the
    /// recommender nor the scorer alive; dropping the scorer destroys its device, which
    /// resolves `lost` and ends this task.
    fn watch_loss(self: &Rc<Self>, scorer: &Rc<GpuScorer>) {
        let shared = Rc::downgrade(self);
        let watched = Rc::downgrade(scorer);
        let lost = scorer.lost();
        js_sys::futures::spawn_local(async move {
            let why = lost.await;
            if let (Some(shared), Some(scorer)) = (shared.upgrade(), watched.upgrade()) {
                shared.fall_back(&scorer, why);
            }
        });
    }

    /// Runs `plan` on the GPU when there is one that can, on the CPU otherwise; returns
    /// the result and the name of the backend that produced it.
    async fn scan(&self, engine: &Engine, plan: &ScanPlan<'_>) -> (ScanResult, &'static str) {
        let gpu = self.gpu.borrow().clone();
        if let Some(gpu) = gpu.filter(|_| GpuScorer::supports(plan)) {
            // The GPU scores every item alike: items with a term of their own (the hybrid
            // model's neighbour candidates) are scored on the host and merged.
            let (dense, merge) = plan.dense(engine);
            match gpu.scan(&dense).await {
                Ok(result) => return (merge.apply(result), "webgpu"),
                Err(why) => self.fall_back(&gpu, why.to_string()),
            }
        }
        (engine.run_scan(plan), engine.backend().name())
    }

    /// Gives up on `failed` (unless a newer choice already replaced it) and tells the page.
    fn fall_back(&self, failed: &Rc<GpuScorer>, why: String) {
        let current = self.gpu.borrow().clone();
        if !current.is_some_and(|g| Rc::ptr_eq(&g, failed)) {
            return;
        }
        self.gpu.replace(None);
        let previous = self.status.borrow().clone();
        let choice = BackendChoice::parse(&previous.requested).unwrap_or_default();
        let status = backend::fell_back(choice, why, previous.adapter);
        self.status.replace(status.clone());
        let callback = self.on_fallback.borrow().clone();
        if let (Some(callback), Ok(value)) = (callback, to_js(&status)) {
            // The page's handler failing is the page's business, not the request's.
            let _ = callback.call1(&JsValue::NULL, &value);
        }
    }
}

#[wasm_bindgen]
impl Recommender {
    /// Validates `catalog` and picks a backend: `await Recommender.create(bytes,
    /// { backend: "auto" })`. Never rejects because of the GPU: read `backendStatus`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Recommender>")]
    pub fn create(
        catalog: Vec<u8>,
        #[wasm_bindgen(unchecked_param_type = "BackendOptions | undefined")] options: JsValue,
    ) -> Promise {
        let (choice, chunk) = match backend_options(&options) {
            Ok(options) => options,
            Err(e) => return rejected(e),
        };
        let recommender = match Recommender::new(catalog) {
            Ok(r) => r,
            Err(e) => return rejected(e),
        };
        promise(async move {
            let choice = choice.unwrap_or_default();
            recommender.shared.select(choice, chunk).await?;
            Ok(recommender.into())
        })
    }

    /// Switches backend ("auto", "webgpu", "simd" or "scalar"); resolves to the new
    /// `backendStatus`. Also the way to retry WebGPU after a fallback.
    #[wasm_bindgen(js_name = setBackendAsync, unchecked_return_type = "Promise<BackendStatus>")]
    pub fn set_backend_async(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BackendChoice")] backend: &str,
        #[wasm_bindgen(unchecked_param_type = "BackendOptions | undefined")] options: JsValue,
    ) -> Promise {
        let choice = match BackendChoice::parse(backend) {
            Ok(choice) => choice,
            Err(e) => return rejected(JsError::new(&e)),
        };
        // `backend` is the first argument; the options may only add `maxChunkBytes`.
        let chunk = match backend_options(&options) {
            Ok((None, chunk)) => chunk,
            Ok((Some(_), _)) => {
                return rejected(JsError::new(
                    "invalid backend options: the backend is the first argument",
                ))
            }
            Err(e) => return rejected(e),
        };
        let shared = self.shared.clone();
        promise(async move {
            let status = shared.select(choice, chunk).await?;
            Ok(to_js(&status)?)
        })
    }

    /// Called with the new `backendStatus` when WebGPU fails and the CPU takes over.
    #[wasm_bindgen(setter)]
    pub fn set_onfallback(
        &self,
        #[wasm_bindgen(unchecked_param_type = "((status: BackendStatus) => void) | null")]
        callback: Option<js_sys::Function>,
    ) {
        self.shared.on_fallback.replace(callback);
    }

    /// `recommend`, scored on the GPU when the backend is "webgpu" (`interestLabels` as in
    /// `recommend`).
    #[wasm_bindgen(js_name = recommendAsync, unchecked_return_type = "Promise<Recommendations>")]
    pub fn recommend_async(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecommendOptions | undefined")] options: JsValue,
        #[wasm_bindgen(js_name = interestLabels)] interest_labels: Option<Vec<u8>>,
    ) -> Promise {
        // The history is required here (the sync `recommend` takes a missing one as empty).
        let parsed = crate::required_from_js(history, "history", read::history).and_then(|h| {
            let options = from_js(options, "recommend options", read::recommend_options)?;
            Ok((h, with_clock(options)))
        });
        let (history, options) = match parsed {
            Ok(p) => p,
            Err(e) => return rejected(e),
        };
        let shared = self.shared.clone();
        // See `Shared::select` on holding the engine across the GPU wait.
        #[allow(clippy::await_holding_refcell_ref)]
        promise(async move {
            let engine = shared.engine.borrow();
            let catalog = engine.catalog();
            let (events, unknown) = api::resolve_history(catalog, &history);
            let core_options =
                api::recommend_options(catalog, &options, interest_labels.as_deref())
                    .map_err(error)?;
            let plan = engine
                .plan_recommend(&events, &core_options)
                .map_err(error)?;
            // Each scan on the GPU when it can; "webgpu" only if every scan ran there (a
            // plan answered without scanning reports the CPU backend).
            let mut results = Vec::with_capacity(plan.scans().len());
            let mut backend = engine.backend().name();
            for (i, scan) in plan.scans().iter().enumerate() {
                let (result, used) = shared.scan(&engine, scan).await;
                if i == 0 || used != "webgpu" {
                    backend = used;
                }
                results.push(result);
            }
            let result = engine.complete(plan, results);
            Ok(to_js(&api::recommendations(
                catalog, &result, unknown, backend,
            ))?)
        })
    }

    /// `similar`, scored on the GPU when the backend is "webgpu".
    #[wasm_bindgen(js_name = similarAsync, unchecked_return_type = "Promise<SimilarItems>")]
    pub fn similar_async(
        &self,
        #[wasm_bindgen(js_name = itemId)] item_id: String,
        #[wasm_bindgen(unchecked_param_type = "SimilarOptions | undefined")] options: JsValue,
    ) -> Promise {
        let mut options: dto::SimilarOptions =
            match from_js(options, "similar options", read::similar_options) {
                Ok(options) => options,
                Err(e) => return rejected(e),
            };
        rules_clock(options.rules.as_ref(), &mut options.now);
        let shared = self.shared.clone();
        // See `Shared::select` on holding the engine across the GPU wait.
        #[allow(clippy::await_holding_refcell_ref)]
        promise(async move {
            let engine = shared.engine.borrow();
            let catalog = engine.catalog();
            let (item, core_options) =
                api::similar_options(catalog, &item_id, &options).map_err(error)?;
            let plan = engine.plan_similar(item, &core_options).map_err(error)?;
            let (scan, backend) = shared.scan(&engine, &plan).await;
            let items: Vec<Scored> = engine
                .finish(&plan, scan)
                .into_iter()
                .map(|r| Scored {
                    index: r.index,
                    score: r.score,
                })
                .collect();
            Ok(to_js(&api::similar_items(catalog, &items, backend))?)
        })
    }
}

impl Recommender {
    /// The WebGPU device in use, if any: for tests that simulate its loss.
    #[doc(hidden)]
    pub fn gpu_device(&self) -> Option<shopwindow_webgpu::GpuDevice> {
        self.shared
            .gpu
            .borrow()
            .as_ref()
            .map(|g| g.device().clone())
    }
}
