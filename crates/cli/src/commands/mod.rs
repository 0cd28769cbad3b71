//! The command line: one module per subcommand, each parsing its arguments into the
//! library's types and printing results on stdout (progress and notes go to stderr);
//! `args` (argument groups) and `source` (reading the interactions source) are shared.

pub mod args;
pub mod bandit_eval;
pub mod demo_catalog;
pub mod eval;
pub mod eval_baskets;
pub mod eval_rerank;
pub mod import;
pub mod inspect;
pub mod ldp_debias;
pub mod segments;
pub mod source;
pub mod train;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::progress::Progress;

/// Build, check and evaluate shopwindow catalog files.
///
/// A catalog is one safetensors file the storefront serves statically: item vectors,
/// their Gram matrix for exact on-device fold-in, and item metadata (ids, titles,
/// categories, prices, availability, image URLs, popularity). Train one from your
/// interaction logs with `train`, wrap vectors trained elsewhere with `import`, measure
/// quality offline with `eval` (bought together: `eval-baskets`; personalized category pages: `eval-rerank`), add customer segments with `segments`, and check any
/// catalog with `inspect`. `demo-catalog` makes the demo storefront's catalog from a
/// simulated shop. `bandit-eval` estimates campaign policies off-policy from logged bandit
/// feedback; `ldp-debias` turns randomized-response reports into click rates.
#[derive(Debug, Parser)]
#[command(name = "shopwindow", version, max_term_width = 100)]
pub struct Cli {
    /// No progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Train(train::TrainArgs),
    Import(import::ImportArgs),
    Eval(eval::EvalArgs),
    EvalBaskets(eval_baskets::EvalBasketsArgs),
    EvalRerank(eval_rerank::EvalRerankArgs),
    Inspect(inspect::InspectArgs),
    DemoCatalog(demo_catalog::DemoCatalogArgs),
    Segments(segments::SegmentsArgs),
    BanditEval(bandit_eval::BanditEvalArgs),
    LdpDebias(ldp_debias::LdpDebiasArgs),
}

pub fn run(cli: Cli) -> Result<()> {
    if let Some(threads) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("starting the worker threads")?;
    }
    let progress = Progress::new(cli.quiet);
    match &cli.command {
        Command::Train(args) => train::run(args, &progress),
        Command::Import(args) => import::run(args, &progress),
        Command::Eval(args) => eval::run(args, &progress),
        Command::EvalBaskets(args) => eval_baskets::run(args, &progress),
        Command::EvalRerank(args) => eval_rerank::run(args, &progress),
        Command::Inspect(args) => inspect::run(args),
        Command::DemoCatalog(args) => demo_catalog::run(args, &progress),
        Command::Segments(args) => segments::run(args, &progress),
        Command::BanditEval(args) => bandit_eval::run(args),
        Command::LdpDebias(args) => ldp_debias::run(args),
    }
}
