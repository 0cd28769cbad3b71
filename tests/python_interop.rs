//! Catalogs written by Python (NumPy + `safetensors.numpy.save_file`) load in shopwindow.
//!
//! The design promises stores can export embeddings from their own Python pipelines with
//! the documented tensor names. This test writes such files with a real Python, in the
//! way a data team would (NumPy's default int64 offsets, no Gram matrix), and checks every
//! value against expectations recomputed here from the same deterministic formulas.
//!
//! Needs `python3` with `numpy` and `safetensors`. Without them the test is skipped locally
//! but fails under CI (env `CI` set), so CI can never silently stop checking interop.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use shopwindow::catalog::{ItemVectors, LambdaScaling};
use shopwindow::{Catalog, VectorDtype};

const N: usize = 7;
const D: usize = 4;
const CATEGORIES: [&str; 3] = ["shoes", "hats", "bags — sale"];

/// Writes `f32.safetensors`, `f16.safetensors` and `i8.safetensors` into argv[1].
const SCRIPT: &str = r#"
import sys, os
import numpy as np
from safetensors.numpy import save_file

N, D = 7, 4
out = sys.argv[1]

def table(strings):
    encoded = [s.encode("utf-8") for s in strings]
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    # np.cumsum of Python ints gives int64: what a data team writes without thinking.
    offsets = np.cumsum([0] + [len(e) for e in encoded])
    assert offsets.dtype == np.int64
    return blob, offsets

ids = [f"sku-{i:03d}" for i in range(N)]
titles = [f"Product {i} — naïve café" for i in range(N)]
categories = ["shoes", "hats", "bags — sale"]

common = {}
for prefix, strings in [("item.id", ids), ("item.title", titles), ("category.name", categories)]:
    blob, offsets = table(strings)
    common[prefix + ".utf8"] = blob
    common[prefix + ".offsets"] = offsets
common["item.category"] = (np.arange(N) % 3).astype(np.uint16)
common["item.price"] = (np.arange(N, dtype=np.float32) * 1.5 + 0.25).astype(np.float32)
common["item.popularity"] = np.arange(N, dtype=np.float32)[::-1].copy()
common["item.available"] = (np.arange(N) % 2 == 0).astype(np.uint8)
meta = {"format_version": "1", "alpha": "2.0", "lambda": "0.5"}

# Multiples of 1/4 in [-3.5, 3.5]: exact in float16, so the f16 file holds the same values.
vectors = ((np.arange(N * D, dtype=np.float32) - 14.0) / 4.0).reshape(N, D)
save_file(dict(common, **{"item.vectors": vectors}), os.path.join(out, "f32.safetensors"), metadata=meta)
save_file(dict(common, **{"item.vectors": vectors.astype(np.float16)}), os.path.join(out, "f16.safetensors"), metadata=meta)

