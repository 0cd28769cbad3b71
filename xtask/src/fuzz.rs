//! The fuzz step of `cargo xtask test`: the committed corpus of every target replayed on
//! stable (always), then a few seconds of real coverage-guided fuzzing per target where a
//! nightly toolchain and cargo-fuzz are installed (setup installs cargo-fuzz when it finds
//! nightly; it never installs nightly itself).

use std::process::Command;

use crate::{probe, run, Ctx, Result};

/// The targets in fuzz/Cargo.toml.
pub const TARGETS: [&str; 5] = ["catalog", "campaigns", "policy_state", "history", "options"];

/// Seconds of fuzzing per target in the smoke run.
const SMOKE_SECONDS: u32 = 5;

/// The bounds every run is held to (and the long runs in the closing numbers were): a hang
/// is an input over 10 s, memory over 2 GiB in all or 512 MiB in one allocation is a failure.
pub const LIBFUZZER_BOUNDS: [&str; 3] =
    ["-timeout=10", "-rss_limit_mb=2048", "-malloc_limit_mb=512"];

/// `cargo +nightly …` through the rustup proxy (the toolchain's own cargo cannot switch).
pub fn nightly_cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC");
    cmd
}

pub fn have_nightly() -> bool {
    probe(
        Command::new("rustup")
            .args(["run", "nightly", "rustc", "--version"])
            .env_remove("RUSTUP_TOOLCHAIN"),
    )
    .is_some()
}

pub fn have_cargo_fuzz() -> bool {
    probe(nightly_cargo().args(["fuzz", "--version"])).is_some()
}

pub fn smoke(ctx: &Ctx) -> Result {
    let manifest = ctx.root.join("fuzz/Cargo.toml");
    let manifest = manifest.to_string_lossy();
    run(ctx.cargo(["fmt", "--manifest-path", &manifest, "--", "--check"]))?;
    run(ctx.cargo([
        "clippy",
        "--manifest-path",
        &manifest,
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(ctx.cargo(["test", "--manifest-path", &manifest]))?;
    if !(have_nightly() && have_cargo_fuzz()) {
        println!("SKIPPED: fuzzing itself (needs a nightly toolchain and cargo-fuzz); the corpus replayed above");
        return Ok(());
    }
    let fuzz_dir = ctx.root.join("fuzz");
    run(nightly_cargo()
        .args([
            "fuzz",
            "build",
            "-s",
            "none",
            "-O",
            "--features",
            "libfuzzer",
        ])
        .current_dir(&ctx.root))?;
    // fuzz/ is its own workspace: its build lands in fuzz/target unless CARGO_TARGET_DIR
    // (made absolute by `Ctx::new`) sends every build elsewhere.
    let fuzz_target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => ctx.target_dir.clone(),
        _ => fuzz_dir.join("target"),
    };
    let binaries = fuzz_target.join("x86_64-unknown-linux-gnu/release");
    for target in TARGETS {
        // New inputs go to a scratch directory; the committed corpus is only read.
        let scratch = ctx.target_dir.join("fuzz-smoke").join(target);
        std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        run(Command::new(binaries.join(target))
            .arg(&scratch)
            .arg(fuzz_dir.join("corpus").join(target))
            .arg(format!("-max_total_time={SMOKE_SECONDS}"))
            .args(LIBFUZZER_BOUNDS)
            .arg("-max_len=65536")
            .arg(format!("-artifact_prefix={}/", scratch.to_string_lossy())))?;
    }
    Ok(())
}
