//! `glif_rs.explained_variance`: glif-fit's explained variance of spike
//! times (Teeter et al. 2018) on spike trains given as lists of times.
//! A bad value raises ValueError with glif-fit's message (which names the
//! train, the spike and the value).

use glif_fit::ev::{explained_variance as ev, steps_for_duration, trains_to_indices};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Explained variance of `model` spike trains against `recorded` ones:
/// each a list of trains, each train a sequence of spike times in seconds
/// from the stimulus start, binned at `int(t / dt)` on trains of
/// `duration / dt` samples and convolved with a Gaussian of standard
/// deviation `sigma` s. Returns a dict: `ev_data` (the recorded trains'
/// PSTH against each of them), `ev_model` (every model train against every
/// recorded train), `ratio` (`ev_model / ev_data`) and `steps`.
#[pyfunction]
#[pyo3(signature = (recorded, model, dt, duration, sigma = glif_fit::ev::TEETER_SIGMA))]
pub fn explained_variance<'py>(
    py: Python<'py>,
    recorded: Vec<Vec<f64>>,
    model: Vec<Vec<f64>>,
    dt: f64,
    duration: f64,
    sigma: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let err = |e: glif_fit::FitError| PyValueError::new_err(e.to_string());
    let steps = steps_for_duration(duration, dt).map_err(err)?;
    let rec = trains_to_indices(&recorded, dt, steps, "recorded").map_err(err)?;
    let modelled = trains_to_indices(&model, dt, steps, "model").map_err(err)?;
    let e = py
        .detach(|| ev(&rec, &modelled, dt, sigma, steps))
        .map_err(err)?;
    let d = PyDict::new(py);
    d.set_item("ev_data", e.ev_data)?;
    d.set_item("ev_model", e.ev_model)?;
    d.set_item("ratio", e.ratio)?;
    d.set_item("steps", steps)?;
    Ok(d)
}
