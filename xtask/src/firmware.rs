//! `cargo xtask firmware [--report]`: the firmware proof.
//!
//! Builds `firmware/` for `thumbv7em-none-eabihf` (Cortex-M4F) and
//! `thumbv6m-none-eabi` (Cortex-M0), runs its `proof` binary under QEMU
//! (`mps2-an386` for the M4F, `microbit` for the M0), always under a time-out,
//! and compares every streamed spike step and the final-state bit patterns
//! with the same computation done here on the host: the firmware and this
//! module both call the `glif-firmware-cases` crate, linked with glif-core. Exit status 0 only when
//! both targets match the host bit for bit.
//!
//! `--report` also measures what an embedded engineer asks first: flash and
//! RAM of glif-core's share (binaries built with and without a model),
//! `size_of` of the state and parameter types on the target, and
//! instructions per neuron-step per level and precision, counted by a QEMU
//! TCG plugin (`firmware/qemu-plugin/insn_count.c`, built here with `cc`).

use glif_firmware_cases as cases;

use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::firmware_elf::Elf;

/// One emulated board.
struct Board {
    /// Short label for output.
    label: &'static str,
    /// Rust target triple.
    target: &'static str,
    /// QEMU machine options.
    machine: &'static [&'static str],
}

const M4F: Board = Board {
    label: "Cortex-M4F (thumbv7em-none-eabihf, QEMU mps2-an386)",
    target: "thumbv7em-none-eabihf",
    machine: &["-machine", "mps2-an386", "-cpu", "cortex-m4"],
};

const M0: Board = Board {
    label: "Cortex-M0 (thumbv6m-none-eabi, QEMU microbit)",
    target: "thumbv6m-none-eabi",
    machine: &["-machine", "microbit"],
};

/// QEMU time-out for one run.
const QEMU_TIMEOUT: Duration = Duration::from_secs(300);

/// Entry point; `args` are the arguments after `firmware`.
pub fn run(args: &[String]) -> ExitCode {
    let mut report = false;
    for a in args {
        match a.as_str() {
            "--report" => report = true,
            "-h" | "--help" => {
                println!("usage: cargo xtask firmware [--report]");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("xtask firmware: unknown argument {other:?} (usage: cargo xtask firmware [--report])");
                return ExitCode::from(2);
            }
        }
    }
    match main(report) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("xtask firmware: FAILED: the firmware does not match the host");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("xtask firmware: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn firmware_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("firmware")
}

fn elf_path(board: &Board, bin: &str) -> PathBuf {
    firmware_dir()
        .join("target")
        .join(board.target)
        .join("release")
        .join(bin)
}

fn main(report: bool) -> Result<bool, String> {
    need_tool("qemu-system-arm", "apt-get install qemu-system-arm")?;
    for board in [&M4F, &M0] {
        build(board)?;
    }
    let host = host_transcript();
    let mut ok = true;
    for board in [&M4F, &M0] {
        println!("== proof on {}", board.label);
        let run = qemu(board, "proof", None)?;
        ok &= check_proof(&run, &host);
    }
    if report {
        ok &= self::report(&host)?;
    }
    Ok(ok)
}

fn need_tool(tool: &str, hint: &str) -> Result<(), String> {
    match Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("{tool} not found ({e}); install it: {hint}")),
    }
}

/// `cargo build --release` inside `firmware/` (cargo reads
/// `firmware/.cargo/config.toml` only from the current directory).
fn build(board: &Board) -> Result<(), String> {
    let dir = firmware_dir();
    println!("== building firmware for {}", board.target);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&dir)
        .args(["build", "--release", "--bins", "--target", board.target])
        .arg("--target-dir")
        .arg(dir.join("target"))
        // Host-side flags (CI often sets RUSTFLAGS) would replace the
        // firmware's `-Tlink.x` and break the link.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "firmware build for {} failed ({status})",
            board.target
        ));
    }
    Ok(())
}

/// The output and exit status of one QEMU run.
struct Run {
    lines: Vec<String>,
    status: Option<i32>,
}

