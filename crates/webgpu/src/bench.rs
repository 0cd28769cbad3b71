//! A WebGPU row for the in-browser benchmark (`--features bench`): [`webgpu_top_k`] times
//! the GPU scan against the CPU's; `crates/web/tests/gpu.rs` checks that it runs. On SwiftShader (headless
//! Chromium here) the timings only show that the path works; GPU figures need a real GPU.

use shopwindow::profile::{Event, EventKind};
use shopwindow::recommend::{RecommendOptions, RecommendPlan};
use shopwindow::{Catalog, Recommender};
use wasm_bindgen::{JsCast, JsValue};

use crate::wire::{CatalogSource, ScanRequest, Shape};
use crate::{GpuScorer, StartOptions};

/// One benchmark row: WebGPU scan times, and the CPU's (SIMD128) on the same request.
#[derive(Debug, Clone)]
pub struct GpuBenchRow {
    /// "vendor architecture" of the adapter.
    pub adapter: String,
    /// A software adapter (SwiftShader): timings are functional only.
    pub software: bool,
    /// GPU buffers the catalog was split into.
    pub chunks: usize,
    /// Pipeline creation + catalog upload, once, in ms.
    pub setup_ms: f64,
    /// Each timed scan (score + filter + per-workgroup top-k + read-back + merge), in ms.
    pub gpu_ms: Vec<f64>,
    /// The same scan on the CPU backend (`Backend::best()`, SIMD128 in the browser), in ms.
    pub cpu_ms: Vec<f64>,
    /// Whether the GPU's top-k ids equal the CPU's (they must; a false here is a bug).
    pub same_ids: bool,
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

impl GpuBenchRow {
    pub fn gpu_median_ms(&self) -> f64 {
        median(&self.gpu_ms)
    }

    pub fn cpu_median_ms(&self) -> f64 {
        median(&self.cpu_ms)
    }
}

/// `performance.now()`, falling back to `Date.now()`.
fn now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .unwrap_or(JsValue::UNDEFINED);
    let now = js_sys::Reflect::get(&performance, &"now".into()).unwrap_or(JsValue::UNDEFINED);
    match now.dyn_ref::<js_sys::Function>() {
        Some(f) => f.call0(&performance).ok().and_then(|v| v.as_f64()),
        None => None,
    }
    .unwrap_or_else(js_sys::Date::now)
}

/// Times scoring + top-`k` over the whole catalog (no filters, the history item excluded)
/// for the shopper who viewed item 0: `runs` timed scans after one warm-up, on WebGPU and
/// on the CPU. `max_chunk_bytes` as in `BackendOptions.maxChunkBytes`.
pub async fn webgpu_top_k(
    catalog: Vec<u8>,
    k: usize,
    runs: usize,
    max_chunk_bytes: Option<u64>,
) -> Result<GpuBenchRow, String> {
    let catalog = Catalog::from_bytes(catalog).map_err(|e| e.to_string())?;
    let engine = Recommender::new(catalog);
    let history = [Event {
        item: 0,
        kind: EventKind::View,
        timestamp_ms: None,
    }];
    let options = RecommendOptions {
        k,
        ..RecommendOptions::default()
    };
    let RecommendPlan::Scan(plan) = engine
        .plan_recommend(&history, &options)
        .map_err(|e| e.to_string())?
    else {
        return Err("a one-item history always scans".into());
    };
    if ScanRequest::of(&plan, engine.catalog().dtype()).is_none() {
        return Err(format!("k = {k} is more than the GPU path serves"));
    }

    let started = now_ms();
    let options = StartOptions {
        max_chunk_bytes,
        refuse_software: false,
    };
    let scorer = GpuScorer::start(Shape::of(&engine), &CatalogSource(&engine), options)
        .await
        .map_err(|e| e.to_string())?;
    let setup_ms = now_ms() - started;

    let warm = scorer
        .run(&engine, &plan)
        .await
        .map_err(|e| e.to_string())?;
    let cpu = engine.run_scan(&plan);
    let ids = |top: &[shopwindow::Scored]| top.iter().map(|s| s.index).collect::<Vec<_>>();
    let same_ids = ids(&warm.top) == ids(&cpu.top);

    let mut gpu_ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = now_ms();
        scorer
            .run(&engine, &plan)
            .await
            .map_err(|e| e.to_string())?;
        gpu_ms.push(now_ms() - t);
    }
    let mut cpu_ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = now_ms();
        std::hint::black_box(engine.run_scan(&plan));
        cpu_ms.push(now_ms() - t);
    }
    Ok(GpuBenchRow {
        adapter: scorer.adapter().to_string(),
        software: scorer.is_software(),
        chunks: scorer.chunk_count(),
        setup_ms,
        gpu_ms,
        cpu_ms,
        same_ids,
    })
}
