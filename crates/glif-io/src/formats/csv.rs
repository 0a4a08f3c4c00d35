//! CSV result files, as `glif simulate` writes them: a trace table with one
//! row per sample ([`TRACE_COLUMNS`], then `AScurrent_<i>_A` per current)
//! and a spike table with one row per spike ([`SPIKE_HEADER`]). Numbers in
//! Rust's shortest round-trip form (exact when read back), NaN as `NaN`.
//! A name ending in `.gz` is written and read gzip-compressed.
//!
//! The tables are split by hand, not with the `csv` crate: they are
//! numbers without quoting, so what the crate adds (quoted fields, other
//! dialects) is never needed here, while the messages (file, line, which
//! column) and the header checks are ours either way.

use std::io::Write;
use std::path::Path;

use glif_core::Spike;

use crate::base::write_atomic;
use crate::base::{Error, ErrorKind, Result};
use crate::model::RunResult;

use super::options::WriteOptions;

/// The first columns of the trace table: time (s, `i * dt`), stimulus (A),
/// voltage and threshold (V).
pub const TRACE_COLUMNS: [&str; 4] = ["time_s", "stimulus_A", "voltage_V", "threshold_V"];

/// The header of the spike table.
pub const SPIKE_HEADER: &str = "spike_time_step,grid_spike_time_s,interpolated_spike_time_s,interpolated_spike_voltage_V,interpolated_spike_threshold_V";

fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else {
        format!("{x:?}")
    }
}

