//! Many models on one stimulus: the engine of `glif batch` (and of the
//! Python package's `run_many`).
//!
//! Configs come from a folder of `.json` files, a `.jsonl` or `.jsonl.gz`
//! file of `{"file": NAME, "config": {...}}` lines ([`read_configs`]), or an
//! in-memory list ([`entries_from_configs`]). [`run_batch`] runs every model:
//! models of the five published levels (two after-spike currents) run in
//! glif-core's population engine, [`LANES`] at a time (a last, short block is
//! padded with copies of its first model, whose outputs are dropped); every
//! other rule combination runs alone. Both give each model exactly what it
//! computes alone, bit for bit. Each model gets its own result or error;
//! one failure never fails the batch. [`BatchOptions::exp`] takes the
//! exponentials of the models' constants from the caller (the Python
//! package's `numpy.exp`); [`run_batch_each`] runs each model on its own
//! stimulus; [`run_batch_streamed`] (`glif batch`) hands the results to a
//! sink in order, [`WINDOW`] models at a time, so memory does not grow with
//! the number of models.

use std::path::{Path, PathBuf};

use glif_core::levels::{Glif1Rules, Glif2Rules, Glif3Rules, Glif4Rules, Glif5Rules};
use glif_core::population::PopulationRules;
use glif_core::{
    Block, Float, Lanes, Model, Population, PopulationRecorder, Recorder, RunError, Spike,
    WideDynamics,
};
use rayon::prelude::*;

use crate::base::{Error, ErrorKind, Result};
use crate::model::level_label;
use crate::model::NeuronConfig;
use crate::model::{AnyModel, Precision};
use crate::model::{RunEnd, RunResult, SpikeTrain};
use crate::run::{run_typed_until, Record};
use crate::stimulus::CHUNK;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Neurons per population block: 16 `f64` lanes (two AVX-512 registers),
/// as the population benchmark measured fastest.
pub const LANES: usize = 16;

/// One config to run: its name (a file name, a `.jsonl` line's `file`, or a
/// model id) and the config, or why it could not be read.
#[derive(Debug)]
pub struct Entry {
    /// The name of the model in the results.
    pub name: String,
    /// The config, or the error naming the file (or line) and field.
    pub config: Result<NeuronConfig>,
}

/// Settings of a batch.
#[derive(Clone)]
pub struct BatchOptions<'a> {
    /// Time step (s), the stimulus sampling interval; replaces every config's `dt`.
    pub dt: f64,
    /// Arithmetic precision.
    pub precision: Precision,
    /// Record every trace, or only the spikes.
    pub record: Record,
    /// Worker threads; `None` uses rayon's global pool (one per core).
    pub threads: Option<usize>,
    /// Set from another thread to stop the batch early: every model looks at
    /// it between chunks of [`CHUNK`] samples, and the batch then returns
    /// [`ErrorKind::Stopped`] (no results). `None`: runs to the end.
    pub stop: Option<Arc<AtomicBool>>,
    /// Where every model's precomputed exponentials come from (see [`Exp`]);
    /// `None`: libm.
    pub exp: Option<Exp<'a>>,
}

impl BatchOptions<'_> {
    /// Double precision, spikes only, every core, at `dt` (s), `exp` from libm.
    pub fn new(dt: f64) -> Self {
        BatchOptions {
            dt,
            precision: Precision::F64,
            record: Record::Spikes,
            threads: None,
            stop: None,
            exp: None,
        }
    }
}

impl std::fmt::Debug for BatchOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchOptions")
            .field("dt", &self.dt)
            .field("precision", &self.precision)
            .field("record", &self.record)
            .field("threads", &self.threads)
            .field("stop", &self.stop)
            .field("exp", &self.exp.map(|_| "fn(f64) -> f64"))
            .finish()
    }
}

/// What one model of a batch gave.
#[derive(Debug)]
pub struct ModelRun {
    /// The entry's name.
    pub name: String,
    /// `"GLIF1"`..`"GLIF5"` or `"custom"`; empty when the config could not be read.
    pub level: String,
    /// The run (its `end` says whether it completed, ended in a bad reset or
    /// stopped with an error), or why the model could not be read or built.
    /// With [`Record::Spikes`] the result's traces are empty.
    pub result: Result<RunResult>,
}

