//! `vector_shape`: the vectors' size from the header alone, as a page reads it to choose a
//! backend before the catalog is handed to an engine.

use super::*;

fn catalog_bytes(dtype: VectorDtype, items: usize, d: usize) -> Vec<u8> {
    let mut builder = CatalogBuilder::new(d).dtype(dtype);
    for i in 0..items {
        let row: Vec<f32> = (0..d).map(|j| ((i * 7 + j) % 5) as f32 - 2.0).collect();
        builder
            .push(ItemRecord::new(format!("i{i}")), &row)
            .unwrap();
    }
    builder.to_bytes().unwrap()
}

#[test]
fn the_header_alone_gives_what_the_full_parse_gives_for_every_storage() {
    for dtype in [
        VectorDtype::F32,
        VectorDtype::F16,
        VectorDtype::I8,
        VectorDtype::I4,
    ] {
        let bytes = catalog_bytes(dtype, 13, 6);
        let catalog = Catalog::from_bytes(bytes.clone()).unwrap();
        let want = Some((catalog.len(), catalog.dim()));
        let end = 8 + header_len(&bytes);
        assert_eq!(vector_shape(&bytes[..end]), want, "{dtype:?}, header only");
        assert_eq!(vector_shape(&bytes), want, "{dtype:?}, whole file");
        assert_eq!(
            vector_shape(catalog.as_bytes()),
            want,
            "{dtype:?}, as_bytes"
        );
    }
}

#[test]
fn a_header_cut_short_or_without_vectors_gives_nothing() {
    let bytes = catalog_bytes(VectorDtype::I8, 3, 4);
    let end = 8 + header_len(&bytes);
    for cut in [0, 7, 8, end / 2, end - 1] {
        assert_eq!(vector_shape(&bytes[..cut]), None, "cut at {cut}");
    }
    let mut no_vectors = b"{\"__metadata__\":{}}".to_vec();
    let mut file = (no_vectors.len() as u64).to_le_bytes().to_vec();
    file.append(&mut no_vectors);
    assert_eq!(vector_shape(&file), None);
    // A length that points past the end is not read.
    assert_eq!(vector_shape(&u64::MAX.to_le_bytes()), None);
}
