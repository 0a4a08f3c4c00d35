//! NEST 3.10's GLIF neurons, computed as NEST computes them.
//!
//! - [`GlifPsc`] (`glif_psc`): alpha-shaped current synapses on `P` ports.
//! - [`GlifPscDoubleAlpha`] (`glif_psc_double_alpha`): fast plus slow alpha
//!   currents per port.
//! - [`GlifCond`] (`glif_cond`): alpha-shaped conductances with reversal
//!   potentials on `P` ports, integrated by GSL's adaptive RKF45 as in NEST
//!   ([`rkf45`]).
//!
//! - [`population`]: many `glif_psc` neurons stepped `L` at a time
//!   ([`PscPopulation`]), bit-identical to [`GlifPsc`] neuron by neuron;
//!   [`double_alpha_population`]: the same for `glif_psc_double_alpha`
//!   ([`DoubleAlphaPopulation`]).
//!   (Not for `glif_cond`, whose adaptive step sequence differs per neuron.)
//!
//! Units are NEST's, not the SI units of the Allen models: mV, ms, pA, nS,
//! pF; rates in 1/ms. Each model is split as NEST splits it: validated
//! parameters plus per-resolution constants (an immutable model built once
//! per resolution, with every `exp`/`expm1` evaluated then), and a small
//! `Copy` state. A step takes the summed spike weights arriving per port in
//! that step (the caller's; [`DelayRing`] delivers delayed spikes without a
//! heap) and the injected current read in that step (it acts from the next
//! step on, NEST's one-step lag). Samples read after a step are what NEST's
//! multimeter records at the step's end.
//!
//! Only NEST's five switch combinations can be expressed ([`Level`]);
//! the numbers of ports `P` and after-spike currents `A` are const generics.
//!
//! Bit equality with NEST needs NEST's `exp`/`expm1` values for the
//! propagators (a few calls per model build, see [`math`]); the update loop
//! of the psc models uses only `+ - * /`, in NEST's order. `glif_cond`'s
//! integrator also calls `pow` once per integration sub-step
//! ([`PowProvider`]; glibc's gives NEST's bits).

// First: the error every model's parameters report, and `E`.
mod error;

mod cond;
mod double_alpha;
pub mod double_alpha_population;
mod glif;
pub mod math;
pub mod population;
pub mod propagator;
mod psc;
mod ring;
pub mod rkf45;
pub mod time;

pub use cond::{
    CondParams, CondSample, CondState, CondVars, GlifCond, IntegrationStalled, MAX_SUBSTEPS,
};
pub use double_alpha::{DoubleAlphaParams, DoubleAlphaState, GlifPscDoubleAlpha};
pub use double_alpha_population::{DoubleAlphaBlock, DoubleAlphaPopulation, DoubleAlphaWide};
pub use glif::{GlifInit, GlifParams, GlifSample, GlifState, Level};
pub use math::{ExpProvider, Libm, PowProvider};
pub use population::{MixedLevels, NestBlock, NestPopulation, PscBlock, PscPopulation, PscWide};
pub use psc::{GlifPsc, PscParams, PscSample, PscState};
pub use ring::{DelayRing, DelayTooLong};
pub use time::Resolution;

/// Euler's number as NEST's `numerics::e` (`M_E`).
pub use error::NestError;
