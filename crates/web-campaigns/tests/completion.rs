//! A decision's context completed across the two wasm crates, natively: the campaigns'
//! `ChooseContext::request`, the engine's `api::shopper_standing`, `ChooseContext::complete`
//! (what `Shopwindow.choose` does through JS, with plain objects between the modules).

use shopwindow::json::Value;
use shopwindow::{Catalog, RecommendError, Recommender, VectorDtype};
use shopwindow_testkit::fixtures::{golden_catalog, golden_segment_catalog};
use shopwindow_web::{api, dto};
use shopwindow_web_campaigns::session::{
    CampaignContext, CampaignSession, ChooseContext, RfmScores,
};

const DAY: f64 = 86_400_000.0;
const NOW: f64 = 100.0 * DAY;

/// Who a decision is for: the catalog's engine, the history on the device and the fold-in's
/// options (those of `segment()`).
struct Shopper {
    engine: Recommender,
    history: Vec<dto::HistoryEvent>,
    options: dto::SegmentOptions,
}

/// The bag buyer below on `catalog`.
fn bag_buyer_on(catalog: Vec<u8>) -> Shopper {
    Shopper {
        engine: Recommender::new(Catalog::from_bytes(catalog).unwrap()),
        history: bag_buyer(),
        options: options(),
    }
}

/// Bags (i % 6 == 1) bought: segment 1 and an RFM standing on the golden catalog.
fn bag_buyer() -> Vec<dto::HistoryEvent> {
    serde_json::from_value(serde_json::json!([
        { "itemId": "sku-0001", "type": "purchase", "timestamp": 95.0 * DAY },
        { "itemId": "sku-0007", "type": "purchase", "timestamp": 99.0 * DAY },
        { "itemId": "sku-0013", "type": "view", "timestamp": 99.5 * DAY },
    ]))
    .unwrap()
}

fn options() -> dto::SegmentOptions {
    dto::SegmentOptions {
        now: Some(NOW),
        ..Default::default()
    }
}

/// What `Shopwindow.choose` does across the two modules: the campaigns' request,
/// the catalog engine's answer, the completed context.
fn complete(
    context: ChooseContext,
    user_dims: usize,
    shopper: &Shopper,
) -> Result<CampaignContext, RecommendError> {
    let standing = match context.request(user_dims) {
        Some(request) => {
            api::shopper_standing(&shopper.engine, &shopper.history, &shopper.options, request)?
        }
        None => None,
    };
    Ok(context.complete(standing.as_ref()))
}

fn parse(json: &str) -> ChooseContext {
    ChooseContext::from_json(&shopwindow::json::parse(json).unwrap()).unwrap()
}

#[test]
fn an_empty_context_gets_the_standing_and_vector_segment_and_user_features_give() {
    let shopper = bag_buyer_on(golden_segment_catalog());
    let context = complete(ChooseContext::default(), 4, &shopper).unwrap();
    let standing = api::segment(&shopper.engine, &shopper.history, &shopper.options).unwrap();
    assert_eq!(context.segment, Some(standing.segment.as_ref().unwrap().id));
    assert_eq!(context.segment, Some(1));
    let rfm = standing.rfm.unwrap();
    assert_eq!(
        context.rfm,
        Some(RfmScores {
            r: rfm.r,
            f: rfm.f,
            m: rfm.m
        })
    );
    assert_eq!(
        context.user,
        Some(api::user_features(&shopper.engine, &shopper.history, 4).unwrap())
    );
    // A campaign without user features gets no vector.
    assert_eq!(
        complete(ChooseContext::default(), 0, &shopper)
            .unwrap()
            .user,
        None
    );
}

