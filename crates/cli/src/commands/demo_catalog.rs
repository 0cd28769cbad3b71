//! `shopwindow demo-catalog`: the demo storefront's default catalog, from a simulated shop.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::args::DtypeArg;
use crate::progress::Progress;
use crate::storefront::{default_als, demo_catalog, StorefrontConfig};

/// Generate a synthetic storefront and train its catalog.
///
/// Products with realistic names, categories and prices; simulated shoppers with latent
/// tastes (favourite categories and styles) whose views, carts and purchases (weights 1, 3
/// and 5, as the browser counts them) train item vectors with the real implicit-ALS
/// trainer. The same seed gives the same file. Before writing, it checks the model: each of
/// up to --eval-shoppers shoppers' last session is held out, and recall@10 of iALS (through
/// the core recommender) is printed next to popularity's.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  shopwindow demo-catalog --output www/demo/catalog.safetensors
  shopwindow demo-catalog --seed 3 --items 10000 --shoppers 50000 --dtype i8 -o big.safetensors")]
pub struct DemoCatalogArgs {
    /// Where to write the catalog (`.safetensors`).
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Seed of the shop, the shoppers and the initial factors.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Number of products (spread over 12 categories).
    #[arg(long, default_value_t = 3000)]
    pub items: usize,
    /// Number of simulated shoppers.
    #[arg(long, default_value_t = 20_000)]
    pub shoppers: usize,
    /// Vector storage in the file: f32 (exact), f16, i8 (~4x smaller than f32) or i4 (~8x).
    #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
    pub dtype: DtypeArg,
    #[command(flatten)]
    pub leave_out: super::args::LeaveOutArgs,
    /// Also write the popular-items preview (the first-time shopper's list with the fields
    /// cards need, as JSON) to this file, for a page to show before the engine is up.
    #[arg(long, value_name = "FILE")]
    pub popular_json: Option<PathBuf>,
    /// Shoppers whose last session is held out for the quality check (0: no check).
    #[arg(long, default_value_t = 2000)]
    pub eval_shoppers: usize,
    /// Customer segments to ship (0: none); the demo shows the shopper's as a badge.
    #[arg(long, default_value_t = 8)]
    pub segments: usize,
    /// Embedding dimension d.
    #[arg(long, default_value_t = 64, help_heading = "Model (implicit ALS)")]
    pub factors: usize,
    /// Full passes of the trainer.
    #[arg(long, default_value_t = 10, help_heading = "Model (implicit ALS)")]
    pub iterations: usize,
    /// Regularization λ.
    #[arg(long, default_value_t = default_als(0).regularization, help_heading = "Model (implicit ALS)")]
    pub regularization: f32,
    /// Confidence weight α.
    #[arg(long, default_value_t = default_als(0).alpha, help_heading = "Model (implicit ALS)")]
    pub alpha: f32,
}

impl DemoCatalogArgs {
    pub fn config(&self) -> StorefrontConfig {
        let mut als = default_als(self.seed);
        als.factors = self.factors;
        als.iterations = self.iterations;
        als.regularization = self.regularization;
        als.alpha = self.alpha;
        StorefrontConfig {
            seed: self.seed,
            items: self.items,
            shoppers: self.shoppers,
            dtype: self.dtype.into(),
            als,
            eval_shoppers: self.eval_shoppers,
            segments: self.segments,
        }
    }
}

pub fn run(args: &DemoCatalogArgs, progress: &Progress) -> Result<()> {
    let config = args.config();
    let demo = demo_catalog(&config, progress)?;
    if let Some(q) = demo.quality {
        println!(
            "held-out recall@10 (last session of {} shoppers): iALS {:.4}, popularity {:.4}",
            q.users, q.ials_recall, q.popularity_recall
        );
    }
    let bytes = args.leave_out.apply(demo.bytes)?;
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    crate::preview::write_if_asked(args.popular_json.as_deref(), &bytes)?;
    println!(
        "wrote {}: {} items x {} dims ({}), {} bytes; {} shoppers, {} events, {} (shopper, \
         item) pairs; simulated in {:.2} s, trained in {:.2} s",
        args.output.display(),
        demo.items,
        config.als.factors,
        config.dtype.as_str(),
        bytes.len(),
        config.shoppers,
        demo.events,
        demo.pairs,
        demo.simulated_in.as_secs_f64(),
        demo.trained_in.as_secs_f64()
    );
    Ok(())
}
