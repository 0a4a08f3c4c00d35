//! # glif-py
//!
//! The compiled half of the Python package `glif_rs` (module
//! `glif_rs._glif_rs`): functions over glif-io's config parser and models.
//! The Python half (`python/glif_rs/__init__.py`) holds AllenSDK's classes
//! (`GlifNeuron`, `GlifNeuronMethod`), whose attributes are plain Python
//! values as in AllenSDK; every run hands them to this module as a config
//! dict. No formula or format lives here: configs are parsed and checked by
//! glif-io, models are glif-io's [`glif_io::AnyModel`] and run in
//! glif-core, and errors cross once, through the `errors` module (a glif-io
//! error becomes KeyError, TypeError, ValueError or OSError).
//!
//! Built by maturin (`pip install ./crates/glif-py`); see the package README.
//!
//! ## Cargo features
//! - `nwb` (off by default): `simulate_neuron` and `load_sweep` for Allen
//!   NWB 1.x files, through glif-io's `nwb` feature, which links the HDF5
//!   C library (Debian: `libhdf5-dev`). Off by default so that
//!   `pip install ./crates/glif-py` needs only Rust and Python; turn it on
//!   with `MATURIN_PEP517_ARGS="--features nwb" pip install ./crates/glif-py`
//!   (or `maturin build --features nwb`). Without it the two functions
//!   raise ImportError saying so.
//!
//! maturin builds the extension module with `pyo3/extension-module`
//! (pyproject.toml); plain cargo builds leave it off.

mod convert;
mod custom;
mod engine;
mod errors;
mod ev;
mod fit;
mod info;
mod interrupt;
mod many;
mod nest;
#[cfg(feature = "nwb")]
mod nwb;

use glif_core::rules::ThresholdComponents;
use glif_io::{AnyModel, AnyState, NeuronConfig};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::parse_bare;
use crate::engine::{parse_record, ExpSource};
use crate::errors::GlifError;

/// check_config(config: dict) -> None
///
/// Raises KeyError, TypeError or ValueError (naming the field, the value
/// and what was expected) when `config` (a bare neuron_config dict) cannot
/// build a neuron.
#[pyfunction]
fn check_config(config: &Bound<'_, PyAny>) -> PyResult<()> {
    let config = parse_bare(config)?;
    AnyModel::<f64>::new(&config).map_err(GlifError)?;
    Ok(())
}

/// select_config(d: dict, model_id: str | None = None) -> str | None
///
/// The model id whose config `d` holds (a dict keyed by neuronal model id,
/// as the Allen API returns it), or None for a bare config. The chosen
/// config is parsed (fields, types, values); whether its rules can run
/// together is check_config's question.
#[pyfunction]
#[pyo3(signature = (d, model_id=None))]
fn select_config(d: &Bound<'_, PyAny>, model_id: Option<&str>) -> PyResult<Option<String>> {
    let value = convert::to_json(d, "")?;
    let config = NeuronConfig::from_value(&value, model_id).map_err(GlifError)?;
    Ok(config.model_id)
}

/// read_config(path, model_id=None) -> dict
///
/// Reads a neuron_config JSON file (bare or keyed by neuronal model id) and
/// returns the bare config dict, as GlifNeuron.from_dict reads it.
#[pyfunction]
#[pyo3(signature = (path, model_id=None))]
fn read_config<'py>(
    py: Python<'py>,
    path: std::path::PathBuf,
    model_id: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let config = NeuronConfig::from_path(&path, model_id).map_err(GlifError)?;
    AnyModel::<f64>::new(&config).map_err(GlifError)?;
    convert::to_py(py, &config.to_json())
}

/// exp_arguments(config: dict) -> list[float]
///
/// The argument of every exponential the model's per-dt constants need
/// (what exp="numpy" evaluates with numpy.exp).
#[pyfunction]
fn exp_arguments(config: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    let config = parse_bare(config)?;
    Ok(AnyModel::<f64>::exp_arguments(&config).map_err(GlifError)?)
}

/// run(config, stim, exp="numpy", record="all", custom=None, neuron=None) -> dict
///
/// Runs the bare config dict `config` over `stim` (A, one sample per dt).
/// `custom`, with `neuron`: six entries in the order voltage, threshold,
/// currents dynamics, voltage, threshold, currents reset, each `None` (the
/// config's built-in rule) or `(method, name)`, a Python rule called as
/// AllenSDK calls that family's method, with `neuron` first (see
/// `custom.rs`); the config's method of such a family is ignored.
#[pyfunction]
#[pyo3(signature = (config, stim, exp="numpy", record="all", custom=None, neuron=None))]
fn run<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
    stim: &Bound<'py, PyAny>,
    exp: &str,
    record: &str,
    custom: Option<custom::MethodList>,
    neuron: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let exp = ExpSource::parse(exp)?;
    let record = parse_record(record)?;
    let config = parse_bare(config)?;
    let custom = match custom {
        None => None,
        Some(list) => Some((
            custom::methods_from(list)?,
            neuron.unwrap_or_else(|| py.None()),
        )),
    };
    engine::run(&config, stim, exp, record, custom)
}

