//! Threshold dynamics rules.

use super::families::{Rule, ThresholdComponents, ThresholdDynamics};
use crate::error::{ParamError, Problem};
use crate::float::Float;
use crate::params::{check_derived, check_finite, Params};

/// `inf`: the threshold is constant, `th1 = th_inf*coeffs.th_inf` (V). The
/// threshold components are left as they are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ThresholdInf;

impl<F: Float, const N: usize> Rule<F, N> for ThresholdInf {
    const NAME: &'static str = "inf";
    type Prepared = F;

    fn prepare(&self, p: &Params<F, N>, _exp: &dyn Fn(F) -> F) -> Result<F, ParamError> {
        Ok(p.th_inf_effective())
    }
}

impl<F: Float, const N: usize> ThresholdDynamics<F, N> for ThresholdInf {
    #[inline(always)]
    fn step(
        th_inf: &F,
        _v0: F,
        components: ThresholdComponents<F>,
        _inj: F,
        _asc_sum: F,
    ) -> (F, ThresholdComponents<F>) {
        (*th_inf, components)
    }
}

/// `spike_component`: a spike component that decays exponentially,
///
/// `ths1 = ths0 * exp(-b_spike*dt)`, `th1 = ths1 + th_inf*coeffs.th_inf`;
/// the voltage component is set to 0.
///
/// AllenSDK passes `a_spike`, `a_voltage` and `b_voltage` too, and ignores
/// them; they are kept here so a configuration round-trips.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SpikeComponent<F> {
    /// Unused by this rule (V).
    pub a_spike: F,
    /// Decay rate of the spike component (1/s).
    pub b_spike: F,
    /// Unused by this rule (1/s).
    pub a_voltage: F,
    /// Unused by this rule (1/s).
    pub b_voltage: F,
}

/// Constants of [`SpikeComponent`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpikeComponentConsts<F> {
    /// `exp(-b_spike*dt)`.
    pub spike_decay: F,
    /// `th_inf*coeffs.th_inf` (V).
    pub th_inf: F,
}

impl<F: Float, const N: usize> Rule<F, N> for SpikeComponent<F> {
    const NAME: &'static str = "spike_component";
    type Prepared = SpikeComponentConsts<F>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        check_finite("threshold_dynamics_method.params.a_spike", self.a_spike)?;
        let b_spike = check_finite("threshold_dynamics_method.params.b_spike", self.b_spike)?;
        check_finite("threshold_dynamics_method.params.a_voltage", self.a_voltage)?;
        check_finite("threshold_dynamics_method.params.b_voltage", self.b_voltage)?;
        Ok(SpikeComponentConsts {
            spike_decay: check_derived("exp(-b_spike*dt)", exp(-b_spike * p.dt()))?,
            th_inf: p.th_inf_effective(),
        })
    }
}

impl<F: Float, const N: usize> ThresholdDynamics<F, N> for SpikeComponent<F> {
    #[inline(always)]
    fn step(
        k: &Self::Prepared,
        _v0: F,
        components: ThresholdComponents<F>,
        _inj: F,
        _asc_sum: F,
    ) -> (F, ThresholdComponents<F>) {
        let spike = components.spike * k.spike_decay;
        (
            spike + k.th_inf,
            ThresholdComponents {
                spike,
                voltage: F::ZERO,
            },
        )
    }
}

/// `three_components_exact`: a decaying spike component plus a voltage
/// component that follows the voltage, integrated exactly over one step
/// (Mihalas & Niebur 2009, eq. 2.1, relative to `th_inf`). With
/// `a = a_voltage*coeffs.a` (1/s), `b = b_voltage*coeffs.b` (1/s),
/// `I = inj + S` (A), `g = G*coeffs.G` (S), `Ce = C*coeffs.C` (F):
///
/// - `ths1 = ths0 * exp(-b_spike*dt)`
/// - `beta = (I + g*El)/g`, `phi = a/(b - g/Ce)`
/// - `thv1 = phi*(v0 - beta)*exp(-g*dt/Ce)
///         + (1/exp(b*dt))*(thv0 - phi*(v0 - beta) - (a/b)*(beta - El))
///         + (a/b)*(beta - El)`
/// - `th1 = thv1 + ths1 + th_inf*coeffs.th_inf`
///
/// It reads `v0` and the currents before their decay. `a_spike` is unused
/// (it is the threshold reset's); it is kept so a configuration round-trips.
/// Requires `g > 0`, `b != 0` and `b != g/Ce`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ThreeComponentsExact<F> {
    /// Unused by this rule (V).
    pub a_spike: F,
    /// Decay rate of the spike component (1/s).
    pub b_spike: F,
    /// Coupling of the voltage component to the voltage (1/s).
    pub a_voltage: F,
    /// Decay rate of the voltage component (1/s).
    pub b_voltage: F,
}

