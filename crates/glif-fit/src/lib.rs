#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod asc;
pub mod cell;
pub mod configure;
pub mod diagnostics;
pub mod error;
pub mod ev;
pub mod evaluate;
pub mod extended;
pub mod fast;
pub mod filter;
pub mod fmin;
pub mod forced;
pub mod linalg;
pub mod minpack;
pub mod mlin;
pub mod noise;
pub mod optimizer;
pub mod preprocess;
pub mod rc;
pub mod recordings;
pub mod report;
pub mod rng;
pub mod spike_cut;
pub mod spikes;
pub mod stats;
pub mod sweeps;
pub(crate) mod th_inf_runs;
pub mod threshold;

pub use error::FitError;
