//! A record-all run written to its CSV trace table as it goes: what `glif
//! simulate --record all --output NAME.csv` does when no trace plot needs
//! the traces in memory.
//!
//! [`run_source_to_csv`] runs the model over a [`Source`] a chunk of
//! [`CHUNK`] samples at a time
//! ([`super::chunks::run_chunks`]), records the chunk's voltage, threshold
//! and after-spike currents into a buffer of one chunk, and after each
//! chunk writes its rows (with the chunk's stimulus samples) to the
//! temporary file of an [`AtomicWriter`], then forgets them. Memory is one
//! chunk of traces and stimulus whatever the run's length, plus the spikes
//! (40 bytes each), which go to the spike table at the end. The rows are
//! written by the functions [`crate::formats::write_traces_csv`] uses, so the
//! files are byte for byte those of a run in memory written with
//! [`crate::formats::write_csv`] (gzip-compressed as well, for a name ending
//! in `.gz`).
//!
//! JSON and `.npz` files hold each trace as one array after the other, so a
//! run cannot write them in one pass as its samples come; they are written
//! from a result in memory ([`crate::formats::write_result`]).

use std::path::Path;

use glif_core::Float;

use super::chunks;
use crate::base::AtomicWriter;
use crate::base::{Error, ErrorKind};
use crate::formats::WriteOptions;
use crate::formats::{write_spikes_csv, write_trace_header, write_trace_row, TraceRow};
use crate::model::{AnyModel, AnyPrecisionModel};
use crate::model::{RunEnd, RunResult};
use crate::stimulus::{Source, CHUNK};

/// What stopped [`run_source_to_csv`]: reading the stimulus, or writing.
#[derive(Debug)]
pub enum CsvRunError {
    /// The source could not hand out its samples (its error: a file that
    /// cannot be read, a non-finite sample).
    Source(Error),
    /// A result file could not be written, or exists (without
    /// [`WriteOptions::overwrite`]); the error names the file.
    Output(Error),
}

impl std::fmt::Display for CsvRunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CsvRunError::Source(e) | CsvRunError::Output(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CsvRunError {}

/// Runs `model` over every sample of `source` (A, one per `dt` seconds)
/// recording everything, and writes the trace table to `traces` as the run
/// goes and the spike table to `spikes` at the end: the files
/// [`crate::formats::write_csv`] writes for the same run in memory, byte for
/// byte. Voltages NaN are written as `options.spike_cut_value` when it is
/// set. `progress` receives the number of samples done after every chunk
/// and once at the end.
///
/// The trace file is opened (as a temporary file in its folder) before the
/// first sample is run, so a folder that cannot be written fails at once;
/// without `options.overwrite`, nothing is written if either file exists.
/// The returned result holds the spikes and how the run ended, and no
/// traces (they are in the file). A bad reset is written as the in-memory
/// writer writes it (NaN from the stop on). A run that stops with an error
/// ([`RunEnd::Failed`]) writes no file, as its traces would be shorter than
/// the stimulus; nor does an error reading the source or writing.
pub fn run_source_to_csv(
    model: &AnyPrecisionModel,
    source: &mut dyn Source,
    traces: &Path,
    spikes: &Path,
    dt: f64,
    options: &WriteOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunResult, CsvRunError> {
    if !options.overwrite {
        for p in [traces, spikes] {
            if p.exists() {
                return Err(CsvRunError::Output(
                    Error::new(ErrorKind::Exists).in_file(p),
                ));
            }
        }
    }
    let mut w = AtomicWriter::create(traces, options.overwrite).map_err(CsvRunError::Output)?;
    let result = match model {
        AnyPrecisionModel::F64(m) => run_typed(m, source, &mut w, dt, options, progress),
        AnyPrecisionModel::F32(m) => run_typed(m, source, &mut w, dt, options, progress),
    }?;
    progress(source.len());
    if let RunEnd::Failed(_) = result.end {
        return Ok(result);
    }
    if !options.overwrite && spikes.exists() {
        return Err(CsvRunError::Output(
            Error::new(ErrorKind::Exists).in_file(spikes),
        ));
    }
    w.commit().map_err(CsvRunError::Output)?;
    write_spikes_csv(spikes, &result, options.overwrite).map_err(CsvRunError::Output)?;
    Ok(result)
}

/// The run of [`run_source_to_csv`] in precision `F`: header, rows chunk by
/// chunk; the result without traces.
fn run_typed<F: Float>(
    model: &AnyModel<F>,
    source: &mut dyn Source,
    w: &mut AtomicWriter,
    dt: f64,
    options: &WriteOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunResult, CsvRunError> {
    let path = w.path().to_path_buf();
    let io = |e: std::io::Error| CsvRunError::Output(Error::io(&path, e));
    let asc_count = model.asc_count();
    write_trace_header(w, asc_count).map_err(io)?;
    let len = source.len();
    // One chunk of traces; emptied after each chunk, the spikes kept.
    let mut r = RunResult::new(asc_count, CHUNK.min(len));
    let mut next = 0usize;
    let mut write_chunk = |r: &mut RunResult, stimulus: &[f64]| -> Result<(), CsvRunError> {
        // glif-core records one sample per stimulus sample, during it.
        if r.len() != stimulus.len() {
            return Err(CsvRunError::Output(
                Error::results(
                    "stimulus_A",
                    format!("a chunk of {} samples recorded {}", stimulus.len(), r.len()),
                )
                .in_file(&path),
            ));
        }
        for (i, &x) in stimulus.iter().enumerate() {
            let v = r.voltage[i];
            let row = TraceRow {
                voltage: match options.spike_cut_value {
                    Some(cut) if v.is_nan() => cut,
                    _ => v,
                },
                threshold: r.threshold[i],
                asc: r.asc_row(i),
            };
            write_trace_row(w, next + i, dt, x, &row).map_err(io)?;
        }
        next += stimulus.len();
        r.voltage.clear();
        r.threshold.clear();
        r.asc.clear();
        Ok(())
    };
    let mut fill = |buf: &mut [f64]| source.fill(buf).map_err(CsvRunError::Source);
    r.end = chunks::run_chunks(
        model,
        len,
        &mut fill,
        &mut r,
        &mut write_chunk,
        &mut |done| progress(done),
    )?;
    Ok(r)
}
