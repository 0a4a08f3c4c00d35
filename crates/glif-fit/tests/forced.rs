//! Forced-spike runs and `MLIN_list_error` against AllenSDK's, recorded in
//! `reference/fit/<cell>/optimizer.json` (`scripts/fit/allensdk_pipeline.py
//! --part2`, `--part2-only`): for every committed cell ([`CELLS`]), every
//! level AllenSDK configured and `dt_multiplier` 100, 32 and 10 at
//! coefficient 1; and `GlifOptimizer.run_many(seed)` on reduced restarts
//! (`run_many_*.json`), replayed through the entry point `glif fit --stage
//! optimize` calls (`glif_fit::optimizer::optimize_levels`).
//!
//! The Noise 1 currents are loaded by AllenSDK's own `load_sweeps` from the
//! regenerated cell (`target/fit-cells/<cell>/cell.nwb`, written by
//! `scripts/fit/make_cells.py` when missing) in the AllenSDK environment,
//! as the reference run loaded them; the recorded spike indices are the
//! reference's. Every array of every run is compared bit for bit: the short
//! ones (per-spike values) whole, the long ones (voltage, threshold,
//! after-spike currents: one value per step) by the SHA-256 of all their
//! values and the 20 samples the reference stores. The MLIN value is
//! compared bit for bit.

mod common;

use std::path::{Path, PathBuf};

use glif_fit::fast::fast_th_inf;
use glif_fit::forced::{ForcedNeuron, ForcedRun};
use glif_fit::mlin::{mlin_list_error, MlinData};
use glif_fit::optimizer::{best_error, fast_as_run_many, optimize_levels, LevelJob, Optimizer};
use glif_reference::tolerance::FIT_RUN_MANY_BEST_REL;
use serde_json::Value;

const CHECK: &str = "fit/forced";

/// The committed cells of `reference/fit/` (`scripts/fit/make_cells.py`).
const CELLS: [&str; 5] = [
    "adapting",
    "fastspiking",
    "noisybaseline",
    "notriple",
    "sparse",
];

/// The levels AllenSDK configured for `cell` (those with a
/// `GLIF<n>_neuron_config.json`; the refused ones have `GLIF<n>_refused.json`).
fn configured_levels(cell: &str) -> Vec<String> {
    let dir = repo().join("reference/fit").join(cell);
    (1..=5)
        .map(|n| format!("GLIF{n}"))
        .filter(|l| dir.join(format!("{l}_neuron_config.json")).is_file())
        .collect()
}

const LOAD: &str = r#"
import json, sys, os, logging, warnings
import numpy as np
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
import allensdk.internal.model.glif.find_sweeps as fs
from allensdk.internal.model.data_access import load_sweeps
inp = json.load(sys.stdin)
index = {s["sweep_number"]: s for s in json.load(open(inp["sweeps"]))}
noise = fs.find_noise_sweeps(index)
d = load_sweeps(inp["nwb"], noise["noise1"], inp["dt"], inp["cut"], inp["bessel"])
out = []
for k, c in enumerate(d["current"]):
    assert c.dtype == np.float32, c.dtype
    p = os.path.join(inp["dir"], "i%d.f32" % k)
    c.astype("<f4").tofile(p)
    out.append(p)
print(json.dumps(out))
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The cell's NWB file and sweep table, regenerated when missing.
/// The tests of this file run in parallel and share the cells: one at a
/// time checks and writes them, so no test opens a cell another is still
/// writing (on a clean checkout, where `target/fit-cells` is empty).
fn cell_files(cell: &str) -> Option<(PathBuf, PathBuf)> {
    static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = repo().join("target/fit-cells").join(cell);
    let (nwb, sweeps) = (dir.join("cell.nwb"), dir.join("ephys_sweeps.json"));
    if !nwb.is_file() {
        let python = glif_reference::env::python(CHECK)?;
        let ok = std::process::Command::new(python)
            .arg(repo().join("scripts/fit/make_cells.py"))
            .arg("--out")
            .arg(repo().join("target/fit-cells"))
            .args(["--cells", cell, "--check"])
            .status()
            .expect("start make_cells.py")
            .success();
        assert!(ok, "make_cells.py failed for {cell}");
    }
    Some((nwb, sweeps))
}

