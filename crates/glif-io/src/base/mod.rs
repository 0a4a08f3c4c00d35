//! The bottom layer: errors ([`Error`], with the file, JSON path or line
//! and the problem) and numbers in messages ([`sci`]); the atomic,
//! no-clobber writer every output goes through ([`write_atomic`],
//! [`AtomicWriter`], gzip for names ending in `.gz`) and the reading of
//! files that may be gzip-compressed. Depends on nothing else in the crate.

// 1. `Error`, `sci`.
mod error;
// 2. Atomic writing; gzip reading.
mod write;

pub use error::*;
pub use write::*;
