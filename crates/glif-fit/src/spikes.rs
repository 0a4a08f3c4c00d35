//! Spike threshold indices as AllenSDK's feature extractor finds them
//! (`allensdk.ephys.ephys_extractor.EphysSweepFeatureExtractor.process_spikes`
//! with `filter=None`, as the GLIF pipeline's `find_spikes.find_spikes_list`
//! and `find_spikes_ssq_list` call it), step for step:
//!
//! 1. dV/dt (V/s) from consecutive samples (no filter);
//! 2. putative spikes where dV/dt first reaches `dv_cutoff` (V/s), a later
//!    crossing counting only if dV/dt went negative since the previous one;
//! 3. peaks: the highest voltage before the next putative spike;
//! 4. events dropped whose voltage does not fall between peak and next
//!    spike, whose peak is below -30 mV, or that rise less than 2 mV;
//! 5. upstroke: the steepest dV/dt between spike and peak; threshold: going
//!    back from the upstroke, the first sample whose dV/dt is at most
//!    `thresh_frac` times the mean upstroke (or the previous upstroke);
//! 6. overlapping spikes merged, and thresholds more than 5 ms before their
//!    peak searched again (with the extractor's default fraction 0.05, as
//!    AllenSDK passes none) or the pair dropped.
//!
//! Indices are sample indices of the voltage array given.

use crate::stats;
use crate::FitError;

/// The extractor's settings that the GLIF pipeline varies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpikeSettings {
    /// Smallest dV/dt that starts a spike, V/s (default 20).
    pub dv_cutoff: f64,
    /// Fraction of the mean upstroke dV/dt that marks threshold (default 0.05).
    pub thresh_frac: f64,
}

impl Default for SpikeSettings {
    fn default() -> Self {
        Self {
            dv_cutoff: 20.0,
            thresh_frac: 0.05,
        }
    }
}

const MAX_INTERVAL: f64 = 0.005;
const MIN_HEIGHT_MV: f64 = 2.0;
const MIN_PEAK_MV: f64 = -30.0;
const DEFAULT_THRESH_FRAC: f64 = 0.05;

/// Index of the first maximum (`np.argmax`) of a non-empty slice.
fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (k, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = k;
        }
    }
    best
}

/// `find_time_index(t, t0)`: the first index with `t >= t0`.
fn time_index(t: &[f64], t0: f64, what: &str) -> Result<usize, FitError> {
    t.iter().position(|&x| x >= t0).ok_or_else(|| {
        FitError::undetermined(
            what,
            &format!(
                "time {t0} s is past the end of the sweep ({} s)",
                t[t.len() - 1]
            ),
        )
    })
}

/// Going back from `from` (inclusive) to `stop` (exclusive, `stop < from`),
/// the offset of the first `dvdt <= target` (`np.flatnonzero(dvdt[from:stop:-1]
/// <= target)[0]`).
fn back_search(dvdt: &[f64], from: usize, stop: usize, target: f64) -> Option<usize> {
    if from <= stop {
        return None;
    }
    (stop + 1..=from).rev().position(|k| dvdt[k] <= target)
}

/// The voltage in mV, the times in s and dV/dt in V/s, as the extractor
/// computes them (`v * 1e3`, `arange(n) * dt`, `1e-3 * diff(v) / diff(t)`).
fn traces(voltage: &[f64], dt: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = voltage.len();
    let v: Vec<f64> = voltage.iter().map(|x| x * 1e3).collect();
    let t: Vec<f64> = (0..n).map(|k| k as f64 * dt).collect();
    let dvdt: Vec<f64> = (0..n - 1)
        .map(|k| 1e-3 * (v[k + 1] - v[k]) / (t[k + 1] - t[k]))
        .collect();
    (v, t, dvdt)
}

