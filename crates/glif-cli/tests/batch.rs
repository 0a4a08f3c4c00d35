//! `glif batch`: the population path against each model run alone through
//! glif-io's AnyModel, on a sample of the Teeter et al. configs of every
//! level, a custom rule combination and broken files; CSV and JSON summaries
//! parse back.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use common::*;
use glif_io::{stimulus, AnyModel, NeuronConfig, Outcome, RunEnd};
use serde_json::Value;

const DT: f64 = 5e-6;
/// Per level, enough for two blocks of 16 (the second padded).
const PER_LEVEL: usize = 18;
/// Teeter models whose run on 200 pA ends in a bad reset within 0.3 s.
const BAD_RESETS: [&str; 3] = [
    "482809953_Nr5a1-Cre_GLIF5_neuron_config.json",
    "509881736_Ctgf-2A-dgCre_GLIF2_neuron_config.json",
    "522723828_Ctgf-2A-dgCre_GLIF2_neuron_config.json",
];

fn teeter_lines() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../reference/teeter-all.jsonl.gz"
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The sample: PER_LEVEL configs of every level, the bad-reset ones.
fn sample() -> Vec<(String, Value)> {
    let lines = teeter_lines();
    assert_eq!(lines.len(), 2441);
    let mut per: BTreeMap<u8, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for l in &lines {
        let file = l["file"].as_str().unwrap().to_string();
        let level = NeuronConfig::from_value(&l["config"], None)
            .unwrap()
            .level()
            .unwrap();
        let n = per.entry(level).or_default();
        if *n < PER_LEVEL || BAD_RESETS.contains(&file.as_str()) {
            *n += 1;
            out.push((file, l["config"].clone()));
        }
    }
    assert_eq!(per.len(), 5);
    out
}

/// A custom rule combination (linear_exact voltage: not a published level).
fn custom() -> Value {
    let all: Value = serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    let mut c = all["566283540"].clone();
    c["voltage_dynamics_method"]["name"] = Value::from("linear_exact");
    c
}

/// A minimal CSV reader (quoted fields with "" escapes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in text.lines() {
        let mut row = Vec::new();
        let mut cell = String::new();
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cell.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => row.push(std::mem::take(&mut cell)),
                _ => cell.push(c),
            }
        }
        row.push(cell);
        rows.push(row);
    }
    rows
}

#[derive(Debug, PartialEq)]
struct Row {
    file: String,
    level: String,
    spikes: usize,
    first: Option<f64>,
    outcome: String,
    bad_reset_step: Option<usize>,
    error: String,
}

fn csv_rows(path: &Path) -> Vec<Row> {
    let rows = parse_csv(&std::fs::read_to_string(path).unwrap());
    assert_eq!(
        rows[0].join(","),
        "file,level,spike_count,first_spike_time_s,outcome,bad_reset_step,error"
    );
    rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), 7, "{r:?}");
            Row {
                file: r[0].clone(),
                level: r[1].clone(),
                spikes: r[2].parse().unwrap(),
                first: (!r[3].is_empty()).then(|| r[3].parse().unwrap()),
                outcome: r[4].clone(),
                bad_reset_step: (!r[5].is_empty()).then(|| r[5].parse().unwrap()),
                error: r[6].clone(),
            }
        })
        .collect()
}

fn json_rows(path: &Path) -> Vec<Row> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(
        v["models"].as_u64().unwrap() as usize,
        v["rows"].as_array().unwrap().len()
    );
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Row {
            file: r["file"].as_str().unwrap().into(),
            level: r["level"].as_str().unwrap().into(),
            spikes: r["spike_count"].as_u64().unwrap() as usize,
            first: r["first_spike_time_s"].as_f64(),
            outcome: r["outcome"].as_str().unwrap().into(),
            bad_reset_step: r["bad_reset_step"].as_u64().map(|s| s as usize),
            error: r["error"].as_str().unwrap_or("").into(),
        })
        .collect()
}

