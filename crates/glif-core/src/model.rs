//! A compiled model: validated parameters, the six rules, and their
//! precomputed constants. Immutable; any number of neurons can run from one
//! model.

use core::fmt::Debug;

use crate::error::ParamError;
use crate::float::Float;
use crate::params::Params;
use crate::rules::{
    asc_sum, AscDynamics, AscReset, NonzeroCurrents, Rule, ThresholdComponents, ThresholdDynamics,
    ThresholdReset, VoltageDynamics, VoltageReset,
};

/// The six rules of a neuron, one per family. The type of each field picks
/// the rule at compile time; the values carry the rule's parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Rules<VD, TD, AD, VR, TR, AR> {
    /// Voltage dynamics (`voltage_dynamics_method`).
    pub voltage: VD,
    /// Threshold dynamics (`threshold_dynamics_method`).
    pub threshold: TD,
    /// After-spike current dynamics (`AScurrent_dynamics_method`).
    pub asc: AD,
    /// Voltage reset (`voltage_reset_method`).
    pub voltage_reset: VR,
    /// Threshold reset (`threshold_reset_method`).
    pub threshold_reset: TR,
    /// After-spike current reset (`AScurrent_reset_method`).
    pub asc_reset: AR,
}

/// A set of six rules usable by a [`Model`]; implemented by [`Rules`].
pub trait RuleSet<F: Float, const N: usize>: Copy + Debug {
    /// Voltage dynamics rule.
    type Voltage: VoltageDynamics<F, N> + Copy + Debug;
    /// Threshold dynamics rule.
    type Threshold: ThresholdDynamics<F, N> + Copy + Debug;
    /// After-spike current dynamics rule.
    type Asc: AscDynamics<F, N> + Copy + Debug;
    /// Voltage reset rule.
    type VoltageReset: VoltageReset<F, N> + Copy + Debug;
    /// Threshold reset rule.
    type ThresholdReset: ThresholdReset<F, N> + Copy + Debug;
    /// After-spike current reset rule.
    type AscReset: AscReset<F, N> + Copy + Debug;

    /// The six rules.
    #[allow(clippy::type_complexity)]
    fn rules(
        &self,
    ) -> &Rules<
        Self::Voltage,
        Self::Threshold,
        Self::Asc,
        Self::VoltageReset,
        Self::ThresholdReset,
        Self::AscReset,
    >;
}

impl<F, const N: usize, VD, TD, AD, VR, TR, AR> RuleSet<F, N> for Rules<VD, TD, AD, VR, TR, AR>
where
    F: Float,
    VD: VoltageDynamics<F, N> + Copy + Debug,
    TD: ThresholdDynamics<F, N> + Copy + Debug,
    AD: AscDynamics<F, N> + Copy + Debug,
    VR: VoltageReset<F, N> + Copy + Debug,
    TR: ThresholdReset<F, N> + Copy + Debug,
    AR: AscReset<F, N> + Copy + Debug,
{
    type Voltage = VD;
    type Threshold = TD;
    type Asc = AD;
    type VoltageReset = VR;
    type ThresholdReset = TR;
    type AscReset = AR;

    #[inline(always)]
    fn rules(&self) -> &Self {
        self
    }
}

/// The constants of the six rules, computed once per (parameters, `dt`).
#[derive(Clone, Copy, Debug)]
pub struct Prepared<F: Float, const N: usize, R: RuleSet<F, N>> {
    /// Of the voltage dynamics.
    pub voltage: <R::Voltage as Rule<F, N>>::Prepared,
    /// Of the threshold dynamics.
    pub threshold: <R::Threshold as Rule<F, N>>::Prepared,
    /// Of the after-spike current dynamics.
    pub asc: <R::Asc as Rule<F, N>>::Prepared,
    /// Of the voltage reset.
    pub voltage_reset: <R::VoltageReset as Rule<F, N>>::Prepared,
    /// Of the threshold reset.
    pub threshold_reset: <R::ThresholdReset as Rule<F, N>>::Prepared,
    /// Of the after-spike current reset.
    pub asc_reset: <R::AscReset as Rule<F, N>>::Prepared,
}

/// The dynamic state of one neuron: what changes from sample to sample.
///
/// `size_of::<State<f32, 2>>()` is 24 bytes. (A running [`Neuron`](crate::Neuron) adds its
/// sample index and spike-cut countdown.)
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(bound = "F: crate::serde_array::Element"))]
pub struct State<F, const N: usize> {
    /// Membrane voltage relative to `El`-referenced rest (V).
    pub v: F,
    /// Threshold (V).
    pub th: F,
    /// After-spike currents (A).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_array"))]
    pub asc: [F; N],
    /// Threshold components (V).
    pub components: ThresholdComponents<F>,
}

