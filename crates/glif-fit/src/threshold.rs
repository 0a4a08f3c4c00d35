//! The threshold's spike and voltage components, as AllenSDK's
//! `threshold_adaptation` computes them.
//!
//! **Spike component** (`calc_spike_component_of_threshold_from_multiblip`):
//! on each short-square-triple sweep, the spikes between 2 s and 3 s; in
//! sweeps with at least two, the first spike's threshold voltage, the
//! second's, and the time between them. `thresh_inf` is the mean of the
//! first spikes' thresholds (V). Then `threshold2 = a exp(k t) + thresh_inf`
//! is fitted by least squares (scipy's `curve_fit`, p0 = (0.002 V, -100
//! 1/s); a free-constant fit `a exp(k t) + c` must also succeed, as
//! AllenSDK requires). A rising decay (`k > 0`) or negative amplitude sets
//! the amplitude to 0. Returns `a_spike` (V) and `b_spike = -k` (1/s); the
//! preprocessor then corrects the amplitude for the spike cut,
//! `a_spike exp(-b_spike cut dt)` ([`spike_component_at_cut`]).
//!
//! **Voltage component** (`fit_avoltage_bvoltage`): with the spike
//! component fixed, `a_voltage` (1/s) and `b_voltage` (1/s) minimise the
//! squared error between each spike's measured voltage component of
//! threshold and the model's, over every inter-spike interval of the Noise 1
//! sweeps; minimised by scipy's `fmin` from (0.5, 5), reproduced in
//! [`crate::fmin`]. The objective is computed in numpy's operation order
//! (its pairwise sums), so `fmin` takes AllenSDK's path.

use crate::filter::numpy_sum_of_products;
use crate::fmin::{fmin, FminOptions, FminResult};
use crate::minpack::LmdifOptions;
use crate::spikes::threshold_indices_short_square;
use crate::stats::{mean, numpy_sum};
use crate::FitError;

/// The spike component from the triple, before the spike-cut correction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpikeComponent {
    /// Amplitude, V (`const_to_add_to_thresh_for_reset`); 0 when the fit
    /// gave a rising decay or a negative amplitude.
    pub a_spike: f64,
    /// Decay rate, 1/s (`decay_const`).
    pub b_spike: f64,
    /// Mean threshold of the first spikes, V.
    pub thresh_inf: f64,
    /// Whether the amplitude was set to 0 (AllenSDK logs CRITICAL).
    pub clamped: bool,
}

/// What the spike component is fitted to: per triple sweep with at least
/// two spikes between 2 s and 3 s, its first and second spikes' threshold
/// voltages (V) and the time between them (s).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TriplePoints {
    /// First spikes' thresholds, V.
    pub first: Vec<f64>,
    /// Second spikes' thresholds, V.
    pub second: Vec<f64>,
    /// Second minus first spike time, s.
    pub interval: Vec<f64>,
}

/// The points [`spike_component_from_triple`] fits (see [`TriplePoints`]).
pub fn triple_points(
    voltages: &[&[f64]],
    dt: f64,
    dv_cutoff: f64,
    thresh_frac: f64,
) -> Result<TriplePoints, FitError> {
    let lo = (2.0 / dt) as usize;
    let hi = (3.0 / dt) as usize;
    let mut p = TriplePoints::default();
    for v in voltages {
        let idx: Vec<usize> = threshold_indices_short_square(v, dt, dv_cutoff, thresh_frac)?
            .into_iter()
            .filter(|&i| i >= lo && i <= hi)
            .collect();
        if idx.len() > 1 {
            p.first.push(v[idx[0]]);
            p.second.push(v[idx[1]]);
            p.interval.push((idx[1] - idx[0]) as f64 * dt);
        }
    }
    Ok(p)
}

/// `spike_component_of_threshold_exact(a, b, t) = a exp(-b t)`, V.
pub fn spike_component_at_cut(a_spike: f64, b_spike: f64, t: f64) -> f64 {
    a_spike * (-b_spike * t).exp()
}

