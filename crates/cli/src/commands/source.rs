//! Reading the one interactions source `train` and `segments` take (`SourceArgs`): which
//! reader runs, on which file, behind which progress bar. What to report about it, and what
//! else to load, stays with each command.

use std::path::PathBuf;

use anyhow::{bail, Result};

use super::args::{CsvArgs, SourceArgs};
use crate::data::interactions_csv::read_interactions;
use crate::data::movielens::{read_ratings, RatingWeight};
use crate::data::online_retail::{read_online_retail, RetailReport};
use crate::data::{EventLog, ItemTable, RowReport};
use crate::progress::Progress;

/// The events of the source given, and what reading it found.
pub struct Source {
    pub log: EventLog,
    /// What the source says about items: Online Retail's titles and prices, else nothing.
    pub items: ItemTable,
    pub read: SourceRead,
}

/// Which source was read, from which file, and its row report.
pub enum SourceRead {
    Interactions {
        path: PathBuf,
        report: RowReport,
    },
    OnlineRetail {
        path: PathBuf,
        report: RetailReport,
    },
    /// `file` is the `u.data` read (`--movielens` may name the data set's directory).
    MovieLens {
        file: PathBuf,
        report: RowReport,
    },
}

impl SourceArgs {
    /// Reads the source given (clap lets exactly one through).
    pub fn read(&self, csv: &CsvArgs, weight: RatingWeight, progress: &Progress) -> Result<Source> {
        let policy = csv.policy();
        if let Some(path) = &self.interactions {
            let bar = progress.file(path, "reading");
            let (log, report) = read_interactions(path, csv.format(), policy, &bar)?;
            bar.finish_and_clear();
            let path = path.clone();
            return Ok(Source {
                log,
                items: ItemTable::new(),
                read: SourceRead::Interactions { path, report },
            });
        }
        if let Some(path) = &self.online_retail {
            let bar = progress.file(path, "reading");
            let (log, items, report) = read_online_retail(path, policy, &bar)?;
            bar.finish_and_clear();
            let path = path.clone();
            return Ok(Source {
                log,
                items,
                read: SourceRead::OnlineRetail { path, report },
            });
        }
        if let Some(path) = &self.movielens {
            let file = if path.is_dir() {
                path.join("u.data")
            } else {
                path.clone()
            };
            let (log, report) = read_ratings(&file, weight, policy)?;
            return Ok(Source {
                log,
                items: ItemTable::new(),
                read: SourceRead::MovieLens { file, report },
            });
        }
        bail!("give --interactions, --online-retail or --movielens")
    }
}
