//! The optional hybrid model: neighbour tensors and `hybrid.*` metadata.

use super::*;

/// The fixture with a K = 2 neighbour table and a blend.
fn hybrid_spec() -> Spec {
    Spec::valid()
        .set(
            names::NEIGHBOUR_IDS,
            Dtype::U32,
            &[N, 2],
            u32_le(&[1, 2, 0, EMPTY_NEIGHBOUR, 2, 0]),
        )
        .set(
            names::NEIGHBOUR_WEIGHTS,
            Dtype::F16,
            &[N, 2],
            u16_le(&[0x3c00, 0x3800, 0x4000, 0, 0x3400, 0xbc00]),
        )
        .meta(names::META_HYBRID_VERSION, "1")
        .meta(names::META_HYBRID_VECTOR_WEIGHT, "1")
        .meta(names::META_HYBRID_NEIGHBOUR_WEIGHT, "0.35")
        .meta(names::META_HYBRID_POPULARITY_WEIGHT, "0.1")
        .meta(names::META_HYBRID_HISTORY, "log1p")
        .meta("tune.winner", "hybrid")
}

#[test]
fn the_hybrid_model_is_read() {
    let catalog = hybrid_spec().load().unwrap();
    let hybrid = catalog.hybrid().expect("a hybrid catalog");
    assert_eq!(
        hybrid.params,
        HybridParams {
            vectors: true,
            neighbour_weight: 0.35,
            popularity_weight: 0.1,
            history: HistoryTransform::Log1p,
        }
    );
    let table = hybrid.neighbours.expect("a neighbour table");
    assert_eq!(table.k(), 2);
    assert_eq!(table.bytes_per_item(), 12);
    assert_eq!(table.row(1), (&[0, EMPTY_NEIGHBOUR][..], &[0x4000, 0][..]));
    // The blend is typed, not free text; the tuner's report stays free text.
    assert!(!catalog
        .meta()
        .extra
        .keys()
        .any(|k| k.starts_with("hybrid.")));
    assert_eq!(
        catalog.tune_report().collect::<Vec<_>>(),
        vec![("tune.winner", "hybrid")]
    );
    // Without any of it a catalog is plain, as before.
    assert!(Spec::valid().load().unwrap().hybrid().is_none());
}

#[test]
fn a_blend_may_come_without_a_neighbour_table() {
    let catalog = hybrid_spec()
        .without(names::NEIGHBOUR_IDS)
        .without(names::NEIGHBOUR_WEIGHTS)
        .meta(names::META_HYBRID_VECTOR_WEIGHT, "0")
        .load()
        .unwrap();
    let hybrid = catalog.hybrid().unwrap();
    assert!(!hybrid.params.vectors);
    assert!(hybrid.neighbours.is_none());
}

#[test]
fn neighbour_tensors_need_the_blend() {
    let err = hybrid_spec()
        .without_meta(names::META_HYBRID_VERSION)
        .without_meta(names::META_HYBRID_VECTOR_WEIGHT)
        .without_meta(names::META_HYBRID_NEIGHBOUR_WEIGHT)
        .without_meta(names::META_HYBRID_POPULARITY_WEIGHT)
        .without_meta(names::META_HYBRID_HISTORY)
        .reject();
    assert!(
        matches!(err, CatalogError::Metadata { ref key, .. } if key == names::META_HYBRID_VERSION)
    );
    assert_names(&err, names::NEIGHBOUR_IDS);
    let err = hybrid_spec()
        .without_meta(names::META_HYBRID_VERSION)
        .reject();
    assert_names(&err, names::META_HYBRID_VERSION);
}

