use proptest::prelude::*;

use super::*;
use crate::rng::SplitMix64;

/// `per_blob` points around each of `centers` (uniform noise of half-width `spread`).
fn blobs(centers: &[[f32; 2]], per_blob: usize, spread: f32, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::new();
    for c in centers {
        for _ in 0..per_blob {
            for &v in c {
                out.push(v + spread * (2.0 * rng.next_unit() as f32 - 1.0));
            }
        }
    }
    out
}

fn fit(data: &[f32], dim: usize, params: KMeansParams, seed: u64) -> KMeansModel {
    let points = Points::new(data, dim).unwrap();
    params
        .check()
        .unwrap()
        .fit(&points, &mut SplitMix64::new(seed))
        .unwrap()
}

#[test]
fn separated_blobs_are_found() {
    let centers = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
    let data = blobs(&centers, 30, 1.0, 5);
    let model = fit(&data, 2, KMeansParams::new(3), 1);
    assert_eq!(model.sizes(), vec![30, 30, 30]);
    // Every blob lands in one cluster.
    for blob in model.assignments.chunks(30) {
        assert!(blob.iter().all(|&c| c == blob[0]), "{blob:?}");
    }
    for c in 0..3 {
        let centroid = model.centroid(c);
        let near = centers.iter().any(|t| squared_distance(centroid, t) < 0.25);
        assert!(near, "centroid {centroid:?} is not near a blob center");
    }
}

#[test]
fn the_same_seed_gives_the_same_model() {
    let data = blobs(
        &[[0.0, 0.0], [3.0, 1.0], [1.0, 4.0], [5.0, 5.0]],
        25,
        2.0,
        9,
    );
    for params in [
        KMeansParams::new(4),
        KMeansParams {
            algorithm: Algorithm::MiniBatch { batch_size: 16 },
            max_iter: 50,
            ..KMeansParams::new(4)
        },
    ] {
        let a = fit(&data, 2, params, 42);
        let b = fit(&data, 2, params, 42);
        assert_eq!(a, b);
    }
}

#[test]
fn more_clusters_than_points_is_a_typed_error() {
    let data = [0.0, 1.0, 2.0];
    let points = Points::new(&data, 1).unwrap();
    let err = KMeansParams::new(4)
        .check()
        .unwrap()
        .fit(&points, &mut SplitMix64::new(0))
        .unwrap_err();
    assert_eq!(err, KMeansError::TooFewPoints { n: 3, k: 4 });
    assert!(err.to_string().contains("4 clusters of 3 points"), "{err}");
}

#[test]
fn duplicate_points_fewer_distinct_than_k_is_a_typed_error() {
    // Ten copies each of two points: two clusters are fine, three are not.
    let data: Vec<f32> = (0..20).flat_map(|i| [(i % 2) as f32, 1.0]).collect();
    let model = fit(&data, 2, KMeansParams::new(2), 3);
    assert_eq!(model.inertia, 0.0);
    assert_eq!(model.sizes(), vec![10, 10]);
    let points = Points::new(&data, 2).unwrap();
    let err = KMeansParams::new(3)
        .check()
        .unwrap()
        .fit(&points, &mut SplitMix64::new(3))
        .unwrap_err();
    assert_eq!(err, KMeansError::TooFewDistinctPoints { distinct: 2, k: 3 });
}

#[test]
fn non_finite_points_and_bad_shapes_are_rejected() {
    assert_eq!(
        Points::new(&[0.0, 1.0, f32::NAN, 2.0], 2).unwrap_err(),
        KMeansError::NonFinite { point: 1 }
    );
    assert_eq!(
        Points::new(&[0.0, f32::INFINITY], 1).unwrap_err(),
        KMeansError::NonFinite { point: 1 }
    );
    assert_eq!(
        Points::new(&[0.0, 1.0, 2.0], 2).unwrap_err(),
        KMeansError::Shape { len: 3, dim: 2 }
    );
    assert!(Points::new(&[0.0], 0).is_err());
}

#[test]
fn invalid_parameters_are_rejected() {
    let bad = [
        KMeansParams::new(0),
        KMeansParams {
            max_iter: 0,
            ..KMeansParams::new(2)
        },
        KMeansParams {
            tol: f64::NAN,
            ..KMeansParams::new(2)
        },
        KMeansParams {
            n_init: 0,
            ..KMeansParams::new(2)
        },
        KMeansParams {
            algorithm: Algorithm::MiniBatch { batch_size: 0 },
            ..KMeansParams::new(2)
        },
    ];
    for params in bad {
        assert!(
            matches!(params.check(), Err(KMeansError::InvalidParam { .. })),
            "{params:?}"
        );
    }
}