fn config_list_error(location: String, problem: String) -> Error {
    Error::new(ErrorKind::ConfigList { location, problem })
}

/// Whether `path` is something [`read_configs`] reads: a folder, or a file
/// named `*.jsonl` or `*.jsonl.gz`.
pub fn is_config_list(path: &Path) -> bool {
    let lower = path.display().to_string().to_ascii_lowercase();
    path.is_dir() || lower.ends_with(".jsonl") || lower.ends_with(".jsonl.gz")
}

/// Reads every config of `path`: a folder (every `*.json` file in it, sorted
/// by name, each bare or keyed by model ids) or a `.jsonl` / `.jsonl.gz`
/// file of `{"file": NAME, "config": {...}}` lines. A file keyed by
/// several model ids gives one entry per model, named `FILE#ID`. A config
/// that cannot be read is an entry holding its error; this fails only when
/// `path` itself cannot be read or is neither kind.
pub fn read_configs(path: &Path) -> Result<Vec<Entry>> {
    Ok(read_config_tree(path, false)?.entries)
}

/// The configs of a folder tree or a `.jsonl` file ([`read_config_tree`]).
#[derive(Debug, Default)]
pub struct ConfigList {
    /// One entry per model, in order of path.
    pub entries: Vec<Entry>,
    /// `.json` files of a walked folder that are not neuron configs (their
    /// top level is not an object, e.g. an index list), by path from the folder.
    pub skipped: Vec<String>,
}

/// As [`read_configs`]; with `recursive`, a folder's subfolders are walked
/// too (entries named by their path from `path`, `/`-separated), and `.json`
/// files whose top level is not an object (an index list, say) are skipped
/// and listed in [`ConfigList::skipped`] instead of being an error.
pub fn read_config_tree(path: &Path, recursive: bool) -> Result<ConfigList> {
    let name = path.display().to_string();
    if path.is_dir() {
        let mut files = Vec::new();
        walk(path, recursive, &mut files)?;
        files.sort();
        let mut list = ConfigList::default();
        for p in files {
            let rel = p
                .strip_prefix(path)
                .unwrap_or(&p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let value = std::fs::read_to_string(&p)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
            match value {
                Some(v) if recursive && !v.is_object() => list.skipped.push(rel),
                Some(v) => list.entries.extend(entries_of_value(&v, &rel, &p)),
                // Unreadable or not JSON: the config reader says why.
                None => list.entries.push(Entry {
                    name: rel,
                    config: NeuronConfig::from_path(&p, None),
                }),
            }
        }
        return Ok(list);
    }
    Ok(ConfigList {
        entries: read_config_lines(path, &name)?,
        skipped: Vec::new(),
    })
}

/// Every `*.json` file of `dir` (and of its subfolders with `recursive`).
fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let read = std::fs::read_dir(dir).map_err(|e| {
        config_list_error(
            dir.display().to_string(),
            format!("cannot read the folder: {e}"),
        )
    })?;
    for p in read.filter_map(|e| e.ok().map(|e| e.path())) {
        if p.is_dir() {
            if recursive {
                walk(&p, recursive, out)?;
            }
        } else if p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            && p.is_file()
        {
            out.push(p);
        }
    }
    Ok(())
}

/// The entries of one config value: one, or one per model id of a file
/// keyed by several ids (named `NAME#ID`).
fn entries_of_value(value: &serde_json::Value, name: &str, source: &Path) -> Vec<Entry> {
    let with_source = |c: Result<NeuronConfig>| {
        c.map(|mut c| {
            c.source = Some(source.to_path_buf());
            c
        })
        .map_err(|e| e.in_file(source))
    };
    let ids = match value {
        serde_json::Value::Object(map) => crate::model::keyed_ids(map).unwrap_or_default(),
        _ => Vec::new(),
    };
    if ids.len() < 2 {
        return vec![Entry {
            name: name.to_string(),
            config: with_source(NeuronConfig::from_value(value, None)),
        }];
    }
    ids.iter()
        .map(|id| Entry {
            name: format!("{name}#{id}"),
            config: with_source(NeuronConfig::from_value(value, Some(id))),
        })
        .collect()
}

