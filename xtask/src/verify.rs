//! `cargo xtask verify`: every AllenSDK reference case (`reference/traces`)
//! run through glif-io (config loading, `AnyModel` run-time dispatch) and
//! glif-core in f64, twice: with numpy's exponentials (the values AllenSDK
//! itself used, `reference/numpy-exp.json`), where every output must be
//! bit-identical, and with libm's (the default), where spike steps must be
//! identical and values stay within glif-reference's tolerance table.
//!
//! In the numpy-exp mode every full trace is checked bit for bit through
//! the SHA-256 stored beside the (possibly strided) samples. The refusal
//! cases (AllenSDK raised; ours refuses the same config) compare what
//! AllenSDK computed before it raised. The cases are exactly those
//! `reference/traces/index.json` lists, and without a filter exactly that
//! many must run.
//!
//! One line per case, then `N passed, M failed`; exit status 1 on any
//! failure. Needs no Python and nothing outside this checkout.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::process::ExitCode;

use glif_core::RunError;
use glif_io::{AnyModel, NeuronConfig, Outcome, RunEnd, RunResult};
use glif_reference::tolerance::{self, ExpSource as Exp, Worst, LIBM_TOLERANCES};
use serde_json::Value;

use crate::verify_cases::*;

/// The worst difference of each output, in epsilons of the scale.
type PerOutput = BTreeMap<&'static str, Worst>;

/// Compares one output through the one tolerance table; appends problems.
fn compare(
    exp: Exp,
    name: &'static str,
    ours: &[f64],
    theirs: &[f64],
    worst: &mut PerOutput,
    problems: &mut Vec<String>,
) {
    match tolerance::compare(exp, name, ours, theirs) {
        Ok(w) => worst.entry(name).or_default().merge(w),
        Err(e) => problems.push(e),
    }
}

/// Compares one run with the case's stored outputs. Returns the worst
/// difference of each output.
fn check_outputs(case: &Value, out: &RunResult, exp: Exp, problems: &mut Vec<String>) -> PerOutput {
    let mut worst = PerOutput::new();
    let steps: Vec<usize> = case["spike_time_steps"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_u64())
                .map(|v| v as usize)
                .collect()
        })
        .unwrap_or_default();
    let ours_steps = out.spike_time_steps();
    if steps != ours_steps {
        let first = steps
            .iter()
            .zip(&ours_steps)
            .position(|(a, b)| a != b)
            .unwrap_or(steps.len().min(ours_steps.len()));
        problems.push(format!(
            "spike_time_steps differ: ours {} spikes, AllenSDK {}; first difference at spike {first} (ours {:?}, AllenSDK {:?})",
            ours_steps.len(),
            steps.len(),
            ours_steps.get(first),
            steps.get(first)
        ));
        return worst;
    }
    for (name, ours) in [
        ("grid_spike_times", out.grid_spike_times()),
        ("interpolated_spike_times", out.interpolated_spike_times()),
        (
            "interpolated_spike_voltage",
            out.interpolated_spike_voltage(),
        ),
        (
            "interpolated_spike_threshold",
            out.interpolated_spike_threshold(),
        ),
    ] {
        let mut theirs = numbers(&case[name]);
        // Interpolated values that depend on initial values the stored case
        // does not share (glif_reference::cases::int_init_as_float_init).
        let from = if name == "grid_spike_times" {
            0
        } else {
            glif_reference::cases::interpolated_from_spike(case).min(ours.len())
        };
        if ours[..from].iter().any(|x| !x.is_finite()) {
            problems.push(format!("{name}: not finite before spike {from}"));
        }
        theirs.drain(..from.min(theirs.len()));
        compare(exp, name, &ours[from..], &theirs, &mut worst, problems);
    }
    let stride = case["trace_stride"].as_u64().unwrap_or(1).max(1) as usize;
    let pick = |xs: &[f64]| xs.iter().step_by(stride).cloned().collect::<Vec<_>>();
    compare(
        exp,
        "voltage",
        &pick(&out.voltage),
        &numbers(&case["voltage"]),
        &mut worst,
        problems,
    );
    compare(
        exp,
        "threshold",
        &pick(&out.threshold),
        &numbers(&case["threshold"]),
        &mut worst,
        problems,
    );
    let theirs_asc: Vec<Vec<f64>> = case["AScurrents"]
        .as_array()
        .map(|a| a.iter().map(numbers).collect())
        .unwrap_or_default();
    let n = out.asc_count;
    for j in 0..n {
        let ours: Vec<f64> = (0..out.len())
            .step_by(stride)
            .map(|i| out.asc_row(i)[j])
            .collect();
        let theirs: Vec<f64> = theirs_asc
            .iter()
            .map(|r| r.get(j).copied().unwrap_or(f64::NAN))
            .collect();
        compare(exp, "AScurrents", &ours, &theirs, &mut worst, problems);
    }
    if theirs_asc.first().map(Vec::len).unwrap_or(n) != n {
        problems.push(format!("{n} currents, AllenSDK {}", theirs_asc[0].len()));
    }

    // In the numpy-exp mode every output is bit-identical over its full
    // length: the SHA-256 of each full trace (make_reference.py's
    // `trace_sha256`: f64 bits little-endian, AScurrents row by row, NaN
    // canonical) must be AllenSDK's. The samples above locate a difference;
    // this covers the samples a strided case does not store.
    if exp == Exp::Numpy {
        check_full_hashes(case, out, problems);
    }

    // Summaries over the full traces: NaN count, min and max within the
    // output's tolerance; the mean up to summation order (MEAN_RELATIVE).
    let summary = &case["summary"];
    let mut traces: Vec<(String, &str, Vec<f64>, &Value)> = vec![
        (
            "voltage".into(),
            "voltage",
            out.voltage.clone(),
            &summary["voltage"],
        ),
        (
            "threshold".into(),
            "threshold",
            out.threshold.clone(),
            &summary["threshold"],
        ),
    ];
    for j in 0..n {
        let col = (0..out.len()).map(|i| out.asc_row(i)[j]).collect();
        traces.push((
            format!("AScurrents[{j}]"),
            "AScurrents",
            col,
            &summary["AScurrents"][j],
        ));
    }
    for (name, output, xs, s) in traces {
        tolerance::check_summary(exp, &name, output, &xs, s, problems);
    }

    // Bad reset, and where the run stopped.
    let bad = case["bad_reset_flag"].as_bool().unwrap_or(false);
    match (bad, out.end) {
        (false, RunEnd::COMPLETED) | (true, RunEnd::Ended(Outcome::BadReset { .. })) => {}
        (_, end) => problems.push(format!("bad_reset_flag {bad}, but the run ended: {end}")),
    }
    tolerance::check_last_sample(case, &out.voltage, problems);
    worst
}

