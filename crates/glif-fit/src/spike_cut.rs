//! Spike cut length and the `v_before` voltage reset, as AllenSDK's
//! `spike_cutting.calc_spike_cut_and_v_reset_via_expvar_residuals` finds
//! them from the Noise 1 sweeps.
//!
//! Every spike is cut out from 2 ms before its threshold to 15 ms after
//! (`find_spikes.align_and_cut_spikes`), minus `El_reference` (V). For each
//! candidate end, from 1 ms after threshold to 10 ms (or the shortest
//! inter-spike interval, if shorter), the voltage there is regressed on the
//! voltage at threshold across spikes (`scipy.stats.linregress`); the end
//! whose regression has the smallest sum of absolute residuals gives the
//! spike cut length (samples after threshold) and the reset
//! `V_after = slope * V_threshold + intercept` (both relative to El_reference).
//!
//! AllenSDK quirk kept (docs/DIFFERENCES.md): `align_and_cut_spikes` counts
//! every spike but cuts out only those whose window lies inside the sweep;
//! with a spike within 2 ms of a sweep's start or 15 ms of its end the
//! counts disagree and AllenSDK fails (IndexError). Such sweeps are refused
//! here with a message naming the spike. Its float index arrays (refused by
//! numpy 1.23 as indices) are taken as the integers they hold, as the
//! patched reference run does.

use crate::stats;
use crate::FitError;

/// Before and after threshold, s, of the cut-out spike window
/// (`find_spikes.ALIGN_CUT_WINDOW`).
pub const ALIGN_CUT_WINDOW: (f64, f64) = (0.002, 0.015);

/// The result: what `calc_spike_cut_and_v_reset_via_expvar_residuals` returns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpikeCut {
    /// Samples (at the fitting dt) from threshold to the end of the cut.
    pub spike_cut_length: usize,
    /// `v_before` reset slope (dimensionless): `a` of `method_config.a`.
    pub slope: f64,
    /// `v_before` reset intercept, V: `b`.
    pub intercept: f64,
}

/// `scipy.stats.linregress(x, y)` slope and intercept: the least-squares
/// line through the points, from the mean-centred sums as `np.cov` forms
/// them.
pub fn linregress(x: &[f64], y: &[f64]) -> Result<(f64, f64), FitError> {
    if x.len() != y.len() || x.len() < 2 {
        return Err(FitError::undetermined(
            "linear regression",
            &format!(
                "{} x and {} y values; at least 2 pairs are needed",
                x.len(),
                y.len()
            ),
        ));
    }
    let (xm, ym) = (stats::mean(x), stats::mean(y));
    let n = x.len() as f64;
    let mut sxx = 0.0;
    let mut sxy = 0.0;
    for (a, b) in x.iter().zip(y) {
        sxx += (a - xm) * (a - xm);
        sxy += (a - xm) * (b - ym);
    }
    let (ssxm, ssxym) = (sxx * (1.0 / n), sxy * (1.0 / n));
    if ssxm == 0.0 {
        return Err(FitError::undetermined(
            "linear regression",
            "all x values are identical",
        ));
    }
    let slope = ssxym / ssxm;
    Ok((slope, ym - slope * xm))
}

/// The shortest inter-spike interval, in samples, over all sweeps' spike
/// indices (the preprocessor's `min_ISI_len`, over Noise 1 and Noise 2);
/// `None` if no sweep has two spikes.
pub fn min_isi(spike_indices: &[Vec<usize>]) -> Option<usize> {
    spike_indices
        .iter()
        .flat_map(|s| s.windows(2).map(|w| w[1] - w[0]))
        .min()
}

/// The spike cut and voltage reset from the Noise 1 `voltages` (V, every
/// `dt` s), their spikes' threshold indices, `el_reference` (V) and the
/// longest cut allowed, `max_spike_cut_time` (s; the shortest ISI times
/// dt in the preprocessor).
pub fn spike_cut_and_v_reset(
    voltages: &[&[f64]],
    spike_indices: &[Vec<usize>],
    dt: f64,
    el_reference: f64,
    max_spike_cut_time: Option<f64>,
) -> Result<SpikeCut, FitError> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
    }
    if voltages.len() != spike_indices.len() {
        return Err(FitError::invalid(
            "spike index lists",
            spike_indices.len() as f64,
            &format!("one per sweep ({})", voltages.len()),
        ));
    }
    let before = (ALIGN_CUT_WINDOW.0 / dt) as usize;
    let after = (ALIGN_CUT_WINDOW.1 / dt) as usize;
    let mut shapes: Vec<Vec<f64>> = Vec::new();
    for (s, (v, idx)) in voltages.iter().zip(spike_indices).enumerate() {
        for &i in idx {
            let inside = i > before && i + after < v.len() - 1;
            if !inside {
                return Err(FitError::undetermined(
                    "spike cut length",
                    &format!(
                        "sweep {s} has a spike at sample {i}, within {} ms of the sweep's start or {} ms of its end; AllenSDK's spike cutting fails on such sweeps (its spike count and cut-out spikes disagree)",
                        ALIGN_CUT_WINDOW.0 * 1e3,
                        ALIGN_CUT_WINDOW.1 * 1e3
                    ),
                ));
            }
            shapes.push(
                v[i - before..i + after]
                    .iter()
                    .map(|x| x - el_reference)
                    .collect(),
            );
        }
    }
    if shapes.len() < 2 {
        return Err(FitError::undetermined(
            "spike cut length",
            &format!(
                "{} spikes in the Noise 1 sweeps; at least 2 are needed",
                shapes.len()
            ),
        ));
    }
    let first = (0.001 / dt) as usize;
    let last = match max_spike_cut_time {
        Some(m) if m != 0.0 && m < 0.010 => (m / dt) as usize,
        _ => (0.010 / dt) as usize,
    };
    if last <= first {
        return Err(FitError::undetermined(
            "spike cut length",
            &format!(
                "the shortest inter-spike interval ({:?} s) leaves no cut end between 1 ms and it",
                max_spike_cut_time
            ),
        ));
    }
    let xdata: Vec<f64> = shapes.iter().map(|s| s[before]).collect();
    let mut best: Option<(f64, usize)> = None;
    for ii in first..last {
        let ydata: Vec<f64> = shapes.iter().map(|s| s[before + ii]).collect();
        let (slope, intercept) = linregress(&xdata, &ydata)?;
        let mut sum = 0.0;
        for (x, y) in xdata.iter().zip(&ydata) {
            sum += (y - (slope * x + intercept)).abs();
        }
        if best.is_none_or(|(b, _)| sum < b) {
            best = Some((sum, ii));
        }
    }
    let (_, ii) = best.expect("the range is not empty");
    let ydata: Vec<f64> = shapes.iter().map(|s| s[before + ii]).collect();
    let (slope, intercept) = linregress(&xdata, &ydata)?;
    Ok(SpikeCut {
        spike_cut_length: before + ii - (ALIGN_CUT_WINDOW.0 / dt) as usize,
        slope,
        intercept,
    })
}
