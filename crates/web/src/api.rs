//! The JS-shaped API in plain Rust: item ids and option objects in, result objects out.
//! `lib.rs` only moves these across the wasm boundary, so the native golden tests can call
//! exactly what the browser calls.

use shopwindow::campaign::context::MAX_USER_DIMS;
use shopwindow::campaign::{ShopperStanding, StandingRequest};
use shopwindow::catalog::names;
use shopwindow::number::Quoted;
use shopwindow::profile::{Event, EventKind, ProfileConfig};
use shopwindow::recommend::{self, HistoryExclusion};
use shopwindow::segment::ShopperSegment;
use shopwindow::topk::{FilterSpec, Scored};
use shopwindow::{Catalog, RecommendError, Recommender, Standing};

use crate::dto;

const DEFAULT_K: usize = 10;

/// History events on known items, plus the ids the catalog does not have.
pub fn resolve_history(
    catalog: &Catalog,
    history: &[dto::HistoryEvent],
) -> (Vec<Event>, Vec<String>) {
    let mut events = Vec::with_capacity(history.len());
    let mut unknown = Vec::new();
    for event in history {
        match catalog.index_of(&event.item_id) {
            Some(item) => events.push(Event {
                item,
                kind: match event.kind {
                    dto::EventType::View => EventKind::View,
                    dto::EventType::Cart => EventKind::Cart,
                    dto::EventType::Purchase => EventKind::Purchase,
                },
                timestamp_ms: event.timestamp,
            }),
            None if !unknown.contains(&event.item_id) => unknown.push(event.item_id.clone()),
            None => {}
        }
    }
    (events, unknown)
}

fn category_index(catalog: &Catalog, name: &str) -> Result<u32, RecommendError> {
    catalog
        .category_by_name(name)
        .ok_or_else(|| RecommendError::InvalidOption {
            name: "category",
            reason: format!("the catalog has no category named {}", Quoted(name)),
        })
}

fn filter_spec(
    catalog: &Catalog,
    filters: Option<&dto::Filters>,
    exclude: Option<&[String]>,
) -> Result<FilterSpec, RecommendError> {
    let mut spec = FilterSpec::default();
    if let Some(f) = filters {
        spec.categories = f
            .categories
            .as_ref()
            .map(|names| names.iter().map(|n| category_index(catalog, n)).collect())
            .transpose()?;
        spec.price_min = f.price_min;
        spec.price_max = f.price_max;
        spec.available_only = f.available_only;
    }
    // Excluding an id the catalog does not have is a no-op, not an error: pages pass the
    // ids they show, which may include items added after the catalog was built.
    spec.exclude = exclude
        .unwrap_or_default()
        .iter()
        .filter_map(|id| catalog.index_of(id))
        .collect();
    Ok(spec)
}

fn profile_config(options: &dto::RecommendOptions) -> ProfileConfig {
    profile_from(options.event_weights, options.half_life_days, options.now)
}

pub(crate) fn profile_from(
    event_weights: Option<dto::EventWeights>,
    half_life_days: Option<f64>,
    now: Option<f64>,
) -> ProfileConfig {
    let mut config = ProfileConfig {
        half_life_days,
        now_ms: now,
        ..ProfileConfig::default()
    };
    if let Some(w) = event_weights {
        let weights = &mut config.weights;
        weights.view = w.view.unwrap_or(weights.view);
        weights.cart = w.cart.unwrap_or(weights.cart);
        weights.purchase = w.purchase.unwrap_or(weights.purchase);
    }
    config
}

/// The item as a storefront renders it.
pub fn item_result(
    catalog: &Catalog,
    index: u32,
    score: f32,
    probability: Option<f32>,
) -> dto::ItemResult {
    let i = index as usize;
    dto::ItemResult {
        id: catalog.id(i).to_string(),
        score,
        probability,
        title: catalog.title(i).map(str::to_string),
        category: catalog
            .category(i)
            .and_then(|c| catalog.category_name(c))
            .map(str::to_string),
        price: catalog.prices().map(|p| p[i]),
        image_url: catalog
            .image_url(i)
            .filter(|url| !url.is_empty())
            .map(str::to_string),
        available: catalog.availability().is_none_or(|a| a[i] != 0),
        tags: catalog.tags(i).map(str::to_string).collect(),
        interest: None,
    }
}

