//! The engine's half of scoring on a GPU. The WebGPU backend is a wasm module of its own
//! (`shopwindow_gpu`, the crate `shopwindow-web-gpu`), loaded only where a GPU scores; this
//! module keeps the catalog and every rule, and the WebGPU module only runs the catalog
//! scans. A request goes in two halves around its scans:
//!
//! 1. `planRecommendScans` / `planSimilarScans` read the request, plan it, keep it under a
//!    token and return the token with its scans' requests (`shopwindow_webgpu::wire`; an
//!    empty slot for a scan the GPU does not serve);
//! 2. the WebGPU module runs them and hands the read-back words to `completeScans`, which
//!    plans the kept request again (the same plan: the same inputs, the clock already
//!    read), runs the empty slots on the CPU, merges the rest and answers as `recommend` /
//!    `similar` would, with `backend: "webgpu"` when every scan ran there.
//!
//! The upload goes through one export, `gpuUpload(part, start, end)`: the catalog's shape,
//! then per chunk its rows and columns in the GPU's layout, and each scan column on first
//! use.

use std::cell::{Cell, RefCell};

use shopwindow::recommend::{RecommendPlan, ScanPlan};
use shopwindow::topk::ScanResult;
use shopwindow::Recommender as Engine;
use shopwindow_webgpu::wire::{self, CatalogSource, ScanRequest};
use wasm_bindgen::prelude::*;

use crate::{api, dto, error, from_js, read, required_from_js, rules_clock, to_js, Recommender};

/// A request waiting for its scans.
#[derive(Debug, Clone)]
pub enum Pending {
    Recommend {
        history: Vec<dto::HistoryEvent>,
        options: dto::RecommendOptions,
        labels: Option<Vec<u8>>,
    },
    Similar {
        item_id: String,
        options: dto::SimilarOptions,
    },
}

/// The answer of a completed request.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Recommendations(dto::Recommendations),
    Similar(dto::SimilarItems),
}

/// The request of one scan for the GPU, or `None` where the CPU runs it.
fn request(engine: &Engine, scan: &ScanPlan<'_>) -> Option<Vec<u32>> {
    ScanRequest::of(&scan.dense_scan(), engine.catalog().dtype()).map(|r| r.encode())
}

/// A waiting request's plan: the same each time it is made, for the same inputs.
enum Planned<'e> {
    Recommend {
        plan: RecommendPlan<'e>,
        unknown: Vec<String>,
    },
    Similar(ScanPlan<'e>),
}

fn planned<'e>(engine: &'e Engine, pending: &Pending) -> Result<Planned<'e>, String> {
    let catalog = engine.catalog();
    let planned = match pending {
        Pending::Recommend {
            history,
            options,
            labels,
        } => {
            let (events, unknown) = api::resolve_history(catalog, history);
            let core = api::recommend_options(catalog, options, labels.as_deref())
                .map_err(|e| e.to_string())?;
            let plan = engine
                .plan_recommend(&events, &core)
                .map_err(|e| e.to_string())?;
            Planned::Recommend { plan, unknown }
        }
        Pending::Similar { item_id, options } => {
            let (item, core) =
                api::similar_options(catalog, item_id, options).map_err(|e| e.to_string())?;
            Planned::Similar(
                engine
                    .plan_similar(item, &core)
                    .map_err(|e| e.to_string())?,
            )
        }
    };
    Ok(planned)
}

/// `pending`'s scans, [`wire::frame`]d: what the WebGPU module runs.
pub fn plan(engine: &Engine, pending: &Pending) -> Result<Vec<u32>, String> {
    Ok(match planned(engine, pending)? {
        Planned::Recommend { plan, .. } => {
            wire::frame(plan.scans().iter().map(|s| request(engine, s)))
        }
        Planned::Similar(plan) => wire::frame([request(engine, &plan)]),
    })
}

