//! `glif sweeps`: AllenSDK's `simulate_neuron` over the sweeps of an Allen
//! NWB 1.x file, through [`glif_io::nwb::simulate_neuron`].

use std::path::PathBuf;

use clap::Args;
use glif_io::nwb::SimulateError;
use glif_io::nwb::{self, SweepOptions, SweepProgress};

use crate::config;
use crate::error::CliError;

const SWEEPS_AFTER: &str = "\
Examples:
  glif sweeps --nwb cell.nwb --config neuron_config.json --sweeps ephys_sweeps.json --output sim.nwb
  glif sweeps --nwb cell.nwb --config cells.json --model-id 566283540 --sweep 35 --sweep 36 --output sim.nwb
  glif sweeps --nwb copy.nwb --config neuron_config.json --sweeps ephys_sweeps.json --in-place

For each sweep, dt is 1/rate of the sweep's stimulus; the simulated voltage (NaN after spikes
replaced by --spike-cut-value) overwrites /epochs/Sweep_<n>/response/timeseries/data and the
interpolated spike times go to /analysis/spike_times/Sweep_<n>. OUT.nwb starts as a copy of
IN.nwb; IN.nwb is never modified unless --in-place. A sweep that cannot be read or written is
reported and skipped; the others are still written, and the exit status is then 1.
See docs/NWB.md for the layout and the one deliberate difference from AllenSDK (conversion).";

/// Simulate every sweep of an Allen NWB 1.x file and write the responses
/// and spike times back (AllenSDK's simulate_neuron).
#[derive(Args, Debug)]
#[command(after_help = SWEEPS_AFTER)]
pub struct SweepsArgs {
    /// The Allen Cell Types NWB 1.x file whose stimuli are simulated.
    #[arg(long, value_name = "IN.nwb")]
    pub nwb: PathBuf,
    /// Allen neuron_config JSON file.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Which model of a config file keyed by model id.
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,
    #[command(flatten)]
    pub to: Destination,
    #[command(flatten)]
    pub which: SweepSelection,
    /// Voltage written where the simulation leaves NaN (after spikes), in volts.
    #[arg(long, value_name = "V", default_value_t = nwb::DEFAULT_SPIKE_CUT_VALUE, allow_negative_numbers = true)]
    pub spike_cut_value: f64,
    /// Override spike_cut_length (samples).
    #[arg(long, value_name = "N")]
    pub spike_cut_length: Option<u32>,
    #[command(flatten)]
    pub run: crate::common::RunOptions,
}

/// Where `glif sweeps` writes: a new file or IN.nwb itself (exactly one).
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct Destination {
    /// The output file (a copy of IN.nwb with the simulated responses).
    #[arg(long, value_name = "OUT.nwb")]
    pub output: Option<PathBuf>,
    /// Write into IN.nwb itself instead of a copy.
    #[arg(long)]
    pub in_place: bool,
}

/// Which sweeps `glif sweeps` runs: those of a sweeps file or those named
/// (exactly one of the two).
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct SweepSelection {
    /// The Allen API's ephys_sweeps.json: runs every sweep listed there except those
    /// whose stimulus_name is Test, as AllenSDK does.
    #[arg(long, value_name = "FILE")]
    pub sweeps: Option<PathBuf>,
    /// Run this sweep number (repeatable).
    #[arg(long, value_name = "N")]
    pub sweep: Vec<u32>,
}

