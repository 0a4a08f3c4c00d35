//! `glif ev` on the real binary: spike-train files in, the library's
//! explained variance out; bad input refused with exit status 2 and a
//! message naming the file, train, spike or option.

use std::path::PathBuf;
use std::process::{Command, Output};

use glif_fit::ev::{explained_variance, TEETER_SIGMA};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("glif-ev-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn glif(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glif"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn spike_files_give_the_library_values() {
    let d = dir("ok");
    let rec = d.join("rec.json");
    let model = d.join("model.json");
    std::fs::write(&rec, "[[0.1021, 0.2534, 0.5], [], [0.103, 0.2531, 0.49]]").unwrap();
    std::fs::write(&model, "[[0.1, 0.25], [0.3]]").unwrap();
    let o = glif(&[
        "ev",
        "--recorded",
        rec.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--dt",
        "1e-4",
        "--duration",
        "0.8",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // int(t / dt) as Teeter's convert_spike_times_to_ind computes it.
    let idx = |t: &[f64]| t.iter().map(|x| (x / 1e-4) as usize).collect::<Vec<_>>();
    let want = explained_variance(
        &[
            idx(&[0.1021, 0.2534, 0.5]),
            vec![],
            idx(&[0.103, 0.2531, 0.49]),
        ],
        &[idx(&[0.1, 0.25]), idx(&[0.3])],
        1e-4,
        TEETER_SIGMA,
        8000,
    )
    .unwrap();
    assert_eq!(got["ev_data"].as_f64().unwrap(), want.ev_data);
    assert_eq!(got["ev_model"].as_f64().unwrap(), want.ev_model);
    assert_eq!(got["ratio"].as_f64().unwrap(), want.ratio);
    assert_eq!(got["steps"], 8000);
}

#[test]
fn bad_input_is_named_and_exits_2() {
    let d = dir("bad");
    let good = d.join("good.json");
    std::fs::write(&good, "[[0.1, 0.2]]").unwrap();
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            "obj.json",
            r#"{"a": 1}"#,
            &[],
            "expected a JSON array of spike trains",
        ),
        ("empty.json", "[]", &[], "holds no spike train"),
        (
            "train.json",
            "[[0.1], 5]",
            &[],
            "train [1] is 5: expected an array",
        ),
        (
            "str.json",
            r#"[[0.1, "x"]]"#,
            &[],
            r#"train [0] spike [1] is "x""#,
        ),
        (
            "neg.json",
            "[[0.1, -0.2]]",
            &[],
            "model train [0] spike time [1] (s) = -2e-1",
        ),
        (
            "late.json",
            "[[0.1, 1.5]]",
            &[],
            "model train [0] spike time [1] (s) = 1.5e0: expected a time before the trains' end",
        ),
        ("notjson.json", "0.1 0.2", &[], "not JSON"),
        (
            "ok.json",
            "[[0.1]]",
            &["--duration", "0.10005"],
            "duration = 1.0005e-1: expected a positive whole number",
        ),
        (
            "ok2.json",
            "[[0.1]]",
            &["--dt", "0"],
            "dt = 0e0: expected a positive number",
        ),
        ("ok3.json", "[[0.1]]", &["--sigma", "-1"], "sigma = -1e0"),
    ];
    for (name, text, extra, want) in cases {
        let f = d.join(name);
        std::fs::write(&f, text).unwrap();
        let mut args = vec![
            "ev",
            "--recorded",
            good.to_str().unwrap(),
            "--model",
            f.to_str().unwrap(),
        ];
        let mut opts = vec![("--dt", "1e-4"), ("--duration", "1")];
        for pair in extra.chunks(2) {
            opts.retain(|(k, _)| *k != pair[0]);
            opts.push((pair[0], pair[1]));
        }
        for (k, v) in &opts {
            args.push(k);
            args.push(v);
        }
        let o = glif(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(o.stdout.is_empty(), "{name}: nothing on stdout");
    }
}