/// Compares the SHA-256 of our full voltage, threshold and AScurrents with
/// the stored hashes of AllenSDK's (`trace_sha256`).
fn check_full_hashes(case: &Value, out: &RunResult, problems: &mut Vec<String>) {
    let stored = &case["trace_sha256"];
    if !stored.is_object() {
        problems.push(
            "no trace_sha256 stored: the full traces cannot be checked (regenerate the case \
             with scripts/allensdk/make_reference.py --regen)"
                .into(),
        );
        return;
    }
    for (name, values) in [
        ("voltage", &out.voltage),
        ("threshold", &out.threshold),
        ("AScurrents", &out.asc),
    ] {
        let ours = glif_reference::trace_sha256(values.iter().copied());
        let theirs = stored[name].as_str().unwrap_or("");
        if ours != theirs {
            problems.push(format!(
                "{name}: the SHA-256 of our full trace ({} values) is not AllenSDK's: {} vs {}",
                values.len(),
                &ours[..12],
                theirs.get(..12).unwrap_or(theirs)
            ));
        }
    }
}

/// Whether two values are the same f64 (NaN equal to NaN).
fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// A run that AllenSDK ended by raising: what it computed before (the
/// stored `error_step` and `error_prefix`) against `out`, which must spike
/// (or fail) at `error_step` and hold the same samples before it, bit for
/// bit (`out` is a numpy-exp run).
fn check_error_prefix(
    case: &Value,
    out: &RunResult,
    ours_step: Option<usize>,
    problems: &mut Vec<String>,
) -> usize {
    let Some(step) = case["error_step"].as_u64().map(|s| s as usize) else {
        problems.push("no error_step stored (regenerate with make_reference.py --regen)".into());
        return 0;
    };
    if ours_step != Some(step) {
        problems.push(format!(
            "AllenSDK raised at step {step}, ours stops there at {ours_step:?}"
        ));
    }
    let prefix = &case["error_prefix"];
    let v = numbers(&prefix["voltage"]);
    let th = numbers(&prefix["threshold"]);
    let asc: Vec<Vec<f64>> = prefix["AScurrents"]
        .as_array()
        .map(|a| a.iter().map(numbers).collect())
        .unwrap_or_default();
    if v.len() != step || th.len() != step || asc.len() != step {
        problems.push(format!(
            "error_prefix holds {} samples, error_step is {step}",
            v.len()
        ));
        return 0;
    }
    if out.voltage.len() < step || out.threshold.len() < step || out.len() < step {
        problems.push(format!(
            "our run holds {} samples, fewer than {step}",
            out.voltage.len()
        ));
        return 0;
    }
    for i in 0..step {
        let row = out.asc_row(i);
        let same = same_bits(out.voltage[i], v[i])
            && same_bits(out.threshold[i], th[i])
            && row.len() == asc[i].len()
            && row.iter().zip(&asc[i]).all(|(a, b)| same_bits(*a, *b));
        if !same {
            problems.push(format!(
                "sample {i} before AllenSDK raised differs: ours v {:e} th {:e} asc {row:?}, AllenSDK v {:e} th {:e} asc {:?}",
                out.voltage[i], out.threshold[i], v[i], th[i], asc[i]
            ));
            return i;
        }
    }
    step
}

