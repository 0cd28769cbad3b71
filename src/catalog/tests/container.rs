//! Truncated files and container-level errors.

use super::*;

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
