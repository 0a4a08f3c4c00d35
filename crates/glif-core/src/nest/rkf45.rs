//! GSL's adaptive Runge-Kutta-Fehlberg 4(5) integration as NEST's
//! `glif_cond` drives it (the old `gsl_odeiv_*` interface of GSL 1.x: the
//! `rkf45` stepper, the standard step-size control, the evolve driver),
//! computed the same way so that the step sequence and every value agree
//! bit for bit with a NEST run.
//!
//! One [`evolve_apply`] is one call of GSL's `gsl_odeiv_evolve_apply`:
//!
//! 1. the derivative `k1 = f(y)` at the start (RKF45 uses it for its first
//!    stage, and GSL evaluates it once per call, also when a step is retried);
//! 2. the trial step `h0` = the carried step size, cut to the time left
//!    (`h0 = t1 - t` when it would overshoot; then `t` becomes exactly `t1`,
//!    otherwise `t + h0`);
//! 3. one RKF45 step of size `h0` ([`rkf45_step`]): five more derivative
//!    evaluations, the new state from Fehlberg's fifth-order weights (GSL's
//!    `c1, c3..c6`) and the error estimate from the differences `ec` of the
//!    embedded fourth- and fifth-order weights;
//! 4. the control ([`Control::hadjust`]): `r_i = |err_i| / D0_i` with
//!    `D0_i = eps_rel (a_y |y_i|) + eps_abs`, `rmax` = the largest `r_i`
//!    (at least the smallest normal number). `rmax > 1.1`: the step size
//!    becomes `h0 max(0.2, 0.9 / rmax^(1/5))` and the step is undone and
//!    retried (unless the new size would not be smaller or would not move
//!    `t` by one ulp: then the step stands and `h0` is kept); `rmax < 0.5`:
//!    the next step size is `h0 min(5, max(1, 0.9 / rmax^(1/6)))`; otherwise
//!    unchanged. The step size is returned for the next call.
//!
//! Every sum is written in GSL's order, with GSL's coefficients (exact
//! quotients rounded once, as the C compiler folds them). `pow` comes from
//! a [`PowProvider`]; glibc's gives NEST's bits.
//!
//! What is left out, and why it changes no result of NEST's `glif_cond`:
//! the time argument of the derivative (`glif_cond`'s dynamics do not read
//! it) and the derivative at the end of each step, which GSL computes only
//! for the control's `a_dydt` term: NEST's control has `a_dydt` = 0, and
//! `0 * |h f|` adds an exact zero whenever that derivative is finite (with a
//! non-finite state NEST's run is meaningless anyway). Step counters are not
//! kept. GSL's check that the step and interval directions agree cannot
//! fail here: the step size only ever is multiplied by positive factors.

use super::math::PowProvider;
use crate::Float;

/// A state vector the integrator can work on, component by component (the
/// order of the components does not matter: every operation is per
/// component, and the largest error ratio is the same in any order).
pub trait OdeState<F: Float>: Copy {
    /// A new vector whose component `i` is `f(self_i, [k_i for k in ks])`.
    fn combine<const K: usize>(&self, ks: [&Self; K], f: impl Fn(F, [F; K]) -> F) -> Self;
    /// `acc = f(acc, self_i, other_i)` over every component, starting at `init`.
    fn fold_with(&self, other: &Self, init: F, f: impl Fn(F, F, F) -> F) -> F;
}

impl<F: Float, const N: usize> OdeState<F> for [F; N] {
    #[inline(always)]
    fn combine<const K: usize>(&self, ks: [&Self; K], f: impl Fn(F, [F; K]) -> F) -> Self {
        core::array::from_fn(|i| f(self[i], ks.map(|k| k[i])))
    }
    #[inline(always)]
    fn fold_with(&self, other: &Self, init: F, f: impl Fn(F, F, F) -> F) -> F {
        let mut acc = init;
        for i in 0..N {
            acc = f(acc, self[i], other[i]);
        }
        acc
    }
}

/// An autonomous system `y' = f(y)`.
pub trait OdeSystem<F: Float, Y: OdeState<F>> {
    /// `f(y)`.
    fn derivative(&self, y: &Y) -> Y;
}

