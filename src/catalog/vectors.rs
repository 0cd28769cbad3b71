//! How item vectors are stored and how they are lent out.

/// How item vectors are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VectorDtype {
    F32,
    F16,
    /// Symmetric per-item int8: value = `item.scale[i]` × q.
    I8,
}

impl VectorDtype {
    pub fn as_str(self) -> &'static str {
        match self {
            VectorDtype::F32 => "f32",
            VectorDtype::F16 => "f16",
            VectorDtype::I8 => "i8",
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
            other => Err(format!(
                "unknown vector dtype {other:?} (use f32, f16 or i8)"
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
}
