//! Result JSON: one object with AllenSDK's eight `run()` keys, NaN (and
//! ±inf) as `null`, so `json.load` gives AllenSDK's dict shape
//! ([`write_json`]). glif's result file (through
//! [`write_result`](super::write_result)) leaves the traces out of a
//! spikes-only run and adds keys after AllenSDK's: `glif simulate` writes
//! `outcome` ([`outcome_json`]) and `run`. [`read_json`] reads either back;
//! [`read_result`](super::read_result) also returns the extra keys. A name
//! ending in `.gz` is written and read gzip-compressed.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::base::{Error, Result};
use glif_core::Outcome;

use crate::base::write_atomic;
use crate::model::{assemble, spikes_from, RunEnd, RunResult};

use super::options::{WriteOptions, OUTPUT_KEYS};

fn opt(x: &[f64]) -> Vec<Option<f64>> {
    x.iter()
        .map(|&v| if v.is_finite() { Some(v) } else { None })
        .collect()
}

fn unopt(x: &[Option<f64>]) -> Vec<f64> {
    x.iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

/// The JSON text of a result: AllenSDK's eight keys, NaN as `null`.
pub fn results_to_json_string(result: &RunResult, options: &WriteOptions) -> String {
    // Without extra keys nothing can fail.
    json_text(result, options, &JsonExtra::default()).unwrap_or_default()
}

/// What a JSON result file holds besides (or instead of) AllenSDK's keys:
/// for [`write_json_extra`].
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct JsonExtra {
    /// Leave out the three traces (`voltage`, `threshold`, `AScurrents`):
    /// for runs that recorded only the spikes.
    pub spikes_only: bool,
    /// Keys written after AllenSDK's (run settings, how the run ended, ...).
    /// A key named like one of [`OUTPUT_KEYS`] is refused.
    pub keys: Map<String, Value>,
}

#[derive(Serialize)]
#[allow(non_snake_case)]
struct ResultsJsonWith<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    voltage: Option<Vec<Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<Vec<Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    AScurrents: Option<Vec<Vec<Option<f64>>>>,
    grid_spike_times: Vec<Option<f64>>,
    interpolated_spike_times: Vec<Option<f64>>,
    spike_time_steps: Vec<usize>,
    interpolated_spike_voltage: Vec<Option<f64>>,
    interpolated_spike_threshold: Vec<Option<f64>>,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

/// As [`results_to_json_string`], with the traces left out when
/// `extra.spikes_only` and `extra.keys` added after AllenSDK's keys.
fn json_text(result: &RunResult, options: &WriteOptions, extra: &JsonExtra) -> Result<String> {
    if let Some(k) = extra
        .keys
        .keys()
        .find(|k| OUTPUT_KEYS.contains(&k.as_str()))
    {
        return Err(Error::results(
            k.clone(),
            "is one of AllenSDK's output keys; an extra key needs another name",
        ));
    }
    let traces = !extra.spikes_only;
    let doc = ResultsJsonWith {
        voltage: traces.then(|| opt(&options.voltage(result))),
        threshold: traces.then(|| opt(&result.threshold)),
        AScurrents: traces.then(|| (0..result.len()).map(|i| opt(result.asc_row(i))).collect()),
        grid_spike_times: opt(&result.grid_spike_times()),
        interpolated_spike_times: opt(&result.interpolated_spike_times()),
        spike_time_steps: result.spike_time_steps(),
        interpolated_spike_voltage: opt(&result.interpolated_spike_voltage()),
        interpolated_spike_threshold: opt(&result.interpolated_spike_threshold()),
        extra: &extra.keys,
    };
    serde_json::to_string(&doc).map_err(|e| Error::results("(extra keys)", e.to_string()))
}

/// Writes a result as JSON with [`JsonExtra`]: the traces left out for a
/// spikes-only run, and extra keys after AllenSDK's. [`read_json`] reads it
/// back only without extras (it accepts exactly AllenSDK's keys).
pub(crate) fn write_json_extra(
    path: impl AsRef<Path>,
    result: &RunResult,
    options: &WriteOptions,
    extra: &JsonExtra,
) -> Result<()> {
    let path = path.as_ref();
    let text = json_text(result, options, extra).map_err(|e| e.in_file(path))?;
    write_atomic(path, options.overwrite, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

/// Writes a result as JSON.
pub fn write_json(
    path: impl AsRef<Path>,
    result: &RunResult,
    options: &WriteOptions,
) -> Result<()> {
    let text = results_to_json_string(result, options);
    write_atomic(path.as_ref(), options.overwrite, |w| {
        w.write_all(text.as_bytes())
    })
}

/// The key `glif simulate` writes how the run ended under.
pub const OUTCOME_KEY: &str = "outcome";

/// How a run ended, as the `outcome` object of glif's JSON.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutcomeJson {
    /// `"completed"`, `"bad_reset"` or `"error"`.
    pub status: String,
    /// For a bad reset: the spike whose reset was bad.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub spike_step: Option<usize>,
    /// For a bad reset: the first sample left NaN.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stopped_at: Option<usize>,
    /// In words.
    pub message: String,
}

/// Describes how a run ended, for the `outcome` key; `dt` (s) gives the
/// time of a bad reset.
pub fn outcome_json(end: &RunEnd, dt: f64) -> OutcomeJson {
    let (status, spike_step, stopped_at) = match *end {
        RunEnd::COMPLETED => ("completed", None, None),
        RunEnd::Ended(Outcome::BadReset {
            spike_step,
            stopped_at,
        }) => ("bad_reset", Some(spike_step), Some(stopped_at)),
        RunEnd::Failed(_) => ("error", None, None),
    };
    OutcomeJson {
        status: status.into(),
        spike_step,
        stopped_at,
        message: end.message(Some(dt)),
    }
}

impl OutcomeJson {
    /// The run's end it describes; `None` for an error (whose cause a file
    /// does not hold as a value).
    pub fn end(&self) -> Option<RunEnd> {
        match (self.status.as_str(), self.spike_step, self.stopped_at) {
            ("completed", _, _) => Some(RunEnd::COMPLETED),
            ("bad_reset", Some(spike_step), Some(stopped_at)) => {
                Some(RunEnd::Ended(Outcome::BadReset {
                    spike_step,
                    stopped_at,
                }))
            }
            _ => None,
        }
    }
}

fn json_error(e: serde_json::Error, key: &str) -> Error {
    if e.is_syntax() || e.is_eof() {
        Error::syntax(&e)
    } else {
        Error::results(key, e.to_string())
    }
}

fn take<T: serde::de::DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<T>> {
    match map.remove(key) {
        None => Ok(None),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(|e| json_error(e, key)),
    }
}

/// Parses result JSON as [`write_json`] or [`write_json_extra`] writes it
/// (`null` reads as NaN): the result and the keys after AllenSDK's. Without
/// the three traces (a spikes-only run) the result's traces are empty and
/// its `asc_count` is 0. The run's end is read from an `outcome` key
/// ([`outcome_json`]) when it holds one, else it is `Completed`.
fn parse_json(text: &str) -> Result<(RunResult, Map<String, Value>)> {
    let value: Value = serde_json::from_str(text).map_err(|e| json_error(e, "(top level)"))?;
    let Value::Object(mut map) = value else {
        return Err(Error::results("(top level)", "expected a JSON object"));
    };
    let mut spike_values = |key: &str| -> Result<Vec<f64>> {
        take::<Vec<Option<f64>>>(&mut map, key)?
            .map(|v| unopt(&v))
            .ok_or_else(|| Error::missing(key))
    };
    let grid = spike_values("grid_spike_times")?;
    let time = spike_values("interpolated_spike_times")?;
    let spike_v = spike_values("interpolated_spike_voltage")?;
    let spike_th = spike_values("interpolated_spike_threshold")?;
    let steps: Vec<usize> =
        take(&mut map, "spike_time_steps")?.ok_or_else(|| Error::missing("spike_time_steps"))?;
    let spikes = spikes_from(&steps, &grid, &time, &spike_v, &spike_th)?;
    let voltage: Option<Vec<Option<f64>>> = take(&mut map, "voltage")?;
    let threshold: Option<Vec<Option<f64>>> = take(&mut map, "threshold")?;
    let asc_rows: Option<Vec<Vec<Option<f64>>>> = take(&mut map, "AScurrents")?;
    let mut result = match (voltage, threshold, asc_rows) {
        (None, None, None) => RunResult {
            spikes,
            ..RunResult::default()
        },
        (Some(voltage), Some(threshold), Some(rows)) => {
            let asc_count = rows.first().map_or(0, Vec::len);
            let mut asc = Vec::with_capacity(rows.len() * asc_count);
            for (i, row) in rows.iter().enumerate() {
                if row.len() != asc_count {
                    return Err(Error::results(
                        format!("AScurrents[{i}]"),
                        format!("has {} values, expected {asc_count}", row.len()),
                    ));
                }
                asc.extend(unopt(row));
            }
            if rows.len() != voltage.len() {
                return Err(Error::results(
                    "AScurrents",
                    format!(
                        "has {} rows, voltage has {} samples",
                        rows.len(),
                        voltage.len()
                    ),
                ));
            }
            assemble(unopt(&voltage), unopt(&threshold), asc_count, asc, spikes)?
        }
        _ => {
            return Err(Error::results(
                "voltage",
                "voltage, threshold and AScurrents must all be present or all absent",
            ))
        }
    };
    if let Some(outcome) = map.get(OUTCOME_KEY) {
        let outcome: OutcomeJson =
            serde_json::from_value(outcome.clone()).map_err(|e| json_error(e, OUTCOME_KEY))?;
        if let Some(end) = outcome.end() {
            result.end = end;
        }
    }
    Ok((result, map))
}

/// Parses result JSON (`null` as NaN; without the three traces, a
/// spikes-only result), dropping the keys after AllenSDK's; the run's end
/// from an `outcome` key when it holds one, else `Completed`.
pub fn results_from_json_str(text: &str) -> Result<RunResult> {
    parse_json(text).map(|(r, _)| r)
}

/// Reads a result JSON file and the keys after AllenSDK's.
pub(crate) fn read_json_extra(path: &Path) -> Result<(RunResult, Map<String, Value>)> {
    let text = crate::base::read_text(path)?;
    parse_json(&text).map_err(|e| e.in_file(path))
}

/// Reads a result JSON file (see [`results_from_json_str`]); the keys after
/// AllenSDK's are read by [`read_result`](super::read_result).
pub fn read_json(path: impl AsRef<Path>) -> Result<RunResult> {
    read_json_extra(path.as_ref()).map(|(r, _)| r)
}
