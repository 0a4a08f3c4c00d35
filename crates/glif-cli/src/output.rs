//! Result files: `.json` (AllenSDK's keys), `.npz` (numpy), `.csv`.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use glif_core::Outcome;
use serde::Serialize;

use crate::error::CliError;
use crate::sim::RunOutput;

/// An output format, from the file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.json`
    Json,
    /// `.npz`
    Npz,
    /// `.csv`
    Csv,
}

impl Format {
    /// The format of `path`, from its extension.
    pub fn of(path: &Path) -> Result<Format, CliError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("json") => Ok(Format::Json),
            Some("npz") => Ok(Format::Npz),
            Some("csv") => Ok(Format::Csv),
            _ => Err(CliError::input(format!(
                "--output {}: the extension must be .json, .npz or .csv",
                path.display()
            ))),
        }
    }
}

/// Facts about the run written beside the results.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// glif version.
    pub glif_version: &'static str,
    /// Config source.
    pub config: String,
    /// Model id.
    pub model_id: Option<String>,
    /// "GLIF5 (...)".
    pub level: String,
    /// Time step (s).
    pub dt: f64,
    /// Samples.
    pub n_samples: usize,
    /// spike_cut_length used.
    pub spike_cut_length: u32,
    /// "f32" / "f64".
    pub precision: &'static str,
    /// "all" / "spikes".
    pub record: &'static str,
    /// NaN replacement applied to voltage, if any.
    pub spike_cut_value: Option<f64>,
}

/// The outcome as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct OutcomeJson {
    /// "completed" or "bad_reset".
    pub status: &'static str,
    /// For a bad reset: the spike whose reset was bad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spike_step: Option<usize>,
    /// For a bad reset: the first sample left NaN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<usize>,
    /// In words.
    pub message: String,
}

/// Describes an outcome.
pub fn outcome_json(o: &Outcome, dt: f64) -> OutcomeJson {
    match *o {
        Outcome::Completed => OutcomeJson {
            status: "completed",
            spike_step: None,
            stopped_at: None,
            message: "every sample was integrated".into(),
        },
        Outcome::BadReset { spike_step, stopped_at } => OutcomeJson {
            status: "bad_reset",
            spike_step: Some(spike_step),
            stopped_at: Some(stopped_at),
            message: format!(
                "bad reset after the spike at step {spike_step} (t = {} s): the reset voltage was above \
                 the reset threshold; as AllenSDK does, the reset values were held for 5 samples and the \
                 run stopped: samples from {stopped_at} on are NaN",
                spike_step as f64 * dt
            ),
        },
    }
}

/// Creates `path` for writing; refuses to replace an existing file unless `force`.
pub fn create(path: &Path, force: bool) -> Result<BufWriter<File>, CliError> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(CliError::input(format!(
                "{}: the folder {} does not exist",
                path.display(),
                dir.display()
            )));
        }
    }
    let mut opts = OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    match opts.open(path) {
        Ok(f) => Ok(BufWriter::new(f)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(CliError::input(format!(
            "{}: the file exists; give --force to replace it",
            path.display()
        ))),
        Err(e) => Err(CliError::other(format!(
            "{}: cannot create: {e}",
            path.display()
        ))),
    }
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| CliError::other(format!("{}: cannot write: {e}", path.display()))
}

/// The file next to a CSV that holds its spikes: `out.csv` -> `out.spikes.csv`.
pub fn csv_spikes_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{stem}.spikes.csv"))
}

/// Every file `write` creates for `path`.
pub fn files_for(path: &Path, format: Format, traces: bool) -> Vec<PathBuf> {
    let mut v = vec![path.to_path_buf()];
    if format == Format::Csv && traces {
        v.push(csv_spikes_path(path));
    }
    v
}

