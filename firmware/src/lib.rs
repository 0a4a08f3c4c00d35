//! Runtime support shared by the firmware binaries: ARM semihosting output and
//! exit codes, fault/panic handlers that end the run instead of hanging, tiny
//! allocation-free number formatting, a state checksum and the markers that the
//! instruction-counting QEMU plugin (`firmware/qemu-plugin/insn_count.c`) watches.
//!
//! Nothing here uses `core::fmt`, so the runtime stays a few hundred bytes and
//! the flash numbers measured for glif-core are not hidden behind a formatter.
#![no_std]

pub use glif_firmware_cases as cases;

use core::arch::asm;
use core::sync::atomic::{compiler_fence, Ordering};

/// Exit codes the firmware reports through `SYS_EXIT_EXTENDED`.
pub mod code {
    /// Everything ran.
    pub const OK: u32 = 0;
    /// glif-core rejected a parameter set or a run.
    pub const MODEL_ERROR: u32 = 2;
    /// A HardFault ended the run.
    pub const HARD_FAULT: u32 = 3;
    /// An unexpected exception or interrupt ended the run.
    pub const UNEXPECTED_EXCEPTION: u32 = 4;
    /// A panic ended the run.
    pub const PANIC: u32 = 5;
}

const SYS_WRITE0: u32 = 0x04;
const SYS_EXIT: u32 = 0x18;
const SYS_EXIT_EXTENDED: u32 = 0x20;
const ADP_STOPPED_APPLICATION_EXIT: u32 = 0x20026;

/// One semihosting call (`bkpt 0xAB`, operation in r0, argument in r1).
#[inline(always)]
fn semihost(op: u32, arg: usize) -> u32 {
    let ret: u32;
    // SAFETY: the semihosting trap only reads the argument block we pass;
    // QEMU (or a debugger) handles it.
    unsafe {
        asm!("bkpt #0xab", inout("r0") op => ret, in("r1") arg, options(nostack));
    }
    ret
}

/// Ends the emulation with `status` as the host process's exit status.
///
/// Uses `SYS_EXIT_EXTENDED`, whose sub-code QEMU passes through as the exit
/// status (plain `SYS_EXIT` only tells 0 from 1 on 32-bit ARM).
pub fn exit(status: u32) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, status];
    semihost(SYS_EXIT_EXTENDED, block.as_ptr() as usize);
    // Only reached when the host does not know the extended call.
    semihost(
        SYS_EXIT,
        if status == 0 {
            ADP_STOPPED_APPLICATION_EXIT as usize
        } else {
            0x20024
        },
    );
    loop {
        compiler_fence(Ordering::SeqCst);
    }
}

/// A line buffer flushed with `SYS_WRITE0`; no heap, no `core::fmt`.
pub struct Out {
    buf: [u8; 128],
    len: usize,
}

impl Default for Out {
    fn default() -> Self {
        Self::new()
    }
}

impl Out {
    /// An empty buffer.
    pub const fn new() -> Self {
        Self {
            buf: [0; 128],
            len: 0,
        }
    }

    /// Sends what is buffered to the host console.
    pub fn flush(&mut self) {
        if self.len == 0 {
            return;
        }
        self.buf[self.len] = 0;
        semihost(SYS_WRITE0, self.buf.as_ptr() as usize);
        self.len = 0;
    }

    fn byte(&mut self, b: u8) {
        if self.len == self.buf.len() - 1 {
            self.flush();
        }
        self.buf[self.len] = b;
        self.len += 1;
    }

    /// Appends a string.
    pub fn str(&mut self, s: &str) -> &mut Self {
        for &b in s.as_bytes() {
            self.byte(b);
        }
        self
    }

    /// Appends an unsigned decimal number.
    pub fn dec(&mut self, mut v: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut n = 0;
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        while n > 0 {
            n -= 1;
            self.byte(digits[n]);
        }
        self
    }

    /// Appends `0x` and 16 hex digits.
    pub fn hex64(&mut self, v: u64) -> &mut Self {
        self.str("0x");
        for i in (0..16).rev() {
            let d = ((v >> (i * 4)) & 0xf) as u8;
            self.byte(if d < 10 { b'0' + d } else { b'a' + d - 10 });
        }
        self
    }

    /// Ends the line and flushes it.
    pub fn nl(&mut self) {
        self.byte(b'\n');
        self.flush();
    }
}

/// Prints one line.
pub fn println(s: &str) {
    Out::new().str(s).nl();
}

static mut MARK: u32 = 0;

/// Start of a measured region: the QEMU plugin snapshots its instruction
/// counter when this function's first instruction executes.
#[no_mangle]
#[inline(never)]
pub extern "C" fn glif_mark_start() {
    compiler_fence(Ordering::SeqCst);
    // SAFETY: single-threaded firmware; a distinct store keeps this function
    // from being merged with `glif_mark_end`.
    unsafe { core::ptr::addr_of_mut!(MARK).write_volatile(0x5747) };
    compiler_fence(Ordering::SeqCst);
}