fn fmt_worst(w: &PerOutput) -> String {
    let one = |label: &str, outputs: &[&str]| {
        let mut m = Worst::default();
        for o in outputs {
            if let Some(x) = w.get(o) {
                m.merge(*x);
            }
        }
        if m.ulps == 0 {
            format!("{label} =")
        } else {
            format!("{label} {:.0}e/{}u", m.eps, m.ulps)
        }
    };
    format!(
        "{} {} {} {}",
        one("v", &["voltage"]),
        one("th", &["threshold"]),
        one("asc", &["AScurrents"]),
        one(
            "spk",
            &[
                "interpolated_spike_times",
                "interpolated_spike_voltage",
                "interpolated_spike_threshold"
            ]
        )
    )
}

/// The result of one case.
struct CaseResult {
    ok: bool,
    line: String,
    problems: Vec<String>,
    /// The libm run's worst difference per output (empty when not compared).
    libm_worst: PerOutput,
    /// A refusal case: AllenSDK raised, and ours refuses the same config
    /// (at load, or with a typed error); what AllenSDK computed before it
    /// raised is compared, and its error is the stored one.
    refusal: bool,
}

/// Loads the case's config through glif-io at the case's dt.
pub fn load_config(case: &Value) -> Result<NeuronConfig, String> {
    let dt = case["dt"].as_f64().ok_or("case without dt")?;
    NeuronConfig::from_value(&case["config"], None)
        .and_then(|c| c.with_dt(dt))
        .map_err(|e| e.to_string())
}

