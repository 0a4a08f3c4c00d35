//! glif-io's errors as the Python exceptions a user expects. Every message
//! is glif-io's: it names the field (JSON path), the value found and what
//! was expected.
//!
//! | glif-io error | Python |
//! |---|---|
//! | a missing field, an unknown or ambiguous model id | `KeyError` |
//! | a field of the wrong type (a string where a number belongs, ...) | `TypeError` |
//! | a value out of range, a wrong length, an unknown rule, a failed run | `ValueError` |
//! | a file that cannot be read | `OSError` (`FileNotFoundError`, ...) |

use glif_io::{Error, ErrorKind};
use pyo3::exceptions::{PyKeyError, PyOSError, PyTypeError, PyValueError};
use pyo3::PyErr;

/// A glif-io error on its way to Python.
pub struct GlifError(pub Error);

impl From<Error> for GlifError {
    fn from(e: Error) -> Self {
        GlifError(e)
    }
}

impl From<glif_core::RunError> for GlifError {
    fn from(e: glif_core::RunError) -> Self {
        GlifError(Error::from(e))
    }
}

impl From<GlifError> for PyErr {
    fn from(GlifError(e): GlifError) -> PyErr {
        let message = e.to_string();
        match &e.kind {
            ErrorKind::Missing { .. }
            | ErrorKind::ModelNotFound { .. }
            | ErrorKind::AmbiguousModel { .. } => PyKeyError::new_err(message),
            ErrorKind::Invalid { found, .. } if !is_number(found) => PyTypeError::new_err(message),
            ErrorKind::Io(io) => PyOSError::new_err((io.raw_os_error().unwrap_or(0), message)),
            _ => PyValueError::new_err(message),
        }
    }
}

/// True when glif-io's description of the value found is a number (a bad
/// value of the right type) rather than a string, list, object, bool or null.
fn is_number(found: &str) -> bool {
    found.trim().parse::<f64>().is_ok()
}
