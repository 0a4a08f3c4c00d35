//! Spike cut length and the v_before reset against AllenSDK's own
//! `calc_spike_cut_and_v_reset_via_expvar_residuals` on the same sweeps.
//! One patch in the oracle process: `align_and_cut_spikes` returns its
//! threshold positions as a float array, which numpy 1.23 refuses as
//! indices; the patched function returns them as integers (the values are
//! whole numbers).

mod common;

use glif_fit::spike_cut::{min_isi, spike_cut_and_v_reset};
use glif_fit::spikes::{threshold_indices, SpikeSettings};
use glif_reference::tolerance::FIT_CLOSED_FORM_REL;

const SCRIPT: &str = r#"
import json, sys, io, contextlib, logging, warnings
import numpy as np
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
import allensdk.internal.model.glif.spike_cutting as sc
original = sc.align_and_cut_spikes
def patched(*a, **k):  # patch: integer threshold positions (were float)
    r = list(original(*a, **k)); r[2] = np.asarray(r[2]).astype(int); return tuple(r)
sc.align_and_cut_spikes = patched
out = []
for c in json.load(sys.stdin):
    vs = [np.array(v) for v in c["v"]]
    with contextlib.redirect_stdout(io.StringIO()):
        n, a, b = sc.calc_spike_cut_and_v_reset_via_expvar_residuals(
            [np.zeros(len(v)) for v in vs], vs, c["dt"], c["el"], 0, max_spike_cut_time=c["max_cut"])
    out.append({"n": int(n), "a": float(a), "b": float(b)})
print(json.dumps(out))
"#;

#[test]
fn spike_cut_matches_allensdk() {
    let dt = 5e-5;
    let mut rng = common::Rng(31);
    let cases: Vec<(Vec<Vec<f64>>, f64)> = vec![
        (
            vec![
                common::spiking_sweep(&mut rng, dt, 40_000, 8.0, 0.03),
                common::spiking_sweep(&mut rng, dt, 40_000, 8.0, 0.03),
            ],
            -0.07,
        ),
        (
            vec![common::spiking_sweep(&mut rng, dt, 60_000, 20.0, 0.006)],
            -0.0705,
        ),
        (
            vec![common::spiking_sweep(&mut rng, dt, 30_000, 3.0, 0.05); 3],
            -0.069,
        ),
    ];
    let mut inputs = Vec::new();
    let mut ours = Vec::new();
    for (sweeps, el) in &cases {
        let idx: Vec<Vec<usize>> = sweeps
            .iter()
            .map(|v| threshold_indices(v, dt, SpikeSettings::default()).unwrap())
            .collect();
        let max_cut = min_isi(&idx).map(|m| m as f64 * dt);
        let refs: Vec<&[f64]> = sweeps.iter().map(Vec::as_slice).collect();
        ours.push(spike_cut_and_v_reset(&refs, &idx, dt, *el, max_cut).unwrap());
        inputs.push(
            serde_json::json!({"v": sweeps, "dt": dt, "el": el, "max_cut": max_cut.unwrap_or(0.0)}),
        );
    }
    let Some(want) = common::oracle("fit/spike-cut", SCRIPT, &serde_json::Value::Array(inputs))
    else {
        return;
    };
    let mut worst = 0.0f64;
    for (k, (got, w)) in ours.iter().zip(want.as_array().unwrap()).enumerate() {
        assert_eq!(
            got.spike_cut_length as u64,
            w["n"].as_u64().unwrap(),
            "case {k}: spike cut length"
        );
        for (x, key) in [(got.slope, "a"), (got.intercept, "b")] {
            let y = w[key].as_f64().unwrap();
            let rel = ((x - y) / y).abs();
            worst = worst.max(rel);
            // Closed form; numpy's np.cov sums through BLAS in its own order.
            assert!(
                rel < FIT_CLOSED_FORM_REL,
                "case {k} {key}: {x} vs AllenSDK {y} ({rel:e})"
            );
        }
    }
    eprintln!("spike cut lengths identical; slope and intercept within {worst:e}");
    glif_reference::env::record(
        "fit/spike-cut",
        glif_reference::env::Outcome::Ran,
        cases.len(),
        &format!(
            "spike cut lengths identical, v_before slope and intercept within {worst:.1e} relative"
        ),
    );
}

#[test]
fn spike_cut_refuses_edge_spikes() {
    let v = vec![-0.07; 1000];
    let e = spike_cut_and_v_reset(&[&v], &[vec![10, 500]], 5e-5, -0.07, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("sample 10") && e.contains("sweep 0"), "{e}");
    let e = spike_cut_and_v_reset(&[&v], &[vec![500]], 5e-5, -0.07, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("1 spikes"), "{e}");
}
