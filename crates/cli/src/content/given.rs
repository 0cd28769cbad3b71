//! Content vectors made elsewhere (`--content-vectors`): read, checked, keyed by item id.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Result};

use super::GivenVectors;
use crate::data::BadRowPolicy;
use crate::vectors::{read_csv, read_id_list, read_npy, read_safetensors};

/// Given vectors by id, and each id's row in the file (1-based) for error messages.
#[derive(Debug, Default)]
pub struct GivenFile {
    pub vectors: GivenVectors,
    pub rows: Vec<String>,
}

/// Reads `path`: `.npy` or `.safetensors` with ids from `ids` (one per line), or CSV rows
/// `id,v1,…,vd` (a row with another length or a value that is not a finite number fails
/// with its line). Every value finite, every id once. None: no vectors.
pub fn read_given(
    path: Option<&Path>,
    ids: Option<&Path>,
    policy: BadRowPolicy,
) -> Result<GivenFile> {
    let Some(path) = path else {
        if ids.is_some() {
            bail!("--content-vector-ids names the rows of --content-vectors: give that too");
        }
        return Ok(GivenFile::default());
    };
    let name = path.to_string_lossy().to_ascii_lowercase();
    let vectors = if name.ends_with(".npy") {
        read_npy(path)?
    } else if name.ends_with(".safetensors") {
        read_safetensors(path, None)?
    } else {
        read_csv(path, b',', policy)?.0
    };
    let (rows, from) = match (ids, &vectors.ids) {
        (Some(ids), _) => (read_id_list(ids)?, ids.display().to_string()),
        (None, Some(ids)) => (ids.clone(), path.display().to_string()),
        (None, None) => bail!(
            "{} has no item ids: pass --content-vector-ids (one id per line)",
            path.display()
        ),
    };
    if rows.len() != vectors.rows {
        bail!(
            "--content-vectors: {from} gives {} ids for {} vectors in {}",
            rows.len(),
            vectors.rows,
            path.display()
        );
    }
    let mut given = GivenVectors::new();
    for (i, id) in rows.iter().enumerate() {
        let row = &vectors.data[i * vectors.dim..(i + 1) * vectors.dim];
        if let Some((c, bad)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            bail!(
                "{}: row {} (item {id:?}) has the value {bad} in column {} (not finite)",
                path.display(),
                i + 1,
                c + 1
            );
        }
        if given.insert(id.clone(), row.to_vec()).is_some() {
            bail!(
                "{}: item {id:?} appears twice (again at row {})",
                path.display(),
                i + 1
            );
        }
    }
    Ok(GivenFile {
        vectors: given,
        rows,
    })
}

impl GivenFile {
    /// Fails on the first id of the file that `known` (the catalog's items) lacks.
    pub fn check_known(&self, known: &HashSet<&str>, path: &Path, what: &str) -> Result<()> {
        if let Some((i, id)) = self
            .rows
            .iter()
            .enumerate()
            .find(|(_, id)| !known.contains(id.as_str()))
        {
            bail!(
                "{}: row {} names item {id:?}, which is not {what}",
                path.display(),
                i + 1
            );
        }
        Ok(())
    }
}
