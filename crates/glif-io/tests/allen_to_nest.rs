//! Allen configs as NEST parameter dicts: every Teeter config and every
//! reference config converts, and the dict passes NEST 3.10's checks as
//! `glif_io::nest` applies them (the same checks NEST runs in SetStatus).
//! Acceptance by NEST itself: scripts/nest/check_convert.py.

mod common;

use common::{gunzip, reference_dir};
use glif_io::nest::{allen_to_nest, SynapseParams};
use glif_io::nest::{NestModel, NestParams};
use glif_io::NeuronConfig;
use serde_json::Value;

/// `None` when the conversion is refused because NEST's checks refuse the
/// model (the reason is asserted: a `v_before` fraction outside [0, 1]).
fn check(label: &str, config: &NeuronConfig) -> Option<Value> {
    let mut last = None;
    for model in [
        NestModel::GlifPsc,
        NestModel::GlifPscDoubleAlpha,
        NestModel::GlifCond,
    ] {
        let d = match allen_to_nest(config, model, &SynapseParams::default()) {
            Ok(d) => d,
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains("voltage_reset_fraction"), "{label}: {msg}");
                let glif_io::model::AnyVoltageReset::VBefore(glif_core::rules::VBefore {
                    a, ..
                }) = config.methods.voltage_reset
                else {
                    panic!("{label}: {msg}")
                };
                assert!(!(0.0..=1.0).contains(&a), "{label}: {msg}");
                return None;
            }
        };
        let v = Value::Object(d);
        let p = NestParams::from_json(model, &v).unwrap_or_else(|e| panic!("{label}: {e}: {v}"));
        assert_eq!(Some(p.level.number()), config.level(), "{label}");
        // V_m is the model's own start, not NEST's default.
        assert!(
            (p.u - config.init_voltage * 1e3 - (config.el * -1e3)).abs() < 1e-9,
            "{label}"
        );
        last = Some(v);
    }
    last
}

#[test]
fn all_teeter_configs_convert_to_dicts_nest_accepts() {
    let text = gunzip(&reference_dir().join("teeter-all.jsonl.gz"));
    let (mut n, mut refused) = (0, 0);
    for line in text.lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        let label = doc["file"].as_str().unwrap().to_string();
        let config = NeuronConfig::from_value(&doc["config"], None).unwrap();
        if check(&label, &config).is_none() {
            refused += 1;
        }
        n += 1;
    }
    assert_eq!(n, 2441);
    eprintln!("{refused} of {n} Teeter configs refused: v_before fraction outside NEST's [0, 1]");
    // Measured: see docs/NEST.md; the bound only guards against a change in the mapping.
    assert!(refused < n / 4, "{refused}");
}

#[test]
fn reference_configs_convert_with_asc_r_from_the_config() {
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(reference_dir().join("configs/index.json")).unwrap(),
    )
    .unwrap();
    let mut n = 0;
    for e in index.as_array().unwrap() {
        let path = reference_dir().join(e["file"].as_str().unwrap());
        let config = NeuronConfig::from_path(&path, None).unwrap();
        if config.level().is_none() {
            continue;
        }
        let Some(v) = check(&path.display().to_string(), &config) else {
            continue;
        };
        if let glif_io::model::AscResetMethod::Sum { r } = &config.methods.asc_reset {
            if config.level().unwrap() >= 3 {
                assert_eq!(v["asc_r"], serde_json::json!(r));
            }
        }
        n += 1;
    }
    assert!(n >= 25, "{n}");
}

#[test]
fn synapse_keys_must_fit_the_model() {
    let path = reference_dir().join("configs/osb/566283540_neuron_config.json");
    let config = NeuronConfig::from_path(&path, None).unwrap();
    let syn = SynapseParams {
        e_rev: Some(vec![0.0]),
        ..Default::default()
    };
    assert!(allen_to_nest(&config, NestModel::GlifPsc, &syn).is_err());
    let syn = SynapseParams {
        tau_syn: Some(vec![5.5, 8.5]),
        tau_syn_slow: Some(vec![20.0, 30.0]),
        amp_slow: Some(vec![0.5, 0.5]),
        ..Default::default()
    };
    let d = allen_to_nest(&config, NestModel::GlifPscDoubleAlpha, &syn).unwrap();
    assert_eq!(d["tau_syn_fast"], serde_json::json!([5.5, 8.5]));
}

/// The same Allen model and stimulus under AllenSDK's semantics (glif-io's
/// AllenSDK-exact engine, forward Euler, spike cut) and NEST's (the
/// converted dict through `glif_io::nest`, exact integration, refractory
/// hold): 1 s of 1.5x rheobase at dt = h = 0.05 ms. Prints, per converted
/// reference config, the spike counts and the first spike times (the table
/// in docs/NEST.md); asserts only that both semantics fire.
#[test]
fn allensdk_and_nest_semantics_side_by_side() {
    use glif_io::nest::{run_nest, ExpSource, NestPrecision, NestRun};
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(reference_dir().join("configs/index.json")).unwrap(),
    )
    .unwrap();
    eprintln!("config | level | I (pA) | spikes AllenSDK | spikes NEST | first spike AllenSDK (ms) | first spike NEST (ms)");
    let mut rows = 0;
    for e in index.as_array().unwrap() {
        let path = reference_dir().join(e["file"].as_str().unwrap());
        let config = NeuronConfig::from_path(&path, None)
            .unwrap()
            .with_dt(5e-5)
            .unwrap();
        let Ok(d) = allen_to_nest(&config, NestModel::GlifPsc, &SynapseParams::default()) else {
            continue;
        };
        let rheobase = config.coeffs.th_inf * config.th_inf * config.coeffs.g / config.r_input;
        let amp = 1.5 * rheobase;
        let allen = glif_io::AnyModel::<f64>::new(&config)
            .unwrap()
            .run_result(&vec![amp; 20_000]);
        let params = NestParams::from_json(NestModel::GlifPsc, &Value::Object(d)).unwrap();
        let nest = run_nest(
            &params,
            &NestRun {
                resolution: 0.05,
                duration: 1000.0,
                dc: amp * 1e12,
                current: None,
                spikes: vec![],
                precision: NestPrecision::F64,
                exp: ExpSource::Std,
            },
        )
        .unwrap();
        let first_allen = allen.spikes.first().map(|s| s.time * 1e3);
        let first_nest = nest.spike_times.first().copied();
        eprintln!(
            "{} | {} | {:.1} | {} | {} | {:?} | {:?}",
            e["key"].as_str().unwrap(),
            config.level().unwrap(),
            amp * 1e12,
            allen.spikes.len(),
            nest.spike_times.len(),
            first_allen,
            first_nest
        );
        assert!(
            !allen.spikes.is_empty() && !nest.spike_times.is_empty(),
            "{}",
            path.display()
        );
        rows += 1;
    }
    assert!(rows >= 25);
}
