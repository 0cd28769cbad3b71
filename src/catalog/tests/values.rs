//! Value checks: finiteness, signs, ranges, ids.

use super::*;

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

#[test]
fn non_finite_f32_vectors_are_rejected() {
    for (index, bad) in [(0, f32::NAN), (3, f32::INFINITY), (5, f32::NEG_INFINITY)] {
        let mut values = VECTORS;
        values[index] = bad;
        let err = Spec::valid()
            .set(names::VECTORS, Dtype::F32, &[N, D], f32_le(&values))
            .reject();
        assert_eq!(
            err,
            CatalogError::NonFinite {
                name: names::VECTORS.into(),
                index
            },
            "{bad}"
        );
        assert_names(&err, names::VECTORS);
    }
}

#[test]
fn non_finite_f16_vectors_are_rejected() {
    // +inf, -inf and a quiet NaN in binary16.
    for (index, bits) in [(1, 0x7c00u16), (2, 0xfc00), (4, 0x7e00)] {
        let mut halves: Vec<u16> = VECTORS
            .iter()
            .map(|&v| half::f16::from_f32(v).to_bits())
            .collect();
        halves[index] = bits;
        let err = Spec::valid()
            .set(names::VECTORS, Dtype::F16, &[N, D], u16_le(&halves))
            .reject();
        assert_eq!(
            err,
            CatalogError::NonFinite {
                name: names::VECTORS.into(),
                index
            },
            "{bits:#06x}"
        );
    }
}

#[test]
fn largest_finite_f16_is_accepted() {
    // 0x7bff (65504) has every exponent bit but one set: the check must not be too eager.
    let halves = [0x7bffu16, 0xfbff, 0, 0x0001, 0x3c00, 0x8000];
    let catalog = Spec::valid()
        .set(names::VECTORS, Dtype::F16, &[N, D], u16_le(&halves))
        .load()
        .unwrap();
    assert_eq!(catalog.row(0), vec![65504.0, -65504.0]);
}

#[test]
fn nan_in_gram_is_rejected() {
    let err = Spec::valid()
        .set(
            names::GRAM,
            Dtype::F32,
            &[D, D],
            f32_le(&[1.0, f32::NAN, 0.0, 1.0]),
        )
        .reject();
    assert_eq!(
        err,
        CatalogError::NonFinite {
            name: names::GRAM.into(),
            index: 1
        }
    );
    assert_names(&err, names::GRAM);
}

#[test]
fn nan_price_is_rejected() {
    let err = Spec::valid()
        .set(
            names::PRICE,
            Dtype::F32,
            &[N],
            f32_le(&[1.0, 2.0, f32::NAN]),
        )
        .reject();
    assert_eq!(
        err,
        CatalogError::NonFinite {
            name: names::PRICE.into(),
            index: 2
        }
    );
}

#[test]
fn negative_price_popularity_and_scale_are_rejected() {
    let negative = f32_le(&[1.0, -0.5, 2.0]);
    let cases = [
        Spec::valid().set(names::PRICE, Dtype::F32, &[N], negative.clone()),
        Spec::valid().set(names::POPULARITY, Dtype::F32, &[N], negative.clone()),
        Spec::valid()
            .set(names::VECTORS, Dtype::I8, &[N, D], vec![1; N * D])
            .set(names::SCALE, Dtype::F32, &[N], negative),
    ];
    for (spec, name) in cases
        .into_iter()
        .zip([names::PRICE, names::POPULARITY, names::SCALE])
    {
        let err = spec.reject();
        assert!(
            matches!(&err, CatalogError::InvalidValue { name: n, index: 1, reason }
                if n == name && reason.contains("negative")),
            "{name}: {err:?}"
        );
        assert_names(&err, name);
    }
}

#[test]
fn scale_whose_dequantized_values_overflow_is_rejected() {
    // A finite scale can still make scale × q infinite in f32 (f32::MAX × 127): the rows
    // the catalog serves, and the Gram matrix computed from them, must stay finite.
    let q: Vec<u8> = [127i8, 1, -128, 0, 1, 1].iter().map(|&v| v as u8).collect();
    let err = Spec::valid()
        .set(names::VECTORS, Dtype::I8, &[N, D], q)
        .set(
            names::SCALE,
            Dtype::F32,
            &[N],
            f32_le(&[f32::MAX, 1.0, 1.0]),
        )
        .reject();
    assert!(
        matches!(&err, CatalogError::InvalidValue { name, index: 0, .. } if name == names::SCALE),
        "{err:?}"
    );
    assert_names(&err, names::SCALE);
}

