//! Item vectors made elsewhere: NumPy `.npy`, CSV (`id,v1,…,vd`), or a tensor in a
//! safetensors file (PyTorch `save_file`, NumPy, JAX).

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use safetensors::{Dtype, SafeTensors};

use crate::data::{open_maybe_gz, BadRowPolicy, RowReport};
use crate::npy::parse_npy;

/// Vectors in row order, with ids when the source carries them (CSV).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedVectors {
    pub ids: Option<Vec<String>>,
    pub rows: usize,
    pub dim: usize,
    /// Row-major.
    pub data: Vec<f32>,
}

/// `.npy` file of shape [N, d].
pub fn read_npy(path: &Path) -> Result<ImportedVectors> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let m = parse_npy(&bytes).with_context(|| format!("{}", path.display()))?;
    Ok(ImportedVectors {
        ids: None,
        rows: m.rows,
        dim: m.cols,
        data: m.data,
    })
}

/// A tensor of shape [N, d] (F32, F16, BF16 or F64) from a safetensors file; `name` may be
/// omitted when the file has exactly one 2-D tensor.
pub fn read_safetensors(path: &Path, name: Option<&str>) -> Result<ImportedVectors> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let file = SafeTensors::deserialize(&bytes)
        .with_context(|| format!("{} is not a valid safetensors file", path.display()))?;
    let name = match name {
        Some(n) => n.to_string(),
        None => {
            let matrices: Vec<String> = file
                .tensors()
                .into_iter()
                .filter(|(_, t)| t.shape().len() == 2)
                .map(|(n, _)| n)
                .collect();
            match &matrices[..] {
                [only] => only.clone(),
                [] => bail!("{}: no 2-D tensor in the file", path.display()),
                many => bail!(
                    "{}: several 2-D tensors ({many:?}); choose one with --tensor",
                    path.display()
                ),
            }
        }
    };
    let tensor = file
        .tensor(&name)
        .with_context(|| format!("{}: no tensor {name:?}", path.display()))?;
    let [rows, dim] = tensor.shape()[..] else {
        bail!(
            "{}: tensor {name:?} has shape {:?}; expected [items, dims]",
            path.display(),
            tensor.shape()
        );
    };
    let raw = tensor.data();
    let data: Vec<f32> = match tensor.dtype() {
        Dtype::F32 => raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => raw
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => raw
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::F64 => raw
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32)
            .collect(),
        other => bail!(
            "{}: tensor {name:?} is {other:?}; expected F32, F16, BF16 or F64",
            path.display()
        ),
    };
    Ok(ImportedVectors {
        ids: None,
        rows,
        dim,
        data,
    })
}

/// CSV rows `id,v1,…,vd` (a header row is recognised by a non-numeric second column).
pub fn read_csv(
    path: &Path,
    delimiter: u8,
    policy: BadRowPolicy,
) -> Result<(ImportedVectors, RowReport)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(open_maybe_gz(path)?);
    let mut ids = Vec::new();
    let mut data = Vec::new();
    let mut dim: Option<usize> = None;
    let mut report = RowReport::default();
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        let Some(line) = report.next_record(&mut reader, &mut record, policy, path)? else {
            break;
        };
        if std::mem::take(&mut first)
            && record
                .get(1)
                .is_some_and(|v| v.trim().parse::<f32>().is_err())
        {
            continue; // header
        }
        report.rows += 1;
        let id = record.get(0).unwrap_or("").trim();
        if id.is_empty() {
            report.bad_row(policy, path, line, "the id column is empty")?;
            continue;
        }
        let values: Result<Vec<f32>, String> = record
            .iter()
            .skip(1)
            .map(|v| {
                v.trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| format!("{v:?} is not a finite number"))
            })
            .collect();
        let values = match values {
            Ok(v) if v.is_empty() => {
                report.bad_row(policy, path, line, "no vector values after the id")?;
                continue;
            }
            Ok(v) => v,
            Err(reason) => {
                report.bad_row(policy, path, line, reason)?;
                continue;
            }
        };
        let d = *dim.get_or_insert(values.len());
        if values.len() != d {
            report.bad_row(
                policy,
                path,
                line,
                format!("{} values where earlier rows have {d}", values.len()),
            )?;
            continue;
        }
        ids.push(id.to_string());
        data.extend(values);
    }
    let Some(dim) = dim else {
        bail!("{}: no vectors found", path.display());
    };
    Ok((
        ImportedVectors {
            rows: ids.len(),
            ids: Some(ids),
            dim,
            data,
        },
        report,
    ))
}

/// One id per line (blank lines are an error: they would shift every later id).
pub fn read_id_list(path: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let id = line.trim();
        ensure!(
            !id.is_empty(),
            "{}:{}: empty id (one id per line, in the vectors' row order)",
            path.display(),
            n + 1
        );
        ids.push(id.to_string());
    }
    Ok(ids)
}
