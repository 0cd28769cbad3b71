//! The hybrid's additions to the catalog file, written and read by the CLI until the core
//! learns them (phase 2). The core's reader ignores unknown tensors and keeps unknown
//! metadata keys, so a catalog with these additions stays valid for today's browser build
//! (which ranks it by the vectors alone).
//!
//! Tensors: `neighbour.ids` U32 [N, K] (`u32::MAX` = empty slot) and `neighbour.weights`
//! F16 [N, K], row j = the items item j recommends, strongest first. Metadata (strings):
//! `hybrid.version` = "1", `hybrid.vector_weight` ("1" or "0"), `hybrid.neighbour_weight`,
//! `hybrid.popularity_weight` (f32, shortest round-trip decimal), `hybrid.history`
//! ("linear" | "log1p"); the tuner's choice and validation figures under `tune.*`.

use std::collections::BTreeMap;

use anyhow::{bail, ensure, Context, Result};
use half::f16;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::hybrid::{Blend, HistoryTransform};
use super::neighbours::Neighbours;

pub const IDS: &str = "neighbour.ids";
pub const WEIGHTS: &str = "neighbour.weights";
pub const META_VERSION: &str = "hybrid.version";
pub const META_VECTOR_WEIGHT: &str = "hybrid.vector_weight";
pub const META_NEIGHBOUR_WEIGHT: &str = "hybrid.neighbour_weight";
pub const META_POPULARITY_WEIGHT: &str = "hybrid.popularity_weight";
pub const META_HISTORY: &str = "hybrid.history";

/// The blend as metadata entries.
pub fn blend_metadata(blend: &Blend) -> BTreeMap<String, String> {
    BTreeMap::from([
        (META_VERSION.to_string(), "1".to_string()),
        (
            META_VECTOR_WEIGHT.to_string(),
            if blend.vectors { "1" } else { "0" }.to_string(),
        ),
        (META_NEIGHBOUR_WEIGHT.to_string(), blend.w_nb.to_string()),
        (META_POPULARITY_WEIGHT.to_string(), blend.w_pop.to_string()),
        (META_HISTORY.to_string(), blend.history.as_str().to_string()),
    ])
}

/// `bytes` (a catalog written by the core's builder, metadata included) with the
/// neighbour tensors added; everything else is kept byte for byte.
pub fn with_neighbours(bytes: &[u8], neighbours: &Neighbours) -> Result<Vec<u8>> {
    let file = SafeTensors::deserialize(bytes)?;
    let (_, header) = SafeTensors::read_metadata(bytes)?;
    let metadata: BTreeMap<String, String> = header
        .metadata()
        .as_ref()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let n = neighbours.items();
    let k = neighbours.k;
    let ids: Vec<u8> = bytemuck::cast_slice(&neighbours.ids).to_vec();
    let weights: Vec<u8> = neighbours
        .weights
        .iter()
        .flat_map(|w| w.to_bits().to_le_bytes())
        .collect();
    let mut views: Vec<(String, TensorView<'_>)> = file
        .tensors()
        .into_iter()
        .filter(|(name, _)| !name.starts_with("neighbour."))
        .collect();
    views.push((IDS.into(), TensorView::new(Dtype::U32, vec![n, k], &ids)?));
    views.push((
        WEIGHTS.into(),
        TensorView::new(Dtype::F16, vec![n, k], &weights)?,
    ));
    let out = safetensors::serialize(views, None)?;
    let out = with_metadata(out, &metadata);
    shopwindow::Catalog::from_bytes(out.clone()).context("the catalog with neighbours")?;
    Ok(out)
}

/// The neighbour table and blend of a catalog, when it has them.
pub fn read_hybrid(bytes: &[u8]) -> Result<Option<(Option<Neighbours>, Blend)>> {
    let (_, header) = SafeTensors::read_metadata(bytes)?;
    let meta = header.metadata().clone().unwrap_or_default();
    if !meta.contains_key(META_VERSION) {
        return Ok(None);
    }
    let number = |key: &str| -> Result<f32> {
        let text = meta
            .get(key)
            .with_context(|| format!("metadata {key} missing"))?;
        text.parse::<f32>()
            .ok()
            .filter(|v| v.is_finite())
            .with_context(|| format!("metadata {key} = {text:?} is not a number"))
    };
    let blend = Blend {
        vectors: number(META_VECTOR_WEIGHT)? != 0.0,
        w_nb: number(META_NEIGHBOUR_WEIGHT)?,
        w_pop: number(META_POPULARITY_WEIGHT)?,
        history: meta
            .get(META_HISTORY)
            .and_then(|h| HistoryTransform::parse(h))
            .context("metadata hybrid.history must be linear or log1p")?,
    };
    let file = SafeTensors::deserialize(bytes)?;
    let neighbours = match (file.tensor(IDS), file.tensor(WEIGHTS)) {
        (Ok(ids), Ok(weights)) => {
            ensure!(
                ids.dtype() == Dtype::U32 && weights.dtype() == Dtype::F16,
                "neighbour tensors must be U32 ids and F16 weights"
            );
            ensure!(
                ids.shape().len() == 2 && ids.shape() == weights.shape(),
                "neighbour ids and weights must both be [N, K]"
            );
            let k = ids.shape()[1];
            let ids: Vec<u32> = ids
                .data()
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
                .collect();
            let weights: Vec<f16> = weights
                .data()
                .chunks_exact(2)
                .map(|b| f16::from_bits(u16::from_le_bytes([b[0], b[1]])))
                .collect();
            ensure!(
                weights.iter().all(|w| w.is_finite()),
                "neighbour weights must be finite"
            );
            Some(Neighbours { k, ids, weights })
        }
        (Err(_), Err(_)) => None,
        _ => bail!("neighbour.ids and neighbour.weights come together"),
    };
    Ok(Some((neighbours, blend)))
}

/// `__metadata__` written in key order (deterministic bytes), as the core's writer does.
fn with_metadata(file: Vec<u8>, metadata: &BTreeMap<String, String>) -> Vec<u8> {
    const N_LEN: usize = 8;
    let header_len = u64::from_le_bytes(file[..N_LEN].try_into().expect("8 bytes")) as usize;
    let header = std::str::from_utf8(&file[N_LEN..N_LEN + header_len])
        .expect("safetensors writes a UTF-8 header")
        .trim_end();
    let tensors = header
        .strip_prefix('{')
        .expect("safetensors writes a JSON object");
    let mut out = format!(
        "{{\"__metadata__\":{}",
        serde_json::to_string(metadata).expect("a map of strings serializes")
    );
    if tensors != "}" {
        out.push(',');
    }
    out.push_str(tensors);
    while out.len() % N_LEN != 0 {
        out.push(' ');
    }
    let mut bytes = Vec::with_capacity(N_LEN + out.len() + file.len() - N_LEN - header_len);
    bytes.extend_from_slice(&(out.len() as u64).to_le_bytes());
    bytes.extend_from_slice(out.as_bytes());
    bytes.extend_from_slice(&file[N_LEN + header_len..]);
    bytes
}
