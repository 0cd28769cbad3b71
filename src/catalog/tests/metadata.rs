//! The format version, the metadata keys and the size limits.

use super::*;

// ---------------------------------------------------------------------------------------
// Version and metadata
// ---------------------------------------------------------------------------------------

#[test]
fn missing_format_version_is_rejected() {
    let err = Spec::valid().without_meta("format_version").reject();
    assert_eq!(
        err,
        CatalogError::Version {
            found: "(missing)".into(),
            supported: FORMAT_VERSION
        }
    );
    assert_names(&err, "missing");
}

#[test]
fn file_without_any_metadata_has_no_version() {
    let mut spec = Spec::valid();
    spec.meta = None;
    let err = spec.reject();
    assert!(
        matches!(&err, CatalogError::Version { found, .. } if found == "(missing)"),
        "{err:?}"
    );
}

#[test]
fn unknown_format_version_is_rejected() {
    let err = Spec::valid().meta("format_version", "2").reject();
    assert_eq!(
        err,
        CatalogError::Version {
            found: "2".into(),
            supported: 1
        }
    );
    assert_names(&err, "\"2\"");
}

#[test]
fn content_items_count_is_read_and_checked() {
    assert_eq!(Spec::valid().load().unwrap().content_derived_items(), 0);
    let catalog = Spec::valid()
        .meta(names::META_CONTENT_ITEMS, "2")
        .load()
        .unwrap();
    assert_eq!(catalog.content_derived_items(), 2);
    for bad in ["4", "-1", "two"] {
        let err = Spec::valid().meta(names::META_CONTENT_ITEMS, bad).reject();
        assert!(
            matches!(&err, CatalogError::Metadata { key, .. } if key == names::META_CONTENT_ITEMS),
            "{err:?}"
        );
        assert_names(&err, bad);
    }
}

#[test]
fn non_numeric_alpha_is_rejected() {
    let err = Spec::valid().meta("alpha", "abc").reject();
    assert!(
        matches!(&err, CatalogError::Metadata { key, .. } if key == names::META_ALPHA),
        "{err:?}"
    );
    assert_names(&err, "alpha");
    assert_names(&err, "abc");
}

