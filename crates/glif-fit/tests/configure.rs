//! The five levels' starting configs against AllenSDK's own
//! `configure_model.configure_model` on the same preprocessor values, key
//! by key. One patch in the oracle process: `configure_model.py` imports
//! `find_sweeps` with a Python 2 relative import; the patched module imports
//! `allensdk.internal.model.glif.find_sweeps`.

mod common;

use glif_fit::configure::{configure_model, Level, PreprocessorSummary};
use serde_json::Value;

const SCRIPT: &str = r#"
import json, sys, importlib.util, logging
import numpy as np
logging.disable(logging.CRITICAL)
name = "allensdk.internal.model.glif.configure_model"
spec = importlib.util.find_spec(name)
src = open(spec.origin).read().replace("import find_sweeps as fs", "import allensdk.internal.model.glif.find_sweeps as fs")
CM = importlib.util.module_from_spec(spec)
exec(compile(src, spec.origin, "exec"), CM.__dict__)
levels = {
  "LIF": ("linear_forward_euler", "inf", "none", "zero", "inf", "none"),
  "LIF_R": ("linear_forward_euler", "spike_component", "none", "v_before", "three_components", "none"),
  "LIF_ASC": ("linear_forward_euler", "inf", "exp", "zero", "inf", "sum"),
  "LIF_R_ASC": ("linear_forward_euler", "spike_component", "exp", "v_before", "three_components", "sum"),
  "LIF_R_ASC_AT": ("linear_forward_euler", "three_components_exact", "exp", "v_before", "three_components", "sum"),
}
def conv(o):
    if isinstance(o, np.ndarray): return o.tolist()
    if isinstance(o, np.generic): return o.item()
    raise TypeError(type(o))
out = []
for pv in json.load(sys.stdin):
    spikes = pv["spikes"] + [None] * (5 - len(pv["spikes"]))
    d = {"dt_used_for_preprocessor_calculations": pv["dt"],
         "El": {"El_noise": {"measured": {"mean": pv["el_reference"]}}},
         "spike_cutting": {"NOdeltaV": {"cut_length": pv["cut"], "slope": pv["slope"], "intercept": pv["intercept"]}},
         "asc": {"amp": np.array(pv["amp"]), "k": np.array(pv["k"])},
         "th_inf": {"via_Vmeasure": {"from_zero": pv["th_inf"]}},
         "threshold_adaptation": {"a_spike_component_of_threshold": pv["a_spike"], "b_spike_component_of_threshold": pv["b_spike"],
                                  "a_voltage_comp_of_thr_from_fitab": pv["a_voltage"], "b_voltage_comp_of_thr_from_fitab": pv["b_voltage"]},
         "MLIN": {"var_of_section": pv["var"], "sv_for_expsymm": pv["sv"], "tau_from_AC": pv["tau"]},
         "capacitance": {"C_test_list": {"mean": pv["c"]}},
         "resistance": {"R_test_list": {"mean": pv["r"]}, "R_fit_ASC_and_R": {"mean": pv["r_asc"]}},
         "sweep_properties": {"noise1": {str(i + 1): {"spike_ind": None if s is None else np.array(s)} for i, s in enumerate(spikes)}}}
    res = {}
    for name, m in levels.items():
        mc = dict(name=name, voltage_dynamics_method=m[0], threshold_dynamics_method=m[1], AScurrent_dynamics_method=m[2],
                  voltage_reset_method=m[3], threshold_reset_method=m[4], AScurrent_reset_method=m[5],
                  error_function="MLIN", param_fit_names=["th_inf"])
        try:
            res[name] = json.loads(json.dumps(CM.configure_model(mc, d), default=conv))
        except CM.ModelConfigurationException as e:
            res[name] = "refused: " + str(e)
    out.append(res)
print(json.dumps(out))
"#;

