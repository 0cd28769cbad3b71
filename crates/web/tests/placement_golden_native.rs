//! Replays the `together()` / `trending()` golden cases natively through the same `api`
//! functions the wasm class calls; `browser.rs` replays them in headless Chromium.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use serde_json::Value;
use shopwindow::{Catalog, Recommender};
use shopwindow_testkit::fixtures::golden_catalog;
use shopwindow_testkit::placement_golden::{
    self, golden_placement_catalog, PlacementCall, PlacementCase,
};
use shopwindow_web::{api, dto};

fn run(engine: &Recommender, case: &PlacementCase) -> Value {
    let answer = match &case.call {
        PlacementCall::Together { item_ids, options } => {
            let ids: Vec<String> = serde_json::from_value(item_ids.clone()).unwrap();
            let options: dto::PlacementOptions = serde_json::from_value(options.clone()).unwrap();
            api::together(engine, &ids, &options)
        }
        PlacementCall::Trending { options } => {
            let options: dto::PlacementOptions = serde_json::from_value(options.clone()).unwrap();
            api::trending(engine, &options)
        }
    };
    serde_json::to_value(answer.unwrap_or_else(|e| panic!("{}: {e}", case.name))).unwrap()
}

fn engine() -> Recommender {
    Recommender::new(Catalog::from_bytes(golden_placement_catalog()).unwrap())
}

#[test]
fn placement_cases_match_the_recorded_answers() {
    let engine = engine();
    let cases = placement_golden::cases();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let answers: BTreeMap<&str, Value> = cases
            .iter()
            .map(|case| (case.name, run(&engine, case)))
            .collect();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testkit/golden/placements.json"
        );
        std::fs::write(path, serde_json::to_string_pretty(&answers).unwrap() + "\n").unwrap();
        eprintln!("wrote {} placement answers to {path}", answers.len());
        return;
    }
    for case in &cases {
        placement_golden::check(case, &run(&engine, case)).unwrap();
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
