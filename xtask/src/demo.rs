//! `cargo xtask demo`: build everything the demo storefront needs and serve it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::{self, Scope};
use crate::{build, run, serve, step, Ctx, Result};

pub const DEFAULT_PORT: u16 = 8080;

pub struct Options {
    /// A real data set (the UCI Online Retail file) instead of the synthetic storefront.
    data: Option<PathBuf>,
    port: u16,
    /// Serve what is already built (the tests build first, then serve on a free port).
    serve_only: bool,
}

pub fn parse_args(args: &[String]) -> Result<Options> {
    let mut opts = Options {
        data: None,
        port: DEFAULT_PORT,
        serve_only: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--data" => opts.data = Some(PathBuf::from(value("--data")?)),
            "--port" => {
                let port = value("--port")?;
                opts.port = port
                    .parse()
                    .map_err(|_| format!("--port: {port:?} is not a port number"))?;
            }
            "--serve-only" => opts.serve_only = true,
            other => return Err(format!("demo: unknown argument `{other}`")),
        }
    }
    Ok(opts)
}

pub fn demo(ctx: &Ctx, opts: &Options) -> Result {
    if !opts.serve_only {
        setup::install(ctx, Scope::Build)?;
        build::build(ctx, &build::Options::default())?;
        build_catalog(ctx, opts.data.as_deref())?;
    }
    let www = ctx.root.join("www");
    let listener = serve::bind(&format!("127.0.0.1:{}", opts.port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    step("serve");
    // The tests read this line to find the port.
    println!("serving the demo storefront on http://{addr}/demo/ (Ctrl-C to stop)");
    serve::serve(listener, www);
    Ok(())
}

/// The demo catalog and its manifest (`catalog.json`: file name and cache version).
pub fn catalog_path(ctx: &Ctx) -> PathBuf {
    ctx.root.join("www/demo/catalog.safetensors")
}

/// The popular-items preview written with the catalog (`--popular-json`): the demo's first
/// grid, drawn before the engine is up.
fn preview_path(ctx: &Ctx) -> PathBuf {
    ctx.root.join("www/demo/popular.json")
}

/// Builds www/demo/catalog.safetensors with the CLI: trained from `data` (the UCI Online
/// Retail file), or the default synthetic storefront (`shopwindow demo-catalog`: simulated
/// shoppers with latent tastes, trained with the real implicit-ALS trainer; the same bytes
/// on every run).
pub fn build_catalog(ctx: &Ctx, data: Option<&Path>) -> Result {
    let out = catalog_path(ctx);
    // Written beside it, then renamed, so a server running meanwhile never serves half a
    // catalog.
    let tmp = out.with_extension("tmp");
    let preview = preview_path(ctx);
    let preview_tmp = preview.with_extension("json.tmp");
    match data {
        Some(data) => {
            step("train the demo catalog from a real data set (shopwindow train)");
            // The regularization and alpha the CLI's tuning grid picked for this data set
            // (BENCHMARKS.md, "Offline side"), as in its `train --help` example.
            run(cli(
                ctx,
                &[
                    "train",
                    "--regularization",
                    "20",
                    "--alpha",
                    "0.5",
                    // Segments for the demo's badge, as the synthetic catalog ships them.
                    "--segments",
                    "8",
                    "--online-retail",
                ],
            )
            .arg(data)
            .arg("--output")
            .arg(&tmp)
            .arg("--popular-json")
            .arg(&preview_tmp))?;
        }
        None => {
            step("build the demo catalog (shopwindow demo-catalog: synthetic storefront)");
            // 4-bit vectors: 190 KB gzipped against int8's 285 KB and f32's 808 KB, held-out
            // recall@10 0.1869 as in f32 (BENCHMARKS.md, "Compact catalogs").
            run(
                cli(ctx, &["demo-catalog", "--dtype", "i4", "--popular-json"])
                    .arg(&preview_tmp)
                    .arg("--output")
                    .arg(&tmp),
            )?;
        }
    }
    fs::rename(&tmp, &out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    fs::rename(&preview_tmp, &preview)
        .map_err(|e| format!("cannot write {}: {e}", preview.display()))?;
    write_manifest(&out)
}

/// `shopwindow ARGS` from this tree. The test profile (opt-level 1) reuses what the native
/// tests and the parity step of `cargo xtask test` already built, instead of a second,
/// release build of the CLI; the demo's catalogs train fast enough there.
fn cli(ctx: &Ctx, args: &[&str]) -> Command {
    let mut cmd = ctx.cargo([
        "run",
        "--quiet",
        "-p",
        "shopwindow-cli",
        "--profile",
        "test",
        "--",
    ]);
    cmd.args(args);
    cmd
}

/// `catalog.json` tells the page which catalog build to expect, so its Cache API copy is
/// reused without a request until the bytes change, and how many bytes it has.
fn write_manifest(catalog: &Path) -> Result {
    let bytes = fs::read(catalog).map_err(|e| format!("cannot read {}: {e}", catalog.display()))?;
    let name = catalog
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("catalog.safetensors");
    // `bytes`: the decoded size, for the progress bar when the host compresses the catalog
    // (a compressed response's Content-Length counts the encoded bytes).
    let manifest = format!(
        "{{\n  \"url\": \"{name}\",\n  \"version\": \"{}\",\n  \"bytes\": {}\n}}\n",
        content_version(&bytes),
        bytes.len()
    );
    write(&catalog.with_file_name("catalog.json"), manifest.as_bytes())
}

/// A short content hash for the catalog's cache version (FNV-1a 64): the page's Cache API
/// copy is replaced exactly when the bytes change.
fn content_version(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{:016x}-{}", hash, bytes.len())
}

fn write(path: &Path, bytes: &[u8]) -> Result {
    // Via a temporary file, so a server running meanwhile never serves half a catalog.
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
