//! Compressed sparse rows: the user × item interaction matrix and its transpose.

/// A sparse matrix in CSR layout with `f32` values and sorted, distinct column indices per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    rows: usize,
    cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl Csr {
    /// Builds the matrix from `(row, col, value)` triples; values of repeated cells are summed.
    pub fn from_triples(rows: usize, cols: usize, mut triples: Vec<(u32, u32, f32)>) -> Csr {
        triples.sort_unstable_by_key(|&(r, c, _)| (r, c));
        let mut indptr = vec![0usize; rows + 1];
        let mut indices = Vec::with_capacity(triples.len());
        let mut values: Vec<f32> = Vec::with_capacity(triples.len());
        let mut last: Option<(u32, u32)> = None;
        for (r, c, v) in triples {
            assert!(
                (r as usize) < rows && (c as usize) < cols,
                "triple outside the matrix"
            );
            if last == Some((r, c)) {
                *values.last_mut().expect("a previous cell") += v;
                continue;
            }
            last = Some((r, c));
            indptr[r as usize + 1] += 1;
            indices.push(c);
            values.push(v);
        }
        for r in 0..rows {
            indptr[r + 1] += indptr[r];
        }
        Csr {
            rows,
            cols,
            indptr,
            indices,
            values,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of stored (non-zero) cells.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Column indices and values of row `r`.
    #[inline]
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let span = self.indptr[r]..self.indptr[r + 1];
        (&self.indices[span.clone()], &self.values[span])
    }

    pub fn row_nnz(&self, r: usize) -> usize {
        self.indptr[r + 1] - self.indptr[r]
    }

    /// The item × user view of a user × item matrix.
    pub fn transpose(&self) -> Csr {
        let mut counts = vec![0usize; self.cols + 1];
        for &c in &self.indices {
            counts[c as usize + 1] += 1;
        }
        for c in 0..self.cols {
            counts[c + 1] += counts[c];
        }
        let indptr = counts.clone();
        let mut next = counts;
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0f32; self.nnz()];
        // Rows are visited in order, so each transposed row comes out sorted.
        for r in 0..self.rows {
            let (cols, vals) = self.row(r);
            for (&c, &v) in cols.iter().zip(vals) {
                let slot = next[c as usize];
                indices[slot] = r as u32;
                values[slot] = v;
                next[c as usize] += 1;
            }
        }
        Csr {
            rows: self.cols,
            cols: self.rows,
            indptr,
            indices,
            values,
        }
    }

    /// Sum of each column's values.
    pub fn column_sums(&self) -> Vec<f64> {
        let mut sums = vec![0.0; self.cols];
        for (&c, &v) in self.indices.iter().zip(&self.values) {
            sums[c as usize] += v as f64;
        }
        sums
    }

    /// Number of stored cells in each column.
    pub fn column_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.cols];
        for &c in &self.indices {
            counts[c as usize] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_summed_and_transpose_round_trips() {
        let m = Csr::from_triples(
            3,
            4,
            vec![
                (2, 1, 1.0),
                (0, 3, 2.0),
                (0, 1, 1.0),
                (2, 1, 0.5),
                (1, 0, 4.0),
            ],
        );
        assert_eq!(m.nnz(), 4);
        assert_eq!(m.row(0), (&[1u32, 3][..], &[1.0f32, 2.0][..]));
        assert_eq!(m.row(2), (&[1u32][..], &[1.5f32][..]));
        let t = m.transpose();
        assert_eq!(t.row(1), (&[0u32, 2][..], &[1.0f32, 1.5][..]));
        assert_eq!(t.transpose(), m);
        assert_eq!(m.column_counts(), vec![1, 2, 0, 1]);
    }
}
