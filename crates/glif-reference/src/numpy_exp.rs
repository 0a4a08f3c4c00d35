//! numpy's exp as AllenSDK evaluated it: `reference/numpy-exp.json`
//! (argument -> result, both as Python `float.hex()`), written by
//! `scripts/allensdk/numpy_exp_table.py`.
//!
//! An argument missing from the table means our computation evaluated an
//! exp AllenSDK never did (a difference to find), or that the table was not
//! regenerated after cases were added: either way the bit-exact check
//! cannot be made, so it is an error, never a silent fall-back to libm.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

/// numpy's exp for every argument AllenSDK evaluated in the reference cases.
pub struct NumpyExp(HashMap<u64, u64>);

impl NumpyExp {
    /// Loads `numpy-exp.json` from the reference folder `reference`.
    pub fn load(reference: &Path) -> Result<NumpyExp, String> {
        let path = reference.join("numpy-exp.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let mut map = HashMap::new();
        for (a, r) in doc["exp"]
            .as_object()
            .ok_or("numpy-exp.json: no exp table")?
        {
            let r = r.as_str().ok_or("numpy-exp.json: value not a string")?;
            map.insert(parse_hex_f64(a)?.to_bits(), parse_hex_f64(r)?.to_bits());
        }
        Ok(NumpyExp(map))
    }

    /// numpy's exp(x), if AllenSDK ever evaluated it.
    pub fn get(&self, x: f64) -> Option<f64> {
        self.0.get(&x.to_bits()).map(|&r| f64::from_bits(r))
    }

    /// numpy's exp(x); panics, naming the argument, when the table lacks it
    /// (for tests, where the panic is the failure).
    pub fn exp(&self, x: f64) -> f64 {
        self.get(x).unwrap_or_else(|| {
            panic!(
                "exp argument {x:e} (bits {:#x}) is not in reference/numpy-exp.json: AllenSDK \
                 never evaluated it, so the bit-exact comparison cannot be made (a difference in \
                 the computation, or a table to regenerate with scripts/allensdk/numpy_exp_table.py)",
                x.to_bits()
            )
        })
    }

    /// How many arguments the table holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// For how many arguments libm's exp differs from numpy's.
    pub fn libm_differs(&self) -> usize {
        self.0
            .iter()
            .filter(|(&a, &r)| glif_core::Float::exp(f64::from_bits(a)).to_bits() != r)
            .count()
    }
}

/// Parses Python's `float.hex()` output, e.g. `-0x1.0117a3f6ba859p-5`.
pub fn parse_hex_f64(s: &str) -> Result<f64, String> {
    let bad = || format!("not a hex float: {s:?}");
    let (neg, t) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let t = t.strip_prefix("0x").ok_or_else(bad)?;
    let (mant, exp) = t.split_once('p').ok_or_else(bad)?;
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let mut m: u128 = u128::from_str_radix(int, 16).map_err(|_| bad())?;
    for c in frac.chars() {
        m = m * 16 + c.to_digit(16).ok_or_else(bad)? as u128;
    }
    let e: i32 = exp.parse::<i32>().map_err(|_| bad())? - 4 * frac.len() as i32;
    // m < 2^53 for Python's output, so the product is exact.
    let v = (m as f64) * 2f64.powi(e);
    Ok(if neg { -v } else { v })
}
