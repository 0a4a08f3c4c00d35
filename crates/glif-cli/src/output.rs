//! Result files, written with glif-io's [`glif_io::formats`] in the format
//! the extension names (atomically, never replacing a file without --force):
//! `.json`, `.npz`, `.csv` (`.json.gz`, `.csv.gz` gzip-compressed). Here: the `run` facts written beside them, and
//! the checks made before any work.

use std::path::{Path, PathBuf};

use glif_io::formats::{self, Format, ResultExtras};
use glif_io::{RunResult, WriteOptions};
use serde::Serialize;

use crate::error::CliError;

/// The format of `--output PATH`, from its extension (glif-io's rule,
/// [`Format::of_path`]).
pub fn format_of(path: &Path) -> Result<Format, CliError> {
    Format::of_path(path).map_err(|e| CliError::input(format!("--output {e}")))
}

/// Facts about the run written beside the results (the JSON `run` key).
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
    /// The stimulus: its kind (file, square, pulse, ramp, noise), amplitude
    /// (A), seed, timing (s), file, description and range (pA).
    pub stimulus: serde_json::Value,
    /// The config's `El_reference` (V), the absolute resting potential
    /// Allen voltages are relative to; null when the file has none.
    #[serde(rename = "El_reference")]
    pub el_reference: Option<f64>,
}

/// Checks, before any work, that `files` can be created: their folders
/// exist and, without `force`, the files do not.
pub fn check_writable(files: &[PathBuf], force: bool) -> Result<(), CliError> {
    for f in files {
        if f.is_dir() {
            return Err(CliError::input(format!(
                "{}: is a folder; --output needs a file name (for example {})",
                f.display(),
                f.join("simulation.json").display()
            )));
        }
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

/// Runs `model` over `source` recording everything, writing the CSV trace
/// table to `path` as the run goes and the spike table beside it
/// (glif-io's [`glif_io::run::run_source_to_csv`]); returns the spikes and the end. A
/// stimulus that fails to read is an input error (exit status 2), a file
/// that cannot be written as [`CliError::writing`], a run that stopped with
/// an error as [`crate::common::run_model`] says it (no file is written then).
pub fn run_to_csv(
    model: &glif_io::AnyPrecisionModel,
    source: &mut dyn glif_io::stimulus::Source,
    path: &Path,
    dt: f64,
    options: &WriteOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunResult, CliError> {
    use glif_io::run::{run_source_to_csv, CsvRunError};
    let spikes = formats::csv_spikes_path(path);
    let result = run_source_to_csv(model, source, path, &spikes, dt, options, progress).map_err(
        |e| match e {
            CsvRunError::Source(e) => CliError::reading(e),
            CsvRunError::Output(e) => CliError::writing(e, path),
        },
    )?;
    match result.end {
        glif_io::RunEnd::Failed(e) => Err(CliError::other(format!("the simulation stopped: {e}"))),
        _ => Ok(result),
    }
}

/// Writes the result to `path` in `format`; returns the files written.
pub fn write(
    path: &Path,
    format: Format,
    out: &RunResult,
    stimulus: &[f64],
    info: &RunInfo,
    force: bool,
) -> Result<Vec<PathBuf>, CliError> {
    let spikes_only = info.record == glif_io::Record::Spikes.name();
    check_writable(&formats::files_for(path, format, spikes_only), force)?;
    let options = WriteOptions {
        overwrite: force,
        spike_cut_value: info.spike_cut_value,
    };
    let mut extras = ResultExtras {
        stimulus,
        dt: info.dt,
        spikes_only,
        ..ResultExtras::default()
    };
    let run = serde_json::to_value(info)
        .map_err(|e| CliError::other(format!("{}: {e}", path.display())))?;
    extras.keys.insert("run".into(), run);
    formats::write_result(path, format, out, &options, &extras)
        .map_err(|e| CliError::writing(e, path))
}
