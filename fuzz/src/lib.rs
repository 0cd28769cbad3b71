//! What each fuzz target does with its input, as plain functions: the libFuzzer binaries in
//! `fuzz_targets/` call them, and `tests/corpus.rs` replays the committed corpus through
//! them on stable, so every input the fuzzer kept (and every crash it found) stays a test.
//!
//! Each function feeds one thing that reaches the engine from outside the page's code:
//!
//! - [`catalog`]: a catalog file as downloaded (any bytes);
//! - [`campaigns`]: a store's campaigns.json, with a stored policy state and a decision
//!   context;
//! - [`policy_state`]: the policy state read back from IndexedDB, against fixed definitions;
//! - [`history`]: history records read back from IndexedDB (any ids, types and timestamps,
//!   including the NaN and infinite numbers a JS value can hold and JSON cannot) with the
//!   numeric options of `recommend` (with probabilities), `segment` and `userFeatures` (a
//!   campaign decision completed from a history is [`options`]' job, with a fixed history);
//! - [`options`]: the JSON options object of every API call, read by the same `Deserialize`
//!   the wasm boundary uses.
//!
//! A target fails on a panic, and on an answer that breaks what the API promises (more than
//! `k` items, a repeated item, a non-finite score or a probability outside [0, 1], a stored
//! state that does not read back as itself).

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use shopwindow::catalog::VectorDtype;
use shopwindow::json::Value;
use shopwindow::recommend::interests::{split_interests, INTEREST_SEED};
use shopwindow::{Catalog, RecommendError, Recommender};
use shopwindow_testkit::fixtures::{self, HybridFixture};
use shopwindow_web::api;
use shopwindow_web::dto;
use shopwindow_web::read;
use shopwindow_web_campaigns::session::{CampaignSession, ChooseContext};

/// The campaign definitions [`policy_state`] and [`history`] decide with: one campaign of
/// each policy kind, with pages, segment priors, privacy and a user vector.
pub const DEFINITIONS: &str = include_str!("definitions.json");

/// Separates the parts of a [`campaigns`] input (definitions, state, context).
pub const SEPARATOR: u8 = 0;

/// Recommenders over the test kit's fixed catalogs: plain f32, int8 with segments and RFM,
/// and a hybrid one (neighbour table and popularity blend).
fn engines() -> &'static [Recommender] {
    static ENGINES: OnceLock<Vec<Recommender>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        [
            fixtures::golden_catalog(VectorDtype::F32),
            fixtures::golden_rfm_segment_catalog(),
            fixtures::golden_hybrid_catalog(HybridFixture::Full(VectorDtype::I8)),
        ]
        .into_iter()
        .map(|bytes| Recommender::new(Catalog::from_bytes(bytes).expect("fixture catalog")))
        .collect()
    })
}

/// A catalog file: rejected with an error, or served without a panic.
pub fn catalog(data: &[u8]) {
    let Ok(catalog) = Catalog::from_bytes(data.to_vec()) else {
        return;
    };
    let engine = Recommender::new(catalog);
    let catalog = engine.catalog();
    let _ = api::info(catalog);
    let n = catalog.len();
    let history: Vec<dto::HistoryEvent> = (0..n.min(3))
        .map(|i| dto::HistoryEvent {
            item_id: catalog.id(i).to_string(),
            kind: [
                dto::EventType::View,
                dto::EventType::Cart,
                dto::EventType::Purchase,
            ][i % 3],
            timestamp: Some(1.7e12 + i as f64 * 8.64e7),
        })
        .collect();
    let options = dto::RecommendOptions {
        k: Some(5),
        probabilities: Some(true),
        ..Default::default()
    };
    for events in [&history[..0], &history[..]] {
        if let Ok(list) = recommend_like_a_page(&engine, events, &options) {
            check_items(&list.items, 5);
        }
    }
    if n > 0 {
        if let Ok(similar) = api::similar(&engine, catalog.id(0), &dto::SimilarOptions::default()) {
            check_items(&similar.items, 10);
        }
    }
    let _ = api::segment(
        &engine,
        &history,
        &dto::SegmentOptions {
            now: Some(1.8e12),
            ..Default::default()
        },
    );
}

/// campaigns.json, then (after a [`SEPARATOR`]) stored state, then a context as JSON.
pub fn campaigns(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == SEPARATOR);
    let Ok(definitions) = std::str::from_utf8(parts.next().unwrap_or_default()) else {
        return;
    };
    let state = parts.next().and_then(|s| std::str::from_utf8(s).ok());
    let context = parts.next().and_then(as_the_campaigns_module_reads);
    let Ok(session) = CampaignSession::new(definitions, state) else {
        return;
    };
    exercise(session, definitions, context.as_ref(), None);
}

/// Stored policy state (any text) against [`DEFINITIONS`].
pub fn policy_state(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(session) = CampaignSession::new(DEFINITIONS, Some(text)) else {
        return;
    };
    exercise(session, DEFINITIONS, None, None);
}

