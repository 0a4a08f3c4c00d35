//! Ctrl-C during long calls. Python runs its signal handlers (which raise
//! `KeyboardInterrupt` for SIGINT) only on the main thread and only while
//! that thread runs Python code; a run with the GIL released runs none. So
//! a long call made from the main thread runs its computation on a second
//! thread (the GIL released) with a stop flag, while the calling thread
//! waits for it, taking the GIL back every [`POLL`] to run the handlers
//! (`Python::check_signals`). When a handler raises, the flag is set; the
//! computation looks at it between chunks of `glif_io::stimulus::CHUNK`
//! samples (about 0.1-0.5 ms of work), stops, and returns nothing; the
//! exception is then raised. Nothing the call would have changed or
//! written is left behind (glif-io drops the partial results and removes
//! an output copy it made).
//!
//! Calls from other threads, and short ones (at most [`INLINE_SAMPLES`]
//! neuron-steps, a few milliseconds), run on the calling thread: no signal
//! handler could run there anyway, and a thread per tiny run would cost
//! more than the run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use pyo3::prelude::*;

/// How often the waiting thread runs Python's signal handlers: with a
/// chunk of work (< 1 ms) this bounds the time from Ctrl-C to
/// `KeyboardInterrupt` to about 25 ms on an idle machine.
pub const POLL: Duration = Duration::from_millis(20);

/// Neuron-steps up to which a call runs on the calling thread (about 2 ms
/// of work at 5-10 ns a step).
pub const INLINE_SAMPLES: u64 = 1 << 18;

/// Whether the calling thread is Python's main thread (the only one that
/// runs signal handlers).
pub fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    let threading = py.import("threading")?;
    let current = threading.call_method0("current_thread")?;
    let main = threading.call_method0("main_thread")?;
    Ok(current.is(&main))
}

/// Runs `work(stop)` with the GIL released and returns what it returns, or
/// the exception a signal handler raised while it ran (after `work` has
/// seen `stop` set and returned). `steps` (neuron-steps) says how long the
/// work is: short work, or work called from another thread than the main
/// one, runs here with a flag nobody sets.
pub fn interruptible<T: Send>(
    py: Python<'_>,
    steps: u64,
    work: impl FnOnce(Arc<AtomicBool>) -> T + Send,
) -> PyResult<T> {
    let stop = Arc::new(AtomicBool::new(false));
    if steps <= INLINE_SAMPLES || !on_main_thread(py)? {
        return Ok(py.detach(|| work(stop)));
    }
    let flag = Arc::clone(&stop);
    let (out, raised) = py.detach(|| {
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel();
            scope.spawn(move || {
                // The receiver lives until this thread is joined.
                let _ = tx.send(work(flag));
            });
            let mut raised: Option<PyErr> = None;
            loop {
                match rx.recv_timeout(POLL) {
                    Ok(out) => return (Some(out), raised),
                    Err(mpsc::RecvTimeoutError::Disconnected) => return (None, raised),
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if raised.is_none() {
                            if let Err(e) = Python::attach(|py| py.check_signals()) {
                                stop.store(true, Ordering::Relaxed);
                                raised = Some(e);
                            }
                        }
                    }
                }
            }
        })
    });
    match (raised, out) {
        (Some(e), _) => Err(e),
        (None, Some(out)) => Ok(out),
        // The worker panicked before sending: the scope has re-raised its
        // panic already, so this is not reached.
        (None, None) => Err(pyo3::exceptions::PyRuntimeError::new_err(
            "the computation thread ended without a result",
        )),
    }
}

/// An iterator that ends early when `stop()` says so, asked once every
/// `glif_io::stimulus::CHUNK` items: how a single run over samples in
/// memory looks at its stop flag (or, holding the GIL, at Python's signal
/// handlers) between chunks without copying them.
pub struct Checked<I, S> {
    inner: I,
    left: usize,
    stop: S,
    stopped: bool,
}

impl<I, S: FnMut() -> bool> Checked<I, S> {
    /// `inner`, ending early once `stop()` returns true.
    pub fn new(inner: I, stop: S) -> Self {
        Checked {
            inner,
            left: glif_io::stimulus::CHUNK,
            stop,
            stopped: false,
        }
    }
}

impl<I: Iterator, S: FnMut() -> bool> Iterator for Checked<I, S> {
    type Item = I::Item;

    #[inline(always)]
    fn next(&mut self) -> Option<I::Item> {
        if self.left == 0 {
            self.left = glif_io::stimulus::CHUNK;
            if (self.stop)() {
                self.stopped = true;
            }
        }
        if self.stopped {
            return None;
        }
        self.left -= 1;
        self.inner.next()
    }
}
