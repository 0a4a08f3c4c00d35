//! `glif_rs.fit`, `glif_rs.fit_preprocess`, `glif_rs.fit_optimize`: the
//! fitting pipeline of `glif fit` over glif-fit's functions
//! ([`glif_fit::recordings::preprocess_recordings`],
//! [`glif_fit::cell`], [`glif_fit::report`]), returning plain dicts (the
//! same JSON `glif fit` writes, as Python values), so results pickle and a
//! cell can be fitted in any process. Nothing is computed here.
//!
//! A cell is given as an Allen NWB file and its sweep table (`nwb=`,
//! `sweeps=`; the `nwb` build) or a folder of recordings (`recordings=`;
//! docs/FITTING.md). The work runs with the GIL released, on a second
//! thread when called from the main thread, so Ctrl-C raises
//! `KeyboardInterrupt`: the optimizer and the evaluations stop after their
//! current restart or evaluation; preprocessing (a few seconds) runs to its
//! end first. Errors are ValueError naming the argument (or the file or
//! sweep it points to); a missing file is FileNotFoundError.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use glif_fit::cell::{
    configs_json, configure_levels, load_noise, optimize_cell, parse_levels, report_json,
    FittedLevel, OptimizeOptions,
};
use glif_fit::configure::Level;
use glif_fit::preprocess::Preprocessed;
use glif_fit::recordings::{preprocess_recordings, Recordings, RecordingsDir};
use glif_fit::sweeps::{select, SweepEntry};
use pyo3::exceptions::{PyFileNotFoundError, PyImportError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use serde_json::{json, Map, Value};

use crate::convert;
use crate::interrupt::interruptible;

/// Why a fit failed, before it becomes a Python exception.
enum Failure {
    /// A bad argument or recording: ValueError.
    Value(String),
    /// A file that does not exist: FileNotFoundError.
    Missing(String),
    /// The `nwb` build is needed: ImportError.
    #[cfg_attr(feature = "nwb", allow(dead_code))]
    NoNwb,
    /// Ctrl-C (the exception is raised by `interruptible`).
    Stopped,
}

impl Failure {
    fn into_py(self) -> PyErr {
        match self {
            Failure::Value(m) => PyValueError::new_err(m),
            Failure::Missing(m) => PyFileNotFoundError::new_err(m),
            Failure::NoNwb => PyImportError::new_err(
                "nwb: this glif_rs was built without NWB support (the `nwb` feature); give \
                 recordings= (a folder of .npy/CSV sweeps), or build it with \
                 MATURIN_PEP517_ARGS=\"--features nwb\" pip install ./crates/glif-py",
            ),
            Failure::Stopped => PyRuntimeError::new_err("fit: stopped"),
        }
    }
}

/// An opened source: the recordings, the sweep table and the table's name
/// for messages.
type Opened = (Box<dyn Recordings>, Vec<SweepEntry>, String);

/// Where the cell's recordings are: `nwb=` and `sweeps=`, or `recordings=`.
#[derive(Clone)]
pub struct CellSource {
    nwb: Option<PathBuf>,
    sweeps: Option<PathBuf>,
    recordings: Option<PathBuf>,
}

impl CellSource {
    /// The cell named by the Python keywords `nwb`, `sweeps`, `recordings`
    /// (checked by [`CellSource::check`]).
    fn new(nwb: Option<PathBuf>, sweeps: Option<PathBuf>, recordings: Option<PathBuf>) -> Self {
        CellSource {
            nwb,
            sweeps,
            recordings,
        }
    }

    fn check(&self) -> PyResult<()> {
        match (&self.nwb, &self.sweeps, &self.recordings) {
            (Some(_), Some(_), None) | (None, None, Some(_)) => Ok(()),
            (Some(_), None, None) => Err(PyValueError::new_err(
                "sweeps: missing: nwb= needs the cell's sweep table (ephys_sweeps.json) as sweeps=",
            )),
            (None, Some(_), None) => Err(PyValueError::new_err(
                "nwb: missing: sweeps= is the sweep table of an NWB file given as nwb=",
            )),
            (None, None, None) => Err(PyValueError::new_err(
                "recordings: missing: give nwb= and sweeps= (an Allen NWB file and its sweep table) or recordings= (a folder)",
            )),
            _ => Err(PyValueError::new_err(
                "recordings: given with nwb=/sweeps=: expected one source, nwb= and sweeps= or recordings=",
            )),
        }
    }

    /// The argument a message about the source names.
    fn argument(&self) -> &'static str {
        if self.recordings.is_some() {
            "recordings"
        } else {
            "nwb"
        }
    }

    /// Opens the source: the recordings, the sweep table and the name of
    /// the table for messages.
    fn open(&self) -> Result<Opened, Failure> {
        let arg = self.argument();
        let value = |e: glif_fit::FitError| Failure::Value(format!("{arg}: {e}"));
        match (&self.nwb, &self.sweeps, &self.recordings) {
            (None, None, Some(dir)) => {
                if !dir.exists() {
                    return Err(Failure::Missing(format!(
                        "recordings: {}: no such folder (expected a folder holding sweeps.json and the sweeps' files)",
                        dir.display()
                    )));
                }
                let (rec, table) = RecordingsDir::open(dir).map_err(value)?;
                let name = dir
                    .join(glif_fit::recordings::RECORDINGS_TABLE)
                    .display()
                    .to_string();
                Ok((Box::new(rec), table, name))
            }
            (Some(nwb), Some(sweeps), None) => open_nwb(nwb, sweeps),
            _ => Err(Failure::Value(
                "recordings: expected nwb= and sweeps=, or recordings=".into(),
            )),
        }
    }
}

