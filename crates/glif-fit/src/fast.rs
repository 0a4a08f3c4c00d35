//! `--optimizer fast`: the optimum of the Allen optimizer's error function
//! (the MLIN error of forced-spike runs on Noise 1 at the finest
//! `dt_multiplier`, [`crate::optimizer::ThInfError`]) over the `th_inf`
//! coefficient, in three forced-spike evaluations instead of the 3 x 3
//! Nelder-Mead restarts of [`crate::optimizer::run_many`].
//!
//! Why three are enough. In a forced-spike run ([`crate::forced`]) the
//! model never spikes on its own: it is reset at the recorded spikes, and
//! neither its voltage, its after-spike currents nor the reset values of
//! either depend on the threshold. Every threshold rule the optimizer runs
//! computes `threshold = (spike and voltage components) + c * th_inf` with
//! `c` the coefficient, and `numpy.interp` onto the fitting grid is linear in
//! the values; the one exception, the initial threshold (`init_threshold`,
//! not scaled by `c`), enters the first interval only through that linear
//! interpolation. So at every sample the threshold is affine in `c` and the
//! voltage is constant:
//!
//! `th(t; c) = th(t; c0) + (c - c0) (th(t; c1) - th(t; c0)) / (c1 - c0)`,
//! `v(t; c) = v(t; c0)` (V),
//!
//! exactly in real arithmetic (to a few ulp of the threshold in floating
//! point). Two forced-spike evaluations, at `c0` (the Allen optimizer's
//! start, 1) and `c1 = c0 + 0.1`, therefore give the MLIN error at every `c`
//! without another forced run: `MLIN_list_error` (its bins, minima and
//! Laplace log-likelihoods, [`crate::mlin`]) is applied to the reconstructed
//! traces. That function of `c` is convex (each bin's term is the negative
//! log of a Laplace CDF, which is log-concave, of a `threshold - voltage`
//! difference affine in `c`; only the bins of the first interval, where the
//! slope varies from sample to sample, can bend it), so its one minimum is
//! found by golden-section bracketing and Brent's method to a relative
//! `x` tolerance of [`BRENT_XTOL`]. A third forced-spike evaluation at that
//! minimum gives the error that is reported, and checks the reconstruction:
//! if the voltages of the first two runs differ or the reconstructed error
//! differs from the real one by more than [`RECONSTRUCTION_REL`], the
//! search is redone by Brent's method on forced-spike evaluations
//! (`FastResult::reconstructed` is then `false`).

use crate::forced::{ForcedNeuron, ForcedRun};
use crate::mlin::{mlin_list_error, MlinData};
use crate::FitError;

/// Brent's method's relative tolerance on the coefficient: near the
/// minimum the error changes by about `f'' dx^2 / 2`, so 1e-8 in `c`
/// changes MLIN by far less than its own rounding.
pub const BRENT_XTOL: f64 = 1e-8;

/// The largest relative difference between the reconstructed and the real
/// MLIN error at the minimum for the reconstruction to be trusted: the
/// reconstruction's rounding (a few ulp of each threshold, summed over
/// thousands of bins) is below 1e-12 relative; a larger difference means
/// the model broke an assumption above.
pub const RECONSTRUCTION_REL: f64 = 1e-9;

/// The step from the start `c0` to the second coefficient `c1`.
const SECOND_POINT_STEP: f64 = 0.1;

/// The golden ratio of the bracket's expansion.
const GOLD: f64 = 1.618_033_988_749_895;

/// At most this many bracket expansions or Brent iterations.
const MAX_STEPS: usize = 200;

/// What [`fast_th_inf`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct FastResult {
    /// The chosen `th_inf` coefficient.
    pub coefficient: f64,
    /// The MLIN error there (from a forced-spike evaluation).
    pub error: f64,
    /// Every forced-spike evaluation in order: (coefficient, MLIN error),
    /// each one run per sweep.
    pub evaluations: Vec<(f64, f64)>,
    /// Evaluations of the reconstructed error (no forced runs).
    pub reconstructed_evaluations: usize,
    /// Whether the optimum was found on the reconstruction (`false`: by
    /// Brent's method on forced-spike evaluations, see the module docs).
    pub reconstructed: bool,
}

