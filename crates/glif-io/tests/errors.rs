//! Every error path names the file, the field or location, and the problem.

mod common;

use common::*;
use glif_io::{stimulus, AnyModel, ErrorKind, NeuronConfig, WriteOptions};
use serde_json::{json, Value};

fn base() -> Value {
    let path = reference_dir().join("configs/bmtk/637930677_lif_r_asc_a.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Loads a modified config from a file and returns the error text.
fn error_of(modify: impl FnOnce(&mut Value)) -> (ErrorKind, String) {
    let mut v = base();
    modify(&mut v);
    let dir = scratch_dir("errors");
    let path = dir.join("bad_config.json");
    std::fs::write(&path, v.to_string()).unwrap();
    let e = match NeuronConfig::from_path(&path, None) {
        Err(e) => e,
        Ok(c) => AnyModel::<f64>::new(&c).expect_err("must fail"),
    };
    let text = e.to_string();
    assert!(text.contains("bad_config.json"), "names the file: {text}");
    (e.kind, text)
}

fn has(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "{text:?} should mention {p:?}");
    }
}

#[test]
fn unknown_method_lists_valid_names() {
    let (k, t) =
        error_of(|v| v["threshold_dynamics_method"]["name"] = json!("three_component_exact"));
    assert!(matches!(k, ErrorKind::UnknownMethod { .. }));
    has(
        &t,
        &[
            "threshold_dynamics_method.name",
            "three_component_exact",
            "inf, spike_component, three_components_exact",
        ],
    );
}

#[test]
fn missing_fields() {
    let (_, t) = error_of(|v| {
        v.as_object_mut().unwrap().remove("R_input");
    });
    has(&t, &["R_input", "missing"]);
    let (_, t) = error_of(|v| {
        v["voltage_reset_method"]
            .as_object_mut()
            .unwrap()
            .remove("params");
    });
    has(&t, &["voltage_reset_method.params", "missing"]);
    let (_, t) = error_of(|v| {
        v["threshold_dynamics_method"]["params"]
            .as_object_mut()
            .unwrap()
            .remove("b_voltage");
    });
    has(
        &t,
        &["threshold_dynamics_method.params.b_voltage", "missing"],
    );
    let (_, t) = error_of(|v| {
        v.as_object_mut().unwrap().remove("th_adapt");
    });
    has(&t, &["th_adapt", "missing"]);
}

#[test]
fn wrong_array_lengths() {
    let (k, t) = error_of(|v| v["asc_amp_array"] = json!([1e-10, 2e-10, 3e-10]));
    assert!(matches!(
        k,
        ErrorKind::WrongLength {
            found: 3,
            expected: 2,
            ..
        }
    ));
    has(&t, &["asc_amp_array", "3 values", "expected 2"]);
    let (_, t) = error_of(|v| v["AScurrent_reset_method"]["params"]["r"] = json!([1.0]));
    has(&t, &["AScurrent_reset_method.params.r", "1 values"]);
    let (_, t) = error_of(|v| v["coeffs"]["asc_amp_array"] = json!([]));
    has(&t, &["coeffs.asc_amp_array"]);
    let (_, t) = error_of(|v| v["init_AScurrents"] = json!([0.0]));
    has(&t, &["init_AScurrents"]);
}

#[test]
fn non_positive_and_non_numeric_values() {
    let (_, t) = error_of(|v| v["C"] = json!(0.0));
    has(&t, &["C: found 0,", "> 0"]);
    let (_, t) = error_of(|v| v["asc_tau_array"] = json!([0.01, -0.003]));
    has(&t, &["asc_tau_array[1]", "> 0"]);
    let (_, t) = error_of(|v| v["dt"] = json!("5e-5"));
    has(&t, &["dt", "\"5e-5\"", "finite number"]);
    let (_, t) = error_of(|v| v["coeffs"]["C"] = json!(-1));
    has(&t, &["coeffs.C", "> 0"]);
    let (_, t) = error_of(|v| v["spike_cut_length"] = json!(2.5));
    has(&t, &["spike_cut_length", "2.5", "whole number"]);
    let (_, t) = error_of(|v| v["spike_cut_length"] = json!(-1));
    has(&t, &["spike_cut_length", "non-negative"]);
    let (_, t) = error_of(|v| v["init_AScurrents"] = json!([0.0, null]));
    has(&t, &["init_AScurrents[1]", "null"]);
}