/// The entries of a `.jsonl` / `.jsonl.gz` file.
fn read_config_lines(path: &Path, name: &str) -> Result<Vec<Entry>> {
    let name = name.to_string();
    let lower = name.to_ascii_lowercase();
    if !is_config_list(path) {
        return Err(config_list_error(
            name,
            "expected a folder of .json configs or a .jsonl / .jsonl.gz file".into(),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| config_list_error(name.clone(), format!("cannot read: {e}")))?;
    let text = if lower.ends_with(".gz") {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .map_err(|e| {
                config_list_error(name.clone(), format!("not a valid gzip text file: {e}"))
            })?;
        out
    } else {
        String::from_utf8(bytes)
            .map_err(|_| config_list_error(name.clone(), "not UTF-8 text".into()))?
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
                    name: fallback.clone(),
                    config: Err(config_list_error(fallback, format!("not valid JSON: {e}"))),
                });
                continue;
            }
        };
        let file = value
            .get("file")
            .and_then(|f| f.as_str())
            .map(str::to_string)
            .unwrap_or(fallback);
        let Some(c) = value.get("config") else {
            entries.push(Entry {
                name: file,
                config: Err(config_list_error(
                    format!("{name} line {lineno}"),
                    "expected {\"file\": ..., \"config\": {...}}, found no `config`".into(),
                )),
            });
            continue;
        };
        let ids = match c {
            serde_json::Value::Object(map) => crate::model::keyed_ids(map).unwrap_or_default(),
            _ => Vec::new(),
        };
        let at = |e: Error| e.in_file(format!("{name} line {lineno} ({file})"));
        if ids.len() < 2 {
            let config = NeuronConfig::from_value(c, None).map_err(at);
            entries.push(Entry { name: file, config });
        } else {
            for id in &ids {
                let config = NeuronConfig::from_value(c, Some(id)).map_err(at);
                entries.push(Entry {
                    name: format!("{file}#{id}"),
                    config,
                });
            }
        }
    }
    Ok(entries)
}

/// Entries for configs already in memory, named by model id, else by their
/// source file, else `model <i>` (0-based position).
pub fn entries_from_configs(configs: Vec<NeuronConfig>) -> Vec<Entry> {
    configs
        .into_iter()
        .enumerate()
        .map(|(i, c)| Entry {
            name: c
                .model_id
                .clone()
                .or_else(|| c.source.as_ref().map(|p| p.display().to_string()))
                .unwrap_or_else(|| format!("model {i}")),
            config: Ok(c),
        })
        .collect()
}

/// Where a batch's models take the exponentials of their precomputed
/// per-`dt` constants from, instead of libm: a function of the argument
/// (each argument is one of [`AnyModel::exp_arguments`] of a config at the
/// batch's `dt`). In `f32` precision its `f64` value is rounded to `f32`.
/// The Python package passes the user's `numpy.exp`, looked up in a table,
/// so that each model computes what AllenSDK computes on that machine.
pub type Exp<'a> = &'a (dyn Fn(f64) -> f64 + Sync);

