//! `GpuRecommender`: the engine module's `Recommender` with its scans on a GPU. Holds the
//! engine (a JS object of the other module), the scorer, the status and the fallback
//! callback; the choice between CPU and GPU is made here, the CPU backend itself is the
//! engine's.

use std::cell::RefCell;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::futures::future_to_promise;
use js_sys::Promise;
use shopwindow::recommend::ScanColumn;
use shopwindow::VectorDtype;
use shopwindow_webgpu::wire::{self, ScanRequest, Shape, Source};
use shopwindow_webgpu::{js_message, GpuScorer, I8Dot, StartError, StartOptions};
use wasm_bindgen::prelude::*;

use crate::Status;

#[wasm_bindgen(typescript_custom_section)]
const ENGINE_TYPES: &str = r#"
import type { Recommender as Engine, BackendStatus, BackendOptions, BackendChoice, HistoryEvent, RecommendOptions, Recommendations, SimilarOptions, SimilarItems } from './shopwindow.js';
"#;

#[wasm_bindgen]
extern "C" {
    /// The engine module's `Recommender` (`shopwindow`): the methods this module calls.
    #[wasm_bindgen(typescript_type = "Engine")]
    pub type Engine;

    #[wasm_bindgen(method, catch, js_name = setBackend)]
    fn set_backend(this: &Engine, name: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, getter, js_name = backendStatus)]
    fn backend_status(this: &Engine) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = gpuUpload)]
    fn gpu_upload(this: &Engine, part: u32, start: u32, end: u32) -> Result<Vec<u8>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = planRecommendScans)]
    fn plan_recommend_scans(
        this: &Engine,
        history: &JsValue,
        options: &JsValue,
        labels: Option<Vec<u8>>,
    ) -> Result<Vec<u32>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = planSimilarScans)]
    fn plan_similar_scans(
        this: &Engine,
        item_id: &str,
        options: &JsValue,
    ) -> Result<Vec<u32>, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn recommend(
        this: &Engine,
        history: &JsValue,
        options: &JsValue,
        labels: Option<Vec<u8>>,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn similar(this: &Engine, item_id: &str, options: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = completeScans)]
    fn complete_scans(this: &Engine, token: u32, results: Vec<u32>) -> Result<JsValue, JsValue>;
}

/// The engine as the scorer's [`Source`].
struct EngineSource<'a>(&'a Engine);

impl EngineSource<'_> {
    fn part(&self, part: u32, items: Range<usize>) -> Result<Vec<u8>, String> {
        // Catalogs index items with `u32`.
        self.0
            .gpu_upload(part, items.start as u32, items.end as u32)
            .map_err(|e| js_message(&e))
    }

    fn shape(&self) -> Result<Shape, String> {
        Shape::decode(&wire::words_of(&self.part(wire::PART_SHAPE, 0..0)?))
    }
}

impl Source for EngineSource<'_> {
    fn rows(&self, items: Range<usize>) -> Result<Vec<u8>, String> {
        self.part(wire::PART_ROWS, items)
    }

    fn columns(&self, items: Range<usize>) -> Result<Vec<u32>, String> {
        Ok(wire::words_of(&self.part(wire::PART_COLUMNS, items)?))
    }

    fn scan_column(&self, column: ScanColumn) -> Result<Vec<f32>, String> {
        Ok(wire::floats_of(
            &self.part(wire::part_of_column(column), 0..0)?,
        ))
    }
}

