//! `cargo xtask fit-beyond`: the per-cell results of going beyond the Allen
//! pipeline (issue 22 item 7), measured with the `glif` binary on every
//! committed cell of `reference/fit/` (the NWB files regenerated into
//! `--cells-dir`, default `target/fit-cells`, by `scripts/fit/make_cells.py`;
//! `cargo xtask verify-fit` regenerates them).
//!
//! Per cell, two runs of `glif fit --stage optimize` (AllenSDK's 3 x 3
//! settings, seed 1234): `--optimizer allen --extended` and
//! `--optimizer fast`; their `optimizer_summary.json` files give, per level,
//! each optimizer's forced-spike runs and MLIN error at the finest
//! multiplier, and the explained variance on the held-out Noise 2 of the
//! Allen-settings and the extended fit. Prints the table (Markdown, as
//! committed in docs/FITTING.md). Fails when the fast optimizer's MLIN is
//! above the Allen optimizer's by more than [`FAST_MLIN_REL`] relative or
//! it makes fewer than [`MIN_RUN_RATIO`] times fewer forced-spike runs.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::Value;

use crate::compare::repo_root;

/// The bound: the fast optimizer's MLIN within 1e-6 relative of the
/// Allen optimizer's best (lower is allowed: Nelder-Mead stops at xtol 1e-5
/// before the exact minimum).
pub const FAST_MLIN_REL: f64 = 1e-6;

/// The bound: at least 10 times fewer forced-spike runs.
pub const MIN_RUN_RATIO: f64 = 10.0;

fn read_json(p: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
}

