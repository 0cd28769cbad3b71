//! Build automation for shopwindow: `cargo xtask <command>`.
//!
//! Plain Rust with no argument-parsing crate, so that the only thing a fresh machine needs
//! before running it is a Rust toolchain. Every command installs what it is missing first.

mod build;
mod demo;
mod first_visit;
mod fuzz;
mod serve;
mod setup;
mod test;

use std::borrow::BorrowMut;
use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  setup                     install the toolchain pieces, browser and tools the other commands need
  build [--features F]      build the release wasm package into www/pkg and check its size budget
  demo [--data FILE] [--port N] [--serve-only]
                            build the wasm and the demo catalog (synthetic storefront, or trained
                            from the UCI Online Retail FILE), serve www/ on http://127.0.0.1:8080
  test                      setup, then fmt, clippy (native + wasm32), native tests, browser tests, build
  bench [--native] [ARGS]   in-browser benchmark (crates/web/tests/browser_bench.rs), or with
                            --native the criterion benchmarks of the core; ARGS go to the harness
                            (a name filter runs one case: `cargo xtask bench rerank`)
  bench --first-visit [--runs N]
                            the demo's first visit in Chromium on Slow 4G with a 4x slower CPU,
                            cold cache: bytes and time to the first cards (www/bench/first-visit.js)
";

/// Errors are messages for a person at a terminal; nothing inspects them.
pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let ctx = Ctx::new();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::install(&ctx, setup::Scope::Full),
        Some("build") => build::parse_args(&args[1..]).and_then(|opts| {
            setup::install(&ctx, setup::Scope::Build)?;
            build::build(&ctx, &opts)
        }),
        Some("demo") => demo::parse_args(&args[1..]).and_then(|opts| demo::demo(&ctx, &opts)),
        Some("test") => test::test(&ctx),
        Some("bench") => test::bench(&ctx, &args[1..]),
        Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Where things are, worked out once.
pub struct Ctx {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    cargo: String,
}

impl Ctx {
    fn new() -> Ctx {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives one level below the repository root")
            .to_path_buf();

        // Children run from the repository root, but cargo resolves a relative
        // CARGO_TARGET_DIR against the directory it was started in: pin it down so that
        // every child (and our own path to the built wasm) agrees.
        let target_dir = match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => {
                let dir = env::current_dir()
                    .map(|cwd| cwd.join(&dir))
                    .unwrap_or(dir.into());
                env::set_var("CARGO_TARGET_DIR", &dir);
                dir
            }
            _ => root.join("target"),
        };

        // `cargo install` puts wasm-bindgen in $CARGO_HOME/bin; make sure we find it there
        // even from a shell that never sourced ~/.cargo/env.
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
        if let Some(bin) = cargo_home.map(|home| home.join("bin")) {
            let path = env::var_os("PATH").unwrap_or_default();
            if !env::split_paths(&path).any(|p| p == bin) {
                let joined = env::join_paths(std::iter::once(bin).chain(env::split_paths(&path)))
                    .expect("PATH entries contain no separator");
                env::set_var("PATH", joined);
            }
        }

        // `cargo run` tells us which cargo started us; use the same one.
        let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        Ctx {
            root,
            target_dir,
            cargo,
        }
    }

    /// A cargo command that runs in the repository root.
    pub fn cargo<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(&self.cargo);
        cmd.args(args).current_dir(&self.root);
        cmd
    }
}

/// Runs a command with its output streamed to ours, after echoing it.
pub fn run(mut cmd: impl BorrowMut<Command>) -> Result {
    let cmd = cmd.borrow_mut();
    let shown = show(cmd);
    println!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Runs a command quietly and returns its stdout if it succeeded; for probing what is
/// installed, where failure just means "not there".
pub fn probe(mut cmd: impl BorrowMut<Command>) -> Option<String> {
    let output = cmd.borrow_mut().output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The command as a shell line, with the variables we set, so it can be rerun by hand.
fn show(cmd: &Command) -> String {
    let mut words = Vec::new();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            words.push(format!(
                "{}={}",
                key.to_string_lossy(),
                value.to_string_lossy()
            ));
        }
    }
    // The toolchain's cargo has a long path; the short name reruns the same one.
    let program = Path::new(cmd.get_program());
    match program.file_name() {
        Some(name) if name == "cargo" => words.push("cargo".to_string()),
        _ => words.push(program.to_string_lossy().into_owned()),
    }
    words.extend(cmd.get_args().map(|arg| arg.to_string_lossy().into_owned()));
    words.join(" ")
}

/// The first `name` on PATH, like `command -v`.
pub fn which(name: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

pub fn step(name: &str) {
    println!("\n==> {name}");
}

/// Wall time since `since`, as people read it.
pub fn elapsed(since: Instant) -> String {
    match since.elapsed().as_secs() {
        s if s < 60 => format!("{s}s"),
        s => format!("{}m{:02}s", s / 60, s % 60),
    }
}