/// "Recommended for you" for the JS class. `interest_labels`: with `interests: true`, the
/// interests module's labels of this request's [`interest_points`] (the package loads that
/// module and passes them).
pub fn recommend(
    engine: &Recommender,
    history: &[dto::HistoryEvent],
    options: &dto::RecommendOptions,
    interest_labels: Option<&[u8]>,
) -> Result<dto::Recommendations, RecommendError> {
    let catalog = engine.catalog();
    let (events, unknown_items) = resolve_history(catalog, history);
    let core_options = recommend_options(catalog, options, interest_labels)?;
    let result = engine.recommend(&events, &core_options)?;
    Ok(recommendations(
        catalog,
        &result,
        unknown_items,
        engine.backend().name(),
    ))
}

/// The points `recommend({ interests: true })` clusters for this request: unit vectors of
/// the catalog's dimension, row after row, for the interests module to label. Empty when
/// there are too few to split (the history is one interest, and the labels are empty).
pub fn interest_points(
    engine: &Recommender,
    history: &[dto::HistoryEvent],
    options: &dto::RecommendOptions,
) -> Result<Vec<f32>, RecommendError> {
    let (events, _) = resolve_history(engine.catalog(), history);
    let profile = profile_config(options);
    profile.validate()?;
    let points = engine.interest_points(&events, &profile);
    Ok(if points.can_split() {
        points.data().to_vec()
    } else {
        Vec::new()
    })
}

/// The core's `interests` from the request's flag and the labels given with it.
fn interests(wanted: bool, labels: Option<&[u8]>) -> Result<Option<Vec<u8>>, RecommendError> {
    match (wanted, labels) {
        (false, _) => Ok(None),
        (true, Some(labels)) => Ok(Some(labels.to_vec())),
        (true, None) => Err(RecommendError::InvalidOption {
            name: "interests",
            reason: "the history's interest labels are missing: `interestPoints`, then the \
                     interests module's `splitInterests` (the npm package does both)"
                .into(),
        }),
    }
}

/// The core's options for a `recommend` request (`interest_labels` as in [`recommend()`]).
pub fn recommend_options(
    catalog: &Catalog,
    options: &dto::RecommendOptions,
    interest_labels: Option<&[u8]>,
) -> Result<recommend::RecommendOptions, RecommendError> {
    Ok(recommend::RecommendOptions {
        k: options.k.unwrap_or(DEFAULT_K),
        filter: filter_spec(
            catalog,
            options.filters.as_ref(),
            options.exclude.as_deref(),
        )?,
        exclude_history: match options.exclude_history.unwrap_or_default() {
            dto::ExcludeHistory::All => HistoryExclusion::All,
            dto::ExcludeHistory::Purchased => HistoryExclusion::Purchased,
            dto::ExcludeHistory::None => HistoryExclusion::None,
        },
        diversity: options.diversity.unwrap_or(0.0),
        probabilities: options.probabilities.unwrap_or(false),
        context_category: options
            .context_category
            .as_deref()
            .map(|name| category_index(catalog, name))
            .transpose()?,
        profile: profile_config(options),
        interests: interests(options.interests.unwrap_or(false), interest_labels)?,
        rules: rules(catalog, options.rules.as_ref(), options.now)?,
        fresh: options.fresh.map(fresh),
    })
}