fn check_case(case: &Value, numpy: &NumpyExp) -> CaseResult {
    let mut problems = Vec::new();
    let fail = |problems: Vec<String>, line: String| CaseResult {
        ok: false,
        line,
        problems,
        libm_worst: PerOutput::new(),
        refusal: false,
    };
    let stim = match stimulus(case) {
        Ok(s) => s,
        Err(e) => return fail(vec![e], "stimulus".into()),
    };
    let config = load_config(case);
    let error = case["error"]["message"].as_str().unwrap_or("");

    // AllenSDK raised at the first spike (a three_components threshold
    // reset after inf threshold dynamics: no threshold history to reset).
    // We refuse that pairing at load. What AllenSDK computed before it
    // raised is compared: the same config with the inf threshold reset (a
    // reset rule enters no sample before the first spike) must spike at the
    // step where AllenSDK raised and match every sample before it.
    if error.contains("reset should never happen at the beginning") {
        let mut problems = Vec::new();
        match config.and_then(|c| AnyModel::<f64>::new(&c).map_err(|e| e.to_string())) {
            Err(e) if e.contains("three_components") => {}
            Err(e) => problems.push(format!("rejected for another reason: {e}")),
            Ok(_) => {
                problems.push("inf dynamics + three_components reset should be rejected".into())
            }
        }
        let mut before = case["config"].clone();
        before["threshold_reset_method"] = serde_json::json!({"name": "inf", "params": {}});
        let missing = Cell::new(0usize);
        let numpy_exp = |x: f64| {
            numpy.get(x).unwrap_or_else(|| {
                missing.set(missing.get() + 1);
                glif_core::Float::exp(x)
            })
        };
        let mut matched = 0;
        let dt = case["dt"].as_f64().unwrap_or(f64::NAN);
        match NeuronConfig::from_value(&before, None)
            .and_then(|c| c.with_dt(dt))
            .map_err(|e| e.to_string())
            .and_then(|c| AnyModel::<f64>::with_exp(&c, &numpy_exp).map_err(|e| e.to_string()))
        {
            Ok(m) => {
                let out = m.run_result(&stim);
                let first = out.spike_time_steps().first().copied();
                matched = check_error_prefix(case, &out, first, &mut problems);
            }
            Err(e) => problems.push(format!(
                "the config with an inf threshold reset does not load: {e}"
            )),
        }
        if missing.get() > 0 {
            problems.push(format!(
                "numpy exp: {} exp arguments not in reference/numpy-exp.json",
                missing.get()
            ));
        }
        return CaseResult {
            ok: problems.is_empty(),
            line: format!(
                "refusal: rejected at load; AllenSDK raised at step {} (its first spike), the {matched} samples before bit-identical",
                case["error_step"]
            ),
            problems,
            libm_worst: PerOutput::new(),
            refusal: true,
        };
    }
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            return fail(
                vec![format!("glif-io could not load the config: {e}")],
                String::new(),
            )
        }
    };

    // numpy's exp, recording any argument AllenSDK never evaluated.
    let missing = Cell::new(0usize);
    let numpy_exp = |x: f64| {
        numpy.get(x).unwrap_or_else(|| {
            missing.set(missing.get() + 1);
            glif_core::Float::exp(x)
        })
    };
    let models = (
        AnyModel::<f64>::with_exp(&config, &numpy_exp),
        AnyModel::<f64>::new(&config),
    );
    let (numpy_model, libm_model) = match models {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            return fail(
                vec![format!("glif-io could not build the model: {e}")],
                String::new(),
            )
        }
    };
    // An argument missing from the table is one AllenSDK's recorded run
    // never evaluated (a difference in the computation), or one
    // numpy_exp_table.py was not rerun for (cases added after the table).
    // Either way the bit-exact check cannot be made: the case fails.
    let numpy_out = numpy_model.run_result(&stim);
    let libm_out = libm_model.run_result(&stim);
    let missing = missing.get();
    if missing > 0 {
        problems.push(format!(
            "numpy exp: {missing} exp arguments are not in reference/numpy-exp.json, so the \
             bit-exact check cannot be made (regenerate it with scripts/allensdk/numpy_exp_table.py, \
             or find why ours evaluates an exp AllenSDK did not)"
        ));
    }

    // AllenSDK raised at a spike (after-spike currents nonzero under the
    // `none` reset); ours ends with the typed error at the same step, every
    // sample before it bit-identical to what AllenSDK computed.
    if error.contains("AScurrents are not zero") {
        return match (&numpy_out.end, &libm_out.end) {
            (
                RunEnd::Failed(RunError::NonzeroAfterSpikeCurrents { step }),
                RunEnd::Failed(RunError::NonzeroAfterSpikeCurrents { step: libm_step }),
            ) => {
                let step = *step;
                if *libm_step != step {
                    problems.push(format!(
                        "libm exp: typed error at step {libm_step}, numpy exp at {step}"
                    ));
                }
                let matched = check_error_prefix(case, &numpy_out, Some(step), &mut problems);
                CaseResult {
                    ok: problems.is_empty(),
                    line: format!(
                        "refusal: typed error NonzeroAfterSpikeCurrents at step {step}, AllenSDK raised there; the {matched} samples before bit-identical"
                    ),
                    problems,
                    libm_worst: PerOutput::new(),
                    refusal: true,
                }
            }
            (end, _) => fail(
                vec![format!(
                    "expected NonzeroAfterSpikeCurrents, run ended: {end}"
                )],
                String::new(),
            ),
        };
    }
    if !error.is_empty() {
        return fail(
            vec![format!("unhandled expected error {error:?}")],
            String::new(),
        );
    }

    let mut numpy_problems = Vec::new();
    let wn = check_outputs(case, &numpy_out, Exp::Numpy, &mut numpy_problems);
    let mut libm_problems = Vec::new();
    let wl = check_outputs(case, &libm_out, Exp::Libm, &mut libm_problems);
    problems.extend(numpy_problems.iter().map(|p| format!("numpy exp: {p}")));
    problems.extend(libm_problems.iter().map(|p| format!("libm exp: {p}")));
    let n = numpy_out.spikes.len();
    let exact = numpy_problems.is_empty() && wn.values().all(|w| w.ulps == 0);
    CaseResult {
        ok: problems.is_empty(),
        line: format!(
            "spikes {n:>3}{}  numpy-exp {}  libm: {}",
            if matches!(libm_out.end, RunEnd::Ended(Outcome::BadReset { .. })) {
                " +bad reset"
            } else {
                ""
            },
            if exact {
                "bit-identical".to_string()
            } else {
                fmt_worst(&wn)
            },
            fmt_worst(&wl)
        ),
        problems,
        libm_worst: wl,
        refusal: false,
    }
}

