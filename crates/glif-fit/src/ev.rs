//! Explained variance of spike times, as Teeter et al. (2018) computed it
//! to judge the Allen GLIF models (their repository's
//! `expVarOfSpikeTrains.py` and `calc_all_explained_variance.exVar`).
//!
//! Each spike train (spike indices on a grid of step `dt` seconds, `steps`
//! samples long) becomes a binary train (1 at each spike sample, 0
//! elsewhere; a repeated index is still one 1) convolved with a Gaussian
//! kernel `g` of standard deviation `sigma` seconds: `M = int(10 sigma /
//! dt)` samples, `g[n] = exp(-(n - (M - 1)/2)^2 / (2 (sigma/dt)^2))`
//! (scipy's `windows.gaussian(M, sigma/dt)`), divided by its sum.
//!
//! - `'full'` convolution: `steps + M - 1` samples, `c[k] = sum_j b[j] g[k - j]`;
//!   `'same'`: the `steps` samples of the full one starting at `(M - 1) / 2`
//!   (rounded down), as numpy's and scipy's convolutions centre it.
//! - EV of two traces `x` (recorded) and `y`: `(var x + var y - var(x - y))
//!   / (var x + var y)`, population variances; 1 when `var(x - y)` is 0.
//! - The data's EV (`ev_data`): the recorded trains convolved in 'full'
//!   mode, their mean (the PSTH), and the mean EV of the PSTH against each
//!   of them.
//! - The model's EV (`ev_model`): model and recorded trains convolved in
//!   'same' mode, the mean EV over every (model, recorded) pair.
//! - The reported ratio: `ev_model / ev_data`.
//!
//! Teeter's code convolves with scipy's `fftconvolve`; here each spike adds
//! the kernel at its place (the same sum without the FFT's round-off, which
//! is at most a few 1e-16 of the kernel's peak). Means and variances are
//! numpy's (pairwise sums in numpy's order). A kernel longer than the
//! trains is shortened as Teeter's code does it (see [`fit_kernel`]).

use crate::error::FitError;
use crate::stats::{mean, numpy_sum, var};

/// The Gaussian's standard deviation Teeter et al. (2018) report
/// explained variance at: 10 ms, in seconds.
pub const TEETER_SIGMA: f64 = 0.01;

/// Which part of the full convolution a convolved train keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convolution {
    /// All `steps + M - 1` samples (numpy's and scipy's `'full'`).
    Full,
    /// The `steps` samples centred on the train (`'same'`).
    Same,
}

/// Explained variance of a model's spike trains against recorded ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExplainedVariance {
    /// Mean EV of the recorded trains' PSTH against each recorded train
    /// ('full' convolution): how repeatable the recording is.
    pub ev_data: f64,
    /// Mean EV of every model train against every recorded train ('same').
    pub ev_model: f64,
    /// `ev_model / ev_data`: the explained variance ratio Teeter et al.
    /// report.
    pub ratio: f64,
}

/// Teeter's normalised Gaussian kernel (`makeNormGaussFunc4Convolve`):
/// `int(10 sigma / dt)` samples of scipy's `windows.gaussian` with standard
/// deviation `sigma / dt` samples, divided by its (numpy) sum. `sigma` and
/// `dt` in seconds.
pub fn gaussian_kernel(sigma: f64, dt: f64) -> Result<Vec<f64>, FitError> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
    }
    if !(sigma > 0.0 && sigma.is_finite()) {
        return Err(FitError::invalid(
            "sigma",
            sigma,
            "a positive number of seconds (Teeter et al. used 0.01)",
        ));
    }
    let s = sigma / dt;
    let len = s * 10.0;
    if !(1.0..=1e9).contains(&len) {
        return Err(FitError::invalid(
            "sigma / dt",
            s,
            "a kernel of 1 to 1e9 samples (10 sigma / dt): sigma at least dt / 10",
        ));
    }
    let m = len as usize;
    let g: Vec<f64> = if m == 1 {
        vec![1.0] // scipy returns ones for a one-sample window
    } else {
        let sig2 = 2.0 * s * s;
        let centre = (m as f64 - 1.0) / 2.0;
        (0..m)
            .map(|k| {
                let n = k as f64 - centre;
                (-(n * n) / sig2).exp()
            })
            .collect()
    };
    let total = numpy_sum(&g);
    Ok(g.iter().map(|x| x / total).collect())
}

