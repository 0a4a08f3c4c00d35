#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
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
