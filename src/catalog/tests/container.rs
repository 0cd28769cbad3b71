//! Truncated files and container-level errors.

use super::*;
use crate::catalog::container::{Container, Entry, MAX_TENSORS};

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

#[test]
fn a_header_listing_more_tensors_than_a_catalog_has_is_refused() {
    // Empty tensors, all at offset 0: valid safetensors, but no catalog lists this many,
    // and sorting them into data order would take quadratic time.
    let header: serde_json::Map<String, serde_json::Value> = (0..=MAX_TENSORS)
        .map(|i| {
            let entry = serde_json::json!({ "dtype": "U8", "shape": [0], "data_offsets": [0, 0] });
            (format!("t{i}"), entry)
        })
        .collect();
    let json = serde_json::Value::Object(header).to_string();
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json.as_bytes());
    let err = Catalog::from_bytes(bytes).unwrap_err();
    assert!(matches!(err, CatalogError::Header(_)), "{err:?}");
    assert_names(&err, "at most 4096");
}

// ---------------------------------------------------------------------------------------
// The container reader against the safetensors crate's
// ---------------------------------------------------------------------------------------

/// What to break in a generated file.
#[derive(Debug, Clone, Copy)]
enum Damage {
    None,
    /// Move one tensor's begin or end offset by ±1 (or more).
    Offset {
        tensor: usize,
        end: bool,
        by: i64,
    },
    /// Move one tensor's whole range (a gap or an overlap of the right size).
    Shift {
        tensor: usize,
        by: i64,
    },
    /// A `__metadata__` value that is not a string.
    NumberInMetadata,
    /// Cut the file short, or add bytes after it.
    Length(i64),
    /// Give a tensor a dtype name the format does not have.
    UnknownDtype(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        3 => Just(Damage::None),
        2 => (0..6usize, any::<bool>(), prop_oneof![Just(-1i64), Just(1), -40..40i64])
            .prop_map(|(tensor, end, by)| Damage::Offset { tensor, end, by }),
        2 => (0..6usize, prop_oneof![Just(-1i64), Just(1), -40..40i64])
            .prop_map(|(tensor, by)| Damage::Shift { tensor, by }),
        1 => Just(Damage::NumberInMetadata),
        1 => (-20..20i64).prop_map(Damage::Length),
        1 => (0..6usize).prop_map(Damage::UnknownDtype),
    ]
}

/// A safetensors file written by hand from `tensors` (name, dtype index, shape), in the
/// given data order, with `damage`.
fn generated_file(
    tensors: &[(String, usize, Vec<usize>)],
    order: &[usize],
    damage: Damage,
    pad: bool,
) -> Vec<u8> {
    let names = DTYPE_NAMES;
    let mut header = serde_json::Map::new();
    let mut meta = serde_json::Map::new();
    meta.insert("format_version".into(), "1".into());
    if let Damage::NumberInMetadata = damage {
        meta.insert("alpha".into(), serde_json::json!(2.5));
    }
    header.insert("__metadata__".into(), serde_json::Value::Object(meta));
    let mut offset = 0i64;
    let mut data_len = 0i64;
    for (position, &index) in order.iter().enumerate() {
        let (name, dtype, shape) = &tensors[index];
        let bits = shape.iter().product::<usize>() * BITS[*dtype];
        let len = bits.div_ceil(8) as i64;
        let (mut begin, mut end) = (offset, offset + len);
        match damage {
            Damage::Offset {
                tensor,
                end: at_end,
                by,
            } if tensor % order.len() == position => {
                if at_end {
                    end += by;
                } else {
                    begin += by;
                }
            }
            Damage::Shift { tensor, by } if tensor % order.len() == position => {
                begin += by;
                end += by;
            }
            _ => {}
        }
        let dtype = match damage {
            Damage::UnknownDtype(t) if t % order.len() == position => "F128",
            _ => names[*dtype],
        };
        header.insert(
            name.clone(),
            serde_json::json!({ "dtype": dtype, "shape": shape, "data_offsets": [begin.max(0), end.max(0)] }),
        );
        offset += len;
        data_len = data_len.max(end.max(0));
    }
    let mut json = serde_json::Value::Object(header).to_string();
    if pad {
        while json.len() % 8 != 0 {
            json.push(' ');
        }
    }
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json.as_bytes());
    let mut total = bytes.len() as i64 + offset;
    if let Damage::Length(by) = damage {
        total += by;
    }
    // Tensor bytes are a pattern: the reader never looks at them.
    bytes.extend((0..(total - bytes.len() as i64).max(0)).map(|i| i as u8));
    bytes.truncate(total.max(0) as usize);
    bytes
}

