//! Running one model on one stimulus, with progress reports: what `glif
//! simulate`, `glif sweeps` and the batch runner's lone models call.

use glif_core::Float;

use crate::model::{AnyModel, AnyPrecisionModel};
use crate::model::{RunResult, SpikeTrain};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};

use super::chunks;
use crate::stimulus::Source;

/// What a run records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Record {
    /// Voltage, threshold and after-spike currents per sample, and the spikes.
    #[default]
    All,
    /// Only the spikes (constant memory per sample); the traces of the
    /// [`RunResult`] are empty.
    Spikes,
}

impl Record {
    /// `"all"` or `"spikes"`.
    pub fn name(self) -> &'static str {
        match self {
            Record::All => "all",
            Record::Spikes => "spikes",
        }
    }
}

impl std::str::FromStr for Record {
    type Err = crate::base::Error;
    fn from_str(s: &str) -> crate::base::Result<Self> {
        match s {
            "all" => Ok(Record::All),
            "spikes" => Ok(Record::Spikes),
            other => Err(crate::base::Error::invalid(
                "record",
                other,
                "all or spikes",
            )),
        }
    }
}

/// Runs `stimulus` (A per sample, converted to the model's precision) and
/// records what `record` asks for. `progress` receives the number of samples
/// done after every chunk of [`CHUNK`](crate::stimulus::CHUNK) samples and once at
/// the end. How the run ended (completed, bad reset, stopped with an error)
/// is the result's `end`.
pub fn run_samples(
    model: &AnyPrecisionModel,
    stimulus: &[f64],
    record: Record,
    progress: &(dyn Fn(usize) + Sync),
) -> RunResult {
    let result = match model {
        AnyPrecisionModel::F64(m) => run_typed(m, stimulus, record, progress),
        AnyPrecisionModel::F32(m) => run_typed(m, stimulus, record, progress),
    };
    progress(stimulus.len());
    result
}

/// As [`run_samples`], over a stimulus handed out a chunk at a time (generated, or
/// read from a file as the run goes): the same tight loop, and memory for
/// one chunk of the stimulus whatever its length. An error reading the
/// source stops the run and is returned.
pub fn run_source(
    model: &AnyPrecisionModel,
    source: &mut dyn Source,
    record: Record,
    progress: &(dyn Fn(usize) + Sync),
) -> crate::base::Result<RunResult> {
    let len = source.len();
    let mut fill = |buf: &mut [f64]| source.fill(buf);
    let result = match model {
        AnyPrecisionModel::F64(m) => run_with(m, len, &mut fill, record, progress),
        AnyPrecisionModel::F32(m) => run_with(m, len, &mut fill, record, progress),
    }?;
    progress(len);
    Ok(result)
}

/// [`run_samples`] in precision `F`, without the final progress report.
pub(crate) fn run_typed<F: Float>(
    model: &AnyModel<F>,
    stimulus: &[f64],
    record: Record,
    progress: &(dyn Fn(usize) + Sync),
) -> RunResult {
    let mut rest = stimulus;
    // Samples in memory: filling a chunk cannot fail.
    let mut fill = |buf: &mut [f64]| -> Result<usize, Infallible> {
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        Ok(n)
    };
    let Ok(result) = run_with(model, stimulus.len(), &mut fill, record, progress);
    result
}

/// As [`run_typed`], looking at `stop` before each chunk of
/// [`CHUNK`](crate::stimulus::CHUNK) samples: `None` when it was set
/// before the run ended (what was recorded is dropped).
pub(crate) fn run_typed_until<F: Float>(
    model: &AnyModel<F>,
    stimulus: &[f64],
    record: Record,
    stop: Option<&AtomicBool>,
) -> Option<RunResult> {
    let Some(stop) = stop else {
        return Some(run_typed(model, stimulus, record, &|_| {}));
    };
    let mut rest = stimulus;
    let mut fill = |buf: &mut [f64]| -> Result<usize, ()> {
        if stop.load(Ordering::Relaxed) {
            return Err(());
        }
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        Ok(n)
    };
    run_with(model, stimulus.len(), &mut fill, record, &|_| {}).ok()
}

/// The run of [`run_typed`] and [`run_source`], recording what `record` asks.
fn run_with<F: Float, E>(
    model: &AnyModel<F>,
    len: usize,
    fill: &mut dyn FnMut(&mut [f64]) -> Result<usize, E>,
    record: Record,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunResult, E> {
    let mut report = |done: usize| progress(done);
    Ok(match record {
        Record::All => {
            let mut r = RunResult::new(model.asc_count(), len);
            r.end = chunks::run_filled(model, len, fill, &mut r, &mut report)?;
            r
        }
        Record::Spikes => {
            let mut s = SpikeTrain::default();
            s.end = chunks::run_filled(model, len, fill, &mut s, &mut report)?;
            RunResult::from_spikes(model.asc_count(), s)
        }
    })
}