#[test]
fn an_empty_cluster_is_reseeded_at_the_farthest_point() {
    // The second centroid starts far from every point, so its cluster is empty after the
    // first assignment; repair moves it onto the point farthest from the first centroid.
    let data: Vec<f32> = (0..10).map(|i| i as f32).collect();
    let points = Points::new(&data, 1).unwrap();
    let run = lloyd(&points, vec![0.0, 1000.0], 100, 0.0);
    let model = finish(&points, run);
    let sizes = model.sizes();
    assert!(sizes.iter().all(|&s| s > 0), "{sizes:?}");
    // From the repaired start (4.5, 9) Lloyd settles on {0..5} {6..9}: 17.5 + 5 = 22.5,
    // far below the 82.5 of keeping one cluster (point 5 is equidistant at the end and
    // stays with the lower index).
    assert!((model.inertia - 22.5).abs() < 1e-9, "{}", model.inertia);
}

#[test]
fn tiny_inputs_work_for_multi_interest_sizes() {
    let data = [0.0, 0.0, 1.0, 1.0];
    let model = fit(&data, 2, KMeansParams::new(2), 0);
    assert_eq!(model.inertia, 0.0);
    let single = fit(&data, 2, KMeansParams::new(1), 0);
    assert_eq!(single.centroids, vec![0.5, 0.5]);
}

#[test]
fn mini_batch_comes_close_to_lloyd() {
    let centers = [[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [8.0, 8.0]];
    let data = blobs(&centers, 500, 2.0, 11);
    let lloyd_model = fit(&data, 2, KMeansParams::new(4), 2);
    let mini = fit(
        &data,
        2,
        KMeansParams {
            algorithm: Algorithm::MiniBatch { batch_size: 64 },
            max_iter: 100,
            n_init: 3,
            ..KMeansParams::new(4)
        },
        2,
    );
    assert!(
        mini.inertia <= lloyd_model.inertia * 1.02,
        "mini-batch {} vs Lloyd {}",
        mini.inertia,
        lloyd_model.inertia
    );
}

#[test]
fn nearest_breaks_ties_towards_the_lower_index() {
    let centroids = [1.0, -1.0];
    assert_eq!(nearest(&centroids, 1, &[0.0]), (0, 1.0));
}

fn points_strategy() -> impl Strategy<Value = (Vec<f32>, usize, usize)> {
    (1usize..5, 2usize..60).prop_flat_map(|(dim, n)| {
        (
            prop::collection::vec(-10.0f32..10.0, n * dim),
            Just(dim),
            1usize..=n.min(6),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Lloyd's objective never increases from one assignment step to the next, empty
    /// clusters and their repair included (k up to n, so clusters do empty out).
    #[test]
    fn lloyd_inertia_never_increases((data, dim, k) in points_strategy(), seed in any::<u64>()) {
        let points = Points::new(&data, dim).unwrap();
        let params = KMeansParams { n_init: 1, tol: 0.0, ..KMeansParams::new(k) };
        let model = match params.check().unwrap().fit(&points, &mut SplitMix64::new(seed)) {
            Ok(model) => model,
            Err(KMeansError::TooFewDistinctPoints { .. }) => return Ok(()),
            Err(other) => return Err(TestCaseError::fail(other.to_string())),
        };
        for pair in model.inertia_history.windows(2) {
            prop_assert!(pair[1] <= pair[0] * (1.0 + 1e-12) + 1e-12, "{:?}", model.inertia_history);
        }
        // The f32-rounded centroids cost at most a rounding error more.
        let last = *model.inertia_history.last().unwrap();
        prop_assert!(model.inertia <= last * (1.0 + 1e-5) + 1e-6, "{} vs {last}", model.inertia);
        // Every reported assignment is a nearest centroid.
        for (i, &c) in model.assignments.iter().enumerate() {
            let (best, d) = nearest(&model.centroids, dim, points.row(i));
            prop_assert_eq!(c, best);
            prop_assert!(d <= squared_distance(points.row(i), model.centroid(c as usize)));
        }
    }
}
