//! The catalog's bytes, kept 8-byte aligned so every tensor can be viewed in place (a file
//! whose tensors are not aligned inside it is laid out again: `container::relayout`).

/// The catalog's bytes, 8-byte aligned so every tensor can be viewed in place.
#[derive(Debug)]
pub(super) enum Storage {
    Bytes(Vec<u8>),
    /// A realigned copy, used when the allocator handed us an unaligned buffer.
    Words {
        words: Vec<u64>,
        len: usize,
    },
}

impl Storage {
    pub(super) fn aligned(bytes: Vec<u8>) -> Storage {
        if bytes.as_ptr().align_offset(8) == 0 {
            return Storage::Bytes(bytes);
        }
        let len = bytes.len();
        let mut words = vec![0u64; len.div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..len].copy_from_slice(&bytes);
        Storage::Words { words, len }
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        match self {
            Storage::Bytes(bytes) => bytes,
            Storage::Words { words, len } => &bytemuck::cast_slice::<u64, u8>(words)[..*len],
        }
    }
}
