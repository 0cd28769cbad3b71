use clap::Parser;
use shopwindow_cli::commands::{run, Cli};

fn main() -> anyhow::Result<()> {
    run(Cli::parse())
}
