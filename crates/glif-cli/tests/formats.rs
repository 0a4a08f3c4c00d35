//! Every file the real `glif` binary writes — JSON, `.npz` and CSV, full
//! and spikes-only, and the batch summaries — read back through glif-io's
//! readers and checked, bit for bit, against the library's own result for
//! the same run. The model ends in a bad reset, so the run's end is
//! checked too.

mod common;

use std::path::Path;

use common::{dir, glif, stderr};
use glif_io::batch::{self, BatchOptions};
use glif_io::batch::{read_summary_csv, read_summary_json, Row};
use glif_io::formats::read_result;
use glif_io::formats::{read_csv, write_csv};
use glif_io::{
    stimulus, AnyPrecisionModel, NeuronConfig, Outcome, Precision, Record, RunEnd, RunResult,
};

const DT: f64 = 5e-6;
/// A Teeter et al. GLIF5 model whose run on this step ends in a bad reset.
const BAD_RESET: &str = "482809953_Nr5a1-Cre_GLIF5_neuron_config.json";
/// 0.1 s of zero, then 0.2 s of 200 pA.
const STIM: &str = "--square 2e-10 --start 0.1 --width 0.2 --duration 0.3";

fn teeter(name: &str) -> NeuronConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference/teeter-all.jsonl.gz");
    batch::read_configs(&path)
        .unwrap()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap()
        .config
        .unwrap()
}

/// The stimulus `STIM` asks for, from glif-io's generator.
fn stimulus() -> Vec<f64> {
    stimulus::square(DT, 0.3, 0.1, 0.2, 2e-10).unwrap()
}

