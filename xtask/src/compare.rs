//! `cargo xtask compare [--quick] [--no-nest]`: the same models and stimuli
//! through AllenSDK (and NEST's `glif_psc`, when installed) and through
//! glif-rs in one run; prints a Markdown table of time per step, the
//! speed-up ratio and whether the spike steps agreed (`docs/PERFORMANCE.md`).
//!
//! Models: the Allen cell 313861677 (Rorb-IRES2-Cre-D) at each of GLIF1..5,
//! `dt` = 5e-6 s. Stimulus: the reference set's `long_square` (1.2 s at
//! 200 kHz: 0.1 s of zero, a 1 s step at 1.5 x the analytic rheobase rounded
//! to 4 significant digits, 0.1 s of zero; see
//! `glif_reference::stimuli::long_square_amplitude`); `--quick` shortens it to 0.2 s
//! (0.02 s, 0.16 s step, 0.02 s) for CI. Both sides build the stimulus from
//! the same description (`reference/README.md`'s `piecewise_constant`
//! kind): glif-io's `ReferenceStimulus` here, `make_reference.build_stimulus`
//! in `scripts/allensdk/bench_allensdk.py`, which gets the same JSON text.
//!
//! Timing needs optimized code, and `cargo xtask` builds a debug binary, so
//! a debug build of this command re-runs itself as
//! `cargo run --release -p xtask -- compare ...` (one process, release build,
//! does everything); that costs one release build of the xtask crate the
//! first time.
//!
//! Each ratio compares the same work on both sides, and the report names
//! it ([`print_work`]): every level runs in a fresh process on both sides
//! (AllenSDK's in a fresh Python per level, glif-rs's in this binary run
//! again as `compare --level-child LEVEL`), and every figure is the best of
//! [`REPEATS`] runs on both sides.
//! - AllenSDK / glif-rs: `GlifNeuron.run` (every output recorded, on a
//!   neuron fresh from `from_dict`) against `AnyModel::<f64>::run_result`
//!   (every output recorded into freshly allocated buffers), same samples.
//! - AllenSDK / `glif simulate`: AllenSDK's `run` per step (its start-up,
//!   timed apart by bench_allensdk.py, not counted) against the whole
//!   `glif simulate --stimulus .npy --record all --output .npz` process per
//!   step over 4,000,000 steps (start-up counted; timed apart on a 20-step
//!   run too); both record everything. The end-to-end table adds each
//!   process's peak resident set (GNU time's `%M` on an untimed run: see
//!   `time_process` for why not `wait4` on our own child).
//! - NEST / glif-rs: `nest.Simulate` (spikes only) against `run_spikes`.
//!
//! Absolute times depend on the machine; the ratios are what the docs quote.
//!
//! Without `--quick`, when the Python package `glif_rs` is installed in the
//! AllenSDK venv, `scripts/python/bench_glif_rs.py` then runs: its
//! `GlifNeuron.run()` against AllenSDK's and `run_many` over the 2,441
//! Teeter configs against `glif batch` (target/release/glif), as ratios.
//!
//! Exit status: 0 when every side that ran agreed on the spike steps (also
//! when the AllenSDK venv is missing outside CI: glif-rs's side is printed
//! with a note on how to create it); 1 when AllenSDK and glif-rs disagree,
//! when AllenSDK's side errors (a broken venv, bench_allensdk.py failing or
//! printing no JSON), or when the venv is missing in CI; 2 on a usage error.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use glif_io::stimulus::ReferenceStimulus;
use glif_io::{AnyModel, NeuronConfig};
use serde::Deserialize;
use serde_json::Value;

use crate::verify_cases::load_case;

/// Time step of every run (s): the sampling interval of Allen data.
const DT: f64 = 5e-6;
/// The config of each level, relative to `reference/configs`.
const CONFIG: &str = "teeter/313861677_Rorb-IRES2-Cre-D_GLIF{}_neuron_config.json";
/// Step amplitude as a multiple of the rheobase (as the reference set's
/// `long_square`).
const MULTIPLIER: f64 = 1.5;
/// Runs per level and per figure, on every side (AllenSDK and NEST through
/// `bench_allensdk.py --repeats`, glif-rs's engine here): the best is kept,
/// the same rule on both sides of each ratio.
const REPEATS: usize = 3;
/// Set (to the `glif` binary, or empty when it could not be built) in the
/// per-level child; see [`level_child`].
const GLIF_ENV: &str = "GLIF_XTASK_COMPARE_GLIF";
/// Set in the release child, so it never re-runs itself again.
const CHILD_ENV: &str = "GLIF_XTASK_COMPARE_RELEASE";

struct Options {
    quick: bool,
    nest: bool,
}

/// One level's glif-rs measurements.
struct Ours {
    level: u8,
    config: PathBuf,
    amplitude: f64,
    stimulus_json: String,
    steps: usize,
    ns_all: f64,
    ns_spikes: f64,
    spike_steps: Vec<usize>,
    /// The spikes-only run's steps differ from the recorded run's.
    inconsistent: bool,
    /// Whether the stimulus is the reference `long_square` case's (full
    /// runs; `None` with `--quick` or when the case cannot be read).
    matches_reference: Option<bool>,
    /// The real `glif` binary on a long stimulus (`None` when it could not
    /// be built or run; the reason is in the notes).
    e2e: Result<EndToEnd, String>,
}

