//! The model run the explained variance is computed from, against
//! AllenSDK's `GlifNeuron.run` as the reference run calls it (the level's
//! starting config from `configure_model`, `th_adapt` added as `None`:
//! `GlifNeuron.from_dict` needs the key, no rule reads it), on generated
//! noise currents at the fitting step. The comparison with the recorded
//! reference (`model_spike_time_steps` of `reference/fit/*/optimizer.json`,
//! on the cells' own Noise 1 and Noise 2) is `cargo xtask verify-fit`'s,
//! which has the cells' NWB files.

mod common;

use glif_fit::evaluate::{model_spike_steps, runnable_config};
use serde_json::{json, Value};

const SCRIPT: &str = r#"
import json, sys, copy
import numpy as np
from allensdk.model.glif.glif_neuron import GlifNeuron
out = []
for c in json.load(sys.stdin):
    cfg = copy.deepcopy(c["config"]); cfg.setdefault("th_adapt", None)
    run = GlifNeuron.from_dict(cfg).run(np.array(c["current"]))
    out.append([int(i) for i in run["spike_time_steps"]])
print(json.dumps(out))
"#;

/// An Ornstein-Uhlenbeck current (5 ms correlation time) around `mean` A
/// with standard deviation `sd` A, `n` steps of 50 us.
fn noise_current(rng: &mut common::Rng, n: usize, mean: f64, sd: f64) -> Vec<f64> {
    let (dt, tau): (f64, f64) = (5e-5, 5e-3);
    let mut x = 0.0;
    (0..n)
        .map(|_| {
            x += -x * dt / tau + (2.0 * dt / tau).sqrt() * rng.normal();
            mean + sd * x
        })
        .collect()
}

#[test]
fn model_spikes_match_allensdk_glif_neuron_run() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference/fit");
    let mut rng = common::Rng(7);
    let mut configs = Vec::new();
    for cell in ["adapting", "sparse"] {
        for level in 1..=5 {
            let text = std::fs::read_to_string(
                root.join(cell)
                    .join(format!("GLIF{level}_neuron_config.json")),
            )
            .unwrap();
            configs.push((
                format!("{cell} GLIF{level}"),
                serde_json::from_str::<Value>(&text).unwrap(),
            ));
        }
    }
    let mut cases = Vec::new();
    for (name, cfg) in &configs {
        // Rheobase of the leaky membrane: (th_inf) / R; drive around it.
        let rheo = cfg["th_inf"].as_f64().unwrap() / cfg["R_input"].as_f64().unwrap();
        for (k, m) in [0.8, 1.1, 1.5].iter().enumerate() {
            let current = noise_current(&mut rng, 20_000, m * rheo, 0.3 * rheo);
            cases.push((format!("{name} drive {k}"), cfg.clone(), current));
        }
    }
    let input: Vec<Value> = cases
        .iter()
        .map(|(_, cfg, i)| json!({"config": cfg, "current": i}))
        .collect();
    let Some(want) = common::oracle("fit/ev-model-run", SCRIPT, &json!(input)) else {
        return;
    };
    let mut spikes = 0;
    for ((name, cfg, current), w) in cases.iter().zip(want.as_array().unwrap()) {
        let config = runnable_config(cfg).unwrap();
        let got = model_spike_steps(&config, current, None).unwrap();
        let w: Vec<usize> = w
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(got, w, "{name}: spike steps differ from AllenSDK's");
        spikes += got.len();
    }
    assert!(
        spikes > 100,
        "the drives make the models fire ({spikes} spikes)"
    );
    eprintln!(
        "fit/ev-model-run: {} runs, {spikes} spikes, identical",
        cases.len()
    );
    glif_reference::env::record(
        "fit/ev-model-run",
        glif_reference::env::Outcome::Ran,
        cases.len(),
        &format!("{spikes} spikes, every spike step identical"),
    );
}
