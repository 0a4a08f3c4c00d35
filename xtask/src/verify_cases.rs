//! The reference set on disk (`reference/`): case files, stimuli, numpy's
//! exp table, and the ulp distance. Shared by `verify` and `f32-report`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// `reference/` of this checkout (never `../shared`).
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference")
}

/// Every case file under `reference/traces`, sorted.
pub fn case_files() -> Result<Vec<PathBuf>, String> {
    let traces = reference_dir().join("traces");
    let mut out = Vec::new();
    let dirs = std::fs::read_dir(&traces).map_err(|e| format!("{}: {e}", traces.display()))?;
    for dir in dirs {
        let dir = dir.map_err(|e| e.to_string())?.path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
            let f = f.map_err(|e| e.to_string())?.path();
            let name = f.to_string_lossy();
            if name.ends_with(".json.gz") || name.ends_with(".json") {
                out.push(f);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a (possibly gzipped) case file.
pub fn load_case(path: &Path) -> Result<Value, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = if path.to_string_lossy().ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        s
    } else {
        String::from_utf8(bytes).map_err(|e| format!("{}: {e}", path.display()))?
    };
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `config_key/case`.
pub fn case_name(case: &Value) -> String {
    format!(
        "{}/{}",
        case["config_key"].as_str().unwrap_or("?"),
        case["case"].as_str().unwrap_or("?")
    )
}

fn uint(v: &Value, key: &str) -> Result<usize, String> {
    v[key]
        .as_u64()
        .map(|x| x as usize)
        .ok_or_else(|| format!("stimulus: {key} missing"))
}

/// Rebuilds a case's stimulus from its description (`reference/README.md`)
/// and checks it against the stored checks.
pub fn stimulus(case: &Value) -> Result<Vec<f64>, String> {
    let spec = &case["stimulus"];
    let n = uint(spec, "n")?;
    let mut x = vec![0.0; n];
    let num = |v: &Value| v.as_f64().ok_or("stimulus: not a number");
    match spec["kind"].as_str().unwrap_or("") {
        "piecewise_constant" => {
            for seg in spec["segments"].as_array().ok_or("segments")? {
                let (a, b) = (seg[0].as_u64().ok_or("a")?, seg[1].as_u64().ok_or("b")?);
                let v = num(&seg[2])?;
                for s in &mut x[a as usize..b as usize] {
                    *s = v;
                }
            }
        }
        "ramp" => {
            let (start, stop) = (uint(spec, "start")?, uint(spec, "stop")?);
            let amp = num(&spec["amp_end"])?;
            for j in 0..stop - start {
                x[start + j] = (j as f64 / (stop - start) as f64) * amp;
            }
        }
        "held_levels" => {
            let (start, hold) = (uint(spec, "start")?, uint(spec, "hold")?);
            let levels = spec["levels"].as_array().ok_or("levels")?;
            for j in 0..n - start {
                x[start + j] = num(&levels[j / hold])?;
            }
        }
        "explicit" => {
            for (s, v) in x.iter_mut().zip(spec["values"].as_array().ok_or("values")?) {
                *s = num(v)?;
            }
        }
        other => return Err(format!("unknown stimulus kind {other:?}")),
    }
    let check = &case["stimulus_check"];
    let min = x.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if n > 0 && (Some(min) != check["min"].as_f64() || Some(max) != check["max"].as_f64()) {
        return Err("stimulus does not match its stored min/max".into());
    }
    for (j, v) in numbers(&check["every_10000th"]).iter().enumerate() {
        if x[j * 10000] != *v {
            return Err(format!("stimulus sample {} differs", j * 10000));
        }
    }
    Ok(x)
}

/// A JSON array of numbers (null = NaN).
pub fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
        .unwrap_or_default()
}

/// numpy's exp as AllenSDK evaluated it (reference/numpy-exp.json).
pub struct NumpyExp(HashMap<u64, u64>);

impl NumpyExp {
    /// Loads `reference/numpy-exp.json`.
    pub fn load() -> Result<NumpyExp, String> {
        let path = reference_dir().join("numpy-exp.json");
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

    /// How many arguments the table holds.
    pub fn len(&self) -> usize {
        self.0.len()
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

/// Distance in units in the last place (0 for equal values and for two NaNs;
/// `u64::MAX` when exactly one is NaN).
pub fn ulps(a: f64, b: f64) -> u64 {
    if a.is_nan() || b.is_nan() {
        return if a.is_nan() && b.is_nan() {
            0
        } else {
            u64::MAX
        };
    }
    if a == b {
        return 0;
    }
    let key = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 {
            i64::MIN - bits
        } else {
            bits
        }
    };
    key(a).abs_diff(key(b))
}
