//! `shopwindow eval`: offline metrics of our iALS (through the core recommender) next to
//! popularity, item-kNN and EASE, on MovieLens-100K, Online Retail or any timestamped file.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};

use super::args::{solver, CsvArgs, DtypeArg, RatingWeightArg, ScalingArg, SourceArgs, TuneArgs};
use crate::als::AlsConfig;
use crate::eval::protocols::{
    csv_temporal_split, movielens_splits, online_retail_split, LAST_BASKET,
};
use crate::eval::split::EvalSplit;
use crate::eval::{run_all, table, ModelSpec};
use crate::golden;
use crate::progress::Progress;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// Our implicit ALS, scored by the core's fold-in and top-k (what the browser runs).
    Ials,
    /// iALS with each user's history split into up to 4 interest clusters (k-means over
    /// the history items), per-interest lists interleaved.
    IalsInterests,
    /// Most-interacted items first.
    Popularity,
    /// Item-based nearest neighbours, cosine similarity.
    Itemknn,
    /// EASE (Steck 2019), closed form: needs an items × items matrix in memory.
    Ease,
    /// The catalog file of --catalog (e.g. from `import --from spark-als`), trained on
    /// this split elsewhere, scored by the core's fold-in and top-k (a hybrid catalog
    /// from `train` as the device will score it).
    Catalog,
    /// `train` with no hyper-parameter flags on the split's training data: tuned on a
    /// validation split carved from it, refit, scored as the device will.
    Tuned,
}

/// Evaluate recommendation quality offline.
///
/// Protocols: `--movielens DIR` runs the official u1..u5 splits (recall@10 and NDCG@10 over
/// all items, training items excluded, averaged over the five splits). `--online-retail
/// FILE` trains on invoices before 2011-11-01 and asks for the items each customer bought
/// later but never before (recall@20, NDCG@20). `--interactions FILE --test-from DATE`
/// splits any timestamped file the same way.
///
/// Every iALS hyper-parameter accepts a comma-separated list; all combinations are run
/// (a tuning grid), each as one line of the table.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  shopwindow eval --movielens ../shared/data/movielens-100k
  shopwindow eval --online-retail online_retail.csv.gz --models ials --regularization 5,20 --alpha 0.5,1
  shopwindow eval --interactions events.csv --test-from 2024-06-01 --k 10
  shopwindow eval --online-retail online_retail.csv.gz --export-split split/
  shopwindow eval --online-retail online_retail.csv.gz --models catalog,ials --catalog spark.safetensors")]
pub struct EvalArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub csv: CsvArgs,
    /// First day of the test period for --interactions (YYYY-MM-DD or Unix seconds), or
    /// `last-basket`: each customer's events at their latest time are the test set (the
    /// tuned model then validates on each customer's last training basket too, unless
    /// --tune-split says otherwise).
    #[arg(long, value_name = "DATE")]
    pub test_from: Option<String>,
    /// MovieLens: how a rating becomes a weight.
    #[arg(long, value_enum, default_value_t = RatingWeightArg::One)]
    pub movielens_weight: RatingWeightArg,
    #[command(flatten)]
    pub models: ModelArgs,
    #[command(flatten)]
    pub grid: GridArgs,
    #[command(flatten)]
    pub golden: GoldenArgs,
    #[command(flatten)]
    pub tune: TuneArgs,
    /// Write the training split as integer-indexed CSVs for another trainer (DIR/ratings.csv
    /// `user,item,rating`; DIR/item_ids.csv and DIR/user_ids.csv map the integers back to
    /// the ids) and stop. Train Spark's ALS on it, import, and evaluate with `--models
    /// catalog --catalog FILE`.
    #[arg(long, value_name = "DIR")]
    pub export_split: Option<PathBuf>,
    #[command(flatten)]
    pub cold: ColdArgs,
}

