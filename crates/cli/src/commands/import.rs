//! `shopwindow import`: vectors trained elsewhere + item metadata → a validated catalog.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use clap::{Args, ValueEnum};
use shopwindow::catalog::ModelParams;

use super::args::{parse_delimiter, storage_for, DtypeArg, ScalingArg};
use crate::catalog_file::{
    build_catalog, settle_prices, standard_metadata, CatalogSpec, MissingPrices,
};
use crate::content::given::{read_given, GivenFile};
use crate::data::items_csv::read_items;
use crate::data::{BadRowPolicy, ItemTable};
use crate::progress::Progress;
use crate::spark::{item_ids, read_id_map, SparkMetadata, SparkModel};
use crate::vectors::{read_csv, read_id_list, read_npy, read_safetensors, ImportedVectors};

/// Model formats read from a directory (`--from FORMAT DIR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelSource {
    /// Spark MLlib `ALSModel`: an `ALSModel.save` directory or an `itemFactors` Parquet
    /// table (`id` int, `features` array<float>).
    SparkAls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VectorFormat {
    /// From the file name: `.npy`, `.safetensors`, else CSV.
    Auto,
    /// NumPy `np.save` output, shape [items, dims], float16/32/64.
    Npy,
    /// `id,v1,…,vd` per row.
    Csv,
    /// A [items, dims] tensor in a safetensors file (see --tensor).
    Safetensors,
}

/// Wrap item vectors trained elsewhere into a catalog file.
///
/// The vectors' row order gives the items: ids come from the CSV's first column, from
/// `--ids` (one per line), or from the items file's row order. The catalog stores YᵀY
/// (computed here) and the implicit-ALS parameters the vectors were trained with, which
/// the browser's fold-in needs: pass the alpha, λ and λ scaling of your training run
/// (Spark MLlib's `ALS(implicitPrefs=True)`: `--alpha` = alpha, `--regularization`
/// = regParam, `--lambda-scaling interactions`).
///
/// `--from spark-als DIR` reads a Spark model's Parquet files directly; alpha and
/// regParam come from the saved `ALS` estimator (`--spark-estimator`) or the flags, and
/// λ scaling is Spark's (`interactions`).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  shopwindow import --vectors item_factors.npy --ids item_ids.txt --items items.csv -o catalog.safetensors
  shopwindow import --vectors model.safetensors --tensor item_embeddings --items items.csv -o c.safetensors
  shopwindow import --vectors spark_items.csv --alpha 40 --regularization 0.1 --lambda-scaling interactions -o c.safetensors
  shopwindow import --from spark-als out/model --spark-estimator out/als --id-map out/item_ids.csv --items items.csv --dtype i8 -o c.safetensors")]
