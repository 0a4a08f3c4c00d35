//! `run()`: the stimulus in, glif-io's model over it (GIL released), and
//! AllenSDK's result dict out.

use glif_core::{Model, Phase, Recorder, RuleSet, Rules, RunError};
use glif_io::stimulus::CHUNK;
use glif_io::{
    run_custom_rules_model, AnyModel, CustomModelRunner, NeuronConfig, Record, RunEnd, RunResult,
    SpikeTrain,
};
use numpy::ndarray::ArrayView1;
use numpy::{PyArray1, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::custom::{
    failed, set_context, spiked, with_rules, Methods, PyAscDynamics, PyAscReset,
    PyThresholdDynamics, PyThresholdReset, PyVoltageDynamics, PyVoltageReset,
};
use crate::errors::GlifError;
use crate::interrupt::{self, Checked};
use glif_io::model::ExpTable;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where the per-`dt` constants' exponentials come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpSource {
    /// `numpy.exp` of the numpy this process imported: what AllenSDK
    /// computes on this machine (the default).
    Numpy,
    /// `libm`: the portable values of the Rust library and the firmware.
    Libm,
}

impl ExpSource {
    pub fn parse(name: &str) -> PyResult<Self> {
        match name {
            "numpy" => Ok(ExpSource::Numpy),
            "libm" => Ok(ExpSource::Libm),
            other => Err(PyValueError::new_err(format!(
                "exp: found {other:?}, expected \"numpy\" or \"libm\""
            ))),
        }
    }
}

/// glif-io's [`Record`] from `run`'s `record` keyword (`"all"` or
/// `"spikes"`), refused with a message naming the keyword.
pub fn parse_record(name: &str) -> PyResult<Record> {
    name.parse().map_err(|_| {
        PyValueError::new_err(format!(
            "record: found {name:?}, expected \"all\" or \"spikes\""
        ))
    })
}

/// The exponentials of the model's constants: `numpy.exp` evaluated on the
/// arguments glif-io says the model needs, as (argument, value) pairs.
pub fn numpy_exp_table(py: Python<'_>, config: &NeuronConfig) -> PyResult<ExpTable> {
    let args = AnyModel::<f64>::exp_arguments(config).map_err(GlifError)?;
    numpy_exp(py, args)
}

/// glif-io's [`ExpTable`] of `numpy.exp` over `args`, evaluated in one call
/// (numpy evaluates each element of an array as it would the scalar).
pub fn numpy_exp(py: Python<'_>, args: Vec<f64>) -> PyResult<ExpTable> {
    let numpy = py.import("numpy")?;
    let x = PyArray1::from_vec(py, args.clone());
    let y = numpy.getattr("exp")?.call1((x,))?;
    let values: Vec<f64> = y.call_method0("tolist")?.extract()?;
    Ok(ExpTable::from_pairs(args.into_iter().zip(values)))
}

/// Looks `x` up in `table` (bit for bit); arguments outside the table (none:
/// the table holds every argument the model asks for) fall back to libm.
fn lookup(table: &ExpTable, x: f64) -> f64 {
    table.get(x).unwrap_or_else(|| x.exp())
}

/// `exp` of the model's constants from `exp`: `numpy.exp`, looked up in
/// the table of the arguments `config` needs, or libm.
fn exp_fn(py: Python<'_>, config: &NeuronConfig, exp: ExpSource) -> PyResult<impl Fn(f64) -> f64> {
    let table = match exp {
        ExpSource::Numpy => Some(numpy_exp_table(py, config)?),
        ExpSource::Libm => None,
    };
    Ok(move |x: f64| match &table {
        Some(t) => lookup(t, x),
        None => x.exp(),
    })
}

/// The stimulus as the engine reads it: numpy memory borrowed in place
/// (contiguous or strided, float64 or float32), or a converted copy.
enum Input<'a> {
    F64(ArrayView1<'a, f64>),
    F32(ArrayView1<'a, f32>),
}

impl Input<'_> {
    fn len(&self) -> usize {
        match self {
            Input::F64(a) => a.len(),
            Input::F32(a) => a.len(),
        }
    }
}

/// Calls `$body` with `$it` an iterator of f64 samples over `$input`;
/// contiguous memory is read as a slice.
macro_rules! with_samples {
    ($input:expr, $it:ident => $body:expr) => {
        match $input {
            Input::F64(a) => match a.as_slice() {
                Some(s) => {
                    let $it = s.iter().copied();
                    $body
                }
                None => {
                    let $it = a.iter().copied();
                    $body
                }
            },
            // float32 -> float64 is exact: what numpy's promotion gives AllenSDK.
            Input::F32(a) => match a.as_slice() {
                Some(s) => {
                    let $it = s.iter().map(|&x| f64::from(x));
                    $body
                }
                None => {
                    let $it = a.iter().map(|&x| f64::from(x));
                    $body
                }
            },
        }
    };
}