/// Runs every entry on `stimulus` (A per sample at `options.dt`): one
/// [`ModelRun`] per entry, in the order of `entries`. `progress` receives
/// neuron-steps done (from several threads). Fails only when `options.dt` is
/// not a time step > 0 or the thread pool cannot be built. Exponentials come
/// from [`BatchOptions::exp`] (else libm).
pub fn run_batch(
    entries: Vec<Entry>,
    stimulus: &[f64],
    options: &BatchOptions<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<ModelRun>> {
    let exp = options.exp;
    crate::model::check_dt(options.dt)?;
    let runs = in_pool(options.threads, || match options.precision {
        Precision::F64 => run_entries::<f64>(entries, stimulus, options, exp, progress),
        Precision::F32 => run_entries::<f32>(entries, stimulus, options, exp, progress),
    })?;
    unless_stopped(options, runs)
}

/// Runs entry `i` on `stimuli[i]` (A per sample at `options.dt`), each model
/// alone (the population engine steps many models on one shared stimulus;
/// here every model has its own), the models in parallel. One [`ModelRun`]
/// per entry, in order; each gives what the model computes alone, as
/// [`run_batch`]'s. `progress` receives neuron-steps done. Fails when
/// `options.dt` is not a time step > 0, when there is not one stimulus per
/// entry, or when the thread pool cannot be built.
pub fn run_batch_each(
    entries: Vec<Entry>,
    stimuli: &[&[f64]],
    options: &BatchOptions<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<ModelRun>> {
    let exp = options.exp;
    crate::model::check_dt(options.dt)?;
    if stimuli.len() != entries.len() {
        return Err(Error::new(ErrorKind::WrongLength {
            path: "stimuli".into(),
            found: stimuli.len(),
            expected: entries.len(),
        }));
    }
    let runs = in_pool(options.threads, || match options.precision {
        Precision::F64 => run_each::<f64>(entries, stimuli, options, exp, progress),
        Precision::F32 => run_each::<f32>(entries, stimuli, options, exp, progress),
    })?;
    unless_stopped(options, runs)
}

/// `runs`, or [`ErrorKind::Stopped`] when `options.stop` was set.
fn unless_stopped(options: &BatchOptions<'_>, runs: Vec<ModelRun>) -> Result<Vec<ModelRun>> {
    match &options.stop {
        Some(stop) if stop.load(Ordering::Relaxed) => Err(Error::new(ErrorKind::Stopped)),
        _ => Ok(runs),
    }
}

/// Runs `go` on `threads` worker threads, or on rayon's global pool.
fn in_pool<T: Send>(threads: Option<usize>, go: impl FnOnce() -> T + Send) -> Result<T> {
    Ok(Pool::new(threads)?.install(go))
}

/// Where a batch's work runs: rayon's global pool (one thread per core)
/// or a pool of its own with a given number of threads.
enum Pool {
    Global,
    Own(rayon::ThreadPool),
}

impl Pool {
    fn new(threads: Option<usize>) -> Result<Pool> {
        match threads {
            None => Ok(Pool::Global),
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map(Pool::Own)
                .map_err(|e| Error::invalid("threads", n.to_string(), e.to_string())),
        }
    }

    fn install<T: Send>(&self, go: impl FnOnce() -> T + Send) -> T {
        match self {
            Pool::Global => go(),
            Pool::Own(pool) => pool.install(go),
        }
    }
}

/// Models per window of [`run_batch_streamed`]: 32 population blocks, so
/// that both cores stay busy to the end of a window (a window ends with
/// its last block: at most one block's time of one idle thread per 32),
/// and few enough that the results held at once stay small.
pub const WINDOW: usize = 32 * LANES;

/// As [`run_batch`], streaming: takes `entries` [`WINDOW`] at a
/// time, runs a window's models in parallel, then hands each [`ModelRun`]
/// to `sink` in the order of `entries` before taking the next window. At
/// most one window of entries and results is held at once, so memory does
/// not grow with the number of models; every model gives what it gives in
/// [`run_batch`] (and alone), bit for bit. Stops at the first error of
/// `sink` and returns it; fails like [`run_batch`] otherwise.
pub fn run_batch_streamed(
    entries: impl IntoIterator<Item = Entry>,
    stimulus: &[f64],
    options: &BatchOptions<'_>,
    progress: &(dyn Fn(u64) + Sync),
    mut sink: impl FnMut(ModelRun) -> Result<()>,
) -> Result<()> {
    let exp = options.exp;
    crate::model::check_dt(options.dt)?;
    let pool = Pool::new(options.threads)?;
    let mut entries = entries.into_iter();
    loop {
        let window: Vec<Entry> = entries.by_ref().take(WINDOW).collect();
        if window.is_empty() {
            return Ok(());
        }
        let runs = pool.install(|| match options.precision {
            Precision::F64 => run_entries::<f64>(window, stimulus, options, exp, progress),
            Precision::F32 => run_entries::<f32>(window, stimulus, options, exp, progress),
        });
        for run in unless_stopped(options, runs)? {
            sink(run)?;
        }
    }
}

/// Builds the model of every entry at `options.dt`: the runs (results still
/// empty, or the error that stopped an entry) and the models.
fn build_entries<F: Float>(
    entries: Vec<Entry>,
    options: &BatchOptions<'_>,
    exp: Option<Exp<'_>>,
) -> (Vec<ModelRun>, Vec<Option<AnyModel<F>>>) {
    let mut runs: Vec<ModelRun> = Vec::with_capacity(entries.len());
    let mut built: Vec<Option<AnyModel<F>>> = Vec::with_capacity(entries.len());
    for e in entries {
        let (level, model) = match e.config {
            Err(err) => (String::new(), Err(err)),
            Ok(c) => (
                level_label(c.level()),
                c.with_dt(options.dt).and_then(|c| match exp {
                    None => AnyModel::<F>::new(&c),
                    Some(e) => AnyModel::<F>::with_exp(&c, &|x: F| F::from_f64(e(x.to_f64()))),
                }),
            ),
        };
        let (result, model) = match model {
            Err(err) => (Err(err), None),
            Ok(m) => (Ok(RunResult::default()), Some(m)),
        };
        runs.push(ModelRun {
            name: e.name,
            level,
            result,
        });
        built.push(model);
    }
    (runs, built)
}

fn run_each<F: Float>(
    entries: Vec<Entry>,
    stimuli: &[&[f64]],
    options: &BatchOptions<'_>,
    exp: Option<Exp<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<ModelRun> {
    let (mut runs, built) = build_entries::<F>(entries, options, exp);
    let record = options.record;
    let stop = options.stop.as_deref();
    let results: Vec<Option<RunResult>> = built
        .par_iter()
        .zip(stimuli.par_iter())
        .map(|(m, stimulus)| {
            // A stopped run gives nothing (the batch then returns Stopped).
            let r = m
                .as_ref()
                .and_then(|m| run_typed_until(m, stimulus, record, stop));
            progress(stimulus.len() as u64);
            r
        })
        .collect();
    for (run, r) in runs.iter_mut().zip(results) {
        if let Some(r) = r {
            run.result = Ok(r);
        }
    }
    runs
}

/// The models of one published level: (entry index, model).
type Group<F, R> = Vec<(usize, Model<F, 2, R>)>;

/// Work for one thread: up to [`LANES`] models of one level, or one model alone.
enum Task<'a, F: Float> {
    G1(&'a [(usize, glif_core::Glif1<F, 2>)]),
    G2(&'a [(usize, glif_core::Glif2<F, 2>)]),
    G3(&'a [(usize, glif_core::Glif3<F, 2>)]),
    G4(&'a [(usize, glif_core::Glif4<F, 2>)]),
    G5(&'a [(usize, glif_core::Glif5<F, 2>)]),
    One(usize),
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

fn run_entries<F: Float>(
    entries: Vec<Entry>,
    stimulus: &[f64],
    options: &BatchOptions<'_>,
    exp: Option<Exp<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<ModelRun> {
    let (mut runs, built) = build_entries::<F>(entries, options, exp);
    let mut g1: Group<F, Glif1Rules> = Vec::new();
    let mut g2: Group<F, Glif2Rules<F>> = Vec::new();
    let mut g3: Group<F, Glif3Rules<F, 2>> = Vec::new();
    let mut g4: Group<F, Glif4Rules<F, 2>> = Vec::new();
    let mut g5: Group<F, Glif5Rules<F, 2>> = Vec::new();
    let mut alone: Vec<usize> = Vec::new();
    for (i, m) in built.iter().enumerate() {
        match m {
            None => {}
            Some(AnyModel::Glif1(m)) => g1.push((i, *m)),
            Some(AnyModel::Glif2(m)) => g2.push((i, *m)),
            Some(AnyModel::Glif3(m)) => g3.push((i, *m)),
            Some(AnyModel::Glif4(m)) => g4.push((i, *m)),
            Some(AnyModel::Glif5(m)) => g5.push((i, *m)),
            Some(_) => alone.push(i),
        }
    }
    let mut tasks: Vec<Task<'_, F>> = Vec::new();
    tasks.extend(g1.chunks(LANES).map(Task::G1));
    tasks.extend(g2.chunks(LANES).map(Task::G2));
    tasks.extend(g3.chunks(LANES).map(Task::G3));
    tasks.extend(g4.chunks(LANES).map(Task::G4));
    tasks.extend(g5.chunks(LANES).map(Task::G5));
    tasks.extend(alone.into_iter().map(Task::One));
    // Largest first, so the last tasks to finish are small.
    tasks.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let record = options.record;
    let stop = options.stop.as_deref();
    let results: Vec<Vec<(usize, RunResult)>> = tasks
        .par_iter()
        .map(|t| run_task(t, &built, stimulus, record, exp, progress, stop))
        .collect();
    for (i, r) in results.into_iter().flatten() {
        runs[i].result = Ok(r);
    }
    runs
}

fn run_task<F: Float>(
    task: &Task<'_, F>,
    built: &[Option<AnyModel<F>>],
    stimulus: &[f64],
    record: Record,
    exp: Option<Exp<'_>>,
    progress: &(dyn Fn(u64) + Sync),
    stop: Option<&AtomicBool>,
) -> Vec<(usize, RunResult)> {
    let alone = |i: usize| -> Vec<(usize, RunResult)> {
        let Some(Some(m)) = built.get(i) else {
            return Vec::new();
        };
        // A stopped run gives nothing (the batch then returns Stopped).
        let Some(r) = run_typed_until(m, stimulus, record, stop) else {
            return Vec::new();
        };
        progress(stimulus.len() as u64);
        vec![(i, r)]
    };
    let block = BlockInputs {
        stimulus,
        exp,
        progress,
        alone: &alone,
        stop,
    };
    match task {
        Task::G1(c) => run_block(c, record, &block),
        Task::G2(c) => run_block(c, record, &block),
        Task::G3(c) => run_block(c, record, &block),
        Task::G4(c) => run_block(c, record, &block),
        Task::G5(c) => run_block(c, record, &block),
        Task::One(i) => alone(*i),
    }
}

/// Runs entry `i` alone (the same model as the AnyModel it came from).
type Alone<'a> = dyn Fn(usize) -> Vec<(usize, RunResult)> + 'a;

/// The population's recorder: one glif-io recorder per lane of one block.
struct PerLane<Rec> {
    lanes: Vec<(Rec, Option<RunError>)>,
}

impl<F: Float, const N: usize> PopulationRecorder<F, N> for PerLane<SpikeTrain> {
    const SAMPLES: bool = false;
    fn sample(&mut self, _: usize, _: usize, _: F, _: F, _: &[F; N]) {}
    fn spike(&mut self, neuron: usize, s: &Spike<F>) {
        Recorder::<F, N>::spike(&mut self.lanes[neuron].0, s);
    }
    fn error(&mut self, neuron: usize, e: RunError) {
        self.lanes[neuron].1 = Some(e);
    }
}

impl<F: Float, const N: usize> PopulationRecorder<F, N> for PerLane<RunResult> {
    const SAMPLES: bool = true;
    #[inline(always)]
    fn sample(&mut self, neuron: usize, index: usize, v: F, th: F, asc: &[F; N]) {
        Recorder::<F, N>::sample(&mut self.lanes[neuron].0, index, v, th, asc);
    }
    fn spike(&mut self, neuron: usize, s: &Spike<F>) {
        Recorder::<F, N>::spike(&mut self.lanes[neuron].0, s);
    }
    fn error(&mut self, neuron: usize, e: RunError) {
        self.lanes[neuron].1 = Some(e);
    }
}

/// Runs one block of up to [`LANES`] models of one rule set on the shared
/// stimulus, padded with copies of the first (their outputs are dropped).
/// The block's constants take their exponentials from `exp` (else libm),
/// as its models were built.
fn run_block<F, R>(
    chunk: &[(usize, Model<F, 2, R>)],
    record: Record,
    inputs: &BlockInputs<'_>,
) -> Vec<(usize, RunResult)>
where
    F: Float,
    R: PopulationRules<F, 2, LANES> + Copy,
{
    match record {
        Record::Spikes => run_block_with(chunk, inputs, SpikeTrain::default, |s| {
            RunResult::from_spikes(2, s)
        }),
        Record::All => run_block_with(
            chunk,
            inputs,
            || RunResult::new(2, inputs.stimulus.len()),
            |r| r,
        ),
    }
}

/// What every population block of a batch shares.
struct BlockInputs<'a> {
    /// The shared stimulus (A per sample).
    stimulus: &'a [f64],
    /// Where the constants' exponentials come from (else libm).
    exp: Option<Exp<'a>>,
    /// Neuron-steps done.
    progress: &'a (dyn Fn(u64) + Sync),
    /// Runs one entry alone.
    alone: &'a Alone<'a>,
    /// Looked at between chunks: a block stops early when it is set.
    stop: Option<&'a AtomicBool>,
}

fn run_block_with<F, R, Rec>(
    chunk: &[(usize, Model<F, 2, R>)],
    inputs: &BlockInputs<'_>,
    new: impl Fn() -> Rec,
    finish: impl Fn(Rec) -> RunResult,
) -> Vec<(usize, RunResult)>
where
    F: Float,
    R: PopulationRules<F, 2, LANES> + Copy,
    PerLane<Rec>: PopulationRecorder<F, 2>,
{
    let BlockInputs {
        stimulus,
        exp,
        progress,
        alone,
        stop,
    } = *inputs;
    let traces = <PerLane<Rec> as PopulationRecorder<F, 2>>::SAMPLES;
    let all_alone = || chunk.iter().flat_map(|(i, _)| alone(*i)).collect();
    let models: Vec<Model<F, 2, R>> = (0..LANES)
        .map(|i| chunk.get(i).unwrap_or(&chunk[0]).1)
        .collect();
    let refs: [&Model<F, 2, R>; LANES] = core::array::from_fn(|i| &models[i]);
    // Neither fails for models that built (the same checks, the same
    // lengths); if one did, the models would run alone.
    let wide = match exp {
        None => WideDynamics::new(&refs),
        Some(e) => WideDynamics::with_exp(&refs, &|x: F| F::from_f64(e(x.to_f64()))),
    };
    let Ok(dynamics) = wide else {
        return all_alone();
    };
    let dynamics = [dynamics];
    let mut blocks = [Block::new(&refs)];
    let mut rec = PerLane {
        lanes: (0..LANES).map(|_| (new(), None)).collect(),
    };
    let Ok(mut population) = Population::new(&models, &dynamics, &mut blocks) else {
        return all_alone();
    };
    let real = chunk.len() as u64;
    let mut start = 0;
    while start < stimulus.len() {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            // The batch returns Stopped: nothing of this block is kept.
            return Vec::new();
        }
        // Samples per population call (between progress reports): the one
        // chunk size, as single-model runs use.
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
    let outcomes: Vec<_> = chunk
        .iter()
        .enumerate()
        .map(|(lane, (_, m))| block.outcome(lane, m.params().spike_cut_length()))
        .collect();
    chunk
        .iter()
        .zip(rec.lanes)
        .zip(outcomes)
        .flat_map(
            |(((i, _), (lane, error)), outcome)| match (error, outcome) {
                // A run stopped by an error: the population keeps recording NaN
                // where a lone run's traces end, so run it alone for exactly those.
                (Some(_), _) if traces => alone(*i),
                (Some(e), _) => {
                    let mut r = finish(lane);
                    r.end = RunEnd::Failed(e);
                    vec![(*i, r)]
                }
                (None, outcome) => {
                    let mut r = finish(lane);
                    if let Some(o) = outcome {
                        r.end = RunEnd::from(o);
                    }
                    vec![(*i, r)]
                }
            },
        )
        .collect()
}
