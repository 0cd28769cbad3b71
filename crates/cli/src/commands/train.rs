//! `shopwindow train`: interactions in, catalog file out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;

use super::args::{
    parse_delimiter, storage_for, AlsArgs, CsvArgs, DtypeArg, PlacementArgs, RatingWeightArg,
    SourceArgs, TuneArgs,
};
use super::source::{Source, SourceRead};
use crate::als;
use crate::catalog_file::{
    build_catalog, settle_prices, standard_metadata, CatalogSpec, MissingPrices,
};
use crate::content::scale::{parse_setting, ScaleSetting};
use crate::data::items_csv::read_items;
use crate::data::movielens::read_movies;
use crate::data::{EventLog, ItemTable};
use crate::progress::Progress;
use crate::segments::{customer_histories, default_now_ms, segment_catalog, SegmentConfig};
use crate::tune::split::TooLittleData;

/// Train item vectors with implicit ALS and write a catalog file.
///
/// By default the hyper-parameters are chosen on the store's own data: a validation split
/// is held back (the last slice of time when rows have times, otherwise each customer's
/// last item), iALS and a sparse item-to-item neighbour component are searched within
/// `--tune-budget` seconds and blended with popularity, the winner is refit on all the
/// data, and the catalog records the choice and its validation figures (see `inspect`).
/// `--no-tune`, or any iALS hyper-parameter flag, trains with fixed settings instead.
///
/// Give one interactions source: a CSV of `user,item[,weight][,timestamp]` rows
/// (`--interactions`), the UCI Online Retail file (`--online-retail`) or a MovieLens
/// `u.data` (`--movielens`). Repeated (user, item) rows add up their weights; a weight w
/// becomes a confidence 1 + alpha·w. Items get their title, category, price, availability
/// and image from `--items` when given. The catalog records alpha, λ and its scaling, so
/// the browser folds a shopper's history in with exactly the system training solved.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  shopwindow train --interactions events.csv --items items.csv -o catalog.safetensors
  shopwindow train --interactions events.tsv --delimiter tab --skip-bad-rows --dtype i8 -o c.safetensors
  shopwindow train --online-retail online_retail.csv.gz --regularization 20 --alpha 0.5 -o retail.safetensors")]
