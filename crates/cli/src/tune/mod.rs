//! Self-tuning training: `shopwindow train` without hyper-parameter flags.
//!
//! 1. Carve a validation split from the store's own data ([`split`]), and choose on it how
//!    fast the popularity forgets ([`recency`]).
//! 2. Build the neighbour component on the validation split's training part and choose its
//!    builder and setting (EASE λ when the inverse fits the memory and time bounds, each λ
//!    truncated to K and also refit on the kept pattern; RP3β's β always) by validation
//!    recall of neighbours + popularity ([`neighbours`]).
//! 3. Search iALS (factors, λ and its scaling, α; iterations by rung) with seeded
//!    successive halving within the time budget, every configuration scored as the hybrid
//!    with its blend weights fitted on the validation users ([`search`], [`blend`]).
//! 4. Compare the families — popularity, neighbours + popularity, iALS + popularity, the
//!    full hybrid — on validation, per user: the best ships unless popularity is within
//!    the validation noise of it (two paired standard errors over the validation users,
//!    [`blend::choose`]), so a split too thin to trust any personalised model ships
//!    popularity. A winner whose lists are the
//!    popularity lists is popularity and ships as that.
//! 5. Refit the winner on all the data ([`fit_final`]).
//!
//! Every model is scored as the device will score it ([`hybrid`]): vectors through the
//! core's catalog reader, fold-in and scan kernel, the other terms by the spec there.

pub mod blend;
pub mod hybrid;
pub mod local_ease;
pub mod neighbours;
pub mod recency;
pub mod search;
pub mod split;

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use shopwindow::catalog::{HybridParams, HybridSpec, NeighbourSpec};
use shopwindow::{Catalog, Recommender, VectorDtype};

use crate::als::{self, AlsConfig};
use crate::catalog_file::{build_catalog, CatalogSpec};
use crate::data::{Csr, EventLog, Interactions, ItemTable};
use crate::eval::baselines::{top_k_excluding, ItemKnn};
use crate::eval::metrics::{recall_at_k, MetricSums, Metrics};
use crate::eval::split::EvalSplit;
use crate::progress::Progress;
use blend::{Family, ValUser};
use hybrid::HistoryTransform;
use hybrid::{neighbour_scores, popularity_term, vector_scores, Blend, Components, NeighbourLists};
use neighbours::{Method, Neighbours};
use search::{DataSize, Space, RUNG_ITERATIONS};
use split::{SplitConfig, SplitKind};

/// Seconds of work done so far, as an unloaded machine's wall clock would show it: the
/// process's CPU time (user + system, from `/proc/self/stat`) over the worker threads.
/// The project's machine is shared, so the wall clock measures the neighbours' builds
/// as much as ours; the budget is about our work. Elsewhere (no `/proc`), the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct WorkClock {
    wall: Instant,
    cpu: Option<f64>,
}

impl WorkClock {
    pub fn start() -> WorkClock {
        WorkClock {
            wall: Instant::now(),
            cpu: process_cpu_seconds(),
        }
    }

    pub fn seconds(&self) -> f64 {
        match (self.cpu, process_cpu_seconds()) {
            (Some(a), Some(b)) => (b - a) / rayon::current_num_threads().max(1) as f64,
            _ => self.wall.elapsed().as_secs_f64(),
        }
    }

    pub fn wall_seconds(&self) -> f64 {
        self.wall.elapsed().as_secs_f64()
    }
}

fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the name; in
    // clock ticks of 1/100 s (USER_HZ, 100 on Linux).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// The recall the tuner maximises for one validation user: the mean of recall at half the
/// list (`k / 2`) and at the whole list (`k`). A store's pages show lists of different
/// lengths, and a choice made on recall@20 alone can rank what a 10-item carousel shows
/// worse (measured on Online Retail derivations scored at 10: 2.7–5% lower than choosing
/// on recall@10), while recall@10 alone is the noisier yardstick; the mean keeps both.
pub fn validation_recall(list: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    let short = (k / 2).max(1);
    (recall_at_k(list, relevant, short) + recall_at_k(list, relevant, k)) / 2.0
}

/// How the validation table and the catalog name [`validation_recall`].
pub fn validation_recall_name(k: usize) -> String {
    format!("recall@{}/{}", (k / 2).max(1), k)
}

/// Share of the budget the iALS search is planned for; the rest goes to the split, the
/// baselines, the neighbour builders and the final blend.
pub const SEARCH_SHARE: f64 = 0.7;

/// Settings of the tuner.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneConfig {
    /// Seconds the search may take (the plan is sized to it by a cost model).
    pub budget_s: f64,
    pub seed: u64,
    /// List length the validation recall is measured at.
    pub k: usize,
    pub split: SplitConfig,
    /// Neighbours per item in the catalog.
    pub neighbours_k: usize,
    /// Whether the popularity may be counted with a half-life ([`recency`]); otherwise
    /// all-time counts.
    pub choose_half_life: bool,
    /// Most bytes the full EASE builder may hold (n × n f64 matrices); above it (or when
    /// its inverse would take too long), local EASE.
    pub ease_memory: u64,
    /// Most validation scores held at once (users × items f32), which caps the users.
    pub max_scores: usize,
    pub space: Space,
}

impl Default for TuneConfig {
    fn default() -> Self {
        TuneConfig {
            budget_s: 45.0,
            seed: 42,
            k: 20,
            split: SplitConfig::default(),
            neighbours_k: neighbours::DEFAULT_K,
            choose_half_life: true,
            ease_memory: 3 << 30,
            max_scores: 50_000_000,
            space: Space::default(),
        }
    }
}

/// One line of the validation table.
#[derive(Debug, Clone)]
pub struct Row {
    pub model: String,
    pub metrics: Metrics,
}

/// What the tuner chose.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The vectors shipped (also when the blend does not use them: `similar`, segments).
    pub als: AlsConfig,
    /// The neighbour builder, when the blend uses neighbours.
    pub method: Option<Method>,
    pub blend: Blend,
    /// The winning family's name ("hybrid", "ials+popularity", "neighbours+popularity",
    /// "popularity").
    pub winner: String,
    /// The popularity's half-life in days ([`recency`]); `None`: all-time counts.
    pub popularity_half_life_days: Option<f64>,
    pub validation: Metrics,
}