/// What one run produced.
pub enum Output {
    All(RunResult),
    Spikes(SpikeTrain),
}

impl Output {
    fn end(&self) -> RunEnd {
        match self {
            Output::All(r) => r.end,
            Output::Spikes(s) => s.end,
        }
    }
}

/// Runs `model` over `input`, looking at `stop` between chunks (a stopped
/// run's output is incomplete: the caller drops it).
fn run_any(model: &AnyModel<f64>, input: &Input<'_>, record: Record, stop: &AtomicBool) -> Output {
    let n = input.len();
    let stop = || stop.load(Ordering::Relaxed);
    match record {
        Record::All => {
            let mut result = RunResult::new(model.asc_count(), n);
            result.end = with_samples!(input, it => RunEnd::from(model.run_iter(Checked::new(it, stop), &mut result)));
            Output::All(result)
        }
        Record::Spikes => {
            let mut spikes = SpikeTrain::default();
            spikes.end = with_samples!(input, it => RunEnd::from(model.run_iter(Checked::new(it, stop), &mut spikes)));
            Output::Spikes(spikes)
        }
    }
}

/// Runs `config` with the Python rules `methods` of `neuron` (the other
/// families the config's built-in rules) over `input`, a sample at a time
/// (each Python rule needs the step's context: `custom::set_context`),
/// the GIL held, running Python's signal handlers between chunks. A Python
/// rule's error or Ctrl-C is raised; a run that stopped with a non-finite
/// value or nonzero currents is an output whose `end` says so.
fn run_custom(
    py: Python<'_>,
    config: &NeuronConfig,
    methods: Methods,
    neuron: Py<PyAny>,
    exp: &dyn Fn(f64) -> f64,
    input: &Input<'_>,
    record: Record,
) -> PyResult<Output> {
    let custom = methods.each_ref().map(|m| m.is_some());
    let pick = |i: usize| custom[i].then_some(());
    let rules = Rules {
        voltage: pick(0).map(|()| PyVoltageDynamics),
        threshold: pick(1).map(|()| PyThresholdDynamics),
        asc: pick(2).map(|()| PyAscDynamics),
        voltage_reset: pick(3).map(|()| PyVoltageReset),
        threshold_reset: pick(4).map(|()| PyThresholdReset),
        asc_reset: pick(5).map(|()| PyAscReset),
    };
    let mut raised: Option<PyErr> = None;
    let mut stop = || match py.check_signals() {
        Ok(()) => false,
        Err(e) => {
            raised = Some(e);
            true
        }
    };
    let steps = StepByStep {
        py,
        input,
        record,
        stop: &mut stop,
    };
    let out = with_rules(py, methods, neuron, || {
        run_custom_rules_model(config, rules, exp, steps).map_err(GlifError)
    })?;
    if let Some(e) = raised {
        return Err(e);
    }
    out?
}

/// Runs a model of Python rules over `input` with [`step_by_step`],
/// recording `record`, asking `stop` between chunks (a stopped run's
/// output is incomplete). Stops at the end of the sample where a Python
/// rule failed (the caller raises its error).
struct StepByStep<'a, 'i, 'py> {
    py: Python<'py>,
    input: &'a Input<'i>,
    record: Record,
    stop: &'a mut dyn FnMut() -> bool,
}

impl CustomModelRunner<f64> for StepByStep<'_, '_, '_> {
    type Output = PyResult<Output>;

    fn run<const N: usize, R: RuleSet<f64, N>>(self, model: Model<f64, N, R>) -> PyResult<Output> {
        let StepByStep {
            py,
            input,
            record,
            stop,
        } = self;
        let n = input.len();
        Ok(match record {
            Record::All => {
                let mut result = RunResult::new(N, n);
                result.end = with_samples!(input, it => step_by_step(py, &model, it, &mut result, &mut *stop))?;
                Output::All(result)
            }
            Record::Spikes => {
                let mut spikes = SpikeTrain::default();
                spikes.end = with_samples!(input, it => step_by_step(py, &model, it, &mut spikes, &mut *stop))?;
                Output::Spikes(spikes)
            }
        })
    }
}

/// Records what a recorder records and notes the step of a spike.
struct Tap<'a, R> {
    inner: &'a mut R,
    spike: Option<usize>,
}