/// JSON values equal, numbers compared as f64 (Python writes 0 and 0.0
/// where serde keeps integer and float apart).
fn same(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            assert_eq!(
                x.as_f64().unwrap().to_bits(),
                y.as_f64().unwrap().to_bits(),
                "{path}: {x} vs AllenSDK {y}"
            )
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut kx: Vec<_> = x.keys().collect();
            let mut ky: Vec<_> = y.keys().collect();
            kx.sort();
            ky.sort();
            assert_eq!(kx, ky, "{path}: keys");
            for k in kx {
                same(&x[k], &y[k], &format!("{path}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: length");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same(p, q, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

fn summary(a_spike: Option<f64>, first_spike_s: f64) -> PreprocessorSummary {
    PreprocessorSummary {
        dt: 5e-5,
        el_reference: -0.0712,
        c: 1.07e-10,
        r_least_squares: 1.9e8,
        r_asc: 1.7e8,
        spike_cut_length: 43,
        spike_cutting_slope: 0.63,
        spike_cutting_intercept: -0.0021,
        asc_amp_array: vec![-2.1e-11, 5.3e-12],
        asc_tau_array: vec![1.0 / 3.0, 0.01],
        th_inf: 0.0254,
        a_spike,
        b_spike: a_spike.map(|_| 181.3),
        a_voltage: a_spike.map(|_| 0.73),
        b_voltage: a_spike.map(|_| 6.1),
        var_of_section: 1.3e-6,
        sv_for_expsymm: 8.1e-4,
        tau_from_ac: 0.0112,
        noise1_spike_indices: vec![
            vec![(first_spike_s / 5e-5) as usize, 200_000],
            vec![170_000],
        ],
    }
}

#[test]
fn configs_match_allensdk_configure_model() {
    let cases = [
        summary(Some(0.0031), 8.5),
        summary(None, 9.0),
        summary(Some(0.0), 9.0),
        summary(Some(0.0031), 3.0),
    ];
    let input: Vec<Value> = cases
        .iter()
        .map(|p| {
            serde_json::json!({"dt": p.dt, "el_reference": p.el_reference, "cut": p.spike_cut_length, "slope": p.spike_cutting_slope,
                "intercept": p.spike_cutting_intercept, "amp": p.asc_amp_array, "k": p.asc_tau_array.iter().map(|t| 1.0 / t).collect::<Vec<_>>(),
                "th_inf": p.th_inf, "a_spike": p.a_spike, "b_spike": p.b_spike, "a_voltage": p.a_voltage, "b_voltage": p.b_voltage,
                "var": p.var_of_section, "sv": p.sv_for_expsymm, "tau": p.tau_from_ac, "c": p.c, "r": p.r_least_squares, "r_asc": p.r_asc,
                "spikes": p.noise1_spike_indices})
        })
        .collect();
    let Some(want) = common::oracle("fit/configure", SCRIPT, &Value::Array(input)) else {
        return;
    };
    let (mut configured, mut refused) = (0, 0);
    for (k, pv) in cases.iter().enumerate() {
        // AllenSDK takes asc_tau_array as 1 / k; so does the summary here.
        let mut pv = pv.clone();
        pv.asc_tau_array = pv.asc_tau_array.iter().map(|t| 1.0 / (1.0 / t)).collect();
        for level in Level::ALL {
            let w = &want[k][level.method_config_name()];
            match (configure_model(level, &pv), w.as_str()) {
                (Ok(got), None) => {
                    same(&got, w, &format!("case {k} {}", level.label()));
                    configured += 1;
                }
                (Err(_), Some(msg)) if msg.starts_with("refused") => refused += 1,
                (got, _) => panic!("case {k} {}: glif-fit {got:?}, AllenSDK {w}", level.label()),
            }
        }
    }
    assert!(
        configured >= 7 && refused >= 9,
        "{configured} configured, {refused} refused"
    );
    glif_reference::env::record(
        "fit/configure",
        glif_reference::env::Outcome::Ran,
        configured + refused,
        &format!("{configured} configs equal key by key, {refused} refusals shared"),
    );
}
