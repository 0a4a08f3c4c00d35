//! `cargo xtask ci`: everything CI checks, in one command, locally the same.
//!
//! Steps (each a separate process; all run even when one fails):
//! formatting, clippy for every feature combination, the whole test suite
//! (all features), every crate feature combination and both embedded
//! targets built, the proof that glif-core links no `alloc`, the AllenSDK
//! reference verification, the f32 report's freshness, the firmware on
//! QEMU, the Python package (wheel, import, pytest against AllenSDK), the
//! benchmarks as a smoke test (each run once, timing nothing), and the
//! side-by-side comparisons with AllenSDK and with NEST (`glif_psc`, both
//! engines; quick forms) when the venv exists.
//!
//! The checks that need the AllenSDK environment (`glif_reference::env::CHECKS`)
//! record how they ended in a report file (`GLIF_ENV_REPORT`, set here for
//! every step); the summary lists each with the cases it compared, or why it
//! was skipped. Under `CI=true` a check that did not run is a failure.
//!
//! Ends with `N passed, M failed` and exits non-zero on any failure.
//! `cargo xtask ci --fast` skips the firmware, Python package, benchmark and
//! comparison steps.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

struct Step {
    name: &'static str,
    program: &'static str,
    args: Vec<&'static str>,
    /// Environment variables set for the step.
    env: Vec<(&'static str, &'static str)>,
    /// Skipped with `--fast`.
    slow: bool,
}