/// The Noise 1 currents as AllenSDK's `load_sweeps` loads them for a level
/// (its config's dt, cut and Bessel filter); `None` when the environment is
/// missing outside CI.
fn load_noise1(
    check: &str,
    nwb: &Path,
    sweeps: &Path,
    nc: &Value,
    oc: &Value,
    tmp: &Path,
) -> Option<Vec<Vec<f32>>> {
    let input = serde_json::json!({"nwb": nwb, "sweeps": sweeps, "dt": nc["dt"],
        "cut": oc["cut"], "bessel": oc["bessel"], "dir": tmp});
    let paths = common::oracle(check, LOAD, &input)?;
    Some(
        paths
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                std::fs::read(p.as_str().unwrap())
                    .unwrap()
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                    .collect()
            })
            .collect(),
    )
}

/// A `run_many_<level>_*.json` record of `cell` and its level's inputs.
struct RecordInputs {
    rec: Value,
    level: String,
    /// The level's starting neuron and optimizer configs.
    nc: Value,
    oc: Value,
    /// Noise 1 currents as AllenSDK loads them.
    currents: Vec<Vec<f32>>,
    /// The recorded spikes.
    spikes: Vec<Vec<usize>>,
}

/// Reads the record at `path` and its inputs; `None` when the cell's files
/// or the environment are missing outside CI.
fn record_inputs(check: &str, cell: &str, path: &Path) -> Option<RecordInputs> {
    let rec = read_json(path);
    let level = path
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .split('_')
        .nth(2)
        .unwrap()
        .to_string();
    let refdir = repo().join("reference/fit").join(cell);
    let nc = read_json(&refdir.join(format!("{level}_neuron_config.json")));
    let oc = read_json(&refdir.join(format!("{level}_optimizer_config.json")));
    let (nwb, sweeps) = cell_files(cell)?;
    let tmp = std::env::temp_dir().join(format!(
        "glif-fit-{}-{}-{cell}-{level}",
        check.replace('/', "-"),
        std::process::id()
    ));
    std::fs::create_dir_all(&tmp).unwrap();
    let currents = load_noise1(check, &nwb, &sweeps, &nc, &oc, &tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    let spikes = spike_lists(&rec);
    Some(RecordInputs {
        rec,
        level,
        nc,
        oc,
        currents: currents?,
        spikes,
    })
}

fn spike_lists(rec: &Value) -> Vec<Vec<usize>> {
    rec["noise1_spike_ind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect()
        })
        .collect()
}

