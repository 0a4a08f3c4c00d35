//! Test support: loads the repository's AllenSDK reference cases
//! (`reference/traces`, see `reference/README.md`) and builds the five
//! published levels from their configs. Test-only: the real config loader is
//! glif-io's.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use glif_core::levels::*;
use glif_core::rules::*;
use glif_core::*;
#[allow(unused_imports)] // not every test binary that includes `common` uses each
pub use glif_reference::{numbers, reference_dir, ulps, NumpyExp};
use serde_json::Value;

/// Every case file under reference/traces, sorted, after checking that they are exactly the cases
/// `reference/traces/index.json` lists (a file it does not list, or a
/// listed case without its file, panics).
pub fn case_files() -> Vec<PathBuf> {
    glif_reference::indexed_case_files().unwrap_or_else(|e| panic!("{e}"))
}

/// A reference case.
pub fn load_case(path: &Path) -> Value {
    glif_reference::load_case(path).unwrap_or_else(|e| panic!("{e}"))
}

/// A case's stimulus, checked against its stored checks.
pub fn stimulus(case: &Value) -> Vec<f64> {
    glif_reference::stimuli::stimulus(case).unwrap_or_else(|e| panic!("{e}"))
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing or not a number"))
}

fn arr2(v: &Value, key: &str) -> [f64; 2] {
    let a = v[key].as_array().unwrap_or_else(|| panic!("{key}"));
    assert_eq!(a.len(), 2, "{key} length");
    [a[0].as_f64().expect("num"), a[1].as_f64().expect("num")]
}

/// The parameters of a config dict (2 after-spike currents) at time step `dt`.
pub fn param_spec(config: &Value, dt: f64) -> ParamSpec<f64, 2> {
    let coeffs = &config["coeffs"];
    let c = |k: &str| coeffs.get(k).and_then(Value::as_f64).unwrap_or(1.0);
    ParamSpec {
        el: f(config, "El"),
        dt,
        r_input: f(config, "R_input"),
        c: f(config, "C"),
        asc_tau: arr2(config, "asc_tau_array"),
        asc_amp: arr2(config, "asc_amp_array"),
        spike_cut_length: config["spike_cut_length"].as_f64().expect("cut") as u32,
        th_inf: f(config, "th_inf"),
        th_adapt: config["th_adapt"].as_f64(),
        coeffs: Coeffs {
            th_inf: c("th_inf"),
            c: c("C"),
            g: c("G"),
            a: c("a"),
            b: c("b"),
            asc_amp: if coeffs.get("asc_amp_array").is_some() {
                arr2(coeffs, "asc_amp_array")
            } else {
                [1.0, 1.0]
            },
        },
        init_voltage: f(config, "init_voltage"),
        init_threshold: f(config, "init_threshold"),
        init_asc: arr2(config, "init_AScurrents"),
    }
}

pub fn threshold_params(p: &Value) -> (f64, f64, f64, f64) {
    (
        f(p, "a_spike"),
        f(p, "b_spike"),
        f(p, "a_voltage"),
        f(p, "b_voltage"),
    )
}

/// All outputs of a run, in f64.
#[derive(Debug, Default, Clone)]
pub struct Outputs {
    pub voltage: Vec<f64>,
    pub threshold: Vec<f64>,
    pub asc: Vec<[f64; 2]>,
    pub spikes: Vec<Spike<f64>>,
    pub outcome: Option<Outcome>,
    pub error: Option<RunError>,
}

impl<F: Float> Recorder<F, 2> for Outputs {
    fn sample(&mut self, _i: usize, v: F, th: F, asc: &[F; 2]) {
        self.voltage.push(v.to_f64());
        self.threshold.push(th.to_f64());
        self.asc.push([asc[0].to_f64(), asc[1].to_f64()]);
    }
    fn spike(&mut self, s: &Spike<F>) {
        self.spikes.push(s.to_f64());
    }
}

