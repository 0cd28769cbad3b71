//! The kernel and top-k properties natively (the scalar reference against f64 arithmetic).
//! The browser suite runs the same checks with the SIMD128 backend compiled in.

use shopwindow_testkit::properties;

#[test]
fn f32_reference_is_accurate() {
    properties::f32_kernels_match_reference(256).unwrap();
}

#[test]
fn f16_reference_is_accurate() {
    properties::f16_kernels_match_reference(256).unwrap();
}

#[test]
fn i8_reference_is_exact_in_integers_and_accurate() {
    properties::i8_kernels_match_reference(256).unwrap();
}

#[test]
fn i4_reference_is_exact_in_integers_and_accurate() {
    properties::i4_kernels_match_reference(256).unwrap();
}

#[test]
fn top_k_equals_full_sort() {
    properties::top_k_matches_full_sort(256).unwrap();
}

#[test]
fn biased_scan_equals_reference_plus_bias() {
    properties::biased_scan_matches_reference(128).unwrap();
}

#[test]
fn threshold_test_equals_its_definition() {
    properties::threshold_matches_reference(256).unwrap();
}

#[test]
fn normal_equations_are_bit_identical_to_nalgebra() {
    properties::normal_equations_match_nalgebra(128).unwrap();
}
