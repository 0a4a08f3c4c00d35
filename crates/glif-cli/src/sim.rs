//! Running a configured model on a stimulus, into f64 results.

use glif_core::{Float, Outcome, Recorder, RunError, Spike};

use crate::config::Config;
use crate::error::CliError;
use crate::with_n;

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
}

/// The results of a run, widened to f64 (exactly, for f32 runs).
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Time step (s).
    pub dt: f64,
    /// Number of samples of the stimulus.
    pub n_samples: usize,
    /// Number of after-spike currents.
    pub n_asc: usize,
    /// Whether traces were recorded (`--record all`).
    pub traces: bool,
    /// Voltage per sample (V), NaN inside spike cuts.
    pub voltage: Vec<f64>,
    /// Threshold per sample (V).
    pub threshold: Vec<f64>,
    /// After-spike currents, row-major `n_samples x n_asc` (A).
    pub asc: Vec<f64>,
    /// Spikes in order.
    pub spikes: Vec<Spike<f64>>,
    /// How the run ended.
    pub outcome: Outcome,
}

struct VecRecorder<const N: usize> {
    traces: bool,
    voltage: Vec<f64>,
    threshold: Vec<f64>,
    asc: Vec<f64>,
    spikes: Vec<Spike<f64>>,
}

impl<F: Float, const N: usize> Recorder<F, N> for VecRecorder<N> {
    #[inline(always)]
    fn sample(&mut self, _index: usize, v: F, th: F, asc: &[F; N]) {
        if self.traces {
            self.voltage.push(v.to_f64());
            self.threshold.push(th.to_f64());
            self.asc.extend(asc.iter().map(|a| a.to_f64()));
        }
    }
    fn spike(&mut self, s: &Spike<F>) {
        self.spikes.push(Spike {
            step: s.step,
            grid_time: s.grid_time.to_f64(),
            time: s.time.to_f64(),
            voltage: s.voltage.to_f64(),
            threshold: s.threshold.to_f64(),
        });
    }
}

/// What to run.
pub struct RunSpec<'a> {
    /// The model.
    pub config: &'a Config,
    /// Time step (s).
    pub dt: f64,
    /// Override of `spike_cut_length`.
    pub spike_cut_length: Option<u32>,
    /// Precision.
    pub precision: Precision,
    /// Record the traces (else spikes only).
    pub traces: bool,
}

/// Checks that the model builds with these settings (validation only).
pub fn check(spec: &RunSpec<'_>) -> Result<(), CliError> {
    with_n!(spec.config.n_asc(), N => match spec.precision {
        Precision::F64 => spec.config.build::<f64, N>(spec.dt, spec.spike_cut_length).map(|_| ()),
        Precision::F32 => spec.config.build::<f32, N>(spec.dt, spec.spike_cut_length).map(|_| ()),
    })
}

/// Runs `stimulus` (A per sample); `progress` is called with the number of
/// samples done after each chunk.
pub fn run(
    spec: &RunSpec<'_>,
    stimulus: &[f64],
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunOutput, CliError> {
    with_n!(spec.config.n_asc(), N => match spec.precision {
        Precision::F64 => run_typed::<f64, N>(spec, stimulus, progress),
        Precision::F32 => run_typed::<f32, N>(spec, stimulus, progress),
    })
}

const CHUNK: usize = 1 << 16;

fn run_typed<F: Float, const N: usize>(
    spec: &RunSpec<'_>,
    stimulus: &[f64],
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunOutput, CliError> {
    let model = spec.config.build::<F, N>(spec.dt, spec.spike_cut_length)?;
    let n = stimulus.len();
    let mut rec = VecRecorder::<N> {
        traces: spec.traces,
        voltage: Vec::with_capacity(if spec.traces { n } else { 0 }),
        threshold: Vec::with_capacity(if spec.traces { n } else { 0 }),
        asc: Vec::with_capacity(if spec.traces { n * N } else { 0 }),
        spikes: Vec::new(),
    };
    let mut neuron = model.neuron();
    let mut buf: Vec<F> = Vec::with_capacity(CHUNK.min(n));
    let mut outcome = Outcome::Completed;
    let mut done = 0;
    for chunk in stimulus.chunks(CHUNK) {
        buf.clear();
        buf.extend(chunk.iter().map(|&x| F::from_f64(x)));
        outcome = neuron.run(&buf, &mut rec).map_err(run_error)?;
        done += chunk.len();
        progress(done);
    }
    Ok(RunOutput {
        dt: spec.dt,
        n_samples: n,
        n_asc: N,
        traces: spec.traces,
        voltage: rec.voltage,
        threshold: rec.threshold,
        asc: rec.asc,
        spikes: rec.spikes,
        outcome,
    })
}

fn run_error(e: RunError) -> CliError {
    CliError::other(format!("the simulation stopped: {e}"))
}