/// Which exp the models use.
#[derive(Clone, Copy)]
pub enum ExpSource<'a> {
    Libm,
    Numpy(&'a NumpyExp),
}

fn finish<F: Float, R: RuleSet<F, 2>>(model: &Model<F, 2, R>, stim: &[F]) -> Outputs {
    let mut out = Outputs::default();
    match model.run(stim, &mut out) {
        Ok(o) => out.outcome = Some(o),
        Err(e) => out.error = Some(e),
    }
    out
}

/// Runs one of the five published levels, chosen by the config's method
/// names, in precision `F`. Returns None for other rule combinations.
pub fn run_level<F: Float>(config: &Value, dt: f64, stim: &[f64]) -> Option<(u8, Outputs)> {
    run_level_with::<F>(config, dt, stim, ExpSource::Libm)
}

/// As [`run_level`], with the exponentials from `source`.
pub fn run_level_with<F: Float>(
    config: &Value,
    dt: f64,
    stim: &[f64],
    source: ExpSource<'_>,
) -> Option<(u8, Outputs)> {
    let exp = move |x: F| match source {
        ExpSource::Libm => x.exp(),
        ExpSource::Numpy(table) => {
            // A missing argument panics: ours differs from AllenSDK's.
            F::from_f64(table.exp(x.to_f64()))
        }
    };
    let two = |key: &str| config[key].as_array().map(Vec::len) == Some(2);
    if !(two("asc_tau_array") && two("asc_amp_array") && two("init_AScurrents")) {
        return None;
    }
    let params = params::<F>(config, dt);
    let stim: Vec<F> = stim.iter().map(|&x| F::from_f64(x)).collect();
    let name = |key: &str| config[key]["name"].as_str().expect("method name");
    if name("voltage_dynamics_method") != "linear_forward_euler" {
        return None;
    }
    let rules = (
        name("threshold_dynamics_method"),
        name("AScurrent_dynamics_method"),
        name("voltage_reset_method"),
        name("threshold_reset_method"),
        name("AScurrent_reset_method"),
    );
    match rules {
        ("inf", "none", "zero", "inf", "none") => {
            let m: Glif1<F, 2> = Model::with_exp(params, glif1_rules(), &exp).expect("model");
            Some((1, finish(&m, &stim)))
        }
        // The asc_reset_none_raises case: GLIF1 with exp current dynamics.
        ("inf", "exp", "zero", "inf", "none") => {
            let rules = Rules {
                voltage: LinearForwardEuler,
                threshold: ThresholdInf,
                asc: AscExp,
                voltage_reset: VoltageZero,
                threshold_reset: ThresholdResetInf,
                asc_reset: AscResetNone,
            };
            let m = Model::with_exp(params, rules, &exp).expect("model");
            Some((1, finish(&m, &stim)))
        }
        ("spike_component", "none", "v_before", "three_components", "none") => {
            let m: Glif2<F, 2> = Model::with_exp(params, glif2_rules(config), &exp).expect("model");
            Some((2, finish(&m, &stim)))
        }
        ("inf", "exp", "zero", "inf", "sum") => {
            let m: Glif3<F, 2> = Model::with_exp(params, glif3_rules(config), &exp).expect("model");
            Some((3, finish(&m, &stim)))
        }
        ("spike_component", "exp", "v_before", "three_components", "sum") => {
            let m: Glif4<F, 2> = Model::with_exp(params, glif4_rules(config), &exp).expect("model");
            Some((4, finish(&m, &stim)))
        }
        ("three_components_exact", "exp", "v_before", "three_components", "sum") => {
            let m: Glif5<F, 2> = Model::with_exp(params, glif5_rules(config), &exp).expect("model");
            Some((5, finish(&m, &stim)))
        }
        _ => None,
    }
}

