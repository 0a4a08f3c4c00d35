//! A synthetic cell's whole preprocessing against AllenSDK's own
//! `preprocess_neuron.preprocess_neuron`, value by value.
//!
//! The cell: a leaky integrate-and-fire membrane (R 150 MOhm, C 100 pF)
//! with two after-spike currents and a threshold raised after each spike,
//! a 1.2 ms action-potential waveform written at each spike, recording
//! noise; sampled at 100 kHz; driven by Noise 1 (3 sweeps), Noise 2 (2),
//! short squares below and above threshold, four short-square triples and
//! two long squares. The raw traces go to AllenSDK through a stand-in for
//! its `NwbDataSet` (the same arrays its `load_sweep` would read), with the
//! reference run's import-time patches (float indices, the GLM link
//! instance, curve_fit's xdata, `e.message`, `autocorr`'s slice).

mod common;

use std::io::Write;

use glif_fit::preprocess::{preprocess, RawSweep};
use glif_fit::sweeps::parse_sweep_table;
use serde_json::Value;

const SCRIPT: &str = r#"
import json, sys, io, os, contextlib, logging, warnings, importlib, importlib.util
import numpy as np
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
os.environ.setdefault("MPLBACKEND", "Agg")
PATCHES = [
 ("allensdk.internal.model.glif.find_spikes",
  "return spike_shapes, current_shapes, aligned_spike_ind, wave_index_of_first_spikes, spike_sweeps",
  "return spike_shapes, current_shapes, aligned_spike_ind.astype(int), wave_index_of_first_spikes, spike_sweeps"),
 ("allensdk.internal.model.glif.MLIN", "return result[result.size/2:]", "return result[result.size//2:]"),
 ("allensdk.internal.model.glif.ASGLM", "family=sm.families.Gaussian(sm.families.links.identity)",
  "family=sm.families.Gaussian(sm.families.links.identity())"),
 ("allensdk.internal.model.glif.threshold_adaptation", "curve_fit(exp_force_c, (time_previous_spike, thresh_inf), threshold,",
  "curve_fit(exp_force_c, np.array([time_previous_spike, np.full(len(time_previous_spike), thresh_inf)]), threshold,"),
 ("allensdk.internal.model.glif.threshold_adaptation", "logging.error(e.message)", "logging.error(str(e))"),
]
by = {}
for m, old, new in PATCHES:
    by.setdefault(m, []).append((old, new))
for m, reps in by.items():
    spec = importlib.util.find_spec(m)
    src = open(spec.origin).read()
    for old, new in reps:
        assert src.count(old) == 1, (m, old)
        src = src.replace(old, new)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[m] = mod
    exec(compile(src, spec.origin, "exec"), mod.__dict__)
import allensdk.internal.model.data_access as da
inp = json.load(sys.stdin)
class FakeNwb:
    def __init__(self, name): pass
    def get_sweep(self, n):
        s = inp["sweeps"][str(n)]
        v = np.fromfile(s["v"], dtype="<f8"); i = np.fromfile(s["i"], dtype="<f8")
        return {"response": v, "stimulus": i, "sampling_rate": s["rate"], "index_range": (0, len(v) - 1)}
da.NwbDataSet = FakeNwb
import allensdk.internal.model.glif.preprocess_neuron as pn
pn.MAKE_PLOT = False; pn.SAVE_FIG = False
with contextlib.redirect_stdout(io.StringIO()):
    d = pn.preprocess_neuron("cell.nwb", inp["table"], cell_properties={"ri": 150.0, "tau": 15.0})
def conv(o):
    if isinstance(o, np.ndarray): return o.tolist()
    if isinstance(o, np.generic): return o.item()
    if isinstance(o, range): return list(o)
    raise TypeError(type(o))
print(json.dumps(d, default=conv))
"#;

struct Cell {
    rng: common::Rng,
    dt: f64,
}