#[cfg(feature = "nwb")]
fn open_nwb(nwb: &std::path::Path, sweeps: &std::path::Path) -> Result<Opened, Failure> {
    for (arg, p) in [("nwb", nwb), ("sweeps", sweeps)] {
        if !p.exists() {
            return Err(Failure::Missing(format!(
                "{arg}: {}: no such file",
                p.display()
            )));
        }
    }
    let table = glif_fit::recordings::read_sweep_table(sweeps)
        .map_err(|e| Failure::Value(format!("sweeps: {e}")))?;
    let rec = glif_fit::recordings::NwbRecordings::open(nwb)
        .map_err(|e| Failure::Value(format!("nwb: {e}")))?;
    Ok((Box::new(rec), table, sweeps.display().to_string()))
}

#[cfg(not(feature = "nwb"))]
fn open_nwb(_: &std::path::Path, _: &std::path::Path) -> Result<Opened, Failure> {
    Err(Failure::NoNwb)
}

/// The `levels=` argument: None for every level the cell allows.
fn levels_arg(levels: Option<Vec<String>>) -> PyResult<Vec<Level>> {
    parse_levels(&levels.unwrap_or_default()).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The `restarts=` argument: `(passes, restarts per pass)`.
fn restarts_arg(restarts: Option<(usize, usize)>) -> PyResult<Option<(usize, usize)>> {
    if let Some((p, k)) = restarts {
        if p == 0 || !(1..=3).contains(&k) {
            return Err(PyValueError::new_err(format!(
                "restarts: found ({p}, {k}), expected (passes >= 1, restarts per pass 1 to 3), e.g. (3, 3)"
            )));
        }
    }
    Ok(restarts)
}

fn optimizer_arg(optimizer: &str) -> PyResult<glif_fit::optimizer::Optimizer> {
    match optimizer {
        "allen" => Ok(glif_fit::optimizer::Optimizer::Allen),
        "fast" => Ok(glif_fit::optimizer::Optimizer::Fast),
        other => Err(PyValueError::new_err(format!(
            "optimizer: found {other:?}, expected \"allen\" (AllenSDK's run_many) or \"fast\" (the same optimum in a few forced-spike runs)"
        ))),
    }
}

fn threads_arg(threads: usize) -> PyResult<usize> {
    if threads == 0 {
        return Err(PyValueError::new_err(
            "threads: found 0, expected a number of levels fitted at a time >= 1",
        ));
    }
    Ok(threads)
}

/// The optimizer's keyword arguments, each checked.
fn optimize_options(
    seed: u32,
    threads: usize,
    restarts: Option<(usize, usize)>,
    report: bool,
    optimizer: &str,
) -> PyResult<OptimizeOptions> {
    Ok(OptimizeOptions {
        seed,
        threads: threads_arg(threads)?,
        restarts: restarts_arg(restarts)?,
        report,
        optimizer: optimizer_arg(optimizer)?,
    })
}

/// The preprocessing's result as `fit_preprocess` returns it.
fn preprocess_json(p: &Preprocessed, levels: &[Level]) -> Result<Value, Failure> {
    let starting = configure_levels(&p.summary, levels)
        .map_err(|e| Failure::Value(format!("recordings: {e}")))?;
    Ok(json!({
        "preprocessor_values": p.values,
        "configs": starting.configs.iter()
            .map(|(l, c)| (l.label().to_string(), c.clone()))
            .collect::<Map<_, _>>(),
        "refused": starting.refused.iter()
            .map(|(l, e)| (l.label().to_string(), Value::from(e.to_string())))
            .collect::<Map<_, _>>(),
    }))
}

/// The starting configs of a `configs=` dict (`{"GLIF1": {"neuron": ...,
/// "optimizer": ...}}`, what `fit_preprocess` returns under `configs`),
/// limited to `levels` when given.
fn configs_arg(
    configs: &Value,
    levels: &[Level],
    all: bool,
) -> Result<Vec<(Level, Value)>, Failure> {
    let Value::Object(map) = configs else {
        return Err(Failure::Value(
            "configs: expected a dict of starting configs by level, e.g. fit_preprocess(...)[\"configs\"]".into(),
        ));
    };
    let mut out = Vec::new();
    for (k, c) in map {
        let Some(level) = Level::ALL.into_iter().find(|l| l.label() == k) else {
            return Err(Failure::Value(format!(
                "configs: key {k:?}: expected GLIF1, GLIF2, GLIF3, GLIF4 or GLIF5"
            )));
        };
        for part in ["neuron", "optimizer"] {
            if !c[part].is_object() {
                return Err(Failure::Value(format!(
                    "configs[{k:?}]: no {part:?} dict: expected a starting config {{\"neuron\": ..., \"optimizer\": ...}} as fit_preprocess returns it"
                )));
            }
        }
        if all || levels.contains(&level) {
            out.push((level, c.clone()));
        }
    }
    out.sort_by_key(|(l, _)| *l as usize);
    Ok(out)
}

/// What `fit_optimize` and `fit` return beside the preprocessing.
fn fitted_json(fits: &[FittedLevel], seed: u32) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("configs".into(), configs_json(fits));
    m.insert(
        "optimizer".into(),
        Value::Object(
            fits.iter()
                .map(|f| (f.level.label().to_string(), f.optimizer_json(seed)))
                .collect(),
        ),
    );
    m
}