pub struct ImportArgs {
    /// The vectors file.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub vectors: Option<PathBuf>,
    /// Read a model directory of this format instead of a vectors file.
    #[arg(long, value_enum, requires = "model_dir")]
    pub from: Option<ModelSource>,
    /// The model directory of --from.
    #[arg(value_name = "DIR", requires = "from")]
    pub model_dir: Option<PathBuf>,
    /// Spark: the `ALS` estimator's `save` directory, which holds alpha and regParam
    /// (`ALSModel.save` does not); else pass --alpha and --regularization.
    #[arg(long, value_name = "DIR", requires = "from")]
    pub spark_estimator: Option<PathBuf>,
    /// Spark: a CSV `spark_id,id` mapping Spark's integer item ids to item ids (without
    /// it, the catalog ids are Spark's ids in decimal).
    #[arg(long, value_name = "FILE", requires = "from")]
    pub id_map: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = VectorFormat::Auto)]
    pub format: VectorFormat,
    /// Tensor name in a safetensors file (needed when it has several 2-D tensors).
    #[arg(long)]
    pub tensor: Option<String>,
    /// Item ids, one per line, in the vectors' row order.
    #[arg(long, value_name = "FILE")]
    pub ids: Option<PathBuf>,
    /// Items CSV with a header: id, title, description, brand, category, price,
    /// available, image_url, popularity. Without --ids (and for npy/safetensors), its row
    /// order gives the ids. Items of the file without an imported vector get one mapped
    /// from their content (as `train --items` does), see --no-content.
    #[arg(long, value_name = "FILE")]
    pub items: Option<PathBuf>,
    /// Leave the items of --items without an imported vector out of the catalog instead of
    /// giving them content-derived vectors.
    #[arg(long, help_heading = "Content")]
    pub no_content: bool,
    /// Multiplies the content-derived vectors (> 0; as `train --content-scale`). `import`
    /// has no interactions to sample shoppers from, so `auto` is 1 here (the map's
    /// prediction as is): pass a number to make new products enter lists less often.
    #[arg(long, value_name = "S|auto", default_value = "auto", value_parser = crate::content::scale::parse_setting, help_heading = "Content")]
    pub content_scale: crate::content::ScaleSetting,
    /// Content vectors made elsewhere (image or text embeddings), used as content features
    /// beside the items file's text: `.npy` or `.safetensors` (ids from
    /// --content-vector-ids) or CSV rows `id,v1,…,vd`; every id must be an imported item
    /// or a row of --items.
    #[arg(long, value_name = "FILE", help_heading = "Content")]
    pub content_vectors: Option<PathBuf>,
    /// The item ids of --content-vectors' rows, one per line (for `.npy` / `.safetensors`).
    #[arg(long, value_name = "FILE", help_heading = "Content")]
    pub content_vector_ids: Option<PathBuf>,
    /// Seed of the content map's held-out tenth (its λ choice).
    #[arg(long, default_value_t = 42, help_heading = "Content")]
    pub seed: u64,
    /// Delimiter of the CSV inputs.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// When some items have a price and others not.
    #[arg(long, value_enum, default_value_t = MissingPrices::Error)]
    pub missing_prices: MissingPrices,
    /// Skip malformed CSV rows and report how many.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// alpha the vectors were trained with (confidence 1 + alpha·w) [default: 1, or the
    /// Spark estimator's].
    #[arg(long)]
    pub alpha: Option<f32>,
    /// λ the vectors were trained with [default: 0.05, or the Spark estimator's regParam].
    #[arg(long)]
    pub regularization: Option<f32>,
    /// [default: constant; interactions with --from spark-als]
    #[arg(long, value_enum)]
    pub lambda_scaling: Option<ScalingArg>,
    /// Vector storage in the file: i8 (~4x smaller than f32, the same recall on held-out
    /// data), i4 (~8x smaller, within 1% of f32's recall), f16, or f32 (exact copies of the
    /// imported vectors) [default: i8 below 20,000 items, i4 from 20,000].
    #[arg(long, value_enum)]
    pub dtype: Option<DtypeArg>,
    /// Where to write the catalog.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub leave_out: super::args::LeaveOutArgs,
}

/// Item vectors with their ids and the system they were trained with.
struct LoadedModel {
    ids: Vec<String>,
    vectors: Vec<f32>,
    dim: usize,
    params: ModelParams,
    metadata: BTreeMap<String, String>,
}

pub fn run(args: &ImportArgs, progress: &Progress) -> Result<()> {
    let policy = if args.skip_bad_rows {
        BadRowPolicy::Skip
    } else {
        BadRowPolicy::Fail
    };
    let bar = progress.spinner("reading");
    let (mut items, item_order) = match &args.items {
        Some(path) => {
            let (table, order, report) = read_items(path, args.delimiter, policy)?;
            if report.skipped > 0 {
                eprintln!("{}", report.summary(&path.display().to_string()));
            }
            (table, Some(order))
        }
        None => (ItemTable::new(), None),
    };
    let given = read_given(
        args.content_vectors.as_deref(),
        args.content_vector_ids.as_deref(),
        policy,
    )?;
    let model = match (args.from, &args.model_dir, &args.vectors) {
        (Some(ModelSource::SparkAls), Some(dir), _) => load_spark(args, dir)?,
        (None, _, Some(path)) => load_vectors(args, path, policy, item_order.clone())?,
        _ => bail!("give --vectors FILE, or --from FORMAT DIR"),
    };
    bar.finish_and_clear();
    let model = with_content(args, model, &items, item_order.as_deref(), given)?;
    let ids = &model.ids;
    if let Some(note) = settle_prices(ids, &mut items, args.missing_prices)? {
        eprintln!("note: {note}");
    }
    let popularity: Vec<f32> = ids
        .iter()
        .map(|id| items.get(id).and_then(|i| i.popularity).unwrap_or(0.0))
        .collect();
    if items.is_empty() || popularity.iter().all(|&p| p == 0.0) {
        eprintln!(
            "note: no popularity given (items file column `popularity`): cold-start \
             recommendations will fall back to catalog order"
        );
    }
    let missing = ids.iter().filter(|id| !items.contains_key(*id)).count();
    if args.items.is_some() && missing > 0 {
        eprintln!("note: {missing} vectors have no row in the items file (id only)");
    }
    let dtype = storage_for(args.dtype, ids.len(), model.dim);
    let bytes = build_catalog(&CatalogSpec {
        ids,
        vectors: &model.vectors,
        dim: model.dim,
        popularity: &popularity,
        items: &items,
        params: model.params,
        dtype,
        metadata: model.metadata,
    })?;
    let bytes = args.leave_out.apply(bytes)?;
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "wrote {}: {} items x {} dims ({}), {} bytes",
        args.output.display(),
        ids.len(),
        model.dim,
        dtype.as_str(),
        bytes.len()
    );
    Ok(())
}

