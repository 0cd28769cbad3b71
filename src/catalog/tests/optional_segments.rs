//! The optional segment tensors and RFM thresholds.

use super::*;

// ---------------------------------------------------------------------------------------
// Segments and RFM thresholds (optional tensors)
// ---------------------------------------------------------------------------------------

/// Two segments over the fixture's items and categories.
fn with_segment_tensors(spec: Spec) -> Spec {
    spec.set(
        names::SEGMENT_CENTROIDS,
        Dtype::F32,
        &[2, D],
        f32_le(&[1.0, 0.0, 0.0, 1.0]),
    )
    .set(names::SEGMENT_SIZES, Dtype::U32, &[2], u32_le(&[120, 80]))
    .strings(
        names::SEGMENT_LABEL_UTF8,
        names::SEGMENT_LABEL_OFFSETS,
        &["Shoe lovers", "Hat people"],
    )
    .set(names::SEGMENT_TEMPERATURE, Dtype::F32, &[1], f32_le(&[0.5]))
    .set(
        names::SEGMENT_TOP_CATEGORIES,
        Dtype::U32,
        &[2, 1],
        u32_le(&[0, 1]),
    )
    .set(
        names::SEGMENT_TOP_ITEMS,
        Dtype::U32,
        &[2, 2],
        u32_le(&[0, 2, 1, 0]),
    )
    .set(
        names::RFM_THRESHOLDS,
        Dtype::F32,
        &[3, 4],
        f32_le(&[
            5.0, 20.0, 60.0, 120.0, 1.0, 1.0, 2.0, 4.0, 10.0, 50.0, 90.0, 300.0,
        ]),
    )
}

#[test]
fn segment_tensors_are_read() {
    let catalog = with_segment_tensors(Spec::valid()).load().unwrap();
    let segments = catalog.segments().expect("segments");
    assert_eq!(segments.len(), 2);
    assert_eq!(segments.centroid(1), &[0.0, 1.0]);
    assert_eq!(segments.sizes(), &[120, 80]);
    assert_eq!(segments.label(0), "Shoe lovers");
    assert_eq!(segments.temperature(), 0.5);
    assert_eq!(segments.top_categories(1), &[1]);
    assert_eq!(segments.top_items(0), &[0, 2]);
    let rfm = catalog.rfm_thresholds().expect("thresholds");
    assert_eq!(rfm.rows()[1], [1.0, 1.0, 2.0, 4.0]);
    // A catalog without them has neither, and is otherwise the same.
    let plain = Spec::valid().load().unwrap();
    assert!(plain.segments().is_none() && plain.rfm_thresholds().is_none());
}

#[test]
fn segment_tensors_are_optional_but_come_together() {
    for part in [
        names::SEGMENT_SIZES,
        names::SEGMENT_LABEL_UTF8,
        names::SEGMENT_TEMPERATURE,
    ] {
        let spec = with_segment_tensors(Spec::valid());
        let spec = if part == names::SEGMENT_LABEL_UTF8 {
            spec.without(part).without(names::SEGMENT_LABEL_OFFSETS)
        } else {
            spec.without(part)
        };
        let err = spec.reject();
        assert_eq!(err, CatalogError::MissingTensor(part), "{part}");
    }
    let err = with_segment_tensors(Spec::valid())
        .without(names::SEGMENT_CENTROIDS)
        .reject();
    assert_eq!(err, CatalogError::MissingTensor(names::SEGMENT_CENTROIDS));
    // The optional lists may be left out.
    with_segment_tensors(Spec::valid())
        .without(names::SEGMENT_TOP_CATEGORIES)
        .without(names::SEGMENT_TOP_ITEMS)
        .without(names::RFM_THRESHOLDS)
        .load()
        .unwrap();
}

/// The two segments with RFM features of weight 0.5: centroids `[2, D + 3]`.
fn with_rfm_segment_tensors(spec: Spec) -> Spec {
    with_segment_tensors(spec)
        .set(
            names::SEGMENT_CENTROIDS,
            Dtype::F32,
            &[2, D + 3],
            f32_le(&[1.0, 0.0, 0.5, 0.5, 0.5, 0.0, 1.0, -0.5, 0.0, -0.5]),
        )
        .set(names::SEGMENT_RFM_WEIGHT, Dtype::F32, &[1], f32_le(&[0.5]))
}