/// Who a decision is for: the catalog's engine, the history and the fold-in's options.
struct Shopper<'a> {
    engine: &'a Recommender,
    history: &'a [dto::HistoryEvent],
    options: &'a dto::SegmentOptions,
}

/// Every campaign chosen, rewarded and reported on; the state must read back as itself.
/// With a shopper, each context is completed as the package does it across the two wasm
/// modules: the campaigns' request, the engine's standing, the decision.
fn exercise(
    mut session: CampaignSession,
    definitions: &str,
    context: Option<&Value>,
    shopper: Option<&Shopper<'_>>,
) {
    let summary = session.summary();
    for (i, campaign) in summary.campaigns.iter().enumerate() {
        let context = match context {
            Some(value) => match ChooseContext::from_json(value) {
                Ok(context) => context,
                Err(_) => return,
            },
            None => ChooseContext::default(),
        };
        let seed = 0x5eed + i as u64;
        let request = session.standing_request(&campaign.id, &context);
        let standing = match (shopper, request) {
            (Some(s), Ok(Some(request))) => {
                api::shopper_standing(s.engine, s.history, s.options, request).map_err(drop)
            }
            _ => Ok(None),
        };
        let decided = standing.and_then(|standing| {
            session
                .choose_with(&campaign.id, context, standing.as_ref(), 1.8e12, seed)
                .map_err(drop)
        });
        if let Ok(decision) = decided {
            let p = decision.propensity;
            assert!(
                p.is_finite() && p > 0.0 && p <= 1.0 + 1e-9,
                "propensity {p} of {}",
                campaign.id
            );
            let _ = session.reward(&campaign.id, &decision.variant, 1.0);
        }
        let _ = session.privacy_report(&campaign.id, seed);
    }
    let stored = session.state_json();
    let again = CampaignSession::new(definitions, Some(&stored))
        .unwrap_or_else(|e| panic!("the engine's own state does not read back: {e}"));
    assert_eq!(
        again.state_json(),
        stored,
        "the state changed on a round trip"
    );
}

/// A history as IndexedDB may hand it back, with the numeric options of each call.
pub fn history(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(pick) = u8::arbitrary(&mut u) else {
        return;
    };
    let engines = engines();
    let engine = &engines[pick as usize % engines.len()];
    let catalog = engine.catalog();
    let mut history = Vec::new();
    while history.len() < 16 && !u.is_empty() {
        let Ok(event) = history_event(&mut u, catalog) else {
            break;
        };
        history.push(event);
    }
    let Ok(recommend) = recommend_options(&mut u) else {
        return;
    };
    let k = recommend.k.unwrap_or(10);
    if let Ok(list) = recommend_like_a_page(engine, &history, &recommend) {
        check_items(&list.items, k);
    }
    let segment_options = dto::SegmentOptions {
        event_weights: recommend.event_weights,
        half_life_days: recommend.half_life_days,
        now: recommend.now,
    };
    if let Ok(found) = api::segment(engine, &history, &segment_options) {
        if let Some(s) = found.segment {
            assert!(
                s.membership.iter().all(|m| (0.0..=1.0).contains(m)),
                "membership {:?}",
                s.membership
            );
        }
    }
    if let Ok(user) = api::user_features(engine, &history, 4) {
        assert!(user.iter().all(|x| x.is_finite()), "user features {user:?}");
    }
}

fn history_event(
    u: &mut Unstructured<'_>,
    catalog: &Catalog,
) -> arbitrary::Result<dto::HistoryEvent> {
    let item_id = if bool::arbitrary(u)? && !catalog.is_empty() {
        catalog.id(u.choose_index(catalog.len())?).to_string()
    } else {
        String::arbitrary(u)?
    };
    let kind = *u.choose(&[
        dto::EventType::View,
        dto::EventType::Cart,
        dto::EventType::Purchase,
    ])?;
    Ok(dto::HistoryEvent {
        item_id,
        kind,
        timestamp: Option::<f64>::arbitrary(u)?,
    })
}

fn recommend_options(u: &mut Unstructured<'_>) -> arbitrary::Result<dto::RecommendOptions> {
    let weights = if bool::arbitrary(u)? {
        Some(dto::EventWeights {
            view: Option::arbitrary(u)?,
            cart: Option::arbitrary(u)?,
            purchase: Option::arbitrary(u)?,
        })
    } else {
        None
    };
    Ok(dto::RecommendOptions {
        k: Option::<u8>::arbitrary(u)?.map(list_length),
        filters: None,
        exclude: None,
        exclude_history: None,
        diversity: Option::arbitrary(u)?,
        probabilities: Option::arbitrary(u)?,
        context_category: None,
        event_weights: weights,
        half_life_days: Option::arbitrary(u)?,
        now: Option::arbitrary(u)?,
        interests: Option::arbitrary(u)?,
        rules: None,
        // Any share, in range or not: the option is checked before it places anything.
        fresh: Option::<f64>::arbitrary(u)?.map(|share| dto::Fresh { share }),
    })
}

