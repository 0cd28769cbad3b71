//! The training split of a protocol as files another trainer (Spark MLlib's ALS) reads,
//! so that models trained elsewhere are evaluated on exactly the data ours see.
//!
//! Spark's ALS needs integer ids, so users and items are written as their row and column
//! in the training matrix, with maps back to the original ids:
//!
//! | file | columns |
//! |---|---|
//! | `ratings.csv` | `user,item,rating`: row, column, weight (one line per distinct pair) |
//! | `item_ids.csv` | `spark_id,id`: column → item id (`import --id-map` reads it) |
//! | `user_ids.csv` | `spark_id,id`: row → user id |

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::split::EvalSplit;
use crate::data::IdMap;

pub fn write_split(dir: &Path, split: &EvalSplit) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let matrix = &split.train.matrix;
    write_file(&dir.join("ratings.csv"), |out| {
        writeln!(out, "user,item,rating")?;
        for row in 0..matrix.rows() {
            let (columns, weights) = matrix.row(row);
            for (column, weight) in columns.iter().zip(weights) {
                writeln!(out, "{row},{column},{weight}")?;
            }
        }
        Ok(())
    })?;
    write_id_map(&dir.join("item_ids.csv"), &split.train.items)?;
    write_id_map(&dir.join("user_ids.csv"), &split.train.users)
}

fn write_id_map(path: &Path, ids: &IdMap) -> Result<()> {
    write_file(path, |out| {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(["spark_id", "id"])?;
        for (index, id) in ids.ids().iter().enumerate() {
            csv.write_record([index.to_string().as_str(), id])?;
        }
        csv.flush()?;
        Ok(())
    })
}

fn write_file(path: &Path, body: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    body(&mut out).with_context(|| format!("writing {}", path.display()))?;
    out.flush()
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::EventLog;
    use crate::eval::split::temporal_split;

    #[test]
    fn writes_the_training_pairs_and_the_id_maps() {
        let mut log = EventLog::default();
        log.push("alice", "85123A", 1.0, Some(10));
        log.push("alice", "85123A", 1.0, Some(11));
        log.push("bob", "71053", 1.0, Some(12));
        log.push("bob", "85123A", 1.0, Some(100)); // test period: not written
        let split = temporal_split("t", &log, 50);
        let dir = tempfile::tempdir().unwrap();
        write_split(dir.path(), &split).unwrap();
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert_eq!(read("ratings.csv"), "user,item,rating\n0,0,2\n1,1,1\n");
        assert_eq!(read("item_ids.csv"), "spark_id,id\n0,85123A\n1,71053\n");
        assert_eq!(read("user_ids.csv"), "spark_id,id\n0,alice\n1,bob\n");
        // The item map is what `import --id-map` reads.
        let map = crate::spark::read_id_map(&dir.path().join("item_ids.csv")).unwrap();
        assert_eq!(map[&0], "85123A");
    }
}