/// End of a measured region: the plugin prints the instructions executed
/// since the last `glif_mark_start`.
#[no_mangle]
#[inline(never)]
pub extern "C" fn glif_mark_end() {
    compiler_fence(Ordering::SeqCst);
    // SAFETY: as above.
    unsafe { core::ptr::addr_of_mut!(MARK).write_volatile(0x454e) };
    compiler_fence(Ordering::SeqCst);
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut out = Out::new();
    out.str("PANIC");
    if let Some(loc) = info.location() {
        out.str(" at ")
            .str(loc.file())
            .str(":")
            .dec(u64::from(loc.line()));
    }
    out.nl();
    exit(code::PANIC)
}

/// Defines the HardFault and default exception handlers in the binary that
/// calls it, so that a fault prints a line and ends QEMU with a failure code
/// instead of spinning until the time-out.
#[macro_export]
macro_rules! fault_handlers {
    () => {
        #[cortex_m_rt::exception]
        unsafe fn HardFault(_frame: &cortex_m_rt::ExceptionFrame) -> ! {
            $crate::println("HARDFAULT");
            $crate::exit($crate::code::HARD_FAULT)
        }

        #[cortex_m_rt::exception]
        unsafe fn DefaultHandler(_irqn: i16) {
            $crate::println("UNEXPECTED EXCEPTION");
            $crate::exit($crate::code::UNEXPECTED_EXCEPTION)
        }
    };
}

const PAINT: u32 = 0xA5A5_5A5A;
const PAINT_MAX: usize = 12 * 1024;
static mut PAINT_LOW: usize = 0;

extern "C" {
    static _stack_start: u32;
    static __ebss: u32;
}

fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads the stack pointer register only.
    unsafe { asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
    sp
}

/// Fills the unused stack below the current frame (at most 12 KiB, never
/// into `.bss`) with a pattern, so that [`stack_used`] can later find the
/// deepest point the stack reached.
#[inline(never)]
pub fn paint_stack() {
    // SAFETY: linker symbols; only their addresses are used.
    let ebss = core::ptr::addr_of!(__ebss) as usize;
    let top = core::ptr::addr_of!(_stack_start) as usize;
    // Leave a margin below this function's own frame.
    let high = (stack_pointer() - 256) & !3;
    let low = core::cmp::max((ebss + 3) & !3, top.saturating_sub(PAINT_MAX));
    let mut p = low;
    while p < high {
        // SAFETY: [low, high) is unused stack between .bss and the live frames.
        unsafe { (p as *mut u32).write_volatile(PAINT) };
        p += 4;
    }
    // SAFETY: single-threaded.
    unsafe { core::ptr::addr_of_mut!(PAINT_LOW).write(low) };
}

/// Peak stack use in bytes since [`paint_stack`]: from the top of the stack
/// down to the deepest word that no longer holds the pattern.
#[inline(never)]
pub fn stack_used() -> usize {
    // SAFETY: as in `paint_stack`.
    let top = core::ptr::addr_of!(_stack_start) as usize;
    let mut p = unsafe { core::ptr::addr_of!(PAINT_LOW).read() };
    if p == 0 {
        return 0;
    }
    // SAFETY: reads the region painted by `paint_stack`.
    while p < top && unsafe { (p as *const u32).read_volatile() } == PAINT {
        p += 4;
    }
    top - p
}

/// Prints a run summary the way `proof` does (`case <name> spikes=... `).
pub fn print_summary(name: &str, s: &cases::Summary) {
    let mut o = Out::new();
    o.str("case ")
        .str(name)
        .str(" spikes=")
        .dec(u64::from(s.spikes));
    o.str(" spike_checksum=")
        .hex64(s.spike_checksum)
        .str(" state=");
    for (k, w) in s.state.iter().enumerate() {
        if k > 0 {
            o.str(",");
        }
        o.hex64(*w);
    }
    o.str(" state_checksum=").hex64(s.state_checksum).nl();
}

/// Prints `spike <name> <step>`.
pub fn print_spike(name: &str, step: usize) {
    Out::new()
        .str("spike ")
        .str(name)
        .str(" ")
        .dec(step as u64)
        .nl();
}

/// The body of the `size_*` binaries: paints the stack, runs `case` (which
/// streams spikes to the closure it is given), prints the summary and the
/// peak stack use, and exits. `size_base` passes a case without a model, so
/// that the difference between the binaries is glif-core's share.
pub fn size_main(
    name: &str,
    case: impl FnOnce(&mut dyn FnMut(usize)) -> Result<cases::Summary, cases::CaseError>,
) -> ! {
    paint_stack();
    let mut on_spike = |step: usize| print_spike(name, step);
    match case(&mut on_spike) {
        Ok(s) => print_summary(name, &s),
        Err(_) => {
            Out::new().str("error ").str(name).nl();
            exit(code::MODEL_ERROR)
        }
    }
    Out::new()
        .str("stack_peak_bytes ")
        .dec(stack_used() as u64)
        .nl();
    println("end ok");
    exit(code::OK)
}
