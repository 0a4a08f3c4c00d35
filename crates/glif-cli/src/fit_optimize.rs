//! `glif fit --stage optimize` and `--stage all`: after preprocessing, each
//! level's `th_inf` coefficient tuned as AllenSDK's `optimize_neuron` tunes
//! it and (stage `all`) judged before and after
//! ([`glif_fit::cell::optimize_cell`]: `run_many(seed)` over forced-spike
//! runs on Noise 1, then explained variance on Noise 1 and Noise 2). This
//! layer shows progress and hands back the fitted levels; `fit.rs` writes
//! them (only after every level is done, so an interrupted fit writes no
//! config).

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
        let what = if opts.report {
            "Nelder-Mead restarts and EV evaluations"
        } else {
            "Nelder-Mead restarts"
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