#[test]
fn segments_with_rfm_features_are_d_plus_3_wide() {
    let catalog = with_rfm_segment_tensors(Spec::valid()).load().unwrap();
    let segments = catalog.segments().unwrap();
    assert_eq!(segments.point_dim(), D + 3);
    assert_eq!(segments.rfm_weight(), Some(0.5));
    assert_eq!(segments.centroid(1), &[0.0, 1.0, -0.5, 0.0, -0.5]);
    // Catalogs without the weight keep d-wide points.
    let plain = with_segment_tensors(Spec::valid()).load().unwrap();
    let plain = plain.segments().unwrap();
    assert_eq!((plain.point_dim(), plain.rfm_weight()), (D, None));
}

#[test]
fn rfm_weight_and_centroid_width_must_agree() {
    // The weight says d + 3, the centroids are d wide.
    let err = with_segment_tensors(Spec::valid())
        .set(names::SEGMENT_RFM_WEIGHT, Dtype::F32, &[1], f32_le(&[0.5]))
        .reject();
    assert!(
        matches!(&err, CatalogError::Shape { name, .. } if name == names::SEGMENT_CENTROIDS),
        "{err}"
    );
    assert!(err.to_string().contains("RFM"), "{err}");
    // d + 3 wide centroids without the weight.
    let err = with_rfm_segment_tensors(Spec::valid())
        .without(names::SEGMENT_RFM_WEIGHT)
        .reject();
    assert!(
        matches!(&err, CatalogError::Shape { name, .. } if name == names::SEGMENT_CENTROIDS),
        "{err}"
    );
    // The device needs the thresholds to build the RFM part of a point.
    let err = with_rfm_segment_tensors(Spec::valid())
        .without(names::RFM_THRESHOLDS)
        .reject();
    assert_eq!(err, CatalogError::MissingTensor(names::RFM_THRESHOLDS));
    // The weight is one positive number.
    for (shape, value) in [(&[1][..], -0.5f32), (&[1][..], f32::NAN), (&[1][..], 0.0)] {
        let err = with_rfm_segment_tensors(Spec::valid())
            .set(
                names::SEGMENT_RFM_WEIGHT,
                Dtype::F32,
                shape,
                f32_le(&[value]),
            )
            .reject();
        assert_names(&err, names::SEGMENT_RFM_WEIGHT);
    }
    let err = with_rfm_segment_tensors(Spec::valid())
        .set(
            names::SEGMENT_RFM_WEIGHT,
            Dtype::F32,
            &[2],
            f32_le(&[0.5, 0.5]),
        )
        .reject();
    assert!(matches!(err, CatalogError::Shape { .. }), "{err}");
    // A weight without segments is a stray part.
    let err = Spec::valid()
        .set(names::SEGMENT_RFM_WEIGHT, Dtype::F32, &[1], f32_le(&[0.5]))
        .reject();
    assert_eq!(err, CatalogError::MissingTensor(names::SEGMENT_CENTROIDS));
}

#[test]
fn the_writer_ships_the_rfm_weight_with_d_plus_3_centroids() {
    let original = Spec::valid().bytes();
    let mut spec = segment_spec();
    spec.rfm_weight = Some(0.5);
    // d-wide centroids do not fit the weight.
    assert!(matches!(
        with_segments(&original, Some(&spec), Some(&rfm_thresholds())),
        Err(CatalogError::Shape { .. })
    ));
    spec.centroids = vec![0.6, 0.8, 0.5, 0.0, -0.5, -1.0, 0.0, 0.0, 0.25, 0.0];
    let bytes = with_segments(&original, Some(&spec), Some(&rfm_thresholds())).unwrap();
    let catalog = Catalog::from_bytes(bytes).unwrap();
    let segments = catalog.segments().unwrap();
    assert_eq!(segments.rfm_weight(), Some(0.5));
    assert_eq!(segments.centroid(0), &[0.6, 0.8, 0.5, 0.0, -0.5]);
    // Without thresholds the file would be unusable on the device.
    assert_eq!(
        with_segments(&original, Some(&spec), None).unwrap_err(),
        CatalogError::MissingTensor(names::RFM_THRESHOLDS)
    );
}