/// run_many(configs, stimulus=None, stimuli=None, dt, record="all", threads=None, progress=None, exp="numpy") -> list
///
/// Runs every config dict of `configs` (bare or keyed by one model id) at
/// time step `dt` (s) through glif-io's batch runner, the GIL released:
/// on `stimulus` (A per sample, float64, contiguous), shared by every
/// model, or each on its own entry of `stimuli`. Returns, per config, the
/// result dict of `run()` or the exception object that stopped it.
/// `progress(done, total)` hears neuron-steps, from worker threads.
#[pyfunction]
#[pyo3(signature = (configs, dt, stimulus=None, stimuli=None, record="all", threads=None, progress=None, exp="numpy"))]
#[allow(clippy::too_many_arguments)] // run_many's keyword arguments
fn run_many(
    py: Python<'_>,
    configs: Vec<Bound<'_, PyAny>>,
    dt: f64,
    stimulus: Option<numpy::PyReadonlyArray1<'_, f64>>,
    stimuli: Option<Vec<numpy::PyReadonlyArray1<'_, f64>>>,
    record: &str,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    exp: &str,
) -> PyResult<Vec<Py<PyAny>>> {
    let exp = ExpSource::parse(exp)?;
    let record = parse_record(record)?;
    if threads == Some(0) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "threads: found 0, expected a number of worker threads >= 1 or None (every core)",
        ));
    }
    let stimuli =
        match (stimulus, stimuli) {
            (Some(s), None) => many::Stimuli::Shared(s),
            (None, Some(v)) => many::Stimuli::Each(v),
            _ => return Err(PyTypeError::new_err(
                "run_many: expected exactly one of stimulus (shared) or stimuli (one per model)",
            )),
        };
    let parsed = configs
        .iter()
        .map(|c| {
            let value = convert::to_json(c, "")?;
            Ok(NeuronConfig::from_value(&value, None).map_err(GlifError)?)
        })
        .collect();
    many::run_many(py, parsed, stimuli, dt, record, threads, progress, exp)
}

/// simulate_neuron(model, sweep_numbers, input_file_name, output_file_name, spike_cut_value, exp="numpy") -> list
///
/// AllenSDK's simulate_neuron over glif-io's NWB simulation, for `model` a
/// bare config dict (sweeps in parallel, the GIL released) or a GlifNeuron
/// with Python rules (one sweep after another on this thread, `neuron.dt`
/// set to each sweep's before its run, as AllenSDK does): returns (sweep
/// number, dt s, spikes) per sweep.
#[cfg(feature = "nwb")]
#[pyfunction]
#[pyo3(signature = (model, sweep_numbers, input_file_name, output_file_name, spike_cut_value, exp="numpy"))]
fn simulate_neuron(
    py: Python<'_>,
    model: &Bound<'_, PyAny>,
    sweep_numbers: Vec<u32>,
    input_file_name: std::path::PathBuf,
    output_file_name: std::path::PathBuf,
    spike_cut_value: f64,
    exp: &str,
) -> PyResult<Vec<(u32, f64, usize)>> {
    let args = nwb::SimulateArgs {
        sweeps: sweep_numbers,
        input: input_file_name,
        output: output_file_name,
        spike_cut_value,
        exp: ExpSource::parse(exp)?,
    };
    nwb::simulate_neuron(py, model, args)
}

/// load_sweep(file_name, sweep_number) -> dict
///
/// AllenSDK's NwbDataSet(file_name).get_sweep(sweep_number), read by glif-io.
#[cfg(feature = "nwb")]
#[pyfunction]
fn load_sweep<'py>(
    py: Python<'py>,
    file_name: std::path::PathBuf,
    sweep_number: u32,
) -> PyResult<Bound<'py, PyDict>> {
    nwb::load_sweep(py, file_name, sweep_number)
}

/// The state of a single step: (voltage V, threshold V, currents A,
/// (spike component V, voltage component V)).
type StepValues = (f64, f64, Vec<f64>, (f64, f64));

fn step_values(s: AnyState<f64>) -> StepValues {
    (s.v, s.th, s.asc, (s.components.spike, s.components.voltage))
}

