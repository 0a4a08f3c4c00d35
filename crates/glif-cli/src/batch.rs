//! `glif batch`: every config of a folder (or of a `.jsonl[.gz]` file) on
//! one stimulus, spikes only, in parallel. Models of the five published
//! levels (two after-spike currents) run in glif-core's population engine,
//! `LANES` at a time; every other rule combination runs alone through
//! glif-io's `AnyModel`. Both give each model exactly what it computes alone.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::Args;
use glif_core::population::PopulationRules;
use glif_core::{
    Block, Float, Lanes, Model, Outcome, Population, PopulationRecorder, Recorder, RunError, Spike,
    WideDynamics,
};
use glif_io::{AnyModel, NeuronConfig, RunEnd};
use rayon::prelude::*;
use serde::Serialize;

use crate::config;
use crate::error::CliError;
use crate::output::check_writable;
use crate::sim::Precision;
use crate::simulate::DEFAULT_DT;
use crate::stimulus::{self, StimArgs};

/// Neurons per population block: 16 `f64` lanes (two AVX-512 registers),
/// as glif's population benchmark measured fastest.
pub const LANES: usize = 16;
/// Samples per population call (between progress updates).
const CHUNK: usize = 1 << 15;

const BATCH_AFTER: &str = "\
Examples:
  glif batch --configs reference/teeter-all.jsonl.gz --square 2e-10 --output summary.csv
      All 2,441 Teeter et al. models on 0.1 s of zero, a 1 s step of 200 pA and 0.1 s of zero
      at 200 kHz; one row per model.
  glif batch --configs my_configs/ --stimulus stim.json --dt 5e-6 --output summary.json
  glif batch --configs my_configs/ --noise 1e-10 --noise-sd 5e-11 --seed 3 --output summary.csv --force

--configs is a folder (every *.json in it, each an Allen neuron_config, bare or keyed by one
model id) or a .jsonl / .jsonl.gz file with one {\"file\": NAME, \"config\": {...}} object a line
(the format of reference/teeter-all.jsonl.gz).

The summary has one row per model: file, level, spike_count, first_spike_time_s (interpolated,
empty or null without spikes), outcome (completed, bad_reset or error), bad_reset_step, error.
A file that cannot be read or built is reported in its row. Exit status: 0 when every model ran
(a bad reset included), 1 when any model failed, 2 for bad usage or an unusable stimulus.
The summary is written atomically and never replaces a file unless --force is given.";

/// Run every model of a folder (or a .jsonl file) on one stimulus and write
/// a summary: spike count, first spike time and outcome per model.
#[derive(Args, Debug)]
#[command(after_help = BATCH_AFTER)]
pub struct BatchArgs {
    /// A folder of Allen neuron_config JSON files, or a .jsonl / .jsonl.gz file
    /// of {"file": ..., "config": {...}} lines (reference/teeter-all.jsonl.gz).
    #[arg(long, value_name = "DIR|FILE.jsonl[.gz]")]
    pub configs: PathBuf,
    #[command(flatten)]
    pub stim: StimArgs,
    /// Time step (s), which must be the stimulus sampling interval.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_DT, allow_negative_numbers = true)]
    pub dt: f64,
    /// The summary: .csv or .json.
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
    /// Arithmetic precision.
    #[arg(long, value_enum, default_value_t = Precision::F64)]
    pub precision: Precision,
    /// Replace an existing summary file.
    #[arg(long)]
    pub force: bool,
}

/// One row of the summary.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Row {
    /// The config's file (or the `file` of its .jsonl line).
    pub file: String,
    /// "GLIF1".."GLIF5", "custom", or empty when the file could not be read.
    pub level: String,
    /// Number of spikes.
    pub spike_count: usize,
    /// Interpolated time of the first spike (s).
    pub first_spike_time_s: Option<f64>,
    /// "completed", "bad_reset" or "error".
    pub outcome: &'static str,
    /// For a bad reset: the spike step whose reset was bad.
    pub bad_reset_step: Option<usize>,
    /// For an error: what went wrong.
    pub error: Option<String>,
}

impl Row {
    fn failed(file: String, level: String, error: String) -> Row {
        Row {
            file,
            level,
            outcome: "error",
            error: Some(error),
            ..Row::default()
        }
    }
}