/// One level's end-to-end figures: the `glif` binary timed as a process
/// (start-up, config parsing, stimulus, run, output file), ns per step, and
/// the engine in this process on the same stimulus. The level child prints
/// it as JSON (its field names) and the parent reads it back.
#[derive(serde::Serialize, serde::Deserialize)]
struct EndToEnd {
    steps: usize,
    /// Engine, spikes only (`run_spikes`), same stimulus.
    engine_spikes: f64,
    /// Engine, everything recorded into fresh buffers (`run_result`).
    engine_all: f64,
    /// `glif simulate --square ... --record spikes`.
    generated: f64,
    /// `glif simulate --stimulus long.npy --record spikes`.
    npy: f64,
    /// `glif simulate --stimulus long.npy --record all --output out.npz`.
    npy_all: f64,
    /// `glif simulate` on a 20-step generated stimulus, ms (best of
    /// [`E2E_RUNS`]): its start-up, config parsing and output.
    startup_ms: f64,
    /// Peak resident set of the `--stimulus .npy --record spikes` process
    /// (KiB, `wait4`'s `ru_maxrss`; the largest of its runs).
    peak_kib_npy: u64,
    /// The same for `--record all --output .npz`.
    peak_kib_npy_all: u64,
}

/// What `bench_allensdk.py` said about one level.
enum Theirs {
    /// The AllenSDK venv is missing: not run.
    NoVenv,
    /// The script failed or printed something unreadable.
    Failed(String),
    Ran(Value),
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask compare [--quick] [--no-nest]");
    ExitCode::from(2)
}

/// Entry point of `cargo xtask compare`.
pub fn run(args: &[String]) -> ExitCode {
    let mut opts = Options {
        quick: false,
        nest: true,
    };
    let mut level_child_of: Option<u8> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--level-child" => match it.next().and_then(|l| l.parse().ok()) {
                Some(l @ 1..=5) => level_child_of = Some(l),
                _ => return usage(),
            },
            "--quick" => opts.quick = true,
            "--no-nest" => opts.nest = false,
            "-h" | "--help" => {
                println!("{}", HELP);
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    if cfg!(debug_assertions) && std::env::var_os(CHILD_ENV).is_none() {
        return rerun_in_release("compare", CHILD_ENV, args);
    }
    if let Some(level) = level_child_of {
        return match level_child(level, opts.quick) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("compare --level-child {level}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match compare(&opts) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("compare: {e}");
            ExitCode::FAILURE
        }
    }
}

const HELP: &str = "\
cargo xtask compare [--quick] [--no-nest]

Times GLIF1..GLIF5 (Allen cell 313861677, dt 5e-6, long_square at 1.5 x
rheobase) through AllenSDK, NEST's glif_psc (if installed in the venv) and
glif-rs, and prints a Markdown table (see docs/PERFORMANCE.md).

  --quick    0.2 s stimulus instead of 1.2 s (a smoke test, well under a minute)
  --no-nest  do not try NEST

The AllenSDK venv is <repo>/.venv-allensdk (or $GLIF_ALLENSDK_VENV); create it
with `bash scripts/allensdk/setup_venv.sh`.";

