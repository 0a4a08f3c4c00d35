//! Models with rules supplied by the caller (`model_with_custom_rules`, what
//! the Python package's custom rules run through), and NWB sweeps run by the
//! caller (`simulate_neuron_each`).

use glif_core::rules::{AscExp, LinearForwardEuler, ThreeComponents, VBefore, VoltageZero};
use glif_core::Rules;
use glif_core::{Model, RuleSet};
use glif_io::{
    model_with_custom_rules, run_custom_rules_model, AnyModel, CustomModelRunner, NeuronConfig,
    RunResult,
};
use serde_json::json;

fn glif5() -> NeuronConfig {
    let path = glif_reference::reference_dir().join("configs/osb/566283540_neuron_config.json");
    NeuronConfig::from_path(&path, None)
        .unwrap()
        .with_dt(5e-6)
        .unwrap()
}

fn square(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if (300..5500).contains(&i) { 6e-10 } else { 0.0 })
        .collect()
}

fn run_builtin(config: &NeuronConfig, stim: &[f64]) -> RunResult {
    AnyModel::<f64>::new(config).unwrap().run_result(stim)
}

fn same(a: &RunResult, b: &RunResult) {
    let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.voltage), bits(&b.voltage));
    assert_eq!(bits(&a.threshold), bits(&b.threshold));
    assert_eq!(bits(&a.asc), bits(&b.asc));
    assert_eq!(a.spikes, b.spikes);
    assert_eq!(a.end, b.end);
}

/// glif-core's built-in rule types given as custom rules run exactly as the
/// config's same rules do: each family dispatches to the rule it holds.
#[test]
fn custom_rules_equal_to_the_builtins_give_the_builtin_run() {
    let config = glif5();
    let stim = square(6000);
    let want = run_builtin(&config, &stim);
    assert!(want.spikes.len() >= 2);
    let params = config.to_json();
    let vb = &params["voltage_reset_method"]["params"];
    let tr = &params["threshold_reset_method"]["params"];
    let custom = Rules {
        voltage: Some(LinearForwardEuler),
        threshold: None::<glif_core::rules::ThresholdInf>,
        asc: Some(AscExp),
        voltage_reset: Some(VBefore {
            a: vb["a"].as_f64().unwrap(),
            b: vb["b"].as_f64().unwrap(),
        }),
        threshold_reset: Some(ThreeComponents {
            a_spike: tr["a_spike"].as_f64().unwrap(),
            b_spike: tr["b_spike"].as_f64().unwrap(),
        }),
        asc_reset: None::<glif_core::rules::AscResetNone>,
    };
    let model =
        model_with_custom_rules::<f64, 2, _, _, _, _, _, _>(&config, custom, &f64::exp).unwrap();
    let mut got = RunResult::new(2, stim.len());
    got.end = model.run(&stim, &mut got).into();
    same(&got, &want);

    // A different custom voltage reset changes the run.
    let custom = Rules {
        voltage: None::<LinearForwardEuler>,
        threshold: None::<glif_core::rules::ThresholdInf>,
        asc: None::<AscExp>,
        voltage_reset: Some(VoltageZero),
        threshold_reset: None::<ThreeComponents<f64>>,
        asc_reset: None::<glif_core::rules::AscResetNone>,
    };
    let model =
        model_with_custom_rules::<f64, 2, _, _, _, _, _, _>(&config, custom, &f64::exp).unwrap();
    let mut other = RunResult::new(2, stim.len());
    other.end = model.run(&stim, &mut other).into();
    assert_ne!(other.spikes, want.spikes);
}

/// Custom rules with no family custom: every family the config's rule.
#[allow(clippy::type_complexity)]
fn no_custom_rule() -> Rules<
    Option<LinearForwardEuler>,
    Option<glif_core::rules::ThresholdInf>,
    Option<AscExp>,
    Option<VoltageZero>,
    Option<ThreeComponents<f64>>,
    Option<glif_core::rules::AscResetNone>,
> {
    Rules {
        voltage: None,
        threshold: None,
        asc: None,
        voltage_reset: None,
        threshold_reset: None,
        asc_reset: None,
    }
}

