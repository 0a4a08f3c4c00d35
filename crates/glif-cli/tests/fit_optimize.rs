//! `glif fit --stage optimize` and the whole fit (the default stage `all`)
//! on the real binary (feature `nwb`): a synthetic cell's GLIF1 fitted, its
//! config loaded and run by AllenSDK's `GlifNeuron.from_dict` (oracle check
//! `cli/fit-optimize-allensdk`), the report (`report.json`, the printed
//! table, the figures), and fits interrupted with SIGINT leaving no config
//! and no report behind; `--optimizer fast` with `--extended` writing both
//! fits side by side, and the flag combinations that make no sense refused.
//! `--restarts 1x2` keeps the debug-build test short
//! (AllenSDK's 3x3 is the library tests' and the default).
#![cfg(feature = "nwb")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use glif_reference::fit_cell::{sweep_table, synthetic_cell};
use glif_reference::nwb_fixture::*;

const RATE: f64 = 100_000.0;

/// The synthetic cell of tests/fit.rs (Noise sweeps of 9 s, subthreshold
/// for 8 s) written into `d`.
fn write_cell(d: &Path) -> (PathBuf, PathBuf) {
    let cell = synthetic_cell(5, RATE, 9.0, 8.0, true);
    let nwb = d.join("cell.nwb");
    write_nwb(&nwb, &cell_spec(&cell, RATE));
    let sweeps = d.join("ephys_sweeps.json");
    std::fs::write(&sweeps, sweep_table(&cell).to_string()).unwrap();
    (nwb, sweeps)
}

fn args<'a>(nwb: &'a Path, sweeps: &'a Path) -> Vec<&'a str> {
    let mut a = whole_fit_args(nwb, sweeps);
    a.extend(["--stage", "optimize"]);
    a
}

/// The default stage (`all`): preprocessing, the optimizer and the report.
fn whole_fit_args<'a>(nwb: &'a Path, sweeps: &'a Path) -> Vec<&'a str> {
    fit_args(
        nwb,
        sweeps,
        &["--levels", "GLIF1", "--seed", "7", "--restarts", "1x2"],
    )
}

#[test]
fn optimizes_glif1_and_allensdk_loads_and_runs_the_config() {
    let d = dir("fit-optimize");
    let (nwb, sweeps) = write_cell(&d);
    let o = glif(&args(&nwb, &sweeps), &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("GLIF1_neuron_config.json (th_inf coefficient") && out.contains("seed 7"),
        "{out}"
    );
    assert!(
        !d.join("out/GLIF3_neuron_config.json").exists(),
        "--levels GLIF1 wrote GLIF3"
    );
    let path = d.join("out/GLIF1_neuron_config.json");
    let cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let coeff = cfg["coeffs"]["th_inf"].as_f64().unwrap();
    assert!(
        coeff.is_finite() && coeff > 0.0,
        "th_inf coefficient {coeff}"
    );
    const CHECK: &str = "cli/fit-optimize-allensdk";
    let Some(python) = glif_reference::env::python(CHECK) else {
        return;
    };
    let script = "import json,sys,numpy as np\n\
        from allensdk.model.glif.glif_neuron import GlifNeuron\n\
        n = GlifNeuron.from_dict(json.load(open(sys.argv[1])))\n\
        r = n.run(np.full(20000, 3e-10))\n\
        print(json.dumps({'coeff': n.coeffs['th_inf'], 'spikes': len(r['spike_time_steps'])}))\n";
    let o = Command::new(python)
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{CHECK}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        got["coeff"].as_f64(),
        Some(coeff),
        "AllenSDK read another coefficient"
    );
    glif_reference::env::record(
        CHECK,
        glif_reference::env::Outcome::Ran,
        1,
        &format!(
            "GLIF1 config loaded by GlifNeuron.from_dict, {} spikes on 300 pA",
            got["spikes"]
        ),
    );
}

#[test]
fn the_whole_fit_writes_the_report_last() {
    let d = dir("fit-report");
    let (nwb, sweeps) = write_cell(&d);
    let mut a = whole_fit_args(&nwb, &sweeps);
    a.extend(["--plot", "svg"]);
    let o = glif(&a, &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("glif fit --stage all"), "{out}");
    assert!(out.contains("level   Noise 1"), "no table: {out}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out/report.json")).unwrap()).unwrap();
    let rows = report["levels"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{report}");
    let row = &rows[0];
    assert_eq!(row["level"], "GLIF1");
    let cfg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("out/GLIF1_neuron_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(row["th_inf_coeff_fitted"], cfg["coeffs"]["th_inf"]);
    assert_eq!(row["th_inf_coeff_start"], 1.0);
    assert_eq!(
        row["evaluations"],
        report["optimizer"]["GLIF1"]["evaluations"]
    );
    assert!(row["evaluations"].as_u64().unwrap() > 0);
    for k in [
        "noise1_before",
        "noise2_before",
        "noise1_after",
        "noise2_after",
    ] {
        let ev_data = row[k]["ev_data"].as_f64().unwrap();
        assert!(ev_data > 0.0 && ev_data <= 1.0, "{k}: {}", row[k]);
        assert!(row[k]["ratio"].as_f64().unwrap().is_finite(), "{k}");
    }
    assert_eq!(
        report["recordings"]["noise2"]["recorded_spike_indices"]
            .as_array()
            .unwrap()
            .len(),
        report["recordings"]["noise2"]["sweeps"]
            .as_array()
            .unwrap()
            .len()
    );
    for f in ["report_noise2_raster.svg", "report_noise1_voltage.svg"] {
        let text = std::fs::read_to_string(d.join("out").join(f)).unwrap();
        assert!(text.contains("<svg"), "{f}");
    }
    // A second run refuses to replace the results without --force, at
    // once (before fitting again), and leaves them as they were.
    let before = std::fs::read(d.join("out/report.json")).unwrap();
    let o = glif(&a, &d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.join("out/report.json")).unwrap(), before);
}

