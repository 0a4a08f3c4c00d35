//! NEST 3.10's GLIF models from Python, over glif-io's `nest` module:
//! `to_nest` (an Allen config as a NEST parameter dict, what
//! `glif convert --to nest` writes) and `nest_run` (a run of `glif_psc`,
//! `glif_psc_double_alpha` or `glif_cond` as NEST runs it, what
//! `glif nest` writes, as numpy arrays). The mapping, the parameter checks
//! and the simulation are glif-io's; this file converts Python values and
//! releases the GIL while the model runs. NEST units: mV, ms, pA, nS, pF.

use glif_io::nest::{
    allen_to_nest, NestModel, NestParams, NestPrecision, NestRun, SpikeInput, StepCurrent,
    SynapseParams,
};
use numpy::PyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;
use crate::errors::GlifError;
use crate::info::any_config;

fn model_named(model: &str) -> PyResult<NestModel> {
    // An unknown name is a bad value (ValueError), though not a number.
    NestModel::from_name(model).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// to_nest(config, model="glif_psc", model_id=None, tau_syn=None, tau_syn_slow=None, amp_slow=None, e_rev=None) -> dict
///
/// The Allen model `config` (a path, a config dict or a GlifNeuron) as a
/// NEST 3.10 parameter dict for `model`, as `glif convert --to nest` writes
/// it: NEST's names and units, ready for `nest.Create(model, params=...)`.
/// `tau_syn` (ms; `tau_syn_fast` for the double alpha model), `tau_syn_slow`
/// (ms), `amp_slow` and `e_rev` (mV) set the synapses (default: NEST's).
#[pyfunction]
#[pyo3(signature = (config, model="glif_psc", model_id=None, tau_syn=None, tau_syn_slow=None, amp_slow=None, e_rev=None))]
#[allow(clippy::too_many_arguments)] // glif convert's options, as keywords
pub fn to_nest<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
    model: &str,
    model_id: Option<&str>,
    tau_syn: Option<Vec<f64>>,
    tau_syn_slow: Option<Vec<f64>>,
    amp_slow: Option<Vec<f64>>,
    e_rev: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let model = model_named(model)?;
    let config = any_config(config, model_id)?;
    let syn = SynapseParams {
        tau_syn,
        tau_syn_slow,
        amp_slow,
        e_rev,
    };
    let dict = allen_to_nest(&config, model, &syn).map_err(GlifError)?;
    convert::to_py(py, &serde_json::Value::Object(dict))
}

/// nest_run(model, params, resolution, duration, dc=0.0, spikes=None, current=None, precision="f64") -> dict
///
/// Runs NEST's `model` with the parameter dict `params` (NEST names and
/// units; absent keys take NEST 3.10's defaults) at `resolution` (ms) for
/// `duration` (ms), with a DC current `dc` (pA), input `spikes` (a list of
/// {"port", "times" ms, "weights"}) and a step current `current`
/// ({"amplitude_times" ms, "amplitude_values" pA, "delay" ms}), exactly as
/// `glif nest`. Returns "times" (ms), every recordable of the model and
/// "spike_times" (ms) as float64 arrays.
#[pyfunction]
#[pyo3(signature = (model, params, resolution, duration, dc=0.0, spikes=None, current=None, precision="f64"))]
#[allow(clippy::too_many_arguments)] // glif nest's options, as keywords
pub fn nest_run<'py>(
    py: Python<'py>,
    model: &str,
    params: &Bound<'py, PyAny>,
    resolution: f64,
    duration: f64,
    dc: f64,
    spikes: Option<&Bound<'py, PyAny>>,
    current: Option<&Bound<'py, PyAny>>,
    precision: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let model = model_named(model)?;
    let precision = match precision {
        "f64" => NestPrecision::F64,
        "f32" => NestPrecision::F32,
        other => {
            return Err(PyValueError::new_err(format!(
                "precision: found {other:?}, expected \"f64\" (NEST's) or \"f32\""
            )))
        }
    };
    let params =
        NestParams::from_json(model, &convert::to_json(params, "params")?).map_err(GlifError)?;
    // Each given as a Python value, converted to JSON and read by glif-io.
    let spikes = spikes.map(|s| convert::to_json(s, "spikes")).transpose()?;
    let spikes = spikes.as_ref().map(SpikeInput::from_json).transpose();
    let spikes = spikes.map_err(GlifError)?.unwrap_or_default();
    let current = current
        .map(|c| convert::to_json(c, "current"))
        .transpose()?;
    let current = current.as_ref().map(StepCurrent::from_json).transpose();
    let current = current.map_err(GlifError)?;
    let run = NestRun {
        current,
        spikes,
        ..NestRun::new(resolution, duration, dc, precision)
    };
    let out = py
        .detach(|| glif_io::nest::run_nest(&params, &run))
        .map_err(GlifError)?;
    let d = PyDict::new(py);
    d.set_item("times", PyArray1::from_vec(py, out.times))?;
    for (name, series) in out.series {
        d.set_item(name, PyArray1::from_vec(py, series))?;
    }
    d.set_item("spike_times", PyArray1::from_vec(py, out.spike_times))?;
    Ok(d)
}