/// Runs `bin` for `board` under QEMU with semihosting, optionally with the
/// instruction-count plugin (`(plugin.so, regions file)`), under a time-out.
fn qemu(board: &Board, bin: &str, plugin: Option<(&Path, &Path)>) -> Result<Run, String> {
    let elf = elf_path(board, bin);
    let log = firmware_dir()
        .join("target")
        .join(format!("qemu-{}-{bin}.log", board.target));
    let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new("qemu-system-arm");
    cmd.args(board.machine)
        .args(["-nographic", "-monitor", "none", "-serial", "none"])
        .args(["-semihosting-config", "enable=on,target=native"]);
    if let Some((so, regions)) = plugin {
        let bytes = fs::read(&elf).map_err(|e| format!("{}: {e}", elf.display()))?;
        let parsed = Elf::parse(&bytes)?;
        let start = parsed
            .function("glif_mark_start")
            .ok_or("no glif_mark_start symbol")?;
        let end = parsed
            .function("glif_mark_end")
            .ok_or("no glif_mark_end symbol")?;
        cmd.arg("-plugin").arg(format!(
            "{},start={start:#x},end={end:#x},out={}",
            so.display(),
            regions.display()
        ));
    }
    cmd.arg("-kernel")
        .arg(&elf)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start qemu-system-arm: {e}"))?;
    let deadline = Instant::now() + QEMU_TIMEOUT;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(s) => break s,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{bin} on {} timed out after {}s (log: {})",
                    board.target,
                    QEMU_TIMEOUT.as_secs(),
                    log.display()
                ));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let text = fs::read_to_string(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    Ok(Run {
        lines: text.lines().map(str::to_owned).collect(),
        status: status.code(),
    })
}

fn summary_line(name: &str, s: &cases::Summary) -> String {
    let mut l = format!(
        "case {name} spikes={} spike_checksum={:#018x} state=",
        s.spikes, s.spike_checksum
    );
    for (k, w) in s.state.iter().enumerate() {
        if k > 0 {
            l.push(',');
        }
        let _ = write!(l, "{w:#018x}");
    }
    let _ = write!(l, " state_checksum={:#018x}", s.state_checksum);
    l
}

/// The transcript lines of every case, computed on the host: per case, its
/// `spike` lines then its `case` line.
fn host_transcript() -> Vec<Vec<String>> {
    cases::CASES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut lines = Vec::new();
            let mut on_spike = |step: usize| lines.push(format!("spike {name} {step}"));
            match cases::run_case(i, &mut on_spike) {
                Ok(s) => lines.push(summary_line(name, &s)),
                Err(e) => lines.push(format!("error {name} {e:?}")),
            }
            lines
        })
        .collect()
}

fn transcript_lines(run: &Run) -> Vec<&str> {
    run.lines
        .iter()
        .map(String::as_str)
        .filter(|l| l.starts_with("spike ") || l.starts_with("case ") || l.starts_with("error "))
        .collect()
}

/// Compares a firmware transcript with the host's, case by case; prints a table.
fn check_proof(run: &Run, host: &[Vec<String>]) -> bool {
    let fw = transcript_lines(run);
    let mut ok = true;
    if run.status != Some(0) || !run.lines.iter().any(|l| l == "end ok") {
        eprintln!("  firmware exit status {:?}; last lines:", run.status);
        for l in run.lines.iter().rev().take(5).rev() {
            eprintln!("    {l}");
        }
        ok = false;
    }
    println!(
        "  {:<10} {:>6} {:>20} {:>20}  result",
        "case", "spikes", "spike checksum", "state checksum"
    );
    let mut pos = 0;
    for (name, expected) in cases::CASES.iter().zip(host) {
        let got: Vec<&str> = fw[pos.min(fw.len())..]
            .iter()
            .take(expected.len())
            .copied()
            .collect();
        pos += expected.len();
        let same = got.len() == expected.len() && got.iter().zip(expected).all(|(a, b)| a == b);
        let summary = expected.last().map(String::as_str).unwrap_or("");
        let field = |key: &str| {
            summary
                .split_whitespace()
                .find_map(|f| f.strip_prefix(key))
                .unwrap_or("?")
                .to_owned()
        };
        println!(
            "  {:<10} {:>6} {:>20} {:>20}  {}",
            name,
            field("spikes="),
            field("spike_checksum="),
            field("state_checksum="),
            if same {
                "bit-identical to host"
            } else {
                "MISMATCH"
            }
        );
        if !same {
            ok = false;
            for (k, e) in expected.iter().enumerate() {
                let g = got.get(k).copied().unwrap_or("<missing>");
                if g != e {
                    eprintln!("    first difference at line {k} of {name}:\n      host:     {e}\n      firmware: {g}");
                    break;
                }
            }
        }
    }
    if fw.len() != pos {
        eprintln!(
            "  firmware printed {} transcript lines, host expects {pos}",
            fw.len()
        );
        ok = false;
    }
    println!(
        "  => {}: {} cases, {} spikes",
        if ok { "MATCH" } else { "MISMATCH" },
        cases::CASES.len(),
        host.iter()
            .flatten()
            .filter(|l| l.starts_with("spike "))
            .count()
    );
    ok
}

