//! YᵀY, the Gram matrix of the item vectors that the fold-in starts from: shipped in the
//! file (`model.gram`) or accumulated once at load, in f64 and rounded to the file's f32
//! either way, so a catalog scores the same with or without it.

/// Accumulates YᵀY row by row in f64 (lower triangle, mirrored at the end).
pub(crate) struct Gram {
    dim: usize,
    sums: Vec<f64>,
}

impl Gram {
    pub(crate) fn new(dim: usize) -> Self {
        Gram {
            dim,
            sums: vec![0.0; dim * dim],
        }
    }

    pub(crate) fn add_row(&mut self, row: &[f32]) {
        let d = self.dim;
        for (a, &ya) in row[..d].iter().enumerate() {
            let ya = ya as f64;
            let lower = &mut self.sums[a * d..=a * d + a];
            for (sum, &yb) in lower.iter_mut().zip(&row[..=a]) {
                *sum += ya * yb as f64;
            }
        }
    }

    /// Row-major d × d, rounded to f32 as `model.gram` stores it (the writer writes these
    /// values; the reader computing them for a file without the tensor gets the same).
    pub(crate) fn finish(mut self) -> Vec<f32> {
        let d = self.dim;
        for a in 0..d {
            for b in 0..a {
                self.sums[b * d + a] = self.sums[a * d + b];
            }
        }
        self.sums.into_iter().map(|v| v as f32).collect()
    }
}