#[test]
fn what_the_caller_gives_wins_and_null_counts_as_given() {
    let shopper = bag_buyer_on(golden_segment_catalog());
    let given = complete(parse(
        r#"{"page":"home","segment":4,"rfm":{"r":2,"f":2,"m":2,"segment":"Lost"},"user":[1,0]}"#,
    ), 2, &shopper)
    .unwrap();
    assert_eq!(
        given,
        CampaignContext {
            segment: Some(4),
            rfm: Some(RfmScores { r: 2, f: 2, m: 2 }),
            user: Some(vec![1.0, 0.0]),
            page: Some("home".into()),
        }
    );
    let nulls = complete(
        parse(r#"{"segment":null,"rfm":null,"user":null}"#),
        2,
        &shopper,
    )
    .unwrap();
    assert_eq!(nulls, CampaignContext::default());
    // Only the missing part is filled in.
    let partial = complete(parse(r#"{"segment":0}"#), 0, &shopper).unwrap();
    assert_eq!(partial.segment, Some(0));
    assert!(partial.rfm.is_some());
    let typo = ChooseContext::from_json(&shopwindow::json::parse(r#"{ "segmnet": 1 }"#).unwrap());
    assert!(typo.unwrap_err().contains("segmnet"));
    let bad =
        ChooseContext::from_json(&shopwindow::json::parse(r#"{ "rfm": { "r": 1 } }"#).unwrap());
    assert!(bad.unwrap_err().contains("rfm"));
    assert_eq!(
        ChooseContext::from_json(&Value::Null).unwrap(),
        ChooseContext::default()
    );
}

#[test]
fn a_catalog_without_segments_still_gives_the_user_vector() {
    let shopper = bag_buyer_on(golden_catalog(VectorDtype::F32));
    let context = complete(ChooseContext::default(), 3, &shopper).unwrap();
    assert_eq!((context.segment, context.rfm), (None, None));
    assert_eq!(
        context.user,
        Some(api::user_features(&shopper.engine, &shopper.history, 3).unwrap())
    );
    // Nothing to fill in: the context stays as given.
    assert_eq!(
        complete(ChooseContext::default(), 0, &shopper).unwrap(),
        CampaignContext::default()
    );
}

#[test]
fn an_empty_history_fills_nothing_and_bad_options_are_errors() {
    let mut shopper = bag_buyer_on(golden_segment_catalog());
    shopper.history.clear();
    assert_eq!(
        complete(ChooseContext::default(), 4, &shopper).unwrap(),
        CampaignContext::default()
    );
    shopper.options.half_life_days = Some(-1.0);
    assert!(complete(ChooseContext::default(), 0, &shopper).is_err());
}

#[test]
fn choose_with_uses_the_shoppers_segment_priors() {
    let book = r#"{"version":1,"campaigns":[{"id":"slot","variants":[{"id":"a"},{"id":"b"}],
        "policy":{"kind":"thompson"},"floor":0.01,"priors":[
        {"variant":"a","alpha":1000,"beta":1},{"variant":"b","alpha":1,"beta":1000},
        {"segment":1,"variant":"a","alpha":1,"beta":1000},{"segment":1,"variant":"b","alpha":1000,"beta":1}]}]}"#;
    let mut session = CampaignSession::new(book, None).unwrap();
    let shopper = bag_buyer_on(golden_segment_catalog());
    let mut decide = |context: ChooseContext, seed| {
        let request = session.standing_request("slot", &context).unwrap();
        let standing = request.and_then(|request| {
            api::shopper_standing(&shopper.engine, &shopper.history, &shopper.options, request)
                .unwrap()
        });
        session.choose_with("slot", context, standing.as_ref(), NOW, seed)
    };
    let own = decide(ChooseContext::default(), 3).unwrap();
    assert!(own.probabilities[1] > 0.98, "{own:?}");
    let other = decide(parse(r#"{"segment":2}"#), 4).unwrap();
    assert!(other.probabilities[0] > 0.98, "{other:?}");
    let err = session
        .standing_request("nope", &ChooseContext::default())
        .unwrap_err();
    assert!(err.to_string().contains("unknown campaign"), "{err}");
}

#[test]
fn a_standing_request_beyond_what_a_campaign_reads_is_an_error() {
    let shopper = bag_buyer_on(golden_segment_catalog());
    let request = shopwindow::campaign::StandingRequest {
        segment: false,
        rfm: false,
        user_dims: 1 << 30,
    };
    let err = api::shopper_standing(&shopper.engine, &shopper.history, &shopper.options, request)
        .unwrap_err();
    assert!(err.to_string().contains("userDims"), "{err}");
    let err = api::user_features(&shopper.engine, &shopper.history, 9).unwrap_err();
    assert!(err.to_string().contains("userDims"), "{err}");
}
