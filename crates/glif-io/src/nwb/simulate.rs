//! AllenSDK's `allensdk.model.glif.simulate_neuron`: simulate sweeps of an
//! Allen NWB 1.x file with one model and write the responses and spike
//! times back. Sweeps are read one after another (HDF5 serialises its
//! calls), simulated in parallel (rayon), and written one after another.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use super::error::NwbError;
use super::file::{NwbFile, Sweep};
use super::output::copy_for_output;
use crate::batch::Exp;
use crate::model::NeuronConfig;
use crate::model::{AnyModel, AnyPrecisionModel, Precision};
use crate::model::{RunEnd, RunResult, SPIKE_CUT_VALUE};
use crate::run::{self, Record};

/// How sweeps are simulated.
#[derive(Clone)]
pub struct SweepOptions<'a> {
    /// Voltage written where the simulation leaves NaN (after spikes), V.
    pub spike_cut_value: f64,
    /// Another `spike_cut_length` than the config's (samples).
    pub spike_cut_length: Option<u32>,
    /// Arithmetic precision.
    pub precision: Precision,
    /// Set from another thread to stop early: each sweep looks at it
    /// between chunks of [`CHUNK`](crate::stimulus::CHUNK) samples, and
    /// [`simulate_neuron`] then writes nothing (removing the copy it made)
    /// and returns [`SimulateError::Stopped`]. `None`: runs to the end.
    pub stop: Option<Arc<AtomicBool>>,
    /// Where each sweep's model takes the exponentials of its constants
    /// from (see [`Exp`]): the Python package passes the user's
    /// `numpy.exp`, so each sweep equals AllenSDK's on that machine.
    /// `None`: libm.
    pub exp: Option<Exp<'a>>,
}

impl Default for SweepOptions<'_> {
    /// AllenSDK's: [`SPIKE_CUT_VALUE`], the config's spike cut, `f64`, libm's `exp`.
    fn default() -> Self {
        SweepOptions {
            spike_cut_value: SPIKE_CUT_VALUE,
            spike_cut_length: None,
            precision: Precision::F64,
            stop: None,
            exp: None,
        }
    }
}

impl std::fmt::Debug for SweepOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SweepOptions")
            .field("spike_cut_value", &self.spike_cut_value)
            .field("spike_cut_length", &self.spike_cut_length)
            .field("precision", &self.precision)
            .field("stop", &self.stop)
            .field("exp", &self.exp.map(|_| "fn(f64) -> f64"))
            .finish()
    }
}

/// What the sweeps' progress callback hears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepProgress {
    /// Reported once, before simulating: the sweeps read and their samples in all.
    Start {
        /// Samples to simulate, over every sweep read.
        samples: u64,
        /// Sweeps read.
        sweeps: usize,
    },
    /// More samples of some sweep were simulated (this many since the last report).
    Samples(u64),
    /// `done` of `total` sweeps are simulated.
    Sweeps {
        /// Sweeps simulated so far.
        done: usize,
        /// Sweeps to simulate.
        total: usize,
    },
}

/// What became of one sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepOutcome {
    /// The sweep number.
    pub number: u32,
    /// Samples simulated (0 when the sweep failed before running).
    pub samples: usize,
    /// Time step (s), `1 / rate` of the sweep's stimulus; NaN when it could not be read.
    pub dt: f64,
    /// Number of spikes.
    pub spikes: usize,
    /// Seconds spent simulating.
    pub secs: f64,
    /// How the run ended (a bad reset leaves later samples NaN, written as
    /// the spike cut value); `Completed` for a sweep that did not run.
    pub end: RunEnd,
    /// Why the sweep was not written; the others still were.
    pub error: Option<String>,
    /// The smallest and largest stimulus sample (A); `None` when the sweep
    /// could not be read or has no samples.
    pub stimulus_range: Option<crate::run::Range>,
}

/// Why [`simulate_neuron`] could not start or finish.
#[derive(Debug)]
pub enum SimulateError {
    /// The config does not build into a model (checked at dt = 5 µs).
    Config(crate::base::Error),
    /// The input file cannot be opened as an NWB file.
    Input(NwbError),
    /// The output cannot be made (exists, names the input, ...), opened or closed.
    Output(NwbError),
    /// `SweepOptions::stop` was set before the sweeps were simulated:
    /// nothing was written.
    Stopped,
}

impl std::fmt::Display for SimulateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimulateError::Config(e) => e.fmt(f),
            SimulateError::Input(e) | SimulateError::Output(e) => e.fmt(f),
            SimulateError::Stopped => crate::base::ErrorKind::Stopped.fmt(f),
        }
    }
}

impl std::error::Error for SimulateError {}

