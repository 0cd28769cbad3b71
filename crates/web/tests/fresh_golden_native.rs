//! Replays the `fresh` golden cases natively through the same `api` functions the wasm
//! class calls (`fresh_browser.rs` replays them in headless Chromium on every CPU backend),
//! checks what the recorded answers say, and that `probability` refuses `fresh`.
#![cfg(not(target_arch = "wasm32"))]

mod rules_common;

use std::collections::BTreeMap;

use rules_common::call;
use serde_json::{json, Value};
use shopwindow::{Catalog, Recommender};
use shopwindow_testkit::fresh_golden::{self, golden_fresh_catalog, is_content_derived};
use shopwindow_testkit::rules_golden::{golden_rules_history, RulesCall};
use shopwindow_web::{api, dto, read};

fn engine() -> Recommender {
    Recommender::new(Catalog::from_bytes(golden_fresh_catalog()).unwrap())
}

#[test]
fn fresh_cases_match_the_recorded_answers() {
    let engine = engine();
    let cases = fresh_golden::cases();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let answers: BTreeMap<&str, Value> = cases
            .iter()
            .filter(|case| case.error.is_none())
            .map(|case| {
                let answer = call(&engine, &case.call).unwrap_or_else(|e| panic!("{e}"));
                (case.name, answer)
            })
            .collect();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testkit/golden/fresh.json");
        std::fs::write(path, serde_json::to_string_pretty(&answers).unwrap() + "\n").unwrap();
        eprintln!("wrote {} fresh answers to {path}", answers.len());
        return;
    }
    for case in &cases {
        let got = call(&engine, &case.call);
        fresh_golden::check(case, got.as_ref().map_err(String::as_str)).unwrap();
    }
}

fn ids(answer: &Value) -> Vec<String> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// What the recorded answers must show: at least ⌊share·k⌋ content-derived items (the
/// golden catalog has enough of them for every case), the first place the list's own, no
/// item twice, and the list without `fresh`, less its last ⌊share·k⌋ items, in order.
#[test]
fn the_recorded_answers_show_the_fresh_places() {
    let engine = engine();
    for case in fresh_golden::cases()
        .into_iter()
        .filter(|c| c.error.is_none())
    {
        let options = match &case.call {
            RulesCall::Recommend { options, .. } | RulesCall::Similar { options, .. } => options,
            _ => unreachable!(),
        };
        let k = options["k"].as_u64().unwrap() as usize;
        let share = options["fresh"]["share"].as_f64().unwrap();
        let places = (share * k as f64).floor() as usize;
        let mut plain = case.call.clone();
        match &mut plain {
            RulesCall::Recommend { options, .. } | RulesCall::Similar { options, .. } => {
                options.as_object_mut().unwrap().remove("fresh");
            }
            _ => unreachable!(),
        }
        let with = ids(&call(&engine, &case.call).unwrap());
        let without = ids(&call(&engine, &plain).unwrap());
        let fresh_items = with.iter().filter(|id| is_content_derived(id)).count();
        let before = without.iter().filter(|id| is_content_derived(id)).count();
        assert!(fresh_items >= places.max(before), "{}: {with:?}", case.name);
        assert_eq!(with.len(), without.len(), "{}", case.name);
        assert_eq!(with[0], without[0], "{}: the first place stays", case.name);
        let mut unique = with.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), with.len(), "{}: no item twice", case.name);
        // The fresh items take the places of the last ordinary ones (a content-derived
        // item among those may come back as a fresh item, further up).
        let kept = &without[..without.len() - places.min(without.len())];
        let ordinary: Vec<&String> = with.iter().filter(|id| kept.contains(id)).collect();
        assert_eq!(
            ordinary,
            kept.iter().collect::<Vec<_>>(),
            "{}: in order",
            case.name
        );
        if places == 0 {
            assert_eq!(with, without, "{}", case.name);
        }
    }
}

#[test]
fn probability_refuses_fresh_instead_of_ignoring_it() {
    let engine = engine();
    let history: Vec<dto::HistoryEvent> =
        read::history(&shopwindow_testkit::as_page_json(&golden_rules_history())).unwrap();
    let ids = ["sku-0201".to_string()];
    let with_fresh: dto::RecommendOptions = read::recommend_options(
        &shopwindow_testkit::as_page_json(&json!({ "fresh": { "share": 0.2 } })),
    )
    .unwrap();
    let err = api::probability(&engine, &history, &ids, &with_fresh)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("fresh") && err.contains("probability"),
        "{err}"
    );
    let without = dto::RecommendOptions::default();
    assert!(api::probability(&engine, &history, &ids, &without).is_ok());
}
