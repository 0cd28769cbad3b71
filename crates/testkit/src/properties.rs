//! Property checks of every compiled kernel against the scalar reference, and of the scalar
//! reference against plain f64 arithmetic. They return `Err(description)` instead of
//! panicking so the native suite (`#[test]`) and the browser suite (`#[wasm_bindgen_test]`)
//! call the same code; the browser run is where the SIMD128 backend is exercised.
//!
//! Tolerances:
//! - SIMD128 vs scalar: **bit-identical** (same summation order; int8 sums are exact).
//! - scalar F32/F16 vs f64: |err| ≤ 1e-5 · Σ|q_j·x_j| + 1e-30 (f32 rounding over ≤ 70 terms).
//! - scalar I8 vs the f64 dot with the dequantized row: the query is rounded to 15-bit
//!   integers, so |err| ≤ (q_scale/2)·Σ|x_j| + 1e-5 · Σ|q_j·x_j|.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use shopwindow::catalog::ItemVectors;
use shopwindow::kernels::{dot_f64, scalar, score_rows, Backend, I8Query, Query};
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
                let exact = dot_f64(&q, dequantized.iter().copied());
                let magnitude: f64 = q
                    .iter()
                    .zip(&dequantized)
                    .map(|(a, b)| (a * b).abs() as f64)
                    .sum();
                let row_mass: f64 = dequantized.iter().map(|v| v.abs() as f64).sum();
                let bound = quantized.scale as f64 / 2.0 * row_mass + 1e-5 * magnitude + 1e-30;
                if (s as f64 - exact).abs() > bound {
                    return Err(describe(Backend::Scalar, "i8 vs f64", s, exact as f32));
                }
            }
            for &backend in Backend::all() {
                let got = scores(backend, &query, vectors, n);
                for (g, w) in got.iter().zip(&reference) {
                    if g.to_bits() != w.to_bits() {
                        return Err(describe(backend, "i8 score", *g, *w));
                    }
                }
            }
            Ok(())
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
    let strategy = (1usize..=40, 1usize..=70, 0usize..3).prop_flat_map(|(d, n, dtype)| {
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
            let dtype = [VectorDtype::F32, VectorDtype::F16, VectorDtype::I8][dtype];
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
    top_k_matches_full_sort(cases)?;
    biased_scan_matches_reference(cases)
}