/// The results of `scans` from the read-backs `framed` (an empty slot runs on the CPU), and
/// the backend that produced them: "webgpu" only if every scan ran there.
fn results(
    engine: &Engine,
    scans: &[ScanPlan<'_>],
    framed: &[u32],
) -> Result<(Vec<ScanResult>, &'static str), String> {
    let slots = wire::unframe(framed)?;
    if slots.len() != scans.len() {
        return Err(format!(
            "{} scan results for a request of {} scans",
            slots.len(),
            scans.len()
        ));
    }
    let mut backend = engine.backend().name();
    let mut out = Vec::with_capacity(scans.len());
    for (i, (scan, slot)) in scans.iter().zip(slots).enumerate() {
        let (result, used) = match slot {
            Some(words) => {
                let (dense, merge) = scan.dense(engine);
                let result = wire::scan_result(words, dense.pool, dense.log_partition)?;
                (merge.apply(result), "webgpu")
            }
            None => (engine.run_scan(scan), engine.backend().name()),
        };
        if i == 0 || used != "webgpu" {
            backend = used;
        }
        out.push(result);
    }
    Ok((out, backend))
}

/// `pending` answered with its scans' read-backs (`framed`, as [`plan`] framed them).
pub fn complete(engine: &Engine, pending: &Pending, framed: &[u32]) -> Result<Answer, String> {
    let catalog = engine.catalog();
    match planned(engine, pending)? {
        Planned::Recommend { plan, unknown } => {
            let (scans, backend) = results(engine, plan.scans(), framed)?;
            let result = engine.complete(plan, scans);
            Ok(Answer::Recommendations(api::recommendations(
                catalog, &result, unknown, backend,
            )))
        }
        Planned::Similar(plan) => {
            let (mut scans, backend) = results(engine, std::slice::from_ref(&plan), framed)?;
            let items: Vec<shopwindow::Scored> = engine
                .finish(&plan, scans.remove(0))
                .into_iter()
                .map(|r| shopwindow::Scored {
                    index: r.index,
                    score: r.score,
                })
                .collect();
            Ok(Answer::Similar(api::similar_items(
                catalog, &items, backend,
            )))
        }
    }
}

/// Requests planned and not yet completed, oldest first. A WebGPU module completes every
/// request it plans (on the CPU when its GPU fails); the bound only keeps a caller that
/// never does from growing the list.
#[derive(Debug, Default)]
pub struct PendingRequests {
    next: Cell<u32>,
    waiting: RefCell<Vec<(u32, Pending)>>,
}

/// Requests kept at most.
const MAX_PENDING: usize = 64;

impl PendingRequests {
    fn keep(&self, pending: Pending) -> u32 {
        let token = self.next.get();
        self.next.set(token.wrapping_add(1));
        let mut waiting = self.waiting.borrow_mut();
        if waiting.len() == MAX_PENDING {
            waiting.remove(0);
        }
        waiting.push((token, pending));
        token
    }

    fn take(&self, token: u32) -> Option<Pending> {
        let mut waiting = self.waiting.borrow_mut();
        let at = waiting.iter().position(|(t, _)| *t == token)?;
        Some(waiting.remove(at).1)
    }
}

#[wasm_bindgen]
impl Recommender {
    /// What the WebGPU module uploads, as little-endian bytes: `part` 0 the catalog's
    /// shape, 1 the rows of items `start..end` in the GPU's layout, 2 their per-item
    /// columns (category, price, availability, scale), 3 and 4 the scan columns (inverse
    /// norms, popularity term) of every item (`shopwindow_webgpu::wire::PART_*`).
    #[wasm_bindgen(js_name = gpuUpload)]
    pub fn gpu_upload(&self, part: u32, start: u32, end: u32) -> Result<Vec<u8>, JsError> {
        CatalogSource(&self.engine())
            .part(part, start as usize..end as usize)
            .map_err(error)
    }

    /// Plans `recommend(history, options, interestLabels)` for the WebGPU module: the
    /// request's token, then its scans (see the module's documentation). Throws for bad
    /// input with `recommend`'s messages.
    #[wasm_bindgen(js_name = planRecommendScans)]
    pub fn plan_recommend_scans(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HistoryEvent[]")] history: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecommendOptions | undefined")] options: JsValue,
        #[wasm_bindgen(js_name = interestLabels)] interest_labels: Option<Vec<u8>>,
    ) -> Result<Vec<u32>, JsError> {
        // The history is required here, as in the WebGPU module's `recommendAsync`.
        let history = required_from_js(history, "history", read::history)?;
        let options = crate::with_clock(from_js(
            options,
            "recommend options",
            read::recommend_options,
        )?);
        self.plan_scans(Pending::Recommend {
            history,
            options,
            labels: interest_labels,
        })
    }

    /// Plans `similar(itemId, options)` for the WebGPU module, as `planRecommendScans`.
    #[wasm_bindgen(js_name = planSimilarScans)]
    pub fn plan_similar_scans(
        &self,
        #[wasm_bindgen(js_name = itemId)] item_id: String,
        #[wasm_bindgen(unchecked_param_type = "SimilarOptions | undefined")] options: JsValue,
    ) -> Result<Vec<u32>, JsError> {
        let mut options: dto::SimilarOptions =
            from_js(options, "similar options", read::similar_options)?;
        rules_clock(options.rules.as_ref(), &mut options.now);
        self.plan_scans(Pending::Similar { item_id, options })
    }

    /// Answers the request `token` with its scans' read-backs (an empty slot: score it on
    /// the CPU), as `recommend` or `similar` would.
    #[wasm_bindgen(js_name = completeScans, unchecked_return_type = "Recommendations | SimilarItems")]
    pub fn complete_scans(&self, token: u32, results: Vec<u32>) -> Result<JsValue, JsError> {
        let pending = self
            .pending
            .take(token)
            .ok_or_else(|| JsError::new(&format!("no request {token} is waiting for its scans")))?;
        match complete(&self.engine(), &pending, &results).map_err(error)? {
            Answer::Recommendations(answer) => to_js(&answer),
            Answer::Similar(answer) => to_js(&answer),
        }
    }
}