/// The cold-start protocol.
#[derive(Debug, Args)]
#[command(next_help_heading = "Cold start")]
pub struct ColdArgs {
    /// Score products without interactions at training time instead of the usual table:
    /// the test period's new products (temporal splits) and a seeded share of the training
    /// products hidden from training (--hide-items; MovieLens: fold u1), each ranked by
    /// random, category popularity, content nearest neighbours and iALS with the content
    /// map; plus the usual held-out products with and without content-derived items.
    /// The iALS settings are the grid's first combination.
    #[arg(long)]
    pub cold_start: bool,
    /// Share of the training products hidden from training (with --cold-start; 0: none).
    #[arg(long, value_name = "SHARE", default_value_t = 0.1)]
    pub hide_items: f64,
    /// Items file with content (title, description, brand, category, price) for
    /// --interactions; Online Retail and MovieLens bring their own.
    #[arg(long, value_name = "FILE")]
    pub items: Option<PathBuf>,
    /// As `train --content-scale` (default auto, chosen on the training split's customers):
    /// multiplies the candidates' content-derived vectors.
    #[arg(long, value_name = "S|auto", default_value = "auto", value_parser = crate::content::scale::parse_setting)]
    pub content_scale: crate::content::ScaleSetting,
}

/// Which models, how long a list.
#[derive(Debug, Args)]
#[command(next_help_heading = "Models")]
pub struct ModelArgs {
    /// Models to run, in table order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "popularity,itemknn,ease,ials"
    )]
    pub models: Vec<ModelArg>,
    /// List length k (default: 10 for MovieLens, 20 otherwise).
    #[arg(long)]
    pub k: Option<usize>,
    /// Neighbours kept per item by item-kNN.
    #[arg(long, default_value_t = 100)]
    pub knn_neighbors: usize,
    /// EASE regularization value(s).
    #[arg(long, value_delimiter = ',', default_value = "500")]
    pub ease_lambda: Vec<f64>,
    /// Catalog file(s) for the `catalog` model.
    #[arg(long, value_name = "FILE", value_delimiter = ',')]
    pub catalog: Vec<PathBuf>,
    /// Memory (GB) a baseline may need: EASE and item-kNN are estimated before anything
    /// runs and refused above it [default: 80% of the machine's memory].
    #[arg(long, value_name = "GB")]
    pub memory_limit: Option<f64>,
}

/// iALS hyper-parameters; lists make a tuning grid.
#[derive(Debug, Args)]
#[command(next_help_heading = "iALS (comma-separated lists run every combination)")]
pub struct GridArgs {
    /// Embedding dimension(s).
    #[arg(long, value_delimiter = ',', default_value = "64")]
    pub factors: Vec<usize>,
    /// Regularization λ value(s).
    #[arg(long, value_delimiter = ',', default_value = "0.05")]
    pub regularization: Vec<f32>,
    /// Confidence weight(s) α.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub alpha: Vec<f32>,
    /// λ scaling(s).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "constant")]
    pub lambda_scaling: Vec<ScalingArg>,
    /// Iteration count(s).
    #[arg(long, value_delimiter = ',', default_value = "15")]
    pub iterations: Vec<usize>,
    /// Conjugate-gradient steps per row (0 = exact Cholesky).
    #[arg(long, default_value_t = 3)]
    pub cg_steps: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Storage of the evaluated catalog, iALS or tuned (i8 measures the quantized file).
    #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
    pub dtype: DtypeArg,
}

/// Files for the browser's equivalence test.
#[derive(Debug, Args)]
#[command(next_help_heading = "Golden files")]
pub struct GoldenArgs {
    /// Also write DIR/catalog.safetensors and DIR/golden.json: the first iALS (or tuned) model's
    /// catalog and, for the first --golden-users evaluated users, their history and the
    /// core's top-k (for the browser's equivalence test). First split only. With
    /// --cold-start: the catalog with the first protocol's new products and lists with
    /// `fresh: {share: 0.1}` (places for them).
    #[arg(long = "golden", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// How many users the golden file holds.
    #[arg(long, default_value_t = 200)]
    pub golden_users: usize,
}

