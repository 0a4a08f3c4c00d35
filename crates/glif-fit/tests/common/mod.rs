//! Running an oracle (scipy, numpy, AllenSDK) in the AllenSDK environment.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `script` in the AllenSDK environment's Python (numpy's AVX-512
/// kernels off: `glif_reference::env::NUMPY_WITHOUT_AVX512`) with `input` as JSON
/// on stdin and returns its stdout parsed as JSON; `None` when the
/// environment is missing outside CI (the skip is reported; under CI the
/// check fails). A failing script fails the test.
pub fn oracle(check: &str, script: &str, input: &serde_json::Value) -> Option<serde_json::Value> {
    let python = glif_reference::env::python(check)?;
    let mut cmd = Command::new(python);
    // numpy's exp as glif-fit's (the C library's) on any CPU.
    glif_reference::env::numpy_without_avx512(&mut cmd);
    let mut child = cmd
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

/// Prints `summary` and records `check` as run on `cases` cases (the
/// report `cargo xtask ci` reads).
pub fn ran(check: &str, cases: usize, summary: &str) {
    eprintln!("{summary}");
    glif_reference::env::record(check, glif_reference::env::Outcome::Ran, cases, summary);
}

/// A JSON array of numbers as `Vec<f64>`.
pub fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

pub use glif_reference::fit_cell::Rng;

/// Largest |a - b| / max(|b|, floor) over two equal-length slices.
pub fn max_rel(a: &[f64], b: &[f64], floor: f64) -> f64 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(floor))
        .fold(0.0, f64::max)
}

/// A spike-shaped waveform (mV above the baseline) `u` seconds after its
/// onset: a 2 ms pre-spike depolarisation, a 0.4 ms upstroke of `height`,
/// a 0.8 ms repolarisation to -15 mV and a 5 ms recovery.
pub fn spike_shape(u: f64, height: f64, rise: f64) -> f64 {
    let pre = 2e-3;
    if u < 0.0 {
        0.0
    } else if u < pre {
        5.0 * u / pre
    } else if u < pre + rise {
        5.0 + height * (0.5 - 0.5 * (std::f64::consts::PI * (u - pre) / rise).cos())
    } else if u < pre + rise + 8e-4 {
        let f = (u - pre - rise) / 8e-4;
        (5.0 + height) * (1.0 - f) - 15.0 * f
    } else {
        -15.0 * (-(u - pre - rise - 8e-4) / 5e-3).exp()
    }
}

/// A Noise-like sweep (V): -70 mV, slow drift, recording noise and spikes
/// at Poisson times (`rate_hz`, at least `gap` s apart), each followed by a
/// reset whose depth depends on the voltage at its onset.
pub fn spiking_sweep(rng: &mut Rng, dt: f64, n: usize, rate_hz: f64, gap: f64) -> Vec<f64> {
    let mut events = Vec::new();
    let mut t = 0.02;
    while t < n as f64 * dt - 0.03 {
        t += gap - (1.0 - rng.next_f64()).ln() / rate_hz;
        events.push((
            t,
            70.0 + 20.0 * rng.next_f64(),
            2e-4 + 4e-4 * rng.next_f64(),
        ));
    }
    let mut drift = 0.0;
    (0..n)
        .map(|k| {
            let tk = k as f64 * dt;
            drift = 0.995 * drift + 0.1 * rng.normal();
            let spikes: f64 = events
                .iter()
                .map(|&(e, h, r)| spike_shape(tk - e, h, r) * (1.0 + 0.02 * drift))
                .sum();
            (-70.0 + drift + 0.1 * rng.normal() + spikes) * 1e-3
        })
        .collect()
}