/// Writes the results to `path` in `format`. Voltages are written with NaN
/// replaced by `spike_cut_value` when one is given.
pub fn write(
    path: &Path,
    format: Format,
    out: &RunOutput,
    stimulus: &[f64],
    info: &RunInfo,
    force: bool,
) -> Result<Vec<PathBuf>, CliError> {
    let voltage: Vec<f64> = match info.spike_cut_value {
        Some(cut) => out
            .voltage
            .iter()
            .map(|&v| if v.is_nan() { cut } else { v })
            .collect(),
        None => out.voltage.clone(),
    };
    let files = files_for(path, format, out.traces);
    if !force {
        for f in &files {
            if f.exists() {
                return Err(CliError::input(format!(
                    "{}: the file exists; give --force to replace it",
                    f.display()
                )));
            }
        }
    }
    match format {
        Format::Json => write_json(path, out, &voltage, info, force)?,
        Format::Npz => write_npz(path, out, &voltage, stimulus, force)?,
        Format::Csv => write_csv(path, out, &voltage, stimulus, force)?,
    }
    Ok(files)
}

#[derive(Serialize)]
struct JsonOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    voltage: Option<&'a [f64]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<&'a [f64]>,
    #[serde(rename = "AScurrents", skip_serializing_if = "Option::is_none")]
    ascurrents: Option<Vec<&'a [f64]>>,
    grid_spike_times: Vec<f64>,
    interpolated_spike_times: Vec<f64>,
    spike_time_steps: Vec<usize>,
    interpolated_spike_voltage: Vec<f64>,
    interpolated_spike_threshold: Vec<f64>,
    outcome: OutcomeJson,
    run: &'a RunInfo,
}

fn write_json(
    path: &Path,
    out: &RunOutput,
    voltage: &[f64],
    info: &RunInfo,
    force: bool,
) -> Result<(), CliError> {
    let mut w = create(path, force)?;
    let asc = out.traces.then(|| {
        if out.n_asc == 0 {
            vec![&[][..]; out.voltage.len()]
        } else {
            out.asc.chunks(out.n_asc).collect()
        }
    });
    let doc = JsonOut {
        voltage: out.traces.then_some(voltage),
        threshold: out.traces.then_some(&out.threshold[..]),
        ascurrents: asc,
        grid_spike_times: out.spikes.iter().map(|s| s.grid_time).collect(),
        interpolated_spike_times: out.spikes.iter().map(|s| s.time).collect(),
        spike_time_steps: out.spikes.iter().map(|s| s.step).collect(),
        interpolated_spike_voltage: out.spikes.iter().map(|s| s.voltage).collect(),
        interpolated_spike_threshold: out.spikes.iter().map(|s| s.threshold).collect(),
        outcome: outcome_json(&out.outcome, out.dt),
        run: info,
    };
    // serde_json writes NaN and infinities as null.
    serde_json::to_writer(&mut w, &doc)
        .map_err(|e| CliError::other(format!("{}: {e}", path.display())))?;
    w.write_all(b"\n").map_err(write_err(path))?;
    w.flush().map_err(write_err(path))
}

/// A `.npy` file's bytes for a little-endian array.
fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_s = match shape.len() {
        0 => "()".to_string(),
        1 => format!("({},)", shape[0]),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_s}, }}");
    let total = 10 + header.len() + 1;
    let pad = (64 - total % 64) % 64;
    header.push_str(&" ".repeat(pad));
    header.push('\n');
    let mut v = Vec::with_capacity(10 + header.len() + data.len());
    v.extend_from_slice(b"\x93NUMPY\x01\x00");
    v.extend_from_slice(&(header.len() as u16).to_le_bytes());
    v.extend_from_slice(header.as_bytes());
    v.extend_from_slice(data);
    v
}

