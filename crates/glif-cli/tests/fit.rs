//! `glif fit --stage preprocess` on the real binary (feature `nwb`): a
//! synthetic cell written as an Allen NWB 1.x file (stimulus stored in pA,
//! response in mV, with their conversions, as Allen files are), and each
//! bad input refused with exit status 2 and nothing written.
#![cfg(feature = "nwb")]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use glif_reference::fit_cell::{sweep_table, synthetic_cell, CellSweep};
use glif_reference::nwb_fixture::*;

const RATE: f64 = 100_000.0;

/// Writes the cell (after `edit`) and its table (after `edit_table`) into
/// `d`; returns the NWB and table paths.
fn write_cell(
    d: &Path,
    cell: &[CellSweep],
    edit: impl FnOnce(&mut FileSpec),
    edit_table: impl FnOnce(&mut Vec<serde_json::Value>),
) -> (PathBuf, PathBuf) {
    let mut s = cell_spec(cell, RATE);
    edit(&mut s);
    let nwb = d.join("cell.nwb");
    write_nwb(&nwb, &s);
    let mut table = sweep_table(cell).as_array().unwrap().clone();
    edit_table(&mut table);
    let sweeps = d.join("ephys_sweeps.json");
    std::fs::write(&sweeps, serde_json::Value::Array(table).to_string()).unwrap();
    (nwb, sweeps)
}

fn fit(d: &Path, nwb: &Path, sweeps: &Path) -> std::process::Output {
    glif(&fit_args(nwb, sweeps, &["--stage", "preprocess"]), d)
}

/// The cell of every test (made once): Noise sweeps of 9 s, subthreshold
/// for their first 8 s, as `configure_model` requires.
fn cell() -> Vec<CellSweep> {
    static CELL: std::sync::OnceLock<Vec<CellSweep>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| synthetic_cell(5, RATE, 9.0, 8.0, true))
        .clone()
}

#[test]
fn preprocesses_a_cell_and_writes_five_configs() {
    let d = dir("fit-ok");
    let (nwb, sweeps) = write_cell(&d, &cell(), |_| {}, |_| {});
    let o = fit(&d, &nwb, &sweeps);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "El_reference",
        "MOhm",
        "spike cut",
        "th_inf",
        "tau_from_AC",
        "GLIF5_neuron_config.json",
    ] {
        assert!(out.contains(needle), "{needle:?} not in: {out}");
    }
    let values: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("out/preprocessor_values.json")).unwrap(),
    )
    .unwrap();
    // The library's result, written as computed (its own tests compare it
    // with AllenSDK): the keys AllenSDK writes, in SI units.
    let c = values["capacitance"]["C_test_list"]["mean"]
        .as_f64()
        .unwrap();
    assert!(c > 5e-11 && c < 2e-10, "C = {c} F (the cell's is 1e-10)");
    for level in ["GLIF1", "GLIF2", "GLIF3", "GLIF4", "GLIF5"] {
        let cfg: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.join(format!("out/{level}_neuron_config.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(cfg["type"], "GLIF", "{level}");
    }
    // Run again: the files exist, nothing is replaced without --force.
    let o = fit(&d, &nwb, &sweeps);
    fails_with(&o, 2, &["preprocessor_values.json", "--force"]);

    // The same cell as a recordings folder (each sweep's samples as the NWB
    // reader gives them, in V and A; voltages as .npy, currents as CSV)
    // gives the same preprocessor values and configs, byte for byte.
    // This run also draws the figures (--plot svg).
    write_recordings(&d.join("rec"), &nwb, &sweeps, |_| {});
    let o = glif(
        &[
            "fit",
            "--recordings",
            "rec",
            "--output",
            "out-rec",
            "--stage",
            "preprocess",
            "--plot",
            "svg",
        ],
        &d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for (name, title) in [
        ("fit_rc", "RC fit"),
        ("fit_spike_cut", "Spike cut"),
        ("fit_threshold", "th_inf"),
        ("fit_asc", "After-spike currents"),
    ] {
        let svg = std::fs::read_to_string(d.join(format!("out-rec/{name}.svg")))
            .unwrap_or_else(|e| panic!("{name}.svg not drawn: {e}"));
        assert!(svg.starts_with("<svg"), "{name}: not an SVG");
        assert!(svg.contains(title), "{name}: no {title:?} in its title");
        // Drawn data, not an empty frame: the traces and points are
        // polylines and circles (an empty chart has a handful).
        let marks = svg.matches("<polyline").count() + svg.matches("<circle").count();
        assert!(marks >= 4, "{name}: only {marks} polylines/circles");
        assert!(svg.len() > 5_000, "{name}: {} bytes", svg.len());
    }
    let mut compared = 0;
    for e in std::fs::read_dir(d.join("out")).unwrap() {
        let name = e.unwrap().file_name();
        let a = std::fs::read(d.join("out").join(&name)).unwrap();
        let b = std::fs::read(d.join("out-rec").join(&name))
            .unwrap_or_else(|e| panic!("{name:?} not written from the recordings folder: {e}"));
        assert!(a == b, "{name:?} differs between NWB and recordings folder");
        compared += 1;
    }
    assert_eq!(compared, 6, "preprocessor values and five configs");
}

fn npy_f64(path: &Path, data: &[f64]) {
    let mut out = Vec::new();
    glif_io::formats::write_npy_f64(&mut out, &[data.len()], data);
    std::fs::write(path, out).unwrap();
}

/// Writes the cell in `nwb`/`sweeps` as a recordings folder `rec` (the
/// layout of docs/FITTING.md): every sweep of the table, its voltage as
/// `.npy` (V), its current as CSV with a header (A, Rust's shortest
/// round-trip text, so the same f64 values), after `edit` of the table.
fn write_recordings(
    rec: &Path,
    nwb: &Path,
    sweeps: &Path,
    edit: impl FnOnce(&mut Vec<serde_json::Value>),
) {
    std::fs::create_dir_all(rec).unwrap();
    let file = glif_io::nwb::NwbFile::open(nwb).unwrap();
    let table: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sweeps).unwrap()).unwrap();
    let mut out = Vec::new();
    for s in table.as_array().unwrap() {
        let n = s["sweep_number"].as_u64().unwrap() as u32;
        let sweep = file.read_current_clamp_sweep(n).unwrap();
        let v = file.read_response(n).unwrap();
        npy_f64(&rec.join(format!("sweep_{n}_voltage.npy")), &v);
        let csv: String = std::iter::once("current_A".to_string())
            .chain(sweep.stimulus.iter().map(|x| x.to_string()))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(rec.join(format!("sweep_{n}_current.csv")), csv).unwrap();
        let mut e = s.clone();
        e["sampling_rate_hz"] = serde_json::json!(sweep.sampling_rate);
        e["voltage"] = serde_json::json!(format!("sweep_{n}_voltage.npy"));
        e["voltage_unit"] = serde_json::json!("V");
        e["current"] = serde_json::json!(format!("sweep_{n}_current.csv"));
        e["current_unit"] = serde_json::json!("A");
        e["stimulus_start_index"] = serde_json::json!(sweep.index_range.0);
        out.push(e);
    }
    edit(&mut out);
    std::fs::write(
        rec.join("sweeps.json"),
        serde_json::Value::Array(out).to_string(),
    )
    .unwrap();
}

