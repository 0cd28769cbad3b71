//! The evaluation protocols (Online Retail split in time at 2011-11-01, MovieLens-100K's
//! official u1…u5 folds; BENCHMARKS.md, "Protocols") on the real data sets in
//! `../shared/data` (present in CI, where a missing directory fails instead of skipping).
//! Kept to a few seconds: reduced training, one MovieLens split; the full numbers come from
//! `shopwindow eval`.

mod common;

use shopwindow::catalog::LambdaScaling;
use shopwindow::VectorDtype;
use shopwindow_cli::als::{AlsConfig, Solver};
use shopwindow_cli::data::movielens::RatingWeight;
use shopwindow_cli::eval::protocols::{movielens_splits, online_retail_split};
use shopwindow_cli::eval::{run_model, ModelSpec};
use shopwindow_cli::progress::Progress;

fn quick_ials(factors: usize, regularization: f32, alpha: f32) -> ModelSpec {
    ModelSpec::Ials {
        als: AlsConfig {
            factors,
            regularization,
            lambda_scaling: LambdaScaling::Constant,
            alpha,
            iterations: 6,
            solver: Solver::ConjugateGradient { steps: 3 },
            seed: 42,
        },
        dtype: VectorDtype::F32,
    }
}

#[test]
fn online_retail_temporal_split_matches_the_protocol_and_ials_beats_popularity() {
    let Some(dir) = common::real_data("uci-online-retail") else {
        return;
    };
    let progress = Progress::hidden();
    let (split, report) =
        online_retail_split(&dir.join("online_retail.csv.gz"), &progress).unwrap();
    // The file's rows and those without a CustomerID (as the data set's README counts
    // them), then the training matrix and the evaluated customers the protocol fixes.
    assert_eq!(report.rows.rows, 541_909);
    assert_eq!(report.no_customer, 135_080);
    assert_eq!(report.rows.skipped, 0);
    let m = &split.train.matrix;
    assert_eq!((m.rows(), m.cols(), m.nnz()), (3_970, 3_607, 220_880));
    assert_eq!(split.users.len(), 1_440);

    let popularity = run_model(&split, &ModelSpec::Popularity, 20, &progress).unwrap();
    assert!((popularity.metrics.recall - 0.051).abs() < 0.001);
    let ials = run_model(&split, &quick_ials(32, 20.0, 0.5), 20, &progress).unwrap();
    eprintln!(
        "online retail recall@20: popularity {:.4}, iALS (6 iterations) {:.4}",
        popularity.metrics.recall, ials.metrics.recall
    );
    assert!(ials.metrics.recall > 0.09, "{}", ials.metrics.recall);
    assert!(ials.metrics.recall > popularity.metrics.recall * 1.8);
}

#[test]
fn movielens_split_u1_ials_beats_popularity() {
    let Some(dir) = common::real_data("movielens-100k") else {
        return;
    };
    let progress = Progress::hidden();
    let splits = movielens_splits(&dir, RatingWeight::One).unwrap();
    assert_eq!(splits.len(), 5);
    let u1 = &splits[0];
    assert_eq!(u1.train.matrix.nnz(), 80_000);
    let popularity = run_model(u1, &ModelSpec::Popularity, 10, &progress).unwrap();
    let ials = run_model(u1, &quick_ials(32, 20.0, 1.0), 10, &progress).unwrap();
    eprintln!(
        "movielens u1 recall@10: popularity {:.4}, iALS (6 iterations) {:.4}",
        popularity.metrics.recall, ials.metrics.recall
    );
    assert!(ials.metrics.recall > popularity.metrics.recall + 0.1);
}