/// Constants of [`ThreeComponentsExact`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThreeComponentsExactConsts<F> {
    /// `exp(-b_spike*dt)`.
    pub spike_decay: F,
    /// `g = G*coeffs.G` (S).
    pub g: F,
    /// `g*El` (A).
    pub g_el: F,
    /// `El` (V).
    pub el: F,
    /// `phi = a/(b - g/Ce)`.
    pub phi: F,
    /// `exp(-g*dt/Ce)`.
    pub membrane_decay: F,
    /// `1/exp(b*dt)`.
    pub voltage_decay: F,
    /// `a/b`.
    pub a_over_b: F,
    /// `th_inf*coeffs.th_inf` (V).
    pub th_inf: F,
}

impl<F: Float, const N: usize> Rule<F, N> for ThreeComponentsExact<F> {
    const NAME: &'static str = "three_components_exact";
    type Prepared = ThreeComponentsExactConsts<F>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        const B_VOLTAGE: &str = "threshold_dynamics_method.params.b_voltage";
        check_finite("threshold_dynamics_method.params.a_spike", self.a_spike)?;
        let b_spike = check_finite("threshold_dynamics_method.params.b_spike", self.b_spike)?;
        let a_voltage = check_finite("threshold_dynamics_method.params.a_voltage", self.a_voltage)?;
        let b_voltage = check_finite(B_VOLTAGE, self.b_voltage)?;
        let g = p.conductance();
        if g == F::ZERO {
            return Err(ParamError::new("coeffs.G", Problem::Zero));
        }
        let ce = p.capacitance();
        let dt = p.dt();
        let a = a_voltage * p.spec().coeffs.a;
        let b = b_voltage * p.spec().coeffs.b;
        if b == F::ZERO {
            return Err(ParamError::new(B_VOLTAGE, Problem::Zero));
        }
        let denominator = b - g / ce;
        if denominator == F::ZERO {
            return Err(ParamError::new(B_VOLTAGE, Problem::SingularThreshold));
        }
        Ok(ThreeComponentsExactConsts {
            spike_decay: check_derived("exp(-b_spike*dt)", exp(-b_spike * dt))?,
            g,
            g_el: check_derived("G*coeffs.G*El", g * p.el())?,
            el: p.el(),
            phi: check_derived("a_voltage/(b_voltage - G/C)", a / denominator)?,
            membrane_decay: check_derived("exp(-G*dt/C)", exp(-g * dt / ce))?,
            voltage_decay: check_derived("1/exp(b_voltage*dt)", F::ONE / exp(b * dt))?,
            a_over_b: check_derived("a_voltage/b_voltage", a / b)?,
            th_inf: p.th_inf_effective(),
        })
    }
}

impl<F: Float, const N: usize> ThresholdDynamics<F, N> for ThreeComponentsExact<F> {
    #[inline(always)]
    fn step(
        k: &Self::Prepared,
        v0: F,
        components: ThresholdComponents<F>,
        inj: F,
        asc_sum: F,
    ) -> (F, ThresholdComponents<F>) {
        let spike = components.spike * k.spike_decay;
        let i = inj + asc_sum;
        let beta = (i + k.g_el) / k.g;
        let phi_v = k.phi * (v0 - beta);
        let steady = k.a_over_b * (beta - k.el);
        let voltage = phi_v * k.membrane_decay
            + k.voltage_decay * (components.voltage - phi_v - steady)
            + steady;
        (
            voltage + spike + k.th_inf,
            ThresholdComponents { spike, voltage },
        )
    }
}