fn f64_bytes(x: &[f64]) -> Vec<u8> {
    x.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn write_npz(
    path: &Path,
    out: &RunOutput,
    voltage: &[f64],
    stimulus: &[f64],
    force: bool,
) -> Result<(), CliError> {
    let w = create(path, force)?;
    let mut zip = zip::ZipWriter::new(w);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let mut arrays: Vec<(&str, Vec<u8>)> = Vec::new();
    let n = out.voltage.len();
    if out.traces {
        arrays.push(("voltage", npy("<f8", &[n], &f64_bytes(voltage))));
        arrays.push(("threshold", npy("<f8", &[n], &f64_bytes(&out.threshold))));
        arrays.push((
            "AScurrents",
            npy("<f8", &[n, out.n_asc], &f64_bytes(&out.asc)),
        ));
        arrays.push((
            "stimulus",
            npy("<f8", &[stimulus.len()], &f64_bytes(stimulus)),
        ));
    }
    let s = &out.spikes;
    let col =
        |f: &dyn Fn(&glif_core::Spike<f64>) -> f64| f64_bytes(&s.iter().map(f).collect::<Vec<_>>());
    arrays.push((
        "grid_spike_times",
        npy("<f8", &[s.len()], &col(&|x| x.grid_time)),
    ));
    arrays.push((
        "interpolated_spike_times",
        npy("<f8", &[s.len()], &col(&|x| x.time)),
    ));
    let steps: Vec<u8> = s
        .iter()
        .flat_map(|x| (x.step as i64).to_le_bytes())
        .collect();
    arrays.push(("spike_time_steps", npy("<i8", &[s.len()], &steps)));
    arrays.push((
        "interpolated_spike_voltage",
        npy("<f8", &[s.len()], &col(&|x| x.voltage)),
    ));
    arrays.push((
        "interpolated_spike_threshold",
        npy("<f8", &[s.len()], &col(&|x| x.threshold)),
    ));
    arrays.push(("dt", npy("<f8", &[], &f64_bytes(&[out.dt]))));
    let bad = match out.outcome {
        Outcome::BadReset { spike_step, .. } => spike_step as i64,
        _ => -1,
    };
    arrays.push(("bad_reset_spike_step", npy("<i8", &[], &bad.to_le_bytes())));
    let zerr = |e: zip::result::ZipError| {
        CliError::other(format!("{}: cannot write: {e}", path.display()))
    };
    for (name, bytes) in arrays {
        zip.start_file(format!("{name}.npy"), opts).map_err(zerr)?;
        zip.write_all(&bytes).map_err(write_err(path))?;
    }
    let mut w = zip.finish().map_err(zerr)?;
    w.flush().map_err(write_err(path))
}

fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else {
        format!("{x:?}")
    }
}

/// The spike table, CSV.
pub const SPIKE_HEADER: &str = "spike_time_step,grid_spike_time_s,interpolated_spike_time_s,interpolated_spike_voltage_V,interpolated_spike_threshold_V";

fn write_spike_csv(path: &Path, out: &RunOutput, force: bool) -> Result<(), CliError> {
    let mut w = create(path, force)?;
    let e = write_err(path);
    writeln!(w, "{SPIKE_HEADER}").map_err(&e)?;
    for s in &out.spikes {
        writeln!(
            w,
            "{},{},{},{},{}",
            s.step,
            num(s.grid_time),
            num(s.time),
            num(s.voltage),
            num(s.threshold)
        )
        .map_err(&e)?;
    }
    w.flush().map_err(&e)
}

fn write_csv(
    path: &Path,
    out: &RunOutput,
    voltage: &[f64],
    stimulus: &[f64],
    force: bool,
) -> Result<(), CliError> {
    if !out.traces {
        return write_spike_csv(path, out, force);
    }
    {
        let mut w = create(path, force)?;
        let e = write_err(path);
        write!(w, "time_s,stimulus_A,voltage_V,threshold_V").map_err(&e)?;
        for i in 0..out.n_asc {
            write!(w, ",AScurrent_{i}_A").map_err(&e)?;
        }
        writeln!(w).map_err(&e)?;
        for i in 0..voltage.len() {
            write!(
                w,
                "{},{},{},{}",
                num(i as f64 * out.dt),
                num(stimulus[i]),
                num(voltage[i]),
                num(out.threshold[i])
            )
            .map_err(&e)?;
            for a in &out.asc[i * out.n_asc..(i + 1) * out.n_asc] {
                write!(w, ",{}", num(*a)).map_err(&e)?;
            }
            writeln!(w).map_err(&e)?;
        }
        w.flush().map_err(&e)?;
    }
    write_spike_csv(&csv_spikes_path(path), out, force)
}
