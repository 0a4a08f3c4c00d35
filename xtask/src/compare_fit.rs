//! `cargo xtask compare-fit`: the preprocessing of one cell (default
//! `adapting` of `reference/fit/`), glif against AllenSDK's own pipeline,
//! side by side in the same run.
//!
//! - glif: the release `glif fit --stage preprocess --force` process on the
//!   cell's NWB file and sweep table (reads the file, preprocesses,
//!   configures the five levels, writes the six JSON files, prints the
//!   summary), run `--runs` times (default 3); its CPU seconds (user +
//!   system, from `wait4`) and wall seconds, the smallest of the runs.
//! - AllenSDK: `scripts/fit/allensdk_pipeline.py --time CELL_DIR` in the
//!   AllenSDK environment, once: `preprocess_neuron` (reads the same file,
//!   filters, fits every stage) and `configure_model` for the five levels,
//!   timed inside the process (CPU: `time.process_time`, wall:
//!   `time.perf_counter`), without the interpreter's start and the imports,
//!   so AllenSDK's side is its stage alone while glif's is its whole
//!   process (the whole Python process is printed on its own row).
//!
//! With `--optimize` (not in CI: minutes of AllenSDK's time), also the whole
//! fit, preprocessing and the optimizer of every level AllenSDK configured:
//!
//! - glif: the release `glif fit --stage optimize --force` process (all
//!   levels, the optimizer config's 3 x 3 restarts, seed 1234), CPU and
//!   wall seconds.
//! - The work of AllenSDK's optimizer, evaluation by evaluation: glif-fit's
//!   `run_many` (the `run_many_record` example, release) on AllenSDK's own
//!   starting config and Noise 1, which takes AllenSDK's path (the same
//!   evaluations in the same order; glif-fit tests/forced.rs checks it on
//!   reduced restarts of every level of every committed cell): the number of
//!   evaluations at each `dt_multiplier` of the full 3 x 3 schedule, and
//!   glif's CPU seconds for exactly that work.
//! - AllenSDK's optimizer: `allensdk_pipeline.py --time-evals` times
//!   `--evals` calls (default 2) of `GlifOptimizer.error_function` (what
//!   `fmin` calls: the forced-spike runs and `MLIN_list_error`) per level and
//!   multiplier; its optimizer is estimated as the evaluation counts above
//!   times the median CPU seconds per call at each multiplier (a full 3 x 3
//!   AllenSDK run of one level is 10-40 minutes on this machine class). The
//!   whole AllenSDK fit is its measured preprocessing plus those estimates.
//!
//! The machine is shared: CPU seconds are the cost; the load average at the
//! start and the end is printed beside the figures. A missing AllenSDK
//! environment fails under CI and is skipped (and recorded) elsewhere.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use glif_reference::env;
use serde_json::Value;

use crate::compare::{cpu_model, repo_root};

const CHECK: &str = "xtask/compare-fit";

const USAGE: &str = "usage: cargo xtask compare-fit [--cell NAME] [--cells-dir DIR] [--runs N] [--optimize [--evals N]]";

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// Runs `scripts/fit/allensdk_pipeline.py flag args...` with `python`;
/// returns the process's CPU and wall seconds and the last line of its
/// output that is a JSON object.
fn run_pipeline(
    python: &Path,
    root: &Path,
    flag: &str,
    args: &[&std::ffi::OsStr],
) -> Result<(f64, f64, Value), String> {
    let mut cmd = Command::new(python);
    cmd.arg(root.join("scripts/fit/allensdk_pipeline.py"))
        .arg(flag)
        .args(args)
        .env("HDF5_USE_FILE_LOCKING", "FALSE");
    let (ok, cpu, wall, text) = run_timed(cmd)?;
    if !ok {
        return Err(format!(
            "scripts/fit/allensdk_pipeline.py {flag} failed: {}",
            text.trim()
        ));
    }
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("allensdk_pipeline.py {flag} printed no JSON: {text}"))?;
    let v = serde_json::from_str(line).map_err(|e| format!("{line}: {e}"))?;
    Ok((cpu, wall, v))
}

