//! Voltage dynamics rules.

use super::families::{Rule, VoltageDynamics};
use crate::error::ParamError;
use crate::float::Float;
use crate::params::{check_derived, Params};

/// `linear_forward_euler`: one forward-Euler step of the leaky membrane,
///
/// `v1 = v0 + (inj + S - g*(v0 - El)) * dt / Ce`
///
/// with `S` the sum of the previous after-spike currents (A),
/// `g = G*coeffs.G` (S), `Ce = C*coeffs.C` (F), evaluated in that order
/// (the parenthesis times `dt`, then divided by `Ce`), as AllenSDK does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LinearForwardEuler;

/// Constants of [`LinearForwardEuler`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ForwardEulerConsts<F> {
    /// `G*coeffs.G` (S).
    pub g: F,
    /// `El` (V).
    pub el: F,
    /// `dt` (s).
    pub dt: F,
    /// `C*coeffs.C` (F).
    pub ce: F,
}

impl<F: Float, const N: usize> Rule<F, N> for LinearForwardEuler {
    const NAME: &'static str = "linear_forward_euler";
    type Prepared = ForwardEulerConsts<F>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        _exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(ForwardEulerConsts {
            g: p.conductance(),
            el: p.el(),
            dt: p.dt(),
            ce: p.capacitance(),
        })
    }
}

impl<F: Float, const N: usize> VoltageDynamics<F, N> for LinearForwardEuler {
    #[inline(always)]
    fn step(k: &Self::Prepared, v0: F, inj: F, asc_sum: F) -> F {
        v0 + (inj + asc_sum - k.g * (v0 - k.el)) * k.dt / k.ce
    }
}

/// `linear_exact`: the exact solution of the leaky membrane over one step
/// with the input held constant,
///
/// `v1 = v0*exp(-dt*r) + N*(1 - exp(-r*dt)) / r`,
/// `r = g/Ce` (1/s), `N = (inj + S + g*El)/Ce` (V/s).
///
/// Defined in AllenSDK's source but not registered in its method table, so
/// AllenSDK cannot load a file that names it; offered here because it is the
/// better integrator. Requires `G*coeffs.G > 0`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LinearExact;

/// Constants of [`LinearExact`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearExactConsts<F> {
    /// `g*El` (A).
    pub g_el: F,
    /// `C*coeffs.C` (F).
    pub ce: F,
    /// `r = g/Ce` (1/s).
    pub r: F,
    /// `exp(-dt*r)`.
    pub decay: F,
    /// `1 - exp(-r*dt)`.
    pub one_minus_decay: F,
}

impl<F: Float, const N: usize> Rule<F, N> for LinearExact {
    const NAME: &'static str = "linear_exact";
    type Prepared = LinearExactConsts<F>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        let g = p.conductance();
        if g <= F::ZERO {
            return Err(ParamError::new(
                "coeffs.G",
                crate::error::Problem::NotPositive,
            ));
        }
        let ce = p.capacitance();
        let r = g / ce;
        let dt = p.dt();
        Ok(LinearExactConsts {
            g_el: check_derived("G*coeffs.G*El", g * p.el())?,
            ce,
            r: check_derived("G*coeffs.G/(C*coeffs.C)", r)?,
            decay: exp(-dt * r),
            one_minus_decay: F::ONE - exp(-r * dt),
        })
    }
}

impl<F: Float, const N: usize> VoltageDynamics<F, N> for LinearExact {
    #[inline(always)]
    fn step(k: &Self::Prepared, v0: F, inj: F, asc_sum: F) -> F {
        let n = (inj + asc_sum + k.g_el) / k.ce;
        v0 * k.decay + n * k.one_minus_decay / k.r
    }
}
