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

const USAGE: &str = "usage: cargo xtask compare-fit [--cell NAME] [--cells-dir DIR] [--runs N]";

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// Builds the release `glif` binary with the `nwb` feature; returns its path.
pub(crate) fn build_glif_nwb(root: &Path) -> Result<PathBuf, String> {
    let built = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "glif-cli",
            "--features",
            "nwb",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !built.success() {
        return Err("building glif with the nwb feature failed".into());
    }
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
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match (a.as_str(), it.next()) {
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
    match compare(&root, &cells_dir.join(&cell), runs) {
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

fn compare(root: &Path, cell: &Path, runs: usize) -> Result<(), String> {
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

    let mut cmd = Command::new(&python);
    cmd.arg(root.join("scripts/fit/allensdk_pipeline.py"))
        .arg("--time")
        .arg(cell)
        .env("HDF5_USE_FILE_LOCKING", "FALSE");
    let (ok, py_process_cpu, py_process_wall, text) = run_timed(cmd)?;
    if !ok {
        return Err(format!(
            "scripts/fit/allensdk_pipeline.py --time failed: {}",
            text.trim()
        ));
    }
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("allensdk_pipeline.py --time printed no JSON: {text}"))?;
    let t: Value = serde_json::from_str(line).map_err(|e| format!("{line}: {e}"))?;
    let get = |k: &str| {
        t[k].as_f64()
            .ok_or_else(|| format!("allensdk_pipeline.py --time: no {k} in {line}"))
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
    Ok(())
}