/// `cargo build --release -q args...` in `root`; `what` names the build
/// in the error.
fn cargo_build_release(root: &Path, args: &[&str], what: &str) -> Result<(), String> {
    let built = Command::new(env!("CARGO"))
        .args(["build", "--release", "-q"])
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !built.success() {
        return Err(format!("building {what} failed"));
    }
    Ok(())
}

/// Builds the release `glif` binary with the `nwb` feature; returns its path.
pub(crate) fn build_glif_nwb(root: &Path) -> Result<PathBuf, String> {
    cargo_build_release(
        root,
        &["-p", "glif-cli", "--features", "nwb"],
        "glif with the nwb feature",
    )?;
    Ok(root.join("target/release/glif"))
}

/// Runs `cmd` to its end; returns (exit status 0, CPU seconds of the child
/// (user + system), wall seconds, stdout).
fn run_timed(mut cmd: Command) -> Result<(bool, f64, f64, String), String> {
    let t = Instant::now();
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let (ok, cpu, out) = wait_cpu(child)?;
    Ok((ok, cpu, t.elapsed().as_secs_f64(), out))
}

/// Waits for `child` with `wait4` (its own CPU time), after reading its
/// output.
#[cfg(unix)]
fn wait_cpu(mut child: std::process::Child) -> Result<(bool, f64, String), String> {
    use std::io::Read;
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    let (ok, usage) = crate::compare::wait4(child)?;
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    let cpu = secs(usage.ru_utime) + secs(usage.ru_stime);
    if !ok {
        out.push_str(&err);
    }
    Ok((ok, cpu, out))
}

#[cfg(not(unix))]
fn wait_cpu(child: std::process::Child) -> Result<(bool, f64, String), String> {
    let o = child.wait_with_output().map_err(|e| e.to_string())?;
    Ok((
        o.status.success(),
        f64::NAN,
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    ))
}

