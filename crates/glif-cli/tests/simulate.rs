//! `glif simulate` and `glif info`, run as the real binary.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::Output;

use common::*;
use serde_json::Value;

const DT: f64 = 5e-6;

/// Writes the test stimulus (0.15 s, a 0.1 s step of 300 pA) as JSON.
fn write_stimulus(dir: &std::path::Path) -> Vec<f64> {
    let stim = step(30_000, 2_000, 22_000, 3e-10);
    std::fs::write(dir.join("stim.json"), serde_json::to_string(&stim).unwrap()).unwrap();
    stim
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn same(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
            "{what}[{i}]: {x} != {y}"
        );
    }
}

/// The spike outputs, which a spikes-only file holds as the full one does.
const SPIKE_KEYS: [&str; 5] = [
    "grid_spike_times",
    "interpolated_spike_times",
    "spike_time_steps",
    "interpolated_spike_voltage",
    "interpolated_spike_threshold",
];

fn check_spikes_json(j: &Value, lib: &Lib) {
    let steps: Vec<usize> = j["spike_time_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(steps, lib.spikes.iter().map(|s| s.step).collect::<Vec<_>>());
    let spikes =
        |f: fn(&glif_core::Spike<f64>) -> f64| lib.spikes.iter().map(f).collect::<Vec<_>>();
    for (key, value, what) in [
        ("interpolated_spike_times", spikes(|s| s.time), "times"),
        ("grid_spike_times", spikes(|s| s.grid_time), "grid"),
        ("interpolated_spike_voltage", spikes(|s| s.voltage), "sv"),
        (
            "interpolated_spike_threshold",
            spikes(|s| s.threshold),
            "sth",
        ),
    ] {
        same(&nums(&j[key]), &value, what);
    }
}

#[test]
fn no_arguments_runs_the_bundled_glif5_model_like_allensdk() {
    let d = dir("default");
    let o = glif(&["simulate"], &d);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for needle in [
        "GLIF5",
        "566283540",
        "spikes    32",
        "glif-output/simulation.json",
        "glif-output/simulation.png",
        "completed",
        "5e-6 s",
    ] {
        assert!(err.contains(needle), "summary lacks {needle:?}:\n{err}");
    }
    let png = std::fs::read(d.join("glif-output/simulation.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let j: Value =
        serde_json::from_slice(&std::fs::read(d.join("glif-output/simulation.json")).unwrap())
            .unwrap();
    assert_eq!(j["outcome"]["status"], "completed");
    assert_eq!(j["voltage"].as_array().unwrap().len(), 240_000);

    // The AllenSDK reference trace of this model on this stimulus.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../reference/traces/osb_566283540_GLIF5/long_square.json.gz"
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let r: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["spike_time_steps"], r["spike_time_steps"]);
    let (ours, theirs) = (
        nums(&j["interpolated_spike_times"]),
        nums(&r["interpolated_spike_times"]),
    );
    // glif uses libm's exp, AllenSDK numpy's: the spike times are held to
    // the reference checks' bound for that (glif_reference::tolerance, with
    // its reason), lengths included.
    glif_reference::tolerance::compare(
        glif_reference::tolerance::ExpSource::Libm,
        "interpolated_spike_times",
        &ours,
        &theirs,
    )
    .unwrap_or_else(|e| panic!("{e}"));

    // And the library on the same stimulus, bit for bit.
    let lib = library_run(&step(240_000, 20_000, 220_000, 1.68e-10), DT);
    check_spikes_json(&j, &lib);
    same(&nums(&j["voltage"]), &lib.voltage, "voltage");

    // A second run does not overwrite: it takes the next free name.
    let o = glif(&["simulate"], &d);
    assert!(o.status.success());
    assert!(d.join("glif-output/simulation-1.json").exists());
    assert!(d.join("glif-output/simulation-1.png").exists());
}

#[test]
fn json_output_matches_the_library_and_record_spikes_is_its_spike_part() {
    let (d, _, lib) = run_on_stimulus("json", "out.json");
    let j: Value = serde_json::from_slice(&std::fs::read(d.join("out.json")).unwrap()).unwrap();
    assert!(lib.spikes.len() > 3);
    same(&nums(&j["voltage"]), &lib.voltage, "voltage");
    same(&nums(&j["threshold"]), &lib.threshold, "threshold");
    let asc: Vec<f64> = j["AScurrents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(nums)
        .collect();
    same(
        &asc,
        &lib.asc.iter().flatten().copied().collect::<Vec<_>>(),
        "AScurrents",
    );
    check_spikes_json(&j, &lib);
    assert!(
        j["voltage"].as_array().unwrap().iter().any(|v| v.is_null()),
        "NaN is written as null"
    );
    assert_eq!(j["outcome"]["status"], "completed");

    let o = simulate_stim(&["--output", "spikes.json", "--record", "spikes"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: Value = serde_json::from_slice(&std::fs::read(d.join("spikes.json")).unwrap()).unwrap();
    assert!(s.get("voltage").is_none() && s.get("AScurrents").is_none());
    for k in SPIKE_KEYS.iter().chain(&["outcome"]) {
        assert_eq!(s[k], j[k], "{k}");
    }

    // --spike-cut-value replaces NaN voltages, as simulate_neuron does.
    let o = simulate_stim(&["--output", "cut.json", "--spike-cut-value", "0.05"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let c: Value = serde_json::from_slice(&std::fs::read(d.join("cut.json")).unwrap()).unwrap();
    let expect: Vec<f64> = lib
        .voltage
        .iter()
        .map(|&v| if v.is_nan() { 0.05 } else { v })
        .collect();
    same(&nums(&c["voltage"]), &expect, "cut voltage");
}

fn npz_arrays(
    path: &std::path::Path,
) -> std::collections::HashMap<String, (String, Vec<usize>, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = std::collections::HashMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().trim_end_matches(".npy").to_string();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
        let hl = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + hl) % 64, 0, "npy header alignment");
        let header = std::str::from_utf8(&b[10..10 + hl]).unwrap().to_string();
        let descr = header.split("'descr': '").nth(1).unwrap()[..3].to_string();
        let shape: Vec<usize> = header
            .split("'shape': (")
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap()
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .collect();
        out.insert(name, (descr, shape, b[10 + hl..].to_vec()));
    }
    out
}

fn f64s(b: &[u8]) -> Vec<f64> {
    b.chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// `glif simulate --config CONFIG --stimulus stim.json` and `extra`, in `d`.
fn simulate_stim(extra: &[&str], d: &Path) -> Output {
    let mut args = vec!["simulate", "--config", CONFIG, "--stimulus", "stim.json"];
    args.extend_from_slice(extra);
    glif(&args, d)
}

/// In a fresh directory `name`: writes the test stimulus, runs `glif
/// simulate` on it at 5 µs writing `output`, and returns the directory, the
/// stimulus and the library's own run of it.
fn run_on_stimulus(name: &str, output: &str) -> (std::path::PathBuf, Vec<f64>, Lib) {
    let d = dir(name);
    let stim = write_stimulus(&d);
    let o = simulate_stim(&["--dt", "5e-6", "--output", output], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let lib = library_run(&stim, DT);
    (d, stim, lib)
}

#[test]
fn npz_output_matches_the_library() {
    let (d, stim, lib) = run_on_stimulus("npz", "out.npz");
    let a = npz_arrays(&d.join("out.npz"));
    assert_eq!(a["voltage"].0, "<f8");
    assert_eq!(a["voltage"].1, vec![30_000]);
    same(&f64s(&a["voltage"].2), &lib.voltage, "voltage");
    same(&f64s(&a["threshold"].2), &lib.threshold, "threshold");
    assert_eq!(a["AScurrents"].1, vec![30_000, 2]);
    same(
        &f64s(&a["AScurrents"].2),
        &lib.asc.iter().flatten().copied().collect::<Vec<_>>(),
        "asc",
    );
    same(&f64s(&a["stimulus"].2), &stim, "stimulus");
    same(
        &f64s(&a["interpolated_spike_times"].2),
        &lib.spikes.iter().map(|s| s.time).collect::<Vec<_>>(),
        "times",
    );
    let steps: Vec<i64> = a["spike_time_steps"]
        .2
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(
        steps,
        lib.spikes.iter().map(|s| s.step as i64).collect::<Vec<_>>()
    );
    assert_eq!(a["bad_reset_spike_step"].1, Vec::<usize>::new());

    let o = simulate_stim(&["--output", "spikes.npz", "--record", "spikes"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = npz_arrays(&d.join("spikes.npz"));
    assert!(!s.contains_key("voltage"));
    for k in SPIKE_KEYS {
        assert_eq!(s[k], a[k], "{k}");
    }
}

#[test]
fn csv_output_matches_the_library() {
    let (d, stim, lib) = run_on_stimulus("csv", "out.csv");
    let text = std::fs::read_to_string(d.join("out.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "time_s,stimulus_A,voltage_V,threshold_V,AScurrent_0_A,AScurrent_1_A"
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|c| c.parse::<f64>().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 30_000);
    let col = |k: usize| rows.iter().map(|r| r[k]).collect::<Vec<_>>();
    same(&col(1), &stim, "stimulus");
    same(&col(2), &lib.voltage, "voltage");
    same(&col(3), &lib.threshold, "threshold");
    same(
        &col(4),
        &lib.asc.iter().map(|a| a[0]).collect::<Vec<_>>(),
        "asc0",
    );
    same(
        &col(5),
        &lib.asc.iter().map(|a| a[1]).collect::<Vec<_>>(),
        "asc1",
    );
    let spikes = std::fs::read_to_string(d.join("out.spikes.csv")).unwrap();
    let srows: Vec<Vec<f64>> = spikes
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|c| c.parse::<f64>().unwrap()).collect())
        .collect();
    assert_eq!(srows.len(), lib.spikes.len());
    for (r, s) in srows.iter().zip(&lib.spikes) {
        assert_eq!(r[0] as usize, s.step);
        assert_eq!(r[2].to_bits(), s.time.to_bits());
    }

    let o = simulate_stim(&["--output", "spikes.csv", "--record", "spikes"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(d.join("spikes.csv")).unwrap(),
        spikes
    );
}

#[test]
fn plots_are_valid_svg_and_png() {
    let d = dir("plots");
    write_stimulus(&d);
    let o = simulate_stim(&["--output", "o.json", "--plot", "p.svg"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(d.join("p.svg")).unwrap();
    assert!(svg.trim_start().starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for label in [
        "time (s)",
        "voltage (mV)",
        "current (pA)",
        "threshold",
        "interpolated spike",
        "After-spike currents",
    ] {
        assert!(svg.contains(label), "svg lacks {label}");
    }
    let o = glif(
        &[
            "simulate",
            "--config",
            CONFIG,
            "--square",
            "1.68e-10",
            "--duration",
            "0.3",
            "--width",
            "0.2",
            "--output",
            "o2.json",
            "--plot",
            "p.png",
        ],
        &d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let png = std::fs::read(d.join("p.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1400);
}

#[test]
fn generated_stimuli_and_f32_run() {
    let d = dir("generated");
    for (i, args) in [
        vec!["--square", "3e-10", "--width", "0.1", "--duration", "0.2"],
        vec!["--pulse", "2e-9"],
        vec!["--ramp", "4e-10", "--width", "0.2"],
        vec![
            "--noise",
            "2.5e-10",
            "--noise-sd",
            "1e-10",
            "--seed",
            "3",
            "--width",
            "0.1",
        ],
    ]
    .into_iter()
    .enumerate()
    {
        let out = format!("g{i}.json");
        let mut a = vec![
            "simulate",
            "--config",
            CONFIG,
            "--output",
            &out,
            "--precision",
            "f32",
        ];
        a.extend(args.iter());
        let o = glif(&a, &d);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("f32"));
        let j: Value = serde_json::from_slice(&std::fs::read(d.join(&out)).unwrap()).unwrap();
        assert_eq!(j["run"]["precision"], "f32");
    }
    // Same seed, same noise.
    let run = |name: &str| {
        let o = glif(
            &[
                "simulate", "--config", CONFIG, "--noise", "2e-10", "--seed", "9", "--output",
                name, "--record", "spikes",
            ],
            &d,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let j: Value = serde_json::from_slice(&std::fs::read(d.join(name)).unwrap()).unwrap();
        j["interpolated_spike_times"].clone()
    };
    assert_eq!(run("n1.json"), run("n2.json"));
}

#[test]
fn bad_reset_is_a_warning_with_the_step_and_exit_0() {
    let d = dir("bad_reset");
    let mut all: Value = serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    all["566283540"]["voltage_reset_method"]["params"]["b"] = Value::from(0.1);
    std::fs::write(d.join("bad.json"), all.to_string()).unwrap();
    let o = glif(
        &[
            "simulate", "--config", "bad.json", "--square", "3e-10", "--output", "o.json",
        ],
        &d,
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning: bad reset") && err.contains("step"),
        "{err}"
    );
    let j: Value = serde_json::from_slice(&std::fs::read(d.join("o.json")).unwrap()).unwrap();
    assert_eq!(j["outcome"]["status"], "bad_reset");
    assert!(j["outcome"]["spike_step"].as_u64().is_some());
}

fn expect_fail(d: &std::path::Path, args: &[&str], code: i32, needles: &[&str]) {
    let o = glif(args, d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: message lacks {n:?}: {err}");
    }
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

/// [`expect_fail`] with exit status 2 (bad input) for `glif simulate
/// --config CONFIG --stimulus STIMULUS` and `rest`.
fn expect_bad_input(d: &Path, config: &str, stimulus: &str, rest: &[&str], needles: &[&str]) {
    let mut args = vec!["simulate", "--config", config, "--stimulus", stimulus];
    args.extend_from_slice(rest);
    expect_fail(d, &args, 2, needles);
}

#[test]
fn errors_have_their_exit_status_and_name_the_problem() {
    let d = dir("errors");
    write_stimulus(&d);
    std::fs::write(d.join("notjson.json"), "{ nope").unwrap();
    let mut all: Value = serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    all["566283540"]["R_input"] = Value::from("big");
    std::fs::write(d.join("badfield.json"), all.to_string()).unwrap();
    all["566283540"]["R_input"] = Value::from(-5.0);
    std::fs::write(d.join("negative.json"), all.to_string()).unwrap();
    std::fs::write(d.join("badstim.json"), "[1e-10, \"x\"]").unwrap();
    std::fs::write(d.join("two.json"), r#"{"1": {}, "2": {}}"#).unwrap();
    std::fs::create_dir_all(d.join("adir.json")).unwrap();

    // Usage.
    expect_fail(&d, &["simulate", "--bogus"], 2, &["--bogus"]);
    // `--config` without a stimulus runs the default step: tests/stimuli.rs.
    // Then input files. Each: config, stimulus, other arguments, what the
    // message names (exit status 2).
    let o_json: &[&str] = &["--output", "o.json"];
    #[rustfmt::skip]
    let cases: [(&str, &str, &[&str], &[&str]); 11] = [
        (CONFIG, "stim.json", &["--square", "1e-10"], &["cannot be used with"]),
        (CONFIG, "stim.json", &["--output", "o.txt"], &["o.txt", ".json"]),
        (CONFIG, "stim.json", &["--dt", "-1", "--output", "o.json"], &["--dt"]),
        ("missing.json", "stim.json", o_json, &["missing.json"]),
        ("notjson.json", "stim.json", o_json, &["notjson.json", "JSON"]),
        ("badfield.json", "stim.json", o_json, &["badfield.json", "R_input"]),
        ("negative.json", "stim.json", o_json, &["negative.json", "R_input", "> 0"]),
        ("two.json", "stim.json", o_json, &["two.json", "--model-id"]),
        (CONFIG, "stim.json", &["--model-id", "42", "--output", "o.json"], &["42"]),
        (CONFIG, "badstim.json", o_json, &["badstim.json", "[1]"]),
        (CONFIG, "nostim.json", o_json, &["nostim.json"]),
    ];
    for (config, stimulus, rest, needles) in cases {
        expect_bad_input(&d, config, stimulus, rest, needles);
    }
    // Never overwrite without --force.
    std::fs::write(d.join("exists.json"), "keep").unwrap();
    let (exists, needles) = (["--output", "exists.json"], ["exists.json", "--force"]);
    expect_bad_input(&d, CONFIG, "stim.json", &exists, &needles);
    assert_eq!(
        std::fs::read_to_string(d.join("exists.json")).unwrap(),
        "keep"
    );
    let o = simulate_stim(&["--output", "exists.json", "--force"], &d);
    assert!(o.status.success());
    // Other failures: exit status 1.
    // A folder named as the output is refused before the run (bad
    // usage), with a message instead of the system's error.
    let adir = ["--output", "adir.json", "--force"];
    expect_bad_input(&d, CONFIG, "stim.json", &adir, &["adir.json: is a folder"]);
}

#[test]
fn help_is_complete_with_examples() {
    let d = dir("help");
    for args in [
        vec!["--help"],
        vec!["simulate", "--help"],
        vec!["info", "--help"],
    ] {
        let o = glif(&args, &d);
        assert!(o.status.success());
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("Examples:"), "{args:?}: {out}");
    }
    let o = glif(&["simulate", "--help"], &d);
    let out = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--config",
        "--model-id",
        "--stimulus",
        "--dt",
        "--output",
        "--spike-cut-length",
        "--square",
        "--pulse",
        "--ramp",
        "--noise",
        "--seed",
        "--duration",
        "--record",
        "--spike-cut-value",
        "--precision",
        "--plot",
        "--force",
    ] {
        assert!(out.contains(flag), "simulate --help lacks {flag}");
    }
}

#[test]
fn info_shows_level_parameters_derived_values_and_problems() {
    let d = dir("info");
    let o = glif(&["info", "--config", CONFIG], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for n in [
        "GLIF5",
        "three_components_exact",
        "R_input",
        "MΩ",
        "tau_m",
        "rheobase (LIF)",
        "rheobase (adapting)",
        "111.98",
        "the parameters are valid",
    ] {
        assert!(out.contains(n), "info lacks {n:?}:\n{out}");
    }
    let mut all: Value = serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    all["566283540"]["asc_tau_array"][1] = Value::from(0.0);
    std::fs::write(d.join("bad.json"), all.to_string()).unwrap();
    // glif-io refuses the value when it reads the file: the error (stderr)
    // names the file and the field.
    let o = glif(&["info", "--config", "bad.json"], &d);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bad.json") && err.contains("asc_tau_array[1]"),
        "{err}"
    );
}

#[test]
fn a_time_step_forward_euler_cannot_take_is_flagged() {
    let d = dir("unstable-dt");
    // tau_m of the bundled model is 17.6 ms: 5 µs is fine, 20 ms overshoots,
    // 50 ms diverges.
    let o = glif(&["info", "--config", CONFIG, "--dt", "5e-6"], &d);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("forward Euler"));
    let o = glif(&["info", "--config", CONFIG, "--dt", "0.02"], &d);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("overshoots rest"), "{out}");
    let mut args = vec!["simulate", "--config", CONFIG, "--square", "1e-10"];
    args.extend(["--dt", "0.05", "--duration", "5", "--output", "u.json"]);
    let o = glif(&args, &d);
    // Refused (exit status 2), unless insisted on.
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("diverges") && err.contains("--allow-unstable-dt"),
        "{err}"
    );
    args.push("--allow-unstable-dt");
    let o = glif(&args, &d);
    let err = stderr(&o);
    assert!(err.contains("warning") && err.contains("diverges"), "{err}");
}