/// The spike component from the short-square-triple `voltages` (V, every
/// `dt` s), with the triple's detection settings (`dv_cutoff` V/s,
/// `thresh_frac`). `Ok(None)` where AllenSDK's fit fails and it returns
/// `None` (fewer sweeps with two spikes than parameters, or no
/// convergence): then GLIF2, GLIF4 and GLIF5 cannot be configured.
pub fn spike_component_from_triple(
    voltages: &[&[f64]],
    dt: f64,
    dv_cutoff: f64,
    thresh_frac: f64,
) -> Result<Option<SpikeComponent>, FitError> {
    let TriplePoints {
        first,
        second,
        interval,
    } = triple_points(voltages, dt, dv_cutoff, thresh_frac)?;
    let thresh_inf = mean(&first);
    let options = LmdifOptions {
        maxfev: Some(100_000),
        ..LmdifOptions::default()
    };
    let force = curve_fit_with(
        |p: &[f64], out: &mut [f64]| {
            for (o, t) in out.iter_mut().zip(&interval) {
                *o = p[0] * (p[1] * t).exp() + thresh_inf;
            }
        },
        &second,
        &[0.002, -100.0],
        &options,
    );
    let free = curve_fit_with(
        |p: &[f64], out: &mut [f64]| {
            for (o, t) in out.iter_mut().zip(&interval) {
                *o = p[0] * (p[1] * t).exp() + p[2];
            }
        },
        &second,
        &[0.002, -100.0, thresh_inf],
        &options,
    );
    let (Some(force), Some(_)) = (force, free) else {
        return Ok(None);
    };
    let (mut a, k) = (force[0], force[1]);
    let clamped = k > 0.0 || a < 0.0;
    if clamped {
        a = 0.0;
    }
    Ok(Some(SpikeComponent {
        a_spike: a,
        b_spike: -k,
        thresh_inf,
        clamped,
    }))
}

/// `curve_fit` as AllenSDK's `try` sees it: `None` for every failure
/// (too few points, non-finite data, no convergence).
fn curve_fit_with<F: FnMut(&[f64], &mut [f64])>(
    mut model: F,
    y: &[f64],
    p0: &[f64],
    options: &LmdifOptions,
) -> Option<Vec<f64>> {
    if y.len() < p0.len() || y.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let fit = crate::minpack::lmdif(
        |p, out| {
            model(p, out);
            for (o, v) in out.iter_mut().zip(y) {
                *o -= v;
            }
        },
        p0,
        y.len(),
        options,
    );
    (1..=4).contains(&fit.info).then_some(fit.x)
}

/// One Noise 1 sweep for the voltage-component fit.
#[derive(Clone, Copy, Debug)]
pub struct VoltageComponentSweep<'a> {
    /// Voltage, V, every `dt` s.
    pub voltage: &'a [f64],
    /// The sweep's resting potential, V.
    pub el: f64,
    /// Spike threshold indices.
    pub spikes: &'a [usize],
}

