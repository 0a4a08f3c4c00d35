//! results -> files -> results, in every format; numpy loads what we write;
//! stimuli round-trip through every reader; generators.

mod common;

use common::*;
use glif_io::formats::*;
use glif_io::{stimulus, AnyModel, NeuronConfig, RunEnd, RunResult, WriteOptions};

fn sample_result(asc_currents: bool) -> RunResult {
    let path = reference_dir().join("configs/osb/566283540_neuron_config.json");
    let mut c = NeuronConfig::from_path(path, None)
        .unwrap()
        .with_dt(5e-6)
        .unwrap();
    if !asc_currents {
        c.asc_tau.clear();
        c.asc_amp.clear();
        c.init_asc.clear();
        c.coeffs.asc_amp.clear();
        c.methods.asc_reset = glif_io::model::AscResetMethod::Sum { r: vec![] };
    }
    let stim = stimulus::square(5e-6, 0.03, 0.002, 0.025, 6e-10).unwrap();
    let r = AnyModel::<f64>::new(&c).unwrap().run_result(&stim);
    assert!(r.spikes.len() >= 2 && r.voltage.iter().any(|v| v.is_nan()));
    r
}

#[test]
fn every_format_round_trips_bit_for_bit() {
    for asc in [true, false] {
        let r = sample_result(asc);
        let dir = scratch_dir("roundtrip");
        let o = WriteOptions::default();
        write_json(dir.join("r.json"), &r, &o).unwrap();
        assert!(read_json(dir.join("r.json")).unwrap().same_outputs(&r));
        write_npz(dir.join("r.npz"), &r, &o).unwrap();
        assert!(read_npz(dir.join("r.npz")).unwrap().same_outputs(&r));
        write_npy_dir(dir.join("npy"), &r, &o).unwrap();
        assert!(read_npy_dir(dir.join("npy")).unwrap().same_outputs(&r));
        let stim: Vec<f64> = (0..r.len()).map(|i| i as f64 * 1e-12).collect();
        glif_io::formats::write_csv(dir.join("t.csv"), dir.join("s.csv"), &r, 5e-6, &stim, &o)
            .unwrap();
        let t = glif_io::formats::read_csv(dir.join("t.csv"), dir.join("s.csv")).unwrap();
        assert!(t.result.same_outputs(&r));
        assert_eq!(t.stimulus, stim);
        assert_eq!(t.time[1], 5e-6);
    }
}

#[test]
fn json_has_exactly_allensdk_keys_and_null_for_nan() {
    let r = sample_result(true);
    let text = results_to_json_string(&r, &WriteOptions::default());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    let mut expected: Vec<_> = OUTPUT_KEYS.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(keys, expected);
    assert!(v["voltage"].as_array().unwrap().iter().any(|x| x.is_null()));
    assert_eq!(v["AScurrents"][0].as_array().unwrap().len(), 2);
    // The spike-cut value replaces NaN voltages, as simulate_neuron does.
    let o = WriteOptions {
        spike_cut_value: Some(glif_io::SPIKE_CUT_VALUE),
        ..Default::default()
    };
    let v: serde_json::Value = serde_json::from_str(&results_to_json_string(&r, &o)).unwrap();
    assert!(v["voltage"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x.is_number()));
    assert!(v["voltage"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x.as_f64() == Some(0.05)));
    assert!(v["threshold"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x.is_null()));
}

