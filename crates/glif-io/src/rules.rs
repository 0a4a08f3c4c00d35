//! Rules chosen at run time: one enum per family, each implementing
//! glif-core's rule trait by matching on its variant. A
//! `Model<F, N, DynRules<F, N>>` runs every combination of built-in rules
//! with one monomorphization per `N`; the match on an enum whose value never
//! changes during a run is predicted perfectly, so the cost over a compiled
//! combination is small (the five published levels still get their own
//! compiled types in [`crate::AnyModel`]).

use glif_core::rules::*;
use glif_core::{Float, ParamError, Params, Rules};

/// The rule set of a run-time-chosen neuron with `N` after-spike currents.
pub type DynRules<F, const N: usize> = Rules<
    AnyVoltage,
    AnyThreshold<F>,
    AnyAsc,
    AnyVoltageReset<F>,
    AnyThresholdReset<F>,
    AnyAscReset<F, N>,
>;

/// `voltage_dynamics_method` chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnyVoltage {
    /// `linear_forward_euler`.
    ForwardEuler(LinearForwardEuler),
    /// `linear_exact`.
    Exact(LinearExact),
}

/// Constants of [`AnyVoltage`].
#[derive(Clone, Copy, Debug)]
pub enum AnyVoltagePrepared<F: Float, const N: usize> {
    /// Of `linear_forward_euler`.
    ForwardEuler(<LinearForwardEuler as VoltageDynamics<F, N>>::Prepared),
    /// Of `linear_exact`.
    Exact(<LinearExact as VoltageDynamics<F, N>>::Prepared),
}

impl<F: Float, const N: usize> VoltageDynamics<F, N> for AnyVoltage {
    const NAME: &'static str = "voltage_dynamics_method";
    type Prepared = AnyVoltagePrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyVoltage::ForwardEuler(r) => AnyVoltagePrepared::ForwardEuler(r.prepare(p, exp)?),
            AnyVoltage::Exact(r) => AnyVoltagePrepared::Exact(r.prepare(p, exp)?),
        })
    }

    #[inline(always)]
    fn step(k: &Self::Prepared, v0: F, inj: F, asc_sum: F) -> F {
        match k {
            AnyVoltagePrepared::ForwardEuler(k) => {
                <LinearForwardEuler as VoltageDynamics<F, N>>::step(k, v0, inj, asc_sum)
            }
            AnyVoltagePrepared::Exact(k) => {
                <LinearExact as VoltageDynamics<F, N>>::step(k, v0, inj, asc_sum)
            }
        }
    }
}

/// `threshold_dynamics_method` chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyThreshold<F> {
    /// `inf`.
    Inf(ThresholdInf),
    /// `spike_component`.
    SpikeComponent(SpikeComponent<F>),
    /// `three_components_exact`.
    ThreeComponentsExact(ThreeComponentsExact<F>),
}

/// Constants of [`AnyThreshold`].
#[derive(Clone, Copy, Debug)]
pub enum AnyThresholdPrepared<F: Float, const N: usize> {
    /// Of `inf`.
    Inf(<ThresholdInf as ThresholdDynamics<F, N>>::Prepared),
    /// Of `spike_component`.
    SpikeComponent(<SpikeComponent<F> as ThresholdDynamics<F, N>>::Prepared),
    /// Of `three_components_exact`.
    ThreeComponentsExact(<ThreeComponentsExact<F> as ThresholdDynamics<F, N>>::Prepared),
}

impl<F: Float, const N: usize> ThresholdDynamics<F, N> for AnyThreshold<F> {
    const NAME: &'static str = "threshold_dynamics_method";
    type Prepared = AnyThresholdPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyThreshold::Inf(r) => AnyThresholdPrepared::Inf(r.prepare(p, exp)?),
            AnyThreshold::SpikeComponent(r) => {
                AnyThresholdPrepared::SpikeComponent(r.prepare(p, exp)?)
            }
            AnyThreshold::ThreeComponentsExact(r) => {
                AnyThresholdPrepared::ThreeComponentsExact(r.prepare(p, exp)?)
            }
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
            AnyThresholdPrepared::Inf(k) => {
                <ThresholdInf as ThresholdDynamics<F, N>>::step(k, v0, components, inj, asc_sum)
            }
            AnyThresholdPrepared::SpikeComponent(k) => {
                <SpikeComponent<F> as ThresholdDynamics<F, N>>::step(
                    k, v0, components, inj, asc_sum,
                )
            }
            AnyThresholdPrepared::ThreeComponentsExact(k) => {
                <ThreeComponentsExact<F> as ThresholdDynamics<F, N>>::step(
                    k, v0, components, inj, asc_sum,
                )
            }
        }
    }
}

/// `AScurrent_dynamics_method` chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnyAsc {
    /// `exp`.
    Exp(AscExp),
    /// `none`.
    None(AscNone),
}

/// Constants of [`AnyAsc`].
#[derive(Clone, Copy, Debug)]
pub enum AnyAscPrepared<F: Float, const N: usize> {
    /// Of `exp`.
    Exp(<AscExp as AscDynamics<F, N>>::Prepared),
    /// Of `none`.
    None(<AscNone as AscDynamics<F, N>>::Prepared),
}

