//! `cargo xtask compare-nest [--quick] [--repeats N]`: NEST 3.10's
//! `glif_psc` against glif-core's, side by side in one run, on the same
//! input spike trains; prints a Markdown table of time per neuron-step, the
//! ratios and whether every spike agreed (`docs/PERFORMANCE.md`).
//!
//! The model, the seeded Bernoulli (Poisson) input on two ports and the
//! glif-core runs are `glif_benches::nest` (also `cargo bench --bench nest`).
//! Two cases: one neuron for 10 s, and 10,000 unconnected neurons for 0.2 s,
//! at h = 0.1 ms (`--quick`: 1 s and 1,000 neurons). The trains go to NEST
//! through a file (`scripts/nest/bench_nest.py`, one `spike_generator` per
//! neuron and port, 1 ms delay, one thread).
//!
//! Timed: glif-core's run (state, input and every step; not the model
//! build) through the single-neuron model (walking each neuron's trains) and
//! the population engine ([`glif_core::nest::PscPopulation`], whose input,
//! per-step lane masks, is built from the trains before timing); NEST's
//! `nest.Simulate` (not node
//! creation, connection or the upload of the trains, but its delivery of the
//! generators' spikes, which is part of how NEST takes input). Each side
//! runs `--repeats` times (default 5) and the table quotes medians, with the
//! range. A debug build re-runs itself in release, as `compare` does.
//!
//! Exit status: 0 when every spike (neuron and step) agreed between NEST and
//! both glif-core engines, or when NEST is not available (glif-core's side
//! is printed with a note; the two engines must still agree); 1 on a
//! disagreement, and whenever NEST can be imported but its run fails
//! (bench_nest.py exits non-zero, prints no JSON or bad JSON, or output
//! missing its times or spikes: [`judge`]), and without NEST under
//! `CI=true`; 2 on a usage error. `xtask/tests/compare_nest_broken.rs`
//! breaks the NEST side on purpose and asserts the failure. How it ended is recorded for `cargo xtask ci`'s summary
//! (`glif_reference::env`, check `xtask/compare-nest`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use glif_benches::nest::{
    cond_model, double_alpha_model, model, params_json, params_json_cond, params_json_double_alpha,
    run_single, run_single_cond, DoubleAlphaSetup, PopulationSetup, SpikeTrains, Spikes,
    COND_WEIGHT_NS, DELAY_STEPS, LANES, PORT_RATE_HZ, PORT_WEIGHT_PA, RESOLUTION_MS,
};
use glif_fit::stats::median;
use serde_json::Value;

use crate::compare::{cpu_model, repo_root, rerun_in_release, rustc_version};

const CHILD_ENV: &str = "GLIF_XTASK_COMPARE_NEST_RELEASE";

const HELP: &str = "\
cargo xtask compare-nest [--quick] [--repeats N]

Times NEST 3.10's glif_psc (one thread) and glif-core's on the same seeded
Poisson input on two ports: one neuron (10 s) and 10,000 unconnected neurons
(0.2 s) at h = 0.1 ms, and checks that every spike agrees. Prints a Markdown
table (see docs/PERFORMANCE.md).

  --quick      1 s and 1,000 neurons, 1 repeat (a smoke test)
  --smoke      20 ms and 8 neurons, 1 repeat: checks the checking (the
               tests that break the NEST side on purpose), times nothing
  --repeats N  runs per side and case (default 5; the table quotes medians)

NEST comes from <repo>/.venv-allensdk (or $GLIF_ALLENSDK_VENV).";

/// The NEST model a case runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bench {
    /// `glif_psc`: single-neuron model and `PscPopulation`.
    Psc,
    /// `glif_psc_double_alpha`: single-neuron model and `DoubleAlphaPopulation`.
    DoubleAlpha,
    /// `glif_cond`: the single-neuron model (it has no population engine).
    Cond,
}