/// The library's own run of `config` on `stimulus()`.
fn library(config: &NeuronConfig, precision: Precision, record: Record) -> RunResult {
    let model = AnyPrecisionModel::new(&config.clone().with_dt(DT).unwrap(), precision).unwrap();
    glif_io::run::run_samples(&model, &stimulus(), record, &|_| {})
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn assert_same_spikes(read: &RunResult, lib: &RunResult, what: &str) {
    assert_eq!(read.spike_time_steps(), lib.spike_time_steps(), "{what}");
    for (a, b) in [
        (read.grid_spike_times(), lib.grid_spike_times()),
        (
            read.interpolated_spike_times(),
            lib.interpolated_spike_times(),
        ),
        (
            read.interpolated_spike_voltage(),
            lib.interpolated_spike_voltage(),
        ),
        (
            read.interpolated_spike_threshold(),
            lib.interpolated_spike_threshold(),
        ),
    ] {
        assert_eq!(bits(&a), bits(&b), "{what}");
    }
}

fn run_glif(d: &Path, args: &[&str]) {
    let mut all = vec!["simulate", "--config", "config.json", "--no-plot"];
    all.extend_from_slice(args);
    all.extend(STIM.split(' '));
    let o = glif(&all, d);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
}

#[test]
fn every_simulate_output_reads_back_as_the_library_computed_it() {
    let d = dir("formats_simulate");
    let config = teeter(BAD_RESET);
    std::fs::write(d.join("config.json"), config.to_json_string()).unwrap();
    let lib = library(&config, Precision::F64, Record::All);
    assert!(
        matches!(lib.end, RunEnd::Ended(Outcome::BadReset { .. })),
        "{:?}",
        lib.end
    );
    assert!(!lib.spikes.is_empty() && lib.voltage.iter().any(|v| v.is_nan()));
    let stim = stimulus();

    // Everything recorded.
    run_glif(&d, &["--output", "all.json"]);
    run_glif(&d, &["--output", "all.npz"]);
    run_glif(&d, &["--output", "all.csv"]);
    for name in ["all.json", "all.npz", "all.csv"] {
        let f = read_result(&d.join(name)).unwrap();
        assert!(f.result.same_outputs(&lib), "{name}");
        assert_eq!(f.result.asc_count, 2, "{name}");
        if name != "all.json" {
            assert_eq!(bits(f.stimulus.as_ref().unwrap()), bits(&stim), "{name}");
            assert_eq!(f.dt, Some(DT), "{name}");
        }
    }
    let json = read_result(&d.join("all.json")).unwrap();
    assert_eq!(json.result.end, lib.end, "the outcome key gives the end");
    assert_eq!(json.keys["outcome"]["message"], lib.end.message(Some(DT)));
    assert_eq!(json.keys["run"]["dt"], DT);
    assert_eq!(json.keys["run"]["n_samples"], stim.len());
    let RunEnd::Ended(Outcome::BadReset { spike_step, .. }) = lib.end else {
        unreachable!()
    };
    let npz = read_result(&d.join("all.npz")).unwrap();
    assert_eq!(npz.bad_reset_spike_step, Some(spike_step));

    // The spike cut value replaces NaN voltages, in every format.
    run_glif(&d, &["--output", "cut.npz", "--spike-cut-value", "0.05"]);
    let cut = read_result(&d.join("cut.npz")).unwrap().result;
    assert_eq!(
        bits(&cut.voltage),
        bits(&lib.voltage_with_spike_cut_value(0.05))
    );

    // Only the spikes.
    let spikes = library(&config, Precision::F64, Record::Spikes);
    assert_same_spikes(&spikes, &lib, "spikes-only equals record all");
    for name in ["spikes.json", "spikes.npz", "spikes.csv"] {
        run_glif(&d, &["--output", name, "--record", "spikes"]);
        let f = read_result(&d.join(name)).unwrap();
        assert!(
            f.result.voltage.is_empty() && f.result.asc.is_empty(),
            "{name}"
        );
        assert_same_spikes(&f.result, &spikes, name);
    }
    assert_eq!(
        read_result(&d.join("spikes.json")).unwrap().result.end,
        spikes.end
    );

    // Single precision.
    run_glif(&d, &["--output", "f32.json", "--precision", "f32"]);
    let f32_lib = library(&config, Precision::F32, Record::All);
    let f = read_result(&d.join("f32.json")).unwrap();
    assert!(f.result.same_outputs(&f32_lib));
    assert!(!f.result.same_outputs(&lib), "f32 differs from f64");
}

/// Whether a file starts with gzip's magic bytes.
fn is_gzipped(path: &Path) -> bool {
    std::fs::read(path).unwrap().starts_with(&[0x1f, 0x8b])
}

#[test]
fn gzipped_json_and_csv_outputs_read_back_as_the_plain_files() {
    let d = dir("formats_gzip");
    let config = teeter(BAD_RESET);
    std::fs::write(d.join("config.json"), config.to_json_string()).unwrap();
    let lib = library(&config, Precision::F64, Record::All);
    for (plain, gz, spikes_gz) in [
        ("all.json", "all.json.gz", None),
        ("all.csv", "all.csv.gz", Some("all.spikes.csv.gz")),
    ] {
        run_glif(&d, &["--output", plain]);
        run_glif(&d, &["--output", gz]);
        assert!(is_gzipped(&d.join(gz)), "{gz}");
        if let Some(s) = spikes_gz {
            assert!(is_gzipped(&d.join(s)), "{s}");
            assert!(!d.join("all.csv.spikes.csv").exists());
        }
        let (p, g) = (
            read_result(&d.join(plain)).unwrap(),
            read_result(&d.join(gz)).unwrap(),
        );
        assert!(g.result.same_outputs(&lib), "{gz}");
        assert_eq!(g.result.end, p.result.end, "{gz}");
        assert_eq!(
            g.stimulus.as_deref().map(bits),
            p.stimulus.as_deref().map(bits)
        );
        assert_eq!(g.dt, p.dt, "{gz}");
        assert_eq!(g.keys, p.keys, "{gz}");
        // The same bytes, compressed.
        let mut text = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(d.join(gz)).unwrap()),
            &mut text,
        )
        .unwrap();
        assert_eq!(text, std::fs::read(d.join(plain)).unwrap(), "{gz}");
    }
    // Spikes only: the spike table alone, gzipped.
    run_glif(&d, &["--output", "spikes.csv.gz", "--record", "spikes"]);
    assert!(is_gzipped(&d.join("spikes.csv.gz")));
    let f = read_result(&d.join("spikes.csv.gz")).unwrap();
    assert!(f.result.voltage.is_empty());
    assert_same_spikes(&f.result, &lib, "spikes.csv.gz");
    // Never replaced without --force, as every output.
    let mut args = vec!["simulate", "--config", "config.json", "--no-plot"];
    args.extend(["--output", "all.json.gz"]);
    args.extend(STIM.split(' '));
    let o = glif(&args, &d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
}

/// `glif simulate` with `args` and the model of `config.json`, no `--no-plot`.
fn simulate(d: &Path, args: &[&str]) {
    let mut all = vec!["simulate", "--config", "config.json"];
    all.extend_from_slice(args);
    let o = glif(&all, d);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
}