#[test]
fn numpy_loads_what_we_write_and_we_load_what_numpy_writes() {
    const CHECK: &str = "io/numpy-reads-our-files";
    // Missing: a visible skip locally (the format tests above still run), a
    // failure under CI=true.
    let Some(python) = glif_reference::env::python(CHECK) else {
        return;
    };
    let r = sample_result(true);
    let dir = scratch_dir("numpy");
    let o = WriteOptions::default();
    write_npz(dir.join("r.npz"), &r, &o).unwrap();
    write_npy_dir(dir.join("npy"), &r, &o).unwrap();
    write_json(dir.join("r.json"), &r, &o).unwrap();
    // Every member with ZIP64 records, as a member past 4 GiB gets them.
    let mut w =
        NpzWriter::new(std::fs::File::create(dir.join("r64.npz")).unwrap()).zip64_always(true);
    for (name, bytes) in results_to_npy(&r, &o) {
        w.add_bytes(&name, &bytes).unwrap();
    }
    w.finish().unwrap();
    let script = r#"
import json, sys, numpy as np
d = sys.argv[1]
z = np.load(d + "/r.npz")
j = json.load(open(d + "/r.json"))
for k in ["voltage","threshold","AScurrents","grid_spike_times","interpolated_spike_times",
          "spike_time_steps","interpolated_spike_voltage","interpolated_spike_threshold"]:
    a = z[k]; b = np.load(d + "/npy/" + k + ".npy")
    c = np.array(j[k], dtype=float if k != "spike_time_steps" else np.int64)
    assert np.array_equal(a, b, equal_nan=True), k
    assert np.array_equal(a, c, equal_nan=True), k
    assert np.array_equal(a, np.load(d + "/r64.npz")[k], equal_nan=True), k
print(z["voltage"].shape[0], z["AScurrents"].shape[1], z["spike_time_steps"].dtype, len(z["spike_time_steps"]))
np.savez(d + "/numpy.npz", **{k: z[k] for k in z.files})
np.savez_compressed(d + "/compressed.npz", **{k: z[k] for k in z.files})
np.save(d + "/stim64.npy", np.linspace(0, 1e-9, 7))
np.save(d + "/stim32.npy", np.linspace(0, 1e-9, 7).astype(np.float32).reshape(7, 1))
np.save(d + "/fortran.npy", np.asfortranarray(np.arange(6.0).reshape(2, 3)))
"#;
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{} 2 int64 {}", r.len(), r.spikes.len())
    );
    // numpy's own np.savez (ZIP64 records) reads back.
    assert!(read_npz(dir.join("numpy.npz")).unwrap().same_outputs(&r));
    // np.savez_compressed: deflated members.
    assert!(read_npz(dir.join("compressed.npz"))
        .unwrap()
        .same_outputs(&r));
    let s64 = stimulus::read_stimulus(
        dir.join("stim64.npy"),
        &stimulus::StimulusOptions::default(),
    )
    .unwrap();
    assert_eq!(s64.len(), 7);
    assert_eq!(s64[6], 1e-9);
    let s32 = stimulus::read_stimulus(
        dir.join("stim32.npy"),
        &stimulus::StimulusOptions::default(),
    )
    .unwrap();
    assert_eq!(s32[6], f64::from(1e-9f32));
    let f = glif_io::formats::read_npy(&std::fs::read(dir.join("fortran.npy")).unwrap()).unwrap();
    assert_eq!(f.to_f64(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    glif_reference::env::record(
        CHECK,
        glif_reference::env::Outcome::Ran,
        8 + 5,
        "8 outputs read by numpy from .npz (stored and ZIP64), .npy and JSON; 5 files numpy wrote read back (np.savez, np.savez_compressed, 3 .npy)",
    );
}

#[test]
fn stimuli_round_trip_through_every_reader() {
    let stim = stimulus::held_noise(5e-6, 0.01, 0.001, 5e-4, 1e-10, 5e-11, 42).unwrap();
    assert_eq!(
        stim,
        stimulus::held_noise(5e-6, 0.01, 0.001, 5e-4, 1e-10, 5e-11, 42).unwrap()
    );
    assert_ne!(
        stim,
        stimulus::held_noise(5e-6, 0.01, 0.001, 5e-4, 1e-10, 5e-11, 43).unwrap()
    );
    let dir = scratch_dir("stimuli");
    std::fs::write(dir.join("s.json"), serde_json::to_string(&stim).unwrap()).unwrap();
    let text: String = std::iter::once("# comment\ncurrent_A\n".to_string())
        .chain(stim.iter().map(|x| format!("{x:e}\n")))
        .collect();
    std::fs::write(dir.join("s.csv"), text).unwrap();
    let mut npy = Vec::new();
    glif_io::formats::write_npy_f64(&mut npy, &[stim.len()], &stim);
    std::fs::write(dir.join("s.npy"), npy).unwrap();
    for f in ["s.json", "s.csv", "s.npy"] {
        assert_eq!(
            stimulus::read_stimulus(dir.join(f), &stimulus::StimulusOptions::default()).unwrap(),
            stim,
            "{f}"
        );
        // The same, gzip-compressed.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &std::fs::read(dir.join(f)).unwrap()).unwrap();
        let gz_name = format!("{f}.gz");
        std::fs::write(dir.join(&gz_name), gz.finish().unwrap()).unwrap();
        assert_eq!(
            stimulus::read_stimulus(dir.join(&gz_name), &stimulus::StimulusOptions::default())
                .unwrap(),
            stim,
            "{gz_name}"
        );
    }
    std::fs::write(dir.join("bad.json.gz"), b"not gzip").unwrap();
    let e = stimulus::read_stimulus(
        dir.join("bad.json.gz"),
        &stimulus::StimulusOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a valid gzip file"), "{e}");
}

#[test]
fn generators_and_reference_kinds() {
    let sq = stimulus::square(5e-6, 0.01, 0.002, 0.005, 1e-10).unwrap();
    assert_eq!(sq.len(), 2000);
    assert_eq!(sq.iter().filter(|&&x| x == 1e-10).count(), 1000);
    assert_eq!(
        (sq[399], sq[400], sq[1399], sq[1400]),
        (0.0, 1e-10, 1e-10, 0.0)
    );
    let p = stimulus::pulse(5e-6, 0.01, 0.001, 1e-9).unwrap();
    assert_eq!(p.iter().filter(|&&x| x != 0.0).count(), 600);
    let r = stimulus::ramp(5e-6, 0.01, 0.0, 0.005, 1e-7).unwrap();
    assert_eq!((r[0], r[999], r[1000]), (0.0, 999.0 * 5e-6 * 1e-7, 0.0));
    // Every reference case's stimulus rebuilds exactly (checked against stimulus_check).
    let mut n = 0;
    // Every case the committed index lists (reference/traces/index.json sits
    // beside the case folders).
    for f in glif_reference::indexed_case_files().unwrap() {
        {
            let case = load_case(&f);
            let spec: stimulus::ReferenceStimulus =
                serde_json::from_value(case["stimulus"].clone()).unwrap();
            let x = spec.samples().unwrap();
            let check = &case["stimulus_check"];
            assert_eq!(x.len(), case["n_samples"].as_u64().unwrap() as usize);
            assert_eq!(
                x.iter().cloned().fold(f64::MIN, f64::max),
                check["max"].as_f64().unwrap()
            );
            assert_eq!(
                x.iter().cloned().fold(f64::MAX, f64::min),
                check["min"].as_f64().unwrap()
            );
            let every: Vec<f64> = x.iter().step_by(10000).cloned().collect();
            assert_eq!(every, numbers(&check["every_10000th"]));
            n += 1;
        }
    }
    assert!(n > 100);
}

#[test]
fn bad_reset_and_errors_are_reported_as_run_ends() {
    // AScurrent_reset 'none' with nonzero currents at a spike: a typed end, not a panic.
    let path = reference_dir().join("configs/bmtk/637930677_lif.json");
    let mut c = NeuronConfig::from_path(path, None)
        .unwrap()
        .with_dt(5e-6)
        .unwrap();
    c.methods.asc = glif_io::model::AnyAsc::Exp(glif_core::rules::AscExp);
    c.init_asc = vec![1e-10, 0.0];
    let r = AnyModel::<f64>::new(&c)
        .unwrap()
        .run_result(&vec![1e-9; 4000]);
    assert!(matches!(
        r.end,
        RunEnd::Failed(glif_core::RunError::NonzeroAfterSpikeCurrents { .. })
    ));
    assert!(r.end.to_string().contains("AScurrents are not zero"));
    let spikes = glif_io::AnyPrecisionModel::new(&c, glif_io::Precision::F32)
        .unwrap()
        .run_spikes(&vec![1e-9; 4000]);
    assert!(matches!(spikes.end, RunEnd::Failed(_)));
}

#[test]
fn json_with_extra_keys_and_spikes_only() {
    let r = sample_result(true);
    let dir = scratch_dir("json_with");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
    };
    let write = |name: &str, extras: &ResultExtras<'_>| {
        let o = WriteOptions::default();
        write_result(&dir.join(name), Format::Json, &r, &o, extras)
    };
    let mut extras = ResultExtras::default();
    extras
        .keys
        .insert("run".into(), serde_json::json!({"dt": 5e-6}));
    write("all.json", &extras).unwrap();
    let v = read("all.json");
    assert_eq!(v["outcome"]["status"], "completed");
    assert_eq!(v["run"]["dt"], 5e-6);
    let plain: serde_json::Value =
        serde_json::from_str(&results_to_json_string(&r, &WriteOptions::default())).unwrap();
    for k in OUTPUT_KEYS {
        assert_eq!(v[k], plain[k], "{k}");
    }
    extras.spikes_only = true;
    write("s.json", &extras).unwrap();
    let s = read("s.json");
    assert!(s.get("voltage").is_none() && s.get("AScurrents").is_none());
    assert_eq!(
        s["interpolated_spike_times"],
        plain["interpolated_spike_times"]
    );
    // No clobbering, and no extra key may shadow an output (nothing written).
    assert!(write("s.json", &extras).is_err());
    extras.keys.insert("voltage".into(), serde_json::json!(1));
    let e = write("v.json", &extras).unwrap_err();
    assert!(e.to_string().contains("voltage"), "{e}");
    assert!(!dir.join("v.json").exists());
}

#[test]
fn run_iter_matches_run() {
    let path = reference_dir().join("configs/osb/566283540_neuron_config.json");
    let c = NeuronConfig::from_path(path, None)
        .unwrap()
        .with_dt(5e-6)
        .unwrap();
    let stim = stimulus::square(5e-6, 0.03, 0.002, 0.025, 6e-10).unwrap();
    for m in [
        AnyModel::<f64>::new(&c).unwrap(),
        AnyModel::<f64>::general(&c, &|x: f64| glif_core::Float::exp(x)).unwrap(),
    ] {
        let whole = m.run_result(&stim);
        let mut streamed = RunResult::new(2, stim.len());
        streamed.end = RunEnd::from(m.run_iter(stim.iter().copied(), &mut streamed));
        assert!(streamed.same_outputs(&whole));
        assert_eq!(streamed.end, whole.end);
    }
}
