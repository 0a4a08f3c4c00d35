//! AllenSDK's optimizer (`allensdk.internal.model.glif.glif_optimizer`,
//! `GlifOptimizer.run_many`): restarts of scipy's Nelder-Mead
//! ([`crate::fmin`]) on the MLIN error ([`crate::mlin`]) of forced-spike runs
//! ([`crate::forced`]), with numpy's legacy `RandomState(seed)`
//! ([`crate::rng`]) perturbing the starting points.
//!
//! The schedule: for each of `outer_iterations` passes, for each of
//! `inner_iterations` (at most 3) restarts `k`, the forced runs use
//! `dt_multiplier` 100, 32, 10 (for `k` = 0, 1, 2); `fmin` starts from the
//! current parameters, and the next start is its optimum plus
//! `sigma_inner` times a normal draw per parameter. After each pass the
//! next start is `init_params` plus `sigma_outer` times a normal draw. The
//! result is the restart with the smallest error among those at the
//! smallest `dt_multiplier` used (the first such, on ties).

use crate::fmin::{fmin, FminOptions};
use crate::forced::ForcedNeuron;
use crate::mlin::{mlin_list_error, MlinData};
use crate::rng::RandomState;
use crate::th_inf_runs::ThInfRuns;
use crate::FitError;

/// AllenSDK's `dt_multiplier` per inner restart.
pub const DT_MULTIPLIERS: [usize; 3] = [100, 32, 10];

/// The optimizer's settings (`GLIF<n>_optimizer_config.json`) and the seed.
#[derive(Clone, Debug, PartialEq)]
pub struct RunManyOptions {
    /// Passes over the inner restarts.
    pub outer_iterations: usize,
    /// Restarts per pass (1 to 3; restart `k` uses `DT_MULTIPLIERS[k]`).
    pub inner_iterations: usize,
    /// Standard deviation of the perturbation of each pass's start.
    pub sigma_outer: f64,
    /// Standard deviation of the perturbation between restarts.
    pub sigma_inner: f64,
    /// `fmin`'s `xtol` and `ftol`.
    pub xtol: f64,
    /// See `xtol`.
    pub ftol: f64,
    /// `fmin`'s `maxiter` and `maxfun`.
    pub internal_iterations: u64,
    /// The first start (AllenSDK: all ones).
    pub init_params: Vec<f64>,
    /// numpy `RandomState` seed.
    pub seed: u32,
}

/// One error-function evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The coefficients evaluated.
    pub x: Vec<f64>,
    /// The forced runs' `dt_multiplier`.
    pub dt_multiplier: usize,
    /// The MLIN error.
    pub error: f64,
}

/// One restart (AllenSDK's `iteration_info` entry).
#[derive(Clone, Debug, PartialEq)]
pub struct Restart {
    /// `fmin`'s start.
    pub in_params: Vec<f64>,
    /// `fmin`'s optimum.
    pub out_params: Vec<f64>,
    /// The error there.
    pub error: f64,
    /// The forced runs' `dt_multiplier`.
    pub dt_multiplier: usize,
}

/// What [`run_many`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct RunManyResult {
    /// The chosen coefficients.
    pub best_params: Vec<f64>,
    /// Every restart in order.
    pub restarts: Vec<Restart>,
    /// Every evaluation in order.
    pub evaluations: Vec<Evaluation>,
}