/// The kernel as Teeter's `makeConvolvedSpikeTrains` uses it on trains of
/// `steps` samples: unchanged when it is no longer than the trains;
/// otherwise its middle `2 * (steps / 2)` samples (from `M / 2 - steps / 2`,
/// divisions rounded down), accepted only if they hold more than 0.95 of
/// its area, with the missing area `1 - a` spread evenly over them
/// (`+ (1 - a) / len`).
pub fn fit_kernel(kernel: &[f64], steps: usize) -> Result<Vec<f64>, FitError> {
    if kernel.len() <= steps {
        return Ok(kernel.to_vec());
    }
    let (half_train, half_gauss) = (steps / 2, kernel.len() / 2);
    let short = &kernel[half_gauss - half_train..half_gauss + half_train];
    // Python's built-in `sum`: left to right.
    let area = short.iter().fold(0.0, |a, x| a + x);
    if area <= 0.95 {
        return Err(FitError::invalid(
            "steps",
            steps as f64,
            &format!(
                "trains long enough for the middle of the {}-sample Gaussian kernel to hold \
                 more than 0.95 of its area (it holds {area}): use a smaller sigma or longer trains",
                kernel.len()
            ),
        ));
    }
    let add = (1.0 - area) / short.len() as f64;
    Ok(short.iter().map(|x| x + add).collect())
}

/// A binary spike train of `steps` samples with a spike at each index of
/// `spikes` convolved with `kernel` (at most `steps` samples long: see
/// [`fit_kernel`]). An index at or beyond `steps` is an error naming it.
pub fn convolved_train(
    spikes: &[usize],
    steps: usize,
    kernel: &[f64],
    mode: Convolution,
) -> Result<Vec<f64>, FitError> {
    let m = kernel.len();
    if m == 0 || m > steps {
        return Err(FitError::invalid(
            "kernel samples",
            m as f64,
            &format!("1 to the trains' {steps} samples (fit_kernel shortens it)"),
        ));
    }
    let mut binary = vec![false; steps];
    for (i, &s) in spikes.iter().enumerate() {
        if s >= steps {
            return Err(FitError::invalid(
                &format!("spike index [{i}]"),
                s as f64,
                &format!("an index below the trains' {steps} samples"),
            ));
        }
        binary[s] = true;
    }
    let mut full = vec![0.0; steps + m - 1];
    for (j, _) in binary.iter().enumerate().filter(|(_, &b)| b) {
        for (c, g) in full[j..j + m].iter_mut().zip(kernel) {
            *c += g;
        }
    }
    Ok(match mode {
        Convolution::Full => full,
        Convolution::Same => {
            let start = (m - 1) / 2;
            full[start..start + steps].to_vec()
        }
    })
}

/// Teeter's `basic_expVar(x, y)`: `(var x + var y - var(x - y)) / (var x +
/// var y)`, 1 when `var(x - y)` is exactly 0; numpy's population variances.
/// `x` and `y` have the same length.
pub fn explained_variance_of_traces(x: &[f64], y: &[f64]) -> f64 {
    let diff: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    let (v1, v2, v12) = (var(x), var(y), var(&diff));
    if v12 == 0.0 {
        1.0
    } else {
        (v1 + v2 - v12) / (v1 + v2)
    }
}

/// Teeter's `acrossSet_PWExpVar(model, data)`: the numpy mean of
/// [`explained_variance_of_traces`]`(data[i], model[j])` over every pair,
/// model trains in the outer loop.
pub fn mean_pairwise_explained_variance(model: &[Vec<f64>], data: &[Vec<f64>]) -> f64 {
    let pairs: Vec<f64> = model
        .iter()
        .flat_map(|m| data.iter().map(move |d| explained_variance_of_traces(d, m)))
        .collect();
    mean(&pairs)
}

/// `np.mean(np.array(trains), axis=0)`: the trains added in order, sample
/// by sample, divided by their number.
fn psth(trains: &[Vec<f64>]) -> Vec<f64> {
    let mut sum = trains[0].clone();
    for t in &trains[1..] {
        for (s, x) in sum.iter_mut().zip(t) {
            *s += x;
        }
    }
    let n = trains.len() as f64;
    sum.iter().map(|s| s / n).collect()
}