/// The tuner's result.
#[derive(Debug, Clone)]
pub struct Tuned {
    pub choice: Choice,
    pub rows: Vec<Row>,
    pub split_kind: SplitKind,
    /// Days the temporal validation split held out after its cut (`None`: another split).
    pub held_out_days: Option<f64>,
    pub validation_users: usize,
    pub configurations: usize,
    pub seconds: f64,
    /// Wall-clock seconds (longer than `seconds` on a busy machine).
    pub wall_seconds: f64,
    /// The wall-clock safety stop fired (the result may then differ between runs).
    pub stopped_early: bool,
}

/// A validation user before any model: item weights and the items to find.
struct BaseUser {
    weights: Vec<(u32, f64)>,
    relevant: HashSet<u32>,
    excluded: Vec<u32>,
}

fn base_users(split: &EvalSplit) -> Vec<BaseUser> {
    split
        .users
        .iter()
        .map(|u| {
            let (columns, values) = split.train.matrix.row(u.row as usize);
            BaseUser {
                weights: columns
                    .iter()
                    .zip(values)
                    .map(|(&c, &w)| (c, w as f64))
                    .collect(),
                relevant: u.relevant.clone(),
                excluded: columns.to_vec(),
            }
        })
        .collect()
}

/// What every configuration of a search shares per validation user: the neighbour
/// candidates (they depend on the history and the table, not on the vectors) and the
/// popularity list. Computed once instead of once per configuration.
struct Shared {
    neighbours: Option<Vec<NeighbourLists>>,
    popular: Vec<Vec<u32>>,
}

impl Shared {
    fn new(base: &[BaseUser], table: Option<&Neighbours>, q: &[f32], k: usize) -> Shared {
        let neighbours = table.map(|t| {
            base.par_iter()
                .map(|u| {
                    Arc::new(
                        [
                            HistoryTransform::Linear,
                            HistoryTransform::Log1p,
                            HistoryTransform::Saturate,
                        ]
                        .iter()
                        .map(|&h| (h, neighbour_scores(t, &u.weights, h)))
                        .collect(),
                    )
                })
                .collect()
        });
        let popular = popular_lists(base, q, k);
        Shared {
            neighbours,
            popular,
        }
    }
}

/// Each validation user's popularity list under `q`: the list [`rank`] gives for
/// [`Blend::popularity`] (q alone: no vectors, no neighbours), from one order of the
/// catalog instead of a pass over it per user, since the list is that order without the
/// user's own items.
fn popular_lists(base: &[BaseUser], q: &[f32], k: usize) -> Vec<Vec<u32>> {
    let scored = |i: usize| shopwindow::topk::Scored {
        index: i as u32,
        score: q[i],
    };
    let mut order: Vec<usize> = (0..q.len()).collect();
    order.sort_unstable_by(|&a, &b| shopwindow::topk::rank_order(&scored(a), &scored(b)));
    base.par_iter()
        .map(|u| {
            order
                .iter()
                .map(|&i| i as u32)
                .filter(|i| u.excluded.binary_search(i).is_err())
                .take(k)
                .collect()
        })
        .collect()
}

/// Every validation user's components under a model (vectors and/or the shared
/// neighbours).
fn val_users(
    base: &[BaseUser],
    recommender: Option<&Recommender>,
    shared: &Shared,
) -> Result<Vec<ValUser>> {
    base.par_iter()
        .enumerate()
        .map(|(i, u)| {
            let vector = match recommender {
                Some(r) => {
                    let user = shopwindow::profile::fold_in(r.catalog(), &u.weights)
                        .context("fold-in of a validation user")?;
                    Some(vector_scores(r, &user))
                }
                None => None,
            };
            let neighbours = match &shared.neighbours {
                Some(lists) => Arc::clone(&lists[i]),
                None => Arc::new(Vec::new()),
            };
            Ok(ValUser {
                components: Components {
                    vector,
                    neighbours,
                    excluded: u.excluded.clone(),
                },
                relevant: u.relevant.clone(),
                popular: shared.popular[i].clone(),
            })
        })
        .collect()
}

/// The f32 catalog of `model` over `train`'s items, read back by the core.
fn recommender_for(
    train: &Interactions,
    model: &als::AlsModel,
    config: &AlsConfig,
) -> Result<Recommender> {
    let bytes = build_catalog(&CatalogSpec {
        ids: train.items.ids(),
        vectors: &model.item_factors,
        dim: model.factors,
        popularity: &train.item_user_counts(),
        items: &ItemTable::new(),
        params: config.model_params(),
        dtype: VectorDtype::F32,
        metadata: BTreeMap::new(),
    })?;
    Ok(Recommender::new(Catalog::from_bytes(bytes)?))
}

/// Full (untruncated) EASE's validation metrics from P = (XᵀX + λI)⁻¹.
fn full_ease_metrics(p: &nalgebra::DMatrix<f64>, base: &[BaseUser], k: usize) -> Metrics {
    let n = p.nrows();
    let diag: Vec<f64> = (0..n).map(|i| p[(i, i)]).collect();
    let lists: Vec<Vec<u32>> = base
        .par_iter()
        .map(|u| {
            let mut sum = vec![0.0f64; n];
            for &(j, _) in &u.weights {
                // Row j of B: −P_ji / P_ii; P symmetric, so column j.
                for (s, &pji) in sum.iter_mut().zip(p.column(j as usize).iter()) {
                    *s += pji;
                }
            }
            let scores: Vec<f32> = sum
                .iter()
                .zip(&diag)
                .map(|(s, d)| (-s / d) as f32)
                .collect();
            top_k_excluding(&scores, &u.excluded, k)
        })
        .collect();
    let mut sums = MetricSums::new(n);
    for (u, list) in base.iter().zip(&lists) {
        sums.add_with_recall(
            list,
            &u.relevant,
            k,
            validation_recall(list, &u.relevant, k),
        );
    }
    sums.finish()
}