/// `GlifOptimizer.run_many(seed)`: `error(x, dt_multiplier)` is the error
/// function; `progress` is called after each restart with (restarts done,
/// restarts in all) and may stop the run by returning `false`.
pub fn run_many<E, P>(
    mut error: E,
    opts: &RunManyOptions,
    mut progress: P,
) -> Result<RunManyResult, FitError>
where
    E: FnMut(&[f64], usize) -> Result<f64, FitError>,
    P: FnMut(usize, usize) -> bool,
{
    if opts.inner_iterations == 0 || opts.inner_iterations > DT_MULTIPLIERS.len() {
        return Err(FitError::invalid(
            "inner_iterations",
            opts.inner_iterations as f64,
            "1, 2 or 3 (one restart per dt_multiplier 100, 32, 10)",
        ));
    }
    if opts.outer_iterations == 0 {
        return Err(FitError::invalid(
            "outer_iterations",
            0.0,
            "at least 1 pass",
        ));
    }
    let mut rng = RandomState::new(opts.seed);
    let mut params = opts.init_params.clone();
    let mut restarts = Vec::new();
    let mut evaluations = Vec::new();
    let total = opts.outer_iterations * opts.inner_iterations;
    let fopts = FminOptions {
        xtol: opts.xtol,
        ftol: opts.ftol,
        maxiter: Some(opts.internal_iterations),
        maxfun: Some(opts.internal_iterations),
        ..FminOptions::default()
    };
    for _outer in 0..opts.outer_iterations {
        for &mult in &DT_MULTIPLIERS[..opts.inner_iterations] {
            let mut failed = None;
            let r = fmin(
                |x: &[f64]| {
                    if failed.is_some() {
                        return f64::NAN;
                    }
                    match error(x, mult) {
                        Ok(e) => {
                            evaluations.push(Evaluation {
                                x: x.to_vec(),
                                dt_multiplier: mult,
                                error: e,
                            });
                            e
                        }
                        Err(e) => {
                            failed = Some(e);
                            f64::NAN
                        }
                    }
                },
                &params,
                &fopts,
            )
            .map_err(|e| FitError::undetermined("optimizer", &e.to_string()))?;
            if let Some(e) = failed {
                return Err(e);
            }
            restarts.push(Restart {
                in_params: params.clone(),
                out_params: r.x.clone(),
                error: r.fun,
                dt_multiplier: mult,
            });
            if !progress(restarts.len(), total) {
                return Err(FitError::undetermined("optimizer", "stopped"));
            }
            params =
                r.x.iter()
                    .map(|&v| rng.normal(v, opts.sigma_inner))
                    .collect();
        }
        params = opts
            .init_params
            .iter()
            .map(|&v| rng.normal(v, opts.sigma_outer))
            .collect();
    }
    let min_mult = restarts.iter().map(|r| r.dt_multiplier).min().unwrap_or(1);
    let mut best: Option<&Restart> = None;
    for r in &restarts {
        if r.dt_multiplier == min_mult && best.is_none_or(|b| r.error < b.error) {
            best = Some(r);
        }
    }
    let best_params = match best {
        Some(b) => b.out_params.clone(),
        // AllenSDK's index -1 when no error is below infinity: the last restart.
        None => restarts
            .last()
            .map(|r| r.out_params.clone())
            .unwrap_or_default(),
    };
    Ok(RunManyResult {
        best_params,
        restarts,
        evaluations,
    })
}

/// The error function AllenSDK's optimizer minimises for a level whose
/// only fitted coefficient is `th_inf` (all published configs): forced-spike
/// runs of `neuron` on each sweep's `stimulus` with resets at its recorded
/// `spikes`, scored by `MLIN_list_error`.
///
/// The runs' coefficient-free part is kept per `dt_multiplier`
/// (the crate's `th_inf_runs` module), so an evaluation re-scores them instead of
/// re-running them: the same error, bit for bit.
pub struct ThInfError<'a> {
    /// The level's model (its `coeff_th_inf` is set per evaluation).
    pub neuron: ForcedNeuron,
    /// Noise 1 currents (A, float32 as loaded).
    pub stimuli: Vec<&'a [f32]>,
    /// Recorded spike indices per sweep.
    pub spikes: Vec<&'a [usize]>,
    /// The noise statistics.
    pub data: MlinData,
    /// The runs kept, one entry per `dt_multiplier` (and model and inputs).
    kept: Vec<Kept>,
}