/// The `th_inf` coefficient minimising the MLIN error (`data`) of
/// `neuron`'s forced-spike runs on `stimuli` (A, float32 as loaded) reset
/// at `spikes`, at `dt_multiplier` (AllenSDK's finest is 10), starting from
/// `c0` (AllenSDK's `init_params`, 1): the error
/// [`crate::optimizer::ThInfError`] computes.
pub fn fast_th_inf(
    neuron: &ForcedNeuron,
    stimuli: &[&[f32]],
    spikes: &[&[usize]],
    data: MlinData,
    c0: f64,
    dt_multiplier: usize,
) -> Result<FastResult, FitError> {
    if !c0.is_finite() {
        return Err(FitError::invalid(
            "the starting th_inf coefficient",
            c0,
            "a finite number",
        ));
    }
    let mut neuron = neuron.clone();
    neuron.set_dt_multiplier(dt_multiplier as f64)?;
    let (spike_cut, dt) = (neuron.spike_cut_length, neuron.dt);
    let score = |v: &[&[f64]], th: &[&[f64]]| -> Result<f64, FitError> {
        let sweeps: Vec<(&[usize], &[f64], &[f64])> = spikes
            .iter()
            .zip(v)
            .zip(th)
            .map(|((s, v), t)| (*s, *v, *t))
            .collect();
        mlin_list_error(&sweeps, spike_cut, dt, data)
    };
    let mut evaluations = Vec::new();
    let mut real = |c: f64| -> Result<(Vec<ForcedRun>, f64), FitError> {
        neuron.coeff_th_inf = c;
        let runs = stimuli
            .iter()
            .zip(spikes)
            .map(|(i, s)| neuron.run(i, s, &f64::exp))
            .collect::<Result<Vec<_>, _>>()?;
        let v: Vec<&[f64]> = runs.iter().map(|r| r.voltage.as_slice()).collect();
        let th: Vec<&[f64]> = runs.iter().map(|r| r.threshold.as_slice()).collect();
        let e = score(&v, &th)?;
        evaluations.push((c, e));
        Ok((runs, e))
    };
    let c1 = c0 + SECOND_POINT_STEP;
    let (runs0, e0) = real(c0)?;
    let (runs1, e1) = real(c1)?;
    let same_voltage = runs0.iter().zip(&runs1).all(|(a, b)| {
        a.voltage
            .iter()
            .zip(&b.voltage)
            .all(|(x, y)| x.to_bits() == y.to_bits())
    });
    let mut reconstructed_evaluations = 0;
    let mut found = None;
    if same_voltage {
        let slopes: Vec<Vec<f64>> = runs0
            .iter()
            .zip(&runs1)
            .map(|(a, b)| {
                a.threshold
                    .iter()
                    .zip(&b.threshold)
                    .map(|(t0, t1)| (t1 - t0) / (c1 - c0))
                    .collect()
            })
            .collect();
        let mut th: Vec<Vec<f64>> = runs0.iter().map(|r| r.threshold.clone()).collect();
        let v: Vec<&[f64]> = runs0.iter().map(|r| r.voltage.as_slice()).collect();
        let mut model = |c: f64| -> f64 {
            reconstructed_evaluations += 1;
            for ((t, r), s) in th.iter_mut().zip(&runs0).zip(&slopes) {
                for ((ti, t0), si) in t.iter_mut().zip(&r.threshold).zip(s) {
                    *ti = t0 + (c - c0) * si;
                }
            }
            let t: Vec<&[f64]> = th.iter().map(Vec::as_slice).collect();
            score(&v, &t).unwrap_or(f64::INFINITY)
        };
        let (c, predicted) = minimize(&mut model, (c0, e0), (c1, e1))?;
        let (_, e) = real(c)?;
        let rel = ((e - predicted) / e).abs();
        if rel <= RECONSTRUCTION_REL {
            found = Some((c, e));
        }
    }
    let reconstructed = found.is_some();
    if !reconstructed {
        let mut failed = None;
        let mut f = |c: f64| match real(c) {
            Ok((_, e)) => e,
            Err(x) => {
                failed.get_or_insert(x);
                f64::INFINITY
            }
        };
        minimize(&mut f, (c0, e0), (c1, e1))?;
        if let Some(x) = failed {
            return Err(x);
        }
    }
    // The best forced-spike evaluation: the minimum (the first of equals).
    let (coefficient, error) = evaluations.iter().copied().fold(
        (f64::NAN, f64::INFINITY),
        |b, x| if x.1 < b.1 { x } else { b },
    );
    Ok(FastResult {
        coefficient,
        error,
        evaluations,
        reconstructed_evaluations,
        reconstructed,
    })
}