/// The core's rules from the JS object: category names to indices (an unknown name is an
/// error, as in `filters`), ids to indices (ids the catalog lacks are skipped: a store's
/// lists may name items this catalog build does not have).
pub fn rules(
    catalog: &Catalog,
    rules: Option<&dto::Rules>,
    now: Option<f64>,
) -> Result<recommend::Rules, RecommendError> {
    let Some(rules) = rules else {
        return Ok(recommend::Rules::default());
    };
    let categories = |field: &'static str, names: &[String]| {
        names
            .iter()
            .map(|name| {
                catalog
                    .category_by_name(name)
                    .ok_or_else(|| RecommendError::InvalidOption {
                        name: field,
                        reason: format!("the catalog has no category named {}", Quoted(name)),
                    })
            })
            .collect::<Result<Vec<u32>, _>>()
    };
    let known =
        |ids: &[String]| -> Vec<u32> { ids.iter().filter_map(|id| catalog.index_of(id)).collect() };
    let adjust = rules
        .boosts
        .iter()
        .flatten()
        .map(|b| {
            Ok(recommend::Adjustment {
                select: recommend::Selector {
                    categories: b
                        .categories
                        .as_deref()
                        .map(|c| categories("rules.boosts.categories", c))
                        .transpose()?,
                    price_min: b.price_min,
                    price_max: b.price_max,
                    tags: b.tags.clone(),
                    items: b.ids.as_deref().map(known),
                },
                add: b.add,
            })
        })
        .collect::<Result<Vec<_>, RecommendError>>()?;
    // A pin on an id the catalog lacks is dropped; its position stays free. Positions and
    // duplicates are still checked over every pin given.
    let mut pins = Vec::new();
    for (p, pin) in rules.pins.iter().flatten().enumerate() {
        let clash = rules.pins.iter().flatten().take(p);
        if let Some(q) = clash.clone().position(|o| o.position == pin.position) {
            return Err(RecommendError::InvalidOption {
                name: "rules.pins.position",
                reason: format!("pins {q} and {p} both take position {}", pin.position),
            });
        }
        if let Some(q) = clash.clone().position(|o| o.id == pin.id) {
            return Err(RecommendError::InvalidOption {
                name: "rules.pins.id",
                reason: format!("pins {q} and {p} both pin {}", Quoted(&pin.id)),
            });
        }
        if let Some(item) = catalog.index_of(&pin.id) {
            pins.push(recommend::Pin {
                item,
                position: pin.position,
            });
        }
    }
    let hide_bought = rules
        .hide_bought_days
        .map(|days| {
            let now_ms = now.ok_or_else(|| RecommendError::InvalidOption {
                name: "now",
                reason: "rules.hideBoughtDays needs \"now\" (ms since the epoch)".into(),
            })?;
            Ok::<_, RecommendError>(recommend::HideBought { days, now_ms })
        })
        .transpose()?;
    Ok(recommend::Rules {
        adjust,
        pins,
        never_show: known(rules.never_show.as_deref().unwrap_or_default()),
        never_show_categories: categories(
            "rules.neverShowCategories",
            rules.never_show_categories.as_deref().unwrap_or_default(),
        )?,
        hide_bought,
    })
}

/// The answer of `recommend`, with the backend that scored it.
pub fn recommendations(
    catalog: &Catalog,
    result: &recommend::Recommendations,
    unknown_items: Vec<String>,
    backend: &str,
) -> dto::Recommendations {
    dto::Recommendations {
        items: result
            .items
            .iter()
            .map(|r| dto::ItemResult {
                interest: r.interest,
                ..item_result(catalog, r.index, r.score, r.probability)
            })
            .collect(),
        strategy: match result.strategy {
            recommend::Strategy::Personalized => dto::Strategy::Personalized,
            recommend::Strategy::Popular => dto::Strategy::Popular,
        },
        unknown_items,
        backend: backend.to_string(),
    }
}

pub fn similar(
    engine: &Recommender,
    item_id: &str,
    options: &dto::SimilarOptions,
) -> Result<dto::SimilarItems, RecommendError> {
    let catalog = engine.catalog();
    let (item, core_options) = similar_options(catalog, item_id, options)?;
    let items = engine.similar(item, &core_options)?;
    Ok(similar_items(catalog, &items, engine.backend().name()))
}

/// The item and the core's options for a `similar` request.
pub fn similar_options(
    catalog: &Catalog,
    item_id: &str,
    options: &dto::SimilarOptions,
) -> Result<(u32, recommend::SimilarOptions), RecommendError> {
    let item = catalog
        .index_of(item_id)
        .ok_or_else(|| RecommendError::UnknownItem(item_id.to_string()))?;
    let core_options = recommend::SimilarOptions {
        k: options.k.unwrap_or(DEFAULT_K),
        filter: filter_spec(
            catalog,
            options.filters.as_ref(),
            options.exclude.as_deref(),
        )?,
        diversity: options.diversity.unwrap_or(0.0),
        rules: rules(catalog, options.rules.as_ref(), options.now)?,
        history: resolve_history(catalog, options.history.as_deref().unwrap_or_default()).0,
        fresh: options.fresh.map(fresh),
    };
    Ok((item, core_options))
}

/// The core's `fresh` from the JS object (the core checks the share).
fn fresh(fresh: dto::Fresh) -> recommend::Fresh {
    recommend::Fresh { share: fresh.share }
}

