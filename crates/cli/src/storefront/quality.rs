//! The held-out check `demo-catalog` prints: does the trained model find what a shopper
//! touches next better than popularity does? Scored through the core recommender, as the
//! browser ranks.

use std::collections::HashSet;

use anyhow::Result;

use super::pipeline::StorefrontConfig;
use super::simulation::Storefront;
use crate::data::{IdMap, Interactions};
use crate::eval::split::{EvalSplit, EvalUser};
use crate::eval::{run_model, ModelSpec};
use crate::progress::Progress;

/// How well the model ranks each evaluated shopper's last session from the earlier ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    pub users: usize,
    pub ials_recall: f64,
    pub popularity_recall: f64,
}

/// Trains on every session but each shopper's last, and asks iALS (through the core
/// recommender, as the browser ranks) and popularity for the items of that last session
/// the shopper had not touched before; on up to `eval_shoppers` shoppers with two or more
/// sessions, spread evenly. `None` when no shopper has two sessions.
pub(super) fn held_out_quality(
    store: &Storefront,
    config: &StorefrontConfig,
    progress: &Progress,
) -> Result<Option<Quality>> {
    let repeat: Vec<usize> = (0..store.shoppers.len())
        .filter(|&u| store.shoppers[u].len() >= 2)
        .collect();
    if repeat.is_empty() {
        return Ok(None);
    }
    let stride = repeat.len().div_ceil(config.eval_shoppers).max(1);
    let evaluated: HashSet<usize> = repeat.iter().step_by(stride).copied().collect();
    let (train, _) = store.matrix(|u, s, count| !(evaluated.contains(&u) && s + 1 == count));
    let mut users = Vec::new();
    for &u in repeat.iter().step_by(stride) {
        let (history, _) = train.row(u);
        let last = store.shoppers[u].last().expect("two sessions or more");
        let relevant: HashSet<u32> = last
            .iter()
            .map(|&(item, _)| item)
            .filter(|item| history.binary_search(item).is_err())
            .collect();
        if !relevant.is_empty() {
            users.push(EvalUser {
                row: u as u32,
                relevant,
            });
        }
    }
    let mut user_ids = IdMap::default();
    for u in 0..store.shoppers.len() {
        user_ids.intern(&format!("shopper-{u}"));
    }
    let mut item_ids = IdMap::default();
    for p in &store.products {
        item_ids.intern(&p.id);
    }
    let split = EvalSplit {
        name: "synthetic storefront, last session held out".into(),
        train: Interactions {
            users: user_ids,
            items: item_ids,
            matrix: train,
        },
        users,
        unrankable: 0,
        train_log: None,
    };
    let k = 10;
    let ials = run_model(
        &split,
        &ModelSpec::Ials {
            als: config.als,
            dtype: config.dtype,
        },
        k,
        progress,
    )?;
    let popularity = run_model(&split, &ModelSpec::Popularity, k, progress)?;
    Ok(Some(Quality {
        users: ials.metrics.users,
        ials_recall: ials.metrics.recall,
        popularity_recall: popularity.metrics.recall,
    }))
}
