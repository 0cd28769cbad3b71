//! The `Campaigns` class in headless Chromium (wasm-bindgen-test, `cargo xtask test`):
//! decisions with propensities from real browser entropy, rewards, the stored state
//! restoring a new instance (what a page reload does), the context completed from the
//! catalog module's `shopperStanding`, and errors that say what is wrong.
#![cfg(target_arch = "wasm32")]

use js_sys::{Reflect, JSON};
use shopwindow::VectorDtype;
use shopwindow_testkit::fixtures::{golden_catalog, golden_segment_catalog};
use shopwindow_web::Recommender;
use shopwindow_web_campaigns::Campaigns;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[path = "../../web/tests/browser_common/mod.rs"]
mod browser_common;
use browser_common::{js, message};

wasm_bindgen_test_configure!(run_in_browser);

const DEFINITIONS: &str = r#"{"version":1,"privacy":{"epsilon":1,"lifetimeBudget":2},"campaigns":[
  {"id":"banner","variants":[{"id":"a","label":"A"},{"id":"b"},{"id":"c"}],"policy":{"kind":"thompson"},
   "priors":[{"variant":"a","alpha":5,"beta":50},{"segment":2,"variant":"b","alpha":40,"beta":10}]},
  {"id":"offer","variants":[{"id":"x"},{"id":"y"}],"policy":{"kind":"linUcb","alpha":0.3},
   "context":{"userDims":4,"pages":["home","product"]}}]}"#;

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap()
}

/// What the package does for `Shopwindow.choose`, across the two modules: the campaigns'
/// request, the catalog module's answer, the decision.
fn choose_for(
    campaigns: &mut Campaigns,
    id: &str,
    context: JsValue,
    rec: &Recommender,
    history: JsValue,
) -> Result<JsValue, JsError> {
    let request = campaigns.standing_request(id, context.clone())?;
    let standing = if request.is_undefined() {
        JsValue::UNDEFINED
    } else {
        rec.shopper_standing(history, JsValue::UNDEFINED, request)?
    };
    campaigns.choose(id, context, standing)
}

