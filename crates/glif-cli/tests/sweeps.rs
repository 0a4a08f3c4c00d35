//! `glif sweeps` on small Allen-layout NWB files (feature `nwb`).
#![cfg(feature = "nwb")]

mod common;

use std::path::Path;

use common::*;
use glif_io::nwb::NwbFile;
use glif_reference::nwb_fixture::*;

/// A sweep that makes the bundled model fire: `amp_pa` pA for the middle
/// half of `len` samples at `rate` Hz, stored in pA (conversion 1e-12).
fn firing(number: u32, len: usize, amp_pa: f32, rate: f64) -> SweepSpec {
    let mut s = SweepSpec::square(number, len);
    s.stimulus = (0..len)
        .map(|i| {
            if i >= len / 4 && i < 3 * len / 4 {
                amp_pa
            } else {
                0.0
            }
        })
        .collect();
    s.rate = rate;
    s
}

const EPHYS: &str = r#"[
  {"sweep_number": 0, "stimulus_name": "Test", "stimulus_units": "Amps"},
  {"sweep_number": 3, "stimulus_name": "Long Square", "stimulus_units": "Amps"},
  {"sweep_number": 4, "stimulus_name": "Long Square", "stimulus_units": "Amps"},
  {"sweep_number": 7, "stimulus_name": "Ramp", "stimulus_units": "Amps"}
]"#;

fn spec() -> FileSpec {
    let mut test = firing(0, 400, 0.0, 200_000.0);
    test.stimulus = vec![0.0; 400];
    let mut seven = firing(7, 30_000, 250.0, 100_000.0);
    seven.compressed = true;
    FileSpec::v1_1(vec![
        test,
        firing(3, 40_000, 300.0, 200_000.0),
        firing(4, 20_000, 400.0, 200_000.0),
        seven,
    ])
}

/// Checks that sweep `n` of `out` holds what the library computes from the
/// stimulus of `input`.
fn check_sweep(input: &Path, out: &Path, n: u32, cut_value: f64) {
    let sweep = NwbFile::open(input).unwrap().read_sweep(n).unwrap();
    let lib = library_run(&sweep.stimulus, sweep.dt);
    assert!(lib.spikes.len() >= 2, "sweep {n} should spike");
    let o = NwbFile::open(out).unwrap();
    let response = o.read_response(n).unwrap();
    assert_eq!(response.len(), lib.voltage.len());
    for (i, (r, v)) in response.iter().zip(&lib.voltage).enumerate() {
        let expect = (if v.is_nan() { cut_value } else { *v }) as f32 as f64;
        assert_eq!(r.to_bits(), expect.to_bits(), "sweep {n} sample {i}");
    }
    let times = o.read_spike_times(n).unwrap().expect("spike times written");
    assert_eq!(
        times,
        lib.spikes.iter().map(|s| s.time).collect::<Vec<_>>(),
        "sweep {n}"
    );
}

/// `glif sweeps --nwb NWB --config CONFIG` and `rest`, in `d`.
fn sweeps(d: &Path, nwb: &str, rest: &[&str]) -> std::process::Output {
    let mut args = vec!["sweeps", "--nwb", nwb, "--config", CONFIG];
    args.extend_from_slice(rest);
    glif(&args, d)
}

