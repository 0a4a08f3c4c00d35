//! The fit report (issue 22 item 5): for each fitted level, the explained
//! variance of spike times on Noise 1 and Noise 2 before optimization (the
//! starting config, every coefficient 1) and after (the fitted config),
//! as Teeter et al. (2018) computed it ([`crate::ev`]: Gaussian sigma
//! 10 ms, the model run at the fitting step on the first repeat's current,
//! compared with every repeat's recorded spikes), beside the `th_inf`
//! coefficient at the start and fitted, the optimizer's number of
//! forced-spike evaluations and the seconds it took; and the data behind
//! the report's figures (recorded against model rasters on Noise 2, the
//! model's voltage and threshold over a stretch of Noise 1).
//!
//! Every value is computed here, so the `glif fit` command and the Python
//! package `glif_rs.fit` report the same numbers; [`LevelReport::to_json`]
//! is what both write (`report.json`, the Python dicts).

use serde_json::{json, Value};

use crate::ev::{explained_variance, ExplainedVariance, TEETER_SIGMA};
use crate::evaluate::{model_spike_steps, runnable_config};
use crate::filter::LoadedSweep;
use crate::FitError;

/// One config judged on one noise stimulus.
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseEv {
    /// Explained variance (`ev_data`, `ev_model`, `ratio`), sigma 10 ms.
    pub ev: ExplainedVariance,
    /// The model's spike steps (at the fitting step) on the first repeat's
    /// current.
    pub model_spikes: Vec<usize>,
}

impl NoiseEv {
    fn to_json(&self) -> Value {
        json!({
            "ev_data": self.ev.ev_data,
            "ev_model": self.ev.ev_model,
            "ratio": self.ev.ratio,
            "model_spike_time_steps": self.model_spikes,
        })
    }
}

/// One row of the report: one level before and after optimization.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelReport {
    /// The level, e.g. `GLIF3`.
    pub level: String,
    /// The starting config on Noise 1 (the optimizer's training stimulus).
    pub noise1_before: NoiseEv,
    /// The starting config on Noise 2 (held out).
    pub noise2_before: NoiseEv,
    /// The fitted config on Noise 1.
    pub noise1_after: NoiseEv,
    /// The fitted config on Noise 2.
    pub noise2_after: NoiseEv,
    /// The `th_inf` coefficient of the starting config (1).
    pub th_inf_coeff_start: f64,
    /// The fitted `th_inf` coefficient (the optimizer's best).
    pub th_inf_coeff_fitted: f64,
    /// `th_inf` (V above rest) times the fitted coefficient: the fitted
    /// model's threshold at rest.
    pub th_inf_fitted: f64,
    /// Forced-spike evaluations of the error function the optimizer made.
    pub evaluations: usize,
    /// Wall-clock seconds of the level's optimization.
    pub optimize_seconds: f64,
    /// Wall-clock seconds of the four explained-variance evaluations.
    pub evaluate_seconds: f64,
}

impl LevelReport {
    /// The row as JSON (`report.json`'s `levels` entries, the Python
    /// dicts): the four EVs (each `ev_data`, `ev_model`, `ratio`,
    /// `model_spike_time_steps`) under `noise1_before`, `noise2_before`,
    /// `noise1_after`, `noise2_after`, and `th_inf_coeff_start`,
    /// `th_inf_coeff_fitted`, `th_inf_fitted` (V), `evaluations`,
    /// `optimize_seconds`, `evaluate_seconds`.
    pub fn to_json(&self) -> Value {
        json!({
            "level": self.level,
            "noise1_before": self.noise1_before.to_json(),
            "noise2_before": self.noise2_before.to_json(),
            "noise1_after": self.noise1_after.to_json(),
            "noise2_after": self.noise2_after.to_json(),
            "th_inf_coeff_start": self.th_inf_coeff_start,
            "th_inf_coeff_fitted": self.th_inf_coeff_fitted,
            "th_inf_fitted": self.th_inf_fitted,
            "evaluations": self.evaluations,
            "optimize_seconds": self.optimize_seconds,
            "evaluate_seconds": self.evaluate_seconds,
        })
    }
}

/// The noise sweeps a report judges on, loaded at the fitting step, with
/// their recorded spikes (AllenSDK's `find_spikes_list` with the default
/// settings, [`crate::spikes::threshold_indices`]).
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseSweeps {
    /// The Noise 1 sweep numbers.
    pub noise1_numbers: Vec<u32>,
    /// Noise 1's repeats.
    pub noise1: Vec<LoadedSweep>,
    /// The recorded spike indices of each Noise 1 repeat.
    pub noise1_spikes: Vec<Vec<usize>>,
    /// The Noise 2 sweep numbers.
    pub noise2_numbers: Vec<u32>,
    /// Noise 2's repeats.
    pub noise2: Vec<LoadedSweep>,
    /// The recorded spike indices of each Noise 2 repeat.
    pub noise2_spikes: Vec<Vec<usize>>,
}

