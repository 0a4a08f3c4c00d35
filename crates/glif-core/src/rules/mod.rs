//! The six rule families of a GLIF neuron, one trait each, and one type per
//! AllenSDK rule.
//!
//! | family | trait | AllenSDK names → types |
//! |---|---|---|
//! | voltage dynamics | [`VoltageDynamics`] | `linear_forward_euler` → [`LinearForwardEuler`], `linear_exact` → [`LinearExact`] |
//! | threshold dynamics | [`ThresholdDynamics`] | `inf` → [`ThresholdInf`], `spike_component` → [`SpikeComponent`], `three_components_exact` → [`ThreeComponentsExact`] |
//! | after-spike current dynamics | [`AscDynamics`] | `exp` → [`AscExp`], `none` → [`AscNone`] |
//! | voltage reset | [`VoltageReset`] | `zero` → [`VoltageZero`], `v_before` → [`VBefore`] |
//! | threshold reset | [`ThresholdReset`] | `inf` → [`ThresholdResetInf`], `three_components` → [`ThreeComponents`] |
//! | after-spike current reset | [`AscReset`] | `sum` → [`Sum`], `none` → [`AscResetNone`] |
//!
//! Each rule turns its parameters and the neuron's [`Params`] into
//! `Prepared` constants once ([`Rule::prepare`]), so
//! decay factors are computed once per (parameters, `dt`) and never per step.
//! The per-step functions take those constants and the previous values; they
//! are plain functions the compiler inlines into one specialised neuron.
//!
//! Every expression keeps AllenSDK's operation order, so that `f64` results
//! equal AllenSDK's bit for bit wherever `exp` agrees.
//!
//! # Writing your own rule
//! AllenSDK's documentation shows how to plug in a custom reset rule. The Rust
//! equivalent implements [`Rule`] (its name and constants) and the family's
//! trait; this voltage reset clamps the voltage to a fixed value:
//!
//! ```
//! use glif_core::rules::*;
//! use glif_core::{Coeffs, Float, Model, ParamError, ParamSpec, Params, Rules};
//!
//! /// Resets the voltage to a fixed value `v_reset` (V).
//! #[derive(Clone, Copy, Debug)]
//! struct Clamp<F> { v_reset: F }
//!
//! impl<F: Float, const N: usize> Rule<F, N> for Clamp<F> {
//!     const NAME: &'static str = "clamp";
//!     type Prepared = F;
//!     fn prepare(&self, _p: &Params<F, N>, _exp: &dyn Fn(F) -> F) -> Result<F, ParamError> {
//!         Ok(self.v_reset)
//!     }
//! }
//!
//! impl<F: Float, const N: usize> VoltageReset<F, N> for Clamp<F> {
//!     fn reset(v_reset: &F, _v1: F) -> F {
//!         *v_reset
//!     }
//! }
//!
//! let params = Params::new(ParamSpec::<f64, 0> {
//!     el: 0.0, dt: 5e-6, r_input: 2e8, c: 1e-10, asc_tau: [], asc_amp: [],
//!     spike_cut_length: 0, th_inf: 0.02, th_adapt: None,
//!     coeffs: Coeffs::default(), init_voltage: 0.0, init_threshold: 0.02,
//!     init_asc: [],
//! })?;
//! let rules = Rules {
//!     voltage: LinearForwardEuler,
//!     threshold: ThresholdInf,
//!     asc: AscNone,
//!     voltage_reset: Clamp { v_reset: -0.005 },
//!     threshold_reset: ThresholdResetInf,
//!     asc_reset: AscResetNone,
//! };
//! let model = Model::new(params, rules)?;
//! let mut neuron = model.neuron();
//! // 1 nA drives this cell above 20 mV within a few hundred steps.
//! let spike = (0..1000).find_map(|_| neuron.step(1e-9).ok()?.spike).unwrap();
//! assert!(spike.step > 0);
//! assert_eq!(neuron.state().v, -0.005); // cut length 0: reset value is visible at once
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt::Debug;

use crate::error::ParamError;
use crate::float::Float;
use crate::params::Params;

mod asc;
mod reset;
mod threshold;
mod voltage;

