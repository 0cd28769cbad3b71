//! The exposure scale of content-derived vectors, chosen on the store's own shoppers.
//!
//! A content-derived vector times a scale s < 1 changes no ranking among new products, only
//! how often they enter lists next to bought ones, and every place a new product takes is a
//! place a proven product loses. `auto` picks the largest s of [`GRID`] at which, for
//! [`SHOPPERS`] customers sampled (seeded) from the training data in proportion to how many
//! items they bought (lists are served per visit, and frequent buyers visit more; a
//! uniform draw chose too large a scale on one Online Retail split, BENCHMARKS.md "Cold
//! start"), content-derived items
//! take at most [`MAX_SHARE`] of the places of the top-5/10/20/50 lists, judged by the
//! upper bound mean + 2 standard errors of the per-shopper share, so a lucky sample does
//! not pass a flooding scale. Each shopper's training row is folded in by the core's own
//! fold-in on the trained items, and lists exclude the history, exactly as the catalog
//! ranks them; the scores are the vectors' (a tuned catalog's neighbour and popularity
//! terms are zero for content-derived items, so they only favour bought ones further).
//!
//! Why a fixed grid and not a search to the exact boundary: the share is a step function
//! of s measured on a sample, so a finer answer would only fit that sample; nine values
//! give nine cheap passes over the same precomputed scores and a choice anyone can
//! reproduce. It starts at 1 (the map's prediction as is: never more exposure than the map
//! asks for), steps coarsely near 1 and by 0.1 below 0.7, and stops at 0.1: below that new
//! products all but vanish from lists, and a store that wants them seen gives them a
//! bounded exposure share instead (the browser's `fresh` option). When even 0.1 floods the
//! lists, 0.1 is chosen and the rule text says so.

use anyhow::{Context, Result};
use rayon::prelude::*;
use shopwindow::catalog::ModelParams;
use shopwindow::{Catalog, VectorDtype};

use crate::als::SplitMix64;
use crate::catalog_file::{build_catalog, CatalogSpec};
use crate::data::{Csr, ItemTable};

/// The scales `auto` tries, largest first.
pub const GRID: [f32; 9] = [1.0, 0.85, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
/// The list lengths whose places are counted.
pub const LIST_LENGTHS: [usize; 4] = [5, 10, 20, 50];
/// Most share of list places content-derived items may take (upper bound).
pub const MAX_SHARE: f64 = 0.01;
/// Shoppers sampled from the training data.
pub const SHOPPERS: usize = 1000;

/// `--content-scale`: chosen on the data, or given.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ScaleSetting {
    #[default]
    Auto,
    Fixed(f32),
}

/// Parses `--content-scale`: `auto` or a finite number > 0.
pub fn parse_setting(text: &str) -> Result<ScaleSetting, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(ScaleSetting::Auto);
    }
    match text.parse::<f32>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(ScaleSetting::Fixed(v)),
        _ => Err(format!("{text:?} is neither `auto` nor a number above 0")),
    }
}

/// The scale used and why (`content.scale`, `content.scale_rule`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleChoice {
    pub scale: f32,
    pub rule: String,
}

/// A sampled shopper: the folded-in vector and the trained items to leave out of lists.
#[derive(Debug, Clone)]
pub struct Shopper {
    pub vector: Vec<f32>,
    pub history: Vec<u32>,
}

/// What the fold-in needs: the training matrix (users × trained items) and the model
/// settings the catalog records.
#[derive(Debug, Clone, Copy)]
pub struct FoldIn<'a> {
    pub train: &'a Csr,
    pub params: ModelParams,
}

/// The upper bound (mean + 2 s.e.) of the content-derived share of each list length's
/// places at one scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Shares {
    pub scale: f32,
    pub upper: [f64; LIST_LENGTHS.len()],
}

/// The scale for `setting`: a given one as is; `auto` by the rule of the module docs on
/// `fold`'s shoppers, or 1 without interactions to sample from (`import`).
/// `trained` and `content` are row-major, `dim` wide, `content` unscaled.
pub fn resolve(
    setting: ScaleSetting,
    trained: &[f32],
    content: &[f32],
    dim: usize,
    fold: Option<FoldIn<'_>>,
    seed: u64,
) -> Result<ScaleChoice> {
    let fold = match (setting, fold) {
        (ScaleSetting::Fixed(scale), _) => {
            return Ok(ScaleChoice {
                scale,
                rule: format!("given: --content-scale {scale}"),
            })
        }
        (ScaleSetting::Auto, None) => {
            return Ok(ScaleChoice {
                scale: 1.0,
                rule: "auto without interactions to sample shoppers from: 1 (the map's \
                       prediction as is)"
                    .to_string(),
            })
        }
        (ScaleSetting::Auto, Some(fold)) => fold,
    };
    let shoppers = sample_shoppers(trained, dim, fold, seed)?;
    let (scale, tried) = choose(trained, content, dim, &shoppers);
    Ok(ScaleChoice {
        scale,
        rule: describe(scale, &tried, shoppers.len(), seed),
    })
}

