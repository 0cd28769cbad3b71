//! The bought-together protocol: does a list shown beside one item of a basket name the
//! basket's other items? For every basket of the test period with at least two items of
//! the training catalog, and every item i of it, a model lists k items for i (never i
//! itself); the query is a **hit** when the list names at least one other item of the same
//! basket. Reported: hit rate@k (hits / queries) and recall@k (the basket's other items
//! found, over min(k, their number)), both averaged over queries. Every model is asked
//! through the core's `Recommender`, as the device asks.

use std::collections::HashSet;

use anyhow::Result;
use shopwindow::recommend::{PlacementOptions, SimilarOptions};
use shopwindow::topk::FilterSpec;
use shopwindow::Recommender;

/// How a list for one item is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasketModel {
    /// `together(i)`: co-purchase lift; may be shorter than k.
    Together,
    /// `together(i)`, filled up to k with the most popular other items.
    TogetherThenPopular,
    /// `similar(i)`: cosine of the iALS vectors.
    Similar,
    /// The most popular items other than i.
    Popularity,
}

impl BasketModel {
    pub const ALL: [BasketModel; 4] = [
        BasketModel::Together,
        BasketModel::TogetherThenPopular,
        BasketModel::Similar,
        BasketModel::Popularity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BasketModel::Together => "together",
            BasketModel::TogetherThenPopular => "together, then popularity",
            BasketModel::Similar => "similar (iALS cosine)",
            BasketModel::Popularity => "popularity",
        }
    }
}

/// One model's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BasketScore {
    pub model: BasketModel,
    pub queries: usize,
    pub hit_rate: f64,
    pub recall: f64,
    /// Mean list length (`together` may return fewer than k).
    pub mean_length: f64,
}

/// Scores `model` on `baskets` (sorted, distinct catalog indices; baskets of one item are
/// skipped) with lists of `k`.
pub fn score_baskets(
    engine: &Recommender,
    baskets: &[Vec<u32>],
    model: BasketModel,
    k: usize,
) -> Result<BasketScore> {
    let popular = popular_order(engine, k + 1);
    let (mut queries, mut hits, mut recall, mut length) = (0usize, 0usize, 0.0f64, 0usize);
    for basket in baskets.iter().filter(|b| b.len() >= 2) {
        for &item in basket {
            let list = list_for(engine, &popular, model, item, k)?;
            let others: HashSet<u32> = basket.iter().copied().filter(|&j| j != item).collect();
            let found = list.iter().filter(|j| others.contains(j)).count();
            queries += 1;
            hits += usize::from(found > 0);
            recall += found as f64 / others.len().min(k) as f64;
            length += list.len();
        }
    }
    let per_query = |x: f64| {
        if queries == 0 {
            0.0
        } else {
            x / queries as f64
        }
    };
    Ok(BasketScore {
        model,
        queries,
        hit_rate: per_query(hits as f64),
        recall: per_query(recall),
        mean_length: per_query(length as f64),
    })
}

/// The catalog's items by popularity, best first (`n` of them).
fn popular_order(engine: &Recommender, n: usize) -> Vec<u32> {
    let catalog = engine.catalog();
    let mut order: Vec<u32> = (0..catalog.len() as u32).collect();
    let popularity = catalog.popularity();
    let score = |i: u32| popularity.map_or(0.0, |p| p[i as usize]);
    order.sort_by(|&a, &b| score(b).total_cmp(&score(a)).then(a.cmp(&b)));
    order.truncate(n);
    order
}

fn list_for(
    engine: &Recommender,
    popular: &[u32],
    model: BasketModel,
    item: u32,
    k: usize,
) -> Result<Vec<u32>> {
    let options = PlacementOptions {
        k,
        filter: FilterSpec::default(),
        ..PlacementOptions::default()
    };
    let fill = |mut list: Vec<u32>| {
        for &j in popular {
            if list.len() >= k {
                break;
            }
            if j != item && !list.contains(&j) {
                list.push(j);
            }
        }
        list
    };
    Ok(match model {
        BasketModel::Together => indices(engine.together(&[item], &options)?),
        BasketModel::TogetherThenPopular => fill(indices(engine.together(&[item], &options)?)),
        BasketModel::Similar => indices(engine.similar(
            item,
            &SimilarOptions {
                k,
                ..SimilarOptions::default()
            },
        )?),
        BasketModel::Popularity => fill(Vec::new()),
    })
}

fn indices(list: Vec<shopwindow::topk::Scored>) -> Vec<u32> {
    list.into_iter().map(|s| s.index).collect()
}

/// The table the command prints (Markdown, as BENCHMARKS.md shows it).
pub fn basket_table(scores: &[BasketScore], k: usize) -> String {
    let mut out = format!(
        "| model | queries | hit rate@{k} | recall@{k} | mean list length |\n|---|---:|---:|---:|---:|\n"
    );
    for s in scores {
        out.push_str(&format!(
            "| {} | {} | {:.4} | {:.4} | {:.2} |\n",
            s.model.name(),
            s.queries,
            s.hit_rate,
            s.recall,
            s.mean_length
        ));
    }
    out
}
