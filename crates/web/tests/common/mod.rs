//! What the native golden suites share: one recorded request replayed through the same
//! `api` functions the wasm class calls.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use shopwindow::Recommender;
use shopwindow_testkit::golden::{Answer, Call};
use shopwindow_web::{api, dto, read};

pub mod interests;
use interests::interest_labels;

/// The answer to `call` with the case's JSON `history` / `item_id` / `options`.
pub fn replay(
    engine: &Recommender,
    call: Call,
    history: &Value,
    item_id: &str,
    options: &Value,
) -> Answer {
    let answer = match call {
        Call::Recommend => {
            let history: Vec<dto::HistoryEvent> =
                read::history(&shopwindow_testkit::as_page_json(history)).unwrap();
            let options: dto::RecommendOptions =
                read::recommend_options(&shopwindow_testkit::as_page_json(options)).unwrap();
            let labels = interest_labels(engine, &history, &options);
            let answer = api::recommend(engine, &history, &options, labels.as_deref());
            serde_json::to_value(answer.unwrap()).unwrap()
        }
        Call::Similar => {
            let options: dto::SimilarOptions =
                read::similar_options(&shopwindow_testkit::as_page_json(options)).unwrap();
            serde_json::to_value(api::similar(engine, item_id, &options).unwrap()).unwrap()
        }
    };
    serde_json::from_value(answer).unwrap()
}
