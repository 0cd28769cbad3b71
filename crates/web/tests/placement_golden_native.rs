//! Replays the `together()` / `trending()` / `rerank()` golden cases natively through the same `api`
//! functions the wasm class calls; `browser.rs` replays them in headless Chromium.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use serde_json::Value;
use shopwindow::{Catalog, Recommender};
use shopwindow_testkit::fixtures::golden_catalog;
use shopwindow_testkit::placement_golden::{
    self, golden_placement_catalog, rerank_grid, PlacementCall, PlacementCase,
};
use shopwindow_web::{api, dto, read};

fn run(case: &PlacementCase) -> Value {
    let engine = &Recommender::new(Catalog::from_bytes(case.call.catalog()).unwrap());
    let answer = match &case.call {
        PlacementCall::Together { item_ids, options } => {
            let ids: Vec<String> =
                read::item_ids(&shopwindow_testkit::as_page_json(item_ids)).unwrap();
            let options: dto::PlacementOptions =
                read::placement_options(&shopwindow_testkit::as_page_json(options)).unwrap();
            api::together(engine, &ids, &options)
        }
        PlacementCall::Trending { options } => {
            let options: dto::PlacementOptions =
                read::placement_options(&shopwindow_testkit::as_page_json(options)).unwrap();
            api::trending(engine, &options)
        }
        PlacementCall::Rerank {
            history,
            item_ids,
            options,
            ..
        } => {
            let history: Vec<dto::HistoryEvent> =
                read::history(&shopwindow_testkit::as_page_json(history)).unwrap();
            let ids: Vec<String> =
                read::item_ids(&shopwindow_testkit::as_page_json(item_ids)).unwrap();
            let options: dto::RerankOptions =
                read::rerank_options(&shopwindow_testkit::as_page_json(options)).unwrap();
            let answer = api::rerank(engine, &history, &ids, &options);
            return serde_json::to_value(answer.unwrap_or_else(|e| panic!("{}: {e}", case.name)))
                .unwrap();
        }
    };
    serde_json::to_value(answer.unwrap_or_else(|e| panic!("{}: {e}", case.name))).unwrap()
}

fn engine() -> Recommender {
    Recommender::new(Catalog::from_bytes(golden_placement_catalog()).unwrap())
}

#[test]
fn placement_cases_match_the_recorded_answers() {
    let cases = placement_golden::cases();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let answers: BTreeMap<&str, Value> =
            cases.iter().map(|case| (case.name, run(case))).collect();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testkit/golden/placements.json"
        );
        std::fs::write(path, serde_json::to_string_pretty(&answers).unwrap() + "\n").unwrap();
        eprintln!("wrote {} placement answers to {path}", answers.len());
        return;
    }
    for case in &cases {
        placement_golden::check(case, &run(case)).unwrap();
    }
}

#[test]
fn the_recorded_answers_say_something() {
    // Guards the golden file against recording a degenerate engine.
    let all = placement_golden::expected().unwrap();
    let ids = |name: &str| -> Vec<String> {
        all[name]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    // The shoe's partners are bags, best lift first.
    assert_eq!(ids("together, one item")[0], "sku-0001");
    assert!(all["together, one item"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["category"] == "bags"));
    // A cart never gets its own items back, and its list is longer than one item's.
    let cart = ids("together, a cart sums lift");
    assert!(!cart
        .iter()
        .any(|id| ["sku-0000", "sku-0006", "sku-0012"].contains(&id.as_str())));
    assert!(cart.len() > ids("together, one item").len());
    assert!(ids("together, an item without partners").is_empty());
    assert_eq!(
        all["together, unknown ids are reported"]["unknownItems"][0],
        "no-such-item"
    );
    let filtered = &all["together, in stock and under 90"]["items"];
    // sku-0003 is out of stock, sku-0009 excluded, sku-0021 and sku-0027 too dear.
    assert_eq!(filtered[0]["id"], "sku-0015");
    assert!(filtered
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["available"] == true
            && i["price"].as_f64().unwrap() <= 90.0
            && i["id"] != "sku-0009"));
    let hats = &all["trending in hats, in stock"]["items"];
    assert_eq!(hats.as_array().unwrap().len(), 5);
    assert!(hats
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["category"] == "hats"));
}

