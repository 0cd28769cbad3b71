//! Missing tensors, wrong dtypes, wrong shapes.

use super::*;

// ---------------------------------------------------------------------------------------
// Missing tensors
// ---------------------------------------------------------------------------------------

#[test]
fn missing_vectors_are_rejected() {
    let err = Spec::valid().without(names::VECTORS).reject();
    assert_eq!(err, CatalogError::MissingTensor(names::VECTORS));
    assert_names(&err, names::VECTORS);
}

#[test]
fn missing_ids_are_rejected() {
    let err = Spec::valid()
        .without(names::ID_UTF8)
        .without(names::ID_OFFSETS)
        .reject();
    assert_eq!(err, CatalogError::MissingTensor(names::ID_UTF8));
    assert_names(&err, names::ID_UTF8);
}

#[test]
fn id_blob_without_offsets_is_rejected() {
    let err = Spec::valid().without(names::ID_OFFSETS).reject();
    assert_eq!(err, CatalogError::MissingTensor(names::ID_OFFSETS));
    assert_names(&err, names::ID_OFFSETS);
}

#[test]
fn id_offsets_without_blob_are_rejected() {
    let err = Spec::valid().without(names::ID_UTF8).reject();
    assert_eq!(err, CatalogError::MissingTensor(names::ID_UTF8));
}

#[test]
fn half_of_an_optional_string_table_is_rejected() {
    // Titles are optional, but a blob without offsets is a broken writer, not "no titles".
    let err = Spec::valid().without(names::TITLE_OFFSETS).reject();
    assert_eq!(err, CatalogError::MissingTensor(names::TITLE_OFFSETS));
}

#[test]
fn tags_are_a_string_table_of_one_entry_per_item() {
    // Optional like titles: a blob without offsets, or a table of the wrong length, is a
    // broken writer.
    let blob = b"sale|newsale".to_vec();
    let with_tags = |offsets: &[u32]| {
        Spec::valid()
            .set(names::TAGS_UTF8, Dtype::U8, &[blob.len()], blob.clone())
            .set(
                names::TAGS_OFFSETS,
                Dtype::U32,
                &[offsets.len()],
                offsets.iter().flat_map(|o| o.to_le_bytes()).collect(),
            )
    };
    let catalog = with_tags(&[0, 8, 8, 12]).load().unwrap();
    assert!(catalog.has_tags());
    assert_eq!(catalog.tags(0).collect::<Vec<_>>(), ["sale", "new"]);
    assert_eq!(catalog.tags(1).count(), 0);
    assert_eq!(catalog.tags_text(2), Some("sale"));
    assert!(matches!(
        with_tags(&[0, 8, 12]).reject(),
        CatalogError::StringTable { .. }
    ));
    let err = with_tags(&[0, 8, 8, 12])
        .without(names::TAGS_OFFSETS)
        .reject();
    assert_eq!(err, CatalogError::MissingTensor(names::TAGS_OFFSETS));
}

#[test]
fn four_bit_vectors_without_scale_are_rejected() {
    // U8 [N, d/2]: two 4-bit values per byte.
    let packed = vec![0x1fu8; N * D / 2];
    let err = Spec::valid()
        .set(names::VECTORS, Dtype::U8, &[N, D / 2], packed)
        .reject();
    assert_eq!(err, CatalogError::MissingTensor(names::SCALE));
    assert_names(&err, names::SCALE);
}

#[test]
fn i8_vectors_without_scale_are_rejected() {
    let q: Vec<u8> = [1i8, -2, 3, -4, 5, -6].iter().map(|&v| v as u8).collect();
    let err = Spec::valid()
        .set(names::VECTORS, Dtype::I8, &[N, D], q)
        .reject();
    assert_eq!(err, CatalogError::MissingTensor(names::SCALE));
    assert_names(&err, names::SCALE);
}

