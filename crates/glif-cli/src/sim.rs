//! Running a model on a stimulus into glif-io's [`RunResult`], with progress.

use glif_core::Float;
use glif_io::stream::{self, Source};
use glif_io::{AnyModel, AnyPrecisionModel, RunEnd, RunResult, SpikeTrain};

use crate::error::CliError;

/// Arithmetic precision of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Precision {
    /// 32-bit floats (as on a microcontroller).
    F32,
    /// 64-bit floats (AllenSDK's, bit for bit).
    F64,
}

impl Precision {
    /// "f32" or "f64".
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }
    /// As glif-io's.
    pub fn io(self) -> glif_io::Precision {
        match self {
            Precision::F32 => glif_io::Precision::F32,
            Precision::F64 => glif_io::Precision::F64,
        }
    }
}

/// Runs `stimulus` (A per sample); with `traces` every output, else only the
/// spikes (the traces of the result are then empty). `progress` is called
/// with the number of samples done as the run goes and at the end.
/// A run that stops with an error is an error (exit status 1); a bad reset
/// is a result whose `end` says so.
#[cfg(feature = "nwb")]
pub fn run(
    model: &AnyPrecisionModel,
    stimulus: &[f64],
    traces: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunResult, CliError> {
    run_source(model, &mut stream::Slice::new(stimulus), traces, progress)
}

/// As [`run`], over a stimulus read or generated as the run goes (glif-io's
/// chunked runner: the engine's tight loop, constant memory for the
/// stimulus). A stimulus that fails to read (e.g. a NaN in a `.npy` file)
/// is an input error (exit status 2).
pub fn run_source(
    model: &AnyPrecisionModel,
    source: &mut dyn Source,
    traces: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunResult, CliError> {
    let len = source.len();
    let result = match model {
        AnyPrecisionModel::F64(m) => run_typed(m, source, traces, progress),
        AnyPrecisionModel::F32(m) => run_typed(m, source, traces, progress),
    }
    .map_err(CliError::reading)?;
    progress(len);
    match result.end {
        RunEnd::Failed(e) => Err(CliError::other(format!("the simulation stopped: {e}"))),
        _ => Ok(result),
    }
}

fn run_typed<F: Float>(
    model: &AnyModel<F>,
    source: &mut dyn Source,
    traces: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> glif_io::Result<RunResult> {
    let mut report = |done: usize| progress(done);
    if traces {
        let mut r = RunResult::new(model.asc_count(), source.len());
        r.end = stream::run(model, source, &mut r, &mut report)?;
        Ok(r)
    } else {
        let mut s = SpikeTrain::default();
        s.end = stream::run(model, source, &mut s, &mut report)?;
        Ok(RunResult {
            asc_count: model.asc_count(),
            spikes: s.spikes,
            end: s.end,
            ..RunResult::default()
        })
    }
}
