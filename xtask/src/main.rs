//! Project automation: `cargo xtask <command>`.
//!
//! Commands:
//! - `firmware [--report]`: glif-core on an emulated Cortex-M4F and Cortex-M0
//!   (QEMU), checked bit for bit against the host (see `docs/FIRMWARE.md`).

use std::process::ExitCode;

mod firmware;
mod firmware_elf;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("usage: cargo xtask <command>; commands: firmware");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "firmware" => firmware::run(rest),
        other => {
            eprintln!("xtask: unknown command {other:?}; commands: firmware");
            ExitCode::from(2)
        }
    }
}
