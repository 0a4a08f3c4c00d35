//! `ThInfError::evaluate` keeps each `dt_multiplier`'s forced runs and
//! re-scores them for a new `th_inf` coefficient: its MLIN error must be
//! the bits of running the forced runs afresh and scoring them
//! (`ForcedNeuron::run` then `mlin_list_error`, the path checked against
//! AllenSDK in tests/forced.rs), for every level of a committed cell, every
//! multiplier, coefficients in any order, and the same error where the run
//! fails (a coefficient whose threshold overflows).

use std::path::PathBuf;

use glif_fit::forced::ForcedNeuron;
use glif_fit::mlin::mlin_list_error;
use glif_fit::optimizer::{mlin_data, ThInfError};
use serde_json::Value;

fn read_json(level: &str, kind: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference/fit/adapting")
        .join(format!("{level}_{kind}_config.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// A reproducible noisy current (A, float32) around 1e-10 A.
fn current(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            (1e-10 + 2e-10 * (u - 0.5)) as f32
        })
        .collect()
}

/// The error by fresh forced runs, as the text of its failure if it fails.
fn fresh(
    n: &ForcedNeuron,
    stimuli: &[&[f32]],
    spikes: &[&[usize]],
    oc: &Value,
) -> Result<u64, String> {
    let runs = stimuli
        .iter()
        .zip(spikes)
        .map(|(i, s)| n.run(i, s, &f64::exp))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let sweeps: Vec<(&[usize], &[f64], &[f64])> = runs
        .iter()
        .zip(spikes)
        .map(|(r, s)| (*s, r.voltage.as_slice(), r.threshold.as_slice()))
        .collect();
    mlin_list_error(&sweeps, n.spike_cut_length, n.dt, mlin_data(oc).unwrap())
        .map(f64::to_bits)
        .map_err(|e| e.to_string())
}

#[test]
fn kept_runs_give_the_bits_of_fresh_runs_at_every_coefficient() {
    let stim: Vec<Vec<f32>> = (0..2)
        .map(|k| current(30_000 + 777 * k, k as u64 + 1))
        .collect();
    let spikes: Vec<Vec<usize>> = vec![
        vec![900, 4_100, 9_050, 15_500, 22_000, 29_000],
        vec![1_500, 6_000, 6_700, 18_333, 30_100],
    ];
    let stimuli: Vec<&[f32]> = stim.iter().map(Vec::as_slice).collect();
    let spike_refs: Vec<&[usize]> = spikes.iter().map(Vec::as_slice).collect();
    // Infinity and NaN make the threshold non-finite: the run refuses them.
    let coefficients = [
        1.0,
        0.93,
        1.0,
        1.17,
        -0.0,
        f64::INFINITY,
        0.5,
        f64::NAN,
        1.0 + 1e-15,
    ];
    let mut compared = 0;
    for level in ["GLIF1", "GLIF2", "GLIF3", "GLIF4", "GLIF5"] {
        let (nc, oc) = (read_json(level, "neuron"), read_json(level, "optimizer"));
        let neuron = ForcedNeuron::from_config(&nc).unwrap();
        let mut err = ThInfError::new(
            neuron.clone(),
            stimuli.clone(),
            spike_refs.clone(),
            mlin_data(&oc).unwrap(),
        );
        for m in [100, 32, 10, 32] {
            for &c in &coefficients {
                let got = err
                    .evaluate(&[c], m)
                    .map(f64::to_bits)
                    .map_err(|e| e.to_string());
                let mut n = neuron.clone();
                n.coeff_th_inf = c;
                n.set_dt_multiplier(m as f64).unwrap();
                let want = fresh(&n, &stimuli, &spike_refs, &oc);
                assert_eq!(got, want, "{level} x{m} coefficient {c}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 5 * 4 * coefficients.len());
}
