//! The hot numeric kernels of shopwindow: `score[i] = query · item_i` for every storage
//! type, the top-k threshold test ([`threshold`]), the fold-in's normal equations
//! ([`normal_equations`]), and the one place where a CPU backend is chosen.
//!
//! [`scalar`] is the reference and always compiled. [`simd128`] exists on wasm32 builds with
//! the `simd128` target feature (the project's `.cargo/config.toml` turns it on); it is
//! bit-identical to the reference by construction (see each module's docs), which the
//! property tests check natively for the reference and in the browser for SIMD128.
//!
//! This is a crate of its own so that the shipped, size-optimized wasm can still build these
//! loops for speed (a per-package `opt-level = 3` in the workspace's `Cargo.toml`). Its entry
//! points are plain functions over slices, not `#[inline]` or generic: those would be
//! compiled into the calling crate, at the caller's optimization level. The core re-exports
//! the crate as `shopwindow::kernels`.

pub mod normal_equations;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;
pub mod threshold;

/// Largest magnitude of a quantized query component. 2^14 − 1 keeps the i32 int8 dot
/// product exact for d ≤ 1024 (1024 × 128 × 16383 < 2^31), the catalog's dimension limit.
const QUERY_I16_MAX: f32 = 16383.0;

/// A CPU scoring backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The portable reference.
    Scalar,
    /// WebAssembly SIMD128.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Simd128,
}

impl Backend {
    /// The fastest backend this build has: chosen at compile time, since a wasm module
    /// either was built with SIMD128 or was not.
    pub fn best() -> Backend {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return Backend::Simd128;
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        return Backend::Scalar;
    }

    /// Every backend compiled into this build, reference first.
    pub fn all() -> &'static [Backend] {
        &[
            Backend::Scalar,
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Backend::Simd128,
        ]
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Backend::Simd128 => "simd128",
        }
    }

    /// Parses a backend name; `None` when this build does not have it.
    pub fn from_name(name: &str) -> Option<Backend> {
        Backend::all().iter().copied().find(|b| b.name() == name)
    }
}

/// The query quantized for int8 catalogs: `query ≈ scale × values`.
#[derive(Debug, Clone, PartialEq)]
pub struct I8Query {
    pub values: Vec<i16>,
    pub scale: f32,
}

impl I8Query {
    pub fn new(query: &[f32]) -> I8Query {
        let max = query.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if max == 0.0 || !max.is_finite() {
            return I8Query {
                values: vec![0; query.len()],
                scale: 0.0,
            };
        }
        let scale = max / QUERY_I16_MAX;
        let values = query
            .iter()
            .map(|&v| (v / scale).round().clamp(-QUERY_I16_MAX, QUERY_I16_MAX) as i16)
            .collect();
        I8Query { values, scale }
    }
}

/// A user (or item) vector prepared once for scoring a whole catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    values: Vec<f32>,
    quantized: I8Query,
}

impl Query {
    pub fn new(values: &[f32]) -> Query {
        Query {
            values: values.to_vec(),
            quantized: I8Query::new(values),
        }
    }

    pub fn values(&self) -> &[f32] {
        &self.values
    }

    pub fn dim(&self) -> usize {
        self.values.len()
    }
}

/// `out[r] = query · row r` over consecutive f32 rows of `query.dim()` values.
pub fn score_f32(backend: Backend, query: &Query, rows: &[f32], out: &mut [f32]) {
    match backend {
        Backend::Scalar => scalar::score_f32(&query.values, rows, out),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => simd128::score_f32(&query.values, rows, out),
    }
}

/// `out[r] = query · row r` over consecutive binary16 rows (IEEE bit patterns).
pub fn score_f16(backend: Backend, query: &Query, rows: &[u16], out: &mut [f32]) {
    match backend {
        Backend::Scalar => scalar::score_f16(&query.values, rows, out),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => simd128::score_f16(&query.values, rows, out),
    }
}

/// `out[r] ≈ query · row r` over consecutive int8 rows with one scale per row: the exact
/// integer dot product with the query's quantized copy, times both scales.
pub fn score_i8(backend: Backend, query: &Query, rows: &[i8], scales: &[f32], out: &mut [f32]) {
    match backend {
        Backend::Scalar => scalar::score_i8(&query.quantized, rows, scales, out),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => simd128::score_i8(&query.quantized, rows, scales, out),
    }
}

/// `out[r] ≈ query · row r` over consecutive 4-bit rows (two values per byte, dimension 2j
/// in byte j's low nibble, 2j + 1 in its high nibble) with one scale per row: the exact
/// integer dot product with the query's quantized copy, times both scales.
pub fn score_i4(backend: Backend, query: &Query, rows: &[u8], scales: &[f32], out: &mut [f32]) {
    match backend {
        Backend::Scalar => scalar::score_i4(&query.quantized, rows, scales, out),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => simd128::score_i4(&query.quantized, rows, scales, out),
    }
}

/// The two signed 4-bit values of one byte: (low nibble, high nibble), each in −8..=7.
#[inline]
pub fn unpack_i4(byte: u8) -> (i8, i8) {
    (((byte << 4) as i8) >> 4, (byte as i8) >> 4)
}

/// One byte holding `lo` in its low nibble and `hi` in its high nibble (each in −8..=7).
#[inline]
pub fn pack_i4(lo: i8, hi: i8) -> u8 {
    (lo as u8 & 0x0f) | ((hi as u8) << 4)
}

/// `out[i] += terms[i]` on `backend`: bit-identical on every backend (one f32 add each).
pub fn add_assign(backend: Backend, out: &mut [f32], terms: &[f32]) {
    match backend {
        Backend::Scalar => scalar::add_assign(out, terms),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => simd128::add_assign(out, terms),
    }
}

/// `out[r] = dot(row r)` over consecutive rows of `dim` elements: the loop every backend's
/// f32 and f16 scorers share (only the per-row dot product differs).
#[inline(always)]
pub(crate) fn score_each<T>(dim: usize, rows: &[T], out: &mut [f32], dot: impl Fn(&[T]) -> f32) {
    for (o, row) in out.iter_mut().zip(rows.chunks_exact(dim)) {
        *o = dot(row);
    }
}

/// Plain f64 dot product: the slow, obviously right yardstick for the reference kernels.
pub fn dot_f64(q: &[f32], x: impl IntoIterator<Item = f32>) -> f64 {
    q.iter().zip(x).map(|(&a, b)| a as f64 * b as f64).sum()
}
