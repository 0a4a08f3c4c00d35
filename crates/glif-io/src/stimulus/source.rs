//! A stimulus handed out a chunk at a time: the [`Source`] trait, the
//! chunk size [`CHUNK`], and [`Slice`], samples already in memory.
//! (Moved from the former `stream.rs`; the runs over a source are in
//! [`crate::run`].)

use crate::base::Result;

use super::generate::Generator;

/// Samples per chunk: 16,384 (128 KiB of `f64`, well inside the L2 cache).
pub const CHUNK: usize = 1 << 14;

/// A stimulus handed out a chunk at a time.
pub trait Source {
    /// The number of samples in all.
    fn len(&self) -> usize;

    /// True for a stimulus of no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the next samples (A) into `buf` and returns how many; 0 at
    /// the end. May return fewer than `buf.len()` before the end. An error
    /// (a file that cannot be read, a non-finite sample) names the sample.
    fn fill(&mut self, buf: &mut [f64]) -> Result<usize>;
}

impl Source for Generator {
    fn len(&self) -> usize {
        Generator::len(self)
    }

    fn fill(&mut self, buf: &mut [f64]) -> Result<usize> {
        Ok(Generator::fill(self, buf))
    }
}

/// Samples already in memory, as a [`Source`].
#[derive(Clone, Copy, Debug)]
pub struct Slice<'a> {
    samples: &'a [f64],
    next: usize,
}

impl<'a> Slice<'a> {
    /// A source over `samples` (A).
    pub fn new(samples: &'a [f64]) -> Self {
        Slice { samples, next: 0 }
    }
}

impl Source for Slice<'_> {
    fn len(&self) -> usize {
        self.samples.len()
    }

    fn fill(&mut self, buf: &mut [f64]) -> Result<usize> {
        let rest = &self.samples[self.next..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.next += n;
        Ok(n)
    }
}
