//! A whole cell's fit, stage by stage, as `glif fit` and `glif_rs.fit` run
//! it: the starting configs of the levels asked for ([`configure_levels`]),
//! the noise sweeps loaded at the fitting step with their recorded spikes
//! ([`load_noise`]), then each level's `th_inf` tuned by AllenSDK's
//! optimizer ([`crate::optimizer::optimize_levels`]) and judged before and
//! after ([`crate::report`]) by [`optimize_cell`], up to `threads` levels at
//! a time. Each stage is a function of the previous stage's output, so a
//! front end can run one alone.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value;

use crate::configure::{configure_model, Level, PreprocessorSummary};
use crate::filter::{load_sweep, DEFAULT_BESSEL_FREQ_HZ, DEFAULT_BESSEL_ORDER};
use crate::optimizer::{optimize_levels, LevelJob, Optimizer, RunManyResult};
use crate::recordings::{check_sampling_rate, check_sweep, Recordings};
use crate::report::{
    evaluate_level, LevelReport, NoiseSweeps, OptimizerSummary, EVALUATIONS_PER_LEVEL,
};
use crate::spikes::{threshold_indices, SpikeSettings};
use crate::sweeps::SweepSelection;
use crate::FitError;

/// The levels named in `names` (`"GLIF1"` .. `"GLIF5"`), in the order of
/// [`Level::ALL`]; every level when `names` is empty. An unknown name is
/// an error naming the field `levels` and the name.
pub fn parse_levels(names: &[String]) -> Result<Vec<Level>, FitError> {
    for n in names {
        if !Level::ALL.iter().any(|l| l.label() == n) {
            return Err(FitError::undetermined(
                "levels",
                &format!("{n:?} is not a level: expected GLIF1, GLIF2, GLIF3, GLIF4 or GLIF5"),
            ));
        }
    }
    Ok(Level::ALL
        .into_iter()
        .filter(|l| names.is_empty() || names.iter().any(|n| n == l.label()))
        .collect())
}

/// The starting configs (`configure_model`'s `{"neuron", "optimizer"}`)
/// of the levels the cell allows among `levels`.
#[derive(Clone, Debug, PartialEq)]
pub struct StartingConfigs {
    /// Each configured level's config, in level order.
    pub configs: Vec<(Level, Value)>,
    /// The levels refused because the cell has no threshold spike component
    /// (no usable Short Square - Triple), with the reason.
    pub refused: Vec<(Level, FitError)>,
}

