//! Spike threshold indices against AllenSDK's own `find_spikes_list` and
//! `find_spikes_ssq_list` (its `ephys_extractor`) on the same voltages:
//! identical indices, no tolerance.

mod common;

use glif_fit::spikes::{threshold_indices, threshold_indices_short_square, SpikeSettings};

/// What both oracles start with: quiet AllenSDK, and the input's voltages
/// (`v`, V) and `dt` (s).
const PRELUDE: &str = r#"
import json, sys, logging, warnings
import numpy as np
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
inp = json.load(sys.stdin)
vs = [np.array(v) for v in inp["v"]]
dt = inp["dt"]
"#;

const SCRIPT: &str = r#"
from allensdk.internal.model.glif.find_spikes import find_spikes_list, find_spikes_ssq_list
def each(f):
    res = []
    for v in vs:
        try:
            res.append([int(i) for i in f([v])[0][0]])
        except Exception as e:  # the extractor's FeatureError
            res.append(type(e).__name__ + ": " + str(e))
    return res
out = {"default": each(lambda l: find_spikes_list(l, dt)), "ssq": []}
for cut, frac in inp["ssq"]:
    out["ssq"].append(each(lambda l: find_spikes_ssq_list(l, dt, cut, frac)))
print(json.dumps(out))
"#;

/// A sweep in V: baseline -70 mV, noise, and spikes at random times with
/// random heights and upstroke durations (some too small to count, some
/// slow, some close together).
fn sweep(rng: &mut common::Rng, dt: f64, n: usize, rate_hz: f64) -> Vec<f64> {
    let mut events = Vec::new();
    let mut t = 0.01;
    let dur = n as f64 * dt;
    while t < dur {
        t += -(1.0 - rng.next_f64()).ln() / rate_hz;
        let height = if rng.next_f64() < 0.1 {
            1.5 + 20.0 * rng.next_f64()
        } else {
            60.0 + 40.0 * rng.next_f64()
        };
        let rise = if rng.next_f64() < 0.1 {
            3e-3 + 5e-3 * rng.next_f64()
        } else {
            2e-4 + 6e-4 * rng.next_f64()
        };
        events.push((t, height, rise));
        if rng.next_f64() < 0.1 {
            t += 1e-3 + 2e-3 * rng.next_f64();
            events.push((t, 40.0 + 40.0 * rng.next_f64(), 3e-4));
        }
    }
    let mut drift = 0.0;
    (0..n)
        .map(|k| {
            let tk = k as f64 * dt;
            drift = 0.995 * drift + 0.05 * rng.normal();
            let mv = -70.0
                + drift
                + 0.1 * rng.normal()
                + events
                    .iter()
                    .map(|&(e, h, r)| common::spike_shape(tk - e, h, r))
                    .sum::<f64>();
            mv * 1e-3
        })
        .collect()
}

#[test]
fn threshold_indices_match_allensdk() {
    let dt = 5e-5;
    let mut rng = common::Rng(21);
    let sweeps: Vec<Vec<f64>> = vec![
        sweep(&mut rng, dt, 40_000, 10.0),
        sweep(&mut rng, dt, 40_000, 40.0),
        sweep(&mut rng, dt, 20_000, 80.0),
        sweep(&mut rng, dt, 10_000, 0.01),
        sweep(&mut rng, dt, 40_000, 150.0),
    ];
    let ssq = [(20.0, 0.05), (8.0, 0.02), (35.0, 0.3)];
    let input = serde_json::json!({"v": sweeps, "dt": dt, "ssq": ssq});
    let Some(want) = common::oracle("fit/spikes", &format!("{PRELUDE}{SCRIPT}"), &input) else {
        return;
    };
    let (mut spikes, mut errors) = (0, 0);
    let mut check = |got: Result<Vec<usize>, glif_fit::FitError>,
                     w: &serde_json::Value,
                     what: &str| match w.as_array() {
        Some(w) => {
            let w: Vec<usize> = w.iter().map(|x| x.as_u64().unwrap() as usize).collect();
            assert_eq!(got.unwrap(), w, "{what}");
            spikes += w.len();
        }
        None => {
            // AllenSDK's extractor raised (a spike too close to the end of
            // the sweep to search its window): so must we.
            assert!(
                got.is_err(),
                "{what}: AllenSDK raised {w}, glif-fit found {:?}",
                got
            );
            errors += 1;
        }
    };
    for (k, v) in sweeps.iter().enumerate() {
        check(
            threshold_indices(v, dt, SpikeSettings::default()),
            &want["default"][k],
            &format!("sweep {k}, default settings"),
        );
        for (j, &(cut, frac)) in ssq.iter().enumerate() {
            check(
                threshold_indices_short_square(v, dt, cut, frac),
                &want["ssq"][j][k],
                &format!("sweep {k}, dv_cutoff {cut}, thresh_frac {frac}"),
            );
        }
    }
    assert!(
        spikes > 200,
        "the sweeps should hold many spikes ({spikes})"
    );
    eprintln!("{spikes} spikes identical, {errors} sweeps refused by both");
    glif_reference::env::record(
        "fit/spikes",
        glif_reference::env::Outcome::Ran,
        sweeps.len() * (1 + ssq.len()),
        &format!(
            "{spikes} threshold indices identical to AllenSDK's, {errors} sweeps refused by both"
        ),
    );
}

