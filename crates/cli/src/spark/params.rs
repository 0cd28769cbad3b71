//! What a saved Spark model says about how it was trained.
//!
//! `ALSModel.save` writes `metadata/part-00000` (one JSON line) with the class, Spark's
//! version and the rank, but not the training hyper-parameters: those belong to the `ALS`
//! estimator, whose own `save` writes them (`paramMap`, with `defaultParamMap` for the
//! values left at their defaults). Fold-in needs alpha and regParam, so they come from
//! the estimator's metadata or from the command line.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

/// The parts of a Spark `metadata` JSON the import uses.
#[derive(Debug, Clone, PartialEq)]
pub struct SparkMetadata {
    pub class: String,
    pub spark_version: Option<String>,
    params: serde_json::Map<String, Value>,
    defaults: serde_json::Map<String, Value>,
    /// `ALSModel`'s extra `rank` entry.
    pub rank: Option<usize>,
}

/// The implicit-ALS system the factors solve, as Spark's estimator was configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlsHyperParams {
    pub alpha: f32,
    pub reg_param: f32,
}

impl SparkMetadata {
    /// Reads `dir/metadata/part-*` (a model or estimator directory).
    pub fn read(dir: &Path) -> Result<SparkMetadata> {
        let file = metadata_file(dir)?;
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        SparkMetadata::parse(&text).with_context(|| format!("{}", file.display()))
    }

    pub fn parse(text: &str) -> Result<SparkMetadata> {
        let json: Value = serde_json::from_str(text.trim()).context("not Spark metadata JSON")?;
        let object = |key: &str| match json.get(key) {
            Some(Value::Object(map)) => Ok(map.clone()),
            None => Ok(serde_json::Map::new()),
            Some(other) => bail!("`{key}` is {other}, expected an object"),
        };
        let Some(class) = json.get("class").and_then(Value::as_str) else {
            bail!("no `class` entry: not the metadata of a Spark ML model");
        };
        Ok(SparkMetadata {
            class: class.to_string(),
            spark_version: json
                .get("sparkVersion")
                .and_then(Value::as_str)
                .map(str::to_string),
            params: object("paramMap")?,
            defaults: object("defaultParamMap")?,
            rank: json.get("rank").and_then(Value::as_u64).map(|r| r as usize),
        })
    }

    /// A parameter as set, else its default.
    fn param(&self, name: &str) -> Option<&Value> {
        self.params.get(name).or_else(|| self.defaults.get(name))
    }

    fn number(&self, name: &str) -> Result<f32> {
        match self.param(name) {
            Some(v) => match v.as_f64() {
                Some(x) => Ok(x as f32),
                None => bail!("parameter `{name}` is {v}, expected a number"),
            },
            None => bail!("no `{name}` parameter"),
        }
    }

    /// alpha and regParam of an `ALS` estimator, which must have solved the implicit
    /// system without constraints (the system the browser's fold-in solves).
    pub fn als_hyper_params(&self) -> Result<AlsHyperParams> {
        ensure!(
            self.class.ends_with(".ALS"),
            "this is the metadata of {}, not of an ALS estimator (ALSModel.save does not \
             store alpha and regParam: save the estimator with als.save(path))",
            self.class
        );
        ensure!(
            self.param("implicitPrefs").and_then(Value::as_bool) == Some(true),
            "the ALS estimator has implicitPrefs=false: explicit-feedback factors do not \
             solve the implicit system the browser's fold-in uses; train with \
             ALS(implicitPrefs=True)"
        );
        ensure!(
            self.param("nonnegative").and_then(Value::as_bool) != Some(true),
            "the ALS estimator has nonnegative=true: its constrained solves differ from \
             the browser's unconstrained fold-in"
        );
        Ok(AlsHyperParams {
            alpha: self.number("alpha")?,
            reg_param: self.number("regParam")?,
        })
    }
}

fn metadata_file(dir: &Path) -> Result<PathBuf> {
    let folder = dir.join("metadata");
    let entries =
        std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))?;
    let mut parts: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("part-"))
        })
        .collect();
    parts.sort();
    match parts.into_iter().next() {
        Some(part) => Ok(part),
        None => bail!("{}: no part-* file", folder.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"{"class":"org.apache.spark.ml.recommendation.ALSModel","timestamp":1,"sparkVersion":"4.0.0","uid":"ALS_1","paramMap":{"itemCol":"item","userCol":"user"},"defaultParamMap":{"coldStartStrategy":"nan"},"rank":4}"#;
    const ESTIMATOR: &str = r#"{"class":"org.apache.spark.ml.recommendation.ALS","sparkVersion":"4.0.0","paramMap":{"alpha":2.0,"implicitPrefs":true,"rank":4,"regParam":0.5},"defaultParamMap":{"alpha":1.0,"implicitPrefs":false,"nonnegative":false,"regParam":0.1}}"#;

    #[test]
    fn reads_rank_and_version_of_a_model() {
        let m = SparkMetadata::parse(MODEL).unwrap();
        assert_eq!(m.rank, Some(4));
        assert_eq!(m.spark_version.as_deref(), Some("4.0.0"));
    }

    #[test]
    fn set_parameters_win_over_defaults() {
        let m = SparkMetadata::parse(ESTIMATOR).unwrap();
        let p = m.als_hyper_params().unwrap();
        assert_eq!(
            p,
            AlsHyperParams {
                alpha: 2.0,
                reg_param: 0.5
            }
        );
    }

    #[test]
    fn defaults_fill_unset_parameters() {
        let text = ESTIMATOR.replace(r#""alpha":2.0,"#, "");
        let p = SparkMetadata::parse(&text)
            .unwrap()
            .als_hyper_params()
            .unwrap();
        assert_eq!(p.alpha, 1.0);
    }

    /// Why the metadata `text` (valid JSON of a known class) yields no hyper-parameters.
    fn refusal(text: &str) -> String {
        SparkMetadata::parse(text)
            .unwrap()
            .als_hyper_params()
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn model_metadata_has_no_hyper_parameters() {
        let err = refusal(MODEL);
        assert!(err.contains("als.save"), "{err}");
    }

    #[test]
    fn explicit_and_nonnegative_models_are_refused() {
        let explicit = ESTIMATOR.replace(r#""implicitPrefs":true"#, r#""implicitPrefs":false"#);
        let err = refusal(&explicit);
        assert!(err.contains("implicitPrefs"), "{err}");
        let nonneg = ESTIMATOR.replace(r#""nonnegative":false"#, r#""nonnegative":true"#);
        let err = refusal(&nonneg);
        assert!(err.contains("nonnegative"), "{err}");
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let err = SparkMetadata::parse("not json").unwrap_err();
        assert!(err.to_string().contains("Spark metadata"), "{err}");
        let err = SparkMetadata::parse(r#"{"rank":3}"#).unwrap_err();
        assert!(err.to_string().contains("class"), "{err}");
    }
}
