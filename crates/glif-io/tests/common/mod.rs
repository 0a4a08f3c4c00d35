//! Test support: the repository's AllenSDK reference set (`reference/`).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference")
}

pub fn gunzip(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read");
    let mut s = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut s)
        .expect("gunzip");
    s
}

pub fn load_case(path: &Path) -> Value {
    serde_json::from_str(&gunzip(path)).expect("case json")
}

/// Every config file under reference/configs (not index.json), sorted.
pub fn config_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["bmtk", "osb", "teeter"] {
        for f in std::fs::read_dir(reference_dir().join("configs").join(dir)).expect("dir") {
            out.push(f.expect("entry").path());
        }
    }
    out.sort();
    out
}

/// numpy's exp as recorded in reference/numpy-exp.json (argument bits -> result bits).
pub struct NumpyExp(pub HashMap<u64, u64>);

impl NumpyExp {
    pub fn load() -> NumpyExp {
        let text = std::fs::read_to_string(reference_dir().join("numpy-exp.json")).expect("table");
        let doc: Value = serde_json::from_str(&text).expect("json");
        let map = doc["exp"]
            .as_object()
            .expect("exp")
            .iter()
            .map(|(a, r)| {
                (
                    parse_hex_f64(a).to_bits(),
                    parse_hex_f64(r.as_str().expect("hex")).to_bits(),
                )
            })
            .collect();
        NumpyExp(map)
    }

    /// numpy's exp(x), or None when AllenSDK never evaluated exp at x.
    pub fn get(&self, x: f64) -> Option<f64> {
        self.0.get(&x.to_bits()).map(|&r| f64::from_bits(r))
    }
}

/// Parses Python's float.hex() output.
pub fn parse_hex_f64(s: &str) -> f64 {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let s = s.strip_prefix("0x").expect("0x");
    let (mant, exp) = s.split_once('p').expect("p");
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let mut m: u128 = u128::from_str_radix(int, 16).expect("int");
    for c in frac.chars() {
        m = m * 16 + c.to_digit(16).expect("hex digit") as u128;
    }
    let e: i32 = exp.parse::<i32>().expect("exp") - 4 * frac.len() as i32;
    let v = (m as f64) * 2f64.powi(e);
    if neg {
        -v
    } else {
        v
    }
}

/// Numbers of a JSON array, null as NaN.
pub fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
        .unwrap_or_default()
}

/// A fresh, empty folder (unique per call, so parallel tests never share one).
pub fn scratch_dir(name: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("glif-io-test-{}-{name}-{k}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}
