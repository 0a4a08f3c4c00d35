//! Flash/RAM measurement baseline: everything the `size_*` binaries have
//! except the model (runtime, semihosting output, the built-in stimulus, the
//! summary), so that `size_<model>_<F> - size_base_<F>` is glif-core's share.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use glif_firmware::{self as fw, cases};

fw::fault_handlers!();

#[entry]
fn main() -> ! {
    fw::size_main("BASE_f64", |on_spike| {
        // Consume the stimulus the way a model would, without a model.
        let mut h = cases::Fnv::default();
        let mut acc = 0.0f64;
        for t in 0..black_box(cases::STEPS) {
            acc += black_box(cases::stimulus::<f64>(t));
            if black_box(false) {
                on_spike(t);
            }
        }
        h.word(u64::from(acc.to_bits()));
        Ok(cases::Summary {
            spikes: 0,
            spike_checksum: 0,
            state: [
                u64::from(acc.to_bits()),
                0,
                0,
                0,
                0,
                0,
                cases::STEPS as u64,
                0,
            ],
            state_checksum: h.0,
        })
    })
}