impl<F: Float, const N: usize> AscDynamics<F, N> for AnyAsc {
    const NAME: &'static str = "AScurrent_dynamics_method";
    type Prepared = AnyAscPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyAsc::Exp(r) => AnyAscPrepared::Exp(r.prepare(p, exp)?),
            AnyAsc::None(r) => AnyAscPrepared::None(r.prepare(p, exp)?),
        })
    }

    #[inline(always)]
    fn step(k: &Self::Prepared, asc0: &[F; N]) -> [F; N] {
        match k {
            AnyAscPrepared::Exp(k) => <AscExp as AscDynamics<F, N>>::step(k, asc0),
            AnyAscPrepared::None(k) => <AscNone as AscDynamics<F, N>>::step(k, asc0),
        }
    }
}

/// `voltage_reset_method` chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyVoltageReset<F> {
    /// `zero`.
    Zero(VoltageZero),
    /// `v_before`.
    VBefore(VBefore<F>),
}

/// Constants of [`AnyVoltageReset`].
#[derive(Clone, Copy, Debug)]
pub enum AnyVoltageResetPrepared<F: Float, const N: usize> {
    /// Of `zero`.
    Zero(<VoltageZero as VoltageReset<F, N>>::Prepared),
    /// Of `v_before`.
    VBefore(<VBefore<F> as VoltageReset<F, N>>::Prepared),
}

impl<F: Float, const N: usize> VoltageReset<F, N> for AnyVoltageReset<F> {
    const NAME: &'static str = "voltage_reset_method";
    type Prepared = AnyVoltageResetPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyVoltageReset::Zero(r) => AnyVoltageResetPrepared::Zero(r.prepare(p, exp)?),
            AnyVoltageReset::VBefore(r) => AnyVoltageResetPrepared::VBefore(r.prepare(p, exp)?),
        })
    }

    #[inline(always)]
    fn reset(k: &Self::Prepared, v1: F) -> F {
        match k {
            AnyVoltageResetPrepared::Zero(k) => <VoltageZero as VoltageReset<F, N>>::reset(k, v1),
            AnyVoltageResetPrepared::VBefore(k) => <VBefore<F> as VoltageReset<F, N>>::reset(k, v1),
        }
    }
}

/// `threshold_reset_method` chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyThresholdReset<F> {
    /// `inf`.
    Inf(ThresholdResetInf),
    /// `three_components`.
    ThreeComponents(ThreeComponents<F>),
}

/// Constants of [`AnyThresholdReset`].
#[derive(Clone, Copy, Debug)]
pub enum AnyThresholdResetPrepared<F: Float, const N: usize> {
    /// Of `inf`.
    Inf(<ThresholdResetInf as ThresholdReset<F, N>>::Prepared),
    /// Of `three_components`.
    ThreeComponents(<ThreeComponents<F> as ThresholdReset<F, N>>::Prepared),
}

impl<F: Float, const N: usize> ThresholdReset<F, N> for AnyThresholdReset<F> {
    const NAME: &'static str = "threshold_reset_method";
    type Prepared = AnyThresholdResetPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyThresholdReset::Inf(r) => AnyThresholdResetPrepared::Inf(r.prepare(p, exp)?),
            AnyThresholdReset::ThreeComponents(r) => {
                AnyThresholdResetPrepared::ThreeComponents(r.prepare(p, exp)?)
            }
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
            AnyThresholdResetPrepared::Inf(k) => {
                <ThresholdResetInf as ThresholdReset<F, N>>::reset(k, th1, v_reset, components)
            }
            AnyThresholdResetPrepared::ThreeComponents(k) => {
                <ThreeComponents<F> as ThresholdReset<F, N>>::reset(k, th1, v_reset, components)
            }
        }
    }
}

/// `AScurrent_reset_method` chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyAscReset<F, const N: usize> {
    /// `sum`.
    Sum(Sum<F, N>),
    /// `none`.
    None(AscResetNone),
}

/// Constants of [`AnyAscReset`].
#[derive(Clone, Copy, Debug)]
pub enum AnyAscResetPrepared<F: Float, const N: usize> {
    /// Of `sum`.
    Sum(<Sum<F, N> as AscReset<F, N>>::Prepared),
    /// Of `none`.
    None(<AscResetNone as AscReset<F, N>>::Prepared),
}

impl<F: Float, const N: usize> AscReset<F, N> for AnyAscReset<F, N> {
    const NAME: &'static str = "AScurrent_reset_method";
    type Prepared = AnyAscResetPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyAscReset::Sum(r) => AnyAscResetPrepared::Sum(r.prepare(p, exp)?),
            AnyAscReset::None(r) => AnyAscResetPrepared::None(r.prepare(p, exp)?),
        })
    }

    #[inline(always)]
    fn reset(k: &Self::Prepared, asc1: &[F; N]) -> Result<[F; N], NonzeroCurrents> {
        match k {
            AnyAscResetPrepared::Sum(k) => <Sum<F, N> as AscReset<F, N>>::reset(k, asc1),
            AnyAscResetPrepared::None(k) => <AscResetNone as AscReset<F, N>>::reset(k, asc1),
        }
    }
}