pub use asc::{AscExp, AscNone};
pub use reset::{
    AscResetNone, Sum, SumConsts, ThreeComponents, ThreeComponentsConsts, ThresholdResetInf,
    VBefore, VoltageZero,
};
pub use threshold::{
    SpikeComponent, SpikeComponentConsts, ThreeComponentsExact, ThreeComponentsExactConsts,
    ThresholdInf,
};
pub use voltage::{ForwardEulerConsts, LinearExact, LinearExactConsts, LinearForwardEuler};

/// The two adaptive components of the threshold, both relative to
/// `th_inf * coeffs.th_inf` (V). Both start at 0.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ThresholdComponents<F> {
    /// Spike component (V): jumps by `a_spike` at a spike and decays with rate `b_spike`.
    pub spike: F,
    /// Voltage component (V): follows the voltage (only `three_components_exact`).
    pub voltage: F,
}

/// What a rule of every family has: its name and the constants it computes
/// once. Each family's trait below adds the per-sample function that uses
/// them.
pub trait Rule<F: Float, const N: usize> {
    /// The rule's name in Allen `neuron_config` files.
    const NAME: &'static str;
    /// Constants computed once per (parameters, `dt`).
    type Prepared: Copy + Debug;
    /// Validates the rule against the parameters and computes its constants,
    /// with `exp` for every exponential.
    fn prepare(
        &self,
        params: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError>;
}

/// Voltage dynamics: `v1` from the previous voltage, the input and the
/// previous after-spike currents.
pub trait VoltageDynamics<F: Float, const N: usize>: Rule<F, N> {
    /// `v1` (V) from `v0` (V), the injected current `inj` (A) and
    /// `asc_sum` = the sum of the previous after-spike currents (A).
    fn step(k: &Self::Prepared, v0: F, inj: F, asc_sum: F) -> F;
}

/// Threshold dynamics: `th1` and the new threshold components.
pub trait ThresholdDynamics<F: Float, const N: usize>: Rule<F, N> {
    /// `(th1, components1)` from the previous voltage `v0` (V), the previous
    /// components, the input `inj` (A) and the sum of the previous after-spike
    /// currents (A).
    fn step(
        k: &Self::Prepared,
        v0: F,
        components: ThresholdComponents<F>,
        inj: F,
        asc_sum: F,
    ) -> (F, ThresholdComponents<F>);
}

/// After-spike current dynamics: the currents one step later.
pub trait AscDynamics<F: Float, const N: usize>: Rule<F, N> {
    /// `asc1` (A) from `asc0` (A).
    fn step(k: &Self::Prepared, asc0: &[F; N]) -> [F; N];
}

/// Voltage reset: the voltage after a spike.
pub trait VoltageReset<F: Float, const N: usize>: Rule<F, N> {
    /// The reset voltage (V) from the voltage `v1` (V) that crossed threshold.
    fn reset(k: &Self::Prepared, v1: F) -> F;
}

/// Threshold reset: the threshold after a spike (applied after the voltage reset).
pub trait ThresholdReset<F: Float, const N: usize>: Rule<F, N> {
    /// `(threshold, components)` after the spike, from the threshold `th1`
    /// (V) that was crossed, the reset voltage (V) and the components at the
    /// spike.
    fn reset(
        k: &Self::Prepared,
        th1: F,
        v_reset: F,
        components: ThresholdComponents<F>,
    ) -> (F, ThresholdComponents<F>);
}

/// After-spike currents were not zero where the rule requires it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NonzeroCurrents;

/// After-spike current reset: the currents after a spike.
pub trait AscReset<F: Float, const N: usize>: Rule<F, N> {
    /// The currents (A) after the spike from the currents `asc1` (A) at the spike.
    fn reset(k: &Self::Prepared, asc1: &[F; N]) -> Result<[F; N], NonzeroCurrents>;
}

/// `sum(asc)` as numpy computes it for short arrays: `((0 + a0) + a1) + ...`.
#[inline(always)]
pub fn asc_sum<F: Float, const N: usize>(asc: &[F; N]) -> F {
    let mut s = F::ZERO;
    for &a in asc {
        s = s + a;
    }
    s
}
