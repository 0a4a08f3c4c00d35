//! Running a model on a stimulus into glif-io's [`RunResult`], with progress.

use glif_core::Float;
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

/// Samples between progress reports.
const CHUNK: usize = 1 << 16;

/// Runs `stimulus` (A per sample); with `traces` every output, else only the
/// spikes (the traces of the result are then empty). `progress` is called
/// with the number of samples done, every 65,536 samples and at the end.
/// A run that stops with an error is an error (exit status 1); a bad reset
/// is a result whose `end` says so.
pub fn run(
    model: &AnyPrecisionModel,
    stimulus: &[f64],
    traces: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunResult, CliError> {
    let result = match model {
        AnyPrecisionModel::F64(m) => run_typed(m, stimulus, traces, progress),
        AnyPrecisionModel::F32(m) => run_typed(m, stimulus, traces, progress),
    };
    progress(stimulus.len());
    match result.end {
        RunEnd::Failed(e) => Err(CliError::other(format!("the simulation stopped: {e}"))),
        _ => Ok(result),
    }
}

fn run_typed<F: Float>(
    model: &AnyModel<F>,
    stimulus: &[f64],
    traces: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> RunResult {
    let feed = stimulus.iter().enumerate().map(|(i, &x)| {
        if i % CHUNK == 0 && i > 0 {
            progress(i);
        }
        F::from_f64(x)
    });
    if traces {
        let mut r = RunResult::new(model.asc_count(), stimulus.len());
        r.end = RunEnd::from(model.run_iter(feed, &mut r));
        r
    } else {
        let mut s = SpikeTrain::default();
        s.end = RunEnd::from(model.run_iter(feed, &mut s));
        RunResult {
            asc_count: model.asc_count(),
            spikes: s.spikes,
            end: s.end,
            ..RunResult::default()
        }
    }
}
