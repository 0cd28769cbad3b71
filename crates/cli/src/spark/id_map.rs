//! Spark's ALS needs integer ids; shops have item codes. An id map is a CSV with a header
//! and two columns, the Spark id and the item id (`spark_id,id`), written by whatever
//! indexed the items before training (e.g. `StringIndexer`, or `shopwindow split`).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::Factors;
use crate::data::open_maybe_gz;

/// Spark id → item id.
pub fn read_id_map(path: &Path) -> Result<HashMap<i64, String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(open_maybe_gz(path)?);
    let mut map = HashMap::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = record.with_context(|| format!("{}:{line}", path.display()))?;
        let (Some(spark), Some(item)) = (record.get(0), record.get(1)) else {
            bail!(
                "{}:{line}: expected two columns, the Spark id and the item id",
                path.display()
            );
        };
        let Ok(spark_id) = spark.trim().parse::<i64>() else {
            bail!(
                "{}:{line}: Spark id {spark:?} is not an integer",
                path.display()
            );
        };
        let item = item.trim();
        if item.is_empty() {
            bail!("{}:{line}: empty item id", path.display());
        }
        if map.insert(spark_id, item.to_string()).is_some() {
            bail!(
                "{}:{line}: Spark id {spark_id} appears twice",
                path.display()
            );
        }
    }
    Ok(map)
}

/// The catalog ids of the factor rows: mapped, or the Spark ids themselves in decimal.
pub fn item_ids(factors: &Factors, map: Option<&HashMap<i64, String>>) -> Result<Vec<String>> {
    let Some(map) = map else {
        return Ok(factors.ids.iter().map(i64::to_string).collect());
    };
    let missing: Vec<i64> = factors
        .ids
        .iter()
        .copied()
        .filter(|id| !map.contains_key(id))
        .collect();
    if !missing.is_empty() {
        bail!(
            "{} of {} Spark ids have no row in the id map (e.g. {:?})",
            missing.len(),
            factors.len(),
            &missing[..missing.len().min(5)]
        );
    }
    Ok(factors.ids.iter().map(|id| map[id].clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factors(ids: Vec<i64>) -> Factors {
        let n = ids.len();
        Factors {
            ids,
            dim: 1,
            data: vec![0.0; n],
        }
    }

    #[test]
    fn maps_spark_ids_to_item_codes() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("ids.csv");
        std::fs::write(&path, "spark_id,id\n0,85123A\n1,71053\n").unwrap();
        let map = read_id_map(&path).unwrap();
        let ids = item_ids(&factors(vec![0, 1]), Some(&map)).unwrap();
        assert_eq!(ids, vec!["85123A", "71053"]);
        assert_eq!(item_ids(&factors(vec![4]), None).unwrap(), vec!["4"]);
    }

    #[test]
    fn unmapped_ids_are_an_error() {
        let map = HashMap::from([(0, "a".to_string())]);
        let err = item_ids(&factors(vec![0, 9]), Some(&map)).unwrap_err();
        assert!(err.to_string().contains("e.g. [9]"), "{err}");
    }

    #[test]
    fn bad_map_rows_are_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("ids.csv");
        for (text, expected) in [
            ("spark_id,id\nx,a\n", ":2: Spark id \"x\" is not an integer"),
            ("spark_id,id\n1,a\n1,b\n", ":3: Spark id 1 appears twice"),
            ("spark_id,id\n1, \n", ":2: empty item id"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = format!("{:#}", read_id_map(&path).unwrap_err());
            assert!(err.contains(expected), "{err}");
        }
    }
}