/// Explained variance of `model` spike trains against `recorded` ones, as
/// Teeter et al. (2018) computed it (`calc_all_explained_variance.exVar`
/// for one sigma; the module documentation gives the equations). Spike
/// trains are sample indices on a grid of `dt` seconds, every train
/// `steps` samples long; `sigma` in seconds ([`TEETER_SIGMA`] is theirs).
///
/// Errors (each naming the value): no recorded or no model trains, a spike
/// index at or beyond `steps`, a bad `dt` or `sigma`, a kernel that cannot
/// be shortened to the trains, or a ratio that is not finite (the model's
/// EV over a data EV of 0).
pub fn explained_variance(
    recorded: &[Vec<usize>],
    model: &[Vec<usize>],
    dt: f64,
    sigma: f64,
    steps: usize,
) -> Result<ExplainedVariance, FitError> {
    if recorded.is_empty() {
        return Err(FitError::invalid(
            "recorded trains",
            0.0,
            "at least one recorded spike train",
        ));
    }
    if model.is_empty() {
        return Err(FitError::invalid(
            "model trains",
            0.0,
            "at least one model spike train",
        ));
    }
    if steps == 0 {
        return Err(FitError::invalid(
            "steps",
            0.0,
            "trains of at least one sample",
        ));
    }
    let kernel = fit_kernel(&gaussian_kernel(sigma, dt)?, steps)?;
    let convolve = |trains: &[Vec<usize>], what: &str, mode| {
        trains
            .iter()
            .enumerate()
            .map(|(i, t)| {
                convolved_train(t, steps, &kernel, mode).map_err(|e| match e {
                    FitError::Invalid {
                        field,
                        value,
                        expected,
                    } => FitError::Invalid {
                        field: format!("{what} train {i}: {field}"),
                        value,
                        expected,
                    },
                    other => other,
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let full = convolve(recorded, "recorded", Convolution::Full)?;
    let ev_data = mean_pairwise_explained_variance(&[psth(&full)], &full);
    let same_data = convolve(recorded, "recorded", Convolution::Same)?;
    let same_model = convolve(model, "model", Convolution::Same)?;
    let ev_model = mean_pairwise_explained_variance(&same_model, &same_data);
    let ratio = ev_model / ev_data;
    if !ratio.is_finite() {
        return Err(FitError::undetermined(
            "explained variance ratio",
            &format!("the model's EV {ev_model} over the data's EV {ev_data} is not finite"),
        ));
    }
    Ok(ExplainedVariance {
        ev_data,
        ev_model,
        ratio,
    })
}

/// Spike times (s) to sample indices on a grid of `dt` seconds as Teeter's
/// `convert_spike_times_to_ind` does it: `int(t / dt)`, rounded toward
/// zero. A negative or non-finite time is an error naming its position.
pub fn spike_times_to_indices(times: &[f64], dt: f64) -> Result<Vec<usize>, FitError> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
    }
    times
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let x = t / dt;
            if t >= 0.0 && x < 1e15 {
                Ok(x as usize)
            } else {
                Err(FitError::invalid(
                    &format!("spike time [{i}] (s)"),
                    t,
                    "a finite time of at least 0 s",
                ))
            }
        })
        .collect()
}

/// The number of `dt` steps in `duration` (both s): the length of the
/// binary trains. `duration` must be a whole number of steps (within 1e-6
/// of a step, for decimal durations such as 11.8 s at 50 us).
pub fn steps_for_duration(duration: f64, dt: f64) -> Result<usize, FitError> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
    }
    let steps = duration / dt;
    if !(1.0..1e12).contains(&steps) || (steps - steps.round()).abs() > 1e-6 {
        return Err(FitError::invalid(
            "duration",
            duration,
            &format!("a positive whole number of {dt:e} s steps (it is {steps} steps)"),
        ));
    }
    Ok(steps.round() as usize)
}

/// Spike trains given as times (s) to indices on a grid of `dt` s
/// ([`spike_times_to_indices`]), each below `steps`; an error names
/// `what`, the train, the spike and its time.
pub fn trains_to_indices(
    trains: &[Vec<f64>],
    dt: f64,
    steps: usize,
    what: &str,
) -> Result<Vec<Vec<usize>>, FitError> {
    let mut out = Vec::with_capacity(trains.len());
    for (i, t) in trains.iter().enumerate() {
        let idx = spike_times_to_indices(t, dt).map_err(|e| match e {
            FitError::Invalid {
                field,
                value,
                expected,
            } => FitError::Invalid {
                field: format!("{what} train [{i}] {field}"),
                value,
                expected,
            },
            other => other,
        })?;
        if let Some(k) = idx.iter().position(|&s| s >= steps) {
            return Err(FitError::invalid(
                &format!("{what} train [{i}] spike time [{k}] (s)"),
                t[k],
                &format!(
                    "a time before the trains' end ({:e} s: the duration)",
                    steps as f64 * dt
                ),
            ));
        }
        out.push(idx);
    }
    Ok(out)
}
