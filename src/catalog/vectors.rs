//! How item vectors are stored and how they are lent out.

use crate::number::Quoted;

/// How item vectors are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VectorDtype {
    F32,
    F16,
    /// Symmetric per-item int8: value = `item.scale[i]` × q.
    I8,
    /// Symmetric per-item 4-bit, two per byte: value = `item.scale[i]` × q with q in
    /// −7..=7; byte j of a row holds dimension 2j in its low nibble and 2j + 1 in its high
    /// nibble (two's complement). Stored as a U8 tensor of shape [N, d/2]; d is even.
    I4,
}

impl VectorDtype {
    /// Every storage type, most exact first.
    pub const ALL: [VectorDtype; 4] = [
        VectorDtype::F32,
        VectorDtype::F16,
        VectorDtype::I8,
        VectorDtype::I4,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VectorDtype::F32 => "f32",
            VectorDtype::F16 => "f16",
            VectorDtype::I8 => "i8",
            VectorDtype::I4 => "i4",
        }
    }
}

impl std::str::FromStr for VectorDtype {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "f32" => Ok(VectorDtype::F32),
            "f16" => Ok(VectorDtype::F16),
            "i8" | "int8" => Ok(VectorDtype::I8),
            "i4" | "int4" => Ok(VectorDtype::I4),
            other => Err(format!(
                "unknown vector dtype {} (use f32, f16, i8 or i4)",
                Quoted(other)
            )),
        }
    }
}

/// Borrowed item vectors, as stored.
#[derive(Debug, Clone, Copy)]
pub enum ItemVectors<'a> {
    F32(&'a [f32]),
    /// IEEE binary16 bit patterns.
    F16(&'a [u16]),
    I8 {
        values: &'a [i8],
        scales: &'a [f32],
    },
    /// Two 4-bit values per byte, d/2 bytes per row (layout in [`VectorDtype::I4`]).
    I4 {
        packed: &'a [u8],
        scales: &'a [f32],
    },
}
