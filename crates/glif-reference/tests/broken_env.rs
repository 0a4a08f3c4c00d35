//! A deliberately broken or missing AllenSDK environment makes every
//! environment check fail in CI, with `CI=true` and `CI=1` alike, and a
//! broken one fails outside CI too: never "ran", never a quiet skip.
//!
//! Each check is run in a child process (this test binary again, with the
//! test `child_asks_for_the_environment`), so that `GLIF_ALLENSDK_VENV`,
//! `CI` and `GLIF_ENV_REPORT` are the child's own. The Python package check
//! (`scripts/python/test_package.sh`) is run with the same broken
//! environments; it fails at its probe, before building anything.

use std::path::{Path, PathBuf};
use std::process::Command;

use glif_reference::env::{read_report, CHECKS, REPORT_VAR};
use glif_reference::scratch_dir;

/// Set in the child: the check it asks `env::python` for.
const CHILD: &str = "GLIF_BROKEN_ENV_CHILD";

/// A working Python to build the fakes on: the real environment's when it
/// exists, else `python3` from PATH. The fakes break it on purpose, so
/// which one does not matter.
fn base_python() -> String {
    let real = glif_reference::env::venv_dir().join("bin/python");
    if real.is_file() {
        real.display().to_string()
    } else {
        "python3".to_string()
    }
}

/// A fake environment `<dir>/<name>/bin/python` running `script`.
fn fake_venv(dir: &Path, name: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let venv = dir.join(name);
    std::fs::create_dir_all(venv.join("bin")).unwrap();
    let python = venv.join("bin/python");
    std::fs::write(&python, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    venv
}

/// The broken environments: a Python that does not run, one whose
/// `import allensdk` fails, one whose `import numpy` fails.
fn broken_venvs(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let py = base_python();
    // `python -c CODE`: CODE runs after the module is made unimportable
    // (a None entry in sys.modules makes `import` raise ImportError).
    let without = |module: &str| {
        format!(
            "exec '{py}' -c \"import sys; sys.modules['{module}'] = None; exec(sys.argv[1])\" \"$2\""
        )
    };
    vec![
        (
            "python that does not run",
            fake_venv(dir, "dead", "echo 'broken on purpose' >&2; exit 1"),
        ),
        (
            "allensdk import fails",
            fake_venv(dir, "no-allensdk", &without("allensdk")),
        ),
        (
            "numpy import fails",
            fake_venv(dir, "no-numpy", &without("numpy")),
        ),
    ]
}

/// Runs `env::python(check)` in a child with `venv` and `ci` (None: `CI`
/// unset); whether the child succeeded and the outcome it recorded.
fn ask(check: &str, venv: &Path, ci: Option<&str>, report: &Path) -> (bool, String) {
    let _ = std::fs::remove_file(report);
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_asks_for_the_environment", "--nocapture"])
        .env(CHILD, check)
        .env("GLIF_ALLENSDK_VENV", venv)
        .env(REPORT_VAR, report)
        .env_remove("CI");
    if let Some(v) = ci {
        cmd.env("CI", v);
    }
    let out = cmd.output().unwrap();
    let entries = read_report(report);
    assert!(
        entries.len() <= 1,
        "{check}: more than one report line: {entries:?}"
    );
    let outcome = entries
        .first()
        .map(|e| {
            assert_eq!(e.check, check);
            e.outcome.clone()
        })
        .unwrap_or_default();
    (out.status.success(), outcome)
}

/// The child's side: asks for the environment as every check does.
#[test]
fn child_asks_for_the_environment() {
    let Ok(check) = std::env::var(CHILD) else {
        return; // run directly: nothing to do
    };
    if let Some(python) = glif_reference::env::python(&check) {
        // A check then runs its comparison and records "ran".
        glif_reference::env::record(
            &check,
            glif_reference::env::Outcome::Ran,
            1,
            &format!("environment at {}", python.display()),
        );
    }
}

/// The checks that go through `env::python` (the others are scripts and
/// xtask commands, tested below and in xtask).
fn rust_checks() -> impl Iterator<Item = &'static str> {
    CHECKS
        .iter()
        .map(|(name, _)| *name)
        .filter(|n| n.starts_with("io/"))
}

