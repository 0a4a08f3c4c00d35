//! Running an oracle (scipy, numpy, AllenSDK) in the AllenSDK environment.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `script` in the AllenSDK environment's Python with `input` as JSON
/// on stdin and returns its stdout parsed as JSON; `None` when the
/// environment is missing outside CI (the skip is reported; under CI the
/// check fails). A failing script fails the test.
pub fn oracle(check: &str, script: &str, input: &serde_json::Value) -> Option<serde_json::Value> {
    let python = glif_reference::env::python(check)?;
    let mut child = Command::new(python)
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the oracle's Python");
    let text = serde_json::to_vec(input).unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{check}: oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("oracle prints JSON"))
}

/// A JSON array of numbers as `Vec<f64>`.
pub fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// Deterministic pseudo-random numbers in [0, 1) (splitmix64), so the
/// tests need no random-number crate and every run is the same.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately normal (sum of 12 uniforms minus 6).
    pub fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.next_f64()).sum::<f64>() - 6.0
    }
}

/// Largest |a - b| / max(|b|, floor) over two equal-length slices.
pub fn max_rel(a: &[f64], b: &[f64], floor: f64) -> f64 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(floor))
        .fold(0.0, f64::max)
}
