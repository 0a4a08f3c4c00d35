//! The reference set on disk (`reference/`): case files, stimuli, numpy's
//! exp table, and the ulp distance. Shared by `verify` and `f32-report`.

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

// numpy's exp table: the same loader glif-core's and glif-io's tests use.
#[path = "../../crates/glif-core/tests/common/numpy_exp.rs"]
mod numpy_exp;
pub use numpy_exp::NumpyExp;

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
