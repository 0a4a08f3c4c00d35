//! Flash/RAM measurement: the runtime plus one GLIF1 f64 model (cell 313861677)
//! over the built-in stimulus. Compare with `size_base_f32` / `size_base_f64`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use glif_firmware::{self as fw, cases};

fw::fault_handlers!();

#[entry]
fn main() -> ! {
    fw::size_main("GLIF1_f64", |on_spike| {
        let model = cases::glif1::<f64>()?;
        Ok(cases::run_model(&model, &mut |s| on_spike(s.step))?)
    })
}
