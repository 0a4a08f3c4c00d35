//! `glif ev`: explained variance of spike times (Teeter et al. 2018), a
//! thin layer over [`glif_fit::ev`] and [`glif_fit::evaluate`].
//!
//! Two forms: two spike-train files (any recorded and model trains), or
//! (feature `nwb`) a neuron config judged on a cell's Noise 1 and Noise 2
//! sweeps as the Allen pipeline judged it.
//!
//! Spike-train file: a JSON array with one array per train, each holding
//! that train's spike times in seconds from the start of the stimulus,
//! e.g. `[[0.1021, 0.2534], [], [0.1019]]`; an empty array is a train
//! without spikes. Every train has the same duration (`--duration`).

use std::path::{Path, PathBuf};

use clap::Args;
use glif_fit::ev::{explained_variance, steps_for_duration, trains_to_indices, TEETER_SIGMA};
use serde_json::{json, Value};

use crate::error::CliError;

const EV_AFTER: &str = "\
Examples:
  glif ev --recorded recorded.json --model model.json --dt 5e-5 --duration 11.8
  glif ev --config GLIF3_neuron_config.json --nwb cell.nwb --sweeps ephys_sweeps.json

Spike-train files are JSON: one array of spike times (seconds from the stimulus start) per
train, e.g. [[0.1021, 0.2534], [], [0.1019]]. Each train becomes a binary train of
duration/dt samples (a spike at sample int(t / dt)), convolved with a Gaussian of standard
deviation --sigma (10 ms, a window of 10 sigma), as Teeter et al. (2018) computed it. Prints JSON:
ev_data (the recorded trains' PSTH against each of them: how repeatable the recording is),
ev_model (every model train against every recorded train) and ratio = ev_model / ev_data.

With --config (a glif built with the nwb feature): the model's own spikes on the first repeat
of the cell's Noise 1 and of its Noise 2 (at the config's dt, which must be the 50 us fitting
step), against the spikes found in every repeat; per stimulus the three values, the model's
spike steps and the recorded spike indices. docs/FITTING.md describes the measure.";

/// Explained variance of spike times: model spike trains against recorded ones.
#[derive(Args, Debug)]
#[command(after_help = EV_AFTER)]
pub struct EvArgs {
    /// Recorded spike trains (JSON: one array of spike times in seconds per train).
    #[arg(long, value_name = "FILE", requires_all = ["model", "dt", "duration"], conflicts_with = "config")]
    pub recorded: Option<PathBuf>,
    /// Model spike trains (same format).
    #[arg(long, value_name = "FILE", requires = "recorded")]
    pub model: Option<PathBuf>,
    /// The time grid the spike times are binned on, s.
    #[arg(long, value_name = "S")]
    pub dt: Option<f64>,
    /// The trains' duration (the stimulus's), s: a whole number of dt.
    #[arg(long, value_name = "S")]
    pub duration: Option<f64>,
    /// The Gaussian's standard deviation, s.
    #[arg(long, value_name = "S", default_value_t = TEETER_SIGMA, conflicts_with = "config")]
    pub sigma: f64,
    /// A neuron config to judge on a cell's Noise 1 and Noise 2 (needs --nwb and --sweeps).
    #[arg(long, value_name = "FILE", requires_all = ["nwb", "sweeps"])]
    pub config: Option<PathBuf>,
    /// The cell's Allen NWB 1.x file (with --config).
    #[arg(long, value_name = "CELL.nwb", requires = "config")]
    pub nwb: Option<PathBuf>,
    /// The cell's ephys_sweeps.json (with --config).
    #[arg(long, value_name = "FILE", requires = "config")]
    pub sweeps: Option<PathBuf>,
}

/// Reads a spike-train file: a JSON array of arrays of times (s).
fn read_trains(path: &Path) -> Result<Vec<Vec<f64>>, CliError> {
    let bad = |why: String| CliError::input(format!("{}: {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let trains = value.as_array().ok_or_else(|| {
        bad("expected a JSON array of spike trains (each an array of spike times in seconds), e.g. [[0.1, 0.25], []]".into())
    })?;
    if trains.is_empty() {
        return Err(bad("holds no spike train: expected at least one".into()));
    }
    trains
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let t = t.as_array().ok_or_else(|| {
                bad(format!(
                    "train [{i}] is {t}: expected an array of spike times in seconds"
                ))
            })?;
            t.iter()
                .enumerate()
                .map(|(k, x)| {
                    x.as_f64().ok_or_else(|| {
                        bad(format!(
                            "train [{i}] spike [{k}] is {x}: expected a time in seconds"
                        ))
                    })
                })
                .collect()
        })
        .collect()
}

fn print(v: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("JSON values serialise")
    );
}

