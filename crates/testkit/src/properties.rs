//! Property checks of every compiled kernel against the scalar reference, and of the scalar
//! reference against plain f64 arithmetic. They return `Err(description)` instead of
//! panicking so the native suite (`#[test]`) and the browser suite (`#[wasm_bindgen_test]`)
//! call the same code; the browser run is where the SIMD128 backend is exercised.
//!
//! Tolerances:
//! - SIMD128 vs scalar: **bit-identical** (same summation order; int8 sums are exact).
//! - scalar F32/F16 vs f64: |err| ≤ 1e-5 · Σ|q_j·x_j| + 1e-30 (f32 rounding over ≤ 70 terms).
//! - scalar I8 and I4 vs the f64 dot with the dequantized row: the query is rounded to
//!   15-bit integers, so |err| ≤ (q_scale/2)·Σ|x_j| + 1e-5 · Σ|q_j·x_j|.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use shopwindow::catalog::ItemVectors;
use shopwindow::kernels::normal_equations::NormalEquations;
use shopwindow::kernels::{dot_f64, scalar, score_rows, threshold, Backend, I8Query, Query};
use shopwindow::topk::{rank_order, scan, ItemFilter, Scored, Scoring, TopK};
use shopwindow::{Catalog, CatalogBuilder, ItemRecord, VectorDtype};

fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// Shapes that cover d below, at and above every lane multiple.
fn shape() -> impl Strategy<Value = (usize, usize)> {
    (1usize..=70, 1usize..=9)
}

fn finite_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => -4.0f32..4.0,
        1 => -1e-3f32..1e-3,
        1 => Just(0.0f32),
    ]
}

/// Any finite binary16 bit pattern, subnormals included.
fn finite_f16_bits() -> impl Strategy<Value = u16> {
    any::<u16>().prop_filter("finite", |h| h & 0x7c00 != 0x7c00)
}

fn describe(backend: Backend, what: &str, got: f32, want: f32) -> TestCaseError {
    TestCaseError::fail(format!(
        "{}: {what}: got {got:e} ({:#010x}), reference {want:e} ({:#010x})",
        backend.name(),
        got.to_bits(),
        want.to_bits()
    ))
}

fn scores(backend: Backend, query: &Query, vectors: ItemVectors<'_>, n: usize) -> Vec<f32> {
    let mut out = vec![0.0; n];
    score_rows(backend, query, vectors, 0..n, &mut out);
    out
}

