//! Strips comments and indentation from the WGSL shaders before they are compiled into the
//! wasm (they ship as strings: every byte of a comment would be a byte of the download).
//! The readable sources stay in src/wgsl/*.wgsl; the native naga test validates the
//! stripped text, which is exactly what the browser compiles.

use std::path::Path;
use std::{env, fs};

fn main() {
    let src = Path::new("src/wgsl");
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo::rerun-if-changed=src/wgsl");
    for entry in fs::read_dir(src).expect("src/wgsl exists") {
        let path = entry.expect("readable directory").path();
        if path.extension().is_none_or(|e| e != "wgsl") {
            continue;
        }
        println!("cargo::rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).expect("readable WGSL");
        let name = path.file_name().expect("a file name");
        fs::write(Path::new(&out).join(name), strip(&text)).expect("OUT_DIR is writable");
    }
}

/// WGSL has no string literals, so `//` always starts a comment. Block comments are not
/// used in these files.
fn strip(wgsl: &str) -> String {
    let mut out = String::with_capacity(wgsl.len() / 2);
    for line in wgsl.lines() {
        let code = line.split("//").next().unwrap_or("").trim();
        if !code.is_empty() {
            out.push_str(code);
            out.push('\n');
        }
    }
    out
}