impl<const N: usize, R: Recorder<f64, N>> Recorder<f64, N> for Tap<'_, R> {
    #[inline(always)]
    fn sample(&mut self, index: usize, v: f64, th: f64, asc: &[f64; N]) {
        self.inner.sample(index, v, th, asc);
    }
    #[inline(always)]
    fn nan_sample(&mut self, index: usize) {
        self.inner.nan_sample(index);
    }
    #[inline(always)]
    fn spike(&mut self, spike: &glif_core::Spike<f64>) {
        self.spike = Some(spike.step);
        self.inner.spike(spike);
    }
}

/// glif-core's `Neuron::advance` over `samples`, one at a time, with each
/// step's context handed to the Python rules first.
fn step_by_step<const N: usize, R: RuleSet<f64, N>, Rec: Recorder<f64, N>>(
    py: Python<'_>,
    model: &Model<f64, N, R>,
    samples: impl Iterator<Item = f64>,
    recorder: &mut Rec,
    stop: &mut dyn FnMut() -> bool,
) -> PyResult<RunEnd> {
    let mut neuron = model.neuron();
    let mut tap = Tap {
        inner: recorder,
        spike: None,
    };
    for (i, x) in samples.enumerate() {
        if i % CHUNK == 0 && i > 0 && stop() {
            break;
        }
        // A non-finite input would reach the Python rules and come back as
        // their NaN: stop at it, as the built-in rules stop (the caller
        // names the sample). Inside a cut the input is not read.
        if !x.is_finite() && neuron.phase() == Phase::Running {
            return Ok(RunEnd::Failed(RunError::NonFinite {
                step: neuron.index(),
            }));
        }
        let s = neuron.state();
        set_context(neuron.index(), s.th, &s.asc);
        let r = neuron.advance(x, &mut tap);
        if failed() {
            break;
        }
        if let Err(e) = r {
            return Ok(RunEnd::Failed(e));
        }
        if let Some(t) = tap.spike.take() {
            spiked(py, t)?;
        }
    }
    Ok(RunEnd::from(neuron.outcome()))
}