/// Runs `glif ev`; returns the exit status.
pub fn run(a: EvArgs) -> Result<u8, CliError> {
    if let Some(config) = &a.config {
        return run_config(&a, config);
    }
    let (Some(rec), Some(model), Some(dt), Some(duration)) =
        (&a.recorded, &a.model, a.dt, a.duration)
    else {
        return Err(CliError::input(
            "glif ev needs --recorded, --model, --dt and --duration (or --config, --nwb and --sweeps)",
        ));
    };
    let steps = steps_for_duration(duration, dt).map_err(|e| CliError::input(e.to_string()))?;
    let recorded = trains_to_indices(&read_trains(rec)?, dt, steps, "recorded")
        .map_err(|e| CliError::input(format!("{}: {e}", rec.display())))?;
    let modelled = trains_to_indices(&read_trains(model)?, dt, steps, "model")
        .map_err(|e| CliError::input(format!("{}: {e}", model.display())))?;
    let ev = explained_variance(&recorded, &modelled, dt, a.sigma, steps)
        .map_err(|e| CliError::input(e.to_string()))?;
    print(&json!({
        "ev_data": ev.ev_data,
        "ev_model": ev.ev_model,
        "ratio": ev.ratio,
        "sigma_s": a.sigma,
        "dt_s": dt,
        "steps": steps,
        "recorded_trains": recorded.len(),
        "model_trains": modelled.len(),
    }));
    Ok(0)
}

#[cfg(not(feature = "nwb"))]
fn run_config(_: &EvArgs, _: &Path) -> Result<u8, CliError> {
    Err(CliError::input(
        "glif ev --config reads the cell's NWB file, and this glif was built without NWB support \
         (the `nwb` feature): build it with `cargo install --path crates/glif-cli --features nwb` \
         (needs the HDF5 library: Debian/Ubuntu `sudo apt-get install libhdf5-dev pkg-config`)",
    ))
}

#[cfg(feature = "nwb")]
fn run_config(a: &EvArgs, config: &Path) -> Result<u8, CliError> {
    use glif_fit::evaluate::{evaluate_on_noise, runnable_config};
    use glif_fit::filter::{load_sweep, DEFAULT_BESSEL_FREQ_HZ, DEFAULT_BESSEL_ORDER};
    use glif_fit::recordings::{check_sampling_rate, check_sweep, NwbRecordings, Recordings};
    use glif_fit::sweeps::{parse_sweep_table, select};

    let (nwb, sweeps) = (
        a.nwb.as_deref().expect("clap requires --nwb"),
        a.sweeps.as_deref().expect("clap requires --sweeps"),
    );
    let text = std::fs::read_to_string(config)
        .map_err(|e| CliError::input(format!("{}: {e}", config.display())))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::input(format!("{}: not JSON: {e}", config.display())))?;
    let cfg = runnable_config(&value)
        .map_err(|e| CliError::input(format!("{}: {e}", config.display())))?;
    let table_text = std::fs::read_to_string(sweeps)
        .map_err(|e| CliError::input(format!("{}: {e}", sweeps.display())))?;
    let table = parse_sweep_table(&table_text)
        .map_err(|e| CliError::input(format!("{}: {e}", sweeps.display())))?;
    let selection =
        select(&table).map_err(|e| CliError::input(format!("{}: {e}", sweeps.display())))?;
    let rec = NwbRecordings::open(nwb).map_err(|e| CliError::input(e.to_string()))?;
    let source = rec.name();
    let mut out = serde_json::Map::new();
    for (name, numbers) in [("noise1", &selection.noise1), ("noise2", &selection.noise2)] {
        let mut loaded = Vec::with_capacity(numbers.len());
        for &n in numbers {
            let raw = rec
                .read(n)
                .and_then(|raw| {
                    check_sampling_rate(&source, n, raw.sampling_rate_hz)?;
                    check_sweep(&source, n, &raw)?;
                    Ok(raw)
                })
                .map_err(|e| CliError::input(e.to_string()))?;
            loaded.push(
                load_sweep(
                    &raw.voltage,
                    &raw.current,
                    raw.sampling_rate_hz,
                    raw.index_range_start,
                    cfg.dt,
                    Some((DEFAULT_BESSEL_ORDER, DEFAULT_BESSEL_FREQ_HZ)),
                )
                .map_err(|e| CliError::input(format!("{}: sweep {n}: {e}", nwb.display())))?,
            );
        }
        let e = evaluate_on_noise(&cfg, &loaded, None)
            .map_err(|e| CliError::input(format!("{name}: {e}")))?;
        out.insert(
            name.into(),
            json!({
                "sweeps": numbers,
                "ev_data": e.ev.ev_data,
                "ev_model": e.ev.ev_model,
                "ratio": e.ev.ratio,
                "model_spike_time_steps": e.model,
                "recorded_spike_indices": e.recorded,
            }),
        );
    }
    out.insert("sigma_s".into(), json!(TEETER_SIGMA));
    out.insert("dt_s".into(), json!(cfg.dt));
    print(&Value::Object(out));
    Ok(0)
}
