//! The WebGPU scan: the catalog uploaded once (in chunks that fit the device's limits), then
//! per request one compute pass that scores, filters and keeps each workgroup's best
//! candidates, and a read-back of those candidates only, merged on the CPU.

use std::cell::{Cell, RefCell};
use std::future::Future;

use js_sys::Uint32Array;
use shopwindow::recommend::{ScanColumn, ScanPlan};
use shopwindow::topk::ScanResult;
use shopwindow::Recommender;
use web_sys::{
    gpu_buffer_usage as usage, GpuAutoLayoutMode, GpuBindGroupDescriptor, GpuBindGroupEntry,
    GpuBindGroupLayout, GpuBuffer, GpuBufferBinding, GpuBufferDescriptor, GpuComputePipeline,
    GpuComputePipelineDescriptor, GpuDevice, GpuErrorFilter, GpuProgrammableStage, GpuQueue,
    GpuShaderModuleDescriptor,
};

use crate::device::{self, js_message, Device};
use crate::layout::{self, Chunk, PARAMS_BYTES, PARAMS_STRIDE};
use crate::shaders;
use crate::wire::{self, CatalogSource, ScanRequest, Shape, Source};
use crate::{GpuError, StartError};

/// Per-item columns kept on the GPU: the two a catalog has (inverse norms, popularity term).
const COLUMNS_KEPT: usize = 2;

thread_local! {
    static BREAK_SHADERS: Cell<bool> = const { Cell::new(false) };
}

/// Makes later pipelines fail to compile: lets the browser tests check the fallback on a
/// shader or pipeline error, which a correct build never has.
#[doc(hidden)]
pub fn break_shaders_for_tests(broken: bool) {
    BREAK_SHADERS.with(|b| b.set(broken));
}

/// The buffers of one chunk, uploaded once.
struct ChunkBuffers {
    vectors: GpuBuffer,
    columns: GpuBuffer,
}

/// A per-item column (the inverse norms `similar` multiplies by, or the hybrid model's
/// popularity term a recommendation adds), uploaded on first use.
struct Weights {
    column: ScanColumn,
    chunks: Vec<GpuBuffer>,
}

/// How [`GpuScorer::start`] may use the device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StartOptions {
    /// Lowers the chunk size below the device's limit (tests use it to force chunking
    /// without allocating GiBs).
    pub max_chunk_bytes: Option<u64>,
    /// Give up on a software adapter (SwiftShader, WARP, …), which is correct but slower
    /// than SIMD128, before uploading anything.
    pub refuse_software: bool,
}

/// A catalog on a WebGPU device, ready to scan. Dropping it frees the GPU memory and
/// destroys the device.
pub struct GpuScorer {
    device: Device,
    queue: GpuQueue,
    pipeline: GpuComputePipeline,
    layout: GpuBindGroupLayout,
    dim: usize,
    chunks: Vec<Chunk>,
    buffers: Vec<ChunkBuffers>,
    /// At most [`COLUMNS_KEPT`] columns, most recently used last.
    weights: RefCell<Vec<Weights>>,
    /// Bound as the weights of requests without any (every binding must have a buffer).
    no_weights: GpuBuffer,
}

impl GpuScorer {
    /// Gets a device, compiles the pipeline for the catalog's vector type and uploads the
    /// catalog of `shape`, chunk by chunk, from `source`.
    pub async fn start(
        shape: Shape,
        source: &dyn Source,
        options: StartOptions,
    ) -> Result<GpuScorer, StartError> {
        let device = device::acquire()
            .await
            .map_err(|why| StartError::NoDevice(why.into()))?;
        let adapter = device.adapter.clone();
        if options.refuse_software && device.software {
            device.device.destroy();
            return Err(StartError::Software { adapter });
        }
        GpuScorer::new(device, shape, source, options.max_chunk_bytes)
            .await
            .map_err(|why| StartError::Failed {
                adapter,
                error: why.into(),
            })
    }