#[test]
fn largest_safe_scale_is_accepted() {
    // 128 × scale at the bound (and -128 is a legal int8 even if our writer never uses it).
    let scale = MAX_VECTOR_VALUE / 128.0;
    let q: Vec<u8> = [127i8, -128, 0, 0, 1, 1].iter().map(|&v| v as u8).collect();
    let catalog = Spec::valid()
        .set(names::VECTORS, Dtype::I8, &[N, D], q)
        .set(names::SCALE, Dtype::F32, &[N], f32_le(&[scale, 1.0, 1.0]))
        .load()
        .unwrap();
    assert!(catalog.row(0).iter().all(|v| v.is_finite()));
    assert!(catalog.gram().iter().all(|v| v.is_finite()));
}

#[test]
fn vector_values_whose_scores_overflow_are_rejected() {
    // Found by the `catalog` fuzz target: an f32 element of 2.4e38 is finite, but the
    // shopper's score overflowed to infinity and the probabilities to NaN.
    let mut values = VECTORS;
    values[4] = -2.4e38;
    let err = Spec::valid()
        .set(names::VECTORS, Dtype::F32, &[N, D], f32_le(&values))
        .reject();
    assert!(
        matches!(&err, CatalogError::InvalidValue { name, index: 4, reason } if name == names::VECTORS && reason.contains("overflow")),
        "{err:?}"
    );
    assert_names(&err, names::VECTORS);
    let q: Vec<u8> = [127i8, 1, -128, 0, 1, 1].iter().map(|&v| v as u8).collect();
    let over = MAX_VECTOR_VALUE / 128.0 * 1.001;
    let err = Spec::valid()
        .set(names::VECTORS, Dtype::I8, &[N, D], q)
        .set(names::SCALE, Dtype::F32, &[N], f32_le(&[1.0, over, 1.0]))
        .reject();
    assert!(
        matches!(&err, CatalogError::InvalidValue { name, index: 1, .. } if name == names::SCALE),
        "{err:?}"
    );
    // The bound itself is a valid value.
    let mut values = VECTORS;
    values[4] = -MAX_VECTOR_VALUE;
    Spec::valid()
        .set(names::VECTORS, Dtype::F32, &[N, D], f32_le(&values))
        .load()
        .unwrap();
}

#[test]
fn negative_zero_price_is_accepted() {
    // -0.0 compares equal to 0.0: a free item, not a negative price.
    let catalog = Spec::valid()
        .set(names::PRICE, Dtype::F32, &[N], f32_le(&[-0.0, 1.0, 2.0]))
        .load()
        .unwrap();
    assert_eq!(catalog.prices().unwrap()[0], 0.0);
}

#[test]
fn availability_other_than_0_or_1_is_rejected() {
    let err = Spec::valid()
        .set(names::AVAILABLE, Dtype::U8, &[N], vec![1, 1, 2])
        .reject();
    assert!(
        matches!(&err, CatalogError::InvalidValue { name, index: 2, .. } if name == names::AVAILABLE),
        "{err:?}"
    );
    assert_names(&err, names::AVAILABLE);
}

#[test]
fn category_index_past_the_names_is_rejected() {
    // Two names, so index 2 is out of range (u16 and u32 columns alike).
    let cases = [
        (Dtype::U16, u16_le(&[0, 2, 1])),
        (Dtype::U32, u32_le(&[0, 2, 1])),
    ];
    for (dtype, bytes) in cases {
        let err = Spec::valid()
            .set(names::CATEGORY, dtype, &[N], bytes)
            .reject();
        assert!(
            matches!(&err, CatalogError::InvalidValue { name, index: 1, reason }
                if name == names::CATEGORY && reason.contains('2')),
            "{dtype:?}: {err:?}"
        );
        assert_names(&err, names::CATEGORY);
    }
}

#[test]
fn categories_without_names_are_any_index() {
    // Without a name table there is nothing to be out of range of.
    let catalog = Spec::valid()
        .without(names::CATEGORY_NAME_UTF8)
        .without(names::CATEGORY_NAME_OFFSETS)
        .set(names::CATEGORY, Dtype::U32, &[N], u32_le(&[7, 70_000, 0]))
        .load()
        .unwrap();
    assert_eq!(catalog.category(1), Some(70_000));
    assert_eq!(catalog.category_name(7), None);
}

#[test]
fn duplicate_ids_are_rejected_by_name() {
    let err = Spec::valid()
        .strings(
            names::ID_UTF8,
            names::ID_OFFSETS,
            &["sku-1", "sku-9", "sku-1"],
        )
        .reject();
    assert_eq!(
        err,
        CatalogError::DuplicateId {
            id: "sku-1".into(),
            first: 0,
            second: 2
        }
    );
    assert_names(&err, "\"sku-1\"");
}

#[test]
fn empty_id_is_rejected() {
    let err = Spec::valid()
        .strings(names::ID_UTF8, names::ID_OFFSETS, &["sku-1", "", "sku-3"])
        .reject();
    assert!(
        matches!(&err, CatalogError::InvalidValue { name, index: 1, reason }
            if name == names::ID_UTF8 && reason.contains("empty")),
        "{err:?}"
    );
}
