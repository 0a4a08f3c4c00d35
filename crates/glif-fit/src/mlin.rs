//! The optimizer's error function: AllenSDK's `MLIN_list_error`
//! (`allensdk.internal.model.glif.error_functions`), the negative log
//! likelihood of the recorded spikes under a Laplace-distributed threshold
//! noise, from forced-spike runs ([`crate::forced`]).
//!
//! Per sweep, the model's `threshold - voltage` difference `d` (V) is taken
//! at one step per bin: in each 5 ms bin ending at a recorded spike (the
//! first step of smallest `d`; the model should be near threshold there),
//! and in bins of `tau_from_AC` between the end of each spike cut and 5 ms
//! before the next spike (the last step of smallest `d`; the model should
//! stay below threshold). With the Laplace scale `sv` (V), a no-spike bin
//! contributes `log P(no spike)` = `-log 2 + d/sv` for `d <= 0` and
//! `log(1 - exp(-d/sv)/2)` for `d > 0`; a spike bin `log(1 - exp(d/sv)/2)`
//! for `d <= 0` and `-log 2 - d/sv` for `d > 0`. A sweep's MLIN is minus
//! the sum (no-spike bins with `d <= 0` first, then `d > 0`, then the spike
//! bins likewise, summed one after another as Python's `sum` does); the
//! error is numpy's mean over sweeps. `exp` and `ln` are the C library's,
//! which numpy 1.23 calls on CPUs without AVX-512F.

use crate::filter::numpy_sum;
use crate::FitError;

/// The noise statistics `MLIN_list_error` reads (`error_function_data`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MlinData {
    /// `sv_for_expsymm`: the Laplace scale (V).
    pub sv: f64,
    /// `tau_from_AC`: the no-spike bin length (s).
    pub tau_from_ac: f64,
}

/// AllenSDK's spike-bin length (s).
pub const SPIKE_BIN_S: f64 = 0.005;

/// Python's index: negative counts from the end.
fn at(x: &[f64], i: i64) -> Result<f64, FitError> {
    let n = x.len() as i64;
    let k = if i < 0 { n + i } else { i };
    if k < 0 || k >= n {
        return Err(FitError::undetermined(
            "MLIN bins",
            &format!("index {i} is outside the sweep's {n} samples"),
        ));
    }
    Ok(x[k as usize])
}

/// One sweep's MLIN: `spikes` the recorded spike indices, `v`, `th` the
/// forced run's voltage and threshold (V), `dt` the fitting step (s).
pub fn mlin_sweep(
    spikes: &[usize],
    v: &[f64],
    th: &[f64],
    spike_cut_length: usize,
    dt: f64,
    data: MlinData,
) -> Result<f64, FitError> {
    if v.len() != th.len() {
        return Err(FitError::undetermined(
            "MLIN",
            &format!(
                "the voltage has {} samples and the threshold {}: expected one run's traces",
                v.len(),
                th.len()
            ),
        ));
    }
    let diff: Vec<f64> = th.iter().zip(v).map(|(t, v)| t - v).collect();
    mlin_sweep_diff(spikes, &diff, spike_cut_length, dt, data)
}

/// The values at Python's indices `lo..hi` of `x` (negative ones count
/// from the end): a slice of `x` when the range lies inside it, else
/// gathered into `buf`.
fn bin<'a>(x: &'a [f64], lo: i64, hi: i64, buf: &'a mut Vec<f64>) -> Result<&'a [f64], FitError> {
    if lo >= 0 && hi <= x.len() as i64 {
        return Ok(x.get(lo as usize..hi.max(lo) as usize).unwrap_or(&[]));
    }
    buf.clear();
    for i in lo..hi {
        buf.push(at(x, i)?);
    }
    Ok(buf)
}

