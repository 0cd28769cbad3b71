//! Offline evaluation: every model sees the same training matrix, ranks the whole catalog
//! minus the user's training items, and is scored on the user's held-out items.

pub mod baselines;
pub mod baskets;
pub mod catalog_ranker;
pub mod cold;
pub mod core_ranker;
pub mod export;
pub mod fresh_golden;
pub mod memory;
pub mod metrics;
pub mod protocols;
pub mod rerank;
pub mod spd_inverse;
pub mod split;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use shopwindow::VectorDtype;

use crate::als::{self, AlsConfig};
use crate::catalog_file::{build_catalog, CatalogSpec};
use crate::data::ItemTable;
use crate::progress::Progress;
use baselines::{Ease, ItemKnn, Popularity};
use catalog_ranker::CatalogRanker;
use core_ranker::CoreRanker;
use metrics::{MetricSums, Metrics};
use split::EvalSplit;

/// A model that ranks items for a user of the training matrix.
pub trait Ranker: Sync {
    /// The k best items for training row `row`, excluding the row's own items.
    fn rank(&self, row: usize, k: usize) -> Result<Vec<u32>>;
}

/// One model to fit and score, with its hyper-parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSpec {
    /// Our implicit ALS, scored through the core recommender (fold-in + top-k) from a
    /// catalog stored as `dtype`.
    Ials {
        als: AlsConfig,
        dtype: VectorDtype,
    },
    /// The same catalog, each user's history split into interest clusters whose lists
    /// are interleaved (multi-interest).
    IalsInterests {
        als: AlsConfig,
        dtype: VectorDtype,
    },
    Popularity,
    ItemKnn {
        neighbors: usize,
    },
    Ease {
        lambda: f64,
    },
    /// A catalog file made elsewhere (`import`, `train`), scored through the core
    /// recommender; a catalog with the hybrid's additions is scored as the device will
    /// score it (`tune::hybrid`).
    Catalog {
        path: std::path::PathBuf,
    },
    /// What `train` does without hyper-parameter flags, on the split's training data:
    /// tune on a validation split carved from it, refit, score the catalog as the device.
    Tuned {
        config: crate::tune::TuneConfig,
        dtype: VectorDtype,
    },
}

impl ModelSpec {
    /// The name with the hyper-parameters that matter, for the table.
    pub fn describe(&self) -> String {
        match self {
            ModelSpec::IalsInterests { als, dtype } => format!(
                "{} multi-interest",
                ModelSpec::Ials {
                    als: *als,
                    dtype: *dtype
                }
                .describe()
            ),
            ModelSpec::Ials { als, dtype } => {
                let scaling = match als.lambda_scaling {
                    shopwindow::catalog::LambdaScaling::Constant => "",
                    shopwindow::catalog::LambdaScaling::Interactions => "·n",
                };
                let solver = match als.solver {
                    als::Solver::ConjugateGradient { steps } => format!("cg{steps}"),
                    als::Solver::Cholesky => "cholesky".into(),
                };
                format!(
                    "iALS d={} λ={}{} α={} it={} {solver} {}",
                    als.factors,
                    als.regularization,
                    scaling,
                    als.alpha,
                    als.iterations,
                    dtype.as_str()
                )
            }
            ModelSpec::Popularity => "popularity".into(),
            ModelSpec::ItemKnn { neighbors } => format!("item-kNN cosine, {neighbors} neighbours"),
            ModelSpec::Ease { lambda } => format!("EASE λ={lambda}"),
            ModelSpec::Catalog { path } => format!("catalog {}", path.display()),
            ModelSpec::Tuned { config, dtype } => format!(
                "train, self-tuned (budget {} s, seed {}, {})",
                config.budget_s,
                config.seed,
                dtype.as_str()
            ),
        }
    }
}

/// One line of the results table.
#[derive(Debug, Clone)]
pub struct ModelResult {
    pub model: String,
    pub metrics: Metrics,
    /// Seconds spent fitting (training, building the catalog, or the closed form).
    pub fit_seconds: f64,
}

/// Scores `ranker` on every user of `split`.
pub fn evaluate(
    split: &EvalSplit,
    ranker: &dyn Ranker,
    k: usize,
    progress: &Progress,
    label: &str,
) -> Result<Metrics> {
    let bar = progress.steps(split.users.len() as u64, label);
    // Lists are computed in parallel and summed in user order, so the averages do not
    // depend on the thread count.
    let lists: Vec<Vec<u32>> = split
        .users
        .par_iter()
        .map(|user| {
            let list = ranker.rank(user.row as usize, k);
            bar.inc(1);
            list
        })
        .collect::<Result<_>>()?;
    bar.finish_and_clear();
    let mut sums = MetricSums::new(split.train.matrix.cols());
    for (user, list) in split.users.iter().zip(&lists) {
        sums.add(list, &user.relevant, k);
    }
    Ok(sums.finish())
}

