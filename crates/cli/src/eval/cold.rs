//! The cold-start protocol: how well products without interactions at training time are
//! recommended once they get content-derived vectors, and what that does to the others.
//!
//! Two ways to get such products:
//! - **new**: a temporal split's test period names products that did not exist in
//!   training (Online Retail: their purchases are dropped by the usual protocol);
//! - **hidden**: a seeded share of the training products is removed from training (all
//!   their events), as if they had not been launched yet.
//!
//! Those products are the candidates. For every customer with training history and a
//! test-period interaction with a candidate, each model ranks the candidates alone
//! (recall@k / NDCG@k over them): random; category popularity (candidates of the
//! categories the customer bought most first, then the categories' training popularity;
//! a product's own popularity does not exist yet); content nearest neighbours (Σ over the
//! history of the cosine between content feature rows); and the catalog `train` writes:
//! iALS plus the content map, the customer folded in by the core exactly as on the device.
//! The same catalog's ordinary lists over the whole catalog are scored too: on the
//! candidates (do new products surface at all?) and on the usual held-out products, against
//! the catalog without content-derived items (does the rest get worse?).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use shopwindow::{Catalog, Recommender, VectorDtype};

use super::core_ranker::{history_events, unit_profile, CoreRanker};
use super::metrics::{MetricSums, Metrics};
use super::split::{held_out, EvalSplit, EvalUser};
use crate::als::{self, AlsConfig, SplitMix64};
use crate::catalog_file::{build_catalog, CatalogSpec};
use crate::content::ContentModel;
use crate::data::{EventLog, Interactions, ItemInfo, ItemTable};
use crate::progress::Progress;

/// Where the candidates come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Candidates {
    /// Products of the test period unknown in training.
    New,
    /// This share of the training products, chosen with the seed, removed from training.
    Hidden { share: f64, seed: u64 },
}

/// Training data, the candidates and who is asked to find them.
#[derive(Debug, Clone)]
pub struct ColdSplit {
    pub name: String,
    pub train: Interactions,
    pub candidates: Vec<String>,
    /// Customers with history and a test interaction with a candidate; `relevant` holds
    /// candidate indices.
    pub users: Vec<EvalUser>,
    /// Distinct (customer with history, candidate) test pairs.
    pub pairs: usize,
    /// The same training data with the usual held-out products (the warm check).
    pub warm: EvalSplit,
}

/// Splits `log`: events flagged in `test` are the test period, the others train.
pub fn cold_split(name: &str, log: &EventLog, test: &[bool], candidates: Candidates) -> ColdSplit {
    let trained_items: HashSet<u32> = log
        .events
        .iter()
        .zip(test)
        .filter(|(_, &t)| !t)
        .map(|(e, _)| e.item)
        .collect();
    let candidate_items: Vec<u32> = match candidates {
        Candidates::New => {
            let mut seen = HashSet::new();
            log.events
                .iter()
                .zip(test)
                .filter(|(e, &t)| t && !trained_items.contains(&e.item) && seen.insert(e.item))
                .map(|(e, _)| e.item)
                .collect()
        }
        Candidates::Hidden { share, seed } => {
            let mut items: Vec<u32> = trained_items.iter().copied().collect();
            items.sort_unstable();
            let mut rng = SplitMix64::new(seed ^ 0x0041_DDE4);
            for i in (1..items.len()).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                items.swap(i, j);
            }
            let take = (items.len() as f64 * share).round() as usize;
            let mut hidden = items[..take.min(items.len())].to_vec();
            hidden.sort_unstable();
            hidden
        }
    };
    let is_candidate: HashMap<u32, u32> = candidate_items
        .iter()
        .enumerate()
        .map(|(k, &i)| (i, k as u32))
        .collect();
    let train = Interactions::from_events(
        log,
        log.events
            .iter()
            .zip(test)
            .filter(|(e, &t)| !t && !is_candidate.contains_key(&e.item))
            .map(|(e, _)| e),
    );
    let mut relevant: Vec<HashSet<u32>> = vec![HashSet::new(); train.users.len()];
    let mut warm_pairs = Vec::new();
    for (e, _) in log.events.iter().zip(test).filter(|(_, &t)| t) {
        let user = log.users.id(e.user);
        match is_candidate.get(&e.item) {
            Some(&c) => {
                if let Some(row) = train.users.get(user) {
                    relevant[row as usize].insert(c);
                }
            }
            None => warm_pairs.push((user, log.items.id(e.item))),
        }
    }
    let pairs = relevant.iter().map(HashSet::len).sum();
    let users = relevant
        .into_iter()
        .enumerate()
        .filter(|(_, r)| !r.is_empty())
        .map(|(row, relevant)| EvalUser {
            row: row as u32,
            relevant,
        })
        .collect();
    let warm = held_out(name, train.clone(), warm_pairs.into_iter());
    ColdSplit {
        name: name.to_string(),
        candidates: candidate_items
            .iter()
            .map(|&i| log.items.id(i).to_string())
            .collect(),
        train,
        users,
        pairs,
        warm,
    }
}