pub struct TrainArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub csv: CsvArgs,
    /// Items CSV with a header: id, title, description, brand, category, price, available,
    /// image_url, popularity (any subset, any order besides id). Every item of the file is
    /// in the catalog: items without interactions get a vector mapped from their content
    /// (title, description, category, brand, price band), see --no-content.
    #[arg(long, value_name = "FILE")]
    pub items: Option<PathBuf>,
    /// Leave the items of --items without interactions out of the catalog instead of
    /// giving them content-derived vectors.
    #[arg(long)]
    pub no_content: bool,
    /// Multiplies the content-derived vectors: how readily new products enter lists next
    /// to bought ones (1: the map's prediction as is; smaller: less often; their order
    /// among themselves does not change). `auto`: the largest of 1, 0.85, 0.7, 0.6, 0.5,
    /// 0.4, 0.3, 0.2, 0.1 at which they take at most 1% of the places of top-5/10/20/50
    /// lists (mean + 2 standard errors) for 1,000 training customers sampled with --seed;
    /// the catalog records the choice (`inspect`).
    #[arg(long, value_name = "S|auto", default_value = "auto", value_parser = parse_setting)]
    pub content_scale: ScaleSetting,
    /// Content vectors made elsewhere (image or text embeddings), one per item, used as
    /// content features beside the items file's text: `.npy` or `.safetensors` (ids from
    /// --content-vector-ids, one per line) or CSV rows `id,v1,…,vd`.
    #[arg(long, value_name = "FILE")]
    pub content_vectors: Option<PathBuf>,
    /// The item ids of --content-vectors' rows, one per line (for `.npy` / `.safetensors`).
    #[arg(long, value_name = "FILE")]
    pub content_vector_ids: Option<PathBuf>,
    /// Field delimiter of the items file.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub items_delimiter: u8,
    /// When some catalog items have a price and others not.
    #[arg(long, value_enum, default_value_t = MissingPrices::Error)]
    pub missing_prices: MissingPrices,
    /// MovieLens: how a rating becomes a weight.
    #[arg(long, value_enum, default_value_t = RatingWeightArg::One)]
    pub movielens_weight: RatingWeightArg,
    #[command(flatten)]
    pub als: AlsArgs,
    #[command(flatten)]
    pub tune: TuneArgs,
    /// Vector storage in the file: i8 (~4x smaller than f32, the same recall on held-out
    /// data), i4 (~8x smaller, within 1% of f32's recall), f16, or f32 (exact)
    /// [default: i8 below 20,000 items, i4 from 20,000].
    #[arg(long, value_enum, help_heading = "Output")]
    pub dtype: Option<DtypeArg>,
    /// Where to write the catalog (`.safetensors`).
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: PathBuf,
    #[command(flatten, next_help_heading = "Output")]
    pub leave_out: super::args::LeaveOutArgs,
    /// Also write the popular-items preview (a first-time shopper's list with the fields
    /// cards need, as JSON) to this file, for a page to show before the engine is up.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub popular_json: Option<PathBuf>,
    /// Also ship K customer segments and RFM thresholds built from the training customers
    /// (as `shopwindow segments` does with its defaults).
    #[arg(long, value_name = "K", help_heading = "Segments")]
    pub segments: Option<usize>,
    /// Fewest customers a shipped segment may have (smaller ones are merged).
    #[arg(long, default_value_t = 50, help_heading = "Segments")]
    pub min_segment_size: usize,
    #[command(flatten)]
    pub rfm: super::segments::RfmFeatureArgs,
    #[command(flatten)]
    pub placements: PlacementArgs,
}