#[test]
fn spike_detection_refuses_bad_input() {
    let e = threshold_indices(&[-0.07, f64::NAN, -0.07], 5e-5, SpikeSettings::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("index 1"), "{e}");
    let e = threshold_indices(&[-0.07; 10], 0.0, SpikeSettings::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("dt"), "{e}");
    assert!(
        threshold_indices(&[-0.07; 100], 5e-5, SpikeSettings::default())
            .unwrap()
            .is_empty()
    );
}

const SSQ_SCRIPT: &str = r#"
from allensdk.internal.model.glif.preprocess_neuron import estimate_dv_cutoff, find_first_spike_voltage
cut, frac = estimate_dv_cutoff(vs, dt, 1.02, 1.021)
first = [float(find_first_spike_voltage(v, dt, ssq=True, dv_cutoff=cut, thresh_frac=frac)) for v in vs[1:]]
print(json.dumps({"cut": float(cut), "frac": float(frac), "first": first}))
"#;

/// A short-square sweep (V): a 3 ms square at 1.02 s depolarising the
/// cell by `depol` mV, and a spike `delay` s after the square's start when
/// `spike` is set.
fn short_square(rng: &mut common::Rng, dt: f64, depol: f64, spike: Option<f64>) -> Vec<f64> {
    let n = (1.2 / dt) as usize;
    let mut v = -70.0;
    (0..n)
        .map(|k| {
            let t = k as f64 * dt;
            let drive = if (1.02..1.023).contains(&t) {
                depol / 3e-3
            } else {
                0.0
            };
            v += dt * (drive - (v + 70.0) / 0.01);
            let s = spike.map_or(0.0, |d| common::spike_shape(t - 1.02 - d, 80.0, 4e-4));
            (v + s + 0.05 * rng.normal()) * 1e-3
        })
        .collect()
}

#[test]
fn short_square_settings_and_first_spike_match_allensdk() {
    let dt = 5e-5;
    let mut rng = common::Rng(8);
    let sweeps = vec![
        short_square(&mut rng, dt, 10.0, None),
        short_square(&mut rng, dt, 14.0, Some(5e-4)),
        short_square(&mut rng, dt, 16.0, Some(2e-4)),
        short_square(&mut rng, dt, 20.0, Some(0.0)),
    ];
    let input = serde_json::json!({"v": sweeps, "dt": dt});
    let Some(want) = common::oracle("fit/spikes", &format!("{PRELUDE}{SSQ_SCRIPT}"), &input) else {
        return;
    };
    let refs: Vec<&[f64]> = sweeps.iter().map(Vec::as_slice).collect();
    let got = glif_fit::spikes::estimate_dv_cutoff(&refs, dt, 1.02, 1.021).unwrap();
    // Medians, maxima and numpy's pairwise mean reproduced: bit for bit.
    assert_eq!(
        got.dv_cutoff.to_bits(),
        want["cut"].as_f64().unwrap().to_bits(),
        "dv_cutoff {} vs {}",
        got.dv_cutoff,
        want["cut"]
    );
    assert_eq!(
        got.thresh_frac.to_bits(),
        want["frac"].as_f64().unwrap().to_bits(),
        "thresh_frac {} vs {}",
        got.thresh_frac,
        want["frac"]
    );
    for (k, v) in sweeps[1..].iter().enumerate() {
        let first = glif_fit::spikes::first_spike_voltage_short_square(v, dt, got).unwrap();
        assert_eq!(
            first.to_bits(),
            want["first"][k].as_f64().unwrap().to_bits(),
            "sweep {k}"
        );
    }
    let e = glif_fit::spikes::first_spike_voltage_short_square(&sweeps[0], dt, got)
        .unwrap_err()
        .to_string();
    assert!(e.contains("th_inf") && e.contains("no spike"), "{e}");
    glif_reference::env::record(
        "fit/spikes",
        glif_reference::env::Outcome::Ran,
        sweeps.len(),
        "short-square dv_cutoff, thresh_frac and first-spike voltages bit for bit",
    );
}
