//! The bottom layer: errors ([`Error`], with the file, JSON path or line
//! and the problem) and numbers in messages ([`sci`]); the atomic,
//! no-clobber writer every output goes through ([`write_atomic`],
//! [`AtomicWriter`], gzip for names ending in `.gz`) and the reading of
//! files that may be gzip-compressed; the allocator setting a short-lived
//! process that frees large buffers uses ([`keep_freed_memory`]). Depends
//! on nothing else in the crate.

// 1. `Error`, `sci`.
mod error;
// 2. Atomic writing; gzip reading.
mod write;
// 3. How freed memory is kept (the allocator's settings).
mod heap;

pub use error::*;
pub use heap::keep_freed_memory;
pub use write::*;
