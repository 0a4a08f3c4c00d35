//! Stimuli: generated ([`Generator`]: square, pulse, ramp, seeded held
//! noise, the reference cases' kinds), read from files ([`read_stimulus`]:
//! JSON, text/CSV, `.npy` streamed by [`NpyStream`], `.npz`, each
//! optionally gzip-compressed), and the [`Source`] trait that hands any of
//! them out a [`CHUNK`] at a time. Above [`crate::formats`].
//!
//! Files, each importing only the ones before it: `generate`, `spec`,
//! `source`, `files`.

// 1. Generated stimuli.
mod generate;
// 2. What a generated stimulus is: kind, default timing, description, record.
mod spec;
// 3. `Source`: a stimulus a chunk at a time.
mod source;
// 4. Stimulus files.
mod files;

pub use files::*;
pub use generate::*;
pub use source::*;
pub use spec::*;
