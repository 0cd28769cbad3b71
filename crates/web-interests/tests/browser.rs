//! The interests module beside the engine module in headless Chromium (wasm-bindgen-test,
//! `cargo xtask test`), as the npm package uses them: the engine's `interestPoints`, this
//! module's `splitInterests`, the labels back into the engine's `recommend`. The golden
//! multi-interest cases must give the recorded answers on every storage type.
#![cfg(target_arch = "wasm32")]

use shopwindow::VectorDtype;
use shopwindow_testkit::fixtures::golden_catalog;
use shopwindow_testkit::golden::{self, Answer, Call};
use shopwindow_web::Recommender;
use shopwindow_web_interests::split_interests;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[path = "../../web/tests/browser_common/mod.rs"]
mod browser_common;
use browser_common::{dim, js, message, two_tastes};

wasm_bindgen_test_configure!(run_in_browser);

/// The labels this module gives the engine's points for `history` and `options`.
fn labels(rec: &Recommender, history: &JsValue, options: &JsValue) -> Vec<u8> {
    let points = rec
        .interest_points(history.clone(), options.clone())
        .unwrap_or_else(|e| panic!("interestPoints: {}", message(e.into())));
    split_interests(&points, dim(rec))
}

#[wasm_bindgen_test]
fn golden_interest_cases_pass_through_both_modules() {
    let (mut checked, mut split) = (0, 0);
    for dtype in VectorDtype::ALL {
        let rec = Recommender::new(golden_catalog(dtype)).unwrap_or_else(|_| panic!("loads"));
        let cases = golden::cases();
        let interest_cases = cases.iter().filter(|c| {
            c.catalog == dtype && c.call == Call::Recommend && c.options["interests"] == true
        });
        for case in interest_cases {
            let (history, options) = (js(&case.history), js(&case.options));
            let labels = labels(&rec, &history, &options);
            split += usize::from(!labels.is_empty());
            let answer = rec
                .recommend(history, options, Some(labels))
                .unwrap_or_else(|e| panic!("{}: {}", case.key(), message(e.into())));
            let answer: Answer = serde_wasm_bindgen::from_value(answer).unwrap();
            golden::check(case, &answer).unwrap();
            checked += 1;
        }
    }
    // One case per storage type plus four on f32; the interleaved ones were split here.
    assert!(checked >= 8, "only {checked} multi-interest cases");
    assert!(
        split >= VectorDtype::ALL.len(),
        "only {split} cases split into interests"
    );
}

#[wasm_bindgen_test]
fn the_engine_refuses_interests_without_fitting_labels() {
    let rec = Recommender::new(golden_catalog(VectorDtype::F32)).unwrap_or_else(|_| panic!());
    let history = js(&two_tastes());
    let options = js(&serde_json::json!({ "k": 5, "interests": true }));
    let missing = rec
        .recommend(history.clone(), options.clone(), None)
        .map(|_| ())
        .unwrap_err();
    assert!(
        message(missing.into()).contains("interest labels are missing"),
        "without labels"
    );
    let points = rec
        .interest_points(history.clone(), options.clone())
        .unwrap_or_else(|_| panic!());
    assert_eq!(
        points.len(),
        6 * dim(&rec),
        "six items, one unit vector each"
    );
    let short = rec
        .recommend(history.clone(), options.clone(), Some(vec![0, 1]))
        .map(|_| ())
        .unwrap_err();
    let text = message(short.into());
    assert!(
        text.contains("2 interest labels for a history with 6"),
        "{text}"
    );
    // No labels at all (too few points to split): one interest, the plain list.
    let plain = js(&serde_json::json!({ "k": 5 }));
    let one = rec
        .recommend(history.clone(), options, Some(Vec::new()))
        .unwrap_or_else(|_| panic!());
    let single = rec
        .recommend(history, plain, None)
        .unwrap_or_else(|_| panic!());
    assert_eq!(
        js_sys::JSON::stringify(&one).unwrap(),
        js_sys::JSON::stringify(&single).unwrap()
    );
}

#[wasm_bindgen_test]
fn points_that_are_not_whole_rows_are_one_interest() {
    assert!(split_interests(&[1.0, 0.0, 0.0], 2).is_empty());
    assert!(split_interests(&[], 4).is_empty());
    assert!(split_interests(&[1.0, 0.0], 0).is_empty());
}