fn value_after<'a>(lines: &'a [String], prefix: &str) -> Option<&'a str> {
    lines.iter().find_map(|l| l.strip_prefix(prefix))
}

fn read_elf(board: &Board, bin: &str) -> Result<Elf, String> {
    let p = elf_path(board, bin);
    Elf::parse(&fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?)
}

/// Builds the instruction-count plugin with the system C compiler.
fn build_plugin() -> Result<PathBuf, String> {
    let dir = firmware_dir();
    let src = dir.join("qemu-plugin").join("insn_count.c");
    let so = dir.join("target").join("insn_count.so");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    need_tool(&cc, "apt-get install gcc")?;
    let status = Command::new(&cc)
        .args([
            "-shared",
            "-fPIC",
            "-O2",
            "-Wall",
            "-fvisibility=hidden",
            "-o",
        ])
        .arg(&so)
        .arg(&src)
        .status()
        .map_err(|e| format!("cannot run {cc}: {e}"))?;
    if !status.success() {
        return Err(format!("building {} failed", src.display()));
    }
    Ok(so)
}

/// Runs `bin` with the plugin and returns (its output, the region counts).
fn counted(board: &Board, bin: &str, so: &Path) -> Result<(Run, Vec<u64>), String> {
    let regions = firmware_dir()
        .join("target")
        .join(format!("regions-{}-{bin}.txt", board.target));
    let _ = fs::remove_file(&regions);
    let run = qemu(board, bin, Some((so, &regions)))?;
    if run.status != Some(0) {
        return Err(format!(
            "{bin} on {} exited with {:?}",
            board.target, run.status
        ));
    }
    let text = fs::read_to_string(&regions).map_err(|e| format!("{}: {e}", regions.display()))?;
    let counts = text
        .lines()
        .filter_map(|l| l.strip_prefix("region "))
        .map(|n| n.trim().parse::<u64>().map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((run, counts))
}

/// `--report`: sizes, memory layout and instruction counts on both targets.
fn report(host: &[Vec<String>]) -> Result<bool, String> {
    let mut ok = true;
    let so = build_plugin()?;
    for board in [&M4F, &M0] {
        println!();
        println!("== report for {}", board.label);

        // Flash and RAM: the same program with and without a model.
        println!("  flash and RAM of glif-core's share (binary with the model minus the same binary without it, opt-level 3, fat LTO):");
        println!(
            "  {:<10} {:>12} {:>12} {:>12} {:>10} {:>12}",
            "model", ".text+.rodata", "whole flash", "static RAM", "stack peak", "RAM total"
        );
        for prec in ["f32", "f64"] {
            let base_bin = format!("size_base_{prec}");
            let base = read_elf(board, &base_bin)?;
            let base_run = qemu(board, &base_bin, None)?;
            let base_stack: i64 = value_after(&base_run.lines, "stack_peak_bytes ")
                .and_then(|v| v.parse().ok())
                .ok_or("size_base printed no stack_peak_bytes")?;
            for level in ["glif1", "glif5", "nest_psc"] {
                let bin = format!("size_{level}_{prec}");
                let elf = read_elf(board, &bin)?;
                let run = qemu(board, &bin, None)?;
                let name = format!("{}_{prec}", level.to_uppercase());
                // The size binaries stream the same spikes as the proof: check them too.
                let idx = cases::CASES
                    .iter()
                    .position(|c| *c == name)
                    .ok_or("unknown case")?;
                let same = run.status == Some(0)
                    && transcript_lines(&run)
                        == host[idx].iter().map(String::as_str).collect::<Vec<_>>();
                if !same {
                    eprintln!("  {bin}: output differs from the host");
                    ok = false;
                }
                let stack: i64 = value_after(&run.lines, "stack_peak_bytes ")
                    .and_then(|v| v.parse().ok())
                    .ok_or("no stack_peak_bytes")?;
                let d = |a: u32, b: u32| i64::from(a) - i64::from(b);
                let ram = d(elf.static_ram(), base.static_ram());
                println!(
                    "  {:<10} {:>12} {:>12} {:>12} {:>10} {:>12}",
                    name,
                    format!("{:+}", d(elf.text_rodata(), base.text_rodata())),
                    format!("{:+}", d(elf.flash(), base.flash())),
                    format!("{ram:+}"),
                    format!("{:+}", stack - base_stack),
                    format!("{:+}", ram + stack - base_stack),
                );
            }
            println!(
                "  {:<10} {:>12} {:>12} {:>12} {:>10}   (the runtime without a model: vector table, startup, semihosting, stimulus, printing)",
                format!("base_{prec}"),
                base.text_rodata(),
                base.flash(),
                base.static_ram(),
                base_stack
            );
        }

        // Layout and instructions per step.
        let (bench, counts) = counted(board, "bench", &so)?;
        let names: Vec<(String, usize)> = bench
            .lines
            .iter()
            .filter_map(|l| l.strip_prefix("bench "))
            .filter_map(|r| {
                let mut it = r.split_whitespace();
                Some((it.next()?.to_owned(), it.next()?.parse().ok()?))
            })
            .collect();
        if names.len() != counts.len() {
            return Err(format!(
                "bench printed {} regions but the plugin counted {}",
                names.len(),
                counts.len()
            ));
        }
        let (_, proof_counts) = counted(board, "proof", &so)?;
        println!("  memory layout (core::mem::size_of on this target, bytes) and instructions per neuron-step:");
        println!(
            "  {:<10} {:>6} {:>7} {:>6} {:>7} {:>16} {:>18}",
            "case", "State", "Params", "Model", "Neuron", "insns/step (sub)", "insns/sample (e2e)"
        );
        for (ci, case) in cases::CASES.iter().enumerate() {
            let sizes = value_after(&bench.lines, &format!("sizeof {case} ")).unwrap_or("");
            let field = |k: &str| {
                sizes
                    .split_whitespace()
                    .find_map(|f| f.strip_prefix(k))
                    .unwrap_or("?")
                    .to_owned()
            };
            let regions: Vec<(usize, u64)> = names
                .iter()
                .zip(&counts)
                .filter(|((n, _), _)| n == case)
                .map(|((_, s), c)| (*s, *c))
                .collect();
            let per_step = match regions.as_slice() {
                [(n1, c1), (n2, c2)] if n2 > n1 => {
                    format!("{:.1}", (*c2 as f64 - *c1 as f64) / (*n2 - *n1) as f64)
                }
                _ => "?".into(),
            };
            let steps = if case.starts_with("NEST") {
                cases::nest::NEST_STEPS
            } else {
                cases::STEPS
            };
            let e2e = proof_counts
                .get(ci)
                .map_or("?".into(), |c| format!("{:.1}", *c as f64 / steps as f64));
            println!(
                "  {:<10} {:>6} {:>7} {:>6} {:>7} {:>16} {:>18}",
                case,
                field("state="),
                field("params="),
                field("model="),
                field("neuron="),
                per_step,
                e2e
            );
        }
    }
    println!();
    println!("Notes:");
    println!(
        "- insns/step (sub): guest instructions per neuron-step on the subthreshold hot path,"
    );
    println!("  (count(800 samples) - count(400 samples)) / 400 with `Neuron::run` over an input slice in RAM;");
    println!(
        "  insns/sample (e2e): the whole proof case (built-in stimulus generated per sample, spike"
    );
    println!(
        "  cuts, spikes streamed over semihosting) divided by its {} samples ({} steps for NEST_PSC).",
        cases::STEPS,
        cases::nest::NEST_STEPS
    );
    println!(
        "- Instructions are not cycles: QEMU counts executed guest instructions; it models no"
    );
    println!("  pipeline, flash wait states, FPU/divide latencies or soft-float call overheads in cycles.");
    println!("- State: v, th, after-spike currents, threshold components (per neuron). Model: parameters");
    println!(
        "  and precomputed constants (shareable by any number of neurons). Neuron: State + sample"
    );
    println!("  index + spike-cut phase + a reference to its Model.");
    Ok(ok)
}
