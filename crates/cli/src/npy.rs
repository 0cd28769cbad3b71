//! A reader for NumPy `.npy` files holding a 2-D float array (format versions 1.0–3.0;
//! little-endian f2/f4/f8; C or Fortran order) — what `np.save(path, vectors)` writes.
//! Small on purpose: the header is a Python dict literal with three known keys.

use anyhow::{bail, ensure, Context, Result};

const MAGIC: &[u8] = b"\x93NUMPY";

/// A row-major matrix read from a `.npy` file, converted to f32.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyMatrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    F16,
    F32,
    F64,
}

impl Element {
    fn size(self) -> usize {
        match self {
            Element::F16 => 2,
            Element::F32 => 4,
            Element::F64 => 8,
        }
    }
}

/// Parses a `.npy` file's bytes.
pub fn parse_npy(bytes: &[u8]) -> Result<NpyMatrix> {
    ensure!(
        bytes.len() >= 10 && &bytes[..6] == MAGIC,
        "not a .npy file (no \\x93NUMPY magic)"
    );
    let major = bytes[6];
    let (header_len, header_start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            ensure!(bytes.len() >= 12, "truncated .npy header");
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        other => bail!(".npy format version {other} is not supported (1, 2 or 3)"),
    };
    let data_start = header_start + header_len;
    ensure!(bytes.len() >= data_start, "truncated .npy header");
    let header = std::str::from_utf8(&bytes[header_start..data_start])
        .context("the .npy header is not text")?;
    let descr = dict_value(header, "descr")?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    let element = match descr {
        "<f2" | "f2" => Element::F16,
        "<f4" | "f4" | "=f4" => Element::F32,
        "<f8" | "f8" | "=f8" => Element::F64,
        other if other.starts_with('>') => {
            bail!("big-endian arrays ({other}) are not supported: save with dtype '<f4'")
        }
        other => bail!("array dtype {other} is not supported: use float16, float32 or float64"),
    };
    let fortran = match dict_value(header, "fortran_order")? {
        "True" => true,
        "False" => false,
        other => bail!("fortran_order {other:?} is not True or False"),
    };
    let shape = parse_shape(dict_value(header, "shape")?)?;
    let [rows, cols] = shape[..] else {
        bail!("expected a 2-D array (items × dims), found shape {shape:?}");
    };
    let count = rows.checked_mul(cols).context("array shape overflows")?;
    let payload = &bytes[data_start..];
    let expected = count * element.size();
    ensure!(
        payload.len() >= expected,
        "the file is truncated: {rows}×{cols} {descr} needs {expected} bytes of data, found {}",
        payload.len()
    );
    let mut data: Vec<f32> = match element {
        Element::F16 => payload[..expected]
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Element::F32 => payload[..expected]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Element::F64 => payload[..expected]
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32)
            .collect(),
    };
    if fortran {
        data = fortran_to_c(&data, rows, cols);
    }
    Ok(NpyMatrix { rows, cols, data })
}

/// The raw text of `key`'s value in the header dict.
fn dict_value<'h>(header: &'h str, key: &str) -> Result<&'h str> {
    let needle_single = format!("'{key}'");
    let needle_double = format!("\"{key}\"");
    let at = header
        .find(&needle_single)
        .or_else(|| header.find(&needle_double))
        .with_context(|| format!("the .npy header has no {key:?}: {header}"))?;
    let rest = header[at + key.len() + 2..].trim_start();
    let rest = rest
        .strip_prefix(':')
        .with_context(|| format!("malformed .npy header: {header}"))?
        .trim_start();
    // A tuple value runs to its closing parenthesis; others to the next comma or brace.
    let end = if rest.starts_with('(') {
        rest.find(')').map(|e| e + 1)
    } else {
        rest.find([',', '}'])
    }
    .with_context(|| format!("malformed .npy header: {header}"))?;
    Ok(rest[..end].trim())
}

fn parse_shape(text: &str) -> Result<Vec<usize>> {
    let inner = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .with_context(|| format!("shape {text:?} is not a tuple"))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .with_context(|| format!("bad shape {text:?}"))
        })
        .collect()
}

/// The row-major copy of a `rows × cols` array stored column-major (Fortran order),
/// where element (r, c) sits at index `c * rows + r`.
fn fortran_to_c(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; data.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[r * cols + c] = data[c * rows + r];
        }
    }
    out
}

/// Encodes a row-major f32 matrix as a version 1.0 `.npy` (for tests and exports).
pub fn write_npy_f32(rows: usize, cols: usize, data: &[f32]) -> Vec<u8> {
    assert_eq!(data.len(), rows * cols);
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Pad so the data starts at a multiple of 64 bytes, with a final newline (the spec).
    let unpadded = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_order_is_transposed() {
        // The 2 × 3 array [[1,2,3],[4,5,6]] stored column-major.
        let mut bytes = write_npy_f32(3, 2, &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let find =
            |bytes: &[u8], what: &[u8]| bytes.windows(what.len()).position(|w| w == what).unwrap();
        let at = find(&bytes, b"False");
        bytes[at..at + 5].copy_from_slice(b"True ");
        let at = find(&bytes, b"(3, 2)");
        bytes[at..at + 6].copy_from_slice(b"(2, 3)");
        let m = parse_npy(&bytes).unwrap();
        assert_eq!((m.rows, m.cols), (2, 3));
        assert_eq!(m.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }
}
