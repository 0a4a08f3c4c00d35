//! Reading JSON fields with their path from the config root, and the
//! checks every config value goes through (finite numbers, positive
//! values, arrays of the right length). Moved out of `config.rs` so the
//! rule table (`rules.rs`) and the config reader share them without an
//! import cycle.

use glif_core::Float;
use serde_json::{Map, Value};

use crate::base::{sci, Error, ErrorKind, Result};

/// A JSON object being read, with its path from the config root.
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
}

pub(crate) fn describe(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!(
            "{}...",
            &s[..s.char_indices().nth(57).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}

impl<'a> Fields<'a> {
    pub(crate) fn root(map: &'a Map<String, Value>) -> Self {
        Fields {
            map,
            prefix: String::new(),
        }
    }

    pub(crate) fn path_of(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub(crate) fn required(&self, key: &str) -> Result<&'a Value> {
        self.map
            .get(key)
            .ok_or_else(|| Error::missing(self.path_of(key)))
    }

    pub(crate) fn object(&self, key: &str) -> Result<Fields<'a>> {
        match self.required(key)? {
            Value::Object(map) => Ok(Fields {
                map,
                prefix: self.path_of(key),
            }),
            other => Err(Error::invalid(
                self.path_of(key),
                describe(other),
                "an object",
            )),
        }
    }

    pub(crate) fn finite(&self, key: &str) -> Result<f64> {
        number(self.required(key)?, &self.path_of(key))
    }

    pub(crate) fn positive(&self, key: &str) -> Result<f64> {
        let x = self.finite(key)?;
        positive(x, &self.path_of(key))
    }

    pub(crate) fn finite_or(&self, key: &str, default: f64) -> Result<f64> {
        match self.map.get(key) {
            None => Ok(default),
            Some(v) => number(v, &self.path_of(key)),
        }
    }

    pub(crate) fn array(&self, key: &str, len: Option<usize>) -> Result<Vec<f64>> {
        let path = self.path_of(key);
        let items = match self.required(key)? {
            Value::Array(items) => items,
            other => return Err(Error::invalid(path, describe(other), "an array of numbers")),
        };
        if let Some(expected) = len {
            if items.len() != expected {
                return Err(Error::new(ErrorKind::WrongLength {
                    path,
                    found: items.len(),
                    expected,
                }));
            }
        }
        items
            .iter()
            .enumerate()
            .map(|(i, v)| number(v, &format!("{path}[{i}]")))
            .collect()
    }

    /// Rejects parameters the rule does not take.
    pub(crate) fn only(&self, rule: &'static str, allowed: &'static [&'static str]) -> Result<()> {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(Error::new(ErrorKind::UnexpectedParam {
                    path: self.path_of(key),
                    rule,
                    expected: allowed,
                }));
            }
        }
        Ok(())
    }
}

pub(crate) fn number(v: &Value, path: &str) -> Result<f64> {
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(Error::invalid(path, describe(v), "a finite number")),
    }
}

pub(crate) fn positive(x: f64, path: &str) -> Result<f64> {
    if x > 0.0 {
        Ok(x)
    } else {
        Err(Error::invalid(path, sci(x), "a number > 0"))
    }
}

/// `values` as an array of `N` numbers in precision `F`, or a length error
/// naming `path`.
pub(crate) fn array<F: Float, const N: usize>(path: &str, values: &[f64]) -> Result<[F; N]> {
    if values.len() != N {
        return Err(Error::new(ErrorKind::WrongLength {
            path: path.to_string(),
            found: values.len(),
            expected: N,
        }));
    }
    Ok(core::array::from_fn(|i| F::from_f64(values[i])))
}
