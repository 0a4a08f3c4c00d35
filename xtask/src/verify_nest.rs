//! `cargo xtask verify-nest [FILTER]`: every NEST 3.10 reference case
//! (`reference/nest/<model>/<case>.json.gz`) rerun through `glif_io::nest`
//! and compared series by series, bit for bit, in f64 (a series stored in
//! full value by value; one stored as a SHA-256 of its bytes plus strided
//! samples by its digest and samples: `reference/nest/README.md`).
//!
//! The expected cases are the committed index `reference/nest/index.json`
//! (written by `scripts/nest/make_nest_reference.py`): a case file missing
//! from disk, a file on disk missing from the index, or a total that is not
//! the index's each fail, as does any case that is not bit-identical. With
//! a FILTER only the matching cases run, and all of them must pass.
//!
//! A debug build re-runs itself in release (as `compare` does).
//!
//! Then it prints the coverage of what was checked, computed from the
//! cases' recipes and the outputs (which equal NEST's, bit for bit): cases
//! and output spikes per model and level, cases with non-default `C_m`,
//! `t_ref` or `g`, with `asc_r` below 1, after-spike currents per case,
//! input off the 0.1 ms grid, several input spikes in one step on one port,
//! weights of both signs, a step current, runs of 1 s or more, and
//! `glif_cond` cases that spike under an inhibitory conductance.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use glif_core::nest::Resolution;
use glif_io::nest::{
    check_reference_case_output, ExpSource, NestModel, NestOutput, NestParams, NestPrecision,
};
use serde_json::Value;

/// Inhibitory current (pA) at the sample before a spike above which the
/// spike counts as fired "under inhibitory conductance": `g_j (V_m - E_rev,j)`
/// summed over the inhibitory ports (those with `E_rev` below `V_th`). An
/// alpha conductance never returns to exactly 0, so "g > 0" would count a
/// long-gone input; 1 pA is well below the 10-100 pA of a live inhibitory
/// input in these cases and well above one that has decayed away.
const INHIBITORY_PA: f64 = 1.0;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn load(p: &Path) -> Result<Value, String> {
    let f = std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut s = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut s)
        .map_err(|e| format!("{}: {e}", p.display()))?;
    serde_json::from_str(&s).map_err(|e| format!("{}: {e}", p.display()))
}

/// The index's case list (`model/file.json.gz`), checked against its own
/// totals and against the files on disk (both directions).
fn expected_cases(dir: &Path) -> Result<Vec<String>, String> {
    let path = dir.join("index.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let idx: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let cases: Vec<String> = idx["cases"]
        .as_array()
        .ok_or_else(|| format!("{}: no `cases` list", path.display()))?
        .iter()
        .map(|c| c.as_str().map(String::from))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("{}: a case that is not a name", path.display()))?;
    let total = idx["total"].as_u64().map(|t| t as usize);
    let per_model: usize = idx["per_model"]
        .as_object()
        .map(|o| o.values().filter_map(Value::as_u64).sum::<u64>() as usize)
        .unwrap_or(0);
    if total != Some(cases.len()) || per_model != cases.len() {
        return Err(format!(
            "{}: total {total:?} and per-model sum {per_model} must both be the {} cases listed",
            path.display(),
            cases.len()
        ));
    }
    let mut on_disk = Vec::new();
    for model in ["glif_psc", "glif_psc_double_alpha", "glif_cond"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(model)) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".json.gz") {
                    on_disk.push(format!("{model}/{name}"));
                }
            }
        }
    }
    on_disk.sort();
    let mut listed = cases.clone();
    listed.sort();
    let missing: Vec<&String> = listed.iter().filter(|c| !on_disk.contains(c)).collect();
    let extra: Vec<&String> = on_disk.iter().filter(|c| !listed.contains(c)).collect();
    if !missing.is_empty() || !extra.is_empty() {
        return Err(format!(
            "reference/nest: {} cases in the index are not on disk ({:?}...), {} files on disk are not in the index ({:?}...)",
            missing.len(),
            missing.iter().take(3).collect::<Vec<_>>(),
            extra.len(),
            extra.iter().take(3).collect::<Vec<_>>()
        ));
    }
    Ok(cases)
}