#[test]
fn negative_or_non_finite_alpha_is_rejected() {
    for bad in ["-1", "inf", "NaN"] {
        let err = Spec::valid().meta("alpha", bad).reject();
        assert!(
            matches!(&err, CatalogError::Metadata { key, .. } if key == names::META_ALPHA),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn zero_alpha_is_allowed() {
    // α = 0 means "every interaction counts once": a legitimate choice.
    let catalog = Spec::valid().meta("alpha", "0").load().unwrap();
    assert_eq!(catalog.params().alpha, 0.0);
}

#[test]
fn zero_lambda_is_rejected() {
    // λ = 0 makes the fold-in system singular for short histories.
    let err = Spec::valid().meta("lambda", "0").reject();
    assert!(
        matches!(&err, CatalogError::Metadata { key, reason } if key == names::META_LAMBDA && reason.contains("positive")),
        "{err:?}"
    );
    assert_names(&err, "lambda");
}

#[test]
fn unknown_lambda_scaling_is_rejected() {
    let err = Spec::valid().meta("lambda_scaling", "weird").reject();
    assert!(
        matches!(&err, CatalogError::Metadata { key, .. } if key == names::META_LAMBDA_SCALING),
        "{err:?}"
    );
    assert_names(&err, "lambda_scaling");
    assert_names(&err, "weird");
}

#[test]
fn unsupported_model_kind_is_rejected() {
    let err = Spec::valid().meta("model", "bpr").reject();
    assert!(
        matches!(&err, CatalogError::Metadata { key, .. } if key == names::META_MODEL),
        "{err:?}"
    );
    assert_names(&err, "bpr");
}

#[test]
fn metadata_defaults_and_extra_keys() {
    let catalog = Spec::valid()
        .meta("created", "2024-05-01T12:00:00Z")
        .meta("source", "unit test")
        .meta("team", "data")
        .load()
        .unwrap();
    let meta = catalog.meta();
    assert_eq!(meta.format_version, 1);
    assert_eq!(meta.model, "ials");
    assert_eq!(meta.params, ModelParams::default());
    assert_eq!(meta.created.as_deref(), Some("2024-05-01T12:00:00Z"));
    assert_eq!(meta.source.as_deref(), Some("unit test"));
    // Unknown keys survive for `inspect`; interpreted ones do not appear twice.
    assert_eq!(
        meta.extra.iter().collect::<Vec<_>>(),
        vec![(&"team".to_string(), &"data".to_string())]
    );
}

#[test]
fn metadata_params_are_parsed() {
    let catalog = Spec::valid()
        .meta("alpha", " 40 ")
        .meta("lambda", "0.05")
        .meta("lambda_scaling", "interactions")
        .load()
        .unwrap();
    assert_eq!(
        catalog.params(),
        ModelParams {
            alpha: 40.0,
            lambda: 0.05,
            lambda_scaling: LambdaScaling::Interactions
        }
    );
}

// ---------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------

fn limits(max_items: usize, max_dim: usize, max_vector_elements: usize) -> Limits {
    Limits {
        max_items,
        max_dim,
        max_vector_elements,
        ..Limits::default()
    }
}

#[test]
fn too_many_items_are_rejected() {
    let err = Catalog::from_bytes_with_limits(Spec::valid().bytes(), &limits(N - 1, D, N * D))
        .unwrap_err();
    assert_eq!(
        err,
        CatalogError::TooLarge {
            what: "item count",
            found: N,
            limit: N - 1
        }
    );
}

#[test]
fn too_many_dimensions_are_rejected() {
    let err = Catalog::from_bytes_with_limits(Spec::valid().bytes(), &limits(N, D - 1, N * D))
        .unwrap_err();
    assert_eq!(
        err,
        CatalogError::TooLarge {
            what: "dimension",
            found: D,
            limit: D - 1
        }
    );
}

#[test]
fn too_many_vector_elements_are_rejected() {
    let err = Catalog::from_bytes_with_limits(Spec::valid().bytes(), &limits(N, D, N * D - 1))
        .unwrap_err();
    assert_eq!(
        err,
        CatalogError::TooLarge {
            what: "items × dimension",
            found: N * D,
            limit: N * D - 1
        }
    );
    assert_names(&err, "items × dimension");
}

#[test]
fn limits_are_inclusive() {
    assert!(Catalog::from_bytes_with_limits(Spec::valid().bytes(), &limits(N, D, N * D)).is_ok());
}

// ---------------------------------------------------------------------------------------
// Numbers in metadata
// ---------------------------------------------------------------------------------------

proptest! {
    /// `meta::number` reads what serde_json's typed f32 parser reads, and refuses what it
    /// refuses: number text in every JSON form, and text that is not a number.
    #[test]
    fn metadata_numbers_read_as_serde_json_reads_f32(
        text in prop_oneof![
            any::<f32>().prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| format!("{v:e}")),
            any::<i64>().prop_map(|v| v.to_string()),
            "[ -]{0,2}[0-9]{0,4}(\\.[0-9]{0,3})?([eE][+-]?[0-9]{0,3})?[ ]?",
            "[a-z\"\\[\\]{}:,]{0,6}",
            // Around f32's largest value, where rounding and the range check meet.
            prop::sample::select(vec![
                "3.4028235e38", "3.40282356e38", "3.4028236e38", "3.402824e38", "-3.4028236e38",
                "1e-46", "1.4e-45", "0.0", "-0", "1e400", "NaN", "inf",
            ]).prop_map(str::to_string),
        ]
    ) {
        let typed = serde_json::from_str::<f32>(text.trim()).ok();
        let ours = super::super::meta::number(&text);
        prop_assert_eq!(typed.map(f32::to_bits), ours.map(f32::to_bits), "{:?}", text);
    }
}
