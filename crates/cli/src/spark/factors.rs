//! Factor tables of a Spark MLlib `ALSModel` (`itemFactors`, `userFactors`): Parquet
//! files with an integer `id` column and an `array<float>` `features` column, as
//! `ALSModel.save` writes them and as `model.itemFactors.write.parquet(path)` does.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// One factor table, rows sorted by id (Spark writes them in partition order).
#[derive(Debug, Clone, PartialEq)]
pub struct Factors {
    pub ids: Vec<i64>,
    pub dim: usize,
    /// Row-major, `ids.len()` × `dim`.
    pub data: Vec<f32>,
}

impl Factors {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// The row of Spark id `id`.
    pub fn find(&self, id: i64) -> Option<&[f32]> {
        self.ids.binary_search(&id).ok().map(|i| self.row(i))
    }
}

/// Reads a factor table from one Parquet file or a directory of `part-*` files (Spark's
/// `_SUCCESS` markers, `.crc` checksums and other hidden files are skipped).
pub fn read_factors(path: &Path) -> Result<Factors> {
    let files = parquet_files(path)?;
    let mut rows: Vec<(i64, Vec<f32>)> = Vec::new();
    for file in &files {
        read_file(file, &mut rows).with_context(|| format!("reading {}", file.display()))?;
    }
    ensure!(
        !rows.is_empty(),
        "{}: the factor table has no rows",
        path.display()
    );
    rows.sort_unstable_by_key(|(id, _)| *id);
    let dim = rows[0].1.len();
    ensure!(dim > 0, "{}: the feature vectors are empty", path.display());
    if let Some(pair) = rows.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        bail!("{}: id {} appears twice", path.display(), pair[0].0);
    }
    let mut data = Vec::with_capacity(rows.len() * dim);
    for (id, features) in &rows {
        ensure!(
            features.len() == dim,
            "{}: id {id} has {} features, the first id has {dim} (ragged factor table)",
            path.display(),
            features.len()
        );
        data.extend_from_slice(features);
    }
    Ok(Factors {
        ids: rows.into_iter().map(|(id, _)| id).collect(),
        dim,
        data,
    })
}

/// The Parquet files of a table: `path` itself, or the visible `*.parquet` files in it.
fn parquet_files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", path.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let hidden = name.starts_with('.') || name.starts_with('_');
        if !hidden && name.ends_with(".parquet") && entry.path().is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    ensure!(
        !files.is_empty(),
        "{}: no .parquet files (expected Spark's part-*.parquet)",
        path.display()
    );
    Ok(files)
}

fn read_file(path: &Path, rows: &mut Vec<(i64, Vec<f32>)>) -> Result<()> {
    let file = File::open(path)?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .context("not a Parquet file")?
        .build()?;
    for batch in reader {
        read_batch(&batch?, rows)?;
    }
    Ok(())
}

fn column<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef> {
    let Some(column) = batch.column_by_name(name) else {
        let names: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        bail!("no `{name}` column (columns: {names:?}); expected Spark's `id` and `features`");
    };
    Ok(column)
}

fn read_batch(batch: &RecordBatch, rows: &mut Vec<(i64, Vec<f32>)>) -> Result<()> {
    let ids = read_ids(column(batch, "id")?)?;
    let features = column(batch, "features")?;
    let DataType::List(_) = features.data_type() else {
        bail!(
            "column `features` is {}, expected a list of floats (Spark's array<float>)",
            features.data_type()
        );
    };
    let list = features.as_list::<i32>();
    let values = float_values(list.values())?;
    let offsets = list.value_offsets();
    for (row, id) in ids.into_iter().enumerate() {
        ensure!(!list.is_null(row), "id {id}: `features` is null");
        let vector = &values[offsets[row] as usize..offsets[row + 1] as usize];
        if let Some(bad) = vector.iter().find(|v| !v.is_finite()) {
            bail!("id {id}: feature {bad} is not a finite number");
        }
        rows.push((id, vector.to_vec()));
    }
    Ok(())
}

fn read_ids(column: &ArrayRef) -> Result<Vec<i64>> {
    ensure!(column.null_count() == 0, "column `id` has null ids");
    Ok(match column.data_type() {
        DataType::Int32 => column
            .as_primitive::<Int32Type>()
            .values()
            .iter()
            .map(|&id| i64::from(id))
            .collect(),
        DataType::Int64 => column.as_primitive::<Int64Type>().values().to_vec(),
        other => bail!("column `id` is {other}, expected an integer (Spark's int)"),
    })
}