/// One line of the cold-start table.
#[derive(Debug, Clone)]
pub struct ColdRow {
    pub model: String,
    pub metrics: Metrics,
}

/// Everything measured on one cold split.
#[derive(Debug, Clone)]
pub struct ColdResult {
    pub rows: Vec<ColdRow>,
    /// Candidates with some content (a non-empty feature row).
    pub with_content: usize,
    /// Test pairs whose candidate has content.
    pub pairs_with_content: usize,
    pub warm_without: Metrics,
    pub warm_with: Metrics,
    /// Every held-out product, trained or candidate, per customer with either: without
    /// content-derived items the candidates cannot be found but still count.
    pub all_without: Metrics,
    pub all_with: Metrics,
    pub train_seconds: f64,
    pub content_seconds: f64,
    pub lambda: f32,
    /// The catalog with the candidates' content-derived vectors, `content.items` set (the
    /// `fresh` parity file of `eval --cold-start --golden`, `fresh_golden.rs`).
    pub catalog: Vec<u8>,
}

/// The k best candidates by `scores`, ties by `tie` (ascending).
fn top_k(scores: &[f64], tie: &[u64], k: usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..scores.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        scores[b as usize]
            .total_cmp(&scores[a as usize])
            .then(tie[a as usize].cmp(&tie[b as usize]))
    });
    order.truncate(k);
    order
}

/// A fixed random order of the candidates (the tie-break of every model).
fn random_keys(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| rng.next_u64()).collect()
}

/// Scores `score(row)` (one value per candidate) for every cold user.
fn score_cold(
    split: &ColdSplit,
    k: usize,
    tie: &[u64],
    score: impl Fn(&EvalUser) -> Result<Vec<f64>> + Sync,
) -> Result<Metrics> {
    let lists: Vec<Vec<u32>> = split
        .users
        .par_iter()
        .map(|u| Ok(top_k(&score(u)?, tie, k)))
        .collect::<Result<_>>()?;
    let mut sums = MetricSums::new(split.candidates.len());
    for (u, list) in split.users.iter().zip(&lists) {
        sums.add(list, &u.relevant, k);
    }
    Ok(sums.finish())
}

