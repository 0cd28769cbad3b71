//! Round trips through `CatalogBuilder`: every dtype, every column.

use super::*;

// ---------------------------------------------------------------------------------------
// Round trips through CatalogBuilder
// ---------------------------------------------------------------------------------------

/// YᵀY of the rows as the catalog serves them, in f64.
fn gram_of_rows(catalog: &Catalog) -> Vec<f64> {
    let d = catalog.dim();
    let mut gram = vec![0.0f64; d * d];
    for i in 0..catalog.len() {
        let row = catalog.row(i);
        for a in 0..d {
            for b in 0..d {
                gram[a * d + b] += row[a] as f64 * row[b] as f64;
            }
        }
    }
    gram
}

/// Relative to the largest entry: off-diagonal entries near zero carry the absolute
/// rounding error of the big ones, so an entry-wise relative test would be meaningless.
#[track_caller]
fn assert_gram_close(found: &[f64], expected: &[f64]) {
    assert_eq!(found.len(), expected.len());
    let scale = expected
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-30);
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        assert!(
            (f - e).abs() <= 1e-4 * scale,
            "gram entry {i}: {f} vs {e} (scale {scale})"
        );
    }
}

fn check_metadata_round_trip(catalog: &Catalog) {
    let items = rt_items();
    assert_eq!(catalog.len(), RT_N);
    assert_eq!(catalog.dim(), RT_D);
    assert!(
        catalog.is_zero_copy(),
        "writer output must be read in place"
    );
    assert_eq!(catalog.params(), rt_params());
    assert_eq!(catalog.meta().source.as_deref(), Some("round trip"));
    let prices = catalog.prices().unwrap();
    let popularity = catalog.popularity().unwrap();
    let available = catalog.availability().unwrap();
    for (i, item) in items.iter().enumerate() {
        assert_eq!(catalog.id(i), item.id);
        assert_eq!(catalog.title(i), Some(item.title.as_deref().unwrap_or("")));
        assert_eq!(catalog.image_url(i), item.image_url.as_deref());
        assert_eq!(catalog.tags(i).collect::<Vec<_>>(), item.tags);
        let category = catalog.category(i).unwrap();
        assert_eq!(catalog.category_name(category), item.category.as_deref());
        assert_eq!(
            catalog.category_by_name(item.category.as_deref().unwrap()),
            Some(category)
        );
        assert_eq!(prices[i], item.price.unwrap());
        assert_eq!(popularity[i], item.popularity);
        assert_eq!(available[i], item.available as u8);
    }
    // First-appearance order: items 0, 1, 2 are "shoes", "hats", "bags".
    assert_eq!(catalog.category_count(), 3);
    assert_eq!(catalog.category_name(0), Some("shoes"));
    assert_eq!(catalog.category_name(3), None);
    assert_eq!(catalog.category_by_name("socks"), None);
    // Computed at load: the file is below `STORED_GRAM_MIN_ITEMS`.
    assert!(!catalog.has_stored_gram());
    assert_gram_close(catalog.gram(), &gram_of_rows(catalog));
}

