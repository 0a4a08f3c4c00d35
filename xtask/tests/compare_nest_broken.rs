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

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh folder with `bin/python` = `script` (a shell script), which
/// answers `python -c "import nest"` with `import_status` and runs `body`
/// for anything else (the bench_nest.py run).
fn fake_venv(tag: &str, import_status: u8, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glif-fake-venv-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).expect("create the fake venv");
    let python = dir.join("bin/python");
    let script =
        format!("#!/bin/sh\nif [ \"$1\" = \"-c\" ]; then exit {import_status}; fi\n{body}\n");
    std::fs::write(&python, script).expect("write the fake python");
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755))
        .expect("make it executable");
    dir
}

/// Runs `compare-nest --smoke` with the fake venv under `CI=true`; returns
/// (success, the report's lines for xtask/compare-nest, stderr).
fn run(venv: &Path) -> (bool, Vec<String>, String) {
    let report = venv.join("env-checks.tsv");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["compare-nest", "--smoke"])
        .env("GLIF_ALLENSDK_VENV", venv)
        .env("GLIF_XTASK_COMPARE_NEST_RELEASE", "1")
        .env("GLIF_ENV_REPORT", &report)
        .env("CI", "true")
        .output()
        .expect("run xtask");
    let lines = std::fs::read_to_string(&report)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("xtask/compare-nest\t"))
        .map(String::from)
        .collect();
    let _ = std::fs::remove_dir_all(venv);
    (
        out.status.success(),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_fails(tag: &str, import_status: u8, body: &str, why: &str) {
    let (ok, lines, stderr) = run(&fake_venv(tag, import_status, body));
    assert!(
        !ok,
        "{tag}: compare-nest passed with a broken NEST side\n{stderr}"
    );
    assert_eq!(lines.len(), 1, "{tag}: one report line expected: {lines:?}");
    assert!(
        lines[0].starts_with("xtask/compare-nest\tfailed\t"),
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