/// Runs every model of the protocol on `split`.
pub fn evaluate_cold(
    split: &ColdSplit,
    items: &ItemTable,
    als_config: &AlsConfig,
    k: usize,
    seed: u64,
    scale: crate::content::ScaleSetting,
    progress: &Progress,
) -> Result<ColdResult> {
    let train = &split.train;
    let m = &train.matrix;
    let n_warm = m.cols();
    let start = Instant::now();
    let bar = progress.steps(als_config.iterations as u64, "training");
    let model = als::train(m, als_config, |_, _| bar.inc(1))?;
    bar.finish_and_clear();
    let train_seconds = start.elapsed().as_secs_f64();
    let dim = model.factors;
    let popularity = train.item_user_counts();
    let content = ContentModel::fit(
        train.items.ids(),
        &model.item_factors,
        dim,
        &popularity,
        &split.candidates,
        items,
        &Default::default(),
        als_config.seed,
    );
    let content_seconds = content.report.seconds;

    // The catalog `train` writes: trained items, then the candidates' mapped vectors.
    let mut ids = train.items.ids().to_vec();
    ids.extend(split.candidates.iter().cloned());
    let mut vectors = model.item_factors.clone();
    let unscaled = content.vectors(n_warm, split.candidates.len());
    let fold = crate::content::FoldIn {
        train: m,
        params: als_config.model_params(),
    };
    let scale = crate::content::scale::resolve(
        scale,
        &model.item_factors,
        &unscaled,
        dim,
        Some(fold),
        als_config.seed,
    )?;
    eprintln!(
        "  {} content scale {} ({})",
        split.name, scale.scale, scale.rule
    );
    vectors.extend(unscaled.iter().map(|v| v * scale.scale));
    let mut all_popularity = popularity.clone();
    all_popularity.resize(ids.len(), 0.0);
    let catalog = |ids: &[String], vectors: &[f32], popularity: &[f32], content_items: usize| {
        let metadata = (content_items > 0)
            .then(|| ("content.items".to_string(), content_items.to_string()))
            .into_iter()
            .collect();
        build_catalog(&CatalogSpec {
            ids,
            vectors,
            dim,
            popularity,
            items: &ItemTable::new(),
            params: als_config.model_params(),
            dtype: VectorDtype::F32,
            metadata,
        })
    };
    let with_bytes = catalog(&ids, &vectors, &all_popularity, split.candidates.len())?;
    let with = Recommender::new(Catalog::from_bytes(with_bytes.clone())?);
    let without = Recommender::new(Catalog::from_bytes(catalog(
        train.items.ids(),
        &model.item_factors,
        &popularity,
        0,
    )?)?);

    let tie = random_keys(split.candidates.len(), seed);
    let mut rows = Vec::new();
    let mut push = |model: &str, metrics: Metrics| {
        eprintln!(
            "  {} {model}: recall@{k} {:.4}, NDCG@{k} {:.4}",
            split.name, metrics.recall, metrics.ndcg
        );
        rows.push(ColdRow {
            model: model.to_string(),
            metrics,
        });
    };

    push(
        "random",
        score_cold(split, k, &tie, |u| {
            let mut rng = SplitMix64::new(seed ^ (u64::from(u.row) << 20));
            Ok((0..split.candidates.len())
                .map(|_| rng.next_f32() as f64)
                .collect())
        })?,
    );

    let missing = ItemInfo::default();
    let category = |id: &str| items.get(id).unwrap_or(&missing).category.clone();
    let candidate_category: Vec<Option<String>> =
        split.candidates.iter().map(|id| category(id)).collect();
    let warm_category: Vec<Option<String>> =
        train.items.ids().iter().map(|id| category(id)).collect();
    let mut category_total: HashMap<&str, f64> = HashMap::new();
    for (j, count) in popularity.iter().enumerate() {
        if let Some(c) = &warm_category[j] {
            *category_total.entry(c.as_str()).or_default() += f64::from(*count);
        }
    }
    push(
        "category popularity",
        score_cold(split, k, &tie, |u| {
            let (columns, weights) = m.row(u.row as usize);
            let mut mine: HashMap<&str, f64> = HashMap::new();
            for (&j, &w) in columns.iter().zip(weights) {
                if let Some(c) = &warm_category[j as usize] {
                    *mine.entry(c.as_str()).or_default() += f64::from(w);
                }
            }
            Ok(candidate_category
                .iter()
                .map(|c| match c {
                    // The customer's own categories first, then overall popularity.
                    Some(c) => {
                        mine.get(c.as_str()).copied().unwrap_or(0.0) * 1e12
                            + category_total.get(c.as_str()).copied().unwrap_or(0.0)
                    }
                    None => 0.0,
                })
                .collect())
        })?,
    );

    let features = &content.features;
    push(
        "content nearest neighbours",
        score_cold(split, k, &tie, |u| {
            let (columns, weights) = m.row(u.row as usize);
            let mut profile: HashMap<u32, f32> = HashMap::new();
            for (&j, &w) in columns.iter().zip(weights) {
                let (cols, vals) = features.row(j as usize);
                for (&c, &v) in cols.iter().zip(vals) {
                    *profile.entry(c).or_default() += w * v;
                }
            }
            Ok((0..split.candidates.len())
                .map(|c| {
                    let (cols, vals) = features.row(n_warm + c);
                    cols.iter()
                        .zip(vals)
                        .map(|(c, v)| f64::from(v * profile.get(c).copied().unwrap_or(0.0)))
                        .sum()
                })
                .collect())
        })?,
    );

    let profile = unit_profile();
    push(
        "iALS + content map (candidates only)",
        score_cold(split, k, &tie, |u| {
            let (columns, weights) = m.row(u.row as usize);
            let history = history_events(columns, weights)?;
            let user = with
                .user_vector(&history, &profile)
                .context("fold-in")?
                .context("a customer with history has a vector")?;
            Ok((0..split.candidates.len())
                .map(|c| {
                    let v = &vectors[(n_warm + c) * dim..(n_warm + c + 1) * dim];
                    v.iter().zip(&user).map(|(a, b)| f64::from(a * b)).sum()
                })
                .collect())
        })?,
    );

    // Ordinary lists over the whole catalog.
    let full_list = |recommender: &Recommender, row: u32| -> Result<Vec<u32>> {
        let (columns, weights) = m.row(row as usize);
        let history = history_events(columns, weights)?;
        let result = recommender
            .recommend(&history, &CoreRanker::options(k))
            .context("the core recommender failed")?;
        Ok(result.items.iter().map(|r| r.index).collect())
    };
    let lists: Vec<Vec<u32>> = split
        .users
        .par_iter()
        .map(|u| full_list(&with, u.row))
        .collect::<Result<_>>()?;
    let mut sums = MetricSums::new(ids.len());
    for (u, list) in split.users.iter().zip(&lists) {
        let relevant: HashSet<u32> = u.relevant.iter().map(|&c| n_warm as u32 + c).collect();
        sums.add(list, &relevant, k);
    }
    push("iALS + content map (whole catalog)", sums.finish());

    let warm_metrics = |recommender: &Recommender, len: usize| -> Result<Metrics> {
        let lists: Vec<Vec<u32>> = split
            .warm
            .users
            .par_iter()
            .map(|u| full_list(recommender, u.row))
            .collect::<Result<_>>()?;
        let mut sums = MetricSums::new(len);
        for (u, list) in split.warm.users.iter().zip(&lists) {
            sums.add(list, &u.relevant, k);
        }
        Ok(sums.finish())
    };
    let warm_without = warm_metrics(&without, n_warm)?;
    let warm_with = warm_metrics(&with, ids.len())?;

    // Both kinds of held-out product together, candidates as their catalog indices.
    let mut all: std::collections::BTreeMap<u32, HashSet<u32>> = Default::default();
    for u in &split.warm.users {
        all.entry(u.row).or_default().extend(&u.relevant);
    }
    for u in &split.users {
        all.entry(u.row)
            .or_default()
            .extend(u.relevant.iter().map(|&c| n_warm as u32 + c));
    }
    let all: Vec<(u32, HashSet<u32>)> = all.into_iter().collect();
    let all_metrics = |recommender: &Recommender| -> Result<Metrics> {
        let lists: Vec<Vec<u32>> = all
            .par_iter()
            .map(|(row, _)| full_list(recommender, *row))
            .collect::<Result<_>>()?;
        let mut sums = MetricSums::new(ids.len());
        for ((_, relevant), list) in all.iter().zip(&lists) {
            sums.add(list, relevant, k);
        }
        Ok(sums.finish())
    };
    let all_without = all_metrics(&without)?;
    let all_with = all_metrics(&with)?;

    let with_content = (0..split.candidates.len())
        .filter(|&c| !features.is_empty_row(n_warm + c))
        .count();
    let pairs_with_content = split
        .users
        .iter()
        .flat_map(|u| u.relevant.iter())
        .filter(|&&c| !features.is_empty_row(n_warm + c as usize))
        .count();
    Ok(ColdResult {
        rows,
        with_content,
        pairs_with_content,
        warm_without,
        warm_with,
        all_without,
        all_with,
        train_seconds,
        content_seconds,
        lambda: content.report.lambda,
        catalog: with_bytes,
    })
}

