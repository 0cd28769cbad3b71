//! Files whose tensors are not aligned: re-laid once, same answers.

use super::*;

// ---------------------------------------------------------------------------------------
// Unaligned files
// ---------------------------------------------------------------------------------------

fn unaligned_tensors(vectors: &[f32]) -> Vec<Tensor> {
    // A 1-byte tensor first pushes every following tensor to an odd offset.
    let mut tensors: Vec<Tensor> = vec![("aaa.pad".into(), Dtype::U8, vec![1], vec![42])];
    tensors.extend(
        Spec::valid()
            .set(names::VECTORS, Dtype::F32, &[N, D], f32_le(vectors))
            .set(
                names::GRAM,
                Dtype::F32,
                &[D, D],
                f32_le(&[10.0, 0.5, 0.5, 20.25]),
            )
            .tensors,
    );
    tensors
}

fn meta_v1() -> Vec<(String, String)> {
    vec![
        ("format_version".into(), "1".into()),
        ("alpha".into(), "3".into()),
    ]
}

#[track_caller]
fn assert_same_as_fixture(catalog: &Catalog) {
    let reference = Spec::valid().load().unwrap();
    assert_eq!((catalog.len(), catalog.dim()), (N, D));
    for (i, id) in IDS.iter().enumerate() {
        assert_eq!(catalog.row(i), reference.row(i));
        assert_eq!(catalog.id(i), *id);
        assert_eq!(catalog.title(i), reference.title(i));
        assert_eq!(catalog.category(i), reference.category(i));
        assert_eq!(catalog.index_of(id), Some(i as u32));
    }
    assert_eq!(catalog.prices(), reference.prices());
    assert_eq!(catalog.popularity(), reference.popularity());
    assert_eq!(catalog.availability(), reference.availability());
    assert_eq!(catalog.gram(), reference.gram());
    assert_eq!(catalog.params().alpha, 3.0);
}

#[test]
fn unaligned_tensors_load_through_a_copy() {
    let bytes = hand_written(&unaligned_tensors(&VECTORS), &meta_v1(), false);
    // The vectors really are at an odd offset: the header is padded to 8 and the pad
    // tensor comes first.
    assert_eq!(header_len(&bytes) % 8, 0);
    let catalog = Catalog::from_bytes(bytes).unwrap();
    assert!(!catalog.is_zero_copy());
    assert!(catalog.has_stored_gram());
    assert_same_as_fixture(&catalog);
}

#[test]
fn odd_header_length_loads_through_a_copy() {
    // No pad tensor, but an odd header length puts the whole data section at an odd
    // address (some hand-rolled writers do not pad the header).
    let tensors = Spec::valid().tensors;
    let bytes = hand_written(&tensors, &meta_v1(), true);
    assert_eq!(header_len(&bytes) % 2, 1);
    let catalog = Catalog::from_bytes(bytes).unwrap();
    assert!(!catalog.is_zero_copy());
    let reference = Spec::valid().load().unwrap();
    for i in 0..N {
        assert_eq!(catalog.row(i), reference.row(i));
        assert_eq!(catalog.id(i), reference.id(i));
    }
}

#[test]
fn unaligned_files_are_still_value_checked() {
    // Value checks are deferred until the copy is aligned; they must not be skipped.
    let mut values = VECTORS;
    values[3] = f32::NAN;
    let bytes = hand_written(&unaligned_tensors(&values), &meta_v1(), false);
    assert_eq!(
        Catalog::from_bytes(bytes).unwrap_err(),
        CatalogError::NonFinite {
            name: names::VECTORS.into(),
            index: 3
        }
    );
    let mut tensors = unaligned_tensors(&VECTORS);
    tensors.retain(|t| t.0 != names::PRICE);
    tensors.push((
        names::PRICE.into(),
        Dtype::F32,
        vec![N],
        f32_le(&[1.0, -2.0, 3.0]),
    ));
    let err = Catalog::from_bytes(hand_written(&tensors, &meta_v1(), false)).unwrap_err();
    assert!(
        matches!(&err, CatalogError::InvalidValue { name, index: 1, .. } if name == names::PRICE),
        "{err:?}"
    );
}

#[test]
fn aligned_hand_written_file_is_zero_copy() {
    // The control for the two tests above: same writer, no odd offsets, no copy.
    // Sorted by descending element size, as safetensors does, every tensor is aligned.
    let mut tensors = Spec::valid().tensors;
    tensors.sort_by_key(|t| std::cmp::Reverse(t.1));
    let bytes = hand_written(&tensors, &meta_v1(), false);
    let catalog = Catalog::from_bytes(bytes).unwrap();
    assert!(catalog.is_zero_copy());
}