/// What a model's run gave: spike count, first spike, end.
#[derive(Clone, Debug)]
struct Spikes {
    count: usize,
    first: Option<f64>,
    end: RunEnd,
}

impl Spikes {
    fn new() -> Self {
        Spikes {
            count: 0,
            first: None,
            end: RunEnd::Completed,
        }
    }
    fn add<F: Float>(&mut self, s: &Spike<F>) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(s.time.to_f64());
        }
    }
}

impl<F: Float, const N: usize> Recorder<F, N> for Spikes {
    #[inline(always)]
    fn sample(&mut self, _: usize, _: F, _: F, _: &[F; N]) {}
    #[inline(always)]
    fn nan_sample(&mut self, _: usize) {}
    fn spike(&mut self, s: &Spike<F>) {
        self.add(s);
    }
}

/// The population's recorder: per lane of one block.
struct LaneSpikes {
    lanes: Vec<Spikes>,
}

impl<F: Float, const N: usize> PopulationRecorder<F, N> for LaneSpikes {
    const SAMPLES: bool = false;
    fn sample(&mut self, _: usize, _: usize, _: F, _: F, _: &[F; N]) {}
    fn spike(&mut self, neuron: usize, s: &Spike<F>) {
        self.lanes[neuron].add(s);
    }
    fn error(&mut self, neuron: usize, e: RunError) {
        self.lanes[neuron].end = RunEnd::Failed(e);
    }
}

/// A config as read: its row name and the config or why it failed.
pub struct Entry {
    /// Row name.
    pub file: String,
    /// The config, or the message naming the file and field.
    pub config: Result<NeuronConfig, String>,
}

/// Reads every config of `path` (a folder of `.json`, or `.jsonl[.gz]`).
/// Fails only when `path` itself cannot be read.
pub fn read_configs(path: &Path) -> Result<Vec<Entry>, CliError> {
    let name = path.display().to_string();
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| CliError::input(format!("{name}: cannot read the folder: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                    && p.is_file()
            })
            .collect();
        files.sort();
        return Ok(files
            .into_iter()
            .map(|p| Entry {
                file: p
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                config: NeuronConfig::from_path(&p, None).map_err(|e| {
                    let e = CliError::reading(e);
                    e.message
                }),
            })
            .collect());
    }
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".jsonl") || lower.ends_with(".jsonl.gz")) {
        return Err(CliError::input(format!(
            "--configs {name}: expected a folder of .json configs or a .jsonl / .jsonl.gz file"
        )));
    }
    let bytes =
        std::fs::read(path).map_err(|e| CliError::input(format!("{name}: cannot read: {e}")))?;
    let text = if lower.ends_with(".gz") {
        let mut out = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut out)
            .map_err(|e| CliError::input(format!("{name}: not a valid gzip text file: {e}")))?;
        out
    } else {
        String::from_utf8(bytes).map_err(|_| CliError::input(format!("{name}: not UTF-8 text")))?
    };
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let lineno = i + 1;
        let fallback = format!("{name}:{lineno}");
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                entries.push(Entry {
                    file: fallback.clone(),
                    config: Err(format!("{fallback}: not valid JSON: {e}")),
                });
                continue;
            }
        };
        let file = value
            .get("file")
            .and_then(|f| f.as_str())
            .map(str::to_string)
            .unwrap_or(fallback);
        let config = match value.get("config") {
            None => Err(format!(
                "{name} line {lineno}: expected {{\"file\": ..., \"config\": {{...}}}}, found no `config`"
            )),
            Some(c) => NeuronConfig::from_value(c, None).map_err(|e| {
                let e = e.in_file(format!("{name} line {lineno} ({file})"));
                CliError::reading(e).message
            }),
        };
        entries.push(Entry { file, config });
    }
    Ok(entries)
}

fn level_label(c: &NeuronConfig) -> String {
    match c.level() {
        Some(l) => format!("GLIF{l}"),
        None => "custom".into(),
    }
}

/// The models of one published level: (row, model).
type Group<F, R> = Vec<(usize, Model<F, 2, R>)>;

