//! The firmware proof: runs every case of `cases::CASES` (GLIF1..GLIF5 of a
//! real Allen cell, f32 and f64) over the built-in stimulus, streams each
//! spike over semihosting as it happens, and reports each run's summary.
//! `cargo xtask firmware` compares this transcript with the host's.
//!
//! Transcript lines (all numbers are decimal steps or hex bit patterns):
//! - `spike <case> <step>`
//! - `case <case> spikes=<n> spike_checksum=<hex> state=<hex>,... state_checksum=<hex>`
//! - `end ok` (exit status 0) or `error <case> ...` (exit status 2)
//!
//! Each case runs between the instruction-count markers, so a run under the
//! plugin also gives the end-to-end instructions per sample (stimulus
//! generation, model and spike streaming together).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use glif_firmware::{self as fw, cases};

fw::fault_handlers!();

#[entry]
fn main() -> ! {
    fw::println("glif-firmware proof: start");
    fw::paint_stack();
    for (i, name) in cases::CASES.iter().enumerate() {
        let mut on_spike = |step: usize| fw::print_spike(name, step);
        fw::glif_mark_start();
        let result = cases::run_case(i, &mut on_spike);
        fw::glif_mark_end();
        match result {
            Ok(s) => fw::print_summary(name, &s),
            Err(_) => {
                fw::Out::new().str("error ").str(name).nl();
                fw::exit(fw::code::MODEL_ERROR);
            }
        }
    }
    fw::Out::new()
        .str("stack_peak_bytes ")
        .dec(fw::stack_used() as u64)
        .nl();
    fw::println("end ok");
    fw::exit(fw::code::OK)
}
