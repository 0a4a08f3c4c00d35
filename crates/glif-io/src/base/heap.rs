//! How the process's allocator returns freed memory to the system.
//!
//! glibc's `malloc` maps each large block (from 128 KiB, raised up to the
//! largest block freed so far) on its own and unmaps it when freed, and
//! returns the top of the heap to the system once more than twice that is
//! free. A pipeline that allocates and frees buffers of a few MB one after
//! another (`glif fit`: every sweep at 40 kHz, then the after-spike-current
//! regression's columns) thus has the kernel fault in and clear the same
//! amount of memory again and again. [`keep_freed_memory`] keeps freed
//! memory in the heap for reuse: on `adapting`, `glif fit --stage
//! preprocess` takes 18,600 page faults instead of 25,200, for 89 MB
//! instead of 85 MB resident at the peak (docs/PERFORMANCE.md). No value
//! changes, only where blocks are placed.

/// The block size (B) from which glibc maps a block on its own: its
/// largest accepted value (`DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit systems),
/// so only blocks larger than any one sweep or regression column are
/// mapped separately.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;

/// The free memory (B) at the top of the heap from which glibc returns it
/// to the system: 1 GiB, so in practice the heap keeps what it has.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 1 << 30;

/// Has the allocator keep freed memory for reuse instead of returning it to
/// the system (glibc on Linux; elsewhere nothing changes). For a
/// short-lived process that allocates and frees large buffers, such as a
/// command-line fit: call it once, before the work. Returns whether the
/// allocator accepted the settings.
#[allow(unsafe_code)]
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes glibc's allocation parameters; it is
        // safe to call at any time (glibc takes its arena lock).
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn glibc_accepts_the_settings() {
        let accepted = super::keep_freed_memory();
        assert_eq!(accepted, cfg!(all(target_os = "linux", target_env = "gnu")));
        // Memory allocated and freed after it still works as before.
        let v = vec![1.5f64; 1 << 20];
        assert_eq!(v.iter().sum::<f64>(), 1.5 * (1 << 20) as f64);
    }
}
