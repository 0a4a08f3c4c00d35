//! Shared helpers of the CLI tests: the real binary, and the library's own
//! results for the bundled model to compare its outputs with.
#![allow(dead_code, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use glif_core::rules::{Sum, ThreeComponents, ThreeComponentsExact, VBefore};
use glif_core::{levels, Coeffs, Glif5, Model, Outcome, ParamSpec, Params, SliceRecorder, Spike};
use serde_json::Value;

pub const CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/566283540_neuron_config.json"
);

pub fn glif(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glif"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        // Tests run in parallel threads: a glif process spawned while another
        // test holds an HDF5 file open inherits that descriptor and its lock
        // (HDF5 does not open files close-on-exec), so another test's glif
        // could not lock its own file ("unable to lock file, errno = 11").
        // The lock guards against concurrent writers, which these tests never are.
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .output()
        .expect("run glif")
}

/// `glif fit` on the cell `nwb` and its sweep table `sweeps` into `out/`,
/// then `extra`.
pub fn fit_args<'a>(nwb: &'a Path, sweeps: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "fit",
        "--nwb",
        nwb.to_str().unwrap(),
        "--sweeps",
        sweeps.to_str().unwrap(),
        "--output",
        "out",
    ];
    a.extend_from_slice(extra);
    a
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that `o` failed with exit status `code`, a message holding every
/// needle, and no panic.
pub fn fails_with(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// `glif simulate` on the bundled config writing `out.json` (unless `extra`
/// names an `--output`), no plot.
pub fn simulate(extra: &[&str], d: &Path) -> Output {
    let mut args = vec!["simulate", "--config", CONFIG, "--no-plot", "--force"];
    if !extra.contains(&"--output") {
        args.extend(["--output", "out.json"]);
    }
    args.extend_from_slice(extra);
    glif(&args, d)
}

/// A fresh directory for one test.
pub fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub struct Lib {
    pub voltage: Vec<f64>,
    pub threshold: Vec<f64>,
    pub asc: Vec<[f64; 2]>,
    pub spikes: Vec<Spike<f64>>,
    pub outcome: Outcome,
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or_else(|| panic!("{k}"))
}
fn pair(v: &Value) -> [f64; 2] {
    [v[0].as_f64().unwrap(), v[1].as_f64().unwrap()]
}

/// The bundled model (Allen 566283540, GLIF5) built directly with glif-core.
pub fn model(dt: f64) -> Glif5<f64, 2> {
    let all: Value = serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    let c = &all["566283540"];
    let co = &c["coeffs"];
    let params = Params::new(ParamSpec::<f64, 2> {
        el: f(c, "El"),
        dt,
        r_input: f(c, "R_input"),
        c: f(c, "C"),
        asc_tau: pair(&c["asc_tau_array"]),
        asc_amp: pair(&c["asc_amp_array"]),
        spike_cut_length: c["spike_cut_length"].as_u64().unwrap() as u32,
        th_inf: f(c, "th_inf"),
        th_adapt: None,
        coeffs: Coeffs {
            th_inf: f(co, "th_inf"),
            c: f(co, "C"),
            g: f(co, "G"),
            a: f(co, "a"),
            b: f(co, "b"),
            asc_amp: pair(&co["asc_amp_array"]),
        },
        init_voltage: f(c, "init_voltage"),
        init_threshold: f(c, "init_threshold"),
        init_asc: pair(&c["init_AScurrents"]),
    })
    .unwrap();
    let td = &c["threshold_dynamics_method"]["params"];
    let vr = &c["voltage_reset_method"]["params"];
    let tr = &c["threshold_reset_method"]["params"];
    Model::new(
        params,
        levels::glif5(
            ThreeComponentsExact {
                a_spike: f(td, "a_spike"),
                b_spike: f(td, "b_spike"),
                a_voltage: f(td, "a_voltage"),
                b_voltage: f(td, "b_voltage"),
            },
            VBefore {
                a: f(vr, "a"),
                b: f(vr, "b"),
            },
            ThreeComponents {
                a_spike: f(tr, "a_spike"),
                b_spike: f(tr, "b_spike"),
            },
            Sum {
                r: pair(&c["AScurrent_reset_method"]["params"]["r"]),
            },
        ),
    )
    .unwrap()
}

pub fn library_run(stim: &[f64], dt: f64) -> Lib {
    let m = model(dt);
    let n = stim.len();
    let (mut v, mut th, mut asc) = (vec![0.0; n], vec![0.0; n], vec![[0.0; 2]; n]);
    let mut spikes = vec![
        Spike {
            step: 0,
            grid_time: 0.0,
            time: 0.0,
            voltage: 0.0,
            threshold: 0.0
        };
        n
    ];
    let mut rec = SliceRecorder::new(&mut v, &mut th, &mut asc, &mut spikes);
    let outcome = m.run(stim, &mut rec).unwrap();
    let count = rec.spike_count;
    spikes.truncate(count);
    Lib {
        voltage: v,
        threshold: th,
        asc,
        spikes,
        outcome,
    }
}

/// A stimulus of `n` samples: 0, then `amp` from `on` to `off`.
pub fn step(n: usize, on: usize, off: usize, amp: f64) -> Vec<f64> {
    (0..n)
        .map(|i| if i >= on && i < off { amp } else { 0.0 })
        .collect()
}
