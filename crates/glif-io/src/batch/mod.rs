//! Many models on one stimulus: configs from a folder, a `.jsonl[.gz]`
//! file or memory, run in glif-core's population engine or alone, a result
//! or an error per model ([`run_batch`], [`run_batch_streamed`]); and the
//! batch summaries (CSV, JSON, spike times as JSON Lines), written as the
//! results arrive ([`SummaryWriter`]). Above [`crate::run`].
//!
//! Files, each importing only the ones before it: `runner`, `summary`.

// 1. The batch runner.
mod runner;
// 2. Batch summaries.
mod summary;

pub use runner::*;
pub use summary::*;
