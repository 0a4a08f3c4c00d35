//! What a scientist looks at to judge a preprocessing: the data each
//! estimate was fitted to beside the fitted curve (the RC fit, the spike
//! cut, the threshold fits, the after-spike currents). Computed by
//! [`crate::preprocess::preprocess`] from the sweeps it already loaded;
//! nothing here changes a preprocessor value. Units SI: V, A, s.

use crate::rc::RcEl;
use crate::threshold::{SpikeComponent, TriplePoints};

/// The data behind each figure of `glif fit --plot`.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostics {
    /// The fitting time step, s.
    pub dt: f64,
    /// RC fit: the first Noise 1 sweep's number.
    pub rc_sweep: u32,
    /// Its R, C and El (least squares on the window below).
    pub rc: RcEl,
    /// Its measured voltage over the fitted window (stimulus start to 6 s),
    /// V.
    pub rc_measured: Vec<f64>,
    /// The passive membrane `C dV/dt = I - (V - El)/R` with those R, C and
    /// El, driven by the sweep's current from the measured first voltage
    /// (forward Euler at `dt`), V.
    pub rc_model: Vec<f64>,
    /// Spike cut: the mean Noise 1 spike, relative to El_reference (V),
    /// from [`Diagnostics::spike_window_start`] s around the threshold
    /// crossing, one sample every `dt`.
    pub spike_mean: Vec<f64>,
    /// Time of `spike_mean[0]` relative to the threshold crossing, s
    /// (negative).
    pub spike_window_start: f64,
    /// The chosen cut length, s.
    pub spike_cut_time: f64,
    /// Each Noise 1 spike's voltage at threshold relative to
    /// El_reference (V): the reset fit's x.
    pub v_before: Vec<f64>,
    /// Each spike's voltage one cut length later relative to El_reference
    /// (V): the reset fit's y (`v_after = slope v_before + intercept`).
    pub v_after: Vec<f64>,
    /// th_inf: the smallest suprathreshold short square's voltage from its
    /// stimulus start, V.
    pub th_inf_trace: Vec<f64>,
    /// Its sweep number.
    pub th_inf_sweep: u32,
    /// Its first spike's threshold voltage, V (th_inf is this minus the
    /// sweep's resting potential).
    pub th_inf_voltage: f64,
    /// The sample of `th_inf_trace` at that threshold (the first sample
    /// equal to it).
    pub th_inf_index: usize,
    /// The triple's points and the spike component fitted to them (None:
    /// no usable triple).
    pub triple: Option<(TriplePoints, SpikeComponent)>,
}

/// The passive membrane's response (V) to `current` (A) from `v0` (V),
/// forward Euler at `dt` (s): `v[k+1] = v[k] + dt (I[k] - (v[k] - El)/R)/C`.
pub fn passive_response(current: &[f64], rc: RcEl, v0: f64, dt: f64) -> Vec<f64> {
    let mut v = Vec::with_capacity(current.len());
    let mut x = v0;
    for &i in current {
        v.push(x);
        x += dt * (i - (x - rc.el) / rc.r) / rc.c;
    }
    v
}

/// The mean of the windows `[i - before, i + after)` of `voltages` around
/// every spike index (skipping windows that leave the sweep), minus `el`.
pub fn mean_spike(
    voltages: &[&[f64]],
    spikes: &[Vec<usize>],
    before: usize,
    after: usize,
    el: f64,
) -> Vec<f64> {
    let mut sum = vec![0.0; before + after];
    let mut n = 0usize;
    for (v, idx) in voltages.iter().zip(spikes) {
        for &i in idx {
            if i >= before && i + after <= v.len() {
                for (s, x) in sum.iter_mut().zip(&v[i - before..i + after]) {
                    *s += x - el;
                }
                n += 1;
            }
        }
    }
    if n > 0 {
        sum.iter_mut().for_each(|s| *s /= n as f64);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passive_response_relaxes_to_el_plus_ir() {
        let rc = RcEl {
            r: 1e8,
            c: 1e-10,
            el: -0.07,
        };
        // tau = 10 ms; 200 ms of 100 pA at 50 us: 20 time constants.
        let v = passive_response(&vec![1e-10; 4000], rc, -0.07, 5e-5);
        let end = *v.last().unwrap();
        assert!((end - (-0.07 + 0.01)).abs() < 1e-9, "{end}");
        assert_eq!(v[0], -0.07);
    }

    #[test]
    fn mean_spike_skips_windows_outside_the_sweep() {
        let v = [0.0, 1.0, 2.0, 3.0, 4.0];
        let m = mean_spike(&[&v], &[vec![0, 2, 4]], 1, 2, 1.0);
        // Only the spike at 2 fits [1, 4).
        assert_eq!(m, vec![0.0, 1.0, 2.0]);
    }
}