/// The list elements as f32 (Spark writes float; a double table is narrowed).
fn float_values(values: &ArrayRef) -> Result<Vec<f32>> {
    ensure!(
        values.null_count() == 0,
        "column `features` has null elements"
    );
    Ok(match values.data_type() {
        DataType::Float32 => values.as_primitive::<Float32Type>().values().to_vec(),
        DataType::Float64 => values
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .map(|&v| v as f32)
            .collect(),
        other => bail!("column `features` holds {other}, expected float numbers"),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::Float64Type;
    use arrow_array::{ArrayRef, Int32Array, Int64Array, ListArray, StringArray};

    use super::*;
    use crate::spark::test_files::{features, write_columns, write_factors};

    fn error_of(columns: Vec<(&str, ArrayRef)>) -> String {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("t.parquet");
        write_columns(&file, columns);
        format!("{:#}", read_factors(&file).unwrap_err())
    }

    fn ids(ids: &[i32]) -> ArrayRef {
        Arc::new(Int32Array::from(ids.to_vec()))
    }

    #[test]
    fn accepts_long_ids_and_double_features() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("t.parquet");
        let doubles = ListArray::from_iter_primitive::<Float64Type, _, _>(vec![
            Some(vec![Some(1.5), Some(-2.0)]),
            Some(vec![Some(0.25), Some(4.0)]),
        ]);
        write_columns(
            &file,
            vec![
                ("features", Arc::new(doubles) as ArrayRef),
                ("id", Arc::new(Int64Array::from(vec![10_000_000_000, 3]))),
            ],
        );
        let f = read_factors(&file).unwrap();
        assert_eq!(f.ids, vec![3, 10_000_000_000]);
        assert_eq!(f.dim, 2);
        assert_eq!(f.data, vec![0.25, 4.0, 1.5, -2.0]);
    }

    #[test]
    fn a_missing_column_is_named() {
        let err = error_of(vec![
            ("item", ids(&[1])),
            ("features", features(&[vec![1.0]])),
        ]);
        assert!(
            err.contains("no `id` column") && err.contains("item"),
            "{err}"
        );
        let err = error_of(vec![("id", ids(&[1]))]);
        assert!(err.contains("no `features` column"), "{err}");
    }

    #[test]
    fn wrong_column_types_are_named() {
        let names: ArrayRef = Arc::new(StringArray::from(vec!["a"]));
        let err = error_of(vec![("id", names), ("features", features(&[vec![1.0]]))]);
        assert!(err.contains("column `id` is Utf8"), "{err}");
        let err = error_of(vec![("id", ids(&[1])), ("features", ids(&[2]))]);
        assert!(err.contains("column `features` is Int32"), "{err}");
    }

    #[test]
    fn ragged_vectors_are_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("t.parquet");
        write_factors(&file, &[1, 2], &[vec![1.0, 2.0], vec![3.0]]);
        let err = format!("{:#}", read_factors(&file).unwrap_err());
        assert!(
            err.contains("ragged") && err.contains("id 2 has 1 features"),
            "{err}"
        );
    }

    #[test]
    fn non_finite_features_are_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("t.parquet");
        write_factors(&file, &[1, 2], &[vec![1.0], vec![f32::NAN]]);
        let err = format!("{:#}", read_factors(&file).unwrap_err());
        assert!(
            err.contains("id 2: feature NaN is not a finite number"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_ids_across_part_files_are_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        write_factors(
            &tmp.path().join("part-0.parquet"),
            &[1, 2],
            &[vec![1.0], vec![2.0]],
        );
        write_factors(&tmp.path().join("part-1.parquet"), &[2], &[vec![3.0]]);
        let err = format!("{:#}", read_factors(tmp.path()).unwrap_err());
        assert!(err.contains("id 2 appears twice"), "{err}");
    }

    #[test]
    fn null_vectors_and_elements_are_errors() {
        let nulls =
            ListArray::from_iter_primitive::<Float32Type, _, _>(vec![Some(vec![Some(1.0)]), None]);
        let err = error_of(vec![("id", ids(&[1, 2])), ("features", Arc::new(nulls))]);
        assert!(err.contains("id 2: `features` is null"), "{err}");
        let holes =
            ListArray::from_iter_primitive::<Float32Type, _, _>(vec![Some(vec![Some(1.0), None])]);
        let err = error_of(vec![("id", ids(&[1])), ("features", Arc::new(holes))]);
        assert!(err.contains("null elements"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_parquet_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("t.parquet");
        std::fs::write(&file, "id,features\n1,2\n").unwrap();
        let err = format!("{:#}", read_factors(&file).unwrap_err());
        assert!(err.contains("not a Parquet file"), "{err}");
    }
}