/// Every backend's F32 scores equal the reference bit for bit; the reference is close to f64.
pub fn f32_kernels_match_reference(cases: u32) -> Result<(), String> {
    let strategy = shape().prop_flat_map(|(d, n)| {
        (
            proptest::collection::vec(finite_f32(), d),
            proptest::collection::vec(finite_f32(), d * n),
        )
    });
    runner(cases)
        .run(&strategy, |(q, rows)| {
            let d = q.len();
            let n = rows.len() / d;
            let query = Query::new(&q);
            let reference = scores(Backend::Scalar, &query, ItemVectors::F32(&rows), n);
            for (r, &s) in reference.iter().enumerate() {
                let row = &rows[r * d..(r + 1) * d];
                let exact = dot_f64(&q, row.iter().copied());
                let magnitude: f64 = q.iter().zip(row).map(|(a, b)| (a * b).abs() as f64).sum();
                if (s as f64 - exact).abs() > 1e-5 * magnitude + 1e-30 {
                    return Err(describe(Backend::Scalar, "vs f64", s, exact as f32));
                }
            }
            for &backend in Backend::all() {
                let got = scores(backend, &query, ItemVectors::F32(&rows), n);
                for (g, w) in got.iter().zip(&reference) {
                    if g.to_bits() != w.to_bits() {
                        return Err(describe(backend, "f32 score", *g, *w));
                    }
                }
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}

/// F16 rows (every finite bit pattern, subnormals included).
pub fn f16_kernels_match_reference(cases: u32) -> Result<(), String> {
    let strategy = shape().prop_flat_map(|(d, n)| {
        (
            proptest::collection::vec(finite_f32(), d),
            proptest::collection::vec(finite_f16_bits(), d * n),
        )
    });
    runner(cases)
        .run(&strategy, |(q, rows)| {
            let d = q.len();
            let n = rows.len() / d;
            let query = Query::new(&q);
            let reference = scores(Backend::Scalar, &query, ItemVectors::F16(&rows), n);
            for (r, &s) in reference.iter().enumerate() {
                let row: Vec<f32> = rows[r * d..(r + 1) * d]
                    .iter()
                    .map(|&h| scalar::f16_to_f32(h))
                    .collect();
                let exact = dot_f64(&q, row.iter().copied());
                let magnitude: f64 = q.iter().zip(&row).map(|(a, b)| (a * b).abs() as f64).sum();
                if (s as f64 - exact).abs() > 1e-5 * magnitude + 1e-30 {
                    return Err(describe(Backend::Scalar, "f16 vs f64", s, exact as f32));
                }
            }
            for &backend in Backend::all() {
                let got = scores(backend, &query, ItemVectors::F16(&rows), n);
                for (g, w) in got.iter().zip(&reference) {
                    if g.to_bits() != w.to_bits() {
                        return Err(describe(backend, "f16 score", *g, *w));
                    }
                }
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}

/// The reference's quantized score `s` is within the query's rounding of the f64 dot
/// product with the dequantized row (the module's stated bound).
fn quantized_score_is_close(
    q: &[f32],
    quantized: &I8Query,
    dequantized: &[f32],
    s: f32,
    what: &str,
) -> Result<(), TestCaseError> {
    let exact = dot_f64(q, dequantized.iter().copied());
    let magnitude: f64 = q
        .iter()
        .zip(dequantized)
        .map(|(a, b)| (a * b).abs() as f64)
        .sum();
    let row_mass: f64 = dequantized.iter().map(|v| v.abs() as f64).sum();
    let bound = quantized.scale as f64 / 2.0 * row_mass + 1e-5 * magnitude + 1e-30;
    if (s as f64 - exact).abs() > bound {
        return Err(describe(
            Backend::Scalar,
            &format!("{what} vs f64"),
            s,
            exact as f32,
        ));
    }
    Ok(())
}

/// Every backend's scores of `vectors` equal `reference` bit for bit.
fn backends_match_reference(
    query: &Query,
    vectors: ItemVectors<'_>,
    reference: &[f32],
    what: &str,
) -> Result<(), TestCaseError> {
    for &backend in Backend::all() {
        let got = scores(backend, query, vectors, reference.len());
        for (g, w) in got.iter().zip(reference) {
            if g.to_bits() != w.to_bits() {
                return Err(describe(backend, &format!("{what} score"), *g, *w));
            }
        }
    }
    Ok(())
}

/// I8 rows with per-row scales; n up to 9 exercises the 4-row blocks and their remainder.
pub fn i8_kernels_match_reference(cases: u32) -> Result<(), String> {
    let strategy = shape().prop_flat_map(|(d, n)| {
        (
            proptest::collection::vec(finite_f32(), d),
            proptest::collection::vec(any::<i8>(), d * n),
            proptest::collection::vec(0.0f32..0.05, n),
        )
    });
    runner(cases)
        .run(&strategy, |(q, rows, scales)| {
            let d = q.len();
            let n = scales.len();
            let query = Query::new(&q);
            let quantized = I8Query::new(&q);
            let vectors = ItemVectors::I8 {
                values: &rows,
                scales: &scales,
            };
            let reference = scores(Backend::Scalar, &query, vectors, n);
            for (r, &s) in reference.iter().enumerate() {
                let row = &rows[r * d..(r + 1) * d];
                let exact_int: i64 = quantized
                    .values
                    .iter()
                    .zip(row)
                    .map(|(&a, &b)| a as i64 * b as i64)
                    .sum();
                if scalar::dot_i8(&quantized.values, row) as i64 != exact_int {
                    return Err(TestCaseError::fail("int8 dot is not exact"));
                }
                let dequantized: Vec<f32> = row.iter().map(|&v| v as f32 * scales[r]).collect();
                quantized_score_is_close(&q, &quantized, &dequantized, s, "i8")?;
            }
            backends_match_reference(&query, vectors, &reference, "i8")
        })
        .map_err(|e| e.to_string())
}

/// The signed value of a 4-bit two's-complement nibble, by arithmetic rather than the
/// shifts the kernels use.
fn nibble_value(nibble: u8) -> i64 {
    let v = (nibble & 0x0f) as i64;
    if v >= 8 {
        v - 16
    } else {
        v
    }
}

/// 4-bit rows (two values per byte) with per-row scales: d even up to 70 covers whole
/// 16-byte groups and every tail; n up to 9 the 4-row blocks and their remainder. Any byte
/// is allowed, so −8 (which the writer never emits) is covered too.
pub fn i4_kernels_match_reference(cases: u32) -> Result<(), String> {
    let strategy = (1usize..=35, 1usize..=9).prop_flat_map(|(half, n)| {
        (
            proptest::collection::vec(finite_f32(), 2 * half),
            proptest::collection::vec(any::<u8>(), half * n),
            proptest::collection::vec(0.0f32..0.5, n),
        )
    });
    runner(cases)
        .run(&strategy, |(q, rows, scales)| {
            let half = q.len() / 2;
            let n = scales.len();
            let query = Query::new(&q);
            let quantized = I8Query::new(&q);
            let vectors = ItemVectors::I4 {
                packed: &rows,
                scales: &scales,
            };
            let reference = scores(Backend::Scalar, &query, vectors, n);
            for (r, &s) in reference.iter().enumerate() {
                let row = &rows[r * half..(r + 1) * half];
                let values: Vec<i64> = row
                    .iter()
                    .flat_map(|&b| [nibble_value(b), nibble_value(b >> 4)])
                    .collect();
                let exact_int: i64 = quantized
                    .values
                    .iter()
                    .zip(&values)
                    .map(|(&a, &b)| a as i64 * b)
                    .sum();
                if scalar::dot_i4(&quantized.values, row) as i64 != exact_int {
                    return Err(TestCaseError::fail("4-bit dot is not exact"));
                }
                let dequantized: Vec<f32> = values.iter().map(|&v| v as f32 * scales[r]).collect();
                quantized_score_is_close(&q, &quantized, &dequantized, s, "i4")?;
            }
            backends_match_reference(&query, vectors, &reference, "i4")
        })
        .map_err(|e| e.to_string())
}

/// `TopK` returns exactly the first k of a full sort in ranking order, ties included.
pub fn top_k_matches_full_sort(cases: u32) -> Result<(), String> {
    // Few distinct scores, so ties are common.
    let strategy = (proptest::collection::vec(0u8..6, 0..200), 0usize..30);
    runner(cases)
        .run(&strategy, |(raw, k)| {
            let items: Vec<Scored> = raw
                .iter()
                .enumerate()
                .map(|(i, &s)| Scored {
                    index: i as u32,
                    score: s as f32 * 0.5,
                })
                .collect();
            let mut top = TopK::new(k);
            // Push in a scrambled order: the result must not depend on it.
            for step in 0..items.len() {
                top.push(items[(step * 7919) % items.len()]);
            }
            let mut sorted = items.clone();
            sorted.sort_by(rank_order);
            sorted.truncate(k);
            prop_assert_eq!(top.into_sorted(), sorted);
            Ok(())
        })
        .map_err(|e| e.to_string())
}

/// The scan with a per-item bias (the hybrid model's popularity term) on every backend
/// equals the scalar reference's scores plus the bias in one f32 add, fully sorted: the
/// same items and bit-identical scores, for every vector type; and without a query the
/// scores are the bias itself.
pub fn biased_scan_matches_reference(cases: u32) -> Result<(), String> {
    let strategy = (1usize..=40, 1usize..=70, 0usize..4).prop_flat_map(|(d, n, dtype)| {
        (
            proptest::collection::vec(finite_f32(), d),
            proptest::collection::vec(finite_f32(), d * n),
            // Coarse biases: equal final scores are common.
            proptest::collection::vec((-8i8..8).prop_map(|b| b as f32 * 0.25), n),
            Just(dtype),
            0usize..=n + 1,
            any::<bool>(),
        )
    });
    runner(cases)
        .run(&strategy, |(q, rows, bias, dtype, k, with_query)| {
            let d = q.len();
            let n = rows.len() / d;
            let dtype = [
                VectorDtype::F32,
                VectorDtype::F16,
                VectorDtype::I8,
                VectorDtype::I4,
            ][dtype];
            // 4-bit storage needs an even dimension; odd ones take int8 instead.
            let dtype = match dtype {
                VectorDtype::I4 if d % 2 == 1 => VectorDtype::I8,
                other => other,
            };
            let mut builder = CatalogBuilder::new(d).dtype(dtype);
            for (i, row) in rows.chunks_exact(d).enumerate() {
                builder.push(ItemRecord::new(format!("i{i}")), row).unwrap();
            }
            let catalog = Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap();
            let query = Query::new(&q);
            let mut reference = vec![0.0f32; n];
            if with_query {
                score_rows(
                    Backend::Scalar,
                    &query,
                    catalog.vectors(),
                    0..n,
                    &mut reference,
                );
            }
            let mut want: Vec<Scored> = reference
                .iter()
                .zip(&bias)
                .enumerate()
                .map(|(i, (&s, &b))| Scored {
                    index: i as u32,
                    score: if with_query { s + b } else { b },
                })
                .collect();
            want.sort_by(rank_order);
            want.truncate(k);
            let scoring = Scoring {
                query: with_query.then_some(&query),
                weights: None,
                bias: Some(&bias),
                sparse: &[],
            };
            let filter = ItemFilter::all(&catalog);
            for &backend in Backend::all() {
                let got = scan(&catalog, backend, &scoring, &filter, k, false).top;
                prop_assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    if g.index != w.index || g.score.to_bits() != w.score.to_bits() {
                        return Err(describe(backend, "biased scan", g.score, w.score));
                    }
                }
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}

/// Runs every property above; the browser suite calls this once.
pub fn all(cases: u32) -> Result<(), String> {
    f32_kernels_match_reference(cases)?;
    f16_kernels_match_reference(cases)?;
    i8_kernels_match_reference(cases)?;
    i4_kernels_match_reference(cases)?;
    top_k_matches_full_sort(cases)?;
    biased_scan_matches_reference(cases)?;
    threshold_matches_reference(cases)?;
    normal_equations_match_nalgebra(cases)
}

/// Scores for the threshold test: few distinct values (ties with the floor), some NaN.
fn threshold_score() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => (-8i8..8).prop_map(|v| v as f32 * 0.5),
        1 => Just(f32::NAN),
        1 => Just(f32::NEG_INFINITY),
    ]
}

/// `threshold::next_candidate` on every backend equals its definition: the first index at
/// or after `from` whose score is not below the floor (`!(s < floor)`, so NaN counts).
pub fn threshold_matches_reference(cases: u32) -> Result<(), String> {
    let strategy = (
        proptest::collection::vec(threshold_score(), 0..80),
        0usize..90,
        threshold_score(),
    );
    runner(cases)
        .run(&strategy, |(scores, from, floor)| {
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            let want = (from..scores.len())
                .find(|&i| !(scores[i] < floor))
                .unwrap_or(scores.len());
            for &backend in Backend::all() {
                let got = threshold::next_candidate(backend, &scores, from, floor);
                prop_assert_eq!(
                    got,
                    want,
                    "{}: from {}, floor {}",
                    backend.name(),
                    from,
                    floor
                );
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}

/// One fold-in system: YᵀY from `catalog_rows`, then items with their weights.
#[derive(Debug, Clone)]
struct System {
    dim: usize,
    gram: Vec<f64>,
    items: Vec<(Vec<f32>, f64)>,
    alpha: f64,
    lambda: f64,
}

fn system() -> impl Strategy<Value = System> {
    (
        prop_oneof![3 => 1usize..=20, 1 => Just(64usize), 1 => Just(128usize)],
        0usize..=11,
    )
        .prop_flat_map(|(dim, items)| {
            (
                proptest::collection::vec(finite_f32(), dim * 12),
                proptest::collection::vec(
                    (proptest::collection::vec(finite_f32(), dim), 0.0f64..6.0),
                    items,
                ),
                0.1f64..3.0,
                prop_oneof![1e-4f64..1e-2, 0.05f64..30.0],
            )
                .prop_map(move |(rows, items, alpha, lambda)| {
                    // YᵀY of 12 random rows, summed in f64 as the catalog builder does.
                    let mut gram = vec![0.0f64; dim * dim];
                    for row in rows.chunks_exact(dim) {
                        for r in 0..dim {
                            for c in 0..dim {
                                gram[r * dim + c] += row[r] as f64 * row[c] as f64;
                            }
                        }
                    }
                    System {
                        dim,
                        gram,
                        items,
                        alpha,
                        lambda,
                    }
                })
        })
}

/// The fold-in's solve as it was written with nalgebra (lower triangle accumulated in a
/// column-major `DMatrix`, `Cholesky::new`, `solve`): the yardstick of the kernel.
fn nalgebra_solve(s: &System) -> Option<Vec<f64>> {
    use nalgebra::{DMatrix, DVector};
    let d = s.dim;
    let mut a = DMatrix::<f64>::from_row_slice(d, d, &s.gram);
    let mut b = DVector::<f64>::zeros(d);
    for (row, w) in &s.items {
        let y: Vec<f64> = row.iter().map(|&v| v as f64).collect();
        let confidence = 1.0 + s.alpha * w;
        let extra = confidence - 1.0;
        for (col, (&y_col, b_col)) in y.iter().zip(b.iter_mut()).enumerate() {
            let scaled = extra * y_col;
            let column = &mut a.as_mut_slice()[col * d + col..(col + 1) * d];
            for (entry, &y_r) in column.iter_mut().zip(&y[col..]) {
                *entry += scaled * y_r;
            }
            *b_col += confidence * y_col;
        }
    }
    for i in 0..d {
        a[(i, i)] += s.lambda;
    }
    let cholesky = a.cholesky()?;
    Some(cholesky.solve(&b).iter().copied().collect())
}

fn kernel_solve(backend: Backend, s: &System) -> Option<Vec<f64>> {
    let mut system = NormalEquations::new(backend, &s.gram, s.dim);
    for (row, w) in &s.items {
        let confidence = 1.0 + s.alpha * w;
        system.add_item(row, confidence - 1.0, confidence);
    }
    system.add_to_diagonal(s.lambda);
    system.solve()
}

/// The normal-equations kernel on every backend returns the nalgebra solution **bit for
/// bit** (or fails where nalgebra's Cholesky fails), for d below, at and above every lane
/// and block multiple, item counts around the kernel's item block, and tiny and large λ.
pub fn normal_equations_match_nalgebra(cases: u32) -> Result<(), String> {
    runner(cases)
        .run(&system(), |s| {
            let want = nalgebra_solve(&s);
            let bits = |x: &Option<Vec<f64>>| {
                x.as_ref()
                    .map(|v| v.iter().map(|f| f.to_bits()).collect::<Vec<u64>>())
            };
            for &backend in Backend::all() {
                let got = kernel_solve(backend, &s);
                prop_assert_eq!(
                    bits(&got),
                    bits(&want),
                    "{}: d = {}, {} items: {:?} vs nalgebra {:?}",
                    backend.name(),
                    s.dim,
                    s.items.len(),
                    got,
                    want
                );
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}
