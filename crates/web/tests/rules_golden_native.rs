//! Replays the merchandising-rules golden cases natively through the same `api` functions
//! the wasm class calls (`rules_browser.rs` replays them in headless Chromium on every CPU
//! backend), checks what the recorded answers say, and that bad rules are errors naming the
//! field.
#![cfg(not(target_arch = "wasm32"))]

mod rules_common;

use std::collections::BTreeMap;

use rules_common::call;
use serde_json::{json, Value};
use shopwindow::{Catalog, Recommender};
use shopwindow_testkit::rules_golden::{
    self, golden_rules_catalog, golden_rules_history, RulesCall, RulesCase, NOW,
};
use shopwindow_web::{api, dto, read};

fn engine() -> Recommender {
    Recommender::new(Catalog::from_bytes(golden_rules_catalog()).unwrap())
}

fn run(engine: &Recommender, case: &RulesCase) -> Value {
    call(engine, &case.call).unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

#[test]
fn rules_cases_match_the_recorded_answers() {
    let engine = engine();
    let cases = rules_golden::cases();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let answers: BTreeMap<&str, Value> = cases
            .iter()
            .map(|case| (case.name, run(&engine, case)))
            .collect();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testkit/golden/rules.json");
        std::fs::write(path, serde_json::to_string_pretty(&answers).unwrap() + "\n").unwrap();
        eprintln!("wrote {} rules answers to {path}", answers.len());
        return;
    }
    for case in &cases {
        rules_golden::check(case, &run(&engine, case)).unwrap();
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

/// The same call without its rules.
fn without_rules(engine: &Recommender, name: &str) -> Value {
    let case = rules_golden::cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap();
    let strip = |o: &Value| {
        let mut o = o.clone();
        o.as_object_mut().unwrap().remove("rules");
        o
    };
    let bare = match case.call {
        RulesCall::Recommend { history, options } => RulesCall::Recommend {
            history,
            options: strip(&options),
        },
        RulesCall::Similar { item_id, options } => RulesCall::Similar {
            item_id,
            options: strip(&options),
        },
        RulesCall::Together { item_ids, options } => RulesCall::Together {
            item_ids,
            options: strip(&options),
        },
        RulesCall::Trending { options } => RulesCall::Trending {
            options: strip(&options),
        },
    };
    call(engine, &bare).unwrap()
}

#[test]
fn the_recorded_answers_show_each_rule_at_work() {
    // Guards the golden file against recording rules that do nothing.
    let all = rules_golden::expected().unwrap();
    let engine = engine();
    for case in rules_golden::cases() {
        assert_ne!(
            ids(&all[case.name]),
            ids(&without_rules(&engine, case.name)),
            "{}: the rules change nothing",
            case.name
        );
    }
    let hats = &all["recommend, boost a category"]["items"];
    assert!(hats.as_array().unwrap()[..3]
        .iter()
        .all(|i| i["category"] == "hats"));
    let pinned = ids(&all["recommend, pins, never show, hide recent purchases"]);
    assert_eq!(pinned[0], "sku-0100");
    assert_eq!(pinned[3], "sku-0050");
    assert_eq!(
        pinned.len(),
        8,
        "the unknown pin leaves its position to the list"
    );
    for id in ["sku-0018", "sku-0006", "sku-0012"] {
        assert!(!pinned.contains(&id.to_string()), "{id} is hidden");
    }
    // Bought 40 days ago: outside the 30-day window, and history is not excluded.
    let items = &all["recommend, pins, never show, hide recent purchases"]["items"];
    assert!(items
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["category"] != "bags"));
    // The bury moves dear items down but the probabilities stay the model's.
    let plain = without_rules(
        &engine,
        "recommend, bury a price range, probabilities are the model's",
    );
    let buried = &all["recommend, bury a price range, probabilities are the model's"];
    for item in buried["items"].as_array().unwrap() {
        if let Some(same) = plain["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == item["id"])
        {
            assert_eq!(same["probability"], item["probability"]);
        }
    }
    let trending = ids(&all["trending, hide recent purchases, bury clearance, pin"]);
    assert_eq!(trending[7], "sku-0003");
    assert!(!trending.contains(&"sku-0006".to_string()));
    assert!(!trending.contains(&"sku-0012".to_string()));
}

/// A `recommend` with these rules; the error's text.
fn rejects(rules: Value) -> String {
    let engine = engine();
    let history: Vec<dto::HistoryEvent> =
        read::history(&shopwindow_testkit::as_page_json(&golden_rules_history())).unwrap();
    let options = json!({ "now": NOW, "rules": rules });
    match read::recommend_options(&shopwindow_testkit::as_page_json(&options)) {
        Err(e) => e.to_string(),
        Ok(o) => api::recommend(&engine, &history, &o, None)
            .expect_err("rejected")
            .to_string(),
    }
}

#[test]
fn probability_refuses_rules_instead_of_ignoring_them() {
    let engine = engine();
    let history: Vec<dto::HistoryEvent> =
        read::history(&shopwindow_testkit::as_page_json(&golden_rules_history())).unwrap();
    let ids = vec![engine.catalog().id(0).to_string()];
    let with_rules: dto::RecommendOptions =
        read::recommend_options(&shopwindow_testkit::as_page_json(
            &json!({ "now": NOW, "rules": { "neverShow": [ids[0]] } }),
        ))
        .unwrap();
    let err = api::probability(&engine, &history, &ids, &with_rules)
        .expect_err("rules are refused")
        .to_string();
    assert!(
        err.contains("rules") && err.contains("probability"),
        "{err}"
    );
    let without: dto::RecommendOptions =
        read::recommend_options(&shopwindow_testkit::as_page_json(&json!({ "now": NOW }))).unwrap();
    assert_eq!(
        api::probability(&engine, &history, &ids, &without)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn unknown_rule_fields_are_errors_naming_them() {
    let err = rejects(json!({ "boost": [] }));
    assert!(err.contains("unknown field `boost`"), "{err}");
    let err = rejects(json!({ "boosts": [{ "category": ["hats"], "add": 1 }] }));
    assert!(err.contains("unknown field `category`"), "{err}");
    let err = rejects(json!({ "pins": [{ "id": "sku-0001", "position": 0, "slot": 1 }] }));
    assert!(err.contains("unknown field `slot`"), "{err}");
}

#[test]
fn wrongly_typed_rules_are_errors() {
    let err = rejects(json!({ "boosts": [{ "tags": ["sale"], "add": "lots" }] }));
    assert!(
        err.contains("invalid type") && err.contains("lots"),
        "{err}"
    );
    let err = rejects(json!({ "boosts": [{ "tags": ["sale"] }] }));
    assert!(err.contains("missing field `add`"), "{err}");
    let err = rejects(json!({ "pins": [{ "id": "sku-0001", "position": -1 }] }));
    assert!(err.contains("invalid value") && err.contains("-1"), "{err}");
    let err = rejects(json!({ "neverShow": "sku-0001" }));
    assert!(err.contains("invalid type"), "{err}");
    let err = rejects(json!({ "hideBoughtDays": "30" }));
    assert!(err.contains("invalid type"), "{err}");
}

#[test]
fn out_of_range_rules_are_errors_naming_the_field() {
    let cases = [
        (
            json!({ "boosts": [{ "tags": ["sale"], "add": 1e7 }] }),
            "rules.boosts.add",
        ),
        (json!({ "boosts": [{ "add": 1 }] }), "selects nothing"),
        (
            json!({ "boosts": [{ "priceMin": 50, "priceMax": 10, "add": 1 }] }),
            "rules.boosts.price",
        ),
        (
            json!({ "boosts": [{ "categories": ["capes"], "add": 1 }] }),
            "rules.boosts.categories",
        ),
        (
            json!({ "neverShowCategories": ["capes"] }),
            "rules.neverShowCategories",
        ),
        (
            json!({ "pins": [{ "id": "sku-0001", "position": 1000 }] }),
            "rules.pins.position",
        ),
        (
            json!({ "pins": [{ "id": "sku-0001", "position": 2 }, { "id": "sku-0002", "position": 2 }] }),
            "both take position 2",
        ),
        (
            json!({ "pins": [{ "id": "sku-0001", "position": 1 }, { "id": "sku-0001", "position": 2 }] }),
            "rules.pins.id",
        ),
        (json!({ "hideBoughtDays": 0 }), "rules.hideBoughtDays"),
        (json!({ "hideBoughtDays": 4000 }), "rules.hideBoughtDays"),
    ];
    for (rules, wanted) in cases {
        let err = rejects(rules.clone());
        assert!(err.contains(wanted), "{rules}: {err}");
    }
    // Tags need a catalog with tags.
    let plain = Recommender::new(
        Catalog::from_bytes(shopwindow_testkit::placement_golden::golden_placement_catalog())
            .unwrap(),
    );
    let options: dto::PlacementOptions =
        read::placement_options(&shopwindow_testkit::as_page_json(
            &json!({ "rules": { "boosts": [{ "tags": ["sale"], "add": 1 }] } }),
        ))
        .unwrap();
    let err = api::trending(&plain, &options).unwrap_err().to_string();
    assert!(err.contains("tags"), "{err}");
    // Hiding purchases natively needs "now" (the browser defaults it to Date.now()).
    let options: dto::PlacementOptions = read::placement_options(
        &shopwindow_testkit::as_page_json(&json!({ "rules": { "hideBoughtDays": 3 } })),
    )
    .unwrap();
    let err = api::trending(&engine(), &options).unwrap_err().to_string();
    assert!(err.contains("now"), "{err}");
}

#[test]
fn items_carry_their_tags() {
    let engine = engine();
    let item = api::item_result(engine.catalog(), 0, 0.0, None);
    assert_eq!(item.tags, ["sale", "new"]);
    let untagged = api::item_result(engine.catalog(), 1, 0.0, None);
    assert!(untagged.tags.is_empty());
    let json = serde_json::to_value(&untagged).unwrap();
    assert!(json.get("tags").is_none(), "no tags, no field: {json}");
    assert!(api::info(engine.catalog()).has_tags);
}