/// The answer of `similar`, with the backend that scored it.
pub fn similar_items(catalog: &Catalog, items: &[Scored], backend: &str) -> dto::SimilarItems {
    dto::SimilarItems {
        items: items
            .iter()
            .map(|&Scored { index, score }| item_result(catalog, index, score, None))
            .collect(),
        backend: backend.to_string(),
    }
}

/// "Often bought together" with `item_ids` (one product, or a whole cart). Unknown ids are
/// skipped and reported; a catalog without a bought-together table is an error.
pub fn together(
    engine: &Recommender,
    item_ids: &[String],
    options: &dto::PlacementOptions,
) -> Result<dto::PlacementItems, RecommendError> {
    let catalog = engine.catalog();
    let mut items = Vec::with_capacity(item_ids.len());
    let mut unknown_items = Vec::new();
    for id in item_ids {
        match catalog.index_of(id) {
            Some(i) => items.push(i),
            None if !unknown_items.contains(id) => unknown_items.push(id.clone()),
            None => {}
        }
    }
    let list = engine.together(&items, &placement_options(catalog, options)?)?;
    Ok(placement_items(catalog, &list, unknown_items))
}

/// "Trending" overall, or in `options.category`.
pub fn trending(
    engine: &Recommender,
    options: &dto::PlacementOptions,
) -> Result<dto::PlacementItems, RecommendError> {
    let catalog = engine.catalog();
    let list = engine.trending(&placement_options(catalog, options)?)?;
    Ok(placement_items(catalog, &list, Vec::new()))
}

/// The core's options of a placement request; `category` narrows the filter's categories.
fn placement_options(
    catalog: &Catalog,
    options: &dto::PlacementOptions,
) -> Result<recommend::PlacementOptions, RecommendError> {
    let mut filter = filter_spec(
        catalog,
        options.filters.as_ref(),
        options.exclude.as_deref(),
    )?;
    if let Some(name) = &options.category {
        let category = category_index(catalog, name)?;
        // Within the filter's categories, if it names any: both must hold.
        filter.categories = Some(match filter.categories {
            Some(list) => list.into_iter().filter(|&c| c == category).collect(),
            None => vec![category],
        });
    }
    Ok(recommend::PlacementOptions {
        k: options.k.unwrap_or(DEFAULT_K),
        filter,
        rules: rules(catalog, options.rules.as_ref(), options.now)?,
        history: resolve_history(catalog, options.history.as_deref().unwrap_or_default()).0,
    })
}

fn placement_items(
    catalog: &Catalog,
    list: &[Scored],
    unknown_items: Vec<String>,
) -> dto::PlacementItems {
    dto::PlacementItems {
        items: list
            .iter()
            .map(|&Scored { index, score }| item_result(catalog, index, score, None))
            .collect(),
        unknown_items,
    }
}

/// `item_ids` (a list the store shows) reordered for the shopper with `history`: the
/// model's scores mixed with the given order by `strength` (the core's `rerank`). Unknown
/// ids keep their positions and are listed in `unknownItems`. Scores only the given items,
/// on the CPU, whatever the backend: the same answer everywhere.
pub fn rerank(
    engine: &Recommender,
    history: &[dto::HistoryEvent],
    item_ids: &[String],
    options: &dto::RerankOptions,
) -> Result<dto::RerankedList, RecommendError> {
    let catalog = engine.catalog();
    let (events, _) = resolve_history(catalog, history);
    let items: Vec<Option<u32>> = item_ids.iter().map(|id| catalog.index_of(id)).collect();
    let mut unknown_items: Vec<String> = Vec::new();
    for (id, item) in item_ids.iter().zip(&items) {
        if item.is_none() && !unknown_items.contains(id) {
            unknown_items.push(id.clone());
        }
    }
    let core_options = recommend::RerankOptions {
        strength: options.strength.unwrap_or(1.0),
        profile: profile_from(options.event_weights, options.half_life_days, options.now),
    };
    let reranked = engine.rerank(&events, &items, &core_options)?;
    Ok(dto::RerankedList {
        items: reranked
            .items
            .iter()
            .map(|slot| dto::RerankedItem {
                id: item_ids[slot.position].clone(),
                score: slot.score,
                position: slot.position,
            })
            .collect(),
        strategy: match reranked.strategy {
            recommend::RerankStrategy::Personalized => dto::RerankStrategy::Personalized,
            recommend::RerankStrategy::StoreOrder => dto::RerankStrategy::Store,
        },
        unknown_items,
    })
}