impl EvalArgs {
    /// The tuner's settings. A last-basket test holds out each customer's last basket
    /// wherever it falls in time, so `auto` validates the same way: a temporal validation
    /// would reward popularity counted at the log's end, which such a test scores months
    /// before it for most customers. `train` keeps `auto`'s temporal choice, since a
    /// catalog serves shoppers after it is built.
    fn tune_config(&self) -> crate::tune::TuneConfig {
        use crate::tune::split::SplitKind;
        let mut config = self.tune.config(self.grid.seed, self.grid.cg_steps);
        let last_basket_test = self.test_from.as_deref() == Some(LAST_BASKET);
        if last_basket_test && config.split.kind == SplitKind::Auto {
            config.split.kind = SplitKind::LastBasket;
        }
        config
    }

    fn specs(&self) -> Vec<ModelSpec> {
        let mut specs = Vec::new();
        let m = &self.models;
        for model in &m.models {
            match model {
                ModelArg::Popularity => specs.push(ModelSpec::Popularity),
                ModelArg::Tuned => specs.push(ModelSpec::Tuned {
                    config: self.tune_config(),
                    dtype: self.grid.dtype.into(),
                }),
                ModelArg::Catalog => specs.extend(
                    m.catalog
                        .iter()
                        .map(|path| ModelSpec::Catalog { path: path.clone() }),
                ),
                ModelArg::Itemknn => specs.push(ModelSpec::ItemKnn {
                    neighbors: m.knn_neighbors,
                }),
                ModelArg::Ease => specs.extend(
                    m.ease_lambda
                        .iter()
                        .map(|&lambda| ModelSpec::Ease { lambda }),
                ),
                ModelArg::Ials => {
                    specs.extend(self.grid().into_iter().map(|als| ModelSpec::Ials {
                        als,
                        dtype: self.grid.dtype.into(),
                    }))
                }
                ModelArg::IalsInterests => {
                    specs.extend(self.grid().into_iter().map(|als| ModelSpec::IalsInterests {
                        als,
                        dtype: self.grid.dtype.into(),
                    }))
                }
            }
        }
        specs
    }

    /// Every combination of the listed iALS values.
    fn grid(&self) -> Vec<AlsConfig> {
        let g = &self.grid;
        let mut configs = Vec::new();
        for &factors in &g.factors {
            for &lambda_scaling in &g.lambda_scaling {
                for &regularization in &g.regularization {
                    for &alpha in &g.alpha {
                        for &iterations in &g.iterations {
                            configs.push(AlsConfig {
                                factors,
                                regularization,
                                lambda_scaling: lambda_scaling.into(),
                                alpha,
                                iterations,
                                solver: solver(g.cg_steps),
                                seed: g.seed,
                            });
                        }
                    }
                }
            }
        }
        configs
    }

    fn splits(&self, progress: &Progress) -> Result<(Vec<EvalSplit>, usize)> {
        let s = &self.source;
        if let Some(dir) = &s.movielens {
            let splits = movielens_splits(dir, self.movielens_weight.into())?;
            return Ok((splits, self.models.k.unwrap_or(10)));
        }
        if let Some(path) = &s.online_retail {
            let (split, report) = online_retail_split(path, progress)?;
            eprintln!("{report}");
            return Ok((vec![split], self.models.k.unwrap_or(20)));
        }
        let Some(path) = &s.interactions else {
            bail!("give --movielens, --online-retail or --interactions");
        };
        let Some(test_from) = &self.test_from else {
            bail!("--interactions needs --test-from DATE: where the test period starts");
        };
        let split = csv_temporal_split(
            path,
            self.csv.format(),
            self.csv.policy(),
            test_from,
            progress,
        )?;
        Ok((vec![split], self.models.k.unwrap_or(20)))
    }
}