/// Each model alone through AnyModel, as the batch rows should say.
fn check_against_any_model(rows: &[Row], configs: &BTreeMap<String, Value>, stim: &[f64]) {
    let mut checked = 0;
    let mut fired = 0;
    let mut bad = 0;
    for r in rows {
        let Some(c) = configs.get(&r.file) else {
            continue;
        };
        let c = NeuronConfig::from_value(c, None)
            .unwrap()
            .with_dt(DT)
            .unwrap();
        let alone = AnyModel::<f64>::new(&c).unwrap().run_spikes(stim);
        assert_eq!(r.spikes, alone.spikes.len(), "{}", r.file);
        assert_eq!(
            r.first.map(f64::to_bits),
            alone.spikes.first().map(|s| s.time.to_bits()),
            "{}",
            r.file
        );
        match alone.end {
            RunEnd::COMPLETED => assert_eq!(r.outcome, "completed", "{}", r.file),
            RunEnd::Ended(Outcome::BadReset { spike_step, .. }) => {
                assert_eq!(r.outcome, "bad_reset", "{}", r.file);
                assert_eq!(r.bad_reset_step, Some(spike_step), "{}", r.file);
                bad += 1;
            }
            RunEnd::Failed(e) => panic!("{}: {e}", r.file),
        }
        checked += 1;
        fired += usize::from(r.spikes > 0);
    }
    assert_eq!(checked, configs.len());
    assert!(
        fired > checked / 2,
        "most models fire: {fired} of {checked}"
    );
    assert_eq!(bad, BAD_RESETS.len());
}

const STIM_ARGS: [&str; 8] = [
    "--square",
    "2e-10",
    "--start",
    "0.1",
    "--width",
    "0.2",
    "--duration",
    "0.3",
];

#[test]
fn population_rows_match_each_model_alone_and_summaries_parse_back() {
    let d = dir("batch_folder");
    let cfgdir = d.join("configs");
    std::fs::create_dir_all(&cfgdir).unwrap();
    let mut configs: BTreeMap<String, Value> = BTreeMap::new();
    for (file, c) in sample() {
        std::fs::write(cfgdir.join(&file), c.to_string()).unwrap();
        configs.insert(file, c);
    }
    std::fs::write(
        cfgdir.join("custom_linear_exact.json"),
        custom().to_string(),
    )
    .unwrap();
    configs.insert("custom_linear_exact.json".into(), custom());
    std::fs::write(cfgdir.join("broken.json"), "{ nope").unwrap();
    let mut bad_field = custom();
    bad_field["R_input"] = Value::from("big");
    std::fs::write(cfgdir.join("bad_field.json"), bad_field.to_string()).unwrap();
    std::fs::write(cfgdir.join("notes.txt"), "not a config").unwrap();
    let stim = stimulus::square(DT, 0.3, 0.1, 0.2, 2e-10).unwrap();

    let mut args = vec!["batch", "--configs", "configs", "--output", "s.csv"];
    args.extend(STIM_ARGS);
    let o = glif(&args, &d);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a broken file fails its row: {err}"
    );
    assert!(
        err.contains("broken.json") && !err.contains("panicked"),
        "{err}"
    );
    let rows = csv_rows(&d.join("s.csv"));
    assert_eq!(rows.len(), configs.len() + 2, "one row per .json file");
    let broken = rows.iter().find(|r| r.file == "broken.json").unwrap();
    assert_eq!(broken.outcome, "error");
    assert!(broken.error.contains("broken.json") && broken.error.contains("JSON"));
    let bad = rows.iter().find(|r| r.file == "bad_field.json").unwrap();
    assert_eq!(bad.outcome, "error");
    assert!(
        bad.error.contains("bad_field.json") && bad.error.contains("R_input"),
        "{}",
        bad.error
    );
    let custom_row = rows
        .iter()
        .find(|r| r.file == "custom_linear_exact.json")
        .unwrap();
    assert_eq!(custom_row.level, "custom");
    for level in 1..=5 {
        let n = rows
            .iter()
            .filter(|r| r.level == format!("GLIF{level}"))
            .count();
        assert!(n >= PER_LEVEL, "GLIF{level}: {n}");
    }
    check_against_any_model(&rows, &configs, &stim);

    // The JSON summary holds the same rows.
    let mut args = vec!["batch", "--configs", "configs", "--output", "s.json"];
    args.extend(STIM_ARGS);
    let o = glif(&args, &d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(json_rows(&d.join("s.json")), rows);

    // Never overwrite without --force.
    let before = std::fs::read(d.join("s.csv")).unwrap();
    let mut args = vec!["batch", "--configs", "configs", "--output", "s.csv"];
    args.extend(STIM_ARGS);
    let o = glif(&args, &d);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"));
    assert_eq!(std::fs::read(d.join("s.csv")).unwrap(), before);
    args.push("--force");
    assert_eq!(glif(&args, &d).status.code(), Some(1));
}

