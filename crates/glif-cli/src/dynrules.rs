//! Rules chosen at run time: one enum per rule family, each implementing
//! glif-core's rule trait by calling the chosen rule's own functions, so the
//! arithmetic is exactly glif-core's (and AllenSDK's). One `Model` type per
//! (precision, number of after-spike currents) covers every combination a
//! configuration file can name.

use glif_core::rules::{
    AscDynamics, AscExp, AscNone, AscReset, AscResetNone, LinearExact, LinearForwardEuler,
    NonzeroCurrents, SpikeComponent, Sum, ThreeComponents, ThreeComponentsExact,
    ThresholdComponents, ThresholdDynamics, ThresholdInf, ThresholdReset, ThresholdResetInf,
    VBefore, VoltageDynamics, VoltageReset, VoltageZero,
};
use glif_core::{Float, Model, ParamError, Params, Rules};

/// The rules of a model read from a file.
pub type DynRules<F, const N: usize> = Rules<
    DynVoltage,
    DynThreshold<F>,
    DynAsc,
    DynVoltageReset<F>,
    DynThresholdReset<F>,
    DynAscReset<F, N>,
>;

/// A model whose rules were chosen at run time.
pub type DynModel<F, const N: usize> = Model<F, N, DynRules<F, N>>;

/// Voltage dynamics.
#[derive(Clone, Copy, Debug)]
pub enum DynVoltage {
    /// `linear_forward_euler`
    Euler,
    /// `linear_exact`
    Exact,
}

/// Constants of [`DynVoltage`].
#[derive(Clone, Copy, Debug)]
pub enum DynVoltageK<F: Float, const N: usize> {
    /// Of `linear_forward_euler`.
    Euler(<LinearForwardEuler as VoltageDynamics<F, N>>::Prepared),
    /// Of `linear_exact`.
    Exact(<LinearExact as VoltageDynamics<F, N>>::Prepared),
}

impl<F: Float, const N: usize> VoltageDynamics<F, N> for DynVoltage {
    const NAME: &'static str = "(chosen at run time)";
    type Prepared = DynVoltageK<F, N>;
    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            DynVoltage::Euler => DynVoltageK::Euler(LinearForwardEuler.prepare(p, exp)?),
            DynVoltage::Exact => DynVoltageK::Exact(LinearExact.prepare(p, exp)?),
        })
    }
    #[inline(always)]
    fn step(k: &Self::Prepared, v0: F, inj: F, asc_sum: F) -> F {
        match k {
            DynVoltageK::Euler(k) => {
                <LinearForwardEuler as VoltageDynamics<F, N>>::step(k, v0, inj, asc_sum)
            }
            DynVoltageK::Exact(k) => {
                <LinearExact as VoltageDynamics<F, N>>::step(k, v0, inj, asc_sum)
            }
        }
    }
}

/// Threshold dynamics.
#[derive(Clone, Copy, Debug)]
pub enum DynThreshold<F> {
    /// `inf`
    Inf,
    /// `spike_component`
    SpikeComponent(SpikeComponent<F>),
    /// `three_components_exact`
    ThreeComponentsExact(ThreeComponentsExact<F>),
}

/// Constants of [`DynThreshold`].
#[derive(Clone, Copy, Debug)]
pub enum DynThresholdK<F: Float, const N: usize> {
    /// Of `inf`.
    Inf(<ThresholdInf as ThresholdDynamics<F, N>>::Prepared),
    /// Of `spike_component`.
    Spike(<SpikeComponent<F> as ThresholdDynamics<F, N>>::Prepared),
    /// Of `three_components_exact`.
    Three(<ThreeComponentsExact<F> as ThresholdDynamics<F, N>>::Prepared),
}

impl<F: Float, const N: usize> ThresholdDynamics<F, N> for DynThreshold<F> {
    const NAME: &'static str = "(chosen at run time)";
    type Prepared = DynThresholdK<F, N>;
    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            DynThreshold::Inf => DynThresholdK::Inf(
                <ThresholdInf as ThresholdDynamics<F, N>>::prepare(&ThresholdInf, p, exp)?,
            ),
            DynThreshold::SpikeComponent(r) => DynThresholdK::Spike(r.prepare(p, exp)?),
            DynThreshold::ThreeComponentsExact(r) => DynThresholdK::Three(r.prepare(p, exp)?),
        })
    }
    #[inline(always)]
    fn step(
        k: &Self::Prepared,
        v0: F,
        components: ThresholdComponents<F>,
        inj: F,
        asc_sum: F,
    ) -> (F, ThresholdComponents<F>) {
        match k {
            DynThresholdK::Inf(k) => {
                <ThresholdInf as ThresholdDynamics<F, N>>::step(k, v0, components, inj, asc_sum)
            }
            DynThresholdK::Spike(k) => <SpikeComponent<F> as ThresholdDynamics<F, N>>::step(
                k, v0, components, inj, asc_sum,
            ),
            DynThresholdK::Three(k) => <ThreeComponentsExact<F> as ThresholdDynamics<F, N>>::step(
                k, v0, components, inj, asc_sum,
            ),
        }
    }
}

/// After-spike current dynamics.
#[derive(Clone, Copy, Debug)]
pub enum DynAsc {
    /// `exp`
    Exp,
    /// `none`
    None,
}

/// Constants of [`DynAsc`].
#[derive(Clone, Copy, Debug)]
pub enum DynAscK<F: Float, const N: usize> {
    /// Of `exp`.
    Exp(<AscExp as AscDynamics<F, N>>::Prepared),
    /// Of `none`.
    None(<AscNone as AscDynamics<F, N>>::Prepared),
}