/// Seconds one EASE inverse is expected to take for `n` items (2 s at 3,607 items on the
/// project's 2-core machine, cubic).
fn ease_seconds(n: usize) -> f64 {
    2.0 * (n as f64 / 3607.0).powi(3)
}

/// Whether the EASE builder may run for `n` items under `config` (memory and time).
pub fn ease_fits(n: usize, config: &TuneConfig) -> bool {
    neighbours::ease_memory_bytes(n) <= config.ease_memory
        && ease_seconds(n) * 5.0 <= 0.4 * config.budget_s
}

/// EASE's λ (relative to the mean item degree) searched by validation recall: a coarse
/// grid, then the geometric midpoint between the best and its better neighbour.
/// `try_lambda` builds and scores one setting and returns its recall.
fn search_lambda(mut try_lambda: impl FnMut(f64) -> Result<f64>) -> Result<()> {
    let grid = [2.0, 8.0, 32.0];
    let mut recall = [0.0; 3];
    for (r, &lambda_rel) in recall.iter_mut().zip(&grid) {
        *r = try_lambda(lambda_rel)?;
    }
    let at = (0..3)
        .max_by(|&a, &b| recall[a].total_cmp(&recall[b]).then(b.cmp(&a)))
        .expect("three tries");
    let other = match at {
        0 | 2 => 1,
        _ if recall[0] >= recall[2] => 0,
        _ => 2,
    };
    try_lambda((grid[at] * grid[other]).sqrt())?;
    Ok(())
}

/// Step 2: the best neighbour builder on validation, with the table's rows.
fn choose_neighbours(
    x: &Csr,
    base: &[BaseUser],
    q: &[f32],
    config: &TuneConfig,
    rows: &mut Vec<Row>,
) -> Result<(Method, Neighbours, blend::Scored)> {
    let k = config.k;
    let family = Family {
        vectors: false,
        neighbours: true,
    };
    let mut best: Option<(Method, Neighbours, blend::Scored)> = None;
    let consider = |method: Method, table: Neighbours, best: &mut Option<_>| -> Result<Metrics> {
        let users = val_users(base, None, &Shared::new(base, Some(&table), q, k))?;
        let scored = blend::fit(&users, q, k, family, true);
        let metrics = scored.metrics;
        let recall = metrics.recall;
        let improves = match best {
            Some((_, _, b)) => {
                let b: &blend::Scored = b;
                recall > b.metrics.recall
            }
            None => true,
        };
        if improves {
            *best = Some((method, table, scored));
        }
        Ok(metrics)
    };
    // RP3β: cheap at any size.
    for beta in [0.0, 0.3, 0.6] {
        let method = Method::Rp3 { beta };
        consider(
            method,
            neighbours::build(x, method, config.neighbours_k),
            &mut best,
        )?;
    }
    let rp3 = best.as_ref().expect("three tries").2;
    rows.push(Row {
        model: format!(
            "RP3β neighbours K={} + popularity ({})",
            config.neighbours_k,
            best.as_ref().expect("set").0.describe()
        ),
        metrics: rp3.metrics,
    });
    let n = x.cols();
    if ease_fits(n, config) {
        let mut full_by_lambda: Vec<(f64, Metrics)> = Vec::new();
        search_lambda(|lambda_rel| {
            let p = neighbours::ease_inverse(x, lambda_rel);
            full_by_lambda.push((lambda_rel, full_ease_metrics(&p, base, k)));
            let table = neighbours::ease_neighbours(&p, config.neighbours_k);
            drop(p);
            let gram = neighbours::ease_gram(x, lambda_rel);
            let refit = neighbours::refit(|a, b| gram[(a, b)], &table);
            drop(gram);
            let plain = consider(Method::Ease { lambda_rel }, table, &mut best)?;
            let refit = consider(Method::EaseRefit { lambda_rel }, refit, &mut best)?;
            Ok(plain.recall.max(refit.recall))
        })?;
        let (lambda_rel, full) = full_by_lambda
            .iter()
            .copied()
            .max_by(|a, b| a.1.recall.total_cmp(&b.1.recall))
            .expect("four tries");
        rows.push(Row {
            model: format!(
                "EASE full, best λ={:.0} ({lambda_rel:.2}·mean degree)",
                lambda_rel * neighbours::mean_degree(x)
            ),
            metrics: full,
        });
    } else {
        eprintln!(
            "tune: full EASE skipped for {n} items (needs {:.1} GiB and ~{:.0} s per λ; bound \
             {:.1} GiB, budget {:.0} s)",
            neighbours::ease_memory_bytes(n) as f64 / (1u64 << 30) as f64,
            ease_seconds(n),
            config.ease_memory as f64 / (1u64 << 30) as f64,
            config.budget_s,
        );
        // Full EASE is exact where it fits; local EASE only stands in for it.
        let co = local_ease::Cooccurrence::of(x);
        eprintln!(
            "tune: local EASE on each item's {} strongest co-buys ({:.1} MiB of co-occurrence \
             rows)",
            local_ease::CANDIDATES,
            co.bytes() as f64 / (1u64 << 20) as f64
        );
        let degree = neighbours::mean_degree(x);
        let mut best_local: Option<(Method, Metrics)> = None;
        search_lambda(|lambda_rel| {
            let table =
                neighbours::local_ease_neighbours(&co, lambda_rel * degree, config.neighbours_k);
            let refit = neighbours::local_ease_refit(&co, lambda_rel * degree, &table);
            let mut recall = 0.0f64;
            for (method, table) in [
                (Method::LocalEase { lambda_rel }, table),
                (Method::LocalEaseRefit { lambda_rel }, refit),
            ] {
                let metrics = consider(method, table, &mut best)?;
                if best_local.is_none_or(|(_, b)| metrics.recall > b.recall) {
                    best_local = Some((method, metrics));
                }
                recall = recall.max(metrics.recall);
            }
            Ok(recall)
        })?;
        let (method, metrics) = best_local.expect("four tries");
        rows.push(Row {
            model: format!(
                "local EASE top-{} neighbours + popularity ({})",
                config.neighbours_k,
                method.describe()
            ),
            metrics,
        });
    }
    if let Some((m @ (Method::Ease { .. } | Method::EaseRefit { .. }), _, s)) = &best {
        rows.push(Row {
            model: format!(
                "EASE top-{} neighbours + popularity ({})",
                config.neighbours_k,
                m.describe()
            ),
            metrics: s.metrics,
        });
    }
    Ok(best.expect("at least one builder"))
}

