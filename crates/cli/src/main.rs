use std::process::ExitCode;

use clap::Parser;
use shopwindow_cli::commands::{run, Cli};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole chain on one line ("reading x: cannot open x: ..."),
            // which is what a data engineer needs; no backtrace, whatever the environment.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
