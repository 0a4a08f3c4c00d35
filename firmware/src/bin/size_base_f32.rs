//! Flash/RAM measurement baseline: everything the `size_*` binaries have
//! except the model (runtime, semihosting output, the built-in stimulus, the
//! summary), so that `size_<model>_f32 - size_base_f32` is glif-core's share.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use glif_firmware::{self as fw, cases};

fw::fault_handlers!();

#[entry]
fn main() -> ! {
    fw::size_main("BASE_f32", cases::baseline::<f32>)
}