#[test]
fn non_finite_values_and_f32_overflow() {
    // JSON cannot hold NaN; a huge exponent is a number out of range.
    let e = NeuronConfig::from_json_str(r#"{"El": 1e999}"#, None).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Syntax { .. }), "{e}");
    let mut c = NeuronConfig::from_value(&base(), None).unwrap();
    c.el = f64::NAN;
    let t = AnyModel::<f64>::new(&c).unwrap_err().to_string();
    has(&t, &["El", "finite"]);
    let mut c = NeuronConfig::from_value(&base(), None).unwrap();
    c.r_input = 1e39;
    assert!(AnyModel::<f64>::new(&c).is_ok());
    let t = AnyModel::<f32>::new(&c).unwrap_err().to_string();
    has(&t, &["R_input", "1e+39", "f32"]);
    assert!(c
        .clone()
        .with_dt(f64::INFINITY)
        .unwrap_err()
        .to_string()
        .contains("dt"));
    assert!(c.with_dt(-1.0).unwrap_err().to_string().contains("> 0"));
}

#[test]
fn params_that_do_not_fit_the_rule() {
    let (k, t) = error_of(|v| v["voltage_reset_method"]["params"]["c"] = json!(1.0));
    assert!(matches!(k, ErrorKind::UnexpectedParam { .. }));
    has(&t, &["voltage_reset_method.params.c", "v_before", "a, b"]);
    let (_, t) = error_of(|v| v["voltage_dynamics_method"]["params"] = json!({"x": 1}));
    has(&t, &["voltage_dynamics_method.params.x", "no parameters"]);
    // glif-core's check: b_voltage*coeffs.b == G/C makes three_components_exact singular.
    let (_, t) = error_of(|v| {
        let g = 1.0 / v["R_input"].as_f64().unwrap();
        let c = v["C"].as_f64().unwrap();
        v["threshold_dynamics_method"]["params"]["b_voltage"] = json!(g / c);
        v["coeffs"]["b"] = json!(1.0);
        v["coeffs"]["G"] = json!(1.0);
        v["coeffs"]["C"] = json!(1.0);
    });
    has(
        &t,
        &[
            "threshold_dynamics_method.params.b_voltage",
            "b_voltage*coeffs.b != G*coeffs.G/(C*coeffs.C)",
        ],
    );
    // Rules that cannot run together.
    let (k, t) =
        error_of(|v| v["threshold_dynamics_method"] = json!({"name": "inf", "params": {}}));
    assert!(matches!(k, ErrorKind::IncompatibleRules { .. }));
    has(&t, &["threshold_reset_method", "three_components", "'inf'"]);
    // Too many currents.
    let (_, t) = error_of(|v| {
        let five = json!([0.01, 0.01, 0.01, 0.01, 0.01]);
        v["asc_tau_array"] = five.clone();
        v["asc_amp_array"] = five.clone();
        v["init_AScurrents"] = five.clone();
        v["coeffs"]["asc_amp_array"] = five.clone();
        v["AScurrent_reset_method"]["params"]["r"] = five;
    });
    has(&t, &["asc_tau_array", "5 after-spike currents", "0 to 4"]);
}

#[test]
fn syntax_errors_have_line_and_column() {
    let dir = scratch_dir("syntax");
    let path = dir.join("broken.json");
    std::fs::write(&path, "{\n  \"El\": 0.0,\n  \"C\": ,\n}").unwrap();
    let e = NeuronConfig::from_path(&path, None).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Syntax { line: 3, .. }), "{e}");
    has(&e.to_string(), &["broken.json", "line 3, column"]);
    let e = NeuronConfig::from_path(dir.join("absent.json"), None).unwrap_err();
    has(&e.to_string(), &["absent.json"]);
}

#[test]
fn keyed_files_choose_by_id() {
    let one = base();
    let two = json!({"111": one.clone(), "222": one.clone()});
    let e = NeuronConfig::from_value(&two, None).unwrap_err();
    has(&e.to_string(), &["111, 222", "choose"]);
    let e = NeuronConfig::from_value(&two, Some("333")).unwrap_err();
    has(&e.to_string(), &["\"333\"", "111, 222"]);
    let c = NeuronConfig::from_value(&two, Some("222")).unwrap();
    assert_eq!(c.model_id.as_deref(), Some("222"));
    let e = NeuronConfig::from_value(&one, Some("222")).unwrap_err();
    has(&e.to_string(), &["bare config"]);
    let mut bad = one.clone();
    bad["C"] = json!(-1.0);
    let e = NeuronConfig::from_value(&json!({"999": bad}), None).unwrap_err();
    has(&e.to_string(), &["model 999", "C"]);
}

#[test]
fn unknown_extra_keys_are_accepted() {
    let mut v = base();
    v["some_future_key"] = json!({"anything": [1, 2]});
    v["coeffs"]["unused"] = json!(3);
    let c = NeuronConfig::from_value(&v, None).unwrap();
    assert_eq!(c.to_json()["some_future_key"], v["some_future_key"]);
    assert_eq!(c.to_json()["coeffs"]["unused"], 3);
}

