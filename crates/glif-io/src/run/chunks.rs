//! Stimuli that arrive a chunk at a time, and running a model over them.
//!
//! A [`Source`] hands out the samples (A, one per `dt`) in chunks: a
//! [`Generator`](crate::stimulus::Generator) computes them, a
//! [`NpyStream`](crate::stimulus::NpyStream) reads them from a `.npy` file
//! as the run goes, a [`Slice`](crate::stimulus::Slice) walks samples
//! already in memory. [`run_into`] fills one buffer of [`CHUNK`] samples at a time and runs the neuron over
//! it with glif-core's `Neuron::run_iter`, which continues from where the
//! previous chunk left it: each chunk goes through the same tight loop as a
//! whole stimulus in memory, the results are the same bit for bit, and the
//! memory for the stimulus is one chunk (128 KiB) whatever its length.
//! Progress is reported between chunks, never inside the loop.

use glif_core::{Float, Neuron, Recorder, RuleSet};

use crate::base::Result;
use crate::model::{AnyModel, AnyRecorder, RunEnd};
use crate::stimulus::{Source, CHUNK};

/// Runs `model` from its initial state over every sample of `source`
/// (converted to `F` as they come), into `recorder`. After each chunk,
/// `progress` gets the number of samples done. The outputs are those of
/// `AnyModel::run` on the whole stimulus, bit for bit.
///
/// An error reading the source stops the run and is returned (what was
/// recorded up to there stays in `recorder`); a run error is a
/// [`RunEnd::Failed`].
pub fn run_into<F: Float, R: AnyRecorder<F>>(
    model: &AnyModel<F>,
    source: &mut dyn Source,
    recorder: &mut R,
    progress: &mut dyn FnMut(usize),
) -> Result<RunEnd> {
    let len = source.len();
    run_filled(model, len, &mut |buf| source.fill(buf), recorder, progress)
}

/// As [`run_into`], with the samples written into each chunk buffer by `fill`
/// (which returns how many it wrote, 0 at the end, or its error `E`): what
/// [`run_into`] and glif-io's in-memory runs share. `len` (the number of samples
/// in all) only sizes the chunk buffer.
pub fn run_filled<F: Float, R: AnyRecorder<F>, E>(
    model: &AnyModel<F>,
    len: usize,
    fill: &mut dyn FnMut(&mut [f64]) -> core::result::Result<usize, E>,
    recorder: &mut R,
    progress: &mut dyn FnMut(usize),
) -> core::result::Result<RunEnd, E> {
    run_chunks(model, len, fill, recorder, &mut |_, _| Ok(()), progress)
}

/// As [`run_filled`], calling `after_chunk` after each chunk with the
/// recorder and the chunk's stimulus samples (A), before `progress`: what a
/// recorder that writes its samples out as the run goes (and forgets them)
/// needs, such as [`run_source_to_csv`](super::csv_stream::run_source_to_csv)'s. An error from `after_chunk`
/// stops the run and is returned. A chunk in which the run fails
/// ([`RunEnd::Failed`]) is not passed on.
pub fn run_chunks<F: Float, R: AnyRecorder<F>, E>(
    model: &AnyModel<F>,
    len: usize,
    fill: &mut dyn FnMut(&mut [f64]) -> core::result::Result<usize, E>,
    recorder: &mut R,
    after_chunk: &mut AfterChunk<'_, R, E>,
    progress: &mut dyn FnMut(usize),
) -> core::result::Result<RunEnd, E> {
    let mut buf = vec![0.0; CHUNK.min(len).max(1)];
    let mut chunks = Chunks {
        fill,
        buf: &mut buf,
        progress,
    };
    match model {
        AnyModel::Glif1(m) => chunks.run(m.neuron(), recorder, after_chunk),
        AnyModel::Glif2(m) => chunks.run(m.neuron(), recorder, after_chunk),
        AnyModel::Glif3(m) => chunks.run(m.neuron(), recorder, after_chunk),
        AnyModel::Glif4(m) => chunks.run(m.neuron(), recorder, after_chunk),
        AnyModel::Glif5(m) => chunks.run(m.neuron(), recorder, after_chunk),
        AnyModel::General0(m) => chunks.run(m.neuron(), recorder, after_chunk),
        AnyModel::General1(m) => chunks.run(m.neuron(), recorder, after_chunk),
        AnyModel::General2(m) => chunks.run(m.neuron(), recorder, after_chunk),
        AnyModel::General3(m) => chunks.run(m.neuron(), recorder, after_chunk),
        AnyModel::General4(m) => chunks.run(m.neuron(), recorder, after_chunk),
    }
}

/// What [`run_chunks`] calls after each chunk: the recorder and the
/// chunk's stimulus samples (A); an error stops the run.
pub type AfterChunk<'a, R, E> = dyn FnMut(&mut R, &[f64]) -> core::result::Result<(), E> + 'a;

/// The chunk loop of [`run_chunks`].
struct Chunks<'a, E> {
    fill: &'a mut dyn FnMut(&mut [f64]) -> core::result::Result<usize, E>,
    buf: &'a mut [f64],
    progress: &'a mut dyn FnMut(usize),
}

impl<E> Chunks<'_, E> {
    fn run<F: Float, const N: usize, Rs: RuleSet<F, N>, R: Recorder<F, N>>(
        &mut self,
        mut neuron: Neuron<'_, F, N, Rs>,
        recorder: &mut R,
        after_chunk: &mut AfterChunk<'_, R, E>,
    ) -> core::result::Result<RunEnd, E> {
        let mut done = 0;
        loop {
            let n = (self.fill)(self.buf)?;
            if n == 0 {
                return Ok(RunEnd::from(Ok(neuron.outcome())));
            }
            let chunk = &self.buf[..n];
            if let Err(e) = neuron.run_iter(chunk.iter().map(|&x| F::from_f64(x)), recorder) {
                return Ok(RunEnd::Failed(e));
            }
            after_chunk(recorder, chunk)?;
            done += n;
            (self.progress)(done);
        }
    }
}