pub fn run(args: &EvalArgs, progress: &Progress) -> Result<()> {
    if args.cold.cold_start {
        return run_cold(args, progress);
    }
    let (splits, k) = args.splits(progress)?;
    for split in &splits {
        let m = &split.train.matrix;
        eprintln!(
            "split {}: train {} users, {} items, {} pairs; {} evaluated users; {} held-out \
             pairs dropped (item not in the training catalog)",
            split.name,
            m.rows(),
            m.cols(),
            m.nnz(),
            split.users.len(),
            split.unrankable
        );
        // A table of zeros over nobody would read as a result.
        if split.users.is_empty() && args.export_split.is_none() {
            bail!(
                "split {}: no user has both training history and a new item in the test \
                 period, so there is nothing to evaluate",
                split.name
            );
        }
    }
    if let Some(dir) = &args.export_split {
        crate::eval::export::write_split(dir, &splits[0])?;
        eprintln!(
            "wrote the training split of {} to {}",
            splits[0].name,
            dir.display()
        );
        return Ok(());
    }
    let specs = args.specs();
    let limit = args
        .models
        .memory_limit
        .map_or_else(crate::eval::memory::default_limit_bytes, |gb| gb * 1e9);
    crate::eval::check_memory(&splits, &specs, limit)?;
    if args.models.models.contains(&ModelArg::Catalog) && args.models.catalog.is_empty() {
        bail!("the catalog model needs --catalog FILE");
    }
    if let Some(dir) = &args.golden.dir {
        match specs
            .iter()
            .find(|s| matches!(s, ModelSpec::Ials { .. } | ModelSpec::Tuned { .. }))
        {
            Some(ModelSpec::Ials { als, dtype }) => golden::write(
                dir,
                &splits[0],
                als,
                *dtype,
                k,
                args.golden.golden_users,
                progress,
            )?,
            Some(ModelSpec::Tuned { config, dtype }) => {
                let bytes = crate::eval::tuned_catalog(&splits[0], config, *dtype, progress)?;
                golden::write_catalog(dir, &splits[0], &bytes, k, args.golden.golden_users)?
            }
            _ => bail!("--golden needs the ials or the tuned model"),
        }
        eprintln!(
            "wrote {}/catalog.safetensors and golden.json",
            dir.display()
        );
    }
    let rows = run_all(&splits, &specs, k, progress, |row| {
        eprintln!(
            "  {}: recall@{k} {:.4}, NDCG@{k} {:.4}",
            row.model, row.metrics.recall, row.metrics.ndcg
        );
    })?;
    print!("{}", table(k, &rows));
    Ok(())
}

