//! What `CatalogBuilder` refuses to write.

use super::*;

// ---------------------------------------------------------------------------------------
// Writer-side rejections
// ---------------------------------------------------------------------------------------

#[test]
fn builder_rejects_bad_vectors() {
    let mut builder = CatalogBuilder::new(2);
    let err = builder.push(ItemRecord::new("a"), &[1.0]).unwrap_err();
    assert!(
        matches!(&err, CatalogError::Shape { name, .. } if name.contains("\"a\"")),
        "{err:?}"
    );
    let err = builder
        .push(ItemRecord::new("b"), &[1.0, f32::NAN])
        .unwrap_err();
    assert_eq!(
        err,
        CatalogError::NonFinite {
            name: names::VECTORS.into(),
            index: 1
        }
    );
    assert!(builder.is_empty());
}

#[test]
fn builder_rejects_values_too_large_for_f16() {
    let mut builder = CatalogBuilder::new(2).dtype(VectorDtype::F16);
    builder.push(ItemRecord::new("a"), &[1.0, 1e6]).unwrap();
    let err = builder.to_bytes().unwrap_err();
    assert!(
        matches!(&err, CatalogError::InvalidValue { name, index: 1, .. } if name == names::VECTORS),
        "{err:?}"
    );
}

#[test]
fn builder_output_is_validated_by_the_reader() {
    // Duplicate ids pass `push` but `to_bytes` runs the reader, so they never reach a file.
    let mut builder = CatalogBuilder::new(1);
    builder.push(ItemRecord::new("x"), &[1.0]).unwrap();
    builder.push(ItemRecord::new("x"), &[2.0]).unwrap();
    assert!(matches!(
        builder.to_bytes(),
        Err(CatalogError::DuplicateId { id, .. }) if id == "x"
    ));
}

#[test]
fn builder_rejects_tags_that_would_not_read_back() {
    for bad in ["", "a|b"] {
        let mut builder = CatalogBuilder::new(1);
        let mut item = ItemRecord::new("x");
        item.tags = vec!["ok".into(), bad.into()];
        let err = builder.push(item, &[1.0]).unwrap_err();
        assert!(
            matches!(&err, CatalogError::StringTable { name, .. } if name == names::TAGS_UTF8),
            "{err}"
        );
    }
}
