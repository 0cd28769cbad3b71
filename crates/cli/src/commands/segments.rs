//! `shopwindow segments`: customer segments and RFM thresholds into a catalog, and their
//! evaluation on the temporal protocol.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use shopwindow::cluster::Points;
use shopwindow::Catalog;

use super::args::{AlsArgs, CsvArgs, RatingWeightArg, SourceArgs};
use super::source::SourceRead;
use crate::catalog_file::{build_catalog, CatalogSpec};
use crate::data::online_retail::TEST_FROM;
use crate::data::time::parse_timestamp;
use crate::data::{EventLog, ItemTable};
use crate::npy::write_npy_f32;
use crate::progress::Progress;
use crate::segments::quality::{rfm_counts, silhouette, stability};
use crate::segments::{
    customer_histories, default_now_ms, population_rfm, segment_catalog, segment_points,
    SegmentConfig, SegmentedCatalog,
};

/// Build customer segments and RFM thresholds and ship them in a catalog.
///
/// Each customer's history (on the catalog's items) is folded into the catalog's vector
/// space by the same code the browser runs for a shopper, scaled to unit length, and
/// clustered with k-means (k-means++, --n-init seeded runs). Segments with fewer than
/// --min-segment-size customers are merged into their neighbours, so no shipped segment
/// describes a handful of people. Each segment is labelled by the categories (or products)
/// its customers buy more than everyone else. RFM (recency, frequency, monetary) quintile
/// thresholds over the same customers ship too, so the browser can name a shopper's RFM
/// segment from the local history.
///
/// With --evaluate (Online Retail), the catalog is trained on invoices before 2011-11-01,
/// customers are segmented on that period, and the report adds how many keep their segment
/// when their whole history (to the end of the data) is folded in.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  shopwindow segments --catalog retail.safetensors --online-retail online_retail.csv.gz -o retail-seg.safetensors
  shopwindow segments --catalog c.safetensors --interactions events.csv --k 12 --min-segment-size 100 -o c-seg.safetensors
  shopwindow segments --evaluate --online-retail online_retail.csv.gz --k 8
  shopwindow segments --evaluate --online-retail online_retail.csv.gz --with-rfm --rfm-weight 0.5")]
pub struct SegmentsArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub csv: CsvArgs,
    /// MovieLens: how a rating becomes a weight.
    #[arg(long, value_enum, default_value_t = RatingWeightArg::One)]
    pub movielens_weight: RatingWeightArg,
    /// The trained catalog whose vectors the customers are folded into.
    #[arg(long, value_name = "FILE", required_unless_present = "evaluate")]
    pub catalog: Option<PathBuf>,
    /// Where to write the catalog with segments (required unless --evaluate).
    #[arg(long, short, value_name = "FILE", required_unless_present = "evaluate")]
    pub output: Option<PathBuf>,
    /// Only events before this day count (YYYY-MM-DD or Unix seconds); it is also "now"
    /// for recency. Default: every event, "now" = the day after the last one.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Evaluate on the Online Retail temporal protocol instead of writing a catalog.
    #[arg(long, requires = "online_retail")]
    pub evaluate: bool,
    /// Also write the clustered points as a float32 .npy (n × d, or n × (d + 3) with
    /// --with-rfm), e.g. to compare
    /// with scikit-learn (examples/kmeans_vs_sklearn.py).
    #[arg(long, value_name = "FILE")]
    pub export_points: Option<PathBuf>,
    /// Points sampled for the silhouette.
    #[arg(long, default_value_t = 2000)]
    pub silhouette_sample: usize,
    #[command(flatten)]
    pub segments: SegmentArgs,
    #[command(flatten)]
    pub als: AlsArgs,
}

/// k-means and shipping rules.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Segments")]
pub struct SegmentArgs {
    /// Segments to cluster into (fewer ship when small ones are merged).
    #[arg(long, default_value_t = 8)]
    pub k: usize,
    /// Fewest customers a shipped segment may have.
    #[arg(long, default_value_t = 50)]
    pub min_segment_size: usize,
    /// Seeded k-means runs; the lowest inertia wins.
    #[arg(long, default_value_t = 10)]
    pub n_init: usize,
    /// Most Lloyd iterations per run (mini-batch: batches per run).
    #[arg(long, default_value_t = 300)]
    pub max_iter: usize,
    /// Mini-batch k-means with this batch size (for very many customers).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Seed of k-means++ and the silhouette sample.
    #[arg(long, default_value_t = 42)]
    pub segment_seed: u64,
    #[command(flatten)]
    pub rfm: RfmFeatureArgs,
}