impl Bench {
    fn nest_name(self) -> &'static str {
        match self {
            Bench::Psc => "glif_psc",
            Bench::DoubleAlpha => "glif_psc_double_alpha",
            Bench::Cond => "glif_cond",
        }
    }

    fn params(self) -> Value {
        match self {
            Bench::Psc => params_json(),
            Bench::DoubleAlpha => params_json_double_alpha(),
            Bench::Cond => params_json_cond(),
        }
    }

    fn weights(self) -> [f64; 2] {
        match self {
            Bench::Cond => COND_WEIGHT_NS,
            _ => PORT_WEIGHT_PA,
        }
    }
}

struct Case {
    name: &'static str,
    model: Bench,
    neurons: usize,
    steps: u32,
}

const fn case(name: &'static str, model: Bench, neurons: usize, steps: u32) -> Case {
    Case {
        name,
        model,
        neurons,
        steps,
    }
}

/// Wall and CPU seconds of each repeat.
#[derive(Default)]
struct Times {
    wall: Vec<f64>,
    cpu: Vec<f64>,
}

impl Times {
    fn push(&mut self, (wall, cpu): (f64, f64)) {
        self.wall.push(wall);
        self.cpu.push(cpu);
    }

    fn of(&self, cpu: bool) -> &[f64] {
        if cpu {
            &self.cpu
        } else {
            &self.wall
        }
    }
}

/// A start time: wall clock and this thread's CPU time. CPU time leaves out the time other processes
/// held the CPU, which wall time on a shared machine includes.
struct Clock {
    wall: Instant,
    cpu: f64,
}

impl Clock {
    fn now() -> Self {
        Clock {
            wall: Instant::now(),
            cpu: process_cpu_seconds(),
        }
    }

    /// (wall, CPU) seconds since `self`.
    fn elapsed(&self) -> (f64, f64) {
        (
            self.wall.elapsed().as_secs_f64(),
            process_cpu_seconds() - self.cpu,
        )
    }
}

/// The CPU time of the calling thread in seconds
/// (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`; glif-core's runs are on this
/// thread, as NEST's are on Python's main thread, timed with
/// `time.process_time`); NaN where unavailable.
pub(crate) fn process_cpu_seconds() -> f64 {
    cpu_seconds(CpuClock::Thread)
}

/// Whose CPU time [`cpu_seconds`] reads.
#[derive(Clone, Copy)]
pub(crate) enum CpuClock {
    /// The calling thread's (`CLOCK_THREAD_CPUTIME_ID`).
    Thread,
    /// The whole process's, every thread (`CLOCK_PROCESS_CPUTIME_ID`).
    Process,
}

/// CPU seconds on `clock` (`clock_gettime`); NaN where unavailable.
pub(crate) fn cpu_seconds(clock: CpuClock) -> f64 {
    #[cfg(unix)]
    {
        let id = match clock {
            CpuClock::Thread => libc::CLOCK_THREAD_CPUTIME_ID,
            CpuClock::Process => libc::CLOCK_PROCESS_CPUTIME_ID,
        };
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        #[allow(unsafe_code)]
        let status = unsafe { libc::clock_gettime(id, &mut ts) };
        if status == 0 {
            return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
        }
    }
    #[cfg(not(unix))]
    let _ = clock;
    f64::NAN
}

struct Row {
    case: Case,
    input_spikes: usize,
    single_s: Times,
    population_s: Times,
    spikes: Spikes,
    population_agrees: bool,
    nest: Result<Value, String>,
}