    /// The rest of [`GpuScorer::start`], once there is a device.
    async fn new(
        device: Device,
        shape: Shape,
        source: &dyn Source,
        max_chunk_bytes: Option<u64>,
    ) -> Result<GpuScorer, String> {
        let gpu = &device.device;
        let dtype = layout::gpu_dtype(shape.dtype);
        let dim = shape.dim;
        let mut wgsl = shaders::module(dtype, device.i8_dot);
        if BREAK_SHADERS.with(Cell::get) {
            wgsl.push_str("\nthis is not WGSL");
        }
        let module = gpu.create_shader_module(&GpuShaderModuleDescriptor::new(&wgsl));
        let stage = GpuProgrammableStage::new(&module);
        stage.set_entry_point("main");
        let descriptor = GpuComputePipelineDescriptor::new_with_gpu_auto_layout_mode(
            GpuAutoLayoutMode::Auto,
            &stage,
        );
        // The async form reports shader and pipeline errors as a rejection we can answer.
        let pipeline: GpuComputePipeline = gpu
            .create_compute_pipeline_async(&descriptor)
            .await
            .map_err(|e| format!("the WebGPU pipeline failed: {}", js_message(&e)))?;
        let layout = pipeline.get_bind_group_layout(0);

        let limit =
            max_chunk_bytes.map_or(device.max_buffer_bytes, |m| m.min(device.max_buffer_bytes));
        let per_chunk = layout::chunk_items(dtype, dim, limit)?;
        let chunks = Chunk::layout(layout::chunk_ranges(shape.items, per_chunk));

        gpu.push_error_scope(GpuErrorFilter::OutOfMemory);
        gpu.push_error_scope(GpuErrorFilter::Validation);
        let queue = gpu.queue();
        let mut buffers = Vec::with_capacity(chunks.len());
        for chunk in &chunks {
            let vectors = source.rows(chunk.items.clone())?;
            let columns = source.columns(chunk.items.clone())?;
            // Rows padded to a whole word, as `layout::vector_bytes` lays them out.
            let expected = (chunk.items.len() * layout::row_bytes(dtype, dim)).next_multiple_of(4);
            if vectors.len() != expected || columns.len() != chunk.items.len() * 4 {
                return Err(format!(
                    "the engine sent {} bytes of rows and {} column words for {} items",
                    vectors.len(),
                    columns.len(),
                    chunk.items.len()
                ));
            }
            buffers.push(ChunkBuffers {
                vectors: upload(gpu, &queue, &vectors)?,
                columns: upload(gpu, &queue, bytemuck::cast_slice(&columns))?,
            });
        }
        let no_weights = upload(gpu, &queue, &[0; 4])?;
        check_scope(gpu, "uploading the catalog").await?;
        check_scope(gpu, "uploading the catalog").await?;
        Ok(GpuScorer {
            queue,
            pipeline,
            layout,
            dim,
            chunks,
            buffers,
            weights: RefCell::new(Vec::new()),
            no_weights,
            device,
        })
    }

    /// The adapter: "vendor architecture", or its description.
    pub fn adapter(&self) -> &str {
        &self.device.adapter
    }

    /// Whether the adapter is a software renderer (timings mean little there).
    pub fn is_software(&self) -> bool {
        self.device.software
    }

    /// GPU buffers the catalog was split into.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// How int8 lanes are multiplied on this device.
    pub fn i8_dot(&self) -> shaders::I8Dot {
        self.device.i8_dot
    }

