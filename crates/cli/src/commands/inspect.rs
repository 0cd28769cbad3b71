//! `shopwindow inspect`: validate a catalog with the browser's reader and summarize it.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use shopwindow::catalog::LambdaScaling;
use shopwindow::Catalog;

/// Validate a catalog file and print what is in it.
///
/// Validation is the one the browser runs (header, shapes, dtypes, finite values, unique
/// ids, string tables, size limits), plus checks only worth doing offline: the stored
/// YᵀY against the vectors, and whether fold-in's system is solvable. Exits non-zero when
/// the file is invalid.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The catalog file.
    pub file: PathBuf,
    /// How many items to list.
    #[arg(long, default_value_t = 5)]
    pub items: usize,
}

pub fn run(args: &InspectArgs) -> Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let catalog = Catalog::from_bytes(bytes)
        .with_context(|| format!("{} is not a valid catalog", args.file.display()))?;
    let report = summarize(&catalog, args.items)?;
    print!("{report}");
    Ok(())
}

/// The human-readable report (an error if an offline check fails).
pub fn summarize(catalog: &Catalog, list: usize) -> Result<String> {
    let mut out = String::new();
    let meta = catalog.meta();
    let n = catalog.len();
    let d = catalog.dim();
    let _ = writeln!(out, "valid catalog, format version {}", meta.format_version);
    let _ = writeln!(
        out,
        "  {} items x {} dims, vectors {} ({} bytes in all{})",
        n,
        d,
        catalog.dtype().as_str(),
        catalog.byte_len(),
        if catalog.is_zero_copy() {
            ""
        } else {
            ", tensors re-aligned on load"
        }
    );
    let p = meta.params;
    let _ = writeln!(
        out,
        "  model {}: alpha {}, lambda {} ({})",
        meta.model,
        p.alpha,
        p.lambda,
        match p.lambda_scaling {
            LambdaScaling::Constant => "constant",
            LambdaScaling::Interactions => "x items in the history",
        }
    );
    if let Some(created) = &meta.created {
        let _ = writeln!(out, "  created {}", created_for_people(created));
    }
    if let Some(source) = &meta.source {
        let _ = writeln!(out, "  source {source}");
    }
    if let Some(hybrid) = catalog.hybrid() {
        let h = hybrid.params;
        let _ = writeln!(
            out,
            "  hybrid: vectors {}, neighbours x{} ({}), popularity x{}, history {}",
            if h.vectors { "on" } else { "off" },
            h.neighbour_weight,
            hybrid
                .neighbours
                .map_or("no table".to_string(), |t| format!("K = {}", t.k())),
            h.popularity_weight,
            h.history.as_str()
        );
    }
    let content = catalog.content_derived_items();
    if content > 0 {
        let _ = writeln!(
            out,
            "  content-derived vectors: {content} of {n} items (no interactions when trained; \
             mapped from their content)"
        );
        if let Some(scale) = meta.extra.get("content.scale") {
            let rule = meta.extra.get("content.scale_rule");
            let _ = writeln!(
                out,
                "  content exposure scale: {scale}{}",
                rule.map_or(String::new(), |r| format!(" ({r})"))
            );
        }
    }
    // The tuner's report (`tune.*`) and any other free-text metadata.
    for (key, value) in &meta.extra {
        let _ = writeln!(out, "  {key} = {value}");
    }

    let gram_error = check_gram(catalog);
    let _ = writeln!(
        out,
        "  gram: {}, largest difference from the vectors' YᵀY {:.2e} (relative)",
        if catalog.has_stored_gram() {
            "stored"
        } else {
            "absent (computed on load)"
        },
        gram_error
    );
    anyhow::ensure!(
        gram_error < 1e-3,
        "the stored model.gram does not match the vectors (relative error {gram_error:.2e}): \
         fold-in would solve the wrong system; rewrite the file with `shopwindow import`"
    );
    let norms = norms(catalog);
    let zero = norms.iter().filter(|&&v| v == 0.0).count();
    let (low, median, high) = spread(&norms);
    let _ = writeln!(
        out,
        "  vector norms: min {low:.4}, median {median:.4}, max {high:.4}; {zero} zero vectors"
    );
    if catalog.has_categories() {
        let _ = writeln!(out, "  categories: {}", catalog.category_count());
    }
    if let Some(prices) = catalog.prices() {
        let (low, median, high) = spread(prices);
        let _ = writeln!(out, "  prices: min {low}, median {median}, max {high}");
    }
    if let Some(available) = catalog.availability() {
        let in_stock = available.iter().filter(|&&a| a != 0).count();
        let _ = writeln!(out, "  in stock: {in_stock} of {n}");
    }
    if catalog.has_tags() {
        let tagged = (0..n).filter(|&i| catalog.tags(i).next().is_some()).count();
        let mut distinct: Vec<&str> = (0..n).flat_map(|i| catalog.tags(i)).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let _ = writeln!(
            out,
            "  tags: {} distinct on {tagged} of {n} items",
            distinct.len()
        );
    }
    if let Some(segments) = catalog.segments() {
        let _ = writeln!(
            out,
            "  segments: {} (soft-membership temperature {})",
            segments.len(),
            segments.temperature()
        );
        for s in 0..segments.len() {
            let _ = writeln!(
                out,
                "    {s}: {:?}, {} customers",
                segments.label(s),
                segments.sizes()[s]
            );
        }
    }
    if let Some(rfm) = catalog.rfm_thresholds() {
        let [r, f, m] = rfm.rows();
        let _ = writeln!(
            out,
            "  RFM thresholds: recency days {r:?}, frequency {f:?}, monetary {m:?}"
        );
    }

    let _ = writeln!(out, "  first items:");
    for i in 0..n.min(list) {
        let _ = write!(out, "    {}", catalog.id(i));
        if let Some(title) = catalog.title(i) {
            let _ = write!(out, "  {title:?}");
        }
        if let Some(c) = catalog.category(i) {
            let _ = write!(out, "  [{}]", catalog.category_name(c).unwrap_or("?"));
        }
        if let Some(prices) = catalog.prices() {
            let _ = write!(out, "  price {}", prices[i]);
        }
        if let Some(pop) = catalog.popularity() {
            let _ = write!(out, "  popularity {}", pop[i]);
        }
        if catalog.tags(i).next().is_some() {
            let _ = write!(out, "  tags {}", catalog.tags_text(i).unwrap_or(""));
        }
        let _ = writeln!(out, "  |y| {:.4}", norms[i]);
    }
    Ok(out)
}

