//! A synthetic cell's whole preprocessing against AllenSDK's own
//! `preprocess_neuron.preprocess_neuron`, value by value.
//!
//! The cell: `glif_reference::fit_cell::synthetic_cell` (a leaky
//! integrate-and-fire membrane with after-spike currents, a threshold
//! raised after each spike and action-potential waveforms) sampled at
//! 100 kHz and driven by the Allen stimulus families. The raw traces go to AllenSDK through a stand-in for
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

#[test]
fn preprocessing_matches_allensdk_preprocess_neuron() {
    let rate = 100_000.0;
    let cell = glif_reference::fit_cell::synthetic_cell(71, rate, 4.0, 0.0, true);
    let dir = std::env::temp_dir().join(format!("glif-fit-preprocess-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let table = glif_reference::fit_cell::sweep_table(&cell);
    let mut files = serde_json::Map::new();
    let mut raw = std::collections::HashMap::new();
    for s in &cell {
        let write = |tag: &str, x: &[f64]| {
            let p = dir.join(format!("{}_{tag}.f64", s.number));
            let mut f = std::fs::File::create(&p).unwrap();
            for v in x {
                f.write_all(&v.to_le_bytes()).unwrap();
            }
            p.display().to_string()
        };
        files.insert(s.number.to_string(), serde_json::json!({"v": write("v", &s.voltage), "i": write("i", &s.current), "rate": rate}));
        raw.insert(
            s.number,
            RawSweep {
                voltage: s.voltage.clone(),
                current: s.current.clone(),
                sampling_rate_hz: rate,
                index_range_start: 0,
            },
        );
    }
    let table = table.as_array().unwrap().clone();
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
