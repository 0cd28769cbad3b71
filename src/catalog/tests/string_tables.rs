//! UTF-8 string tables: offsets, blobs, encodings.

use super::*;

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

#[test]
fn without_item_text_drops_titles_or_image_urls_and_keeps_the_rest() {
    let mut builder = CatalogBuilder::new(2).dtype(VectorDtype::I8);
    for i in 0..3 {
        let mut item = ItemRecord::new(format!("p{i}"));
        item.title = Some(format!("Product {i}"));
        item.image_url = Some(format!("https://shop.example/img/{i}.jpg"));
        item.tags = vec!["sale".into()];
        item.category = Some("mugs".into());
        builder.push(item, &[i as f32, 1.0]).unwrap();
    }
    let bytes = builder.to_bytes().unwrap();
    let full = Catalog::from_bytes(bytes.clone()).unwrap();
    let no_titles = without_item_text(&bytes, &[ItemText::Titles]).unwrap();
    let plain = without_item_text(&bytes, &[ItemText::Titles, ItemText::ImageUrls]).unwrap();
    assert!(plain.len() < no_titles.len() && no_titles.len() < bytes.len());
    let no_titles = Catalog::from_bytes(no_titles).unwrap();
    let plain = Catalog::from_bytes(plain).unwrap();
    for i in 0..3 {
        assert_eq!(no_titles.title(i), None);
        assert_eq!(no_titles.image_url(i), full.image_url(i));
        assert_eq!(plain.image_url(i), None);
        assert_eq!(plain.id(i), full.id(i));
        assert_eq!(plain.row(i), full.row(i));
        assert_eq!(plain.category(i), full.category(i));
        assert_eq!(plain.tags_text(i), Some("sale"));
    }
    assert_eq!(plain.meta(), full.meta());
}