    /// Resolves with a message when the device is lost, or destroyed (dropping the scorer
    /// does that). Holds the device's `lost` promise only, not the scorer, so waiting on
    /// it keeps nothing alive.
    pub fn lost(&self) -> impl Future<Output = String> + 'static {
        let lost = self.device.device.lost();
        async move {
            match lost.await {
                Ok(info) if !info.message().is_empty() => {
                    format!("the GPU device was lost: {}", info.message())
                }
                _ => "the GPU device was lost".to_string(),
            }
        }
    }

    /// The device, for tests that simulate its loss.
    #[doc(hidden)]
    pub fn device(&self) -> &GpuDevice {
        &self.device.device
    }

    /// Runs `plan` on the GPU where it can and on `engine`'s CPU backend otherwise: the
    /// same result as `Recommender::run_scan`, with scores equal to rounding. For code that
    /// holds both the engine and the scorer (the tests, the benchmark); the WebGPU module
    /// goes through [`GpuScorer::scan`] and the engine's half of `wire`.
    pub async fn run(
        &self,
        engine: &Recommender,
        plan: &ScanPlan<'_>,
    ) -> Result<ScanResult, GpuError> {
        let (dense, merge) = plan.dense(engine);
        let Some(request) = ScanRequest::of(&dense, engine.catalog().dtype()) else {
            return Ok(engine.run_scan(plan));
        };
        let words = self.scan(&request, &CatalogSource(engine)).await?;
        let result = wire::scan_result(&words, request.pool, request.log_partition())?;
        Ok(merge.apply(result))
    }

    /// Runs `request`: the read-back words [`wire::scan_result`] turns into the scan's
    /// result. A per-item column the request reads comes from `source` on first use.
    pub async fn scan(
        &self,
        request: &ScanRequest,
        source: &dyn Source,
    ) -> Result<Vec<u32>, GpuError> {
        let gpu = &self.device.device;
        let k = request.pool;
        let log_partition = request.log_partition();
        let weights = match request.column() {
            Some(column) => Some(self.weight_buffers(column, source)?),
            None => None,
        };
        let request = &request.request;

        gpu.push_error_scope(GpuErrorFilter::Validation);
        let request_buffer = upload(gpu, &self.queue, bytemuck::cast_slice(&request.words))?;
        let groups: usize = self.chunks.iter().map(Chunk::workgroups).sum();
        let mut params = vec![0u8; PARAMS_STRIDE * self.chunks.len()];
        for (i, chunk) in self.chunks.iter().enumerate() {
            params[i * PARAMS_STRIDE..i * PARAMS_STRIDE + PARAMS_BYTES]
                .copy_from_slice(&request.params(chunk, self.dim, k, groups));
        }
        let params_buffer = create(gpu, params.len(), usage::UNIFORM | usage::COPY_DST)?;
        write(&self.queue, &params_buffer, &params)?;
        let lse_pairs = if log_partition { groups } else { 0 };
        let out_bytes = ((groups * k + lse_pairs) * 8).max(8);
        let out = create(gpu, out_bytes, usage::STORAGE | usage::COPY_SRC)?;
        let readback = create(gpu, out_bytes, usage::MAP_READ | usage::COPY_DST)?;

        let encoder = gpu.create_command_encoder();
        let pass = encoder.begin_compute_pass();
        pass.set_pipeline(&self.pipeline);
        for (i, (chunk, buffers)) in self.chunks.iter().zip(&self.buffers).enumerate() {
            let params_binding = GpuBufferBinding::new(&params_buffer);
            params_binding.set_offset((i * PARAMS_STRIDE) as u32);
            params_binding.set_size(PARAMS_BYTES as u32);
            let weight_buffer = weights.as_ref().map_or(&self.no_weights, |w| &w[i]);
            let entries = [
                GpuBindGroupEntry::new_with_gpu_buffer_binding(0, &params_binding),
                GpuBindGroupEntry::new_with_gpu_buffer(1, &request_buffer),
                GpuBindGroupEntry::new_with_gpu_buffer(2, &buffers.vectors),
                GpuBindGroupEntry::new_with_gpu_buffer(3, &buffers.columns),
                GpuBindGroupEntry::new_with_gpu_buffer(4, weight_buffer),
                GpuBindGroupEntry::new_with_gpu_buffer(5, &out),
            ];
            let group = gpu.create_bind_group(&GpuBindGroupDescriptor::new(&entries, &self.layout));
            pass.set_bind_group(0, Some(&group));
            pass.dispatch_workgroups(chunk.workgroups() as u32);
        }
        pass.end();
        encoder
            .copy_buffer_to_buffer(&out, &readback)
            .map_err(|e| format!("copying the candidates failed: {}", js_message(&e)))?;
        self.queue.submit(&[encoder.finish()]);
        let validation = gpu.pop_error_scope();

        let mapped = readback.map_async(web_sys::gpu_map_mode::READ).await;
        let scope = validation.await;
        let result = match (mapped, scope) {
            (_, Ok(error)) if error.as_option().is_some() => Err(format!(
                "the WebGPU scan failed: {}",
                error.into_option().map(|e| e.message()).unwrap_or_default()
            )),
            (Err(e), _) => Err(format!(
                "reading the WebGPU results failed: {}",
                js_message(&e)
            )),
            (_, Err(e)) => Err(format!("the WebGPU scan failed: {}", js_message(&e))),
            (Ok(_), Ok(_)) => readback
                .get_mapped_range()
                .map(|range| Uint32Array::new(&range).to_vec())
                .map_err(|e| format!("reading the WebGPU results failed: {}", js_message(&e))),
        };
        for buffer in [&request_buffer, &params_buffer, &out, &readback] {
            buffer.destroy();
        }
        let words = result?;
        // The read-back is padded to at least two words; keep what the scan wrote, after
        // the count of workgroups that wrote it.
        let written = (groups * k * 2 + 2 * lse_pairs).min(words.len());
        let mut out = Vec::with_capacity(written + 1);
        out.push(groups as u32);
        out.extend_from_slice(&words[..written]);
        Ok(out)
    }

    fn weight_buffers(
        &self,
        column: ScanColumn,
        source: &dyn Source,
    ) -> Result<Vec<GpuBuffer>, String> {
        let mut cached = self.weights.borrow_mut();
        if let Some(at) = cached.iter().position(|w| w.column == column) {
            let hit = cached.remove(at);
            let chunks = hit.chunks.clone();
            cached.push(hit);
            return Ok(chunks);
        }
        let weights = source.scan_column(column)?;
        let items = self.chunks.last().map_or(0, |c| c.items.end);
        if weights.len() != items {
            return Err(format!(
                "the engine sent a column of {} values for {items} items",
                weights.len()
            ));
        }
        let chunks = self
            .chunks
            .iter()
            .map(|c| {
                upload(
                    &self.device.device,
                    &self.queue,
                    bytemuck::cast_slice(&weights[c.items.clone()]),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        if cached.len() == COLUMNS_KEPT {
            // Not destroyed: a scan in flight may still read it; the GPU frees it after.
            cached.remove(0);
        }
        cached.push(Weights {
            column,
            chunks: chunks.clone(),
        });
        Ok(chunks)
    }
}

impl Drop for GpuScorer {
    /// Frees the catalog's GPU memory now rather than whenever JS collects the buffers.
    fn drop(&mut self) {
        for b in &self.buffers {
            b.vectors.destroy();
            b.columns.destroy();
        }
        for w in self.weights.get_mut().iter() {
            w.chunks.iter().for_each(GpuBuffer::destroy);
        }
        self.no_weights.destroy();
        // Nothing else uses the device; destroying it also ends the `lost` watchers.
        self.device.device.destroy();
    }
}

fn create(gpu: &GpuDevice, bytes: usize, usage: u32) -> Result<GpuBuffer, String> {
    gpu.create_buffer(&GpuBufferDescriptor::new_with_f64(bytes as f64, usage))
        .map_err(|e| {
            format!(
                "creating a GPU buffer of {bytes} bytes failed: {}",
                js_message(&e)
            )
        })
}

fn write(queue: &GpuQueue, buffer: &GpuBuffer, bytes: &[u8]) -> Result<(), String> {
    queue
        .write_buffer_with_u32_and_u8_slice(buffer, 0, bytes)
        .map_err(|e| format!("writing a GPU buffer failed: {}", js_message(&e)))
}

/// A read-only storage buffer holding `bytes` (a whole number of words, not empty).
fn upload(gpu: &GpuDevice, queue: &GpuQueue, bytes: &[u8]) -> Result<GpuBuffer, String> {
    let buffer = create(gpu, bytes.len(), usage::STORAGE | usage::COPY_DST)?;
    write(queue, &buffer, bytes)?;
    Ok(buffer)
}

/// Pops an error scope and turns a captured error into ours.
async fn check_scope(gpu: &GpuDevice, doing: &str) -> Result<(), String> {
    match gpu.pop_error_scope().await {
        Ok(error) => match error.into_option() {
            None => Ok(()),
            Some(e) => Err(format!("{doing} failed: {}", e.message())),
        },
        Err(e) => Err(format!("{doing} failed: {}", js_message(&e))),
    }
}
