//! The catalog reader's contract, one failure mode per test.
//!
//! Malformed files are written with safetensors' own serializer (so only *our* rules are
//! broken, never the container's) or, where safetensors would not produce the layout under
//! test, by hand. Every rejection asserts the exact [`CatalogError`] variant and that the
//! message names the tensor, key or id at fault: the message is all a store engineer sees.

use std::collections::HashMap;

use proptest::prelude::*;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::*;

// ---------------------------------------------------------------------------------------
// Fixture helpers
// ---------------------------------------------------------------------------------------

/// (name, dtype, shape, little-endian bytes).
type Tensor = (String, Dtype, Vec<usize>, Vec<u8>);

fn f32_le(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn f64_le(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn u16_le(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn u32_le(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn i32_le(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn i64_le(values: &[i64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Blob and `n + 1` offsets of a string table, as the format stores it.
fn table(strings: &[&str]) -> (Vec<u8>, Vec<u32>) {
    let mut blob = Vec::new();
    let mut offsets = vec![0u32];
    for s in strings {
        blob.extend_from_slice(s.as_bytes());
        offsets.push(blob.len() as u32);
    }
    (blob, offsets)
}

/// Serializes with safetensors itself: the container is always well-formed.
fn serialize(tensors: &[Tensor], meta: Option<&[(String, String)]>) -> Vec<u8> {
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(name, dtype, shape, data)| {
            let view = TensorView::new(*dtype, shape.clone(), data)
                .unwrap_or_else(|e| panic!("fixture tensor {name} is inconsistent: {e}"));
            (name.clone(), view)
        })
        .collect();
    let meta: Option<HashMap<String, String>> = meta.map(|m| m.iter().cloned().collect());
    safetensors::serialize(views, meta).expect("safetensors serializes the fixture")
}

/// Lays tensors out back to back in the given order, with no alignment padding, and
/// writes the header JSON by hand. safetensors' serializer sorts tensors by dtype and pads
/// the header to 8 bytes, so it can never produce the unaligned files this is for.
fn hand_written(tensors: &[Tensor], meta: &[(String, String)], header_len_odd: bool) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let meta: serde_json::Map<String, serde_json::Value> = meta
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    header.insert("__metadata__".into(), serde_json::Value::Object(meta));
    let mut data = Vec::new();
    for (name, dtype, shape, bytes) in tensors {
        let start = data.len();
        data.extend_from_slice(bytes);
        header.insert(
            name.clone(),
            serde_json::json!({
                "dtype": format!("{dtype:?}"),
                "shape": shape,
                "data_offsets": [start, data.len()],
            }),
        );
    }
    let mut json = serde_json::to_string(&serde_json::Value::Object(header)).unwrap();
    // Trailing spaces are valid JSON: pad to 8 like safetensors does, or to 8k + 1 so
    // that the data section itself starts at an odd offset.
    while json.len() % 8 != 0 {
        json.push(' ');
    }
    if header_len_odd {
        json.push(' ');
    }
    let mut file = (json.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(json.as_bytes());
    file.extend_from_slice(&data);
    file
}

/// Length of the JSON header of a safetensors file.
fn header_len(bytes: &[u8]) -> usize {
    u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize
}

const N: usize = 3;
const D: usize = 2;
const VECTORS: [f32; N * D] = [1.0, 2.0, -3.0, 0.5, 0.0, 4.0];
const IDS: [&str; N] = ["sku-1", "sku-2", "sku-3"];

/// A small, valid catalog as a list of tensors, edited by each test to break one rule.
#[derive(Clone)]
struct Spec {
    tensors: Vec<Tensor>,
    meta: Option<Vec<(String, String)>>,
}

impl Spec {
    /// Three items, d = 2, every optional column present except `model.gram`.
    fn valid() -> Spec {
        Spec {
            tensors: Vec::new(),
            meta: Some(vec![("format_version".into(), "1".into())]),
        }
        .set(names::VECTORS, Dtype::F32, &[N, D], f32_le(&VECTORS))
        .strings(names::ID_UTF8, names::ID_OFFSETS, &IDS)
        .strings(
            names::TITLE_UTF8,
            names::TITLE_OFFSETS,
            &["Red shoe", "Blue hat", "Grün Tasche"],
        )
        .set(
            names::POPULARITY,
            Dtype::F32,
            &[N],
            f32_le(&[3.0, 2.0, 1.0]),
        )
        .set(names::PRICE, Dtype::F32, &[N], f32_le(&[9.99, 0.0, 5.0]))
        .set(names::AVAILABLE, Dtype::U8, &[N], vec![1, 0, 1])
        .set(names::CATEGORY, Dtype::U16, &[N], u16_le(&[0, 1, 0]))
        .strings(
            names::CATEGORY_NAME_UTF8,
            names::CATEGORY_NAME_OFFSETS,
            &["shoes", "hats"],
        )
    }

    /// Adds or replaces a tensor.
    fn set(mut self, name: &str, dtype: Dtype, shape: &[usize], bytes: Vec<u8>) -> Spec {
        self.tensors.retain(|t| t.0 != name);
        self.tensors
            .push((name.to_string(), dtype, shape.to_vec(), bytes));
        self
    }

    fn without(mut self, name: &str) -> Spec {
        let before = self.tensors.len();
        self.tensors.retain(|t| t.0 != name);
        assert_ne!(before, self.tensors.len(), "fixture has no tensor {name}");
        self
    }

    /// A well-formed string table with U32 offsets.
    fn strings(self, utf8: &str, offsets: &str, strings: &[&str]) -> Spec {
        let (blob, offs) = table(strings);
        let blob_len = blob.len();
        self.set(utf8, Dtype::U8, &[blob_len], blob).set(
            offsets,
            Dtype::U32,
            &[offs.len()],
            u32_le(&offs),
        )
    }

    /// A string table given as raw blob bytes and offsets, however wrong.
    fn raw_strings(self, utf8: &str, offsets: &str, blob: &[u8], offs: &[u32]) -> Spec {
        self.set(utf8, Dtype::U8, &[blob.len()], blob.to_vec()).set(
            offsets,
            Dtype::U32,
            &[offs.len()],
            u32_le(offs),
        )
    }

    fn meta(mut self, key: &str, value: &str) -> Spec {
        let meta = self.meta.get_or_insert_with(Vec::new);
        meta.retain(|(k, _)| k != key);
        meta.push((key.to_string(), value.to_string()));
        self
    }

    fn without_meta(mut self, key: &str) -> Spec {
        if let Some(meta) = &mut self.meta {
            meta.retain(|(k, _)| k != key);
        }
        self
    }

    fn bytes(&self) -> Vec<u8> {
        serialize(&self.tensors, self.meta.as_deref())
    }

    fn load(&self) -> Result<Catalog, CatalogError> {
        Catalog::from_bytes(self.bytes())
    }

    fn reject(&self) -> CatalogError {
        match self.load() {
            Ok(_) => panic!("the reader accepted a catalog it must reject"),
            Err(err) => err,
        }
    }
}

/// The message is all the store engineer sees, so it must name what is wrong.
#[track_caller]
fn assert_names(err: &CatalogError, culprit: &str) {
    let message = err.to_string();
    assert!(
        message.contains(culprit),
        "message {message:?} does not name {culprit:?}"
    );
}

#[track_caller]
fn assert_close(found: &[f32], expected: &[f32], tolerance: f32) {
    assert_eq!(found.len(), expected.len());
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        assert!(
            (f - e).abs() <= tolerance,
            "element {i}: {f} differs from {e} by more than {tolerance}"
        );
    }
}

#[test]
fn the_fixture_itself_is_valid() {
    // Every rejection test below edits this fixture; if it were invalid, they would pass
    // for the wrong reason.
    let catalog = Spec::valid().load().expect("fixture loads");
    assert_eq!((catalog.len(), catalog.dim()), (N, D));
    assert_eq!(catalog.dtype(), VectorDtype::F32);
    assert!(catalog.is_zero_copy());
    assert!(!catalog.has_stored_gram());
}

// ---------------------------------------------------------------------------------------
// Truncation and container errors
// ---------------------------------------------------------------------------------------

#[test]
fn empty_input_is_truncated() {
    let err = Catalog::from_bytes(Vec::new()).unwrap_err();
    assert!(matches!(err, CatalogError::Truncated(_)), "{err:?}");
}

#[test]
fn cut_inside_the_header_length_is_truncated() {
    let bytes = Spec::valid().bytes();
    for cut in 1..8 {
        let err = Catalog::from_bytes(bytes[..cut].to_vec()).unwrap_err();
        assert!(
            matches!(err, CatalogError::Truncated(_)),
            "cut {cut}: {err:?}"
        );
        assert_names(&err, "truncated");
    }
}

#[test]
fn cut_inside_the_header_json_is_truncated() {
    let bytes = Spec::valid().bytes();
    let n = header_len(&bytes);
    for cut in [8, 9, 8 + n / 2, 8 + n - 1] {
        let err = Catalog::from_bytes(bytes[..cut].to_vec()).unwrap_err();
        assert!(
            matches!(err, CatalogError::Truncated(_)),
            "cut {cut}: {err:?}"
        );
    }
}

#[test]
fn cut_inside_the_tensor_data_is_truncated() {
    let bytes = Spec::valid().bytes();
    let data_start = 8 + header_len(&bytes);
    for cut in [data_start, data_start + 1, bytes.len() - 1] {
        let err = Catalog::from_bytes(bytes[..cut].to_vec()).unwrap_err();
        assert!(
            matches!(err, CatalogError::Truncated(_)),
            "cut {cut}: {err:?}"
        );
    }
}

#[test]
fn every_cut_point_is_truncated_and_none_panics() {
    // Whatever prefix of a valid file arrives (an aborted download), the answer is the same
    // typed error, never a panic and never a partial catalog.
    let bytes = Spec::valid().bytes();
    for cut in 0..bytes.len() {
        match Catalog::from_bytes(bytes[..cut].to_vec()) {
            Err(CatalogError::Truncated(_)) => {}
            other => panic!("cut at {cut} of {}: {other:?}", bytes.len()),
        }
    }
    assert!(Catalog::from_bytes(bytes).is_ok());
}

#[test]
fn bytes_after_the_tensor_data_are_not_called_truncation() {
    // A file with extra bytes is corrupt, but "truncated" would send the engineer looking
    // for a short download.
    let mut bytes = Spec::valid().bytes();
    bytes.extend_from_slice(b"\0\0\0garbage");
    let err = Catalog::from_bytes(bytes).unwrap_err();
    assert!(matches!(err, CatalogError::Header(_)), "{err:?}");
    assert_names(&err, "10 bytes follow");
}

#[test]
fn garbage_bytes_are_not_a_catalog() {
    // The first 8 bytes of text read as an absurd header length.
    let err =
        Catalog::from_bytes(b"<!doctype html><html>404 Not Found</html>".to_vec()).unwrap_err();
    assert!(matches!(err, CatalogError::Header(_)), "{err:?}");
    assert_names(&err, "header too large");
}

#[test]
fn header_length_past_the_end_of_the_file_is_truncated() {
    let mut bytes = Spec::valid().bytes();
    let too_long = bytes.len() as u64;
    bytes[..8].copy_from_slice(&too_long.to_le_bytes());
    let err = Catalog::from_bytes(bytes).unwrap_err();
    assert!(matches!(err, CatalogError::Truncated(_)), "{err:?}");
    assert_names(&err, "header length");
}

#[test]
fn header_length_shorter_than_the_header_is_invalid_json() {
    let mut bytes = Spec::valid().bytes();
    let short = (header_len(&bytes) - 10) as u64;
    bytes[..8].copy_from_slice(&short.to_le_bytes());
    let err = Catalog::from_bytes(bytes).unwrap_err();
    assert!(matches!(err, CatalogError::Header(_)), "{err:?}");
    assert_names(&err, "JSON");
}

#[test]
fn non_json_header_is_rejected() {
    let text = b"this is not json";
    let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(text);
    let err = Catalog::from_bytes(bytes).unwrap_err();
    assert!(matches!(err, CatalogError::Header(_)), "{err:?}");
    assert_names(&err, "JSON");
}

#[test]
fn non_utf8_header_is_rejected() {
    let mut bytes = 4u64.to_le_bytes().to_vec();
    bytes.extend_from_slice(&[b'{', 0xff, 0xfe, b'}']);
    let err = Catalog::from_bytes(bytes).unwrap_err();
    assert!(matches!(err, CatalogError::Header(_)), "{err:?}");
    assert_names(&err, "UTF-8");
}

#[test]
fn non_string_metadata_value_is_rejected() {
    // safetensors only allows string values in __metadata__; a number there is a header
    // error, not a silently ignored key.
    let json = br#"{"__metadata__":{"format_version":1}}"#;
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json);
    let err = Catalog::from_bytes(bytes).unwrap_err();
    assert!(matches!(err, CatalogError::Header(_)), "{err:?}");
}

#[test]
fn overlapping_tensor_offsets_are_rejected() {
    let tensors: Vec<Tensor> = Spec::valid().tensors;
    let meta = vec![("format_version".to_string(), "1".to_string())];
    let mut bytes = hand_written(&tensors, &meta, false);
    // Point the header's second tensor back at offset 0 by rewriting its JSON in place.
    let n = header_len(&bytes);
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap().to_string();
    let vectors_at = format!("\"data_offsets\":[0,{}]", N * D * 4);
    assert!(header.contains(&vectors_at), "{header}");
    let broken = header.replacen(
        &vectors_at,
        &format!("\"data_offsets\":[4,{}]", N * D * 4),
        1,
    );
    bytes[8..8 + n].copy_from_slice(broken.as_bytes());
    let err = Catalog::from_bytes(bytes).unwrap_err();
    assert!(matches!(err, CatalogError::Header(_)), "{err:?}");
    assert_names(&err, names::VECTORS);
}

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
            if name == names::VECTORS && found == "I32" && *expected == "F32, F16 or I8"),
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
    // 128 × scale stays finite (and -128 is a legal int8 even if our writer never uses it).
    let scale = f32::MAX / 128.0;
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

// ---------------------------------------------------------------------------------------
// String tables
// ---------------------------------------------------------------------------------------

fn string_table_error(spec: Spec, table_name: &str, reason_part: &str) {
    let err = spec.reject();
    assert!(
        matches!(&err, CatalogError::StringTable { name, reason }
            if name == table_name && reason.contains(reason_part)),
        "expected a {table_name} error about {reason_part:?}, got {err:?}"
    );
    assert_names(&err, table_name);
}

#[test]
fn decreasing_offsets_are_rejected() {
    let spec =
        Spec::valid().raw_strings(names::ID_UTF8, names::ID_OFFSETS, b"abcdef", &[0, 4, 2, 6]);
    string_table_error(spec, names::ID_UTF8, "decrease");
}

#[test]
fn offset_past_the_blob_is_rejected_not_a_panic() {
    // Offsets that overshoot the blob and come back down to its length: the last offset is
    // right, yet slicing string 0 as written would run off the blob.
    let spec =
        Spec::valid().raw_strings(names::ID_UTF8, names::ID_OFFSETS, b"abcdef", &[0, 9, 4, 6]);
    string_table_error(spec, names::ID_UTF8, "past the end");
}

#[test]
fn last_offset_must_be_the_blob_length() {
    for offsets in [[0u32, 2, 4, 5], [0, 2, 4, 7]] {
        let spec =
            Spec::valid().raw_strings(names::ID_UTF8, names::ID_OFFSETS, b"abcdef", &offsets);
        string_table_error(spec, names::ID_UTF8, "last offset");
    }
}

#[test]
fn first_offset_must_be_zero() {
    let spec =
        Spec::valid().raw_strings(names::ID_UTF8, names::ID_OFFSETS, b"abcdef", &[1, 2, 4, 6]);
    string_table_error(spec, names::ID_UTF8, "first offset");
}

#[test]
fn non_utf8_string_is_rejected() {
    let spec = Spec::valid().raw_strings(
        names::TITLE_UTF8,
        names::TITLE_OFFSETS,
        b"ab\xffdef",
        &[0, 2, 4, 6],
    );
    string_table_error(spec, names::TITLE_UTF8, "string 1 is not valid UTF-8");
}

#[test]
fn character_split_between_two_strings_is_rejected() {
    // The blob as a whole is valid UTF-8 ("aé"), but the boundary cuts "é" in half, so
    // strings 1 and 2 are not: each string must be checked on its own.
    let blob = "abé".as_bytes();
    assert_eq!(blob.len(), 4);
    let spec = Spec::valid().raw_strings(names::ID_UTF8, names::ID_OFFSETS, blob, &[0, 2, 3, 4]);
    string_table_error(spec, names::ID_UTF8, "UTF-8");
}

#[test]
fn wrong_number_of_offsets_is_rejected() {
    // N offsets for N strings (one short) and N + 2 (one long).
    for offsets in [vec![0u32, 2, 6], vec![0, 2, 4, 5, 6]] {
        let spec =
            Spec::valid().raw_strings(names::IMAGE_UTF8, names::IMAGE_OFFSETS, b"abcdef", &offsets);
        string_table_error(spec, names::IMAGE_UTF8, "offsets for 3 strings");
    }
}

#[test]
fn empty_offsets_of_category_names_are_rejected() {
    // Category names have no expected count, so an empty offsets tensor must still be
    // caught (it cannot even hold the leading 0).
    let spec = Spec::valid().without(names::CATEGORY).raw_strings(
        names::CATEGORY_NAME_UTF8,
        names::CATEGORY_NAME_OFFSETS,
        b"",
        &[],
    );
    string_table_error(spec, names::CATEGORY_NAME_UTF8, "0 offsets");
}

#[test]
fn negative_i64_offset_is_rejected() {
    let spec = Spec::valid().set(
        names::ID_OFFSETS,
        Dtype::I64,
        &[N + 1],
        i64_le(&[0, -1, 10, 15]),
    );
    string_table_error(spec, names::ID_UTF8, "negative");
}

#[test]
fn i64_offsets_as_numpy_writes_them_are_read() {
    let (_, offsets) = table(&IDS);
    let offsets: Vec<i64> = offsets.iter().map(|&o| o as i64).collect();
    let catalog = Spec::valid()
        .set(names::ID_OFFSETS, Dtype::I64, &[N + 1], i64_le(&offsets))
        .load()
        .unwrap();
    for (i, id) in IDS.iter().enumerate() {
        assert_eq!(catalog.id(i), *id);
    }
}

// ---------------------------------------------------------------------------------------
// Round trips through CatalogBuilder
// ---------------------------------------------------------------------------------------

const RT_N: usize = 9;
const RT_D: usize = 5;

/// Deterministic pseudo-random vectors in [-2, 2) (an LCG: no RNG crate needed for this).
fn rt_vectors() -> Vec<Vec<f32>> {
    let mut state = 0x2545_f491_u32;
    (0..RT_N)
        .map(|i| {
            (0..RT_D)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    // Row 4 is all zeros: the int8 scale of a zero row is 0, not NaN.
                    if i == 4 {
                        0.0
                    } else {
                        (state >> 8) as f32 / (1u32 << 24) as f32 * 4.0 - 2.0
                    }
                })
                .collect()
        })
        .collect()
}

fn rt_items() -> Vec<ItemRecord> {
    let categories = ["shoes", "hats", "bags"];
    (0..RT_N)
        .map(|i| ItemRecord {
            id: format!("item-{i:02}"),
            // Item 3 has no title: the table stores "" for it.
            title: (i != 3).then(|| format!("Title {i} – ünïcødé")),
            image_url: Some(format!("https://cdn.example/{i}.webp")),
            category: Some(categories[(i * 7) % 3].to_string()),
            price: Some(i as f32 * 2.5 + 0.99),
            available: i % 3 != 1,
            popularity: (RT_N - i) as f32 * 10.0,
        })
        .collect()
}

fn rt_params() -> ModelParams {
    ModelParams {
        alpha: 2.5,
        lambda: 0.25,
        lambda_scaling: LambdaScaling::Interactions,
    }
}

fn build(dtype: VectorDtype) -> Vec<u8> {
    let mut builder = CatalogBuilder::new(RT_D)
        .dtype(dtype)
        .params(rt_params())
        .metadata("source", "round trip");
    for (item, vector) in rt_items().into_iter().zip(rt_vectors()) {
        builder.push(item, &vector).unwrap();
    }
    builder.to_bytes().unwrap()
}

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
    assert!(catalog.has_stored_gram());
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
        let bytes = build(dtype);
        let stored = Catalog::from_bytes(bytes.clone()).unwrap();
        let computed = Catalog::from_bytes(without_tensors(&bytes, &[names::GRAM])).unwrap();
        assert!(stored.has_stored_gram());
        assert!(!computed.has_stored_gram());
        assert_gram_close(computed.gram(), stored.gram());
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

// ---------------------------------------------------------------------------------------
// Robustness: arbitrary damage never panics
// ---------------------------------------------------------------------------------------

/// Touches every accessor of an accepted catalog: a file that validates must be safe to
/// use, not merely safe to load.
fn exercise(catalog: &Catalog) {
    let d = catalog.dim();
    for i in 0..catalog.len() {
        assert_eq!(catalog.row(i).len(), d);
        let id = catalog.id(i).to_string();
        assert_eq!(catalog.index_of(&id), Some(i as u32));
        let _ = (catalog.title(i), catalog.image_url(i));
        if let Some(c) = catalog.category(i) {
            let _ = catalog.category_name(c);
        }
    }
    let _ = (
        catalog.popularity(),
        catalog.prices(),
        catalog.availability(),
    );
    assert_eq!(catalog.gram().len(), d * d);
    assert!(catalog.gram().iter().all(|v| v.is_finite()));
}

fn fuzz_seed() -> Vec<u8> {
    // Smaller than the round-trip catalog so that random edits hit every part often.
    let mut builder = CatalogBuilder::new(3).dtype(VectorDtype::I8);
    for i in 0..4 {
        let mut item = ItemRecord::new(format!("id{i}"));
        item.title = Some(format!("t{i}"));
        item.category = Some(["a", "b"][i % 2].into());
        item.price = Some(i as f32);
        builder
            .push(item, &[i as f32, 1.0 - i as f32, 0.5])
            .unwrap();
    }
    builder.to_bytes().unwrap()
}

#[test]
fn every_single_byte_corruption_is_handled() {
    // Exhaustive over positions: each byte set to 0x00, 0xff and flipped in its low bit.
    let seed = fuzz_seed();
    for position in 0..seed.len() {
        let edits: [fn(u8) -> u8; 3] = [|_| 0x00, |_| 0xff, |b| b ^ 1];
        for edit in edits {
            let mut bytes = seed.clone();
            bytes[position] = edit(bytes[position]);
            if let Ok(catalog) = Catalog::from_bytes(bytes) {
                exercise(&catalog);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_damage_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..12),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        appended in prop::collection::vec(any::<u8>(), 0..3),
    ) {
        let mut bytes = fuzz_seed();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        bytes.extend_from_slice(&appended);
        if let Ok(catalog) = Catalog::from_bytes(bytes) {
            exercise(&catalog);
        }
    }

    #[test]
    fn random_id_offsets_never_panic(
        offsets in prop::collection::vec(0u32..12, 0..6),
        blob in prop::collection::vec(prop_oneof![Just(b'a'), Just(0xc3u8), Just(0xa9u8)], 0..10),
    ) {
        // Random offsets over a blob with a two-byte character (0xc3 0xa9 = "é") in it:
        // accepted only if every string is in range, non-empty, unique and valid UTF-8.
        let n = offsets.len().saturating_sub(1).max(1);
        let vectors = vec![0.5f32; n];
        let spec = Spec::valid()
            .without(names::TITLE_UTF8)
            .without(names::TITLE_OFFSETS)
            .without(names::POPULARITY)
            .without(names::PRICE)
            .without(names::AVAILABLE)
            .without(names::CATEGORY)
            .set(names::VECTORS, Dtype::F32, &[n, 1], f32_le(&vectors))
            .raw_strings(names::ID_UTF8, names::ID_OFFSETS, &blob, &offsets);
        match spec.load() {
            Ok(catalog) => {
                exercise(&catalog);
                for i in 0..n {
                    let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
                    prop_assert_eq!(catalog.id(i).as_bytes(), &blob[start..end]);
                }
            }
            Err(CatalogError::StringTable { name, .. }) => prop_assert_eq!(name, names::ID_UTF8),
            Err(CatalogError::DuplicateId { .. } | CatalogError::InvalidValue { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {:?}", other),
        }
    }
}

#[test]
fn the_writer_gives_equal_bytes_for_equal_input() {
    // safetensors writes `__metadata__` from a HashMap (random order); the writer sorts it,
    // so a catalog's bytes (and the storefront's cache version) depend only on its content.
    let make = || {
        let mut builder = CatalogBuilder::new(RT_D)
            .params(rt_params())
            .metadata("source", "determinism")
            .metadata("zeta", "last")
            .metadata("alpha_note", "first");
        for (item, vector) in rt_items().into_iter().zip(rt_vectors()) {
            builder.push(item, &vector).unwrap();
        }
        builder.to_bytes().unwrap()
    };
    let first = make();
    for _ in 0..8 {
        assert!(make() == first, "two writes of the same catalog differ");
    }
    assert_eq!(header_len(&first) % 8, 0);
    let header = std::str::from_utf8(&first[8..8 + header_len(&first)]).unwrap();
    assert!(
        header.starts_with(r#"{"__metadata__":{"alpha":"2.5","alpha_note":"first","#),
        "{header}"
    );
    let catalog = Catalog::from_bytes(first).unwrap();
    assert_eq!(catalog.meta().source.as_deref(), Some("determinism"));
    assert_eq!(catalog.meta().extra["zeta"], "last");
    assert_eq!(catalog.meta().params, rt_params());
}

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