/// Smallest, median (the upper one of an even count) and largest of one value per item.
fn spread(values: &[f32]) -> (f32, f32, f32) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    let n = sorted.len();
    (sorted[0], sorted[n / 2], sorted[n - 1])
}

fn norms(catalog: &Catalog) -> Vec<f32> {
    let mut row = vec![0.0; catalog.dim()];
    (0..catalog.len())
        .map(|i| {
            catalog.row_into(i, &mut row);
            row.iter().map(|v| v * v).sum::<f32>().sqrt()
        })
        .collect()
}

/// Largest |stored − recomputed| of YᵀY, relative to its largest diagonal entry.
fn check_gram(catalog: &Catalog) -> f64 {
    let d = catalog.dim();
    let mut gram = vec![0.0f64; d * d];
    let mut row = vec![0.0f32; d];
    for i in 0..catalog.len() {
        catalog.row_into(i, &mut row);
        for a in 0..d {
            for b in 0..d {
                gram[a * d + b] += row[a] as f64 * row[b] as f64;
            }
        }
    }
    let scale = (0..d)
        .map(|a| gram[a * d + a])
        .fold(f64::MIN_POSITIVE, f64::max);
    catalog
        .gram()
        .iter()
        .zip(&gram)
        .map(|(s, g)| (s - g).abs() / scale)
        .fold(0.0, f64::max)
}

/// The `created` entry (Unix seconds, as `train` and `import` write it) as a UTC date;
/// anything else, as written.
fn created_for_people(created: &str) -> String {
    match created.trim().parse::<i64>() {
        Ok(seconds) => crate::data::time::format_utc(seconds),
        Err(_) => created.to_string(),
    }
}
