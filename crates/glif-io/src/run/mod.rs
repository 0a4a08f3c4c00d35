//! Runs: a model over a [`Source`](crate::stimulus::Source) a chunk at a
//! time ([`run_into`], [`run_filled`], [`run_chunks`]), one model on one
//! stimulus with progress ([`run_samples`], [`run_source`], [`Record`]), a
//! record-all run written to its CSV table as it goes
//! ([`run_source_to_csv`]), and the sanity checks before a run (pA-looking
//! stimuli, diverging `dt`, bad-reset risk). Above [`crate::stimulus`].
//!
//! Files, each importing only the ones before it: `chunks`, `one`,
//! `csv_stream`, `checks`.

// 1. A model over a `Source`, a chunk at a time.
mod chunks;
// 2. One model on one stimulus, with progress; `Record`.
mod one;
// 3. A record-all run streamed to CSV.
mod csv_stream;
// 4. Sanity checks before a run.
mod checks;

pub use checks::*;
pub use chunks::*;
pub use csv_stream::*;
pub use one::*;
