//! Robustness: arbitrary damage never panics.

use super::*;

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
