//! The AllenSDK 2.16.2 environment (`.venv-allensdk` at the repository root,
//! or the folder `GLIF_ALLENSDK_VENV` names; made by
//! `scripts/allensdk/setup_venv.sh`) and the checks that need it.
//!
//! Without the environment a check is skipped, visibly: it says so on
//! stderr and in the report `cargo xtask ci` prints. Under `CI=true` a
//! missing environment is a failure (CI builds it; a green run must mean
//! the checks ran).
//!
//! Each check records one line in the file `$GLIF_ENV_REPORT` names (when
//! set; `cargo xtask ci` sets it): `name<TAB>ran|skipped<TAB>cases<TAB>detail`.

use std::io::Write;
use std::path::PathBuf;

/// The checks that need the AllenSDK environment, with what each compares.
/// `cargo xtask ci` lists every one of them in its summary.
pub const CHECKS: &[(&str, &str)] = &[
    (
        "io/config-loads-in-allensdk",
        "glif-io tests/configs.rs: configs glif-io writes, loaded and run by AllenSDK's GlifNeuron",
    ),
    (
        "io/numpy-reads-our-files",
        "glif-io tests/results.rs: .npz/.npy/JSON results read by numpy, numpy's files read by glif-io",
    ),
    (
        "io/nwb-allensdk-reads-ours",
        "glif-io tests/nwb_allensdk.rs (feature nwb): sweeps glif-io writes, read by AllenSDK's NwbDataSet and compared with what AllenSDK writes",
    ),
    (
        "xtask/compare",
        "cargo xtask compare: GLIF1..GLIF5 run by AllenSDK beside glif-rs, spike steps compared",
    ),
    (
        "xtask/compare-nest",
        "cargo xtask compare-nest: glif_psc, glif_psc_double_alpha and glif_cond run by NEST 3.10 beside glif-core's engines, every spike compared; a failed NEST run fails it",
    ),
];

/// The environment variable naming the report file.
pub const REPORT_VAR: &str = "GLIF_ENV_REPORT";

/// Whether this is a CI run (`CI=true`, as CI services and `.ci/run` set it).
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The environment's folder: `$GLIF_ALLENSDK_VENV`, or `.venv-allensdk` at
/// the repository root.
pub fn venv_dir() -> PathBuf {
    match std::env::var_os("GLIF_ALLENSDK_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv-allensdk")),
    }
}

/// The environment's Python for the check `check`, or `None` when it is
/// missing: then the skip is reported (stderr and the report file), and
/// under `CI=true` this panics, failing the test.
pub fn python(check: &str) -> Option<PathBuf> {
    assert!(
        CHECKS.iter().any(|(name, _)| *name == check),
        "{check} is not listed in glif_reference::env::CHECKS"
    );
    let python = venv_dir().join("bin").join("python");
    if python.is_file() {
        return Some(python);
    }
    let reason = format!(
        "no AllenSDK environment at {} (create it with scripts/allensdk/setup_venv.sh)",
        venv_dir().display()
    );
    if ci() {
        record(check, Outcome::Failed, 0, &reason);
        panic!("{check}: CI=true requires the AllenSDK environment: {reason}");
    }
    eprintln!("skipped {check}: {reason}");
    record(check, Outcome::Skipped, 0, &reason);
    None
}

/// How an environment-dependent check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and compared the given number of cases.
    Ran,
    /// The environment is missing (not under CI).
    Skipped,
    /// The environment is missing under CI.
    Failed,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Ran => "ran",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }
}

/// Records that `check` ended with `outcome` after comparing `cases` cases.
/// Call it with [`Outcome::Ran`] after the check's last assertion.
pub fn record(check: &str, outcome: Outcome, cases: usize, detail: &str) {
    let Some(path) = std::env::var_os(REPORT_VAR) else {
        return;
    };
    let line = format!(
        "{check}\t{}\t{cases}\t{}\n",
        outcome.word(),
        detail.replace(['\t', '\n'], " ")
    );
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        panic!("{REPORT_VAR}={}: {e}", PathBuf::from(path).display());
    }
}

/// One line of a report file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The check's name (one of [`CHECKS`]).
    pub check: String,
    /// `ran`, `skipped` or `failed`.
    pub outcome: String,
    /// Cases compared.
    pub cases: usize,
    /// The reason for a skip, or what was compared.
    pub detail: String,
}

/// Reads a report file (missing file: no entries).
pub fn read_report(path: &std::path::Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(4, '\t');
            Some(Entry {
                check: f.next()?.to_string(),
                outcome: f.next()?.to_string(),
                cases: f.next()?.parse().ok()?,
                detail: f.next().unwrap_or("").to_string(),
            })
        })
        .collect()
}
