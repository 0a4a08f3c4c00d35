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
//! | module | holds |
//! |---|---|
//! | [`config`] | [`NeuronConfig`]: both published JSON forms, exact floats, overrides of `dt` and `spike_cut_length`, writing back |
//! | [`methods`] | the six rule families as enums with their parameters |
//! | [`model`] | [`AnyModel`]: the five published levels compiled, every other built-in combination and 0..=4 currents through [`rules::DynRules`] |
//! | [`rules`] | the run-time rule enums implementing glif-core's rule traits |
//! | [`stimulus`] | stimuli from JSON, text/CSV (a column by name, a time column checked against `dt`), `.npy` and `.npz`, each optionally gzip-compressed |
//! | [`checks`] | sanity checks before a run: stimuli that look like pA, a diverging `dt` and its likely slip, stimulus durations, the bad-reset risk and the DC range that fires cleanly |
//! | [`derived`] | what a config implies: tau_m, rheobase, the forward-Euler step ratio and its warning, level names |
//! | [`run`](mod@run) | one model on one stimulus with progress reports, recording everything or only the spikes |
//! | [`batch`] | many models on one stimulus: configs from a folder, `.jsonl[.gz]` or memory, the population engine, a result or error per model |
//! | [`exp_table`] | the exp arguments a model needs, and numpy's values for them read from a JSON table: AllenSDK's numbers bit for bit |
//! | [`generate`] | square, pulse, ramp, seeded held noise, and the reference cases' stimulus kinds |
//! | [`results`] | [`RunResult`], [`SpikeTrain`], [`RunEnd`] |
//! | [`write`](mod@write) | the atomic, no-clobber writer every output goes through; configs |
//! | [`json`], [`npz`], [`csv`](mod@csv) | result files, one module per format, each with its writer and reader (`npz` also holds the ZIP container, the `zip` crate's) |
//! | [`csv_stream`] | a record-all run written to its CSV trace table as it goes (memory of one chunk, not of the run) |
//! | [`output`] | a result file in the format its extension names, written and read back |
//! | [`summary`] | batch summaries (CSV and JSON), writers and readers |
//! | [`npy`] | numpy's `.npy` format (header and arrays; [`npy::zip`]/[`npy::unzip`] wrap [`npz`]'s container) |
//! | [`allen_to_nest`] | an Allen config as a NEST parameter dict (bmtk's convention, its defects fixed) |
//! | [`nest`] | NEST 3.10's GLIF models: parameter dicts in NEST's names and units, spike input, runs with NEST's output layout |
//! | [`stream`] | stimuli a chunk at a time ([`stream::Source`]: generated, `.npy` read as it runs, in memory) and [`stream::run`], which runs any model over them in the engine's tight loop |
//!
//! ```
//! use glif_io::{generate, AnyModel, NeuronConfig};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../reference/configs/osb/566283540_neuron_config.json");
//! // Keyed by neuronal model id: the only entry is taken. Allen stimuli are
//! // sampled at 200 kHz, so dt is set to 5e-6 s as AllenSDK's docs require.
//! let config = NeuronConfig::from_path(path, None)?.with_dt(5e-6)?;
//! let model = AnyModel::<f64>::new(&config)?;
//! assert_eq!(model.level(), Some(5));
//! let stimulus = generate::square(5e-6, 0.1, 0.01, 0.08, 3e-10)?;
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
//!   [`methods::Methods::allensdk_incompatibility`].
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

pub mod allen_to_nest;
pub mod batch;
pub mod checks;
pub mod config;
pub mod csv;
pub mod csv_stream;
pub mod derived;
pub mod error;
pub mod exp_table;
pub mod generate;
pub mod json;
pub mod methods;
pub mod model;
pub mod nest;
pub mod npy;
pub mod npz;
pub mod output;
pub mod results;
pub mod rules;
pub mod run;
pub mod stimulus;
pub mod stream;
pub mod summary;
mod trace_buffer;
pub mod write;

#[cfg(feature = "nwb")]
pub mod nwb;

pub use config::{ConfigCoeffs, NeuronConfig};
pub use error::{sci, Error, ErrorKind, Result};
pub use glif_core::{Outcome, RunError};
pub use methods::Methods;
pub use model::{
    model_with_voltage_reset, AnyModel, AnyPrecisionModel, AnyRecorder, AnyState, Precision,
    RulesWithVoltageReset, MAX_ASC_CURRENTS,
};
pub use results::{RunEnd, RunResult, SpikeTrain, SPIKE_CUT_VALUE};
pub use run::Record;
pub use stimulus::{read_stimulus, read_stimulus_with, StimulusOptions};
pub use write::WriteOptions;