/// AllenSDK's `fit_avoltage_bvoltage` objective at `(a_voltage, b_voltage)`
/// (and `th_inf` V, the third parameter of `fit_avoltage_bvoltage_th`):
/// the summed squared error, V^2, in numpy's operation order.
#[allow(clippy::too_many_arguments)]
pub fn voltage_component_error(
    a_voltage: f64,
    b_voltage: f64,
    th_inf: f64,
    sweeps: &[VoltageComponentSweep<'_>],
    spike_cut_length: usize,
    dt: f64,
    a_spike: f64,
    b_spike: f64,
) -> Result<f64, FitError> {
    Prepared::new(sweeps, spike_cut_length, dt, a_spike, b_spike)?.error(
        a_voltage,
        b_voltage,
        th_inf,
        &mut SumCache::default(),
    )
}

/// Per sweep, each spike's voltage minus the threshold's spike component
/// at it (V; NaN past the component's end): the part of
/// [`voltage_component_error`] that does not depend on `a_voltage`,
/// `b_voltage` or `th_inf`, so the fits compute it once.
fn spike_voltages_less_spike_component(
    sweeps: &[VoltageComponentSweep<'_>],
    spike_cut_length: usize,
    dt: f64,
    a_spike: f64,
    b_spike: f64,
) -> Result<Vec<Vec<f64>>, FitError> {
    // exp(-b_spike k dt) depends on k alone, the sample's place in its
    // interval: computed once per k up to the longest interval (the same
    // expression on the same numbers as per sample, so the same bits).
    let longest = sweeps
        .iter()
        .flat_map(|sw| sw.spikes.windows(2).map(|w| w[1].saturating_sub(w[0]) + 1))
        .max()
        .unwrap_or(0);
    let spike_decay: Vec<f64> = (0..longest)
        .map(|k| (-b_spike * (k as f64 * dt)).exp())
        .collect();
    let mut out = Vec::with_capacity(sweeps.len());
    for (s, sw) in sweeps.iter().enumerate() {
        let idx = sw.spikes;
        if idx.is_empty() {
            return Err(FitError::undetermined(
                "voltage component of threshold",
                &format!("Noise 1 sweep {s} has no spike"),
            ));
        }
        let mut comp = vec![0.0; idx[0] + spike_cut_length];
        let mut left_over = 0.0;
        for n in 1..idx.len() {
            let len = idx[n] - idx[n - 1] + 1;
            let amp = a_spike + left_over;
            comp.extend(spike_decay[..len - 1].iter().map(|e| amp * e));
            left_over = amp * spike_decay[len - 1];
        }
        if comp.len() <= idx[idx.len() - 1] {
            return Err(FitError::undetermined(
                "voltage component of threshold",
                "a spike cut length of 0 leaves no spike component at the last spike (AllenSDK fails here too: IndexError)",
            ));
        }
        out.push(
            idx.iter()
                .map(|&i| {
                    let v = sw.voltage.get(i).copied().unwrap_or(f64::NAN);
                    let c = comp.get(i).copied().unwrap_or(f64::NAN);
                    v - c
                })
                .collect(),
        );
    }
    Ok(out)
}

/// The parts of [`voltage_component_error`] that do not depend on
/// `a_voltage`, `b_voltage` or `th_inf`, computed once per fit, and what
/// it is computed on.
struct Prepared<'a> {
    /// The Noise 1 sweeps.
    sweeps: &'a [VoltageComponentSweep<'a>],
    /// The spike cut, samples.
    spike_cut_length: usize,
    /// The time step, s.
    dt: f64,
    /// [`spike_voltages_less_spike_component`].
    less: Vec<Vec<f64>>,
    /// Per sweep, `dt (v - El)` at every sample (V s; the first factor of
    /// each summed term, rounded as numpy rounds it).
    weighted: Vec<Vec<f64>>,
    /// The longest inter-spike interval plus one, samples.
    longest: usize,
}

