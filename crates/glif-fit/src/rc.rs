//! Membrane resistance R (ohm), capacitance C (F) and resting potential El
//! (V) by least squares, as AllenSDK's `rc.least_squares_RCEl_calc_tested`:
//! for each sweep, the regression `V[t+1] = a V[t] + b I[t] + c` (V in
//! volts, I in amperes, one step `dt` seconds) over every sample but the
//! last, giving `C = dt / b`, `R = -b / (a - 1)`, `El = -c / (a - 1)`
//! (the forward-Euler step of `C dV/dt = -(V - El)/R + I`).
//!
//! The regression is solved on centred, scaled columns (see
//! [`crate::linalg`]); AllenSDK's `np.linalg.lstsq` on the raw columns
//! (volts, amperes near 1e-10, ones) carries rounding errors of up to about
//! 7e-7 relative in R (a - 1 is small, so the error in `a` is amplified),
//! which is the difference between the two (docs/DIFFERENCES.md); against
//! an extended-precision solution the values here agree to about 1e-12.
//!
//! The preprocessor applies it to the subthreshold first epoch of each
//! Noise 1 sweep ([`noise1_subthreshold_window`]) and averages the sweeps.

use crate::linalg::lstsq_with_intercept;
use crate::FitError;

/// One sweep's estimates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RcEl {
    /// Membrane resistance, ohm.
    pub r: f64,
    /// Membrane capacitance, F.
    pub c: f64,
    /// Resting potential, V.
    pub el: f64,
}

/// R, C and El of one sweep: `voltage` in V, `current` in A, both sampled
/// every `dt` seconds (same length, at least 4 samples).
pub fn rc_el(voltage: &[f64], current: &[f64], dt: f64) -> Result<RcEl, FitError> {
    if voltage.len() != current.len() {
        return Err(FitError::invalid(
            "current samples",
            current.len() as f64,
            &format!("as many as the voltage's {}", voltage.len()),
        ));
    }
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
    }
    let n = voltage.len();
    if n < 4 {
        return Err(FitError::undetermined(
            "R, C, El",
            &format!("{n} samples; at least 4 are needed"),
        ));
    }
    let cols = vec![voltage[..n - 1].to_vec(), current[..n - 1].to_vec()];
    let (x, c) = lstsq_with_intercept(&cols, &voltage[1..], "R, C, El least squares")?;
    let (a, b) = (x[0], x[1]);
    Ok(RcEl {
        c: dt / b,
        r: -b / (a - 1.0),
        el: -c / (a - 1.0),
    })
}

/// [`rc_el`] of each sweep (AllenSDK returns the three lists; the
/// preprocessor then takes their means, [`crate::stats::mean`]).
pub fn rc_el_sweeps(
    voltages: &[&[f64]],
    currents: &[&[f64]],
    dt: f64,
) -> Result<Vec<RcEl>, FitError> {
    if voltages.len() != currents.len() {
        return Err(FitError::invalid(
            "current sweeps",
            currents.len() as f64,
            &format!("as many as the voltage sweeps ({})", voltages.len()),
        ));
    }
    voltages
        .iter()
        .zip(currents)
        .map(|(v, i)| rc_el(v, i, dt))
        .collect()
}

/// The samples of a Noise 1 sweep the preprocessor regresses on: from the
/// stimulus start `start_idx` up to `int(6 / dt)` (6 s, hard-coded by
/// AllenSDK: the first noise epoch and the quiet stretch around it).
pub fn noise1_subthreshold_window(start_idx: usize, dt: f64) -> core::ops::Range<usize> {
    start_idx..(6.0 / dt) as usize
}
