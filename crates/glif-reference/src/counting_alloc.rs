//! A counting global allocator for memory claims checked by tests: it
//! forwards every call to the system allocator and keeps, per thread (tests
//! run in parallel threads), the bytes held now and their peak.
//!
//! A test binary installs it with
//! `#[global_allocator] static GLOBAL: Counting = Counting;` and measures
//! with [`peak_during`].

// A counting global allocator must implement the unsafe GlobalAlloc trait;
// it only forwards to the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts the bytes held and their peak, per thread.
pub struct Counting;

thread_local! {
    /// (bytes held now, peak bytes held).
    static HELD: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = HELD.try_with(|c| {
            let (now, peak) = c.get();
            let now = now + layout.size();
            c.set((now, peak.max(now)));
        });
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = HELD.try_with(|c| {
            let (now, peak) = c.get();
            c.set((now.saturating_sub(layout.size()), peak));
        });
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// The peak of bytes held on this thread while `f` runs, above what was
/// held before (zero unless [`Counting`] is the global allocator).
pub fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = HELD.with(|c| {
        let (now, _) = c.get();
        c.set((now, now));
        now
    });
    let out = f();
    let peak = HELD.with(|c| c.get().1);
    (out, peak - before)
}
