//! `shopwindow import`: vectors from .npy, CSV and safetensors come back unchanged from
//! the written catalog, with their metadata.

mod common;

use std::collections::HashMap;

use safetensors::tensor::TensorView;
use safetensors::Dtype;
use shopwindow::catalog::LambdaScaling;
use shopwindow::Catalog;
use shopwindow_cli::npy::{parse_npy, write_npy_f32};

const N: usize = 5;
const D: usize = 3;

fn vectors() -> Vec<f32> {
    (0..N * D).map(|i| (i as f32 * 0.7).sin()).collect()
}

fn ids() -> Vec<String> {
    (0..N).map(|i| format!("sku-{i}")).collect()
}

fn read_catalog(path: &std::path::Path) -> Catalog {
    Catalog::from_bytes(std::fs::read(path).unwrap()).unwrap()
}

fn assert_vectors(catalog: &Catalog, expected: &[f32]) {
    assert_eq!((catalog.len(), catalog.dim()), (N, D));
    for i in 0..N {
        assert_eq!(catalog.id(i), format!("sku-{i}"));
        assert_eq!(catalog.row(i), expected[i * D..(i + 1) * D].to_vec());
    }
}

#[test]
fn npy_round_trip_with_ids_and_items() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("vectors.npy");
    std::fs::write(&npy, write_npy_f32(N, D, &vectors())).unwrap();
    let ids_file = common::write(dir.path(), "ids.txt", &(ids().join("\n") + "\n"));
    let items = common::write(
        dir.path(),
        "items.csv",
        "id,title,category,price,popularity\nsku-0,Zero,a,1,10\nsku-3,Three,b,2,5\n\
         sku-1,One,a,3,0\nsku-2,Two,b,4,1\nsku-4,Four,a,5,2\n",
    );
    let out = dir.path().join("catalog.safetensors");
    let run = common::shopwindow(&[
        "import",
        "--vectors",
        npy.to_str().unwrap(),
        "--ids",
        ids_file.to_str().unwrap(),
        "--items",
        items.to_str().unwrap(),
        "--alpha",
        "2",
        "--regularization",
        "0.5",
        "--lambda-scaling",
        "interactions",
        "--dtype",
        "f32",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = read_catalog(&out);
    assert_vectors(&catalog, &vectors());
    assert_eq!(catalog.title(3), Some("Three"));
    assert_eq!(catalog.prices().unwrap()[4], 5.0);
    assert_eq!(catalog.popularity().unwrap()[0], 10.0);
    let category = catalog.category(1).unwrap();
    assert_eq!(catalog.category_name(category), Some("a"));
    let params = catalog.params();
    assert_eq!((params.alpha, params.lambda), (2.0, 0.5));
    assert_eq!(params.lambda_scaling, LambdaScaling::Interactions);
    // Under `STORED_GRAM_MIN_ITEMS` items the reader computes the gram.
    assert!(!catalog.has_stored_gram());

    // inspect validates and describes the result.
    let inspect = common::shopwindow(&["inspect", out.to_str().unwrap()]);
    assert!(inspect.status.success(), "{}", common::text(&inspect));
    let report = String::from_utf8_lossy(&inspect.stdout);
    assert!(report.contains("5 items x 3 dims"), "{report}");
    assert!(report.contains("\"Three\""), "{report}");
}

#[test]
fn npy_reader_handles_versions_dtypes_and_errors() {
    let v = vectors();
    let m = parse_npy(&write_npy_f32(N, D, &v)).unwrap();
    assert_eq!((m.rows, m.cols, m.data.clone()), (N, D, v.clone()));

    // Version 2.0 header with float64 data, written by hand as NumPy would.
    let header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({N}, {D}), }}");
    let mut padded = header.clone();
    while (12 + padded.len() + 1) % 64 != 0 {
        padded.push(' ');
    }
    padded.push('\n');
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&(padded.len() as u32).to_le_bytes());
    bytes.extend_from_slice(padded.as_bytes());
    for x in &v {
        bytes.extend_from_slice(&(*x as f64).to_le_bytes());
    }
    let m = parse_npy(&bytes).unwrap();
    assert_eq!(m.data, v);

    // Truncated data, wrong rank, unsupported dtype.
    let full = write_npy_f32(N, D, &v);
    let error = parse_npy(&full[..full.len() - 4]).unwrap_err().to_string();
    assert!(error.contains("truncated"), "{error}");
    let one_d = replace_bytes(&full, b"(5, 3)", b"(15,) ");
    assert!(parse_npy(&one_d).unwrap_err().to_string().contains("2-D"));
    let ints = replace_bytes(&full, b"<f4", b"<i4");
    assert!(parse_npy(&ints)
        .unwrap_err()
        .to_string()
        .contains("not supported"));
    assert!(parse_npy(b"PK\x03\x04 not numpy").is_err());
}

