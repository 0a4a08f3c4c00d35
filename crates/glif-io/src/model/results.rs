//! Result buffers: every output AllenSDK's `GlifNeuron.run()` returns
//! ([`RunResult`]), or only the spikes ([`SpikeTrain`]), plus how the run
//! ended ([`RunEnd`]). Values are stored as `f64` whatever the precision of
//! the run (`f32` converts exactly).

use super::trace_buffer;
use glif_core::{Float, Outcome, Recorder, RunError, Spike};

/// The value AllenSDK's `simulate_neuron` writes in place of the NaN
/// voltages of spike cuts (V).
pub const SPIKE_CUT_VALUE: f64 = 0.05;

/// How a run ended: glif-core's [`Outcome`] of a run that went to its end
/// (every sample integrated, or stopped after a bad reset), or the
/// [`RunError`] that stopped it (outputs before it are kept). The one text
/// every front end shows for it is [`RunEnd::message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The run went to its end: [`Outcome::Completed`], or
    /// [`Outcome::BadReset`] (as AllenSDK does, five samples after the cut
    /// hold the reset values and every sample from `stopped_at` on is NaN).
    Ended(Outcome),
    /// The run stopped with an error at a sample; outputs before it are kept.
    Failed(RunError),
}

impl Default for RunEnd {
    /// Completed.
    fn default() -> Self {
        RunEnd::Ended(Outcome::Completed)
    }
}

impl From<Result<Outcome, RunError>> for RunEnd {
    fn from(r: Result<Outcome, RunError>) -> Self {
        match r {
            Ok(o) => RunEnd::Ended(o),
            Err(e) => RunEnd::Failed(e),
        }
    }
}

impl From<Outcome> for RunEnd {
    fn from(o: Outcome) -> Self {
        RunEnd::Ended(o)
    }
}

impl RunEnd {
    /// Every sample was integrated.
    pub const COMPLETED: RunEnd = RunEnd::Ended(Outcome::Completed);

    /// glif-core's view of it: the [`Outcome`] of a run that did not fail,
    /// else the [`RunError`].
    pub fn outcome(&self) -> Result<Outcome, RunError> {
        match *self {
            RunEnd::Ended(o) => Ok(o),
            RunEnd::Failed(e) => Err(e),
        }
    }

    /// How the run ended, in words: the one text every front end shows for
    /// it. `dt` (s), when given, adds the time of a bad reset.
    pub fn message(&self, dt: Option<f64>) -> String {
        match *self {
            RunEnd::Ended(Outcome::Completed) => "every sample was integrated".into(),
            RunEnd::Ended(Outcome::BadReset {
                spike_step,
                stopped_at,
            }) => {
                let at = dt
                    .map(|dt| format!(" (t = {} s)", spike_step as f64 * dt))
                    .unwrap_or_default();
                format!(
                    "bad reset after the spike at step {spike_step}{at}: the reset voltage was \
                     above the reset threshold; as AllenSDK does, the reset values were held for \
                     {} samples and the run stopped: samples from {stopped_at} on are NaN",
                    glif_core::BAD_RESET_FILL
                )
            }
            RunEnd::Failed(e) => e.to_string(),
        }
    }
}

impl std::fmt::Display for RunEnd {
    /// `completed`, the bad reset's [`RunEnd::message`], or `failed: ` and the error.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunEnd::Ended(Outcome::Completed) => f.write_str("completed"),
            RunEnd::Ended(Outcome::BadReset { .. }) => f.write_str(&self.message(None)),
            RunEnd::Failed(e) => write!(f, "failed: {e}"),
        }
    }
}

/// Every output of a run, as AllenSDK's `run()` returns them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunResult {
    /// `voltage` (V), one per sample; NaN inside spike cuts.
    pub voltage: Vec<f64>,
    /// `threshold` (V), one per sample.
    pub threshold: Vec<f64>,
    /// The number of after-spike currents (columns of `AScurrents`).
    pub asc_count: usize,
    /// `AScurrents` (A), samples x currents, row-major.
    pub asc: Vec<f64>,
    /// The spikes, in order.
    pub spikes: Vec<Spike<f64>>,
    /// How the run ended.
    pub end: RunEnd,
}

impl RunResult {
    /// An empty buffer for `asc_count` currents with room for `samples`
    /// (on Linux, large buffers are advised for transparent huge pages:
    /// fewer page faults on first touch; see `trace_buffer`).
    pub fn new(asc_count: usize, samples: usize) -> Self {
        RunResult {
            voltage: trace_buffer::with_capacity(samples),
            threshold: trace_buffer::with_capacity(samples),
            asc_count,
            asc: trace_buffer::with_capacity(samples.saturating_mul(asc_count)),
            spikes: Vec::new(),
            end: RunEnd::COMPLETED,
        }
    }

    /// A spikes-only result: no traces, the spikes and end of `spikes`.
    pub fn from_spikes(asc_count: usize, spikes: SpikeTrain) -> Self {
        RunResult {
            asc_count,
            spikes: spikes.spikes,
            end: spikes.end,
            ..RunResult::default()
        }
    }

    /// Number of samples recorded.
    pub fn len(&self) -> usize {
        self.voltage.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.voltage.is_empty()
    }

    /// The after-spike currents at sample `i` (empty past the end).
    pub fn asc_row(&self, i: usize) -> &[f64] {
        let n = self.asc_count;
        self.asc.get(i * n..(i + 1) * n).unwrap_or(&[])
    }

