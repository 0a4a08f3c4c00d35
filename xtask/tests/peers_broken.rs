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

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fake_venv(tag: &str, import_status: u8, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glif-peers-venv-{tag}-{}", std::process::id()));
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

/// (success, the report's outcome words for xtask/peers, stderr).
fn run(venv: &Path, ci: bool) -> (bool, Vec<String>, String) {
    let report = venv.join("env-checks.tsv");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["peers", "--smoke"])
        .env("GLIF_ALLENSDK_VENV", venv)
        .env("GLIF_XTASK_PEERS_RELEASE", "1")
        .env("GLIF_ENV_REPORT", &report)
        .env("CI", if ci { "true" } else { "" })
        .output()
        .expect("run xtask");
    let outcomes = std::fs::read_to_string(&report)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("xtask/peers\t"))
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect();
    let _ = std::fs::remove_dir_all(venv);
    (
        out.status.success(),
        outcomes,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn missing_brian2_and_nest_fail_under_ci_and_skip_outside() {
    let (ok, outcomes, stderr) = run(&fake_venv("missing-ci", 1, "exit 1"), true);
    assert!(!ok, "{stderr}");
    assert_eq!(outcomes, ["failed"], "{stderr}");
    assert!(
        stderr.contains("import brian2") && stderr.contains("import nest"),
        "{stderr}"
    );
    let (ok, outcomes, stderr) = run(&fake_venv("missing", 1, "exit 1"), false);
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
        let (ok, outcomes, stderr) = run(&fake_venv(tag, 0, body), false);
        assert!(!ok, "{tag}: {stderr}");
        assert_eq!(outcomes, ["failed"], "{tag}: {stderr}");
        assert!(stderr.contains(why), "{tag}: {why} not in {stderr}");
    }
}