/// Runs xtask's `command` (`compare` or `compare-nest`) again with `args`
/// from a release build, `child_env` set in the child so that it never
/// re-runs itself; its exit status (1 when it has none or cargo fails).
pub(crate) fn rerun_in_release(command: &str, child_env: &str, args: &[String]) -> ExitCode {
    eprintln!(
        "{command}: timing needs optimized code; running `cargo run --release -p xtask -- {command}{}`",
        args.iter().map(|a| format!(" {a}")).collect::<String>()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(repo_root())
        .args(["run", "--release", "--quiet", "-p", "xtask", "--", command])
        .args(args)
        .env(child_env, "1")
        .status();
    match status {
        Ok(s) => match s.code() {
            Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
            None => ExitCode::FAILURE,
        },
        Err(e) => {
            eprintln!("{command}: could not run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The repository's root (the folder above xtask's manifest).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn compare(opts: &Options) -> Result<ExitCode, String> {
    let root = repo_root();
    let started = Instant::now();
    // 1.2 s or 0.2 s at 200 kHz, step from 1/12 to 11/12 of it.
    let (n, on, off) = if opts.quick {
        (40_000, 4_000, 36_000)
    } else {
        (240_000, 20_000, 220_000)
    };
    // The real binary, as a user runs it (built first: timing it needs it
    // up to date).
    let glif = build_glif(&root);

    // glif-rs first, with nothing else of ours running; each level in a
    // fresh process (as AllenSDK's side runs each level in a fresh Python),
    // so that no level runs in memory an earlier one faulted in.
    let mut ours = Vec::new();
    for level in 1..=5u8 {
        eprintln!("compare: glif-rs GLIF{level} (a fresh process)");
        ours.push(run_level_child(level, opts.quick, &glif)?);
    }
    let _ = (n, on, off);

    let venv = std::env::var_os("GLIF_ALLENSDK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv-allensdk"));
    let python = venv.join("bin").join("python");
    let have_venv = python.exists();
    let mut theirs = Vec::new();
    for o in &ours {
        if !have_venv {
            theirs.push(Theirs::NoVenv);
            continue;
        }
        eprintln!(
            "compare: AllenSDK{} GLIF{} (~{:.0} s)",
            if opts.nest { " and NEST" } else { "" },
            o.level,
            o.steps as f64 * 10e-6 * REPEATS as f64 + 2.0
        );
        theirs.push(run_theirs(&root, &python, o, opts.nest));
    }

    let code = print_report(opts, &venv, &ours, &theirs, started.elapsed())?;
    if let Some(failed) = record_env_check(&venv, &theirs) {
        return Ok(failed);
    }
    if have_venv && !opts.quick && !python_package_bench(&root, &python) {
        return Ok(ExitCode::FAILURE);
    }
    Ok(code)
}

/// Runs this (release) binary again as `compare --level-child LEVEL`: one
/// level's glif-rs figures ([`level_child`]) from a fresh process.
fn run_level_child(level: u8, quick: bool, glif: &Result<PathBuf, String>) -> Result<Ours, String> {
    let exe = std::env::current_exe().map_err(|e| format!("this executable: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args(["compare", "--level-child", &level.to_string()])
        .env(CHILD_ENV, "1")
        .env(
            GLIF_ENV,
            glif.as_ref().map(|p| p.as_os_str()).unwrap_or_default(),
        );
    if quick {
        cmd.arg("--quick");
    }
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("GLIF{level} child: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "GLIF{level}: the timing child failed ({})",
            out.status
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(text.trim())
        .map_err(|e| format!("GLIF{level} child printed no JSON ({e}): {text}"))?;
    let glif_err = glif.as_ref().err().cloned();
    ours_from_json(&v, glif_err)
}

/// `compare --level-child LEVEL [--quick]` (run by [`run_level_child`]):
/// times one level's engine and end-to-end runs and prints them as one
/// JSON object.
fn level_child(level: u8, quick: bool) -> Result<(), String> {
    let root = repo_root();
    let (n, on, off) = if quick {
        (40_000, 4_000, 36_000)
    } else {
        (240_000, 20_000, 220_000)
    };
    let mut o = time_ours(&root, level, n, on, off)?;
    let glif = std::env::var_os(GLIF_ENV).filter(|g| !g.is_empty());
    o.e2e = match glif {
        Some(g) => end_to_end(&root, Path::new(&g), &o, quick),
        None => Err("the glif binary could not be built".into()),
    };
    let e2e = match &o.e2e {
        Ok(e) => serde_json::to_value(e).map_err(|e| format!("e2e: {e}"))?,
        Err(msg) => serde_json::json!({ "error": msg }),
    };
    let v = serde_json::json!({
        "level": o.level, "config": o.config, "amplitude": o.amplitude,
        "stimulus_json": o.stimulus_json, "steps": o.steps, "ns_all": o.ns_all,
        "ns_spikes": o.ns_spikes, "spike_steps": o.spike_steps,
        "inconsistent": o.inconsistent, "matches_reference": o.matches_reference,
        "e2e": e2e,
    });
    println!("{v}");
    Ok(())
}

/// The [`Ours`] a level child printed.
fn ours_from_json(v: &Value, glif_err: Option<String>) -> Result<Ours, String> {
    let f = |key: &str| {
        v[key]
            .as_f64()
            .ok_or_else(|| format!("level child: no {key}"))
    };
    let e = &v["e2e"];
    let e2e = match (e["error"].as_str(), glif_err) {
        (_, Some(err)) => Err(err),
        (Some(err), None) => Err(err.to_string()),
        (None, None) => EndToEnd::deserialize(e).map_err(|e| format!("level child: e2e: {e}")),
    };
    Ok(Ours {
        level: f("level")? as u8,
        config: PathBuf::from(v["config"].as_str().unwrap_or_default()),
        amplitude: f("amplitude")?,
        stimulus_json: v["stimulus_json"].as_str().unwrap_or_default().to_string(),
        steps: f("steps")? as usize,
        ns_all: f("ns_all")?,
        ns_spikes: f("ns_spikes")?,
        spike_steps: steps_of(&v["spike_steps"]).ok_or("level child: no spike_steps")?,
        inconsistent: v["inconsistent"].as_bool().unwrap_or(true),
        matches_reference: v["matches_reference"].as_bool(),
        e2e,
    })
}

/// The Python package's benchmark, when `glif_rs` is installed in the venv;
/// false when it ran and found different outputs or failed.
fn python_package_bench(root: &Path, python: &Path) -> bool {
    let installed = Command::new(python)
        .args(["-c", "import glif_rs"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!(
            "compare: python package: skipped: glif_rs is not installed in the venv \
             (scripts/python/test_package.sh installs it)"
        );
        return true;
    }
    eprintln!("compare: python package (scripts/python/bench_glif_rs.py)");
    Command::new(python)
        .arg(root.join("scripts/python/bench_glif_rs.py"))
        .status()
        .is_ok_and(|s| s.success())
}

/// The AllenSDK side is an environment-dependent check
/// (`glif_reference::env`): records how many levels AllenSDK ran for
/// `cargo xtask ci`'s summary. A missing venv is a skip, and in CI
/// (`CI=true` or `CI=1`) a failure; a level whose AllenSDK run failed (a
/// broken venv, bench_allensdk.py crashing or printing no JSON) is a
/// failure everywhere. A failure is returned as the exit code to use.
fn record_env_check(venv: &Path, theirs: &[Theirs]) -> Option<ExitCode> {
    use glif_reference::env::{record, Outcome};
    const CHECK: &str = "xtask/compare";
    let (outcome, cases, detail) = env_check_outcome(venv, theirs, glif_reference::env::ci());
    record(CHECK, outcome, cases, &detail);
    match outcome {
        Outcome::Failed => {
            eprintln!("compare: {detail}");
            Some(ExitCode::FAILURE)
        }
        Outcome::Skipped | Outcome::Ran => None,
    }
}

/// How the AllenSDK side ended (see [`record_env_check`]): the outcome, the
/// levels AllenSDK ran, and the detail to record.
fn env_check_outcome(
    venv: &Path,
    theirs: &[Theirs],
    ci: bool,
) -> (glif_reference::env::Outcome, usize, String) {
    use glif_reference::env::Outcome;
    if theirs.iter().any(|t| matches!(t, Theirs::NoVenv)) {
        let reason = format!("no AllenSDK environment at {}", venv.display());
        return if ci {
            (
                Outcome::Failed,
                0,
                format!("CI requires the AllenSDK environment: {reason}"),
            )
        } else {
            (Outcome::Skipped, 0, reason)
        };
    }
    let failures: Vec<&str> = theirs
        .iter()
        .filter_map(|t| match t {
            Theirs::Failed(e) => Some(e.as_str()),
            _ => None,
        })
        .collect();
    if let Some(first) = failures.first() {
        let reason = format!(
            "AllenSDK's side failed on {} of {} levels: {first}",
            failures.len(),
            theirs.len()
        );
        return (Outcome::Failed, 0, reason);
    }
    let ran = theirs
        .iter()
        .filter(|t| matches!(t, Theirs::Ran(_)))
        .count();
    (
        Outcome::Ran,
        ran,
        "levels run by AllenSDK beside glif-rs, spike steps compared".into(),
    )
}

fn time_ours(root: &Path, level: u8, n: usize, on: usize, off: usize) -> Result<Ours, String> {
    let config = root
        .join("reference/configs")
        .join(CONFIG.replace("{}", &level.to_string()));
    let cfg = NeuronConfig::from_path(&config, None)
        .and_then(|c| c.with_dt(DT))
        .map_err(|e| e.to_string())?;
    let amp = glif_reference::stimuli::long_square_amplitude(&cfg, MULTIPLIER);
    let desc = serde_json::json!({
        "kind": "piecewise_constant",
        "n": n,
        "segments": [[on, off, amp]],
    });
    // The full stimulus is the reference set's long_square case: check.
    let reference = root.join(format!(
        "reference/traces/teeter_313861677_GLIF{level}/long_square.json.gz"
    ));
    let matches_reference = match (n == 240_000).then(|| load_case(&reference)) {
        Some(Ok(case)) => Some(case["stimulus"] == desc),
        Some(Err(_)) | None => None,
    };
    let stimulus_json = desc.to_string();
    let stim: ReferenceStimulus =
        serde_json::from_str(&stimulus_json).map_err(|e| format!("stimulus: {e}"))?;
    let stim = stim.samples().map_err(|e| e.to_string())?;
    let model = AnyModel::<f64>::new(&cfg).map_err(|e| e.to_string())?;
    if model.level() != Some(level) {
        return Err(format!(
            "{} is not a compiled GLIF{level} model",
            config.display()
        ));
    }

    let first = model.run_result(&stim);
    let spike_steps = first.spike_time_steps();
    let spikes = model.run_spikes(&stim);
    let inconsistent = spikes.spikes.iter().map(|s| s.step).ne(spike_steps.clone());

    let best_all = best_of(REPEATS, || {
        black_box(model.run_result(black_box(&stim)));
    });
    let best_spikes = best_of(REPEATS, || {
        black_box(model.run_spikes(black_box(&stim)));
    });
    let per_step = |d: Duration| d.as_secs_f64() / n as f64 * 1e9;
    Ok(Ours {
        level,
        config,
        amplitude: amp,
        stimulus_json,
        steps: n,
        ns_all: per_step(best_all),
        ns_spikes: per_step(best_spikes),
        spike_steps,
        inconsistent,
        matches_reference,
        e2e: Err("not run".into()),
    })
}

/// Steps of the end-to-end runs: 20 s at 200 kHz (2 s with `--quick`),
/// long enough that the process's fixed costs (start-up, config) are a
/// small part, as in a user's long run.
fn e2e_steps(quick: bool) -> usize {
    if quick {
        400_000
    } else {
        4_000_000
    }
}

/// Process runs per end-to-end figure (the best is kept).
const E2E_RUNS: usize = 5;

/// `cargo build --release -p glif-cli`; the path of the `glif` binary.
fn build_glif(root: &Path) -> Result<PathBuf, String> {
    eprintln!(
        "compare: cargo build --release -p glif-cli (the binary the end-to-end columns time)"
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "--quiet", "-p", "glif-cli"])
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --release -p glif-cli: {status}"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let exe = target
        .join("release")
        .join(format!("glif{}", std::env::consts::EXE_SUFFIX));
    if exe.exists() {
        Ok(exe)
    } else {
        Err(format!("{} not found after the build", exe.display()))
    }
}

/// The best wall time of [`E2E_RUNS`] runs of `glif args` (after one
/// untimed run that warms the page cache), in ns per step, and the peak
/// resident set of `glif` (KiB).
///
/// The peak is measured on the untimed run, started through GNU time
/// (`/usr/bin/time -f %M`), not from `wait4` on a child of this process:
/// Linux starts a child's `ru_maxrss` from the resident set of the process
/// that spawned it (std spawns with vfork, and exec keeps the old
/// address space's high-water mark), so a child of this process, which
/// holds the stimulus and results of long runs, would report this
/// process's own peak (about 160 MB here) instead of glif's.
/// GNU time, which reports its child's peak resident set (`-f %M`, KiB).
const GNU_TIME: &str = "/usr/bin/time";

fn time_process(
    glif: &Path,
    dir: &Path,
    args: &[&str],
    steps: usize,
) -> Result<(f64, u64), String> {
    let mut best = Duration::MAX;
    let mut peak = 0;
    let stderr_path = dir.join("e2e-stderr.txt");
    let maxrss_path = dir.join("e2e-maxrss.txt");
    for i in 0..=E2E_RUNS {
        let stderr = std::fs::File::create(&stderr_path)
            .map_err(|e| format!("{}: {e}", stderr_path.display()))?;
        let mut command = if i == 0 {
            let mut c = Command::new(GNU_TIME);
            c.arg("-f").arg("%M").arg("-o").arg(&maxrss_path).arg(glif);
            c
        } else {
            Command::new(glif)
        };
        let t = Instant::now();
        let child = command
            .current_dir(dir)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| {
                format!(
                    "could not run {}{}: {e}",
                    if i == 0 { "/usr/bin/time (GNU time, Debian package `time`: it measures glif's peak memory) for " } else { "" },
                    glif.display()
                )
            })?;
        let (ok, _) = wait_with_rusage(child)?;
        let wall = t.elapsed();
        if !ok {
            return Err(format!(
                "glif {} failed: {}",
                args.join(" "),
                std::fs::read_to_string(&stderr_path)
                    .unwrap_or_default()
                    .trim()
            ));
        }
        if i == 0 {
            let text = std::fs::read_to_string(&maxrss_path)
                .map_err(|e| format!("{}: {e}", maxrss_path.display()))?;
            peak = text
                .lines()
                .last()
                .and_then(|l| l.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    format!(
                        "{}: no peak resident set from GNU time: {text:?}",
                        maxrss_path.display()
                    )
                })?;
        } else {
            best = best.min(wall);
        }
    }
    let _ = std::fs::remove_file(&stderr_path);
    let _ = std::fs::remove_file(&maxrss_path);
    Ok((best.as_secs_f64() / steps as f64 * 1e9, peak))
}

/// Waits for `child` with `wait4`, which also returns the child's own
/// resource usage: whether it exited with status 0, and its peak resident
/// set (`ru_maxrss`, KiB on Linux).
#[cfg(unix)]
fn wait_with_rusage(child: std::process::Child) -> Result<(bool, u64), String> {
    let (ok, usage) = wait4(child)?;
    Ok((ok, u64::try_from(usage.ru_maxrss).unwrap_or(0)))
}

/// Waits for `child` with `wait4`: whether it exited with status 0, and
/// its own resource usage (CPU times, peak resident set).
#[cfg(unix)]
pub(crate) fn wait4(child: std::process::Child) -> Result<(bool, libc::rusage), String> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: wait4 writes only into `status` and `usage`, both owned
    // here; `pid` is our child, not yet waited for (std's `Child` is
    // dropped without waiting: it neither kills nor reaps).
    #[allow(unsafe_code)]
    let (r, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let r = libc::wait4(pid, &mut status, 0, &mut usage);
        (r, usage)
    };
    drop(child);
    if r != pid {
        return Err(format!("wait4({pid}): {}", std::io::Error::last_os_error()));
    }
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok((ok, usage))
}

/// Elsewhere: the exit status only (peak memory 0: not measured).
#[cfg(not(unix))]
fn wait_with_rusage(mut child: std::process::Child) -> Result<(bool, u64), String> {
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((status.success(), 0))
}

/// The end-to-end figures of one level: a step at the level's amplitude
/// from 0.1 s to 0.1 s before the end, generated by `glif simulate
/// --square` and read from a `.npy` file of the same samples.
fn end_to_end(root: &Path, glif: &Path, o: &Ours, quick: bool) -> Result<EndToEnd, String> {
    let steps = e2e_steps(quick);
    let duration = steps as f64 * DT;
    let dir = root.join("target").join("xtask-compare");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let amp = format!("{:e}", o.amplitude);
    let (start, width) = (0.1, duration - 0.2);
    let stim = glif_io::stimulus::square(DT, duration, start, width, o.amplitude)
        .map_err(|e| e.to_string())?;
    let npy = dir.join(format!("e2e-GLIF{}.npy", o.level));
    let mut bytes = Vec::new();
    glif_io::formats::write_npy_f64(&mut bytes, &[stim.len()], &stim);
    std::fs::write(&npy, &bytes).map_err(|e| format!("{}: {e}", npy.display()))?;
    drop(bytes);

    let cfg = NeuronConfig::from_path(&o.config, None)
        .and_then(|c| c.with_dt(DT))
        .map_err(|e| e.to_string())?;
    let model = AnyModel::<f64>::new(&cfg).map_err(|e| e.to_string())?;
    let per_step = |d: Duration| d.as_secs_f64() / steps as f64 * 1e9;
    let spikes = best_of(REPEATS, || {
        black_box(model.run_spikes(black_box(&stim)));
    });
    let all = best_of(REPEATS, || {
        black_box(model.run_result(black_box(&stim)));
    });
    drop(stim);

    let config = o.config.to_string_lossy().into_owned();
    let dt = format!("{DT:e}");
    let (start, width, duration) = (start.to_string(), width.to_string(), duration.to_string());
    let common = ["simulate", "--config", &config, "--dt", &dt, "--force"];
    let npy_path = npy.to_string_lossy().into_owned();
    let run = |extra: &[&str]| {
        let args: Vec<&str> = common.iter().chain(extra).copied().collect();
        time_process(glif, &dir, &args, steps)
    };
    // Start-up, config parsing and output on a 20-step stimulus: what each
    // run above pays besides its steps.
    let tiny = (20.0 * DT).to_string();
    let (startup_ns_per_step, _) = run(&[
        "--square",
        &amp,
        "--start",
        "0",
        "--width",
        &tiny,
        "--duration",
        &tiny,
        "--record",
        "spikes",
        "--output",
        "e2e-startup.json",
    ])?;
    let startup_ms = startup_ns_per_step * steps as f64 * 1e-6;
    let (generated, _) = run(&[
        "--square",
        &amp,
        "--start",
        &start,
        "--width",
        &width,
        "--duration",
        &duration,
        "--record",
        "spikes",
        "--output",
        "e2e-spikes.json",
    ])?;
    let (from_npy, peak_kib_npy) = run(&[
        "--stimulus",
        &npy_path,
        "--record",
        "spikes",
        "--output",
        "e2e-spikes.json",
    ])?;
    let (npy_all, peak_kib_npy_all) = run(&[
        "--stimulus",
        &npy_path,
        "--record",
        "all",
        "--output",
        "e2e-all.npz",
    ])?;
    for f in [npy, dir.join("e2e-all.npz")] {
        let _ = std::fs::remove_file(f);
    }
    Ok(EndToEnd {
        steps,
        engine_spikes: per_step(spikes),
        engine_all: per_step(all),
        generated,
        npy: from_npy,
        npy_all,
        startup_ms,
        peak_kib_npy,
        peak_kib_npy_all,
    })
}

/// The shortest of `n` calls of `f` (each call does its whole work: a
/// `run_result` allocates fresh buffers every time).
fn best_of(n: usize, mut f: impl FnMut()) -> Duration {
    (0..n.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn run_theirs(root: &Path, python: &Path, o: &Ours, nest: bool) -> Theirs {
    let mut cmd = Command::new(python);
    cmd.current_dir(root)
        .arg("scripts/allensdk/bench_allensdk.py")
        .arg("--config")
        .arg(&o.config)
        .args(["--dt", &format!("{DT:e}"), "--stimulus", &o.stimulus_json])
        .args(["--repeats", &REPEATS.to_string()]);
    if nest {
        cmd.arg("--nest");
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => return Theirs::Failed(format!("could not run {}: {e}", python.display())),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'));
    match (
        out.status.success(),
        line.map(serde_json::from_str::<Value>),
    ) {
        (true, Some(Ok(v))) => Theirs::Ran(v),
        _ => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
            Theirs::Failed(format!(
                "bench_allensdk.py exited with {}: {}",
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ))
        }
    }
}

fn steps_of(v: &Value) -> Option<Vec<usize>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_u64().map(|s| s as usize))
        .collect()
}

/// "yes (43)" or "no (43 vs 44, first at spike 7)".
fn agreement(ours: &[usize], theirs: &[usize]) -> (bool, String) {
    if ours == theirs {
        return (true, format!("yes ({})", ours.len()));
    }
    let first = ours
        .iter()
        .zip(theirs)
        .position(|(a, b)| a != b)
        .unwrap_or(ours.len().min(theirs.len()));
    (
        false,
        format!(
            "**no** (ours {}, AllenSDK {}; first difference at spike {first})",
            ours.len(),
            theirs.len()
        ),
    )
}

/// "43 vs 43, max Δ 2 steps" (NEST against glif-rs, paired in order).
fn nest_spikes(ours: &[usize], nest: &[usize]) -> String {
    let max = ours.iter().zip(nest).map(|(&a, &b)| a.abs_diff(b)).max();
    match max {
        Some(d) => format!("{} vs {}, max Δ {d} steps", nest.len(), ours.len()),
        None => format!("{} vs {}", nest.len(), ours.len()),
    }
}

pub(crate) fn cpu_model() -> (String, usize) {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    (model, cpus)
}

pub(crate) fn rustc_version() -> String {
    Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-V")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "rustc (version unknown)".into())
}

/// The end-to-end table: the `glif` binary against the engine on the same
/// long stimulus.
fn print_end_to_end(ours: &[Ours]) {
    let rows: Vec<(u8, &EndToEnd)> = ours
        .iter()
        .filter_map(|o| o.e2e.as_ref().ok().map(|e| (o.level, e)))
        .collect();
    let Some((_, first)) = rows.first() else {
        return;
    };
    println!(
        "End to end: the release `glif` binary as a user runs it, timed as a process (wall \
         time: start-up, config, stimulus, run, output file), best of {E2E_RUNS} runs, on a \
         {} s stimulus ({} steps: the level's step amplitude from 0.1 s to 0.1 s before the \
         end), beside the engine (best of {REPEATS}) in the same fresh per-level process on the \
         same samples. \"x engine\" is the process's time per step over the engine's \
         spikes-only time per step. Peak memory: glif's peak resident set, measured by this \
         command on an untimed run started through GNU time (`/usr/bin/time -f %M`).",
        first.steps as f64 * DT,
        first.steps
    );
    println!();
    println!(
        "| level | engine ns/step (spikes only) | engine ns/step (all recorded, fresh buffers) \
         | `glif simulate --square` spikes only | x engine | `--stimulus .npy` spikes only \
         | x engine | `.npy`, all recorded to `.npz` | x engine | peak memory, `.npy` \
         spikes only | peak memory, `.npy` to `.npz` | start-up (20-step run) |"
    );
    println!(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (level, e) in rows {
        let x = |ns: f64| format!("{:.2}x", ns / e.engine_spikes);
        println!(
            "| GLIF{level} | {:.1} | {:.1} | {:.1} | {} | {:.1} | {} | {:.1} | {} | {:.1} MB | {:.1} MB | {:.1} ms |",
            e.engine_spikes,
            e.engine_all,
            e.generated,
            x(e.generated),
            e.npy,
            x(e.npy),
            e.npy_all,
            x(e.npy_all),
            e.peak_kib_npy as f64 / 1024.0,
            e.peak_kib_npy_all as f64 / 1024.0,
            e.startup_ms
        );
    }
    println!();
}

/// Names, for each ratio column, the work timed on each side.
fn print_work(ours: &[Ours], theirs: &[Theirs], show_nest: bool) {
    let Some(o0) = ours.first() else {
        return;
    };
    let n = o0.steps;
    let startup = |v: &Value| v["startup_s"].as_f64();
    let allensdk_startup: Vec<String> = ours
        .iter()
        .zip(theirs)
        .filter_map(|(o, t)| match t {
            Theirs::Ran(v) => startup(v).map(|s| format!("GLIF{} {s:.2} s", o.level)),
            _ => None,
        })
        .collect();
    println!("Work on each side of each ratio (every level in a fresh process on both sides; best of {REPEATS} runs on both sides):");
    println!(
        "- speed-up (AllenSDK / glif-rs all recorded): AllenSDK `GlifNeuron.run(stim)` on {n} \
         steps, every output recorded (voltage, threshold, after-spike currents, spikes), each \
         run on a neuron fresh from `from_dict`, timing only `run`; glif-rs \
         `AnyModel::<f64>::run_result` on the same {n} samples, every output recorded into \
         freshly allocated buffers, timing only the run."
    );
    if let Some(e) = ours.iter().find_map(|o| o.e2e.as_ref().ok()) {
        println!(
            "- speed-up (AllenSDK / `glif simulate`): AllenSDK as above, per step, its \
             start-up (Python imports, `from_dict`) not counted{}; glif: the whole `glif \
             simulate --stimulus .npy --record all --output .npz` process (start-up, config, \
             reading the stimulus, the run, writing every output) on {} steps, per step, \
             best of {E2E_RUNS} fresh processes; its start-up (a 20-step run) is {:.1} ms and \
             is counted.",
            if allensdk_startup.is_empty() {
                String::new()
            } else {
                format!(" (measured apart: {})", allensdk_startup.join(", "))
            },
            e.steps,
            e.startup_ms
        );
    }
    if show_nest {
        println!(
            "- NEST / glif-rs spikes only: NEST `nest.Simulate` of one `glif_psc` on the same \
             {n} steps, spikes recorded only, its start-up not counted; glif-rs `run_spikes` \
             on the same samples, spikes only."
        );
    }
    println!();
}

fn print_report(
    opts: &Options,
    venv: &Path,
    ours: &[Ours],
    theirs: &[Theirs],
    elapsed: Duration,
) -> Result<ExitCode, String> {
    let (cpu, cpus) = cpu_model();
    let mut failed = false;
    let mut notes: Vec<String> = Vec::new();

    // Versions and NEST availability, from the first run that says.
    let mut versions = String::new();
    let mut nest_version: Option<String> = None;
    let mut nest_missing: Option<String> = None;
    for t in theirs {
        if let Theirs::Ran(v) = t {
            if versions.is_empty() {
                versions = format!(
                    "AllenSDK {}, numpy {}",
                    v["allensdk_version"].as_str().unwrap_or("?"),
                    v["numpy_version"].as_str().unwrap_or("?")
                );
            }
            match v["nest"]["available"].as_bool() {
                Some(true) if nest_version.is_none() => {
                    nest_version = v["nest"]["nest_version"].as_str().map(str::to_string)
                }
                Some(false) if nest_missing.is_none() => {
                    nest_missing = Some(v["nest"]["reason"].as_str().unwrap_or("").to_string())
                }
                _ => {}
            }
        }
    }
    let show_nest = nest_version.is_some();

    println!(
        "## glif-rs vs AllenSDK{}",
        if show_nest { " and NEST glif_psc" } else { "" }
    );
    println!();
    println!("- Machine: {cpu}, {cpus} logical CPUs");
    println!(
        "- glif-rs: release build, {}, f64, AVX2 {}, AVX-512F {}",
        rustc_version(),
        if cfg!(target_feature = "avx2") {
            "on"
        } else {
            "off"
        },
        if cfg!(target_feature = "avx512f") {
            "on"
        } else {
            "off"
        }
    );
    if !versions.is_empty() {
        println!("- Python side: {versions}");
    }
    if let Some(v) = &nest_version {
        println!("- NEST {v}, glif_psc");
    }
    let o0 = &ours[0];
    println!(
        "- Models: Allen cell 313861677 (Rorb-IRES2-Cre-D), GLIF1..5, dt = {DT:e} s; \
         stimulus: {} ({} steps), a step at {MULTIPLIER} x rheobase{}",
        if opts.quick {
            "0.2 s (--quick): 0.02 s zero, 0.16 s step, 0.02 s zero"
        } else {
            "long_square: 0.1 s zero, 1 s step, 0.1 s zero"
        },
        o0.steps,
        if opts.quick {
            ""
        } else {
            " (the reference set's long_square)"
        }
    );
    println!();

    let mut header = vec![
        "level",
        "steps",
        "AllenSDK µs/step",
        "glif-rs ns/step (all recorded)",
        "glif-rs ns/step (spikes only)",
        "speed-up (AllenSDK / glif-rs all recorded)",
        "spike steps identical",
        "`glif simulate` ns/step (whole process, .npy in, everything recorded to .npz)",
        "speed-up (AllenSDK / `glif simulate`, everything recorded on both sides)",
    ];
    if show_nest {
        header.extend([
            "NEST glif_psc ns/step",
            "NEST / glif-rs spikes only",
            "NEST spikes vs glif-rs",
        ]);
    }
    println!("| {} |", header.join(" | "));
    println!(
        "|{}",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 || i == 6 || i == 11 {
                " --- |"
            } else {
                " ---: |"
            })
            .collect::<String>()
    );

    for (o, t) in ours.iter().zip(theirs) {
        if o.inconsistent {
            failed = true;
            notes.push(format!(
                "GLIF{}: glif-rs's spikes-only run gave other spike steps than its recorded run",
                o.level
            ));
        }
        if o.matches_reference == Some(false) {
            notes.push(format!(
                "GLIF{}: the stimulus differs from reference/traces/teeter_313861677_GLIF{}/long_square's",
                o.level, o.level
            ));
        }
        let mut row = vec![
            format!("GLIF{}", o.level),
            o.steps.to_string(),
            String::new(),
            format!("{:.1}", o.ns_all),
            format!("{:.1}", o.ns_spikes),
            String::new(),
            String::new(),
            match &o.e2e {
                Ok(e) => format!("{:.1}", e.npy_all),
                Err(_) => "—".into(),
            },
            "—".into(),
        ];
        if let Err(msg) = &o.e2e {
            failed = true;
            notes.push(format!("GLIF{}: end to end: {msg}", o.level));
        }
        let mut nest_cells = vec![String::new(); 3];
        match t {
            Theirs::NoVenv => {
                row[2] = "—".into();
                row[5] = "—".into();
                row[6] = format!("not checked ({} spikes)", o.spike_steps.len());
            }
            Theirs::Failed(msg) => {
                failed = true;
                row[2] = "error".into();
                row[5] = "—".into();
                row[6] = "—".into();
                notes.push(format!("GLIF{}: {msg}", o.level));
            }
            Theirs::Ran(v) => {
                if let Some(us) = v["us_per_step"].as_f64() {
                    row[2] = format!("{us:.2}");
                    row[5] = format!("{:.0}x", us * 1e3 / o.ns_all);
                    if let Ok(e) = &o.e2e {
                        row[8] = format!("{:.0}x", us * 1e3 / e.npy_all);
                    }
                } else {
                    failed = true;
                    row[2] = "error".into();
                    row[5] = "—".into();
                    notes.push(format!("GLIF{}: AllenSDK: {}", o.level, v["error"]));
                }
                if v["repeats_agree"] == Value::Bool(false) {
                    failed = true;
                    notes.push(format!(
                        "GLIF{}: AllenSDK's repeated runs gave different spikes",
                        o.level
                    ));
                }
                match steps_of(&v["spike_time_steps"]) {
                    Some(steps) => {
                        let (same, cell) = agreement(&o.spike_steps, &steps);
                        failed |= !same;
                        row[6] = cell;
                    }
                    None => row[6] = "—".into(),
                }
                let nest = &v["nest"];
                if show_nest {
                    match (
                        nest["ns_per_step"].as_f64(),
                        steps_of(&nest["spike_time_steps"]),
                    ) {
                        (Some(ns), Some(steps)) => {
                            nest_cells = vec![
                                format!("{ns:.1}"),
                                format!("{:.1}x", ns / o.ns_spikes),
                                nest_spikes(&o.spike_steps, &steps),
                            ];
                        }
                        _ => {
                            nest_cells = vec!["error".into(), "—".into(), "—".into()];
                            notes.push(format!("GLIF{}: NEST: {}", o.level, nest));
                        }
                    }
                }
            }
        }
        if show_nest {
            row.extend(nest_cells);
        }
        println!("| {} |", row.join(" | "));
    }
    println!();
    print_end_to_end(ours);

    println!(
        "Stimulus amplitudes (A): {}.",
        ours.iter()
            .map(|o| format!("GLIF{} {:e}", o.level, o.amplitude))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if ours.iter().all(|o| o.matches_reference == Some(true)) {
        println!(
            "Each stimulus is exactly the reference `long_square` case's stimulus for that level."
        );
    }
    print_work(ours, theirs, show_nest);
    if show_nest {
        println!(
            "NEST integrates differently (exact voltage, refractory period held, input through \
             a 1 ms-delayed generator), so its spike steps are close to, not equal to, \
             AllenSDK's: the last column gives NEST's spike count against ours and the largest \
             step difference over the spikes paired in order."
        );
    }
    println!("Ratios, not absolute times, are what the docs quote.");
    println!();

    if theirs.iter().any(|t| matches!(t, Theirs::NoVenv)) {
        println!(
            "AllenSDK venv not found ({}): only glif-rs was timed. Create it with \
             `bash scripts/allensdk/setup_venv.sh` (installs AllenSDK 2.16.2, numpy 1.23.5 and \
             nest-simulator), then run `cargo xtask compare` again.",
            venv.join("bin/python").display()
        );
    } else if opts.nest && !show_nest {
        println!("NEST not installed: pip install nest-simulator");
        if let Some(r) = nest_missing.filter(|r| !r.is_empty()) {
            println!("({r})");
        }
    } else if !opts.nest {
        println!("NEST skipped (--no-nest).");
    }
    for n in &notes {
        println!("note: {n}");
    }
    println!("compare: {:.1} s", elapsed.as_secs_f64());
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use glif_reference::env::Outcome;

    /// A fake `bin/python` running `script`, in a fresh folder.
    fn fake_python(name: &str, script: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = glif_reference::scratch_dir(name).join("bin");
        std::fs::create_dir_all(&dir).unwrap();
        let python = dir.join("python");
        std::fs::write(&python, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
        python
    }

    fn level1() -> Ours {
        Ours {
            level: 1,
            config: repo_root()
                .join("reference/configs")
                .join(CONFIG.replace("{}", "1")),
            amplitude: 1e-10,
            stimulus_json: r#"{"kind":"piecewise_constant","n":10,"segments":[]}"#.into(),
            steps: 10,
            ns_all: 1.0,
            ns_spikes: 1.0,
            spike_steps: Vec::new(),
            inconsistent: false,
            matches_reference: None,
            e2e: Err("not run".into()),
        }
    }

    /// AllenSDK's side erroring (a Python that fails, one that prints no
    /// JSON, one that prints JSON but exits non-zero) is a failed check and
    /// a failing exit status, in CI or not.
    #[test]
    fn allensdk_side_errors_fail_the_comparison() {
        for (name, script) in [
            ("dead-python", "echo 'broken on purpose' >&2; exit 1"),
            ("no-json", "echo 'Traceback: ImportError: allensdk'; exit 0"),
            (
                "json-then-crash",
                "echo '{\"spike_time_steps\": []}'; exit 3",
            ),
        ] {
            let python = fake_python(name, script);
            let theirs = run_theirs(&repo_root(), &python, &level1(), false);
            assert!(
                matches!(theirs, Theirs::Failed(_)),
                "{name}: AllenSDK's side should have failed"
            );
            let venv = python.parent().unwrap().parent().unwrap();
            for ci in [false, true] {
                let (outcome, cases, _) =
                    env_check_outcome(venv, std::slice::from_ref(&theirs), ci);
                assert_eq!(
                    (outcome, cases),
                    (Outcome::Failed, 0),
                    "{name} (in CI: {ci}): compare must record a failure and exit non-zero"
                );
            }
        }
    }

    /// A missing venv: a failure in CI, a visible skip elsewhere.
    #[test]
    fn a_missing_venv_fails_only_in_ci() {
        let venv = Path::new("/nonexistent/venv");
        let theirs = [Theirs::NoVenv];
        assert_eq!(env_check_outcome(venv, &theirs, true).0, Outcome::Failed);
        assert_eq!(env_check_outcome(venv, &theirs, false).0, Outcome::Skipped);
    }
}
