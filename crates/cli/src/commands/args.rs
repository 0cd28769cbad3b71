//! Argument groups shared by several commands.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use shopwindow::catalog::LambdaScaling;
use shopwindow::VectorDtype;

use crate::data::interactions_csv::{CsvFormat, HeaderMode, WeightMode};
use crate::data::movielens::RatingWeight;
use crate::data::time::TimeUnit;
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
    /// Half a byte per value plus one f32 scale per item: ~8x smaller than f32 (even d).
    I4,
}

impl From<DtypeArg> for VectorDtype {
    fn from(d: DtypeArg) -> VectorDtype {
        match d {
            DtypeArg::F32 => VectorDtype::F32,
            DtypeArg::F16 => VectorDtype::F16,
            DtypeArg::I8 => VectorDtype::I8,
            DtypeArg::I4 => VectorDtype::I4,
        }
    }
}

/// Catalogs with at least this many items are written 4-bit by default (`train`, `import`):
/// where the vectors dominate the download. 4-bit stays within 1% of f32's recall on the
/// data measured (BENCHMARKS.md, "Compact catalogs") where int8 loses nothing measurable,
/// so smaller catalogs, whose bytes matter less, keep int8.
pub const FOUR_BIT_FROM_ITEMS: usize = 20_000;

/// The storage a catalog of `items` vectors of `dim` values is written in: the one asked
/// for, or by default int8 below [`FOUR_BIT_FROM_ITEMS`] items and 4-bit from there (int8
/// for an odd dimension, which 4-bit pairs cannot hold).
pub fn storage_for(asked: Option<DtypeArg>, items: usize, dim: usize) -> VectorDtype {
    match asked {
        Some(dtype) => dtype.into(),
        None if items >= FOUR_BIT_FROM_ITEMS && dim % 2 == 0 => VectorDtype::I4,
        None => VectorDtype::I8,
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
    /// What a bare number in the timestamp column counts.
    #[arg(long, value_enum, default_value_t = TimeUnitArg::S)]
    pub time_unit: TimeUnitArg,
    /// What the weight column (3rd) means.
    #[arg(long, value_enum, default_value_t = WeightsArg::Count)]
    pub weights: WeightsArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimeUnitArg {
    /// Unix seconds.
    S,
    /// Unix milliseconds (JavaScript's `Date.now()`).
    Ms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeightsArg {
    /// A count of events (quantity, views): whole and non-negative; rows of weight 0 are
    /// dropped and counted, a fractional weight is a bad row.
    Count,
    /// Every row counts as one event, whatever the column holds (spend, dwell time).
    Ignore,
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
            time_unit: match self.time_unit {
                TimeUnitArg::S => TimeUnit::Seconds,
                TimeUnitArg::Ms => TimeUnit::Milliseconds,
            },
            weights: match self.weights {
                WeightsArg::Count => WeightMode::Count,
                WeightsArg::Ignore => WeightMode::Ignore,
            },
            require_timestamp: false,
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

/// Implicit-ALS hyper-parameters, one value each. `train` tunes them itself unless one of
/// them is given (or `--no-tune`); unset ones take the defaults shown.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Model (implicit ALS)")]
pub struct AlsArgs {
    /// Embedding dimension d [default: 64].
    #[arg(long)]
    pub factors: Option<usize>,
    /// Regularization λ (see --lambda-scaling) [default: 0.05, `implicit`'s usual setting].
    /// Much larger values (λ ≈ 20 on the benchmark data) often rank better: `train`
    /// without these flags searches them on the store's own data.
    #[arg(long)]
    pub regularization: Option<f32>,
    /// Confidence weight: an interaction of weight w counts with confidence 1 + alpha·w
    /// [default: 1].
    #[arg(long)]
    pub alpha: Option<f32>,
    /// Full passes (all users, then all items) [default: 15].
    #[arg(long)]
    pub iterations: Option<usize>,
    /// How λ grows with a row's number of interactions (stored in the catalog: the
    /// browser's fold-in uses the same rule) [default: constant].
    #[arg(long, value_enum)]
    pub lambda_scaling: Option<ScalingArg>,
    /// Conjugate-gradient steps per row and iteration (0 = exact Cholesky solves).
    #[arg(long, default_value_t = 3)]
    pub cg_steps: usize,
    /// Seed of the initial factors (and of the tuner's search): the same seed and data
    /// give the same catalog.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl AlsArgs {
    pub fn config(&self) -> crate::als::AlsConfig {
        let defaults = crate::als::AlsConfig::default();
        crate::als::AlsConfig {
            factors: self.factors.unwrap_or(defaults.factors),
            regularization: self.regularization.unwrap_or(defaults.regularization),
            lambda_scaling: self
                .lambda_scaling
                .map_or(defaults.lambda_scaling, Into::into),
            alpha: self.alpha.unwrap_or(defaults.alpha),
            iterations: self.iterations.unwrap_or(defaults.iterations),
            solver: solver(self.cg_steps),
            seed: self.seed,
        }
    }

    /// Whether any hyper-parameter the tuner searches was given by hand.
    pub fn any_given(&self) -> bool {
        self.factors.is_some()
            || self.regularization.is_some()
            || self.alpha.is_some()
            || self.iterations.is_some()
            || self.lambda_scaling.is_some()
    }
}

pub fn solver(cg_steps: usize) -> crate::als::Solver {
    if cg_steps == 0 {
        crate::als::Solver::Cholesky
    } else {
        crate::als::Solver::ConjugateGradient { steps: cg_steps }
    }
}

/// How the tuner's validation split is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TuneSplitArg {
    /// Temporal when every row has a time; if that leaves too few users, recent, or
    /// random when most customers made all their events in one visit (no pause over 30
    /// minutes). Random without times.
    Auto,
    /// The last slice of time (the last 10% of the events).
    Temporal,
    /// Each customer's latest fifth of their events (whole baskets, at least the last).
    Recent,
    /// Each customer's events at their latest time.
    LastBasket,
    /// A seeded random fifth of each customer's products (no times needed).
    Random,
    /// Each customer's last row in file order (for files in time order without times).
    LastItem,
}

/// How the tuner counts the catalog's popularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TunePopularityArg {
    /// All-time counts, or counts halved every 90, 30, 10, 3 or 1 days of age, whichever
    /// finds the validation purchases best (all-time unless a half-life wins by more than
    /// the validation noise; all-time without times).
    Auto,
    /// Every customer who bought an item counts once, however long ago.
    AllTime,
}

/// The self-tuning trainer's settings.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Self-tuning")]
pub struct TuneArgs {
    /// Keep fixed hyper-parameters (the flags given, or their defaults) instead of
    /// searching them on a validation split of the data. Giving any iALS hyper-parameter
    /// flag also turns the search off.
    #[arg(long)]
    pub no_tune: bool,
    /// Seconds the search may take (a cost model sizes the plan to it; the same data, seed
    /// and budget search the same configurations).
    #[arg(long, value_name = "SECONDS", default_value_t = 45.0)]
    pub tune_budget: f64,
    /// How the validation split is carved from the data.
    #[arg(long, value_enum, default_value_t = TuneSplitArg::Auto)]
    pub tune_split: TuneSplitArg,
    /// How the catalog's popularity (a first visit's list, the hybrid's popularity term)
    /// counts purchases.
    #[arg(long, value_enum, default_value_t = TunePopularityArg::Auto)]
    pub tune_popularity: TunePopularityArg,
    /// List length K of the validation: the search maximises the mean of recall@K/2 and
    /// recall@K, so the first half of the list (what a short carousel shows) counts twice.
    #[arg(long, default_value_t = 20)]
    pub tune_k: usize,
    /// Neighbours per item in the catalog (6 bytes each: u32 id, f16 weight).
    #[arg(long, default_value_t = crate::tune::neighbours::DEFAULT_K)]
    pub neighbours: usize,
    /// Memory (GB) the full EASE neighbour builder may hold (three items × items f64
    /// matrices). Above it, or when its inverse would take too long for the budget, each
    /// item's regression is solved on its strongest co-buys alone (local EASE), whose
    /// memory grows with the items, not their square; 0 always builds local EASE.
    #[arg(long, value_name = "GB", default_value_t = 3.0)]
    pub tune_ease_memory: f64,
}

impl TuneArgs {
    pub fn config(&self, seed: u64, cg_steps: usize) -> crate::tune::TuneConfig {
        use crate::tune::split::SplitKind;
        let defaults = crate::tune::TuneConfig::default();
        crate::tune::TuneConfig {
            budget_s: self.tune_budget,
            seed,
            k: self.tune_k,
            split: crate::tune::split::SplitConfig {
                kind: match self.tune_split {
                    TuneSplitArg::Auto => SplitKind::Auto,
                    TuneSplitArg::Temporal => SplitKind::Temporal,
                    TuneSplitArg::Recent => SplitKind::Recent,
                    TuneSplitArg::LastBasket => SplitKind::LastBasket,
                    TuneSplitArg::Random => SplitKind::Random,
                    TuneSplitArg::LastItem => SplitKind::LastItem,
                },
                seed,
                ..defaults.split
            },
            space: crate::tune::search::Space {
                cg_steps: cg_steps.max(1),
                ..defaults.space
            },
            neighbours_k: self.neighbours,
            choose_half_life: self.tune_popularity == TunePopularityArg::Auto,
            ease_memory: (self.tune_ease_memory.max(0.0) * (1u64 << 30) as f64) as u64,
            ..defaults
        }
    }
}

/// The placement tables shipped with the catalog: bought together and trending.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Placements (bought together, trending)")]
pub struct PlacementArgs {
    /// Bought-together partners kept per item (0 = no bought-together table). Baskets are
    /// one customer's events at one timestamp (an invoice).
    #[arg(long, default_value_t = 10)]
    pub together_k: usize,
    /// Fewest shared baskets a bought-together pair needs.
    #[arg(long, default_value_t = 3)]
    pub together_min_support: u32,
    /// Baskets with more distinct items than this add no bought-together pairs.
    #[arg(long, default_value_t = 100)]
    pub together_max_basket: usize,
    /// What a bought-together pair's weight measures: cosine (c_ij / √(c_i·c_j)) or lift
    /// (c_ij·B / (c_i·c_j)); see BENCHMARKS.md for how each does on held-out baskets.
    #[arg(long, value_enum, default_value_t = TogetherMeasureArg::Cosine)]
    pub together_measure: TogetherMeasureArg,
    /// Half-life in days of the trending score's decay (0 = no trending score).
    #[arg(long, default_value_t = 7.0)]
    pub trending_half_life_days: f32,
}

impl PlacementArgs {
    pub fn config(&self) -> crate::placements::PlacementConfig {
        crate::placements::PlacementConfig {
            together: (self.together_k > 0).then_some(crate::placements::TogetherConfig {
                k: self.together_k,
                min_support: self.together_min_support.max(1),
                max_basket_items: self.together_max_basket,
                measure: match self.together_measure {
                    TogetherMeasureArg::Lift => shopwindow::catalog::TogetherMeasure::Lift,
                    TogetherMeasureArg::Cosine => shopwindow::catalog::TogetherMeasure::Cosine,
                },
            }),
            trending: (self.trending_half_life_days > 0.0
                && self.trending_half_life_days.is_finite())
            .then_some(crate::placements::TrendingConfig {
                half_life_days: self.trending_half_life_days,
            }),
        }
    }
}

/// What a bought-together weight measures (`TogetherMeasure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TogetherMeasureArg {
    Cosine,
    Lift,
}

/// Item text `--leave-out` can keep out of the catalog file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ItemTextArg {
    /// Product titles (the package then answers without `title`; the element shows the id).
    Title,
    /// Image URLs.
    ImageUrl,
}

