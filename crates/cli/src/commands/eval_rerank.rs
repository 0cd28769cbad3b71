//! `shopwindow eval-rerank`: category lists in the store's order (popularity within the
//! category) against the same lists reranked for each shopper (`eval::rerank`), on
//! MovieLens-100K with its genres as categories.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use shopwindow::{Catalog, Recommender};

use super::args::AlsArgs;
use crate::als;
use crate::catalog_file::{build_catalog, standard_metadata, CatalogSpec};
use crate::data::movielens::{read_ratings, RatingWeight};
use crate::data::{BadRowPolicy, ItemTable};
use crate::eval::rerank::{evaluate_rerank, popularity_lists, rerank_table};
use crate::progress::Progress;
use crate::tune::split::{validation_split, SplitConfig, SplitKind};

/// Evaluate `rerank` on category pages: NDCG of held-out items in the store's order vs
/// reranked for the shopper.
///
/// Splits MovieLens-100K's `u.data` per user (by default each user's latest fifth of
/// ratings is held out, whole timestamps, the split `train` validates on for this data),
/// trains iALS on the rest (the flags below), and makes one list per genre of `u.item`
/// (a film is in every genre it has): the genre's films by the number of training users,
/// at most --list-len. For every evaluated user and every list holding one of their
/// held-out films, NDCG@10 and @20 of the list as the store orders it and as `rerank`
/// orders it at each --strength. The user's training films are taken out of the list
/// first (the held-out films are new to them) unless --keep-history.
#[derive(Debug, Args)]
#[command(after_help = "Example:
  shopwindow eval-rerank --movielens ../shared/data/movielens-100k --regularization 20")]
pub struct EvalRerankArgs {
    /// The MovieLens-100K directory (`u.data`, `u.item`, `u.genre`).
    #[arg(long, value_name = "DIR")]
    pub movielens: PathBuf,
    /// Which ratings are held out.
    #[arg(long, value_enum, default_value_t = HeldOut::Recent)]
    pub split: HeldOut,
    /// Most items of a category list (the page's list); at most 1000.
    #[arg(long, default_value_t = 100)]
    pub list_len: usize,
    /// Rerank strengths to compare with the store's order.
    #[arg(long, value_delimiter = ',', default_values_t = [0.5f32, 1.0])]
    pub strength: Vec<f32>,
    /// Leave the user's training films in the lists.
    #[arg(long)]
    pub keep_history: bool,
    #[command(flatten)]
    pub als: AlsArgs,
}

/// The held-out ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeldOut {
    /// Each user's latest fifth (whole timestamps, at least their last one).
    Recent,
    /// Each user's ratings at their latest timestamp.
    LastBasket,
    /// The last tenth of all ratings in time.
    Temporal,
}

pub fn run(args: &EvalRerankArgs, progress: &Progress) -> Result<()> {
    if args.list_len < 2 || args.list_len > shopwindow::recommend::MAX_RERANK_ITEMS {
        bail!("--list-len must be between 2 and 1000");
    }
    let ratings = args.movielens.join("u.data");
    let bar = progress.file(&ratings, "reading");
    let (log, _) = read_ratings(&ratings, RatingWeight::One, BadRowPolicy::Fail)?;
    bar.finish_and_clear();
    let config = SplitConfig {
        kind: match args.split {
            HeldOut::Recent => SplitKind::Recent,
            HeldOut::LastBasket => SplitKind::LastBasket,
            HeldOut::Temporal => SplitKind::Temporal,
        },
        max_users: usize::MAX,
        ..SplitConfig::default()
    };
    let split = validation_split(&log, &config)?.split;
    let train = &split.train;
    let als_config = args.als.config();
    let model = als::train(&train.matrix, &als_config, |_, _| {})?;
    let counts = train.item_user_counts();
    let bytes = build_catalog(&CatalogSpec {
        ids: train.items.ids(),
        vectors: &model.item_factors,
        dim: model.factors,
        popularity: &counts,
        items: &ItemTable::new(),
        params: als_config.model_params(),
        dtype: shopwindow::VectorDtype::F32,
        metadata: standard_metadata("eval-rerank"),
    })?;
    let engine = Recommender::new(Catalog::from_bytes(bytes)?);
    let genres = movie_genres(&args.movielens)?;
    let categories: Vec<(String, Vec<u32>)> = genres
        .names
        .iter()
        .enumerate()
        .map(|(g, name)| {
            let items = genres
                .films
                .iter()
                .filter(|(_, gs)| gs.contains(&g))
                .filter_map(|(id, _)| train.items.get(id))
                .collect();
            (name.clone(), items)
        })
        .collect();
    let lists = popularity_lists(&categories, &counts, args.list_len);
    let result = evaluate_rerank(
        &engine,
        &split,
        &lists,
        &args.strength,
        &[10, 20],
        args.keep_history,
    )?;
    eprintln!(
        "{} genre lists (≤ {} films each); {} users, {} (user, list) pairs with a held-out film; \
         split {:?}; iALS d = {}, λ = {}, α = {}; history {} the lists",
        lists.len(),
        args.list_len,
        result.users,
        result.pairs,
        args.split,
        als_config.factors,
        als_config.regularization,
        als_config.alpha,
        if args.keep_history {
            "kept in"
        } else {
            "taken out of"
        },
    );
    print!("{}", rerank_table(&result));
    Ok(())
}

/// MovieLens's genres: their names (`u.genre`) and each film's genre indices (`u.item`'s
/// 19 flags; a film has several).
struct Genres {
    names: Vec<String>,
    films: Vec<(String, Vec<usize>)>,
}

fn movie_genres(dir: &Path) -> Result<Genres> {
    let read = |name: &str| -> Result<String> {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        // Latin-1: every byte is one code point.
        Ok(bytes.iter().map(|&b| b as char).collect())
    };
    let names: Vec<String> = read("u.genre")?
        .lines()
        .filter_map(|l| l.split('|').next())
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect();
    let films = read("u.item")?
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('|').collect();
            let flags = fields.get(5..)?;
            let genres = (0..flags.len()).filter(|&g| flags[g] == "1").collect();
            Some((fields[0].to_string(), genres))
        })
        .collect();
    if names.is_empty() {
        bail!("{}: no genres in u.genre", dir.display());
    }
    Ok(Genres { names, films })
}
