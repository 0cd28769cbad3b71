//! What happens to a malformed row: a clear error, or a counted skip. Never a silent guess.

use std::fmt::Display;
use std::path::Path;

use anyhow::{bail, Result};

/// What to do with a row that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadRowPolicy {
    /// Stop with an error naming the file, the line and the reason.
    #[default]
    Fail,
    /// Skip the row and count it (reported at the end, with the first few reasons).
    Skip,
}

/// How many rows a reader saw, kept and skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowReport {
    /// Data rows seen (a header is not counted).
    pub rows: usize,
    pub skipped: usize,
    /// The first few skipped rows, as `file:line: reason`.
    pub examples: Vec<String>,
    /// What the reader decided about rows that were read but are worth a word (rows
    /// dropped by a documented rule, an ambiguous first line): printed with the summary.
    pub notes: Vec<String>,
}

/// How many skipped rows are quoted in a report.
const EXAMPLES_KEPT: usize = 5;

impl RowReport {
    /// Handles a malformed row at `line` (1-based, as an editor shows it).
    pub fn bad_row(
        &mut self,
        policy: BadRowPolicy,
        path: &Path,
        line: u64,
        reason: impl Display,
    ) -> Result<()> {
        let message = format!("{}:{line}: {reason}", path.display());
        match policy {
            BadRowPolicy::Fail => {
                bail!("{message}\n(pass --skip-bad-rows to skip and count such rows instead)")
            }
            BadRowPolicy::Skip => {
                self.skipped += 1;
                if self.examples.len() < EXAMPLES_KEPT {
                    self.examples.push(message);
                }
                Ok(())
            }
        }
    }

    /// Reads the next row into `record` and returns its line (1-based), or `None` at the end.
    /// A row the CSV reader itself rejects (bad quoting) is counted and handled as a bad row
    /// under `policy`, and reading goes on with the next one.
    pub fn next_record<R: std::io::Read>(
        &mut self,
        reader: &mut csv::Reader<R>,
        record: &mut csv::StringRecord,
        policy: BadRowPolicy,
        path: &Path,
    ) -> Result<Option<u64>> {
        loop {
            let line = reader.position().line();
            match reader.read_record(record) {
                Ok(false) => return Ok(None),
                Ok(true) => return Ok(Some(record.position().map_or(line, |p| p.line()))),
                Err(error) => {
                    self.rows += 1;
                    self.bad_row(policy, path, line, error)?;
                }
            }
        }
    }

    /// One line for the user, plus the examples when rows were skipped.
    pub fn summary(&self, what: &str) -> String {
        let mut text = format!(
            "{what}: {} rows read, {} skipped as malformed",
            self.rows, self.skipped
        );
        for example in &self.examples {
            text.push_str("\n  skipped ");
            text.push_str(example);
        }
        for note in &self.notes {
            text.push_str("\n  note: ");
            text.push_str(note);
        }
        text
    }
}
