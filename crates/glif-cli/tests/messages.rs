//! What the real binary says about bad numbers, non-finite configs, a
//! missing `nwb` feature, and streamed stimulus files: each message names
//! the option or field and the value, with the documented exit status.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn negative_numbers_in_scientific_notation_reach_their_option() {
    let d = dir("messages-negative");
    // Each option, given a negative value in scientific notation, is named
    // in the message with the value (clap took `-5e-6` for flags before).
    for (args, needles) in [
        (
            &["--dt", "-5e-6", "--square", "1e-10"][..],
            &["--dt", "-5e-6"][..],
        ),
        (
            &["--start", "-1e-3", "--square", "1e-10"],
            &["--start", "-0.001"],
        ),
        (
            &["--width", "-2e-3", "--square", "1e-10"],
            &["--width", "-0.002"],
        ),
        (
            &["--duration", "-1e-1", "--square", "1e-10"],
            &["--duration", "-0.1"],
        ),
        (
            &["--noise", "1e-10", "--noise-sd", "-5e-11"],
            &["--noise-sd", "-5e-11"],
        ),
        (
            &["--noise", "1e-10", "--noise-hold", "-1e-3"],
            &["--noise-hold", "-0.001"],
        ),
        (
            &["--square", "1e-10", "--spike-cut-length", "-3e0"],
            &["--spike-cut-length", "-3e0"],
        ),
        (&["--square", "1e-10", "--seed", "-1"], &["--seed", "-1"]),
        (&["--dt", "abc", "--square", "1e-10"], &["--dt", "abc"]),
        (&["--square", "inf"], &["--square", "inf"]),
        (
            &["--square", "1e-10", "--spike-cut-value", "NaN"],
            &["--spike-cut-value", "NaN"],
        ),
    ] {
        let o = simulate(args, &d);
        fails_with(&o, 2, needles);
        assert!(
            !stderr(&o).contains("unexpected argument"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    // Negative values where they are allowed run.
    let o = simulate(
        &[
            "--square",
            "-1e-10",
            "--start",
            "0",
            "--duration",
            "0.01",
            "--spike-cut-value",
            "-5e-2",
        ],
        &d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // batch shares the parsing rule (its --dt is parsed by the same place);
    // its range message is batch's own (it prints the value positionally).
    let o = glif(
        &[
            "batch",
            "--dt",
            "-5e-6",
            "--configs",
            CONFIG,
            "--square",
            "1e-10",
            "--output",
            "s.csv",
        ],
        &d,
    );
    fails_with(&o, 2, &["--dt"]);
    assert!(
        !stderr(&o).contains("unexpected argument"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn non_finite_config_values_name_their_field() {
    let d = dir("messages-non-finite");
    let text = std::fs::read_to_string(CONFIG).unwrap();
    // Python's json.dumps writes NaN / Infinity / -Infinity bare.
    for (field, literal, path) in [
        ("\"El_reference\"", "NaN", "El_reference"),
        ("\"th_inf\"", "Infinity", "th_inf"),
        ("\"C\"", "-Infinity", "C"),
    ] {
        let v: Value = serde_json::from_str(&text).unwrap();
        let mut s = serde_json::to_string(&v).unwrap();
        let at = s.find(field).unwrap() + field.len() + 1;
        let end = at + s[at..].find([',', '}']).unwrap();
        s.replace_range(at..end, literal);
        std::fs::write(d.join("c.json"), &s).unwrap();
        let o = glif(&["info", "--config", "c.json"], &d);
        let at = format!("{path}: found {literal}");
        fails_with(&o, 2, &["c.json", &at, "finite"]);
        assert!(!stderr(&o).contains("syntax"), "{}", stderr(&o));
    }
    // A NaN inside a string is text, not a value; a real syntax error stays one.
    std::fs::write(d.join("bad.json"), "{\"name\": \"NaN\", ").unwrap();
    let o = glif(&["info", "--config", "bad.json"], &d);
    fails_with(&o, 2, &["syntax error"]);
}

#[test]
fn numbers_in_messages_are_short() {
    let d = dir("messages-short-numbers");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    let inner = v.as_object_mut().unwrap().values_mut().next().unwrap();
    inner["R_input"] = serde_json::json!(1e-300);
    std::fs::write(d.join("c.json"), serde_json::to_string(&v).unwrap()).unwrap();
    let o = simulate(
        &["--square", "1e-10", "--start", "0", "--duration", "0.001"],
        &d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = glif(
        &[
            "simulate",
            "--config",
            "c.json",
            "--square",
            "1e-10",
            "--start",
            "0",
            "--duration",
            "0.001",
            "--output",
            "o.json",
            "--no-plot",
            // Refused without it (forward Euler diverges); the warning
            // printed with it is the message under test.
            "--allow-unstable-dt",
        ],
        &d,
    );
    let err = stderr(&o);
    let warning = err
        .lines()
        .find(|l| l.contains("warning: dt"))
        .unwrap_or_else(|| panic!("no dt warning: {err}"));
    assert!(warning.contains("e30"), "{warning}");
    assert!(
        !warning.contains("0000000000"),
        "a number in full positional notation: {warning}"
    );
}

#[cfg(not(feature = "nwb"))]
#[test]
fn sweeps_without_nwb_says_how_to_get_it() {
    let d = dir("messages-sweeps");
    for args in [
        &["sweeps"][..],
        &[
            "sweeps", "--nwb", "cell.nwb", "--config", "c.json", "--output", "o.nwb",
        ],
        &["sweeps", "--help"],
    ] {
        let o = glif(args, &d);
        fails_with(&o, 2, &["nwb", "--features nwb", "libhdf5-dev"]);
    }
    let help = glif(&["--help"], &d);
    assert!(String::from_utf8_lossy(&help.stdout).contains("sweeps"));
}

/// A `.npy` stimulus with a NaN is refused while it streams (spikes only),
/// naming the file and the sample, and no output is written; the spikes
/// equal those of the same stimulus read whole (--record all).
#[test]
fn streamed_npy_stimulus() {
    let d = dir("messages-npy");
    let stim = step(40_000, 2_000, 38_000, 3e-10);
    let mut bytes = Vec::new();
    glif_io::formats::write_npy_f64(&mut bytes, &[stim.len()], &stim);
    std::fs::write(d.join("s.npy"), &bytes).unwrap();
    let run = |rec: &str, out: &str| {
        simulate(
            &["--stimulus", "s.npy", "--record", rec, "--output", out],
            &d,
        )
    };
    let o = run("spikes", "spikes.json");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run("all", "all.json");
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(d.join(f)).unwrap()).unwrap()
    };
    let (s, a) = (read("spikes.json"), read("all.json"));
    assert!(!a["spike_time_steps"].as_array().unwrap().is_empty());
    for k in [
        "spike_time_steps",
        "interpolated_spike_times",
        "interpolated_spike_voltage",
    ] {
        assert_eq!(s[k], a[k], "{k}");
    }

    let mut bad = stim.clone();
    bad[30_000] = f64::NAN;
    let mut bytes = Vec::new();
    glif_io::formats::write_npy_f64(&mut bytes, &[bad.len()], &bad);
    std::fs::write(d.join("nan.npy"), &bytes).unwrap();
    let o = simulate(
        &[
            "--stimulus",
            "nan.npy",
            "--record",
            "spikes",
            "--output",
            "nan-out.json",
        ],
        &d,
    );
    fails_with(&o, 2, &["nan.npy", "[30000]", "NaN"]);
    assert!(!d.join("nan-out.json").exists());
}
