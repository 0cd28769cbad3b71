//! `shopwindow import`: vectors trained elsewhere + item metadata → a validated catalog.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use clap::{Args, ValueEnum};
use shopwindow::catalog::ModelParams;

use super::args::{parse_delimiter, DtypeArg, ScalingArg};
use crate::catalog_file::{build_catalog, standard_metadata, CatalogSpec};
use crate::data::items_csv::read_items;
use crate::data::{BadRowPolicy, ItemTable};
use crate::progress::Progress;
use crate::vectors::{read_csv, read_id_list, read_npy, read_safetensors, ImportedVectors};

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
/// (Spark MLlib's `ALS(implicitPrefs=True)`: `--alpha` = alphaParam, `--regularization`
/// = regParam, `--lambda-scaling interactions`).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  shopwindow import --vectors item_factors.npy --ids item_ids.txt --items items.csv -o catalog.safetensors
  shopwindow import --vectors model.safetensors --tensor item_embeddings --items items.csv -o c.safetensors
  shopwindow import --vectors spark_items.csv --alpha 40 --regularization 0.1 --lambda-scaling interactions -o c.safetensors")]
pub struct ImportArgs {
    /// The vectors file.
    #[arg(long, value_name = "FILE")]
    pub vectors: PathBuf,
    #[arg(long, value_enum, default_value_t = VectorFormat::Auto)]
    pub format: VectorFormat,
    /// Tensor name in a safetensors file (needed when it has several 2-D tensors).
    #[arg(long)]
    pub tensor: Option<String>,
    /// Item ids, one per line, in the vectors' row order.
    #[arg(long, value_name = "FILE")]
    pub ids: Option<PathBuf>,
    /// Items CSV with a header: id, title, category, price, available, image_url,
    /// popularity. Without --ids (and for npy/safetensors), its row order gives the ids.
    #[arg(long, value_name = "FILE")]
    pub items: Option<PathBuf>,
    /// Delimiter of the CSV inputs.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Skip malformed CSV rows and report how many.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// alpha the vectors were trained with (confidence 1 + alpha·w).
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f32,
    /// λ the vectors were trained with.
    #[arg(long, default_value_t = 0.05)]
    pub regularization: f32,
    #[arg(long, value_enum, default_value_t = ScalingArg::Constant)]
    pub lambda_scaling: ScalingArg,
    #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
    pub dtype: DtypeArg,
    /// Where to write the catalog.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
}

pub fn run(args: &ImportArgs, progress: &Progress) -> Result<()> {
    let policy = if args.skip_bad_rows {
        BadRowPolicy::Skip
    } else {
        BadRowPolicy::Fail
    };
    let bar = progress.spinner("reading");
    let vectors = read_vectors(args, policy)?;
    let (items, item_order) = match &args.items {
        Some(path) => {
            let (table, order, report) = read_items(path, args.delimiter, policy)?;
            if report.skipped > 0 {
                eprintln!("{}", report.summary(&path.display().to_string()));
            }
            (table, Some(order))
        }
        None => (ItemTable::new(), None),
    };
    bar.finish_and_clear();
    let ids = resolve_ids(args, &vectors, item_order)?;
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
    let bytes = build_catalog(&CatalogSpec {
        ids: &ids,
        vectors: &vectors.data,
        dim: vectors.dim,
        popularity: &popularity,
        items: &items,
        params: ModelParams {
            alpha: args.alpha,
            lambda: args.regularization,
            lambda_scaling: args.lambda_scaling.into(),
        },
        dtype: args.dtype.into(),
        metadata: standard_metadata(&format!("import {}", file_name(&args.vectors))),
    })?;
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "wrote {}: {} items x {} dims ({}), {} bytes",
        args.output.display(),
        ids.len(),
        vectors.dim,
        shopwindow::VectorDtype::from(args.dtype).as_str(),
        bytes.len()
    );
    Ok(())
}

fn read_vectors(args: &ImportArgs, policy: BadRowPolicy) -> Result<ImportedVectors> {
    let path = &args.vectors;
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
    vectors: &ImportedVectors,
    item_order: Option<Vec<String>>,
) -> Result<Vec<String>> {
    let (ids, from) = if let Some(path) = &args.ids {
        (read_id_list(path)?, path.display().to_string())
    } else if let Some(ids) = &vectors.ids {
        (ids.clone(), args.vectors.display().to_string())
    } else if let Some(order) = item_order {
        (order, "the items file".to_string())
    } else {
        bail!(
            "{} has no item ids: pass --ids (one per line) or --items",
            args.vectors.display()
        );
    };
    ensure!(
        ids.len() == vectors.rows,
        "{from} gives {} ids but {} has {} vectors",
        ids.len(),
        args.vectors.display(),
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
