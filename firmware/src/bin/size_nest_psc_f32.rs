//! Flash/RAM measurement: the runtime plus NEST's `glif_psc` (GLIF5, two
//! ports, f32) over its built-in input. Compare with `size_base_f32`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use glif_firmware::{self as fw, cases};

fw::fault_handlers!();

#[entry]
fn main() -> ! {
    fw::size_main("NEST_PSC_f32", |on_spike| {
        let model = cases::nest::nest_psc::<f32>()?;
        Ok(cases::nest::run_nest(&model, on_spike))
    })
}
