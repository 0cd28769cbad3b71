//! The optional placement tables: `together.*` (bought together) and `trending.*`.

use super::*;

/// The fixture with a K = 2 bought-together table and a trending score.
fn placements_spec() -> Spec {
    Spec::valid()
        .set(
            names::TOGETHER_IDS,
            Dtype::U32,
            &[N, 2],
            u32_le(&[2, 1, EMPTY_SLOT, EMPTY_SLOT, 0, EMPTY_SLOT]),
        )
        .set(
            names::TOGETHER_WEIGHT,
            Dtype::F32,
            &[N, 2],
            f32_le(&[3.5, 1.25, 0.0, 0.0, 3.5, 0.0]),
        )
        .meta(names::META_TOGETHER_MEASURE, "lift")
        .set(
            names::TRENDING_SCORE,
            Dtype::F32,
            &[N],
            f32_le(&[0.5, 2.0, 0.0]),
        )
        .meta(names::META_TRENDING_HALF_LIFE_DAYS, "7")
        .meta(names::META_TRENDING_AS_OF, "1700000000")
}

#[test]
fn the_placement_tables_are_read() {
    let catalog = placements_spec().load().unwrap();
    let together = catalog.together().expect("a bought-together table");
    assert_eq!(together.k(), 2);
    assert_eq!(together.measure(), TogetherMeasure::Lift);
    assert_eq!(together.row(0), (&[2, 1][..], &[3.5, 1.25][..]));
    assert_eq!(together.row(1).0, &[EMPTY_SLOT, EMPTY_SLOT][..]);
    let trending = catalog.trending().expect("a trending score");
    assert_eq!(trending.scores, &[0.5, 2.0, 0.0][..]);
    assert_eq!(trending.half_life_days, 7.0);
    // The time it was computed at stays free text, shown by `info()` / `inspect`.
    assert_eq!(
        catalog
            .meta()
            .extra
            .get(names::META_TRENDING_AS_OF)
            .map(String::as_str),
        Some("1700000000")
    );
    // Without them a catalog loads as before.
    let plain = Spec::valid().load().unwrap();
    assert!(plain.together().is_none() && plain.trending().is_none());
}

#[test]
fn bad_placement_tables_are_rejected_naming_the_tensor_or_key() {
    let ids = names::TOGETHER_IDS;
    let lift = names::TOGETHER_WEIGHT;
    assert_eq!(
        placements_spec().without(lift).reject(),
        CatalogError::MissingTensor(lift)
    );
    assert_eq!(
        placements_spec().without(ids).reject(),
        CatalogError::MissingTensor(ids)
    );
    let cases = [
        placements_spec().set(lift, Dtype::F32, &[N, 1], f32_le(&[1.0, 1.0, 1.0])),
        placements_spec().set(ids, Dtype::U32, &[N - 1, 2], u32_le(&[0, 1, 2, 0])),
        placements_spec().set(ids, Dtype::U32, &[N, 2], u32_le(&[2, 3, 0, 0, 0, 0])),
        placements_spec().set(
            lift,
            Dtype::F32,
            &[N, 2],
            f32_le(&[f32::NAN, 1.0, 0.0, 0.0, 1.0, 0.0]),
        ),
        placements_spec().set(
            lift,
            Dtype::F32,
            &[N, 2],
            f32_le(&[-1.0, 1.0, 0.0, 0.0, 1.0, 0.0]),
        ),
    ];
    for (case, named) in cases.into_iter().zip([lift, ids, ids, lift, lift]) {
        let err = case.reject();
        assert_names(&err, named);
    }
    let measure = names::META_TOGETHER_MEASURE;
    assert_names(&placements_spec().without_meta(measure).reject(), measure);
    assert_names(
        &placements_spec().meta(measure, "jaccard").reject(),
        measure,
    );
    let stray = Spec::valid().meta(measure, "lift").reject();
    assert_eq!(stray, CatalogError::MissingTensor(ids));
    let score = names::TRENDING_SCORE;
    let half_life = names::META_TRENDING_HALF_LIFE_DAYS;
    assert_names(
        &placements_spec().without_meta(half_life).reject(),
        half_life,
    );
    assert_eq!(
        placements_spec().without(score).reject(),
        CatalogError::MissingTensor(score)
    );
    for bad in ["0", "-2", "NaN", "a week"] {
        assert_names(&placements_spec().meta(half_life, bad).reject(), half_life);
    }
    let negative = placements_spec().set(score, Dtype::F32, &[N], f32_le(&[0.5, -1.0, 0.0]));
    assert_names(&negative.reject(), score);
    let short = placements_spec().set(score, Dtype::F32, &[N - 1], f32_le(&[0.5, 1.0]));
    assert_names(&short.reject(), score);
}

#[test]
fn with_placements_replaces_the_tables_and_keeps_the_rest() {
    let base = Spec::valid().bytes();
    let spec = PlacementSpec {
        together: Some(TogetherSpec {
            k: 1,
            ids: vec![1, 0, EMPTY_SLOT],
            weights: vec![2.0, 2.0, 0.0],
            measure: TogetherMeasure::Cosine,
        }),
        trending: Some(TrendingSpec {
            scores: vec![1.0, 0.0, 3.0],
            half_life_days: 14.0,
            as_of: Some(42),
        }),
    };
    let bytes = with_placements(&base, &spec).unwrap();
    let catalog = Catalog::from_bytes(bytes.clone()).unwrap();
    assert_eq!(catalog.together().unwrap().row(1), (&[0][..], &[2.0][..]));
    assert_eq!(
        catalog.together().unwrap().measure(),
        TogetherMeasure::Cosine
    );
    assert_eq!(catalog.trending().unwrap().half_life_days, 14.0);
    assert_eq!(catalog.len(), 3);
    // Replacing with nothing removes both tables and their metadata.
    let stripped =
        Catalog::from_bytes(with_placements(&bytes, &PlacementSpec::default()).unwrap()).unwrap();
    assert!(stripped.together().is_none() && stripped.trending().is_none());
    assert!(!stripped
        .meta()
        .extra
        .keys()
        .any(|k| k.starts_with("trending.") || k.starts_with("together.")));
    // A table of the wrong length is refused before anything is written.
    let mut short = spec.clone();
    short.together.as_mut().unwrap().ids.pop();
    assert_names(
        &with_placements(&base, &short).unwrap_err(),
        names::TOGETHER_IDS,
    );
}