/// Forced runs kept for re-scoring.
struct Kept {
    /// The model they were made with (coefficient 0).
    model: ForcedNeuron,
    /// The inputs' (address, length), stimuli then spikes.
    inputs: Vec<(usize, usize)>,
    /// The runs (`None`: they failed; evaluate by full runs).
    runs: Option<ThInfRuns>,
}

impl<'a> ThInfError<'a> {
    /// The error of `neuron` on `stimuli` reset at `spikes`, scored with `data`.
    pub fn new(
        neuron: ForcedNeuron,
        stimuli: Vec<&'a [f32]>,
        spikes: Vec<&'a [usize]>,
        data: MlinData,
    ) -> ThInfError<'a> {
        ThInfError {
            neuron,
            stimuli,
            spikes,
            data,
            kept: Vec::new(),
        }
    }

    /// The kept runs for the current model and inputs (made on first use).
    fn kept_runs(&mut self) -> Option<&mut ThInfRuns> {
        let mut key = self.neuron.clone();
        key.coeff_th_inf = 0.0;
        let inputs: Vec<(usize, usize)> = self
            .stimuli
            .iter()
            .map(|x| (x.as_ptr() as usize, x.len()))
            .chain(self.spikes.iter().map(|x| (x.as_ptr() as usize, x.len())))
            .collect();
        let at = match self
            .kept
            .iter()
            .position(|k| k.model == key && k.inputs == inputs)
        {
            Some(at) => at,
            None => {
                let runs = ThInfRuns::new(&key, &self.stimuli, &self.spikes, &f64::exp).ok();
                self.kept.push(Kept {
                    model: key,
                    inputs,
                    runs,
                });
                self.kept.len() - 1
            }
        };
        self.kept[at].runs.as_mut()
    }

    /// The MLIN error at `th_inf` coefficient `x[0]` and `dt_multiplier`.
    pub fn evaluate(&mut self, x: &[f64], dt_multiplier: usize) -> Result<f64, FitError> {
        if x.len() != 1 {
            return Err(FitError::invalid(
                "coefficients",
                x.len() as f64,
                "one (th_inf)",
            ));
        }
        self.neuron.coeff_th_inf = x[0];
        self.neuron.set_dt_multiplier(dt_multiplier as f64)?;
        let (scl, data) = (self.neuron.spike_cut_length, self.data);
        let spikes = self.spikes.clone();
        if let Some(e) = self
            .kept_runs()
            .and_then(|r| r.mlin(x[0], &spikes, scl, data))
        {
            return e;
        }
        let runs = self
            .stimuli
            .iter()
            .zip(&self.spikes)
            .map(|(i, s)| self.neuron.run(i, s, &f64::exp))
            .collect::<Result<Vec<_>, _>>()?;
        let sweeps: Vec<(&[usize], &[f64], &[f64])> = runs
            .iter()
            .zip(&self.spikes)
            .map(|(r, s)| (*s, r.voltage.as_slice(), r.threshold.as_slice()))
            .collect();
        mlin_list_error(
            &sweeps,
            self.neuron.spike_cut_length,
            self.neuron.dt,
            self.data,
        )
    }
}

/// Reads the optimizer settings of a `GLIF<n>_optimizer_config.json`
/// (`outer_iterations`, `inner_iterations`, `sigma_outer`, `sigma_inner`,
/// `xtol`, `ftol`, `internal_iterations`; `param_fit_names` must be
/// `["th_inf"]`, as in every published config) with `seed`.
pub fn options_from_config(oc: &serde_json::Value, seed: u32) -> Result<RunManyOptions, FitError> {
    let num = |k: &str| {
        oc[k].as_f64().ok_or_else(|| {
            FitError::undetermined(
                &format!("optimizer config field {k}"),
                &format!("is {}: expected a number", oc[k]),
            )
        })
    };
    let whole = |k: &str| -> Result<u64, FitError> {
        let v = num(k)?;
        if v >= 0.0 && v.fract() == 0.0 {
            Ok(v as u64)
        } else {
            Err(FitError::invalid(k, v, "a whole number"))
        }
    };
    let names = &oc["param_fit_names"];
    if names != &serde_json::json!(["th_inf"]) {
        return Err(FitError::undetermined(
            "optimizer config field param_fit_names",
            &format!(
                "is {names}: expected [\"th_inf\"] (the only coefficient the published fits tune)"
            ),
        ));
    }
    Ok(RunManyOptions {
        outer_iterations: whole("outer_iterations")? as usize,
        inner_iterations: whole("inner_iterations")? as usize,
        sigma_outer: num("sigma_outer")?,
        sigma_inner: num("sigma_inner")?,
        xtol: num("xtol")?,
        ftol: num("ftol")?,
        internal_iterations: whole("internal_iterations")?,
        init_params: vec![1.0],
        seed,
    })
}

