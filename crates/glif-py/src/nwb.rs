//! AllenSDK's `simulate_neuron` and `load_sweep` over glif-io's `nwb`
//! module (cargo feature `nwb`: links the HDF5 C library). No NWB layout
//! lives here: sweeps are read, simulated and written by glif-io; this
//! module maps AllenSDK's arguments onto it, evaluates the exponentials
//! with the user's `numpy.exp`, and turns errors into Python exceptions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use glif_io::nwb::{self, NwbError, NwbErrorKind, NwbFile, StimulusUnit, SweepOptions};
use glif_io::NeuronConfig;
use numpy::PyArray1;
use pyo3::exceptions::{PyKeyError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::custom;
use crate::engine::{self, ExpSource};
use crate::errors::GlifError;
use crate::interrupt;
use glif_io::RunResult;

/// An NWB error as the exception h5py / AllenSDK would raise: a missing
/// dataset or group is a KeyError, a bad value a ValueError, anything about
/// the file itself an OSError.
fn nwb_error(e: NwbError) -> PyErr {
    let message = e.to_string();
    match e.kind() {
        NwbErrorKind::Missing { .. } => PyKeyError::new_err(message),
        NwbErrorKind::WrongUnit { .. }
        | NwbErrorKind::Invalid(_)
        | NwbErrorKind::LengthMismatch { .. } => PyValueError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}

/// `numpy.exp` of single arguments, asked for from the worker threads that
/// build each sweep's model (taking the GIL for each new argument; a model
/// needs a handful), cached by the argument's bits. numpy evaluates each
/// element of an array alike, so one argument at a time gives what
/// AllenSDK's array and scalar calls give.
struct NumpyExp {
    exp: Py<PyAny>,
    cache: Mutex<HashMap<u64, f64>>,
    failed: Mutex<Option<PyErr>>,
}

impl NumpyExp {
    fn new(py: Python<'_>) -> PyResult<Self> {
        Ok(NumpyExp {
            exp: py.import("numpy")?.getattr("exp")?.unbind(),
            cache: Mutex::new(HashMap::new()),
            failed: Mutex::new(None),
        })
    }

    fn eval(&self, x: f64) -> f64 {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&y) = cache.get(&x.to_bits()) {
            return y;
        }
        let y = Python::attach(|py| -> PyResult<f64> {
            let values: Vec<f64> = self
                .exp
                .call1(py, (PyArray1::from_vec(py, vec![x]),))?
                .call_method0(py, "tolist")?
                .extract(py)?;
            values
                .first()
                .copied()
                .ok_or_else(|| PyValueError::new_err("numpy.exp returned an empty array"))
        });
        match y {
            Ok(y) => {
                cache.insert(x.to_bits(), y);
                y
            }
            Err(e) => {
                // Raised after the call; the value is never used then.
                let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
                failed.get_or_insert(e);
                glif_core::Float::exp(x)
            }
        }
    }
}

/// The file glif-io reads and writes, and the copy it makes, for
/// AllenSDK's `(input_file_name, output_file_name)`:
/// - the same file: simulate in place;
/// - an output that does not exist: glif-io copies the input there first
///   (AllenSDK expects the caller to have made that copy);
/// - an existing other output: simulate in place in the output (AllenSDK
///   reads the stimulus from the input and writes into the output, which
///   its command line makes as a copy of the input: the same stimuli).
fn files(input: &Path, output: &Path) -> (PathBuf, Option<PathBuf>) {
    match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        (Ok(i), Ok(o)) if i == o => (input.to_path_buf(), None),
        (_, Ok(_)) => (output.to_path_buf(), None),
        _ => (input.to_path_buf(), Some(output.to_path_buf())),
    }
}

/// AllenSDK's `simulate_neuron` arguments beside the model.
pub struct SimulateArgs {
    /// The sweep numbers to simulate.
    pub sweeps: Vec<u32>,
    /// `input_file_name`.
    pub input: PathBuf,
    /// `output_file_name` (see [`files`]).
    pub output: PathBuf,
    /// The voltage (V) written for the samples cut after spikes.
    pub spike_cut_value: f64,
    /// Where the exponentials come from.
    pub exp: ExpSource,
}

/// Simulates the sweeps of `args` with `model` and writes them (see
/// [`files`]); returns (sweep number, dt s, spikes) per sweep simulated.
/// `model` is a bare config dict (sweeps in parallel, the GIL released) or
/// a `GlifNeuron` with Python rules ([`simulate_custom`]). Raises when the
/// file or model is unusable, or, after every other sweep was written,
/// when a sweep failed.
pub fn simulate_neuron(
    py: Python<'_>,
    model: &Bound<'_, PyAny>,
    args: SimulateArgs,
) -> PyResult<Vec<(u32, f64, usize)>> {
    let options = SweepOptions {
        spike_cut_value: args.spike_cut_value,
        ..SweepOptions::default()
    };
    let (read, copy_to) = files(&args.input, &args.output);
    let files = (read.as_path(), copy_to.as_deref());
    if model.cast::<PyDict>().is_ok() {
        let config = crate::convert::parse_bare(model)?;
        simulate_config(py, &config, &args.sweeps, files, options, args.exp)
    } else {
        simulate_custom(py, model, &args.sweeps, files, options, args.exp)
    }
}

