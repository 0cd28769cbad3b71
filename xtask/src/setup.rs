//! Installs what the other commands need. Each check is cheap, so running it on a machine
//! that is already set up costs well under a second.

use std::path::Path;
use std::process::Command;

use crate::{fuzz, probe, run, step, which, Ctx, Result};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// How much to install: building the wasm package needs only the Rust side; the tests also
/// need a browser with its driver, binaryen and the Python packages used for interop checks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Build,
    Full,
}

pub fn install(ctx: &Ctx, scope: Scope) -> Result {
    step("setup");
    wasm_target()?;
    rust_components(ctx)?;
    wasm_bindgen_cli(ctx)?;
    let mut apt = Apt::default();
    // The build needs www/'s npm packages too: a current wasm-opt (npm `binaryen`).
    node_packages(ctx, &mut apt)?;
    if scope == Scope::Full {
        browser_and_binaryen(&mut apt)?;
        python_packages(&mut apt)?;
        bundler_packages(ctx)?;
        fuzz_tools();
    }
    Ok(())
}

/// Oldest Node.js that playwright-core (the e2e tests) supports.
const MIN_NODE: u32 = 20;

/// Node.js and npm, then www/'s locked dev dependencies (`npm ci`): binaryen for the build,
/// playwright-core for the end-to-end tests. Playwright never downloads a browser here: the
/// tests drive the system's /usr/bin/chromium.
fn node_packages(ctx: &Ctx, apt: &mut Apt) -> Result {
    let node_major = || {
        probe(Command::new("node").arg("--version")).and_then(|v| {
            v.trim()
                .trim_start_matches('v')
                .split('.')
                .next()?
                .parse::<u32>()
                .ok()
        })
    };
    if node_major().is_none() || which("npm").is_none() {
        apt.install(&["nodejs", "npm"])?;
    }
    match node_major() {
        Some(major) if major >= MIN_NODE => {}
        found => {
            return Err(format!(
            "Node.js {MIN_NODE}+ is needed (found {}); install it from nodejs.org or NodeSource",
            found.map_or("none".into(), |m| format!("v{m}"))
        ))
        }
    }
    npm_ci(&ctx.root.join("www"), "www")
}

/// `npm ci` in `dir` unless its node_modules is already what the lock file says (then
/// nothing touches the network).
fn npm_ci(dir: &Path, name: &str) -> Result {
    // npm writes node_modules/.package-lock.json last; newer than the lock file = up to date.
    let installed = dir.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(done), Some(wanted)) = (
        modified(&installed),
        modified(&dir.join("package-lock.json")),
    ) {
        if done >= wanted {
            println!("{name}/node_modules: ok");
            return Ok(());
        }
    }
    // Under `npm pack` (whose `prepack` runs `cargo xtask build`) npm passes its own flags
    // down as npm_config_* variables: `--dry-run` would make this install a dry run (no
    // wasm-opt, so the build fails its size check) and `--json` would print the install's
    // JSON into the pack's. The install must be real whatever the outer command was.
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .env_remove("npm_config_dry_run")
        .env_remove("npm_config_json")
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}

/// The bundlers of the package smoke test (www/tests/bundlers.test.js): Vite and webpack 5,
/// locked in www/tests/bundlers/package-lock.json.
fn bundler_packages(ctx: &Ctx) -> Result {
    npm_ci(&ctx.root.join("www/tests/bundlers"), "www/tests/bundlers")
}

/// cargo-fuzz for the fuzz smoke run, only where a nightly toolchain already is (fuzzing
/// is optional in the test: the corpus replay runs on stable). A failed install is reported
/// and skipped, never fatal.
fn fuzz_tools() {
    if !fuzz::have_nightly() {
        println!(
            "cargo-fuzz: skipped (no nightly toolchain; the fuzz step replays the corpus only)"
        );
        return;
    }
    if fuzz::have_cargo_fuzz() {
        println!("cargo-fuzz: ok");
        return;
    }
    if let Err(e) = run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"])) {
        println!("cargo-fuzz: not installed ({e}); the fuzz step replays the corpus only");
    }
}