/// Mostly short lists (MMR over a long one is quadratic and would slow the fuzzer tenfold),
/// sometimes the whole catalog and the edges of the limit.
fn list_length(byte: u8) -> usize {
    match byte {
        250 => 240,
        251 => 1000,
        252 => 1001,
        253 => usize::MAX,
        254 => 0,
        _ => usize::from(byte % 33),
    }
}

/// `json` read as the campaigns module reads a context: the core's JSON reader, every
/// float as the f64 that JS stringified.
fn as_the_campaigns_module_reads(json: &[u8]) -> Option<Value> {
    shopwindow::json::parse_round_trip(std::str::from_utf8(json).ok()?).ok()
}

/// `json` read as the engine module reads an argument: parsed by the core's JSON reader,
/// then `read`'s field-by-field checks.
fn as_a_page_reads<T>(
    json: &[u8],
    read: fn(&shopwindow::json::Value) -> Result<T, read::ReadError>,
) -> Option<T> {
    read(&shopwindow::json::parse(std::str::from_utf8(json).ok()?).ok()?).ok()
}

/// The options object of an API call as JSON; the first byte picks the call.
pub fn options(data: &[u8]) {
    let Some((&call, json)) = data.split_first() else {
        return;
    };
    let engines = engines();
    let engine = &engines[(call / 8) as usize % engines.len()];
    let catalog = engine.catalog();
    let history: Vec<dto::HistoryEvent> = (0..catalog.len().min(3))
        .map(|i| dto::HistoryEvent {
            item_id: catalog.id(i).to_string(),
            kind: dto::EventType::Purchase,
            timestamp: Some(1.7e12),
        })
        .collect();
    match call % 8 {
        0 => {
            if let Some(options) = as_a_page_reads(json, read::recommend_options) {
                let k = options.k.unwrap_or(10);
                if let Ok(list) = recommend_like_a_page(engine, &history, &options) {
                    check_items(&list.items, k);
                }
                let _ = api::probability(engine, &history, &[catalog.id(0).into()], &options);
            }
        }
        1 => {
            if let Some(options) = as_a_page_reads(json, read::similar_options) {
                let k = options.k.unwrap_or(10);
                if let Ok(list) = api::similar(engine, catalog.id(0), &options) {
                    check_items(&list.items, k);
                }
            }
        }
        2 => {
            if let Some(options) = as_a_page_reads(json, read::segment_options) {
                let _ = api::segment(engine, &history, &options);
            }
        }
        3 => {
            if let Some(value) = as_the_campaigns_module_reads(json) {
                let session = CampaignSession::new(DEFINITIONS, None).expect("valid definitions");
                let options = dto::SegmentOptions {
                    now: Some(1.8e12),
                    ..Default::default()
                };
                let shopper = Shopper {
                    engine,
                    history: &history,
                    options: &options,
                };
                exercise(session, DEFINITIONS, Some(&value), Some(&shopper));
            }
        }
        4 => {
            if let Some(ids) = as_a_page_reads(json, read::item_ids) {
                let _ = api::probability(engine, &history, &ids, &Default::default());
            }
        }
        5 => {
            if let Some(history) = as_a_page_reads(json, read::history) {
                let _ = recommend_like_a_page(engine, &history, &Default::default());
            }
        }
        6 => {
            let _ = serde_json::from_slice::<dto::BackendOptions>(json);
        }
        _ => {
            if let Some(options) = as_a_page_reads(json, read::recommend_options) {
                let _ = api::segment(
                    engine,
                    &history,
                    &dto::SegmentOptions {
                        event_weights: options.event_weights,
                        half_life_days: options.half_life_days,
                        now: options.now.or(Some(1.8e12)),
                    },
                );
            }
        }
    }
}

/// What every list promises: at most `k` items, no item twice, finite scores, probabilities
/// in [0, 1].
fn check_items(items: &[dto::ItemResult], k: usize) {
    assert!(items.len() <= k, "{} items for k = {k}", items.len());
    let mut ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), items.len(), "an item twice in {items:?}");
    for item in items {
        assert!(item.score.is_finite(), "score of {item:?}");
        if let Some(p) = item.probability {
            assert!((0.0..=1.0).contains(&p), "probability of {item:?}");
        }
    }
}

/// `recommend` as the npm package makes it: with `interests: true`, the engine's points
/// labelled as the interests module labels them, handed back with the request.
fn recommend_like_a_page(
    engine: &Recommender,
    history: &[dto::HistoryEvent],
    options: &dto::RecommendOptions,
) -> Result<dto::Recommendations, RecommendError> {
    let labels = match options.interests {
        Some(true) => {
            let points = api::interest_points(engine, history, options)?;
            Some(split_interests(
                &points,
                engine.catalog().dim(),
                INTEREST_SEED,
            ))
        }
        _ => None,
    };
    api::recommend(engine, history, options, labels.as_deref())
}
