//! What the rules and fresh native golden suites share: one recorded rules-shaped call
//! replayed through the same `api` functions the wasm class calls.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use shopwindow::Recommender;
use shopwindow_testkit::rules_golden::RulesCall;
use shopwindow_web::{api, dto, read};

#[path = "../common/interests.rs"]
mod interests;
use interests::interest_labels;

/// The answer to `call` as JSON, or the engine's error as text.
pub fn call(engine: &Recommender, call: &RulesCall) -> Result<Value, String> {
    let answer = match call {
        RulesCall::Recommend {
            history,
            options: o,
        } => {
            let history: Vec<dto::HistoryEvent> =
                read::history(&shopwindow_testkit::as_page_json(history)).unwrap();
            let o: dto::RecommendOptions =
                serde_json::from_value(o.clone()).map_err(|e| e.to_string())?;
            let labels = interest_labels(engine, &history, &o);
            let answer = api::recommend(engine, &history, &o, labels.as_deref());
            serde_json::to_value(answer.map_err(|e| e.to_string())?)
        }
        RulesCall::Similar {
            item_id,
            options: o,
        } => {
            let o: dto::SimilarOptions =
                serde_json::from_value(o.clone()).map_err(|e| e.to_string())?;
            serde_json::to_value(api::similar(engine, item_id, &o).map_err(|e| e.to_string())?)
        }
        RulesCall::Together {
            item_ids,
            options: o,
        } => {
            let ids: Vec<String> =
                read::item_ids(&shopwindow_testkit::as_page_json(item_ids)).unwrap();
            let o: dto::PlacementOptions =
                serde_json::from_value(o.clone()).map_err(|e| e.to_string())?;
            serde_json::to_value(api::together(engine, &ids, &o).map_err(|e| e.to_string())?)
        }
        RulesCall::Trending { options: o } => {
            let o: dto::PlacementOptions =
                serde_json::from_value(o.clone()).map_err(|e| e.to_string())?;
            serde_json::to_value(api::trending(engine, &o).map_err(|e| e.to_string())?)
        }
    };
    Ok(answer.unwrap())
}
