//! `cargo xtask peers [--smoke] [--neurons N] [--steps S] [--threads T]
//! [--repeats R]`: glif-rs's Allen population engine beside Brian2 (C++
//! standalone) and NEST 3.10 (`glif_psc`) on the same GLIF3 population,
//! one run, as a Markdown table of neuron-steps per second per core and
//! spike-count agreement (`docs/PERFORMANCE.md`).
//!
//! `cargo xtask peers --scale [--steps S] [--svg PATH]`: the population
//! engines (Allen GLIF3 and GLIF5 f64, NEST's `glif_psc`) at 1,000 to
//! 1,000,000 neurons on 1 and 2 threads: ns per neuron-step and parallel
//! efficiency, as a table and an SVG plot.
//!
//! The population and its runs are `glif_benches::peers`: every Teeter et
//! al. GLIF3 model cycled to N neurons, each at 1.5 x its rheobase from the
//! first step, at the Allen dt (5 us). The Brian2 and NEST sides are
//! `scripts/peers/bench_peers.py` (what each does and what it times is in
//! its docstring), given the same models, currents, N, S and thread count
//! through a JSON file.
//!
//! Exit status: 0 when every side ran (or, outside CI, Brian2 or NEST is
//! missing: a visible skip) and glif-rs's thread counts agree with its
//! single thread spike for spike; 1 when a side that can be imported fails,
//! when glif-rs's threaded run differs, when fewer than
//! [`MIN_WITHIN_ONE`] of the neurons are within one spike of glif-rs in
//! Brian2 (its equations or their parameters would be wrong), and under
//! `CI=true` when Brian2 or NEST is missing; 2 on a usage error. How it
//! ended is recorded for `cargo xtask ci` (check `xtask/peers`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use glif_benches::allen::{AllenPopulation, LANES};
use glif_benches::peers::{brian2_glif3, run_threads, Cycled, PscSetup};
use glif_benches::DT;
use glif_core::population::PopulationRules;
use glif_core::{Model, WideDynamics};
use serde_json::{json, Value};

use crate::compare::{cpu_model, repo_root, rerun_in_release, rustc_version};

const CHILD_ENV: &str = "GLIF_XTASK_PEERS_RELEASE";
const CHECK: &str = "xtask/peers";

/// The least fraction of neurons whose Brian2 spike count is within one of
/// glif-rs's for the run to pass. Brian2 evaluates the same equations in
/// another operation order (and with `-ffast-math`), so a neuron near a
/// threshold crossing can gain or lose a spike; measured: every neuron of
/// the 10,000 x 40,000 run within one (docs/PERFORMANCE.md). Below 0.95,
/// the equations or their parameters differ, not the rounding.
pub const MIN_WITHIN_ONE: f64 = 0.95;

const HELP: &str = "\
cargo xtask peers [--smoke] [--neurons N] [--steps S] [--threads T] [--repeats R]
cargo xtask peers --scale [--steps S] [--repeats R] [--svg PATH]

Times glif-rs's Allen population engine, Brian2 (C++ standalone, GLIF3 as
equations) and NEST 3.10 (glif_psc, GLIF3 switches) on the same population:
every Teeter GLIF3 model cycled to N neurons, each at 1.5 x its rheobase
from the first step, S steps at dt = 5 us, on 1 and T threads. Prints
neuron-steps per second per core, the ratios, and spike-count agreement.

  --neurons N  neurons, a multiple of 16 (default 10000)
  --steps S    steps (default 40000 = 0.2 s; --scale: 2000)
  --threads T  the second thread count (default 2; 1: one thread only)
  --repeats R  glif-rs runs per case, median quoted (default 3)
  --smoke      64 neurons x 20000 steps (0.1 s), 1 thread, 1 repeat (CI: checks
               that every side runs and agrees)
  --scale      the population engines at 1,000 to 1,000,000 neurons, 1 and
               2 threads: ns per neuron-step and parallel efficiency
  --svg PATH   with --scale: also write the plot (SVG) to PATH

Brian2 and NEST come from <repo>/.venv-allensdk (or $GLIF_ALLENSDK_VENV).";

