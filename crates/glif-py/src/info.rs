//! `glif_rs.info(config, dt)`: what `glif info` says about a model, as a
//! dict of numbers. Every value is glif-io's (`NeuronConfig`'s derived
//! values, `run::reset_risk`, `run::dc_scan` over `run::dc_grid` for
//! `run::DC_SCAN_SECONDS`, the model built at f64 and f32); this file only
//! gathers them. Units: V, A, S, F, s.

use std::path::PathBuf;

use glif_io::{AnyPrecisionModel, NeuronConfig, Precision};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert;
use crate::errors::GlifError;

/// `config` as glif-io's config: a path (str or os.PathLike) to a
/// neuron_config JSON file, a config dict (bare or keyed by neuronal model
/// id), or anything with `to_dict()` (a `GlifNeuron`).
pub fn any_config(config: &Bound<'_, PyAny>, model_id: Option<&str>) -> PyResult<NeuronConfig> {
    let is_path = config.is_instance_of::<PyString>() || config.hasattr("__fspath__")?;
    if is_path {
        let path: PathBuf = config.extract()?;
        return Ok(NeuronConfig::from_path(&path, model_id).map_err(GlifError)?);
    }
    let value = convert::to_json(config, "")?;
    Ok(NeuronConfig::from_value(&value, model_id).map_err(GlifError)?)
}

/// info(config, dt=5e-6, model_id=None) -> dict
///
/// What `glif info --dt DT` reports about `config` (a path, a config dict
/// or a GlifNeuron), as numbers: the level, the derived values (tau_m s,
/// conductance S, capacitance F, threshold_at_rest V, rheobase_lif and
/// rheobase A), the forward-Euler step ratio and its warning, the bad-reset
/// risk of the reset rule, the DC scan (square steps of 10 pA to 1 nA for
/// 0.5 s: spike counts, bad resets, the clean firing range) and the
/// validation problems at f64 and f32.
#[pyfunction]
#[pyo3(signature = (config, dt=5e-6, model_id=None))]
pub fn info<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
    dt: f64,
    model_id: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let cfg = any_config(config, model_id)?;
    // `dt` is an argument, not a field of the file: checked on its own
    // (glif-io's check names `dt`), then set.
    glif_io::model::check_dt(dt).map_err(GlifError)?;
    let at = cfg.clone().with_dt(dt).map_err(GlifError)?;
    let d = PyDict::new(py);
    d.set_item("model_id", cfg.model_id.clone())?;
    d.set_item("level", cfg.level())?;
    d.set_item("level_name", glif_io::model::level_description(cfg.level()))?;
    d.set_item("dt", dt)?;
    d.set_item("file_dt", cfg.dt)?;
    d.set_item("tau_m", cfg.tau_m())?;
    d.set_item("conductance", cfg.conductance())?;
    d.set_item("capacitance", cfg.capacitance())?;
    d.set_item("threshold_at_rest", cfg.threshold_at_rest())?;
    d.set_item("rheobase_lif", cfg.rheobase_lif())?;
    d.set_item("threshold_voltage_ratio", cfg.threshold_voltage_ratio())?;
    d.set_item("rheobase", cfg.rheobase())?;
    d.set_item("euler_step_ratio", at.euler_step_ratio())?;
    d.set_item("euler_warning", at.euler_warning())?;
    d.set_item("reset_risk", glif_io::run::reset_risk(&cfg))?;

    // Validation at both precisions, as glif info words it.
    let mut problems: Vec<String> = Vec::new();
    for precision in [Precision::F64, Precision::F32] {
        if let Err(e) = AnyPrecisionModel::new(&at, precision) {
            let p = format!("{e} (at dt = {} s, {})", glif_io::sci(dt), precision.name());
            if problems.last() != Some(&p) {
                problems.push(p);
            }
        }
    }
    d.set_item("valid", problems.is_empty())?;
    d.set_item("problems", problems)?;

    // The DC scan: what square steps of current actually do.
    let grid = glif_io::run::dc_grid();
    let scan = py.detach(|| glif_io::run::dc_scan(&at, &grid, glif_io::run::DC_SCAN_SECONDS));
    match scan {
        Ok(scan) => {
            let s = PyDict::new(py);
            s.set_item("duration", glif_io::run::DC_SCAN_SECONDS)?;
            s.set_item("amplitudes", PyArray1::from_slice(py, &scan.amplitudes))?;
            let counts: Vec<u64> = scan.outcomes.iter().map(|o| o.0 as u64).collect();
            let bad: Vec<bool> = scan.outcomes.iter().map(|o| o.1).collect();
            s.set_item("spike_counts", PyArray1::from_vec(py, counts))?;
            s.set_item("bad_reset", PyArray1::from_vec(py, bad))?;
            d.set_item("dc_scan", s)?;
            d.set_item("dc_clean_range", scan.clean_range())?;
            d.set_item("dc_first_bad_reset", scan.first_bad_reset())?;
        }
        Err(_) => {
            // The model does not build at this dt: `problems` says why.
            d.set_item("dc_scan", py.None())?;
            d.set_item("dc_clean_range", py.None())?;
            d.set_item("dc_first_bad_reset", py.None())?;
        }
    }
    Ok(d)
}
