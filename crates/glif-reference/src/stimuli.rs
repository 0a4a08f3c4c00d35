//! The reference stimuli: each case's stimulus rebuilt from its description
//! (`reference/README.md`, through glif-io's `ReferenceStimulus`) and
//! checked against the case's stored checks; the `long_square` amplitude.

use glif_io::stimulus::ReferenceStimulus;
use glif_io::NeuronConfig;
use serde_json::Value;

use crate::cases::numbers;

/// A case's stimulus (A per sample), checked against its `stimulus_check`
/// (min, max and every 10,000th sample, exactly) and `n_samples`.
pub fn stimulus(case: &Value) -> Result<Vec<f64>, String> {
    let spec: ReferenceStimulus = serde_json::from_value(case["stimulus"].clone())
        .map_err(|e| format!("stimulus description: {e}"))?;
    let x = spec.samples().map_err(|e| e.to_string())?;
    if let Some(n) = case["n_samples"].as_u64() {
        if n as usize != x.len() {
            return Err(format!("stimulus: {} samples, n_samples {n}", x.len()));
        }
    }
    let check = &case["stimulus_check"];
    if !x.is_empty() {
        let min = x.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        if Some(min) != check["min"].as_f64() || Some(max) != check["max"].as_f64() {
            return Err("stimulus does not match its stored min/max".into());
        }
    }
    for (j, v) in numbers(&check["every_10000th"]).iter().enumerate() {
        if x.get(j * 10000) != Some(v) {
            return Err(format!("stimulus sample {} differs", j * 10000));
        }
    }
    Ok(x)
}

/// The step amplitude of the reference `long_square` (A): `multiplier` x the
/// analytic rheobase `(th_inf*coeffs.th_inf - El) / R_input * coeffs.G`,
/// divided by `1 - a_voltage*coeffs.a / (b_voltage*coeffs.b)` for
/// `three_components_exact` threshold dynamics (GLIF5, whose voltage
/// component settles at `(a/b) * I/g` and raises the current needed), to 4
/// significant digits, as `reference/README.md` describes the `long_square`
/// cases (checked against the stored case by `cargo xtask compare`).
pub fn long_square_amplitude(c: &NeuronConfig, multiplier: f64) -> f64 {
    // A model no DC current makes fire still gets a step (at the LIF rheobase).
    let rheobase = c.rheobase().unwrap_or_else(|| c.rheobase_lif());
    format!("{:.3e}", multiplier * rheobase)
        .parse()
        .unwrap_or(f64::NAN)
}

/// Samples of the reference `long_square` at 200 kHz: 0.1 s of zero, a 1 s
/// step of `amplitude` (A), 0.1 s of zero (240,000 samples).
pub const LONG_SQUARE: (usize, usize, usize) = (240_000, 20_000, 220_000);
