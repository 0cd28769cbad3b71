//! `shopwindow import --from spark-als`: Spark MLlib ALS models (both Parquet layouts)
//! become catalogs with Spark's fold-in system; bad models are refused with clear errors.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::types::Float32Type;
use arrow_array::{ArrayRef, Int32Array, ListArray, RecordBatch};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use shopwindow::catalog::LambdaScaling;
use shopwindow::{Catalog, VectorDtype};

const ESTIMATOR: &str = r#"{"class":"org.apache.spark.ml.recommendation.ALS","sparkVersion":"4.0.0","paramMap":{"alpha":4.0,"implicitPrefs":true,"rank":3,"regParam":0.25},"defaultParamMap":{"alpha":1.0,"implicitPrefs":false,"nonnegative":false,"regParam":0.1}}"#;
const MODEL: &str = r#"{"class":"org.apache.spark.ml.recommendation.ALSModel","sparkVersion":"4.0.0","paramMap":{},"defaultParamMap":{},"rank":3}"#;

/// Item `i` (Spark id 10·i) has features [i, -i, 0.5·i] / 4.
fn item_row(i: usize) -> Vec<f32> {
    let x = i as f32 / 4.0;
    vec![x, -x, 0.5 * x]
}

fn write_factors(path: &Path, ids: &[i32], rows: &[Vec<f32>]) {
    write_factors_compressed(path, ids, rows, Compression::SNAPPY);
}

