//! `glif fit --stage optimize` and `--stage all`: after preprocessing, each
//! level's `th_inf` coefficient tuned as AllenSDK's `optimize_neuron` tunes
//! it and (stage `all`) judged before and after
//! ([`glif_fit::cell::optimize_cell`]: `run_many(seed)` over forced-spike
//! runs on Noise 1, then explained variance on Noise 1 and Noise 2). This
//! layer shows progress and hands back the fitted levels; `fit.rs` writes
//! them (only after every level is done, so an interrupted fit writes no
//! config). `--optimizer fast` is glif-fit's [`glif_fit::fast`], and
//! `--extended` ([`extended`]) glif-fit's [`glif_fit::extended`] fits
//! judged beside the Allen-settings ones on Noise 1 and Noise 2.

use glif_fit::cell::{optimize_cell, total_steps, FittedLevel, OptimizeOptions, Step};
use glif_fit::configure::Level;
use glif_fit::report::NoiseSweeps;

use crate::error::CliError;

/// The fitted levels of `configs` (each level's starting `{"neuron",
/// "optimizer"}`), in order, with a progress bar counting the optimizer's
/// restarts and (with `opts.report`) the four explained-variance
/// evaluations of each level.
pub fn optimize(
    configs: &[(Level, serde_json::Value)],
    noise: &NoiseSweeps,
    opts: &OptimizeOptions,
) -> Result<Vec<FittedLevel>, CliError> {
    let total = total_steps(configs, opts);
    let bar = crate::common::progress_enabled().then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        let what = match (opts.optimizer, opts.report) {
            (glif_fit::optimizer::Optimizer::Allen, true) => {
                "Nelder-Mead restarts and EV evaluations"
            }
            (glif_fit::optimizer::Optimizer::Allen, false) => "Nelder-Mead restarts",
            (glif_fit::optimizer::Optimizer::Fast, true) => "levels and EV evaluations",
            (glif_fit::optimizer::Optimizer::Fast, false) => "levels",
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} fit [{{bar:40}}] {{human_pos}}/{{human_len}} {what} ({{msg}}), {{eta}} left"
        )) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let progress = |step: Step<'_>| {
        if let Some(b) = &bar {
            b.set_message(match step {
                Step::Restart(l) => format!("{l} optimized"),
                Step::Evaluation(l) => format!("{l} evaluated"),
            });
            b.inc(1);
        }
        true
    };
    let fits = optimize_cell(configs, noise, opts, &progress)
        .map_err(|e| CliError::input(e.to_string()))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    Ok(fits)
}

/// `--extended`: each fitted level's extended fit
/// ([`glif_fit::extended::fit_extended`], from its Allen-settings optimum)
/// and both configs judged on Noise 1 and Noise 2, as JSON for the summary
/// file: `(level, extended config, record)`; levels with nothing beyond
/// `th_inf` to tune (GLIF1) have none. A model that cannot be run on a
/// noise stimulus is recorded with its error, never left out.
pub fn extended(
    configs: &[(Level, serde_json::Value)],
    fitted: &[FittedLevel],
    noise: &NoiseSweeps,
) -> Result<Vec<(Level, serde_json::Value, serde_json::Value)>, CliError> {
    use glif_fit::extended::{fit_extended, judge, ExtendedOptions};
    use serde_json::json;
    let ev =
        |c: &serde_json::Value, sweeps: &[glif_fit::filter::LoadedSweep]| match judge(c, sweeps) {
            Ok(e) => json!({"ev_data": e.ev_data, "ev_model": e.ev_model, "ratio": e.ratio}),
            Err(e) => json!({"error": e.to_string()}),
        };
    let stimuli: Vec<Vec<f32>> = noise
        .noise1
        .iter()
        .map(|s| s.current.iter().map(|&x| x as f32).collect())
        .collect();
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
            &stimuli,
            &noise.noise1_spikes,
            th_inf,
            &ExtendedOptions::default(),
        )
        .map_err(|e| CliError::input(format!("{}: extended fit: {e}", level.label())))?;
        let params: serde_json::Map<String, serde_json::Value> = x
            .names
            .iter()
            .zip(&x.params)
            .map(|(n, v)| (n.clone(), json!(v)))
            .collect();
        let record = json!({
            "parameters": params,
            "mlin_noise1": {"allen_settings": x.start_error, "extended": x.error},
            "dt_multiplier": ExtendedOptions::default().dt_multiplier,
            "evaluations": x.evaluations,
            "forced_runs": x.forced_runs,
            "converged": x.converged,
            "ev_noise1": {"allen_settings": ev(&f.config, &noise.noise1), "extended": ev(&x.config, &noise.noise1)},
            "ev_noise2": {"allen_settings": ev(&f.config, &noise.noise2), "extended": ev(&x.config, &noise.noise2)},
        });
        out.push((*level, x.config, record));
    }
    Ok(out)
}
