//! A small static file server for the demo and the end-to-end tests: GET/HEAD only, files
//! under one root only, the right MIME types (browsers refuse `instantiateStreaming` without
//! `application/wasm`), ETags for the catalog cache, and the demo's strict CSP as a header.
//! It serves the way common static hosts do, so that first-visit measurements of the demo
//! mean something: gzip or brotli by `Accept-Encoding`, and long-lived immutable caching
//! for content-hashed file names only.

mod encoding;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

/// The policy the demo must work under: no inline code, wasm allowed, same-origin requests
/// only. Sent on every response so it also governs the worker (workers take their policy
/// from their own script's response, not from the page's meta tag).
pub const CSP: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";

/// Longest request head we read; anything bigger is not a browser fetching a file.
const MAX_HEAD: u64 = 16 * 1024;

/// Binds `addr` (port 0 picks a free one) and returns the listener, so callers can print or
/// pass on the real port before serving.
/// Serves `www` on a free local port from a background thread (it ends with this process)
/// and returns the demo's URL: what the end-to-end tests and the first-visit benchmark load.
pub fn in_background(www: &std::path::Path) -> Result<String, String> {
    let listener = bind("127.0.0.1:0").map_err(|e| format!("cannot start the demo server: {e}"))?;
    let url = format!(
        "http://{}/demo/",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let root = www.to_path_buf();
    std::thread::spawn(move || serve(listener, root));
    Ok(url)
}

pub fn bind(addr: &str) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr)
}

/// Serves `root` forever, one thread per connection.
pub fn serve(listener: TcpListener, root: PathBuf) {
    let root = root.canonicalize().unwrap_or(root);
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        thread::spawn(move || {
            let _ = handle(stream, &root);
        });
    }
}

fn handle(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?.take(MAX_HEAD));
    let mut writer = stream;
    // Keep-alive: browsers reuse connections, and the per-request work is tiny.
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut if_none_match = None;
        let mut accept_encoding = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("if-none-match") {
                    if_none_match = Some(value.trim().to_string());
                } else if name.eq_ignore_ascii_case("accept-encoding") {
                    accept_encoding = Some(value.trim().to_string());
                }
            }
        }
        // Each request gets a fresh head budget.
        reader.get_mut().set_limit(MAX_HEAD);
        let mut parts = request_line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let request = Request {
            method,
            target,
            if_none_match: if_none_match.as_deref(),
            accept_encoding: accept_encoding.as_deref(),
        };
        respond(&mut writer, root, &request)?;
    }
}

/// What a response depends on.
struct Request<'a> {
    method: &'a str,
    target: &'a str,
    if_none_match: Option<&'a str>,
    accept_encoding: Option<&'a str>,
}

