//! A run's result file in the format its extension names — what `glif
//! simulate --output` writes and what reads it back:
//!
//! | extension | writer | content |
//! |---|---|---|
//! | `.json` | `json.rs`'s `write_json_extra` | AllenSDK's keys (no traces for a spikes-only run), then `outcome` ([`super::json::outcome_json`]) and the caller's keys |
//! | `.npz` | `npz.rs`'s `write_npz_extra` | AllenSDK's arrays plus `stimulus`, `dt`, `bad_reset_spike_step` |
//! | `.csv` | [`super::csv::write_csv`] | the trace table, and the spike table in `NAME.spikes.csv`; for a spikes-only run `NAME.csv` is the spike table |
//!
//! `.json.gz` and `.csv.gz` are the same, gzip-compressed (the spike table
//! beside `NAME.csv.gz` is `NAME.spikes.csv.gz`); [`read_result`] reads
//! them back. A `.npz` is a ZIP archive already and is not gzipped.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::json::{self, JsonExtra, OUTCOME_KEY};
use super::npz::{self, NpzExtra};
use super::options::WriteOptions;
pub use crate::base::is_gzip;
use crate::base::{Error, Result};
use crate::model::RunResult;

/// A result file format.
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
    /// The format a file's extension names (any case), if any: `.json`,
    /// `.npz`, `.csv`, or `.json.gz` and `.csv.gz` (written and read
    /// gzip-compressed; see [`is_gzip`]). `.npz.gz` names none.
    pub fn from_path(path: &Path) -> Option<Format> {
        let gz = is_gzip(path);
        let inner = if gz {
            path.with_extension("")
        } else {
            path.to_path_buf()
        };
        match inner
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("json") => Some(Format::Json),
            Some("npz") if !gz => Some(Format::Npz),
            Some("csv") => Some(Format::Csv),
            _ => None,
        }
    }

    /// As [`Format::from_path`], with an error that says which extensions
    /// there are when the name has none of them ([`crate::ErrorKind::Extension`],
    /// in the file `path`).
    pub fn of_path(path: &Path) -> Result<Format> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".npz.gz") {
            return Err(Error::extension(
                path,
                format!(
                    "a .npz is a ZIP archive already and is not gzipped; write {} \
                     (or .json.gz, .csv.gz)",
                    path.with_extension("").display()
                ),
            ));
        }
        Format::from_path(path).ok_or_else(|| {
            Error::extension(
                path,
                "the extension must be .json, .npz or .csv (.json.gz and .csv.gz \
                 are written gzip-compressed)",
            )
        })
    }
}

/// The file beside a CSV trace table that holds its spikes:
/// `out.csv` -> `out.spikes.csv`, `out.csv.gz` -> `out.spikes.csv.gz`.
pub fn csv_spikes_path(path: &Path) -> PathBuf {
    let gz = is_gzip(path);
    let inner = if gz {
        path.with_extension("")
    } else {
        path.to_path_buf()
    };
    let stem = inner
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = if gz { ".gz" } else { "" };
    path.with_file_name(format!("{stem}.spikes.csv{suffix}"))
}

/// Every file [`write_result`] creates for `path`.
pub fn files_for(path: &Path, format: Format, spikes_only: bool) -> Vec<PathBuf> {
    let mut v = vec![path.to_path_buf()];
    if format == Format::Csv && !spikes_only {
        v.push(csv_spikes_path(path));
    }
    v
}

/// What is written besides the result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultExtras<'a> {
    /// The stimulus (A per sample).
    pub stimulus: &'a [f64],
    /// Time step (s).
    pub dt: f64,
    /// The result holds only the spikes (its traces are not written).
    pub spikes_only: bool,
    /// JSON only: keys written after `outcome` (such as `glif`'s `run`).
    pub keys: Map<String, Value>,
}

/// Writes `result` to `path` in `format` (atomically; an existing file is
/// replaced only with `options.overwrite`). Returns the files written.
pub fn write_result(
    path: &Path,
    format: Format,
    result: &RunResult,
    options: &WriteOptions,
    extras: &ResultExtras<'_>,
) -> Result<Vec<PathBuf>> {
    let files = files_for(path, format, extras.spikes_only);
    match format {
        Format::Json => {
            let mut keys = Map::new();
            let outcome = serde_json::to_value(json::outcome_json(&result.end, extras.dt))
                .map_err(|e| Error::results(OUTCOME_KEY, e.to_string()).in_file(path))?;
            keys.insert(OUTCOME_KEY.into(), outcome);
            keys.extend(extras.keys.clone());
            let extra = JsonExtra {
                spikes_only: extras.spikes_only,
                keys,
            };
            json::write_json_extra(path, result, options, &extra)?;
        }
        Format::Npz => {
            let extra = NpzExtra {
                spikes_only: extras.spikes_only,
                stimulus: extras.stimulus,
                dt: extras.dt,
                only_outputs: false,
            };
            npz::write_npz_extra(path, result, options, &extra)?;
        }
        Format::Csv => {
            if extras.spikes_only {
                super::csv::write_spikes_csv(path, result, options.overwrite)?;
            } else {
                super::csv::write_csv(
                    path,
                    csv_spikes_path(path),
                    result,
                    extras.dt,
                    extras.stimulus,
                    options,
                )?;
            }
        }
    }
    Ok(files)
}

/// A result file read back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultFile {
    /// The outputs (empty traces when the file holds only the spikes). Its
    /// `end` is read where the file states it (JSON's `outcome`).
    pub result: RunResult,
    /// The stimulus (A per sample), when the file holds it (`.npz`, CSV traces).
    pub stimulus: Option<Vec<f64>>,
    /// The time step (s), when the file holds it (`.npz`; CSV traces of two
    /// samples or more).
    pub dt: Option<f64>,
    /// `.npz`: `bad_reset_spike_step` when not -1.
    pub bad_reset_spike_step: Option<usize>,
    /// JSON: the keys after AllenSDK's (`outcome`, `run`, ...).
    pub keys: Map<String, Value>,
}

/// Reads a result file [`write_result`] wrote to `path`, in the format its
/// extension names. A CSV path is read as a spike table when its header is
/// one, else as a trace table with the spikes beside it.
pub fn read_result(path: &Path) -> Result<ResultFile> {
    match Format::from_path(path) {
        Some(Format::Json) => {
            let (result, keys) = json::read_json_extra(path)?;
            Ok(ResultFile {
                result,
                keys,
                ..ResultFile::default()
            })
        }
        Some(Format::Npz) => {
            let (result, found) = npz::read_npz_extra(path)?;
            Ok(ResultFile {
                result,
                stimulus: found.stimulus,
                dt: found.dt,
                bad_reset_spike_step: found.bad_reset_spike_step,
                ..ResultFile::default()
            })
        }
        Some(Format::Csv) => {
            let first = crate::base::read_text(path)?
                .lines()
                .next()
                .map(str::to_string)
                .unwrap_or_default();
            if first == super::csv::SPIKE_HEADER {
                let spikes = super::csv::read_spikes_csv(path)?;
                return Ok(ResultFile {
                    result: RunResult {
                        spikes,
                        ..RunResult::default()
                    },
                    ..ResultFile::default()
                });
            }
            let t = super::csv::read_csv(path, csv_spikes_path(path))?;
            Ok(ResultFile {
                result: t.result,
                dt: t.time.get(1).copied(),
                stimulus: Some(t.stimulus),
                ..ResultFile::default()
            })
        }
        None => Err(Error::results(
            "(file name)",
            "expected the extension .json, .npz or .csv (or .json.gz, .csv.gz)",
        )
        .in_file(path)),
    }
}
