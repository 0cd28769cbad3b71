//! Replays every committed fuzz input (`corpus/<target>/`, the fuzzer's minimized corpus and
//! any crash it found) through the same functions the libFuzzer binaries call, on stable.
//! A crash found by `cargo +nightly fuzz run` becomes a regression test by copying its
//! artifact into the target's corpus directory.

use std::fs;
use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut inputs: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable corpus entry").path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{} has no inputs", dir.display());
    for path in inputs {
        let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The file's name is in the panic message of a failing input.
        eprintln!("{}", path.display());
        run(&data);
    }
}

#[test]
fn catalog_corpus() {
    replay("catalog", shopwindow_fuzz::catalog);
}

#[test]
fn campaigns_corpus() {
    replay("campaigns", shopwindow_fuzz::campaigns);
}

#[test]
fn policy_state_corpus() {
    replay("policy_state", shopwindow_fuzz::policy_state);
}

#[test]
fn history_corpus() {
    replay("history", shopwindow_fuzz::history);
}

#[test]
fn options_corpus() {
    replay("options", shopwindow_fuzz::options);
}