/// A neuron model ready to run: validated parameters, rules, and their
/// precomputed constants.
#[derive(Clone, Copy, Debug)]
pub struct Model<F: Float, const N: usize, R: RuleSet<F, N>> {
    params: Params<F, N>,
    rules: R,
    prepared: Prepared<F, N, R>,
}

impl<F: Float, const N: usize, R: RuleSet<F, N>> Model<F, N, R> {
    /// Checks that the rules fit the parameters and precomputes every
    /// constant (decay factors, quotients) for this `dt`.
    ///
    /// Every exponential is computed by [`Float::exp`] (`libm`).
    pub fn new(params: Params<F, N>, rules: R) -> Result<Self, ParamError> {
        Self::with_exp(params, rules, &F::exp)
    }

    /// As [`Model::new`], with the exponentials of the precomputed constants
    /// computed by `exp` instead of `libm`.
    ///
    /// Every `exp` of a GLIF model is one of these per-`dt` constants, so
    /// this decides every exponential the model uses. It exists to reproduce
    /// another simulator's `exp` exactly: AllenSDK on a CPU with AVX-512 gets
    /// numpy's own SIMD `exp`, which differs from the C library's by one ulp
    /// for some arguments (see the project's `docs/DIFFERENCES.md`).
    pub fn with_exp(
        params: Params<F, N>,
        rules: R,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self, ParamError> {
        let r = rules.rules();
        let prepared = Prepared {
            voltage: r.voltage.prepare(&params, exp)?,
            threshold: r.threshold.prepare(&params, exp)?,
            asc: r.asc.prepare(&params, exp)?,
            voltage_reset: r.voltage_reset.prepare(&params, exp)?,
            threshold_reset: r.threshold_reset.prepare(&params, exp)?,
            asc_reset: r.asc_reset.prepare(&params, exp)?,
        };
        Ok(Model {
            params,
            rules,
            prepared,
        })
    }

    /// The parameters.
    pub const fn params(&self) -> &Params<F, N> {
        &self.params
    }

    /// The rules.
    pub const fn rules(&self) -> &R {
        &self.rules
    }

    /// The precomputed constants.
    pub const fn prepared(&self) -> &Prepared<F, N, R> {
        &self.prepared
    }

    /// The state before the first sample: `init_voltage`, `init_threshold`,
    /// `init_AScurrents`, threshold components 0.
    pub fn initial_state(&self) -> State<F, N> {
        let spec = self.params.spec();
        State {
            v: spec.init_voltage,
            th: spec.init_threshold,
            asc: spec.init_asc,
            components: ThresholdComponents::default(),
        }
    }
}

/// One sample of the three dynamics rules, AllenSDK's `dynamics()`: every new
/// value from the previous values `s0` and the input `input` (A); the
/// voltage and threshold rules see the currents before their decay.
#[inline(always)]
pub(crate) fn dynamics<F, const N: usize, V, T, A>(
    voltage: &V::Prepared,
    threshold: &T::Prepared,
    asc: &A::Prepared,
    s0: &State<F, N>,
    input: F,
) -> State<F, N>
where
    F: Float,
    V: VoltageDynamics<F, N>,
    T: ThresholdDynamics<F, N>,
    A: AscDynamics<F, N>,
{
    let sum0 = asc_sum(&s0.asc);
    let asc1 = A::step(asc, &s0.asc);
    let v1 = V::step(voltage, s0.v, input, sum0);
    let (th1, components1) = T::step(threshold, s0.v, s0.components, input, sum0);
    State {
        v: v1,
        th: th1,
        asc: asc1,
        components: components1,
    }
}

impl<F: Float, const N: usize, R: RuleSet<F, N>> Prepared<F, N, R> {
    /// AllenSDK's `reset()`: the values after a spike from the values `s1`
    /// that crossed threshold. Currents first, then the voltage, then the
    /// threshold (which sees the reset voltage). Fails when the current
    /// reset requires zero currents and they are not.
    #[inline(always)]
    pub fn reset(&self, s1: &State<F, N>) -> Result<State<F, N>, NonzeroCurrents> {
        let asc = <R::AscReset as AscReset<F, N>>::reset(&self.asc_reset, &s1.asc)?;
        let v = <R::VoltageReset as VoltageReset<F, N>>::reset(&self.voltage_reset, s1.v);
        let (th, components) = <R::ThresholdReset as ThresholdReset<F, N>>::reset(
            &self.threshold_reset,
            s1.th,
            v,
            s1.components,
        );
        Ok(State {
            v,
            th,
            asc,
            components,
        })
    }

    /// One sample of the dynamics from `s0` with input `input` (A).
    #[inline(always)]
    pub fn dynamics(&self, s0: &State<F, N>, input: F) -> State<F, N> {
        dynamics::<F, N, R::Voltage, R::Threshold, R::Asc>(
            &self.voltage,
            &self.threshold,
            &self.asc,
            s0,
            input,
        )
    }
}
