//! The AllenSDK 2.16.2 environment (`.venv-allensdk` at the repository root,
//! or the folder `GLIF_ALLENSDK_VENV` names; made by
//! `scripts/allensdk/setup_venv.sh`) and the checks that need it.
//!
//! Without the environment a check is skipped, visibly: it says so on
//! stderr and in the report `cargo xtask ci` prints. In CI ([`ci`]: `CI=true`
//! or `CI=1`, the one definition every script and xtask command uses) a
//! missing environment is a failure (CI builds it; a green run must mean
//! the checks ran). An environment that exists but is broken (its Python
//! does not run, or cannot import numpy and AllenSDK's GLIF simulator) is a
//! failure everywhere: [`python`] probes it before handing it out.
//!
//! Each check records one line in the file `$GLIF_ENV_REPORT` names (when
//! set; `cargo xtask ci` sets it): `name<TAB>ran|skipped<TAB>cases<TAB>detail`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

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
        "fit/filter",
        "glif-fit tests/filter.rs: Bessel design, lfilter_zi, filtfilt, mean-subsampling and load_sweep against scipy, numpy and AllenSDK's data_access",
    ),
    (
        "fit/fmin",
        "glif-fit tests/fmin.rs: Nelder-Mead against scipy.optimize.fmin, evaluation by evaluation, on several functions",
    ),
    (
        "fit/minpack",
        "glif-fit tests/minpack.rs: lmdif / curve_fit against scipy.optimize.leastsq and curve_fit: evaluations, info and parameters",
    ),
    (
        "fit/spikes",
        "glif-fit tests/spikes.rs: threshold indices against AllenSDK's find_spikes_list and find_spikes_ssq_list",
    ),
    (
        "fit/spike-cut",
        "glif-fit tests/spike_cut.rs: spike cut length and v_before reset against AllenSDK's calc_spike_cut_and_v_reset_via_expvar_residuals",
    ),
    (
        "fit/asc",
        "glif-fit tests/asc.rs: after-spike current pairs, amplitudes, R_ASC and log-likelihoods against AllenSDK's ASGLM_pairwise (statsmodels GLM)",
    ),
    (
        "fit/threshold",
        "glif-fit tests/threshold.rs: the threshold's spike component (short-square triple) and voltage component (fmin path, objective bit for bit) against AllenSDK's threshold_adaptation",
    ),
    (
        "fit/configure",
        "glif-fit tests/configure.rs: the five levels' starting configs against AllenSDK's configure_model, key by key",
    ),
    (
        "fit/sweeps",
        "glif-fit tests/sweeps.rs: sweep selection by stimulus family against AllenSDK's find_sweeps",
    ),
    (
        "fit/preprocess",
        "glif-fit tests/preprocess.rs: a synthetic cell's whole preprocessing against AllenSDK's preprocess_neuron (patched as the reference run is), value by value",
    ),
    (
        "fit/rc",
        "glif-fit tests/rc.rs: R, C, El least squares against AllenSDK's rc.least_squares_RCEl_calc_tested",
    ),
    (
        "fit/noise",
        "glif-fit tests/noise.rs: variance, sv and tau_from_AC against AllenSDK's MLIN",
    ),
    (
        "fit/ev",
        "glif-fit tests/ev.rs: explained variance of spike times against the Teeter et al. 2018 arithmetic (scipy fftconvolve, numpy) on generated spike trains",
    ),
    (
        "fit/ev-model-run",
        "glif-fit tests/evaluate.rs: the model run explained variance is computed from (the reference cells' starting configs) against AllenSDK's GlifNeuron.run, spike step by spike step",
    ),
    (
        "fit/forced",
        "glif-fit tests/forced.rs: forced-spike runs and MLIN_list_error on the committed cells (adapting, sparse), every level and dt_multiplier, against reference/fit/<cell>/optimizer.json (Noise 1 loaded by AllenSDK's load_sweeps)",
    ),
    (
        "fit/rng",
        "glif-fit tests/rng.rs: numpy's legacy RandomState(seed): random_sample, standard_normal and normal(loc, scale) draws for many seeds, bit for bit",
    ),
    (
        "fit/run-many",
        "glif-fit tests/forced.rs: GlifOptimizer.run_many(seed) recorded by allensdk_pipeline.py --run-many-only (reduced restarts), evaluation by evaluation",
    ),
    (
        "fit/fast-optimizer",
        "glif-fit tests/forced.rs: --optimizer fast's MLIN against AllenSDK's recorded run_many best (within 1e-6 relative, 10x fewer evaluations)",
    ),
    (
        "cli/fit-optimize-allensdk",
        "glif-cli tests/fit_optimize.rs: a config written by glif fit --stage optimize loaded and run by AllenSDK's GlifNeuron.from_dict",
    ),
    (
        "fit/allensdk-pipeline-quick",
        "scripts/fit/check_quick.sh: AllenSDK's own fitting pipeline run live on one cell (loading, spikes, R/C/El), equal to the committed reference",
    ),
    (
        "xtask/verify-fit",
        "cargo xtask verify-fit: the cells of reference/fit/ through glif fit, stage by stage against AllenSDK's pipeline",
    ),
    (
        "python/pytest-against-allensdk",
        "scripts/python/test_package.sh: the glif_rs wheel built, imported in a fresh venv, and its pytest suite run against AllenSDK in one process (cases: tests passed)",
    ),
    (
        "python/wheel-without-rust",
        "scripts/python/test_wheel.sh: the abi3 wheel (target/wheels) installed into fresh venvs with no cargo or rustc on PATH, smoke-tested (README examples, NWB when built in) with numpy 1.x and 2.x, mypy on the README examples (cases: checks passed)",
    ),
    (
        "xtask/compare-fit",
        "cargo xtask compare-fit: one cell's preprocessing by AllenSDK's pipeline beside glif fit, CPU and wall seconds",
    ),
    (
        "xtask/compare",
        "cargo xtask compare: GLIF1..GLIF5 run by AllenSDK beside glif-rs, spike steps compared",
    ),
    (
        "xtask/compare-nest",
        "cargo xtask compare-nest: glif_psc, glif_psc_double_alpha and glif_cond run by NEST 3.10 beside glif-core's engines, every spike compared; a failed NEST run fails it",
    ),
    (
        "xtask/peers",
        "cargo xtask peers --smoke: the GLIF3 population run by glif-rs, Brian2 (C++ standalone) and NEST 3.10, spike counts compared; a missing or failing Brian2 or NEST fails it under CI",
    ),
];