/// The short text of the rule and what it measured.
fn describe(scale: f32, tried: &[Shares], shoppers: usize, seed: u64) -> String {
    let lengths = LIST_LENGTHS.map(|k| k.to_string()).join("/");
    let worst = |s: &Shares| s.upper.iter().copied().fold(0.0, f64::max) * 100.0;
    let at = tried
        .iter()
        .map(|s| format!("{}: {:.2}%", s.scale, worst(s)))
        .collect::<Vec<_>>()
        .join(", ");
    let passed = tried
        .last()
        .is_some_and(|s| s.upper.iter().all(|&u| u <= MAX_SHARE));
    format!(
        "auto: largest of {} with content-derived items in at most {}% of top-{lengths} \
         places (mean + 2 s.e.) for {shoppers} shoppers sampled by purchases with seed \
         {seed}{}; worst bound at {at}",
        GRID.map(|g| g.to_string()).join(", "),
        MAX_SHARE * 100.0,
        if passed || tried.is_empty() {
            ""
        } else {
            "; none passed, the smallest taken"
        },
    ) + &format!(" (chose {scale})")
}

/// Up to [`SHOPPERS`] training customers with history, drawn with `seed` in proportion to
/// how many items they bought, folded in by the core on a catalog of the trained items.
pub fn sample_shoppers(
    trained: &[f32],
    dim: usize,
    fold: FoldIn<'_>,
    seed: u64,
) -> Result<Vec<Shopper>> {
    let train = fold.train;
    // Weighted sampling without replacement (Efraimidis–Spirakis: the smallest keys
    // -ln(u) / w), w = the customer's number of distinct items: lists are shown per visit,
    // and customers who buy more visit more, so a uniform draw under-counts the lists that
    // are actually served.
    let mut rng = SplitMix64::new(seed ^ 0x5CA1_E5EE);
    let mut keyed: Vec<(f64, usize)> = (0..train.rows())
        .filter(|&r| train.row_nnz(r) > 0)
        .map(|r| {
            let u = ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            (-u.ln() / train.row_nnz(r) as f64, r)
        })
        .collect();
    let take = keyed.len().min(SHOPPERS);
    if take > 0 && take < keyed.len() {
        keyed.select_nth_unstable_by(take - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    let mut rows: Vec<usize> = keyed[..take].iter().map(|&(_, r)| r).collect();
    rows.sort_unstable();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let n = train.cols();
    let ids: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let bytes = build_catalog(&CatalogSpec {
        ids: &ids,
        vectors: trained,
        dim,
        popularity: &vec![0.0; n],
        items: &ItemTable::new(),
        params: fold.params,
        dtype: VectorDtype::F32,
        metadata: Default::default(),
    })?;
    let catalog = Catalog::from_bytes(bytes).context("reading the trained items back")?;
    rows.par_iter()
        .map(|&r| {
            let (columns, weights) = train.row(r);
            let weights: Vec<(u32, f64)> = columns
                .iter()
                .zip(weights)
                .map(|(&c, &w)| (c, f64::from(w)))
                .collect();
            let vector = shopwindow::profile::fold_in(&catalog, &weights)
                .with_context(|| format!("folding in training row {r}"))?;
            Ok(Shopper {
                vector,
                history: columns.to_vec(),
            })
        })
        .collect()
}

/// The largest scale of [`GRID`] whose shares pass (or its smallest), and the shares of
/// every scale tried, largest first.
pub fn choose(
    trained: &[f32],
    content: &[f32],
    dim: usize,
    shoppers: &[Shopper],
) -> (f32, Vec<Shares>) {
    if shoppers.is_empty() || content.is_empty() {
        return (GRID[0], Vec::new());
    }
    let longest = LIST_LENGTHS[LIST_LENGTHS.len() - 1];
    // Each shopper's best trained and best content-derived scores, descending: a positive
    // scale keeps the content-derived order, so the lists at any scale merge these two.
    let tops: Vec<(Vec<f32>, Vec<f32>)> = shoppers
        .par_iter()
        .map(|s| {
            let mut warm: Vec<f32> = Vec::with_capacity(trained.len() / dim.max(1));
            let mut history = s.history.iter().copied().peekable();
            for (j, row) in trained.chunks_exact(dim).enumerate() {
                while history.next_if(|&h| (h as usize) < j).is_some() {}
                if history.next_if_eq(&(j as u32)).is_some() {
                    continue;
                }
                warm.push(dot(row, &s.vector));
            }
            let cold: Vec<f32> = content
                .chunks_exact(dim)
                .map(|row| dot(row, &s.vector))
                .collect();
            (best(warm, longest), best(cold, longest))
        })
        .collect();
    let mut tried = Vec::new();
    for &scale in &GRID {
        let mut upper = [0.0; LIST_LENGTHS.len()];
        for (u, &k) in upper.iter_mut().zip(&LIST_LENGTHS) {
            let shares: Vec<f64> = tops
                .iter()
                .map(|(warm, cold)| content_share(warm, cold, scale, k))
                .collect();
            *u = upper_bound(&shares);
        }
        let pass = upper.iter().all(|&u| u <= MAX_SHARE);
        tried.push(Shares { scale, upper });
        if pass {
            return (scale, tried);
        }
    }
    (GRID[GRID.len() - 1], tried)
}

/// Dot product in eight independent lanes (the compiler vectorizes it; one running sum
/// would wait on every addition): a million of these per choice.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (head_a, tail_a) = a.split_at(a.len() - a.len() % 8);
    let (head_b, tail_b) = b.split_at(head_a.len());
    for (x, y) in head_a.chunks_exact(8).zip(head_b.chunks_exact(8)) {
        for ((lane, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += x * y;
        }
    }
    let tail: f32 = tail_a.iter().zip(tail_b).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

/// The `k` largest values, descending.
fn best(mut scores: Vec<f32>, k: usize) -> Vec<f32> {
    if scores.len() > k && k > 0 {
        // Partition first: sorting only the k kept values, not thousands.
        scores.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
        scores.truncate(k);
    }
    scores.sort_unstable_by(|a, b| b.total_cmp(a));
    scores
}

/// Share of the first `k` places of the merged list that are content-derived (ties go to
/// trained items).
fn content_share(warm: &[f32], cold: &[f32], scale: f32, k: usize) -> f64 {
    let (mut w, mut c) = (0, 0);
    while w + c < k && (w < warm.len() || c < cold.len()) {
        let take_cold = c < cold.len() && (w == warm.len() || scale * cold[c] > warm[w]);
        if take_cold {
            c += 1;
        } else {
            w += 1;
        }
    }
    if w + c == 0 {
        0.0
    } else {
        c as f64 / (w + c) as f64
    }
}

/// Mean + 2 standard errors (sample standard deviation).
fn upper_bound(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n;
    if n < 2.0 {
        return mean;
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    mean + 2.0 * (var / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200 trained items along axis 0 with scores 1.0 down to ~0.5 for a shopper pointing
    /// along (1, 1); `cold` content-derived items at `(0, c)`.
    fn setup(cold: f32) -> (Vec<f32>, Vec<f32>, Vec<Shopper>) {
        let trained: Vec<f32> = (0..200)
            .flat_map(|i| [1.0 - i as f32 * 0.0025, 0.0])
            .collect();
        let content: Vec<f32> = (0..100).flat_map(|_| [0.0, cold]).collect();
        let shoppers = (0..50)
            .map(|s| Shopper {
                vector: vec![1.0, 1.0],
                history: vec![s, s + 1],
            })
            .collect();
        (trained, content, shoppers)
    }

    #[test]
    fn strong_content_vectors_get_a_smaller_scale() {
        // At scale 1 the new items (score 0.9) beat most trained ones: lists are flooded.
        let (trained, content, shoppers) = setup(0.9);
        let (scale, tried) = choose(&trained, &content, 2, &shoppers);
        // 0.9 s must fall below every top-50 trained score (≥ ~0.87): s = 0.85 passes.
        assert_eq!(scale, 0.85, "{tried:?}");
        assert_eq!(tried.len(), 2);
        // Scores ≥ 0.9 stay above them: top-5 untouched, top-50 flooded.
        assert_eq!(tried[0].upper[0], 0.0);
        assert!(tried[0].upper[3] > 0.1, "{tried:?}");
        assert!(tried[1].upper.iter().all(|&u| u <= MAX_SHARE));
        // Stronger still: needs a much smaller scale.
        let (trained, content, shoppers) = setup(3.0);
        assert_eq!(choose(&trained, &content, 2, &shoppers).0, 0.2);
        // Beyond the grid: its smallest value.
        let (trained, content, shoppers) = setup(100.0);
        assert_eq!(choose(&trained, &content, 2, &shoppers).0, 0.1);
    }

    #[test]
    fn weak_content_vectors_keep_scale_one() {
        let (trained, content, shoppers) = setup(0.1);
        let (scale, tried) = choose(&trained, &content, 2, &shoppers);
        assert_eq!(scale, 1.0);
        assert_eq!(tried.len(), 1);
        assert_eq!(tried[0].upper, [0.0; 4]);
    }

    #[test]
    fn the_bound_counts_a_few_flooded_shoppers() {
        // One shopper in 50 sees new items on top: a mean share of 2% at k = 50 fails.
        let (trained, content, mut shoppers) = setup(0.1);
        shoppers[7].vector = vec![0.0, 1.0];
        let (scale, tried) = choose(&trained, &content, 2, &shoppers);
        assert!(scale < 1.0, "{tried:?}");
        assert!(tried[0].upper[0] > MAX_SHARE);
    }

    #[test]
    fn auto_is_reproducible_with_the_seed() {
        // 300 users with a few purchases each among 40 trained items, 2 dims.
        let mut rng = SplitMix64::new(5);
        let triples: Vec<(u32, u32, f32)> = (0..300u32)
            .flat_map(|u| {
                let picks: Vec<u32> = (0..3).map(|_| (rng.next_u64() % 40) as u32).collect();
                picks.into_iter().map(move |i| (u, i, 1.0))
            })
            .collect();
        let train = Csr::from_triples(300, 40, triples);
        let trained: Vec<f32> = (0..40)
            .flat_map(|i| [0.2 + (i % 7) as f32 * 0.1, 0.1 + (i % 5) as f32 * 0.1])
            .collect();
        let content: Vec<f32> = (0..10).flat_map(|i| [0.3, 0.05 * i as f32]).collect();
        let fold = FoldIn {
            train: &train,
            params: crate::als::AlsConfig::default().model_params(),
        };
        let run = |seed| resolve(ScaleSetting::Auto, &trained, &content, 2, Some(fold), seed);
        let a = run(42).unwrap();
        assert_eq!(a, run(42).unwrap());
        assert!(GRID.contains(&a.scale));
        assert!(
            a.rule.starts_with("auto:") && a.rule.contains("seed 42"),
            "{}",
            a.rule
        );
        // The sample: 300 users with history, fewer than SHOPPERS, so every one.
        assert_eq!(sample_shoppers(&trained, 2, fold, 1).unwrap().len(), 300);
        // A given scale is used as is; auto with nothing to sample from is 1.
        let given = resolve(
            ScaleSetting::Fixed(0.3),
            &trained,
            &content,
            2,
            Some(fold),
            1,
        );
        assert_eq!(given.unwrap().scale, 0.3);
        let bare = resolve(ScaleSetting::Auto, &trained, &content, 2, None, 1).unwrap();
        assert_eq!(bare.scale, 1.0);
    }

    #[test]
    fn sampling_favours_customers_who_buy_more() {
        // 100 customers with 20 items, 4,900 with one. A uniform fifth would hold about 20
        // of the 100; weighted by purchases, nearly all of them.
        let triples: Vec<(u32, u32, f32)> = (0..5000u32)
            .flat_map(|u| {
                let n = if u % 50 == 0 { 20 } else { 1 };
                (0..n).map(move |i| (u, (u + i) % 30, 1.0))
            })
            .collect();
        let train = Csr::from_triples(5000, 30, triples);
        let trained: Vec<f32> = (0..30).flat_map(|i| [1.0 + i as f32 * 0.01, 0.5]).collect();
        let fold = FoldIn {
            train: &train,
            params: crate::als::AlsConfig::default().model_params(),
        };
        let sample = sample_shoppers(&trained, 2, fold, 9).unwrap();
        assert_eq!(sample.len(), SHOPPERS);
        let heavy = sample.iter().filter(|s| s.history.len() == 20).count();
        assert!(heavy >= 80, "{heavy} of {SHOPPERS}");
    }

    #[test]
    fn settings_parse() {
        assert_eq!(parse_setting("auto"), Ok(ScaleSetting::Auto));
        assert_eq!(parse_setting("0.5"), Ok(ScaleSetting::Fixed(0.5)));
        assert!(parse_setting("0").is_err() && parse_setting("NaN").is_err());
    }
}
