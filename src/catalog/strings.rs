//! UTF-8 string tables: one blob of concatenated strings plus `n + 1` offsets.
//!
//! This layout keeps a million ids in two tensors instead of a million JSON strings in the
//! header, and NumPy writes it in two lines (`np.frombuffer(b"".join(...))`, `np.cumsum`).

use std::ops::Range;

use safetensors::Dtype;

use super::{CatalogError, Find};

/// The string table stored as blob `utf8` + `offsets`, when the file has it: both tensors
/// or neither, 1-D, offsets as U32 or I64. `expected_len` is the number of strings the
/// table must hold (one per item); `None` takes the offsets' count.
pub(crate) fn find_table(
    buffer: &[u8],
    find: &mut Find<'_>,
    utf8: &'static str,
    offsets: &'static str,
    expected_len: Option<usize>,
) -> Result<Option<StringTable>, CatalogError> {
    let blob = find(utf8, &[Dtype::U8], "U8")?;
    let offs = find(offsets, &[Dtype::U32, Dtype::I64], "U32 or I64")?;
    let (blob, (orange, odtype, oshape)) = match (blob, offs) {
        (None, None) => return Ok(None),
        (Some(b), Some(o)) => (b, o),
        (Some(_), None) => return Err(CatalogError::MissingTensor(offsets)),
        (None, Some(_)) => return Err(CatalogError::MissingTensor(utf8)),
    };
    if blob.2.len() != 1 || oshape.len() != 1 {
        return Err(CatalogError::StringTable {
            name: utf8.into(),
            reason: "blob and offsets must be 1-D".into(),
        });
    }
    let offsets_u32 = read_offsets(&buffer[orange], odtype, utf8)?;
    let n = expected_len.unwrap_or(offsets_u32.len().saturating_sub(1));
    StringTable::new(utf8, buffer, blob.0, offsets_u32, n).map(Some)
}

/// Offsets as u32 whatever their stored type (NumPy's default integer is int64).
fn read_offsets(bytes: &[u8], dtype: Dtype, name: &str) -> Result<Vec<u32>, CatalogError> {
    let bad = |reason: &str| CatalogError::StringTable {
        name: name.into(),
        reason: reason.into(),
    };
    match dtype {
        Dtype::U32 => Ok(bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()),
        _ => bytes
            .chunks_exact(8)
            .map(|c| {
                let v = i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
                u32::try_from(v).map_err(|_| bad("an offset is negative or over 4 GiB"))
            })
            .collect(),
    }
}

/// A validated string table; the blob lives in the catalog's byte buffer.
#[derive(Debug, Clone)]
pub(crate) struct StringTable {
    /// Byte range of the UTF-8 blob inside the catalog buffer.
    blob: Range<usize>,
    /// `len + 1` offsets into the blob, non-decreasing, ending at the blob's length.
    offsets: Vec<u32>,
}

impl StringTable {
    /// Checks offsets and UTF-8 once so that [`StringTable::get`] can slice without checks
    /// failing later.
    pub(crate) fn new(
        name: &str,
        buffer: &[u8],
        blob: Range<usize>,
        offsets: Vec<u32>,
        expected_len: usize,
    ) -> Result<Self, CatalogError> {
        let bad = |reason: String| CatalogError::StringTable {
            name: name.to_string(),
            reason,
        };
        if offsets.len() != expected_len + 1 {
            return Err(bad(format!(
                "{} offsets for {} strings (expected {})",
                offsets.len(),
                expected_len,
                expected_len + 1
            )));
        }
        let bytes = &buffer[blob.clone()];
        if offsets[0] != 0 {
            return Err(bad("the first offset must be 0".into()));
        }
        if *offsets.last().unwrap_or(&0) as usize != bytes.len() {
            return Err(bad(format!(
                "the last offset is {} but the blob holds {} bytes",
                offsets.last().unwrap_or(&0),
                bytes.len()
            )));
        }
        for (i, pair) in offsets.windows(2).enumerate() {
            if pair[1] < pair[0] {
                return Err(bad(format!("offsets decrease at string {i}")));
            }
            // The last offset equals the blob's length, but one in the middle can still
            // overshoot it ([0, 9, 4, 6] over 6 bytes) before the decrease is seen.
            if pair[1] as usize > bytes.len() {
                return Err(bad(format!(
                    "string {i} ends at {} past the end of the {}-byte blob",
                    pair[1],
                    bytes.len()
                )));
            }
            let s = &bytes[pair[0] as usize..pair[1] as usize];
            if std::str::from_utf8(s).is_err() {
                return Err(bad(format!("string {i} is not valid UTF-8")));
            }
        }
        Ok(StringTable { blob, offsets })
    }

    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The string at `index`, read from the catalog buffer the table was built on.
    pub(crate) fn get<'b>(&self, buffer: &'b [u8], index: usize) -> &'b str {
        // Validated as UTF-8 in `new`; an empty string is the harmless answer should the
        // caller ever pass a different buffer.
        std::str::from_utf8(self.get_bytes(buffer, index)).unwrap_or_default()
    }

    /// The string's UTF-8 bytes, without re-validating them: for sorting and searching,
    /// where byte order equals `str` order and validation per comparison would dominate.
    pub(crate) fn get_bytes<'b>(&self, buffer: &'b [u8], index: usize) -> &'b [u8] {
        let start = self.blob.start + self.offsets[index] as usize;
        let end = self.blob.start + self.offsets[index + 1] as usize;
        &buffer[start..end]
    }
}

/// Encodes strings as (blob, offsets) for the writer.
pub(crate) fn encode<S: AsRef<str>>(strings: &[S]) -> Result<(Vec<u8>, Vec<u32>), CatalogError> {
    let mut blob = Vec::new();
    let mut offsets = Vec::with_capacity(strings.len() + 1);
    offsets.push(0u32);
    for s in strings {
        blob.extend_from_slice(s.as_ref().as_bytes());
        let end = u32::try_from(blob.len()).map_err(|_| CatalogError::TooLarge {
            what: "string table bytes",
            found: blob.len(),
            limit: u32::MAX as usize,
        })?;
        offsets.push(end);
    }
    Ok((blob, offsets))
}
