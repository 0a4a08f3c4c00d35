//! `glif simulate`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use glif_io::formats::Format;
use glif_io::stimulus::{Slice, Source};
use glif_io::{sci, NeuronConfig, Outcome, Precision, Record, RunEnd, RunResult};

use crate::config;
use crate::error::CliError;
use crate::output::{self, RunInfo};
use crate::stimulus::{self, Samples, StimArgs};
use glif_io::stimulus::Generated;

/// Default time step: 200 kHz, the sampling rate of Allen Cell Types stimuli.
pub const DEFAULT_DT: f64 = 5e-6;
/// Default step amplitude of the no-argument run: 1.5 x the bundled model's
/// rheobase (1.11986e-10 A), as in the project's AllenSDK reference trace.
pub const DEFAULT_AMP: f64 = 1.68e-10;
/// The default output folder.
pub const DEFAULT_DIR: &str = "glif-output";

const SIMULATE_AFTER: &str = "\
Examples:
  glif simulate
      The bundled Allen GLIF5 model 566283540 on a 1 s step of 168 pA at 200 kHz; writes
      glif-output/simulation.json and glif-output/simulation.png.
  glif simulate --config neuron_config.json --stimulus stim.json --dt 5e-6 --output out.json
  glif simulate --config cells.json --model-id 566283540 --square 1.5e-10 --output out.npz --plot out.svg
  glif simulate --config neuron_config.json --noise 1e-10 --noise-sd 5e-11 --seed 7 --duration 2 --output out.csv
  glif simulate --config neuron_config.json --stimulus long.npy --record spikes --output spikes.json

Stimulus files: .json (a list of amperes), .npy (1-D float or integer), .npz (one array;
--key NAME), .csv/.txt (one value per line, or a table under a header: --column NAME, or
time_s,current_A whose time column must step by --dt); each may be gzip-compressed (.csv.gz).
Generated stimuli are zero outside [--start, --start + --width). Without a stimulus,
--config runs a step of 1.5 x the model's rheobase (it fires).

Outputs, by extension of --output:
  .json  AllenSDK's run() keys: voltage, threshold, AScurrents, grid_spike_times,
         interpolated_spike_times, spike_time_steps, interpolated_spike_voltage,
         interpolated_spike_threshold (NaN as null), plus `outcome` and `run`.
  .npz   the same arrays (numpy.load), plus stimulus, dt and bad_reset_spike_step (-1: none).
  .csv   one row per sample (time_s, stimulus_A, voltage_V, threshold_V, AScurrent_<i>_A) and
         the spikes in NAME.spikes.csv; with --record spikes, NAME.csv is the spike table.
         Without --plot, the rows are written as the run goes (memory independent of its length).
  .json.gz, .csv.gz  the same, gzip-compressed (spikes in NAME.spikes.csv.gz).
Existing files are never replaced unless --force is given.";