/// What one case covers.
#[derive(Default, Clone)]
struct Coverage {
    spikes: usize,
    non_default: bool,
    asc_r_below_1: bool,
    n_asc: usize,
    off_grid: bool,
    same_step_port: bool,
    both_signs: bool,
    current: bool,
    long: bool,
    inhibited_spikes: usize,
}

fn coverage(case: &Value, out: &NestOutput) -> Result<Coverage, String> {
    let model = NestModel::from_name(case["model"].as_str().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let p = NestParams::from_json(model, &case["params"]).map_err(|e| e.to_string())?;
    let d = NestParams::defaults(model);
    let mut c = Coverage {
        spikes: out.spike_times.len(),
        non_default: p.c_m != d.c_m || p.t_ref != d.t_ref || p.g != d.g,
        current: !case["current"].is_null() && case.get("current").is_some(),
        long: case["duration"].as_f64().unwrap_or(0.0) >= 1000.0,
        ..Coverage::default()
    };
    if p.level.after_spike_currents() {
        c.n_asc = p.asc_decay.len();
        c.asc_r_below_1 = p.asc_r.iter().any(|&r| r < 1.0);
    }
    let coarse = Resolution::from_ms(0.1).ok_or("0.1 ms")?;
    let (mut pos, mut neg) = (false, false);
    for s in case["spikes"].as_array().into_iter().flatten() {
        let times: Vec<f64> = s["times"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect();
        c.off_grid |= times.iter().any(|&t| coarse.step_at(t).is_none());
        c.same_step_port |= times.windows(2).any(|w| w[0] == w[1]);
        for w in s["weights"].as_array().into_iter().flatten() {
            let w = w.as_f64().unwrap_or(0.0);
            pos |= w > 0.0;
            neg |= w < 0.0;
        }
    }
    c.both_signs = pos && neg;
    if model == NestModel::GlifCond {
        let v_th = p.e_l + p.th_inf;
        let v = out.get("V_m").ok_or("V_m")?;
        let inhibitory: Vec<(usize, f64)> = p
            .e_rev
            .iter()
            .enumerate()
            .filter(|(_, &e)| e < v_th)
            .map(|(i, &e)| (i, e))
            .collect();
        let g: Vec<&[f64]> = inhibitory
            .iter()
            .map(|(i, _)| out.get(&format!("g_{}", i + 1)).unwrap_or(&[]))
            .collect();
        for &t in &out.spike_times {
            // the sample before the spike's step (spike at sample k, index k - 1)
            let Some(k) = out.times.iter().position(|&x| x == t) else {
                continue;
            };
            if k == 0 {
                continue;
            }
            let i_inh: f64 = inhibitory
                .iter()
                .zip(&g)
                .map(|((_, e), g)| g.get(k - 1).copied().unwrap_or(0.0) * (v[k - 1] - e))
                .sum();
            if i_inh >= INHIBITORY_PA {
                c.inhibited_spikes += 1;
            }
        }
    }
    Ok(c)
}

const CHILD_ENV: &str = "GLIF_XTASK_VERIFY_NEST_RELEASE";

pub fn run(args: &[String]) -> ExitCode {
    // 345 cases of up to 100,000 steps (glif_cond with its adaptive
    // integrator): about 15 s optimized, over ten minutes unoptimized.
    if cfg!(debug_assertions) && std::env::var_os(CHILD_ENV).is_none() {
        return crate::compare::rerun_in_release("verify-nest", CHILD_ENV, args);
    }
    let filter = args.first().map(String::as_str).unwrap_or("");
    let dir = root().join("reference/nest");
    let cases = match expected_cases(&dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("verify-nest: {e}");
            return ExitCode::FAILURE;
        }
    };
    let selected: Vec<&String> = cases.iter().filter(|c| c.contains(filter)).collect();
    let (mut identical, mut failed) = (0usize, 0usize);
    // (model, level) -> covered cases
    let mut table: BTreeMap<(String, u64), Vec<Coverage>> = BTreeMap::new();
    for name in &selected {
        let result = load(&dir.join(name)).and_then(|c| {
            check_reference_case_output(&c, NestPrecision::F64, ExpSource::Std)
                .map_err(|e| e.to_string())
                .map(|(out, d)| (c, out, d))
        });
        match result {
            Ok((c, out, d)) if d.iter().all(|s| s.identical()) => {
                identical += 1;
                match coverage(&c, &out) {
                    Ok(cov) => table
                        .entry((
                            c["model"].as_str().unwrap_or_default().to_string(),
                            c["level"].as_u64().unwrap_or(0),
                        ))
                        .or_default()
                        .push(cov),
                    Err(e) => {
                        failed += 1;
                        println!("ERROR {name}: coverage: {e}");
                    }
                }
            }
            Ok((_, _, d)) => {
                failed += 1;
                for s in d.iter().filter(|s| !s.identical()) {
                    println!(
                        "DIFF {name}: {}: {} of the compared values differ{} (lengths {} vs {}), max rel {:e}",
                        s.name,
                        s.differing,
                        if s.digest_differs { ", SHA-256 differs" } else { "" },
                        s.computed,
                        s.expected,
                        s.max_rel
                    );
                }
            }
            Err(e) => {
                failed += 1;
                println!("ERROR {name}: {e}");
            }
        }
    }
    print_coverage(&table);
    let expected = selected.len();
    println!(
        "verify-nest: {identical} of {expected} cases bit-identical (every recordable, times, spike times), {failed} failed; the index lists {}",
        cases.len()
    );
    if failed == 0 && identical == expected && expected > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_coverage(table: &BTreeMap<(String, u64), Vec<Coverage>>) {
    println!(
        "\n| model | level | cases | output spikes | non-default C_m/t_ref/g | asc_r < 1 | ASCs 1/2/3/4 | off the 0.1 ms grid | several in one step, one port | weights of both signs | step current | >= 1 s | spiking under inhibitory conductance |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut all: Vec<&Coverage> = Vec::new();
    let row = |model: &str, level: &str, v: &[&Coverage]| {
        let count = |f: &dyn Fn(&Coverage) -> bool| v.iter().filter(|c| f(c)).count();
        let asc: Vec<String> = (1..=4)
            .map(|n| count(&|c| c.n_asc == n).to_string())
            .collect();
        let inh = if model == "glif_cond" || model == "all" {
            format!(
                "{} cases ({} spikes)",
                count(&|c| c.inhibited_spikes > 0),
                v.iter().map(|c| c.inhibited_spikes).sum::<usize>()
            )
        } else {
            "—".into()
        };
        println!(
            "| {model} | {level} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {inh} |",
            v.len(),
            v.iter().map(|c| c.spikes).sum::<usize>(),
            count(&|c| c.non_default),
            count(&|c| c.asc_r_below_1),
            asc.join("/"),
            count(&|c| c.off_grid),
            count(&|c| c.same_step_port),
            count(&|c| c.both_signs),
            count(&|c| c.current),
            count(&|c| c.long),
        );
    };
    for ((model, level), v) in table {
        let refs: Vec<&Coverage> = v.iter().collect();
        row(model, &format!("GLIF{level}"), &refs);
        all.extend(v.iter());
    }
    row("all", "all", &all);
    println!();
}

#[cfg(test)]
mod tests {
    use super::expected_cases;

    /// A folder with `files` (empty case files) and an index listing
    /// `listed` with the given total.
    fn folder(tag: &str, files: &[&str], listed: &[&str], total: usize) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("glif-vn-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"").unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        let idx = serde_json::json!({"total": total, "per_model": {"glif_psc": total},
                                     "cases": listed});
        std::fs::write(dir.join("index.json"), idx.to_string()).unwrap();
        dir
    }

    #[test]
    fn the_index_and_the_files_must_agree_both_ways() {
        let (a, b) = ("glif_psc/a.json.gz", "glif_psc/b.json.gz");
        let ok = folder("ok", &[a, b], &[a, b], 2);
        assert_eq!(expected_cases(&ok).unwrap().len(), 2);
        let missing = folder("missing", &[a], &[a, b], 2);
        assert!(expected_cases(&missing)
            .unwrap_err()
            .contains("not on disk"));
        let extra = folder("extra", &[a, b], &[a], 1);
        assert!(expected_cases(&extra)
            .unwrap_err()
            .contains("not in the index"));
        let count = folder("count", &[a, b], &[a, b], 3);
        assert!(expected_cases(&count).unwrap_err().contains("total"));
        for d in [ok, missing, extra, count] {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}