#[test]
fn jsonl_input_gives_the_same_rows_as_the_folder() {
    let d = dir("batch_jsonl");
    let sample = sample();
    let configs: BTreeMap<String, Value> = sample.iter().cloned().collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for (file, c) in &sample {
        writeln!(gz, "{}", serde_json::json!({"file": file, "config": c})).unwrap();
    }
    std::fs::write(d.join("s.jsonl.gz"), gz.finish().unwrap()).unwrap();
    let stim = stimulus::square(DT, 0.3, 0.1, 0.2, 2e-10).unwrap();
    let mut args = vec!["batch", "--configs", "s.jsonl.gz", "--output", "s.csv"];
    args.extend(STIM_ARGS);
    let o = glif(&args, &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&d.join("s.csv"));
    assert_eq!(rows.len(), sample.len());
    assert!(rows.iter().zip(&sample).all(|(r, (f, _))| &r.file == f));
    check_against_any_model(&rows, &configs, &stim);

    // A bad line is reported in its row; the file goes on.
    let mut text = String::new();
    for (i, (file, c)) in sample.iter().take(3).enumerate() {
        if i == 1 {
            text.push_str("{\"file\": \"x.json\", \"config\": {\"El\": 0}}\n");
        }
        text.push_str(&format!(
            "{}\n",
            serde_json::json!({"file": file, "config": c})
        ));
    }
    std::fs::write(d.join("t.jsonl"), text).unwrap();
    let mut args = vec!["batch", "--configs", "t.jsonl", "--output", "t.json"];
    args.extend(STIM_ARGS);
    let o = glif(&args, &d);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = json_rows(&d.join("t.json"));
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1].file, "x.json");
    assert_eq!(rows[1].outcome, "error");
    assert!(
        rows[1].error.contains("t.jsonl line 2"),
        "{}",
        rows[1].error
    );
    assert!(rows.iter().filter(|r| r.outcome == "error").count() == 1);
}

#[test]
fn bad_usage_is_exit_status_2_and_help_has_an_example() {
    let d = dir("batch_usage");
    std::fs::create_dir_all(d.join("empty")).unwrap();
    // (configs, stimulus flags, output, what the message names)
    for (configs, stimulus, output, needle) in [
        ("empty", &[][..], "s.csv", "no stimulus"),
        ("empty", &["--square", "1e-10"][..], "s.csv", "no configs"),
        ("nothere", &["--square", "1e-10"][..], "s.csv", "nothere"),
        (
            "empty",
            &["--square", "1e-10"][..],
            "s.txt",
            ".csv or .json",
        ),
    ] {
        let mut args = vec!["batch", "--configs", configs];
        args.extend_from_slice(stimulus);
        args.extend(["--output", output]);
        let o = glif(&args, &d);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
    let o = glif(&["batch", "--help"], &d);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for n in [
        "Examples:",
        "--configs",
        "--stimulus",
        "--square",
        "--dt",
        "--output",
        "--force",
    ] {
        assert!(out.contains(n), "batch --help lacks {n}");
    }
}

#[test]
fn threads_picks_the_workers_and_bad_counts_are_refused() {
    let d = dir("batch_threads");
    // 40 models: two full population blocks of some level and blocks of others.
    let mut text = String::new();
    for l in teeter_lines().iter().take(40) {
        text.push_str(&l.to_string());
        text.push('\n');
    }
    std::fs::write(d.join("t.jsonl"), text).unwrap();
    let mut outputs = Vec::new();
    for threads in [None, Some("1"), Some("2")] {
        let name = format!("s{}.csv", threads.unwrap_or("default"));
        let mut args = vec![
            "batch",
            "--configs",
            "t.jsonl",
            "--output",
            &name,
            "--force",
        ];
        args.extend(STIM_ARGS);
        if let Some(t) = threads {
            args.extend(["--threads", t]);
        }
        let o = glif(&args, &d);
        assert_eq!(o.status.code(), Some(0), "{threads:?}: {}", stderr(&o));
        outputs.push(std::fs::read(d.join(&name)).unwrap());
    }
    assert_eq!(csv_rows(&d.join("sdefault.csv")).len(), 40);
    assert!(
        outputs.iter().all(|o| *o == outputs[0]),
        "the same summary, byte for byte, whatever the number of threads"
    );
    for bad in ["0", "abc", "-1", "1.5"] {
        let mut args = vec!["batch", "--configs", "t.jsonl", "--output", "bad.csv"];
        args.extend(STIM_ARGS);
        args.extend(["--threads", bad]);
        let o = glif(&args, &d);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "--threads {bad}: {err}");
        assert!(
            err.contains("--threads") && err.contains(bad),
            "--threads {bad}: {err}"
        );
        assert!(!d.join("bad.csv").exists());
    }
}