/// Writes the spike table of `result` to `path`.
pub fn write_spikes_csv(path: impl AsRef<Path>, result: &RunResult, overwrite: bool) -> Result<()> {
    write_atomic(path.as_ref(), overwrite, |w| {
        writeln!(w, "{SPIKE_HEADER}")?;
        for s in &result.spikes {
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
}

/// Writes the trace table of `result` (sampled at `dt` seconds, driven by
/// `stimulus`, A per sample) to `path`; voltages NaN are written as
/// `options.spike_cut_value` when it is set.
pub fn write_traces_csv(
    path: impl AsRef<Path>,
    result: &RunResult,
    dt: f64,
    stimulus: &[f64],
    options: &WriteOptions,
) -> Result<()> {
    let path = path.as_ref();
    if stimulus.len() != result.len() {
        return Err(Error::results(
            "stimulus_A",
            format!(
                "has {} samples, the result {}",
                stimulus.len(),
                result.len()
            ),
        )
        .in_file(path));
    }
    let voltage = options.voltage(result);
    write_atomic(path, options.overwrite, |w| {
        write_trace_header(w, result.asc_count)?;
        for (i, v) in voltage.iter().enumerate() {
            let row = TraceRow {
                voltage: *v,
                threshold: result.threshold[i],
                asc: result.asc_row(i),
            };
            write_trace_row(w, i, dt, stimulus[i], &row)?;
        }
        Ok(())
    })
}

/// The header line of the trace table for `asc_count` after-spike currents.
/// The one place it is written ([`write_traces_csv`] and
/// [`crate::run::run_source_to_csv`] both call it, so their files are the same bytes).
pub(crate) fn write_trace_header(w: &mut dyn Write, asc_count: usize) -> std::io::Result<()> {
    write!(w, "{}", TRACE_COLUMNS.join(","))?;
    for i in 0..asc_count {
        write!(w, ",AScurrent_{i}_A")?;
    }
    writeln!(w)
}

/// The outputs of one sample, as the trace table writes them.
pub(crate) struct TraceRow<'a> {
    /// V; NaN already replaced by the spike-cut value if one is set.
    pub voltage: f64,
    /// V.
    pub threshold: f64,
    /// A, one per current.
    pub asc: &'a [f64],
}

/// Row `i` of the trace table: time `i * dt` (s), the stimulus (A), then
/// `row`. The one place rows are written (see [`write_trace_header`]).
pub(crate) fn write_trace_row(
    w: &mut dyn Write,
    i: usize,
    dt: f64,
    stimulus: f64,
    row: &TraceRow<'_>,
) -> std::io::Result<()> {
    write!(
        w,
        "{},{},{},{}",
        num(i as f64 * dt),
        num(stimulus),
        num(row.voltage),
        num(row.threshold)
    )?;
    for a in row.asc {
        write!(w, ",{}", num(*a))?;
    }
    writeln!(w)
}

/// Writes both tables: the traces to `traces`, the spikes to `spikes`.
/// Without `options.overwrite`, neither is written if either exists.
pub fn write_csv(
    traces: impl AsRef<Path>,
    spikes: impl AsRef<Path>,
    result: &RunResult,
    dt: f64,
    stimulus: &[f64],
    options: &WriteOptions,
) -> Result<()> {
    let (traces, spikes) = (traces.as_ref(), spikes.as_ref());
    if !options.overwrite {
        for p in [traces, spikes] {
            if p.exists() {
                return Err(Error::new(ErrorKind::Exists).in_file(p));
            }
        }
    }
    write_traces_csv(traces, result, dt, stimulus, options)?;
    write_spikes_csv(spikes, result, options.overwrite)
}

/// The header and the numeric rows of a CSV table (blank lines skipped).
fn table(path: &Path) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let text = crate::base::read_text(path)?;
    let mut lines = text.lines().enumerate();
    let header: Vec<String> = lines
        .next()
        .map(|(_, h)| h.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let row = line
            .split(',')
            .map(|c| c.trim().parse::<f64>())
            .collect::<std::result::Result<Vec<f64>, _>>()
            .map_err(|e| Error::results(format!("line {}", i + 1), e.to_string()).in_file(path))?;
        if row.len() != header.len() {
            return Err(Error::results(
                format!("line {}", i + 1),
                format!("has {} columns, expected {}", row.len(), header.len()),
            )
            .in_file(path));
        }
        rows.push(row);
    }
    Ok((header, rows))
}

/// Reads a spike table written by [`write_spikes_csv`].
pub fn read_spikes_csv(path: impl AsRef<Path>) -> Result<Vec<Spike<f64>>> {
    let path = path.as_ref();
    let (header, rows) = table(path)?;
    if header.join(",") != SPIKE_HEADER {
        return Err(
            Error::results("line 1", format!("expected the header {SPIKE_HEADER}")).in_file(path),
        );
    }
    rows.iter()
        .map(|r| {
            let step = r[0];
            if !(step >= 0.0 && step.fract() == 0.0) {
                return Err(
                    Error::results("spike_time_step", format!("{step} is not a step"))
                        .in_file(path),
                );
            }
            Ok(Spike {
                step: step as usize,
                grid_time: r[1],
                time: r[2],
                voltage: r[3],
                threshold: r[4],
            })
        })
        .collect()
}

/// A trace table read back: the traces (as a result without spikes), and
/// the time and stimulus columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceTable {
    /// Voltage, threshold and after-spike currents; no spikes.
    pub result: RunResult,
    /// `time_s` (s).
    pub time: Vec<f64>,
    /// `stimulus_A` (A).
    pub stimulus: Vec<f64>,
}

/// Reads a trace table written by [`write_traces_csv`].
pub fn read_traces_csv(path: impl AsRef<Path>) -> Result<TraceTable> {
    let path = path.as_ref();
    let (header, rows) = table(path)?;
    let asc_count = header.len().saturating_sub(TRACE_COLUMNS.len());
    let expected: Vec<String> = TRACE_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain((0..asc_count).map(|i| format!("AScurrent_{i}_A")))
        .collect();
    if header != expected {
        return Err(Error::results(
            "line 1",
            format!("expected the header {}", expected.join(",")),
        )
        .in_file(path));
    }
    let mut t = TraceTable {
        result: RunResult::new(asc_count, rows.len()),
        ..TraceTable::default()
    };
    for r in &rows {
        t.time.push(r[0]);
        t.stimulus.push(r[1]);
        t.result.voltage.push(r[2]);
        t.result.threshold.push(r[3]);
        t.result.asc.extend_from_slice(&r[4..]);
    }
    Ok(t)
}

/// Reads both tables of [`write_csv`]: the result (traces and spikes) and
/// the trace table's time and stimulus columns.
pub fn read_csv(traces: impl AsRef<Path>, spikes: impl AsRef<Path>) -> Result<TraceTable> {
    let mut t = read_traces_csv(traces)?;
    t.result.spikes = read_spikes_csv(spikes)?;
    Ok(t)
}