/// `detect_putative_spikes`, `find_peak_indexes` and
/// `filter_putative_spikes` over the whole sweep.
fn filtered_spikes_and_peaks(
    v: &[f64],
    t: &[f64],
    dvdt: &[f64],
    dv_cutoff: f64,
) -> Result<(Vec<usize>, Vec<usize>), FitError> {
    let n = v.len();
    let end_index = time_index(t, t[n - 1], "spike detection")?;

    // detect_putative_spikes
    let above: Vec<bool> = dvdt.iter().map(|&d| d >= dv_cutoff).collect();
    let crossings: Vec<usize> = (0..above.len().saturating_sub(1))
        .filter(|&k| !above[k] && above[k + 1])
        .collect();
    let mut spikes: Vec<usize> = Vec::new();
    if let Some(&first) = crossings.first() {
        spikes.push(first);
        for i in 1..crossings.len() {
            if dvdt[crossings[i - 1]..crossings[i]]
                .iter()
                .any(|&d| d < 0.0)
            {
                spikes.push(crossings[i]);
            }
        }
    }
    if spikes.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    // find_peak_indexes
    let mut peaks = Vec::with_capacity(spikes.len());
    for (k, &s) in spikes.iter().enumerate() {
        let next = spikes.get(k + 1).copied().unwrap_or(end_index);
        if next <= s {
            return Err(FitError::undetermined(
                "spike peak",
                &format!("a spike starts at the last sample ({s})"),
            ));
        }
        peaks.push(argmax(&v[s..next]) + s);
    }
    // filter_putative_spikes
    let diff_mask: Vec<bool> = (0..spikes.len() - 1)
        .map(|k| {
            dvdt[peaks[k]..spikes[k + 1].max(peaks[k])]
                .iter()
                .any(|&d| d < 0.0)
        })
        .collect();
    let peaks: Vec<usize> = peaks
        .iter()
        .enumerate()
        .filter(|(k, _)| *k == spikes.len() - 1 || diff_mask[*k])
        .map(|(_, &p)| p)
        .collect();
    let spikes: Vec<usize> = spikes
        .iter()
        .enumerate()
        .filter(|(k, _)| *k == 0 || diff_mask[*k - 1])
        .map(|(_, &s)| s)
        .collect();
    let (spikes, peaks): (Vec<usize>, Vec<usize>) = spikes
        .into_iter()
        .zip(peaks)
        .filter(|&(_, p)| v[p] >= MIN_PEAK_MV)
        .filter(|&(s, p)| v[p] - v[s] >= MIN_HEIGHT_MV)
        .unzip();
    Ok((spikes, peaks))
}

