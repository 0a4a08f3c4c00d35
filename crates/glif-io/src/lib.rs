//! # glif-io
//!
//! The bridge between real-world files and [`glif_core`]: glif-core picks
//! its rules at compile time; users arrive with a JSON file. This crate
//! reads Allen `neuron_config` files, builds a neuron whose rules are chosen
//! at run time, reads and generates stimuli, and writes every output
//! AllenSDK's `GlifNeuron.run()` returns. Every kind of bad input is caught
//! here, with an [`Error`] that names the file, the JSON path (or line,
//! index) and the problem; nothing panics on bad input.
//!
//! The crate is in layers, each a module (a folder of private files behind
//! `pub use`); each file imports only from the files before it in its
//! folder and from lower layers (checked by `tests/architecture.rs` of the
//! workspace's xtask):
//!
//! | layer | holds |
//! |---|---|
//! | [`base`] | [`Error`] and [`sci`]; the atomic, no-clobber writer every output goes through; reading gzip-compressed files |
//! | [`model`] | [`NeuronConfig`]: both published JSON forms, exact floats, overrides, writing back; the rule table; [`Methods`] and levels; [`AnyModel`]; [`RunResult`], [`SpikeTrain`], [`RunEnd`]; derived values (tau_m, rheobase); numpy `exp` tables |
//! | [`formats`] | result files, one format per file with its writer and reader: JSON, `.npy`, `.npz` (ZIP), CSV; the format by extension |
//! | [`stimulus`] | stimuli from JSON, text/CSV, `.npy` (streamed) and `.npz`, each optionally gzip-compressed; generated stimuli; [`stimulus::Source`], a stimulus a chunk at a time |
//! | [`run`](mod@run) | a model over a source in chunks; one model on one stimulus with progress ([`run::run`], [`Record`]); a record-all run streamed to CSV; sanity checks before a run |
//! | [`batch`] | many models on one stimulus (population engine, a result or error per model) and batch summaries |
//! | [`nest`] | NEST 3.10's GLIF models (parameter dicts, spike input, runs, reference checks) and Allen configs as NEST parameter dicts |
//! | `nwb` | Allen NWB 1.x files and AllenSDK's `simulate_neuron` over them (feature `nwb`) |
//!
//! ```
//! use glif_io::{stimulus, AnyModel, NeuronConfig};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../reference/configs/osb/566283540_neuron_config.json");
//! // Keyed by neuronal model id: the only entry is taken. Allen stimuli are
//! // sampled at 200 kHz, so dt is set to 5e-6 s as AllenSDK's docs require.
//! let config = NeuronConfig::from_path(path, None)?.with_dt(5e-6)?;
//! let model = AnyModel::<f64>::new(&config)?;
//! assert_eq!(model.level(), Some(5));
//! let stimulus = stimulus::square(5e-6, 0.1, 0.01, 0.08, 3e-10)?;
//! let result = model.run_result(&stimulus);
//! assert!(!result.spikes.is_empty());
//! # Ok::<(), glif_io::Error>(())
//! ```
//!
//! ## AllenSDK compatibility
//! - Files AllenSDK 2.16.2 loads, load here, with one exception on purpose:
//!   `three_components` threshold reset after `inf` threshold dynamics is
//!   refused when the neuron is built (AllenSDK loads it and raises "reset
//!   should never happen at the beginning of a trace" at the first spike).
//! - `linear_exact` voltage dynamics is offered although AllenSDK does not
//!   register it (a file naming it fails to load there); see
//!   [`Methods::allensdk_incompatibility`].
//! - JSON `0` and `0.0` are the same number (AllenSDK trips over Python
//!   integers in its spike interpolation; this crate does not).
//!
//! ## Cargo features
//! - `nwb` (off by default): read and write Allen NWB 1.x files (module
//!   `nwb`); needs the HDF5 C library (Debian: `libhdf5-dev`).
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
    model_with_voltage_reset, AnyModel, AnyPrecisionModel, AnyRecorder, AnyState, ConfigCoeffs,
    Methods, NeuronConfig, Precision, RulesWithVoltageReset, RunEnd, RunResult, SpikeTrain,
    MAX_ASC_CURRENTS, SPIKE_CUT_VALUE,
};
pub use run::Record;
pub use stimulus::{read_stimulus, read_stimulus_with, StimulusOptions};