/// Reads `BackendOptions` (`{ backend?, maxChunkBytes? }`) by hand: two fields do not earn
/// a deserializer. As everywhere in the API, an unknown field is an error.
fn backend_options(value: &JsValue) -> Result<(Option<String>, Option<u64>), JsError> {
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
                choice = Some(name);
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

fn rejected(err: JsError) -> Promise {
    Promise::reject(&JsValue::from(err))
}

struct Shared {
    engine: Engine,
    gpu: RefCell<Option<Rc<GpuScorer>>>,
    status: RefCell<Status>,
    on_fallback: RefCell<Option<js_sys::Function>>,
}

impl Shared {
    /// Applies `name`: the one place where WebGPU is tried, kept or given up. The engine
    /// checks the name and sets its CPU backend; its status says whether it would try a GPU
    /// (a fallback there: it has none), and this module tries one exactly then.
    async fn select(
        self: &Rc<Self>,
        name: &str,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Status, JsError> {
        // Drop the old device first, so its memory is free for the new upload.
        self.gpu.replace(None);
        self.engine
            .set_backend(name)
            .map_err(|e| JsError::new(&js_message(&e)))?;
        let cpu = Status::from_js(&self.engine.backend_status());
        let status = if cpu.fallback {
            match self.start_gpu(name, &cpu.backend, max_chunk_bytes).await {
                Ok(status) | Err(status) => status,
            }
        } else {
            cpu
        };
        self.status.replace(status.clone());
        Ok(status)
    }

    async fn start_gpu(
        self: &Rc<Self>,
        requested: &str,
        cpu: &str,
        max_chunk_bytes: Option<u64>,
    ) -> Result<Status, Status> {
        let shape = EngineSource(&self.engine)
            .shape()
            .map_err(|why| Status::fell_back(requested, cpu, &why, None))?;
        let auto = requested == "auto";
        let options = StartOptions {
            max_chunk_bytes,
            refuse_software: auto,
        };
        let scorer = match GpuScorer::start(shape, &EngineSource(&self.engine), options).await {
            Ok(scorer) => scorer,
            Err(StartError::Software { adapter }) => {
                return Ok(Status::software(requested, cpu, &adapter))
            }
            Err(StartError::NoDevice(why)) => {
                return Err(Status::fell_back(requested, cpu, &why.to_string(), None))
            }
            Err(StartError::Failed { adapter, error }) => {
                return Err(Status::fell_back(
                    requested,
                    cpu,
                    &error.to_string(),
                    Some(adapter),
                ))
            }
        };
        let int8 = match (shape.dtype, scorer.i8_dot()) {
            (VectorDtype::I8, I8Dot::Packed) => "; int8 lanes by dot4I8Packed",
            (VectorDtype::I8, I8Dot::Unpacked) => "; int8 lanes unpacked",
            _ => "",
        };
        let status = Status::on_gpu(
            requested,
            scorer.adapter(),
            scorer.chunk_count(),
            (shape.items, shape.dim),
            int8,
        );
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

    /// Runs one scan's request on the GPU: its read-back, or `None` where the engine
    /// scores it on the CPU (no GPU, or the GPU failed and this module fell back).
    async fn scan(&self, words: &[u32]) -> Option<Vec<u32>> {
        let gpu = self.gpu.borrow().clone()?;
        let scanned = match ScanRequest::decode(words) {
            Ok(request) => gpu
                .scan(&request, &EngineSource(&self.engine))
                .await
                .map_err(|e| e.to_string()),
            Err(why) => Err(why),
        };
        match scanned {
            Ok(readback) => Some(readback),
            Err(why) => {
                self.fall_back(&gpu, why);
                None
            }
        }
    }

    /// Runs a planned request's scans (`planned`: its token, then the framed requests) and
    /// has the engine answer it.
    async fn finish(&self, planned: Vec<u32>) -> Result<JsValue, JsValue> {
        let (&token, framed) = planned
            .split_first()
            .ok_or_else(|| JsError::new("the engine planned no request"))?;
        let slots = wire::unframe(framed).map_err(|e| JsError::new(&e))?;
        let mut results = Vec::with_capacity(slots.len());
        for slot in slots {
            results.push(match slot {
                Some(words) => self.scan(words).await,
                None => None,
            });
        }
        self.engine.complete_scans(token, wire::frame(results))
    }

    /// Gives up on `failed` (unless a newer choice already replaced it) and tells the page.
    fn fall_back(&self, failed: &Rc<GpuScorer>, why: String) {
        let current = self.gpu.borrow().clone();
        if !current.is_some_and(|g| Rc::ptr_eq(&g, failed)) {
            return;
        }
        self.gpu.replace(None);
        let previous = self.status.borrow().clone();
        let cpu = Status::from_js(&self.engine.backend_status()).backend;
        let status = Status::fell_back(&previous.requested, &cpu, &why, previous.adapter);
        let value = status.to_js();
        self.status.replace(status);
        let callback = self.on_fallback.borrow().clone();
        if let Some(callback) = callback {
            // The page's handler failing is the page's business, not the request's.
            let _ = callback.call1(&JsValue::NULL, &value);
        }
    }
}

/// An engine module's `Recommender` whose scans run on a GPU where there is one.
#[wasm_bindgen]
pub struct GpuRecommender {
    /// Shared with the futures of the async methods, which outlive a `&self` borrow.
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl GpuRecommender {
    /// Scans `engine`'s catalog on a GPU where `options.backend` ("auto" by default) says
    /// so and one is there: `await GpuRecommender.create(engine, { backend: "auto" })`. The
    /// engine stays the page's for everything that does not scan. Never rejects because
    /// of the GPU: read `backendStatus`.
    #[wasm_bindgen(unchecked_return_type = "Promise<GpuRecommender>")]
    pub fn create(
        engine: Engine,
        #[wasm_bindgen(unchecked_param_type = "BackendOptions | undefined")] options: JsValue,
    ) -> Promise {
        let (choice, chunk) = match backend_options(&options) {
            Ok(options) => options,
            Err(e) => return rejected(e),
        };
        let shared = Rc::new(Shared {
            engine,
            gpu: RefCell::new(None),
            status: RefCell::new(Status::default()),
            on_fallback: RefCell::new(None),
        });
        promise(async move {
            let name = choice.unwrap_or_else(|| "auto".into());
            shared.select(&name, chunk).await?;
            Ok(GpuRecommender { shared }.into())
        })
    }

    /// Switches backend ("auto", "webgpu", "simd" or "scalar"); resolves to the new
    /// `backendStatus`. Also the way to retry WebGPU after a fallback.
    #[wasm_bindgen(js_name = setBackendAsync, unchecked_return_type = "Promise<BackendStatus>")]
    pub fn set_backend_async(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BackendChoice")] backend: String,
        #[wasm_bindgen(unchecked_param_type = "BackendOptions | undefined")] options: JsValue,
    ) -> Promise {
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
            let status = shared.select(&backend, chunk).await?;
            Ok(status.to_js())
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

    /// The backend in use: "webgpu", "simd128" or "scalar".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.shared.status.borrow().backend.clone()
    }

    /// Which backend scores, why, and whether WebGPU fell back to the CPU.
    #[wasm_bindgen(getter, js_name = backendStatus, unchecked_return_type = "BackendStatus")]
    pub fn backend_status(&self) -> JsValue {
        self.shared.status.borrow().to_js()
    }

    /// The engine's `recommend`, its scans on the GPU when it is the backend. The history
    /// is required (the engine's sync `recommend` takes a missing one as empty).
    #[wasm_bindgen(js_name = recommendAsync, unchecked_return_type = "Promise<Recommendations>")]
    pub fn recommend_async(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecommendOptions | undefined")] options: JsValue,
        #[wasm_bindgen(js_name = interestLabels)] interest_labels: Option<Vec<u8>>,
    ) -> Promise {
        let engine = &self.shared.engine;
        // Without a GPU the engine answers at once: planning the request for scans that
        // all run on its CPU would only plan it twice. Its `recommend` takes a missing
        // history as empty; this method refuses one, through the planner's message.
        if self.on_cpu() && !(history.is_undefined() || history.is_null()) {
            return settled(engine.recommend(&history, &options, interest_labels));
        }
        self.finish(engine.plan_recommend_scans(&history, &options, interest_labels))
    }

    /// The engine's `similar`, its scan on the GPU when it is the backend.
    #[wasm_bindgen(js_name = similarAsync, unchecked_return_type = "Promise<SimilarItems>")]
    pub fn similar_async(
        &self,
        #[wasm_bindgen(js_name = itemId)] item_id: &str,
        #[wasm_bindgen(unchecked_param_type = "SimilarOptions | undefined")] options: JsValue,
    ) -> Promise {
        let engine = &self.shared.engine;
        if self.on_cpu() {
            return settled(engine.similar(item_id, &options));
        }
        self.finish(engine.plan_similar_scans(item_id, &options))
    }
}

/// A promise of the engine's answer (or of its error, for bad input).
fn settled(answer: Result<JsValue, JsValue>) -> Promise {
    match answer {
        Ok(value) => Promise::resolve(&value),
        Err(e) => Promise::reject(&e),
    }
}

impl GpuRecommender {
    /// Whether every scan would run on the engine's CPU (no GPU, or it fell back).
    fn on_cpu(&self) -> bool {
        self.shared.gpu.borrow().is_none()
    }

    fn finish(&self, planned: Result<Vec<u32>, JsValue>) -> Promise {
        let planned = match planned {
            Ok(planned) => planned,
            // Bad input: the engine's own error.
            Err(e) => return Promise::reject(&e),
        };
        let shared = self.shared.clone();
        promise(async move { shared.finish(planned).await })
    }

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