impl<'a> Prepared<'a> {
    fn new(
        sweeps: &'a [VoltageComponentSweep<'a>],
        spike_cut_length: usize,
        dt: f64,
        a_spike: f64,
        b_spike: f64,
    ) -> Result<Self, FitError> {
        let less =
            spike_voltages_less_spike_component(sweeps, spike_cut_length, dt, a_spike, b_spike)?;
        let weighted = sweeps
            .iter()
            .map(|sw| sw.voltage.iter().map(|v| dt * (v - sw.el)).collect())
            .collect();
        let longest = sweeps
            .iter()
            .flat_map(|sw| sw.spikes.windows(2).map(|w| w[1].saturating_sub(w[0]) + 1))
            .max()
            .unwrap_or(0);
        Ok(Self {
            sweeps,
            spike_cut_length,
            dt,
            less,
            weighted,
            longest,
        })
    }

    /// Per sweep, per inter-spike interval, numpy's sum of the terms
    /// `dt (v - El) exp(b_voltage k dt)` (V s) over the interval after the
    /// spike cut: the only part of the objective that costs more than a
    /// few operations per spike, and a function of `b_voltage` alone.
    /// `growth` is scratch space for `exp(b_voltage k dt)`.
    fn interval_sums(&self, b_voltage: f64, growth: &mut Vec<f64>) -> Result<Vec<f64>, FitError> {
        let (spike_cut_length, dt) = (self.spike_cut_length, self.dt);
        // exp(b_voltage k dt), once per k (as the spike component's).
        growth.clear();
        growth.extend((0..self.longest).map(|k| (b_voltage * (k as f64 * dt)).exp()));
        let mut sums = Vec::new();
        for (s, (sw, weighted)) in self.sweeps.iter().zip(&self.weighted).enumerate() {
            let idx = sw.spikes;
            for n in 1..idx.len() {
                let start = idx[n - 1] + spike_cut_length;
                let end = idx[n];
                if start >= end || end > sw.voltage.len() {
                    return Err(FitError::undetermined(
                        "voltage component of threshold",
                        &format!("Noise 1 sweep {s}: the interval before the spike at sample {end} is shorter than the spike cut ({spike_cut_length} samples); AllenSDK fails here too"),
                    ));
                }
                sums.push(numpy_sum_of_products(&weighted[start..end], growth));
            }
        }
        Ok(sums)
    }

    /// [`voltage_component_error`] at `(a_voltage, b_voltage, th_inf)`;
    /// the interval sums at `b_voltage` come from `cache` (computed and
    /// kept there when it does not hold them).
    fn error(
        &self,
        a_voltage: f64,
        b_voltage: f64,
        th_inf: f64,
        cache: &mut SumCache,
    ) -> Result<f64, FitError> {
        let (spike_cut_length, dt) = (self.spike_cut_length, self.dt);
        let sums =
            cache.get_or_compute(b_voltage, |growth| self.interval_sums(b_voltage, growth))?;
        let mut sums = sums.iter().copied();
        let mut total = 0.0;
        let mut sq: Vec<f64> = Vec::new();
        for (sw, less) in self.sweeps.iter().zip(&self.less) {
            // v - c - th_inf, as (v - c) - th_inf.
            let vcomp: Vec<f64> = less.iter().map(|x| x - th_inf).collect();
            total += sweep_error(
                &vcomp,
                sw.spikes,
                spike_cut_length,
                (a_voltage, b_voltage),
                dt,
                &mut sums,
                &mut sq,
            );
        }
        Ok(total)
    }
}

/// The objective's interval sums ([`Prepared::interval_sums`]) at the
/// `b_voltage` values met so far, so an evaluation at a `b_voltage` seen
/// before (the check before each fit, `fmin`'s starting simplex, which
/// moves one parameter at a time, and the second fit's start, which is the
/// first's) costs a few operations per spike. The same sums as computed
/// afresh, so the same bits. Holds the first [`SumCache::KEPT`] values
/// (the fits' shared starts) and the latest one.
#[derive(Default)]
struct SumCache {
    /// `(b_voltage's bits, its sums)`, in the order first met.
    kept: Vec<(u64, Vec<f64>)>,
    /// The latest value not among `kept`.
    latest: Option<(u64, Vec<f64>)>,
    /// Scratch space for `exp(b_voltage k dt)`.
    growth: Vec<f64>,
}

impl SumCache {
    /// How many `b_voltage` values are kept for the whole of the fits.
    const KEPT: usize = 16;

    fn get_or_compute(
        &mut self,
        b_voltage: f64,
        compute: impl FnOnce(&mut Vec<f64>) -> Result<Vec<f64>, FitError>,
    ) -> Result<&[f64], FitError> {
        let key = b_voltage.to_bits();
        if let Some(k) = self.kept.iter().position(|(b, _)| *b == key) {
            return Ok(&self.kept[k].1);
        }
        if !matches!(&self.latest, Some((b, _)) if *b == key) {
            let sums = compute(&mut self.growth)?;
            if self.kept.len() < Self::KEPT {
                self.kept.push((key, sums));
                return Ok(&self.kept.last().expect("just pushed").1);
            }
            self.latest = Some((key, sums));
        }
        Ok(&self.latest.as_ref().expect("set above").1)
    }
}