fn fit_recordings(d: &Path, rec: &str, out: &str) -> std::process::Output {
    glif(
        &[
            "fit",
            "--recordings",
            rec,
            "--output",
            out,
            "--stage",
            "preprocess",
        ],
        d,
    )
}

/// A recordings folder edited by `edit` (after its table is written) is
/// refused: exit 2, every needle in the message, nothing written.
fn refused_recordings(
    name: &str,
    edit_table: impl FnOnce(&mut Vec<serde_json::Value>),
    edit_files: impl FnOnce(&Path),
    needles: &[&str],
) {
    let d = dir(name);
    let (nwb, sweeps) = write_cell(&d, &cell(), |_| {}, |_| {});
    write_recordings(&d.join("rec"), &nwb, &sweeps, edit_table);
    edit_files(&d.join("rec"));
    let o = fit_recordings(&d, "rec", "out");
    fails_with(&o, 2, needles);
    assert!(
        !d.join("out").exists(),
        "{name}: the output folder was created"
    );
}

/// The first Short Square sweep's number (the first sweep preprocessing
/// reads).
fn first_short_square() -> u32 {
    cell()
        .iter()
        .find(|s| s.stimulus_name == "Short Square")
        .unwrap()
        .number
}

#[test]
fn recordings_folder_bad_inputs() {
    let ssq = first_short_square();
    // A field of the layout missing: named, with what is expected.
    refused_recordings(
        "rec-no-unit",
        |t| {
            t[0].as_object_mut().unwrap().remove("voltage_unit");
        },
        |_| {},
        &["sweeps.json", "voltage_unit", "\"mV\""],
    );
    // Millivolts declared as volts: detected and named.
    refused_recordings(
        "rec-mv",
        |_| {},
        |rec| {
            let p = rec.join(format!("sweep_{ssq}_voltage.npy"));
            let v = glif_io::read_stimulus(&p, &glif_io::StimulusOptions::default()).unwrap();
            npy_f64(&p, &v.iter().map(|x| x * 1e3).collect::<Vec<_>>());
        },
        &["millivolts", "volts"],
    );
    // Picoamperes declared as amperes.
    refused_recordings(
        "rec-pa",
        |_| {},
        |rec| {
            let p = rec.join(format!("sweep_{ssq}_current.csv"));
            let text = std::fs::read_to_string(&p).unwrap();
            let scaled: Vec<String> = text
                .lines()
                .skip(1)
                .map(|l| (l.parse::<f64>().unwrap() * 1e12).to_string())
                .collect();
            std::fs::write(&p, scaled.join("\n")).unwrap();
        },
        &["picoamperes", "amperes"],
    );
    // A NaN-padded end in a CSV current.
    refused_recordings(
        "rec-nan",
        |_| {},
        |rec| {
            let p = rec.join(format!("sweep_{ssq}_current.csv"));
            let text = std::fs::read_to_string(&p).unwrap();
            let n = text.lines().count();
            let padded: Vec<&str> = text
                .lines()
                .enumerate()
                .map(|(k, l)| if k + 100 >= n { "NaN" } else { l })
                .collect();
            std::fs::write(&p, padded.join("\n")).unwrap();
        },
        &["NaN-padded", "stimulus (current)"],
    );
    // The table names a file the folder does not hold.
    refused_recordings(
        "rec-missing-file",
        |_| {},
        |rec| std::fs::remove_file(rec.join(format!("sweep_{ssq}_voltage.npy"))).unwrap(),
        &["does not match"],
    );
    // Another sampling rate declared for a used sweep.
    refused_recordings(
        "rec-rate",
        |t| {
            let k = t
                .iter()
                .position(|s| s["stimulus_name"] == "Noise 1")
                .unwrap();
            t[k]["sampling_rate_hz"] = serde_json::json!(25_000.0);
        },
        |_| {},
        &["25000 Hz", "20 kHz"],
    );
}

