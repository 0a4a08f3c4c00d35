#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

// The layers, lowest first: each refers only to the ones above it here
// (checked by xtask/tests/architecture.rs).
// 1. Errors, atomic writing.
pub mod base;
// 2. Configs, rules, models, results.
pub mod model;
// 3. Result file formats.
pub mod formats;
// 4. Stimuli.
pub mod stimulus;
// 5. Runs.
pub mod run;
// 6. Batches.
pub mod batch;
// 7. NEST.
pub mod nest;
// 7. NWB (feature `nwb`), beside NEST.
#[cfg(feature = "nwb")]
pub mod nwb;

pub use base::{sci, Error, ErrorKind, Fix, Result};
pub use formats::WriteOptions;
pub use glif_core::{Outcome, RunError};
pub use model::{
    model_with_custom_rules, run_custom_rules_model, AnyModel, AnyPrecisionModel, AnyRecorder,
    AnyState, BuiltinOr, ConfigCoeffs, CustomModelRunner, Methods, NeuronConfig, Precision, RunEnd,
    RunResult, SpikeTrain, WithCustomRules, MAX_ASC_CURRENTS, SPIKE_CUT_VALUE,
};
pub use run::Record;
pub use stimulus::{read_stimulus, StimulusOptions};
