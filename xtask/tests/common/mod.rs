//! What the "fails when its oracle fails" tests of xtask commands share: a
//! fake AllenSDK venv whose `python` breaks on purpose, and one `--smoke`
//! run of a command against it that reads back what the command recorded
//! in the report `cargo xtask ci` reads (`GLIF_ENV_REPORT`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh folder with `bin/python` = a shell script that answers
/// `python -c "import ..."` with `import_status` and runs `body` for
/// anything else (the bench script the command starts).
pub fn fake_venv(tag: &str, import_status: u8, body: &str) -> PathBuf {
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

/// What one `--smoke` run gave: whether the process succeeded, the
/// report's lines for the check (each without the check's name and its
/// tab: `outcome\tdetail`), and its stderr.
pub struct Smoke {
    pub success: bool,
    pub lines: Vec<String>,
    pub stderr: String,
}

/// Runs `xtask <command> --smoke` with `venv` as the AllenSDK venv,
/// `no_release_env` set (the debug build runs: nothing here is timed) and
/// `CI=true` or not; reads the report's lines for `check`, then removes
/// the venv.
pub fn run_smoke(command: &str, no_release_env: &str, check: &str, venv: &Path, ci: bool) -> Smoke {
    let report = venv.join("env-checks.tsv");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([command, "--smoke"])
        .env("GLIF_ALLENSDK_VENV", venv)
        .env(no_release_env, "1")
        .env("GLIF_ENV_REPORT", &report)
        .env("CI", if ci { "true" } else { "" })
        .output()
        .expect("run xtask");
    let prefix = format!("{check}\t");
    let lines = std::fs::read_to_string(&report)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(String::from)
        .collect();
    let _ = std::fs::remove_dir_all(venv);
    Smoke {
        success: out.status.success(),
        lines,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
