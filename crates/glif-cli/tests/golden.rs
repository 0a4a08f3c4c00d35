//! Recorded outputs of the real `glif` binary: stdout, stderr, exit status
//! and every file it writes, for a fixed set of command lines covering
//! `simulate` (each output format, generated and file stimuli, record modes,
//! an exp table), `info`, `batch`, `convert`, `nest` and their common errors.
//!
//! The expected texts in `tests/golden/expected/` were recorded from the
//! code before glif-io was reorganised into layers, so a move of code that
//! changes any byte a user sees fails here. Each case runs in a fresh copy
//! of `tests/golden/inputs/` with relative paths, so no machine's paths
//! appear. Re-record (only for an intended change of output) with
//! `GLIF_GOLDEN=record cargo test -p glif-cli --test golden` and review the
//! diff.
//!
//! Normalised, and why:
//! - the wall-clock time of a run (`outcome ... (0.030 s)` of `simulate`,
//!   the `time` line of `batch`): it differs between runs of the same code;
//! - the crate version (`glif_version` in result files): a release bump is
//!   not a change of behaviour.
//!
//! Files over 4 KiB, and files that are not UTF-8 text, are recorded as
//! their length and a 64-bit FNV-1a digest of their bytes rather than in
//! full, to keep the repository small; any changed byte still changes the
//! digest (the chance of a collision by accident is 2^-64).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each case: its name (the expected file's) and the arguments of `glif`.
#[rustfmt::skip]
const CASES: &[(&str, &[&str])] = &[
    ("sim_json", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_json_gz", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--output", "out.json.gz"]),
    ("sim_npz", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--output", "out.npz"]),
    ("sim_csv", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--output", "out.csv"]),
    ("sim_csv_gz", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--output", "out.csv.gz"]),
    ("sim_spikes_json", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--record", "spikes", "--output", "spikes.json"]),
    ("sim_spikes_csv", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--record", "spikes", "--output", "spikes.csv"]),
    ("sim_spikes_npz", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--record", "spikes", "--output", "spikes.npz"]),
    ("sim_pulse", &["simulate", "--config", "glif5.json", "--pulse", "1e-9", "--duration", "0.2", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_ramp", &["simulate", "--config", "glif3.json", "--ramp", "4e-10", "--width", "0.2", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_noise", &["simulate", "--config", "glif1.json", "--noise", "2e-10", "--noise-sd", "1e-10", "--seed", "7", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_bundled_default", &["simulate", "--dt", "5e-5", "--no-plot"]),
    ("sim_config_no_stimulus", &["simulate", "--config", "glif3.json", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_stim_json", &["simulate", "--config", "glif5.json", "--stimulus", "stim.json", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_stim_npy", &["simulate", "--config", "glif5.json", "--stimulus", "stim.npy", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_stim_npy_int", &["simulate", "--config", "glif5.json", "--stimulus", "stim_i16.npy", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_stim_npz_key", &["simulate", "--config", "glif5.json", "--stimulus", "stim2.npz", "--key", "b", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_stim_time_csv", &["simulate", "--config", "glif5.json", "--stimulus", "stim_time.csv", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_stim_column_csv", &["simulate", "--config", "glif5.json", "--stimulus", "stim_cols.csv", "--column", "high", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_stim_txt_gz", &["simulate", "--config", "glif5.json", "--stimulus", "stim.txt.gz", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_stim_pa_json", &["simulate", "--config", "glif5.json", "--stimulus", "stim_pa.json", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_stim_spikes_npy", &["simulate", "--config", "glif5.json", "--stimulus", "stim.npy", "--dt", "5e-5", "--no-plot", "--record", "spikes", "--output", "spikes.json"]),
    ("sim_exp_table", &["simulate", "--config", "glif5.json", "--stimulus", "stim.json", "--dt", "5e-5", "--exp-table", "exp.json", "--no-plot", "--output", "out.json"]),
    ("sim_f32", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--precision", "f32", "--no-plot", "--output", "out.npz"]),
    ("sim_keyed", &["simulate", "--config", "keyed.json", "--model-id", "111", "--square", "2e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_spike_cut", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--spike-cut-length", "10", "--spike-cut-value", "0.05", "--no-plot", "--output", "out.csv"]),
    ("sim_plot_svg", &["simulate", "--config", "glif5.json", "--square", "1.7e-10", "--duration", "0.3", "--dt", "5e-5", "--output", "out.json", "--plot", "out.svg"]),
    ("sim_err_keyed_no_id", &["simulate", "--config", "keyed.json", "--square", "2e-10", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_err_npz_no_key", &["simulate", "--config", "glif5.json", "--stimulus", "stim2.npz", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_err_column", &["simulate", "--config", "glif5.json", "--stimulus", "stim_cols.csv", "--column", "nope", "--dt", "5e-5", "--no-plot", "--output", "out.json"]),
    ("sim_err_time_step", &["simulate", "--config", "glif5.json", "--stimulus", "stim_time.csv", "--dt", "5e-6", "--no-plot", "--output", "out.json"]),
    ("sim_err_unstable_dt", &["simulate", "--config", "glif5.json", "--square", "2e-10", "--dt", "0.1", "--no-plot", "--output", "out.json"]),
    ("sim_err_no_clobber", &["simulate", "--config", "glif5.json", "--square", "2e-10", "--duration", "0.3", "--dt", "5e-5", "--no-plot", "--output", "glif1.json"]),
    ("sim_err_missing_config", &["simulate", "--config", "nope.json", "--square", "2e-10", "--no-plot", "--output", "out.json"]),
    ("sim_err_bad_config", &["simulate", "--config", "configs/e_broken.json", "--square", "2e-10", "--no-plot", "--output", "out.json"]),
    ("sim_err_extension", &["simulate", "--config", "glif5.json", "--square", "2e-10", "--dt", "5e-5", "--no-plot", "--output", "out.txt"]),
    ("sim_err_two_stimuli", &["simulate", "--config", "glif5.json", "--square", "2e-10", "--pulse", "1e-10", "--no-plot", "--output", "out.json"]),
    ("sim_err_ramp_width", &["simulate", "--config", "glif5.json", "--ramp", "2e-10", "--width", "0", "--no-plot", "--output", "out.json"]),
    ("sim_err_exp_table_f32", &["simulate", "--config", "glif5.json", "--square", "2e-10", "--dt", "5e-5", "--precision", "f32", "--exp-table", "exp.json", "--no-plot", "--output", "out.json"]),
    ("sim_err_exp_table_dt", &["simulate", "--config", "glif5.json", "--square", "2e-10", "--dt", "5e-6", "--exp-table", "exp.json", "--no-plot", "--output", "out.json"]),
    ("sim_err_missing_stimulus", &["simulate", "--config", "glif5.json", "--stimulus", "nope.npy", "--no-plot", "--output", "out.json"]),
    ("sim_err_negative_dt", &["simulate", "--config", "glif5.json", "--square", "2e-10", "--dt", "-5e-6", "--no-plot", "--output", "out.json"]),
    ("info_glif5", &["info", "--config", "glif5.json"]),
    ("info_glif1", &["info", "--config", "glif1.json", "--dt", "5e-5"]),
    ("info_keyed", &["info", "--config", "keyed.json", "--model-id", "566283540", "--dt", "5e-5"]),
    ("info_exp_arguments", &["info", "--config", "glif5.json", "--dt", "5e-5", "--exp-arguments"]),
    ("info_err_broken", &["info", "--config", "configs/e_broken.json"]),
    ("info_err_dt", &["info", "--config", "glif5.json", "--dt", "0"]),
    ("batch_csv", &["batch", "--configs", "configs", "--square", "2e-10", "--duration", "0.3", "--dt", "5e-5", "--threads", "2", "--output", "summary.csv", "--spikes", "spikes.jsonl"]),
    ("batch_json", &["batch", "--configs", "configs", "--square", "2e-10", "--duration", "0.3", "--dt", "5e-5", "--output", "summary.json"]),
    ("batch_jsonl", &["batch", "--configs", "models.jsonl", "--noise", "2e-10", "--seed", "3", "--duration", "0.3", "--dt", "5e-5", "--output", "summary.csv"]),
    ("batch_stim_file_f32", &["batch", "--configs", "configs", "--stimulus", "stim.npy", "--dt", "5e-5", "--precision", "f32", "--output", "summary.csv"]),
    ("batch_raster", &["batch", "--configs", "configs", "--square", "2e-10", "--duration", "0.3", "--dt", "5e-5", "--output", "summary.csv", "--raster", "raster.svg"]),
    ("batch_err_no_stimulus", &["batch", "--configs", "configs", "--output", "summary.csv"]),
    ("batch_err_no_clobber", &["batch", "--configs", "configs", "--square", "2e-10", "--duration", "0.3", "--dt", "5e-5", "--output", "stim_time.csv"]),
    ("batch_err_unstable_dt", &["batch", "--configs", "configs", "--square", "2e-10", "--dt", "0.1", "--output", "summary.csv"]),
    ("convert_psc", &["convert", "--to", "nest", "--config", "glif5.json", "--model", "glif_psc", "--tau-syn", "5.5,8.5", "--output", "p.json"]),
    ("convert_stdout", &["convert", "--to", "nest", "--config", "glif1.json"]),
    ("convert_double_alpha", &["convert", "--to", "nest", "--config", "glif3.json", "--model", "glif_psc_double_alpha", "--tau-syn", "2", "--tau-syn-slow", "6", "--amp-slow", "0.5", "--output", "p.json"]),
    ("convert_cond", &["convert", "--to", "nest", "--config", "keyed.json", "--model-id", "566283540", "--model", "glif_cond", "--tau-syn", "0.2,2", "--e-rev", "0,-85", "--output", "p.json"]),
    ("convert_err_lengths", &["convert", "--to", "nest", "--config", "glif5.json", "--model", "glif_cond", "--tau-syn", "0.2,2", "--e-rev", "0", "--output", "p.json"]),
    ("nest_psc", &["nest", "--model", "glif_psc", "--params", "nest_params.json", "--resolution", "0.1", "--duration", "5", "--dc", "-20", "--spikes", "nest_spikes.json", "--output", "n.json"]),
    ("nest_psc_f32", &["nest", "--model", "glif_psc", "--params", "nest_params.json", "--resolution", "0.1", "--duration", "5", "--dc", "300", "--precision", "f32", "--output", "n.json"]),
    ("nest_err_clobber", &["nest", "--model", "glif_psc", "--params", "nest_params.json", "--resolution", "0.1", "--duration", "5", "--dc", "300", "--output", "glif1.json"]),
    ("nest_err_key", &["nest", "--model", "glif_cond", "--params", "glif1.json", "--resolution", "0.1", "--duration", "5", "--output", "n.json"]),
    ("nest_err_duration", &["nest", "--model", "glif_psc", "--params", "nest_params.json", "--resolution", "0.1", "--duration", "5.05", "--output", "n.json"]),
];

const BIG: usize = 4096;

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every file under `dir`, by path relative to it (with `/`), with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    glif_reference::files_below(dir)
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&p).unwrap();
            (rel, bytes)
        })
        .collect()
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The run-to-run variations named in the module doc, replaced by a marker.
fn normalise(text: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let nl = if line.ends_with('\n') { "\n" } else { "" };
        if trimmed.starts_with("time ") {
            // batch: `  time      2.014 s (0.5 M neuron-steps/s)`
            out.push_str(indent);
            out.push_str("time      <wall-clock time>");
            out.push_str(nl);
        } else if trimmed.starts_with("outcome ") && trimmed.trim_end().ends_with(" s)") {
            // simulate: `  outcome   completed (0.030 s)`
            let open = line.rfind('(').unwrap();
            out.push_str(&line[..open]);
            out.push_str("(<wall-clock time>)");
            out.push_str(nl);
        } else {
            out.push_str(line);
        }
    }
    out.replace(
        &format!("\"glif_version\":\"{version}\""),
        "\"glif_version\":\"<version>\"",
    )
    .replace(
        &format!("\"glif_version\": \"{version}\""),
        "\"glif_version\": \"<version>\"",
    )
}

/// Runs one case in a fresh copy of the inputs and returns its record.
fn run_case(name: &str, args: &[&str]) -> String {
    let inputs = golden().join("inputs");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("golden")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let before = files(&inputs);
    for (rel, bytes) in &before {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let o = Command::new(env!("CARGO_BIN_EXE_glif"))
        .args(args)
        .current_dir(&dir)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RAYON_NUM_THREADS")
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .output()
        .expect("run glif");
    let mut r = String::new();
    writeln!(r, "$ glif {}", args.join(" ")).unwrap();
    writeln!(r, "exit: {:?}", o.status.code()).unwrap();
    writeln!(r, "--- stdout").unwrap();
    r.push_str(&normalise(&String::from_utf8_lossy(&o.stdout)));
    writeln!(r, "--- stderr").unwrap();
    r.push_str(&normalise(&String::from_utf8_lossy(&o.stderr)));
    // Every file written or changed (an input changed would be user data overwritten).
    for (rel, bytes) in files(&dir) {
        if before.get(&rel) == Some(&bytes) {
            continue;
        }
        let text = std::str::from_utf8(&bytes)
            .ok()
            .filter(|t| !t.contains('\0'));
        match text {
            Some(t) if bytes.len() <= BIG => {
                writeln!(r, "--- file {rel} ({} bytes)", bytes.len()).unwrap();
                r.push_str(&normalise(t));
                if !t.ends_with('\n') {
                    r.push_str("\n[no newline at end]\n");
                }
            }
            Some(t) => {
                let n = normalise(t);
                writeln!(
                    r,
                    "--- file {rel} ({} bytes normalised, fnv1a64 {:016x})",
                    n.len(),
                    fnv1a(n.as_bytes())
                )
                .unwrap();
            }
            None => writeln!(
                r,
                "--- file {rel} ({} bytes, fnv1a64 {:016x})",
                bytes.len(),
                fnv1a(&bytes)
            )
            .unwrap(),
        }
    }
    r
}

#[test]
fn cli_outputs_match_the_recording() {
    let record = std::env::var("GLIF_GOLDEN").is_ok_and(|v| v == "record");
    let expected_dir = golden().join("expected");
    if record {
        std::fs::create_dir_all(&expected_dir).unwrap();
    }
    let mut failures = Vec::new();
    let mut names: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len(), "case names must be unique");
    for (name, args) in CASES {
        let got = run_case(name, args);
        let path = expected_dir.join(format!("{name}.txt"));
        if record {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (record with GLIF_GOLDEN=record)", path.display()));
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
            let actual = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("golden")
                .join(format!("{name}.actual.txt"));
            std::fs::write(&actual, &got).unwrap();
            failures.push(format!(
                "{name}: differs from {} at line {} (got {:?}, want {:?}); actual in {}",
                path.display(),
                line + 1,
                got.lines().nth(line).unwrap_or("<end>"),
                want.lines().nth(line).unwrap_or("<end>"),
                actual.display()
            ));
        }
    }
    // Expected files without a case are stale recordings.
    for e in std::fs::read_dir(&expected_dir).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        if !CASES.iter().any(|c| c.0 == stem) {
            failures.push(format!("{}: no case of that name", p.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