/// RFM features in the clustering.
#[derive(Debug, Clone, Args)]
pub struct RfmFeatureArgs {
    /// Cluster on the fold-in direction plus each customer's R, F and M scores (mapped to
    /// [-W, W]; customers without purchases get 0), so segments also split by how recently,
    /// often and much people buy. The browser builds the same point from the local history.
    #[arg(long, help_heading = "Segments")]
    pub with_rfm: bool,
    /// W, the weight of the RFM features. The default 0.5 lets one quintile step move a
    /// point by 0.25 per score (squared 0.06), small next to the taste part (orthogonal
    /// unit vectors are 2 apart squared), while opposite RFM extremes (squared 3 over the
    /// three scores) still separate customers of the same taste.
    #[arg(
        long,
        value_name = "W",
        default_value_t = 0.5,
        requires = "with_rfm",
        help_heading = "Segments"
    )]
    pub rfm_weight: f32,
}

impl RfmFeatureArgs {
    /// The weight when RFM features are on.
    pub fn weight(&self) -> Option<f32> {
        self.with_rfm.then_some(self.rfm_weight)
    }
}

impl SegmentArgs {
    pub fn config(&self) -> SegmentConfig {
        SegmentConfig {
            k: self.k,
            min_size: self.min_segment_size,
            seed: self.segment_seed,
            n_init: self.n_init,
            max_iter: self.max_iter,
            batch_size: self.batch_size,
            rfm_weight: self.rfm.weight(),
            ..SegmentConfig::default()
        }
    }
}

pub fn run(args: &SegmentsArgs, progress: &Progress) -> Result<()> {
    let (log, items) = read_log(args, progress)?;
    let config = args.segments.config();
    if args.evaluate {
        return evaluate(args, &log, &items, &config, progress);
    }
    let (Some(catalog_path), Some(output)) = (&args.catalog, &args.output) else {
        bail!("give --catalog and --output (or --evaluate)");
    };
    let bytes = std::fs::read(catalog_path)
        .with_context(|| format!("reading {}", catalog_path.display()))?;
    let catalog = Catalog::from_bytes(bytes.clone())
        .with_context(|| format!("reading {}", catalog_path.display()))?;
    let until = args
        .until
        .as_deref()
        .map(parse_timestamp)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let customers = customer_histories(&log, &catalog, until)?;
    let now_ms = until.map_or_else(|| default_now_ms(&customers), |u| u as f64 * 1000.0);
    let segmented = segment_catalog(&bytes, customers, &config, now_ms)?;
    print_notes(&segmented);
    export_points(args, &segmented)?;
    std::fs::write(output, &segmented.bytes)
        .with_context(|| format!("writing {}", output.display()))?;
    print!(
        "{}",
        report(
            &segmented,
            args.silhouette_sample,
            args.segments.segment_seed
        )?
    );
    println!(
        "wrote {}: {} segments, {} bytes",
        output.display(),
        segmented.built.spec.sizes.len(),
        segmented.bytes.len()
    );
    Ok(())
}

/// What building the segments found that the user must know (missing times or prices).
pub fn print_notes(segmented: &SegmentedCatalog) {
    for note in &segmented.notes {
        eprintln!("note: {note}");
    }
}

fn export_points(args: &SegmentsArgs, segmented: &SegmentedCatalog) -> Result<()> {
    if let Some(path) = &args.export_points {
        let rows = segmented.customers.len();
        std::fs::write(path, write_npy_f32(rows, segmented.dim, &segmented.points))
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {} ({rows} x {})", path.display(), segmented.dim);
    }
    Ok(())
}

fn read_log(args: &SegmentsArgs, progress: &Progress) -> Result<(EventLog, ItemTable)> {
    let source = args
        .source
        .read(&args.csv, args.movielens_weight.into(), progress)?;
    // Only an interactions file's skipped rows are worth a note here: the data sets' reports
    // are `train`'s and `eval`'s to print.
    if let SourceRead::Interactions { path, report } = &source.read {
        eprintln!("{}", report.summary(&path.display().to_string()));
    }
    Ok((source.log, source.items))
}