/// `cargo xtask verify [FILTER]`: runs the cases whose name contains FILTER
/// (all by default).
pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: cargo xtask verify [FILTER]\n  runs every reference case (or those whose name contains FILTER) through glif-io and glif-core and compares with AllenSDK 2.16.2");
        return ExitCode::SUCCESS;
    }
    let filter = args.first().map(String::as_str).unwrap_or("");
    // The committed index lists every case: a file it does not list, or a
    // listed case without its file, fails here.
    let (files, numpy) = match (
        glif_reference::indexed_case_files(),
        NumpyExp::load(&reference_dir()),
    ) {
        (Ok(f), Ok(n)) => (f, n),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("verify: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "verify: {} reference cases, as reference/traces/index.json lists (AllenSDK 2.16.2, numpy 1.23.5 AVX-512 exp); numpy-exp.json holds {} exp arguments, libm differs on {}",
        files.len(),
        numpy.len(),
        numpy.libm_differs()
    );
    println!("per case: spikes; numpy-exp run (must be bit-identical); libm run: max abs difference / max ulp of voltage, threshold, AScurrents, spike values ('=' identical)");
    let (mut passed, mut failed, mut refusals) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut libm_worst = PerOutput::new();
    for path in &files {
        let case = match load_case(path)
            .and_then(|c| glif_reference::cases::int_init_as_float_init(path, c))
        {
            Ok(c) => c,
            Err(e) => {
                println!("FAIL {}: {e}", path.display());
                failed += 1;
                continue;
            }
        };
        let name = case_name(&case);
        if !name.contains(filter) {
            continue;
        }
        let r = check_case(&case, &numpy);
        for (output, w) in &r.libm_worst {
            libm_worst.entry(output).or_default().merge(*w);
        }
        println!(
            "{} {name:<70} {}",
            if r.ok { "ok  " } else { "FAIL" },
            r.line
        );
        for p in &r.problems {
            println!("       {p}");
        }
        if r.ok {
            passed += 1;
            refusals += usize::from(r.refusal);
        } else {
            failed += 1;
            failures.push(name);
        }
    }
    println!("worst difference per output with libm's exp, over these cases (eps of the scale; the table in glif-reference/src/tolerance.rs):");
    for t in LIBM_TOLERANCES {
        let w = libm_worst.get(t.output).copied().unwrap_or_default();
        println!(
            "  {:<30} {:>10.0} eps (table: allowed {:.0}, measured {:.0})",
            t.output, w.eps, t.libm_eps, t.measured_eps
        );
    }
    if !failures.is_empty() {
        println!("failed: {}", failures.join(", "));
    }
    println!(
        "{passed} passed ({} compared with AllenSDK's outputs, every full trace bit-identical with numpy's exp; {refusals} refusal cases: AllenSDK raised, ours refuses, the samples before compared), {failed} failed",
        passed - refusals
    );
    // Without a filter every indexed case must have run and passed: the
    // exact count, so that a case silently not run fails too.
    let expected = files.len();
    if filter.is_empty() && passed + failed != expected {
        println!(
            "verify: {} cases ran, reference/traces/index.json lists {expected}",
            passed + failed
        );
        return ExitCode::FAILURE;
    }
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