impl NoiseSweeps {
    /// The sweep numbers and recorded spikes as JSON (`report.json`'s
    /// `recordings`): `dt_s`, `sigma_s`, and per stimulus `sweeps` and
    /// `recorded_spike_indices`.
    pub fn to_json(&self) -> Value {
        json!({
            "dt_s": self.noise1.first().map_or(crate::preprocess::DEFAULT_DT, |s| s.dt),
            "sigma_s": TEETER_SIGMA,
            "noise1": {"sweeps": self.noise1_numbers, "recorded_spike_indices": self.noise1_spikes},
            "noise2": {"sweeps": self.noise2_numbers, "recorded_spike_indices": self.noise2_spikes},
        })
    }
}

/// The explained variance of `config` (a `neuron_config` at the fitting
/// step) on one noise stimulus, as [`crate::evaluate::evaluate_on_noise`]
/// computes it, with the recorded spikes already found.
pub fn noise_ev(
    config: &Value,
    sweeps: &[LoadedSweep],
    recorded: &[Vec<usize>],
) -> Result<NoiseEv, FitError> {
    let cfg = runnable_config(config)?;
    let Some(first) = sweeps.first() else {
        return Err(FitError::invalid(
            "noise sweeps",
            0.0,
            "at least one repeat",
        ));
    };
    if cfg.dt != first.dt {
        return Err(FitError::invalid(
            "the config's dt (s)",
            cfg.dt,
            &format!(
                "the loaded sweeps' step {:e} s (the model's and the recording's spikes must be on one grid)",
                first.dt
            ),
        ));
    }
    let model = model_spike_steps(&cfg, &first.current, None)?;
    let ev = explained_variance(
        recorded,
        std::slice::from_ref(&model),
        first.dt,
        TEETER_SIGMA,
        first.current.len(),
    )?;
    Ok(NoiseEv {
        ev,
        model_spikes: model,
    })
}

/// Number of explained-variance evaluations [`evaluate_level`] makes (and
/// reports to its `step` callback): Noise 1 and Noise 2, before and after.
pub const EVALUATIONS_PER_LEVEL: usize = 4;

/// What the optimizer did for one level, for its report row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimizerSummary {
    /// Forced-spike evaluations of the error function.
    pub evaluations: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// The report row of `level`: its `start` and `fitted` `neuron_config`s
/// judged on `noise`'s Noise 1 and Noise 2. `step()` is called after each
/// of the [`EVALUATIONS_PER_LEVEL`] evaluations and stops the report by
/// returning `false` (an error saying so).
pub fn evaluate_level(
    level: &str,
    start: &Value,
    fitted: &Value,
    noise: &NoiseSweeps,
    optimizer: OptimizerSummary,
    step: &mut dyn FnMut() -> bool,
) -> Result<LevelReport, FitError> {
    let t0 = std::time::Instant::now();
    let named = |what: &str, e: FitError| {
        FitError::undetermined(&format!("{level} {what}"), &e.to_string())
    };
    let mut one = |config: &Value, what: &str, sweeps: &[LoadedSweep], spikes: &[Vec<usize>]| {
        let r = noise_ev(config, sweeps, spikes).map_err(|e| named(what, e))?;
        if !step() {
            return Err(FitError::undetermined("fit report", "stopped"));
        }
        Ok::<NoiseEv, FitError>(r)
    };
    let noise1_before = one(
        start,
        "starting config on Noise 1",
        &noise.noise1,
        &noise.noise1_spikes,
    )?;
    let noise2_before = one(
        start,
        "starting config on Noise 2",
        &noise.noise2,
        &noise.noise2_spikes,
    )?;
    let noise1_after = one(
        fitted,
        "fitted config on Noise 1",
        &noise.noise1,
        &noise.noise1_spikes,
    )?;
    let noise2_after = one(
        fitted,
        "fitted config on Noise 2",
        &noise.noise2,
        &noise.noise2_spikes,
    )?;
    let coeff = |c: &Value| c["coeffs"]["th_inf"].as_f64().unwrap_or(1.0);
    let th_inf = fitted["th_inf"].as_f64().ok_or_else(|| {
        FitError::undetermined(
            &format!("{level} fitted config"),
            "has no number th_inf (V)",
        )
    })?;
    Ok(LevelReport {
        level: level.to_string(),
        noise1_before,
        noise2_before,
        noise1_after,
        noise2_after,
        th_inf_coeff_start: coeff(start),
        th_inf_coeff_fitted: coeff(fitted),
        th_inf_fitted: th_inf * coeff(fitted),
        evaluations: optimizer.evaluations,
        optimize_seconds: optimizer.seconds,
        evaluate_seconds: t0.elapsed().as_secs_f64(),
    })
}

