//! Skeleton check: prints over semihosting and exits with a chosen code.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use glif_firmware as fw;

fw::fault_handlers!();

#[entry]
fn main() -> ! {
    fw::println("hello from the Cortex-M");
    let x = core::hint::black_box(1.5f32) * core::hint::black_box(2.0f32);
    let mut o = fw::Out::new();
    o.str("x=").hex64(u64::from(x.to_bits())).nl();
    if core::hint::black_box(false) {
        // Exercise the fault path: read from an unmapped address.
        unsafe { core::ptr::read_volatile(0xF000_0000 as *const u32) };
    }
    for n in [100u32, 200] {
        fw::glif_mark_start();
        let mut acc = 0u32;
        for i in 0..core::hint::black_box(n) {
            acc = acc.wrapping_add(core::hint::black_box(i));
        }
        fw::glif_mark_end();
        core::hint::black_box(acc);
    }
    fw::exit(core::hint::black_box(7))
}