#[test]
fn optional_columns_may_all_be_absent() {
    let catalog = Spec::valid()
        .without(names::TITLE_UTF8)
        .without(names::TITLE_OFFSETS)
        .without(names::POPULARITY)
        .without(names::PRICE)
        .without(names::AVAILABLE)
        .without(names::CATEGORY)
        .without(names::CATEGORY_NAME_UTF8)
        .without(names::CATEGORY_NAME_OFFSETS)
        .load()
        .expect("vectors and ids are enough");
    assert_eq!(catalog.title(0), None);
    assert_eq!(catalog.image_url(0), None);
    assert!(!catalog.has_tags());
    assert_eq!(catalog.tags_text(0), None);
    assert_eq!(catalog.tags(0).count(), 0);
    assert_eq!(catalog.popularity(), None);
    assert_eq!(catalog.prices(), None);
    assert_eq!(catalog.availability(), None);
    assert!(!catalog.has_categories());
    assert_eq!(catalog.category(0), None);
    assert_eq!(catalog.category_count(), 0);
}

// ---------------------------------------------------------------------------------------
// Dtypes
// ---------------------------------------------------------------------------------------

#[test]
fn vectors_as_i32_are_rejected() {
    let err = Spec::valid()
        .set(
            names::VECTORS,
            Dtype::I32,
            &[N, D],
            i32_le(&[1, 2, 3, 4, 5, 6]),
        )
        .reject();
    assert!(
        matches!(&err, CatalogError::Dtype { name, found, expected }
            if name == names::VECTORS && found == "I32" && *expected == "F32, F16, I8 or U8 (4-bit pairs)"),
        "{err:?}"
    );
    assert_names(&err, names::VECTORS);
}

#[test]
fn price_as_f64_is_rejected() {
    let err = Spec::valid()
        .set(names::PRICE, Dtype::F64, &[N], f64_le(&[1.0, 2.0, 3.0]))
        .reject();
    assert!(
        matches!(&err, CatalogError::Dtype { name, found, .. } if name == names::PRICE && found == "F64"),
        "{err:?}"
    );
    assert_names(&err, names::PRICE);
}

#[test]
fn category_as_u8_is_rejected() {
    let err = Spec::valid()
        .set(names::CATEGORY, Dtype::U8, &[N], vec![0, 1, 0])
        .reject();
    assert!(
        matches!(&err, CatalogError::Dtype { name, .. } if name == names::CATEGORY),
        "{err:?}"
    );
}

#[test]
fn availability_as_bool_is_rejected() {
    let err = Spec::valid()
        .set(names::AVAILABLE, Dtype::BOOL, &[N], vec![1, 0, 1])
        .reject();
    assert!(
        matches!(&err, CatalogError::Dtype { name, found, .. } if name == names::AVAILABLE && found == "BOOL"),
        "{err:?}"
    );
}

#[test]
fn id_offsets_as_i32_are_rejected() {
    let (_, offsets) = table(&IDS);
    let offsets: Vec<i32> = offsets.iter().map(|&o| o as i32).collect();
    let err = Spec::valid()
        .set(names::ID_OFFSETS, Dtype::I32, &[N + 1], i32_le(&offsets))
        .reject();
    assert!(
        matches!(&err, CatalogError::Dtype { name, expected, .. }
            if name == names::ID_OFFSETS && *expected == "U32 or I64"),
        "{err:?}"
    );
}

#[test]
fn scale_as_f16_is_rejected() {
    let q: Vec<u8> = vec![1; N * D];
    let err = Spec::valid()
        .set(names::VECTORS, Dtype::I8, &[N, D], q)
        .set(names::SCALE, Dtype::F16, &[N], vec![0; N * 2])
        .reject();
    assert!(
        matches!(&err, CatalogError::Dtype { name, .. } if name == names::SCALE),
        "{err:?}"
    );
}