/// Runs the command.
pub fn run(args: &[String]) -> ExitCode {
    let root = repo_root();
    let mut cell = "adapting".to_string();
    let mut cells_dir = root.join("target/fit-cells");
    let mut runs = 3usize;
    let mut optimize = false;
    let mut evals = 2usize;
    let mut args: Vec<String> = args.to_vec();
    if let Some(i) = args.iter().position(|a| a == "--optimize") {
        optimize = true;
        args.remove(i);
    }
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match (a.as_str(), it.next()) {
            ("--evals", Some(n)) => match n.parse() {
                Ok(n) if n > 0 => evals = n,
                _ => {
                    eprintln!("--evals {n}: expected a whole number above 0\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            ("--cell", Some(c)) => cell = c.clone(),
            ("--cells-dir", Some(p)) => cells_dir = PathBuf::from(p),
            ("--runs", Some(n)) => match n.parse() {
                Ok(n) if n > 0 => runs = n,
                _ => {
                    eprintln!("--runs {n}: expected a whole number above 0\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let result = compare(&root, &cells_dir.join(&cell), runs).and_then(|py_pre_cpu| {
        if optimize {
            compare_optimize(&root, &cell, &cells_dir.join(&cell), py_pre_cpu, evals)
        } else {
            Ok(())
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare-fit: {e}");
            if env::unavailable(CHECK, &e) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The preprocessing side by side; returns AllenSDK's CPU seconds.
fn compare(root: &Path, cell: &Path, runs: usize) -> Result<f64, String> {
    let nwb = cell.join("cell.nwb");
    if !nwb.is_file() {
        return Err(format!(
            "{}: no such file (write the cells with scripts/fit/make_cells.py --out DIR, or run cargo xtask verify-fit, which regenerates them)",
            nwb.display()
        ));
    }
    let python =
        env::python(CHECK).ok_or("no AllenSDK environment (scripts/allensdk/setup_venv.sh)")?;
    let glif = build_glif_nwb(root)?;
    let out = root.join("target/compare-fit");
    let (model, cpus) = cpu_model();
    let load_start = load_average();

    let mut glif_best = (f64::INFINITY, f64::INFINITY);
    for _ in 0..runs {
        let mut cmd = Command::new(&glif);
        cmd.args(["fit", "--stage", "preprocess", "--force", "--nwb"])
            .arg(&nwb)
            .arg("--sweeps")
            .arg(cell.join("ephys_sweeps.json"))
            .arg("--output")
            .arg(&out)
            .env("HDF5_USE_FILE_LOCKING", "FALSE");
        let (ok, cpu, wall, text) = run_timed(cmd)?;
        if !ok {
            return Err(format!("glif fit failed: {}", text.trim()));
        }
        glif_best = (glif_best.0.min(cpu), glif_best.1.min(wall));
    }

    let (py_process_cpu, py_process_wall, t) =
        run_pipeline(&python, root, "--time", &[cell.as_os_str()])?;
    let get = |k: &str| {
        t[k].as_f64()
            .ok_or_else(|| format!("allensdk_pipeline.py --time: no {k} in {t}"))
    };
    let (py_cpu, py_wall) = (get("cpu_s")?, get("wall_s")?);
    let load_end = load_average();

    println!(
        "compare-fit: preprocessing {} ({}), {model}, {cpus} CPUs, load average {load_start} at the start, {load_end} at the end",
        cell.file_name().unwrap_or_default().to_string_lossy(),
        nwb.display()
    );
    println!("| side | what it did | CPU s | wall s |");
    println!("|---|---|---|---|");
    println!(
        "| glif (best of {runs}) | the whole `glif fit --stage preprocess` process: read the NWB file, preprocess, configure 5 levels, write 6 JSON files | {:.3} | {:.3} |",
        glif_best.0, glif_best.1
    );
    println!(
        "| AllenSDK | `preprocess_neuron` + `configure_model` x 5 in one Python process (imports and interpreter start not counted) | {py_cpu:.2} | {py_wall:.2} |"
    );
    println!(
        "| (AllenSDK process) | the whole Python process: interpreter start, AllenSDK's imports (with the Python 3 patches), the stage | {py_process_cpu:.2} | {py_process_wall:.2} |"
    );
    println!(
        "glif is {:.0}x faster in CPU time and {:.0}x in wall time (AllenSDK's stage against glif's whole process)",
        py_cpu / glif_best.0,
        py_wall / glif_best.1
    );
    env::record(CHECK, env::Outcome::Ran, 1, "");
    Ok(py_cpu)
}

/// The median of `xs` (not empty).
fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        0.5 * (xs[n / 2 - 1] + xs[n / 2])
    }
}

/// The whole fit (`--optimize`): see the module documentation.
fn compare_optimize(
    root: &Path,
    cell_name: &str,
    cell: &Path,
    py_pre_cpu: f64,
    evals: usize,
) -> Result<(), String> {
    let python =
        env::python(CHECK).ok_or("no AllenSDK environment (scripts/allensdk/setup_venv.sh)")?;
    let level_dir = root.join("reference/fit").join(cell_name);
    cargo_build_release(
        root,
        &["-p", "glif-fit", "--example", "run_many_record"],
        "glif-fit's run_many_record example",
    )?;
    let record = root.join("target/release/examples/run_many_record");
    let glif = root.join("target/release/glif");
    let work = root.join("target/compare-fit-optimize");
    let inputs = work.join("inputs");
    std::fs::create_dir_all(&inputs).map_err(|e| format!("{}: {e}", inputs.display()))?;
    let load_start = load_average();

    // glif: the whole fit as a user runs it.
    let mut cmd = Command::new(&glif);
    cmd.args([
        "fit", "--stage", "optimize", "--force", "--seed", "1234", "--nwb",
    ])
    .arg(cell.join("cell.nwb"))
    .arg("--sweeps")
    .arg(cell.join("ephys_sweeps.json"))
    .arg("--output")
    .arg(work.join("glif"))
    .env("HDF5_USE_FILE_LOCKING", "FALSE")
    .env("NO_COLOR", "1");
    let (ok, glif_cpu, glif_wall, text) = run_timed(cmd)?;
    if !ok {
        return Err(format!("glif fit --stage optimize failed: {}", text.trim()));
    }
    let glif_evals: usize = text
        .lines()
        .filter_map(|l| {
            // "wrote GLIF1_neuron_config.json (th_inf coefficient C, MLIN E, N forced-spike evaluations = ..."
            let (before, _) = l.split_once(" forced-spike evaluations")?;
            before.rsplit(' ').next()?.parse::<usize>().ok()
        })
        .sum();

    // AllenSDK: the cost of one evaluation at each multiplier, and its inputs.
    let evals_arg = evals.to_string();
    let (_, _, per_eval) = run_pipeline(
        &python,
        root,
        "--time-evals",
        &[
            cell.as_os_str(),
            level_dir.as_os_str(),
            "--evals".as_ref(),
            evals_arg.as_ref(),
            "--currents-dir".as_ref(),
            inputs.as_os_str(),
        ],
    )?;
    let levels = per_eval
        .as_object()
        .ok_or_else(|| format!("--time-evals: not an object: {per_eval}"))?;

    println!();
    println!(
        "compare-fit --optimize: {cell_name}, the optimizer config's restarts (3 x 3), seed 1234"
    );
    println!("| level | evaluations at x100 / x32 / x10 | AllenSDK CPU s per evaluation at x100 / x32 / x10 (median of {evals}) | AllenSDK optimizer, CPU s (estimated) | glif optimizer, CPU s | ratio |");
    println!("|---|---|---|---|---|---|");
    let (mut py_opt, mut glif_opt, mut n_all) = (0.0, 0.0, 0usize);
    for (level, mults) in levels {
        let mut cost = [0.0; 3];
        for (k, m) in ["100", "32", "10"].iter().enumerate() {
            let mut xs: Vec<f64> = mults[*m]["cpu_s"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();
            if xs.is_empty() {
                return Err(format!("--time-evals: no times for {level} x{m}"));
            }
            cost[k] = median(&mut xs);
        }
        let n_sweeps = std::fs::read_dir(&inputs)
            .map_err(|e| e.to_string())?
            .filter_map(Result::ok)
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with(&format!("{level}_i")) && n.ends_with(".f32")
            })
            .count();
        let mut cmd = Command::new(&record);
        cmd.arg(level_dir.join(format!("{level}_neuron_config.json")))
            .arg(level_dir.join(format!("{level}_optimizer_config.json")))
            .arg(inputs.join(format!("{level}_spikes.json")))
            .arg("1234");
        for k in 0..n_sweeps {
            cmd.arg(inputs.join(format!("{level}_i{k}.f32")));
        }
        let (ok, cpu, _, text) = run_timed(cmd)?;
        if !ok {
            return Err(format!("run_many_record {level}: {}", text.trim()));
        }
        let r: Value = serde_json::from_str(text.trim()).map_err(|e| format!("{text}: {e}"))?;
        let mut counts = [0usize; 3];
        for e in r["evaluations"].as_array().into_iter().flatten() {
            match e[1].as_u64() {
                Some(100) => counts[0] += 1,
                Some(32) => counts[1] += 1,
                Some(10) => counts[2] += 1,
                _ => return Err(format!("run_many_record {level}: evaluation {e}")),
            }
        }
        let py: f64 = counts.iter().zip(cost).map(|(n, c)| *n as f64 * c).sum();
        py_opt += py;
        glif_opt += cpu;
        n_all += counts.iter().sum::<usize>();
        println!(
            "| {level} | {} / {} / {} | {:.3} / {:.3} / {:.3} | {py:.0} | {cpu:.2} | {:.0}x |",
            counts[0],
            counts[1],
            counts[2],
            cost[0],
            cost[1],
            cost[2],
            py / cpu
        );
    }
    let load_end = load_average();
    let py_all = py_pre_cpu + py_opt;
    println!(
        "| all | {n_all} | | {py_opt:.0} | {glif_opt:.2} | {:.0}x |",
        py_opt / glif_opt
    );
    println!(
        "whole fit: AllenSDK {py_all:.0} CPU s (preprocessing {py_pre_cpu:.1} measured, optimizer {py_opt:.0} estimated); `glif fit --stage optimize` process {glif_cpu:.2} CPU s, {glif_wall:.2} wall s ({glif_evals} evaluations on glif's own starting configs): {:.0}x in CPU time; load average {load_start} at the start, {load_end} at the end",
        py_all / glif_cpu
    );
    Ok(())
}
