//! Spark MLlib's ALS, as a source of catalogs: a model trained on a cluster is read from
//! its Parquet files and becomes a catalog the browser folds shoppers into.
//!
//! Spark's implicit ALS (`ALS(implicitPrefs=True)`) solves, per user, the system the
//! browser's fold-in solves with `lambda_scaling = "interactions"`:
//! `(YᵀY + Σ_i α·r_i·y_i y_iᵀ + λ·n·I) x = Σ_i (1 + α·r_i) y_i` over the user's items with
//! rating r_i > 0, where n counts those items (Spark's `numExplicits`). Ratings ≤ 0 add
//! nothing to the right-hand side in either; Spark lets a negative rating add confidence
//! α·|r| to the left, which the browser's non-negative event weights never produce.

pub mod factors;
pub mod id_map;
pub mod params;

use std::path::{Path, PathBuf};

use anyhow::{ensure, Result};

pub use factors::{read_factors, Factors};
pub use id_map::{item_ids, read_id_map};
pub use params::{AlsHyperParams, SparkMetadata};

/// Item factors and what is known about the model they come from.
#[derive(Debug, Clone)]
pub struct SparkModel {
    pub items: Factors,
    /// Present for the `ALSModel.save` layout.
    pub metadata: Option<SparkMetadata>,
    /// `userFactors` of the `ALSModel.save` layout.
    pub user_factors: Option<PathBuf>,
}

impl SparkModel {
    /// Opens `path`: an `ALSModel.save` directory (`metadata/`, `itemFactors/`,
    /// `userFactors/`), or an item-factor table written with `itemFactors.write.parquet`
    /// (a directory of part files, or one Parquet file).
    pub fn open(path: &Path) -> Result<SparkModel> {
        let item_dir = path.join("itemFactors");
        if !item_dir.is_dir() {
            return Ok(SparkModel {
                items: read_factors(path)?,
                metadata: None,
                user_factors: None,
            });
        }
        let metadata = SparkMetadata::read(path)?;
        ensure!(
            metadata.class.ends_with(".ALSModel"),
            "{}: the metadata is of {}, expected an ALSModel",
            path.display(),
            metadata.class
        );
        let items = read_factors(&item_dir)?;
        if let Some(rank) = metadata.rank {
            ensure!(
                rank == items.dim,
                "{}: the metadata gives rank {rank} but the item factors have {} dimensions",
                path.display(),
                items.dim
            );
        }
        let user_dir = path.join("userFactors");
        Ok(SparkModel {
            items,
            metadata: Some(metadata),
            user_factors: user_dir.is_dir().then_some(user_dir),
        })
    }
}

#[cfg(test)]
pub(crate) mod test_files {
    //! Small Parquet tables written the way Spark writes factor tables.

    use std::fs::File;
    use std::path::Path;
    use std::sync::Arc;

    use arrow_array::types::Float32Type;
    use arrow_array::{ArrayRef, Int32Array, ListArray, RecordBatch};
    use parquet::arrow::ArrowWriter;

    pub fn features(rows: &[Vec<f32>]) -> ArrayRef {
        Arc::new(ListArray::from_iter_primitive::<Float32Type, _, _>(
            rows.iter().map(|r| Some(r.iter().copied().map(Some))),
        ))
    }

    pub fn write_columns(path: &Path, columns: Vec<(&str, ArrayRef)>) {
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let mut writer =
            ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }

    /// A factor table `id int, features array<float>`.
    pub fn write_factors(path: &Path, ids: &[i32], rows: &[Vec<f32>]) {
        write_columns(
            path,
            vec![
                ("id", Arc::new(Int32Array::from(ids.to_vec())) as ArrayRef),
                ("features", features(rows)),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::test_files::write_factors;
    use super::*;

    const MODEL_METADATA: &str = r#"{"class":"org.apache.spark.ml.recommendation.ALSModel","sparkVersion":"4.0.0","paramMap":{},"defaultParamMap":{},"rank":2}"#;

    fn model_dir(root: &Path, rank_in_metadata: usize) -> PathBuf {
        let dir = root.join("model");
        for sub in ["metadata", "itemFactors", "userFactors"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let metadata =
            MODEL_METADATA.replace(r#""rank":2"#, &format!(r#""rank":{rank_in_metadata}"#));
        std::fs::write(dir.join("metadata/part-00000"), metadata).unwrap();
        std::fs::write(dir.join("metadata/_SUCCESS"), "").unwrap();
        write_factors(
            &dir.join("itemFactors/part-00000-x.snappy.parquet"),
            &[7, 3],
            &[vec![0.7, 0.8], vec![0.3, 0.4]],
        );
        write_factors(
            &dir.join("itemFactors/part-00001-x.snappy.parquet"),
            &[5],
            &[vec![0.5, 0.6]],
        );
        std::fs::write(dir.join("itemFactors/_SUCCESS"), "").unwrap();
        std::fs::write(
            dir.join("itemFactors/.part-00000-x.snappy.parquet.crc"),
            "crc",
        )
        .unwrap();
        write_factors(
            &dir.join("userFactors/part-00000-y.snappy.parquet"),
            &[1],
            &[vec![1.0, 2.0]],
        );
        dir
    }

    #[test]
    fn reads_the_als_model_save_layout() {
        let tmp = tempfile::tempdir().unwrap();
        let model = SparkModel::open(&model_dir(tmp.path(), 2)).unwrap();
        assert_eq!(model.items.ids, vec![3, 5, 7]);
        assert_eq!(model.items.data, vec![0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
        assert_eq!(model.metadata.unwrap().rank, Some(2));
        let users = read_factors(&model.user_factors.unwrap()).unwrap();
        assert_eq!(users.find(1), Some(&[1.0f32, 2.0][..]));
    }

    #[test]
    fn reads_a_plain_item_factors_table() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("items.parquet");
        write_factors(&file, &[2, 1], &[vec![2.0], vec![1.0]]);
        let model = SparkModel::open(&file).unwrap();
        assert_eq!(model.items.ids, vec![1, 2]);
        assert!(model.metadata.is_none());
        // The same table as a directory of part files.
        let model = SparkModel::open(tmp.path()).unwrap();
        assert_eq!(model.items.data, vec![1.0, 2.0]);
    }

    #[test]
    fn a_rank_that_disagrees_with_the_factors_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let err = SparkModel::open(&model_dir(tmp.path(), 3)).unwrap_err();
        assert!(err.to_string().contains("rank 3"), "{err:#}");
    }

    #[test]
    fn an_empty_directory_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let err = SparkModel::open(tmp.path()).unwrap_err();
        assert!(err.to_string().contains("no .parquet files"), "{err:#}");
    }
}
