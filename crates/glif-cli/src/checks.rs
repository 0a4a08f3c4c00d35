//! Prints what glif-io's sanity checks ([`glif_io::run`]) find, and turns
//! a diverging time step into an input error unless the user insists.

use glif_io::batch::Entry;
use glif_io::run::{self, Range};
use glif_io::NeuronConfig;
use indicatif::ProgressBar;

use crate::error::CliError;

/// The flag that runs a diverging time step anyway.
pub const ALLOW_FLAG: &str = "--allow-unstable-dt";

/// Refuses a `dt` (s) at which forward Euler diverges for `config` (exit
/// status 2, the message starting with `what`, e.g. `--dt`) unless `allow`;
/// then, or when the step only overshoots, warns.
pub fn dt(config: &NeuronConfig, dt: f64, allow: bool, what: &str) -> Result<(), CliError> {
    if let Some(why) = run::unstable_dt(config, dt) {
        if !allow {
            return Err(CliError::input(format!(
                "{what}: {why}; give {ALLOW_FLAG} to run it anyway"
            )));
        }
        eprintln!("glif: warning: {why} (running anyway: {ALLOW_FLAG})");
        return Ok(());
    }
    let mut at = config.clone();
    at.dt = dt;
    if let Some(w) = at.euler_warning() {
        eprintln!("glif: warning: {w}");
    }
    Ok(())
}

/// Warns about a stimulus of `len` samples at `dt` whose magnitude looks
/// like pA or whose duration looks wrong; returns its range in pA for the
/// summary (`"empty"` for no samples).
pub fn stimulus(
    range: Option<Range>,
    len: usize,
    dt: f64,
    config: Option<&NeuronConfig>,
) -> String {
    duration(len, dt);
    if let Some(r) = &range {
        pa(r, config, None);
    }
    range_in_pa(range)
}

/// Warns about a stimulus of `len` samples at `dt` whose duration looks
/// wrong for its sampling interval.
pub fn duration(len: usize, dt: f64) {
    if let Some(w) = run::duration_warning(len, dt) {
        eprintln!("glif: warning: {w}");
    }
}

/// Warns when a stimulus of range `range` looks like pA for `config`
/// (above the progress bar `bar`, when one is drawn); true when it warned.
pub fn pa(range: &Range, config: Option<&NeuronConfig>, bar: Option<&ProgressBar>) -> bool {
    let Some(w) = run::pa_warning(range, config) else {
        return false;
    };
    match bar {
        Some(b) => b.suspend(|| eprintln!("glif: warning: {w}")),
        None => eprintln!("glif: warning: {w}"),
    }
    true
}

/// The range in pA for summaries; `"empty"` for no samples.
pub fn range_in_pa(range: Option<Range>) -> String {
    match range {
        Some(r) => r.in_pa(),
        None => "empty".into(),
    }
}

/// The checks of `glif batch` before it runs: refuses a `dt` at which any
/// model's forward Euler diverges (unless `allow`), warns about a stimulus
/// that looks like pA for any model, and appends the stimulus range (pA) to
/// its description.
pub fn batch(
    entries: &[Entry],
    stim: &mut crate::stimulus::Stim,
    dt: f64,
    allow: bool,
) -> Result<(), CliError> {
    let configs: Vec<&NeuronConfig> = entries
        .iter()
        .filter_map(|e| e.config.as_ref().ok())
        .collect();
    let unstable: Vec<(&str, String)> = entries
        .iter()
        .filter_map(|e| {
            let c = e.config.as_ref().ok()?;
            Some((e.name.as_str(), run::unstable_dt(c, dt)?))
        })
        .collect();
    if let Some((name, why)) = unstable.first() {
        let msg = format!(
            "{name} (and {} more of {} models): {why}",
            unstable.len() - 1,
            configs.len()
        );
        if !allow {
            return Err(CliError::input(format!(
                "--dt: {msg}; give {ALLOW_FLAG} to run it anyway"
            )));
        }
        eprintln!("glif: warning: {msg} (running anyway: {ALLOW_FLAG})");
    }
    let range = Range::of(&stim.samples);
    if let Some(w) = run::duration_warning(stim.samples.len(), dt) {
        eprintln!("glif: warning: {w}");
    }
    if let Some(r) = range {
        let flagged: Vec<String> = configs
            .iter()
            .filter_map(|c| run::pa_warning(&r, Some(c)))
            .collect();
        match (flagged.first(), run::pa_warning(&r, None)) {
            (_, Some(w)) => eprintln!("glif: warning: {w}"),
            (Some(w), None) => eprintln!(
                "glif: warning: for {} of {} models, {w}",
                flagged.len(),
                configs.len()
            ),
            (None, None) => {}
        }
        stim.describe = format!("{} (range {})", stim.describe, r.in_pa());
    }
    Ok(())
}