#[test]
fn segment_tensors_with_bad_shapes_are_rejected() {
    let base = || with_segment_tensors(Spec::valid());
    let cases = [
        base().set(
            names::SEGMENT_CENTROIDS,
            Dtype::F32,
            &[2, 3],
            f32_le(&[0.0; 6]),
        ),
        base().set(
            names::SEGMENT_CENTROIDS,
            Dtype::F32,
            &[4],
            f32_le(&[0.0; 4]),
        ),
        base().set(names::SEGMENT_CENTROIDS, Dtype::F32, &[0, D], vec![]),
        base().set(names::SEGMENT_SIZES, Dtype::U32, &[3], u32_le(&[1, 2, 3])),
        base().set(
            names::SEGMENT_TEMPERATURE,
            Dtype::F32,
            &[2],
            f32_le(&[1.0, 1.0]),
        ),
        base().set(
            names::SEGMENT_TOP_ITEMS,
            Dtype::U32,
            &[3, 1],
            u32_le(&[0, 1, 2]),
        ),
        base().set(
            names::RFM_THRESHOLDS,
            Dtype::F32,
            &[4, 3],
            f32_le(&[0.0; 12]),
        ),
    ];
    for spec in cases {
        let err = spec.reject();
        assert!(matches!(err, CatalogError::Shape { .. }), "{err}");
    }
    let err = base()
        .set(names::SEGMENT_SIZES, Dtype::F32, &[2], f32_le(&[1.0, 2.0]))
        .reject();
    assert!(matches!(err, CatalogError::Dtype { .. }), "{err}");
    let err = base()
        .strings(
            names::SEGMENT_LABEL_UTF8,
            names::SEGMENT_LABEL_OFFSETS,
            &["only one"],
        )
        .reject();
    assert_names(&err, names::SEGMENT_LABEL_UTF8);
}

#[test]
fn segment_values_are_checked() {
    let base = || with_segment_tensors(Spec::valid());
    let err = base()
        .set(
            names::SEGMENT_CENTROIDS,
            Dtype::F32,
            &[2, D],
            f32_le(&[1.0, f32::NAN, 0.0, 1.0]),
        )
        .reject();
    assert_eq!(
        err,
        CatalogError::NonFinite {
            name: names::SEGMENT_CENTROIDS.into(),
            index: 1
        }
    );
    let err = base()
        .set(
            names::SEGMENT_TOP_ITEMS,
            Dtype::U32,
            &[2, 2],
            u32_le(&[0, 2, 1, 3]),
        )
        .reject();
    assert_names(&err, names::SEGMENT_TOP_ITEMS);
    let err = base()
        .set(
            names::SEGMENT_TOP_CATEGORIES,
            Dtype::U32,
            &[2, 1],
            u32_le(&[0, 2]),
        )
        .reject();
    assert_names(&err, names::SEGMENT_TOP_CATEGORIES);
    for bad in [0.0, -1.0, f32::INFINITY] {
        let err = base()
            .set(names::SEGMENT_TEMPERATURE, Dtype::F32, &[1], f32_le(&[bad]))
            .reject();
        assert_names(&err, names::SEGMENT_TEMPERATURE);
    }
    let err = base()
        .set(
            names::RFM_THRESHOLDS,
            Dtype::F32,
            &[3, 4],
            f32_le(&[
                5.0, 20.0, 60.0, 120.0, 1.0, 3.0, 2.0, 4.0, 10.0, 50.0, 90.0, 300.0,
            ]),
        )
        .reject();
    assert_names(&err, "frequency");
    assert!(
        matches!(err, CatalogError::InvalidValue { index: 4, .. }),
        "{err}"
    );
}