    /// `spike_time_steps`.
    pub fn spike_time_steps(&self) -> Vec<usize> {
        self.spikes.iter().map(|s| s.step).collect()
    }
    /// `grid_spike_times` (s).
    pub fn grid_spike_times(&self) -> Vec<f64> {
        self.spikes.iter().map(|s| s.grid_time).collect()
    }
    /// `interpolated_spike_times` (s).
    pub fn interpolated_spike_times(&self) -> Vec<f64> {
        self.spikes.iter().map(|s| s.time).collect()
    }
    /// `interpolated_spike_voltage` (V).
    pub fn interpolated_spike_voltage(&self) -> Vec<f64> {
        self.spikes.iter().map(|s| s.voltage).collect()
    }
    /// `interpolated_spike_threshold` (V).
    pub fn interpolated_spike_threshold(&self) -> Vec<f64> {
        self.spikes.iter().map(|s| s.threshold).collect()
    }

    /// The voltage with NaN samples replaced by `value`, as AllenSDK's
    /// `simulate_neuron` does with [`SPIKE_CUT_VALUE`].
    pub fn voltage_with_spike_cut_value(&self, value: f64) -> Vec<f64> {
        self.voltage
            .iter()
            .map(|&v| if v.is_nan() { value } else { v })
            .collect()
    }

    /// True when both hold the same outputs, bit for bit (NaN equals NaN);
    /// [`RunResult::end`] is not compared (result files do not store it).
    pub fn same_outputs(&self, other: &RunResult) -> bool {
        fn same(a: &[f64], b: &[f64]) -> bool {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
        }
        let spike_values = |r: &RunResult| -> Vec<f64> {
            r.spikes
                .iter()
                .flat_map(|s| [s.grid_time, s.time, s.voltage, s.threshold])
                .collect()
        };
        same(&self.voltage, &other.voltage)
            && same(&self.threshold, &other.threshold)
            && self.asc_count == other.asc_count
            && same(&self.asc, &other.asc)
            && self.spike_time_steps() == other.spike_time_steps()
            && same(&spike_values(self), &spike_values(other))
    }
}

/// The spikes of the five spike outputs, which must have one value per step.
pub(crate) fn spikes_from(
    steps: &[usize],
    grid: &[f64],
    time: &[f64],
    voltage: &[f64],
    threshold: &[f64],
) -> crate::base::Result<Vec<Spike<f64>>> {
    let n = steps.len();
    for (key, len) in [
        ("grid_spike_times", grid.len()),
        ("interpolated_spike_times", time.len()),
        ("interpolated_spike_voltage", voltage.len()),
        ("interpolated_spike_threshold", threshold.len()),
    ] {
        if len != n {
            return Err(crate::base::Error::results(
                key,
                format!("has {len} values, expected {n} (one per spike_time_steps)"),
            ));
        }
    }
    Ok((0..n)
        .map(|i| Spike {
            step: steps[i],
            grid_time: grid[i],
            time: time[i],
            voltage: voltage[i],
            threshold: threshold[i],
        })
        .collect())
}

/// A result from its parts, checking their lengths agree.
pub(crate) fn assemble(
    voltage: Vec<f64>,
    threshold: Vec<f64>,
    asc_count: usize,
    asc: Vec<f64>,
    spikes: Vec<Spike<f64>>,
) -> crate::base::Result<RunResult> {
    if threshold.len() != voltage.len() {
        return Err(crate::base::Error::results(
            "threshold",
            format!(
                "has {} samples, voltage has {}",
                threshold.len(),
                voltage.len()
            ),
        ));
    }
    if asc.len() != voltage.len() * asc_count {
        return Err(crate::base::Error::results(
            "AScurrents",
            format!(
                "has {} values, expected {} samples x {asc_count} currents",
                asc.len(),
                voltage.len()
            ),
        ));
    }
    Ok(RunResult {
        voltage,
        threshold,
        asc_count,
        asc,
        spikes,
        end: Default::default(),
    })
}

impl<F: Float, const N: usize> Recorder<F, N> for RunResult {
    #[inline]
    fn sample(&mut self, _index: usize, v: F, th: F, asc: &[F; N]) {
        self.voltage.push(v.to_f64());
        self.threshold.push(th.to_f64());
        self.asc.extend(asc.iter().map(|a| a.to_f64()));
    }

    #[inline]
    fn nan_sample(&mut self, _index: usize) {
        self.voltage.push(f64::NAN);
        self.threshold.push(f64::NAN);
        self.asc.extend(core::iter::repeat_n(f64::NAN, N));
    }

    fn spike(&mut self, spike: &Spike<F>) {
        self.spikes.push(spike.to_f64());
    }
}

/// Only the spikes of a run (for `--record spikes`): constant memory per
/// sample. The one spikes-only recorder: glif-core, without a heap, offers
/// `glif_core::OnSpike` (a closure per spike) instead.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeTrain {
    /// The spikes, in order.
    pub spikes: Vec<Spike<f64>>,
    /// How the run ended.
    pub end: RunEnd,
}

impl<F: Float, const N: usize> Recorder<F, N> for SpikeTrain {
    #[inline(always)]
    fn sample(&mut self, _: usize, _: F, _: F, _: &[F; N]) {}
    #[inline(always)]
    fn nan_sample(&mut self, _: usize) {}
    fn spike(&mut self, spike: &Spike<F>) {
        self.spikes.push(spike.to_f64());
    }
}