/// Work for one rayon task: up to `LANES` models of one level, or one model alone.
enum Task<'a, F: Float> {
    G1(&'a [(usize, glif_core::Glif1<F, 2>)]),
    G2(&'a [(usize, glif_core::Glif2<F, 2>)]),
    G3(&'a [(usize, glif_core::Glif3<F, 2>)]),
    G4(&'a [(usize, glif_core::Glif4<F, 2>)]),
    G5(&'a [(usize, glif_core::Glif5<F, 2>)]),
    One(usize, &'a AnyModel<F>),
}

impl<F: Float> Task<'_, F> {
    fn len(&self) -> usize {
        match self {
            Task::G1(c) => c.len(),
            Task::G2(c) => c.len(),
            Task::G3(c) => c.len(),
            Task::G4(c) => c.len(),
            Task::G5(c) => c.len(),
            Task::One(..) => 1,
        }
    }
}

/// Runs one block of up to `LANES` models of one rule set on the shared
/// stimulus, padded with copies of the first (their outputs are dropped).
fn run_block<F, R>(
    chunk: &[(usize, Model<F, 2, R>)],
    stimulus: &[f64],
    progress: &dyn Fn(u64),
) -> Vec<(usize, Spikes)>
where
    F: Float,
    R: PopulationRules<F, 2, LANES> + Copy,
{
    let models: Vec<Model<F, 2, R>> = (0..LANES)
        .map(|i| chunk.get(i).unwrap_or(&chunk[0]).1)
        .collect();
    let refs: [&Model<F, 2, R>; LANES] = core::array::from_fn(|i| &models[i]);
    let alone = || -> Vec<(usize, Spikes)> {
        chunk
            .iter()
            .map(|(row, m)| (*row, run_alone_model(m, stimulus, progress)))
            .collect()
    };
    // Neither fails for models that built (the same checks, the same lengths);
    // if one did, the models would run alone.
    let Ok(dynamics) = WideDynamics::new(&refs) else {
        return alone();
    };
    let dynamics = [dynamics];
    let mut blocks = [Block::new(&refs)];
    let mut rec = LaneSpikes {
        lanes: vec![Spikes::new(); LANES],
    };
    let Ok(mut population) = Population::new(&models, &dynamics, &mut blocks) else {
        return alone();
    };
    let real = chunk.len() as u64;
    let mut start = 0;
    while start < stimulus.len() {
        let steps = CHUNK.min(stimulus.len() - start);
        population.run(
            start,
            steps,
            |_, t| Lanes::splat(F::from_f64(stimulus[t])),
            &mut rec,
        );
        start += steps;
        progress(steps as u64 * real);
    }
    let block = &population.blocks()[0];
    chunk
        .iter()
        .enumerate()
        .map(|(lane, (row, m))| {
            let mut s = rec.lanes[lane].clone();
            if !matches!(s.end, RunEnd::Failed(_)) {
                s.end = match block.outcome(lane, m.params().spike_cut_length()) {
                    Some(o) => RunEnd::from(Ok::<Outcome, RunError>(o)),
                    None => s.end,
                };
            }
            (*row, s)
        })
        .collect()
}

fn run_alone_model<F: Float, R: glif_core::RuleSet<F, 2>>(
    m: &Model<F, 2, R>,
    stimulus: &[f64],
    progress: &dyn Fn(u64),
) -> Spikes {
    let mut s = Spikes::new();
    let r = m
        .neuron()
        .run_iter(stimulus.iter().map(|&x| F::from_f64(x)), &mut s);
    s.end = RunEnd::from(r);
    progress(stimulus.len() as u64);
    s
}

fn run_task<F: Float>(
    task: &Task<'_, F>,
    stimulus: &[f64],
    progress: &dyn Fn(u64),
) -> Vec<(usize, Spikes)> {
    match task {
        Task::G1(c) => run_block(c, stimulus, progress),
        Task::G2(c) => run_block(c, stimulus, progress),
        Task::G3(c) => run_block(c, stimulus, progress),
        Task::G4(c) => run_block(c, stimulus, progress),
        Task::G5(c) => run_block(c, stimulus, progress),
        Task::One(row, m) => {
            let mut s = Spikes::new();
            let r = m.run_iter(stimulus.iter().map(|&x| F::from_f64(x)), &mut s);
            s.end = RunEnd::from(r);
            progress(stimulus.len() as u64);
            vec![(*row, s)]
        }
    }
}

/// Runs every entry on `stimulus` at `dt` in precision `F`: one row each,
/// in the order of `entries`. `progress` receives neuron-steps done.
pub fn run_entries<F: Float>(
    entries: &[Entry],
    stimulus: &[f64],
    dt: f64,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::with_capacity(entries.len());
    let mut g1: Group<F, glif_core::levels::Glif1Rules> = Vec::new();
    let mut g2: Group<F, glif_core::levels::Glif2Rules<F>> = Vec::new();
    let mut g3: Group<F, glif_core::levels::Glif3Rules<F, 2>> = Vec::new();
    let mut g4: Group<F, glif_core::levels::Glif4Rules<F, 2>> = Vec::new();
    let mut g5: Group<F, glif_core::levels::Glif5Rules<F, 2>> = Vec::new();
    let mut alone: Vec<(usize, AnyModel<F>)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let (level, built) = match &e.config {
            Err(msg) => (String::new(), Err(msg.clone())),
            Ok(c) => (
                level_label(c),
                config::at_dt(c, dt, None)
                    .and_then(|c| AnyModel::<F>::new(&c).map_err(CliError::reading))
                    .map_err(|err| err.message),
            ),
        };
        match built {
            Err(msg) => rows.push(Row::failed(e.file.clone(), level, msg)),
            Ok(m) => {
                rows.push(Row {
                    file: e.file.clone(),
                    level,
                    ..Row::default()
                });
                match m {
                    AnyModel::Glif1(m) => g1.push((i, m)),
                    AnyModel::Glif2(m) => g2.push((i, m)),
                    AnyModel::Glif3(m) => g3.push((i, m)),
                    AnyModel::Glif4(m) => g4.push((i, m)),
                    AnyModel::Glif5(m) => g5.push((i, m)),
                    other => alone.push((i, other)),
                }
            }
        }
    }
    let mut tasks: Vec<Task<'_, F>> = Vec::new();
    tasks.extend(g1.chunks(LANES).map(Task::G1));
    tasks.extend(g2.chunks(LANES).map(Task::G2));
    tasks.extend(g3.chunks(LANES).map(Task::G3));
    tasks.extend(g4.chunks(LANES).map(Task::G4));
    tasks.extend(g5.chunks(LANES).map(Task::G5));
    tasks.extend(alone.iter().map(|(i, m)| Task::One(*i, m)));
    // Largest first, so the last tasks to finish are small.
    tasks.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let results: Vec<Vec<(usize, Spikes)>> = tasks
        .par_iter()
        .map(|t| run_task(t, stimulus, progress))
        .collect();
    for (row, s) in results.into_iter().flatten() {
        let r = &mut rows[row];
        r.spike_count = s.count;
        r.first_spike_time_s = s.first;
        match s.end {
            RunEnd::Completed => r.outcome = "completed",
            RunEnd::BadReset { spike_step, .. } => {
                r.outcome = "bad_reset";
                r.bad_reset_step = Some(spike_step);
            }
            RunEnd::Failed(e) => {
                r.outcome = "error";
                r.error = Some(format!("the simulation stopped: {e}"));
            }
        }
    }
    rows
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV header of the summary.
pub const CSV_HEADER: &str =
    "file,level,spike_count,first_spike_time_s,outcome,bad_reset_step,error";

fn write_csv(w: &mut dyn Write, rows: &[Row]) -> std::io::Result<()> {
    writeln!(w, "{CSV_HEADER}")?;
    for r in rows {
        writeln!(
            w,
            "{},{},{},{},{},{},{}",
            csv_field(&r.file),
            csv_field(&r.level),
            r.spike_count,
            r.first_spike_time_s
                .map(|t| format!("{t:?}"))
                .unwrap_or_default(),
            r.outcome,
            r.bad_reset_step.map(|s| s.to_string()).unwrap_or_default(),
            csv_field(r.error.as_deref().unwrap_or("")),
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    glif_version: &'static str,
    configs: String,
    stimulus: &'a str,
    dt: f64,
    samples: usize,
    precision: &'static str,
    models: usize,
    completed: usize,
    bad_reset: usize,
    errors: usize,
    rows: &'a [Row],
}

/// Runs `glif batch`; returns the exit status.
pub fn run(a: BatchArgs) -> Result<u8, CliError> {
    if !(a.dt.is_finite() && a.dt > 0.0) {
        return Err(CliError::input(format!(
            "--dt: expected a time step > 0 s, found {}",
            a.dt
        )));
    }
    let ext = a
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let json = match ext.as_deref() {
        Some("json") => true,
        Some("csv") => false,
        _ => {
            return Err(CliError::input(format!(
                "--output {}: the extension must be .csv or .json",
                a.output.display()
            )))
        }
    };
    check_writable(std::slice::from_ref(&a.output), a.force)?;
    if !a.configs.exists() {
        return Err(CliError::input(format!(
            "--configs {}: no such folder or file",
            a.configs.display()
        )));
    }
    let stim = stimulus::make(&a.stim, a.dt, None)?;
    let entries = read_configs(&a.configs)?;
    if entries.is_empty() {
        return Err(CliError::input(format!(
            "--configs {}: no configs found (a folder needs *.json files)",
            a.configs.display()
        )));
    }

    let total = entries.len() as u64 * stim.samples.len() as u64;
    let bar = crate::progress_enabled().then(|| {
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} batch [{bar:40}] {percent}% {human_pos}/{human_len} neuron-steps, {eta} left",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let done = AtomicU64::new(0);
    let progress = |n: u64| {
        let d = done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(b) = &bar {
            b.set_position(d);
        }
    };
    let t0 = Instant::now();
    let rows = match a.precision {
        Precision::F64 => run_entries::<f64>(&entries, &stim.samples, a.dt, &progress),
        Precision::F32 => run_entries::<f32>(&entries, &stim.samples, a.dt, &progress),
    };
    let secs = t0.elapsed().as_secs_f64();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    let count = |o: &str| rows.iter().filter(|r| r.outcome == o).count();
    let (completed, bad_reset, errors) = (count("completed"), count("bad_reset"), count("error"));
    let out = &a.output;
    let written = if json {
        let doc = JsonSummary {
            glif_version: env!("CARGO_PKG_VERSION"),
            configs: a.configs.display().to_string(),
            stimulus: &stim.describe,
            dt: a.dt,
            samples: stim.samples.len(),
            precision: a.precision.name(),
            models: rows.len(),
            completed,
            bad_reset,
            errors,
            rows: &rows,
        };
        glif_io::write::write_atomic(out, a.force, |w| {
            serde_json::to_writer_pretty(&mut *w, &doc).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })
    } else {
        glif_io::write::write_atomic(out, a.force, |w| write_csv(w, &rows))
    };
    written.map_err(|e| CliError::writing(e, out))?;

    let spikes: usize = rows.iter().map(|r| r.spike_count).sum();
    let firing = rows.iter().filter(|r| r.spike_count > 0).count();
    let steps = (rows.len() - errors) as f64 * stim.samples.len() as f64;
    eprintln!(
        "glif batch: {} ({} configs)",
        a.configs.display(),
        rows.len()
    );
    eprintln!("  stimulus  {}", stim.describe);
    eprintln!(
        "  dt        {:e} s, {} samples, {}",
        a.dt,
        stim.samples.len(),
        a.precision.name()
    );
    for level in ["GLIF1", "GLIF2", "GLIF3", "GLIF4", "GLIF5", "custom"] {
        let n = rows
            .iter()
            .filter(|r| r.level == level && r.outcome != "error")
            .count();
        if n > 0 {
            eprintln!("  {level:<9} {n} models");
        }
    }
    eprintln!(
        "  outcome   {completed} completed, {bad_reset} bad reset, {errors} failed; {firing} fired, {spikes} spikes in all"
    );
    eprintln!(
        "  time      {secs:.3} s ({:.1} M neuron-steps/s)",
        steps / secs.max(1e-9) / 1e6
    );
    eprintln!("  wrote     {}", out.display());
    for r in rows.iter().filter(|r| r.outcome == "error").take(5) {
        eprintln!(
            "glif: error: {}: {}",
            r.file,
            r.error.as_deref().unwrap_or("")
        );
    }
    if errors > 5 {
        eprintln!("glif: error: ... and {} more (see the summary)", errors - 5);
    }
    Ok(if errors > 0 { 1 } else { 0 })
}