/// One iALS configuration trained on the validation split and scored as the hybrid.
#[derive(Clone)]
struct Trial {
    config: AlsConfig,
    scored: blend::Scored,
    degenerate: bool,
}

/// The popularity the tuner's models use: all-time counts (`pop_users`, ranked by
/// `all_time`), or the counts of the [`recency::HALF_LIVES_DAYS`] half-life whose
/// popularity lists validate best, when they beat all-time counts by more than the
/// validation noise ([`blend::choose`], all-time taking popularity's place). Returns the
/// half-life, its popularity term, the validation users ranked by it and its scores.
#[allow(clippy::type_complexity)]
fn choose_half_life(
    log: &EventLog,
    train: &Interactions,
    base: &[BaseUser],
    pop_users: Vec<ValUser>,
    all_time: Vec<f32>,
    k: usize,
) -> Result<(Option<f64>, Vec<f32>, Vec<ValUser>, blend::Scored)> {
    let n = all_time.len();
    let mut candidates = vec![(None, all_time)];
    if let Some(ages) = recency::Ages::new(log, &train.items) {
        for days in recency::HALF_LIVES_DAYS {
            let counts = ages.popularity(days);
            candidates.push((Some(days), popularity_term(Some(&counts), n)));
        }
    }
    let recalls: Vec<Vec<f64>> = candidates
        .iter()
        .map(|(_, q)| popularity_recalls(base, q, k))
        .collect();
    let chosen = blend::choose(
        &recalls
            .iter()
            .map(|r| Some(r.as_slice()))
            .collect::<Vec<_>>(),
    );
    let (days, q) = candidates.swap_remove(chosen);
    let users = match days {
        None => pop_users,
        Some(_) => val_users(base, None, &Shared::new(base, None, &q, k))?,
    };
    let scored = blend::evaluate(&users, &q, &Blend::popularity(), k);
    Ok((days, q, users, scored))
}

/// Each validation user's recall of their popularity list under `q` ([`popular_lists`]).
fn popularity_recalls(base: &[BaseUser], q: &[f32], k: usize) -> Vec<f64> {
    popular_lists(base, q, k)
        .iter()
        .zip(base)
        .map(|(list, u)| validation_recall(list, &u.relevant, k))
        .collect()
}