/// The fitted `neuron_config` AllenSDK's `optimize_neuron` writes
/// (`GlifOptimizerNeuron.to_dict()` after `set_neuron_parameters(best)`):
/// the starting config with `coeffs` (`th_inf` the optimum, the others 1)
/// and `th_adapt` null, which `GlifNeuron.from_dict` reads.
pub fn fitted_config(start: &serde_json::Value, best_th_inf: f64) -> serde_json::Value {
    let mut c = start.clone();
    let n_asc = c["asc_tau_array"].as_array().map_or(0, Vec::len);
    c["coeffs"] = serde_json::json!({
        "th_inf": best_th_inf, "C": 1, "G": 1, "a": 1, "b": 1,
        "asc_amp_array": vec![1.0; n_asc],
    });
    if c.get("th_adapt").is_none() {
        c["th_adapt"] = serde_json::Value::Null;
    }
    c
}

/// One level to optimize: its label (`GLIF3`), starting `neuron_config` and
/// `optimizer_config`.
pub struct LevelJob<'a> {
    /// The level's name, e.g. `GLIF3`.
    pub label: &'a str,
    /// The starting `neuron_config`.
    pub neuron: &'a serde_json::Value,
    /// The `optimizer_config`.
    pub optimizer: &'a serde_json::Value,
}

/// What [`optimize_levels`] found for one level.
pub struct LevelFit {
    /// The level's name.
    pub label: String,
    /// The fitted `neuron_config` ([`fitted_config`]).
    pub config: serde_json::Value,
    /// The optimizer's path.
    pub result: RunManyResult,
    /// The MLIN error of the chosen coefficient at the finest
    /// `dt_multiplier` used (the best restart's, for [`Optimizer::Allen`]).
    pub error: f64,
    /// Forced-spike runs made: one per Noise 1 sweep per evaluation.
    pub forced_runs: usize,
}

/// Which optimizer tunes `th_inf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Optimizer {
    /// AllenSDK's `run_many(seed)` ([`run_many`]), evaluation for evaluation.
    #[default]
    Allen,
    /// The same error function's optimum at the finest multiplier from three
    /// forced-spike evaluations ([`crate::fast::fast_th_inf`]).
    Fast,
}

/// A [`crate::fast::FastResult`] in [`run_many`]'s shape: its forced-spike
/// evaluations, one "restart" from `c0` to the chosen coefficient.
pub fn fast_as_run_many(
    f: &crate::fast::FastResult,
    c0: f64,
    dt_multiplier: usize,
) -> RunManyResult {
    RunManyResult {
        best_params: vec![f.coefficient],
        restarts: vec![Restart {
            in_params: vec![c0],
            out_params: vec![f.coefficient],
            error: f.error,
            dt_multiplier,
        }],
        evaluations: f
            .evaluations
            .iter()
            .map(|&(c, e)| Evaluation {
                x: vec![c],
                dt_multiplier,
                error: e,
            })
            .collect(),
    }
}

/// The error of `r`'s chosen restart (its best at the smallest multiplier,
/// as [`run_many`] chooses it), NaN when it has no restart.
pub fn best_error(r: &RunManyResult) -> f64 {
    r.restarts
        .iter()
        .filter(|x| x.out_params == r.best_params)
        .map(|x| (x.dt_multiplier, x.error))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map_or(f64::NAN, |x| x.1)
}