/// `configure_model` for each of `levels`: a level that needs the spike
/// component the cell lacks is refused (listed, not an error, as AllenSDK's
/// pipeline still fits the others); any other refusal (a Noise 1 spike in
/// the subthreshold part) is an error for the cell.
pub fn configure_levels(
    summary: &PreprocessorSummary,
    levels: &[Level],
) -> Result<StartingConfigs, FitError> {
    let mut out = StartingConfigs {
        configs: Vec::new(),
        refused: Vec::new(),
    };
    for &level in levels {
        match configure_model(level, summary) {
            Ok(c) => out.configs.push((level, c)),
            Err(e) if level.needs_spike_component() => out.refused.push((level, e)),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Noise 1 and Noise 2 of `selection` read from `rec`, checked as
/// preprocessing checks them (sampling rate, finite volts and amperes),
/// loaded at the fitting step (AllenSDK's Bessel filter and subsampling,
/// [`crate::preprocess::DEFAULT_DT`]), with each repeat's recorded spikes.
pub fn load_noise(
    rec: &dyn Recordings,
    selection: &SweepSelection,
) -> Result<NoiseSweeps, FitError> {
    let source = rec.name();
    let load = |numbers: &[u32]| -> Result<_, FitError> {
        let mut sweeps = Vec::with_capacity(numbers.len());
        let mut spikes = Vec::with_capacity(numbers.len());
        for &n in numbers {
            let raw = rec.read(n)?;
            check_sampling_rate(&source, n, raw.sampling_rate_hz)?;
            check_sweep(&source, n, &raw)?;
            let s = load_sweep(
                &raw.voltage,
                &raw.current,
                raw.sampling_rate_hz,
                raw.index_range_start,
                crate::preprocess::DEFAULT_DT,
                Some((DEFAULT_BESSEL_ORDER, DEFAULT_BESSEL_FREQ_HZ)),
            )
            .map_err(|e| FitError::undetermined(&format!("{source}: sweep {n}"), &e.to_string()))?;
            spikes.push(threshold_indices(
                &s.voltage,
                s.dt,
                SpikeSettings::default(),
            )?);
            sweeps.push(s);
        }
        Ok((sweeps, spikes))
    };
    let (noise1, noise1_spikes) = load(&selection.noise1)?;
    let (noise2, noise2_spikes) = load(&selection.noise2)?;
    Ok(NoiseSweeps {
        noise1_numbers: selection.noise1.clone(),
        noise1,
        noise1_spikes,
        noise2_numbers: selection.noise2.clone(),
        noise2,
        noise2_spikes,
    })
}

/// How [`optimize_cell`] runs.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizeOptions {
    /// numpy `RandomState` seed of the restarts (AllenSDK's
    /// `run_many(seed=S)` path).
    pub seed: u32,
    /// Levels fitted at the same time (at least 1).
    pub threads: usize,
    /// `(passes, restarts per pass)` instead of the optimizer config's
    /// (AllenSDK's 3 x 3); restarts 1 to 3.
    pub restarts: Option<(usize, usize)>,
    /// Also judge each level before and after ([`crate::report`]).
    pub report: bool,
    /// Which optimizer tunes `th_inf` (AllenSDK's by default).
    pub optimizer: Optimizer,
}

impl Default for OptimizeOptions {
    fn default() -> Self {
        OptimizeOptions {
            seed: 1234,
            threads: 1,
            restarts: None,
            report: true,
            optimizer: Optimizer::Allen,
        }
    }
}

/// What [`optimize_cell`] reports as it goes: the level, and whether a
/// Nelder-Mead restart or an explained-variance evaluation finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// A restart of `level`'s optimizer finished.
    Restart(&'a str),
    /// One of `level`'s [`EVALUATIONS_PER_LEVEL`] evaluations finished.
    Evaluation(&'a str),
}

/// One level fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLevel {
    /// The level.
    pub level: Level,
    /// The fitted `neuron_config` (`GLIF<n>_neuron_config.json`).
    pub config: Value,
    /// The optimizer's path (every restart and evaluation).
    pub optimizer: RunManyResult,
    /// Wall-clock seconds of the optimization.
    pub seconds: f64,
    /// The MLIN error of the fitted coefficient at the finest multiplier.
    pub error: f64,
    /// Forced-spike runs made (one per Noise 1 sweep per evaluation).
    pub forced_runs: usize,
    /// The report row (with [`OptimizeOptions::report`]).
    pub report: Option<LevelReport>,
}

impl FittedLevel {
    /// The optimizer's record as JSON: `best_params`, `seed`,
    /// `evaluations` (count), `seconds`, and `restarts` (each `in_params`,
    /// `out_params`, `error`, `dt_multiplier`, as AllenSDK's
    /// `iteration_info`).
    pub fn optimizer_json(&self, seed: u32) -> Value {
        serde_json::json!({
            "best_params": self.optimizer.best_params,
            "seed": seed,
            "evaluations": self.optimizer.evaluations.len(),
            "forced_runs": self.forced_runs,
            "mlin": self.error,
            "seconds": self.seconds,
            "restarts": self.optimizer.restarts.iter().map(|r| serde_json::json!({
                "in_params": r.in_params,
                "out_params": r.out_params,
                "error": r.error,
                "dt_multiplier": r.dt_multiplier,
            })).collect::<Vec<_>>(),
        })
    }
}

/// The number of progress steps [`optimize_cell`] reports for `configs`
/// with `opts`: every restart, plus [`EVALUATIONS_PER_LEVEL`] per level
/// with a report.
pub fn total_steps(configs: &[(Level, Value)], opts: &OptimizeOptions) -> usize {
    configs
        .iter()
        .map(|(_, c)| {
            let restarts = match (opts.optimizer, opts.restarts) {
                (Optimizer::Fast, _) => 1,
                (Optimizer::Allen, Some((p, k))) => p * k,
                (Optimizer::Allen, None) => {
                    let o = &c["optimizer"];
                    (o["outer_iterations"].as_u64().unwrap_or(0)
                        * o["inner_iterations"].as_u64().unwrap_or(0)) as usize
                }
            };
            restarts
                + if opts.report {
                    EVALUATIONS_PER_LEVEL
                } else {
                    0
                }
        })
        .sum()
}

/// Each level of `configs` (starting `{"neuron", "optimizer"}` configs)
/// tuned as AllenSDK's `optimize_neuron` tunes it, on `noise`'s Noise 1
/// (its float32 currents, reset at its recorded spikes), then (with
/// `opts.report`) judged before and after on Noise 1 and Noise 2; up to
/// `opts.threads` levels at a time, results in the order of `configs`.
/// `progress(step)` is called from the worker threads after each restart
/// and evaluation; returning `false` stops the fit (an error saying
/// "stopped"). The first level to fail stops the others.
pub fn optimize_cell(
    configs: &[(Level, Value)],
    noise: &NoiseSweeps,
    opts: &OptimizeOptions,
    progress: &(dyn Fn(Step<'_>) -> bool + Sync),
) -> Result<Vec<FittedLevel>, FitError> {
    if opts.restarts.is_some() && opts.optimizer == Optimizer::Fast {
        return Err(FitError::undetermined(
            "restarts",
            "the Allen optimizer's Nelder-Mead restarts; the fast optimizer has none (it evaluates the finest dt_multiplier directly)",
        ));
    }
    if let Some((p, k)) = opts.restarts {
        if p == 0 || !(1..=3).contains(&k) {
            return Err(FitError::undetermined(
                "restarts",
                &format!("{p}x{k}: expected at least 1 pass and 1 to 3 restarts per pass"),
            ));
        }
    }
    if opts.threads == 0 {
        return Err(FitError::invalid(
            "threads",
            0.0,
            "at least 1 level at a time",
        ));
    }
    let stimuli: Vec<Vec<f32>> = noise
        .noise1
        .iter()
        .map(|s| s.current.iter().map(|&x| x as f32).collect())
        .collect();
    let failed = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<FittedLevel, FitError>>>> =
        Mutex::new((0..configs.len()).map(|_| None).collect());
    let one = |(level, c): &(Level, Value)| -> Result<FittedLevel, FitError> {
        let mut c = c.clone();
        if let Some((p, k)) = opts.restarts {
            c["optimizer"]["outer_iterations"] = p.into();
            c["optimizer"]["inner_iterations"] = k.into();
        }
        let label = level.label();
        let job = LevelJob {
            label,
            neuron: &c["neuron"],
            optimizer: &c["optimizer"],
        };
        let t0 = Instant::now();
        let on_restart = |l: &str, _: usize, _: usize| {
            !failed.load(Ordering::Relaxed) && progress(Step::Restart(l))
        };
        let fit = optimize_levels(
            std::slice::from_ref(&job),
            &stimuli,
            &noise.noise1_spikes,
            opts.seed,
            1,
            opts.optimizer,
            &on_restart,
        )?
        .pop()
        .ok_or_else(|| FitError::undetermined("optimizer", "returned no result"))?;
        let seconds = t0.elapsed().as_secs_f64();
        let report = if opts.report {
            let mut step = || !failed.load(Ordering::Relaxed) && progress(Step::Evaluation(label));
            Some(evaluate_level(
                label,
                &c["neuron"],
                &fit.config,
                noise,
                OptimizerSummary {
                    evaluations: fit.result.evaluations.len(),
                    seconds,
                },
                &mut step,
            )?)
        } else {
            None
        };
        Ok(FittedLevel {
            level: *level,
            config: fit.config,
            optimizer: fit.result,
            seconds,
            error: fit.error,
            forced_runs: fit.forced_runs,
            report,
        })
    };
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= configs.len() || failed.load(Ordering::Relaxed) {
            break;
        }
        let r = one(&configs[i]);
        if r.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
    };
    std::thread::scope(|s| {
        for _ in 0..opts.threads.min(configs.len()).max(1) {
            s.spawn(worker);
        }
    });
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    // The first error in level order that is not a consequence of another's.
    let mut stopped = None;
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Some(Ok(f)) => out.push(f),
            Some(Err(e)) if e.to_string().ends_with("stopped") => {
                stopped.get_or_insert(e);
            }
            Some(Err(e)) => return Err(e),
            None => {
                stopped.get_or_insert(FitError::undetermined("fit", "stopped"));
            }
        }
    }
    match stopped {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// The fitted configs keyed by level (`{"GLIF1": neuron_config, ...}`).
pub fn configs_json(levels: &[FittedLevel]) -> Value {
    Value::Object(
        levels
            .iter()
            .map(|f| (f.level.label().to_string(), f.config.clone()))
            .collect(),
    )
}

/// The report rows of `levels` as a JSON list ([`LevelReport::to_json`]).
pub fn report_json(levels: &[FittedLevel]) -> Value {
    Value::Array(
        levels
            .iter()
            .filter_map(|f| f.report.as_ref().map(LevelReport::to_json))
            .collect(),
    )
}