/// Runs the whole search on `log` (the store's training data).
pub fn tune(log: &EventLog, config: &TuneConfig, progress: &Progress) -> Result<Tuned> {
    let start = WorkClock::start();
    let mut split_config = config.split;
    let vsplit = split::validation_split(log, &split_config)?;
    // Cap the users so users × items scores stay within memory.
    let n = vsplit.split.train.matrix.cols();
    let cap = (config.max_scores / n.max(1)).max(100);
    let vsplit = if vsplit.split.users.len() > cap {
        split_config.max_users = cap;
        split::validation_split(log, &split_config)?
    } else {
        vsplit
    };
    let train = &vsplit.split.train;
    let x = &train.matrix;
    let k = config.k;
    let base = base_users(&vsplit.split);
    let all_time = popularity_term(Some(&train.item_user_counts()), n);
    eprintln!(
        "tune: {} validation split, {} users evaluated; validation training {} users x {} \
         items, {} pairs",
        vsplit.kind.as_str(),
        base.len(),
        x.rows(),
        n,
        x.nnz()
    );
    let mut rows = Vec::new();

    // Baselines for the table.
    let pop_users = val_users(&base, None, &Shared::new(&base, None, &all_time, k))?;
    let all_time_popularity = blend::evaluate(&pop_users, &all_time, &Blend::popularity(), k);
    rows.push(Row {
        model: "popularity".into(),
        metrics: all_time_popularity.metrics,
    });
    // The popularity every model below uses, and ships: all-time, or counted with the
    // half-life that validates best.
    let (half_life, q, pop_users, popularity) = match vsplit.split.train_log.as_ref() {
        Some(log) if config.choose_half_life => {
            choose_half_life(log, &vsplit.split.train, &base, pop_users, all_time, k)?
        }
        _ => (None, all_time, pop_users, all_time_popularity),
    };
    if let Some(days) = half_life {
        rows.push(Row {
            model: format!("recent popularity (half-life {days} days)"),
            metrics: popularity.metrics,
        });
    }
    let knn = ItemKnn::new(x, 100);
    rows.push(Row {
        model: "item-kNN cosine, 100 neighbours".into(),
        metrics: crate::eval::evaluate(&vsplit.split, &knn, k, progress, "item-kNN")?,
    });
    drop(knn);

    let bar = progress.spinner("tuning: neighbours");
    let (method, table, nb_scored) = choose_neighbours(x, &base, &q, config, &mut rows)?;
    bar.finish_and_clear();

    // iALS: successive halving.
    let size = DataSize {
        users: x.rows(),
        items: n,
        nnz: x.nnz(),
        validation_users: base.len(),
        mean_history: x.nnz() as f64 / x.rows().max(1) as f64,
    };
    eprintln!(
        "tune: baselines and neighbours took {:.1} s of work ({:.1} s wall)",
        start.seconds(),
        start.wall_seconds()
    );
    // A fixed share of the budget, not what the steps above left of it: the plan must not
    // depend on how fast they happened to run, or the same seed could search differently.
    let search_budget = config.budget_s * SEARCH_SHARE;
    let count = search::affordable(&config.space, search_budget, &size, config.seed);
    let configs = search::sample(&config.space, count, config.seed);
    let search_start = WorkClock::start();
    let shared = Shared::new(&base, Some(&table), &q, k);
    let hybrid_family = Family {
        vectors: true,
        neighbours: true,
    };
    let run = |als_config: &AlsConfig, fine: bool| -> Result<(blend::Scored, Vec<ValUser>)> {
        let model = als::train(x, als_config, |_, _| {})?;
        let recommender = recommender_for(train, &model, als_config)?;
        let users = val_users(&base, Some(&recommender), &shared)?;
        Ok((blend::fit(&users, &q, k, hybrid_family, fine), users))
    };
    let mut alive: Vec<AlsConfig> = configs.clone();
    let mut stopped_early = false;
    let mut trials: Vec<Trial> = Vec::new();
    let bar = progress.steps(count as u64, "tuning: iALS");
    for (rung, &iterations) in RUNG_ITERATIONS.iter().enumerate() {
        let rung_cost: f64 = alive
            .iter()
            .map(|c| search::cost_seconds(c, iterations, &size))
            .sum();
        if rung > 0 && search_start.seconds() + rung_cost > 2.0 * search_budget {
            stopped_early = true;
            eprintln!(
                "tune: stopping the search before rung {} (the work ran past twice the \
                 budget): the choice may differ from an unhurried run",
                rung + 1
            );
            break;
        }
        eprintln!(
            "tune: rung {} ({iterations} iterations, {} configurations) at {:.1} s of work",
            rung + 1,
            alive.len(),
            search_start.seconds()
        );
        bar.set_length(alive.len() as u64);
        bar.set_position(0);
        bar.set_message(format!("rung {} ({iterations} iterations)", rung + 1));
        trials.clear();
        let rung_start = search_start.seconds();
        for c in &alive {
            let c = AlsConfig { iterations, ..*c };
            let (scored, _) = run(&c, false)?;
            trials.push(Trial {
                config: c,
                degenerate: scored.is_popularity_like(&popularity.metrics),
                scored,
            });
            bar.inc(1);
        }
        eprintln!(
            "tune: rung {} took {:.1} s of work (cost model: {:.1} s)",
            rung + 1,
            search_start.seconds() - rung_start,
            rung_cost
        );
        // Non-degenerate first, then recall, NDCG; the sample order breaks exact ties.
        let mut order: Vec<usize> = (0..trials.len()).collect();
        order.sort_by(|&a, &b| {
            let (ta, tb) = (&trials[a], &trials[b]);
            ta.degenerate
                .cmp(&tb.degenerate)
                .then(
                    tb.scored
                        .metrics
                        .recall
                        .total_cmp(&ta.scored.metrics.recall),
                )
                .then(tb.scored.metrics.ndcg.total_cmp(&ta.scored.metrics.ndcg))
                .then(a.cmp(&b))
        });
        let keep = if rung + 1 == RUNG_ITERATIONS.len() {
            1
        } else {
            trials.len().div_ceil(search::ETA)
        };
        alive = order[..keep].iter().map(|&i| trials[i].config).collect();
        trials = order.into_iter().map(|i| trials[i].clone()).collect();
    }
    bar.finish_and_clear();
    let best_config = AlsConfig {
        iterations: RUNG_ITERATIONS[RUNG_ITERATIONS.len() - 1],
        ..alive[0]
    };

    // The winner, finely blended, and its family members.
    let (hybrid_scored, users) = run(&best_config, true)?;
    let ials_only = blend::evaluate(&users, &q, &Blend::vectors_only(), k);
    let ials_pop = blend::fit(
        &users,
        &q,
        k,
        Family {
            vectors: true,
            neighbours: false,
        },
        true,
    );
    let hybrid_recall = blend::per_user_recall(&users, &q, &hybrid_scored.blend, k);
    let ials_recall = blend::per_user_recall(&users, &q, &ials_pop.blend, k);
    drop(users);
    let defaults = AlsConfig {
        seed: config.seed,
        ..AlsConfig::default()
    };
    let (_, default_users) = run(&defaults, false)?;
    let defaults_scored = blend::evaluate(&default_users, &q, &Blend::vectors_only(), k);
    drop(default_users);
    rows.push(Row {
        model: format!("iALS, --no-tune defaults ({})", describe_als(&defaults)),
        metrics: defaults_scored.metrics,
    });
    rows.push(Row {
        model: format!("iALS tuned alone ({})", describe_als(&best_config)),
        metrics: ials_only.metrics,
    });
    rows.push(Row {
        model: format!(
            "iALS tuned + popularity (w_pop {:.3})",
            ials_pop.blend.w_pop
        ),
        metrics: ials_pop.metrics,
    });
    rows.push(Row {
        model: format!(
            "hybrid: iALS + neighbours + popularity (w_nb {:.3}, w_pop {:.3}, {})",
            hybrid_scored.blend.w_nb,
            hybrid_scored.blend.w_pop,
            hybrid_scored.blend.history.as_str()
        ),
        metrics: hybrid_scored.metrics,
    });

    // Families, simplest first: the best, unless a simpler one is within the validation
    // noise of it (blend::choose).
    let pop_recall = blend::per_user_recall(&pop_users, &q, &Blend::popularity(), k);
    let nb_users = val_users(&base, None, &shared)?;
    let nb_recall = blend::per_user_recall(&nb_users, &q, &nb_scored.blend, k);
    drop(nb_users);
    let families = [
        ("popularity", popularity, None),
        ("neighbours+popularity", nb_scored, Some(method)),
        ("ials+popularity", ials_pop, None),
        ("hybrid", hybrid_scored, Some(method)),
    ];
    let recalls = [&pop_recall, &nb_recall, &ials_recall, &hybrid_recall];
    let best = (0..families.len())
        .max_by(|&a, &b| {
            families[a]
                .1
                .metrics
                .recall
                .total_cmp(&families[b].1.metrics.recall)
                .then(b.cmp(&a))
        })
        .expect("four families");
    let winner = blend::choose(&recalls.map(|r| Some(r.as_slice())));
    if winner != best {
        let (gain, se) = blend::paired_difference(recalls[best], recalls[winner]);
        eprintln!(
            "tune: {} beats {} by {gain:.4} recall on validation, within the noise \
             (standard error {se:.4}): shipping the simpler {}",
            families[best].0, families[winner].0, families[winner].0
        );
    }
    let (mut name, mut scored, mut method) = families[winner];
    if winner > 0 && scored.is_popularity_like(&popularity.metrics) {
        eprintln!(
            "tune: the best model ({name}, recall {:.4}) recommends popularity's lists \
             (overlap {:.2}, coverage {:.3} vs {:.3}): shipping popularity",
            scored.metrics.recall,
            scored.popularity_overlap,
            scored.metrics.coverage,
            popularity.metrics.coverage
        );
        (name, scored, method) = families[0];
    }
    let blend = if name == "ials+popularity" || name == "popularity" {
        Blend {
            w_nb: 0.0,
            ..scored.blend
        }
    } else {
        scored.blend
    };
    rows.push(Row {
        model: format!("→ chosen: {name}"),
        metrics: scored.metrics,
    });
    Ok(Tuned {
        choice: Choice {
            als: best_config,
            method: if blend.w_nb != 0.0 { method } else { None },
            blend,
            winner: name.to_string(),
            popularity_half_life_days: half_life,
            validation: scored.metrics,
        },
        rows,
        split_kind: vsplit.kind,
        held_out_days: vsplit.held_out_days,
        validation_users: base.len(),
        configurations: count,
        seconds: start.seconds(),
        wall_seconds: start.wall_seconds(),
        stopped_early,
    })
}