/// What `--leave-out` keeps out of a written catalog (`train`, `import`, `demo-catalog`).
#[derive(Debug, Clone, Args)]
pub struct LeaveOutArgs {
    /// Item text to keep out of the file when the store's pages already show it from their
    /// own data (comma-separated: title, image-url): a smaller download for large catalogs.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub leave_out: Vec<ItemTextArg>,
}

impl LeaveOutArgs {
    /// `bytes` without the item text named (unchanged when none is).
    pub fn apply(&self, bytes: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        if self.leave_out.is_empty() {
            return Ok(bytes);
        }
        let texts: Vec<shopwindow::catalog::ItemText> = self
            .leave_out
            .iter()
            .map(|text| match text {
                ItemTextArg::Title => shopwindow::catalog::ItemText::Titles,
                ItemTextArg::ImageUrl => shopwindow::catalog::ItemText::ImageUrls,
            })
            .collect();
        Ok(shopwindow::catalog::without_item_text(&bytes, &texts)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_is_int8_for_small_catalogs_and_four_bit_for_large_ones() {
        assert_eq!(storage_for(None, 3_000, 64), VectorDtype::I8);
        assert_eq!(
            storage_for(None, FOUR_BIT_FROM_ITEMS - 1, 64),
            VectorDtype::I8
        );
        assert_eq!(storage_for(None, FOUR_BIT_FROM_ITEMS, 64), VectorDtype::I4);
        // 4-bit pairs cannot hold an odd dimension.
        assert_eq!(storage_for(None, 50_000, 65), VectorDtype::I8);
        // What is asked for wins at any size.
        assert_eq!(
            storage_for(Some(DtypeArg::F32), 50_000, 64),
            VectorDtype::F32
        );
        assert_eq!(storage_for(Some(DtypeArg::I4), 10, 64), VectorDtype::I4);
    }
}