/// `eval --cold-start`: the logs with their test flags and items, then each protocol.
fn run_cold(args: &EvalArgs, progress: &Progress) -> Result<()> {
    use crate::data::items_csv::read_items;
    use crate::data::movielens::{read_movies, read_ratings};
    use crate::data::online_retail::{read_online_retail, TEST_FROM};
    use crate::data::time::parse_timestamp;
    use crate::data::{BadRowPolicy, EventLog};
    use crate::eval::cold::{cold_split, evaluate_cold, report, Candidates};

    let s = &args.source;
    let (log, test, items, temporal, k) = if let Some(dir) = &s.movielens {
        let base = crate::eval::protocols::find_split_file(dir, "u1.base")?;
        let held = crate::eval::protocols::find_split_file(dir, "u1.test")?;
        let weight = args.movielens_weight.into();
        let (base, _) = read_ratings(&base, weight, BadRowPolicy::Fail)?;
        let (held, _) = read_ratings(&held, weight, BadRowPolicy::Fail)?;
        let mut log = EventLog::default();
        let mut test = Vec::new();
        for (part, flag) in [(&base, false), (&held, true)] {
            for e in &part.events {
                log.push(
                    part.users.id(e.user),
                    part.items.id(e.item),
                    e.weight,
                    e.timestamp,
                );
                test.push(flag);
            }
        }
        (
            log,
            test,
            read_movies(dir)?,
            false,
            args.models.k.unwrap_or(10),
        )
    } else if let Some(path) = &s.online_retail {
        let bar = progress.file(path, "reading");
        let (log, items, report) = read_online_retail(path, BadRowPolicy::Fail, &bar)?;
        bar.finish_and_clear();
        eprintln!("{report}");
        let from = parse_timestamp(TEST_FROM).expect("a valid constant date");
        let test = log
            .events
            .iter()
            .map(|e| e.timestamp.is_some_and(|t| t >= from))
            .collect();
        (log, test, items, true, args.models.k.unwrap_or(20))
    } else {
        let (Some(path), Some(test_from)) = (&s.interactions, &args.test_from) else {
            bail!("--cold-start needs --movielens, --online-retail, or --interactions with --test-from DATE");
        };
        let format = crate::data::interactions_csv::CsvFormat {
            require_timestamp: true,
            ..args.csv.format()
        };
        let bar = progress.file(path, "reading");
        let (log, _) = crate::data::interactions_csv::read_interactions(
            path,
            format,
            args.csv.policy(),
            &bar,
        )?;
        bar.finish_and_clear();
        let from = crate::data::time::parse_timestamp_in(test_from, format.time_unit)
            .map_err(anyhow::Error::msg)?;
        let test = log
            .events
            .iter()
            .map(|e| e.timestamp.is_some_and(|t| t >= from))
            .collect();
        let items = match &args.cold.items {
            Some(p) => read_items(p, b',', args.csv.policy())?.0,
            None => Default::default(),
        };
        (log, test, items, true, args.models.k.unwrap_or(20))
    };
    if !(0.0..1.0).contains(&args.cold.hide_items) {
        bail!(
            "--hide-items {} is not a share from 0 up to (not including) 1",
            args.cold.hide_items
        );
    }
    let mut protocols = Vec::new();
    if temporal {
        protocols.push(("new products", Candidates::New));
    }
    if args.cold.hide_items > 0.0 {
        protocols.push((
            "hidden products",
            Candidates::Hidden {
                share: args.cold.hide_items,
                seed: args.grid.seed,
            },
        ));
    }
    let als = args.grid()[0];
    eprintln!(
        "iALS: {}",
        ModelSpec::Ials {
            als,
            dtype: shopwindow::VectorDtype::F32
        }
        .describe()
    );
    let mut golden_dir = args.golden.dir.as_deref();
    for (name, candidates) in protocols {
        let split = cold_split(name, &log, &test, candidates);
        if split.users.is_empty() {
            eprintln!("{name}: no customer with history has a test interaction with a candidate");
            continue;
        }
        let result = evaluate_cold(
            &split,
            &items,
            &als,
            k,
            args.grid.seed,
            args.cold.content_scale,
            progress,
        )?;
        print!("{}", report(&split, &result, k));
        if let Some(dir) = golden_dir.take() {
            let users = args.golden.golden_users;
            crate::eval::fresh_golden::write(dir, &split, &result.catalog, k, users)?;
            eprintln!(
                "wrote {}/catalog.safetensors and golden.json (fresh)",
                dir.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::commands::{Cli, Command};
    use crate::tune::split::SplitKind;

    fn tuner_split(args: &[&str]) -> SplitKind {
        let argv = ["shopwindow", "eval", "--interactions", "log.csv"];
        let cli = Cli::try_parse_from(argv.iter().chain(args)).unwrap();
        let Command::Eval(eval) = cli.command else {
            panic!("parsed as another command");
        };
        eval.tune_config().split.kind
    }

    #[test]
    fn a_last_basket_test_is_tuned_on_last_baskets_unless_told_otherwise() {
        let last_basket = tuner_split(&["--test-from", "last-basket"]);
        assert_eq!(last_basket, SplitKind::LastBasket);
        assert_eq!(tuner_split(&["--test-from", "2011-11-01"]), SplitKind::Auto);
        let told = ["--test-from", "last-basket", "--tune-split", "temporal"];
        assert_eq!(tuner_split(&told), SplitKind::Temporal);
    }
}
