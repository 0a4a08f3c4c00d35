//! Where `exp` and `expm1` come from when NEST's propagators are computed.
//!
//! NEST evaluates every `exp`/`expm1` of its GLIF models once, when a run is
//! prepared (`pre_run_hook`), never in the update loop. Its `exp` comes from
//! the C library (glibc on Linux); its `expm1`, in the registry package, from
//! its own series ([`series_expm1`]). Bit equality with a NEST run therefore
//! needs the same values as that C library for a handful of arguments; the
//! update loop itself uses only `+ - * /` and comparisons.
//!
//! [`Libm`] uses the `libm` crate, the same on every target; a host front
//! end with `std` can pass its own provider (`f64::exp` calls the
//! platform's C library on Linux).
//!
//! `glif_cond` is the exception: its integrator (GSL's RKF45 with its
//! standard step-size control) calls `pow` once per integration sub-step,
//! through a [`PowProvider`].

use crate::Float;

/// Supplies `exp` (and `expm1`) for the propagators (called only when a
/// model is built, never per step).
///
/// `expm1` defaults to [`series_expm1`], NEST's own `numerics::expm1`
/// fallback, which is what the `nest-simulator` 3.10.0 package from the
/// Python registry runs (it was built without `HAVE_EXPM1`: its
/// `IAFPropagator::evaluate_P32_` calls no `expm1`, it sums the series
/// inline). A provider for a NEST build with `HAVE_EXPM1` (C library
/// `expm1`) overrides it.
pub trait ExpProvider<F: Float> {
    /// `e^x`.
    fn exp(&self, x: F) -> F;
    /// `e^x - 1` as NEST computes it (default: [`series_expm1`]).
    fn expm1(&self, x: F) -> F {
        series_expm1(x, |y| self.exp(y))
    }
}

/// NEST's `numerics::expm1` without `HAVE_EXPM1` (libnestutil/numerics.h):
/// 0 for 0; `exp(x) - 1` when `|x| > ln 2`; otherwise the Taylor series
/// `x + x^2/2! + x^3/3! + ...`, summed while the next term exceeds
/// `|sum| * epsilon` (epsilon of `F`; NEST's is f64's), each term the last
/// one times `x / n`. Converges in under 40 terms for `|x| <= ln 2`; the
/// loop stops after 200 regardless (a NaN stops at once).
pub fn series_expm1<F: Float>(x: F, exp: impl Fn(F) -> F) -> F {
    let abs = |v: F| if v < F::ZERO { -v } else { v };
    if x == F::ZERO {
        return F::ZERO;
    }
    if abs(x) > F::from_f64(core::f64::consts::LN_2) {
        return exp(x) - F::ONE;
    }
    let eps = if F::BYTES == 8 {
        F::from_f64(f64::EPSILON)
    } else {
        F::from_f64(f32::EPSILON as f64)
    };
    let mut sum = x;
    let mut term = x * x / F::from_f64(2.0);
    let mut n: usize = 2;
    while abs(term) > abs(sum) * eps && n < 200 {
        sum = sum + term;
        n += 1;
        term = term * (x / F::from_count(n));
    }
    sum
}

/// `exp` from the `libm` crate (a port of musl's/FreeBSD's routines):
/// identical on host and firmware. Whether it agrees with glibc's on the
/// arguments a model uses is measured by the project's NEST reference
/// checks (docs/NEST.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Libm;

impl ExpProvider<f64> for Libm {
    #[inline]
    fn exp(&self, x: f64) -> f64 {
        libm::exp(x)
    }
}

impl ExpProvider<f32> for Libm {
    #[inline]
    fn exp(&self, x: f32) -> f32 {
        libm::expf(x)
    }
}

impl<F: Float, P: ExpProvider<F>> ExpProvider<F> for &P {
    #[inline]
    fn exp(&self, x: F) -> F {
        (**self).exp(x)
    }
    #[inline]
    fn expm1(&self, x: F) -> F {
        (**self).expm1(x)
    }
}

/// Supplies `pow` for the step-size control of `glif_cond`'s integrator
/// (GSL's `std_control_hadjust` calls the C library's `pow` once per
/// integration sub-step, so unlike `exp` it is on the hot path).
///
/// glibc's `pow` (what NEST calls on Linux, and what `f64::powf` calls
/// through `std` there) is correctly rounded in practice; [`Libm`]'s is the
/// `libm` crate's (musl's), which may differ in the last bit for some
/// arguments. A host front end with `std` can pass its own provider.
pub trait PowProvider<F: Float> {
    /// `x^y`.
    fn pow(&self, x: F, y: F) -> F;
}

impl PowProvider<f64> for Libm {
    #[inline]
    fn pow(&self, x: f64, y: f64) -> f64 {
        libm::pow(x, y)
    }
}

impl PowProvider<f32> for Libm {
    #[inline]
    fn pow(&self, x: f32, y: f32) -> f32 {
        libm::powf(x, y)
    }
}

impl<F: Float, P: PowProvider<F>> PowProvider<F> for &P {
    #[inline]
    fn pow(&self, x: F, y: F) -> F {
        (**self).pow(x, y)
    }
}

/// True when `x` is a normal number (not zero, subnormal, infinite or NaN),
/// as C's `std::isnormal`.
#[inline]
pub(crate) fn is_normal<F: Float>(x: F) -> bool {
    if !x.is_finite() || x == F::ZERO {
        return false;
    }
    let bits = x.to_bits_u64();
    if F::BYTES == 8 {
        (bits >> 52) & 0x7ff != 0
    } else {
        (bits >> 23) & 0xff != 0
    }
}
