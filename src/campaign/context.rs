//! What a policy knows when it decides: the on-device features of the shopper and the page.
//!
//! The context is generic on purpose: a segment index and RFM scores are optional inputs
//! (whatever the segmentation on the device provides), the user vector is the fold-in's,
//! projected to a few dimensions. Only LinUCB reads the feature vector; every policy reads
//! the segment, which selects the store's priors.

use serde::{Deserialize, Serialize};

use crate::json::{Object, Value};
use crate::rfm::RfmScores;
use crate::rng::SplitMix64;

/// The fields of the context a page passes with a decision (`page`, `segment`, `rfm`,
/// `user`): the campaigns module's reader and the package's check of a caller's context
/// both list them from here.
pub const CONTEXT_FIELDS: &[&str] = &["page", "segment", "rfm", "user"];

/// Most user-vector dimensions a campaign may use, and most page kinds.
pub const MAX_USER_DIMS: usize = 8;
pub const MAX_PAGES: usize = 8;

/// One decision's context. Everything is optional: a missing part contributes zeros.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyContext {
    pub segment: Option<u32>,
    /// Recency, frequency and monetary scores, each 1 (lowest) to 5 (highest): checked by
    /// [`PolicyContext::validate`], since a context may come from JavaScript.
    pub rfm: Option<RfmScores>,
    /// The projected user vector ([`project_user`]); empty when there is no history.
    pub user: Vec<f32>,
    /// The kind of page the slot is on ("home", "product", ...).
    pub page: Option<String>,
}

impl PolicyContext {
    pub fn validate(&self) -> Result<(), String> {
        if let Some(rfm) = self.rfm {
            for (name, score) in [("r", rfm.r), ("f", rfm.f), ("m", rfm.m)] {
                if !(1..=5).contains(&score) {
                    return Err(format!("rfm.{name} is {score}; scores are 1 to 5"));
                }
            }
        }
        if self.user.len() > MAX_USER_DIMS || self.user.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "user must be at most {MAX_USER_DIMS} finite numbers"
            ));
        }
        Ok(())
    }
}

/// What a decision still needs from the shopper's standing: the parts of its context the
/// caller left out. The campaigns (their own wasm module) say what they need; the
/// catalog's engine answers with a [`ShopperStanding`] from one fold-in of the history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StandingRequest {
    /// Fill in the shopper's segment (when the catalog ships segments).
    pub segment: bool,
    /// Fill in the shopper's RFM scores (when the catalog ships RFM thresholds).
    pub rfm: bool,
    /// Fill in the user vector projected to this many dimensions (0: none).
    pub user_dims: usize,
}

/// The answer to a [`StandingRequest`]: each part asked for, `None` where the history or
/// the catalog does not give it (no segments shipped, no purchase yet, an empty history).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShopperStanding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rfm: Option<RfmScores>,
    /// [`project_user`] of the fold-in vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Vec<f32>>,
}

/// A segment index as a context or a standing gives it in JSON; `None` if it is not one.
pub fn segment_from_json(value: &Value) -> Option<u32> {
    value.as_u64().and_then(|s| u32::try_from(s).ok())
}

/// RFM scores `{r, f, m}` (whole numbers 0..=255; other keys are not looked at) from JSON.
pub fn rfm_from_json(value: &Value) -> Option<RfmScores> {
    let map = value.as_object()?;
    let score = |key| {
        map.get(key)
            .and_then(Value::as_u64)
            .and_then(|s| u8::try_from(s).ok())
    };
    Some(RfmScores {
        r: score("r")?,
        f: score("f")?,
        m: score("m")?,
    })
}

/// A projected user vector (a list of numbers) from JSON.
pub fn user_from_json(value: &Value) -> Option<Vec<f32>> {
    value
        .as_array()?
        .iter()
        .map(|x| x.as_f64().map(|x| x as f32))
        .collect()
}