impl Cell {
    /// Runs the membrane on `current` (A per sample); returns the voltage
    /// (V) and the spike count.
    fn run(&mut self, current: &[f64]) -> (Vec<f64>, u64) {
        let (r, c, el, th0) = (1.5e8, 1e-10, -0.07, -0.05);
        let (mut v, mut th_spike, mut a1, mut a2) = (el, 0.0, 0.0, 0.0);
        let (d1, d2, dth) = (
            (-10.0 * self.dt).exp(),
            (-100.0 * self.dt).exp(),
            (-50.0 * self.dt).exp(),
        );
        let mut out = Vec::with_capacity(current.len());
        let mut spikes = 0;
        let mut waveform: Vec<f64> = Vec::new();
        for &i in current {
            if let Some(w) = waveform.pop() {
                out.push(w + 1e-4 * self.rng.normal());
                continue;
            }
            v += self.dt / c * (i - (v - el) / r + a1 + a2);
            a1 *= d1;
            a2 *= d2;
            th_spike *= dth;
            if v >= th0 + th_spike {
                spikes += 1;
                let (up, down) = ((4e-4 / self.dt) as usize, (8e-4 / self.dt) as usize);
                let start = v;
                let mut w: Vec<f64> = (0..up)
                    .map(|k| {
                        start
                            + (0.03 - start)
                                * (0.5 - 0.5 * (std::f64::consts::PI * k as f64 / up as f64).cos())
                    })
                    .chain((0..down).map(|k| 0.03 + (-0.066 - 0.03) * k as f64 / down as f64))
                    .collect();
                w.reverse();
                waveform = w;
                v = -0.066 + 0.2 * (start + 0.05);
                th_spike += 0.004;
                a1 -= 2e-11;
                a2 += 4e-11;
            }
            out.push(v + 1e-4 * self.rng.normal());
        }
        (out, spikes)
    }

    fn noise(&mut self, secs: f64, mean: f64, sd: f64) -> Vec<f64> {
        let n = (secs / self.dt) as usize;
        let a = (-self.dt / 3e-3).exp();
        let mut x = 0.0;
        let quiet = (0.2 / self.dt) as usize;
        (0..n)
            .map(|k| {
                x = a * x + (1.0 - a * a).sqrt() * self.rng.normal();
                // No stimulus in the first and last 0.2 s: no spike near
                // the sweep's ends (AllenSDK's spike cutting needs 15 ms).
                if k < quiet || k + quiet > n {
                    0.0
                } else {
                    mean + sd * x
                }
            })
            .collect()
    }

    fn pulses(&self, secs: f64, onsets: &[f64], width: f64, amp: f64) -> Vec<f64> {
        let n = (secs / self.dt) as usize;
        (0..n)
            .map(|k| {
                let t = k as f64 * self.dt;
                if onsets.iter().any(|&o| t >= o && t < o + width) {
                    amp
                } else {
                    0.0
                }
            })
            .collect()
    }
}