/// Run a GLIF model on a stimulus and write the results.
///
/// With no arguments, runs the bundled Allen GLIF5 model 566283540 on a 1 s
/// step that makes it fire, and writes the JSON results and a plot to
/// `glif-output/`.
#[derive(Args, Debug)]
#[command(after_help = SIMULATE_AFTER)]
pub struct SimulateArgs {
    /// Allen neuron_config JSON file (a bare config, or configs keyed by model id).
    /// Default: the bundled Allen model 566283540 (GLIF5).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Which model of a config file keyed by model id.
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,
    #[command(flatten)]
    pub stim: StimArgs,
    /// Time step (s), which must be the stimulus sampling interval. The dt stored in
    /// Allen configs (5e-5) is not used, as in AllenSDK's documented usage.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_DT, allow_negative_numbers = true)]
    pub dt: f64,
    /// Override spike_cut_length (samples left NaN after each spike).
    #[arg(long, value_name = "N")]
    pub spike_cut_length: Option<u32>,
    /// Result file: .json, .npz or .csv, or .json.gz/.csv.gz [default: glif-output/simulation.json, numbered if taken].
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// What to record.
    #[arg(long, value_parser = crate::common::record_parser(), default_value = "all")]
    pub record: Record,
    /// Write voltage samples that are NaN (spike cuts) as V volts, as AllenSDK's
    /// simulate_neuron does (it uses 0.05).
    #[arg(long, value_name = "V", allow_negative_numbers = true)]
    pub spike_cut_value: Option<f64>,
    /// Arithmetic precision.
    #[arg(long, value_parser = crate::common::precision_parser(), default_value = "f64")]
    pub precision: Precision,
    /// Take every exponential from FILE, a JSON table of numpy's exp values, to get
    /// AllenSDK's numbers bit for bit (f64 only). Write it with `glif info --config C --dt DT
    /// --exp-arguments > args.json` and then: python -c "import json,numpy as np;
    /// a=json.load(open('args.json')); json.dump({'arguments':a,'values':[float(np.exp(np.float64(x)))
    /// for x in a]},open('exp.json','w'))" with the numpy of the machine whose AllenSDK results
    /// you compare with (numpy's exp differs between CPUs with and without AVX-512).
    #[arg(long, value_name = "FILE")]
    pub exp_table: Option<PathBuf>,
    /// Draw the figure to FILE.svg or FILE.png [default without --output:
    /// glif-output/simulation.png].
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Plot only START:END (s) of the run, e.g. 0.1:0.3.
    #[arg(long, value_name = "START:END", value_parser = crate::plot::parse_window)]
    pub plot_window: Option<(f64, f64)>,
    /// Do not draw the default plot.
    #[arg(long, conflicts_with = "plot")]
    pub no_plot: bool,
    /// Run even at a --dt where forward Euler diverges (refused by default: such a
    /// step is almost always a slip, Hz or ms typed as seconds).
    #[arg(long)]
    pub allow_unstable_dt: bool,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
}

/// The first free `glif-output/simulation[-N].<ext>` pair.
fn default_paths(plot: bool) -> Result<(PathBuf, Option<PathBuf>), CliError> {
    let dir = Path::new(DEFAULT_DIR);
    std::fs::create_dir_all(dir).map_err(|e| {
        CliError::other(format!(
            "{}: cannot create the output folder: {e}",
            dir.display()
        ))
    })?;
    for i in 0..10_000 {
        let stem = if i == 0 {
            "simulation".to_string()
        } else {
            format!("simulation-{i}")
        };
        let json = dir.join(format!("{stem}.json"));
        let png = dir.join(format!("{stem}.png"));
        if !json.exists() && !png.exists() {
            return Ok((json, plot.then_some(png)));
        }
    }
    Err(CliError::other(format!(
        "{DEFAULT_DIR}: no free file name; clean the folder"
    )))
}

