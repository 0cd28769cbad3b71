//! The safetensors container of a catalog file: the header's tensors (dtype, shape, byte
//! range) and `__metadata__`, read and checked with the safetensors format's rules.
//!
//! Why not the safetensors crate's reader: it deserializes the header through derived
//! serde code of its own (the header map, `TensorInfo`, the `Dtype` enum), which was the
//! largest single part of the catalog reader in the wasm every page loads, while the header
//! is JSON the engine already parses into a `json::Value` (`vector_shape`, the
//! metadata's numbers). So the header is read once, as a `Value`, and checked here as the
//! crate checks it: header length and size, UTF-8, JSON, string-valued `__metadata__`,
//! every tensor's dtype, shape and `data_offsets`, offsets contiguous from 0 in offset order,
//! each range exactly the bytes its shape and dtype need, and the data ending at the end of
//! the file. The crate still writes catalogs (`writer.rs`, native); `tests/container.rs`
//! holds this reader to the crate's verdict on random headers, valid and broken.

use std::ops::Range;

use crate::json::{self, Object, Value};
use crate::number::Quoted;
use safetensors::Dtype;

use super::{CatalogError, Metadata};
use crate::sort::sort_short_by;

/// Bytes of the header length that starts the file.
const LENGTH_BYTES: usize = 8;

/// The safetensors format's largest header (the crate refuses longer ones too).
const MAX_HEADER_BYTES: usize = 100_000_000;

/// The most tensors a catalog file may list. A catalog has a few dozen (every optional
/// part included); the limit keeps the data-order sort of a hostile header short
/// (`sort::sort_short_by`, quadratic).
pub(crate) const MAX_TENSORS: usize = 4096;

/// Every dtype of the format, by its name in the header. Tensors of dtypes a catalog never
/// uses must still be read (and their sizes checked): a newer writer may add them.
const DTYPES: [(&str, Dtype); 20] = [
    ("F4", Dtype::F4),
    ("F6_E2M3", Dtype::F6_E2M3),
    ("F6_E3M2", Dtype::F6_E3M2),
    ("BOOL", Dtype::BOOL),
    ("I8", Dtype::I8),
    ("U8", Dtype::U8),
    ("F8_E5M2", Dtype::F8_E5M2),
    ("F8_E4M3", Dtype::F8_E4M3),
    ("F8_E8M0", Dtype::F8_E8M0),
    ("I16", Dtype::I16),
    ("U16", Dtype::U16),
    ("I32", Dtype::I32),
    ("U32", Dtype::U32),
    ("I64", Dtype::I64),
    ("U64", Dtype::U64),
    ("F16", Dtype::F16),
    ("BF16", Dtype::BF16),
    ("F32", Dtype::F32),
    ("F64", Dtype::F64),
    ("C64", Dtype::C64),
];

/// The name of `dtype` in a header.
pub(crate) fn dtype_name(dtype: Dtype) -> &'static str {
    DTYPES
        .iter()
        .find(|(_, d)| *d == dtype)
        .map_or("?", |(name, _)| name)
}

/// One tensor of the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub name: String,
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    /// Its bytes, as a range of the whole file.
    pub data: Range<usize>,
}

/// A checked safetensors file: its tensors in data order and its metadata.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Container {
    pub tensors: Vec<Entry>,
    pub metadata: Metadata,
}

