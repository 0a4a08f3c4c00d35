//! Fresh buffers for recorded traces (the `Vec<f64>`s of
//! [`RunResult`](crate::RunResult)).
//!
//! A run that records everything writes 32 bytes per step (voltage,
//! threshold, two after-spike currents) into memory no one has touched
//! yet. With 4 KiB pages, the first write to each page is a page fault and
//! the kernel clearing the page, about one fault per 128 steps; on a
//! virtual machine that costs more than the run itself (docs/PERFORMANCE.md
//! has the figures). On Linux, a buffer of 1 MiB or more is therefore
//! sized to whole 2 MiB pages and advised for transparent huge pages
//! (`madvise(MADV_HUGEPAGE)`, as numpy does for its large arrays), so a
//! 4,000,000-step run takes about 64 faults instead of 31,000. With
//! transparent huge pages set to `madvise` or `always`
//! (`/sys/kernel/mm/transparent_hugepage/enabled`), that is what happens;
//! with `never`, or on other systems, the buffer is an ordinary one. The
//! advice changes no values and no results, only how memory is mapped.

/// Huge page size on x86-64 and most aarch64 Linux systems (B).
const HUGE_PAGE: usize = 2 << 20;

/// From this size (B) on, a trace buffer is advised for huge pages: below
/// it, rounding up to a whole 2 MiB page would more than double it.
const ADVISE_FROM: usize = 1 << 20;

/// The allocator's bookkeeping in front of a large block (glibc keeps 16
/// bytes) and a margin: a request this much under a multiple of 2 MiB is
/// mapped as exactly that multiple, which Linux places on a 2 MiB boundary,
/// so every 2 MiB of the buffer can be one huge page.
const ALLOCATOR_HEADER: usize = 32;

/// An empty buffer with room for at least `samples` values.
pub(crate) fn with_capacity(samples: usize) -> Vec<f64> {
    let bytes = samples.saturating_mul(core::mem::size_of::<f64>());
    if !cfg!(target_os = "linux") || bytes < ADVISE_FROM {
        return Vec::with_capacity(samples);
    }
    let whole = bytes
        .saturating_add(ALLOCATOR_HEADER)
        .div_ceil(HUGE_PAGE)
        .saturating_mul(HUGE_PAGE);
    let v = Vec::with_capacity((whole - ALLOCATOR_HEADER) / core::mem::size_of::<f64>());
    advise_huge_pages(&v);
    v
}

/// Asks Linux to back the pages of `v`'s allocation with transparent huge
/// pages. A refusal (a kernel without them) changes nothing but speed, so
/// it is ignored.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn advise_huge_pages(v: &Vec<f64>) {
    // SAFETY: sysconf reads a constant of the system; no memory is touched.
    let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        p if p > 0 => p as usize,
        _ => return,
    };
    let start = v.as_ptr() as usize;
    let end = start + v.capacity() * core::mem::size_of::<f64>();
    let first_page = start & !(page - 1);
    // SAFETY: madvise with MADV_HUGEPAGE only marks the mapping that holds
    // [first_page, end) as eligible for huge pages: it reads and writes no
    // memory, changes no values, and frees or moves nothing that Rust owns
    // (the kernel may later copy the pages into huge pages, keeping their
    // contents). The range is the vector's allocation, widened down to the
    // start of its first page (the allocator's header, in the same mapping).
    let _ = unsafe {
        libc::madvise(
            first_page as *mut libc::c_void,
            end - first_page,
            libc::MADV_HUGEPAGE,
        )
    };
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: &Vec<f64>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_hold_what_was_asked_and_large_ones_fill_whole_huge_pages() {
        for samples in [
            0,
            1,
            1000,
            ADVISE_FROM / 8 - 1,
            ADVISE_FROM / 8,
            240_000,
            4_000_000,
        ] {
            let v = with_capacity(samples);
            assert!(v.capacity() >= samples, "{samples}");
            assert!(v.is_empty());
            let bytes = v.capacity() * 8;
            if cfg!(target_os = "linux") && samples * 8 >= ADVISE_FROM {
                assert_eq!((bytes + ALLOCATOR_HEADER) % HUGE_PAGE, 0, "{samples}");
                assert!(bytes < samples * 8 + HUGE_PAGE, "{samples}");
            }
        }
    }
}
