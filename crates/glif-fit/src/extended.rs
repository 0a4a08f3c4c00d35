//! Extended fits, beyond the Allen pipeline: more than the `th_inf`
//! coefficient tuned on Noise 1 with the Allen optimizer's own error (the
//! MLIN error of forced-spike runs, [`crate::mlin`], at the finest
//! `dt_multiplier`, 10), to see whether the model then predicts the held-out
//! Noise 2 better (explained variance, [`crate::evaluate`]).
//!
//! The parameters ([`extended_parameters`]), each a factor on the starting
//! config's value (1 = unchanged) except the first:
//!
//! - `coeffs.th_inf`: the threshold's coefficient (started at the Allen
//!   settings' optimum);
//! - `coeffs.asc_amp_array[i]`: each after-spike current's amplitude
//!   (GLIF3, GLIF4, GLIF5);
//! - `a_spike`: the threshold's jump at a spike,
//!   `threshold_reset_method.params.a_spike` (V) times the factor, written
//!   into the config itself as AllenSDK has no coefficient for it (GLIF2,
//!   GLIF4, GLIF5).
//!
//! They are tuned together by scipy's Nelder-Mead ([`crate::fmin`]) from the
//! Allen-settings optimum, so the extended error is never above the
//! Allen-settings one on Noise 1; Noise 2, which neither fit sees, decides
//! whether the extra freedom predicts better or only fits Noise 1 better.
//! The configs AllenSDK's `GlifNeuron.from_dict` reads keep their keys.

use serde_json::Value;

use crate::ev::ExplainedVariance;
use crate::evaluate::{evaluate_on_noise, runnable_config};
use crate::filter::LoadedSweep;
use crate::fmin::{fmin, FminOptions, FminStop};
use crate::forced::ForcedNeuron;
use crate::mlin::{mlin_list_error, MlinData};
use crate::optimizer::fitted_config;
use crate::FitError;

/// The extended fit's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtendedOptions {
    /// The forced runs' `dt_multiplier` (the Allen optimizer's finest, 10).
    pub dt_multiplier: usize,
    /// `fmin`'s `xtol` (in the factors' units) and `ftol` (MLIN units).
    pub xtol: f64,
    /// See `xtol`.
    pub ftol: f64,
    /// `fmin`'s largest number of evaluations.
    pub maxfun: u64,
}

impl Default for ExtendedOptions {
    /// Multiplier 10, `xtol` 1e-4 (a factor 1.0001 changes no spike time
    /// the explained variance can see), `ftol` 1e-4 (MLIN errors are tens
    /// to hundreds), at most 400 evaluations.
    fn default() -> Self {
        Self {
            dt_multiplier: 10,
            xtol: 1e-4,
            ftol: 1e-4,
            maxfun: 400,
        }
    }
}

/// What [`fit_extended`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtendedFit {
    /// The tuned parameters' names ([`extended_parameters`]).
    pub names: Vec<String>,
    /// Their values at the optimum.
    pub params: Vec<f64>,
    /// The extended `neuron_config` ([`extended_config`]).
    pub config: Value,
    /// The MLIN error at the start (the Allen settings' optimum).
    pub start_error: f64,
    /// The MLIN error at the optimum.
    pub error: f64,
    /// Forced-spike evaluations made (each one run per Noise 1 sweep).
    pub evaluations: usize,
    /// Forced-spike runs made.
    pub forced_runs: usize,
    /// Whether `fmin` converged (`false`: it used its whole budget).
    pub converged: bool,
}

/// The parameters an extended fit tunes for a starting `neuron_config`, in
/// order (see the module docs): `coeffs.th_inf`, one
/// `coeffs.asc_amp_array[i]` per after-spike current with a non-zero
/// amplitude, and `a_spike` for a threshold with a spike component. A level
/// with neither (GLIF1) has `coeffs.th_inf` only: nothing to extend.
///
/// `coeffs.G` is left out on purpose: tuned with the others on the `sparse`
/// cell it rose 2 to 8 times, the forced runs' MLIN fell by 25-30 % and
/// the held-out Noise 2 explained variance fell at every level (the forced
/// runs reset the voltage at every recorded spike, so a leakier membrane
/// that stays near threshold costs nothing there).
pub fn extended_parameters(neuron: &Value) -> Vec<String> {
    let mut names = vec!["coeffs.th_inf".to_string()];
    if neuron["AScurrent_reset_method"]["name"] == "sum" {
        if let Some(amps) = neuron["asc_amp_array"].as_array() {
            for (i, a) in amps.iter().enumerate() {
                if a.as_f64().is_some_and(|a| a != 0.0) {
                    names.push(format!("coeffs.asc_amp_array[{i}]"));
                }
            }
        }
    }
    if neuron["threshold_reset_method"]["name"] == "three_components" {
        names.push("a_spike".to_string());
    }
    names
}