/// `ParamSpec` in precision `F`.
pub fn params<F: Float>(config: &Value, dt: f64) -> Params<F, 2> {
    let s = param_spec(config, dt);
    let cv = |x: f64| F::from_f64(x);
    Params::new(ParamSpec {
        el: cv(s.el),
        dt: cv(s.dt),
        r_input: cv(s.r_input),
        c: cv(s.c),
        asc_tau: s.asc_tau.map(cv),
        asc_amp: s.asc_amp.map(cv),
        spike_cut_length: s.spike_cut_length,
        th_inf: cv(s.th_inf),
        th_adapt: s.th_adapt.map(cv),
        coeffs: Coeffs {
            th_inf: cv(s.coeffs.th_inf),
            c: cv(s.coeffs.c),
            g: cv(s.coeffs.g),
            a: cv(s.coeffs.a),
            b: cv(s.coeffs.b),
            asc_amp: s.coeffs.asc_amp.map(cv),
        },
        init_voltage: cv(s.init_voltage),
        init_threshold: cv(s.init_threshold),
        init_asc: s.init_asc.map(cv),
    })
    .expect("valid params")
}

fn cv<F: Float>(x: f64) -> F {
    F::from_f64(x)
}

fn v_before<F: Float>(config: &Value) -> VBefore<F> {
    let p = &config["voltage_reset_method"]["params"];
    VBefore {
        a: cv(f(p, "a")),
        b: cv(f(p, "b")),
    }
}

fn three_components<F: Float>(config: &Value) -> ThreeComponents<F> {
    let p = &config["threshold_reset_method"]["params"];
    ThreeComponents {
        a_spike: cv(f(p, "a_spike")),
        b_spike: cv(f(p, "b_spike")),
    }
}

fn sum<F: Float>(config: &Value) -> Sum<F, 2> {
    Sum {
        r: arr2(&config["AScurrent_reset_method"]["params"], "r").map(cv),
    }
}

fn spike_component<F: Float>(config: &Value) -> SpikeComponent<F> {
    let (a_spike, b_spike, a_voltage, b_voltage) =
        threshold_params(&config["threshold_dynamics_method"]["params"]);
    SpikeComponent {
        a_spike: cv(a_spike),
        b_spike: cv(b_spike),
        a_voltage: cv(a_voltage),
        b_voltage: cv(b_voltage),
    }
}

/// The GLIF1 rules (they have no parameters).
pub fn glif1_rules() -> levels::Glif1Rules {
    levels::glif1()
}

/// The GLIF2 rules of a GLIF2 config.
pub fn glif2_rules<F: Float>(config: &Value) -> levels::Glif2Rules<F> {
    levels::glif2(
        spike_component(config),
        v_before(config),
        three_components(config),
    )
}

/// The GLIF3 rules of a GLIF3 config.
pub fn glif3_rules<F: Float>(config: &Value) -> levels::Glif3Rules<F, 2> {
    levels::glif3(sum(config))
}

/// The GLIF4 rules of a GLIF4 config.
pub fn glif4_rules<F: Float>(config: &Value) -> levels::Glif4Rules<F, 2> {
    levels::glif4(
        spike_component(config),
        v_before(config),
        three_components(config),
        sum(config),
    )
}

/// The GLIF5 rules of a GLIF5 config.
pub fn glif5_rules<F: Float>(config: &Value) -> levels::Glif5Rules<F, 2> {
    let (a_spike, b_spike, a_voltage, b_voltage) =
        threshold_params(&config["threshold_dynamics_method"]["params"]);
    let threshold = ThreeComponentsExact {
        a_spike: cv(a_spike),
        b_spike: cv(b_spike),
        a_voltage: cv(a_voltage),
        b_voltage: cv(b_voltage),
    };
    levels::glif5(
        threshold,
        v_before(config),
        three_components(config),
        sum(config),
    )
}

/// A config file of reference/configs, unwrapped if keyed by model id.
pub fn config_file(rel: &str) -> Value {
    glif_reference::config_file(rel).unwrap_or_else(|e| panic!("{e}"))
}