#[test]
fn wrong_current_count_and_bad_builtins_are_errors() {
    let config = glif5();
    let none = no_custom_rule();
    let e =
        model_with_custom_rules::<f64, 3, _, _, _, _, _, _>(&config, none, &f64::exp).unwrap_err();
    assert!(e.to_string().contains("asc_tau_array"), "{e}");
    // A `three_components` reset with `inf` dynamics, both built-in: refused
    // as for any config; with the threshold dynamics custom, accepted.
    let mut v = config.to_json();
    v["threshold_dynamics_method"] = json!({"name": "inf", "params": {}});
    let bad = NeuronConfig::from_value(&v, None).unwrap();
    let e = model_with_custom_rules::<f64, 2, _, _, _, _, _, _>(&bad, none, &f64::exp).unwrap_err();
    assert!(e.to_string().contains("threshold_reset_method"), "{e}");
    let custom_threshold = Rules {
        threshold: Some(glif_core::rules::ThresholdInf),
        ..none
    };
    assert!(
        model_with_custom_rules::<f64, 2, _, _, _, _, _, _>(&bad, custom_threshold, &f64::exp)
            .is_ok()
    );
}

/// A [`CustomModelRunner`] that runs the model it is handed over a stimulus and
/// says how many currents the model had.
struct RunOver<'a>(&'a [f64]);

impl CustomModelRunner<f64> for RunOver<'_> {
    type Output = (usize, RunResult);
    fn run<const N: usize, R: RuleSet<f64, N>>(self, model: Model<f64, N, R>) -> Self::Output {
        let mut got = RunResult::new(N, self.0.len());
        got.end = model.run(self.0, &mut got).into();
        (N, got)
    }
}

/// `run_custom_rules_model` builds the model for the config's own number of
/// currents (1 and 2 here), which runs as the built-in model does.
#[test]
fn run_custom_rules_model_builds_the_model_of_the_configs_current_count() {
    let stim = square(6000);
    let none = no_custom_rule();
    let two = glif5();
    let mut v = two.to_json();
    v["asc_tau_array"] = json!([v["asc_tau_array"][0]]);
    v["asc_amp_array"] = json!([v["asc_amp_array"][0]]);
    v["init_AScurrents"] = json!([0.0]);
    v["coeffs"]["asc_amp_array"] = json!([v["coeffs"]["asc_amp_array"][0]]);
    let r = &mut v["AScurrent_reset_method"]["params"]["r"];
    *r = json!([r[0]]);
    let one = NeuronConfig::from_value(&v, None).unwrap();
    for (config, n) in [(two, 2), (one, 1)] {
        let (got_n, got) =
            run_custom_rules_model(&config, none, &f64::exp, RunOver(&stim)).unwrap();
        assert_eq!(got_n, n);
        same(&got, &run_builtin(&config, &stim));
    }
}

#[cfg(feature = "nwb")]
mod nwb {
    use super::*;
    use glif_io::nwb::{
        simulate_neuron, simulate_neuron_each, NwbFile, SimulateError, SweepOptions,
    };
    use glif_reference::nwb_fixture::{standard_spec, test_dir, write_nwb};

    /// The caller's runs, one sweep at a time, write what simulate_neuron
    /// writes; stopping writes nothing and removes the copy.
    #[test]
    fn simulate_neuron_each_writes_what_simulate_neuron_writes() {
        let dir = test_dir("simulate_neuron_each");
        let input = dir.join("cell.nwb");
        write_nwb(&input, &standard_spec());
        let config = glif5();
        let options = SweepOptions::default();
        let sweeps = [1, 2, 10];
        let want = dir.join("want.nwb");
        let a = simulate_neuron(
            &input,
            Some(&want),
            false,
            &config,
            &sweeps,
            &options,
            &|_| {},
        )
        .unwrap();
        let got = dir.join("got.nwb");
        let mut seen = Vec::new();
        let b = simulate_neuron_each(&input, Some(&got), false, &sweeps, &options, &mut |sweep| {
            seen.push(sweep.number);
            let c = config.clone().with_dt(sweep.dt).unwrap();
            Some(Ok(run_builtin(&c, &sweep.stimulus)))
        })
        .unwrap();
        assert_eq!(seen, sweeps);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (x.number, x.samples, x.spikes, &x.error),
                (y.number, y.samples, y.spikes, &y.error)
            );
        }
        let (fa, fb) = (NwbFile::open(&want).unwrap(), NwbFile::open(&got).unwrap());
        for n in sweeps {
            assert_eq!(
                fa.read_response(n).unwrap(),
                fb.read_response(n).unwrap(),
                "sweep {n}"
            );
            assert_eq!(
                fa.read_spike_times(n).unwrap(),
                fb.read_spike_times(n).unwrap(),
                "sweep {n}"
            );
        }

        let stopped = dir.join("stopped.nwb");
        let mut calls = 0;
        let r = simulate_neuron_each(
            &input,
            Some(&stopped),
            false,
            &sweeps,
            &options,
            &mut |_| {
                calls += 1;
                None
            },
        );
        assert!(matches!(r, Err(SimulateError::Stopped)));
        assert_eq!(calls, 1);
        assert!(!stopped.exists());
    }
}
