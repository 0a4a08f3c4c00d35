//! Project automation: `cargo xtask <command>`.
//!
//! Commands:
//! - `firmware [--report]`: glif-core on an emulated Cortex-M4F and Cortex-M0
//!   (QEMU), checked bit for bit against the host (see `docs/FIRMWARE.md`).
//! - `verify [FILTER]`: every AllenSDK reference case through glif-io and
//!   glif-core, compared output by output (see `docs/DIFFERENCES.md`).
//! - `f32-report`: f32 against f64 on the reference set; writes `docs/F32.md`.

use std::process::ExitCode;

mod firmware;
mod firmware_elf;
mod verify;
mod verify_cases;
mod verify_f32;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("usage: cargo xtask <command>; commands: firmware, verify, f32-report");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "firmware" => firmware::run(rest),
        "verify" => verify::run(rest),
        "f32-report" => verify_f32::run(rest),
        other => {
            eprintln!("xtask: unknown command {other:?}; commands: firmware, verify, f32-report");
            ExitCode::from(2)
        }
    }
}
