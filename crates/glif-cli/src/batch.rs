//! `glif batch`: every config of a folder (or of a `.jsonl[.gz]` file) on
//! one stimulus, spikes only, in parallel, through glif-io's batch runner
//! ([`glif_io::batch`]); the summary through [`glif_io::batch::SummaryWriter`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::Args;
use glif_io::batch::{self, BatchOptions};
use glif_io::batch::{SpikeTimes, Summary, SummaryWriter};
use glif_io::Record;

use crate::error::CliError;
use crate::output::check_writable;
use crate::simulate::DEFAULT_DT;
use crate::stimulus::{self, StimArgs};

const BATCH_AFTER: &str = "\
Examples:
  glif batch --configs reference/teeter-all.jsonl.gz --square 2e-10 --output summary.csv
      All 2,441 Teeter et al. models on 0.1 s of zero, a 1 s step of 200 pA and 0.1 s of zero
      at 200 kHz; one row per model.
  glif batch --configs my_configs/ --stimulus stim.json --dt 5e-6 --output summary.json
  glif batch --configs my_configs/ --noise 1e-10 --noise-sd 5e-11 --seed 3 --output summary.csv --force

--configs is a folder (every *.json in it, each an Allen neuron_config, bare or keyed by model
ids: every model of a keyed file runs, named FILE#ID; --recursive walks subfolders too) or a
.jsonl / .jsonl.gz file with one {\"file\": NAME, \"config\": {...}} object a line
(the format of reference/teeter-all.jsonl.gz).

The summary has one row per model: file, level, spike_count, first_spike_time_s (interpolated,
empty or null without spikes), outcome (completed, bad_reset or error), bad_reset_step, error.
A file that cannot be read or built is reported in its row. Exit status: 0 when every model ran
(a bad reset included), 1 when any model failed, 2 for bad usage or an unusable stimulus.
The summary is written atomically and never replaces a file unless --force is given.
--spikes FILE.jsonl writes {\"file\", \"spike_times_s\", \"spike_time_steps\"} per model; in Python:
  [np.array(json.loads(l)[\"spike_times_s\"]) for l in open(\"FILE.jsonl\")]";

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
    /// Also walk the subfolders of a --configs folder (models named by their path
    /// from it); .json files that are not configs (a top-level list) are skipped.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Also write every model's spike times and steps: FILE.jsonl, one JSON object a line.
    #[arg(long, value_name = "FILE.jsonl")]
    pub spikes: Option<PathBuf>,
    /// Draw a spike raster of every model (one row each) to FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE")]
    pub raster: Option<PathBuf>,
    #[command(flatten)]
    pub run: crate::common::RunOptions,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Not a batch option (every model of a keyed file runs); accepted only
    /// to say so instead of suggesting an unrelated flag.
    #[arg(long, value_name = "ID", hide = true)]
    pub model_id: Option<String>,
}

/// Runs `glif batch`; returns the exit status.
pub fn run(a: BatchArgs) -> Result<u8, CliError> {
    if let Some(id) = &a.model_id {
        return Err(CliError::input(format!(
            "--model-id {id}: glif batch runs every model of a file keyed by model ids (named FILE#ID); \
             to run one model, use glif simulate --config FILE --model-id {id}"
        )));
    }
    crate::common::dt_flag(a.dt)?;
    if a.threads == Some(0) {
        return Err(CliError::input(
            "--threads 0: expected a number of worker threads >= 1 (default: one per core)",
        ));
    }
    let json = glif_io::batch::SummaryFormat::of_path(&a.output)
        .map_err(|e| CliError::input(format!("--output {e}")))?
        == glif_io::batch::SummaryFormat::Json;
    if let Some(p) = &a.spikes {
        glif_io::batch::check_spike_times_path(p)
            .map_err(|e| CliError::input(format!("--spikes {e}")))?;
    }
    if let Some(p) = &a.raster {
        crate::plot::check_plot_path(p, "--raster", a.run.force)?;
    }
    let mut outputs = vec![a.output.clone()];
    outputs.extend(a.spikes.clone());
    check_writable(&outputs, a.run.force)?;
    if !a.configs.exists() {
        return Err(CliError::input(format!(
            "--configs {}: no such folder or file",
            a.configs.display()
        )));
    }
    if !batch::is_config_list(&a.configs) {
        return Err(CliError::input(format!(
            "--configs {}: expected a folder of .json configs or a .jsonl / .jsonl.gz file",
            a.configs.display()
        )));
    }
    let mut stim = stimulus::make(&a.stim, a.dt, None)?;
    let list = batch::read_config_tree(&a.configs, a.recursive)
        .map_err(|e| CliError::input(e.to_string()))?;
    if !list.skipped.is_empty() {
        eprintln!(
            "glif: note: skipped {} .json file(s) that are not neuron configs (top level not an object): {}",
            list.skipped.len(),
            list.skipped.join(", ")
        );
    }
    let has_subfolders = a.configs.is_dir()
        && std::fs::read_dir(&a.configs)
            .map(|d| d.filter_map(|e| e.ok()).any(|e| e.path().is_dir()))
            .unwrap_or(false);
    if !a.recursive && has_subfolders {
        eprintln!(
            "glif: note: {} has subfolders; give --recursive to run their configs too",
            a.configs.display()
        );
    }
    let entries = list.entries;
    if entries.is_empty() {
        return Err(CliError::input(format!(
            "--configs {}: no configs found (a folder needs *.json files{})",
            a.configs.display(),
            if a.recursive {
                ""
            } else {
                "; give --recursive to walk its subfolders"
            }
        )));
    }

    crate::checks::batch(&entries, &mut stim, a.dt, a.run.allow_unstable_dt)?;
    let total = entries.len() as u64 * stim.samples.len() as u64;
    let bar = crate::common::progress_enabled().then(|| {
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
    let options = BatchOptions {
        dt: a.dt,
        precision: a.run.precision,
        record: Record::Spikes,
        threads: a.threads,
        stop: None,
        exp: None,
    };
    let out = &a.output;
    let spikes_path = a.spikes.as_deref();
    let mut writer = if json {
        let head = Summary::new(
            env!("CARGO_PKG_VERSION"),
            a.configs.display().to_string(),
            stim.describe.clone(),
            a.dt,
            stim.samples.len(),
            a.run.precision.name(),
            Vec::new(),
        );
        SummaryWriter::json(out, head, spikes_path, a.run.force)
    } else {
        SummaryWriter::csv(out, spikes_path, a.run.force)
    }
    .map_err(|e| CliError::writing(e, out))?;
    // The raster draws every model at once, so only it keeps the spike times.
    let mut trains: Vec<(String, Vec<f64>)> = Vec::new();
    let mut write_failed = false;
    let ran = batch::run_batch_streamed(entries, &stim.samples, &options, &progress, |run| {
        if a.raster.is_some() {
            if let Some(t) = SpikeTimes::from_run(&run) {
                trains.push((t.file, t.spike_times_s));
            }
        }
        let pushed = writer.push(&run, CliError::reading_message);
        write_failed = pushed.is_err();
        pushed
    });
    match ran {
        Err(e) if write_failed => return Err(CliError::writing(e, out)),
        Err(e) => return Err(CliError::input(e.to_string())),
        Ok(()) => {}
    }
    let secs = t0.elapsed().as_secs_f64();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let tally = writer.finish().map_err(|e| CliError::writing(e, out))?;
    let mut wrote = vec![out.clone()];
    wrote.extend(a.spikes.clone());
    if let Some(p) = &a.raster {
        let end = stim.samples.len() as f64 * a.dt;
        let title = format!("{} models: {}", trains.len(), stim.describe);
        crate::plot::raster(p, &trains, (0.0, end), &title, a.run.force)?;
        wrote.push(p.clone());
    }

    let (completed, bad_reset, errors) = (tally.completed, tally.bad_reset, tally.errors);
    let (spikes, firing) = (tally.spikes, tally.firing);
    let steps = (tally.models - errors) as f64 * stim.samples.len() as f64;
    eprintln!(
        "glif batch: {} ({} configs)",
        a.configs.display(),
        tally.models
    );
    eprintln!("  stimulus  {}", stim.describe);
    eprintln!(
        "  dt        {:e} s, {} samples, {}",
        a.dt,
        stim.samples.len(),
        a.run.precision.name()
    );
    for level in ["GLIF1", "GLIF2", "GLIF3", "GLIF4", "GLIF5", "custom"] {
        let n = tally.ran_by_level.get(level).copied().unwrap_or(0);
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
    for w in &wrote {
        eprintln!("  wrote     {}", w.display());
    }
    for (file, error) in &tally.first_errors {
        eprintln!("glif: error: {file}: {error}");
    }
    if errors > tally.first_errors.len() {
        eprintln!(
            "glif: error: ... and {} more (see the summary)",
            errors - tally.first_errors.len()
        );
    }
    Ok(if errors > 0 { 1 } else { 0 })
}