/// A report line comparing the model without and with the content-derived items:
/// "{what} (N customers{note}): recall … without …, … with (±%); NDCG … / …".
fn with_and_without(
    out: &mut String,
    what: &str,
    note: &str,
    without: Metrics,
    with: Metrics,
    k: usize,
) {
    let _ = writeln!(
        out,
        "{what} ({} customers{note}): recall@{k} {:.4} without content-derived items, {:.4} with \
         ({:+.2}%); NDCG@{k} {:.4} / {:.4}",
        without.users,
        without.recall,
        with.recall,
        100.0 * (with.recall - without.recall) / without.recall.max(1e-12),
        without.ndcg,
        with.ndcg
    );
}

/// The report of one split as Markdown.
pub fn report(split: &ColdSplit, result: &ColdResult, k: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{}: {} candidates ({} with content), {} customers, {} test pairs on candidates; \
         all {} in the catalog with content-derived vectors ({} of their items have content)",
        split.name,
        split.candidates.len(),
        result.with_content,
        split.users.len(),
        split.pairs,
        split.pairs,
        result.pairs_with_content
    );
    let _ = writeln!(out, "\n| model | recall@{k} | NDCG@{k} | customers |");
    let _ = writeln!(out, "|---|---|---|---|");
    for r in &result.rows {
        let _ = writeln!(
            out,
            "| {} | {:.4} | {:.4} | {} |",
            r.model, r.metrics.recall, r.metrics.ndcg, r.metrics.users
        );
    }
    with_and_without(
        &mut out,
        "\nwarm products",
        ", usual held-out products",
        result.warm_without,
        result.warm_with,
        k,
    );
    with_and_without(
        &mut out,
        "all held-out products",
        "",
        result.all_without,
        result.all_with,
        k,
    );
    let _ = writeln!(
        out,
        "training: iALS {:.2} s, content map {:.2} s ({:.2}x; λ = {})",
        result.train_seconds,
        result.content_seconds,
        (result.train_seconds + result.content_seconds) / result.train_seconds.max(1e-9),
        result.lambda
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// u0 and u1 buy in January; in February u0 buys a new product and an old one.
    fn log() -> (EventLog, Vec<bool>) {
        let mut log = EventLog::default();
        let mut test = Vec::new();
        for (user, item, t) in [
            ("u0", "a", false),
            ("u0", "b", false),
            ("u1", "a", false),
            ("u1", "c", false),
            ("u0", "new", true),
            ("u0", "c", true),
            ("u2", "new2", true),
        ] {
            log.push(user, item, 1.0, None);
            test.push(t);
        }
        (log, test)
    }

    #[test]
    fn new_products_are_the_candidates_and_their_pairs_count() {
        let (log, test) = log();
        let split = cold_split("t", &log, &test, Candidates::New);
        assert_eq!(split.candidates, vec!["new", "new2"]);
        assert_eq!(split.train.items.len(), 3);
        // u2 has no history: not evaluated, not counted.
        assert_eq!((split.users.len(), split.pairs), (1, 1));
        assert_eq!(split.users[0].relevant, HashSet::from([0]));
        assert_eq!(split.warm.users.len(), 1, "u0's c is a warm target");
    }

    #[test]
    fn hidden_products_leave_training_entirely() {
        let (log, test) = log();
        let split = cold_split(
            "t",
            &log,
            &test,
            Candidates::Hidden {
                share: 0.34,
                seed: 5,
            },
        );
        assert_eq!(split.candidates.len(), 1);
        let hidden = &split.candidates[0];
        assert!(["a", "b", "c"].contains(&hidden.as_str()));
        assert!(split.train.items.get(hidden).is_none());
        // The same seed hides the same product.
        let again = cold_split(
            "t",
            &log,
            &test,
            Candidates::Hidden {
                share: 0.34,
                seed: 5,
            },
        );
        assert_eq!(again.candidates, split.candidates);
    }

    #[test]
    fn top_k_orders_by_score_then_tie_break() {
        assert_eq!(
            top_k(&[1.0, 3.0, 3.0, 2.0], &[0, 9, 1, 0], 3),
            vec![2, 1, 3]
        );
    }
}