impl ShopperStanding {
    /// Reads a standing the catalog's module returned (`null`: none) from its JSON, as the
    /// derived `Deserialize` reads it (a test holds the two together) but field by field:
    /// the derive's typed number paths would bring `core::fmt`'s float code, about 17 KB,
    /// into the campaigns' wasm module for their error messages (see `crate::number`).
    pub fn from_json(value: &Value) -> Result<Option<ShopperStanding>, String> {
        const FIELDS: &[&str] = &["segment", "rfm", "user"];
        let map = match value {
            Value::Null => return Ok(None),
            Value::Object(map) => map,
            _ => return Err("must be an object or null".into()),
        };
        if let Some(key) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(format!(
                "unknown field `{key}`, expected one of `{}`",
                FIELDS.join("`, `")
            ));
        }
        // Absent or null: none; otherwise `read` must accept it.
        fn field<T>(
            map: &Object,
            key: &str,
            read: fn(&Value) -> Option<T>,
            expected: &str,
        ) -> Result<Option<T>, String> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => read(v)
                    .map(Some)
                    .ok_or_else(|| format!("`{key}` must be {expected}")),
            }
        }
        // Exactly `r`, `f` and `m`, as the derive (which refuses unknown fields) reads them.
        fn exact_rfm(value: &Value) -> Option<RfmScores> {
            (value.as_object()?.len() == 3).then(|| rfm_from_json(value))?
        }
        Ok(Some(ShopperStanding {
            segment: field(map, "segment", segment_from_json, "a segment index")?,
            rfm: field(map, "rfm", exact_rfm, "{r, f, m} with whole scores")?,
            user: field(map, "user", user_from_json, "a list of numbers")?,
        }))
    }
}

/// The layout of LinUCB's feature vector: `[1, user…, r, f, m, page one-hot…]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureSpec {
    user_dims: usize,
    pages: Vec<String>,
}

impl FeatureSpec {
    pub fn new(user_dims: usize, pages: Vec<String>) -> Result<FeatureSpec, String> {
        if user_dims > MAX_USER_DIMS {
            return Err(format!(
                "context.userDims {user_dims} is more than {MAX_USER_DIMS}"
            ));
        }
        if pages.len() > MAX_PAGES {
            return Err(format!("context.pages lists more than {MAX_PAGES} pages"));
        }
        Ok(FeatureSpec { user_dims, pages })
    }

    pub fn user_dims(&self) -> usize {
        self.user_dims
    }

    /// Length of the feature vector (at most 1 + 8 + 3 + 8 = 20).
    pub fn dim(&self) -> usize {
        1 + self.user_dims + 3 + self.pages.len()
    }

    /// The features of `context`. RFM scores are centred to [−1, 1]; an unknown page is all
    /// zeros (pages are the store's vocabulary, not an error); a user vector must have
    /// exactly `userDims` entries when given.
    pub fn features(&self, context: &PolicyContext) -> Result<Vec<f64>, String> {
        context.validate()?;
        let mut x = Vec::with_capacity(self.dim());
        x.push(1.0);
        match context.user.len() {
            0 => x.extend(std::iter::repeat_n(0.0, self.user_dims)),
            n if n == self.user_dims => x.extend(context.user.iter().map(|&v| v as f64)),
            n => {
                return Err(format!(
                    "user has {n} dimensions; this campaign uses {}",
                    self.user_dims
                ))
            }
        }
        match context.rfm {
            Some(rfm) => x.extend([rfm.r, rfm.f, rfm.m].map(|s| (s as f64 - 3.0) / 2.0)),
            None => x.extend([0.0; 3]),
        }
        x.extend(
            self.pages
                .iter()
                .map(|p| f64::from(u8::from(context.page.as_deref() == Some(p)))),
        );
        Ok(x)
    }
}

/// Projects a user vector to `dims` dimensions with a fixed ±1 random projection (the same
/// on every device and build), then scales the result to unit length, so the features do
/// not depend on the catalog's vector norms. Zero in, zero out.
pub fn project_user(vector: &[f32], dims: usize) -> Vec<f32> {
    let mut out = vec![0.0f64; dims];
    for (i, &v) in vector.iter().enumerate() {
        for (j, o) in out.iter_mut().enumerate() {
            *o += sign(i, j) * v as f64;
        }
    }
    let norm = out.iter().map(|v| v * v).sum::<f64>().sqrt();
    out.iter()
        .map(|&v| if norm > 0.0 { (v / norm) as f32 } else { 0.0 })
        .collect()
}