# int8 values cover the full range, -128 included; scale i is (i + 1) / 64.
q = ((np.arange(N * D) * 37) % 256 - 128).astype(np.int8).reshape(N, D)
scale = (np.arange(1, N + 1, dtype=np.float32) / 64.0).astype(np.float32)
save_file(dict(common, **{"item.vectors": q, "item.scale": scale}), os.path.join(out, "i8.safetensors"), metadata=meta)
print("wrote 3 catalogs")
"#;

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!(
            "shopwindow-python-interop-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// True when python3 can import NumPy and safetensors. Locally a missing toolchain skips
/// the test loudly; under CI it is a failure, because a skipped interop test proves nothing.
fn python_ready() -> bool {
    let probe = Command::new("python3")
        .args(["-c", "import safetensors, numpy"])
        .output();
    let problem = match probe {
        Ok(out) if out.status.success() => return true,
        Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
        Err(err) => format!("cannot run python3: {err}"),
    };
    if std::env::var_os("CI").is_some() {
        panic!(
            "python3 with numpy and safetensors is required in CI for the Python interop \
             test; run `python3 -m pip install numpy safetensors`. ({problem})"
        );
    }
    // Written to the stderr handle, not with eprintln!, which libtest captures and hides
    // for passing tests: a skip must be seen.
    let banner = "=================================================================";
    let _ = writeln!(
        std::io::stderr(),
        "\n{banner}\nSKIPPED python_interop: python3 cannot import numpy + safetensors.\n\
         Run `python3 -m pip install numpy safetensors` to enable it.\n({})\n{banner}",
        problem.trim()
    );
    false
}

fn write_catalogs(dir: &Path) {
    let script = dir.join("write_catalogs.py");
    std::fs::write(&script, SCRIPT).expect("write script");
    let out = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "the Python writer failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn load(dir: &Path, name: &str) -> Catalog {
    let bytes = std::fs::read(dir.join(name)).expect("read catalog");
    Catalog::from_bytes(bytes).unwrap_or_else(|e| panic!("{name} rejected: {e}"))
}

/// The values the script wrote, recomputed from its formulas.
fn expected_f32_row(i: usize) -> Vec<f32> {
    (0..D).map(|j| ((i * D + j) as f32 - 14.0) / 4.0).collect()
}

fn expected_i8(i: usize, j: usize) -> i8 {
    let k = i * D + j;
    (((k * 37) % 256) as i32 - 128) as i8
}

fn check_common(catalog: &Catalog) {
    assert_eq!((catalog.len(), catalog.dim()), (N, D));
    // Python's safetensors aligns tensors like the Rust crate: read in place, no copy.
    assert!(catalog.is_zero_copy());
    let params = catalog.params();
    assert_eq!((params.alpha, params.lambda), (2.0, 0.5));
    assert_eq!(params.lambda_scaling, LambdaScaling::Constant);
    assert_eq!(catalog.meta().model, "ials");
    assert_eq!(catalog.category_count(), CATEGORIES.len());
    let prices = catalog.prices().expect("prices");
    let popularity = catalog.popularity().expect("popularity");
    let available = catalog.availability().expect("availability");
    for i in 0..N {
        let id = format!("sku-{i:03}");
        assert_eq!(catalog.id(i), id);
        assert_eq!(catalog.index_of(&id), Some(i as u32));
        assert_eq!(
            catalog.title(i),
            Some(format!("Product {i} — naïve café").as_str())
        );
        assert_eq!(catalog.image_url(i), None);
        assert_eq!(catalog.category(i), Some((i % 3) as u32));
        assert_eq!(
            catalog.category_name((i % 3) as u32),
            Some(CATEGORIES[i % 3])
        );
        assert_eq!(prices[i], i as f32 * 1.5 + 0.25);
        assert_eq!(popularity[i], (N - 1 - i) as f32);
        assert_eq!(available[i], u8::from(i % 2 == 0));
    }
    assert_eq!(catalog.index_of("sku-999"), None);
    // No model.gram in the files: it is computed at load from the rows as served.
    assert!(!catalog.has_stored_gram());
    let mut gram = vec![0.0f64; D * D];
    for i in 0..N {
        let row = catalog.row(i);
        for a in 0..D {
            for b in 0..D {
                gram[a * D + b] += row[a] as f64 * row[b] as f64;
            }
        }
    }
    for (found, want) in catalog.gram().iter().zip(&gram) {
        assert!(
            (found - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{found} vs {want}"
        );
    }
}

#[test]
fn numpy_catalogs_load_with_the_values_python_wrote() {
    if !python_ready() {
        return;
    }
    let dir = TempDir::new();
    write_catalogs(&dir.0);

    let f32_catalog = load(&dir.0, "f32.safetensors");
    check_common(&f32_catalog);
    assert_eq!(f32_catalog.dtype(), VectorDtype::F32);
    for i in 0..N {
        assert_eq!(f32_catalog.row(i), expected_f32_row(i), "f32 row {i}");
    }

    let f16_catalog = load(&dir.0, "f16.safetensors");
    check_common(&f16_catalog);
    assert_eq!(f16_catalog.dtype(), VectorDtype::F16);
    for i in 0..N {
        // Quarter steps in [-3.5, 3.5] are exact in binary16.
        assert_eq!(f16_catalog.row(i), expected_f32_row(i), "f16 row {i}");
    }

    let i8_catalog = load(&dir.0, "i8.safetensors");
    check_common(&i8_catalog);
    assert_eq!(i8_catalog.dtype(), VectorDtype::I8);
    let ItemVectors::I8 { values, scales } = i8_catalog.vectors() else {
        panic!("expected int8 vectors");
    };
    for i in 0..N {
        let scale = (i + 1) as f32 / 64.0;
        assert_eq!(scales[i], scale);
        for j in 0..D {
            let q = expected_i8(i, j);
            assert_eq!(values[i * D + j], q, "q[{i}][{j}]");
            assert_eq!(i8_catalog.row(i)[j], scale * q as f32);
        }
    }
    // The formula reaches both ends of the int8 range, so sign handling is exercised.
    assert!(values.contains(&-128) && values.iter().any(|&q| q > 100));
}
