//! Allen Cell Types NWB 1.x files, read and written as AllenSDK's `NwbDataSet` does for
//! `allensdk.model.glif.simulate_neuron` (feature `nwb`, which links the HDF5 C library).
//!
//! Layout (see `docs/NWB.md`):
//! - stimulus: `/epochs/Sweep_<n>/stimulus/timeseries/data`, attributes `conversion`, `unit`;
//!   the response likewise under `/epochs/Sweep_<n>/response/timeseries/data`;
//! - sampling rate: attribute `rate` (Hz) of `/epochs/Sweep_<n>/stimulus/timeseries/starting_time`;
//! - extent: `/epochs/Sweep_<n>/stimulus/idx_start` (must be 0) and `.../count` (legacy
//!   `.../idx_stop`); optional `/epochs/Experiment_<n>` gives the experiment sub-range;
//! - pipeline version: `/general/generated_by`, alternating keys and values;
//! - spike times: `/analysis/spike_times/Sweep_<n>` (seconds, float64, resizable).
//!
//! One deliberate difference from AllenSDK 2.16.2: `conversion` is applied to data of
//! pipeline version 1.1 and later, as AllenSDK intends but, with h5py 3, never does
//! ([`NwbFile::applies_conversion`]).

// 1. `NwbError`.
mod error;
// 2. Allen `ephys_sweeps.json` files.
mod ephys_sweeps;
// 3. The output file: a copy of the input, placed without clobbering.
mod output;
// 4. Deflate-compressed float32 series read chunk by chunk, for `NwbFile`.
mod deflate_chunks;
// 5. `NwbFile`.
mod file;
// 6. AllenSDK's `simulate_neuron` / `simulate_sweep` over NWB files.
mod simulate;

/// AllenSDK's default for the voltage written where the simulation leaves NaN (the samples
/// cut after a spike): 0.05 V, [`crate::model::SPIKE_CUT_VALUE`].
pub use crate::model::SPIKE_CUT_VALUE as DEFAULT_SPIKE_CUT_VALUE;
pub use ephys_sweeps::{
    parse_ephys_sweeps, read_ephys_sweeps, select_from, select_sweeps, EphysSweep,
    TEST_STIMULUS_NAME,
};
pub use error::{NwbError, NwbErrorKind, ObjectKind};
pub use file::*;
pub use output::copy_for_output;
pub use simulate::{
    simulate_neuron, simulate_neuron_each, simulate_sweep, SimulateError, SweepOptions,
    SweepOutcome, SweepProgress,
};
