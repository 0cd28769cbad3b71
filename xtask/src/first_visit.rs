//! `cargo xtask bench --first-visit`: the demo storefront's first visit as a shopper on a
//! phone meets it (Slow 4G, 4× slower CPU, cold cache), measured by www/bench/first-visit.js
//! in headless Chromium. A measurement for BENCHMARKS.md, never a pass/fail test.

use std::process::Command;

use crate::setup::{self, Scope};
use crate::{build, demo, run, serve, step, Ctx, Result};

/// Builds what ships (the release wasm and the demo catalog), serves www/ with the demo
/// server on a free port, and runs the benchmark script; `args` go to the script
/// (`--runs N`, `--no-throttle`).
pub fn bench(ctx: &Ctx, args: &[&String]) -> Result {
    setup::install(ctx, Scope::Full)?;
    build::build(ctx, &build::Options::default())?;
    demo::build_catalog(ctx, None)?;
    let www = ctx.root.join("www");
    let url = serve::in_background(&www)?;
    step("first-visit benchmark (Playwright + Chromium, Slow 4G, cold cache)");
    run(Command::new("node")
        .arg("bench/first-visit.js")
        .args(args)
        .current_dir(&www)
        .env("SHOPWINDOW_URL", &url))
}