/// Names and bit sizes of the format's dtypes, in the crate's order.
const DTYPE_NAMES: [&str; 20] = [
    "F4", "F6_E2M3", "F6_E3M2", "BOOL", "I8", "U8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16",
    "I32", "U32", "I64", "U64", "F16", "BF16", "F32", "F64", "C64",
];
const BITS: [usize; 20] = [
    4, 6, 6, 8, 8, 8, 8, 8, 8, 16, 16, 32, 32, 64, 64, 16, 16, 32, 64, 64,
];

/// The crate's verdict as this reader words it: the tensors and metadata, or whether the
/// file is short (`Truncated`) or otherwise broken (`Header`).
fn crate_verdict(bytes: &[u8]) -> Result<Container, bool> {
    let truncated = |e: safetensors::SafeTensorError| -> bool {
        if matches!(e, safetensors::SafeTensorError::MetadataIncompleteBuffer) {
            // One error for missing and for extra bytes; only missing ones are a truncation.
            return declared_end(bytes).is_none_or(|end| bytes.len() < end);
        }
        matches!(CatalogError::from(e), CatalogError::Truncated(_))
    };
    let file = SafeTensors::deserialize(bytes).map_err(truncated)?;
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(truncated)?;
    let base = bytes.as_ptr() as usize;
    let mut tensors: Vec<Entry> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let start = view.data().as_ptr() as usize - base;
            Entry {
                name,
                dtype: view.dtype(),
                shape: view.shape().to_vec(),
                data: start..start + view.data().len(),
            }
        })
        .collect();
    tensors.sort_by_key(|t| (t.data.start, t.data.end, t.name.clone()));
    Ok(Container {
        tensors,
        metadata: metadata
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
    })
}

/// Where the header says the data ends (for telling a short file from a long one).
fn declared_end(bytes: &[u8]) -> Option<usize> {
    let n = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?) as usize;
    let header: serde_json::Value = serde_json::from_slice(bytes.get(8..8 + n)?).ok()?;
    let mut end = 0;
    for (name, info) in header.as_object()? {
        if name != "__metadata__" {
            end = end.max(info.get("data_offsets")?.get(1)?.as_u64()? as usize);
        }
    }
    Some(8 + n + end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random files, valid and broken: this reader accepts exactly what the safetensors
    /// crate accepts, finds the same tensors, dtypes, shapes, byte ranges and metadata,
    /// and calls a short file truncated exactly when the crate's error means missing bytes.
    #[test]
    fn the_container_reader_agrees_with_the_safetensors_crate(
        tensors in proptest::collection::vec(
            (0..20usize, proptest::collection::vec(0..5usize, 0..3)),
            0..6,
        ),
        shuffle in any::<u64>(),
        damage in damage(),
        pad in any::<bool>(),
    ) {
        let tensors: Vec<(String, usize, Vec<usize>)> = tensors
            .into_iter()
            .enumerate()
            .map(|(i, (dtype, shape))| (format!("t{i}"), dtype, shape))
            .collect();
        let mut order: Vec<usize> = (0..tensors.len()).collect();
        let mut rng = crate::rng::SplitMix64::new(shuffle);
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let bytes = generated_file(&tensors, &order, damage, pad);
        let ours = Container::parse(&bytes);
        match (crate_verdict(&bytes), ours) {
            (Ok(want), Ok(mut got)) => {
                got.tensors.sort_by_key(|t| (t.data.start, t.data.end, t.name.clone()));
                prop_assert_eq!(got, want);
            }
            (Err(truncated), Err(err)) => {
                prop_assert_eq!(
                    truncated,
                    matches!(err, CatalogError::Truncated(_)),
                    "{:?}: {}", damage, err
                );
            }
            (want, got) => prop_assert!(false, "{damage:?}: the crate {want:?}, this reader {got:?}"),
        }
    }
}
