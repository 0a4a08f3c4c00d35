//! Stimuli as people have them, through the real `glif` binary: a
//! two-column `time_s,current_A` CSV (its time column checked against
//! `--dt`), a column chosen by name, an array of a `.npz` chosen with
//! `--key`, integer `.npy` of any width, gzipped CSV and JSON; the default
//! stimulus of `--config` without one; conflicting or empty stimulus
//! options refused. Each run's spike steps are compared with the same
//! stimulus given as a plain JSON array.

mod common;

use std::path::Path;

use common::{dir, glif, stderr, step, CONFIG};
use serde_json::Value;

const N: usize = 40_000;

fn stim() -> Vec<f64> {
    step(N, 4_000, 36_000, 2e-10)
}

/// Spike steps of `glif simulate --config CONFIG <args> --record spikes`.
fn spike_steps(d: &Path, out: &str, args: &[&str]) -> Vec<u64> {
    let mut all = vec!["simulate", "--config", CONFIG, "--record", "spikes"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--output", out]);
    let o = glif(&all, d);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let j: Value = serde_json::from_slice(&std::fs::read(d.join(out)).unwrap()).unwrap();
    j["spike_time_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

fn two_column_csv(x: &[f64], dt: f64, time_name: &str) -> String {
    let mut s = format!("{time_name},current_A\n");
    for (i, v) in x.iter().enumerate() {
        // Times with 6 decimals, as a spreadsheet export writes them.
        s.push_str(&format!("{:.6},{v:e}\n", i as f64 * dt));
    }
    s
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn fail(d: &Path, args: &[&str], needles: &[&str]) {
    let o = glif(args, d);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    let e = stderr(&o);
    for n in needles {
        assert!(e.contains(n), "{args:?}: {n:?} not in {e}");
    }
    assert!(!e.contains("panicked"), "{e}");
}

#[test]
fn two_column_csv_and_named_columns_run_like_the_plain_stimulus() {
    let d = dir("stim-csv");
    let x = stim();
    std::fs::write(d.join("s.json"), serde_json::to_string(&x).unwrap()).unwrap();
    let reference = spike_steps(&d, "ref.json", &["--stimulus", "s.json"]);
    assert!(!reference.is_empty(), "the step must make the model fire");

    let csv = two_column_csv(&x, 5e-6, "time_s");
    std::fs::write(d.join("two.csv"), &csv).unwrap();
    assert_eq!(
        spike_steps(&d, "a.json", &["--stimulus", "two.csv"]),
        reference
    );
    std::fs::write(d.join("two.csv.gz"), gzip(csv.as_bytes())).unwrap();
    assert_eq!(
        spike_steps(&d, "b.json", &["--stimulus", "two.csv.gz"]),
        reference
    );
    std::fs::write(
        d.join("s.json.gz"),
        gzip(&std::fs::read(d.join("s.json")).unwrap()),
    )
    .unwrap();
    assert_eq!(
        spike_steps(&d, "c.json", &["--stimulus", "s.json.gz"]),
        reference
    );

    // Three columns: chosen by name.
    let mut three = String::from("time_s,command_A,current_A\n");
    for (i, v) in x.iter().enumerate() {
        three.push_str(&format!("{:.6},0,{v:e}\n", i as f64 * 5e-6));
    }
    std::fs::write(d.join("three.csv"), three).unwrap();
    assert_eq!(
        spike_steps(
            &d,
            "e.json",
            &["--stimulus", "three.csv", "--column", "current_A"]
        ),
        reference
    );
    let args = ["simulate", "--config", CONFIG, "--stimulus", "three.csv"];
    fail(
        &d,
        &args,
        &[
            "three.csv",
            "3 columns",
            "time_s, command_A, current_A",
            "--column",
        ],
    );
    let args = [
        "simulate",
        "--config",
        CONFIG,
        "--stimulus",
        "three.csv",
        "--column",
        "I",
    ];
    fail(
        &d,
        &args,
        &["three.csv", "no column named \"I\"", "current_A"],
    );

    // The time column says 10 kHz: --dt must agree, and the message says which dt.
    std::fs::write(d.join("slow.csv"), two_column_csv(&x[..1000], 1e-4, "time")).unwrap();
    let args = ["simulate", "--config", CONFIG, "--stimulus", "slow.csv"];
    fail(&d, &args, &["slow.csv", "column \"time\"", "1e-4", "--dt"]);
    let o = glif(
        &[
            "simulate",
            "--config",
            CONFIG,
            "--stimulus",
            "slow.csv",
            "--dt",
            "1e-4",
            "--record",
            "spikes",
            "--output",
            "slow.json",
        ],
        &d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // A missing row is found by its line.
    let mut gap: Vec<&str> = csv.lines().collect();
    gap.remove(500);
    std::fs::write(d.join("gap.csv"), gap.join("\n")).unwrap();
    let args = ["simulate", "--config", CONFIG, "--stimulus", "gap.csv"];
    fail(&d, &args, &["gap.csv", "time_s"]);
}

/// `.npy` bytes of a 1-D array with dtype `descr` and raw little-endian data.
fn npy(descr: &str, n: usize, data: &[u8]) -> Vec<u8> {
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({n},), }}");
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn npz_keys_and_integer_npy_of_every_width() {
    let d = dir("stim-npz");
    let x = stim();
    std::fs::write(d.join("s.json"), serde_json::to_string(&x).unwrap()).unwrap();
    let reference = spike_steps(&d, "ref.json", &["--stimulus", "s.json"]);

    let member = |v: &[f64]| {
        let mut b = Vec::new();
        glif_io::formats::write_npy_f64(&mut b, &[v.len()], v);
        b
    };
    let zeros = vec![0.0; N];
    let archive = glif_io::formats::zip_npz(&[
        ("stimulus.npy".to_string(), member(&x)),
        ("response.npy".to_string(), member(&zeros)),
    ])
    .unwrap();
    std::fs::write(d.join("s.npz"), archive).unwrap();
    assert_eq!(
        spike_steps(&d, "a.json", &["--stimulus", "s.npz", "--key", "stimulus"]),
        reference
    );
    let args = ["simulate", "--config", CONFIG, "--stimulus", "s.npz"];
    fail(
        &d,
        &args,
        &["s.npz", "2 arrays", "stimulus, response", "--key"],
    );
    let args = [
        "simulate",
        "--config",
        CONFIG,
        "--stimulus",
        "s.npz",
        "--key",
        "x",
    ];
    fail(
        &d,
        &args,
        &["s.npz", "no array \"x\"", "stimulus, response"],
    );
    let args = [
        "simulate",
        "--config",
        CONFIG,
        "--stimulus",
        "s.json",
        "--key",
        "x",
    ];
    fail(&d, &args, &["s.json", "key", ".npz"]);

    // Integer arrays (all zero: an integer current in A is otherwise
    // absurd) of every width run like the float zeros, streamed or not.
    std::fs::write(d.join("zeros.json"), serde_json::to_string(&zeros).unwrap()).unwrap();
    let quiet = spike_steps(&d, "z.json", &["--stimulus", "zeros.json"]);
    for descr in [
        "<i1", "<i2", "<i4", "<i8", "<u1", "<u2", "<u4", "<u8", ">i4",
    ] {
        let width: usize = descr[2..].parse().unwrap();
        let name = format!(
            "z{}{}.npy",
            if descr.starts_with('>') { "be" } else { "le" },
            &descr[1..]
        );
        std::fs::write(d.join(&name), npy(descr, N, &vec![0u8; N * width])).unwrap();
        let out = format!(
            "{}{}.json",
            if descr.starts_with('>') { "be" } else { "le" },
            &descr[1..]
        );
        assert_eq!(
            spike_steps(&d, &out, &["--stimulus", &name]),
            quiet,
            "{descr}"
        );
    }
}

#[test]
fn config_without_stimulus_uses_a_step_at_its_rheobase_and_bad_options_are_refused() {
    let d = dir("stim-default");
    let o = glif(
        &[
            "simulate", "--config", CONFIG, "--record", "spikes", "--output", "o.json",
        ],
        &d,
    );
    let e = stderr(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("the default: 1.5 x the model's rheobase"), "{e}");
    let j: Value = serde_json::from_slice(&std::fs::read(d.join("o.json")).unwrap()).unwrap();
    assert!(
        !j["spike_time_steps"].as_array().unwrap().is_empty(),
        "the default stimulus must make the model fire"
    );
    let s = ["simulate", "--config", CONFIG, "--square", "1e-10"];
    fail(
        &d,
        &[s.as_slice(), &["--start", "2", "--duration", "1"]].concat(),
        &["--start", "all zero"],
    );
    std::fs::write(d.join("s.json"), "[0.0, 1e-10]").unwrap();
    fail(
        &d,
        &[
            "simulate",
            "--config",
            CONFIG,
            "--stimulus",
            "s.json",
            "--start",
            "0.2",
        ],
        &["--start", "--stimulus"],
    );
}
