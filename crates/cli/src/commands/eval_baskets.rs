//! `shopwindow eval-baskets`: the bought-together protocol (`eval::baskets`) on a log split
//! in time: train on the events before `--test-from`, ask for the test period's baskets.

use anyhow::{bail, Result};
use clap::Args;
use shopwindow::Recommender;

use super::args::{AlsArgs, CsvArgs, PlacementArgs, SourceArgs};
use crate::als;
use crate::catalog_file::{build_catalog, standard_metadata, CatalogSpec};
use crate::data::online_retail::TEST_FROM;
use crate::data::time::parse_timestamp;
use crate::data::{EventLog, Interactions};
use crate::eval::baskets::{basket_table, score_baskets, BasketModel};
use crate::placements::{add_placements, baskets};
use crate::progress::Progress;

/// Evaluate "bought together" against `similar()` and popularity on held-out baskets.
///
/// Trains iALS (fixed settings, the flags below) and the placement tables on the events
/// before `--test-from` (for `--online-retail` 2011-11-01 by default), then, for every
/// test-period basket (one customer's events at one time) with two or more catalog items
/// and every item in it, asks each model for k items and counts a hit when the list names
/// another item of that basket. Prints hit rate@k and recall@k per model.
#[derive(Debug, Args)]
#[command(after_help = "Example:
  shopwindow eval-baskets --online-retail online_retail.csv.gz --regularization 20 --alpha 0.5")]
pub struct EvalBasketsArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub csv: CsvArgs,
    /// First day of the test period (YYYY-MM-DD or Unix seconds); default for
    /// --online-retail: 2011-11-01.
    #[arg(long, value_name = "DATE")]
    pub test_from: Option<String>,
    /// List length k.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    #[command(flatten)]
    pub als: AlsArgs,
    #[command(flatten)]
    pub placements: PlacementArgs,
}

pub fn run(args: &EvalBasketsArgs, progress: &Progress) -> Result<()> {
    let source = args.source.read(
        &args.csv,
        crate::data::movielens::RatingWeight::One,
        progress,
    )?;
    let test_from = match (&args.test_from, &args.source.online_retail) {
        (Some(text), _) => parse_timestamp(text).map_err(anyhow::Error::msg)?,
        (None, Some(_)) => parse_timestamp(TEST_FROM).expect("a valid constant date"),
        (None, None) => bail!("give --test-from DATE: the first day of the test period"),
    };
    let (train, test) = split_log(&source.log, test_from);
    if train.events.is_empty() || test.events.is_empty() {
        bail!("--test-from leaves no training events or no test events");
    }
    let interactions = Interactions::from_events(&train, train.events.iter());
    let config = args.als.config();
    let model = als::train(&interactions.matrix, &config, |_, _| {})?;
    let bytes = build_catalog(&CatalogSpec {
        ids: interactions.items.ids(),
        vectors: &model.item_factors,
        dim: model.factors,
        popularity: &interactions.item_user_counts(),
        items: &source.items,
        params: config.model_params(),
        dtype: shopwindow::VectorDtype::F32,
        metadata: standard_metadata("eval-baskets"),
    })?;
    let bytes = add_placements(&bytes, &train, &args.placements.config())?;
    let engine = Recommender::new(shopwindow::Catalog::from_bytes(bytes)?);
    let test_baskets = baskets(&test, engine.catalog());
    let scores = BasketModel::ALL
        .into_iter()
        .map(|model| score_baskets(&engine, &test_baskets, model, args.k))
        .collect::<Result<Vec<_>>>()?;
    eprintln!(
        "{} test baskets with ≥ 2 catalog items; iALS d = {}, λ = {}, α = {}",
        test_baskets.iter().filter(|b| b.len() >= 2).count(),
        config.factors,
        config.regularization,
        config.alpha
    );
    print!("{}", basket_table(&scores, args.k));
    Ok(())
}

/// The events before `test_from` and the rest (events without a time train).
fn split_log(log: &EventLog, test_from: i64) -> (EventLog, EventLog) {
    let part = |test: bool| EventLog {
        users: log.users.clone(),
        items: log.items.clone(),
        events: log
            .events
            .iter()
            .filter(|e| e.timestamp.is_some_and(|t| t >= test_from) == test)
            .copied()
            .collect(),
    };
    (part(false), part(true))
}