/// The imported items, then the items file's items without a vector with content-derived
/// vectors (unless --no-content).
fn with_content(
    args: &ImportArgs,
    mut model: LoadedModel,
    items: &ItemTable,
    item_order: Option<&[String]>,
    given: GivenFile,
) -> Result<LoadedModel> {
    let imported: HashSet<&str> = model.ids.iter().map(String::as_str).collect();
    if let Some(path) = &args.content_vectors {
        let mut known = imported.clone();
        known.extend(item_order.unwrap_or_default().iter().map(String::as_str));
        given.check_known(&known, path, "an imported item or a row of the items file")?;
    }
    let cold: Vec<String> = item_order
        .unwrap_or_default()
        .iter()
        .filter(|id| !imported.contains(id.as_str()))
        .cloned()
        .collect();
    if cold.is_empty() {
        if args.content_vectors.is_some() {
            eprintln!("note: every item has an imported vector: --content-vectors is not used");
        }
        return Ok(model);
    }
    if args.no_content {
        eprintln!(
            "note: {} items of the items file have no imported vector and are left out \
             (--no-content)",
            cold.len()
        );
        return Ok(model);
    }
    eprintln!(
        "note: {} items of the items file have no imported vector: their vectors come from \
         their content",
        cold.len()
    );
    // The map's base is the least-bought tenth's mean factor. An imported model brings no
    // purchase counts: the items file's popularity when it has any, else the vector norm
    // (implicit-ALS vectors of rarely bought items are short).
    let given_popularity: Vec<f32> = model
        .ids
        .iter()
        .map(|id| items.get(id).and_then(|i| i.popularity).unwrap_or(0.0))
        .collect();
    let popularity = if given_popularity.iter().any(|&p| p > 0.0) {
        given_popularity
    } else {
        model
            .vectors
            .chunks_exact(model.dim.max(1))
            .map(|v| v.iter().map(|x| x * x).sum::<f32>().sqrt())
            .collect()
    };
    let new_items = crate::content::NewItems {
        ids: cold,
        given: given.vectors,
        scale: args.content_scale,
    };
    let extended = crate::content::extend(
        &model.ids,
        &model.vectors,
        model.dim,
        &popularity,
        items,
        &new_items,
        None,
        args.seed,
    )?;
    if let Some(line) = extended.scale_line() {
        eprintln!("{line}");
    }
    model.metadata.extend(extended.metadata());
    model.ids = extended.ids;
    model.vectors = extended.vectors;
    Ok(model)
}

fn load_vectors(
    args: &ImportArgs,
    path: &Path,
    policy: BadRowPolicy,
    item_order: Option<Vec<String>>,
) -> Result<LoadedModel> {
    let vectors = read_vectors(args, path, policy)?;
    let ids = resolve_ids(args, path, &vectors, item_order)?;
    Ok(LoadedModel {
        ids,
        vectors: vectors.data,
        dim: vectors.dim,
        params: ModelParams {
            alpha: args.alpha.unwrap_or(1.0),
            lambda: args.regularization.unwrap_or(0.05),
            lambda_scaling: args.lambda_scaling.unwrap_or(ScalingArg::Constant).into(),
        },
        metadata: standard_metadata(&format!("import {}", file_name(path))),
    })
}