/// Trains iALS on the split and returns the catalog the browser would download.
pub fn train_catalog(
    split: &EvalSplit,
    als_config: &AlsConfig,
    dtype: VectorDtype,
    progress: &Progress,
) -> Result<Vec<u8>> {
    let bar = progress.steps(als_config.iterations as u64, "training");
    let model = als::train(&split.train.matrix, als_config, |_, _| bar.inc(1))?;
    bar.finish_and_clear();
    let popularity = split.train.item_user_counts();
    let mut metadata = BTreeMap::new();
    metadata.insert(
        "source".to_string(),
        format!("shopwindow eval: {}", split.name),
    );
    build_catalog(&CatalogSpec {
        ids: split.train.items.ids(),
        vectors: &model.item_factors,
        dim: model.factors,
        popularity: &popularity,
        items: &ItemTable::new(),
        params: als_config.model_params(),
        dtype,
        metadata,
    })
}

/// Fits and scores one model on one split.
pub fn run_model(
    split: &EvalSplit,
    spec: &ModelSpec,
    k: usize,
    progress: &Progress,
) -> Result<ModelResult> {
    let train = &split.train.matrix;
    let start = Instant::now();
    let ranker: Box<dyn Ranker + '_> = match spec {
        ModelSpec::Ials { als, dtype } => Box::new(CoreRanker::new(
            train_catalog(split, als, *dtype, progress)?,
            train,
        )?),
        ModelSpec::Catalog { path } => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            catalog_ranker(bytes, split)?
        }
        ModelSpec::Tuned { config, dtype } => {
            let bytes = tuned_catalog(split, config, *dtype, progress)?;
            report_parts(&bytes, split, k, progress)?;
            catalog_ranker(bytes, split)?
        }
        ModelSpec::IalsInterests { als, dtype } => Box::new(core_ranker::InterestRanker(
            CoreRanker::new(train_catalog(split, als, *dtype, progress)?, train)?,
        )),
        ModelSpec::Popularity => Box::new(Popularity::new(train)),
        ModelSpec::ItemKnn { neighbors } => {
            let bar = progress.count(train.cols() as u64, "item-kNN", "items");
            let knn = ItemKnn::with_progress(train, *neighbors, &bar);
            bar.finish_and_clear();
            Box::new(knn)
        }
        ModelSpec::Ease { lambda } => {
            // The inverse dominates: counted in multiply-adds, so the bar has an ETA.
            let n = train.cols();
            let bar = progress.count(
                spd_inverse::inverse_work(n),
                "EASE inverse",
                "multiply-adds",
            );
            let ease = Ease::with_progress(train, *lambda, &bar);
            bar.finish_and_clear();
            Box::new(ease)
        }
    };
    let fit_seconds = start.elapsed().as_secs_f64();
    let label = format!("{} eval", split.name);
    let metrics = evaluate(split, ranker.as_ref(), k, progress, &label)?;
    Ok(ModelResult {
        model: spec.describe(),
        metrics,
        fit_seconds,
    })
}

/// The tuned catalog's parts on this split, on stderr: its vectors alone, and its
/// neighbours and popularity without the vectors.
/// What `train` without hyper-parameter flags writes, trained on `split`'s training part:
/// tuned on a validation split of it, refit on all of it.
pub fn tuned_catalog(
    split: &EvalSplit,
    config: &crate::tune::TuneConfig,
    dtype: VectorDtype,
    progress: &Progress,
) -> Result<Vec<u8>> {
    let log = split
        .train_log
        .as_ref()
        .context("this split keeps no training log to tune on")?;
    let tuned = crate::tune::tune(log, config, progress)?;
    eprint!("{}", crate::tune::table(&tuned, config.k));
    crate::tune::fit_final(
        log,
        &split.train,
        &ItemTable::new(),
        &crate::content::NewItems::default(),
        &tuned.choice,
        config.neighbours_k,
        dtype,
        crate::tune::metadata(&tuned, config),
        progress,
    )
}

fn report_parts(bytes: &[u8], split: &EvalSplit, k: usize, progress: &Progress) -> Result<()> {
    use crate::tune::hybrid::Blend;
    use crate::tune::{blend_of, blend_params};
    let catalog = shopwindow::Catalog::from_bytes(bytes.to_vec())?;
    let Some(hybrid) = catalog.hybrid() else {
        return Ok(());
    };
    let blend = blend_of(&hybrid.params);
    let parts = [
        (
            "vectors alone",
            Blend {
                vectors: true,
                w_nb: 0.0,
                w_pop: 0.0,
                ..blend
            },
        ),
        (
            "neighbours + popularity, no vectors",
            Blend {
                vectors: false,
                w_nb: if blend.w_nb > 0.0 { blend.w_nb } else { 1.0 },
                w_pop: blend.w_pop.max(1e-3),
                ..blend
            },
        ),
    ];
    for (name, part) in parts {
        // The same catalog with the part's blend, scored by the core as the device would.
        let mut spec = hybrid_spec_of(&catalog);
        spec.params = blend_params(&part);
        let variant = shopwindow::catalog::with_hybrid(bytes, Some(&spec))?;
        let ranker = CatalogRanker::new(variant, &split.train)?;
        let metrics = evaluate(split, &ranker, k, progress, name)?;
        eprintln!(
            "  {}: tuned catalog, {name}: recall@{k} {:.4}, NDCG@{k} {:.4}, coverage {:.3}",
            split.name, metrics.recall, metrics.ndcg, metrics.coverage
        );
    }
    Ok(())
}