// GSL's rkf45.c coefficients (Fehlberg's), each an exact quotient rounded
// once to f64, as C folds `1.0/4.0` etc.
const AH0: f64 = 1.0 / 4.0;
const B3: [f64; 2] = [3.0 / 32.0, 9.0 / 32.0];
const B4: [f64; 3] = [1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0];
const B5: [f64; 4] = [
    8341.0 / 4104.0,
    -32832.0 / 4104.0,
    29440.0 / 4104.0,
    -845.0 / 4104.0,
];
const B6: [f64; 5] = [
    -6080.0 / 20520.0,
    41040.0 / 20520.0,
    -28352.0 / 20520.0,
    9295.0 / 20520.0,
    -5643.0 / 20520.0,
];
const C1: f64 = 902880.0 / 7618050.0;
const C3: f64 = 3953664.0 / 7618050.0;
const C4: f64 = 3855735.0 / 7618050.0;
const C5: f64 = -1371249.0 / 7618050.0;
const C6: f64 = 277020.0 / 7618050.0;
/// Differences of the fifth- and fourth-order weights (error estimate).
const EC1: f64 = 1.0 / 360.0;
const EC3: f64 = -128.0 / 4275.0;
const EC4: f64 = -2197.0 / 75240.0;
const EC5: f64 = 1.0 / 50.0;
const EC6: f64 = 2.0 / 55.0;
/// The order GSL's rkf45 reports to the control.
const ORDER: f64 = 5.0;

/// One RKF45 step of size `h` from `y`, whose derivative is `k1`: the new
/// state and the error estimate (GSL's `rkf45_apply`, in its order).
#[inline(always)]
pub fn rkf45_step<F: Float, Y: OdeState<F>, S: OdeSystem<F, Y>>(
    sys: &S,
    y: &Y,
    k1: &Y,
    h: F,
) -> (Y, Y) {
    let c = F::from_f64;
    let ah0_h = c(AH0) * h;
    let ytmp = y.combine([k1], |y, [a]| y + ah0_h * a);
    let k2 = sys.derivative(&ytmp);
    let (b30, b31) = (c(B3[0]), c(B3[1]));
    let ytmp = y.combine([k1, &k2], |y, [a, b]| y + h * (b30 * a + b31 * b));
    let k3 = sys.derivative(&ytmp);
    let b4 = B4.map(c);
    let ytmp = y.combine([k1, &k2, &k3], |y, [a, b, d]| {
        y + h * (b4[0] * a + b4[1] * b + b4[2] * d)
    });
    let k4 = sys.derivative(&ytmp);
    let b5 = B5.map(c);
    let ytmp = y.combine([k1, &k2, &k3, &k4], |y, [a, b, d, e]| {
        y + h * (b5[0] * a + b5[1] * b + b5[2] * d + b5[3] * e)
    });
    let k5 = sys.derivative(&ytmp);
    let b6 = B6.map(c);
    let ytmp = y.combine([k1, &k2, &k3, &k4, &k5], |y, [a, b, d, e, g]| {
        y + h * (b6[0] * a + b6[1] * b + b6[2] * d + b6[3] * e + b6[4] * g)
    });
    let k6 = sys.derivative(&ytmp);
    let (c1, c3, c4, c5, c6) = (c(C1), c(C3), c(C4), c(C5), c(C6));
    let y_new = y.combine([k1, &k3, &k4, &k5, &k6], |y, [a, b, d, e, g]| {
        let d_i = c1 * a + c3 * b + c4 * d + c5 * e + c6 * g;
        y + h * d_i
    });
    let (e1, e3, e4, e5, e6) = (c(EC1), c(EC3), c(EC4), c(EC5), c(EC6));
    let yerr = k1.combine([&k3, &k4, &k5, &k6], |a, [b, d, e, g]| {
        h * (e1 * a + e3 * b + e4 * d + e5 * e + e6 * g)
    });
    (y_new, yerr)
}

/// What the control decided (GSL's `GSL_ODEIV_HADJ_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adjust {
    /// Error too large: smaller step.
    Decrease,
    /// Error small: larger step next time.
    Increase,
    /// Unchanged.
    Keep,
}

/// GSL's standard step-size control (`gsl_odeiv_control_standard`) with
/// `a_dydt` = 0, the one NEST's `glif_cond` uses (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Control<F> {
    /// Absolute error tolerance (per component, in the component's unit).
    pub eps_abs: F,
    /// Relative error tolerance.
    pub eps_rel: F,
    /// Weight of `|y|` in the relative tolerance.
    pub a_y: F,
}