/// Threshold indices of the spikes in `voltage` (V), sampled every `dt`
/// seconds, as AllenSDK's extractor finds them with `settings`.
pub fn threshold_indices(
    voltage: &[f64],
    dt: f64,
    settings: SpikeSettings,
) -> Result<Vec<usize>, FitError> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
    }
    if let Some(i) = voltage.iter().position(|v| !v.is_finite()) {
        return Err(FitError::NotFinite {
            what: "voltage for spike detection".into(),
            index: i,
            value: voltage[i],
        });
    }
    let n = voltage.len();
    if n < 3 {
        return Ok(Vec::new());
    }
    let (v, t, dvdt) = traces(voltage, dt);
    let (spikes, peaks) = filtered_spikes_and_peaks(&v, &t, &dvdt, settings.dv_cutoff)?;
    if spikes.is_empty() {
        return Ok(Vec::new());
    }
    // find_upstroke_indexes, refine_threshold_indexes
    let upstrokes: Vec<usize> = spikes
        .iter()
        .zip(&peaks)
        .map(|(&s, &p)| argmax(&dvdt[s..p]) + s)
        .collect();
    let avg = stats::mean(&upstrokes.iter().map(|&u| dvdt[u]).collect::<Vec<_>>());
    let target = avg * settings.thresh_frac;
    let mut thresholds = Vec::with_capacity(upstrokes.len());
    for (k, &u) in upstrokes.iter().enumerate() {
        let prev = if k == 0 { 0 } else { upstrokes[k - 1] };
        thresholds.push(match back_search(&dvdt, u, prev, target) {
            Some(off) => u - off,
            None => prev,
        });
    }
    // check_thresholds_and_peaks
    let (mut spikes, mut peaks, mut upstrokes) = (thresholds, peaks, upstrokes);
    let overlaps: Vec<usize> = (0..spikes.len() - 1)
        .filter(|&k| spikes[k + 1] <= peaks[k] + 1)
        .collect();
    if !overlaps.is_empty() {
        let keep_spike = |k: usize| !(k > 0 && overlaps.contains(&(k - 1)));
        let keep_other = |k: usize| !overlaps.contains(&k);
        spikes = spikes
            .iter()
            .enumerate()
            .filter(|(k, _)| keep_spike(*k))
            .map(|(_, &x)| x)
            .collect();
        peaks = peaks
            .iter()
            .enumerate()
            .filter(|(k, _)| keep_other(*k))
            .map(|(_, &x)| x)
            .collect();
        upstrokes = upstrokes
            .iter()
            .enumerate()
            .filter(|(k, _)| keep_other(*k))
            .map(|(_, &x)| x)
            .collect();
    }
    let too_long: Vec<usize> = (0..spikes.len())
        .filter(|&k| t[peaks[k]] - t[spikes[k]] >= MAX_INTERVAL)
        .collect();
    if !too_long.is_empty() {
        let avg = stats::mean(&upstrokes.iter().map(|&u| dvdt[u]).collect::<Vec<_>>());
        let target = avg * DEFAULT_THRESH_FRAC;
        let mut drop = Vec::new();
        for &i in &too_long {
            let t0 = time_index(&t, t[peaks[i]] - MAX_INTERVAL, "spike threshold")?;
            match back_search(&dvdt, upstrokes[i], t0, target) {
                Some(off) => spikes[i] = upstrokes[i] - off,
                None => {
                    let s = spikes[i];
                    let t0 = time_index(&t, t[s] + 2.0 * MAX_INTERVAL, "spike peak")?;
                    if t0 <= s {
                        return Err(FitError::undetermined("spike peak", "empty search window"));
                    }
                    let new_peak = argmax(&v[s..t0]) + s;
                    if t[new_peak] - t[s] < MAX_INTERVAL
                        && (i == spikes.len() - 1 || t[new_peak] < t[spikes[i + 1]])
                    {
                        peaks[i] = new_peak;
                    } else {
                        drop.push(i);
                    }
                }
            }
        }
        spikes = spikes
            .iter()
            .enumerate()
            .filter(|(k, _)| !drop.contains(k))
            .map(|(_, &x)| x)
            .collect();
    }
    Ok(spikes)
}

/// The smallest threshold fraction `find_spikes_ssq_list` uses.
pub const SHORT_SQUARE_MIN_THRESH_FRAC: f64 = 0.1;

/// `find_spikes.find_spikes_ssq_list` for one sweep: [`threshold_indices`]
/// with `dv_cutoff` (V/s) and `max(0.1, thresh_frac)`.
pub fn threshold_indices_short_square(
    voltage: &[f64],
    dt: f64,
    dv_cutoff: f64,
    thresh_frac: f64,
) -> Result<Vec<usize>, FitError> {
    threshold_indices(
        voltage,
        dt,
        SpikeSettings {
            dv_cutoff,
            thresh_frac: SHORT_SQUARE_MIN_THRESH_FRAC.max(thresh_frac),
        },
    )
}

/// The window `estimate_dv_cutoff` reads on short squares, s
/// (`ephys_extractor.SHORT_SQUARES_WINDOW_START`, `_END`).
pub const SHORT_SQUARES_WINDOW: (f64, f64) = (1.02, 1.021);
/// The same for the short-square triple (`SHORT_SQUARE_TRIPLE_WINDOW_*`).
pub const SHORT_SQUARE_TRIPLE_WINDOW: (f64, f64) = (2.02, 2.021);

