//! `glif fit [--stage preprocess|optimize|all]`: a cell's recordings (an
//! Allen NWB file and its sweep table, or a folder of `.npy`/CSV sweeps)
//! through [`glif_fit::recordings::preprocess_recordings`] and
//! [`glif_fit::cell::configure_levels`], then (`optimize`, `all`) each
//! level's `th_inf` tuned by `crate::fit_optimize` over
//! [`glif_fit::cell::optimize_cell`], and (`all`, the default) the report
//! (`crate::fit_report`). The
//! checks of the recordings and the fitting are the library's; this layer
//! picks the source, writes the results, prints the summary and maps errors
//! to exit status 2.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use glif_fit::configure::Level;
use glif_fit::optimizer::Optimizer;
use glif_fit::preprocess::Preprocessed;
use glif_fit::recordings::{
    preprocess_recordings, read_sweep_table, NwbRecordings, Recordings, RecordingsDir,
};

use crate::error::CliError;

const FIT_AFTER: &str = "\
Examples:
  glif fit --nwb cell.nwb --sweeps ephys_sweeps.json --output fit/ --plot
  glif fit --nwb cell.nwb --sweeps ephys_sweeps.json --output fit/ --stage preprocess
  glif fit --recordings my_cell/ --output fit/ --levels GLIF1,GLIF3 --threads 2

Writes DIR/preprocessor_values.json (AllenSDK's preprocessor values: its keys, SI units) and
DIR/GLIF<n>_neuron_config.json for each level the recordings allow: with --stage preprocess
AllenSDK's configure_model (every coefficient at its starting value), otherwise the config with
th_inf tuned as AllenSDK's optimizer tunes it. The default stage (all) also judges each level
by the explained variance of spike times on Noise 1 and Noise 2 before and after optimization,
prints the table and writes DIR/report.json, last (with --plot also report_noise2_raster and
report_noise1_voltage). Cells without a usable Short Square - Triple get GLIF1 and GLIF3 only.
Recordings must be in volts and amperes at a sampling rate that is a whole multiple of 20 kHz;
nothing is written when an input is refused (exit status 2) or the fit is interrupted. A
recordings folder holds sweeps.json (the sweep table with each sweep's files, sampling rate and
units) and the sweeps as .npy or CSV files. docs/FITTING.md describes the folder layout, each
stage and the report.";

/// Which part of the fit to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    /// Everything before the optimizer: preprocessor values and the starting configs.
    Preprocess,
    /// Preprocessing, then each level's th_inf coefficient tuned as AllenSDK's optimizer
    /// tunes it (3 x 3 Nelder-Mead restarts over forced-spike runs on Noise 1).
    Optimize,
    /// The whole fit (the default): preprocessing, the optimizer, and the report (explained
    /// variance on Noise 1 and Noise 2 before and after optimization, DIR/report.json).
    All,
}

/// The figures' file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlotFormat {
    /// PNG images.
    Png,
    /// SVG drawings.
    Svg,
}

