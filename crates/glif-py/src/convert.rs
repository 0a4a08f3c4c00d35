//! Python values to and from JSON values, so that Python dicts go through
//! glif-io's one config parser. Floats cross exactly (a Python float is an
//! f64); numpy arrays and scalars are read through `tolist()` / `item()`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::errors::GlifError;
use glif_io::NeuronConfig;

/// `obj` as JSON; `path` names it in errors (e.g. `coeffs.G`).
pub fn to_json(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return float(obj.extract::<f64>()?, path);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return float(f.value(), path);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => s.to_cow()?.into_owned(),
                // Model ids keyed as Python ints ({566283540: {...}}).
                Err(_) if k.is_instance_of::<PyInt>() => k.str()?.to_cow()?.into_owned(),
                Err(_) => {
                    return Err(PyTypeError::new_err(format!(
                        "{}: found key {}, expected string keys",
                        display(path),
                        k.repr()?
                    )))
                }
            };
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            map.insert(key, to_json(&v, &child)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            out.push(to_json(&item?, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(out));
    }
    // A rule object (AllenSDK's GlifNeuronMethod, as its to_dict() returns
    // them): its {'name', 'params'} dict.
    if obj.hasattr("to_dict")? {
        return to_json(&obj.call_method0("to_dict")?, path);
    }
    // numpy arrays and scalars (and anything else that offers them).
    if obj.hasattr("tolist")? && obj.hasattr("dtype")? {
        return to_json(&obj.call_method0("tolist")?, path);
    }
    if obj.hasattr("item")? {
        return to_json(&obj.call_method0("item")?, path);
    }
    Err(PyTypeError::new_err(format!(
        "{}: found {}, expected a number, string, list or dict",
        display(path),
        obj.get_type().name()?
    )))
}

fn display(path: &str) -> &str {
    if path.is_empty() {
        "(config)"
    } else {
        path
    }
}

fn float(x: f64, path: &str) -> PyResult<Value> {
    Number::from_f64(x).map(Value::Number).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{}: found {x}, expected a finite number",
            display(path)
        ))
    })
}

/// `value` as Python objects (dict, list, float, int, str, bool, None).
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) if !n.is_f64() => i.into_pyobject(py)?.into_any(),
            (_, Some(f)) => PyFloat::new(py, f).into_any(),
            _ => PyFloat::new(py, f64::NAN).into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A config dict (bare, as `GlifNeuron.to_dict()` gives) parsed by glif-io.
pub fn parse_bare(config: &Bound<'_, PyAny>) -> PyResult<NeuronConfig> {
    let value = to_json(config, "")?;
    let serde_json::Value::Object(map) = &value else {
        return Err(PyTypeError::new_err(format!(
            "config: found {}, expected a dict (a neuron_config)",
            config.get_type().name()?
        )));
    };
    Ok(NeuronConfig::from_object(map).map_err(GlifError)?)
}
