//! `glif batch` outputs that answer questions, on the real binary: every
//! model of a file keyed by several ids runs, `--recursive` walks the
//! repository's `reference/configs` tree, `--spikes` writes each model's
//! spike times (read back with glif-io's reader and compared with the
//! library's own run), and `--raster` draws one tick per spike.

mod common;

use std::path::{Path, PathBuf};

use common::{dir, glif, stderr, CONFIG};
use glif_io::batch::{read_spike_times_jsonl, read_summary_csv};
use glif_io::{stimulus, AnyPrecisionModel, NeuronConfig, Precision, Record};

const DT: f64 = 5e-6;
const STIM: [&str; 8] = [
    "--square",
    "2e-10",
    "--start",
    "0.05",
    "--width",
    "0.2",
    "--duration",
    "0.3",
];

fn library_steps(config: &NeuronConfig) -> Vec<usize> {
    let stim = stimulus::square(DT, 0.3, 0.05, 0.2, 2e-10).unwrap();
    let model =
        AnyPrecisionModel::new(&config.clone().with_dt(DT).unwrap(), Precision::F64).unwrap();
    glif_io::run::run_samples(&model, &stim, Record::Spikes, &|_| {})
        .spikes
        .iter()
        .map(|s| s.step)
        .collect()
}

fn batch(d: &Path, configs: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["batch", "--configs", configs.to_str().unwrap()];
    args.extend_from_slice(&STIM);
    args.extend_from_slice(extra);
    glif(&args, d)
}

#[test]
fn keyed_files_run_every_model_and_spike_times_match_the_library() {
    let d = dir("batch-keyed");
    let folder = d.join("configs");
    std::fs::create_dir_all(&folder).unwrap();
    // One file keyed by two ids: the bundled model, and the same with a
    // lower threshold (so the two spike trains differ).
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    let inner = v.as_object().unwrap().values().next().unwrap().clone();
    let mut low = inner.clone();
    low["th_inf"] = serde_json::json!(inner["th_inf"].as_f64().unwrap() * 0.8);
    let keyed = serde_json::json!({ "a": inner, "b": low });
    std::fs::write(folder.join("two.json"), keyed.to_string()).unwrap();

    let o = batch(&d, &folder, &["--output", "s.csv", "--spikes", "t.jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = read_summary_csv(&d.join("s.csv")).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.file.as_str()).collect();
    assert_eq!(names, ["two.json#a", "two.json#b"]);
    let trains = read_spike_times_jsonl(&d.join("t.jsonl")).unwrap();
    assert_eq!(trains.len(), 2);
    for (t, id) in trains.iter().zip(["a", "b"]) {
        let cfg = NeuronConfig::from_json_str(&keyed.to_string(), Some(id)).unwrap();
        let steps = library_steps(&cfg);
        assert!(!steps.is_empty(), "{id} must fire");
        assert_eq!(t.spike_time_steps, steps, "{id}");
        assert_eq!(t.spike_times_s.len(), steps.len());
        let row = rows.iter().find(|r| r.file == t.file).unwrap();
        assert_eq!(row.spike_count, steps.len());
        assert_eq!(row.first_spike_time_s, t.spike_times_s.first().copied());
    }
    assert_ne!(trains[0].spike_time_steps, trains[1].spike_time_steps);
    assert!(!stderr(&o).contains("--model-id"));

    // batch has no --model-id: it says what it does instead.
    let o = batch(&d, &folder, &["--output", "s3.csv", "--model-id", "a"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("every model") && stderr(&o).contains("glif simulate"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("s3.csv").exists());

    // --spikes must be JSON Lines.
    let o = batch(&d, &folder, &["--output", "s2.csv", "--spikes", "t.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(".jsonl"), "{}", stderr(&o));
}

fn count_configs(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p: PathBuf = e.unwrap().path();
        if p.is_dir() {
            n += count_configs(&p);
        } else if p.extension().is_some_and(|x| x == "json")
            && p.file_name().unwrap() != "index.json"
        {
            n += 1;
        }
    }
    n
}

#[test]
fn recursive_walks_reference_configs_and_the_raster_has_a_tick_per_spike() {
    let d = dir("batch-recursive");
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference/configs");
    // Without --recursive: only index.json, which is not a config; the
    // note says how to reach the subfolders.
    let o = batch(&d, &configs, &["--output", "flat.csv"]);
    assert!(stderr(&o).contains("--recursive"), "{}", stderr(&o));

    let o = batch(
        &d,
        &configs,
        &[
            "--recursive",
            "--output",
            "all.csv",
            "--spikes",
            "all.jsonl",
            "--raster",
            "r.svg",
        ],
    );
    let e = stderr(&o);
    assert!(o.status.success(), "{e}");
    assert!(
        e.contains("index.json") && e.contains("not neuron configs"),
        "{e}"
    );
    let rows = read_summary_csv(&d.join("all.csv")).unwrap();
    assert_eq!(rows.len(), count_configs(&configs));
    assert!(rows.iter().all(|r| r.file.contains('/')), "named by path");
    assert!(rows.iter().all(|r| r.outcome != "error"), "{rows:?}");
    let trains = read_spike_times_jsonl(&d.join("all.jsonl")).unwrap();
    let spikes: usize = trains.iter().map(|t| t.spike_times_s.len()).sum();
    assert_eq!(spikes, rows.iter().map(|r| r.spike_count).sum::<usize>());
    assert!(spikes > 0);
    // One polyline per spike tick, plus a few for the axes.
    let svg = std::fs::read_to_string(d.join("r.svg")).unwrap();
    let lines = svg.matches("<polyline").count();
    assert!(
        lines >= spikes && lines < spikes + 40,
        "{lines} lines, {spikes} spikes"
    );
}
