//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `shopwindow` binary with `args`.
pub fn shopwindow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shopwindow"))
        .args(args)
        .output()
        .expect("the shopwindow binary runs")
}

/// Stdout and stderr of a run, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// The shared real data sets (`../shared/data` beside the repository, or
/// `$SHOPWINDOW_DATA`). `None` (with a note) when absent on a developer machine; in CI
/// (`CI` set) a missing data directory fails the test instead of skipping it silently.
pub fn real_data(subdir: &str) -> Option<PathBuf> {
    let base = match std::env::var_os("SHOPWINDOW_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let dir = base.join(subdir);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "real data {} is missing, and CI is set: these tests must not be skipped",
            dir.display()
        );
    }
    eprintln!("SKIPPED: {} not found (set SHOPWINDOW_DATA)", dir.display());
    None
}
