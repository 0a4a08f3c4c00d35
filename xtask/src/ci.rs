//! `cargo xtask ci`: everything CI checks, in one command, locally the same.
//!
//! Steps (each a separate process; all run even when one fails):
//! formatting, clippy for every feature combination, the whole test suite
//! (all features), every crate feature combination and both embedded
//! targets built, the proof that glif-core links no `alloc`, the AllenSDK
//! reference verification, the f32 report's freshness, the firmware on
//! QEMU, the Python package (wheel, import, pytest against AllenSDK), the
//! benchmarks as a smoke test (each run once, timing nothing), and the
//! side-by-side comparisons with AllenSDK and with NEST (`glif_psc` and
//! `glif_psc_double_alpha` with both engines, `glif_cond`; quick forms)
//! and with Brian2 (`peers --smoke`) when the venv exists.
//!
//! The checks that need the AllenSDK environment (`glif_reference::env::CHECKS`)
//! record how they ended in a report file (`GLIF_ENV_REPORT`, set here for
//! every step); the summary lists each with the cases it compared, or why it
//! was skipped. In CI (`CI=true` or `CI=1`, `glif_reference::env::ci`) a
//! check that did not run is a failure; a broken environment is a failure
//! everywhere.
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

/// A `cargo` step that `--fast` keeps.
fn cargo(name: &'static str, args: &[&'static str]) -> Step {
    step(name, "cargo", args, false)
}

/// Every crate feature combination and both embedded targets: the name of
/// each build and its `cargo build` arguments.
#[rustfmt::skip]
const BUILDS: &[(&str, &[&str])] = &[
    ("glif-core without features", &["-p", "glif-core", "--no-default-features"]),
    ("glif-core with serde", &["-p", "glif-core", "--features", "serde"]),
    ("glif-io without nwb", &["-p", "glif-io"]),
    ("glif-io with nwb", &["-p", "glif-io", "--features", "nwb"]),
    ("glif-cli without nwb", &["-p", "glif-cli"]),
    ("glif-cli with nwb", &["-p", "glif-cli", "--features", "nwb"]),
    (
        "glif-core for Cortex-M4F (thumbv7em-none-eabihf)",
        &["-p", "glif-core", "--release", "--target", "thumbv7em-none-eabihf"],
    ),
    (
        "glif-core for Cortex-M0 (thumbv6m-none-eabi), serde",
        &["-p", "glif-core", "--release", "--target", "thumbv6m-none-eabi", "--features", "serde"],
    ),
];

/// The steps `--fast` skips: name, program, arguments.
#[rustfmt::skip]
const SLOW: &[(&str, &str, &[&str])] = &[
    // Needs the AllenSDK venv: fails without it in CI (CI=true or CI=1);
    // records the check python/pytest-against-allensdk with pytest's count.
    (
        "python package: wheel, fresh-venv import, pytest against AllenSDK",
        "bash",
        &["scripts/python/test_package.sh"],
    ),
    // Needs the AllenSDK venv's interpreter and PyPI: fails without them in
    // CI; records python/wheel-without-rust. Leaves the wheel in target/wheels.
    (
        "python wheel: abi3, fresh venvs without cargo/rustc, numpy 1.x and 2.x, mypy",
        "bash",
        &["scripts/python/test_wheel.sh"],
    ),
    ("firmware on QEMU, bit-identical to the host", "cargo", &["xtask", "firmware", "--report"]),
    (
        "benchmarks, each run once (smoke test)",
        "cargo",
        &["bench", "-p", "glif-benches", "--", "--test"],
    ),
    // Needs the AllenSDK venv with the fitting dependencies: fails without it in CI.
    (
        "AllenSDK's fitting pipeline live on one cell, against reference/fit (quick)",
        "bash",
        &["scripts/fit/check_quick.sh"],
    ),
    ("comparison with AllenSDK and NEST (quick)", "cargo", &["xtask", "compare", "--quick"]),
    // Needs the AllenSDK venv and the regenerated cells: fails without them
    // in CI; records xtask/compare-fit. One glif run (the AllenSDK side runs
    // once anyway, about a minute of CPU).
    (
        "one cell's preprocessing beside AllenSDK's (one run)",
        "cargo",
        &["xtask", "compare-fit", "--runs", "1"],
    ),
    // Needs Brian2 and NEST in the AllenSDK venv: fails without them in CI;
    // records xtask/peers. About 11 s of CPU (Brian2 compiles its C++ once).
    (
        "glif-rs, Brian2 and NEST on one GLIF3 population (smoke)",
        "cargo",
        &["xtask", "peers", "--smoke"],
    ),
    // Needs NEST in the AllenSDK venv: fails without it in CI.
    (
        "glif_psc, glif_psc_double_alpha, glif_cond against NEST 3.10 (quick)",
        "cargo",
        &["xtask", "compare-nest", "--quick"],
    ),
];

fn steps() -> Vec<Step> {
    let clippy = ["clippy", "--workspace", "--all-targets"];
    let deny = ["--", "-D", "warnings"];
    let mut steps = vec![
        cargo("format", &["fmt", "--all", "--check"]),
        cargo(
            "format (firmware)",
            &["fmt", "--check", "--manifest-path", "firmware/Cargo.toml"],
        ),
        cargo("clippy (default features)", &[&clippy[..], &deny].concat()),
        cargo(
            "clippy (all features)",
            &[&clippy[..], &["--all-features"], &deny].concat(),
        ),
        cargo(
            "tests (all features)",
            // --no-fail-fast: every failing test binary reports (and every
            // AllenSDK-environment check records how it ended).
            &["test", "--workspace", "--all-features", "--no-fail-fast"],
        ),
        cargo(
            "docs build without warnings",
            &["doc", "--workspace", "--no-deps", "--all-features"],
        )
        .env("RUSTDOCFLAGS", "-D warnings"),
    ];
    steps.extend(
        BUILDS
            .iter()
            .map(|(name, args)| cargo(name, &[&["build"][..], args].concat())),
    );
    steps.extend([
        cargo("glif-core links no alloc", &["xtask", "no-alloc"]),
        cargo(
            "verify against AllenSDK reference traces",
            &["xtask", "verify"],
        ),
        cargo(
            "verify against NEST 3.10 reference cases",
            &["xtask", "verify-nest"],
        ),
        cargo(
            "glif fit against AllenSDK's fitting pipeline (reference/fit)",
            &["xtask", "verify-fit"],
        ),
        cargo(
            "docs/F32.md is up to date",
            &["xtask", "f32-report", "--check"],
        ),
    ]);
    steps.extend(
        SLOW.iter()
            .map(|(name, program, args)| step(name, program, args, true)),
    );
    steps
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
/// failed (did not run in CI, or reported a failure).
fn env_summary(report: &Path, fast: bool) -> usize {
    let entries = glif_reference::env::read_report(report);
    let ci = glif_reference::env::ci();
    println!(
        "\nAllenSDK-environment checks ({}; CI={}):",
        glif_reference::env::venv_dir().display(),
        if ci {
            "true or 1: a check that did not run fails"
        } else {
            "unset: a missing environment is a visible skip"
        }
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
            None if fast
                && (check.starts_with("xtask/compare")
                    || *check == "xtask/peers"
                    || check.starts_with("python/")) =>
            {
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
