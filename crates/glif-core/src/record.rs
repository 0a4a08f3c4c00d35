//! Where a run's outputs go. A [`Recorder`] receives every sample and every
//! spike; it can store traces, keep only spikes, or count.

use crate::float::Float;

/// One spike, as AllenSDK reports it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Spike<F> {
    /// The sample at which `v1 > th1` (AllenSDK's `spike_time_steps`).
    pub step: usize,
    /// `step * dt` (s) (`grid_spike_times`).
    pub grid_time: F,
    /// Linearly interpolated crossing time (s) (`interpolated_spike_times`):
    /// `step*dt + dt*(th0 - v0)/((v1 - v0) - (th1 - th0))`.
    pub time: F,
    /// Voltage (V) at `time + dt`, extrapolated on the line through `v0`, `v1`
    /// (`interpolated_spike_voltage`; AllenSDK measures the offset from the
    /// sample before, so the value lies one `dt` past the crossing).
    pub voltage: F,
    /// Threshold (V) on the same terms (`interpolated_spike_threshold`).
    pub threshold: F,
}

impl<F: Float> Spike<F> {
    /// The same spike in `f64` (`f32` converts exactly).
    pub fn to_f64(&self) -> Spike<f64> {
        Spike {
            step: self.step,
            grid_time: self.grid_time.to_f64(),
            time: self.time.to_f64(),
            voltage: self.voltage.to_f64(),
            threshold: self.threshold.to_f64(),
        }
    }
}

/// Receives a run's outputs.
///
/// `sample` is called once for every sample of the stimulus, in order, with
/// the values AllenSDK's `run()` stores there (NaN inside a spike cut and
/// after a bad-reset stop). `spike` is called once per spike, after the
/// spike's own sample.
pub trait Recorder<F: Float, const N: usize> {
    /// The values at sample `index`: voltage (V), threshold (V), after-spike currents (A).
    fn sample(&mut self, index: usize, v: F, th: F, asc: &[F; N]);
    /// Sample `index` is NaN (inside a spike cut, or after a bad-reset stop).
    /// By default this records NaN values through [`Recorder::sample`].
    #[inline(always)]
    fn nan_sample(&mut self, index: usize) {
        self.sample(index, F::NAN, F::NAN, &[F::NAN; N]);
    }
    /// A spike.
    fn spike(&mut self, spike: &Spike<F>);
}

/// Records nothing: for runs whose only output is the final state, or for
/// callers that step a [`crate::Neuron`] and look at its return values.
impl<F: Float, const N: usize> Recorder<F, N> for () {
    #[inline(always)]
    fn sample(&mut self, _: usize, _: F, _: F, _: &[F; N]) {}
    #[inline(always)]
    fn spike(&mut self, _: &Spike<F>) {}
}

impl<F: Float, const N: usize, R: Recorder<F, N> + ?Sized> Recorder<F, N> for &mut R {
    #[inline(always)]
    fn sample(&mut self, index: usize, v: F, th: F, asc: &[F; N]) {
        (**self).sample(index, v, th, asc)
    }
    #[inline(always)]
    fn nan_sample(&mut self, index: usize) {
        (**self).nan_sample(index)
    }
    #[inline(always)]
    fn spike(&mut self, spike: &Spike<F>) {
        (**self).spike(spike)
    }
}

/// AllenSDK's `interpolate_spike_time`: the time (s) where the voltage
/// line from `v0` to `v1` crosses the threshold line from `th0` to `th1`
/// (V) in the step of length `dt` (s) that starts at sample `time_step`:
/// `time_step*dt + dt*(th0 - v0)/((v1 - v0) - (th1 - th0))`.
#[inline(always)]
pub fn interpolate_spike_time<F: Float>(dt: F, time_step: i64, th0: F, th1: F, v0: F, v1: F) -> F {
    F::from_step(time_step) * dt + dt * (th0 - v0) / ((v1 - v0) - (th1 - th0))
}

/// AllenSDK's `interpolate_spike_value`: a quantity going from `x0` to `x1`
/// over a step of `dt` (s), at `offset` (s) into it: `x0 + (x1 - x0)*offset/dt`.
#[inline(always)]
pub fn interpolate_spike_value<F: Float>(dt: F, offset: F, x0: F, x1: F) -> F {
    x0 + (x1 - x0) * offset / dt
}

/// Calls a closure for every spike; records no trace: the no-heap way to
/// keep spikes only (count them, keep the first, stream them out as they
/// happen, as firmware does). With `std`, glif-io's `SpikeTrain` is the
/// spikes-only recorder that keeps them all.
#[derive(Clone, Copy, Debug)]
pub struct OnSpike<C>(pub C);

impl<F: Float, const N: usize, C: FnMut(&Spike<F>)> Recorder<F, N> for OnSpike<C> {
    #[inline(always)]
    fn sample(&mut self, _: usize, _: F, _: F, _: &[F; N]) {}
    #[inline]
    fn spike(&mut self, spike: &Spike<F>) {
        (self.0)(spike)
    }
}

/// Records into caller-owned slices: traces of one value per sample, and up
/// to `spikes.len()` spikes. Samples beyond a trace slice's length and spikes
/// beyond the spike slice's capacity are counted, not stored (check
/// [`SliceRecorder::spikes_dropped`]).
#[derive(Debug)]
pub struct SliceRecorder<'a, F, const N: usize> {
    /// Voltage per sample (V).
    pub voltage: &'a mut [F],
    /// Threshold per sample (V).
    pub threshold: &'a mut [F],
    /// After-spike currents per sample (A).
    pub asc: &'a mut [[F; N]],
    /// Spikes, in order.
    pub spikes: &'a mut [Spike<F>],
    /// How many spikes were stored in `spikes`.
    pub spike_count: usize,
    /// How many spikes did not fit.
    pub spikes_dropped: usize,
}

impl<'a, F, const N: usize> SliceRecorder<'a, F, N> {
    /// Records into these slices (each trace as long as the stimulus; the
    /// spike slice as long as the most spikes you want kept).
    pub fn new(
        voltage: &'a mut [F],
        threshold: &'a mut [F],
        asc: &'a mut [[F; N]],
        spikes: &'a mut [Spike<F>],
    ) -> Self {
        SliceRecorder {
            voltage,
            threshold,
            asc,
            spikes,
            spike_count: 0,
            spikes_dropped: 0,
        }
    }

    /// The spikes recorded so far.
    pub fn recorded_spikes(&self) -> &[Spike<F>] {
        &self.spikes[..self.spike_count]
    }
}

impl<F: Float, const N: usize> Recorder<F, N> for SliceRecorder<'_, F, N> {
    #[inline(always)]
    fn sample(&mut self, index: usize, v: F, th: F, asc: &[F; N]) {
        if let Some(x) = self.voltage.get_mut(index) {
            *x = v;
        }
        if let Some(x) = self.threshold.get_mut(index) {
            *x = th;
        }
        if let Some(x) = self.asc.get_mut(index) {
            *x = *asc;
        }
    }

    #[inline]
    fn spike(&mut self, spike: &Spike<F>) {
        match self.spikes.get_mut(self.spike_count) {
            Some(slot) => {
                *slot = *spike;
                self.spike_count += 1;
            }
            None => self.spikes_dropped += 1,
        }
    }
}