fn any_state(v: f64, th: f64, asc: Vec<f64>, components: (f64, f64)) -> AnyState<f64> {
    AnyState {
        v,
        th,
        asc,
        components: ThresholdComponents {
            spike: components.0,
            voltage: components.1,
        },
    }
}

/// dynamics(config, voltage_t0, threshold_t0, AScurrents_t0, inj, components, exp="numpy")
///
/// One sample of the dynamics rules of the bare config dict `config`
/// (AllenSDK's GlifNeuron.dynamics): returns (voltage V, threshold V,
/// currents A, (spike, voltage) threshold components V).
#[pyfunction]
#[pyo3(signature = (config, voltage_t0, threshold_t0, ascurrents_t0, inj, components, exp="numpy"))]
#[allow(clippy::too_many_arguments)] // AllenSDK's arguments, plus the config and exp
fn dynamics(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    voltage_t0: f64,
    threshold_t0: f64,
    ascurrents_t0: Vec<f64>,
    inj: f64,
    components: (f64, f64),
    exp: &str,
) -> PyResult<StepValues> {
    let config = parse_bare(config)?;
    let model = engine::build_model(py, &config, ExpSource::parse(exp)?)?;
    let s0 = any_state(voltage_t0, threshold_t0, ascurrents_t0, components);
    Ok(step_values(model.dynamics(&s0, inj).map_err(GlifError)?))
}

/// reset(config, voltage_t0, threshold_t0, AScurrents_t0, components, exp="numpy")
///
/// The reset rules of `config` applied to values that crossed threshold
/// (AllenSDK's GlifNeuron.reset): returns the values after the spike cut,
/// as dynamics does.
#[pyfunction]
#[pyo3(signature = (config, voltage_t0, threshold_t0, ascurrents_t0, components, exp="numpy"))]
fn reset(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    voltage_t0: f64,
    threshold_t0: f64,
    ascurrents_t0: Vec<f64>,
    components: (f64, f64),
    exp: &str,
) -> PyResult<StepValues> {
    let config = parse_bare(config)?;
    let model = engine::build_model(py, &config, ExpSource::parse(exp)?)?;
    let s1 = any_state(voltage_t0, threshold_t0, ascurrents_t0, components);
    Ok(step_values(model.reset(&s1).map_err(GlifError)?))
}

/// interpolate_spike_time(dt, time_step, threshold_t0, threshold_t1, voltage_t0, voltage_t1) -> float
///
/// AllenSDK's spike time (s), glif-core's formula.
#[pyfunction]
fn interpolate_spike_time(
    dt: f64,
    time_step: i64,
    threshold_t0: f64,
    threshold_t1: f64,
    voltage_t0: f64,
    voltage_t1: f64,
) -> f64 {
    glif_core::interpolate_spike_time(
        dt,
        time_step,
        threshold_t0,
        threshold_t1,
        voltage_t0,
        voltage_t1,
    )
}

/// interpolate_spike_value(dt, interpolated_spike_time_offset, v0, v1) -> float
///
/// AllenSDK's interpolated value, glif-core's formula.
#[pyfunction]
fn interpolate_spike_value(dt: f64, interpolated_spike_time_offset: f64, v0: f64, v1: f64) -> f64 {
    glif_core::interpolate_spike_value(dt, interpolated_spike_time_offset, v0, v1)
}

/// The compiled part of glif_rs.
#[pymodule]
fn _glif_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(check_config, m)?)?;
    m.add_function(wrap_pyfunction!(select_config, m)?)?;
    m.add_function(wrap_pyfunction!(read_config, m)?)?;
    m.add_function(wrap_pyfunction!(exp_arguments, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(run_many, m)?)?;
    #[cfg(feature = "nwb")]
    {
        m.add_function(wrap_pyfunction!(simulate_neuron, m)?)?;
        m.add_function(wrap_pyfunction!(load_sweep, m)?)?;
    }
    m.add_function(wrap_pyfunction!(dynamics, m)?)?;
    m.add_function(wrap_pyfunction!(reset, m)?)?;
    m.add_function(wrap_pyfunction!(interpolate_spike_time, m)?)?;
    m.add_function(wrap_pyfunction!(interpolate_spike_value, m)?)?;
    m.add_function(wrap_pyfunction!(info::info, m)?)?;
    m.add_function(wrap_pyfunction!(nest::to_nest, m)?)?;
    m.add_function(wrap_pyfunction!(nest::nest_run, m)?)?;
    m.add_function(wrap_pyfunction!(ev::explained_variance, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fit, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fit_preprocess, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fit_optimize, m)?)?;
    Ok(())
}
