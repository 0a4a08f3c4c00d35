//! `glif sweeps`: AllenSDK's `simulate_neuron` over the sweeps of an Allen
//! NWB 1.x file. Sweeps are read one after another (HDF5 is not
//! thread-safe), simulated in parallel, and written one after another.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::Args;
use glif_io::nwb::{self, NwbFile};
use rayon::prelude::*;

use crate::config;
use crate::error::CliError;
use crate::sim::{self, Precision};

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
    /// The output file (a copy of IN.nwb with the simulated responses).
    #[arg(
        long,
        value_name = "OUT.nwb",
        required_unless_present = "in_place",
        conflicts_with = "in_place"
    )]
    pub output: Option<PathBuf>,
    /// Write into IN.nwb itself instead of a copy.
    #[arg(long)]
    pub in_place: bool,
    /// The Allen API's ephys_sweeps.json: runs every sweep listed there except those
    /// whose stimulus_name is Test, as AllenSDK does.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "sweep",
        conflicts_with = "sweep"
    )]
    pub sweeps: Option<PathBuf>,
    /// Run this sweep number (repeatable).
    #[arg(long, value_name = "N")]
    pub sweep: Vec<u32>,
    /// Voltage written where the simulation leaves NaN (after spikes), in volts.
    #[arg(long, value_name = "V", default_value_t = nwb::DEFAULT_SPIKE_CUT_VALUE, allow_negative_numbers = true)]
    pub spike_cut_value: f64,
    /// Override spike_cut_length (samples).
    #[arg(long, value_name = "N")]
    pub spike_cut_length: Option<u32>,
    /// Arithmetic precision.
    #[arg(long, value_enum, default_value_t = Precision::F64)]
    pub precision: Precision,
    /// Replace an existing OUT.nwb.
    #[arg(long)]
    pub force: bool,
}

struct SweepResult {
    number: u32,
    samples: usize,
    dt: f64,
    spikes: usize,
    secs: f64,
    error: Option<String>,
    bad_reset: Option<usize>,
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
    let numbers: Vec<u32> = match &a.sweeps {
        Some(path) => nwb::select_sweeps(path).map_err(|e| CliError::input(e.to_string()))?,
        None => a.sweep.clone(),
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
    // Check the input before copying it.
    drop(NwbFile::open(&a.nwb).map_err(|e| CliError::input(e.to_string()))?);
    // Check the model builds (at a typical dt) before any work.
    config::build(&config::at_dt(&cfg, 5e-6, a.spike_cut_length)?, a.precision)?;

    let target = match &a.output {
        Some(out) => {
            nwb::copy_for_output(&a.nwb, out, a.force).map_err(|e| match e.kind() {
                nwb::NwbErrorKind::OutputExists => CliError::input(format!(
                    "{}: the file exists; give --force to replace it",
                    out.display()
                )),
                nwb::NwbErrorKind::SameFile => CliError::input(format!(
                    "{}: --output names the input file; use --in-place to write into it",
                    out.display()
                )),
                _ => CliError::other(e.to_string()),
            })?;
            out.clone()
        }
        None => a.nwb.clone(),
    };
    let mut file = NwbFile::open_rw(&target).map_err(|e| CliError::other(e.to_string()))?;

    // 1. Read every sweep, one after another.
    let mut results: Vec<SweepResult> = Vec::new();
    let mut work = Vec::new();
    for &n in &numbers {
        match file.read_current_clamp_sweep(n) {
            Ok(sweep) => work.push(sweep),
            Err(e) => results.push(SweepResult {
                number: n,
                samples: 0,
                dt: f64::NAN,
                spikes: 0,
                secs: 0.0,
                error: Some(e.to_string()),
                bad_reset: None,
            }),
        }
    }

    // 2. Simulate in parallel.
    let total: u64 = work.iter().map(|s| s.stimulus.len() as u64).sum();
    let bar = if crate::progress_enabled() {
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {percent}% {human_pos}/{human_len} samples, {eta} left",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(format!("0/{} sweeps", work.len()));
        Some(bar)
    } else {
        None
    };
    let finished = AtomicU64::new(0);
    let simulated: Vec<(u32, f64, Result<glif_io::RunResult, CliError>, f64)> = work
        .par_iter()
        .map(|sweep| {
            let t0 = Instant::now();
            let last = AtomicU64::new(0);
            let r = config::at_dt(&cfg, sweep.dt, a.spike_cut_length)
                .and_then(|c| config::build(&c, a.precision))
                .and_then(|model| {
                    sim::run(&model, &sweep.stimulus, true, &|done| {
                        if let Some(b) = &bar {
                            let prev = last.swap(done as u64, Ordering::Relaxed);
                            b.inc(done as u64 - prev);
                        }
                    })
                });
            if let Some(b) = &bar {
                let k = finished.fetch_add(1, Ordering::Relaxed) + 1;
                b.set_message(format!("{k}/{} sweeps", work.len()));
            }
            (sweep.number, sweep.dt, r, t0.elapsed().as_secs_f64())
        })
        .collect();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    // 3. Write one after another.
    for (number, dt, r, secs) in simulated {
        let mut res = SweepResult {
            number,
            samples: 0,
            dt,
            spikes: 0,
            secs,
            error: None,
            bad_reset: None,
        };
        match r {
            Err(e) => res.error = Some(e.message),
            Ok(out) => {
                res.samples = out.len();
                res.spikes = out.spikes.len();
                if let glif_io::RunEnd::BadReset { spike_step, .. } = out.end {
                    res.bad_reset = Some(spike_step);
                }
                let times: Vec<f64> = out.spikes.iter().map(|s| s.time).collect();
                let written = file
                    .write_response(number, &out.voltage, a.spike_cut_value)
                    .and_then(|()| file.write_spike_times(number, &times));
                if let Err(e) = written {
                    res.error = Some(e.to_string());
                }
            }
        }
        results.push(res);
    }
    file.close().map_err(|e| CliError::other(e.to_string()))?;

    // Summary, in the order asked.
    results.sort_by_key(|r| {
        numbers
            .iter()
            .position(|&n| n == r.number)
            .unwrap_or(usize::MAX)
    });
    eprintln!("glif sweeps: {} -> {}", a.nwb.display(), target.display());
    eprintln!(
        "  model     {} ({})",
        config::level_name(&cfg),
        config::source(&cfg)
    );
    eprintln!(
        "  {:>6}  {:>10}  {:>9}  {:>6}  {:>9}  status",
        "sweep", "samples", "dt (s)", "spikes", "time (s)"
    );
    let mut failed = 0;
    for r in &results {
        let status = match (&r.error, r.bad_reset) {
            (Some(e), _) => {
                failed += 1;
                format!("FAILED: {e}")
            }
            (None, Some(step)) => {
                format!("ok, warning: bad reset after the spike at step {step}; later samples NaN")
            }
            (None, None) => "ok".into(),
        };
        if r.error.is_some() {
            eprintln!(
                "  {:>6}  {:>10}  {:>9}  {:>6}  {:>9}  {status}",
                r.number, "-", "-", "-", "-"
            );
        } else {
            eprintln!(
                "  {:>6}  {:>10}  {:>9.3e}  {:>6}  {:>9.3}  {status}",
                r.number, r.samples, r.dt, r.spikes, r.secs
            );
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