/// The data of the report's voltage figure: a fitted model's voltage and
/// threshold over a stretch of a Noise 1 repeat, beside the recording.
#[derive(Clone, Debug, PartialEq)]
pub struct Stretch {
    /// The step, s.
    pub dt: f64,
    /// The stretch's first sample (an index into the sweep at `dt`).
    pub start: usize,
    /// The recorded membrane voltage, V (as loaded: filtered, at `dt`).
    pub recorded_voltage: Vec<f64>,
    /// The model's voltage, V (NaN inside spike cuts, as AllenSDK records
    /// it), `El_reference` added.
    pub model_voltage: Vec<f64>,
    /// The model's threshold, V, `El_reference` added.
    pub model_threshold: Vec<f64>,
    /// The recorded spike indices inside the stretch (relative to `start`).
    pub recorded_spikes: Vec<usize>,
    /// The model's spike steps inside the stretch (relative to `start`).
    pub model_spikes: Vec<usize>,
}

/// `config` (a fitted `neuron_config`) run on `sweep`'s current from its
/// start, its voltage and threshold kept for `seconds` from `start_s`
/// seconds into the sweep (clipped to the sweep), with the recorded
/// voltage and `recorded_spikes` (indices into the sweep) of that
/// stretch. The model works relative to rest (`El` 0); its values are
/// shifted by the config's `El_reference` to compare with the recording.
pub fn noise1_stretch(
    config: &Value,
    sweep: &LoadedSweep,
    recorded_spikes: &[usize],
    start_s: f64,
    seconds: f64,
) -> Result<Stretch, FitError> {
    let cfg = runnable_config(config)?;
    let n = sweep.current.len();
    if !(start_s >= 0.0 && seconds > 0.0 && start_s.is_finite() && seconds.is_finite()) {
        return Err(FitError::invalid(
            "stretch start (s)",
            start_s,
            "a start >= 0 s and a positive length",
        ));
    }
    let start = ((start_s / sweep.dt) as usize).min(n);
    let end = (start + (seconds / sweep.dt) as usize).min(n);
    if end <= start {
        return Err(FitError::invalid(
            "stretch start (s)",
            start_s,
            &format!("a time inside the sweep ({} s long)", n as f64 * sweep.dt),
        ));
    }
    let model = glif_io::AnyModel::<f64>::new(&cfg)
        .map_err(|e| FitError::undetermined("the model to plot", &e.to_string()))?;
    let run = model.run_result(&sweep.current[..end]);
    if let glif_io::RunEnd::Failed(e) = &run.end {
        return Err(FitError::undetermined(
            "the model's run on Noise 1",
            &e.to_string(),
        ));
    }
    let el = config["El_reference"].as_f64().unwrap_or(0.0);
    let inside = |i: &usize| (start..end).contains(i);
    Ok(Stretch {
        dt: sweep.dt,
        start,
        recorded_voltage: sweep.voltage[start..end].to_vec(),
        model_voltage: run.voltage[start..end].iter().map(|v| v + el).collect(),
        model_threshold: run.threshold[start..end].iter().map(|v| v + el).collect(),
        recorded_spikes: recorded_spikes
            .iter()
            .filter(|i| inside(i))
            .map(|i| i - start)
            .collect(),
        model_spikes: run
            .spikes
            .iter()
            .map(|s| s.step)
            .filter(inside)
            .map(|i| i - start)
            .collect(),
    })
}

/// The length of the report's Noise 1 stretch, s.
pub const STRETCH_SECONDS: f64 = 0.5;

/// Where the report's Noise 1 stretch starts, s from the sweep's start:
/// 0.1 s before the first recorded spike of the first repeat (the
/// suprathreshold part of the stimulus), or at the stimulus start when the
/// repeat has no spike.
pub fn stretch_start_s(noise: &NoiseSweeps) -> f64 {
    let Some(first) = noise.noise1.first() else {
        return 0.0;
    };
    match noise.noise1_spikes.first().and_then(|s| s.first()) {
        Some(&i) => (i as f64 * first.dt - 0.1).max(0.0),
        None => first.start_idx as f64 * first.dt,
    }
}
