//! `cargo xtask compare-nest` fails when the NEST side fails (issue 20):
//! each test gives it a fake AllenSDK venv (`GLIF_ALLENSDK_VENV`) whose
//! `bin/python` imports `nest` fine but breaks the NEST run on purpose
//! (exits 1, prints garbage, prints no JSON, prints spikes that differ),
//! or cannot import `nest` at all under `CI=true`, and asserts a non-zero
//! exit and a `failed` line for `xtask/compare-nest` in the report file
//! `cargo xtask ci` reads. The xtask binary runs in its debug build
//! (`GLIF_XTASK_COMPARE_NEST_RELEASE` set: no release re-run; nothing here
//! is timed) on `--smoke` input (20 ms, 8 neurons).

#![cfg(unix)]

mod common;

use common::{fake_venv, run_smoke};

fn assert_fails(tag: &str, import_status: u8, body: &str, why: &str) {
    let venv = fake_venv(&format!("nest-{tag}"), import_status, body);
    let run = run_smoke(
        "compare-nest",
        "GLIF_XTASK_COMPARE_NEST_RELEASE",
        "xtask/compare-nest",
        &venv,
        true,
    );
    let (lines, stderr) = (&run.lines, &run.stderr);
    assert!(
        !run.success,
        "{tag}: compare-nest passed with a broken NEST side\n{stderr}"
    );
    assert_eq!(lines.len(), 1, "{tag}: one report line expected: {lines:?}");
    assert!(
        lines[0].starts_with("failed\t"),
        "{tag}: recorded as {:?}",
        lines[0]
    );
    assert!(
        lines[0].contains(why),
        "{tag}: {:?} should say {why:?}",
        lines[0]
    );
}

#[test]
fn nest_run_crashing_fails() {
    assert_fails(
        "crash",
        0,
        "echo 'Traceback: nest.NESTError' >&2; exit 1",
        "exited with exit status: 1",
    );
}

#[test]
fn nest_run_printing_bad_json_fails() {
    assert_fails(
        "badjson",
        0,
        "echo '{\"seconds\": [1.0,'; exit 0",
        "bad JSON",
    );
}

#[test]
fn nest_run_printing_no_json_fails() {
    assert_fails(
        "nojson",
        0,
        "echo 'NEST banner only'; exit 0",
        "no JSON line",
    );
}

#[test]
fn nest_spikes_that_differ_fail() {
    // Well-formed output whose spikes are not glif-core's.
    assert_fails(
        "differ",
        0,
        "echo '{\"seconds\":[1.0],\"cpu_seconds\":[1.0],\"repeats_agree\":true,\"spikes\":[[0,1]],\"nest_version\":\"3.10.0\"}'",
        "spikes differ",
    );
}

#[test]
fn nest_missing_under_ci_fails() {
    assert_fails("missing", 1, "exit 0", "`import nest` fails");
}