/// Runs the command.
pub fn run(args: &[String]) -> ExitCode {
    let root = repo_root();
    let mut cells_dir = root.join("target/fit-cells");
    let mut only: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match (a.as_str(), it.next()) {
            ("--cells-dir", Some(p)) => cells_dir = PathBuf::from(p),
            ("--cells", Some(c)) => only = c.split(',').map(str::to_string).collect(),
            _ => {
                eprintln!("usage: cargo xtask fit-beyond [--cells-dir DIR] [--cells a,b,...]");
                return ExitCode::from(2);
            }
        }
    }
    match measure(&root, &cells_dir, &only) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("fit-beyond: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One level's row.
struct Row {
    cell: String,
    level: String,
    allen_runs: u64,
    allen_mlin: f64,
    fast_runs: u64,
    fast_mlin: f64,
    /// (Allen settings, extended) Noise 2 EV ratio; `None` for a level with
    /// nothing to extend or a model that failed to run (with its message).
    ev2: Option<(Result<f64, String>, Result<f64, String>)>,
}

fn ratio(v: &Value) -> Result<f64, String> {
    v["ratio"]
        .as_f64()
        .ok_or_else(|| v["error"].as_str().unwrap_or("no value").to_string())
}

fn glif_fit(glif: &Path, cell_dir: &Path, out: &Path, extra: &[&str]) -> Result<Value, String> {
    let o = Command::new(glif)
        .args(["fit", "--stage", "optimize", "--force", "--nwb"])
        .arg(cell_dir.join("cell.nwb"))
        .arg("--sweeps")
        .arg(cell_dir.join("ephys_sweeps.json"))
        .arg("--output")
        .arg(out)
        .args(extra)
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .output()
        .map_err(|e| format!("{}: {e}", glif.display()))?;
    if !o.status.success() {
        return Err(format!(
            "glif fit {} on {} failed: {}",
            extra.join(" "),
            cell_dir.display(),
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    read_json(&out.join("optimizer_summary.json"))
}

fn measure(root: &Path, cells_dir: &Path, only: &[String]) -> Result<bool, String> {
    let reference = root.join("reference/fit");
    let mut cells: Vec<String> = std::fs::read_dir(&reference)
        .map_err(|e| format!("{}: {e}", reference.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("preprocessor_values.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|c| only.is_empty() || only.contains(c))
        .collect();
    cells.sort();
    if cells.is_empty() {
        return Err("no cells to measure".into());
    }
    for c in &cells {
        if !cells_dir.join(c).join("cell.nwb").is_file() {
            return Err(format!(
                "{}/{c}/cell.nwb is missing: regenerate the cells with `cargo xtask verify-fit` or scripts/fit/make_cells.py --out {}",
                cells_dir.display(),
                cells_dir.display()
            ));
        }
    }
    let glif = crate::compare_fit::build_glif_nwb(root)?;
    let mut rows = Vec::new();
    for cell in &cells {
        let out = root.join("target/fit-beyond").join(cell);
        eprintln!("fit-beyond: {cell} (Allen optimizer and extended fits, then fast)");
        let allen = glif_fit(
            &glif,
            &cells_dir.join(cell),
            &out.join("allen"),
            &["--optimizer", "allen", "--extended"],
        )?;
        let fast = glif_fit(
            &glif,
            &cells_dir.join(cell),
            &out.join("fast"),
            &["--optimizer", "fast"],
        )?;
        let levels = allen["levels"]
            .as_object()
            .ok_or("optimizer_summary.json without levels")?;
        for (level, a) in levels {
            let f = &fast["levels"][level];
            let num = |v: &Value, k: &str| {
                v[k].as_f64()
                    .ok_or_else(|| format!("{cell} {level}: no {k} in optimizer_summary.json"))
            };
            let ev2 = a.get("extended").map(|x| {
                (
                    ratio(&x["ev_noise2"]["allen_settings"]),
                    ratio(&x["ev_noise2"]["extended"]),
                )
            });
            rows.push(Row {
                cell: cell.clone(),
                level: level.clone(),
                allen_runs: num(a, "forced_runs")? as u64,
                allen_mlin: num(a, "mlin")?,
                fast_runs: num(f, "forced_runs")? as u64,
                fast_mlin: num(f, "mlin")?,
                ev2,
            });
        }
    }
    Ok(report(&rows))
}

fn fmt_ev(r: &Result<f64, String>) -> String {
    match r {
        Ok(v) => format!("{:.1} %", v * 100.0),
        Err(e) => format!("failed ({e})"),
    }
}

/// Prints the table and the summary; whether every fast fit met the bounds.
fn report(rows: &[Row]) -> bool {
    println!("| cell | level | Allen: forced runs | Allen: MLIN | fast: forced runs (fewer) | fast: MLIN | fast - Allen (rel.) | EV Noise 2: Allen settings | EV Noise 2: extended | extended - Allen |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut ok = true;
    let mut changes = Vec::new();
    for r in rows {
        let rel = (r.fast_mlin - r.allen_mlin) / r.allen_mlin.abs();
        let run_ratio = r.allen_runs as f64 / r.fast_runs as f64;
        let pass = rel <= FAST_MLIN_REL && run_ratio >= MIN_RUN_RATIO;
        ok &= pass;
        let (e_a, e_x, d) = match &r.ev2 {
            None => (
                "-".to_string(),
                "- (nothing beyond th_inf)".to_string(),
                "-".to_string(),
            ),
            Some((a, x)) => {
                let d = match (a, x) {
                    (Ok(a), Ok(x)) => {
                        changes.push((r.cell.clone(), r.level.clone(), x - a));
                        format!("{:+.1} points", (x - a) * 100.0)
                    }
                    _ => "-".to_string(),
                };
                (fmt_ev(a), fmt_ev(x), d)
            }
        };
        println!(
            "| {} | {} | {} | {:.9} | {} ({:.0}x) | {:.9} | {:+.1e}{} | {e_a} | {e_x} | {d} |",
            r.cell,
            r.level,
            r.allen_runs,
            r.allen_mlin,
            r.fast_runs,
            run_ratio,
            r.fast_mlin,
            rel,
            if pass { "" } else { " FAILED" },
        );
    }
    let n = rows.len();
    let worst = rows
        .iter()
        .map(|r| (r.fast_mlin - r.allen_mlin) / r.allen_mlin.abs())
        .fold(f64::NEG_INFINITY, f64::max);
    let min_ratio = rows
        .iter()
        .map(|r| r.allen_runs as f64 / r.fast_runs as f64)
        .fold(f64::INFINITY, f64::min);
    println!();
    println!(
        "fast optimizer: {n} cell-levels, MLIN at most {worst:+.1e} relative above the Allen optimizer's best (bound {FAST_MLIN_REL:e}), at least {min_ratio:.0}x fewer forced-spike runs (bound {MIN_RUN_RATIO}x): {}",
        if ok { "all within" } else { "FAILED" }
    );
    let up: Vec<&(String, String, f64)> = changes.iter().filter(|c| c.2 > 0.0).collect();
    let down: Vec<&(String, String, f64)> = changes.iter().filter(|c| c.2 < 0.0).collect();
    let span = |v: &[&(String, String, f64)]| {
        let lo = v.iter().map(|c| c.2.abs()).fold(f64::INFINITY, f64::min);
        let hi = v.iter().map(|c| c.2.abs()).fold(0.0, f64::max);
        if v.is_empty() {
            String::new()
        } else {
            format!(" (by {:.1} to {:.1} points)", lo * 100.0, hi * 100.0)
        }
    };
    let mut cells_up: Vec<&String> = up.iter().map(|c| &c.0).collect();
    cells_up.dedup();
    let mut cells_all: Vec<&String> = changes.iter().map(|c| &c.0).collect();
    cells_all.dedup();
    println!(
        "extended fits: Noise 2 explained variance higher for {} of {} cell-levels{}, lower for {}{}, unchanged for {}; {} of {} cells have a level that rises",
        up.len(),
        changes.len(),
        span(&up),
        down.len(),
        span(&down),
        changes.len() - up.len() - down.len(),
        cells_up.len(),
        cells_all.len(),
    );
    ok
}