/// The (i, j) entry of the projection: one bit of a SplitMix64 hash.
fn sign(i: usize, j: usize) -> f64 {
    if SplitMix64::mix((i as u64) << 32 | j as u64) & 1 == 0 {
        1.0
    } else {
        -1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value as Json};

    /// A standing as JSON: mostly well formed, with wrong types, out-of-range numbers,
    /// `null`s and unknown fields mixed in. Never a list where an object belongs: serde also
    /// reads a struct from a list of its values, which no module writes.
    fn standing_json() -> impl Strategy<Value = Json> {
        let number = prop_oneof![
            8 => (0u64..6).prop_map(Json::from),
            1 => (0u64..300).prop_map(Json::from),
            1 => Just(Json::from(u64::from(u32::MAX) + 1)),
            1 => (-3i64..0).prop_map(Json::from),
            1 => (-2.0f64..2.0).prop_map(Json::from),
        ];
        let junk = prop_oneof![
            Just(Json::Null),
            Just(Json::from("3")),
            Just(Json::Bool(true)),
            Just(serde_json::json!({})),
        ];
        let field = |value: BoxedStrategy<Json>| prop_oneof![4 => value.prop_map(Some), 1 => junk.clone().prop_map(Some), 1 => Just(None)];
        let rfm = prop::collection::btree_map(
            prop::sample::select(vec!["r", "f", "m", "x"]),
            prop_oneof![8 => number.clone(), 1 => junk.clone()],
            2..5,
        )
        .prop_map(|m| Json::Object(m.into_iter().map(|(k, v)| (k.into(), v)).collect()));
        let user = prop::collection::vec(prop_oneof![4 => number.clone(), 1 => junk.clone()], 0..4)
            .prop_map(Json::Array);
        let object = (
            field(number.clone().boxed()),
            field(rfm.boxed()),
            field(user.boxed()),
            prop::option::weighted(0.05, Just(Json::Null)),
        )
            .prop_map(|(segment, rfm, user, unknown)| {
                let mut map = Map::new();
                for (key, value) in [
                    ("segment", segment),
                    ("rfm", rfm),
                    ("user", user),
                    ("bogus", unknown),
                ] {
                    if let Some(value) = value {
                        map.insert(key.into(), value);
                    }
                }
                Json::Object(map)
            });
        prop_oneof![8 => object, 1 => junk]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn standings_read_as_the_derive_reads_them(value in standing_json()) {
            let derived = serde_json::from_value::<Option<ShopperStanding>>(value.clone());
            let read = crate::json::parse(&value.to_string()).unwrap();
            match (derived, ShopperStanding::from_json(&read)) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "derive {:?}, reader {:?}, on {}", a, b, value),
            }
        }
    }

    #[test]
    fn features_follow_the_documented_layout() {
        let spec = FeatureSpec::new(2, vec!["home".into(), "cart".into()]).unwrap();
        let context = PolicyContext {
            segment: Some(4),
            rfm: Some(RfmScores { r: 5, f: 3, m: 1 }),
            user: vec![0.6, -0.8],
            page: Some("cart".into()),
        };
        let x = spec.features(&context).unwrap();
        assert_eq!(
            x,
            vec![1.0, 0.6f32 as f64, -0.8f32 as f64, 1.0, 0.0, -1.0, 0.0, 1.0]
        );
        let empty = spec.features(&PolicyContext::default()).unwrap();
        assert_eq!(empty, vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn bad_contexts_are_errors() {
        let spec = FeatureSpec::new(2, vec![]).unwrap();
        let wrong_dims = PolicyContext {
            user: vec![1.0],
            ..Default::default()
        };
        assert!(spec
            .features(&wrong_dims)
            .unwrap_err()
            .contains("1 dimensions"));
        let bad_rfm = PolicyContext {
            rfm: Some(RfmScores { r: 0, f: 3, m: 3 }),
            ..Default::default()
        };
        assert!(spec.features(&bad_rfm).unwrap_err().contains("rfm.r is 0"));
        let nan = PolicyContext {
            user: vec![f32::NAN, 0.0],
            ..Default::default()
        };
        assert!(spec.features(&nan).is_err());
        assert!(FeatureSpec::new(9, vec![]).is_err());
    }

    #[test]
    fn projection_is_deterministic_unit_length_and_scale_free() {
        let v: Vec<f32> = (0..32).map(|i| (i as f32 * 0.37).sin()).collect();
        let p = project_user(&v, 4);
        assert_eq!(p, project_user(&v, 4));
        let norm: f32 = p.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        let scaled: Vec<f32> = v.iter().map(|x| x * 10.0).collect();
        let q = project_user(&scaled, 4);
        assert!(p.iter().zip(&q).all(|(a, b)| (a - b).abs() < 1e-5));
        assert_eq!(project_user(&[0.0; 8], 3), vec![0.0; 3]);
        assert!(project_user(&v, 0).is_empty());
    }
}