/// The whole computation of `fit` / `fit_optimize` on a worker thread.
struct Job {
    source: CellSource,
    levels: Vec<Level>,
    all_levels: bool,
    configs: Option<Value>,
    opts: OptimizeOptions,
    /// `fit`: preprocessing and the report in the result too.
    whole: bool,
}

impl Job {
    /// The optimizer's job on `source`: the `levels` given, or every level
    /// (None); no starting configs (the cell is preprocessed), no report.
    fn new(
        source: CellSource,
        levels: Option<Vec<String>>,
        opts: OptimizeOptions,
    ) -> PyResult<Self> {
        Ok(Job {
            source,
            all_levels: levels.is_none(),
            levels: levels_arg(levels)?,
            configs: None,
            opts,
            whole: false,
        })
    }

    fn run(&self, stop: &AtomicBool) -> Result<Value, Failure> {
        let (rec, table, table_name) = self.source.open()?;
        let arg = self.source.argument();
        let (pre, starting) = match &self.configs {
            Some(c) => (None, configs_arg(c, &self.levels, self.all_levels)?),
            None => {
                let p = preprocess_recordings(&table_name, &table, rec.as_ref())
                    .map_err(|e| Failure::Value(format!("{arg}: {e}")))?;
                let pj = preprocess_json(&p, &self.levels)?;
                let c = configs_arg(&pj["configs"], &self.levels, true)?;
                (Some(pj), c)
            }
        };
        if stop.load(Ordering::Relaxed) {
            return Err(Failure::Stopped);
        }
        let selection = select(&table).map_err(|e| Failure::Value(format!("{arg}: {e}")))?;
        let noise = load_noise(rec.as_ref(), &selection)
            .map_err(|e| Failure::Value(format!("{arg}: {e}")))?;
        let progress = |_: glif_fit::cell::Step<'_>| !stop.load(Ordering::Relaxed);
        let fits = optimize_cell(&starting, &noise, &self.opts, &progress).map_err(|e| {
            if stop.load(Ordering::Relaxed) {
                Failure::Stopped
            } else {
                Failure::Value(e.to_string())
            }
        })?;
        let mut out = fitted_json(&fits, self.opts.seed);
        if self.opts.report {
            out.insert("report".into(), report_json(&fits));
            out.insert("recordings".into(), noise.to_json());
        }
        if self.whole {
            if let Some(p) = pre {
                out.insert(
                    "preprocessor_values".into(),
                    p["preprocessor_values"].clone(),
                );
                out.insert("refused".into(), p["refused"].clone());
            }
        }
        Ok(Value::Object(out))
    }
}

