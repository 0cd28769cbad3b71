//! The category-page protocol of `rerank`: for each evaluated user and each category list
//! holding one of their held-out items, NDCG@k of the store's order (popularity within
//! the category on the training split) against the same list reranked for the user by
//! the core's `Recommender::rerank` at given strengths.

use std::collections::HashSet;

use anyhow::{Context, Result};
use shopwindow::recommend::{RerankOptions, MAX_RERANK_ITEMS};
use shopwindow::Recommender;

use super::core_ranker::{history_events, unit_profile};
use super::metrics::ndcg_at_k;
use super::split::EvalSplit;

/// One category as the store lists it: its name and its items (catalog indices = training
/// columns), in the store's order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreList {
    pub name: String,
    pub items: Vec<u32>,
}

/// The store's lists: each category's items by training popularity (`counts`, users per
/// item), most popular first, ties by column; at most `len` items each (the page's list),
/// categories with fewer than two items left out (nothing to reorder).
pub fn popularity_lists(
    categories: &[(String, Vec<u32>)],
    counts: &[f32],
    len: usize,
) -> Vec<StoreList> {
    categories
        .iter()
        .filter_map(|(name, items)| {
            let mut items = items.clone();
            items.sort_unstable();
            items.dedup();
            items.sort_by(|&a, &b| {
                counts[b as usize]
                    .total_cmp(&counts[a as usize])
                    .then(a.cmp(&b))
            });
            items.truncate(len.min(MAX_RERANK_ITEMS));
            (items.len() >= 2).then(|| StoreList {
                name: name.clone(),
                items,
            })
        })
        .collect()
}

/// Mean NDCG@k of one ordering over the evaluated (user, list) pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct RerankRow {
    /// "store order", or "rerank, strength s".
    pub label: String,
    /// One mean per k of [`RerankResult::ks`].
    pub ndcg: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RerankResult {
    pub ks: Vec<usize>,
    /// (user, list) pairs evaluated: the list holds a held-out item of the user.
    pub pairs: usize,
    pub users: usize,
    pub rows: Vec<RerankRow>,
}

/// Runs the protocol. `keep_history`: whether a user's training items stay in the lists
/// (as a page shows them) or are taken out of both orders before ranking (the held-out
/// items are new to the user, so a list of them is what a hit can be).
pub fn evaluate_rerank(
    engine: &Recommender,
    split: &EvalSplit,
    lists: &[StoreList],
    strengths: &[f32],
    ks: &[usize],
    keep_history: bool,
) -> Result<RerankResult> {
    let mut sums = vec![vec![0.0f64; ks.len()]; strengths.len() + 1];
    let mut pairs = 0usize;
    let mut users = 0usize;
    for user in &split.users {
        let (columns, weights) = split.train.matrix.row(user.row as usize);
        let history = history_events(columns, weights)?;
        let seen: HashSet<u32> = columns.iter().copied().collect();
        let mut counted = false;
        for list in lists {
            let shown: Vec<u32> = list
                .items
                .iter()
                .copied()
                .filter(|i| keep_history || !seen.contains(i))
                .collect();
            if !shown.iter().any(|i| user.relevant.contains(i)) {
                continue;
            }
            counted = true;
            pairs += 1;
            add_ndcg(&mut sums[0], &shown, &user.relevant, ks);
            let given: Vec<Option<u32>> = shown.iter().copied().map(Some).collect();
            for (s, &strength) in strengths.iter().enumerate() {
                let options = RerankOptions {
                    strength,
                    profile: unit_profile(),
                };
                let reranked = engine
                    .rerank(&history, &given, &options)
                    .with_context(|| format!("reranking {:?}", list.name))?;
                let order: Vec<u32> = reranked.items.iter().filter_map(|r| r.item).collect();
                add_ndcg(&mut sums[s + 1], &order, &user.relevant, ks);
            }
        }
        users += usize::from(counted);
    }
    let mean = |sum: &[f64]| -> Vec<f64> {
        sum.iter()
            .map(|s| if pairs == 0 { 0.0 } else { s / pairs as f64 })
            .collect()
    };
    let mut rows = vec![RerankRow {
        label: "store order (popularity)".into(),
        ndcg: mean(&sums[0]),
    }];
    for (s, strength) in strengths.iter().enumerate() {
        rows.push(RerankRow {
            label: format!("rerank, strength {strength}"),
            ndcg: mean(&sums[s + 1]),
        });
    }
    Ok(RerankResult {
        ks: ks.to_vec(),
        pairs,
        users,
        rows,
    })
}

