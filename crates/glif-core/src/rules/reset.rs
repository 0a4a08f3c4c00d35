//! Reset rules: voltage, threshold and after-spike currents after a spike.

use super::families::{
    asc_sum, AscReset, NonzeroCurrents, Rule, ThresholdComponents, ThresholdReset, VoltageReset,
};
use crate::error::ParamError;
use crate::float::Float;
use crate::params::{check_derived, check_finite, Params};

/// Voltage reset `zero`: the voltage restarts at 0 V.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VoltageZero;

impl<F: Float, const N: usize> Rule<F, N> for VoltageZero {
    const NAME: &'static str = "zero";
    type Prepared = ();

    fn prepare(&self, _p: &Params<F, N>, _exp: &dyn Fn(F) -> F) -> Result<(), ParamError> {
        Ok(())
    }
}

impl<F: Float, const N: usize> VoltageReset<F, N> for VoltageZero {
    #[inline(always)]
    fn reset(_k: &(), _v1: F) -> F {
        F::ZERO
    }
}

/// Voltage reset `v_before`: `v = a*v1 + b`, an affine function of the
/// voltage at the spike.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VBefore<F> {
    /// Slope (dimensionless).
    pub a: F,
    /// Offset (V).
    pub b: F,
}

impl<F: Float, const N: usize> Rule<F, N> for VBefore<F> {
    const NAME: &'static str = "v_before";
    type Prepared = Self;

    fn prepare(&self, _p: &Params<F, N>, _exp: &dyn Fn(F) -> F) -> Result<Self, ParamError> {
        check_finite("voltage_reset_method.params.a", self.a)?;
        check_finite("voltage_reset_method.params.b", self.b)?;
        Ok(*self)
    }
}

impl<F: Float, const N: usize> VoltageReset<F, N> for VBefore<F> {
    #[inline(always)]
    fn reset(k: &Self, v1: F) -> F {
        k.a * v1 + k.b
    }
}

/// Threshold reset `inf`: `th = th_inf*coeffs.th_inf` (V); the threshold
/// components keep their values at the spike.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ThresholdResetInf;

impl<F: Float, const N: usize> Rule<F, N> for ThresholdResetInf {
    const NAME: &'static str = "inf";
    type Prepared = F;

    fn prepare(&self, p: &Params<F, N>, _exp: &dyn Fn(F) -> F) -> Result<F, ParamError> {
        Ok(p.th_inf_effective())
    }
}

impl<F: Float, const N: usize> ThresholdReset<F, N> for ThresholdResetInf {
    #[inline(always)]
    fn reset(
        th_inf: &F,
        _th1: F,
        _v_reset: F,
        components: ThresholdComponents<F>,
    ) -> (F, ThresholdComponents<F>) {
        (*th_inf, components)
    }
}

/// Threshold reset `three_components`: the spike component decays through
/// the spike cut and then jumps by `a_spike`; the voltage component is held:
///
/// `ths = ths1 * exp(-b_spike*(spike_cut_length*dt)) + a_spike`,
/// `th = ths + thv1 + th_inf*coeffs.th_inf`.
///
/// `a_spike` is therefore the amplitude *after* the cut, as AllenSDK's
/// documentation explains.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ThreeComponents<F> {
    /// Jump of the spike component (V).
    pub a_spike: F,
    /// Decay rate of the spike component (1/s).
    pub b_spike: F,
}

/// Constants of [`ThreeComponents`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThreeComponentsConsts<F> {
    /// `exp(-b_spike*(spike_cut_length*dt))`.
    pub cut_decay: F,
    /// `a_spike` (V).
    pub a_spike: F,
    /// `th_inf*coeffs.th_inf` (V).
    pub th_inf: F,
}

impl<F: Float, const N: usize> Rule<F, N> for ThreeComponents<F> {
    const NAME: &'static str = "three_components";
    type Prepared = ThreeComponentsConsts<F>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        let a_spike = check_finite("threshold_reset_method.params.a_spike", self.a_spike)?;
        let b_spike = check_finite("threshold_reset_method.params.b_spike", self.b_spike)?;
        let cut_time = F::from_count(p.spike_cut_length() as usize) * p.dt();
        Ok(ThreeComponentsConsts {
            cut_decay: check_derived(
                "exp(-b_spike*spike_cut_length*dt)",
                exp(-b_spike * cut_time),
            )?,
            a_spike,
            th_inf: p.th_inf_effective(),
        })
    }
}