fn run_job<'py>(py: Python<'py>, job: Job) -> PyResult<Bound<'py, PyAny>> {
    job.source.check()?;
    let out = interruptible(py, u64::MAX, |stop: Arc<AtomicBool>| job.run(&stop))?;
    convert::to_py(py, &out.map_err(Failure::into_py)?)
}

/// fit_preprocess(nwb=None, sweeps=None, recordings=None, levels=None) -> dict
///
/// Everything before the optimizer (`glif fit --stage preprocess`):
/// `preprocessor_values` (AllenSDK's keys, SI units), `configs` (each
/// level's starting `{"neuron", "optimizer"}`) and `refused` (levels the
/// cell cannot have, with the reason).
#[pyfunction]
#[pyo3(signature = (nwb=None, sweeps=None, recordings=None, levels=None))]
pub fn fit_preprocess<'py>(
    py: Python<'py>,
    nwb: Option<PathBuf>,
    sweeps: Option<PathBuf>,
    recordings: Option<PathBuf>,
    levels: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let source = CellSource::new(nwb, sweeps, recordings);
    source.check()?;
    let levels = levels_arg(levels)?;
    let out = interruptible(py, u64::MAX, |_stop| -> Result<Value, Failure> {
        let (rec, table, table_name) = source.open()?;
        let p = preprocess_recordings(&table_name, &table, rec.as_ref())
            .map_err(|e| Failure::Value(format!("{}: {e}", source.argument())))?;
        preprocess_json(&p, &levels)
    })?;
    convert::to_py(py, &out.map_err(Failure::into_py)?)
}

/// fit_optimize(nwb=None, sweeps=None, recordings=None, configs=None, levels=None, seed=1234, threads=1, restarts=None, report=False, optimizer="allen") -> dict
///
/// Each level's `th_inf` tuned as AllenSDK's optimizer tunes it (`glif fit
/// --stage optimize`), from `configs` (fit_preprocess's `configs`; when
/// None, the preprocessing is run first): `configs` (the fitted
/// neuron_configs by level) and `optimizer` (per level its restarts, the
/// best coefficient, the number of evaluations and seconds). With
/// `report=True` also `report` and `recordings` (as `fit`).
#[pyfunction]
#[pyo3(signature = (nwb=None, sweeps=None, recordings=None, configs=None, levels=None, seed=1234, threads=1, restarts=None, report=false, optimizer="allen"))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of glif fit's options
pub fn fit_optimize<'py>(
    py: Python<'py>,
    nwb: Option<PathBuf>,
    sweeps: Option<PathBuf>,
    recordings: Option<PathBuf>,
    configs: Option<Bound<'py, PyAny>>,
    levels: Option<Vec<String>>,
    seed: u32,
    threads: usize,
    restarts: Option<(usize, usize)>,
    report: bool,
    optimizer: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let configs = configs
        .map(|c| convert::to_json(&c, "configs"))
        .transpose()?;
    let opts = optimize_options(seed, threads, restarts, report, optimizer)?;
    let job = Job::new(CellSource::new(nwb, sweeps, recordings), levels, opts)?;
    run_job(py, Job { configs, ..job })
}

/// fit(nwb=None, sweeps=None, recordings=None, levels=None, seed=1234, threads=1, restarts=None, optimizer="allen") -> dict
///
/// The whole fit (`glif fit`): `preprocessor_values`, `configs` (the
/// fitted neuron_configs by level), `report` (one row per level: explained
/// variance on Noise 1 and Noise 2 before and after, the th_inf
/// coefficient, evaluations, seconds), `optimizer`, `recordings` (the
/// noise sweeps and their recorded spikes) and `refused`.
#[pyfunction]
#[pyo3(signature = (nwb=None, sweeps=None, recordings=None, levels=None, seed=1234, threads=1, restarts=None, optimizer="allen"))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of glif fit's options
pub fn fit<'py>(
    py: Python<'py>,
    nwb: Option<PathBuf>,
    sweeps: Option<PathBuf>,
    recordings: Option<PathBuf>,
    levels: Option<Vec<String>>,
    seed: u32,
    threads: usize,
    restarts: Option<(usize, usize)>,
    optimizer: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = optimize_options(seed, threads, restarts, true, optimizer)?;
    let job = Job::new(CellSource::new(nwb, sweeps, recordings), levels, opts)?;
    run_job(
        py,
        Job {
            all_levels: true,
            whole: true,
            ..job
        },
    )
}
