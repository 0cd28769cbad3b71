//! The trainer on planted data: it must find structure popularity cannot, be reproducible
//! from its seed whatever the thread count, and agree with the exact solver.

use shopwindow::catalog::LambdaScaling;
use shopwindow::VectorDtype;
use shopwindow_cli::als::{train, AlsConfig, Solver, SplitMix64};
use shopwindow_cli::data::EventLog;
use shopwindow_cli::eval::split::{given_split, EvalSplit};
use shopwindow_cli::eval::{run_model, ModelSpec};
use shopwindow_cli::progress::Progress;

const CLUSTERS: usize = 6;
const ITEMS_PER_CLUSTER: usize = 20;
const USERS: usize = 300;

/// Users who each buy within one of six item clusters (plus a little noise); the last two
/// purchases of each user are held out. Cluster sizes differ, so the globally popular
/// items are those of the biggest clusters and popularity misses most users' tastes.
fn planted_split() -> EvalSplit {
    let mut rng = SplitMix64::new(7);
    let mut train = EventLog::default();
    let mut test = EventLog::default();
    for u in 0..USERS {
        // Cluster c gets users in proportion to c + 1.
        let ticket = (rng.next_u64() % 21) as usize;
        let cluster = (0..CLUSTERS)
            .find(|c| ticket < (c + 1) * (c + 2) / 2)
            .unwrap();
        let user = format!("u{u}");
        let mut bought: Vec<usize> = Vec::new();
        while bought.len() < 8 {
            let item = if rng.next_u64() % 10 == 0 {
                (rng.next_u64() % (CLUSTERS * ITEMS_PER_CLUSTER) as u64) as usize
            } else {
                cluster * ITEMS_PER_CLUSTER + (rng.next_u64() % ITEMS_PER_CLUSTER as u64) as usize
            };
            if !bought.contains(&item) {
                bought.push(item);
            }
        }
        for (n, item) in bought.iter().enumerate() {
            let log = if n < 6 { &mut train } else { &mut test };
            log.push(&user, &format!("i{item}"), 1.0, None);
        }
    }
    given_split("planted", &train, &test)
}

fn config(seed: u64) -> AlsConfig {
    AlsConfig {
        factors: 8,
        regularization: 1.0,
        lambda_scaling: LambdaScaling::Constant,
        alpha: 2.0,
        iterations: 10,
        solver: Solver::ConjugateGradient { steps: 3 },
        seed,
    }
}

#[test]
fn als_recovers_held_out_items_better_than_popularity() {
    let split = planted_split();
    assert!(split.users.len() > 250);
    let progress = Progress::hidden();
    let popularity = run_model(&split, &ModelSpec::Popularity, 10, &progress).unwrap();
    let ials = run_model(
        &split,
        &ModelSpec::Ials {
            als: config(1),
            dtype: VectorDtype::F32,
        },
        10,
        &progress,
    )
    .unwrap();
    let (p, a) = (popularity.metrics.recall, ials.metrics.recall);
    eprintln!("planted: popularity recall@10 {p:.3}, iALS {a:.3}");
    // Within a cluster of 20 items minus 6 bought, the top 10 cover the 2 held out about
    // 70% of the time; popularity mostly points at the two largest clusters.
    assert!(a > 0.5, "iALS recall@10 {a}");
    assert!(a > p + 0.2, "iALS recall@10 {a} vs popularity {p}");
    // The quantized catalog ranks nearly as well.
    let i8 = run_model(
        &split,
        &ModelSpec::Ials {
            als: config(1),
            dtype: VectorDtype::I8,
        },
        10,
        &progress,
    )
    .unwrap();
    assert!((i8.metrics.recall - a).abs() < 0.05);
}

#[test]
fn training_is_reproducible_from_the_seed_on_any_thread_count() {
    let split = planted_split();
    let matrix = &split.train.matrix;
    let run = |threads: usize, seed: u64| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| train(matrix, &config(seed), |_, _| {}).unwrap())
    };
    let one = run(1, 5);
    assert_eq!(one, run(1, 5), "same seed, same factors");
    assert_eq!(one, run(3, 5), "the thread count changes nothing");
    assert_ne!(one.item_factors, run(1, 6).item_factors);
}

#[test]
fn conjugate_gradient_training_approaches_exact_als() {
    let split = planted_split();
    let matrix = &split.train.matrix;
    let mut exact = config(3);
    exact.solver = Solver::Cholesky;
    let mut many_steps = config(3);
    many_steps.solver = Solver::ConjugateGradient { steps: 30 };
    exact.iterations = 3;
    many_steps.iterations = 3;
    let a = train(matrix, &exact, |_, _| {}).unwrap();
    let b = train(matrix, &many_steps, |_, _| {}).unwrap();
    let max_diff = a
        .item_factors
        .iter()
        .zip(&b.item_factors)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(max_diff < 1e-3, "largest factor difference {max_diff}");
}

#[test]
fn invalid_hyper_parameters_are_rejected() {
    let split = planted_split();
    let mut bad = config(1);
    bad.regularization = -1.0;
    assert!(train(&split.train.matrix, &bad, |_, _| {}).is_err());
    bad = config(1);
    bad.factors = 0;
    assert!(train(&split.train.matrix, &bad, |_, _| {}).is_err());
}
