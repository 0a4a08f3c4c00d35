//! A model judged by the explained variance of its spike times on the
//! Noise 1 and Noise 2 sweeps, as the Allen pipeline did it (Teeter et al.
//! 2018, `calc_all_explained_variance`): the model is run deterministically
//! on the first repeat's current, and its one spike train is compared with
//! the recorded spike trains of every repeat ([`crate::ev`]).
//!
//! The recorded spikes are the threshold indices AllenSDK's
//! `find_spikes_list` finds ([`crate::spikes::threshold_indices`] with the
//! default settings) on the sweeps loaded at the fitting step
//! ([`crate::filter::load_sweep`]); the model runs at its config's `dt`,
//! which must be that step so both spike trains are on one grid.

use glif_io::{AnyModel, NeuronConfig, RunEnd};
use serde_json::Value;

use crate::ev::{explained_variance, ExplainedVariance, TEETER_SIGMA};
use crate::filter::LoadedSweep;
use crate::spikes::{threshold_indices, SpikeSettings};
use crate::FitError;

/// One model on one noise stimulus.
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseEvaluation {
    /// The recorded spike indices of each repeat (at the fitting step).
    pub recorded: Vec<Vec<usize>>,
    /// The model's spike steps on the first repeat's current.
    pub model: Vec<usize>,
    /// Explained variance of `model` against `recorded`, sigma 10 ms.
    pub ev: ExplainedVariance,
}

/// A level's config as the fitting pipeline writes it, ready to run: the
/// starting configs of `configure_model` (and the optimizer's) have no
/// `th_adapt`, which `GlifNeuron.from_dict` and glif-io require and no rule
/// reads; it is added as `null`, as the published configs carry it (and as
/// the reference run does before calling `GlifNeuron.from_dict`).
pub fn runnable_config(config: &Value) -> Result<NeuronConfig, FitError> {
    let mut value = config.clone();
    if let Some(map) = value.as_object_mut() {
        map.entry("th_adapt").or_insert(Value::Null);
    }
    NeuronConfig::from_value(&value, None)
        .map_err(|e| FitError::undetermined("the neuron config to evaluate", &e.to_string()))
}

/// The model's spike steps on `current` (A, one value per step of the
/// config's `dt`), as AllenSDK's `GlifNeuron.run(current)['spike_time_steps']`
/// gives them. `exp`, when given, supplies the model's per-`dt`
/// exponentials (numpy's values, for runs bit for bit equal to AllenSDK's;
/// see `glif_io::AnyModel::with_exp`); otherwise libm's are used. A run
/// that AllenSDK would stop (a bad reset) is an error with its message.
pub fn model_spike_steps(
    config: &NeuronConfig,
    current: &[f64],
    exp: Option<&dyn Fn(f64) -> f64>,
) -> Result<Vec<usize>, FitError> {
    let model = match exp {
        Some(f) => AnyModel::<f64>::with_exp(config, f),
        None => AnyModel::<f64>::new(config),
    }
    .map_err(|e| FitError::undetermined("the model to evaluate", &e.to_string()))?;
    let run = model.run_spikes(current);
    if let RunEnd::Failed(e) = &run.end {
        return Err(FitError::undetermined(
            "the model's run on the noise stimulus",
            &e.to_string(),
        ));
    }
    Ok(run.spikes.iter().map(|s| s.step).collect())
}

/// The explained variance of `config` on one noise stimulus: `sweeps` are
/// its repeats loaded at the fitting step (the same stimulus each time), the
/// model runs on the first repeat's current (`exp` as in
/// [`model_spike_steps`]), and its spike train is compared with every
/// repeat's recorded spikes, each train as long as the first sweep.
pub fn evaluate_on_noise(
    config: &NeuronConfig,
    sweeps: &[LoadedSweep],
    exp: Option<&dyn Fn(f64) -> f64>,
) -> Result<NoiseEvaluation, FitError> {
    let Some(first) = sweeps.first() else {
        return Err(FitError::invalid(
            "noise sweeps",
            0.0,
            "at least one repeat",
        ));
    };
    if config.dt != first.dt {
        return Err(FitError::invalid(
            "the config's dt (s)",
            config.dt,
            &format!(
                "the loaded sweeps' step {:e} s (the model's and the recording's spikes must be on one grid)",
                first.dt
            ),
        ));
    }
    let steps = first.current.len();
    let mut recorded = Vec::with_capacity(sweeps.len());
    for (i, s) in sweeps.iter().enumerate() {
        if s.voltage.len() != steps {
            return Err(FitError::invalid(
                &format!("noise repeat {i}'s samples"),
                s.voltage.len() as f64,
                &format!("as many as the first repeat's {steps}"),
            ));
        }
        recorded.push(threshold_indices(
            &s.voltage,
            s.dt,
            SpikeSettings::default(),
        )?);
    }
    let model = model_spike_steps(config, &first.current, exp)?;
    let ev = explained_variance(
        &recorded,
        std::slice::from_ref(&model),
        first.dt,
        TEETER_SIGMA,
        steps,
    )?;
    Ok(NoiseEvaluation {
        recorded,
        model,
        ev,
    })
}