#[test]
fn a_record_all_csv_written_as_the_run_goes_is_the_library_result_and_the_in_memory_bytes() {
    let d = dir("formats_csv_stream");
    let config = teeter(BAD_RESET);
    std::fs::write(d.join("config.json"), config.to_json_string()).unwrap();
    let lib = library(&config, Precision::F64, Record::All);
    let stim = stimulus();
    let mut npy = Vec::new();
    glif_io::formats::write_npy_f64(&mut npy, &[stim.len()], &stim);
    std::fs::write(d.join("stim.npy"), npy).unwrap();
    // Written as the run goes: a generated stimulus, and a .npy read as it
    // runs. With --plot the traces are kept in memory and written at the
    // end, as before.
    let stim_args: Vec<&str> = STIM.split(' ').collect();
    for (name, extra) in [
        ("gen.csv", &["--no-plot"][..]),
        ("gen.csv.gz", &["--no-plot"][..]),
        ("plotted.csv", &["--plot", "plotted.svg"][..]),
        ("plotted.csv.gz", &["--plot", "plotted-gz.svg"][..]),
        ("cut.csv", &["--no-plot", "--spike-cut-value", "0.05"][..]),
    ] {
        let mut args = vec!["--output", name];
        args.extend_from_slice(extra);
        args.extend_from_slice(&stim_args);
        simulate(&d, &args);
    }
    simulate(
        &d,
        &["--output", "npy.csv", "--no-plot", "--stimulus", "stim.npy"],
    );
    for name in ["gen", "npy"] {
        let t = read_csv(
            d.join(format!("{name}.csv")),
            d.join(format!("{name}.spikes.csv")),
        )
        .unwrap();
        assert!(t.result.same_outputs(&lib), "{name}");
        assert_eq!(bits(&t.stimulus), bits(&stim), "{name}");
    }
    let cut = read_csv(d.join("cut.csv"), d.join("cut.spikes.csv")).unwrap();
    assert_eq!(
        bits(&cut.result.voltage),
        bits(&lib.voltage_with_spike_cut_value(0.05))
    );
    // The library's in-memory writer, the plotted (in-memory) run and the
    // streamed runs: the same bytes, plain and gzipped.
    write_csv(
        d.join("lib.csv"),
        d.join("lib.spikes.csv"),
        &lib,
        DT,
        &stim,
        &glif_io::WriteOptions::default(),
    )
    .unwrap();
    let bytes = |name: &str| std::fs::read(d.join(name)).unwrap();
    for (a, b) in [
        ("lib.csv", "gen.csv"),
        ("lib.csv", "npy.csv"),
        ("lib.csv", "plotted.csv"),
        ("lib.spikes.csv", "gen.spikes.csv"),
        ("lib.spikes.csv", "npy.spikes.csv"),
        ("plotted.csv.gz", "gen.csv.gz"),
        ("plotted.spikes.csv.gz", "gen.spikes.csv.gz"),
    ] {
        assert!(bytes(a) == bytes(b), "{a} and {b} differ");
    }
}

#[test]
fn batch_summaries_read_back_as_the_library_computed_them() {
    let d = dir("formats_batch");
    std::fs::create_dir(d.join("configs")).unwrap();
    let names = [
        BAD_RESET,
        "313861677_Rorb-IRES2-Cre-D_GLIF1_neuron_config.json",
        "313861677_Rorb-IRES2-Cre-D_GLIF3_neuron_config.json",
    ];
    for name in names {
        std::fs::write(d.join("configs").join(name), teeter(name).to_json_string()).unwrap();
    }
    std::fs::write(d.join("configs/broken.json"), "{").unwrap();
    for (out, f32) in [("s.csv", false), ("s.json", true)] {
        let mut args = vec!["batch", "--configs", "configs", "--output", out];
        if f32 {
            args.extend(["--precision", "f32"]);
        }
        args.extend(STIM.split(' '));
        let o = glif(&args, &d);
        assert_eq!(o.status.code(), Some(1), "the broken file fails its row");
    }

    let prefix = format!("{}/", d.display());
    let lib = |precision| -> Vec<Row> {
        let entries = batch::read_configs(&d.join("configs")).unwrap();
        let options = BatchOptions {
            precision,
            ..BatchOptions::new(DT)
        };
        batch::run_batch(entries, &stimulus(), &options, &|_| {})
            .unwrap()
            .iter()
            // The library read `d/configs`, glif `configs` (from `d`).
            .map(|r| Row::from_run(r, |e| e.to_string().replace(&prefix, "")))
            .collect()
    };
    let rows = read_summary_csv(&d.join("s.csv")).unwrap();
    assert_eq!(rows, lib(Precision::F64));
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().any(|r| r.outcome == "bad_reset"));
    assert!(rows
        .iter()
        .any(|r| r.outcome == "error" && r.level.is_empty()));

    let summary = read_summary_json(&d.join("s.json")).unwrap();
    let rows = lib(Precision::F32);
    assert_eq!(summary.rows, rows);
    assert_eq!(summary.dt, DT);
    assert_eq!(summary.samples, stimulus().len());
    assert_eq!(summary.precision, "f32");
    let count = |o: &str| rows.iter().filter(|r| r.outcome == o).count();
    assert_eq!(
        (summary.models, summary.errors, summary.bad_reset),
        (4, count("error"), count("bad_reset"))
    );
}