/// Runs `glif sweeps`; returns the exit status.
pub fn run(a: SweepsArgs) -> Result<u8, CliError> {
    if !a.spike_cut_value.is_finite() {
        return Err(CliError::input(format!(
            "--spike-cut-value: expected a finite voltage, found {}",
            a.spike_cut_value
        )));
    }
    let cfg = config::load(&a.config, a.model_id.as_deref())?;
    let numbers: Vec<u32> = match &a.which.sweeps {
        Some(path) => nwb::select_sweeps(path).map_err(|e| CliError::input(e.to_string()))?,
        None => a.which.sweep.clone(),
    };
    if numbers.is_empty() {
        return Err(CliError::input("no sweeps to run"));
    }
    if !a.nwb.is_file() {
        return Err(CliError::input(format!(
            "{}: no such file",
            a.nwb.display()
        )));
    }
    // The time step of each sweep is 1/rate from the file: checked, as
    // --dt is in simulate and batch, before any sweep runs. A file or sweep
    // that cannot be read is left to the run, which reports it per sweep.
    if let Ok(file) = nwb::NwbFile::open(&a.nwb) {
        for &n in &numbers {
            if let Ok(rate) = file.sampling_rate(n) {
                let what = format!(
                    "{}: sweep {n} (rate {} Hz)",
                    a.nwb.display(),
                    glif_io::sci(rate)
                );
                crate::checks::dt(&cfg, 1.0 / rate, a.run.allow_unstable_dt, &what)?;
            }
        }
    }
    let bar = crate::common::progress_enabled().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {percent}% {human_pos}/{human_len} samples, {eta} left",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let options = SweepOptions {
        spike_cut_value: a.spike_cut_value,
        spike_cut_length: a.spike_cut_length,
        precision: a.run.precision,
        stop: None,
        exp: None,
    };
    let results = nwb::simulate_neuron(
        &a.nwb,
        a.to.output.as_deref(),
        a.run.force,
        &cfg,
        &numbers,
        &options,
        &|p| {
            if let Some(b) = &bar {
                match p {
                    SweepProgress::Samples(n) => b.inc(n),
                    SweepProgress::Sweeps { done, total } => {
                        b.set_message(format!("{done}/{total} sweeps"))
                    }
                    SweepProgress::Start { samples, sweeps } => {
                        b.set_length(samples);
                        b.set_message(format!("0/{sweeps} sweeps"));
                    }
                }
            }
        },
    )
    .map_err(|e| match e {
        SimulateError::Config(e) => CliError::reading(e),
        SimulateError::Input(e) => CliError::input(e.to_string()),
        SimulateError::Stopped => CliError::input(e.to_string()),
        SimulateError::Output(e) => match (e.kind(), &a.to.output) {
            (nwb::NwbErrorKind::OutputExists, Some(out)) => CliError::input(format!(
                "{}: the file exists; give --force to replace it",
                out.display()
            )),
            (nwb::NwbErrorKind::SameFile, Some(out)) => CliError::input(format!(
                "{}: --output names the input file; use --in-place to write into it",
                out.display()
            )),
            _ => CliError::other(e.to_string()),
        },
    })?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let target = a.to.output.as_ref().unwrap_or(&a.nwb);

    eprintln!("glif sweeps: {} -> {}", a.nwb.display(), target.display());
    eprintln!(
        "  model     {} ({})",
        config::level_name(&cfg),
        config::source(&cfg)
    );
    eprintln!(
        "  {:>6}  {:>10}  {:>9}  {:>6}  {:>9}  {:>24}  status",
        "sweep", "samples", "dt (s)", "spikes", "time (s)", "stimulus range"
    );
    let mut failed = 0;
    for r in &results {
        let status = match (&r.error, r.end) {
            (Some(e), _) => {
                failed += 1;
                format!("FAILED: {e}")
            }
            (None, glif_io::RunEnd::COMPLETED) => "ok".into(),
            (None, end) => format!("ok, warning: {}", end.message(Some(r.dt))),
        };
        if r.error.is_some() {
            eprintln!(
                "  {:>6}  {:>10}  {:>9}  {:>6}  {:>9}  {:>24}  {status}",
                r.number, "-", "-", "-", "-", "-"
            );
        } else {
            let range = r
                .stimulus_range
                .map(|x| x.in_pa())
                .unwrap_or_else(|| "empty".into());
            eprintln!(
                "  {:>6}  {:>10}  {:>9.3e}  {:>6}  {:>9.3}  {range:>24}  {status}",
                r.number, r.samples, r.dt, r.spikes, r.secs
            );
            if let Some(w) = r
                .stimulus_range
                .and_then(|x| glif_io::run::pa_warning(&x, Some(&cfg)))
            {
                eprintln!("glif: warning: sweep {}: {w}", r.number);
            }
        }
    }
    let ok = results.len() - failed;
    eprintln!(
        "  {ok} of {} sweeps written to {}",
        results.len(),
        target.display()
    );
    if failed > 0 {
        eprintln!("glif: error: {failed} sweep(s) failed (see above); the others were written");
        Ok(1)
    } else {
        Ok(0)
    }
}