impl<F: Float> Control<F> {
    /// NEST's `glif_cond`: `gsl_odeiv_control_y_new(1e-3, 0.0)`
    /// (`eps_abs` = 1e-3, `eps_rel` = 0, `a_y` = 1, `a_dydt` = 0).
    pub fn nest_glif_cond() -> Self {
        Control {
            eps_abs: F::from_f64(1e-3),
            eps_rel: F::ZERO,
            a_y: F::ONE,
        }
    }

    /// GSL's `std_control_hadjust` for the rkf45 stepper (order 5): from
    /// the state `y` after a step of size `*h`, and its error estimate,
    /// the next step size in `*h`.
    #[inline(always)]
    pub fn hadjust<Y: OdeState<F>, W: PowProvider<F>>(
        &self,
        y: &Y,
        yerr: &Y,
        h: &mut F,
        pow: &W,
    ) -> Adjust {
        let abs = |x: F| if x < F::ZERO { -x } else { x };
        let (eps_abs, eps_rel, a_y) = (self.eps_abs, self.eps_rel, self.a_y);
        let h_old = *h;
        // GSL starts from DBL_MIN, the smallest normal double (f32's for f32).
        let start = if F::BYTES == 8 {
            F::from_f64(f64::MIN_POSITIVE)
        } else {
            F::from_f64(f32::MIN_POSITIVE as f64)
        };
        let rmax = y.fold_with(yerr, start, |rmax, y, e| {
            let d0 = eps_rel * (a_y * abs(y)) + eps_abs;
            let r = abs(e) / abs(d0);
            // GSL_MAX_DBL(r, rmax): a NaN r keeps rmax.
            if r > rmax {
                r
            } else {
                rmax
            }
        });
        let s = F::from_f64(0.9);
        if rmax > F::from_f64(1.1) {
            let mut r = s / pow.pow(rmax, F::from_f64(1.0 / ORDER));
            let lo = F::from_f64(0.2);
            if r < lo {
                r = lo;
            }
            *h = r * h_old;
            Adjust::Decrease
        } else if rmax < F::from_f64(0.5) {
            let mut r = s / pow.pow(rmax, F::from_f64(1.0 / (ORDER + 1.0)));
            let hi = F::from_f64(5.0);
            if r > hi {
                r = hi;
            }
            if r < F::ONE {
                r = F::ONE;
            }
            *h = r * h_old;
            Adjust::Increase
        } else {
            Adjust::Keep
        }
    }
}

/// GSL's `gsl_odeiv_evolve_apply` with the rkf45 stepper and control `c`:
/// one accepted step from `*t` towards `t1` (`*t < t1`), step size `*h` in
/// and the next step size out, `y` advanced in place. See the module docs.
#[inline]
pub fn evolve_apply<F: Float, Y: OdeState<F>, S: OdeSystem<F, Y>, W: PowProvider<F>>(
    sys: &S,
    c: &Control<F>,
    pow: &W,
    t: &mut F,
    t1: F,
    h: &mut F,
    y: &mut Y,
) {
    let abs = |x: F| if x < F::ZERO { -x } else { x };
    let t0 = *t;
    let mut h0 = *h;
    let dt = t1 - t0;
    let y0 = *y;
    let k1 = sys.derivative(&y0);
    loop {
        let final_step = (dt >= F::ZERO && h0 > dt) || (dt < F::ZERO && h0 < dt);
        if final_step {
            h0 = dt;
        }
        let (y_new, yerr) = rkf45_step(sys, &y0, &k1, h0);
        *y = y_new;
        *t = if final_step { t1 } else { t0 + h0 };
        let h_old = h0;
        if c.hadjust(y, &yerr, &mut h0, pow) == Adjust::Decrease {
            // GSL retries only if the step really shrank and the new size
            // moves the (already advanced) time by at least one ulp.
            let t_curr = *t;
            let t_next = *t + h0;
            if abs(h0) < abs(h_old) && t_next != t_curr {
                *y = y0;
                continue;
            }
            h0 = h_old;
        }
        break;
    }
    *h = h0;
}
