//! Stimuli: generated ([`Generator`]: square, pulse, ramp, seeded held
//! noise, the reference cases' kinds), read from files ([`read_stimulus`]:
//! JSON, text/CSV, `.npy` streamed by [`NpyStream`], `.npz`, each
//! optionally gzip-compressed), and the [`Source`] trait that hands any of
//! them out a [`CHUNK`] at a time. Above [`crate::formats`].
//!
//! Files, each importing only the ones before it: `generate`, `source`,
//! `files`.

mod files;
mod generate;
mod source;

pub use files::*;
pub use generate::*;
pub use source::*;
