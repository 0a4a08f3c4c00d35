//! Test support: the repository's AllenSDK reference set (`reference/`).
#![allow(dead_code)]

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

// numpy's exp table: one loader for glif-core's and glif-io's tests and xtask.
#[path = "../../../glif-core/tests/common/numpy_exp.rs"]
mod numpy_exp;
#[allow(unused_imports)] // not every test binary that includes `common` uses it
pub use numpy_exp::NumpyExp;

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