/// Runs `glif simulate`.
pub fn run(a: SimulateArgs) -> Result<(), CliError> {
    crate::common::dt_flag(a.dt)?;
    if let Some(v) = a.spike_cut_value {
        if !v.is_finite() {
            return Err(CliError::input(format!(
                "--spike-cut-value: expected a finite voltage, found {}",
                sci(v)
            )));
        }
    }
    let cfg: NeuronConfig = match &a.config {
        Some(path) => config::load(path, a.model_id.as_deref())?,
        None => {
            if a.model_id.is_some() && a.model_id.as_deref() != Some(config::BUNDLED_ID) {
                return Err(CliError::input(
                    "--model-id needs --config (the bundled model is 566283540)",
                ));
            }
            config::bundled()?
        }
    };
    // Output paths, checked before running.
    let traces = a.record == Record::All;
    // --plot without --output draws the figure only: no result file the
    // user did not ask for.
    let (out_path, plot_path) = match &a.output {
        Some(p) => (Some(p.clone()), a.plot.clone()),
        None if a.plot.is_some() => (None, a.plot.clone()),
        None => {
            let (json, png) = default_paths(!a.no_plot && traces)?;
            (Some(json), png)
        }
    };
    let format = out_path.as_deref().map(output::format_of).transpose()?;
    if let Some(p) = &plot_path {
        crate::plot::check_plot_path(p, "--plot", a.force)?;
    }
    if let (Some(path), Some(format)) = (&out_path, format) {
        output::check_writable(&glif_io::formats::files_for(path, format, !traces), a.force)?;
    }
    // A record-all CSV run writes its rows as the run goes (memory of one
    // chunk, not of the run), unless a plot needs the traces in memory.
    let stream_csv = match (&out_path, format) {
        (Some(p), Some(Format::Csv)) if traces && plot_path.is_none() => Some(p.clone()),
        _ => None,
    };
    crate::checks::dt(&cfg, a.dt, a.allow_unstable_dt, "--dt")?;
    let run_cfg = config::at_dt(&cfg, a.dt, a.spike_cut_length)?;
    let model = match &a.exp_table {
        None => config::build(&run_cfg, a.precision)?,
        Some(path) => {
            if a.precision != Precision::F64 {
                return Err(CliError::input(
                    "--exp-table: the table holds numpy's f64 exp values; it needs --precision f64",
                ));
            }
            let table = glif_io::model::ExpTable::read(path).map_err(CliError::reading)?;
            let model = table.model(&run_cfg).map_err(|e| {
                let hint = CliError::hint(&e);
                CliError::input(format!("--exp-table {}: {e}{hint}", path.display()))
            })?;
            glif_io::AnyPrecisionModel::from(model)
        }
    };
    // Without a stimulus: a step of 1.5 x the model's rheobase (it fires).
    let default = match &a.config {
        None => Some(Generated::Square { amp: DEFAULT_AMP }),
        Some(p) if !a.stim.chooses_stimulus() => match cfg.default_step_amplitude() {
            Some(amp) => Some(Generated::Square { amp }),
            None => {
                return Err(CliError::input(format!(
                    "{}: no stimulus given, and this model has no rheobase to scale the default step to; \
                     give --stimulus FILE or --square AMP",
                    p.display()
                )))
            }
        },
        Some(_) => None,
    };
    // Spikes-only and streamed CSV runs stream the stimulus (generated, or
    // read from a .npy file as the run goes): memory independent of its length.
    let for_record = stimulus::generated_spec(&a.stim, default.clone());
    let in_memory = traces && stream_csv.is_none();
    let mut stim = stimulus::open(&a.stim, a.dt, default, in_memory)?;
    if !a.stim.chooses_stimulus() {
        stim.describe = format!(
            "{} (the default: 1.5 x the model's rheobase; choose with --stimulus or --square)",
            stim.describe
        );
    }
    let n_samples = stim.len;
    let bar = progress_bar(n_samples as u64);
    // The range, for the pA check and the summary: from the samples in
    // memory before the run, or of a streamed stimulus as the run reads it
    // (one pass over the samples; the pA warning is printed as soon as a
    // chunk trips it).
    let in_memory_range = match &stim.samples {
        Samples::InMemory(x) => Some(crate::checks::stimulus(
            glif_io::run::Range::of(x),
            n_samples,
            a.dt,
            Some(&run_cfg),
        )),
        Samples::Streamed(_) => {
            crate::checks::duration(n_samples, a.dt);
            None
        }
    };
    let mut warned = false;
    let mut watch = |r: &glif_io::run::Range| {
        if !warned {
            warned = crate::checks::pa(r, Some(&run_cfg), bar.as_ref());
        }
    };

    let t0 = Instant::now();
    let progress = |done: usize| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    };
    let write_options = glif_io::WriteOptions {
        overwrite: a.force,
        spike_cut_value: a.spike_cut_value,
    };
    let go = |source: &mut dyn Source| match &stream_csv {
        Some(path) => output::run_to_csv(&model, source, path, a.dt, &write_options, &progress),
        None => crate::common::run_model(&model, source, a.record, &progress),
    };
    let (result, streamed_range) = match &mut stim.samples {
        Samples::InMemory(x) => (go(&mut Slice::new(x)), None),
        Samples::Streamed(s) => {
            let mut ranging = glif_io::run::Ranging::new(s.as_mut(), &mut watch);
            let result = go(&mut ranging);
            // After a bad reset, the rest of the stimulus is read for its range.
            let range = result.is_ok().then(|| ranging.finish());
            (result, range)
        }
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let out = result?;
    let range = match (in_memory_range, streamed_range) {
        (Some(range), _) => range,
        (None, Some(r)) => crate::checks::range_in_pa(r.map_err(CliError::reading)?),
        (None, None) => crate::checks::range_in_pa(None),
    };
    let elapsed = t0.elapsed();
    let samples: &[f64] = match &stim.samples {
        Samples::InMemory(x) => x,
        Samples::Streamed(_) => &[],
    };

    let info = RunInfo {
        glif_version: env!("CARGO_PKG_VERSION"),
        config: config::source(&cfg),
        model_id: cfg.model_id.clone(),
        level: config::level_name(&cfg),
        dt: a.dt,
        n_samples,
        spike_cut_length: run_cfg.spike_cut_length,
        precision: a.precision.name(),
        record: a.record.name(),
        spike_cut_value: a.spike_cut_value,
        stimulus: glif_io::stimulus::stimulus_record(
            a.stim.origin(for_record.as_ref()),
            &stim.describe,
            &range,
        ),
        el_reference: cfg.original.get("El_reference").and_then(|v| v.as_f64()),
    };
    let mut written = match (&out_path, format) {
        (Some(path), Some(_)) if stream_csv.is_some() => {
            glif_io::formats::files_for(path, Format::Csv, false)
        }
        (Some(path), Some(format)) => output::write(path, format, &out, samples, &info, a.force)?,
        _ => Vec::new(),
    };
    if let Some(p) = &plot_path {
        let title = match &cfg.model_id {
            Some(id) => format!("{} — Allen model {id}", short_level(&cfg)),
            None => short_level(&cfg),
        };
        if traces {
            crate::plot::plot(p, &out, a.dt, samples, &title, a.plot_window, a.force)?;
        } else {
            // Spikes only: a raster of the run's spikes.
            let times = out.spikes.iter().map(|s| s.time).collect();
            let window = a.plot_window.unwrap_or((0.0, n_samples as f64 * a.dt));
            crate::plot::raster(p, &[(title.clone(), times)], window, &title, a.force)?;
        }
        written.push(p.clone());
    }
    summary(
        &cfg,
        &a,
        (&stim.describe, &range),
        n_samples,
        &out,
        &written,
        elapsed.as_secs_f64(),
    );
    Ok(())
}

