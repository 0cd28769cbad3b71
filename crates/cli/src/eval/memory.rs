//! What a baseline will need in memory before it starts: EASE holds several dense
//! items × items matrices, so a catalog of 20,000 items needs over 13 GB, and finding out
//! by running it costs minutes (or the machine). `eval` checks every model against a limit
//! first and refuses the run, naming the model, its estimate and the flag that overrides.

use anyhow::{bail, Result};

/// Bytes per items² EASE holds at its peak: XᵀX + λI (f64), its inverse and the recursion's
/// blocks (f64), and the f32 weights. Measured as the growth of the peak resident set over
/// a popularity-only run: 34.3 bytes at 2,000 items, 33.5 at 4,000 (BENCHMARKS.md).
pub const EASE_BYTES_PER_ITEM_PAIR: f64 = 34.0;

/// Peak bytes of EASE on `items` items.
pub fn ease_bytes(items: usize) -> f64 {
    EASE_BYTES_PER_ITEM_PAIR * (items as f64).powi(2)
}

/// Peak bytes of item-kNN on `items` items, `neighbors` kept per item, `threads` workers:
/// one co-occurrence count row per worker, the kept lists, the transposed matrix.
pub fn item_knn_bytes(items: usize, neighbors: usize, threads: usize, nnz: usize) -> f64 {
    let counts = (threads * items * 4) as f64;
    let lists = (items * neighbors.min(items) * 8) as f64;
    let transpose = (nnz * 8 + items * 8) as f64;
    counts + lists + transpose
}

/// The default limit: 80% of the machine's memory where the system says it (Linux
/// `/proc/meminfo`), otherwise 8 GiB.
pub fn default_limit_bytes() -> f64 {
    total_memory_bytes().map_or(8.0 * GIB, |total| 0.8 * total)
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

fn total_memory_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// Refuses `model` when its estimate is above `limit` (both in bytes).
pub fn check(model: &str, estimate: f64, limit: f64) -> Result<()> {
    if estimate > limit {
        bail!(
            "{model} would need about {:.1} GB of memory, above the limit of {:.1} GB: leave it \
             out of --models, or pass --memory-limit {:.0} (GB) to run it anyway",
            estimate / 1e9,
            limit / 1e9,
            (estimate / 1e9).ceil()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ease_on_twenty_thousand_items_is_over_thirteen_gigabytes() {
        let gb = ease_bytes(20_000) / 1e9;
        assert!((13.0..=14.0).contains(&gb), "{gb}");
    }

    #[test]
    fn a_model_over_the_limit_is_refused_with_the_override() {
        let error = check("EASE", ease_bytes(20_000), 4e9)
            .unwrap_err()
            .to_string();
        assert!(error.contains("EASE would need about 13.6 GB"), "{error}");
        assert!(error.contains("--memory-limit 14"), "{error}");
        assert!(check("EASE", ease_bytes(1_000), 4e9).is_ok());
    }
}