/// The minimum of `f` from two evaluated points: golden-section bracketing
/// downhill from them, then Brent's method (parabolic steps guarded by
/// golden sections) to [`BRENT_XTOL`]. Returns the point and its value.
pub fn minimize(
    f: &mut dyn FnMut(f64) -> f64,
    p: (f64, f64),
    q: (f64, f64),
) -> Result<(f64, f64), FitError> {
    let stuck = |why: &str| FitError::undetermined("the fast th_inf optimizer", why);
    // Downhill from a to b.
    let ((mut a, fa), (mut b, mut fb)) = if q.1 <= p.1 { (p, q) } else { (q, p) };
    if !(fa.is_finite() && fb.is_finite()) {
        return Err(stuck(&format!(
            "the error is {fa} at coefficient {a} and {fb} at {b}: expected finite values"
        )));
    }
    let mut c = b + GOLD * (b - a);
    let mut fc = f(c);
    let mut steps = 0;
    while fc < fb {
        steps += 1;
        if steps > MAX_STEPS || !c.is_finite() {
            return Err(stuck(&format!(
                "the error keeps falling to coefficient {c}: no minimum bracketed"
            )));
        }
        (a, b, fb) = (b, c, fc);
        c = b + GOLD * (b - a);
        fc = f(c);
    }
    // Brent's method on [lo, hi] with b inside and f(b) <= f(a), f(c).
    let (mut lo, mut hi) = if a < c { (a, c) } else { (c, a) };
    const CGOLD: f64 = 0.381_966_011_250_105;
    const ZEPS: f64 = 1e-21;
    let (mut x, mut w, mut v) = (b, b, b);
    let (mut fx, mut fw, mut fv) = (fb, fb, fb);
    let (mut d, mut e) = (0.0f64, 0.0f64);
    for _ in 0..MAX_STEPS {
        let xm = 0.5 * (lo + hi);
        let tol1 = BRENT_XTOL * x.abs() + ZEPS;
        let tol2 = 2.0 * tol1;
        if (x - xm).abs() <= tol2 - 0.5 * (hi - lo) {
            return Ok((x, fx));
        }
        let mut golden = true;
        if e.abs() > tol1 {
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            let etemp = e;
            if !(p.abs() >= (0.5 * q * etemp).abs() || p <= q * (lo - x) || p >= q * (hi - x)) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - lo < tol2 || hi - u < tol2 {
                    d = tol1.copysign(xm - x);
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= xm { lo - x } else { hi - x };
            d = CGOLD * e;
        }
        let u = if d.abs() >= tol1 {
            x + d
        } else {
            x + tol1.copysign(d)
        };
        let fu = f(u);
        if fu <= fx {
            if u >= x {
                lo = x;
            } else {
                hi = x;
            }
            (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu);
        } else {
            if u < x {
                lo = u;
            } else {
                hi = u;
            }
            if fu <= fw || w == x {
                (v, fv, w, fw) = (w, fw, u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
    }
    Err(stuck(&format!(
        "Brent's method did not converge in {MAX_STEPS} steps (at coefficient {x})"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimize_finds_a_parabola_and_an_asymmetric_convex_minimum() {
        let mut n = 0;
        let mut f = |x: f64| {
            n += 1;
            (x - 0.8).powi(2) + 3.0
        };
        let (p, q) = ((1.0, f(1.0)), (1.1, f(1.1)));
        let (x, fx) = minimize(&mut f, p, q).unwrap();
        assert!((x - 0.8).abs() < 1e-7, "{x}");
        assert_eq!(fx, (x - 0.8).powi(2) + 3.0);
        assert!(n < 40, "{n} evaluations");
        // A Laplace-like kink-free convex function, minimum at 1.7.
        let mut g = |x: f64| (x - 1.7f64).abs() + (1.0 + (x - 1.7f64).powi(2)).ln();
        let (p, q) = ((1.0, g(1.0)), (1.1, g(1.1)));
        let (x, _) = minimize(&mut g, p, q).unwrap();
        assert!((x - 1.7).abs() < 1e-6, "{x}");
    }

    #[test]
    fn minimize_refuses_an_error_without_a_minimum_or_a_bad_start() {
        let mut f = |x: f64| -x;
        let e = minimize(&mut f, (1.0, -1.0), (1.1, -1.1)).unwrap_err();
        assert!(e.to_string().contains("no minimum bracketed"), "{e}");
        let mut g = |x: f64| x;
        let e = minimize(&mut g, (1.0, f64::NAN), (1.1, 1.1)).unwrap_err();
        assert!(e.to_string().contains("expected finite values"), "{e}");
    }
}