/// The `neuron_config` with the parameters `names` at `x`: the fitted
/// config of the Allen settings ([`fitted_config`] with `coeffs.th_inf`)
/// with the other coefficients, and `a_spike` scaled in place.
pub fn extended_config(start: &Value, names: &[String], x: &[f64]) -> Result<Value, FitError> {
    if names.len() != x.len() {
        return Err(FitError::invalid(
            "extended parameters",
            x.len() as f64,
            &format!("{} values, one per name", names.len()),
        ));
    }
    let th_inf = names
        .iter()
        .position(|n| n == "coeffs.th_inf")
        .map_or(1.0, |i| x[i]);
    let mut c = fitted_config(start, th_inf);
    for (n, &v) in names.iter().zip(x) {
        if !v.is_finite() {
            return Err(FitError::invalid(n, v, "a finite number"));
        }
        if n == "coeffs.th_inf" {
            continue;
        } else if let Some(i) = n
            .strip_prefix("coeffs.asc_amp_array[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|i| i.parse::<usize>().ok())
        {
            if i >= c["coeffs"]["asc_amp_array"].as_array().map_or(0, Vec::len) {
                return Err(FitError::invalid(
                    n,
                    i as f64,
                    "an after-spike current of the config",
                ));
            }
            c["coeffs"]["asc_amp_array"][i] = v.into();
        } else if n == "a_spike" {
            let a = start["threshold_reset_method"]["params"]["a_spike"]
                .as_f64()
                .ok_or_else(|| {
                    FitError::undetermined(
                        "neuron config field threshold_reset_method.params.a_spike",
                        "is missing: expected the spike component's amplitude (V)",
                    )
                })?;
            c["threshold_reset_method"]["params"]["a_spike"] = (a * v).into();
        } else {
            return Err(FitError::undetermined(
                "extended parameter",
                &format!("{n:?} is not one of coeffs.th_inf, coeffs.asc_amp_array[i], a_spike"),
            ));
        }
    }
    Ok(c)
}

/// The explained variance of a fitting pipeline's `config` (JSON, as
/// written) on one noise stimulus's repeats loaded at the fitting step
/// ([`crate::evaluate::evaluate_on_noise`], libm's `exp`).
pub fn judge(config: &Value, sweeps: &[LoadedSweep]) -> Result<ExplainedVariance, FitError> {
    let c = runnable_config(config)?;
    Ok(evaluate_on_noise(&c, sweeps, None)?.ev)
}

/// The MLIN error of `config`'s forced-spike runs on `stimuli` (A, float32
/// as loaded) reset at `spikes`, at `dt_multiplier`.
pub fn config_error(
    config: &Value,
    stimuli: &[Vec<f32>],
    spikes: &[Vec<usize>],
    data: MlinData,
    dt_multiplier: usize,
) -> Result<f64, FitError> {
    let mut n = ForcedNeuron::from_config(config)?;
    n.set_dt_multiplier(dt_multiplier as f64)?;
    let runs = stimuli
        .iter()
        .zip(spikes)
        .map(|(i, s)| n.run(i, s, &f64::exp))
        .collect::<Result<Vec<_>, _>>()?;
    let sweeps: Vec<(&[usize], &[f64], &[f64])> = runs
        .iter()
        .zip(spikes)
        .map(|(r, s)| (s.as_slice(), r.voltage.as_slice(), r.threshold.as_slice()))
        .collect();
    mlin_list_error(&sweeps, n.spike_cut_length, n.dt, data)
}

/// Tunes [`extended_parameters`] of the starting config `start` from the
/// Allen settings' optimum `th_inf` (its coefficient), the others at 1,
/// minimising the MLIN error (`data`, the optimizer config's noise
/// statistics) of forced-spike runs on Noise 1. A parameter set whose run
/// fails (a non-finite voltage) scores infinity, so the search moves away.
pub fn fit_extended(
    start: &Value,
    data: MlinData,
    stimuli: &[Vec<f32>],
    spikes: &[Vec<usize>],
    th_inf: f64,
    opts: &ExtendedOptions,
) -> Result<ExtendedFit, FitError> {
    let names = extended_parameters(start);
    let mut x0 = vec![1.0; names.len()];
    x0[0] = th_inf;
    let start_config = extended_config(start, &names, &x0)?;
    let start_error = config_error(&start_config, stimuli, spikes, data, opts.dt_multiplier)?;
    let mut evaluations = 1;
    let r = fmin(
        |x: &[f64]| {
            evaluations += 1;
            extended_config(start, &names, x)
                .and_then(|c| config_error(&c, stimuli, spikes, data, opts.dt_multiplier))
                .unwrap_or(f64::INFINITY)
        },
        &x0,
        &FminOptions {
            xtol: opts.xtol,
            ftol: opts.ftol,
            maxiter: Some(opts.maxfun),
            maxfun: Some(opts.maxfun),
            ..FminOptions::default()
        },
    )
    .map_err(|e| FitError::undetermined("the extended fit", &e.to_string()))?;
    // Nelder-Mead's first vertex is the start: its optimum is never worse.
    let (params, error) = if r.fun <= start_error {
        (r.x, r.fun)
    } else {
        (x0, start_error)
    };
    Ok(ExtendedFit {
        config: extended_config(start, &names, &params)?,
        names,
        params,
        start_error,
        error,
        evaluations,
        forced_runs: evaluations * stimuli.len(),
        converged: r.stop == FminStop::Converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glif5_like() -> Value {
        serde_json::json!({
            "asc_amp_array": [-2e-11, 4e-11],
            "AScurrent_reset_method": {"name": "sum", "params": {"r": [1.0, 1.0]}},
            "threshold_reset_method": {"name": "three_components", "params": {"a_spike": 0.004, "b_spike": 100.0}},
            "asc_tau_array": [0.1, 0.01],
        })
    }

    #[test]
    fn parameters_follow_the_level_and_land_in_the_config() {
        let c = glif5_like();
        let names = extended_parameters(&c);
        assert_eq!(
            names,
            [
                "coeffs.th_inf",
                "coeffs.asc_amp_array[0]",
                "coeffs.asc_amp_array[1]",
                "a_spike"
            ]
        );
        let e = extended_config(&c, &names, &[0.9, 0.5, 2.0, 1.5]).unwrap();
        assert_eq!(e["coeffs"]["th_inf"], 0.9);
        assert_eq!(e["coeffs"]["G"], 1);
        assert_eq!(e["coeffs"]["asc_amp_array"], serde_json::json!([0.5, 2.0]));
        assert_eq!(
            e["threshold_reset_method"]["params"]["a_spike"],
            0.004 * 1.5
        );
        // The starting config is untouched; a LIF has th_inf only.
        assert_eq!(c["threshold_reset_method"]["params"]["a_spike"], 0.004);
        let lif = serde_json::json!({"asc_amp_array": [], "AScurrent_reset_method": {"name": "none"},
            "threshold_reset_method": {"name": "inf"}, "asc_tau_array": []});
        assert_eq!(extended_parameters(&lif), ["coeffs.th_inf"]);
    }

    #[test]
    fn bad_parameters_are_refused_with_their_name() {
        let c = glif5_like();
        let names = vec!["coeffs.th_inf".to_string(), "coeffs.Z".to_string()];
        let e = extended_config(&c, &names, &[1.0, 1.0]).unwrap_err();
        assert!(e.to_string().contains("coeffs.Z"), "{e}");
        let names = vec!["coeffs.asc_amp_array[5]".to_string()];
        let e = extended_config(&c, &names, &[1.0]).unwrap_err();
        assert!(e.to_string().contains("asc_amp_array[5]"), "{e}");
        let names = vec!["a_spike".to_string()];
        let e = extended_config(&c, &names, &[f64::NAN]).unwrap_err();
        assert!(e.to_string().contains("a_spike"), "{e}");
        let e = extended_config(&c, &names, &[1.0, 2.0]).unwrap_err();
        assert!(e.to_string().contains("one per name"), "{e}");
    }
}