fn wasm_target() -> Result {
    let sysroot = probe(Command::new("rustc").args(["--print", "sysroot"]))
        .ok_or("`rustc --print sysroot` failed: is Rust installed?")?;
    let installed = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .is_dir();
    if installed {
        println!("{WASM_TARGET} target: ok");
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn rust_components(ctx: &Ctx) -> Result {
    // The rustup proxies exist even when the component does not; asking for the version is
    // what tells them apart.
    let have = |tool| probe(ctx.cargo([tool, "--version"])).is_some();
    if have("clippy") && have("fmt") {
        println!("clippy, rustfmt: ok");
        return Ok(());
    }
    run(Command::new("rustup").args(["component", "add", "clippy", "rustfmt"]))
}

/// wasm-bindgen's CLI must be exactly the version of the `wasm-bindgen` crate the build
/// links, or it refuses the module.
fn wasm_bindgen_cli(ctx: &Ctx) -> Result {
    let lock = std::fs::read_to_string(ctx.root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let version = locked_version(&lock, "wasm-bindgen")?;
    let installed = |tool: &str| {
        let out = probe(Command::new(tool).arg("--version"))?;
        out.split_whitespace().nth(1).map(str::to_string)
    };
    let tools = ["wasm-bindgen", "wasm-bindgen-test-runner"];
    if tools
        .iter()
        .all(|t| installed(t).as_deref() == Some(version.as_str()))
    {
        println!("wasm-bindgen-cli {version}: ok");
        return Ok(());
    }
    // No --locked: one of the CLI's locked dependencies is not in the registry mirror.
    run(ctx.cargo(["install", "wasm-bindgen-cli", "--version", &version]))?;
    for tool in tools {
        let found = installed(tool);
        if found.as_deref() != Some(version.as_str()) {
            return Err(format!(
                "after installing wasm-bindgen-cli {version}, `{tool}` on PATH ({}) reports {}; \
                 put $CARGO_HOME/bin first on PATH",
                which(tool).map_or("not found".into(), |p| p.display().to_string()),
                found.unwrap_or_else(|| "no version".into()),
            ));
        }
    }
    Ok(())
}

/// The single version of `name` in a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> Result<String> {
    let mut versions: Vec<&str> = lock
        .split("[[package]]")
        .filter(|block| {
            block
                .lines()
                .any(|l| l.trim() == format!("name = \"{name}\""))
        })
        .filter_map(|block| {
            block
                .lines()
                .find_map(|l| l.trim().strip_prefix("version = \""))
                .and_then(|rest| rest.strip_suffix('"'))
        })
        .collect();
    versions.sort_unstable();
    versions.dedup();
    match versions[..] {
        [version] => Ok(version.to_string()),
        [] => Err(format!("Cargo.lock has no `{name}` package")),
        _ => Err(format!(
            "Cargo.lock has several `{name}` versions ({}); the CLI can match only one",
            versions.join(", ")
        )),
    }
}

fn browser_and_binaryen(apt: &mut Apt) -> Result {
    let chromium = Path::new("/usr/bin/chromium").is_file();
    let chromedriver = Path::new("/usr/bin/chromedriver").is_file();
    let wasm_opt = which("wasm-opt").is_some();
    if chromium && chromedriver && wasm_opt {
        println!("chromium, chromedriver, wasm-opt: ok");
        return Ok(());
    }
    // Debian ships chromium and its driver at the same version, which the driver requires.
    apt.install(&["chromium", "chromium-driver", "binaryen"])
}

/// numpy and safetensors (import tests), pyspark and a Java runtime (the Spark ALS test,
/// crates/cli/tests/spark.rs, which trains with PySpark in local mode).
fn python_packages(apt: &mut Apt) -> Result {
    let importable = || {
        probe(Command::new("python3").args(["-c", "import safetensors, numpy, pyspark"])).is_some()
    };
    if probe(Command::new("java").arg("-version")).is_none() {
        // Spark 4 needs Java 17 or newer.
        apt.install(&["openjdk-17-jre-headless"])?;
    }
    if importable() {
        println!("python numpy, safetensors, pyspark: ok");
        return Ok(());
    }
    if probe(Command::new("python3").args(["-m", "pip", "--version"])).is_none() {
        apt.install(&["python3-pip"])?;
    }
    run(Command::new("python3")
        .args(["-m", "pip", "install", "numpy", "safetensors", "pyspark"])
        // Debian marks its Python as managed by apt; these test machines are ours to change.
        .env("PIP_BREAK_SYSTEM_PACKAGES", "1")
        .env("PIP_ROOT_USER_ACTION", "ignore")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"))?;
    if !importable() {
        return Err(
            "installed numpy, safetensors and pyspark, but `python3` still cannot import them"
                .into(),
        );
    }
    Ok(())
}

/// apt-get, with the package index refreshed once per run (a fresh machine has none).
#[derive(Default)]
struct Apt {
    updated: bool,
}

impl Apt {
    fn install(&mut self, packages: &[&str]) -> Result {
        let wanted = packages.join(" ");
        let is_root = probe(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
        if which("apt-get").is_none() || !is_root {
            return Err(format!(
                "missing system packages; as root run: \
                 apt-get update && apt-get install -y {wanted}"
            ));
        }
        if !self.updated {
            run(Command::new("apt-get").arg("update"))?;
            self.updated = true;
        }
        run(Command::new("apt-get")
            .args(["install", "-y"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"))
    }
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"
"#;

    #[test]
    fn finds_the_exact_package() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen").unwrap(), "0.2.130");
        assert!(locked_version(LOCK, "wasm-bindgen-cli").is_err());
    }

    #[test]
    fn refuses_two_versions() {
        let two = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.99\"\n");
        assert!(locked_version(&two, "wasm-bindgen").is_err());
    }
}