fn segment_spec() -> SegmentSpec {
    SegmentSpec {
        centroids: vec![0.6, 0.8, -1.0, 0.0],
        sizes: vec![60, 75],
        labels: vec!["Shoes".into(), "Hats".into()],
        temperature: 0.25,
        top_categories: vec![vec!["shoes".into()], vec!["hats".into()]],
        top_items: vec![vec!["sku-1".into()], vec!["sku-2".into()]],
        rfm_weight: None,
    }
}

fn rfm_thresholds() -> crate::rfm::RfmThresholds {
    crate::rfm::RfmThresholds::new(
        [7.0, 30.0, 90.0, 180.0],
        [1.0, 2.0, 3.0, 5.0],
        [10.0, 40.0, 100.0, 400.0],
    )
    .unwrap()
}

#[test]
fn the_builder_writes_segments_that_read_back() {
    let mut builder = CatalogBuilder::new(D)
        .segments(segment_spec())
        .rfm_thresholds(rfm_thresholds());
    for (i, id) in IDS.iter().enumerate() {
        let mut item = ItemRecord::new(*id);
        item.category = Some(["shoes", "hats", "shoes"][i].into());
        builder.push(item, &VECTORS[i * D..(i + 1) * D]).unwrap();
    }
    let catalog = Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap();
    let segments = catalog.segments().unwrap();
    assert_eq!(segments.centroids(), &[0.6, 0.8, -1.0, 0.0]);
    assert_eq!(segments.sizes(), &[60, 75]);
    assert_eq!(segments.label(1), "Hats");
    assert_eq!(segments.temperature(), 0.25);
    assert_eq!(
        catalog.category_name(segments.top_categories(1)[0]),
        Some("hats")
    );
    assert_eq!(catalog.id(segments.top_items(0)[0] as usize), "sku-1");
    assert_eq!(catalog.rfm_thresholds(), Some(&rfm_thresholds()));
}

#[test]
fn with_segments_adds_and_replaces_without_touching_the_rest() {
    let original = Spec::valid().bytes();
    let with = with_segments(&original, Some(&segment_spec()), Some(&rfm_thresholds())).unwrap();
    let catalog = Catalog::from_bytes(with.clone()).unwrap();
    assert_eq!(catalog.segments().unwrap().len(), 2);
    let plain = Catalog::from_bytes(original.clone()).unwrap();
    for i in 0..N {
        assert_eq!(catalog.row(i), plain.row(i));
        assert_eq!(catalog.id(i), plain.id(i));
    }
    assert_eq!(catalog.meta(), plain.meta());
    // Replacing: the second call's segments win; `None` removes them.
    let mut other = segment_spec();
    other.labels = vec!["A".into(), "B".into()];
    let replaced = with_segments(&with, Some(&other), None).unwrap();
    let replaced = Catalog::from_bytes(replaced).unwrap();
    assert_eq!(replaced.segments().unwrap().label(0), "A");
    assert!(replaced.rfm_thresholds().is_none());
    let removed = Catalog::from_bytes(with_segments(&with, None, None).unwrap()).unwrap();
    assert!(removed.segments().is_none());
}

#[test]
fn the_writer_refuses_inconsistent_segments() {
    let original = Spec::valid().bytes();
    let mut spec = segment_spec();
    spec.centroids.push(1.0);
    assert!(matches!(
        with_segments(&original, Some(&spec), None),
        Err(CatalogError::Shape { .. })
    ));
    let mut spec = segment_spec();
    spec.labels.pop();
    assert!(with_segments(&original, Some(&spec), None).is_err());
    let mut spec = segment_spec();
    spec.top_items[1] = vec!["sku-1".into(), "sku-2".into()];
    assert!(with_segments(&original, Some(&spec), None).is_err());
    let mut spec = segment_spec();
    spec.top_items[1] = vec!["no-such-sku".into()];
    let err = with_segments(&original, Some(&spec), None).unwrap_err();
    assert_names(&err, "no-such-sku");
    let mut spec = segment_spec();
    spec.sizes.clear();
    spec.centroids.clear();
    spec.labels.clear();
    assert!(with_segments(&original, Some(&spec), None).is_err());
}