/// The model of `config` at time step `dt` (s), its exponentials from
/// `options.exp` when given (else libm).
fn build(
    config: &NeuronConfig,
    dt: f64,
    options: &SweepOptions<'_>,
) -> crate::base::Result<AnyPrecisionModel> {
    let mut c = config.clone().with_dt(dt)?;
    if let Some(n) = options.spike_cut_length {
        c = c.with_spike_cut_length(n);
    }
    let Some(e) = options.exp else {
        return AnyPrecisionModel::new(&c, options.precision);
    };
    Ok(match options.precision {
        Precision::F64 => AnyPrecisionModel::F64(AnyModel::with_exp(&c, &|x: f64| e(x))?),
        Precision::F32 => {
            AnyPrecisionModel::F32(AnyModel::with_exp(&c, &|x: f32| e(f64::from(x)) as f32)?)
        }
    })
}

/// Simulates one sweep (AllenSDK's `simulate_sweep`): the model at the
/// sweep's `dt` on its stimulus, every output recorded. `progress` receives
/// samples done, as [`run::run_samples`]. A run that stopped with an error is a
/// result whose `end` says so.
pub fn simulate_sweep(
    config: &NeuronConfig,
    sweep: &Sweep,
    options: &SweepOptions<'_>,
    progress: &(dyn Fn(usize) + Sync),
) -> crate::base::Result<RunResult> {
    let model = build(config, sweep.dt, options)?;
    let Some(stop) = options.stop.as_deref() else {
        return Ok(run::run_samples(
            &model,
            &sweep.stimulus,
            Record::All,
            progress,
        ));
    };
    let r = match &model {
        AnyPrecisionModel::F64(m) => {
            run::run_typed_until(m, &sweep.stimulus, Record::All, Some(stop))
        }
        AnyPrecisionModel::F32(m) => {
            run::run_typed_until(m, &sweep.stimulus, Record::All, Some(stop))
        }
    };
    progress(sweep.stimulus.len());
    r.ok_or_else(|| crate::base::Error::new(crate::base::ErrorKind::Stopped))
}

/// AllenSDK's `simulate_neuron`: simulates `sweeps` of `input` with the
/// model of `config` and writes each response (NaN as
/// `options.spike_cut_value`) to `/epochs/Sweep_<n>/response/timeseries/data`
/// and its interpolated spike times to `/analysis/spike_times/Sweep_<n>`.
///
/// `output` is made as a copy of `input` (replacing an existing file only
/// with `overwrite`); `None` writes into `input` itself. One outcome per
/// sweep, in the order of `sweeps`: a sweep that cannot be read, simulated
/// or written is reported in its outcome and the others are still written.
pub fn simulate_neuron(
    input: &Path,
    output: Option<&Path>,
    overwrite: bool,
    config: &NeuronConfig,
    sweeps: &[u32],
    options: &SweepOptions<'_>,
    progress: &(dyn Fn(SweepProgress) + Sync),
) -> Result<Vec<SweepOutcome>, SimulateError> {
    // Check the input, then that the model builds (at a typical dt), before any work.
    drop(NwbFile::open(input).map_err(SimulateError::Input)?);
    build(config, 5e-6, options).map_err(SimulateError::Config)?;
    let (file, outcomes, work) = open_and_read(input, output, overwrite, sweeps)?;

    // 2. Simulate in parallel.
    let finished = AtomicU64::new(0);
    let total = work.len();
    progress(SweepProgress::Start {
        samples: work.iter().map(|s| s.stimulus.len() as u64).sum(),
        sweeps: total,
    });
    let simulated: Vec<Simulated> = work
        .par_iter()
        .map(|sweep| {
            let t0 = Instant::now();
            let last = AtomicU64::new(0);
            let r = simulate_sweep(config, sweep, options, &|done| {
                let prev = last.swap(done as u64, Ordering::Relaxed);
                progress(SweepProgress::Samples(done as u64 - prev));
            });
            let done = finished.fetch_add(1, Ordering::Relaxed) as usize + 1;
            progress(SweepProgress::Sweeps { done, total });
            let range = crate::run::Range::of(&sweep.stimulus);
            (sweep.number, sweep.dt, r, t0.elapsed().as_secs_f64(), range)
        })
        .collect();

    if stopped(options) {
        return Err(discard(file, output));
    }
    write_simulated(file, simulated, options, outcomes, sweeps)
}

