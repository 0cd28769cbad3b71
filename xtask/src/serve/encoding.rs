//! Content negotiation for the demo server: which compression a response gets, and the
//! compressed bytes, made once per file version and kept in memory (static hosts serve
//! precompressed copies; compressing a 1 MB catalog on every request would make the demo's
//! first visit slower than any real host).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use flate2::write::GzEncoder;
use flate2::Compression;

/// A `Content-Encoding` the server can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    /// The header value, also the suffix that keeps each encoding's ETag distinct.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }

    fn compress(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Encoding::Brotli => {
                let mut out = Vec::with_capacity(bytes.len() / 2);
                let params = brotli::enc::BrotliEncoderParams {
                    quality: BROTLI_QUALITY,
                    lgwin: 22,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
                    .expect("brotli into memory cannot fail");
                out
            }
            Encoding::Gzip => {
                let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
                encoder
                    .write_all(bytes)
                    .and_then(|()| encoder.finish())
                    .expect("gzip into memory cannot fail")
            }
        }
    }
}

/// Quality 9: the demo wasm compresses in 0.25 s to 202 KB (gzip -9: 222 KB). Quality 11,
/// what a host that precompresses at deploy time may use, gives 183 KB but takes 12 s on a
/// 2-core machine, which the first request (and every end-to-end test run) would wait for.
const BROTLI_QUALITY: i32 = 9;

/// Smaller bodies gain less than the header costs; hosts skip them too.
const MIN_LEN: usize = 1024;

/// Larger files are sent as they are: compressing them would stall the first request for
/// seconds (the end-to-end tests serve a multi-megabyte fixture), and real catalogs of that
/// size are int8 vectors that compress little.
const MAX_LEN: usize = 8 << 20;

/// Whether a response of this content type is worth compressing: text, JSON, wasm and the
/// catalog. Images in formats that are already compressed are not.
pub fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/json")
        || content_type == "application/wasm"
        || content_type == "application/octet-stream"
        || content_type.starts_with("image/svg+xml")
}

/// The encoding to send for a body of `len` bytes, given the request's `Accept-Encoding`:
/// brotli when accepted, else gzip, else none. `q=0` refuses an encoding.
pub fn choose(accept_encoding: Option<&str>, content_type: &str, len: usize) -> Option<Encoding> {
    if !compressible(content_type) || !(MIN_LEN..=MAX_LEN).contains(&len) {
        return None;
    }
    let accepted = |token: &str| {
        accept_encoding
            .into_iter()
            .flat_map(|v| v.split(','))
            .any(|entry| {
                let mut parts = entry.split(';');
                let name = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        == Some(0.0)
                });
                (name.eq_ignore_ascii_case(token) || name == "*") && !refused
            })
    };
    [Encoding::Brotli, Encoding::Gzip]
        .into_iter()
        .find(|e| accepted(e.token()))
}

/// One file version in one encoding.
type Key = (PathBuf, String, Encoding);

/// `bytes` of `path` (whose version is `version`) in `encoding`, compressed on first use.
pub fn encoded(path: &Path, version: &str, encoding: Encoding, bytes: &[u8]) -> Arc<Vec<u8>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<Vec<u8>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (path.to_path_buf(), version.to_string(), encoding);
    if let Some(hit) = cache.lock().expect("cache lock").get(&key) {
        return Arc::clone(hit);
    }
    // Compressed outside the lock: two first requests may both compress, neither waits.
    let compressed = Arc::new(encoding.compress(bytes));
    let mut cache = cache.lock().expect("cache lock");
    // Older versions of the same file are never asked for again.
    cache.retain(|(p, v, _), _| p != path || v == version);
    cache.insert(key, Arc::clone(&compressed));
    compressed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn prefers_brotli_then_gzip_and_honours_refusals() {
        let wasm = "application/wasm";
        let chrome = Some("gzip, deflate, br, zstd");
        assert_eq!(choose(chrome, wasm, 5000), Some(Encoding::Brotli));
        assert_eq!(choose(Some("gzip"), wasm, 5000), Some(Encoding::Gzip));
        assert_eq!(
            choose(Some("br;q=0, gzip"), wasm, 5000),
            Some(Encoding::Gzip)
        );
        assert_eq!(choose(Some("identity"), wasm, 5000), None);
        assert_eq!(choose(None, wasm, 5000), None);
        // Too small to gain, too big to compress on the fly, or already compressed.
        assert_eq!(choose(chrome, wasm, 100), None);
        assert_eq!(choose(chrome, wasm, MAX_LEN + 1), None);
        assert_eq!(choose(chrome, "image/png", 5000), None);
    }

    #[test]
    fn both_encodings_decode_to_the_original() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let path = Path::new("/virtual/file.bin");

        let br = encoded(path, "v1", Encoding::Brotli, &text);
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text);
        assert!(br.len() < text.len() / 4, "{} of {}", br.len(), text.len());

        let gz = encoded(path, "v1", Encoding::Gzip, &text);
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text);

        // The same version again is the cached copy, not a second compression.
        assert!(Arc::ptr_eq(
            &br,
            &encoded(path, "v1", Encoding::Brotli, &text)
        ));
    }
}
