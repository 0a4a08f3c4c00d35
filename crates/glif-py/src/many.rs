//! `run_many()`: many configs through glif-io's batch runner
//! (`glif_io::batch`), the GIL released while it runs, one result dict or
//! one exception object per model.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use glif_io::batch::{self, BatchOptions, Entry};
use glif_io::model::ExpTable;
use glif_io::{AnyModel, NeuronConfig, Precision, RunEnd, RunResult};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::engine::{first_non_finite, result_dict, run_error, ExpSource, Output};
use crate::errors::GlifError;
use crate::interrupt;
use glif_io::Record;

/// The stimulus of a batch: one shared by every model, or one per model.
pub enum Stimuli<'py> {
    /// One stimulus for every model (the population engine's case).
    Shared(PyReadonlyArray1<'py, f64>),
    /// One stimulus per model, in the order of the configs.
    Each(Vec<PyReadonlyArray1<'py, f64>>),
}

/// `numpy.exp` of every argument the models of `entries` ask for at `dt`,
/// evaluated in one call, keyed by the argument's bits.
fn numpy_exp_table(py: Python<'_>, entries: &[Entry], dt: f64) -> PyResult<ExpTable> {
    let mut args: Vec<f64> = Vec::new();
    let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
    for e in entries {
        // An entry that does not build at `dt` fails in the batch runner,
        // which reports its error; it needs no exponentials.
        let Ok(c) = e.config.as_ref().map(|c| c.clone().with_dt(dt)) else {
            continue;
        };
        let Ok(Ok(xs)) = c.map(|c| AnyModel::<f64>::exp_arguments(&c)) else {
            continue;
        };
        for x in xs {
            if seen.insert(x.to_bits()) {
                args.push(x);
            }
        }
    }
    crate::engine::numpy_exp(py, args)
}

/// Runs `configs` (parsed configs, or the exception that stopped each) on
/// `stimuli` at `dt` (s); one result dict or exception per config.
#[allow(clippy::too_many_arguments)] // run_many's keyword arguments
pub fn run_many(
    py: Python<'_>,
    configs: Vec<PyResult<NeuronConfig>>,
    stimuli: Stimuli<'_>,
    dt: f64,
    record: Record,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    exp: ExpSource,
) -> PyResult<Vec<Py<PyAny>>> {
    // Configs that did not parse keep their exception; the others run.
    let mut slots: Vec<Option<PyErr>> = Vec::with_capacity(configs.len());
    let mut entries: Vec<Entry> = Vec::new();
    let mut kept: Vec<&[f64]> = Vec::new();
    let each = match &stimuli {
        Stimuli::Shared(_) => None,
        Stimuli::Each(v) => Some(
            v.iter()
                .map(|s| s.as_slice())
                .collect::<Result<Vec<&[f64]>, _>>()?,
        ),
    };
    if let Some(each) = &each {
        if each.len() != configs.len() {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "stimuli: found {} stimuli for {} models, expected one per model",
                each.len(),
                configs.len()
            )));
        }
    }
    for (i, c) in configs.into_iter().enumerate() {
        match c {
            Err(e) => slots.push(Some(e)),
            Ok(config) => {
                slots.push(None);
                entries.push(Entry {
                    name: format!("model {i}"),
                    config: Ok(config),
                });
                if let Some(each) = &each {
                    kept.push(each[i]);
                }
            }
        }
    }
    let table = match exp {
        ExpSource::Numpy => Some(numpy_exp_table(py, &entries, dt)?),
        ExpSource::Libm => None,
    };
    let lookup = |x: f64| match table.as_ref().and_then(|t| t.get(x)) {
        Some(y) => y,
        // Unreachable: the table holds every argument the models ask for.
        None => glif_core::Float::exp(x),
    };
    let exp_fn: Option<batch::Exp<'_>> = table.as_ref().map(|_| &lookup as batch::Exp<'_>);
    let options = BatchOptions {
        dt,
        precision: Precision::F64,
        record,
        threads,
        stop: None,
        exp: exp_fn,
    };
    let total: u64 = match &stimuli {
        Stimuli::Shared(s) => (s.len()? * entries.len()) as u64,
        Stimuli::Each(_) => kept.iter().map(|s| s.len() as u64).sum(),
    };
    // Progress reaches Python from the worker threads, taking the GIL for
    // each report; the first exception a callback raises stops the reports
    // and is raised after the batch.
    let done = AtomicU64::new(0);
    let callback_error: Mutex<Option<PyErr>> = Mutex::new(None);
    let report = |n: u64| {
        let Some(cb) = &progress else { return };
        let now = done.fetch_add(n, Ordering::Relaxed) + n;
        let mut failed = callback_error.lock().unwrap_or_else(|p| p.into_inner());
        if failed.is_none() {
            if let Err(e) = Python::attach(|py| cb.call1(py, (now, total)).map(drop)) {
                *failed = Some(e);
            }
        }
    };
    // The GIL released, stopped by Ctrl-C between chunks (`interrupt`).
    let shared = match &stimuli {
        Stimuli::Shared(s) => Some(s.as_slice()?),
        Stimuli::Each(_) => None,
    };
    let runs = interrupt::interruptible(py, total, |stop| {
        let options = BatchOptions {
            stop: Some(stop),
            ..options
        };
        match shared {
            Some(s) => batch::run_batch(entries, s, &options, &report),
            None => batch::run_batch_each(entries, &kept, &options, &report),
        }
    })?
    .map_err(GlifError)?;
    if let Some(e) = callback_error
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        return Err(e);
    }
    let mut runs = runs.into_iter();
    let mut kept = kept.into_iter();
    slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| match slot {
            Some(e) => Ok(e.into_value(py).into_any()),
            None => match runs.next().map(|run| run.result) {
                Some(Ok(r)) => {
                    // The stimulus this model ran on, and its name in
                    // run_many's arguments.
                    let (samples, name) = match shared {
                        Some(s) => (s, "stimulus_or_stimuli".to_string()),
                        None => (
                            kept.next().unwrap_or_default(),
                            format!("stimulus_or_stimuli[{i}]"),
                        ),
                    };
                    outcome(py, r, record, samples, &name)
                }
                Some(Err(e)) => Ok(PyErr::from(GlifError(e)).into_value(py).into_any()),
                None => Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "run_many: the batch runner returned fewer results than models",
                )),
            },
        })
        .collect()
}

/// One model's result dict, or the exception its run on `samples` (the
/// argument `name`) stopped with.
fn outcome(
    py: Python<'_>,
    r: RunResult,
    record: Record,
    samples: &[f64],
    name: &str,
) -> PyResult<Py<PyAny>> {
    if let RunEnd::Failed(e) = r.end {
        let err = run_error(e, name, || first_non_finite(samples.iter().copied(), e));
        return Ok(err.into_value(py).into_any());
    }
    let output = match record {
        Record::All => Output::All(r),
        Record::Spikes => Output::Spikes(glif_io::SpikeTrain {
            spikes: r.spikes,
            end: r.end,
        }),
    };
    Ok(result_dict(py, output)?.into_any().unbind())
}
