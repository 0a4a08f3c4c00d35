//! Every real config loads, builds in f64 and f32, runs, and survives
//! config -> neuron -> config.

mod common;

use common::*;
use glif_io::{stimulus, AnyModel, NeuronConfig, RunEnd};
use serde_json::Value;

fn check(label: &str, config: &NeuronConfig, stim64: &[f64], stim32: &[f32]) {
    let config = config.clone().with_dt(5e-6).expect("dt");
    let m64 = AnyModel::<f64>::new(&config).unwrap_or_else(|e| panic!("{label}: {e}"));
    let m32 = AnyModel::<f32>::new(&config).unwrap_or_else(|e| panic!("{label}: f32: {e}"));
    assert_eq!(
        m64.level(),
        config.level(),
        "{label}: published levels run compiled"
    );
    assert!(
        m64.level().is_some(),
        "{label}: every real file is one of the five levels"
    );
    let r = m64.run_result(stim64);
    assert!(!matches!(r.end, RunEnd::Failed(_)), "{label}: {:?}", r.end);
    assert_eq!(r.len(), stim64.len());
    let r32 = m32.run_result(stim32);
    assert!(
        !matches!(r32.end, RunEnd::Failed(_)),
        "{label}: f32 {:?}",
        r32.end
    );

    // config -> neuron -> config: the written config reads back equal and
    // runs bit-identically.
    let again = NeuronConfig::from_value(&config.to_json(), None)
        .unwrap_or_else(|e| panic!("{label}: round trip: {e}"));
    assert_eq!(again.methods, config.methods, "{label}");
    assert_eq!(again.to_json(), config.to_json(), "{label}");
    let r2 = AnyModel::<f64>::new(&again)
        .expect("rebuild")
        .run_result(stim64);
    assert!(
        r2.same_outputs(&r),
        "{label}: round-tripped config runs identically"
    );
}

#[test]
fn all_40_reference_configs_load_build_and_run() {
    let stim = stimulus::square(5e-6, 0.02, 0.002, 0.016, 5e-10).unwrap();
    let stim32: Vec<f32> = stim.iter().map(|&x| x as f32).collect();
    let files = config_files();
    assert_eq!(files.len(), 40);
    for path in &files {
        let config = NeuronConfig::from_path(path, None).unwrap_or_else(|e| panic!("{e}"));
        check(&path.display().to_string(), &config, &stim, &stim32);
        if path.to_string_lossy().contains("/osb/") {
            assert!(config.model_id.is_some(), "osb files are keyed by id");
        }
    }
}

#[test]
fn all_2441_teeter_configs_load_build_and_run() {
    let stim = stimulus::square(5e-6, 0.005, 0.001, 0.003, 5e-10).unwrap();
    let stim32: Vec<f32> = stim.iter().map(|&x| x as f32).collect();
    let text = gunzip(&reference_dir().join("teeter-all.jsonl.gz"));
    let mut count = 0;
    for line in text.lines() {
        let doc: Value = serde_json::from_str(line).expect("jsonl");
        let label = doc["file"].as_str().unwrap().to_string();
        // Through the text parser, as a file would be read.
        let config = NeuronConfig::from_json_str(&doc["config"].to_string(), None)
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        check(&label, &config, &stim, &stim32);
        count += 1;
    }
    assert_eq!(count, 2441);
}

#[test]
fn floats_parse_exactly_and_integers_equal_floats() {
    let path = reference_dir().join("configs/osb/566283540_neuron_config.json");
    let c = NeuronConfig::from_path(&path, None).unwrap();
    // Python's repr of C in that file, parsed by Python's float():
    assert_eq!(c.c.to_bits(), 7.780685989753313e-11f64.to_bits());
    assert_eq!(c.model_id.as_deref(), Some("566283540"));
    let mut v = c.to_json();
    v["spike_cut_length"] = serde_json::json!(52.0);
    v["init_voltage"] = serde_json::json!(0);
    let d = NeuronConfig::from_value(&v, None).unwrap();
    assert_eq!(d.spike_cut_length, 52);
    assert_eq!(d.init_voltage, 0.0);
}

#[test]
fn overrides_and_extra_keys_survive() {
    let path = reference_dir().join("configs/bmtk/637930677_lif_r_asc_a.json");
    let c = NeuronConfig::from_path(&path, None)
        .unwrap()
        .with_dt(5e-6)
        .unwrap()
        .with_spike_cut_length(0);
    let v = c.to_json();
    assert_eq!(v["dt"], 5e-6);
    assert_eq!(v["spike_cut_length"], 0);
    assert!(v.get("El_reference").is_some() && v.get("dt_multiplier").is_some());
    let m = AnyModel::<f64>::new(&c).unwrap();
    assert_eq!((m.dt(), m.spike_cut_length()), (5e-6, 0));
    assert!(glif_io::NeuronConfig::from_path(&path, None)
        .unwrap()
        .methods
        .allensdk_incompatibility()
        .is_none());
}

#[test]
fn a_written_config_loads_in_allensdk() {
    const CHECK: &str = "io/config-loads-in-allensdk";
    // Missing: a visible skip locally, a failure under CI=true.
    let Some(python) = glif_reference::env::python(CHECK) else {
        return;
    };
    let dir = scratch_dir("allensdk-config");
    let src = reference_dir().join("configs/osb/566283540_neuron_config.json");
    let c = NeuronConfig::from_path(&src, None)
        .unwrap()
        .with_dt(5e-6)
        .unwrap();
    let out = dir.join("written.json");
    glif_io::model::write_config(&out, &c, false).unwrap();
    let script = "import json,sys\nfrom allensdk.model.glif.glif_neuron import GlifNeuron\n\
                  n = GlifNeuron.from_dict(json.load(open(sys.argv[1])))\n\
                  out = n.run([0.0]*100 + [5e-10]*2000)\n\
                  print(n.dt, n.spike_cut_length, len(out['spike_time_steps']))";
    let o = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let ours = AnyModel::<f64>::new(&c)
        .unwrap()
        .run_result(&[vec![0.0; 100], vec![5e-10; 2000]].concat());
    assert_eq!(text.trim(), format!("5e-06 52 {}", ours.spikes.len()));
    glif_reference::env::record(
        CHECK,
        glif_reference::env::Outcome::Ran,
        1,
        "one written GLIF5 config: dt, spike_cut_length and spike count as AllenSDK runs it",
    );
}