/// Spark writes `snappy` by default; `spark.sql.parquet.compression.codec` picks others.
fn write_factors_compressed(path: &Path, ids: &[i32], rows: &[Vec<f32>], codec: Compression) {
    let features = ListArray::from_iter_primitive::<Float32Type, _, _>(
        rows.iter().map(|r| Some(r.iter().copied().map(Some))),
    );
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(Int32Array::from(ids.to_vec())) as ArrayRef),
        ("features", Arc::new(features) as ArrayRef),
    ])
    .unwrap();
    let properties = WriterProperties::builder().set_compression(codec).build();
    let mut writer = ArrowWriter::try_new(
        File::create(path).unwrap(),
        batch.schema(),
        Some(properties),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn write_metadata(dir: &Path, json: &str) {
    std::fs::create_dir_all(dir.join("metadata")).unwrap();
    std::fs::write(dir.join("metadata/part-00000"), json).unwrap();
}

/// An `ALSModel.save` directory with 6 items in two part files, plus `als.save`.
fn spark_output(root: &Path) -> (PathBuf, PathBuf) {
    let model = root.join("model");
    std::fs::create_dir_all(model.join("itemFactors")).unwrap();
    write_metadata(&model, MODEL);
    let ids = |r: std::ops::Range<usize>| r.clone().map(|i| 10 * i as i32).collect::<Vec<_>>();
    let rows = |r: std::ops::Range<usize>| r.map(item_row).collect::<Vec<_>>();
    // Spark's partitions are not in id order.
    write_factors(
        &model.join("itemFactors/part-00000.snappy.parquet"),
        &ids(3..6),
        &rows(3..6),
    );
    write_factors(
        &model.join("itemFactors/part-00001.snappy.parquet"),
        &ids(0..3),
        &rows(0..3),
    );
    std::fs::write(model.join("itemFactors/_SUCCESS"), "").unwrap();
    let estimator = root.join("als");
    write_metadata(&estimator, ESTIMATOR);
    (model, estimator)
}

fn import(args: &[&str]) -> std::process::Output {
    let mut all = vec!["import", "--from", "spark-als"];
    all.extend_from_slice(args);
    common::shopwindow(&all)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_saved_model_becomes_a_catalog_with_sparks_system() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, estimator) = spark_output(tmp.path());
    let map = common::write(
        tmp.path(),
        "item_ids.csv",
        "spark_id,id\n0,A0\n10,A1\n20,A2\n30,A3\n40,A4\n50,A5\n",
    );
    let items = common::write(tmp.path(), "items.csv", "id,title,popularity\nA2,Two,7\n");
    let out = tmp.path().join("c.safetensors");
    let run = import(&[
        s(&model),
        "--spark-estimator",
        s(&estimator),
        "--id-map",
        s(&map),
        "--items",
        s(&items),
        "--dtype",
        "f32",
        "-o",
        s(&out),
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert_eq!((catalog.len(), catalog.dim()), (6, 3));
    for i in 0..6 {
        assert_eq!(catalog.id(i), format!("A{i}"));
        assert_eq!(catalog.row(i), item_row(i));
    }
    assert_eq!(catalog.title(2), Some("Two"));
    let params = catalog.params();
    assert_eq!((params.alpha, params.lambda), (4.0, 0.25));
    assert_eq!(params.lambda_scaling, LambdaScaling::Interactions);
    // Under `STORED_GRAM_MIN_ITEMS` items the reader computes the gram.
    assert!(!catalog.has_stored_gram());
    let inspect = common::shopwindow(&["inspect", s(&out)]);
    let report = String::from_utf8_lossy(&inspect.stdout);
    assert!(report.contains("Spark MLlib ALS"), "{report}");
}

#[test]
fn a_plain_item_factors_table_imports_with_flags_and_quantizes() {
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("itemFactors");
    std::fs::create_dir_all(&table).unwrap();
    write_factors(
        &table.join("part-0.parquet"),
        &[5, 1],
        &[item_row(5), item_row(1)],
    );
    let out = tmp.path().join("c.safetensors");
    let run = import(&[
        s(&table),
        "--alpha",
        "2",
        "--regularization",
        "0.5",
        "--dtype",
        "i8",
        "-o",
        s(&out),
    ]);
    assert!(run.status.success(), "{}", common::text(&run));
    let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(catalog.dtype(), VectorDtype::I8);
    assert_eq!((catalog.id(0), catalog.id(1)), ("1", "5"));
    for (got, want) in catalog.row(1).iter().zip(item_row(5)) {
        assert!((got - want).abs() < 0.01, "{got} vs {want}");
    }
    assert_eq!(catalog.params().lambda_scaling, LambdaScaling::Interactions);
}

#[test]
fn zstd_and_gzip_parquet_from_spark_are_read() {
    for (codec, name) in [
        (Compression::ZSTD(ZstdLevel::default()), "zstd"),
        (Compression::GZIP(GzipLevel::default()), "gz"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let table = tmp.path().join("itemFactors");
        std::fs::create_dir_all(&table).unwrap();
        write_factors_compressed(
            &table.join(format!("part-00000-x.c000.{name}.parquet")),
            &[5, 1],
            &[item_row(5), item_row(1)],
            codec,
        );
        let out = tmp.path().join("c.safetensors");
        let run = import(&[
            s(&table),
            "--alpha",
            "2",
            "--regularization",
            "0.5",
            "--dtype",
            "f32",
            "-o",
            s(&out),
        ]);
        assert!(run.status.success(), "{name}: {}", common::text(&run));
        let catalog = Catalog::from_bytes(std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(catalog.row(1), item_row(5).as_slice(), "{name}");
    }
}

#[test]
fn missing_hyper_parameters_are_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, _) = spark_output(tmp.path());
    let run = import(&[s(&model), "-o", s(&tmp.path().join("c.safetensors"))]);
    assert!(!run.status.success());
    let text = common::text(&run);
    assert!(
        text.contains("--spark-estimator") && text.contains("--alpha"),
        "{text}"
    );
    // The model's own metadata is not an estimator's.
    let run = import(&[
        s(&model),
        "--spark-estimator",
        s(&model),
        "-o",
        s(&tmp.path().join("c.safetensors")),
    ]);
    let text = common::text(&run);
    assert!(
        !run.status.success() && text.contains("not of an ALS estimator"),
        "{text}"
    );
}

#[test]
fn ids_missing_from_the_id_map_are_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, estimator) = spark_output(tmp.path());
    let map = common::write(tmp.path(), "item_ids.csv", "spark_id,id\n0,A0\n");
    let run = import(&[
        s(&model),
        "--spark-estimator",
        s(&estimator),
        "--id-map",
        s(&map),
        "-o",
        s(&tmp.path().join("c.safetensors")),
    ]);
    let text = common::text(&run);
    assert!(
        !run.status.success() && text.contains("5 of 6 Spark ids"),
        "{text}"
    );
}

#[test]
fn vectors_and_from_are_exclusive() {
    let run = common::shopwindow(&[
        "import",
        "--vectors",
        "v.npy",
        "--from",
        "spark-als",
        "d",
        "-o",
        "x",
    ]);
    let text = common::text(&run);
    assert!(
        !run.status.success() && text.contains("cannot be used with"),
        "{text}"
    );
}