/// [`mlin_sweep`] from the run's `threshold - voltage` difference `diff`
/// (V, one value per fitting step): the same bins, values and sums.
pub fn mlin_sweep_diff(
    spikes: &[usize],
    diff: &[f64],
    spike_cut_length: usize,
    dt: f64,
    data: MlinData,
) -> Result<f64, FitError> {
    if spikes.is_empty() {
        return Err(FitError::undetermined(
            "MLIN",
            "there are no spikes in the sweep",
        ));
    }
    let nospike_bin = (data.tau_from_ac / dt) as i64;
    let spike_bin = (SPIKE_BIN_S / dt) as i64;
    if nospike_bin <= 0 {
        return Err(FitError::invalid(
            "tau_from_AC",
            data.tau_from_ac,
            "at least one fitting step (the no-spike bin length)",
        ));
    }
    let s: Vec<i64> = spikes.iter().map(|&x| x as i64).collect();
    let scl = spike_cut_length as i64;
    // Between-spike edges, then no-spike bins in each.
    let mut between = vec![(0i64, s[0] - spike_bin)];
    for w in s.windows(2) {
        between.push((w[0] + scl, w[1] - spike_bin));
    }
    let mut buf = Vec::new();
    let mut nospike_d = Vec::new();
    for &(a, b) in &between {
        let mut edges: Vec<i64> = (a..b).step_by(nospike_bin as usize).collect();
        edges.push(b);
        for e in edges.windows(2) {
            let (lo, hi) = (e[0], e[1]);
            let d = bin(diff, lo, hi, &mut buf)?;
            // Python's min(): the first element, replaced by any smaller one.
            let mut m = f64::NAN;
            for (k, &x) in d.iter().enumerate() {
                if k == 0 || x < m {
                    m = x;
                }
            }
            // The last index where the difference equals the minimum.
            let x = d.iter().rev().find(|&&x| x == m).ok_or_else(|| {
                FitError::undetermined(
                    "MLIN bins",
                    &format!("the no-spike bin [{lo}, {hi}) has no usable threshold - voltage difference"),
                )
            })?;
            nospike_d.push(*x);
        }
    }
    let mut spike_d = Vec::new();
    for &sp in &s {
        let (lo, hi) = (sp - spike_bin, sp);
        let d = bin(diff, lo, hi, &mut buf)?;
        let mut m = f64::NAN;
        let mut first = true;
        for &x in d {
            if x.is_nan() {
                continue;
            }
            if first || x < m {
                m = x;
                first = false;
            }
        }
        if first {
            return Err(FitError::undetermined(
                "MLIN bins",
                &format!("the spike bin [{lo}, {hi}) has no usable threshold - voltage difference"),
            ));
        }
        let x = d
            .iter()
            .find(|&&x| x == m)
            .expect("the minimum is one of the bin's values");
        spike_d.push(*x);
    }
    let ln2 = 2f64.ln();
    let sv = data.sv;
    let mut nospike_prob: Vec<f64> = nospike_d
        .iter()
        .filter(|&&d| d <= 0.0)
        .map(|&d| -ln2 + d / sv)
        .collect();
    nospike_prob.extend(
        nospike_d
            .iter()
            .filter(|&&d| d > 0.0)
            .map(|&d| (1.0 - 0.5 * (-d / sv).exp()).ln()),
    );
    let mut spike_prob: Vec<f64> = spike_d
        .iter()
        .filter(|&&d| d <= 0.0)
        .map(|&d| (1.0 - 0.5 * (d / sv).exp()).ln())
        .collect();
    spike_prob.extend(spike_d.iter().filter(|&&d| d > 0.0).map(|&d| -ln2 - d / sv));
    let py_sum = |x: &[f64]| x.iter().fold(0.0f64, |a, b| a + b);
    Ok(-(py_sum(&nospike_prob) + py_sum(&spike_prob)))
}

/// `MLIN_list_error`: the mean of [`mlin_sweep`] over the sweeps (numpy's
/// mean), each sweep given as (recorded spikes, voltage, threshold).
pub fn mlin_list_error(
    sweeps: &[(&[usize], &[f64], &[f64])],
    spike_cut_length: usize,
    dt: f64,
    data: MlinData,
) -> Result<f64, FitError> {
    let per: Vec<f64> = sweeps
        .iter()
        .map(|(s, v, th)| mlin_sweep(s, v, th, spike_cut_length, dt, data))
        .collect::<Result<_, _>>()?;
    mean_of_sweeps(&per)
}

/// numpy's mean of the per-sweep MLIN values.
pub(crate) fn mean_of_sweeps(per: &[f64]) -> Result<f64, FitError> {
    if per.is_empty() {
        return Err(FitError::undetermined("MLIN", "no sweeps"));
    }
    Ok(numpy_sum(per) / per.len() as f64)
}