pub fn describe_als(c: &AlsConfig) -> String {
    let scaling = match c.lambda_scaling {
        shopwindow::catalog::LambdaScaling::Constant => "",
        shopwindow::catalog::LambdaScaling::Interactions => "·n",
    };
    format!(
        "d={} λ={:.3}{} α={:.3} it={}",
        c.factors, c.regularization, scaling, c.alpha, c.iterations
    )
}

/// The validation table as Markdown.
pub fn table(tuned: &Tuned, k: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "validation ({} split, {} users, {} iALS configurations, {:.1} s of work, {:.1} s \
         wall{}):",
        tuned.split_kind.as_str(),
        tuned.validation_users,
        tuned.configurations,
        tuned.seconds,
        tuned.wall_seconds,
        if tuned.stopped_early {
            ", stopped early"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "| model | {} | NDCG@{k} | coverage |",
        validation_recall_name(k)
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for r in &tuned.rows {
        let _ = writeln!(
            out,
            "| {} | {:.4} | {:.4} | {:.3} |",
            r.model, r.metrics.recall, r.metrics.ndcg, r.metrics.coverage
        );
    }
    out
}

/// What a store should know when the shipped popularity forgets ([`recency`]): its
/// bestseller list was validated only on the weeks right after its data, and goes stale if
/// the catalog is served much longer (an old catalog's "recent" buys are old). `None` with
/// all-time counts.
pub fn freshness_advice(tuned: &Tuned) -> Option<String> {
    let half_life = tuned.choice.popularity_half_life_days?;
    let rebuild = match tuned.held_out_days {
        Some(days) if days >= 1.5 => format!(
            "it was validated on the {days:.0} days after its training data, so rebuild the \
             catalog at least every {days:.0} days"
        ),
        Some(_) => "it was validated on the day after its training data, so rebuild the \
                    catalog daily"
            .to_string(),
        None => "rebuild the catalog as the log grows".to_string(),
    };
    Some(format!(
        "note: the catalog's popularity halves with every {half_life} days of a purchase's \
         age; {rebuild}, or train with --tune-popularity all-time for a catalog served \
         unchanged for longer\n"
    ))
}

/// The tuner's choice and figures as catalog metadata (`tune.*`, free text that `inspect`
/// and the browser's `info()` show); the blend itself is written by [`fit_final`] through
/// the core's writer.
pub fn metadata(tuned: &Tuned, config: &TuneConfig) -> BTreeMap<String, String> {
    let c = &tuned.choice;
    let mut meta = BTreeMap::new();
    let mut put = |key: &str, value: String| {
        meta.insert(format!("tune.{key}"), value);
    };
    put("winner", c.winner.clone());
    put(
        "popularity_half_life_days",
        c.popularity_half_life_days
            .map_or("all-time".into(), |d| d.to_string()),
    );
    put("split", tuned.split_kind.as_str().into());
    put("validation_users", tuned.validation_users.to_string());
    put("k", config.k.to_string());
    put("seed", config.seed.to_string());
    put("budget_s", config.budget_s.to_string());
    put("seconds", format!("{:.1}", tuned.seconds));
    put("configurations", tuned.configurations.to_string());
    put("als", describe_als(&c.als));
    put(
        "neighbours",
        c.method.map_or("none".into(), |m| m.describe()),
    );
    put(
        "validation",
        format!(
            "{} {:.4}, ndcg {:.4}, coverage {:.3}",
            validation_recall_name(config.k),
            c.validation.recall,
            c.validation.ndcg,
            c.validation.coverage
        ),
    );
    for r in &tuned.rows {
        put(
            &format!(
                "table.{}",
                r.model.split(['(', ',']).next().unwrap_or("").trim()
            ),
            format!("{:.4}", r.metrics.recall),
        );
    }
    meta
}

/// Step 5: the chosen model refit on `interactions` (all the data, `log` its events), as
/// catalog bytes with the neighbour tensors and the metadata.
#[allow(clippy::too_many_arguments)]
pub fn fit_final(
    log: &EventLog,
    interactions: &Interactions,
    items: &ItemTable,
    new_items: &crate::content::NewItems,
    choice: &Choice,
    neighbours_k: usize,
    dtype: VectorDtype,
    mut metadata: BTreeMap<String, String>,
    progress: &Progress,
) -> Result<Vec<u8>> {
    let m = &interactions.matrix;
    let bar = progress.steps(choice.als.iterations as u64, "refit: iterations");
    let model = als::train(m, &choice.als, |_, _| bar.inc(1))?;
    bar.finish_and_clear();
    let bar = progress.spinner("content vectors");
    let mut extended = crate::content::extend(
        interactions.items.ids(),
        &model.item_factors,
        model.factors,
        &interactions.item_user_counts(),
        items,
        new_items,
        Some(crate::content::FoldIn {
            train: m,
            params: choice.als.model_params(),
        }),
        choice.als.seed,
    )?;
    bar.finish_and_clear();
    if let Some(days) = choice.popularity_half_life_days {
        // The trained items come first; content-derived ones keep popularity 0.
        let recent = recency::popularity(log, &interactions.items, days)
            .context("the chosen popularity half-life needs a time on every row")?;
        extended.popularity[..recent.len()].copy_from_slice(&recent);
    }
    if let Some(line) = extended.scale_line() {
        eprintln!("{line}");
    }
    metadata.extend(extended.metadata());
    let bytes = build_catalog(&CatalogSpec {
        ids: &extended.ids,
        vectors: &extended.vectors,
        dim: model.factors,
        popularity: &extended.popularity,
        items,
        params: choice.als.model_params(),
        dtype,
        metadata,
    })?;
    let neighbours = choice.method.map(|method| {
        let bar = progress.spinner("refit: neighbours");
        let mut table = neighbours::build(m, method, neighbours_k);
        // Content-derived items have no interactions, so nothing to recommend from them
        // and nothing recommends them: empty rows.
        table
            .ids
            .resize(extended.ids.len() * table.k, neighbours::EMPTY);
        table
            .weights
            .resize(extended.ids.len() * table.k, half::f16::ZERO);
        bar.finish_and_clear();
        table
    });
    let spec = hybrid_spec(&choice.blend, neighbours.as_ref());
    Ok(shopwindow::catalog::with_hybrid(&bytes, Some(&spec))?)
}

/// The blend and neighbour table in the core's writer's terms.
pub fn hybrid_spec(blend: &Blend, table: Option<&Neighbours>) -> HybridSpec {
    HybridSpec {
        params: blend_params(blend),
        neighbours: table.map(|t| NeighbourSpec {
            k: t.k,
            ids: t.ids.clone(),
            // f16 → f32 is exact, and the writer rounds back to the same f16.
            weights: t.weights.iter().map(|w| w.to_f32()).collect(),
        }),
    }
}

/// The core's view of a blend.
pub fn blend_params(blend: &Blend) -> HybridParams {
    HybridParams {
        vectors: blend.vectors,
        neighbour_weight: blend.w_nb,
        popularity_weight: blend.w_pop,
        history: blend.history,
    }
}

/// A blend read back from a catalog's (checked) hybrid parameters.
pub fn blend_of(params: &HybridParams) -> Blend {
    Blend {
        vectors: params.vectors,
        w_nb: params.neighbour_weight,
        w_pop: params.popularity_weight,
        history: params.history,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_recall_counts_the_first_half_twice() {
        let relevant: HashSet<u32> = [1, 2].into_iter().collect();
        let list = |hits_at: &[usize]| -> Vec<u32> {
            (0..20)
                .map(|p| {
                    if hits_at.contains(&p) {
                        1 + hits_at.iter().position(|&h| h == p).unwrap() as u32
                    } else {
                        100 + p as u32
                    }
                })
                .collect()
        };
        // Both held items in the top 10: full credit at 10 and at 20.
        assert_eq!(validation_recall(&list(&[0, 9]), &relevant, 20), 1.0);
        // Both in places 11-20: none at 10, full at 20.
        assert_eq!(validation_recall(&list(&[10, 19]), &relevant, 20), 0.5);
        // One each: half at 10, full at 20.
        assert_eq!(validation_recall(&list(&[3, 15]), &relevant, 20), 0.75);
        assert_eq!(validation_recall(&list(&[]), &relevant, 20), 0.0);
        // A list of one is measured at one.
        assert_eq!(validation_recall(&[1], &relevant, 1), 1.0);
        assert_eq!(validation_recall_name(20), "recall@10/20");
        assert_eq!(validation_recall_name(1), "recall@1/1");
    }

    /// 600 customers buy three of 30 staples early on; each of the first 300 then buys two
    /// of 30 new products shortly before the validation slice and two more in it. All-time
    /// counts rank the staples first, so only a popularity that forgets finds the new
    /// products. `steady`: every purchase spread over the whole log instead.
    fn season_log(steady: bool) -> EventLog {
        const DAY: i64 = 86_400;
        let mut log = EventLog::default();
        for u in 0..600 {
            for j in 0..3 {
                let staple = (u * 7 + j * 11) % 30;
                let day = if steady {
                    (u * 17 + j * 31) % 100
                } else {
                    u % 10
                };
                log.push(
                    &format!("u{u}"),
                    &format!("s{staple}"),
                    1.0,
                    Some(day * DAY),
                );
            }
        }
        for u in 0..300 {
            for j in 0..4 {
                let day = if steady {
                    (u * 13 + j * 29) % 100
                } else if j < 2 {
                    95 + j
                } else {
                    100 + j
                };
                let product = (u + j * 7) % 30;
                log.push(
                    &format!("u{u}"),
                    &format!("n{product}"),
                    1.0,
                    Some(day * DAY),
                );
            }
        }
        log
    }

    fn half_life_of(log: &EventLog) -> (Option<f64>, f64, f64) {
        let config = SplitConfig {
            kind: SplitKind::Temporal,
            fraction: 0.2,
            ..SplitConfig::default()
        };
        let split = split::validation_split(log, &config).unwrap().split;
        let base = base_users(&split);
        let n = split.train.matrix.cols();
        let all_time = popularity_term(Some(&split.train.item_user_counts()), n);
        let users = val_users(&base, None, &Shared::new(&base, None, &all_time, 20)).unwrap();
        let before = blend::evaluate(&users, &all_time, &Blend::popularity(), 20);
        let (days, _, _, scored) = choose_half_life(
            split.train_log.as_ref().unwrap(),
            &split.train,
            &base,
            users,
            all_time,
            20,
        )
        .unwrap();
        (days, before.metrics.recall, scored.metrics.recall)
    }

    #[test]
    fn the_popularity_forgets_when_the_season_turns_and_not_otherwise() {
        let (days, all_time, chosen) = half_life_of(&season_log(false));
        assert!(days.is_some(), "a half-life should be chosen");
        assert!(chosen > all_time + 0.2, "{chosen} vs {all_time}");
        // Demand that does not move: all-time counts stay (the same figures).
        let (days, all_time, chosen) = half_life_of(&season_log(true));
        assert_eq!(days, None);
        assert_eq!(chosen, all_time);
        // Without times nothing is counted with a half-life.
        let timed = season_log(false);
        let mut untimed = EventLog::default();
        for e in &timed.events {
            untimed.push(timed.users.id(e.user), timed.items.id(e.item), 1.0, None);
        }
        let config = SplitConfig::default();
        let split = split::validation_split(&untimed, &config).unwrap().split;
        let base = base_users(&split);
        let all_time = popularity_term(
            Some(&split.train.item_user_counts()),
            split.train.matrix.cols(),
        );
        let users = val_users(&base, None, &Shared::new(&base, None, &all_time, 20)).unwrap();
        let log = split.train_log.as_ref().unwrap();
        let (days, ..) = choose_half_life(log, &split.train, &base, users, all_time, 20).unwrap();
        assert_eq!(days, None);
    }

    /// A choice of popularity counted with `days`' half-life, shipping `als`' vectors.
    fn popularity_choice(als: AlsConfig, days: Option<f64>) -> Choice {
        Choice {
            als,
            method: None,
            blend: Blend::popularity(),
            winner: "popularity".into(),
            popularity_half_life_days: days,
            validation: Metrics {
                users: 0,
                recall: 0.0,
                ndcg: 0.0,
                coverage: 0.0,
            },
        }
    }

    #[test]
    fn the_refit_ships_the_chosen_half_lifes_popularity() {
        let log = season_log(false);
        let interactions = log.to_interactions();
        let choice = |days| {
            popularity_choice(
                AlsConfig {
                    factors: 4,
                    iterations: 2,
                    ..AlsConfig::default()
                },
                days,
            )
        };
        let popularity_of = |days| {
            let bytes = fit_final(
                &log,
                &interactions,
                &ItemTable::new(),
                &crate::content::NewItems::default(),
                &choice(days),
                neighbours::DEFAULT_K,
                VectorDtype::F32,
                BTreeMap::new(),
                &Progress::hidden(),
            )
            .unwrap();
            let catalog = Catalog::from_bytes(bytes).unwrap();
            let of =
                |id: &str| catalog.popularity().unwrap()[catalog.index_of(id).unwrap() as usize];
            (of("s0"), of("n0"))
        };
        // All-time: a staple's 60 customers against a new product's 40.
        assert_eq!(popularity_of(None), (60.0, 40.0));
        // Three days: the staples, three months old, count for almost nothing; n0's 40
        // buyers, at days 95, 96, 102 and 103 of a log that ends at day 103, 0.16 to 1 each.
        let (staple, new) = popularity_of(Some(3.0));
        assert!(staple < 0.01 && new > 10.0, "{staple} {new}");
    }

    #[test]
    fn a_forgetting_popularity_comes_with_a_rebuild_interval() {
        let tuned = |days, held_out_days| Tuned {
            choice: popularity_choice(AlsConfig::default(), days),
            rows: Vec::new(),
            split_kind: SplitKind::Temporal,
            held_out_days,
            validation_users: 0,
            configurations: 0,
            seconds: 0.0,
            wall_seconds: 0.0,
            stopped_early: false,
        };
        let advice = freshness_advice(&tuned(Some(3.0), Some(23.6))).unwrap();
        assert!(advice.contains("every 3 days"), "{advice}");
        assert!(advice.contains("validated on the 24 days"), "{advice}");
        assert!(advice.contains("at least every 24 days"), "{advice}");
        assert!(advice.contains("--tune-popularity all-time"), "{advice}");
        // Under a day and a half: a daily rebuild, not "every 0 days".
        let short = freshness_advice(&tuned(Some(1.0), Some(0.2))).unwrap();
        assert!(short.contains("validated on the day after"), "{short}");
        assert!(short.contains("rebuild the catalog daily"), "{short}");
        let untimed_window = freshness_advice(&tuned(Some(10.0), None)).unwrap();
        assert!(
            untimed_window.contains("as the log grows"),
            "{untimed_window}"
        );
        // All-time counts do not go stale the same way: nothing to say.
        assert_eq!(freshness_advice(&tuned(None, Some(23.6))), None);
    }

    #[test]
    fn popularity_recalls_from_one_order_equal_ranking_each_user() {
        let mut rng = crate::als::SplitMix64::new(5);
        for case in 0..50 {
            let n = 1 + (rng.next_u64() % 40) as usize;
            // Coarse values, so ties are common.
            let q: Vec<f32> = (0..n).map(|_| (rng.next_u64() % 4) as f32 * 0.25).collect();
            let base: Vec<BaseUser> = (0..8)
                .map(|_| {
                    let mut excluded: Vec<u32> =
                        (0..n as u32).filter(|_| rng.next_u64() % 3 == 0).collect();
                    excluded.dedup();
                    let relevant: HashSet<u32> = (0..n as u32)
                        .filter(|i| excluded.binary_search(i).is_err() && rng.next_u64() % 4 == 0)
                        .collect();
                    BaseUser {
                        weights: excluded.iter().map(|&i| (i, 1.0)).collect(),
                        relevant,
                        excluded,
                    }
                })
                .collect();
            let k = 1 + case % 12;
            for (u, list) in base.iter().zip(popular_lists(&base, &q, k)) {
                let components = Components {
                    vector: None,
                    neighbours: Arc::new(Vec::new()),
                    excluded: u.excluded.clone(),
                };
                let ranked: Vec<u32> = hybrid::rank(&components, &q, &Blend::popularity(), k)
                    .into_iter()
                    .map(|s| s.index)
                    .collect();
                assert_eq!(list, ranked, "case {case}");
            }
            let users = val_users(&base, None, &Shared::new(&base, None, &q, k)).unwrap();
            assert_eq!(
                popularity_recalls(&base, &q, k),
                blend::per_user_recall(&users, &q, &Blend::popularity(), k),
                "case {case}"
            );
        }
    }
}
