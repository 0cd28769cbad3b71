//! Strict reading of JSON objects through the core's `json::Value`.
//!
//! Walking a `Value` by hand costs a little code per field, where a serde-derived
//! `Deserialize` per type costs kilobytes of monomorphized visitors, and the core's reader
//! leaves serde_json's parser out of the campaigns module. Unknown fields are errors, as
//! everywhere.

use crate::json::{Object, Value};

/// One JSON object with a known set of fields.
pub(crate) struct Obj<'a> {
    map: &'a Object,
    what: &'a str,
}

impl<'a> Obj<'a> {
    pub fn new(value: &'a Value, what: &'a str, fields: &[&str]) -> Result<Obj<'a>, String> {
        let map = value
            .as_object()
            .ok_or_else(|| format!("{what} must be a JSON object"))?;
        if let Some(unknown) = map.keys().find(|k| !fields.contains(&k.as_str())) {
            return Err(format!(
                "unknown field `{unknown}` in {what}, expected one of `{}`",
                fields.join("`, `")
            ));
        }
        Ok(Obj { map, what })
    }

    /// The field, or None when absent or null.
    pub fn opt(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn req(&self, key: &str) -> Result<&'a Value, String> {
        self.opt(key)
            .ok_or_else(|| format!("missing field `{key}` in {}", self.what))
    }

    fn bad(&self, key: &str, expected: &str) -> String {
        format!("field `{key}` of {} must be {expected}", self.what)
    }

    pub fn str(&self, key: &str) -> Result<String, String> {
        let v = self.req(key)?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.bad(key, "a string"))
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<String>, String> {
        self.opt(key)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.bad(key, "a string"))
            })
            .transpose()
    }

    pub fn f64(&self, key: &str) -> Result<f64, String> {
        self.req(key)?
            .as_f64()
            .ok_or_else(|| self.bad(key, "a number"))
    }

    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>, String> {
        self.opt(key)
            .map(|v| v.as_f64().ok_or_else(|| self.bad(key, "a number")))
            .transpose()
    }

    pub fn opt_u64(&self, key: &str) -> Result<Option<u64>, String> {
        self.opt(key)
            .map(|v| {
                v.as_u64()
                    .ok_or_else(|| self.bad(key, "a non-negative integer"))
            })
            .transpose()
    }

    pub fn u64(&self, key: &str) -> Result<u64, String> {
        self.opt_u64(key)?
            .ok_or_else(|| format!("missing field `{key}` in {}", self.what))
    }

    pub fn opt_u32(&self, key: &str) -> Result<Option<u32>, String> {
        self.opt_u64(key)?
            .map(|v| u32::try_from(v).map_err(|_| self.bad(key, "an integer below 2^32")))
            .transpose()
    }

    pub fn usize(&self, key: &str) -> Result<usize, String> {
        let v = self.u64(key)?;
        usize::try_from(v).map_err(|_| self.bad(key, "a smaller integer"))
    }

    pub fn bool(&self, key: &str) -> Result<bool, String> {
        self.req(key)?
            .as_bool()
            .ok_or_else(|| self.bad(key, "true or false"))
    }

    /// An array field (absent = empty when `optional`).
    pub fn array(&self, key: &str, optional: bool) -> Result<&'a [Value], String> {
        match self.opt(key) {
            None if optional => Ok(&[]),
            None => Err(format!("missing field `{key}` in {}", self.what)),
            Some(v) => v
                .as_array()
                .map(Vec::as_slice)
                .ok_or_else(|| self.bad(key, "an array")),
        }
    }

    pub fn numbers(&self, key: &str, optional: bool) -> Result<Vec<f64>, String> {
        self.array(key, optional)?
            .iter()
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| self.bad(key, "an array of numbers"))
            })
            .collect()
    }

    pub fn strings(&self, key: &str, optional: bool) -> Result<Vec<String>, String> {
        self.array(key, optional)?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.bad(key, "an array of strings"))
            })
            .collect()
    }
}

/// Parses text into a `Value` (what went wrong and where on failure). Floats read back
/// exactly as the state's writer wrote them: the policies' statistics survive being stored.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    crate::json::parse_round_trip(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_checked_strictly_with_clear_messages() {
        let v = parse(r#"{"a": 1, "b": "x", "c": [1, 2.5], "n": null}"#).unwrap();
        let o = Obj::new(&v, "the thing", &["a", "b", "c", "n", "d"]).unwrap();
        assert_eq!(o.f64("a").unwrap(), 1.0);
        assert_eq!(o.str("b").unwrap(), "x");
        assert_eq!(o.numbers("c", false).unwrap(), vec![1.0, 2.5]);
        assert_eq!(o.opt_f64("n").unwrap(), None);
        assert!(o.numbers("d", true).unwrap().is_empty());
        assert_eq!(o.str("d").unwrap_err(), "missing field `d` in the thing");
        assert_eq!(
            o.str("a").unwrap_err(),
            "field `a` of the thing must be a string"
        );
        assert!(o.opt_u32("c").is_err());
        let err = Obj::new(&v, "the thing", &["a"]).err().unwrap();
        assert!(err.starts_with("unknown field `b` in the thing"), "{err}");
        assert!(Obj::new(&parse("[1]").unwrap(), "x", &[]).is_err());
    }
}