fn respond(out: &mut TcpStream, root: &Path, request: &Request) -> std::io::Result<()> {
    let Request { method, target, .. } = *request;
    if method != "GET" && method != "HEAD" {
        return status(out, 405, "Method Not Allowed", &[("Allow", "GET, HEAD")]);
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    if path == "/" {
        return status(out, 302, "Found", &[("Location", "/demo/")]);
    }
    let Some(file) = resolve(root, path) else {
        return status(out, 404, "Not Found", &[]);
    };
    let (file, meta) = match fs::metadata(&file) {
        Ok(meta) if meta.is_dir() => {
            if !path.ends_with('/') {
                let location = format!("{path}/");
                return status(out, 301, "Moved Permanently", &[("Location", &location)]);
            }
            let index = file.join("index.html");
            match fs::metadata(&index) {
                Ok(meta) if meta.is_file() => (index, meta),
                _ => return status(out, 404, "Not Found", &[]),
            }
        }
        Ok(meta) if meta.is_file() => (file, meta),
        _ => return status(out, 404, "Not Found", &[]),
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let version = format!("{:x}-{:x}", meta.len(), modified);
    let content_type = mime(&file);
    let encoding = encoding::choose(request.accept_encoding, content_type, meta.len() as usize);
    // Each encoding is its own representation, with its own validator (RFC 9110 8.8.3).
    let etag = match encoding {
        Some(e) => format!("\"{version}-{}\"", e.token()),
        None => format!("\"{version}\""),
    };
    let mut headers = vec![
        ("Content-Type", content_type),
        ("ETag", etag.as_str()),
        ("Cache-Control", cache_control(&file)),
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ];
    if encoding::compressible(content_type) {
        // Caches between us and the browser must key the body by what the browser accepts.
        headers.push(("Vary", "Accept-Encoding"));
    }
    if let Some(e) = encoding {
        headers.push(("Content-Encoding", e.token()));
    }
    if request.if_none_match == Some(etag.as_str()) {
        return head(out, 304, "Not Modified", &headers, None);
    }
    let bytes = fs::read(&file)?;
    let body = match encoding {
        Some(e) => encoding::encoded(&file, &version, e, &bytes),
        None => Arc::new(bytes),
    };
    head(out, 200, "OK", &headers, Some(body.len()))?;
    if method == "GET" {
        out.write_all(&body)?;
    }
    out.flush()
}

/// How long a browser may keep a file without asking again, as static hosts set it: a name
/// carrying a content hash (`app.3f9a1c2b.js`) never changes, so it is cached for a year;
/// every other file is revalidated on each use (cheap with the ETag: a 304 without a body),
/// since the demo is rebuilt in place under the same names.
fn cache_control(path: &Path) -> &'static str {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let hashed = name
        .split('.')
        .skip(1)
        .any(|part| part.len() >= 8 && part.bytes().all(|b| b.is_ascii_hexdigit()));
    if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// Maps a URL path to a file under `root`, or None for anything that could escape it:
/// `..`, encoded separators, NUL, hidden files and the package's own development folders.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let mut path = root.to_path_buf();
    for (i, segment) in decoded.split('/').filter(|s| !s.is_empty()).enumerate() {
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(name)), None) => {
                let name = name.to_str()?;
                if name.starts_with('.') || (i == 0 && PRIVATE.contains(&name)) {
                    return None;
                }
                path.push(name);
            }
            _ => return None,
        }
    }
    // Symlinks could still point outside: compare the real path with the root.
    let real = path.canonicalize().ok()?;
    real.starts_with(root).then_some(real)
}

/// Top-level folders of www/ that are not part of the site.
const PRIVATE: [&str; 5] = [
    "node_modules",
    "tests",
    "bench",
    "test-results",
    "playwright-report",
];

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn head(
    out: &mut TcpStream,
    code: u16,
    reason: &str,
    headers: &[(&str, &str)],
    length: Option<usize>,
) -> std::io::Result<()> {
    let mut text = format!("HTTP/1.1 {code} {reason}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n", length.unwrap_or(0)));
    out.write_all(text.as_bytes())
}

fn status(
    out: &mut TcpStream,
    code: u16,
    reason: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<()> {
    head(out, code, reason, headers, None)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_only_inside_the_root() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .canonicalize()
            .unwrap();
        assert!(resolve(&root, "/Cargo.toml").is_some());
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/xtask/..%2f..%2fetc/passwd",
            "/.git/config",
            "/a%5c..%5cb",
            "/%00",
            "/%zz",
        ] {
            assert_eq!(resolve(&root, bad), None, "{bad}");
        }
    }

    #[test]
    fn only_content_hashed_names_are_immutable() {
        let immutable = "public, max-age=31536000, immutable";
        assert_eq!(cache_control(Path::new("www/app.3f9a1c2b.js")), immutable);
        assert_eq!(
            cache_control(Path::new("cat.0123456789abcdef.safetensors")),
            immutable
        );
        for plain in [
            "www/demo/index.html",
            "pkg/shopwindow_bg.wasm",
            "a.deadbee.js",
            "x",
        ] {
            assert_eq!(cache_control(Path::new(plain)), "no-cache", "{plain}");
        }
    }

    #[test]
    fn wasm_has_its_mime_type() {
        assert_eq!(mime(Path::new("x/shopwindow_bg.wasm")), "application/wasm");
    }
}