#[test]
fn runs_every_sweep_but_test_and_matches_the_library() {
    let d = dir("sweeps_all");
    let input = d.join("in.nwb");
    write_nwb(&input, &spec());
    std::fs::write(d.join("ephys_sweeps.json"), EPHYS).unwrap();
    let before = std::fs::read(&input).unwrap();
    let o = sweeps(
        &d,
        "in.nwb",
        &["--sweeps", "ephys_sweeps.json", "--output", "out.nwb"],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("3 of 3 sweeps written"), "{err}");
    for n in [3, 4, 7] {
        check_sweep(&input, &d.join("out.nwb"), n, 0.05);
    }
    // The Test sweep is untouched; the input is never modified.
    let out = NwbFile::open(d.join("out.nwb")).unwrap();
    assert_eq!(out.read_spike_times(0).unwrap(), None);
    assert_eq!(std::fs::read(&input).unwrap(), before);
    // The output is never replaced without --force.
    let o = sweeps(&d, "in.nwb", &["--sweep", "3", "--output", "out.nwb"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"));
}

#[test]
fn chosen_sweeps_in_place_and_spike_cut_value() {
    let d = dir("sweeps_in_place");
    let input = d.join("in.nwb");
    write_nwb(&input, &spec());
    let pristine = d.join("pristine.nwb");
    std::fs::copy(&input, &pristine).unwrap();
    let o = sweeps(
        &d,
        "in.nwb",
        &[
            "--sweep",
            "4",
            "--sweep",
            "7",
            "--in-place",
            "--spike-cut-value",
            "0.02",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    check_sweep(&pristine, &input, 4, 0.02);
    check_sweep(&pristine, &input, 7, 0.02);
    assert_eq!(
        NwbFile::open(&input).unwrap().read_spike_times(3).unwrap(),
        None
    );
}

#[test]
fn old_version_files_are_read_without_conversion() {
    let d = dir("sweeps_old");
    let input = d.join("old.nwb");
    let mut s = firing(5, 30_000, 0.0, 200_000.0);
    s.stimulus = (0..30_000)
        .map(|i| {
            if (7_500..22_500).contains(&i) {
                3e-10_f32
            } else {
                0.0
            }
        })
        .collect();
    s.response = vec![0.0; 30_000];
    let spec = FileSpec {
        generated_by: Some(vec!["pipeline", "IVSCC", "version", "1.0"]),
        ..FileSpec::v1_1(vec![s])
    };
    write_nwb(&input, &spec);
    let o = sweeps(&d, "old.nwb", &["--sweep", "5", "--output", "out.nwb"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sweep = NwbFile::open(&input).unwrap().read_sweep(5).unwrap();
    assert_eq!(sweep.stimulus_conversion, 1.0);
    check_sweep(&input, &d.join("out.nwb"), 5, 0.05);
}

#[test]
fn a_failing_sweep_is_reported_and_the_others_are_kept() {
    let d = dir("sweeps_missing");
    let input = d.join("in.nwb");
    let mut spec = spec();
    spec.sweeps[2].omit = vec!["stimulus/timeseries/data"]; // sweep 4
    write_nwb(&input, &spec);
    std::fs::write(d.join("ephys_sweeps.json"), EPHYS).unwrap();
    let o = sweeps(
        &d,
        "in.nwb",
        &[
            "--sweeps",
            "ephys_sweeps.json",
            "--output",
            "out.nwb",
            "--sweep-does-not-exist",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "bad usage");
    let o = sweeps(
        &d,
        "in.nwb",
        &["--sweeps", "ephys_sweeps.json", "--output", "out.nwb"],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("/epochs/Sweep_4/stimulus/timeseries/data") && err.contains("FAILED"),
        "{err}"
    );
    assert!(err.contains("2 of 3 sweeps written"), "{err}");
    assert!(!err.contains("panicked"));
    check_sweep(&input, &d.join("out.nwb"), 3, 0.05);
    check_sweep(&input, &d.join("out.nwb"), 7, 0.05);
    // A sweep that does not exist at all.
    let o = sweeps(&d, "in.nwb", &["--sweep", "99", "--output", "out2.nwb"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Sweep_99"));
    // Not an NWB file at all: bad input, exit 2, naming the file.
    std::fs::write(d.join("junk.nwb"), "not hdf5").unwrap();
    let o = sweeps(&d, "junk.nwb", &["--sweep", "3", "--output", "out3.nwb"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("junk.nwb"));
}

#[test]
fn sweeps_help_has_an_example() {
    let d = dir("sweeps_help");
    let o = glif(&["sweeps", "--help"], &d);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for n in [
        "Examples:",
        "--nwb",
        "--sweeps",
        "--sweep",
        "--spike-cut-value",
        "--model-id",
        "--in-place",
        "--output",
    ] {
        assert!(out.contains(n), "{n}");
    }
}