#[test]
fn a_broken_environment_fails_every_check_in_ci_and_out() {
    let dir = scratch_dir("broken-env");
    let report = dir.join("report.tsv");
    for (what, venv) in broken_venvs(&dir) {
        for ci in [Some("true"), Some("1"), None] {
            for check in rust_checks() {
                let (ok, outcome) = ask(check, &venv, ci, &report);
                assert!(
                    !ok && outcome == "failed",
                    "{check} with a {what} (CI={ci:?}): child succeeded={ok}, recorded {outcome:?}; \
                     expected a failure recorded as failed"
                );
            }
        }
    }
}

#[test]
fn a_missing_environment_fails_under_ci_true_and_ci_1_and_skips_otherwise() {
    let dir = scratch_dir("missing-env");
    let report = dir.join("report.tsv");
    let missing = dir.join("no-such-venv");
    for check in rust_checks() {
        for ci in ["true", "1"] {
            let (ok, outcome) = ask(check, &missing, Some(ci), &report);
            assert!(
                !ok && outcome == "failed",
                "{check}, CI={ci}: succeeded={ok}, recorded {outcome:?}"
            );
        }
        for ci in [None, Some("false"), Some("0")] {
            let (ok, outcome) = ask(check, &missing, ci, &report);
            assert!(
                ok && outcome == "skipped",
                "{check}, CI={ci:?}: succeeded={ok}, recorded {outcome:?}"
            );
        }
    }
}

#[test]
fn a_working_fake_is_accepted_so_the_failures_above_are_the_breakage() {
    // The same fake, without breaking anything: the probe passes when the
    // base Python has AllenSDK (the real environment). Without it, the
    // base Python is python3 from PATH, which need not have AllenSDK.
    let real = glif_reference::env::venv_dir().join("bin/python");
    if !real.is_file() || glif_reference::env::probe(&real).is_err() {
        eprintln!("skipped: no working AllenSDK environment to build the fake on");
        return;
    }
    let dir = scratch_dir("working-env");
    let report = dir.join("report.tsv");
    let venv = fake_venv(&dir, "ok", &format!("exec '{}' \"$@\"", real.display()));
    for check in rust_checks() {
        let (ok, outcome) = ask(check, &venv, Some("1"), &report);
        assert!(
            ok && outcome == "ran",
            "{check}: succeeded={ok}, recorded {outcome:?}"
        );
    }
}

#[test]
fn the_python_package_checks_fail_on_a_broken_or_missing_environment_in_ci() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (name, check) in [
        ("test_package.sh", "python/pytest-against-allensdk"),
        ("test_wheel.sh", "python/wheel-without-rust"),
    ] {
        python_script_fails_in_ci(&root.join("scripts/python").join(name), check);
    }
}

fn python_script_fails_in_ci(script: &Path, check: &str) {
    let dir = scratch_dir("broken-env-pkg");
    let report = dir.join("report.tsv");
    let mut venvs = broken_venvs(&dir);
    venvs.push(("missing environment", dir.join("no-such-venv")));
    for (what, venv) in venvs {
        for ci in ["true", "1"] {
            let _ = std::fs::remove_file(&report);
            let out = Command::new("bash")
                .arg(script)
                .env("GLIF_ALLENSDK_VENV", &venv)
                .env("CI", ci)
                .env(REPORT_VAR, &report)
                .output()
                .unwrap();
            let entries = read_report(&report);
            assert!(
                !out.status.success(),
                "{} with a {what} (CI={ci}) succeeded: {}",
                script.display(),
                String::from_utf8_lossy(&out.stdout)
            );
            assert!(
                entries.len() == 1 && entries[0].check == check && entries[0].outcome == "failed",
                "{} with a {what} (CI={ci}) recorded {entries:?}",
                script.display()
            );
        }
    }
}