/// The noise statistics of an `optimizer_config` (`error_function_data`).
pub fn mlin_data(optimizer: &serde_json::Value) -> Result<MlinData, FitError> {
    let field = |k: &str| {
        optimizer["error_function_data"][k].as_f64().ok_or_else(|| {
            FitError::undetermined(
                "optimizer config",
                &format!("error_function_data.{k} is missing"),
            )
        })
    };
    Ok(MlinData {
        sv: field("sv_for_expsymm")?,
        tau_from_ac: field("tau_from_AC")?,
    })
}

/// Optimizes each level's `th_inf` coefficient on the Noise 1 `stimuli`
/// (forced-spike runs reset at `spikes`), up to `threads` levels at a time:
/// [`Optimizer::Allen`] as AllenSDK's `optimize_neuron` does
/// (`run_many(seed)`), [`Optimizer::Fast`] by minimising the same error at
/// the finest multiplier the optimizer config schedules (`inner_iterations`
/// restarts use 100, 32, 10) from the same start; each of the `threads`
/// workers takes the next level not yet started. `progress(label, done,
/// in all)` is called after each restart (once per level for `Fast`) from
/// the worker threads and stops the fit by returning `false`.
pub fn optimize_levels(
    jobs: &[LevelJob<'_>],
    stimuli: &[Vec<f32>],
    spikes: &[Vec<usize>],
    seed: u32,
    threads: usize,
    optimizer: Optimizer,
    progress: &(dyn Fn(&str, usize, usize) -> bool + Sync),
) -> Result<Vec<LevelFit>, FitError> {
    let one = |job: &LevelJob<'_>| -> Result<LevelFit, FitError> {
        let opts = options_from_config(job.optimizer, seed)?;
        let mut err = ThInfError::new(
            ForcedNeuron::from_config(job.neuron)?,
            stimuli.iter().map(Vec::as_slice).collect(),
            spikes.iter().map(Vec::as_slice).collect(),
            mlin_data(job.optimizer)?,
        );
        let (result, error) = match optimizer {
            Optimizer::Allen => {
                let r = run_many(
                    |x, m| err.evaluate(x, m),
                    &opts,
                    |d, t| progress(job.label, d, t),
                )?;
                let e = best_error(&r);
                (r, e)
            }
            Optimizer::Fast => {
                let finest =
                    DT_MULTIPLIERS[opts.inner_iterations.clamp(1, DT_MULTIPLIERS.len()) - 1];
                let f = crate::fast::fast_th_inf(
                    &err.neuron,
                    &err.stimuli,
                    &err.spikes,
                    err.data,
                    opts.init_params[0],
                    finest,
                )?;
                if !progress(job.label, 1, 1) {
                    return Err(FitError::undetermined("optimizer", "stopped"));
                }
                (fast_as_run_many(&f, opts.init_params[0], finest), f.error)
            }
        };
        Ok(LevelFit {
            label: job.label.to_string(),
            config: fitted_config(job.neuron, result.best_params[0]),
            forced_runs: result.evaluations.len() * stimuli.len(),
            error,
            result,
        })
    };
    // Each worker takes the next level not yet taken, so a thread that
    // finishes early starts another level at once.
    let threads = threads.clamp(1, jobs.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(job) = jobs.get(k) else {
                return done;
            };
            done.push((k, one(job)));
        }
    };
    let mut out: Vec<Option<Result<LevelFit, FitError>>> = (0..jobs.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
        let mut results = Vec::new();
        for h in handles {
            match h.join() {
                Ok(r) => results.extend(r),
                Err(_) => {
                    return Err(FitError::undetermined(
                        "optimizer",
                        "a worker thread panicked",
                    ))
                }
            }
        }
        for (k, r) in results {
            out[k] = Some(r);
        }
        Ok(())
    })?;
    out.into_iter().map(|r| r.expect("every job ran")).collect()
}