#[wasm_bindgen_test]
fn choose_and_reward_work_and_the_state_restores_a_new_instance() {
    let mut campaigns = Campaigns::new(DEFINITIONS, None).unwrap();
    let decision = campaigns
        .choose(
            "banner",
            js(&serde_json::json!({ "page": "home", "segment": 2 })),
            JsValue::UNDEFINED,
        )
        .unwrap();
    let variant = get(&decision, "variant").as_string().unwrap();
    let propensity = get(&decision, "propensity").as_f64().unwrap();
    let probabilities: Vec<f64> = serde_json::from_str(
        &JSON::stringify(&get(&decision, "probabilities"))
            .unwrap()
            .as_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(probabilities.len(), 3);
    assert!((probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    let index = ["a", "b", "c"].iter().position(|v| *v == variant).unwrap();
    assert_eq!(propensity, probabilities[index]);
    // Segment 2's prior Beta(40, 10) makes b the favourite (P ≈ 0.73 against a's
    // Beta(5, 50) and c's flat prior; 256 draws: ± 0.03); the floor keeps the others ≥ 0.1/3.
    assert!(probabilities[1] > 0.6, "{probabilities:?}");
    assert!(probabilities.iter().all(|&p| p >= 0.1 / 3.0 - 1e-12));
    assert_eq!(get(&decision, "policy").as_string().unwrap(), "thompson");

    campaigns.reward("banner", &variant, 1.0).unwrap();
    let stored = campaigns.state();
    let restored = Campaigns::new(DEFINITIONS, Some(stored.clone())).unwrap();
    assert_eq!(restored.state(), stored);
    let summary = JSON::stringify(&restored.summary().unwrap())
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(
        summary,
        JSON::stringify(&campaigns.summary().unwrap())
            .unwrap()
            .as_string()
            .unwrap()
    );
    assert!(
        summary.contains(&format!(r#"{{"id":"{variant}","shows":1,"rewards":1}}"#)),
        "{summary}"
    );
    assert!(restored.dropped_state().is_empty());
}

#[wasm_bindgen_test]
fn browser_entropy_makes_decisions_vary() {
    // Uniform-ish priors: 40 decisions from crypto.getRandomValues seeds cover every variant.
    let mut campaigns = Campaigns::new(
        r#"{"version":1,"campaigns":[{"id":"c","variants":[{"id":"a"},{"id":"b"},{"id":"c"}],"policy":{"kind":"thompson"}}]}"#,
        None,
    )
    .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let d = campaigns
            .choose("c", JsValue::UNDEFINED, JsValue::UNDEFINED)
            .unwrap();
        seen.insert(get(&d, "variant").as_string().unwrap());
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[wasm_bindgen_test]
fn lin_ucb_reads_the_user_vector_projected_from_the_catalog() {
    let rec = Recommender::new(golden_catalog(VectorDtype::F32)).unwrap();
    let history = js(
        &serde_json::json!([{ "itemId": "sku-0003", "type": "view" }, { "itemId": "sku-0007", "type": "purchase" }]),
    );
    let user = rec.user_features(history, 4).unwrap();
    assert_eq!(user.len(), 4);
    let norm: f32 = user.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "{user:?}");
    assert!(rec
        .user_features(js(&serde_json::json!([])), 4)
        .unwrap()
        .is_empty());

    let mut campaigns = Campaigns::new(DEFINITIONS, None).unwrap();
    assert_eq!(campaigns.user_dims("offer").unwrap(), 4);
    let context = js(&serde_json::json!({ "page": "product", "user": user }));
    let decision = campaigns
        .choose("offer", context, JsValue::UNDEFINED)
        .unwrap();
    assert_eq!(get(&decision, "policy").as_string().unwrap(), "linUcb");
    let wrong = js(&serde_json::json!({ "user": [0.5, 0.5] }));
    assert!(message(
        campaigns
            .choose("offer", wrong, JsValue::UNDEFINED)
            .unwrap_err()
            .into()
    )
    .contains("2 dimensions"));
}

#[wasm_bindgen_test]
fn the_context_is_completed_from_the_catalog_modules_standing() {
    // The golden segment catalog: one segment per category; sku-0001, sku-0007, … are bags
    // (segment 1). Sharp opposite priors say which one the policy used.
    let definitions = r#"{"version":1,"campaigns":[
      {"id":"slot","variants":[{"id":"a"},{"id":"b"}],"policy":{"kind":"thompson"},"floor":0.01,
       "priors":[{"variant":"a","alpha":1000,"beta":1},{"variant":"b","alpha":1,"beta":1000},
                 {"segment":1,"variant":"a","alpha":1,"beta":1000},{"segment":1,"variant":"b","alpha":1000,"beta":1}]},
      {"id":"offer","variants":[{"id":"x"},{"id":"y"}],"policy":{"kind":"linUcb","alpha":0.3},
       "context":{"userDims":4,"pages":["home"]}}]}"#;
    let rec = Recommender::new(golden_segment_catalog()).unwrap();
    let history = || {
        js(&serde_json::json!([
            { "itemId": "sku-0001", "type": "view" },
            { "itemId": "sku-0007", "type": "view" },
            { "itemId": "sku-0013", "type": "cart" },
        ]))
    };
    let segment = get(
        &get(
            &rec.segment(history(), JsValue::UNDEFINED).unwrap(),
            "segment",
        ),
        "id",
    );
    assert_eq!(segment.as_f64(), Some(1.0));
    let mut campaigns = Campaigns::new(definitions, None).unwrap();
    let probabilities = |decision: &JsValue| -> Vec<f64> {
        let text = JSON::stringify(&get(decision, "probabilities")).unwrap();
        serde_json::from_str(&text.as_string().unwrap()).unwrap()
    };
    let choose = |campaigns: &mut Campaigns, id: &str, context: serde_json::Value| {
        choose_for(campaigns, id, js(&context), &rec, history())
    };

    // No context: the shopper's own segment picks its priors.
    let own = choose(&mut campaigns, "slot", serde_json::json!({})).unwrap();
    assert!(probabilities(&own)[1] > 0.98, "{:?}", probabilities(&own));
    // What the caller gives wins, and null counts as given (the default priors).
    for given in [
        serde_json::json!({ "segment": 2 }),
        serde_json::json!({ "segment": null }),
    ] {
        let d = choose(&mut campaigns, "slot", given).unwrap();
        assert!(probabilities(&d)[0] > 0.98, "{:?}", probabilities(&d));
    }
    // LinUCB gets the projected vector from the same call; a caller's vector is checked.
    let offer = choose(
        &mut campaigns,
        "offer",
        serde_json::json!({ "page": "home" }),
    )
    .unwrap();
    assert_eq!(get(&offer, "policy").as_string().unwrap(), "linUcb");
    let wrong = choose(
        &mut campaigns,
        "offer",
        serde_json::json!({ "user": [0.5, 0.5] }),
    );
    assert!(message(wrong.unwrap_err().into()).contains("2 dimensions"));
    // A segment() answer's RFM object is read as its scores.
    let rfm = serde_json::json!({ "rfm": { "r": 5, "f": 1, "m": 2, "segment": "New" } });
    choose(&mut campaigns, "offer", rfm).unwrap();

    // A catalog without segments still gives LinUCB its vector, and an empty history works.
    let plain = Recommender::new(golden_catalog(VectorDtype::F32)).unwrap();
    for history in [history(), js(&serde_json::json!([]))] {
        let d = choose_for(&mut campaigns, "offer", JsValue::UNDEFINED, &plain, history).unwrap();
        assert_eq!(probabilities(&d).len(), 2);
    }
    let typo = choose_for(
        &mut campaigns,
        "slot",
        js(&serde_json::json!({ "pgae": 1 })),
        &plain,
        history(),
    );
    assert!(message(typo.unwrap_err().into()).contains("pgae"));
    // A context that gives all a campaign reads asks the catalog for nothing.
    let full = js(&serde_json::json!({ "segment": 1, "rfm": null }));
    assert!(campaigns
        .standing_request("slot", full)
        .unwrap()
        .is_undefined());
    // Every decision made was recorded once; the failed ones not at all.
    let summary = JSON::stringify(&campaigns.summary().unwrap()).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary.as_string().unwrap()).unwrap();
    let shows = |c: usize| -> f64 {
        summary["campaigns"][c]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["shows"].as_f64().unwrap())
            .sum()
    };
    assert_eq!((shows(0), shows(1)), (3.0, 4.0));
}

#[wasm_bindgen_test]
fn bad_input_throws_errors_that_say_why() {
    let err = Campaigns::new("{\"version\":1}", None).err().unwrap();
    assert!(message(err.into()).contains("missing field `campaigns`"));
    let err = Campaigns::new(DEFINITIONS, Some("{\"version\":1}".into()))
        .err()
        .unwrap();
    assert!(message(err.into()).contains("invalid policy state"));
    let mut campaigns = Campaigns::new(DEFINITIONS, None).unwrap();
    let typo = js(&serde_json::json!({ "pgae": "home" }));
    let none = || JsValue::UNDEFINED;
    assert!(message(campaigns.choose("banner", typo, none()).unwrap_err().into()).contains("pgae"));
    assert!(message(
        campaigns
            .choose("nope", JsValue::NULL, none())
            .unwrap_err()
            .into()
    )
    .contains("unknown campaign"));
    let err = campaigns.standing_request("nope", none()).unwrap_err();
    assert!(message(err.into()).contains("unknown campaign"));
    let standing = js(&serde_json::json!({ "segmnet": 1 }));
    let err = campaigns.choose("banner", none(), standing).unwrap_err();
    assert!(message(err.into()).contains("invalid shopper standing"));
    let err = campaigns.reward("banner", "a", 1.0).unwrap_err();
    assert!(message(err.into()).contains("without a reward yet"));
    let err = campaigns.reward("banner", "a", 7.0).unwrap_err();
    assert!(message(err.into()).contains("rewards are numbers from 0 to 1"));
    let err = campaigns.privacy_report("banner").unwrap_err();
    assert!(message(err.into()).contains("no decision to report yet"));
}
