//! `glif fit --stage optimize`: after preprocessing, each level's `th_inf`
//! coefficient tuned as AllenSDK's `optimize_neuron` tunes it
//! ([`glif_fit::optimizer::optimize_levels_with`]: `run_many(seed)` over
//! forced-spike runs on Noise 1, or `--optimizer fast`), and with
//! `--extended` the extended fits judged beside it on Noise 2. This layer reloads Noise 1 at the fitting
//! step, shows progress and hands back the fitted configs; `fit.rs` writes
//! them (only after every level is done, so an interrupted fit writes no
//! config).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use glif_fit::configure::Level;
use glif_fit::filter::{load_sweep, LoadedSweep, DEFAULT_BESSEL_FREQ_HZ, DEFAULT_BESSEL_ORDER};
use glif_fit::optimizer::{optimize_levels_with, LevelJob, Optimizer};
use glif_fit::preprocess::RawSweep;
use glif_fit::FitError;

use crate::error::CliError;

/// One level's fit as `glif fit --stage optimize` reports it.
pub struct Fitted {
    /// The level.
    pub level: Level,
    /// The fitted `neuron_config`.
    pub config: serde_json::Value,
    /// Forced-spike evaluations (each one run per Noise 1 sweep).
    pub evaluations: usize,
    /// Forced-spike runs.
    pub forced_runs: usize,
    /// The MLIN error of the fitted coefficient at the finest multiplier.
    pub error: f64,
}

/// The Noise 1 currents at the fitting step, float32 as AllenSDK loads them.
pub fn load_noise1(
    noise1: &[u32],
    mut read: impl FnMut(u32) -> Result<RawSweep, FitError>,
    nwb: &Path,
) -> Result<Vec<Vec<f32>>, CliError> {
    Ok(load_fitting_step(noise1, &mut read, nwb)?
        .into_iter()
        .map(|s| s.current.iter().map(|&x| x as f32).collect())
        .collect())
}

/// The sweeps `numbers` loaded at the fitting step (filtered voltage,
/// averaged current).
pub fn load_fitting_step(
    numbers: &[u32],
    read: &mut dyn FnMut(u32) -> Result<RawSweep, FitError>,
    nwb: &Path,
) -> Result<Vec<LoadedSweep>, CliError> {
    let mut out = Vec::new();
    for &n in numbers {
        let raw = read(n).map_err(|e| CliError::input(e.to_string()))?;
        let s = load_sweep(
            &raw.voltage,
            &raw.current,
            raw.sampling_rate_hz,
            raw.index_range_start,
            glif_fit::preprocess::DEFAULT_DT,
            Some((DEFAULT_BESSEL_ORDER, DEFAULT_BESSEL_FREQ_HZ)),
        )
        .map_err(|e| CliError::input(format!("{}: sweep {n}: {e}", nwb.display())))?;
        out.push(s);
    }
    Ok(out)
}