/// The two `fmin` fits of the preprocessor, on one preparation of the
/// sweeps; `th_inf` in V, the results' `a_voltage` and `b_voltage` in 1/s.
/// An error inside the objective (an interval shorter than the cut) stops
/// the fits with that error, as it stops AllenSDK's.
///
/// - first, `fmin(fit_avoltage_bvoltage, x0=[0.5, 5.0], args=...)`:
///   `a_voltage` and `b_voltage` with `th_inf` fixed (what the configs use);
/// - second, `fmin(fit_avoltage_bvoltage_th, x0=[0.5, 5.0, th_inf])`:
///   `a_voltage`, `b_voltage` and `th_inf` fitted together (the
///   preprocessor's `..._from_fitabth` values and
///   `th_inf.fit_with_v_comp_of_th`).
pub fn fit_voltage_components(
    sweeps: &[VoltageComponentSweep<'_>],
    spike_cut_length: usize,
    th_inf: f64,
    dt: f64,
    a_spike: f64,
    b_spike: f64,
) -> Result<(FminResult, FminResult), FitError> {
    let prepared = Prepared::new(sweeps, spike_cut_length, dt, a_spike, b_spike)?;
    // One cache for both fits: the second starts where the first did.
    let mut cache = SumCache::default();
    Ok((
        prepared.fit(th_inf, false, &mut cache)?,
        prepared.fit(th_inf, true, &mut cache)?,
    ))
}

impl Prepared<'_> {
    /// `fmin` from `(0.5, 5.0)` with `th_inf` (V) fixed, or from
    /// `(0.5, 5.0, th_inf)` with it fitted too (`fit_th_inf`).
    fn fit(
        &self,
        th_inf: f64,
        fit_th_inf: bool,
        cache: &mut SumCache,
    ) -> Result<FminResult, FitError> {
        // Checked once up front: the objective fails for every x or for none.
        self.error(0.5, 5.0, th_inf, cache)?;
        let x0 = [0.1 * 5.0, 5.0, th_inf];
        let x0 = if fit_th_inf { &x0[..] } else { &x0[..2] };
        fmin(
            |x| {
                let th = if fit_th_inf { x[2] } else { th_inf };
                self.error(x[0], x[1], th, cache).unwrap_or(f64::NAN)
            },
            x0,
            &FminOptions::default(),
        )
        .map_err(|e| FitError::undetermined("voltage component of threshold", &e.to_string()))
    }
}