#[test]
fn the_recorded_reranks_say_something() {
    let all = placement_golden::expected().unwrap();
    let ids = |name: &str| -> Vec<String> {
        all[name]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let scores = |name: &str| -> Vec<f64> {
        all[name]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["score"].as_f64().unwrap())
            .collect()
    };
    let grid: Vec<String> =
        read::item_ids(&shopwindow_testkit::as_page_json(&rerank_grid())).unwrap();
    // Strength 1: the model's order, scores descending, and the hats (index % 6 = 2) first.
    let model = ids("rerank, a hat shopper, model order");
    assert!(scores("rerank, a hat shopper, model order")
        .windows(2)
        .all(|w| w[0] >= w[1]));
    let hat = |id: &String| id[4..].parse::<usize>().unwrap() % 6 == 2;
    assert!(
        model[..10].iter().filter(|id| hat(id)).count() >= 8,
        "{model:?}"
    );
    assert!(hat(&model[0]));
    assert_ne!(model, grid);
    // Strength 0 and no history: the store's order.
    assert_eq!(ids("rerank, strength 0 keeps the store order"), grid);
    assert_eq!(ids("rerank, no history keeps the store order"), grid);
    assert_eq!(
        all["rerank, no history keeps the store order"]["strategy"],
        "store"
    );
    // 0.5 sits between: not the store's order, not the model's.
    let half = ids("rerank, a hat shopper, strength 0.5");
    assert!(half != grid && half != model, "{half:?}");
    // Unknown ids stay where they were and are reported.
    let gapped = ids("rerank, unknown ids keep their positions");
    assert_eq!(gapped[0], "new-arrival");
    assert_eq!(gapped[5], "no-such-item");
    assert_eq!(
        all["rerank, unknown ids keep their positions"]["unknownItems"],
        serde_json::json!(["new-arrival", "no-such-item"])
    );
}

/// `rerank`'s scores are `recommend`'s: the same answer, through the JS-shaped API.
#[test]
fn rerank_scores_are_the_recommend_scores() {
    for case in placement_golden::cases() {
        let PlacementCall::Rerank {
            history, item_ids, ..
        } = &case.call
        else {
            continue;
        };
        let engine = Recommender::new(Catalog::from_bytes(case.call.catalog()).unwrap());
        let history: Vec<dto::HistoryEvent> =
            read::history(&shopwindow_testkit::as_page_json(history)).unwrap();
        if history.is_empty() {
            continue;
        }
        let ids: Vec<String> = read::item_ids(&shopwindow_testkit::as_page_json(item_ids)).unwrap();
        let all = dto::RecommendOptions {
            k: Some(engine.catalog().len()),
            exclude_history: Some(dto::ExcludeHistory::None),
            ..Default::default()
        };
        let recommended = api::recommend(&engine, &history, &all, None).unwrap();
        let reranked = api::rerank(&engine, &history, &ids, &Default::default()).unwrap();
        for item in reranked.items.iter().filter(|i| i.score.is_some()) {
            let want = recommended
                .items
                .iter()
                .find(|r| r.id == item.id)
                .unwrap_or_else(|| panic!("{}: {} not recommended", case.name, item.id));
            assert_eq!(
                item.score.map(f32::to_bits),
                Some(want.score.to_bits()),
                "{}",
                case.name
            );
        }
    }
}

#[test]
fn bad_rerank_options_are_errors_that_name_them() {
    let engine = engine();
    let ids: Vec<String> = vec!["sku-0000".into()];
    for strength in [-0.5f32, 1.5, f32::NAN] {
        let options = dto::RerankOptions {
            strength: Some(strength),
            ..Default::default()
        };
        let err = api::rerank(&engine, &[], &ids, &options).unwrap_err();
        assert!(err.to_string().contains("`strength`"), "{err}");
    }
    let many: Vec<String> = (0..1001).map(|i| format!("sku-{:04}", i % 240)).collect();
    let err = api::rerank(&engine, &[], &many, &Default::default()).unwrap_err();
    assert!(err.to_string().contains("at most 1000"), "{err}");
    let bad: Result<dto::RerankOptions, _> = serde_json::from_str(r#"{ "strenght": 1 }"#);
    assert!(bad.unwrap_err().to_string().contains("strenght"));
}

#[test]
fn bad_options_and_missing_tables_are_errors_that_say_why() {
    let bad: Result<dto::PlacementOptions, _> = serde_json::from_str(r#"{ "kk": 3 }"#);
    assert!(bad.unwrap_err().to_string().contains("kk"));
    let plain = Recommender::new(
        Catalog::from_bytes(golden_catalog(shopwindow::VectorDtype::F32)).unwrap(),
    );
    let err = api::together(&plain, &["sku-0000".into()], &Default::default()).unwrap_err();
    assert!(err.to_string().contains("bought-together table"), "{err}");
    let err = api::trending(&plain, &Default::default()).unwrap_err();
    assert!(err.to_string().contains("trending score"), "{err}");
    let unknown_category = dto::PlacementOptions {
        category: Some("capes".into()),
        ..Default::default()
    };
    let err = api::trending(&engine(), &unknown_category).unwrap_err();
    assert!(err.to_string().contains("capes"), "{err}");
}