fn step(name: &'static str, program: &'static str, args: &[&'static str], slow: bool) -> Step {
    Step {
        name,
        program,
        args: args.to_vec(),
        env: Vec::new(),
        slow,
    }
}

impl Step {
    fn env(mut self, key: &'static str, value: &'static str) -> Step {
        self.env.push((key, value));
        self
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn steps() -> Vec<Step> {
    vec![
        step("format", "cargo", &["fmt", "--all", "--check"], false),
        step(
            "format (firmware)",
            "cargo",
            &["fmt", "--check", "--manifest-path", "firmware/Cargo.toml"],
            false,
        ),
        step(
            "clippy (default features)",
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            false,
        ),
        step(
            "clippy (all features)",
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
            false,
        ),
        step(
            "tests (all features)",
            "cargo",
            // --no-fail-fast: every failing test binary reports (and every
            // AllenSDK-environment check records how it ended).
            &["test", "--workspace", "--all-features", "--no-fail-fast"],
            false,
        ),
        step(
            "docs build without warnings",
            "cargo",
            &["doc", "--workspace", "--no-deps", "--all-features"],
            false,
        )
        .env("RUSTDOCFLAGS", "-D warnings"),
        step(
            "glif-core without features",
            "cargo",
            &["build", "-p", "glif-core", "--no-default-features"],
            false,
        ),
        step(
            "glif-core with serde",
            "cargo",
            &["build", "-p", "glif-core", "--features", "serde"],
            false,
        ),
        step(
            "glif-io without nwb",
            "cargo",
            &["build", "-p", "glif-io"],
            false,
        ),
        step(
            "glif-io with nwb",
            "cargo",
            &["build", "-p", "glif-io", "--features", "nwb"],
            false,
        ),
        step(
            "glif-cli without nwb",
            "cargo",
            &["build", "-p", "glif-cli"],
            false,
        ),
        step(
            "glif-cli with nwb",
            "cargo",
            &["build", "-p", "glif-cli", "--features", "nwb"],
            false,
        ),
        step(
            "glif-core for Cortex-M4F (thumbv7em-none-eabihf)",
            "cargo",
            &[
                "build",
                "-p",
                "glif-core",
                "--release",
                "--target",
                "thumbv7em-none-eabihf",
            ],
            false,
        ),
        step(
            "glif-core for Cortex-M0 (thumbv6m-none-eabi), serde",
            "cargo",
            &[
                "build",
                "-p",
                "glif-core",
                "--release",
                "--target",
                "thumbv6m-none-eabi",
                "--features",
                "serde",
            ],
            false,
        ),
        step(
            "glif-core links no alloc",
            "cargo",
            &["xtask", "no-alloc"],
            false,
        ),
        step(
            "verify against AllenSDK reference traces",
            "cargo",
            &["xtask", "verify"],
            false,
        ),
        step(
            "verify against NEST 3.10 reference cases",
            "cargo",
            &["xtask", "verify-nest"],
            false,
        ),
        step(
            "docs/F32.md is up to date",
            "cargo",
            &["xtask", "f32-report", "--check"],
            false,
        ),
        // Needs the AllenSDK venv: fails without it under CI=true.
        step(
            "python package: wheel, fresh-venv import, pytest against AllenSDK",
            "bash",
            &["scripts/python/test_package.sh"],
            true,
        ),
        step(
            "firmware on QEMU, bit-identical to the host",
            "cargo",
            &["xtask", "firmware", "--report"],
            true,
        ),
        step(
            "benchmarks, each run once (smoke test)",
            "cargo",
            &["bench", "-p", "glif-benches", "--", "--test"],
            true,
        ),
        step(
            "comparison with AllenSDK and NEST (quick)",
            "cargo",
            &["xtask", "compare", "--quick"],
            true,
        ),
        // Needs NEST in the AllenSDK venv: fails without it under CI=true.
        step(
            "glif_psc against NEST 3.10, both engines (quick)",
            "cargo",
            &["xtask", "compare-nest", "--quick"],
            true,
        ),
    ]
}

/// Runs every step; prints a summary and `N passed, M failed`.
pub fn run(args: &[String]) -> ExitCode {
    let fast = args.iter().any(|a| a == "--fast");
    let root = workspace_root();
    let report = root.join("target").join("env-checks.tsv");
    let _ = std::fs::create_dir_all(root.join("target"));
    let _ = std::fs::remove_file(&report);
    let mut results = Vec::new();
    for s in steps() {
        if fast && s.slow {
            println!("==> {} (skipped: --fast)", s.name);
            continue;
        }
        println!("==> {}: {} {}", s.name, s.program, s.args.join(" "));
        let started = Instant::now();
        let ok = Command::new(s.program)
            .args(&s.args)
            .envs(s.env.iter().copied())
            .env(glif_reference::env::REPORT_VAR, &report)
            .current_dir(&root)
            .status()
            .map(|st| st.success())
            .unwrap_or(false);
        let secs = started.elapsed().as_secs_f64();
        println!(
            "<== {}: {} ({secs:.0} s)",
            s.name,
            if ok { "ok" } else { "FAILED" }
        );
        results.push((s.name, ok, secs));
    }
    println!("\nci summary:");
    for (name, ok, secs) in &results {
        println!(
            "  {:<6} {name} ({secs:.0} s)",
            if *ok { "ok" } else { "FAILED" }
        );
    }
    let env_failed = env_summary(&report, fast);
    let failed = results.iter().filter(|r| !r.1).count() + env_failed;
    println!(
        "ci: {} passed, {} failed",
        results.len() + glif_reference::env::CHECKS.len() - failed,
        failed
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints how each AllenSDK-environment check ended; returns how many
/// failed (ran neither under `CI=true`, or reported a failure).
fn env_summary(report: &Path, fast: bool) -> usize {
    let entries = glif_reference::env::read_report(report);
    let ci = glif_reference::env::ci();
    println!(
        "\nAllenSDK-environment checks ({}; CI={}):",
        glif_reference::env::venv_dir().display(),
        if ci { "true" } else { "unset" }
    );
    let mut failed = 0;
    for (check, what) in glif_reference::env::CHECKS {
        let last = entries.iter().rev().find(|e| e.check == *check);
        let (ok, line) = match last {
            Some(e) if e.outcome == "ran" => (
                true,
                format!("ran, {} cases compared ({})", e.cases, e.detail),
            ),
            Some(e) if e.outcome == "skipped" => (!ci, format!("SKIPPED: {}", e.detail)),
            Some(e) => (false, format!("FAILED: {}", e.detail)),
            None if fast && check.starts_with("xtask/compare") => {
                (true, "not run (--fast)".to_string())
            }
            None => (
                !ci,
                "did not report (its test failed before the end, or did not run)".to_string(),
            ),
        };
        if !ok {
            failed += 1;
        }
        println!("  {:<6} {check}: {line}", if ok { "ok" } else { "FAILED" });
        println!("         {what}");
    }
    failed
}

/// `cargo xtask no-alloc`: glif-core must not link `alloc`. A `#![no_std]`
/// crate can only reach the heap through `extern crate alloc`; check that
/// no source file of glif-core's library says so, and that the release
/// rlib for the Cortex-M4F target carries no reference to the `alloc`
/// crate's allocation functions. (The firmware, which has no global
/// allocator, links it: `cargo xtask firmware`.)
pub fn no_alloc(_args: &[String]) -> ExitCode {
    let root = workspace_root();
    let src = root.join("crates/glif-core/src");
    let mut offenders = Vec::new();
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for (i, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    if code.contains("extern crate alloc") || code.contains("alloc::") {
                        offenders.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    let built = Command::new("cargo")
        .args([
            "build",
            "-p",
            "glif-core",
            "--release",
            "--target",
            "thumbv7em-none-eabihf",
        ])
        .current_dir(&root)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !built {
        eprintln!("no-alloc: glif-core does not build for thumbv7em-none-eabihf");
        return ExitCode::FAILURE;
    }
    let rlib_dir = root.join("target/thumbv7em-none-eabihf/release/deps");
    let mut rlibs: Vec<PathBuf> = std::fs::read_dir(&rlib_dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    rlibs.retain(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("libglif_core-") && n.ends_with(".rlib"))
    });
    if rlibs.is_empty() {
        eprintln!("no-alloc: no glif-core rlib under {}", rlib_dir.display());
        return ExitCode::FAILURE;
    }
    for rlib in &rlibs {
        let bytes = std::fs::read(rlib).unwrap_or_default();
        for needle in [&b"__rust_alloc"[..], b"__rust_dealloc", b"__rust_realloc"] {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                offenders.push(format!(
                    "{} references {}",
                    rlib.display(),
                    String::from_utf8_lossy(needle)
                ));
            }
        }
    }
    if offenders.is_empty() {
        println!("no-alloc: glif-core's source never names alloc and its Cortex-M4F rlib references no allocator function");
        ExitCode::SUCCESS
    } else {
        for o in &offenders {
            eprintln!("no-alloc: {o}");
        }
        ExitCode::FAILURE
    }
}