#[test]
fn preprocessing_matches_allensdk_preprocess_neuron() {
    let rate = 100_000.0;
    let mut cell = Cell {
        rng: common::Rng(71),
        dt: 1.0 / rate,
    };
    let dir = std::env::temp_dir().join(format!("glif-fit-preprocess-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut sweeps: Vec<(u32, &str, f64, Vec<f64>)> = Vec::new();
    let mut n = 10;
    let mut add = |name: &'static str,
                   amp_pa: f64,
                   i: Vec<f64>,
                   sweeps: &mut Vec<(u32, &str, f64, Vec<f64>)>| {
        n += 1;
        sweeps.push((n, name, amp_pa, i));
    };
    for _ in 0..3 {
        add(
            "Noise 1",
            120.0,
            cell.noise(4.0, 1.2e-10, 9e-11),
            &mut sweeps,
        );
    }
    for _ in 0..2 {
        add(
            "Noise 2",
            120.0,
            cell.noise(4.0, 1.2e-10, 9e-11),
            &mut sweeps,
        );
    }
    for amp in [3e-10, 5e-10, 8e-10, 1e-9] {
        add(
            "Short Square",
            amp * 1e12,
            cell.pulses(1.2, &[1.02], 3e-3, amp),
            &mut sweeps,
        );
    }
    for gap in [0.008, 0.012, 0.02, 0.03] {
        add(
            "Short Square - Triple",
            1000.0,
            cell.pulses(2.3, &[2.02, 2.02 + gap, 2.02 + 2.0 * gap], 3e-3, 1e-9),
            &mut sweeps,
        );
    }
    for amp in [8e-11, 2e-10] {
        add(
            "Long Square",
            amp * 1e12,
            cell.pulses(1.3, &[0.1], 1.0, amp),
            &mut sweeps,
        );
    }
    let mut table = Vec::new();
    let mut files = serde_json::Map::new();
    let mut raw = std::collections::HashMap::new();
    for (num, name, amp, i) in &sweeps {
        let (v, spikes) = cell.run(i);
        let write = |tag: &str, x: &[f64]| {
            let p = dir.join(format!("{num}_{tag}.f64"));
            let mut f = std::fs::File::create(&p).unwrap();
            for s in x {
                f.write_all(&s.to_le_bytes()).unwrap();
            }
            p.display().to_string()
        };
        files.insert(
            num.to_string(),
            serde_json::json!({"v": write("v", &v), "i": write("i", i), "rate": rate}),
        );
        table.push(serde_json::json!({"sweep_number": num, "stimulus_name": name, "ephys_stimulus": {"ephys_stimulus_type": {"name": name}},
            "stimulus_amplitude": amp, "num_spikes": spikes, "slow_vm_mv": -70.0 + 0.01 * (*num as f64 % 7.0)}));
        raw.insert(
            *num,
            RawSweep {
                voltage: v,
                current: i.clone(),
                sampling_rate_hz: rate,
                index_range_start: 0,
            },
        );
    }
    let entries = parse_sweep_table(&Value::Array(table.clone()).to_string()).unwrap();
    let got = preprocess(&entries, |n| Ok(raw[&n].clone())).unwrap();
    let input = serde_json::json!({"table": table, "sweeps": files});
    let want = common::oracle("fit/preprocess", SCRIPT, &input);
    std::fs::remove_dir_all(&dir).ok();
    let Some(want) = want else { return };
    // Compared value by value: integers (indices, cut length, sweep
    // numbers) identical, every real value within
    // FIT_PREPROCESS_END_TO_END_REL (its reason in the tolerance table).
    let tol = glif_reference::tolerance::FIT_PREPROCESS_END_TO_END_REL;
    let mut worst: Vec<(String, f64)> = Vec::new();
    compare(&got.values, &want, "", tol, &mut worst);
    worst.sort_by(|a, b| b.1.total_cmp(&a.1));
    eprintln!(
        "largest relative differences: {:?}",
        &worst[..worst.len().min(6)]
    );
    assert!(
        got.summary.a_spike.is_some_and(|a| a > 0.0),
        "the cell should give a spike component: {:?}",
        got.summary.a_spike
    );
    glif_reference::env::record(
        "fit/preprocess",
        glif_reference::env::Outcome::Ran,
        1,
        &format!(
            "every preprocessor value of a synthetic cell; largest relative difference {:.1e} ({})",
            worst[0].1, worst[0].0
        ),
    );
}

/// Walks AllenSDK's dictionary; every key glif-fit writes must be there and
/// agree (keys AllenSDK has that depend on the Allen database, `*_from_lims`,
/// are null here and skipped).
fn compare(got: &Value, want: &Value, path: &str, tol: f64, worst: &mut Vec<(String, f64)>) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, gv) in g {
                if k.ends_with("_from_lims") {
                    continue;
                }
                let wv = w
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k}: not in AllenSDK's values"));
                compare(gv, wv, &format!("{path}.{k}"), tol, worst);
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{path}: length");
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                compare(a, b, &format!("{path}[{i}]"), tol, worst);
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            if a.is_f64() || b.is_f64() {
                let (x, y) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                let rel = if y == 0.0 {
                    x.abs()
                } else {
                    ((x - y) / y).abs()
                };
                worst.push((path.to_string(), rel));
                assert!(rel <= tol, "{path}: glif-fit {x}, AllenSDK {y} ({rel:e})");
            } else {
                assert_eq!(a, b, "{path}");
            }
        }
        _ => assert_eq!(got, want, "{path}"),
    }
}
