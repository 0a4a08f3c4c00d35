//! # glif-core
//!
//! The Allen Institute's generalized leaky integrate-and-fire (GLIF) neuron
//! models (Teeter et al. 2018, *Nature Communications* 9:709), computed
//! exactly as AllenSDK's `allensdk.model.glif` computes them, with no heap,
//! no I/O and no panics on the hot path.
//!
//! - `#![no_std]`, no `alloc`: it runs on a Cortex-M4F as well as on a server.
//! - Generic over `f32` and `f64` ([`Float`]); `exp` always comes from
//!   `libm`, so host and firmware agree bit for bit.
//! - Each of the six rules (voltage, threshold and after-spike current
//!   dynamics, and their resets) is a type ([`rules`]); a [`Model`] built from
//!   them is a specialised neuron the compiler inlines into one loop.
//!   [`Glif1`] .. [`Glif5`] name the five published levels.
//! - [`Params`] are validated once; every per-`dt` constant is computed once
//!   when the [`Model`] is built.
//! - Outputs go to a [`Recorder`]: full traces into caller-owned slices
//!   ([`SliceRecorder`]), spikes only ([`OnSpike`], a closure per spike), or
//!   your own.
//! - One sample at a time ([`Neuron::step`]) or a whole stimulus
//!   ([`Model::run`], [`Neuron::run_iter`] for streams); both give the same
//!   bits, and a bad reset is a typed [`Outcome`], a run error a typed
//!   [`RunError`].
//! - Many neurons of one rule set at once: the [`population`] engine runs
//!   `L` neurons in SIMD [`Lanes`], with the single-neuron results bit for
//!   bit.
//! - Exactness: with AllenSDK's own `exp` values ([`Model::with_exp`]) every
//!   output of the repository's 242 AllenSDK reference cases is
//!   bit-identical; with `libm` (the default) spike steps are identical and
//!   values agree to a documented tolerance (the project's
//!   `docs/DIFFERENCES.md`).
//! - NEST 3.10's `glif_psc`, `glif_psc_double_alpha` and `glif_cond`
//!   ([`nest`]), in NEST's units and update order, with synaptic input
//!   (`glif_cond` through GSL's adaptive RKF45, reproduced); bit-identical
//!   to NEST when given the C library's `exp` (and `pow` for `glif_cond`;
//!   the caller picks them, [`nest::ExpProvider`], [`nest::PowProvider`];
//!   [`nest::Libm`] is the portable one).
//!
//! Units are SI throughout (except in [`nest`], which uses NEST's: mV, ms,
//! pA, nS, pF): volts, seconds, amperes, ohms, farads.
//!
//! ```
//! use glif_core::{levels, Coeffs, Glif1, Model, OnSpike, ParamSpec, Params, Spike};
//!
//! let params = Params::new(ParamSpec::<f64, 2> {
//!     el: 0.0, dt: 5e-6, r_input: 2.0e8, c: 1.0e-10,
//!     asc_tau: [0.3333, 0.01], asc_amp: [0.0, 0.0], spike_cut_length: 20,
//!     th_inf: 0.02, th_adapt: None, coeffs: Coeffs::default(),
//!     init_voltage: 0.0, init_threshold: 0.02, init_asc: [0.0, 0.0],
//! })?;
//! // The rule set of a published level comes from `levels`; any other
//! // combination is a `Rules { .. }` of your choice.
//! let model: Glif1<f64, 2> = Model::new(params, levels::glif1())?;
//! let stimulus = [2e-10; 20_000]; // 0.1 s of 200 pA
//! let mut spikes = 0;
//! model.run(&stimulus, &mut OnSpike(|_: &Spike<f64>| spikes += 1))?;
//! assert!(spikes > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Cargo features
//! - `serde` (off by default): `Serialize`/`Deserialize` for parameters,
//!   rules, state and spikes.
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    forbid(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod error;
mod float;
mod lanes;
pub mod levels;
mod model;
pub mod nest;
mod neuron;
mod params;
pub mod population;
mod record;
pub mod rules;
#[cfg(feature = "serde")]
mod serde_array;

pub use error::{ParamError, Problem, RunError};
pub use float::Float;
pub use lanes::Lanes;
pub use levels::{Glif1, Glif2, Glif3, Glif4, Glif5};
pub use model::{Model, Prepared, RuleSet, Rules, State};
pub use neuron::{Neuron, Outcome, Phase, Step, BAD_RESET_FILL};
pub use params::{Coeffs, ParamSpec, Params};
pub use population::{Block, Population, PopulationRecorder, WideDynamics};
pub use record::{
    interpolate_spike_time, interpolate_spike_value, OnSpike, Recorder, SliceRecorder, Spike,
};