/// Runs `glif fit` on a cell edited by `edit`/`edit_table` and checks the
/// refusal: exit status 2, every needle in the message, nothing written.
fn refused(
    name: &str,
    cell: &[CellSweep],
    edit: impl FnOnce(&mut FileSpec),
    edit_table: impl FnOnce(&mut Vec<serde_json::Value>),
    needles: &[&str],
) {
    let d = dir(name);
    let (nwb, sweeps) = write_cell(&d, cell, edit, edit_table);
    let o = fit(&d, &nwb, &sweeps);
    fails_with(&o, 2, needles);
    assert!(
        !d.join("out").exists(),
        "{name}: the output folder was created"
    );
}

fn drop_family(table: &mut Vec<serde_json::Value>, name: &str, keep: usize) {
    let mut kept = 0;
    table.retain(|s| {
        if s["stimulus_name"] != name {
            return true;
        }
        kept += 1;
        kept <= keep
    });
}

#[test]
fn refuses_a_missing_stimulus_family() {
    refused(
        "fit-no-noise2",
        &cell(),
        |_| {},
        |t| drop_family(t, "Noise 2", 0),
        &["Noise 2", "(0/2)", "no level can be fitted"],
    );
    refused(
        "fit-no-ssq",
        &cell(),
        |_| {},
        |t| drop_family(t, "Short Square", 0),
        &["Short Square", "no level can be fitted"],
    );
}

#[test]
fn refuses_too_few_repeats() {
    refused(
        "fit-one-noise1",
        &cell(),
        |_| {},
        |t| drop_family(t, "Noise 1", 1),
        &["Noise 1", "(1/2)"],
    );
}

#[test]
fn refuses_noise_without_spikes() {
    let mut c = cell();
    for s in c
        .iter_mut()
        .filter(|s| s.stimulus_name.starts_with("Noise"))
    {
        s.voltage
            .iter_mut()
            .for_each(|v| *v = -0.07 + 0.001 * (*v + 0.07).clamp(-0.01, 0.01));
    }
    refused(
        "fit-no-spikes",
        &c,
        |_| {},
        |_| {},
        &["two spikes", "Noise 1 and Noise 2"],
    );
}

#[test]
fn refuses_nan_padded_sweep_ends() {
    refused(
        "fit-nan",
        &cell(),
        |s| {
            let r = &mut s.sweeps[0].response;
            let n = r.len();
            r[n - 500..].iter_mut().for_each(|v| *v = f32::NAN);
        },
        |_| {},
        &["sweep 11", "NaN-padded"],
    );
}

#[test]
fn refuses_another_sampling_rate() {
    refused(
        "fit-rate",
        &cell(),
        |s| s.sweeps[3].rate = 15_000.0,
        |_| {},
        &["sweep 14", "15000 Hz", "20 kHz"],
    );
}

#[test]
fn refuses_millivolts_and_picoamperes() {
    refused(
        "fit-mv",
        &cell(),
        |s| {
            s.sweeps
                .iter_mut()
                .for_each(|w| w.response_conversion = 1.0)
        },
        |_| {},
        &["millivolts", "volts"],
    );
    refused(
        "fit-pa",
        &cell(),
        |s| {
            s.sweeps
                .iter_mut()
                .for_each(|w| w.stimulus_conversion = 1.0)
        },
        |_| {},
        &["picoamperes", "amperes"],
    );
}

#[test]
fn refuses_a_sweep_table_that_does_not_match_the_file() {
    refused(
        "fit-table",
        &cell(),
        |_| {},
        |t| t[0]["sweep_number"] = serde_json::json!(99),
        &["sweep 99", "does not match the file"],
    );
}
