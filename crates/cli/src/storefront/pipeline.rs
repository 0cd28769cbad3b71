//! The demo catalog end to end: make the products, simulate the shoppers, optionally check
//! the model on held-out sessions, train the item vectors with the real trainer, write the
//! catalog, add the placement tables (bought together, trending) and the shoppers' segments.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use shopwindow::catalog::LambdaScaling;
use shopwindow::VectorDtype;

use super::products::products;
use super::quality::{held_out_quality, Quality};
use super::segments::with_segments;
use super::simulation::{simulate, Storefront};
use super::tables::CATEGORIES;
use crate::als::{self, AlsConfig, AlsModel, Solver};
use crate::catalog_file::{build_catalog, CatalogSpec};
use crate::data::{Csr, ItemInfo, ItemTable};
use crate::progress::Progress;

/// What to generate and how to train.
#[derive(Debug, Clone, PartialEq)]
pub struct StorefrontConfig {
    pub seed: u64,
    pub items: usize,
    pub shoppers: usize,
    pub dtype: VectorDtype,
    pub als: AlsConfig,
    /// Evaluate held-out recall@10 of iALS and popularity on this many shoppers (0: skip).
    pub eval_shoppers: usize,
    /// Customer segments to ship (0: none), clustered from at most
    /// [`SEGMENTED_SHOPPERS`](super::SEGMENTED_SHOPPERS) shoppers.
    pub segments: usize,
}

impl Default for StorefrontConfig {
    fn default() -> Self {
        StorefrontConfig {
            seed: 7,
            items: 3000,
            shoppers: 20_000,
            dtype: VectorDtype::F32,
            als: default_als(7),
            eval_shoppers: 2000,
            segments: 8,
        }
    }
}

/// The trainer settings of the demo catalog: chosen on this data with the held-out check
/// (`shopwindow demo-catalog` prints it).
pub fn default_als(seed: u64) -> AlsConfig {
    AlsConfig {
        factors: 64,
        regularization: 1.0,
        lambda_scaling: LambdaScaling::Constant,
        alpha: 1.0,
        iterations: 10,
        solver: Solver::ConjugateGradient { steps: 3 },
        seed,
    }
}

/// The catalog file and what was measured while making it.
#[derive(Debug, Clone)]
pub struct DemoCatalog {
    pub bytes: Vec<u8>,
    pub items: usize,
    pub events: usize,
    pub pairs: usize,
    pub simulated_in: Duration,
    pub trained_in: Duration,
    pub quality: Option<Quality>,
}

/// Generates the shop, trains the catalog and (unless `eval_shoppers` is 0) measures
/// held-out recall@10 of iALS against popularity.
pub fn demo_catalog(config: &StorefrontConfig, progress: &Progress) -> Result<DemoCatalog> {
    ensure!(
        config.items >= CATEGORIES.len(),
        "--items must be at least {} (one per category)",
        CATEGORIES.len()
    );
    ensure!(config.shoppers >= 1, "--shoppers must be at least 1");
    config.als.validate()?;

    let start = Instant::now();
    let products = products(config.items, config.seed);
    let bar = progress.steps(config.shoppers as u64, "shoppers");
    let shoppers = simulate(&products, config.shoppers, config.seed, |done| {
        bar.inc(done as u64)
    });
    bar.finish_and_clear();
    let store = Storefront { products, shoppers };
    let simulated_in = start.elapsed();

    let quality = if config.eval_shoppers > 0 {
        held_out_quality(&store, config, progress)?
    } else {
        None
    };

    let (matrix, events) = store.matrix(|_, _, _| true);
    let start = Instant::now();
    let bar = progress.steps(config.als.iterations as u64, "training");
    let model = als::train(&matrix, &config.als, |_, took| {
        bar.set_message(format!("{} ms/it", took.as_millis()));
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    let trained_in = start.elapsed();

    let bytes = write_catalog(&store, &matrix, &model, config)?;
    let bytes = super::placements::with_placements(&store, &bytes)?;
    let bytes = if config.segments > 0 {
        with_segments(&store, &bytes, config)?
    } else {
        bytes
    };
    Ok(DemoCatalog {
        bytes,
        items: store.products.len(),
        events,
        pairs: matrix.nnz(),
        simulated_in,
        trained_in,
        quality,
    })
}

/// The catalog file of the trained vectors, with the products' metadata and the
/// popularity of each item (the number of shoppers who touched it).
fn write_catalog(
    store: &Storefront,
    matrix: &Csr,
    model: &AlsModel,
    config: &StorefrontConfig,
) -> Result<Vec<u8>> {
    let ids: Vec<String> = store.products.iter().map(|p| p.id.clone()).collect();
    let items: ItemTable = store
        .products
        .iter()
        .map(|p| {
            let department = &CATEGORIES[p.category];
            let info = ItemInfo {
                title: Some(p.title.clone()),
                category: Some(department.name.to_string()),
                price: Some(p.price),
                available: Some(p.available),
                image_url: Some(format!("img/{}.svg", department.slug)),
                popularity: None,
                ..ItemInfo::default()
            };
            (p.id.clone(), info)
        })
        .collect();
    let popularity: Vec<f32> = matrix
        .column_counts()
        .into_iter()
        .map(|c| c as f32)
        .collect();
    let als = &config.als;
    // No creation time: the same seed must give the same bytes (and cache version).
    let metadata = BTreeMap::from(
        [
            (
                "source",
                format!(
                    "synthetic storefront (shopwindow demo-catalog): {} items in {} categories, \
                     {} simulated shoppers",
                    store.products.len(),
                    CATEGORIES.len(),
                    store.shoppers.len()
                ),
            ),
            ("generator_seed", config.seed.to_string()),
            ("factors", als.factors.to_string()),
            ("iterations", als.iterations.to_string()),
            ("seed", als.seed.to_string()),
            ("train_users", matrix.rows().to_string()),
            ("train_pairs", matrix.nnz().to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    build_catalog(&CatalogSpec {
        ids: &ids,
        vectors: &model.item_factors,
        dim: model.factors,
        popularity: &popularity,
        items: &items,
        params: als.model_params(),
        dtype: config.dtype,
        metadata,
    })
}
