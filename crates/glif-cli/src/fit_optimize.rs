//! `glif fit --stage optimize`: after preprocessing, each level's `th_inf`
//! coefficient tuned as AllenSDK's `optimize_neuron` tunes it
//! ([`glif_fit::optimizer::optimize_levels`]: `run_many(seed)` over
//! forced-spike runs on Noise 1). This layer reloads Noise 1 at the fitting
//! step, shows progress and hands back the fitted configs; `fit.rs` writes
//! them (only after every level is done, so an interrupted fit writes no
//! config).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use glif_fit::configure::Level;
use glif_fit::filter::{load_sweep, DEFAULT_BESSEL_FREQ_HZ, DEFAULT_BESSEL_ORDER};
use glif_fit::optimizer::{optimize_levels, LevelJob};
use glif_fit::preprocess::RawSweep;
use glif_fit::FitError;

use crate::error::CliError;

/// The fitted configs (`(level, neuron_config)`) of `configs` (each level's
/// `{"neuron", "optimizer"}`), in order; one summary line per level printed
/// by the caller from the returned evaluation counts.
pub fn optimize(
    configs: &[(Level, serde_json::Value)],
    noise1: &[u32],
    spikes: &[Vec<usize>],
    mut read: impl FnMut(u32) -> Result<RawSweep, FitError>,
    seed: u32,
    threads: usize,
    nwb: &Path,
) -> Result<Vec<(Level, serde_json::Value, usize)>, CliError> {
    let mut stimuli = Vec::new();
    for &n in noise1 {
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
        stimuli.push(s.current.iter().map(|&x| x as f32).collect::<Vec<f32>>());
    }
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
            (o["outer_iterations"].as_u64().unwrap_or(0)
                * o["inner_iterations"].as_u64().unwrap_or(0)) as usize
        })
        .sum();
    let bar = crate::common::progress_enabled().then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} optimize [{bar:40}] {human_pos}/{human_len} Nelder-Mead restarts, {eta} left",
        ) {
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
    let fits = optimize_levels(&jobs, &stimuli, spikes, seed, threads, &progress)
        .map_err(|e| CliError::input(e.to_string()))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    Ok(configs
        .iter()
        .zip(fits)
        .map(|((l, _), f)| (*l, f.config, f.result.evaluations.len()))
        .collect())
}