/// The segments as a Markdown table, the silhouette, the RFM thresholds and counts.
pub fn report(segmented: &SegmentedCatalog, sample: usize, seed: u64) -> Result<String> {
    let spec = &segmented.built.spec;
    let mut out = String::new();
    let customers = segmented.customers.len();
    writeln!(
        out,
        "{customers} customers; k-means made {} segments, {} ship (min size merges); \
         inertia {:.2}, temperature {:.4}",
        segmented.built.clustered,
        spec.sizes.len(),
        segmented.built.inertia,
        spec.temperature
    )?;
    writeln!(out, "| segment | label | customers | share |")?;
    writeln!(out, "|---|---|---|---|")?;
    for (s, (label, &size)) in spec.labels.iter().zip(&spec.sizes).enumerate() {
        writeln!(
            out,
            "| {s} | {label} | {size} | {:.1}% |",
            100.0 * size as f64 / customers as f64
        )?;
    }
    let points = Points::new(&segmented.points, segmented.dim)?;
    let score = silhouette(&points, &segmented.built.assignments, sample, seed);
    writeln!(
        out,
        "silhouette (Euclidean, {}, {} sampled): {score:.4}",
        match spec.rfm_weight {
            Some(w) => format!("unit vectors + RFM features of weight {w}"),
            None => "unit vectors".into(),
        },
        sample.min(customers)
    )?;
    if let Some(t) = &segmented.thresholds {
        let [r, f, m] = t.rows();
        writeln!(
            out,
            "RFM quintile thresholds: recency days {r:?}, frequency (purchase days) {f:?}, \
             monetary {m:?}"
        )?;
        let catalog = Catalog::from_bytes(segmented.bytes.clone())?;
        let population = population_rfm(&catalog, &segmented.customers, segmented.now_ms);
        writeln!(out, "| RFM segment | customers |")?;
        writeln!(out, "|---|---|")?;
        for (segment, count) in rfm_counts(&population, t) {
            writeln!(out, "| {} | {count} |", segment.as_str())?;
        }
    }
    Ok(out)
}

/// The temporal protocol: train on invoices before 2011-11-01, segment those customers on
/// that period, then re-assign them from their whole history.
fn evaluate(
    args: &SegmentsArgs,
    log: &EventLog,
    items: &ItemTable,
    config: &SegmentConfig,
    progress: &Progress,
) -> Result<()> {
    let test_from = parse_timestamp(TEST_FROM).expect("a valid constant date");
    let train_events = log
        .events
        .iter()
        .filter(|e| e.timestamp.is_some_and(|t| t < test_from));
    let train = crate::data::Interactions::from_events(log, train_events);
    let als_config = args.als.config();
    let bar = progress.steps(als_config.iterations as u64, "training");
    let model = crate::als::train(&train.matrix, &als_config, |_, _| bar.inc(1))?;
    bar.finish_and_clear();
    let catalog_bytes = build_catalog(&CatalogSpec {
        ids: train.items.ids(),
        vectors: &model.item_factors,
        dim: model.factors,
        popularity: &train.item_user_counts(),
        items,
        params: als_config.model_params(),
        dtype: shopwindow::VectorDtype::F32,
        metadata: Default::default(),
    })?;
    let catalog = Catalog::from_bytes(catalog_bytes.clone())?;
    let customers = customer_histories(log, &catalog, Some(test_from))?;
    let segmented = segment_catalog(&catalog_bytes, customers, config, test_from as f64 * 1000.0)?;
    print_notes(&segmented);
    export_points(args, &segmented)?;
    print!(
        "{}",
        report(&segmented, args.silhouette_sample, config.seed)?
    );

    // The same customers with every event to the end of the data, on the same catalog.
    let everything = customer_histories(log, &catalog, None)?;
    let by_id: std::collections::HashMap<&str, &crate::segments::CustomerHistory> =
        everything.iter().map(|c| (c.id.as_str(), c)).collect();
    let later: Vec<_> = segmented
        .customers
        .iter()
        .map(|c| by_id[c.id.as_str()].clone())
        .collect();
    let recommender = shopwindow::Recommender::new(catalog);
    // The device's view at the end of the data: RFM scored then, against the shipped
    // thresholds.
    let (later_points, _) = segment_points(
        &recommender,
        &later,
        config.rfm_weight,
        segmented.thresholds.as_ref(),
        default_now_ms(&later),
    )?;
    let grew = segmented
        .customers
        .iter()
        .zip(&later)
        .filter(|(a, b)| b.events.len() > a.events.len())
        .count();
    let (same, chance) = stability(
        &segmented.built.spec.centroids,
        &segmented.built.assignments,
        &Points::new(&later_points, segmented.dim)?,
    );
    println!(
        "stability: {:.1}% of {} customers keep their segment when the test period \
         (from {TEST_FROM}) is added to their history ({grew} of them bought more then; \
         chance agreement {:.1}%)",
        100.0 * same,
        later.len(),
        100.0 * chance
    );
    let grown: Vec<usize> = (0..later.len())
        .filter(|&i| later[i].events.len() > segmented.customers[i].events.len())
        .collect();
    if !grown.is_empty() {
        let before: Vec<u32> = grown
            .iter()
            .map(|&i| segmented.built.assignments[i])
            .collect();
        let rows: Vec<f32> = grown
            .iter()
            .flat_map(|&i| later_points[i * segmented.dim..(i + 1) * segmented.dim].to_vec())
            .collect();
        let (same, chance) = stability(
            &segmented.built.spec.centroids,
            &before,
            &Points::new(&rows, segmented.dim)?,
        );
        println!(
            "  of those who bought more: {:.1}% keep their segment (chance {:.1}%)",
            100.0 * same,
            100.0 * chance
        );
    }
    Ok(())
}