#[test]
fn bad_hybrid_metadata_is_rejected_naming_the_key() {
    let cases: &[(&str, Option<&str>)] = &[
        (names::META_HYBRID_VERSION, Some("2")),
        (names::META_HYBRID_VECTOR_WEIGHT, Some("0.5")),
        (names::META_HYBRID_VECTOR_WEIGHT, None),
        (names::META_HYBRID_NEIGHBOUR_WEIGHT, Some("NaN")),
        (names::META_HYBRID_NEIGHBOUR_WEIGHT, Some("lots")),
        (names::META_HYBRID_NEIGHBOUR_WEIGHT, None),
        (names::META_HYBRID_POPULARITY_WEIGHT, Some("1e39")),
        (names::META_HYBRID_POPULARITY_WEIGHT, None),
        (names::META_HYBRID_HISTORY, Some("cubic")),
        (names::META_HYBRID_HISTORY, None),
        ("hybrid.temperature", Some("1")),
    ];
    for &(key, value) in cases {
        let spec = match value {
            Some(v) => hybrid_spec().meta(key, v),
            None => hybrid_spec().without_meta(key),
        };
        let err = spec.reject();
        assert!(
            matches!(err, CatalogError::Metadata { key: ref k, .. } if k == key),
            "{key} = {value:?}: {err}"
        );
        assert_names(&err, key);
    }
}

#[test]
fn bad_neighbour_tensors_are_rejected_naming_the_tensor() {
    let ids = names::NEIGHBOUR_IDS;
    let weights = names::NEIGHBOUR_WEIGHTS;
    let err = hybrid_spec().without(weights).reject();
    assert_eq!(err, CatalogError::MissingTensor(weights));
    let err = hybrid_spec().without(ids).reject();
    assert_eq!(err, CatalogError::MissingTensor(ids));

    let err = hybrid_spec()
        .set(ids, Dtype::I32, &[N, 2], i32_le(&[1, 2, 0, 0, 2, 0]))
        .reject();
    assert!(matches!(err, CatalogError::Dtype { .. }), "{err}");
    assert_names(&err, ids);
    let err = hybrid_spec()
        .set(weights, Dtype::F32, &[N, 2], f32_le(&[0.0; 6]))
        .reject();
    assert!(matches!(err, CatalogError::Dtype { .. }), "{err}");
    assert_names(&err, weights);

    // Not one row per item; K = 0; weights shaped unlike the ids.
    let err = hybrid_spec()
        .set(ids, Dtype::U32, &[N - 1, 2], u32_le(&[1, 2, 0, 0]))
        .reject();
    assert!(matches!(err, CatalogError::Shape { .. }), "{err}");
    assert_names(&err, ids);
    let err = hybrid_spec()
        .set(ids, Dtype::U32, &[N, 0], Vec::new())
        .set(weights, Dtype::F16, &[N, 0], Vec::new())
        .reject();
    assert!(matches!(err, CatalogError::Shape { .. }), "{err}");
    assert_names(&err, ids);
    let err = hybrid_spec()
        .set(weights, Dtype::F16, &[N, 1], u16_le(&[0; 3]))
        .reject();
    assert!(matches!(err, CatalogError::Shape { .. }), "{err}");
    assert_names(&err, weights);

    // An id past the items; a non-finite weight (even on an empty slot).
    let err = hybrid_spec()
        .set(ids, Dtype::U32, &[N, 2], u32_le(&[1, 2, 0, N as u32, 2, 0]))
        .reject();
    assert_eq!(
        err,
        CatalogError::InvalidValue {
            name: ids.into(),
            index: 3,
            reason: format!(
                "id {N} is neither an item index below {N} nor the empty slot {EMPTY_NEIGHBOUR}"
            ),
        }
    );
    let err = hybrid_spec()
        .set(
            weights,
            Dtype::F16,
            &[N, 2],
            u16_le(&[0, 0, 0, 0x7c00, 0, 0]),
        )
        .reject();
    assert_eq!(
        err,
        CatalogError::NonFinite {
            name: weights.into(),
            index: 3
        }
    );
}

