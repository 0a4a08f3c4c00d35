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
//! Each rule turns its parameters and the neuron's [`Params`](crate::Params) into
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

// The traits first: every rule file implements them.
mod families;

mod asc;
mod reset;
mod threshold;
mod voltage;

pub use asc::{AscExp, AscNone};
pub use families::*;
pub use reset::{
    AscResetNone, Sum, SumConsts, ThreeComponents, ThreeComponentsConsts, ThresholdResetInf,
    VBefore, VoltageZero,
};
pub use threshold::{
    SpikeComponent, SpikeComponentConsts, ThreeComponentsExact, ThreeComponentsExactConsts,
    ThresholdInf,
};
pub use voltage::{ForwardEulerConsts, LinearExact, LinearExactConsts, LinearForwardEuler};
