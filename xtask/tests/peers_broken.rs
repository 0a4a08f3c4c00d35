//! `cargo xtask peers --smoke` fails when Brian2 or NEST cannot run under
//! `CI=true`, and when a side that imports breaks (exits 1, prints no JSON,
//! prints too few counts), everywhere; without CI a missing side is a
//! visible skip. Each test gives it a fake AllenSDK venv
//! (`GLIF_ALLENSDK_VENV`) whose `bin/python` answers `python -c "import
//! ..."` with a chosen status and runs a chosen body for bench_peers.py,
//! and reads the `xtask/peers` line of the report `cargo xtask ci` reads.
//! The xtask runs in its debug build (`GLIF_XTASK_PEERS_RELEASE` set: no
//! release re-run; nothing here is timed).

#![cfg(unix)]

mod common;

use common::{fake_venv, run_smoke};

/// (success, the report's outcome words for xtask/peers, stderr).
fn run(tag: &str, import_status: u8, body: &str, ci: bool) -> (bool, Vec<String>, String) {
    let venv = fake_venv(&format!("peers-{tag}"), import_status, body);
    let run = run_smoke(
        "peers",
        "GLIF_XTASK_PEERS_RELEASE",
        "xtask/peers",
        &venv,
        ci,
    );
    let outcomes = run
        .lines
        .iter()
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect();
    (run.success, outcomes, run.stderr)
}

#[test]
fn missing_brian2_and_nest_fail_under_ci_and_skip_outside() {
    let (ok, outcomes, stderr) = run("missing-ci", 1, "exit 1", true);
    assert!(!ok, "{stderr}");
    assert_eq!(outcomes, ["failed"], "{stderr}");
    assert!(
        stderr.contains("import brian2") && stderr.contains("import nest"),
        "{stderr}"
    );
    let (ok, outcomes, stderr) = run("missing", 1, "exit 1", false);
    assert!(ok, "{stderr}");
    assert_eq!(outcomes, ["skipped"], "{stderr}");
}

#[test]
fn a_side_that_imports_but_breaks_fails_everywhere() {
    for (tag, body, why) in [
        ("crash", "echo Traceback >&2; exit 1", "exited with"),
        ("silent", "echo hello", "no JSON line"),
        (
            "short",
            "echo '{\"seconds\": 0.5, \"cpu_seconds\": 0.5, \"counts\": [1, 2]}'",
            "64 counts",
        ),
    ] {
        let (ok, outcomes, stderr) = run(tag, 0, body, false);
        assert!(!ok, "{tag}: {stderr}");
        assert_eq!(outcomes, ["failed"], "{tag}: {stderr}");
        assert!(stderr.contains(why), "{tag}: {why} not in {stderr}");
    }
}
