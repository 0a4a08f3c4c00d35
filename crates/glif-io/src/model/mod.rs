//! Models from configs: a config's fields and their checks, the run-time
//! rule table (names, parameters, dispatch), the six rules of a config
//! ([`Methods`]) and its published level, [`NeuronConfig`] (read, checked,
//! written back), the results of a run ([`RunResult`], [`RunEnd`],
//! [`SpikeTrain`]), the model built from a config ([`AnyModel`],
//! [`AnyPrecisionModel`]), derived values (tau_m, rheobase, level names)
//! and numpy `exp` tables ([`ExpTable`]). Above [`crate::base`] only.
//!
//! Files, each importing only the ones before it: `fields`, `rules`,
//! `methods`, `config`, `trace_buffer`, `results`, `any_model`, `derived`,
//! `exp_table`.

mod any_model;
mod config;
mod derived;
mod exp_table;
mod fields;
mod methods;
mod results;
mod rules;
mod trace_buffer;

pub use any_model::*;
pub use config::*;
pub use derived::*;
pub use exp_table::*;
pub use methods::*;
pub use results::*;
pub use rules::*;