/// `P(item | shopper)` for each id; an unknown id is an error (there is no sensible value).
pub fn probability(
    engine: &Recommender,
    history: &[dto::HistoryEvent],
    item_ids: &[String],
    options: &dto::RecommendOptions,
) -> Result<Vec<f32>, RecommendError> {
    // The options type is recommend's, so `rules` parses; refusing it says what a silent
    // ignore would hide: a probability is the model's P(i|u), which no rule changes.
    if options.rules.is_some() {
        return Err(RecommendError::InvalidOption {
            name: "rules",
            reason: "rules order lists; probability is the model's P(i|u) and takes none".into(),
        });
    }
    // Likewise `fresh`: it places items in a list, and a probability has no list.
    if options.fresh.is_some() {
        return Err(RecommendError::InvalidOption {
            name: "fresh",
            reason: "fresh places items in lists; probability is the model's P(i|u) and \
                     takes none"
                .into(),
        });
    }
    let catalog = engine.catalog();
    let (events, _) = resolve_history(catalog, history);
    let items = item_ids
        .iter()
        .map(|id| {
            catalog
                .index_of(id)
                .ok_or_else(|| RecommendError::UnknownItem(id.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    engine.probabilities(&events, &items, &profile_config(options))
}

/// The shopper's vector projected for campaign policies (`campaign::project_user`); the
/// default event weights, unknown items skipped as `recommend` does.
pub fn user_features(
    engine: &Recommender,
    history: &[dto::HistoryEvent],
    dims: usize,
) -> Result<Vec<f32>, RecommendError> {
    check_user_dims(dims)?;
    let (events, _) = resolve_history(engine.catalog(), history);
    let vector = engine.user_vector(&events, &ProfileConfig::default())?;
    Ok(projected(vector, dims).unwrap_or_default())
}

/// A projected vector's length comes from JS: a campaign reads at most `MAX_USER_DIMS`
/// dimensions, and a larger count would only size an allocation.
fn check_user_dims(dims: usize) -> Result<(), RecommendError> {
    if dims > MAX_USER_DIMS {
        return Err(RecommendError::InvalidOption {
            name: "userDims",
            reason: format!("{dims} is more than the {MAX_USER_DIMS} dimensions a campaign reads"),
        });
    }
    Ok(())
}

/// A fold-in vector as campaign policies read it: projected to `dims` dimensions, `None`
/// without one (an empty history). `userFeatures` and the standing a campaign decision
/// asks for share it, so both give a policy the same numbers.
fn projected(user: Option<Vec<f32>>, dims: usize) -> Option<Vec<f32>> {
    user.map(|v| shopwindow::campaign::project_user(&v, dims))
}

/// What a campaign decision asked for (`request`), from one fold-in of `history` with
/// `options` as `segment()` takes them ("now" required): the shopper's segment and RFM
/// scores where the catalog ships segments or thresholds, the projected user vector where
/// the campaign reads one. `None` when nothing asked for can come from this catalog, or when
/// the history gives no standing and no vector was asked for (the segment only picks
/// priors, and every campaign has default ones); a vector that cannot be computed is an
/// error.
pub fn shopper_standing(
    engine: &Recommender,
    history: &[dto::HistoryEvent],
    options: &dto::SegmentOptions,
    request: StandingRequest,
) -> Result<Option<ShopperStanding>, RecommendError> {
    check_user_dims(request.user_dims)?;
    let catalog = engine.catalog();
    let fill_user = request.user_dims > 0;
    let ships_standing = catalog.segments().is_some() || catalog.rfm_thresholds().is_some();
    if !(fill_user || ships_standing && (request.segment || request.rfm)) {
        return Ok(None);
    }
    let now = options.now.ok_or(RecommendError::InvalidOption {
        name: "now",
        reason: "the current time (ms since the epoch) is needed for recency".into(),
    })?;
    let profile = profile_from(options.event_weights, options.half_life_days, Some(now));
    // Bad options are the caller's mistake: checked before a failing fold-in can be passed
    // over below.
    profile.validate()?;
    let (events, _) = resolve_history(catalog, history);
    // A catalog without segments or RFM thresholds gives empty parts, not an error (the
    // core's `standing` refuses it): the vector is still wanted for a campaign's features.
    let standing = if ships_standing {
        engine.standing(&events, &profile, now)
    } else {
        engine.user_vector(&events, &profile).map(|user| Standing {
            user,
            segment: ShopperSegment {
                segment: None,
                rfm: None,
            },
        })
    };
    let standing = match standing {
        Ok(standing) => standing,
        Err(e) if fill_user => return Err(e),
        Err(_) => return Ok(None),
    };
    Ok(Some(ShopperStanding {
        segment: request
            .segment
            .then(|| standing.segment.segment.map(|a| a.segment))
            .flatten(),
        rfm: request
            .rfm
            .then(|| standing.segment.rfm.map(|r| r.scores))
            .flatten(),
        user: fill_user
            .then(|| projected(standing.user, request.user_dims))
            .flatten(),
    }))
}

pub fn info(catalog: &Catalog) -> dto::CatalogInfo {
    let meta = catalog.meta();
    dto::CatalogInfo {
        items: catalog.len(),
        dim: catalog.dim(),
        dtype: catalog.dtype().as_str().to_string(),
        format_version: meta.format_version,
        model: meta.model.clone(),
        alpha: meta.params.alpha,
        lambda: meta.params.lambda,
        lambda_scaling: meta.params.lambda_scaling.as_str().to_string(),
        categories: (0..catalog.category_count() as u32)
            .filter_map(|c| catalog.category_name(c).map(str::to_string))
            .collect(),
        has_prices: catalog.prices().is_some(),
        has_availability: catalog.availability().is_some(),
        has_titles: catalog.title(0).is_some(),
        has_tags: catalog.has_tags(),
        created: meta.created.clone(),
        source: meta.source.clone(),
        byte_length: catalog.byte_len(),
        zero_copy: catalog.is_zero_copy(),
        hybrid: catalog.hybrid().map(|h| dto::HybridInfo {
            vectors: h.params.vectors,
            neighbour_weight: h.params.neighbour_weight,
            popularity_weight: h.params.popularity_weight,
            history: h.params.history.as_str().to_string(),
            neighbours: h.neighbours.map_or(0, |n| n.k()),
        }),
        // In the metadata's key order; every key has the prefix, so stripping it keeps
        // the order.
        tune: dto::TuneReport(
            catalog
                .tune_report()
                .map(|(key, value)| {
                    let key = key.strip_prefix(names::META_TUNE_PREFIX).unwrap_or(key);
                    (key.to_string(), value.to_string())
                })
                .collect(),
        ),
    }
}

/// The shopper's customer segment and RFM standing from `history`. `options.now` is
/// required here (the wasm class fills in `Date.now()`).
pub fn segment(
    engine: &Recommender,
    history: &[dto::HistoryEvent],
    options: &dto::SegmentOptions,
) -> Result<dto::ShopperSegment, RecommendError> {
    let catalog = engine.catalog();
    let now = options.now.ok_or(RecommendError::InvalidOption {
        name: "now",
        reason: "the current time (ms since the epoch) is needed for recency".into(),
    })?;
    let (events, unknown_items) = resolve_history(catalog, history);
    let profile = profile_from(options.event_weights, options.half_life_days, Some(now));
    let found = engine.segment(&events, &profile, now)?;
    let segment = found.segment.zip(catalog.segments()).map(|(a, segments)| {
        let s = a.segment as usize;
        dto::SegmentResult {
            id: a.segment,
            label: segments.label(s).to_string(),
            membership: a.membership,
            top_categories: segments
                .top_categories(s)
                .iter()
                .filter_map(|&c| catalog.category_name(c).map(str::to_string))
                .collect(),
            top_items: segments
                .top_items(s)
                .iter()
                .map(|&i| catalog.id(i as usize).to_string())
                .collect(),
            size: segments.sizes()[s],
        }
    });
    let rfm = found.rfm.map(|r| dto::RfmResult {
        recency_days: r.values.recency_days,
        frequency: r.values.frequency,
        monetary: r.values.monetary,
        r: r.scores.r,
        f: r.scores.f,
        m: r.scores.m,
        segment: r.segment.as_str().to_string(),
    });
    Ok(dto::ShopperSegment {
        segment,
        rfm,
        unknown_items,
    })
}