impl Recommender {
    fn plan_scans(&self, pending: Pending) -> Result<Vec<u32>, JsError> {
        let scans = plan(&self.engine(), &pending).map_err(error)?;
        let token = self.pending.keep(pending);
        let mut out = Vec::with_capacity(scans.len() + 1);
        out.push(token);
        out.extend(scans);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopwindow::VectorDtype;

    fn json(text: &str) -> shopwindow::json::Value {
        shopwindow::json::parse(text).unwrap()
    }

    fn engine() -> Engine {
        let bytes = shopwindow_testkit::fixtures::golden_catalog(VectorDtype::F32);
        Engine::new(shopwindow::Catalog::from_bytes(bytes).unwrap())
    }

    fn recommend_request(k: u32) -> Pending {
        let options: dto::RecommendOptions =
            read::recommend_options(&json(&format!("{{\"k\": {k}}}"))).unwrap();
        Pending::Recommend {
            history: read::history(&json(r#"[{ "itemId": "sku-0003", "type": "view" }]"#)).unwrap(),
            options,
            labels: None,
        }
    }

    /// The GPU's read-back for each of `pending`'s scans, made from `top` (index, score):
    /// one workgroup holding that list.
    fn readback(engine: &Engine, pending: &Pending, top: &[(u32, f32)]) -> Vec<u32> {
        let framed = plan(engine, pending).unwrap();
        let slots = wire::unframe(&framed).unwrap();
        wire::frame(slots.into_iter().map(|slot| {
            let request = ScanRequest::decode(slot?).unwrap();
            let mut words = vec![1];
            for slot in 0..request.pool {
                match top.get(slot) {
                    Some(&(index, score)) => words.extend([order_key(score), index]),
                    None => words.extend([0, shopwindow_webgpu::layout::NO_ITEM]),
                }
            }
            if request.log_partition() {
                words.extend([0.0f32.to_bits(), 1.0f32.to_bits()]);
            }
            Some(words)
        }))
    }

    /// The GPU's sort key of a score (`order_key` in topk.wgsl).
    fn order_key(score: f32) -> u32 {
        let bits = score.to_bits();
        if bits & 0x8000_0000 != 0 {
            !bits
        } else {
            bits | 0x8000_0000
        }
    }

    #[test]
    fn a_request_completed_with_empty_slots_is_the_cpu_answer() {
        let engine = engine();
        let pending = recommend_request(5);
        let framed = plan(&engine, &pending).unwrap();
        let slots = wire::unframe(&framed).unwrap();
        assert_eq!(slots.len(), 1);
        assert!(
            slots[0].is_some(),
            "a one-item history is served on the GPU"
        );
        let cpu = wire::frame(slots.iter().map(|_| None));
        let Answer::Recommendations(answer) = complete(&engine, &pending, &cpu).unwrap() else {
            panic!("a recommendation");
        };
        let Pending::Recommend {
            history, options, ..
        } = &pending
        else {
            unreachable!()
        };
        assert_eq!(
            answer,
            api::recommend(&engine, history, options, None).unwrap()
        );
    }

    #[test]
    fn a_request_completed_with_the_gpus_words_merges_them() {
        let engine = engine();
        let pending = recommend_request(4);
        // What the CPU's scan keeps, laid out as the GPU writes it.
        let framed = plan(&engine, &pending).unwrap();
        let request = ScanRequest::decode(wire::unframe(&framed).unwrap()[0].unwrap()).unwrap();
        let Pending::Recommend {
            history, options, ..
        } = &pending
        else {
            unreachable!()
        };
        let cpu = api::recommend(&engine, history, options, None).unwrap();
        let top: Vec<(u32, f32)> = cpu
            .items
            .iter()
            .map(|item| (engine.catalog().index_of(&item.id).unwrap(), item.score))
            .collect();
        assert!(request.pool >= top.len());
        let Answer::Recommendations(answer) =
            complete(&engine, &pending, &readback(&engine, &pending, &top)).unwrap()
        else {
            panic!("a recommendation");
        };
        assert_eq!(answer.backend, "webgpu");
        assert_eq!(answer.items, cpu.items);
    }

    #[test]
    fn wrong_results_are_errors_not_answers() {
        let engine = engine();
        let pending = recommend_request(5);
        assert!(complete(&engine, &pending, &wire::frame([None, None]))
            .unwrap_err()
            .contains("2 scan results for a request of 1"));
        assert!(
            complete(&engine, &pending, &wire::frame([Some(vec![1, 2])]))
                .unwrap_err()
                .contains("words")
        );
    }

    #[test]
    fn pending_requests_are_taken_once_and_bounded() {
        let pending = PendingRequests::default();
        let first = pending.keep(recommend_request(1));
        assert!(pending.take(first).is_some());
        assert!(pending.take(first).is_none());
        let tokens: Vec<u32> = (0..MAX_PENDING + 1)
            .map(|_| pending.keep(recommend_request(1)))
            .collect();
        assert!(pending.take(tokens[0]).is_none(), "the oldest was dropped");
        assert!(pending.take(tokens[MAX_PENDING]).is_some());
    }
}
