//! NEST 3.10's GLIF models: parameter dicts in NEST's names and units,
//! spike input, runs with NEST's output layout and reference-case checks
//! (`models.rs`), and an Allen config as a NEST parameter dict
//! (`allen_to_nest.rs`, bmtk's convention with its defects fixed). The top
//! layer, beside [`crate::nwb`] (feature `nwb`).
//!
//! Files, each importing only the ones before it: `models`,
//! `allen_to_nest`.

// 1. NEST's GLIF models: parameters, input, runs.
mod models;
// 2. Allen configs as NEST parameter dicts.
mod allen_to_nest;

pub use allen_to_nest::*;
pub use models::*;