/// [`simulate_neuron`] for a config: sweeps in parallel, the GIL
/// released, `numpy.exp` asked for from the workers.
fn simulate_config(
    py: Python<'_>,
    config: &NeuronConfig,
    sweeps: &[u32],
    (read, copy_to): (&Path, Option<&Path>),
    options: SweepOptions<'_>,
    exp: ExpSource,
) -> PyResult<Vec<(u32, f64, usize)>> {
    let numpy = match exp {
        ExpSource::Numpy => Some(NumpyExp::new(py)?),
        ExpSource::Libm => None,
    };
    let eval = |x: f64| numpy.as_ref().map_or(x, |n| n.eval(x));
    let exp_fn: Option<glif_io::batch::Exp<'_>> = numpy.as_ref().map(|_| &eval as _);
    // Any sweep may be long: always run on a thread of its own, stopped by
    // Ctrl-C between chunks (`interrupt`; nothing is written then).
    let outcomes = interrupt::interruptible(py, u64::MAX, |stop| {
        let options = SweepOptions {
            stop: Some(stop),
            exp: exp_fn,
            ..options
        };
        nwb::simulate_neuron(read, copy_to, false, config, sweeps, &options, &|_| {})
    })?;
    if let Some(e) = numpy.and_then(|n| n.failed.into_inner().unwrap_or_else(|p| p.into_inner())) {
        return Err(e);
    }
    report(outcomes)
}

/// [`simulate_neuron`] for a `GlifNeuron` with Python rules, through
/// glif-io's `simulate_neuron_each`: each sweep on this thread, the GIL
/// held, after setting `neuron.dt` to the sweep's and taking the neuron's
/// config and rules (`_custom_run_args`) at that `dt`. A Python rule's
/// error or Ctrl-C stops everything: nothing is written (a copy made for
/// `output` is removed) and it is raised.
fn simulate_custom(
    py: Python<'_>,
    neuron: &Bound<'_, PyAny>,
    sweeps: &[u32],
    (read, copy_to): (&Path, Option<&Path>),
    options: SweepOptions<'_>,
    exp: ExpSource,
) -> PyResult<Vec<(u32, f64, usize)>> {
    let mut raised: Option<PyErr> = None;
    let sweep_run = |sweep: &nwb::Sweep| -> PyResult<RunResult> {
        neuron.setattr("dt", sweep.dt)?;
        let (config, methods): (Bound<'_, PyAny>, custom::MethodList) =
            neuron.call_method0("_custom_run_args")?.extract()?;
        neuron.setattr("threshold_components", py.None())?;
        let config = crate::convert::parse_bare(&config)?;
        engine::run_custom_result(
            py,
            &config,
            custom::methods_from(methods)?,
            neuron.clone().unbind(),
            &sweep.stimulus,
            exp,
        )
    };
    let outcomes =
        nwb::simulate_neuron_each(read, copy_to, false, sweeps, &options, &mut |sweep| {
            match sweep_run(sweep) {
                Ok(r) => Some(Ok(r)),
                Err(e) => {
                    raised = Some(e);
                    None
                }
            }
        });
    if let Some(e) = raised {
        return Err(e);
    }
    report(outcomes)
}

/// (sweep number, dt s, spikes) per sweep, or the exception for a file or
/// config that could not be used, or for the sweeps that failed (after
/// the others were written).
fn report(
    outcomes: Result<Vec<nwb::SweepOutcome>, nwb::SimulateError>,
) -> PyResult<Vec<(u32, f64, usize)>> {
    let outcomes = outcomes.map_err(|e| match e {
        nwb::SimulateError::Config(e) => PyErr::from(GlifError(e)),
        nwb::SimulateError::Input(e) | nwb::SimulateError::Output(e) => nwb_error(e),
        // Only after an exception, which the caller raised instead.
        nwb::SimulateError::Stopped => PyRuntimeError::new_err("simulate_neuron: stopped"),
    })?;
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.error.as_ref().map(|e| format!("sweep {}: {e}", o.number)))
        .collect();
    if !failures.is_empty() {
        return Err(PyValueError::new_err(format!(
            "simulate_neuron: {} of {} sweeps failed (the others were written): {}",
            failures.len(),
            outcomes.len(),
            failures.join("; ")
        )));
    }
    Ok(outcomes
        .iter()
        .map(|o| (o.number, o.dt, o.spikes))
        .collect())
}

/// AllenSDK's `NwbDataSet.get_sweep` dict for sweep `number` of `path`.
pub fn load_sweep<'py>(
    py: Python<'py>,
    path: PathBuf,
    number: u32,
) -> PyResult<Bound<'py, PyDict>> {
    let file = NwbFile::open(&path).map_err(nwb_error)?;
    let sweep = file.read_sweep(number).map_err(nwb_error)?;
    let response = file.read_response(number).map_err(nwb_error)?;
    let d = PyDict::new(py);
    d.set_item("stimulus", PyArray1::from_vec(py, sweep.stimulus))?;
    d.set_item("response", PyArray1::from_vec(py, response))?;
    d.set_item(
        "stimulus_unit",
        match sweep.stimulus_unit {
            StimulusUnit::Amps => "Amps",
            StimulusUnit::Volts => "Volts",
            _ => "Unknown",
        },
    )?;
    d.set_item("index_range", sweep.index_range)?;
    d.set_item("sampling_rate", sweep.sampling_rate)?;
    Ok(d)
}