#[test]
fn stimulus_errors() {
    let dir = scratch_dir("stim");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let read = |p| stimulus::read_stimulus(p, &stimulus::StimulusOptions::default());
    let e = read(write("s.json", b"[0.0, 1e-10, null]")).unwrap_err();
    has(&e.to_string(), &["s.json", "[2]", "null"]);
    let e = read(write("e.json", b"[]")).unwrap_err();
    has(&e.to_string(), &["e.json", "empty"]);
    let e = read(write("s.txt", b"current\n0.0\n1e-10\nnan\n")).unwrap_err();
    has(&e.to_string(), &["s.txt", "line 4", "NaN"]);
    let e = read(write("s.csv", b"0.0\n1e-10,2\n")).unwrap_err();
    has(&e.to_string(), &["line 2", "columns"]);
    let e = read(write("b.csv", b"0.0\nabc\n")).unwrap_err();
    has(&e.to_string(), &["line 2", "not a number"]);
    let e = read(write("i.txt", b"inf\n")).unwrap_err();
    has(&e.to_string(), &["line 1", "inf"]);
    let mut npy = Vec::new();
    glif_io::formats::write_npy_f64(&mut npy, &[3], &[0.0, f64::INFINITY, 1.0]);
    let e = read(write("s.npy", &npy)).unwrap_err();
    has(&e.to_string(), &["s.npy", "[1]", "inf"]);
    let e = read(write("t.npy", &npy[..npy.len() - 3])).unwrap_err();
    has(&e.to_string(), &["t.npy", "truncated"]);
    let e = stimulus::square(0.0, 1.0, 0.0, 1.0, 1e-10).unwrap_err();
    has(&e.to_string(), &["dt"]);
    let e = stimulus::square(5e-6, 1e9, 0.0, 1.0, 1e-10).unwrap_err();
    has(&e.to_string(), &["duration", "more than"]);
    let e = stimulus::held_noise(5e-6, 0.1, 0.0, 0.0, 0.0, 1e-10, 1).unwrap_err();
    has(&e.to_string(), &["hold"]);
}

#[test]
fn writing_never_overwrites_unless_asked() {
    let dir = scratch_dir("nooverwrite");
    let path = dir.join("out.json");
    std::fs::write(&path, "precious").unwrap();
    let r = glif_io::RunResult::new(2, 0);
    let e = glif_io::formats::write_json(&path, &r, &WriteOptions::default()).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Exists));
    has(&e.to_string(), &["out.json", "already exists"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
    let opts = WriteOptions {
        overwrite: true,
        ..Default::default()
    };
    glif_io::formats::write_json(&path, &r, &opts).unwrap();
    assert_ne!(std::fs::read_to_string(&path).unwrap(), "precious");
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp-")
        })
        .collect();
    assert!(leftovers.is_empty());
    // A folder that does not exist: an error naming it, nothing created.
    let e = glif_io::formats::write_json(dir.join("no/such/dir/x.json"), &r, &opts).unwrap_err();
    has(&e.to_string(), &["no/such/dir"]);
}

/// A stimulus file that needs a choice says what is wrong in the library's
/// terms and says what would fix it as a `Fix`, which each front end words
/// as its own flag or keyword (the CLI's golden test checks its wording).
#[test]
fn stimulus_errors_carry_their_fix_and_name_no_flag() {
    let dir = scratch_dir("fix");
    let table = dir.join("two.csv");
    std::fs::write(&table, "low,high\n0.0,0.0\n1e-10,2e-10\n").unwrap();
    let e = glif_io::read_stimulus(&table, &glif_io::StimulusOptions::default()).unwrap_err();
    assert_eq!(e.fix(), Some(glif_io::Fix::ChooseColumn), "{e}");
    let timed = dir.join("timed.csv");
    std::fs::write(
        &timed,
        "time_s,current_A\n0.0,0.0\n5e-5,1e-10\n1e-4,1e-10\n",
    )
    .unwrap();
    let options = stimulus::StimulusOptions {
        dt: Some(5e-6),
        ..Default::default()
    };
    let e = glif_io::read_stimulus(&timed, &options).unwrap_err();
    assert!(
        matches!(e.fix(), Some(glif_io::Fix::UseDt(dt)) if (dt - 5e-5).abs() < 1e-12),
        "{e}"
    );
    let e2 = glif_io::read_stimulus(&table, &glif_io::StimulusOptions::default()).unwrap_err();
    for m in [e.to_string(), e2.to_string()] {
        assert!(!m.contains("--") && !m.contains("(glif"), "{m}");
    }
}
