//! `cargo xtask test` (everything CI checks) and `cargo xtask bench`.

use std::env;
use std::process::Command;
use std::time::Instant;

use crate::setup::{self, Scope};
use crate::{build, demo, elapsed, fuzz, run, serve, step, Ctx, Result};

/// A named check of `cargo xtask test`.
type Step = (&'static str, fn(&Ctx) -> Result);

/// The checks, cheapest first so that a formatting slip fails in seconds, not minutes.
const STEPS: [Step; 9] = [
    ("rustfmt", |ctx| {
        run(ctx.cargo(["fmt", "--all", "--", "--check"]))
    }),
    ("clippy (native)", |ctx| {
        run(ctx.cargo([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    }),
    ("clippy (wasm32)", |ctx| {
        run(ctx.cargo([
            "clippy",
            "-p",
            "shopwindow",
            "-p",
            "shopwindow-web",
            "-p",
            "shopwindow-web-campaigns",
            "-p",
            "shopwindow-web-interests",
            "-p",
            "shopwindow-web-gpu",
            "-p",
            "shopwindow-webgpu",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--features",
            "shopwindow-web-gpu/bench",
            "--",
            "-D",
            "warnings",
        ]))
    }),
    // The workspace's default members leave out crates/web, crates/web-campaigns,
    // crates/web-interests, crates/web-gpu and crates/webgpu, hence --workspace.
    (
        "native tests",
        |ctx| run(ctx.cargo(["test", "--workspace"])),
    ),
    // The committed fuzz corpus replayed on stable, then seconds of fuzzing with nightly.
    ("fuzz corpus and smoke run", fuzz::smoke),
    // The wasm crates' suites: the engine's, the WebGPU module's over it (GPU parity and
    // fallbacks, on SwiftShader), the campaigns', the interests'.
    ("browser tests", |ctx| {
        run(browser_test(
            ctx,
            &[
                "-p",
                "shopwindow-web-gpu",
                "-p",
                "shopwindow-web-campaigns",
                "-p",
                "shopwindow-web-interests",
                "--features",
                "shopwindow-web-gpu/bench",
            ],
        ))
    }),
    ("browser equals CLI on real data", parity),
    ("wasm build and size budget", |ctx| {
        build::build(ctx, &build::Options::default())
    }),
    // After the build whose package they load.
    ("end-to-end tests (www, Playwright + Chromium)", end_to_end),
];

/// The demo storefront and the npm package in headless Chromium (www/tests): builds the demo
/// catalog, serves www/ with the demo's own server on a free port, runs `npm test`.
fn end_to_end(ctx: &Ctx) -> Result {
    demo::build_catalog(ctx, None)?;
    let www = ctx.root.join("www");
    let url = serve::in_background(&www)?;
    run(Command::new("npm")
        .arg("test")
        .current_dir(&www)
        .env("SHOPWINDOW_URL", &url))
}

/// UCI Online Retail, read from the shared data folder beside the checkout (never copied
/// into the repository).
const ONLINE_RETAIL: &str = "../shared/data/uci-online-retail/online_retail.csv.gz";

/// The CLI trains on Online Retail and writes a catalog plus, for 200 evaluation users, the
/// top-20 it computed natively; the browser test (`crates/web/tests/parity.rs`) embeds both
/// and must reproduce every list. Three times: a plain iALS catalog, the self-tuned hybrid
/// (neighbour table and popularity blend) that `train` writes by default, and the
/// cold-start catalog with new products under `fresh`. The CLI runs in the test profile to reuse the artifacts of
/// the native tests.
fn parity(ctx: &Ctx) -> Result {
    let data = ctx.root.join(ONLINE_RETAIL);
    if !data.is_file() {
        if env::var_os("CI").is_some() {
            return Err(format!(
                "{} is missing: CI must have ../shared/data",
                data.display()
            ));
        }
        println!("SKIPPED: {} not found (outside CI only)", data.display());
        return Ok(());
    }
    let data_arg = data.to_string_lossy().into_owned();
    // A plain iALS catalog (fixed flags), then the hybrid catalog `train` makes by default
    // (tuned on a short budget: the search is sized to it, so this stays quick).
    let models: [(&str, &[&str]); 3] = [
        (
            "parity",
            &["ials", "--regularization", "20", "--alpha", "0.5"],
        ),
        ("parity-tuned", &["tuned", "--tune-budget", "5"]),
        // The cold split's catalog with its new products (content-derived vectors) and
        // lists with `fresh: {share: 0.1}`: places for them (`eval::fresh_golden`).
        (
            "parity-fresh",
            &[
                "ials",
                "--regularization",
                "20",
                "--alpha",
                "0.5",
                "--cold-start",
            ],
        ),
    ];
    for (name, model_args) in models {
        let dir = ctx.target_dir.join(name);
        let dir_arg = dir.to_string_lossy().into_owned();
        run(ctx
            .cargo([
                "run",
                "-q",
                "-p",
                "shopwindow-cli",
                "--profile",
                "test",
                "--",
                "eval",
                "--online-retail",
                &data_arg,
                "--models",
            ])
            .args(model_args)
            .args(["--golden", &dir_arg, "--golden-users", "200", "-q"]))?;
        let mut cmd = browser_test(ctx, &["--features", "parity-test", "--test", "parity"]);
        cmd.env("SHOPWINDOW_PARITY_DIR", &dir);
        run(&mut cmd)?;
    }
    Ok(())
}

pub fn test(ctx: &Ctx) -> Result {
    let started = Instant::now();
    setup::install(ctx, Scope::Full)?;
    let mut passed = Vec::new();
    for (i, (name, check)) in STEPS.iter().enumerate() {
        step(&format!("[{}/{}] {name}", i + 1, STEPS.len()));
        let step_started = Instant::now();
        check(ctx).map_err(|e| {
            format!(
                "test step `{name}` failed: {e}\n{i} of {} steps passed",
                STEPS.len()
            )
        })?;
        passed.push(format!("{name} {}", elapsed(step_started)));
    }
    println!(
        "\nxtask test: all {} steps passed in {} ({})",
        STEPS.len(),
        elapsed(started),
        passed.join(", ")
    );
    Ok(())
}

pub fn bench(ctx: &Ctx, args: &[String]) -> Result {
    let native = args.iter().any(|a| a == "--native");
    if args.iter().any(|a| a == "--first-visit") {
        let passed_on: Vec<_> = args.iter().filter(|a| *a != "--first-visit").collect();
        return crate::first_visit::bench(ctx, &passed_on);
    }
    let passed_on = args.iter().filter(|a| *a != "--native");
    if native {
        step("native benchmarks (criterion)");
        return run(ctx
            .cargo(["bench", "-p", "shopwindow", "--"])
            .args(passed_on));
    }
    let bench_file = ctx.root.join("crates/web/tests/browser_bench.rs");
    if !bench_file.is_file() {
        return Err(format!(
            "there is no in-browser benchmark yet: {} does not exist \
             (`cargo xtask bench --native` runs the core's criterion benchmarks)",
            bench_file.display()
        ));
    }
    setup::install(ctx, Scope::Full)?;
    step("in-browser benchmark (headless Chromium)");
    // Measure what ships: the same size-optimized profile as `cargo xtask build`.
    let cargo_args = [
        "--profile",
        crate::build::WASM_PROFILE,
        "--features",
        "bench",
        "--test",
        "browser_bench",
        "--",
        "--nocapture",
    ];
    run(browser_test(ctx, &cargo_args).args(passed_on))
}

/// `cargo test` of the web crate (and of the packages `args` adds with `-p`) for wasm32,
/// run by wasm-bindgen-test-runner in headless Chromium through chromedriver.
fn browser_test(ctx: &Ctx, args: &[&str]) -> Command {
    let web = ctx.root.join("crates/web");
    let mut cmd = ctx.cargo([
        "test",
        "-p",
        "shopwindow-web",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    cmd.args(args).current_dir(&web);
    // The runner reads webdriver.json from its working directory, which cargo sets to the
    // crate. Naming the file too means its flags (--no-sandbox is required as root) can't be
    // dropped silently when someone runs this from elsewhere.
    cmd.env(
        "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
        web.join("webdriver.json"),
    );
    // Test binaries that do not ask for a browser would otherwise run in Node.
    cmd.env("WASM_BINDGEN_USE_BROWSER", "1");
    // Defaults that a caller's environment may override: Debian's driver, and a per-test
    // timeout well above the runner's 20 s, which WebGPU on SwiftShader can exceed.
    for (key, value) in [
        ("CHROMEDRIVER", "/usr/bin/chromedriver"),
        ("WASM_BINDGEN_TEST_TIMEOUT", "300"),
    ] {
        if env::var_os(key).is_none() {
            cmd.env(key, value);
        }
    }
    cmd
}