#[test]
fn neighbours_per_item_are_bounded_by_the_limits() {
    let limits = Limits {
        max_neighbours: 1,
        ..Limits::default()
    };
    let err = Catalog::from_bytes_with_limits(hybrid_spec().bytes(), &limits).unwrap_err();
    assert_eq!(
        err,
        CatalogError::TooLarge {
            what: "neighbours per item",
            found: 2,
            limit: 1
        }
    );
}

fn params() -> HybridParams {
    HybridParams {
        vectors: false,
        neighbour_weight: 0.1 + 0.2, // not a short decimal: must still read back exactly
        popularity_weight: 1e-7,
        history: HistoryTransform::Saturate,
    }
}

fn table() -> NeighbourSpec {
    let mut ids: Vec<u32> = (0..RT_N as u32)
        .flat_map(|j| [(j + 1) % RT_N as u32, j])
        .collect();
    ids[5] = EMPTY_NEIGHBOUR;
    NeighbourSpec {
        k: 2,
        weights: (0..ids.len()).map(|i| i as f32 * 0.3 - 1.0).collect(),
        ids,
    }
}

#[test]
fn the_builder_and_with_hybrid_write_what_the_reader_reads() {
    let spec = HybridSpec {
        params: params(),
        neighbours: Some(table()),
    };
    let mut builder = CatalogBuilder::new(RT_D)
        .metadata("tune.k", "20")
        .metadata(names::META_HYBRID_HISTORY, "linear")
        .hybrid(spec.clone());
    for (item, vector) in rt_items().into_iter().zip(rt_vectors()) {
        builder.push(item, &vector).unwrap();
    }
    let bytes = builder.to_bytes().unwrap();
    let check = |bytes: Vec<u8>| {
        let catalog = Catalog::from_bytes(bytes).unwrap();
        let hybrid = catalog.hybrid().unwrap();
        assert_eq!(hybrid.params, params(), "the builder's blend wins");
        let stored = hybrid.neighbours.unwrap();
        let want = table();
        for j in 0..RT_N {
            let (ids, bits) = stored.row(j);
            assert_eq!(ids, &want.ids[2 * j..2 * j + 2]);
            for (slot, &b) in bits.iter().enumerate() {
                let w = want.weights[2 * j + slot];
                assert_eq!(b, half::f16::from_f32(w).to_bits(), "f16 of {w}");
            }
        }
        assert_eq!(catalog.tune_report().count(), 1);
    };
    check(bytes.clone());

    // with_hybrid: drop it, then add it back to the plain file; the rest is kept.
    let plain = with_hybrid(&bytes, None).unwrap();
    let catalog = Catalog::from_bytes(plain.clone()).unwrap();
    assert!(catalog.hybrid().is_none());
    assert_eq!(catalog.tune_report().count(), 1, "tune.* is kept");
    assert_eq!(catalog.len(), RT_N);
    check(with_hybrid(&plain, Some(&spec)).unwrap());
    assert_eq!(
        with_hybrid(&plain, Some(&spec)).unwrap(),
        bytes,
        "the same catalog, byte for byte"
    );
}

#[test]
fn the_writer_rejects_a_table_it_cannot_store() {
    let mut short = table();
    short.ids.pop();
    let too_big = NeighbourSpec {
        weights: vec![1e6; table().ids.len()],
        ..table()
    };
    let out_of_range = NeighbourSpec {
        ids: vec![RT_N as u32; table().ids.len()],
        ..table()
    };
    let plain = build(VectorDtype::F32);
    for (table, culprit) in [
        (short, names::NEIGHBOUR_IDS),
        (too_big, names::NEIGHBOUR_WEIGHTS),
        (out_of_range, names::NEIGHBOUR_IDS),
    ] {
        let spec = HybridSpec {
            params: params(),
            neighbours: Some(table),
        };
        let err = with_hybrid(&plain, Some(&spec)).unwrap_err();
        assert_names(&err, culprit);
    }
}