/// Fit GLIF models to a cell's recordings (AllenSDK's fitting pipeline).
#[derive(Args, Debug)]
#[command(after_help = FIT_AFTER)]
pub struct FitArgs {
    /// The cell's Allen NWB 1.x file (with --sweeps).
    #[arg(
        long,
        value_name = "CELL.nwb",
        required_unless_present = "recordings",
        conflicts_with = "recordings",
        requires = "sweeps"
    )]
    pub nwb: Option<PathBuf>,
    /// The NWB file's ephys_sweeps.json (sweep_number, stimulus name,
    /// num_spikes, stimulus_amplitude, slow_vm_mv).
    #[arg(long, value_name = "FILE")]
    pub sweeps: Option<PathBuf>,
    /// A folder of the cell's own recordings instead of NWB: sweeps.json
    /// and .npy/CSV files (layout in docs/FITTING.md).
    #[arg(long, value_name = "DIR", conflicts_with = "sweeps")]
    pub recordings: Option<PathBuf>,
    /// The folder to write the results into (created if absent).
    #[arg(long, value_name = "DIR")]
    pub output: PathBuf,
    /// The stage to run (default: all of them, with the report).
    #[arg(long, value_enum, default_value = "all")]
    pub stage: Stage,
    /// Also draw the figures to check the fit (RC fit, spike cut, threshold
    /// fits, after-spike currents) into DIR as fit_*.png (or .svg), and with
    /// the report (stage all) report_noise2_raster and report_noise1_voltage.
    #[arg(long, value_enum, value_name = "FORMAT", num_args = 0..=1, default_missing_value = "png")]
    pub plot: Option<PlotFormat>,
    /// Replace result files that already exist in DIR.
    #[arg(long)]
    pub force: bool,
    /// With --stage optimize or all: only these levels (e.g. --levels GLIF1,GLIF3).
    #[arg(long, value_delimiter = ',', value_name = "GLIFn,...")]
    pub levels: Vec<String>,
    /// With --stage optimize or all: numpy RandomState seed of the restarts (AllenSDK's
    /// run_many(seed=S) path; AllenSDK draws a random seed when none is given).
    #[arg(long, default_value_t = 1234)]
    pub seed: u32,
    /// With --stage optimize or all: passes x restarts per pass instead of the optimizer
    /// config's (AllenSDK's 3x3), e.g. 1x1 for a quick look; restart k of a pass runs
    /// at dt_multiplier 100, 32, 10.
    #[arg(long, value_name = "PASSESxRESTARTS")]
    pub restarts: Option<String>,
    /// With --stage optimize or all: levels optimized at the same time.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// With --stage optimize or all: `allen` (AllenSDK's run_many, evaluation for evaluation)
    /// or `fast` (the same error's optimum at the finest dt_multiplier from three forced-spike
    /// evaluations; docs/FITTING.md).
    #[arg(long, value_enum, default_value = "allen")]
    pub optimizer: OptimizerChoice,
    /// With --stage optimize or all: also tune the after-spike current amplitudes and a_spike
    /// on Noise 1 (same error; GLIF2-5), written as `GLIF<n>_extended_neuron_config.json`, and
    /// judge both fits on Noise 1 and Noise 2 in optimizer_summary.json.
    #[arg(long)]
    pub extended: bool,
}

/// `--optimizer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptimizerChoice {
    /// AllenSDK's run_many: 3 x 3 Nelder-Mead restarts at dt_multiplier 100, 32, 10.
    Allen,
    /// The same error function's optimum at the finest multiplier, in three evaluations.
    Fast,
}

impl OptimizerChoice {
    fn name(self) -> &'static str {
        match self {
            OptimizerChoice::Allen => "allen",
            OptimizerChoice::Fast => "fast",
        }
    }
}

/// The cell's recordings and its preprocessing from the source given.
type Cell = (String, Box<dyn Recordings>, Preprocessed);

/// The cell's preprocessing from the source given; returns the source's
/// name for the summary, the recordings (the optimizer reads Noise 1 again)
/// and the result.
fn preprocess_cell(a: &FitArgs) -> Result<Cell, CliError> {
    let input = |e: glif_fit::FitError| CliError::input(e.to_string());
    match (&a.nwb, &a.sweeps, &a.recordings) {
        (Some(nwb), Some(sweeps), None) => {
            let table = read_sweep_table(sweeps).map_err(input)?;
            let rec = NwbRecordings::open(nwb).map_err(input)?;
            let name = sweeps.display().to_string();
            let r = preprocess_recordings(&name, &table, &rec).map_err(input)?;
            Ok((nwb.display().to_string(), Box::new(rec), r))
        }
        (None, None, Some(dir)) => {
            let (rec, table) = RecordingsDir::open(dir).map_err(input)?;
            let name = dir.join(glif_fit::recordings::RECORDINGS_TABLE);
            let r =
                preprocess_recordings(&name.display().to_string(), &table, &rec).map_err(input)?;
            Ok((dir.display().to_string(), Box::new(rec), r))
        }
        // clap enforces one source (and --sweeps with --nwb only).
        _ => Err(CliError::input(
            "give --nwb FILE with --sweeps FILE, or --recordings DIR",
        )),
    }
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON values serialise") + "\n"
}

/// Runs `glif fit`; returns the exit status. One arm per stage.
pub fn run(a: FitArgs) -> Result<u8, CliError> {
    // The pipeline frees and allocates buffers of a few MB sweep after
    // sweep: kept for reuse rather than faulted in again.
    glif_io::base::keep_freed_memory();
    run_stages(&a)
}