struct Options {
    neurons: usize,
    steps: usize,
    threads: usize,
    repeats: usize,
    smoke: bool,
    scale: bool,
    svg: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        neurons: 10_000,
        steps: 0,
        threads: 2,
        repeats: 3,
        smoke: false,
        scale: false,
        svg: None,
    };
    let mut it = args.iter();
    let whole = |flag: &str, v: Option<&String>| -> Result<usize, String> {
        v.and_then(|n| n.replace('_', "").parse().ok())
            .filter(|&n: &usize| n >= 1)
            .ok_or_else(|| format!("{flag} needs a whole number >= 1, got {v:?}"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--neurons" => o.neurons = whole(a, it.next())?,
            "--steps" => o.steps = whole(a, it.next())?,
            "--threads" => o.threads = whole(a, it.next())?,
            "--repeats" => o.repeats = whole(a, it.next())?,
            "--smoke" => o.smoke = true,
            "--scale" => o.scale = true,
            "--svg" => {
                o.svg = Some(PathBuf::from(
                    it.next().ok_or("--svg needs a path (an .svg file)")?,
                ))
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if o.smoke {
        // One thread: one Brian2 project to compile (about 15 s the first
        // time; kept in target/peers, so later runs do not recompile).
        (o.neurons, o.steps, o.repeats, o.threads) = (64, 20_000, 1, 1);
    }
    if o.steps == 0 {
        o.steps = if o.scale { 2_000 } else { 40_000 };
    }
    if !o.neurons.is_multiple_of(LANES) {
        return Err(format!(
            "--neurons {}: expected a multiple of {LANES} (the engine's lanes per block), e.g. {}",
            o.neurons,
            o.neurons.next_multiple_of(LANES)
        ));
    }
    if o.svg.is_some() && !o.scale {
        return Err("--svg goes with --scale".into());
    }
    Ok(o)
}

/// Entry point of `cargo xtask peers`.
pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let o = match parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("peers: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    if cfg!(debug_assertions) && std::env::var_os(CHILD_ENV).is_none() {
        return rerun_in_release("peers", CHILD_ENV, args);
    }
    if o.scale {
        scale(&o)
    } else {
        peers(&o)
    }
}

/// This process's CPU seconds, all threads; NaN where unavailable.
fn process_cpu() -> f64 {
    crate::compare_nest::cpu_seconds(crate::compare_nest::CpuClock::Process)
}

/// (wall, CPU) seconds of each of `reps` runs of `go` after `prepare`
/// (untimed); the counts of the last.
fn time_runs<P>(
    reps: usize,
    mut prepare: impl FnMut() -> P,
    mut go: impl FnMut(&mut P, &mut [u32]),
    n: usize,
) -> (Vec<f64>, Vec<f64>, Vec<u32>) {
    let (mut wall, mut cpu, mut counts) = (Vec::new(), Vec::new(), vec![0; n]);
    for _ in 0..reps {
        let mut p = prepare();
        counts.iter_mut().for_each(|c| *c = 0);
        let (c0, t0) = (process_cpu(), Instant::now());
        go(&mut p, &mut counts);
        wall.push(t0.elapsed().as_secs_f64());
        cpu.push(process_cpu() - c0);
    }
    (wall, cpu, counts)
}

/// Runs an Allen population `reps` times on `threads` threads.
fn time_allen<R>(
    pop: &AllenPopulation<f64, R>,
    steps: usize,
    threads: usize,
    reps: usize,
) -> (Vec<f64>, Vec<f64>, Vec<u32>)
where
    R: PopulationRules<f64, 2, LANES> + Sync,
    Model<f64, 2, R>: Sync,
    WideDynamics<f64, 2, LANES, R>: Sync,
{
    time_runs(
        reps,
        || pop.fresh.clone(),
        |blocks, counts| run_threads(pop, blocks, steps, threads, counts),
        pop.len(),
    )
}

fn time_psc(
    setup: &PscSetup,
    steps: usize,
    threads: usize,
    reps: usize,
) -> (Vec<f64>, Vec<f64>, Vec<u32>) {
    time_runs(
        reps,
        || setup.fresh.clone(),
        |blocks, counts| setup.run_threads(blocks, steps, threads, counts),
        setup.len(),
    )
}

// ------------------------------------------------------------------ peers

/// One side's outcome for one thread count.
struct Side {
    name: String,
    threads: usize,
    /// Simulation seconds as the side measures them (wall for glif-rs and
    /// NEST; Brian2: its own run-loop figure).
    seconds: Result<f64, String>,
    /// CPU seconds of the simulation (all threads), when known.
    cpu: Option<f64>,
    counts: Vec<u32>,
    note: String,
}

fn python() -> PathBuf {
    glif_reference::env::venv_dir().join("bin").join("python")
}

/// Runs bench_peers.py for `side`; its JSON line, or why there is none.
fn run_script(side: &str, input: &Path, build_dir: &Path) -> Result<Value, String> {
    let root = repo_root();
    let out = Command::new(python())
        .current_dir(&root)
        .arg("scripts/peers/bench_peers.py")
        .args(["--side", side])
        .arg("--input")
        .arg(input)
        .arg("--build-dir")
        .arg(build_dir)
        .output()
        .map_err(|e| format!("could not run bench_peers.py: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(4).collect();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join(" | ");
    if !out.status.success() {
        return Err(format!(
            "bench_peers.py --side {side} exited with {}: {tail}",
            out.status
        ));
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("bench_peers.py --side {side} printed no JSON line: {tail}"))?;
    serde_json::from_str(line).map_err(|e| format!("bench_peers.py --side {side}: bad JSON ({e})"))
}

/// A script side's outcome from its JSON (or error).
fn script_side(name: &str, threads: usize, neurons: usize, v: Result<Value, String>) -> Side {
    let mut s = Side {
        name: name.into(),
        threads,
        seconds: Err(String::new()),
        cpu: None,
        counts: Vec::new(),
        note: String::new(),
    };
    let v = match v {
        Ok(v) => v,
        Err(e) => {
            s.seconds = Err(e);
            return s;
        }
    };
    let counts: Option<Vec<u32>> = v["counts"].as_array().and_then(|a| {
        a.iter()
            .map(|c| c.as_u64().and_then(|c| u32::try_from(c).ok()))
            .collect()
    });
    match (v["seconds"].as_f64(), counts) {
        (Some(t), Some(c)) if c.len() == neurons && t > 0.0 => {
            s.seconds = Ok(t);
            s.counts = c;
        }
        _ => {
            s.seconds = Err(format!(
                "{name}: output without its seconds or {neurons} counts"
            ))
        }
    }
    if name == "Brian2" {
        s.cpu = v["binary_cpu_seconds"].as_f64();
        s.note = format!(
            "{}; build {:.1} s (not timed); whole binary {:.3} s CPU",
            v["seconds_measure"].as_str().unwrap_or("?"),
            v["build_seconds"].as_f64().unwrap_or(f64::NAN),
            v["binary_cpu_seconds"].as_f64().unwrap_or(f64::NAN),
        );
    } else {
        s.cpu = v["cpu_seconds"].as_f64();
        s.note = format!(
            "nest.Simulate; min_delay {} ms",
            v["min_delay_ms"].as_f64().unwrap_or(f64::NAN)
        );
    }
    s
}

/// Neurons within one spike of `reference`, and the two totals.
fn agreement(reference: &[u32], other: &[u32]) -> (usize, u64, u64) {
    let within = reference
        .iter()
        .zip(other)
        .filter(|(a, b)| a.abs_diff(**b) <= 1)
        .count();
    let total = |c: &[u32]| c.iter().map(|&x| u64::from(x)).sum();
    (within, total(reference), total(other))
}

fn peers(o: &Options) -> ExitCode {
    let (n, steps) = (o.neurons, o.steps);
    let cycled = Cycled::new(3, n);
    let pop = cycled.glif3();
    let ns = (n * steps) as f64;
    let mut threads = vec![1];
    if o.threads > 1 {
        threads.push(o.threads);
    }
    // The input of the script sides.
    let brian2: Result<Vec<Value>, String> = cycled.configs.iter().map(brian2_glif3).collect();
    let nest = cycled.nest_params();
    let (brian2, nest) = match (brian2, nest) {
        (Ok(b), Ok(n)) => (b, n),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("peers: cannot convert the models: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = repo_root().join("target").join("peers");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("peers: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let py = python();
    let available = [
        (
            "Brian2",
            "brian2",
            crate::compare_nest::importable(&py, "brian2", "brian2==2.9.0"),
        ),
        (
            "NEST",
            "nest",
            crate::compare_nest::importable(&py, "nest", "nest-simulator==3.10.0"),
        ),
    ];
    let mut sides: Vec<Side> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut reference: Vec<u32> = Vec::new();
    for &t in &threads {
        eprintln!("peers: glif-rs, {n} neurons x {steps} steps, {t} thread(s)");
        let (wall, cpu, counts) = time_allen(&pop, steps, t, o.repeats);
        let counts = counts[..n].to_vec();
        if t == 1 {
            reference = counts.clone();
        } else if counts != reference {
            failures.push(format!("glif-rs on {t} threads differs from one thread"));
        }
        sides.push(Side {
            name: "glif-rs".into(),
            threads: t,
            seconds: Ok(glif_fit::stats::median(&wall)),
            cpu: Some(glif_fit::stats::median(&cpu)),
            counts,
            note: format!("population engine, {LANES} lanes; median of {}", o.repeats),
        });
        let input = dir.join(format!("input-{t}.json"));
        let text = json!({
            "neurons": n, "steps": steps, "dt": DT, "threads": t,
            "model_of": cycled.model_of, "current": cycled.amplitudes,
            "brian2": brian2, "nest": nest, "nest_delay_ms": 1.0,
        })
        .to_string();
        if let Err(e) = glif_io::base::write_atomic(&input, true, |w| w.write_all(text.as_bytes()))
        {
            eprintln!("peers: {e}");
            return ExitCode::FAILURE;
        }
        for (name, module, avail) in &available {
            let v = match avail {
                Ok(()) => {
                    eprintln!("peers: {name}, {t} thread(s)");
                    run_script(module, &input, &dir.join(format!("brian2-{n}x{steps}-{t}")))
                }
                Err(e) => Err(e.clone()),
            };
            let s = script_side(name, t, n, v);
            if avail.is_ok() {
                if let Err(e) = &s.seconds {
                    failures.push(format!("{name}: {e}"));
                }
            }
            if *name == "Brian2" && s.seconds.is_ok() {
                let (within, _, _) = agreement(&reference, &s.counts);
                let frac = within as f64 / n as f64;
                if frac < MIN_WITHIN_ONE {
                    failures.push(format!(
                        "Brian2 ({t} threads): only {within} of {n} neurons within one spike of glif-rs (expected at least {MIN_WITHIN_ONE})"
                    ));
                }
            }
            sides.push(s);
        }
    }
    report(o, cycled.configs.len(), &sides, &reference, ns);
    for f in &failures {
        eprintln!("peers: FAILED: {f}");
    }
    let missing: Vec<String> = available
        .iter()
        .filter_map(|(name, _, a)| a.as_ref().err().map(|e| format!("{name}: {e}")))
        .collect();
    use glif_reference::env::{record, unavailable, Outcome};
    if !failures.is_empty() {
        record(CHECK, Outcome::Failed, 0, &failures.join("; "));
        return ExitCode::FAILURE;
    }
    if !missing.is_empty() {
        let why = missing.join("; ");
        eprintln!("peers: not run: {why}");
        return if unavailable(CHECK, &why) {
            ExitCode::SUCCESS
        } else {
            eprintln!("peers: CI=true requires Brian2 and NEST");
            ExitCode::FAILURE
        };
    }
    record(
        CHECK,
        Outcome::Ran,
        sides.len(),
        "glif-rs, Brian2 and NEST on the same GLIF3 population, spike counts compared",
    );
    ExitCode::SUCCESS
}

fn report(o: &Options, models: usize, sides: &[Side], reference: &[u32], ns: f64) {
    println!("## glif-rs, Brian2 and NEST on the same GLIF3 population\n");
    println!("{}", machine_line());
    println!(
        "- {} neurons (the {} Teeter GLIF3 models cycled) x {} steps at dt = {} s, each at 1.5 x its rheobase from the first step",
        o.neurons,
        models,
        o.steps,
        DT
    );
    println!("- M neuron-steps per second per core: N S / (seconds x threads) / 1e6, by the side's seconds; by CPU: N S / CPU seconds of all threads / 1e6 (on a shared machine the CPU figure is the one to compare: wall time counts the time other processes held the cores)");
    println!("- glif-rs / side: the ratio of the per-core figures by CPU (by the side's seconds where it has no CPU figure)\n");
    println!("| side | threads | seconds | M neuron-steps/s per core | by CPU | glif-rs / side | spikes (glif-rs) | same count as glif-rs | within 1 spike | what was timed |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    let rate = |s: &Side| s.seconds.as_ref().ok().map(|t| ns / (t * s.threads as f64));
    let by_cpu = |s: &Side| s.cpu.filter(|c| *c > 0.0).map(|c| ns / c);
    let pct = |k: usize| {
        format!(
            "{k} ({:.1}%)",
            100.0 * k as f64 / reference.len().max(1) as f64
        )
    };
    for s in sides {
        let base = sides
            .iter()
            .find(|g| g.name == "glif-rs" && g.threads == s.threads);
        match &s.seconds {
            Ok(t) => {
                let r = rate(s).unwrap_or(f64::NAN);
                let ratio = match (base.and_then(by_cpu), by_cpu(s), base.and_then(rate)) {
                    (Some(b), Some(c), _) => format!("{:.1}x", b / c),
                    (_, _, Some(b)) => format!("{:.1}x", b / r),
                    _ => "—".into(),
                };
                let (within, tr, to) = agreement(reference, &s.counts);
                let same = reference
                    .iter()
                    .zip(&s.counts)
                    .filter(|(a, b)| a == b)
                    .count();
                println!(
                    "| {} | {} | {t:.4} | {:.1} | {} | {ratio} | {to} ({tr}) | {} | {} | {} |",
                    s.name,
                    s.threads,
                    r / 1e6,
                    by_cpu(s).map_or("—".into(), |c| format!("{:.1}", c / 1e6)),
                    pct(same),
                    pct(within),
                    s.note
                );
            }
            Err(e) => println!(
                "| {} | {} | not run | — | — | — | — | — | — | {e} |",
                s.name, s.threads
            ),
        }
    }
}

// ------------------------------------------------------------------ scale

/// Population sizes of `--scale`.
const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];
/// Neuron-steps per measurement at least (small populations repeat).
const TARGET_NEURON_STEPS: f64 = 2e8;

struct ScaleRow {
    engine: &'static str,
    neurons: usize,
    padded: usize,
    /// Wall seconds per neuron-step (1 thread, 2 threads).
    wall: [f64; 2],
    /// CPU seconds per neuron-step (1 thread, 2 threads).
    cpu: [f64; 2],
    spikes_per_neuron: f64,
}

fn scale(o: &Options) -> ExitCode {
    let steps = o.steps;
    let mut rows = Vec::new();
    for &n in &SIZES {
        let g3 = Cycled::new(3, n);
        let g5 = Cycled::new(5, n);
        let psc = match PscSetup::new(&g3, DT * 1e3) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("peers --scale: glif_psc: {e}");
                return ExitCode::FAILURE;
            }
        };
        let reps = |padded: usize| {
            (TARGET_NEURON_STEPS / (padded * steps) as f64)
                .ceil()
                .max(1.0) as usize
        };
        let mut measure = |engine: &'static str,
                           padded: usize,
                           go: &mut dyn FnMut(usize, usize) -> (Vec<f64>, Vec<f64>, Vec<u32>)|
         -> Result<(), String> {
            let r = reps(padded);
            let per = (r * padded * steps) as f64;
            let mut row = ScaleRow {
                engine,
                neurons: n,
                padded,
                wall: [0.0; 2],
                cpu: [0.0; 2],
                spikes_per_neuron: 0.0,
            };
            let mut first: Vec<u32> = Vec::new();
            for (i, t) in [1usize, 2].into_iter().enumerate() {
                eprintln!(
                    "peers --scale: {engine}, {n} neurons x {steps} steps x {r}, {t} thread(s)"
                );
                let (wall, cpu, counts) = go(t, r);
                row.wall[i] = wall.iter().sum::<f64>() / per;
                row.cpu[i] = cpu.iter().sum::<f64>() / per;
                if t == 1 {
                    first = counts;
                } else if counts != first {
                    return Err(format!("{engine}, {n} neurons: 2 threads differ from 1"));
                }
            }
            row.spikes_per_neuron =
                first[..n].iter().map(|&c| f64::from(c)).sum::<f64>() / n as f64;
            rows.push(row);
            Ok(())
        };
        let p3 = g3.glif3();
        let p5 = g5.glif5();
        let results = [
            measure("Allen GLIF3 f64", p3.len(), &mut |t, r| {
                sum_runs(r, || time_allen(&p3, steps, t, 1))
            }),
            measure("Allen GLIF5 f64", p5.len(), &mut |t, r| {
                sum_runs(r, || time_allen(&p5, steps, t, 1))
            }),
            measure("NEST glif_psc (GLIF3)", psc.len(), &mut |t, r| {
                sum_runs(r, || time_psc(&psc, steps, t, 1))
            }),
        ];
        if let Some(e) = results.into_iter().find_map(Result::err) {
            eprintln!("peers --scale: FAILED: {e}");
            return ExitCode::FAILURE;
        }
    }
    print_scale(&rows, steps);
    if let Some(path) = &o.svg {
        let svg = scale_svg(&rows, steps);
        if let Err(e) = glif_io::base::write_atomic(path, true, |w| w.write_all(svg.as_bytes())) {
            eprintln!("peers --scale: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!("peers --scale: wrote {}", path.display());
    }
    ExitCode::SUCCESS
}

/// `r` runs of `one`: their times, the counts of the last.
fn sum_runs(
    r: usize,
    mut one: impl FnMut() -> (Vec<f64>, Vec<f64>, Vec<u32>),
) -> (Vec<f64>, Vec<f64>, Vec<u32>) {
    let (mut wall, mut cpu, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..r {
        let (w, c, k) = one();
        wall.extend(w);
        cpu.extend(c);
        counts = k;
    }
    (wall, cpu, counts)
}

fn print_scale(rows: &[ScaleRow], steps: usize) {
    println!("## Population engines from 1,000 to 1,000,000 neurons, 1 and 2 threads\n");
    println!("{}", machine_line());
    println!("- Teeter models cycled to N (padded to whole blocks), each at 1.5 x its rheobase from rest, {steps} steps at dt = {DT} s; ns per (padded) neuron-step, wall and CPU (all threads); efficiency = wall(1) / (2 wall(2))\n");
    println!("| engine | neurons | spikes per neuron | 1 thread, wall | 2 threads, wall | 1 thread, CPU | 2 threads, CPU | efficiency |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        println!(
            "| {} | {} ({}) | {:.2} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} |",
            r.engine,
            r.neurons,
            r.padded,
            r.spikes_per_neuron,
            r.wall[0] * 1e9,
            r.wall[1] * 1e9,
            r.cpu[0] * 1e9,
            r.cpu[1] * 1e9,
            r.wall[0] / (2.0 * r.wall[1])
        );
    }
}

/// The plot: CPU ns per neuron-step (all threads: the engine's cost, which
/// on a shared machine the wall clock does not show) against neurons (log
/// scale), one line per engine and thread count.
fn scale_svg(rows: &[ScaleRow], steps: usize) -> String {
    let (w, h, left, right, top, bottom) = (780.0, 420.0, 70.0, 290.0, 40.0, 50.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let ymax = rows
        .iter()
        .map(|r| r.cpu[0].max(r.cpu[1]) * 1e9)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let ymax = (ymax * 1.15 * 2.0).ceil() / 2.0;
    let x = |n: usize| left + pw * ((n as f64).log10() - 3.0) / 3.0;
    let y = |v: f64| top + ph * (1.0 - v / ymax);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n<text x=\"{left}\" y=\"22\" font-size=\"14\">CPU ns per neuron-step (all threads) against population size, {steps} steps</text>\n"
    );
    for k in 0..=5 {
        let v = ymax * f64::from(k) / 5.0;
        s += &format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v:.1}</text>\n",
            left + pw,
            left - 6.0,
            y(v) + 4.0,
            y = y(v)
        );
    }
    for &n in &SIZES {
        s += &format!(
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{n}</text>\n",
            top + ph,
            top + ph + 18.0,
            x = x(n)
        );
    }
    s += &format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">neurons</text>\n",
        left + pw / 2.0,
        h - 8.0
    );
    let colours = ["#1f77b4", "#d62728", "#2ca02c"];
    let mut engines: Vec<&str> = rows.iter().map(|r| r.engine).collect();
    engines.dedup();
    engines.sort_unstable();
    engines.dedup();
    let mut legend = 0.0;
    for (e, engine) in engines.iter().enumerate() {
        for t in 0..2 {
            let pts: Vec<String> = rows
                .iter()
                .filter(|r| r.engine == *engine)
                .map(|r| format!("{:.1},{:.1}", x(r.neurons), y(r.cpu[t] * 1e9)))
                .collect();
            let dash = if t == 1 {
                " stroke-dasharray=\"6,4\""
            } else {
                ""
            };
            let c = colours[e % colours.len()];
            s += &format!(
                "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"{dash} points=\"{}\"/>\n",
                pts.join(" ")
            );
            let ly = top + 10.0 + legend;
            s += &format!(
                "<line x1=\"{}\" x2=\"{}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{c}\" stroke-width=\"2\"{dash}/><text x=\"{}\" y=\"{}\">{engine}, {} thread{}</text>\n",
                left + pw + 12.0,
                left + pw + 40.0,
                left + pw + 46.0,
                ly + 4.0,
                t + 1,
                if t == 0 { "" } else { "s" }
            );
            legend += 18.0;
        }
    }
    s += "</svg>\n";
    s
}

/// "- CPU, n logical CPUs; rustc version; load average a b c": the line
/// under each table's title.
fn machine_line() -> String {
    let (cpu, cpus) = cpu_model();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "- {cpu}, {cpus} logical CPUs; {}; load average {}",
        rustc_version(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_counts_neurons_within_one_spike() {
        assert_eq!(agreement(&[3, 5, 0, 9], &[4, 7, 0, 8]), (3, 17, 19));
    }

    #[test]
    fn bad_arguments_name_what_was_expected() {
        let a = |v: &[&str]| parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let e = a(&["--neurons", "1000"]).err().unwrap();
        assert!(
            e.contains("1000") && e.contains("multiple of 16") && e.contains("1008"),
            "{e}"
        );
        assert!(a(&["--steps", "0"]).err().unwrap().contains("--steps"));
        assert!(a(&["--svg", "x.svg"]).err().unwrap().contains("--scale"));
        assert!(a(&["--bogus"]).err().unwrap().contains("--bogus"));
        let o = a(&["--smoke"]).unwrap();
        assert_eq!(
            (o.neurons, o.steps, o.repeats, o.threads),
            (64, 20_000, 1, 1)
        );
    }

    #[test]
    fn a_failed_or_incomplete_script_side_is_an_error() {
        let s = script_side("NEST", 1, 2, Err("boom".into()));
        assert_eq!(s.seconds.unwrap_err(), "boom");
        let s = script_side("NEST", 1, 2, Ok(json!({"seconds": 1.0, "counts": [1]})));
        assert!(s.seconds.unwrap_err().contains("2 counts"));
        let s = script_side("NEST", 1, 2, Ok(json!({"seconds": 1.0, "counts": [1, 2]})));
        assert_eq!((s.seconds.unwrap(), s.counts), (1.0, vec![1, 2]));
    }
}
