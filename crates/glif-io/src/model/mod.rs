//! Models from configs: a config's fields and their checks, the run-time
//! rule table (names, parameters, dispatch), the six rules of a config
//! ([`Methods`]) and its published level, [`NeuronConfig`] (read, checked,
//! written back), the results of a run ([`RunResult`], [`RunEnd`],
//! [`SpikeTrain`]), the model built from a config ([`AnyModel`],
//! [`AnyPrecisionModel`]), derived values (tau_m, rheobase, level names)
//! and numpy `exp` tables ([`ExpTable`]). Above [`crate::base`] only.
//!
//! Files, each importing only the ones before it: `fields`, `rules`,
//! `methods`, `config`, `trace_buffer`, `results`, `any_model`,
//! `custom_rules`, `derived`, `exp_table`.

// 1. JSON fields with their path, and the checks of their values.
mod fields;
// 2. The run-time rule table: names, parameters, dispatch.
mod rules;
// 3. The six rules of a config, and its published level.
mod methods;
// 4. `NeuronConfig`: read, checked, written back; `check_dt`.
mod config;
// 5. Trace buffers (huge pages on Linux).
mod trace_buffer;
// 6. `RunResult`, `RunEnd`, `SpikeTrain`.
mod results;
// 7. `AnyModel`: the model a config builds.
mod any_model;
// 8. Models with some rules defined outside glif-io (custom rules).
mod custom_rules;
// 9. Derived values: tau_m, rheobase, level names.
mod derived;
// 10. numpy `exp` tables.
mod exp_table;

pub use any_model::*;
pub use config::*;
pub use custom_rules::*;
pub use derived::*;
pub use exp_table::*;
pub use methods::*;
pub use results::*;
pub use rules::*;
