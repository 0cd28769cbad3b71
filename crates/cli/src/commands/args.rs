//! Argument groups shared by several commands.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use shopwindow::catalog::LambdaScaling;
use shopwindow::VectorDtype;

use crate::data::interactions_csv::{CsvFormat, HeaderMode};
use crate::data::movielens::RatingWeight;
use crate::data::BadRowPolicy;

/// How vectors are stored in the catalog file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DtypeArg {
    /// 4 bytes per value: exact.
    F32,
    /// 2 bytes per value.
    F16,
    /// 1 byte per value plus one f32 scale per item: ~4x smaller than f32.
    I8,
}

impl From<DtypeArg> for VectorDtype {
    fn from(d: DtypeArg) -> VectorDtype {
        match d {
            DtypeArg::F32 => VectorDtype::F32,
            DtypeArg::F16 => VectorDtype::F16,
            DtypeArg::I8 => VectorDtype::I8,
        }
    }
}

/// How λ grows with a row's number of interactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScalingArg {
    /// λ as given, for every user and item (Hu et al. 2008; `implicit`).
    Constant,
    /// λ × the number of distinct items of the user (or users of the item), as Spark MLlib.
    Interactions,
}

impl From<ScalingArg> for LambdaScaling {
    fn from(s: ScalingArg) -> LambdaScaling {
        match s {
            ScalingArg::Constant => LambdaScaling::Constant,
            ScalingArg::Interactions => LambdaScaling::Interactions,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeaderArg {
    /// Treat the first row as a header when its weight or timestamp column is not a
    /// number, or its first column is named like `user`/`customer_id`.
    Auto,
    Yes,
    No,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RatingWeightArg {
    /// Each rating counts as one interaction.
    One,
    /// The rating value is the interaction weight.
    Rating,
}

impl From<RatingWeightArg> for RatingWeight {
    fn from(w: RatingWeightArg) -> RatingWeight {
        match w {
            RatingWeightArg::One => RatingWeight::One,
            RatingWeightArg::Rating => RatingWeight::Rating,
        }
    }
}

/// Layout of CSV inputs and what to do with bad rows.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input format")]
pub struct CsvArgs {
    /// Field delimiter of the interactions file: one character, or `tab`.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
    /// Whether the interactions file starts with a header row.
    #[arg(long, value_enum, default_value_t = HeaderArg::Auto)]
    pub header: HeaderArg,
    /// Skip malformed rows and report how many (default: stop at the first, with its
    /// file, line and reason).
    #[arg(long)]
    pub skip_bad_rows: bool,
}

impl CsvArgs {
    pub fn format(&self) -> CsvFormat {
        CsvFormat {
            delimiter: self.delimiter,
            header: match self.header {
                HeaderArg::Auto => HeaderMode::Auto,
                HeaderArg::Yes => HeaderMode::Present,
                HeaderArg::No => HeaderMode::Absent,
            },
        }
    }

    pub fn policy(&self) -> BadRowPolicy {
        if self.skip_bad_rows {
            BadRowPolicy::Skip
        } else {
            BadRowPolicy::Fail
        }
    }
}

pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(format!(
            "{text:?} is not a one-character ASCII delimiter (or `tab`)"
        )),
    }
}

/// Where interactions come from: exactly one of these.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
#[command(next_help_heading = "Input (one of)")]
pub struct SourceArgs {
    /// Interactions CSV: `user,item[,weight][,timestamp]` per row (`.gz` allowed).
    #[arg(long, value_name = "FILE")]
    pub interactions: Option<PathBuf>,
    /// The UCI Online Retail file (`online_retail.csv[.gz]`): purchases per invoice.
    #[arg(long, value_name = "FILE")]
    pub online_retail: Option<PathBuf>,
    /// MovieLens: a `u.data` file for `train`, the data set's directory for `eval`.
    #[arg(long, value_name = "PATH")]
    pub movielens: Option<PathBuf>,
}

/// Implicit-ALS hyper-parameters, one value each.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Model (implicit ALS)")]
pub struct AlsArgs {
    /// Embedding dimension d.
    #[arg(long, default_value_t = 64)]
    pub factors: usize,
    /// Regularization λ (see --lambda-scaling). The default matches `implicit`'s usual
    /// settings; much larger values (λ ≈ 20 on the benchmark data) often rank better:
    /// tune with `shopwindow eval`.
    #[arg(long, default_value_t = 0.05)]
    pub regularization: f32,
    /// Confidence weight: an interaction of weight w counts with confidence 1 + alpha·w.
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f32,
    /// Full passes (all users, then all items).
    #[arg(long, default_value_t = 15)]
    pub iterations: usize,
    /// How λ grows with a row's number of interactions (stored in the catalog: the
    /// browser's fold-in uses the same rule).
    #[arg(long, value_enum, default_value_t = ScalingArg::Constant)]
    pub lambda_scaling: ScalingArg,
    /// Conjugate-gradient steps per row and iteration (0 = exact Cholesky solves).
    #[arg(long, default_value_t = 3)]
    pub cg_steps: usize,
    /// Seed of the initial factors: the same seed and data give the same catalog.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl AlsArgs {
    pub fn config(&self) -> crate::als::AlsConfig {
        crate::als::AlsConfig {
            factors: self.factors,
            regularization: self.regularization,
            lambda_scaling: self.lambda_scaling.into(),
            alpha: self.alpha,
            iterations: self.iterations,
            solver: solver(self.cg_steps),
            seed: self.seed,
        }
    }
}

pub fn solver(cg_steps: usize) -> crate::als::Solver {
    if cg_steps == 0 {
        crate::als::Solver::Cholesky
    } else {
        crate::als::Solver::ConjugateGradient { steps: cg_steps }
    }
}