/// `preprocess_neuron.estimate_dv_cutoff` (`ephys_features.
/// estimate_adjusted_detection_parameters` with no filter): detection
/// settings adapted to short-square sweeps. `dv_cutoff` (V/s) is 1.1 times
/// the median over sweeps of the largest dV/dt in `[start_t, end_t)` (s);
/// `thresh_frac` is 1.2 times the median dV/dt at `end_t`, divided by the
/// mean upstroke of the spikes that cutoff finds. Voltages in V.
pub fn estimate_dv_cutoff(
    voltages: &[&[f64]],
    dt: f64,
    start_t: f64,
    end_t: f64,
) -> Result<SpikeSettings, FitError> {
    if voltages.is_empty() {
        return Err(FitError::undetermined(
            "spike detection settings",
            "no sweeps given",
        ));
    }
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
    }
    let mut prepared = Vec::with_capacity(voltages.len());
    for (k, v) in voltages.iter().enumerate() {
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(FitError::NotFinite {
                what: format!("short square sweep {k}"),
                index: i,
                value: v[i],
            });
        }
        if v.len() < 3 {
            return Err(FitError::undetermined(
                "spike detection settings",
                &format!("short square sweep {k} has {} samples", v.len()),
            ));
        }
        prepared.push(traces(v, dt));
    }
    let t0 = &prepared[0].1;
    let start_index = time_index(t0, start_t, "short-square window start")?;
    let end_index = time_index(t0, end_t, "short-square window end")?;
    let mut maxes = Vec::new();
    let mut ends = Vec::new();
    for (k, (_, _, dv)) in prepared.iter().enumerate() {
        if end_index >= dv.len() || start_index >= end_index {
            return Err(FitError::undetermined(
                "spike detection settings",
                &format!("short square sweep {k} ends before the window {start_t} s to {end_t} s"),
            ));
        }
        maxes.push(
            dv[start_index..end_index]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max),
        );
        ends.push(dv[end_index]);
    }
    let dv_cutoff = crate::stats::median(&maxes) * 1.1;
    let min_thresh = crate::stats::median(&ends) * 1.2;
    let mut upstrokes = Vec::new();
    for (v, t, dv) in &prepared {
        let (spikes, peaks) = filtered_spikes_and_peaks(v, t, dv, dv_cutoff)?;
        upstrokes.extend(
            spikes
                .iter()
                .zip(&peaks)
                .map(|(&s, &p)| dv[argmax(&dv[s..p]) + s]),
        );
    }
    if upstrokes.is_empty() {
        return Err(FitError::undetermined(
            "spike detection settings",
            &format!(
                "no spike in the short square sweeps at the estimated dV/dt cutoff {dv_cutoff} V/s"
            ),
        ));
    }
    Ok(SpikeSettings {
        dv_cutoff,
        thresh_frac: min_thresh / stats::mean(&upstrokes),
    })
}

/// `preprocess_neuron.find_first_spike_voltage(voltage, dt, ssq=True,
/// dv_cutoff, thresh_frac)`: the voltage (V) at the threshold of the first
/// spike of a short-square sweep (from the stimulus start). The
/// preprocessor's `th_inf` is this minus the sweep's resting potential.
pub fn first_spike_voltage_short_square(
    voltage: &[f64],
    dt: f64,
    settings: SpikeSettings,
) -> Result<f64, FitError> {
    let idx =
        threshold_indices_short_square(voltage, dt, settings.dv_cutoff, settings.thresh_frac)?;
    match idx.first() {
        Some(&i) => Ok(voltage[i]),
        None => Err(FitError::undetermined(
            "th_inf",
            "no spike in the smallest suprathreshold short square: it must have one",
        )),
    }
}