/// The header's length n and its JSON, read from the file's first 8 + n bytes: all the
/// full parse starts from, and all `vector_shape` reads before the data has arrived.
pub(crate) fn read_header(buffer: &[u8]) -> Result<(usize, Value), CatalogError> {
    let Some(length) = buffer.get(..LENGTH_BYTES) else {
        return Err(CatalogError::Truncated("header too small".into()));
    };
    let length = u64::from_le_bytes(length.try_into().expect("8 bytes"));
    let header_len = usize::try_from(length)
        .ok()
        .filter(|&n| n <= MAX_HEADER_BYTES)
        .ok_or_else(|| CatalogError::Header("header too large".into()))?;
    let header = buffer
        .get(LENGTH_BYTES..LENGTH_BYTES + header_len)
        .ok_or_else(|| CatalogError::Truncated("invalid header length".into()))?;
    let text = std::str::from_utf8(header)
        .map_err(|e| CatalogError::Header(format!("invalid UTF-8 in header: {e}")))?;
    let header = json::parse(text)
        .map_err(|e| CatalogError::Header(format!("invalid JSON in header: {e}")))?;
    Ok((header_len, header))
}

impl Container {
    pub(crate) fn parse(buffer: &[u8]) -> Result<Container, CatalogError> {
        let (header_len, header) = read_header(buffer)?;
        let data_start = LENGTH_BYTES + header_len;
        let Value::Object(fields) = header else {
            return Err(header_error("the header is not a JSON object"));
        };
        let mut metadata = Metadata::new();
        let mut tensors = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            if name == "__metadata__" {
                metadata = read_metadata(value)?;
            } else {
                tensors.push(read_entry(name, &value)?);
            }
        }
        // Offsets relative to the data section until checked; data order, as the format
        // requires the ranges to follow each other in it.
        if tensors.len() > MAX_TENSORS {
            return Err(CatalogError::Header(format!(
                "the header lists {} tensors; a catalog has at most {MAX_TENSORS}",
                tensors.len()
            )));
        }
        sort_short_by(&mut tensors, |a, b| {
            (a.data.start, a.data.end).cmp(&(b.data.start, b.data.end))
        });
        let mut end = 0usize;
        for tensor in &tensors {
            let Range { start, end: stop } = tensor.data;
            if start != end || stop < start {
                return Err(CatalogError::Header(format!(
                    "invalid offset for tensor `{}`",
                    tensor.name
                )));
            }
            end = stop;
            let size = byte_size(tensor)?;
            if stop - start != size {
                return Err(CatalogError::Header(format!(
                    "tensor `{}`: shape {:?} of {} takes {size} bytes, its data_offsets give {}",
                    tensor.name,
                    tensor.shape,
                    dtype_name(tensor.dtype),
                    stop - start
                )));
            }
        }
        let file_end = data_start
            .checked_add(end)
            .ok_or_else(|| CatalogError::Truncated("the tensor data ends past any file".into()))?;
        if file_end != buffer.len() {
            return Err(if buffer.len() > file_end {
                CatalogError::Header(format!(
                    "{} bytes follow the tensor data, which ends at byte {file_end}",
                    buffer.len() - file_end
                ))
            } else {
                CatalogError::Truncated(format!(
                    "the tensor data ends at byte {file_end}, the file at byte {}",
                    buffer.len()
                ))
            });
        }
        for tensor in &mut tensors {
            tensor.data = data_start + tensor.data.start..data_start + tensor.data.end;
        }
        Ok(Container { tensors, metadata })
    }
}

fn header_error(reason: &str) -> CatalogError {
    CatalogError::Header(format!("invalid JSON in header: {reason}"))
}

/// `__metadata__`: string keys to string values (`null` is none).
fn read_metadata(value: Value) -> Result<Metadata, CatalogError> {
    match value {
        Value::Null => Ok(Metadata::new()),
        Value::Object(map) => {
            let mut metadata = Metadata::new();
            for (key, value) in map {
                let Value::String(text) = value else {
                    return Err(header_error(&format!(
                        "`__metadata__` value of {} is not a string",
                        Quoted(&key)
                    )));
                };
                metadata.insert(key, text);
            }
            Ok(metadata)
        }
        _ => Err(header_error("`__metadata__` is not an object")),
    }
}

