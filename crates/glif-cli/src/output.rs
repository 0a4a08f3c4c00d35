//! Result files, written with glif-io (atomically, never replacing a file
//! without --force): `.json` (AllenSDK's keys plus `outcome` and `run`),
//! `.npz` (the same arrays plus `stimulus`, `dt`, `bad_reset_spike_step`),
//! `.csv` (a table per sample with time and stimulus columns, and the spikes).

use std::path::{Path, PathBuf};

use glif_io::write::{self, JsonExtra};
use glif_io::{npy, RunEnd, RunResult, WriteOptions};
use serde::Serialize;

use crate::error::CliError;

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
    /// "completed", "bad_reset" or "error".
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

/// Describes how a run ended.
pub fn outcome_json(end: &RunEnd, dt: f64) -> OutcomeJson {
    match *end {
        RunEnd::Completed => OutcomeJson {
            status: "completed",
            spike_step: None,
            stopped_at: None,
            message: "every sample was integrated".into(),
        },
        RunEnd::BadReset { spike_step, stopped_at } => OutcomeJson {
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
        RunEnd::Failed(e) => OutcomeJson {
            status: "error",
            spike_step: None,
            stopped_at: None,
            message: e.to_string(),
        },
    }
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

/// Checks, before any work, that `files` can be created: their folders
/// exist and, without `force`, the files do not.
pub fn check_writable(files: &[PathBuf], force: bool) -> Result<(), CliError> {
    for f in files {
        if let Some(dir) = f.parent() {
            if !dir.as_os_str().is_empty() && !dir.is_dir() {
                return Err(CliError::input(format!(
                    "{}: the folder {} does not exist",
                    f.display(),
                    dir.display()
                )));
            }
        }
        if !force && f.exists() {
            return Err(CliError::input(format!(
                "{}: the file exists; give --force to replace it",
                f.display()
            )));
        }
    }
    Ok(())
}

/// What is written besides the result.
pub struct Extras<'a> {
    /// The stimulus (A per sample).
    pub stimulus: &'a [f64],
    /// Time step (s).
    pub dt: f64,
    /// Whether the result holds the traces (`--record all`).
    pub traces: bool,
    /// The run's settings.
    pub info: &'a RunInfo,
}

/// Writes the result to `path` in `format`. Voltages are written with NaN
/// replaced by `info.spike_cut_value` when one is given.
pub fn write(
    path: &Path,
    format: Format,
    out: &RunResult,
    x: &Extras<'_>,
    force: bool,
) -> Result<Vec<PathBuf>, CliError> {
    let files = files_for(path, format, x.traces);
    check_writable(&files, force)?;
    let options = WriteOptions {
        overwrite: force,
        spike_cut_value: x.info.spike_cut_value,
    };
    match format {
        Format::Json => {
            let mut extra = JsonExtra {
                spikes_only: !x.traces,
                ..JsonExtra::default()
            };
            let value = |v: serde_json::Result<serde_json::Value>| {
                v.map_err(|e| CliError::other(format!("{}: {e}", path.display())))
            };
            extra.keys.insert(
                "outcome".into(),
                value(serde_json::to_value(outcome_json(&out.end, x.dt)))?,
            );
            extra
                .keys
                .insert("run".into(), value(serde_json::to_value(x.info))?);
            write::write_json_with(path, out, &options, &extra)
                .map_err(|e| CliError::writing(e, path))?;
        }
        Format::Npz => {
            let mut members = write::results_to_npy(out, &options);
            if x.traces {
                let mut b = Vec::new();
                npy::write_f64(&mut b, &[x.stimulus.len()], x.stimulus);
                members.push(("stimulus.npy".into(), b));
            } else {
                members.retain(|(name, _)| {
                    !matches!(
                        name.as_str(),
                        "voltage.npy" | "threshold.npy" | "AScurrents.npy"
                    )
                });
            }
            let mut b = Vec::new();
            npy::write_f64(&mut b, &[], &[x.dt]);
            members.push(("dt.npy".into(), b));
            let bad = match out.end {
                RunEnd::BadReset { spike_step, .. } => spike_step as i64,
                _ => -1,
            };
            let mut b = Vec::new();
            npy::write_i64(&mut b, &[], &[bad]);
            members.push(("bad_reset_spike_step.npy".into(), b));
            let bytes = npy::zip(&members).map_err(|e| CliError::writing(e, path))?;
            write::write_atomic(path, force, |w| w.write_all(&bytes))
                .map_err(|e| CliError::writing(e, path))?;
        }
        Format::Csv => {
            if x.traces {
                write_trace_csv(path, out, x, &options)?;
                write_spike_csv(&csv_spikes_path(path), out, force)?;
            } else {
                write_spike_csv(path, out, force)?;
            }
        }
    }
    Ok(files)
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

fn write_spike_csv(path: &Path, out: &RunResult, force: bool) -> Result<(), CliError> {
    write::write_atomic(path, force, |w| {
        writeln!(w, "{SPIKE_HEADER}")?;
        for s in &out.spikes {
            writeln!(
                w,
                "{},{},{},{},{}",
                s.step,
                num(s.grid_time),
                num(s.time),
                num(s.voltage),
                num(s.threshold)
            )?;
        }
        Ok(())
    })
    .map_err(|e| CliError::writing(e, path))
}

/// One row per sample with time and stimulus (glif-io's CSV, made for
/// reading back, has neither).
fn write_trace_csv(
    path: &Path,
    out: &RunResult,
    x: &Extras<'_>,
    options: &WriteOptions,
) -> Result<(), CliError> {
    let voltage = match options.spike_cut_value {
        Some(v) => out.voltage_with_spike_cut_value(v),
        None => out.voltage.clone(),
    };
    write::write_atomic(path, options.overwrite, |w| {
        write!(w, "time_s,stimulus_A,voltage_V,threshold_V")?;
        for i in 0..out.asc_count {
            write!(w, ",AScurrent_{i}_A")?;
        }
        writeln!(w)?;
        for (i, v) in voltage.iter().enumerate() {
            write!(
                w,
                "{},{},{},{}",
                num(i as f64 * x.dt),
                num(x.stimulus[i]),
                num(*v),
                num(out.threshold[i])
            )?;
            for a in out.asc_row(i) {
                write!(w, ",{}", num(*a))?;
            }
            writeln!(w)?;
        }
        Ok(())
    })
    .map_err(|e| CliError::writing(e, path))
}