fn mlin_data(oc: &Value) -> MlinData {
    MlinData {
        sv: oc["error_function_data"]["sv_for_expsymm"]
            .as_f64()
            .unwrap(),
        tau_from_ac: oc["error_function_data"]["tau_from_AC"].as_f64().unwrap(),
    }
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

fn bits_eq(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Compares `got` with the reference's record of an array (whole, or a
/// digest and samples); returns a description of the first difference.
fn compare(what: &str, got: &[f64], want: &Value) -> Result<(), String> {
    if let Some(d) = want.get("array") {
        let d = &d;
        let len = d["len"].as_u64().unwrap() as usize;
        if len != got.len() {
            return Err(format!("{what}: {} values, AllenSDK {len}", got.len()));
        }
        for (k, v) in d["samples"].as_object().unwrap() {
            let i: usize = k.parse().unwrap();
            let w = v.as_f64().unwrap_or(f64::NAN);
            if !bits_eq(got[i], w) {
                return Err(format!("{what}[{i}] = {:e}, AllenSDK {w:e}", got[i]));
            }
        }
        let bytes: Vec<u8> = got.iter().flat_map(|x| x.to_le_bytes()).collect();
        let h: String = glif_io::nest::sha256(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if h != d["sha256_f64le"].as_str().unwrap() {
            return Err(format!("{what}: SHA-256 differs (the samples agree)"));
        }
        return Ok(());
    }
    let w = want.as_array().unwrap();
    if w.len() != got.len() {
        return Err(format!(
            "{what}: {} values, AllenSDK {}",
            got.len(),
            w.len()
        ));
    }
    for (i, (g, w)) in got.iter().zip(w).enumerate() {
        let w = w.as_f64().unwrap_or(f64::NAN);
        if !bits_eq(*g, w) {
            return Err(format!("{what}[{i}] = {g:e}, AllenSDK {w:e}"));
        }
    }
    Ok(())
}

fn compare_run(sweep: usize, r: &ForcedRun, want: &Value, problems: &mut Vec<String>) {
    let fields: [(&str, &[f64]); 11] = [
        ("voltage", &r.voltage),
        ("threshold", &r.threshold),
        ("AScurrent_matrix", &r.asc_matrix),
        ("grid_ISI", &r.grid_isi),
        ("interpolated_ISI", &r.interpolated_isi),
        ("grid_model_spike_times", &r.grid_model_spike_times),
        (
            "interpolated_model_spike_times",
            &r.interpolated_model_spike_times,
        ),
        ("grid_model_spike_voltages", &r.grid_model_spike_voltages),
        (
            "interpolated_model_spike_voltages",
            &r.interpolated_model_spike_voltages,
        ),
        (
            "grid_bio_spike_model_voltage",
            &r.grid_bio_spike_model_voltage,
        ),
        (
            "grid_bio_spike_model_threshold",
            &r.grid_bio_spike_model_threshold,
        ),
    ];
    for (name, got) in fields {
        if let Err(e) = compare(&format!("sweep {sweep} {name}"), got, &want[name][sweep]) {
            problems.push(e);
        }
    }
}

#[test]
fn forced_runs_and_mlin_match_allensdk_on_the_committed_cells() {
    let mut cases = 0;
    let mut expected = 0;
    let mut problems = Vec::new();
    for cell in CELLS {
        let refdir = repo().join("reference/fit").join(cell);
        let reference = read_json(&refdir.join("optimizer.json"));
        // Every level AllenSDK configured has its record at the three multipliers.
        for level in configured_levels(cell) {
            let forced = &reference[&level]["forced"];
            for m in ["100", "32", "10"] {
                assert!(
                    forced.get(m).is_some(),
                    "{cell}/optimizer.json has no forced run of {level} at dt_multiplier {m}"
                );
            }
            expected += 3;
        }
        let Some((nwb, sweeps)) = cell_files(cell) else {
            return;
        };
        let tmp =
            std::env::temp_dir().join(format!("glif-fit-forced-{}-{cell}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let mut loaded: Option<(String, Vec<Vec<f32>>)> = None;
        for (level, rec) in reference.as_object().unwrap() {
            let nc = read_json(&refdir.join(format!("{level}_neuron_config.json")));
            let oc = read_json(&refdir.join(format!("{level}_optimizer_config.json")));
            let key = format!("{} {} {}", nc["dt"], oc["bessel"], oc["cut"]);
            if loaded.as_ref().map(|l| &l.0) != Some(&key) {
                let Some(currents) = load_noise1(CHECK, &nwb, &sweeps, &nc, &oc, &tmp) else {
                    return;
                };
                loaded = Some((key, currents));
            }
            let currents = &loaded.as_ref().unwrap().1;
            let spikes = spike_lists(rec);
            let data = mlin_data(&oc);
            for (mult, f) in rec["forced"].as_object().unwrap() {
                let mut neuron = ForcedNeuron::from_config(&nc).unwrap();
                neuron.set_dt_multiplier(mult.parse().unwrap()).unwrap();
                let runs: Vec<ForcedRun> = currents
                    .iter()
                    .zip(&spikes)
                    .map(|(i, s)| neuron.run(i, s, &f64::exp).unwrap())
                    .collect();
                let before = problems.len();
                for (k, r) in runs.iter().enumerate() {
                    compare_run(k, r, &f["run"], &mut problems);
                }
                let sw: Vec<(&[usize], &[f64], &[f64])> = runs
                    .iter()
                    .zip(&spikes)
                    .map(|(r, s)| (s.as_slice(), r.voltage.as_slice(), r.threshold.as_slice()))
                    .collect();
                let got = mlin_list_error(&sw, neuron.spike_cut_length, neuron.dt, data).unwrap();
                let want = f["MLIN_list_error"].as_f64().unwrap();
                if !bits_eq(got, want) {
                    problems.push(format!("MLIN_list_error = {got:e}, AllenSDK {want:e}"));
                }
                for p in &mut problems[before..] {
                    *p = format!("{cell} {level} x{mult}: {p}");
                }
                cases += 1;
            }
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems[..problems.len().min(40)].join("\n")
    );
    assert_eq!(
        cases, expected,
        "every configured level of every cell at 3 multipliers"
    );
    glif_reference::env::record(
        CHECK,
        glif_reference::env::Outcome::Ran,
        cases,
        "every array of every forced run and every MLIN value bit for bit",
    );
}

/// `GlifOptimizer.run_many(seed)` as `allensdk_pipeline.py --run-many-only
/// CELL:LEVEL:SEED:OUTER:INNER` (or `--run-many-all`) recorded it
/// (`reference/fit/<cell>/run_many_<level>_s<seed>_o<outer>_i<inner>.json`),
/// replayed through `optimize_levels` (what `glif fit --stage optimize
/// --seed S --restarts OUTERxINNER` calls) on AllenSDK's starting config:
/// the same evaluations (coefficient, dt_multiplier, MLIN) in the same
/// order and the same restarts, bit for bit; the best coefficient within
/// [`FIT_RUN_MANY_BEST_REL`] (measured: bit for bit). Every level AllenSDK
/// configured on every committed cell has a record.
#[test]
fn run_many_takes_allensdks_path_evaluation_by_evaluation() {
    const CHECK_RM: &str = "fit/run-many";
    let mut records = Vec::new();
    let mut missing = Vec::new();
    for cell in CELLS {
        let dir = repo().join("reference/fit").join(cell);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("run_many_") && n.ends_with(".json"))
            .collect();
        names.sort();
        for level in configured_levels(cell) {
            if !names
                .iter()
                .any(|n| n.starts_with(&format!("run_many_{level}_")))
            {
                missing.push(format!("{cell} {level}"));
            }
        }
        records.extend(names.into_iter().map(|n| (cell, dir.join(n))));
    }
    assert!(
        missing.is_empty(),
        "configured levels without a run_many record in reference/fit: {}",
        missing.join(", ")
    );
    let mut evaluations = 0;
    let mut worst_best = 0.0f64;
    let mut problems = Vec::new();
    for (cell, path) in &records {
        let Some(RecordInputs {
            rec,
            level,
            nc,
            mut oc,
            currents,
            spikes,
        }) = record_inputs(CHECK_RM, cell, path)
        else {
            return;
        };
        let rm = &rec["run_many"];
        oc["outer_iterations"] = rm["outer_iterations"].clone();
        oc["inner_iterations"] = rm["inner_iterations"].clone();
        let job = LevelJob {
            label: &level,
            neuron: &nc,
            optimizer: &oc,
        };
        let seed = rm["seed"].as_u64().unwrap() as u32;
        let fit = optimize_levels(
            &[job],
            &currents,
            &spikes,
            seed,
            1,
            Optimizer::Allen,
            &|_, _, _| true,
        )
        .unwrap()
        .pop()
        .unwrap();
        let got = &fit.result;
        let name = path.file_name().unwrap().to_string_lossy();
        let want = rm["evaluations"].as_array().unwrap();
        // The first evaluation that differs names where the paths part.
        if let Some((k, g, w)) = got
            .evaluations
            .iter()
            .zip(want)
            .enumerate()
            .map(|(k, (g, w))| (k, g, w))
            .find(|(_, g, w)| {
                let wx = common::floats(&w["x"]);
                !(g.x.len() == wx.len()
                    && g.x.iter().zip(&wx).all(|(a, b)| bits_eq(*a, *b))
                    && g.dt_multiplier as u64 == w["dt_multiplier"].as_u64().unwrap()
                    && bits_eq(g.error, w["error"].as_f64().unwrap()))
            })
        {
            problems.push(format!(
                "{name}: evaluation {k}: x {:?} x{} error {:e}; AllenSDK x {} x{} error {}",
                g.x, g.dt_multiplier, g.error, w["x"], w["dt_multiplier"], w["error"]
            ));
            continue;
        }
        if got.evaluations.len() != want.len() {
            problems.push(format!(
                "{name}: {} evaluations, AllenSDK {}",
                got.evaluations.len(),
                want.len()
            ));
            continue;
        }
        let info = rm["iteration_info"].as_array().unwrap();
        let restarts_match = got.restarts.len() == info.len()
            && got.restarts.iter().zip(info).all(|(g, w)| {
                let same = |a: &[f64], b: &Value| {
                    let b = common::floats(b);
                    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| bits_eq(*x, *y))
                };
                same(&g.in_params, &w["in_params"])
                    && same(&g.out_params, &w["out_params"])
                    && bits_eq(g.error, w["error"].as_f64().unwrap())
                    && g.dt_multiplier as u64 == w["dt_multiplier"].as_u64().unwrap()
            });
        if !restarts_match {
            problems.push(format!("{name}: restarts differ from iteration_info"));
        }
        let best = common::floats(&rm["best_params"]);
        let fitted = fit.config["coeffs"]["th_inf"].as_f64().unwrap();
        let rel = (fitted - best[0]).abs() / best[0].abs();
        worst_best = worst_best.max(rel);
        if got.best_params.len() != 1 || rel.is_nan() || rel > FIT_RUN_MANY_BEST_REL {
            problems.push(format!(
                "{name}: best th_inf {fitted:e} ({:?}), AllenSDK {best:?}: {rel:e} relative",
                got.best_params
            ));
        }
        evaluations += got.evaluations.len();
    }
    assert!(
        problems.is_empty(),
        "{} of {} run_many records differ from AllenSDK's path:\n{}",
        problems.len(),
        records.len(),
        problems.join("\n")
    );
    println!(
        "{} run_many records, {evaluations} evaluations bit for bit; best th_inf within {worst_best:e} relative (bound {FIT_RUN_MANY_BEST_REL:e})",
        records.len()
    );
    glif_reference::env::record(
        CHECK_RM,
        glif_reference::env::Outcome::Ran,
        evaluations,
        &format!(
            "{} run_many records (every configured level of {} cells), every evaluation and restart bit for bit, best th_inf within {worst_best:e}",
            records.len(),
            CELLS.len()
        ),
    );
}

/// `--optimizer fast` against AllenSDK's own optimizer: on the recorded
/// `run_many` runs (AllenSDK's evaluations, in
/// `reference/fit/<cell>/run_many_*.json`), the fast optimizer at the
/// record's finest `dt_multiplier` reaches an MLIN error no more than 1e-6
/// relative above AllenSDK's best (the issue's bound; lower is allowed:
/// Nelder-Mead stops at xtol 1e-5 short of the exact minimum) with at least
/// 10 times fewer forced-spike evaluations, found on the reconstruction;
/// in `run_many`'s shape ([`fast_as_run_many`]) its chosen error
/// ([`best_error`]) is that optimum. Full 3 x 3 settings on every cell and
/// level: `cargo xtask fit-beyond`.
#[test]
fn fast_optimizer_reaches_allensdks_run_many_optimum_with_10x_fewer_runs() {
    const CHECK_FAST: &str = "fit/fast-optimizer";
    let mut records = Vec::new();
    for cell in ["adapting", "sparse"] {
        let dir = repo().join("reference/fit").join(cell);
        for e in std::fs::read_dir(&dir).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            if name.starts_with("run_many_") && name.ends_with(".json") {
                records.push((cell, dir.join(name)));
            }
        }
    }
    records.sort();
    assert!(!records.is_empty(), "no run_many record in reference/fit");
    let mut lines = Vec::new();
    for (cell, path) in &records {
        let Some(RecordInputs {
            rec,
            level,
            nc,
            oc,
            currents,
            spikes,
        }) = record_inputs(CHECK_FAST, cell, path)
        else {
            return;
        };
        let rm = &rec["run_many"];
        let info = rm["iteration_info"].as_array().unwrap();
        let finest = info
            .iter()
            .map(|r| r["dt_multiplier"].as_u64().unwrap())
            .min()
            .unwrap();
        // AllenSDK's best: the smallest error among its restarts at the finest multiplier.
        let allen_best = info
            .iter()
            .filter(|r| r["dt_multiplier"].as_u64() == Some(finest))
            .map(|r| r["error"].as_f64().unwrap())
            .fold(f64::INFINITY, f64::min);
        let allen_evaluations = rm["evaluations"].as_array().unwrap().len();
        let stimuli: Vec<&[f32]> = currents.iter().map(Vec::as_slice).collect();
        let spike_refs: Vec<&[usize]> = spikes.iter().map(Vec::as_slice).collect();
        let neuron = ForcedNeuron::from_config(&nc).unwrap();
        let fast = fast_th_inf(
            &neuron,
            &stimuli,
            &spike_refs,
            mlin_data(&oc),
            1.0,
            finest as usize,
        )
        .unwrap();
        let got = fast_as_run_many(&fast, 1.0, finest as usize);
        let rel = (fast.error - allen_best) / allen_best.abs();
        let ratio = allen_evaluations as f64 / got.evaluations.len() as f64;
        assert!(
            rel <= 1e-6,
            "{cell} {level}: fast MLIN {} vs AllenSDK's best {allen_best} (relative {rel:e} > 1e-6)",
            fast.error
        );
        assert!(
            ratio >= 10.0,
            "{cell} {level}: {} fast evaluations against AllenSDK's {allen_evaluations} (only {ratio:.1}x fewer)",
            got.evaluations.len()
        );
        assert!(
            fast.reconstructed,
            "{cell} {level}: the reconstruction was not trusted"
        );
        // In run_many's shape, the chosen restart's error is the fast optimum's.
        assert_eq!(best_error(&got), fast.error);
        lines.push(format!(
            "{cell} {level} x{finest}: MLIN {rel:+.1e} relative to AllenSDK's best, {ratio:.0}x fewer evaluations"
        ));
    }
    glif_reference::env::record(
        CHECK_FAST,
        glif_reference::env::Outcome::Ran,
        lines.len(),
        &lines.join("; "),
    );
}
