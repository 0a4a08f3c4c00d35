//! Running one model on one stimulus, with progress reports: what `glif
//! simulate`, `glif sweeps` and the batch runner's lone models call.

use glif_core::Float;

use crate::model::{AnyModel, AnyPrecisionModel};
use crate::results::{RunEnd, RunResult, SpikeTrain};

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
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "all" => Ok(Record::All),
            "spikes" => Ok(Record::Spikes),
            other => Err(crate::Error::invalid("record", other, "all or spikes")),
        }
    }
}

/// Samples between progress reports of [`run`].
pub const PROGRESS_EVERY: usize = 1 << 16;

/// Runs `stimulus` (A per sample, converted to the model's precision) and
/// records what `record` asks for. `progress` receives the number of samples
/// done, every [`PROGRESS_EVERY`] samples and once at the end. How the run
/// ended (completed, bad reset, stopped with an error) is the result's `end`.
pub fn run(
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

/// [`run`] in precision `F`, without the final progress report.
pub(crate) fn run_typed<F: Float>(
    model: &AnyModel<F>,
    stimulus: &[f64],
    record: Record,
    progress: &(dyn Fn(usize) + Sync),
) -> RunResult {
    let feed = stimulus.iter().enumerate().map(|(i, &x)| {
        if i % PROGRESS_EVERY == 0 && i > 0 {
            progress(i);
        }
        F::from_f64(x)
    });
    match record {
        Record::All => {
            let mut r = RunResult::new(model.asc_count(), stimulus.len());
            r.end = RunEnd::from(model.run_iter(feed, &mut r));
            r
        }
        Record::Spikes => {
            let mut s = SpikeTrain::default();
            s.end = RunEnd::from(model.run_iter(feed, &mut s));
            RunResult::from_spikes(model.asc_count(), s)
        }
    }
}