#[test]
fn gram_as_f64_is_rejected() {
    let err = Spec::valid()
        .set(names::GRAM, Dtype::F64, &[D, D], f64_le(&[1.0; D * D]))
        .reject();
    assert!(
        matches!(&err, CatalogError::Dtype { name, .. } if name == names::GRAM),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------

#[test]
fn one_dimensional_vectors_are_rejected() {
    let err = Spec::valid()
        .set(names::VECTORS, Dtype::F32, &[N * D], f32_le(&VECTORS))
        .reject();
    assert!(
        matches!(&err, CatalogError::Shape { name, found, .. } if name == names::VECTORS && found == &[N * D]),
        "{err:?}"
    );
    assert_names(&err, names::VECTORS);
}

#[test]
fn three_dimensional_vectors_are_rejected() {
    let err = Spec::valid()
        .set(names::VECTORS, Dtype::F32, &[N, D, 1], f32_le(&VECTORS))
        .reject();
    assert!(
        matches!(&err, CatalogError::Shape { name, found, .. } if name == names::VECTORS && found == &[N, D, 1]),
        "{err:?}"
    );
}

#[test]
fn zero_items_or_zero_dims_are_rejected() {
    for shape in [[0, D], [N, 0]] {
        let err = Spec::valid()
            .set(names::VECTORS, Dtype::F32, &shape, Vec::new())
            .reject();
        assert!(
            matches!(&err, CatalogError::Shape { name, found, .. } if name == names::VECTORS && found == &shape),
            "{shape:?}: {err:?}"
        );
    }
}

#[test]
fn popularity_of_the_wrong_length_is_rejected() {
    let err = Spec::valid()
        .set(
            names::POPULARITY,
            Dtype::F32,
            &[N + 1],
            f32_le(&[1.0; N + 1]),
        )
        .reject();
    assert!(
        matches!(&err, CatalogError::Shape { name, found, expected }
            if name == names::POPULARITY && found == &[N + 1] && expected.contains(&format!("[{N}]"))),
        "{err:?}"
    );
    assert_names(&err, names::POPULARITY);
}

#[test]
fn per_item_columns_must_be_one_dimensional() {
    let err = Spec::valid()
        .set(names::PRICE, Dtype::F32, &[N, 1], f32_le(&[1.0; N]))
        .reject();
    assert!(
        matches!(&err, CatalogError::Shape { name, found, .. } if name == names::PRICE && found == &[N, 1]),
        "{err:?}"
    );
}

#[test]
fn scale_of_the_wrong_length_is_rejected() {
    let err = Spec::valid()
        .set(names::VECTORS, Dtype::I8, &[N, D], vec![1; N * D])
        .set(names::SCALE, Dtype::F32, &[N - 1], f32_le(&[0.1; N - 1]))
        .reject();
    assert!(
        matches!(&err, CatalogError::Shape { name, .. } if name == names::SCALE),
        "{err:?}"
    );
}

#[test]
fn gram_that_is_not_d_by_d_is_rejected() {
    for shape in [vec![D, D + 1], vec![D * D], vec![D + 1, D + 1]] {
        let count: usize = shape.iter().product();
        let err = Spec::valid()
            .set(names::GRAM, Dtype::F32, &shape, f32_le(&vec![0.0; count]))
            .reject();
        assert!(
            matches!(&err, CatalogError::Shape { name, found, expected }
                if name == names::GRAM && found == &shape && expected == &format!("[{D}, {D}]")),
            "{shape:?}: {err:?}"
        );
        assert_names(&err, names::GRAM);
    }
}

#[test]
fn two_dimensional_string_blob_is_rejected() {
    let (blob, _) = table(&IDS);
    let len = blob.len();
    let err = Spec::valid()
        .set(names::ID_UTF8, Dtype::U8, &[1, len], blob)
        .reject();
    assert!(
        matches!(&err, CatalogError::StringTable { name, .. } if name == names::ID_UTF8),
        "{err:?}"
    );
}