/// The stimulus argument as an [`Input`]: float64/float32 1-D numpy arrays
/// are borrowed without a copy; anything else goes through
/// `numpy.asarray(stim, dtype=float64)` (one copy), as AllenSDK's arithmetic
/// would promote it.
fn with_input<T>(
    py: Python<'_>,
    stim: &Bound<'_, PyAny>,
    f: impl FnOnce(Input<'_>) -> PyResult<T>,
) -> PyResult<T> {
    if let Ok(a) = stim.cast::<PyArray1<f64>>() {
        let r = a
            .try_readonly()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        return f(Input::F64(r.as_array()));
    }
    if let Ok(a) = stim.cast::<PyArray1<f32>>() {
        let r = a
            .try_readonly()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        return f(Input::F32(r.as_array()));
    }
    let numpy = py.import("numpy")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", numpy.getattr("float64")?)?;
    let converted = numpy
        .getattr("asarray")?
        .call((stim,), Some(&kwargs))
        .map_err(|e| {
            PyTypeError::new_err(format!(
                "stim: expected a 1-D array-like of input current samples (A), \
                 one per dt ({e})"
            ))
        })?;
    match converted.cast::<PyArray1<f64>>() {
        Ok(a) => {
            let r = a
                .try_readonly()
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            f(Input::F64(r.as_array()))
        }
        Err(_) => {
            let shape: Vec<usize> = converted
                .cast::<numpy::PyUntypedArray>()
                .map(|a| a.shape().to_vec())
                .unwrap_or_default();
            Err(PyValueError::new_err(format!(
                "stim: found an array of shape {shape:?}, expected a 1-D array of \
                 input current samples (A), one per dt"
            )))
        }
    }
}

/// The model of `config` with its exponentials from `exp`.
pub fn build_model(
    py: Python<'_>,
    config: &NeuronConfig,
    exp: ExpSource,
) -> PyResult<AnyModel<f64>> {
    let model = match exp {
        ExpSource::Numpy => numpy_exp_table(py, config)?.model(config),
        ExpSource::Libm => AnyModel::<f64>::new(config),
    };
    Ok(model.map_err(GlifError)?)
}

/// Runs `config` over `stim`; the result dict of AllenSDK's `run()` (or its
/// spike keys only, for [`Record::Spikes`]).
pub fn run<'py>(
    config: &NeuronConfig,
    stim: &Bound<'py, PyAny>,
    exp: ExpSource,
    record: Record,
    custom: Option<(Methods, Py<PyAny>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let py = stim.py();
    let exp_fn = exp_fn(py, config, exp)?;
    let output = with_input(py, stim, |input| {
        let output = match custom {
            None => {
                let model = AnyModel::<f64>::with_exp(config, &exp_fn).map_err(GlifError)?;
                // The engine touches no Python object: release the GIL (and
                // stop at Ctrl-C: see `interrupt`).
                let steps = input.len() as u64;
                interrupt::interruptible(py, steps, |stop| run_any(&model, &input, record, &stop))?
            }
            // Python rules need the GIL at every step: keep it, and run
            // Python's signal handlers between chunks.
            Some((methods, neuron)) => {
                run_custom(py, config, methods, neuron, &exp_fn, &input, record)?
            }
        };
        match output.end() {
            RunEnd::Failed(e) => Err(run_error(
                e,
                "stim",
                || with_samples!(&input, it => first_non_finite(it, e)),
            )),
            _ => Ok(output),
        }
    })?;
    result_dict(py, output)
}

/// Runs `config` with the Python rules `methods` (see [`run`]) over
/// `samples` (A), every output recorded: for `simulate_neuron`'s sweeps.
/// A run that stopped with a non-finite value or nonzero currents is a
/// result whose `end` says so; a Python rule's error or Ctrl-C is raised.
#[cfg(feature = "nwb")]
pub fn run_custom_result(
    py: Python<'_>,
    config: &NeuronConfig,
    methods: Methods,
    neuron: Py<PyAny>,
    samples: &[f64],
    exp: ExpSource,
) -> PyResult<RunResult> {
    let exp_fn = exp_fn(py, config, exp)?;
    let input = Input::F64(ArrayView1::from(samples));
    match run_custom(py, config, methods, neuron, &exp_fn, &input, Record::All)? {
        Output::All(r) => Ok(r),
        Output::Spikes(_) => unreachable!("Record::All records every output"),
    }
}

/// The first non-finite sample of `samples` at or before the step where
/// the run stopped with a non-finite voltage or threshold, if any: (index,
/// value).
pub fn first_non_finite(
    samples: impl Iterator<Item = f64>,
    e: glif_core::RunError,
) -> Option<(usize, f64)> {
    let glif_core::RunError::NonFinite { step } = e else {
        return None;
    };
    samples
        .take(step.saturating_add(1))
        .enumerate()
        .find(|(_, x)| !x.is_finite())
}

/// The exception for a run that stopped with `e`: a non-finite stimulus
/// sample (`bad()`: its index and value) is named as `argument[index]`
/// with its value, as Python prints it; anything else is glif-io's message.
pub fn run_error(
    e: glif_core::RunError,
    argument: &str,
    bad: impl FnOnce() -> Option<(usize, f64)>,
) -> PyErr {
    match bad() {
        Some((i, x)) => {
            let shown = if x.is_nan() {
                "nan"
            } else if x > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            PyValueError::new_err(format!(
                "{argument}[{i}]: found {shown}, expected a finite input current (A) in every \
                 sample (the run stopped there)"
            ))
        }
        None => GlifError::from(e).into(),
    }
}

pub fn result_dict<'py>(py: Python<'py>, output: Output) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let spikes = match output {
        Output::All(r) => {
            let n = r.len();
            let k = r.asc_count;
            let spikes = r.spikes;
            d.set_item("voltage", PyArray1::from_vec(py, r.voltage))?;
            d.set_item("threshold", PyArray1::from_vec(py, r.threshold))?;
            d.set_item("AScurrents", PyArray1::from_vec(py, r.asc).reshape([n, k])?)?;
            spikes
        }
        Output::Spikes(s) => s.spikes,
    };
    let floats =
        |f: fn(&glif_core::Spike<f64>) -> f64| -> Vec<f64> { spikes.iter().map(f).collect() };
    d.set_item(
        "grid_spike_times",
        PyArray1::from_vec(py, floats(|s| s.grid_time)),
    )?;
    d.set_item(
        "interpolated_spike_times",
        PyArray1::from_vec(py, floats(|s| s.time)),
    )?;
    // AllenSDK: np.array of a list of Python ints (int64), or of an empty
    // list (float64).
    if spikes.is_empty() {
        d.set_item(
            "spike_time_steps",
            PyArray1::<f64>::from_vec(py, Vec::new()),
        )?;
    } else {
        let steps: Vec<i64> = spikes.iter().map(|s| s.step as i64).collect();
        d.set_item("spike_time_steps", PyArray1::from_vec(py, steps))?;
    }
    d.set_item(
        "interpolated_spike_voltage",
        PyArray1::from_vec(py, floats(|s| s.voltage)),
    )?;
    d.set_item(
        "interpolated_spike_threshold",
        PyArray1::from_vec(py, floats(|s| s.threshold)),
    )?;
    Ok(d)
}