impl<F: Float, const N: usize> ThresholdReset<F, N> for ThreeComponents<F> {
    #[inline(always)]
    fn reset(
        k: &Self::Prepared,
        _th1: F,
        _v_reset: F,
        components: ThresholdComponents<F>,
    ) -> (F, ThresholdComponents<F>) {
        let spike = components.spike * k.cut_decay + k.a_spike;
        (
            spike + components.voltage + k.th_inf,
            ThresholdComponents {
                spike,
                voltage: components.voltage,
            },
        )
    }
}

/// After-spike current reset `sum`: each current gets its amplitude added to
/// what is left of it after the cut,
///
/// `asc[i] = asc_amp_array[i]*coeffs.asc_amp_array[i]
///           + asc1[i]*r[i]*exp(-(k[i]*dt*spike_cut_length))`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(bound = "F: crate::serde_array::Element"))]
pub struct Sum<F, const N: usize> {
    /// Fraction of each current carried through a spike (dimensionless).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_array"))]
    pub r: [F; N],
}

/// Constants of [`Sum`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SumConsts<F, const N: usize> {
    /// `asc_amp_array[i]*coeffs.asc_amp_array[i]` (A).
    pub amp: [F; N],
    /// `r[i]`.
    pub r: [F; N],
    /// `exp(-(k[i]*dt*spike_cut_length))`.
    pub cut_decay: [F; N],
}

impl<F: Float, const N: usize> Rule<F, N> for Sum<F, N> {
    const NAME: &'static str = "sum";
    type Prepared = SumConsts<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        let spec = p.spec();
        let cut = F::from_count(p.spike_cut_length() as usize);
        let mut k = SumConsts {
            amp: [F::ZERO; N],
            r: self.r,
            cut_decay: [F::ZERO; N],
        };
        for i in 0..N {
            if !self.r[i].is_finite() {
                return Err(ParamError::at(
                    "AScurrent_reset_method.params.r",
                    i,
                    crate::error::Problem::NotFinite,
                ));
            }
            k.amp[i] = check_derived(
                "asc_amp_array*coeffs.asc_amp_array",
                spec.asc_amp[i] * spec.coeffs.asc_amp[i],
            )?;
            k.cut_decay[i] = check_derived(
                "exp(-dt*spike_cut_length/asc_tau_array)",
                exp(-(p.k(i) * p.dt() * cut)),
            )?;
        }
        Ok(k)
    }
}

impl<F: Float, const N: usize> AscReset<F, N> for Sum<F, N> {
    #[inline(always)]
    fn reset(k: &Self::Prepared, asc1: &[F; N]) -> Result<[F; N], NonzeroCurrents> {
        let mut asc = [F::ZERO; N];
        for i in 0..N {
            asc[i] = k.amp[i] + asc1[i] * k.r[i] * k.cut_decay[i];
        }
        Ok(asc)
    }
}

/// After-spike current reset `none`: the currents must already be zero
/// (their sum must be 0); they stay zero. Nonzero currents are an error, as
/// in AllenSDK ("You are running a LIF but the AScurrents are not zero!").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AscResetNone;

impl<F: Float, const N: usize> Rule<F, N> for AscResetNone {
    const NAME: &'static str = "none";
    type Prepared = ();

    fn prepare(&self, _p: &Params<F, N>, _exp: &dyn Fn(F) -> F) -> Result<(), ParamError> {
        Ok(())
    }
}

impl<F: Float, const N: usize> AscReset<F, N> for AscResetNone {
    #[inline(always)]
    fn reset(_k: &(), asc1: &[F; N]) -> Result<[F; N], NonzeroCurrents> {
        if asc_sum(asc1) != F::ZERO {
            return Err(NonzeroCurrents);
        }
        Ok([F::ZERO; N])
    }
}