pub fn run(args: &TrainArgs, progress: &Progress) -> Result<()> {
    if args.rfm.with_rfm && args.segments.is_none() {
        // Checked before the data is read: --with-rfm only shapes segments.
        bail!("--with-rfm clusters segments: give --segments K as well");
    }
    let (log, mut items, source) = read_source(args, progress)?;
    let mut cold = Vec::new();
    let mut items_order = Vec::new();
    let given_file = crate::content::given::read_given(
        args.content_vectors.as_deref(),
        args.content_vector_ids.as_deref(),
        args.csv.policy(),
    )?;
    if let Some(path) = &args.items {
        let (table, order, report) = read_items(path, args.items_delimiter, args.csv.policy())?;
        eprintln!("{}", report.summary(&path.display().to_string()));
        let unused = crate::content::cold_ids(&order, &log.items);
        if !unused.is_empty() && args.no_content {
            eprintln!(
                "note: {} items of {} have no interactions and get no vector (not in the \
                 catalog: --no-content)",
                unused.len(),
                path.display()
            );
        } else if !unused.is_empty() {
            eprintln!(
                "note: {} items of {} have no interactions: their vectors come from their \
                 content",
                unused.len(),
                path.display()
            );
            cold = unused;
        }
        // The items file wins over what the interactions source knew.
        items.extend(table);
        items_order = order;
    }
    // Before training, not after: the catalog needs a price for every item or for none.
    let catalog_ids: Vec<String> = log.items.ids().iter().chain(&cold).cloned().collect();
    if let Some(path) = &args.content_vectors {
        // As `import` does: a vector for a product the catalog will not hold is often an
        // id written differently in the two exports, and ignoring it would lose it silently.
        let known = log
            .items
            .ids()
            .iter()
            .chain(&items_order)
            .map(String::as_str)
            .collect();
        given_file.check_known(
            &known,
            path,
            "a product of the interactions or of the items file",
        )?;
    }
    let new_items = crate::content::NewItems {
        ids: cold.clone(),
        given: given_file.vectors,
        scale: args.content_scale,
    };
    if let Some(note) = settle_prices(&catalog_ids, &mut items, args.missing_prices)? {
        eprintln!("note: {note}");
    }
    let interactions = log.to_interactions();
    let m = &interactions.matrix;
    eprintln!(
        "training on {} users x {} items, {} (user, item) pairs ({:.3}% dense)",
        m.rows(),
        m.cols(),
        m.nnz(),
        100.0 * m.nnz() as f64 / (m.rows() as f64 * m.cols() as f64)
    );

    if !args.tune.no_tune && !args.als.any_given() {
        let tune_config = args.tune.config(args.als.seed, args.als.cg_steps);
        let tuned = match crate::tune::tune(&log, &tune_config, progress) {
            Ok(tuned) => Some(tuned),
            Err(e) => match e.downcast_ref::<TooLittleData>() {
                // A shop's first weeks: still a catalog, with the fixed settings.
                Some(too_little) => {
                    eprintln!(
                        "note: too little data to tune on (the {} validation split holds out \
                         no customer's events): training with the fixed defaults, as \
                         --no-tune does; train again as the log grows",
                        too_little.kind.as_str()
                    );
                    None
                }
                None => return Err(e),
            },
        };
        if let Some(tuned) = tuned {
            eprint!("{}", crate::tune::table(&tuned, tune_config.k));
            if let Some(advice) = crate::tune::freshness_advice(&tuned) {
                eprint!("{advice}");
            }
            let config = tuned.choice.als;
            let mut metadata = training_metadata(&source, &config, args.als.cg_steps, m);
            metadata.extend(crate::tune::metadata(&tuned, &tune_config));
            let dtype = storage_for(args.dtype, m.cols() + cold.len(), config.factors);
            let start = Instant::now();
            let bytes = crate::tune::fit_final(
                &log,
                &interactions,
                &items,
                &new_items,
                &tuned.choice,
                tune_config.neighbours_k,
                dtype,
                metadata,
                progress,
            )?;
            let refit = start.elapsed();
            let bytes = finish_and_write(&bytes, &log, args, config.seed)?;
            println!(
                "wrote {}: {} items x {} dims ({}), {} bytes; chose {} ({}, neighbours {}) in \
                 {:.1} s of tuning, refit in {:.2} s",
                args.output.display(),
                m.cols() + cold.len(),
                config.factors,
                dtype.as_str(),
                bytes.len(),
                tuned.choice.winner,
                crate::tune::describe_als(&config),
                tuned
                    .choice
                    .method
                    .map_or("none".to_string(), |m| m.describe()),
                tuned.seconds,
                refit.as_secs_f64()
            );
            return Ok(());
        }
    }

    let config = args.als.config();
    let bar = progress.steps(config.iterations as u64, "iterations");
    let mut per_iteration = Vec::new();
    let start = Instant::now();
    let model = als::train(m, &config, |_, took| {
        per_iteration.push(took);
        bar.set_message(format!("{} ms/it", took.as_millis()));
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    let trained_in = start.elapsed();

    let content_start = Instant::now();
    let extended = crate::content::extend(
        interactions.items.ids(),
        &model.item_factors,
        model.factors,
        &interactions.item_user_counts(),
        &items,
        &new_items,
        Some(crate::content::FoldIn {
            train: m,
            params: config.model_params(),
        }),
        config.seed,
    )?;
    if let Some(line) = extended.scale_line() {
        eprintln!("{line}");
    }
    let content_took = content_start.elapsed();
    let mut metadata = training_metadata(&source, &config, args.als.cg_steps, m);
    metadata.extend(extended.metadata());
    let dtype = storage_for(args.dtype, extended.ids.len(), model.factors);
    let bytes = build_catalog(&CatalogSpec {
        ids: &extended.ids,
        vectors: &extended.vectors,
        dim: model.factors,
        popularity: &extended.popularity,
        items: &items,
        params: config.model_params(),
        dtype,
        metadata,
    })?;
    let bytes = finish_and_write(&bytes, &log, args, config.seed)?;
    println!(
        "wrote {}: {} items x {} dims ({}), {} bytes; trained in {:.2} s (per iteration: \
         median {:.1} ms, mean {:.1} ms), content vectors in {:.2} s",
        args.output.display(),
        extended.ids.len(),
        model.factors,
        dtype.as_str(),
        bytes.len(),
        trained_in.as_secs_f64(),
        median_ms(&mut per_iteration),
        trained_in.as_secs_f64() * 1000.0 / config.iterations.max(1) as f64,
        content_took.as_secs_f64()
    );
    Ok(())
}

/// What every catalog `train` writes gets after its vectors, tuned or not: the placement
/// tables, segments when asked for, the parts the store leaves out; then the file and the
/// popular-items preview. Returns the bytes written.
fn finish_and_write(bytes: &[u8], log: &EventLog, args: &TrainArgs, seed: u64) -> Result<Vec<u8>> {
    let bytes = crate::placements::add_placements(bytes, log, &args.placements.config())?;
    let bytes = match args.segments {
        None => bytes,
        Some(k) => with_segments(&bytes, log, k, args, seed)?,
    };
    let bytes = args.leave_out.apply(bytes)?;
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    crate::preview::write_if_asked(args.popular_json.as_deref(), &bytes)?;
    Ok(bytes)
}

/// What every trained catalog records about its training: the source, the settings the
/// vectors were trained with and the size of the matrix.
fn training_metadata(
    source: &str,
    config: &als::AlsConfig,
    cg_steps: usize,
    m: &crate::data::Csr,
) -> BTreeMap<String, String> {
    let mut metadata = standard_metadata(source);
    for (key, value) in [
        ("factors", config.factors.to_string()),
        ("iterations", config.iterations.to_string()),
        ("cg_steps", cg_steps.to_string()),
        ("seed", config.seed.to_string()),
        ("train_users", m.rows().to_string()),
        ("train_pairs", m.nnz().to_string()),
    ] {
        metadata.insert(key.to_string(), value);
    }
    metadata
}

/// The catalog with `k` segments of the training customers and their RFM thresholds.
fn with_segments(
    bytes: &[u8],
    log: &EventLog,
    k: usize,
    args: &TrainArgs,
    seed: u64,
) -> Result<Vec<u8>> {
    let catalog = shopwindow::Catalog::from_bytes(bytes.to_vec())?;
    let customers = customer_histories(log, &catalog, None)?;
    let now_ms = default_now_ms(&customers);
    let config = SegmentConfig {
        k,
        min_size: args.min_segment_size,
        seed,
        rfm_weight: args.rfm.weight(),
        ..SegmentConfig::default()
    };
    let segmented = segment_catalog(bytes, customers, &config, now_ms)?;
    super::segments::print_notes(&segmented);
    eprint!("{}", super::segments::report(&segmented, 2000, seed)?);
    Ok(segmented.bytes)
}

fn median_ms(times: &mut [Duration]) -> f64 {
    if times.is_empty() {
        return 0.0;
    }
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

/// The interactions, what the source knows about items, and a description for metadata.
fn read_source(args: &TrainArgs, progress: &Progress) -> Result<(EventLog, ItemTable, String)> {
    let Source { log, items, read } =
        args.source
            .read(&args.csv, args.movielens_weight.into(), progress)?;
    let (items, description) = match read {
        SourceRead::Interactions { path, report } => {
            eprintln!("{}", report.summary(&path.display().to_string()));
            (items, format!("interactions {}", file_name(&path)))
        }
        SourceRead::OnlineRetail { path, report } => {
            eprintln!("{report}");
            (items, format!("online retail {}", file_name(&path)))
        }
        SourceRead::MovieLens { file, report } => {
            eprintln!("{}", report.summary(&file.display().to_string()));
            // Titles and genres sit beside `u.data`, in `u.item` and `u.genre`.
            let items = read_movies(file.parent().unwrap_or(Path::new(".")))?;
            (items, format!("movielens {}", file_name(&file)))
        }
    };
    Ok((log, items, description))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