/// Opens `output` (a copy of `input`, or `input` itself) for writing and
/// reads `sweeps` from it, one after another: the file, the outcomes of the
/// sweeps that could not be read, and the sweeps that were.
#[allow(clippy::type_complexity)]
fn open_and_read(
    input: &Path,
    output: Option<&Path>,
    overwrite: bool,
    sweeps: &[u32],
) -> Result<(NwbFile, Vec<SweepOutcome>, Vec<Sweep>), SimulateError> {
    let target = match output {
        Some(out) => {
            copy_for_output(input, out, overwrite).map_err(SimulateError::Output)?;
            out
        }
        None => input,
    };
    let file = NwbFile::open_rw(target).map_err(SimulateError::Output)?;

    // 1. Read every sweep, one after another.
    let mut outcomes: Vec<SweepOutcome> = Vec::new();
    let mut work = Vec::new();
    for &n in sweeps {
        match file.read_current_clamp_sweep(n) {
            Ok(sweep) => work.push(sweep),
            Err(e) => outcomes.push(SweepOutcome {
                number: n,
                samples: 0,
                dt: f64::NAN,
                spikes: 0,
                secs: 0.0,
                end: RunEnd::COMPLETED,
                error: Some(e.to_string()),
                stimulus_range: None,
            }),
        }
    }

    Ok((file, outcomes, work))
}

/// Whether `options.stop` was set.
fn stopped(options: &SweepOptions<'_>) -> bool {
    options
        .stop
        .as_ref()
        .is_some_and(|s| s.load(Ordering::Relaxed))
}

/// Stopped: writes nothing, and removes the copy made for `output`.
fn discard(file: NwbFile, output: Option<&Path>) -> SimulateError {
    drop(file);
    if let Some(out) = output {
        // Best effort: the copy is ours; failing to remove it leaves a
        // copy of the input, not a half-written output.
        let _ = std::fs::remove_file(out);
    }
    SimulateError::Stopped
}

/// (sweep number, dt s, result, seconds, stimulus range) of a simulated sweep.
type Simulated = (
    u32,
    f64,
    crate::base::Result<RunResult>,
    f64,
    Option<crate::run::Range>,
);

/// Step 3: writes each simulated sweep, one after another, and closes the
/// file. Returns `outcomes` (those of the sweeps that could not be read)
/// and the simulated sweeps' outcomes, in the order of `sweeps`.
fn write_simulated(
    mut file: NwbFile,
    simulated: Vec<Simulated>,
    options: &SweepOptions<'_>,
    mut outcomes: Vec<SweepOutcome>,
    sweeps: &[u32],
) -> Result<Vec<SweepOutcome>, SimulateError> {
    // 3. Write one after another.
    for (number, dt, r, secs, stimulus_range) in simulated {
        let mut outcome = SweepOutcome {
            number,
            samples: 0,
            dt,
            spikes: 0,
            secs,
            end: RunEnd::COMPLETED,
            error: None,
            stimulus_range,
        };
        match r {
            Err(e) => outcome.error = Some(e.to_string()),
            Ok(out) => match out.end {
                RunEnd::Failed(e) => {
                    outcome.error = Some(format!("the simulation stopped: {e}"));
                }
                end => {
                    outcome.samples = out.len();
                    outcome.spikes = out.spikes.len();
                    outcome.end = end;
                    let written = file
                        .write_response(number, &out.voltage, options.spike_cut_value)
                        .and_then(|()| {
                            file.write_spike_times(number, &out.interpolated_spike_times())
                        });
                    if let Err(e) = written {
                        outcome.error = Some(e.to_string());
                    }
                }
            },
        }
        outcomes.push(outcome);
    }
    file.close().map_err(SimulateError::Output)?;
    outcomes.sort_by_key(|o| {
        sweeps
            .iter()
            .position(|&n| n == o.number)
            .unwrap_or(usize::MAX)
    });
    Ok(outcomes)
}

/// As [`simulate_neuron`], with each sweep simulated by `run` instead of
/// the model of a config, one sweep after another on the calling thread:
/// for rules that cannot leave it (the Python package's rules written in
/// Python). `run` gets each sweep read (its `dt` is `1 / rate`) and returns
/// its result (every output recorded; an error or a failed run is reported
/// in that sweep's outcome, as for a config), or `None` to stop: nothing
/// is written then, the copy made for `output` is removed, and the result
/// is [`SimulateError::Stopped`].
pub fn simulate_neuron_each(
    input: &Path,
    output: Option<&Path>,
    overwrite: bool,
    sweeps: &[u32],
    options: &SweepOptions<'_>,
    run: &mut dyn FnMut(&Sweep) -> Option<crate::base::Result<RunResult>>,
) -> Result<Vec<SweepOutcome>, SimulateError> {
    drop(NwbFile::open(input).map_err(SimulateError::Input)?);
    let (file, outcomes, work) = open_and_read(input, output, overwrite, sweeps)?;
    let mut simulated: Vec<Simulated> = Vec::with_capacity(work.len());
    for sweep in &work {
        let t0 = Instant::now();
        let Some(r) = run(sweep) else {
            return Err(discard(file, output));
        };
        let range = crate::run::Range::of(&sweep.stimulus);
        simulated.push((sweep.number, sweep.dt, r, t0.elapsed().as_secs_f64(), range));
    }
    write_simulated(file, simulated, options, outcomes, sweeps)
}