/// The `--restarts PASSESxRESTARTS` value.
fn restarts(r: &str) -> Result<(usize, usize), CliError> {
    let bad = || {
        CliError::input(format!(
            "--restarts {r}: expected PASSESxRESTARTS with at least 1 pass and 1 to 3 restarts, e.g. 3x3"
        ))
    };
    let (p, k) = r.split_once('x').ok_or_else(bad)?;
    let (p, k): (usize, usize) = (p.parse().map_err(|_| bad())?, k.parse().map_err(|_| bad())?);
    if p == 0 || !(1..=3).contains(&k) {
        return Err(bad());
    }
    Ok((p, k))
}

/// Every stage up to `a.stage`: the preprocessor values and the starting
/// configs, then (`optimize`) the tuned configs, then (`all`) the report.
fn run_stages(a: &FitArgs) -> Result<u8, CliError> {
    let levels = glif_fit::cell::parse_levels(&a.levels).map_err(|_| {
        CliError::input(format!(
            "--levels {}: expected GLIF1, GLIF2, GLIF3, GLIF4 or GLIF5",
            a.levels
                .iter()
                .find(|l| !Level::ALL.iter().any(|x| x.label() == l.as_str()))
                .map_or("", String::as_str)
        ))
    })?;
    if a.threads == 0 {
        return Err(CliError::input(
            "--threads 0: expected at least 1 level at a time",
        ));
    }
    if a.stage == Stage::Preprocess {
        for (given, flag) in [
            (a.optimizer != OptimizerChoice::Allen, "--optimizer fast"),
            (a.extended, "--extended"),
            (a.restarts.is_some(), "--restarts"),
        ] {
            if given {
                return Err(CliError::input(format!(
                    "{flag} tunes the models: give it with --stage optimize or all, not --stage preprocess"
                )));
            }
        }
    }
    if a.optimizer == OptimizerChoice::Fast && a.restarts.is_some() {
        return Err(CliError::input(
            "--restarts sets the Allen optimizer's Nelder-Mead restarts; --optimizer fast has none (it evaluates the finest dt_multiplier directly)",
        ));
    }
    let optimizer = match a.optimizer {
        OptimizerChoice::Allen => Optimizer::Allen,
        OptimizerChoice::Fast => Optimizer::Fast,
    };
    let passes_restarts = a.restarts.as_deref().map(restarts).transpose()?;
    // Refuse early, before minutes of fitting, the files every run writes;
    // the configs' and figures' names are checked once the levels are known.
    if !a.force {
        let mut always = vec![a.output.join("preprocessor_values.json")];
        if a.stage == Stage::All {
            always.push(a.output.join(crate::fit_report::REPORT));
        }
        if let Some(p) = always.iter().find(|p| p.exists()) {
            return Err(CliError::input(format!(
                "{}: the file exists; give --force to replace it",
                p.display()
            )));
        }
    }
    let (source, rec, result) = preprocess_cell(a)?;
    let starting = glif_fit::cell::configure_levels(&result.summary, &levels)
        .map_err(|e| CliError::input(e.to_string()))?;
    let configs = starting.configs;
    let refused = starting.refused;
    let mut fitted = Vec::new();
    let mut noise = None;
    if a.stage != Stage::Preprocess {
        let n = glif_fit::cell::load_noise(rec.as_ref(), &result.selection)
            .map_err(|e| CliError::input(e.to_string()))?;
        let opts = glif_fit::cell::OptimizeOptions {
            seed: a.seed,
            threads: a.threads,
            restarts: passes_restarts,
            report: a.stage == Stage::All,
            optimizer,
        };
        fitted = crate::fit_optimize::optimize(&configs, &n, &opts)?;
        noise = Some(n);
    }
    // optimizer_summary.json: per level the optimizer's result, and with
    // --extended the extended fit beside it.
    let mut extended_configs = Vec::new();
    let mut summary = None;
    if let Some(n) = &noise {
        let mut levels = serde_json::Map::new();
        for f in &fitted {
            levels.insert(
                f.level.label().into(),
                serde_json::json!({
                    "th_inf_coefficient": f.config["coeffs"]["th_inf"],
                    "mlin": f.error,
                    "evaluations": f.optimizer.evaluations.len(),
                    "forced_runs": f.forced_runs,
                }),
            );
        }
        if a.extended {
            for (level, config, record) in crate::fit_optimize::extended(&configs, &fitted, n)? {
                levels[level.label()]["extended"] = record;
                extended_configs.push((level, config));
            }
        }
        summary = Some(serde_json::json!({
            "optimizer": a.optimizer.name(),
            "seed": a.seed,
            "noise1_sweeps": n.noise1.len(),
            "levels": levels,
        }));
    }
    // Everything is computed: now write, never over existing files unless
    // asked, report.json last (its presence marks a complete fit).
    let mut files = vec![(
        a.output.join("preprocessor_values.json"),
        pretty(&result.values),
    )];
    for (level, c) in &configs {
        let config = fitted
            .iter()
            .find(|f| f.level == *level)
            .map_or(&c["neuron"], |f| &f.config);
        files.push((
            a.output
                .join(format!("{}_neuron_config.json", level.label())),
            pretty(config),
        ));
    }
    for (level, c) in &extended_configs {
        files.push((
            a.output
                .join(format!("{}_extended_neuron_config.json", level.label())),
            pretty(c),
        ));
    }
    if let Some(s) = &summary {
        files.push((a.output.join("optimizer_summary.json"), pretty(s)));
    }
    let report = match (&noise, a.stage) {
        (Some(n), Stage::All) => Some((
            a.output.join(crate::fit_report::REPORT),
            pretty(&crate::fit_report::report_json(&source, a.seed, n, &fitted)),
        )),
        _ => None,
    };
    let ext = match a.plot {
        Some(PlotFormat::Png) => Some("png"),
        Some(PlotFormat::Svg) => Some("svg"),
        None => None,
    };
    let plots = ext.map_or_else(Vec::new, |x| crate::fit_plot::paths(&a.output, x));
    let report_plots = match (ext, &report) {
        (Some(x), Some(_)) => crate::fit_report::paths(&a.output, x),
        _ => Vec::new(),
    };
    // The report figures' data, computed before anything is written.
    let mut stretches = Vec::new();
    if let (false, Some(n)) = (report_plots.is_empty(), &noise) {
        let start = glif_fit::report::stretch_start_s(n);
        for f in &fitted {
            let s = glif_fit::report::noise1_stretch(
                &f.config,
                &n.noise1[0],
                &n.noise1_spikes[0],
                start,
                glif_fit::report::STRETCH_SECONDS,
            )
            .map_err(|e| CliError::input(e.to_string()))?;
            stretches.push((f.level.label().to_string(), s));
        }
    }
    if !a.force {
        if let Some(p) = files
            .iter()
            .chain(&report)
            .map(|(p, _)| p)
            .chain(&plots)
            .chain(&report_plots)
            .find(|p| p.exists())
        {
            return Err(CliError::input(format!(
                "{}: the file exists; give --force to replace it",
                p.display()
            )));
        }
    }
    std::fs::create_dir_all(&a.output)
        .map_err(|e| CliError::other(format!("{}: {e}", a.output.display())))?;
    let write = |p: &Path, text: &str| {
        glif_io::base::write_atomic(p, true, |w| w.write_all(text.as_bytes()))
            .map_err(|e| CliError::writing(e, p))
    };
    for (p, text) in &files {
        write(p, text)?;
    }
    if !plots.is_empty() {
        crate::fit_plot::write_all(&plots, &result.diagnostics, &result.summary, a.force)?;
    }
    if let (false, Some(n)) = (report_plots.is_empty(), &noise) {
        crate::fit_report::write_figures(&report_plots, n, &fitted, &stretches, a.force)?;
    }
    if let Some((p, text)) = &report {
        write(p, text)?;
    }
    let s = &result.summary;
    let sel = &result.selection;
    let stage = match a.stage {
        Stage::Preprocess => "preprocess",
        Stage::Optimize => "optimize",
        Stage::All => "all",
    };
    println!("glif fit --stage {stage}: {source}");
    println!(
        "  sweeps   Noise 1 {:?}, Noise 2 {:?}, short squares {:?}, triple {:?}, long square {}",
        sel.noise1, sel.noise2, sel.short_square_all, sel.triple, sel.long_square_max_subthreshold
    );
    println!(
        "  El_reference     {:.3} mV   (mean slow_vm_mv of Noise 1)",
        s.el_reference * 1e3
    );
    println!(
        "  R (least sq.)    {:.2} MOhm (Noise 1, start to 6 s)",
        s.r_least_squares / 1e6
    );
    println!("  C                {:.2} pF", s.c * 1e12);
    println!(
        "  R_ASC            {:.2} MOhm (after-spike-current fit)",
        s.r_asc / 1e6
    );
    println!(
        "  spike cut        {} samples = {:.2} ms; v_before a = {:.4}, b = {:.3} mV",
        s.spike_cut_length,
        s.spike_cut_length as f64 * s.dt * 1e3,
        s.spike_cutting_slope,
        s.spike_cutting_intercept * 1e3
    );
    println!(
        "  ASC              tau {:.1} ms, {:.1} ms; amplitude {:.2} pA, {:.2} pA",
        s.asc_tau_array[0] * 1e3,
        s.asc_tau_array[1] * 1e3,
        s.asc_amp_array[0] * 1e12,
        s.asc_amp_array[1] * 1e12
    );
    println!(
        "  th_inf           {:.3} mV above rest (first spike, sweep {})",
        s.th_inf * 1e3,
        sel.short_square_min_suprathreshold
    );
    match (s.a_spike, s.b_spike) {
        (Some(a_), Some(b)) => println!(
            "  spike component  a = {:.3} mV, b = {:.1} 1/s (triple)",
            a_ * 1e3,
            b
        ),
        _ => println!("  spike component  none (no usable Short Square - Triple)"),
    }
    if let (Some(a_), Some(b)) = (s.a_voltage, s.b_voltage) {
        println!("  voltage comp.    a = {a_:.4} 1/s, b = {b:.4} 1/s (fmin on Noise 1)");
    }
    println!(
        "  noise            var {:.3e} V^2, sv {:.3} mV, tau_from_AC {:.2} ms (long square {})",
        s.var_of_section,
        s.sv_for_expsymm * 1e3,
        s.tau_from_ac * 1e3,
        sel.long_square_max_subthreshold
    );
    for (level, _) in &configs {
        match fitted.iter().find(|f| f.level == *level) {
            Some(f) => println!(
                "  wrote {}_neuron_config.json (th_inf coefficient {}, MLIN {}, {} forced-spike evaluations = {} runs, {} optimizer{})",
                level.label(),
                f.config["coeffs"]["th_inf"],
                f.error,
                f.optimizer.evaluations.len(),
                f.forced_runs,
                a.optimizer.name(),
                match a.optimizer {
                    OptimizerChoice::Allen => format!(", seed {}", a.seed),
                    OptimizerChoice::Fast => String::new(),
                }
            ),
            None => println!("  wrote {}_neuron_config.json", level.label()),
        }
    }
    if let Some(s) = &summary {
        for (level, _) in &extended_configs {
            let x = &s["levels"][level.label()]["extended"];
            let ev = |k: &str| {
                let r = &x["ev_noise2"][k];
                r["ratio"]
                    .as_f64()
                    .map_or_else(|| format!("failed ({})", r["error"]), |v| format!("{v:.4}"))
            };
            println!(
                "  wrote {}_extended_neuron_config.json (MLIN Noise 1 {} -> {}; EV Noise 2 Allen settings {}, extended {})",
                level.label(),
                x["mlin_noise1"]["allen_settings"],
                x["mlin_noise1"]["extended"],
                ev("allen_settings"),
                ev("extended")
            );
        }
        println!(
            "  wrote {}",
            a.output.join("optimizer_summary.json").display()
        );
    }
    for (level, e) in &refused {
        println!("  {} not configured: {e}", level.label());
    }
    for p in plots.iter().chain(&report_plots) {
        println!("  drew {}", p.display());
    }
    println!(
        "  wrote {}",
        a.output.join("preprocessor_values.json").display()
    );
    if let Some((p, _)) = &report {
        crate::fit_report::print_table(&fitted);
        println!("  wrote {}", p.display());
    }
    Ok(0)
}
