//! The catalog reader's contract, one failure mode per test, in one file per job; this
//! file holds the fixtures they share.
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

mod container;
mod header_shape;
mod metadata;
mod optional_hybrid;
mod optional_placements;
mod optional_segments;
mod robustness;
mod round_trip;
mod string_tables;
mod tensors;
mod unaligned;
mod values;
mod writer_rejections;

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
// The round-trip fixture (also damaged by the robustness tests)
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
            // Item 0 has no tags: the table stores "" for it.
            tags: (0..i % 3).map(|t| format!("tag{t}")).collect(),
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