/// One Noise 1 sweep's term of the voltage component's objective: numpy's
/// sum of its intervals' squared errors (V^2; NaN errors left out, as
/// AllenSDK drops them). Interval `n` runs from `spikes[n - 1] +
/// spike_cut_length` to `spikes[n]` (`len` samples); its model predicts
/// the component at the end from the start, `vcomp[n - 1] exp(-b_voltage
/// dt len) + a_voltage exp(-b_voltage tlast) sum` with `tlast = (len - 1)
/// dt` (s) and `sum` (V s, from `sums`, one per interval in order) numpy's
/// sum of `dt (v - El) exp(b_voltage k dt)` over the interval, against the
/// measured `vcomp[n]` (V). `ab`: (a_voltage, b_voltage), 1/s. `sq`: a
/// buffer for the errors.
fn sweep_error(
    vcomp: &[f64],
    spikes: &[usize],
    spike_cut_length: usize,
    (a_voltage, b_voltage): (f64, f64),
    dt: f64,
    sums: &mut impl Iterator<Item = f64>,
    sq: &mut Vec<f64>,
) -> f64 {
    sq.clear();
    for n in 1..spikes.len() {
        let len = spikes[n] - (spikes[n - 1] + spike_cut_length);
        let sum = sums.next().expect("one sum per interval");
        let tlast = (len - 1) as f64 * dt;
        let model = vcomp[n - 1] * (-b_voltage * dt * len as f64).exp()
            + a_voltage * (-b_voltage * tlast).exp() * sum;
        let d = vcomp[n] - model;
        let err = d * d;
        if !err.is_nan() {
            sq.push(err);
        }
    }
    numpy_sum(sq)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The objective as computed before its interval sums were kept
    /// between evaluations: every sum recomputed at every call. The
    /// reference the cached evaluations must equal bit for bit.
    fn uncached_error(
        p: &Prepared<'_>,
        a_voltage: f64,
        b_voltage: f64,
        th_inf: f64,
    ) -> Result<f64, FitError> {
        let (sweeps, spike_cut_length, dt) = (p.sweeps, p.spike_cut_length, p.dt);
        let growth: Vec<f64> = (0..p.longest)
            .map(|k| (b_voltage * (k as f64 * dt)).exp())
            .collect();
        let mut total = 0.0;
        for (s, ((sw, less), weighted)) in sweeps.iter().zip(&p.less).zip(&p.weighted).enumerate() {
            let idx = sw.spikes;
            let vcomp: Vec<f64> = less.iter().map(|x| x - th_inf).collect();
            let mut sums = Vec::new();
            for n in 1..idx.len() {
                let start = idx[n - 1] + spike_cut_length;
                let end = idx[n];
                if start >= end || end > sw.voltage.len() {
                    return Err(FitError::undetermined("interval", &format!("sweep {s}")));
                }
                sums.push(numpy_sum_of_products(&weighted[start..end], &growth));
            }
            total += sweep_error(
                &vcomp,
                idx,
                spike_cut_length,
                (a_voltage, b_voltage),
                dt,
                &mut sums.into_iter(),
                &mut Vec::new(),
            );
        }
        Ok(total)
    }

    #[test]
    fn cached_interval_sums_give_the_uncached_objective_bit_for_bit() {
        let dt = 5e-5;
        let voltages: Vec<Vec<f64>> = (0..3)
            .map(|s| {
                (0..20_000)
                    .map(|n| -0.065 + 0.01 * ((n * (s + 2)) as f64 * 1e-3).sin())
                    .collect()
            })
            .collect();
        let spikes: Vec<Vec<usize>> = vec![
            vec![500, 1400, 5000, 5100, 9000, 19_000],
            vec![100, 7000, 7300, 15_000],
            vec![2000, 2600, 3300, 12_000, 19_990],
        ];
        let sweeps: Vec<VoltageComponentSweep<'_>> = voltages
            .iter()
            .zip(&spikes)
            .map(|(v, s)| VoltageComponentSweep {
                voltage: v,
                el: -0.07,
                spikes: s,
            })
            .collect();
        let p = Prepared::new(&sweeps, 40, dt, 0.003, 150.0).unwrap();
        let mut cache = SumCache::default();
        // More b values than the cache keeps, each met again later (from
        // the kept ones, from the latest, and after it was replaced).
        let mut points = Vec::new();
        for k in 0..2 * SumCache::KEPT + 3 {
            let b = 5.0 + 0.37 * k as f64;
            points.push((0.5, b, -0.05));
            points.push((0.7 - 0.01 * k as f64, b, -0.049));
        }
        for k in [
            0,
            1,
            SumCache::KEPT - 1,
            SumCache::KEPT,
            2 * SumCache::KEPT + 2,
        ] {
            points.push((0.2, 5.0 + 0.37 * k as f64, -0.051));
        }
        for (a, b, th) in points {
            let got = p.error(a, b, th, &mut cache).unwrap();
            let want = uncached_error(&p, a, b, th).unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "a {a}, b {b}, th {th}");
        }
    }
}
