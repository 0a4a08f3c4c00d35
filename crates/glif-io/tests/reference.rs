//! glif-io's run-time rules against AllenSDK 2.16.2: every reference case
//! glif-core's compiled levels do not cover (`glif_reference::cases::
//! is_compiled_level` is false: all rule combinations on GLIF5's parameters,
//! 0/1/3/4 after-spike currents on a GLIF5 and a GLIF3 model,
//! `linear_exact`), through `AnyModel`. With numpy's exponentials every
//! output must be bit-identical (an exp argument missing from the table
//! fails the test); with libm's, spike steps identical and every output
//! within its entry of the one tolerance table (`glif_reference::tolerance`).

mod common;

use common::*;
use glif_io::{AnyModel, ErrorKind, NeuronConfig, RunEnd, RunResult};
use glif_reference::tolerance::{self, ExpSource};
use serde_json::Value;

/// The cases glif-core's reference test leaves to this one.
fn cases() -> Vec<(std::path::PathBuf, Value)> {
    glif_reference::indexed_case_files()
        .expect("reference/traces, exactly as its index.json lists")
        .into_iter()
        .map(|p| {
            let case = load_case(&p);
            (p, case)
        })
        .filter(|(_, case)| !glif_reference::cases::is_compiled_level(&case["config"]))
        .collect()
}

fn config_of(case: &Value) -> NeuronConfig {
    NeuronConfig::from_value(&case["config"], None)
        .expect("config")
        .with_dt(case["dt"].as_f64().unwrap())
        .expect("dt")
}

fn stimulus_of(case: &Value) -> Vec<f64> {
    glif_reference::stimuli::stimulus(case).expect("stimulus")
}

/// Compares every output with `exp`'s bounds; returns the worst difference
/// in epsilons of the scale.
fn compare(label: &str, r: &RunResult, case: &Value, exp: ExpSource) -> f64 {
    let steps: Vec<usize> = case["spike_time_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(r.spike_time_steps(), steps, "{label}: spike_time_steps");
    assert_eq!(case["trace_stride"].as_u64(), Some(1));
    let asc_rows = case["AScurrents"].as_array().unwrap();
    let asc: Vec<f64> = asc_rows.iter().flat_map(numbers).collect();
    [
        ("voltage", r.voltage.clone(), numbers(&case["voltage"])),
        (
            "threshold",
            r.threshold.clone(),
            numbers(&case["threshold"]),
        ),
        ("AScurrents", r.asc.clone(), asc),
        (
            "grid_spike_times",
            r.grid_spike_times(),
            numbers(&case["grid_spike_times"]),
        ),
        (
            "interpolated_spike_times",
            r.interpolated_spike_times(),
            numbers(&case["interpolated_spike_times"]),
        ),
        (
            "interpolated_spike_voltage",
            r.interpolated_spike_voltage(),
            numbers(&case["interpolated_spike_voltage"]),
        ),
        (
            "interpolated_spike_threshold",
            r.interpolated_spike_threshold(),
            numbers(&case["interpolated_spike_threshold"]),
        ),
    ]
    .iter()
    .map(|(output, ours, theirs)| {
        tolerance::compare(exp, output, ours, theirs)
            .unwrap_or_else(|e| panic!("{label} ({exp:?} exp): {e}"))
            .eps
    })
    .fold(0.0, f64::max)
}

#[test]
fn every_combination_and_current_count_matches_allensdk() {
    let table = NumpyExp::load(&reference_dir()).expect("reference/numpy-exp.json");
    // A missing argument panics: the bit-exact check cannot be made.
    let numpy_exp = |x: f64| table.exp(x);
    let (mut compared, mut refused) = (0, 0);
    let cases = cases();
    for (_, case) in &cases {
        let label = glif_reference::case_name(case);
        let config = config_of(case);
        let stim = stimulus_of(case);
        let built = AnyModel::<f64>::new(&config);
        let allensdk_error = case["error"]["message"].as_str();
        match allensdk_error {
            Some(msg) if msg.contains("reset should never happen") => {
                // AllenSDK raises at the first spike; we refuse at build time
                // (`cargo xtask verify` compares the samples before it).
                let e = built.expect_err(&label);
                assert!(
                    matches!(e.kind, ErrorKind::IncompatibleRules { .. }),
                    "{label}: {e}"
                );
                let text = e.to_string();
                assert!(text.contains("threshold_reset_method"), "{text}");
                assert!(text.contains("reset should never happen"), "{text}");
                refused += 1;
            }
            Some(other) => panic!("{label}: unexpected AllenSDK error {other}"),
            None => {
                let model = built.unwrap_or_else(|e| panic!("{label}: {e}"));
                let compiled = config.level().filter(|_| config.asc_count() == 2);
                assert_eq!(model.level(), compiled, "{label}: compiled level chosen");
                // Bit-identical with numpy's exp.
                let exact = AnyModel::<f64>::with_exp(&config, &numpy_exp).expect("model");
                let r = exact.run_result(&stim);
                assert_eq!(r.end, RunEnd::COMPLETED, "{label}");
                let d = compare(&label, &r, case, ExpSource::Numpy);
                assert_eq!(
                    d, 0.0,
                    "{label}: with numpy's exp every output is bit-identical"
                );
                // The run-time rules give exactly what the compiled level gives.
                let general = AnyModel::<f64>::general(&config, &numpy_exp).expect("general");
                assert_eq!(general.level(), None);
                assert!(
                    general.run_result(&stim).same_outputs(&r),
                    "{label}: general == compiled"
                );
                // Default libm exp: every output within its table entry.
                compare(&label, &model.run_result(&stim), case, ExpSource::Libm);
                compared += 1;
            }
        }
    }
    assert_eq!(
        compared,
        34 + 40 + 8 + 1,
        "34 runnable forward-Euler combinations (the 40 less the 6 glif-core's reference test \
         compares as compiled levels), 40 runnable linear_exact combinations (AllenSDK's own \
         dynamics_voltage_linear_exact registered), 8 current counts (0, 1, 3, 4 on a GLIF5 \
         and a GLIF3 model), linear_exact registered"
    );
    assert_eq!(compared + refused, cases.len());
    assert_eq!(
        refused, 16,
        "td inf + tr three_components, under both voltage rules"
    );
}