/// A catalog's hybrid as the writer's spec (to rewrite it with other blend weights).
fn hybrid_spec_of(catalog: &shopwindow::Catalog) -> shopwindow::catalog::HybridSpec {
    let hybrid = catalog.hybrid().expect("called on a hybrid catalog");
    shopwindow::catalog::HybridSpec {
        params: hybrid.params,
        neighbours: hybrid.neighbours.map(|table| {
            let mut ids = Vec::with_capacity(catalog.len() * table.k());
            let mut weights = Vec::with_capacity(catalog.len() * table.k());
            for j in 0..catalog.len() {
                let (row_ids, row_bits) = table.row(j);
                ids.extend_from_slice(row_ids);
                weights.extend(row_bits.iter().map(|&b| half::f16::from_bits(b).to_f32()));
            }
            shopwindow::catalog::NeighbourSpec {
                k: table.k(),
                ids,
                weights,
            }
        }),
    }
}

/// The browser's ranking of a catalog (hybrid or not): the core's `Recommender`.
fn catalog_ranker(bytes: Vec<u8>, split: &EvalSplit) -> Result<Box<dyn Ranker + '_>> {
    Ok(Box::new(CatalogRanker::new(bytes, &split.train)?))
}

/// Runs every model on every split; with several splits (MovieLens u1..u5) each model's
/// line is the mean over splits (fit time: the total).
pub fn run_all(
    splits: &[EvalSplit],
    specs: &[ModelSpec],
    k: usize,
    progress: &Progress,
    mut on_result: impl FnMut(&ModelResult),
) -> Result<Vec<ModelResult>> {
    // Before any model runs (EASE alone can take minutes): the models scored through the
    // core replay each training weight as that many history events.
    for split in splits {
        check_event_counts(split)?;
    }
    let mut rows = Vec::new();
    for spec in specs {
        let mut per_split = Vec::new();
        let mut fit_seconds = 0.0;
        for split in splits {
            let result = run_model(split, spec, k, progress)?;
            fit_seconds += result.fit_seconds;
            per_split.push(result.metrics);
        }
        let row = ModelResult {
            model: spec.describe(),
            metrics: metrics::mean(&per_split),
            fit_seconds,
        };
        on_result(&row);
        rows.push(row);
    }
    Ok(rows)
}

/// Every training weight of `split` must be a whole count of at least one event; the error
/// names the customer and item ids.
pub fn check_event_counts(split: &EvalSplit) -> Result<()> {
    let train = &split.train;
    for row in 0..train.matrix.rows() {
        let (columns, weights) = train.matrix.row(row);
        if let Some((&item, &w)) = columns
            .iter()
            .zip(weights)
            .find(|(_, &w)| !(w >= 1.0 && w.fract() == 0.0))
        {
            anyhow::bail!(
                "split {}: customer {:?} has weight {w} on item {:?}, not a whole count of \
                 events; the evaluated models replay training weights as events, as the \
                 shopper's device keeps them",
                split.name,
                train.users.id(row as u32),
                train.items.id(item)
            );
        }
    }
    Ok(())
}

/// Refuses, before anything runs, a model whose memory estimate on some split is above
/// `limit` bytes (EASE's dense items × items matrices; item-kNN's count rows).
pub fn check_memory(splits: &[EvalSplit], specs: &[ModelSpec], limit: f64) -> Result<()> {
    let threads = rayon::current_num_threads();
    for split in splits {
        let m = &split.train.matrix;
        for spec in specs {
            let estimate = match spec {
                ModelSpec::Ease { .. } => memory::ease_bytes(m.cols()),
                ModelSpec::ItemKnn { neighbors } => {
                    memory::item_knn_bytes(m.cols(), *neighbors, threads, m.nnz())
                }
                _ => continue,
            };
            let model = format!("{} on {} items", spec.describe(), m.cols());
            memory::check(&model, estimate, limit)?;
        }
    }
    Ok(())
}

/// The results as a Markdown table.
pub fn table(k: usize, rows: &[ModelResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| model | recall@{k} | NDCG@{k} | coverage | users | fit s |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for r in rows {
        let m = &r.metrics;
        let _ = writeln!(
            out,
            "| {} | {:.4} | {:.4} | {:.3} | {} | {:.2} |",
            r.model, m.recall, m.ndcg, m.coverage, m.users, r.fit_seconds
        );
    }
    out
}