/// Entry point of `cargo xtask compare-nest`.
pub fn run(args: &[String]) -> ExitCode {
    let mut quick = false;
    let mut smoke = false;
    let mut repeats = 5usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => {
                quick = true;
                repeats = 1;
            }
            "--smoke" => {
                smoke = true;
                repeats = 1;
            }
            "--repeats" => match it.next().and_then(|n| n.parse().ok()).filter(|&n| n >= 1) {
                Some(n) => repeats = n,
                None => {
                    eprintln!("compare-nest: --repeats needs a whole number >= 1");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("compare-nest: unknown argument {other:?}\n\n{HELP}");
                return ExitCode::from(2);
            }
        }
    }
    if cfg!(debug_assertions) && std::env::var_os(CHILD_ENV).is_none() {
        return rerun_in_release("compare-nest", CHILD_ENV, args);
    }
    // (Population engines for glif_psc and the double alpha model; glif_cond
    // has only the single-neuron model.)
    let cases = if smoke {
        [
            case("glif_psc, 1 neuron", Bench::Psc, 1, 200),
            case("glif_psc, 8 neurons", Bench::Psc, 8, 200),
            case(
                "glif_psc_double_alpha, 8 neurons",
                Bench::DoubleAlpha,
                8,
                200,
            ),
            case("glif_cond, 1 neuron", Bench::Cond, 1, 200),
        ]
    } else if quick {
        [
            case("glif_psc, 1 neuron", Bench::Psc, 1, 10_000),
            case("glif_psc, 1,000 neurons", Bench::Psc, 1_000, 2_000),
            case(
                "glif_psc_double_alpha, 1,000 neurons",
                Bench::DoubleAlpha,
                1_000,
                2_000,
            ),
            case("glif_cond, 1 neuron", Bench::Cond, 1, 10_000),
        ]
    } else {
        [
            case("glif_psc, 1 neuron", Bench::Psc, 1, 100_000),
            case("glif_psc, 10,000 neurons", Bench::Psc, 10_000, 2_000),
            case(
                "glif_psc_double_alpha, 10,000 neurons",
                Bench::DoubleAlpha,
                10_000,
                2_000,
            ),
            case("glif_cond, 1 neuron", Bench::Cond, 1, 100_000),
        ]
    };
    let root = repo_root();
    let python = std::env::var_os("GLIF_ALLENSDK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv-allensdk"))
        .join("bin")
        .join("python");
    let dir = std::env::temp_dir().join(format!("glif-compare-nest-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("compare-nest: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let available = importable(&python, "nest", "nest-simulator==3.10.0");
    if let Err(reason) = &available {
        eprintln!("compare-nest: NEST not run: {reason}");
    }
    let (m, init) = model();
    let (da, da_init) = double_alpha_model();
    let (cond, cond_init) = cond_model();
    let mut rows = Vec::new();
    for case in cases {
        eprintln!("compare-nest: {} x {} steps", case.name, case.steps);
        let trains = SpikeTrains::generate(case.neurons, case.steps);
        // The population engine needs whole blocks (one neuron: not run).
        // Its input as per-step lane masks, built before timing (as NEST's
        // generators are loaded before its simulation is timed).
        let blocks = case.neurons.is_multiple_of(LANES);
        let steps = case.steps as usize;
        let timed = match case.model {
            Bench::Psc => {
                let pop = blocks.then(|| {
                    let pop = PopulationSetup::new(&m, &init, case.neurons);
                    let masks = pop.masks(&trains);
                    (pop, masks)
                });
                time_engines(
                    case.name,
                    repeats,
                    || Ok::<_, String>(run_single(&m, &init, &trains)),
                    pop.as_ref()
                        .map(|(pop, masks)| move || pop.run(masks, steps)),
                )
            }
            Bench::DoubleAlpha => {
                let pop = blocks.then(|| {
                    let pop = DoubleAlphaSetup::new(&da, &da_init, case.neurons);
                    let masks = pop.masks(&trains);
                    (pop, masks)
                });
                time_engines(
                    case.name,
                    repeats,
                    || Ok::<_, String>(run_single(&da, &da_init, &trains)),
                    pop.as_ref()
                        .map(|(pop, masks)| move || pop.run(masks, steps)),
                )
            }
            Bench::Cond => time_engines(
                case.name,
                repeats,
                || run_single_cond(&cond, &cond_init, &trains),
                None::<fn() -> Spikes>,
            ),
        };
        let Timed {
            single_s,
            population_s,
            spikes,
            population_agrees,
        } = timed;
        let nest = match &available {
            Ok(()) => {
                let path = dir.join(format!("trains-{}-{}.bin", case.neurons, case.steps));
                match trains.write(&path) {
                    Ok(()) => run_nest(&root, &python, &path, &case, repeats),
                    Err(e) => Err(format!("cannot write {}: {e}", path.display())),
                }
            }
            Err(reason) => Err(reason.clone()),
        };
        rows.push(Row {
            input_spikes: trains.total(),
            case,
            single_s,
            population_s,
            spikes,
            population_agrees,
            nest,
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    let code = report(&rows, available.is_ok(), repeats);
    record_env_check(&available, &rows, code == ExitCode::SUCCESS).unwrap_or(code)
}

/// What [`time_engines`] measured.
struct Timed {
    single_s: Times,
    population_s: Times,
    /// The one-neuron-at-a-time engine's spikes (of its last good run).
    spikes: Spikes,
    /// Every run of either engine gave the same spikes (and none failed).
    population_agrees: bool,
}

/// Times `repeats` runs of the one-neuron-at-a-time engine (`single`) and,
/// when given, of the population engine on the same input right after
/// each; a failed single run is reported under `name` and counts as
/// disagreement.
fn time_engines<E: std::fmt::Display, P: FnMut() -> Spikes>(
    name: &str,
    repeats: usize,
    mut single: impl FnMut() -> Result<Spikes, E>,
    mut population: Option<P>,
) -> Timed {
    let mut t = Timed {
        single_s: Times::default(),
        population_s: Times::default(),
        spikes: Vec::new(),
        population_agrees: true,
    };
    for _ in 0..repeats {
        let t0 = Clock::now();
        let r = single();
        t.single_s.push(t0.elapsed());
        match r {
            Ok(sp) => t.spikes = sp,
            Err(e) => {
                eprintln!("compare-nest: {name}: {e}");
                t.population_agrees = false;
            }
        }
        if let Some(pop) = population.as_mut() {
            let t0 = Clock::now();
            let p = pop();
            t.population_s.push(t0.elapsed());
            t.population_agrees &= p == t.spikes;
        }
    }
    t
}

/// Whether `module` imports in the venv's Python; otherwise why not.
pub(crate) fn importable(python: &Path, module: &str, pip: &str) -> Result<(), String> {
    if !python.exists() {
        return Err(format!(
            "{} not found: create the venv with scripts/allensdk/setup_venv.sh",
            python.display()
        ));
    }
    let out = Command::new(python)
        .args(["-c", &format!("import {module}")])
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`import {module}` fails in {} (pip install {pip}; scripts/allensdk/setup_venv.sh)",
            python.display()
        ))
    }
}

/// The NEST side is an environment-dependent check (`glif_reference::env`,
/// listed in `cargo xtask ci`'s summary): without NEST it is a skip, and
/// under `CI=true` a failure (returned as the exit code to use).
fn record_env_check(available: &Result<(), String>, rows: &[Row], ok: bool) -> Option<ExitCode> {
    use glif_reference::env::{ci, record, Outcome};
    const CHECK: &str = "xtask/compare-nest";
    match available {
        Err(reason) if ci() => {
            record(CHECK, Outcome::Failed, 0, reason);
            eprintln!("compare-nest: CI=true requires NEST: {reason}");
            Some(ExitCode::FAILURE)
        }
        Err(reason) => {
            record(CHECK, Outcome::Skipped, 0, reason);
            None
        }
        Ok(()) if !ok => {
            let why = rows
                .iter()
                .find_map(|r| judge(true, &r.nest, &r.spikes, r.population_agrees).err())
                .unwrap_or_else(|| "a case failed (see its table)".into());
            record(CHECK, Outcome::Failed, 0, &format!("{why} (see its table)"));
            Some(ExitCode::FAILURE)
        }
        Ok(()) => {
            record(
                CHECK,
                Outcome::Ran,
                rows.len(),
                "cases run by NEST beside glif-core's single-neuron and population engines, every spike compared",
            );
            None
        }
    }
}

fn run_nest(
    root: &Path,
    python: &Path,
    trains: &Path,
    case: &Case,
    repeats: usize,
) -> Result<Value, String> {
    let weights = case.model.weights().map(|w| w.to_string()).join(",");
    let out = Command::new(python)
        .current_dir(root)
        .arg("scripts/nest/bench_nest.py")
        .arg("--trains")
        .arg(trains)
        .args(["--model", case.model.nest_name()])
        .args(["--steps", &case.steps.to_string()])
        .args(["--resolution", &RESOLUTION_MS.to_string()])
        .args(["--delay-steps", &DELAY_STEPS.to_string()])
        .args(["--weights", &weights])
        .args(["--params", &case.model.params().to_string()])
        .args(["--repeats", &repeats.to_string()])
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    judge_output(
        out.status.success(),
        &out.status.to_string(),
        &out.stdout,
        &out.stderr,
    )
}

/// NEST's side as bench_nest.py ended: its JSON line, or why there is none
/// (a non-zero exit, no JSON line, bad JSON), naming the last lines of its
/// stderr.
fn judge_output(
    success: bool,
    status: &str,
    stdout: &[u8],
    stderr: &[u8],
) -> Result<Value, String> {
    let stdout = String::from_utf8_lossy(stdout);
    let stderr = String::from_utf8_lossy(stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join(" | ");
    if !success {
        return Err(format!("bench_nest.py exited with {status}: {tail}"));
    }
    match stdout.lines().rev().find(|l| l.starts_with('{')) {
        Some(line) => serde_json::from_str(line)
            .map_err(|e| format!("bench_nest.py printed bad JSON ({e}): {line:.80}")),
        None => Err(format!(
            "bench_nest.py printed no JSON line (stdout {:?}): {tail}",
            stdout.chars().take(80).collect::<String>()
        )),
    }
}

/// "median (min–max)" in ns per neuron-step.
fn ns(seconds: &[f64], neuron_steps: f64) -> (f64, String) {
    let per = |s: f64| s * 1e9 / neuron_steps;
    let lo = seconds.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = seconds.iter().copied().fold(0.0, f64::max);
    let m = per(median(seconds));
    (m, format!("{m:.1} ({:.1}–{:.1})", per(lo), per(hi)))
}

fn nest_spikes(v: &Value) -> Option<Spikes> {
    v["spikes"]
        .as_array()?
        .iter()
        .map(|p| Some((p[0].as_u64()? as u32, p[1].as_u64()? as u32)))
        .collect()
}

fn report(rows: &[Row], available: bool, repeats: usize) -> ExitCode {
    let (cpu, cpus) = cpu_model();
    let mut ok = true;
    println!(
        "## glif_psc, glif_psc_double_alpha, glif_cond: glif-core against NEST 3.10 (one thread)\n"
    );
    let nest_version = rows.iter().find_map(|r| {
        r.nest.as_ref().ok()?["nest_version"]
            .as_str()
            .map(String::from)
    });
    println!("- {cpu}, {cpus} logical CPUs; {}", rustc_version());
    match &nest_version {
        Some(v) => println!("- NEST {v} (PyPI nest-simulator), local_num_threads 1"),
        None => println!("- NEST not run"),
    }
    println!(
        "- GLIF5 (NEST defaults, all switches on), h = {RESOLUTION_MS} ms: glif_psc tau_syn 2 and 5 ms; \
         glif_psc_double_alpha tau_syn_fast 2 and 5, tau_syn_slow 6 and 10 ms, amp_slow 0.3 and 0.5; \
         glif_cond tau_syn 0.2 and 2 ms, E_rev 0 and -85 mV. \
         Bernoulli input per step on port 1 ({} Hz; {} pA, glif_cond {} nS) and port 2 ({} Hz; {} pA, \
         glif_cond {} nS), seeded; NEST gets the same trains as spike_generators (delay {} ms)",
        PORT_RATE_HZ[0],
        PORT_WEIGHT_PA[0],
        COND_WEIGHT_NS[0],
        PORT_RATE_HZ[1],
        PORT_WEIGHT_PA[1],
        COND_WEIGHT_NS[1],
        f64::from(DELAY_STEPS) * RESOLUTION_MS
    );
    println!(
        "- {repeats} runs per side; medians (min–max) in ns per neuron-step, by wall time \
         and by CPU time (the timing thread's; NEST: time.process_time), which leaves out \
         the time other processes held the CPU, not the slowdown from a busy sibling \
         hyperthread"
    );
    for cpu in [false, true] {
        println!("\n{}\n", if cpu { "CPU time:" } else { "Wall time:" });
        ok &= table(rows, available, cpu);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Whether one case passes: `Ok` when NEST ran, reported well-formed output
/// (its times, its spikes, repeats that agree) and every spike agreed with
/// glif-core's single-neuron engine, which the population engine agreed
/// with; also `Ok` when NEST is not `available` and the glif-core engines
/// agree (the skip, or under `CI=true` the failure, is then recorded by
/// [`record_env_check`]). Otherwise why not: NEST available but its run
/// failed (crashed, printed no JSON or bad JSON), output missing a field,
/// or a spike differing.
fn judge(
    available: bool,
    nest: &Result<Value, String>,
    spikes: &Spikes,
    population_agrees: bool,
) -> Result<(), String> {
    if !population_agrees {
        return Err(
            "glif-core's population engine differs from its single-neuron model (or a glif-core run failed)"
                .into(),
        );
    }
    let v = match nest {
        Err(e) if available => return Err(format!("the NEST run failed: {e}")),
        Err(_) => return Ok(()),
        Ok(v) => v,
    };
    for key in ["seconds", "cpu_seconds"] {
        let n = v[key]
            .as_array()
            .map_or(0, |a| a.iter().filter(|x| x.is_f64()).count());
        if n == 0 {
            return Err(format!("NEST's output has no times in `{key}`"));
        }
    }
    if v["repeats_agree"].as_bool() != Some(true) {
        return Err("NEST's repeats disagree, or `repeats_agree` is missing".into());
    }
    match nest_spikes(v) {
        None => Err("NEST's output has no readable `spikes`".into()),
        Some(t) if &t == spikes => Ok(()),
        Some(t) => Err(format!(
            "spikes differ: NEST {} vs glif-core {}",
            t.len(),
            spikes.len()
        )),
    }
}

/// Prints the table by wall (`cpu` false) or CPU time; false when a case
/// does not pass [`judge`].
fn table(rows: &[Row], available: bool, cpu: bool) -> bool {
    let mut ok = true;
    println!(
        "| case | neuron-steps | input spikes | NEST | glif-core single | glif-core population ({LANES} lanes) | NEST / single | NEST / population | spikes |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in rows {
        let nsteps = r.case.neurons as f64 * f64::from(r.case.steps);
        let (single, single_cell) = ns(r.single_s.of(cpu), nsteps);
        let (popu, pop_cell) = if r.population_s.wall.is_empty() {
            let why = if r.case.model == Bench::Cond {
                "— (single-neuron model only)"
            } else {
                "— (fewer neurons than lanes)"
            };
            (f64::NAN, why.to_string())
        } else {
            ns(r.population_s.of(cpu), nsteps)
        };
        let verdict = judge(available, &r.nest, &r.spikes, r.population_agrees);
        if let Err(why) = &verdict {
            ok = false;
            if !cpu {
                eprintln!("compare-nest: {}: FAILED: {why}", r.case.name);
            }
        }
        let (nest_cell, ratio1, ratio2, spikes_cell) = match (&r.nest, &verdict) {
            (Ok(v), _) => {
                let secs: Vec<f64> = v[if cpu { "cpu_seconds" } else { "seconds" }]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).collect())
                    .unwrap_or_default();
                let cell = match &verdict {
                    Ok(()) => format!("{} = {}, every spike", r.spikes.len(), r.spikes.len()),
                    Err(why) => format!("**{why}**"),
                };
                if secs.is_empty() {
                    ("error".into(), "—".into(), "—".into(), cell)
                } else {
                    let (n, c) = ns(&secs, nsteps);
                    let pop_ratio = if popu.is_nan() {
                        "—".to_string()
                    } else {
                        format!("{:.0}x", n / popu)
                    };
                    (c, format!("{:.0}x", n / single), pop_ratio, cell)
                }
            }
            (Err(e), Ok(())) => {
                if !cpu {
                    eprintln!("compare-nest: NEST {}: {e}", r.case.name);
                }
                let cell = format!("{} (engines agree; NEST not run)", r.spikes.len());
                ("not run".into(), "—".into(), "—".into(), cell)
            }
            (Err(_), Err(why)) => (
                "**failed**".into(),
                "—".into(),
                "—".into(),
                format!("**{why}**"),
            ),
        };
        println!(
            "| {} x {} steps | {:.1e} | {} | {nest_cell} | {single_cell} | {pop_cell} | {ratio1} | {ratio2} | {spikes_cell} |",
            r.case.name, r.case.steps, nsteps, r.input_spikes
        );
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn good() -> Value {
        json!({"seconds": [0.5], "cpu_seconds": [0.5], "repeats_agree": true,
               "spikes": [[0, 12], [1, 40]]})
    }

    const SPIKES: [(u32, u32); 2] = [(0, 12), (1, 40)];

    #[test]
    fn a_failed_nest_run_fails_when_nest_is_available() {
        let spikes = SPIKES.to_vec();
        assert!(judge(true, &Ok(good()), &spikes, true).is_ok());
        let crashed = judge_output(false, "exit status: 1", b"", b"Traceback\nKeyError: x");
        let e = judge(true, &crashed, &spikes, true).unwrap_err();
        assert!(
            e.contains("exit status: 1") && e.contains("KeyError"),
            "{e}"
        );
        let garbage = judge_output(true, "exit status: 0", b"{not json\n", b"");
        assert!(judge(true, &garbage, &spikes, true)
            .unwrap_err()
            .contains("bad JSON"));
        let silent = judge_output(true, "exit status: 0", b"hello\n", b"");
        assert!(judge(true, &silent, &spikes, true)
            .unwrap_err()
            .contains("no JSON line"));
        // Without NEST the case passes here (the skip, or the CI failure, is recorded apart).
        assert!(judge(false, &crashed, &spikes, true).is_ok());
        assert!(judge(false, &crashed, &spikes, false).is_err());
    }

    #[test]
    fn incomplete_or_differing_nest_output_fails() {
        let spikes = SPIKES.to_vec();
        for key in ["seconds", "cpu_seconds", "repeats_agree", "spikes"] {
            let mut v = good();
            v.as_object_mut().map(|o| o.remove(key));
            assert!(judge(true, &Ok(v), &spikes, true).is_err(), "{key}");
        }
        let mut v = good();
        v["spikes"] = json!([[0, 12], [1, 41]]);
        assert!(judge(true, &Ok(v), &spikes, true)
            .unwrap_err()
            .contains("differ"));
        assert!(judge(true, &Ok(good()), &spikes, false).is_err());
    }
}