fn short_level(cfg: &NeuronConfig) -> String {
    match cfg.level() {
        Some(_) => config::level_name(cfg),
        None => "custom GLIF".into(),
    }
}

/// A progress bar on stderr for long runs, only when stderr is a terminal.
pub fn progress_bar(len: u64) -> Option<indicatif::ProgressBar> {
    if !crate::common::progress_enabled() || len < 2_000_000 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} simulating [{bar:40}] {percent}% {human_pos}/{human_len} samples, {eta} left",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

fn summary(
    cfg: &NeuronConfig,
    a: &SimulateArgs,
    (stim, range): (&str, &str),
    stim_len: usize,
    out: &RunResult,
    written: &[PathBuf],
    secs: f64,
) {
    let model = match &cfg.model_id {
        Some(id) if a.config.is_none() => format!("bundled Allen model {id}"),
        Some(id) => format!(
            "{} (model {id})",
            a.config
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
        None => config::source(cfg),
    };
    let (dt, n_samples) = (a.dt, stim_len);
    let duration = n_samples as f64 * dt;
    eprintln!("glif simulate: {}", model);
    eprintln!("  level     {}", config::level_name(cfg));
    eprintln!("  rules     {}", config::rules_line(cfg));
    eprintln!("  stimulus  {stim}");
    eprintln!("  range     {range}");
    eprintln!(
        "  dt        {:e} s ({} Hz), {} samples = {} s, {}",
        dt,
        fmt_g(1.0 / dt),
        n_samples,
        fmt_g(duration),
        a.precision.name()
    );
    let n = out.spikes.len();
    let rate = if duration > 0.0 {
        n as f64 / duration
    } else {
        0.0
    };
    match out.spikes.first() {
        Some(s) => eprintln!(
            "  spikes    {n}, mean rate {:.2} Hz, first at {:.6} s (step {})",
            rate, s.time, s.step
        ),
        None => eprintln!("  spikes    0"),
    }
    match out.end {
        RunEnd::Ended(Outcome::BadReset { .. }) => {
            eprintln!("  outcome   bad reset (see warning)");
            eprintln!("glif: warning: {}", out.end.message(Some(dt)));
        }
        _ => eprintln!("  outcome   completed ({:.3} s)", secs),
    }
    for w in written {
        eprintln!("  wrote     {}", w.display());
    }
}

fn fmt_g(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