#[test]
fn f32_round_trip_is_exact() {
    let catalog = Catalog::from_bytes(build(VectorDtype::F32)).unwrap();
    assert_eq!(catalog.dtype(), VectorDtype::F32);
    check_metadata_round_trip(&catalog);
    for (i, v) in rt_vectors().iter().enumerate() {
        assert_eq!(&catalog.row(i), v);
    }
    match catalog.vectors() {
        ItemVectors::F32(all) => assert_eq!(all, rt_vectors().concat().as_slice()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn f16_round_trip_equals_half_conversion() {
    let catalog = Catalog::from_bytes(build(VectorDtype::F16)).unwrap();
    assert_eq!(catalog.dtype(), VectorDtype::F16);
    check_metadata_round_trip(&catalog);
    for (i, v) in rt_vectors().iter().enumerate() {
        let expected: Vec<f32> = v.iter().map(|&x| half::f16::from_f32(x).to_f32()).collect();
        assert_eq!(catalog.row(i), expected, "row {i}");
    }
}

#[test]
fn i8_round_trip_is_within_half_a_step() {
    let catalog = Catalog::from_bytes(build(VectorDtype::I8)).unwrap();
    assert_eq!(catalog.dtype(), VectorDtype::I8);
    check_metadata_round_trip(&catalog);
    let ItemVectors::I8 { scales, .. } = catalog.vectors() else {
        panic!("expected int8 vectors");
    };
    for (i, v) in rt_vectors().iter().enumerate() {
        let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert_eq!(
            scales[i],
            max / 127.0,
            "row {i}: largest magnitude maps to 127"
        );
        // Rounding to the nearest step errs by at most half a step (plus f32 rounding).
        assert_close(&catalog.row(i), v, scales[i] / 2.0 + 1e-6);
    }
    assert_eq!(catalog.row(4), vec![0.0; RT_D]);
}

#[test]
fn i4_round_trip_is_within_the_step_and_stores_half_a_byte_per_value() {
    // 4-bit pairs need an even dimension: the round-trip rows plus one component.
    let rows: Vec<Vec<f32>> = rt_vectors()
        .iter()
        .map(|v| v.iter().copied().chain([v[0] * 0.5]).collect())
        .collect();
    let d = RT_D + 1;
    let mut builder = CatalogBuilder::new(d).dtype(VectorDtype::I4);
    for (i, row) in rows.iter().enumerate() {
        builder.push(ItemRecord::new(format!("i{i}")), row).unwrap();
    }
    let catalog = Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap();
    assert_eq!(catalog.dtype(), VectorDtype::I4);
    assert_eq!(catalog.dim(), d);
    let ItemVectors::I4 { packed, scales } = catalog.vectors() else {
        panic!("expected 4-bit vectors");
    };
    assert_eq!(packed.len(), rows.len() * d / 2);
    for (i, v) in rows.iter().enumerate() {
        let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        // The step lies between max/7 (nothing clipped) and half of it.
        assert!(scales[i] <= max / 7.0 + 1e-7 && scales[i] >= max / 14.0 - 1e-7);
        let (q, scale) = crate::catalog::writer::quantize_i4(v);
        assert_eq!(scale, scales[i], "row {i}: the writer's step");
        assert!(q.iter().all(|x| (-7..=7).contains(x)));
        let expected: Vec<f32> = q.iter().map(|&x| scale * x as f32).collect();
        assert_eq!(catalog.row(i), expected, "row {i}");
        // Unclipped components err by at most half a step.
        for (got, want) in catalog.row(i).iter().zip(v) {
            if want.abs() <= 7.0 * scale {
                assert!((got - want).abs() <= scale / 2.0 + 1e-6, "row {i}");
            }
        }
    }
}

#[test]
fn i4_storage_needs_an_even_dimension() {
    let mut builder = CatalogBuilder::new(3).dtype(VectorDtype::I4);
    builder
        .push(ItemRecord::new("a"), &[1.0, 2.0, 3.0])
        .unwrap();
    let err = builder.to_bytes().unwrap_err().to_string();
    assert!(
        err.contains("item.vectors") && err.contains("even dimension"),
        "{err}"
    );
}

#[test]
fn index_of_finds_every_id_and_nothing_else() {
    for dtype in [VectorDtype::F32, VectorDtype::F16, VectorDtype::I8] {
        let catalog = Catalog::from_bytes(build(dtype)).unwrap();
        for i in 0..catalog.len() {
            assert_eq!(catalog.index_of(catalog.id(i)), Some(i as u32));
        }
        for unknown in ["", "item-", "item-0", "item-99", "ITEM-01", "item-01 "] {
            assert_eq!(catalog.index_of(unknown), None, "{unknown:?}");
        }
    }
}

/// The same file, minus some tensors (re-serialized by safetensors, metadata kept).
fn without_tensors(bytes: &[u8], drop: &[&str]) -> Vec<u8> {
    let file = SafeTensors::deserialize(bytes).unwrap();
    let (_, meta) = SafeTensors::read_metadata(bytes).unwrap();
    let kept: Vec<(String, TensorView<'_>)> = file
        .tensors()
        .into_iter()
        .filter(|(name, _)| !drop.contains(&name.as_str()))
        .collect();
    safetensors::serialize(kept, meta.metadata().clone()).unwrap()
}

#[test]
fn gram_is_computed_when_the_file_has_none() {
    for dtype in [VectorDtype::F32, VectorDtype::F16, VectorDtype::I8] {
        // A catalog this small leaves the gram to the reader (`STORED_GRAM_MIN_ITEMS`).
        let computed = Catalog::from_bytes(build(dtype)).unwrap();
        assert!(!computed.has_stored_gram(), "{dtype:?}");
        assert_gram_close(computed.gram(), &gram_of_rows(&computed));
    }
}

#[test]
fn gram_of_the_hand_built_fixture_is_exact() {
    // Small integers and halves: YᵀY is exact in f64, so compare with ==.
    let catalog = Spec::valid().load().unwrap();
    // rows (1, 2), (-3, 0.5), (0, 4)
    assert_eq!(catalog.gram(), &[10.0, 0.5, 0.5, 20.25]);
}

#[test]
fn a_catalog_scores_the_same_with_its_gram_stored_or_computed_at_load() {
    let d = 4;
    let write = |items: usize| {
        let mut builder = CatalogBuilder::new(d).dtype(VectorDtype::I8);
        for i in 0..items {
            let row: Vec<f32> = (0..d)
                .map(|j| ((i * 31 + j * 7) % 23) as f32 / 7.0 - 1.5)
                .collect();
            builder
                .push(ItemRecord::new(format!("i{i}")), &row)
                .unwrap();
        }
        builder.to_bytes().unwrap()
    };
    // Below the line the reader computes it; from the line up the file carries it.
    let small = Catalog::from_bytes(write(STORED_GRAM_MIN_ITEMS - 1)).unwrap();
    assert!(!small.has_stored_gram());
    let bytes = write(STORED_GRAM_MIN_ITEMS);
    let stored = Catalog::from_bytes(bytes.clone()).unwrap();
    assert!(stored.has_stored_gram());

    // The same file without the tensor: the computed gram is the stored one, bit for bit.
    let computed = Catalog::from_bytes(without_tensors(&bytes, &[names::GRAM])).unwrap();
    assert!(!computed.has_stored_gram());
    assert_eq!(computed.gram(), stored.gram());
}