fn add_ndcg(sums: &mut [f64], ranked: &[u32], relevant: &HashSet<u32>, ks: &[usize]) {
    for (sum, &k) in sums.iter_mut().zip(ks) {
        *sum += ndcg_at_k(ranked, relevant, k);
    }
}

/// The result as a Markdown table.
pub fn rerank_table(result: &RerankResult) -> String {
    let mut out = String::from("| order |");
    for k in &result.ks {
        out += &format!(" NDCG@{k} |");
    }
    out += "\n|---|";
    out += &"---:|".repeat(result.ks.len());
    out += "\n";
    for row in &result.rows {
        out += &format!("| {} |", row.label);
        for v in &row.ndcg {
            out += &format!(" {v:.4} |");
        }
        out += "\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{EventLog, Interactions};
    use crate::eval::split::held_out;
    use shopwindow::{Catalog, CatalogBuilder, ItemRecord};

    #[test]
    fn popularity_lists_sort_by_count_then_column_and_cap_the_length() {
        let counts = [5.0, 1.0, 5.0, 9.0, 0.0];
        let categories = vec![
            ("a".to_string(), vec![0, 1, 2, 3, 2]),
            ("b".to_string(), vec![4]),
        ];
        let lists = popularity_lists(&categories, &counts, 3);
        assert_eq!(
            lists,
            [StoreList {
                name: "a".into(),
                items: vec![3, 0, 2]
            }]
        );
    }

    /// Two tastes along the axes; the user's held-out item is the least popular of its
    /// list, and the model (who likes axis x) puts it first.
    #[test]
    fn reranking_finds_what_popularity_buries() {
        let mut builder = CatalogBuilder::new(2);
        let vectors = [[1.0f32, 0.0], [0.0, 1.0], [0.1, 0.9], [0.9, 0.1]];
        for (i, v) in vectors.iter().enumerate() {
            builder.push(ItemRecord::new(format!("m{i}")), v).unwrap();
        }
        let engine = Recommender::new(Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap());
        let mut log = EventLog::default();
        for item in ["m0", "m1", "m2", "m3"] {
            log.push("someone", item, 1.0, Some(1));
        }
        log.push("u", "m0", 1.0, Some(1));
        let train = Interactions::from_events(&log, log.events.iter());
        let split = held_out("t", train, [("u", "m3")].into_iter());
        assert_eq!(split.users.len(), 1);
        let column = |id: &str| split.train.items.get(id).unwrap();
        // The store's list: 1, 2, 3 by popularity (3 last), and 0, which u has seen.
        let lists = vec![StoreList {
            name: "all".into(),
            items: vec![column("m1"), column("m2"), column("m0"), column("m3")],
        }];
        let result = evaluate_rerank(&engine, &split, &lists, &[0.0, 1.0], &[1, 3], false).unwrap();
        assert_eq!((result.pairs, result.users), (1, 1));
        // Without history: store order m1, m2, m3: the hit at rank 3.
        assert_eq!(result.rows[0].ndcg[0], 0.0);
        assert_eq!(result.rows[0].ndcg[1], 0.5);
        assert_eq!(result.rows[1].ndcg, result.rows[0].ndcg, "strength 0");
        assert_eq!(result.rows[2].ndcg, vec![1.0, 1.0], "strength 1: first");
        let table = rerank_table(&result);
        assert!(
            table.contains("| rerank, strength 1 | 1.0000 | 1.0000 |"),
            "{table}"
        );
    }
}
