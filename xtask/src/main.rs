//! Project automation: `cargo xtask <command>`.
//!
//! Commands:
//! - `ci [--fast]`: everything CI runs (format, clippy, tests, feature and
//!   embedded builds, no-alloc proof, verify, f32 report, firmware, bench
//!   smoke test, AllenSDK comparison); ends with `N passed, M failed`.
//! - `no-alloc`: proves glif-core links no `alloc`.
//! - `firmware [--report]`: glif-core on an emulated Cortex-M4F and Cortex-M0
//!   (QEMU), checked bit for bit against the host (see `docs/FIRMWARE.md`).
//! - `verify [FILTER]`: every AllenSDK reference case through glif-io and
//!   glif-core, compared output by output (see `docs/DIFFERENCES.md`).
//! - `verify-nest [FILTER]`: every NEST 3.10 reference case through
//!   `glif_io::nest`, bit for bit (see `docs/NEST.md`).
//! - `verify-fit [--reference DIR] [--cells-dir DIR]`: the cells of
//!   `reference/fit/` through `glif fit --stage preprocess`, stage by stage
//!   against AllenSDK's pipeline (see `docs/FITTING.md`).
//! - `fit-beyond [--cells-dir DIR] [--cells a,b]`: per committed cell and
//!   level, `glif fit --optimizer fast` against the Allen optimizer (forced
//!   runs, MLIN) and the extended fits' held-out Noise 2 explained variance
//!   beside the Allen settings' (see `docs/FITTING.md`).
//! - `f32-report`: f32 against f64 on the reference set; writes `docs/F32.md`.
//! - `compare` / `compare-nest` / `compare-fit`: timing side by side with AllenSDK / NEST's
//!   `glif_psc` (see `docs/PERFORMANCE.md`).
//! - `roofline [--repeats N] [--only NAME] [--asm]`: each population
//!   engine's hot loop from the release binary, its throughput and latency
//!   bounds on this CPU beside the measured time (see `docs/PERFORMANCE.md`).
//! - `peers [--smoke] [--scale]`: glif-rs's population engine beside Brian2
//!   and NEST 3.10 on the same GLIF3 population; `--scale`: the population
//!   engines from 1,000 to 1,000,000 neurons on 1 and 2 threads.

use std::process::ExitCode;

mod ci;
mod compare;
mod compare_fit;
mod compare_nest;
mod firmware;
mod firmware_elf;
mod fit_beyond;
mod peers;
mod roofline;
mod verify;
mod verify_cases;
mod verify_f32;
mod verify_fit;
mod verify_nest;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("usage: cargo xtask <command>; commands: ci, no-alloc, firmware, verify, verify-nest, verify-fit, fit-beyond, f32-report, compare, compare-nest, compare-fit, roofline, peers");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "ci" => ci::run(rest),
        "no-alloc" => ci::no_alloc(rest),
        "firmware" => firmware::run(rest),
        "verify" => verify::run(rest),
        "verify-nest" => verify_nest::run(rest),
        "verify-fit" => verify_fit::run(rest),
        "fit-beyond" => fit_beyond::run(rest),
        "f32-report" => verify_f32::run(rest),
        "compare" => compare::run(rest),
        "compare-nest" => compare_nest::run(rest),
        "compare-fit" => compare_fit::run(rest),
        "roofline" => roofline::run(rest),
        "peers" => peers::run(rest),
        other => {
            eprintln!("xtask: unknown command {other:?}; commands: ci, no-alloc, firmware, verify, verify-nest, verify-fit, fit-beyond, f32-report, compare, compare-nest, compare-fit, roofline, peers");
            ExitCode::from(2)
        }
    }
}