/// The environment variable naming the report file.
pub const REPORT_VAR: &str = "GLIF_ENV_REPORT";

/// Whether this is a CI run: `CI=true` or `CI=1` (CI services set one or
/// the other). scripts/python/test_package.sh and
/// scripts/allensdk/setup_venv.sh read `CI` the same way.
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

/// numpy 1.23.5 computes float64 `exp` with its own AVX512F kernel on a
/// CPU that has AVX512F, and with the C library's `exp` otherwise; the two
/// differ by an ulp for about a quarter of the arguments. glif-fit computes
/// with the C library's `exp` (as Rust's `f64::exp`), and the fitting
/// reference (`reference/fit`) was recorded with numpy on the C library's
/// path, so the fitting oracles (numpy, scipy and AllenSDK's pipeline run
/// live against glif-fit) run with numpy's AVX-512 kernels switched off:
/// the same `exp` on both sides, on any x86-64 CPU. (The simulation
/// reference traces were recorded with the AVX512F kernel instead and are
/// reproduced through the numpy `exp` table; docs/DIFFERENCES.md.)
pub const NUMPY_WITHOUT_AVX512: (&str, &str) = (
    "NPY_DISABLE_CPU_FEATURES",
    "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL",
);

/// Sets [`NUMPY_WITHOUT_AVX512`] on `cmd` when this CPU has AVX512F (numpy
/// refuses to disable a feature the CPU lacks).
pub fn numpy_without_avx512(cmd: &mut std::process::Command) -> &mut std::process::Command {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        cmd.env(NUMPY_WITHOUT_AVX512.0, NUMPY_WITHOUT_AVX512.1);
    }
    cmd
}

/// The import that proves the environment works: numpy and AllenSDK's GLIF
/// simulator.
pub const PROBE: &str = "import numpy; from allensdk.model.glif.glif_neuron import GlifNeuron";

/// The environment's Python for the check `check`, or `None` when it is
/// missing: then the skip is reported (stderr and the report file), and
/// in CI ([`ci`]) this panics, failing the test. When the Python exists but
/// does not run [`PROBE`] (a broken environment) the failure is recorded
/// and this panics, in CI or not.
pub fn python(check: &str) -> Option<PathBuf> {
    assert!(
        CHECKS.iter().any(|(name, _)| *name == check),
        "{check} is not listed in glif_reference::env::CHECKS"
    );
    let python = venv_dir().join("bin").join("python");
    if python.is_file() {
        if let Err(reason) = probe(&python) {
            record(check, Outcome::Failed, 0, &reason);
            panic!("{check}: the AllenSDK environment is broken: {reason}");
        }
        return Some(python);
    }
    let reason = format!(
        "no AllenSDK environment at {} (create it with scripts/allensdk/setup_venv.sh)",
        venv_dir().display()
    );
    if ci() {
        record(check, Outcome::Failed, 0, &reason);
        panic!("{check}: CI requires the AllenSDK environment: {reason}");
    }
    eprintln!("skipped {check}: {reason}");
    record(check, Outcome::Skipped, 0, &reason);
    None
}

/// Runs [`PROBE`] with `python` (once per interpreter and process); the
/// reason when it does not succeed.
pub fn probe(python: &std::path::Path) -> Result<(), String> {
    static PROBED: Mutex<BTreeMap<PathBuf, Result<(), String>>> = Mutex::new(BTreeMap::new());
    let mut probed = PROBED.lock().unwrap_or_else(|e| e.into_inner());
    probed
        .entry(python.to_path_buf())
        .or_insert_with(|| run_probe(python))
        .clone()
}

fn run_probe(python: &std::path::Path) -> Result<(), String> {
    let out = std::process::Command::new(python)
        .args(["-c", PROBE])
        .output()
        .map_err(|e| format!("{} could not be run: {e}", python.display()))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    Err(format!(
        "`{} -c '{PROBE}'` exited with {}: {last}",
        python.display(),
        out.status
    ))
}

/// How an environment-dependent check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and compared the given number of cases.
    Ran,
    /// The environment is missing (not in CI).
    Skipped,
    /// The environment is missing in CI, broken, or its side of the
    /// comparison failed.
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

/// Records that `check` could not run, for `reason` (its oracle or its
/// environment is missing): failed under CI ([`ci`]), skipped otherwise.
/// Returns whether the caller may still succeed (not in CI).
pub fn unavailable(check: &str, reason: &str) -> bool {
    if ci() {
        record(check, Outcome::Failed, 0, reason);
        false
    } else {
        record(check, Outcome::Skipped, 0, reason);
        true
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