/// `bytes` with the first `from` replaced by `to` (same length: the header stays valid).
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

#[test]
fn csv_vectors_carry_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let v = vectors();
    let mut text = String::from("id,x,y,z\n");
    for (i, id) in ids().iter().enumerate() {
        let row: Vec<String> = v[i * D..(i + 1) * D]
            .iter()
            .map(|x| format!("{x:?}"))
            .collect();
        text.push_str(&format!("{id},{}\n", row.join(",")));
    }
    let csv = common::write(dir.path(), "vectors.csv", &text);
    let out = dir.path().join("c.safetensors");
    let run = common::shopwindow(&[
        "import",
        "--vectors",
        csv.to_str().unwrap(),
        "--dtype",
        "f32",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    assert_vectors(&read_catalog(&out), &v);

    // A short row is reported with its line.
    let bad = common::write(dir.path(), "bad.csv", "a,1,2,3\nb,1,2\n");
    let run = common::shopwindow(&[
        "import",
        "--vectors",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(
        common::text(&run).contains("bad.csv:2:"),
        "{}",
        common::text(&run)
    );
}

#[test]
fn safetensors_tensor_by_name_and_f16_storage() {
    let dir = tempfile::tempdir().unwrap();
    let v = vectors();
    let item_bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    let bias: Vec<u8> = (0..N).flat_map(|_| 0.5f32.to_le_bytes()).collect();
    let other: Vec<u8> = (0..4).flat_map(|_| 1.0f32.to_le_bytes()).collect();
    let tensors = HashMap::from([
        (
            "model.item_embeddings".to_string(),
            TensorView::new(Dtype::F32, vec![N, D], &item_bytes).unwrap(),
        ),
        (
            "model.user_embeddings".to_string(),
            TensorView::new(Dtype::F32, vec![2, 2], &other).unwrap(),
        ),
        (
            "model.item_bias".to_string(),
            TensorView::new(Dtype::F32, vec![N], &bias).unwrap(),
        ),
    ]);
    let file = dir.path().join("model.safetensors");
    std::fs::write(&file, safetensors::serialize(tensors, None).unwrap()).unwrap();
    let ids_file = common::write(dir.path(), "ids.txt", &ids().join("\n"));
    let out = dir.path().join("out.safetensors");
    let args = |tensor: Option<&str>| {
        let mut a = vec![
            "import".to_string(),
            "--vectors".into(),
            file.to_str().unwrap().into(),
            "--ids".into(),
            ids_file.to_str().unwrap().into(),
            "--dtype".into(),
            "f16".into(),
            "-o".into(),
            out.to_str().unwrap().into(),
        ];
        if let Some(t) = tensor {
            a.extend(["--tensor".to_string(), t.to_string()]);
        }
        a
    };
    // Two 2-D tensors: the user must choose.
    let ambiguous = common::shopwindow(&args(None).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!ambiguous.status.success());
    assert!(common::text(&ambiguous).contains("--tensor"));
    let run = common::shopwindow(
        &args(Some("model.item_embeddings"))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = read_catalog(&out);
    let as_f16: Vec<f32> = v.iter().map(|&x| half::f16::from_f32(x).to_f32()).collect();
    assert_vectors(&catalog, &as_f16);
}

#[test]
fn ids_and_vectors_must_agree_in_number() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("v.npy");
    std::fs::write(&npy, write_npy_f32(N, D, &vectors())).unwrap();
    let ids_file = common::write(dir.path(), "ids.txt", "a\nb\n");
    let run = common::shopwindow(&[
        "import",
        "--vectors",
        npy.to_str().unwrap(),
        "--ids",
        ids_file.to_str().unwrap(),
        "-o",
        dir.path().join("x").to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(
        common::text(&run).contains("gives 2 ids but"),
        "{}",
        common::text(&run)
    );
}

#[test]
fn partial_prices_are_refused_or_dropped_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("vectors.npy");
    std::fs::write(&npy, write_npy_f32(N, D, &vectors())).unwrap();
    let items = common::write(
        dir.path(),
        "items.csv",
        "id,title,price\nsku-0,Zero,1\nsku-1,One,\nsku-2,Two,4\nsku-3,Three,\nsku-4,Four,5\n",
    );
    let out = dir.path().join("catalog.safetensors");
    let import = |extra: &[&str]| {
        let mut args = vec![
            "import",
            "--vectors",
            npy.to_str().unwrap(),
            "--items",
            items.to_str().unwrap(),
            "--alpha",
            "1",
            "--regularization",
            "0.1",
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        common::shopwindow(&args)
    };
    let run = import(&[]);
    assert!(!run.status.success());
    assert!(
        common::text(&run).contains("--missing-prices drop"),
        "{}",
        common::text(&run)
    );
    let run = import(&["--missing-prices", "drop"]);
    assert!(run.status.success(), "{}", common::text(&run));
    assert!(common::text(&run).contains("3 of 5 catalog items have a price"));
    let catalog = read_catalog(&out);
    assert!(catalog.prices().is_none());
    assert_eq!(catalog.title(3), Some("Three"));
}

#[test]
fn import_stores_int8_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("vectors.npy");
    std::fs::write(&npy, write_npy_f32(N, D, &vectors())).unwrap();
    let ids_file = common::write(dir.path(), "ids.txt", &(ids().join("\n") + "\n"));
    let out = dir.path().join("catalog.safetensors");
    let run = common::shopwindow(&[
        "import",
        "--vectors",
        npy.to_str().unwrap(),
        "--ids",
        ids_file.to_str().unwrap(),
        "--alpha",
        "1",
        "--regularization",
        "0.1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = read_catalog(&out);
    assert_eq!(catalog.dtype().as_str(), "i8");
    // Per-row symmetric int8: each value within half a step (max |row| / 127 / 2).
    let expected = vectors();
    for i in 0..N {
        let want = &expected[i * D..(i + 1) * D];
        let step = want.iter().fold(0f32, |m, x| m.max(x.abs())) / 127.0;
        for (got, want) in catalog.row(i).iter().zip(want) {
            assert!(
                (got - want).abs() <= step * 0.5 + 1e-6,
                "row {i}: {got} vs {want}"
            );
        }
    }
}

/// 40 imported vectors in two families (scarves along x, mugs along y, both with some z),
/// as CSV with ids; the items file names them and `new` products after them.
fn families(
    dir: &std::path::Path,
    new: &[(&str, &str)],
) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut vectors = String::from("id,x,y,z\n");
    let mut items = String::from("id,title,popularity\n");
    for i in 0..40 {
        let wobble = (i % 5) as f32 * 0.05;
        let (title, v) = if i % 2 == 0 {
            (format!("red wool scarf {i}"), [1.0, wobble, 0.3])
        } else {
            (format!("ceramic coffee mug {i}"), [wobble, 1.0, 0.3])
        };
        vectors.push_str(&format!("p{i},{},{},{}\n", v[0], v[1], v[2]));
        items.push_str(&format!("p{i},{title},{}\n", i + 1));
    }
    for (id, title) in new {
        items.push_str(&format!("{id},{title},\n"));
    }
    (
        common::write(dir, "vectors.csv", &vectors),
        common::write(dir, "items.csv", &items),
    )
}

fn import(args: &[&str]) -> std::process::Output {
    let mut all = vec!["import", "--dtype", "f32"];
    all.extend_from_slice(args);
    common::shopwindow(&all)
}

#[test]
fn items_without_vectors_get_content_derived_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let (vectors, items) = families(
        dir.path(),
        &[
            ("n-scarf", "blue wool scarf"),
            ("n-mug", "large coffee mug"),
        ],
    );
    let out = dir.path().join("c.safetensors");
    let (v, i, o) = (
        vectors.to_str().unwrap(),
        items.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let run = import(&["--vectors", v, "--items", i, "-o", o]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = read_catalog(&out);
    assert_eq!((catalog.len(), catalog.content_derived_items()), (42, 2));
    assert_eq!((catalog.id(40), catalog.id(41)), ("n-scarf", "n-mug"));
    assert_eq!(
        catalog.row(0),
        vec![1.0, 0.0, 0.3],
        "imported vectors as they are"
    );
    let (scarf, mug) = (catalog.row(40), catalog.row(41));
    assert!(
        scarf[0] > mug[0] + 0.2 && mug[1] > scarf[1] + 0.2,
        "{scarf:?} {mug:?}"
    );
    // No interactions to sample shoppers from: auto is 1, and the catalog says so.
    let extra = &catalog.meta().extra;
    assert_eq!(extra.get("content.scale").map(String::as_str), Some("1"));
    assert!(extra["content.scale_rule"].starts_with("auto without interactions"));
    let inspect = common::shopwindow(&["inspect", o]);
    assert!(
        common::text(&inspect).contains("content-derived vectors: 2 of 42"),
        "{}",
        common::text(&inspect)
    );

    // A given scale multiplies them; --no-content leaves them out.
    let run = import(&[
        "--vectors",
        v,
        "--items",
        i,
        "--content-scale",
        "0.5",
        "-o",
        o,
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let half = read_catalog(&out);
    for (h, s) in half.row(40).iter().zip(&scarf) {
        assert!((h - 0.5 * s).abs() < 1e-6);
    }
    let run = import(&["--vectors", v, "--items", i, "--no-content", "-o", o]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = read_catalog(&out);
    assert_eq!((catalog.len(), catalog.content_derived_items()), (40, 0));
}

#[test]
fn content_vectors_come_in_through_import() {
    // New products without text: an embedding file alone says which family they are in.
    let dir = tempfile::tempdir().unwrap();
    let (vectors, items) = families(dir.path(), &[("n0", ""), ("n1", "")]);
    let ids: Vec<String> = (0..40)
        .map(|i| format!("p{i}"))
        .chain(["n0".into(), "n1".into()])
        .collect();
    let embedding: Vec<f32> = (0..42)
        .flat_map(|i| match i {
            40 => [1.0, 0.1],
            41 => [0.1, 1.0],
            i if i % 2 == 0 => [1.0, 0.0],
            _ => [0.0, 1.0],
        })
        .collect();
    let npy = dir.path().join("embedding.npy");
    std::fs::write(&npy, write_npy_f32(42, 2, &embedding)).unwrap();
    let ids_file = common::write(dir.path(), "embedding_ids.txt", &(ids.join("\n") + "\n"));
    let out = dir.path().join("c.safetensors");
    let base = [
        "--vectors",
        vectors.to_str().unwrap(),
        "--items",
        items.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--content-vector-ids",
        ids_file.to_str().unwrap(),
        "--content-vectors",
    ];
    let mut args = base.to_vec();
    args.push(npy.to_str().unwrap());
    let run = import(&args);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = read_catalog(&out);
    assert_eq!(catalog.content_derived_items(), 2);
    let extra = &catalog.meta().extra;
    assert_eq!(
        extra.get("content.given_vectors").map(String::as_str),
        Some("42")
    );
    let (a, b) = (catalog.row(40), catalog.row(41));
    assert!(a[0] > b[0] + 0.2 && b[1] > a[1] + 0.2, "{a:?} {b:?}");

    // A NaN: the file, its row and the item.
    let mut broken = embedding.clone();
    broken[41 * 2 + 1] = f32::NAN;
    std::fs::write(&npy, write_npy_f32(42, 2, &broken)).unwrap();
    let text = common::text(&import(&args));
    assert!(
        text.contains("embedding.npy: row 42 (item \"n1\") has the value NaN"),
        "{text}"
    );

    // An id that is neither imported nor in the items file: the file, the row, the id.
    let csv = common::write(dir.path(), "embedding.csv", "p0,1,0\nghost,0,1\n");
    let mut args = base[..6].to_vec();
    args.extend(["--content-vectors", csv.to_str().unwrap()]);
    let text = common::text(&import(&args));
    assert!(
        text.contains("embedding.csv: row 2 names item \"ghost\", which is not an imported item"),
        "{text}"
    );

    // A row of another length: the file and its line.
    let csv = common::write(dir.path(), "embedding.csv", "p0,1,0\np1,0,1,5\n");
    args[7] = csv.to_str().unwrap();
    let text = common::text(&import(&args));
    assert!(
        text.contains("embedding.csv:2:") && text.contains("3 values"),
        "{text}"
    );

    // Ids and vectors must agree in number.
    let short = common::write(dir.path(), "short_ids.txt", "p0\np1\n");
    let mut args = base.to_vec();
    args[7] = short.to_str().unwrap();
    args.push(npy.to_str().unwrap());
    let text = common::text(&import(&args));
    assert!(
        text.contains("2 ids for 42 vectors in") && text.contains("embedding.npy"),
        "{text}"
    );
}