/// A tensor's entry: `{"dtype": name, "shape": [..], "data_offsets": [begin, end]}` (other
/// keys are ignored, as the crate ignores them).
fn read_entry(name: String, value: &Value) -> Result<Entry, CatalogError> {
    let invalid = |what: &str| header_error(&format!("tensor `{name}`: {what}"));
    let field = |key: &str| {
        value
            .get(key)
            .ok_or_else(|| invalid(&format!("no `{key}`")))
    };
    let dtype = field("dtype")?
        .as_str()
        .and_then(|text| DTYPES.iter().find(|(n, _)| *n == text))
        .map(|&(_, dtype)| dtype)
        .ok_or_else(|| invalid("`dtype` is not a safetensors dtype"))?;
    let numbers = |key: &str| -> Result<Vec<usize>, CatalogError> {
        field(key)?
            .as_array()
            .and_then(|values| {
                values
                    .iter()
                    .map(|v| v.as_u64().and_then(|n| usize::try_from(n).ok()))
                    .collect()
            })
            .ok_or_else(|| invalid(&format!("`{key}` is not a list of whole numbers")))
    };
    let shape = numbers("shape")?;
    let data = match numbers("data_offsets")?[..] {
        [begin, end] => begin..end,
        _ => return Err(invalid("`data_offsets` is not [begin, end]")),
    };
    Ok(Entry {
        name,
        dtype,
        shape,
        data,
    })
}

/// The bytes `tensor`'s shape and dtype take.
fn byte_size(tensor: &Entry) -> Result<usize, CatalogError> {
    let overflow = || {
        CatalogError::Header(format!(
            "tensor `{}`: its shape is too large to address",
            tensor.name
        ))
    };
    let bits = tensor
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .and_then(|n| n.checked_mul(tensor.dtype.bitsize()))
        .ok_or_else(overflow)?;
    if bits % 8 != 0 {
        return Err(CatalogError::Header(format!(
            "tensor `{}`: {bits} bits of {} do not end on a byte",
            tensor.name,
            dtype_name(tensor.dtype)
        )));
    }
    Ok(bits / 8)
}

/// A file with the same tensors and metadata, laid out as safetensors' writer lays files
/// out: tensors by descending dtype alignment, then name, after a header padded with spaces
/// to 8 bytes, so every tensor is aligned to its element size. For files from writers that
/// do not align (the catalog reads tensors in place).
pub(crate) fn relayout(buffer: &[u8]) -> Result<Vec<u8>, CatalogError> {
    let container = Container::parse(buffer)?;
    let mut order: Vec<&Entry> = container.tensors.iter().collect();
    sort_short_by(&mut order, |a, b| {
        b.dtype.cmp(&a.dtype).then_with(|| a.name.cmp(&b.name))
    });
    let mut header = Object::new();
    if !container.metadata.is_empty() {
        let mut metadata = Object::new();
        for (key, value) in &container.metadata {
            metadata.insert(key.clone(), Value::String(value.clone()));
        }
        header.insert("__metadata__".into(), Value::Object(metadata));
    }
    let whole = |n: usize| Value::Number(json::Number::PosInt(n as u64));
    let mut offset = 0usize;
    for tensor in &order {
        let len = tensor.data.len();
        let mut entry = Object::new();
        entry.insert(
            "dtype".into(),
            Value::String(dtype_name(tensor.dtype).into()),
        );
        let shape = tensor.shape.iter().map(|&d| whole(d)).collect();
        entry.insert("shape".into(), Value::Array(shape));
        let offsets = vec![whole(offset), whole(offset + len)];
        entry.insert("data_offsets".into(), Value::Array(offsets));
        header.insert(tensor.name.clone(), Value::Object(entry));
        offset += len;
    }
    let mut text = Value::Object(header).to_string().into_bytes();
    text.resize(text.len().next_multiple_of(LENGTH_BYTES), b' ');
    let mut out = Vec::with_capacity(LENGTH_BYTES + text.len() + offset);
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    for tensor in order {
        out.extend_from_slice(&buffer[tensor.data.clone()]);
    }
    Ok(out)
}
