//! Flash/RAM measurement baseline: everything the `size_*` binaries have
//! except the model (runtime, semihosting output, the built-in stimulus, the
//! summary), so that `size_<model>_f64 - size_base_f64` is glif-core's share.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use glif_firmware::{self as fw, cases};

fw::fault_handlers!();

#[entry]
fn main() -> ! {
    fw::size_main("BASE_f64", cases::baseline::<f64>)
}