/// The fitted configs of `configs` (each level's `{"neuron", "optimizer"}`),
/// in order, by `optimizer` on the Noise 1 `stimuli`; one summary line per
/// level printed by the caller.
pub fn optimize(
    configs: &[(Level, serde_json::Value)],
    stimuli: &[Vec<f32>],
    spikes: &[Vec<usize>],
    seed: u32,
    threads: usize,
    optimizer: Optimizer,
) -> Result<Vec<Fitted>, CliError> {
    let labels: Vec<String> = configs.iter().map(|(l, _)| l.label().to_string()).collect();
    let jobs: Vec<LevelJob<'_>> = configs
        .iter()
        .zip(&labels)
        .map(|((_, c), label)| LevelJob {
            label,
            neuron: &c["neuron"],
            optimizer: &c["optimizer"],
        })
        .collect();
    let restarts_done = AtomicUsize::new(0);
    let total: usize = configs
        .iter()
        .map(|(_, c)| {
            let o = &c["optimizer"];
            match optimizer {
                Optimizer::Allen => {
                    (o["outer_iterations"].as_u64().unwrap_or(0)
                        * o["inner_iterations"].as_u64().unwrap_or(0)) as usize
                }
                Optimizer::Fast => 1,
            }
        })
        .sum();
    let unit = match optimizer {
        Optimizer::Allen => "Nelder-Mead restarts",
        Optimizer::Fast => "levels",
    };
    let bar = crate::common::progress_enabled().then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} optimize [{{bar:40}}] {{human_pos}}/{{human_len}} {unit}, {{eta}} left"
        )) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let progress = |_: &str, _: usize, _: usize| {
        restarts_done.fetch_add(1, Ordering::Relaxed);
        if let Some(b) = &bar {
            b.inc(1);
        }
        true
    };
    let fits = optimize_levels_with(&jobs, stimuli, spikes, seed, threads, optimizer, &progress)
        .map_err(|e| CliError::input(e.to_string()))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    Ok(configs
        .iter()
        .zip(fits)
        .map(|((l, _), f)| Fitted {
            level: *l,
            evaluations: f.result.evaluations.len(),
            forced_runs: f.forced_runs,
            error: f.error,
            config: f.config,
        })
        .collect())
}

/// `--extended`: each fitted level's extended fit
/// ([`glif_fit::extended::fit_extended`], from its Allen-settings optimum)
/// and both configs judged on Noise 1 and Noise 2, as JSON for the summary
/// file: `(level, extended config, record)`; levels with nothing beyond
/// `th_inf` to tune (GLIF1) have none. A model that cannot be run
/// on a noise stimulus is recorded with its error, never left out.
pub fn extended(
    configs: &[(Level, serde_json::Value)],
    fitted: &[Fitted],
    stimuli: &[Vec<f32>],
    spikes: &[Vec<usize>],
    noise: &[(&str, Vec<LoadedSweep>)],
) -> Result<Vec<(Level, serde_json::Value, serde_json::Value)>, CliError> {
    use glif_fit::extended::{fit_extended, judge, ExtendedOptions};
    use serde_json::json;
    let ev = |c: &serde_json::Value, sweeps: &[LoadedSweep]| match judge(c, sweeps) {
        Ok(e) => json!({"ev_data": e.ev_data, "ev_model": e.ev_model, "ratio": e.ratio}),
        Err(e) => json!({"error": e.to_string()}),
    };
    let mut out = Vec::new();
    for ((level, c), f) in configs.iter().zip(fitted) {
        if glif_fit::extended::extended_parameters(&c["neuron"]).len() < 2 {
            continue; // GLIF1: nothing beyond th_inf to tune
        }
        let th_inf = f.config["coeffs"]["th_inf"].as_f64().unwrap_or(1.0);
        let data = glif_fit::optimizer::mlin_data(&c["optimizer"])
            .map_err(|e| CliError::input(e.to_string()))?;
        let x = fit_extended(
            &c["neuron"],
            data,
            stimuli,
            spikes,
            th_inf,
            &ExtendedOptions::default(),
        )
        .map_err(|e| CliError::input(format!("{}: extended fit: {e}", level.label())))?;
        let mut judged = serde_json::Map::new();
        for (name, sweeps) in noise {
            judged.insert(
                format!("ev_{name}"),
                json!({"allen_settings": ev(&f.config, sweeps), "extended": ev(&x.config, sweeps)}),
            );
        }
        let params: serde_json::Map<String, serde_json::Value> = x
            .names
            .iter()
            .zip(&x.params)
            .map(|(n, v)| (n.clone(), json!(v)))
            .collect();
        let mut record = json!({
            "parameters": params,
            "mlin_noise1": {"allen_settings": x.start_error, "extended": x.error},
            "dt_multiplier": ExtendedOptions::default().dt_multiplier,
            "evaluations": x.evaluations,
            "forced_runs": x.forced_runs,
            "converged": x.converged,
        });
        for (k, v) in judged {
            record[k] = v;
        }
        out.push((*level, x.config, record));
    }
    Ok(out)
}