impl<F: Float, const N: usize> AscDynamics<F, N> for DynAsc {
    const NAME: &'static str = "(chosen at run time)";
    type Prepared = DynAscK<F, N>;
    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            DynAsc::Exp => DynAscK::Exp(<AscExp as AscDynamics<F, N>>::prepare(&AscExp, p, exp)?),
            DynAsc::None => {
                DynAscK::None(<AscNone as AscDynamics<F, N>>::prepare(&AscNone, p, exp)?)
            }
        })
    }
    #[inline(always)]
    fn step(k: &Self::Prepared, asc0: &[F; N]) -> [F; N] {
        match k {
            DynAscK::Exp(k) => <AscExp as AscDynamics<F, N>>::step(k, asc0),
            DynAscK::None(k) => <AscNone as AscDynamics<F, N>>::step(k, asc0),
        }
    }
}

/// Voltage reset.
#[derive(Clone, Copy, Debug)]
pub enum DynVoltageReset<F> {
    /// `zero`
    Zero,
    /// `v_before`
    VBefore(VBefore<F>),
}

/// Constants of [`DynVoltageReset`].
#[derive(Clone, Copy, Debug)]
pub enum DynVoltageResetK<F: Float, const N: usize> {
    /// Of `zero`.
    Zero(<VoltageZero as VoltageReset<F, N>>::Prepared),
    /// Of `v_before`.
    VBefore(<VBefore<F> as VoltageReset<F, N>>::Prepared),
}

impl<F: Float, const N: usize> VoltageReset<F, N> for DynVoltageReset<F> {
    const NAME: &'static str = "(chosen at run time)";
    type Prepared = DynVoltageResetK<F, N>;
    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            DynVoltageReset::Zero => DynVoltageResetK::Zero(
                <VoltageZero as VoltageReset<F, N>>::prepare(&VoltageZero, p, exp)?,
            ),
            DynVoltageReset::VBefore(r) => DynVoltageResetK::VBefore(r.prepare(p, exp)?),
        })
    }
    #[inline(always)]
    fn reset(k: &Self::Prepared, v1: F) -> F {
        match k {
            DynVoltageResetK::Zero(k) => <VoltageZero as VoltageReset<F, N>>::reset(k, v1),
            DynVoltageResetK::VBefore(k) => <VBefore<F> as VoltageReset<F, N>>::reset(k, v1),
        }
    }
}

/// Threshold reset.
#[derive(Clone, Copy, Debug)]
pub enum DynThresholdReset<F> {
    /// `inf`
    Inf,
    /// `three_components`
    ThreeComponents(ThreeComponents<F>),
}

/// Constants of [`DynThresholdReset`].
#[derive(Clone, Copy, Debug)]
pub enum DynThresholdResetK<F: Float, const N: usize> {
    /// Of `inf`.
    Inf(<ThresholdResetInf as ThresholdReset<F, N>>::Prepared),
    /// Of `three_components`.
    Three(<ThreeComponents<F> as ThresholdReset<F, N>>::Prepared),
}

impl<F: Float, const N: usize> ThresholdReset<F, N> for DynThresholdReset<F> {
    const NAME: &'static str = "(chosen at run time)";
    type Prepared = DynThresholdResetK<F, N>;
    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            DynThresholdReset::Inf => DynThresholdResetK::Inf(
                <ThresholdResetInf as ThresholdReset<F, N>>::prepare(&ThresholdResetInf, p, exp)?,
            ),
            DynThresholdReset::ThreeComponents(r) => DynThresholdResetK::Three(r.prepare(p, exp)?),
        })
    }
    #[inline(always)]
    fn reset(
        k: &Self::Prepared,
        th1: F,
        v_reset: F,
        components: ThresholdComponents<F>,
    ) -> (F, ThresholdComponents<F>) {
        match k {
            DynThresholdResetK::Inf(k) => {
                <ThresholdResetInf as ThresholdReset<F, N>>::reset(k, th1, v_reset, components)
            }
            DynThresholdResetK::Three(k) => {
                <ThreeComponents<F> as ThresholdReset<F, N>>::reset(k, th1, v_reset, components)
            }
        }
    }
}

/// After-spike current reset.
#[derive(Clone, Copy, Debug)]
pub enum DynAscReset<F, const N: usize> {
    /// `sum`
    Sum(Sum<F, N>),
    /// `none`
    None,
}

/// Constants of [`DynAscReset`].
#[derive(Clone, Copy, Debug)]
pub enum DynAscResetK<F: Float, const N: usize> {
    /// Of `sum`.
    Sum(<Sum<F, N> as AscReset<F, N>>::Prepared),
    /// Of `none`.
    None(<AscResetNone as AscReset<F, N>>::Prepared),
}

impl<F: Float, const N: usize> AscReset<F, N> for DynAscReset<F, N> {
    const NAME: &'static str = "(chosen at run time)";
    type Prepared = DynAscResetK<F, N>;
    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            DynAscReset::Sum(r) => DynAscResetK::Sum(r.prepare(p, exp)?),
            DynAscReset::None => DynAscResetK::None(<AscResetNone as AscReset<F, N>>::prepare(
                &AscResetNone,
                p,
                exp,
            )?),
        })
    }
    #[inline(always)]
    fn reset(k: &Self::Prepared, asc1: &[F; N]) -> Result<[F; N], NonzeroCurrents> {
        match k {
            DynAscResetK::Sum(k) => <Sum<F, N> as AscReset<F, N>>::reset(k, asc1),
            DynAscResetK::None(k) => <AscResetNone as AscReset<F, N>>::reset(k, asc1),
        }
    }
}