#[test]
fn an_interrupted_fit_writes_no_config() {
    for (stage, optimize_only) in [("optimize", true), ("all", false)] {
        let d = dir(&format!("fit-{stage}-sigint"));
        let (nwb, sweeps) = write_cell(&d);
        let a = if optimize_only {
            args(&nwb, &sweeps)
        } else {
            whole_fit_args(&nwb, &sweeps)
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_glif"))
            .args(a)
            .current_dir(&d)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let killed = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(
            killed.success(),
            "{stage}: kill -INT failed (the fit ended before 1.5 s?)"
        );
        assert!(
            !status.success(),
            "{stage}: the interrupted fit reported success"
        );
        let written: Vec<_> = std::fs::read_dir(d.join("out"))
            .map(|r| r.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default();
        assert!(
            written
                .iter()
                .all(|n| !n.to_string_lossy().ends_with(".json")),
            "{stage}: an interrupted fit wrote {written:?}"
        );
    }
}

#[test]
fn fast_optimizer_and_extended_fit_write_both_fits_side_by_side() {
    let d = dir("fit-optimize-fast");
    let (nwb, sweeps) = write_cell(&d);
    let a = fit_args(
        &nwb,
        &sweeps,
        &[
            "--stage",
            "optimize",
            "--levels",
            "GLIF3",
            "--optimizer",
            "fast",
            "--extended",
        ],
    );
    let o = glif(&a, &d);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("3 forced-spike evaluations") && out.contains("fast optimizer"),
        "{out}"
    );
    assert!(
        out.contains("GLIF3_extended_neuron_config.json (MLIN Noise 1"),
        "{out}"
    );
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("out").join(name)).unwrap()).unwrap()
    };
    let summary = read("optimizer_summary.json");
    let level = &summary["levels"]["GLIF3"];
    assert_eq!(summary["optimizer"], "fast");
    assert_eq!(level["evaluations"], 3);
    let x = &level["extended"];
    let (start, ext) = (
        x["mlin_noise1"]["allen_settings"].as_f64().unwrap(),
        x["mlin_noise1"]["extended"].as_f64().unwrap(),
    );
    assert!(
        ext <= start,
        "extended MLIN {ext} above the Allen settings' {start}"
    );
    assert_eq!(
        start,
        level["mlin"].as_f64().unwrap(),
        "the extended fit did not start from the fast optimum"
    );
    for noise in ["ev_noise1", "ev_noise2"] {
        for side in ["allen_settings", "extended"] {
            let r = &x[noise][side];
            assert!(
                r["ratio"].is_f64() || r["error"].is_string(),
                "{noise} {side}: {r}"
            );
        }
    }
    // The Allen-settings config keeps the published shape: only th_inf tuned.
    let allen = read("GLIF3_neuron_config.json");
    assert_eq!(
        allen["coeffs"]["asc_amp_array"],
        serde_json::json!([1.0, 1.0])
    );
    let extended = read("GLIF3_extended_neuron_config.json");
    assert_eq!(
        extended["coeffs"]["asc_amp_array"][0],
        x["parameters"]["coeffs.asc_amp_array[0]"]
    );
}

#[test]
fn flags_that_do_not_fit_together_are_refused_before_any_work() {
    let d = dir("fit-optimize-flags");
    let base = [
        "fit",
        "--nwb",
        "missing.nwb",
        "--sweeps",
        "missing.json",
        "--output",
        "out",
    ];
    for (extra, want) in [
        (
            &["--stage", "preprocess", "--optimizer", "fast"][..],
            "--optimizer fast tunes the models: give it with --stage optimize or all",
        ),
        (
            &["--stage", "preprocess", "--extended"][..],
            "--extended tunes the models: give it with --stage optimize or all",
        ),
        (
            &[
                "--stage",
                "optimize",
                "--optimizer",
                "fast",
                "--restarts",
                "1x1",
            ][..],
            "--optimizer fast has none",
        ),
        (
            &["--stage", "optimize", "--optimizer", "quick"][..],
            "possible values: allen, fast",
        ),
    ] {
        let mut a: Vec<&str> = base.to_vec();
        a.extend(extra);
        let o = glif(&a, &d);
        assert_eq!(o.status.code(), Some(2), "{a:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{a:?}: {}", stderr(&o));
        assert!(!d.join("out").exists(), "{a:?} wrote output");
    }
}