/// A Spark MLlib ALS model: its item factors, alpha and regParam from the saved estimator
/// (or the flags, which win), and Spark's λ scaling.
fn load_spark(args: &ImportArgs, dir: &Path) -> Result<LoadedModel> {
    let model = SparkModel::open(dir)?;
    let estimator = match &args.spark_estimator {
        Some(path) => Some(SparkMetadata::read(path)?.als_hyper_params()?),
        None => None,
    };
    let (Some(alpha), Some(reg_param)) = (
        args.alpha.or(estimator.map(|e| e.alpha)),
        args.regularization.or(estimator.map(|e| e.reg_param)),
    ) else {
        bail!(
            "{}: Spark's ALSModel.save does not store alpha and regParam, which fold-in \
             needs: pass --spark-estimator with the directory of als.save(path), or \
             --alpha and --regularization with the values given to ALS",
            dir.display()
        );
    };
    let id_map = match &args.id_map {
        Some(path) => Some(read_id_map(path)?),
        None => None,
    };
    let ids = item_ids(&model.items, id_map.as_ref())?;
    let mut metadata = standard_metadata(&format!("import spark-als {}", file_name(dir)));
    // alpha and λ are stored by the catalog writer from `params`; `model` stays "ials"
    // (the system is the same), so the trainer is recorded beside it.
    metadata.insert("trainer".into(), "Spark MLlib ALS (implicitPrefs)".into());
    if let Some(version) = model
        .metadata
        .as_ref()
        .and_then(|m| m.spark_version.clone())
    {
        metadata.insert("spark_version".into(), version);
    }
    let lambda_scaling = args.lambda_scaling.unwrap_or(ScalingArg::Interactions);
    if lambda_scaling != ScalingArg::Interactions {
        eprintln!(
            "note: Spark scales λ by each user's number of items; fold-in with another \
             scaling solves a different system than Spark did"
        );
    }
    Ok(LoadedModel {
        ids,
        dim: model.items.dim,
        vectors: model.items.data,
        params: ModelParams {
            alpha,
            lambda: reg_param,
            lambda_scaling: lambda_scaling.into(),
        },
        metadata,
    })
}

fn read_vectors(args: &ImportArgs, path: &Path, policy: BadRowPolicy) -> Result<ImportedVectors> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let format = match args.format {
        VectorFormat::Auto if name.ends_with(".npy") => VectorFormat::Npy,
        VectorFormat::Auto if name.ends_with(".safetensors") => VectorFormat::Safetensors,
        VectorFormat::Auto => VectorFormat::Csv,
        f => f,
    };
    match format {
        VectorFormat::Npy => read_npy(path),
        VectorFormat::Safetensors => read_safetensors(path, args.tensor.as_deref()),
        VectorFormat::Csv | VectorFormat::Auto => {
            let (vectors, report) = read_csv(path, args.delimiter, policy)?;
            if report.skipped > 0 {
                eprintln!("{}", report.summary(&path.display().to_string()));
            }
            Ok(vectors)
        }
    }
}

/// Ids in row order: from the vectors file, --ids, or the items file.
fn resolve_ids(
    args: &ImportArgs,
    path: &Path,
    vectors: &ImportedVectors,
    item_order: Option<Vec<String>>,
) -> Result<Vec<String>> {
    let (ids, from) = if let Some(path) = &args.ids {
        (read_id_list(path)?, path.display().to_string())
    } else if let Some(ids) = &vectors.ids {
        (ids.clone(), path.display().to_string())
    } else if let Some(order) = item_order {
        (order, "the items file".to_string())
    } else {
        bail!(
            "{} has no item ids: pass --ids (one per line) or --items",
            path.display()
        );
    };
    ensure!(
        ids.len() == vectors.rows,
        "{from} gives {} ids but {} has {} vectors",
        ids.len(),
        path.display(),
        vectors.rows
    );
    Ok(ids)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
