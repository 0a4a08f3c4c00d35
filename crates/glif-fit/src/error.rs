//! The one error type of the fitting stages.

/// Why a fitting stage refused its input. Every message names the field,
/// the value and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// A number outside what the stage accepts.
    #[error("{field} = {value:e}: expected {expected}")]
    Invalid {
        /// What the value is.
        field: String,
        /// The value given.
        value: f64,
        /// What the stage needs instead.
        expected: String,
    },
    /// A NaN or infinite sample in an input trace.
    #[error("{what} has a non-finite sample {value} at index {index}: recordings must be finite (NaN-padded sweep ends must be cut off first)")]
    NotFinite {
        /// Which trace.
        what: String,
        /// The sample's index.
        index: usize,
        /// The sample.
        value: f64,
    },
    /// The data do not determine the quantity (a singular system, no
    /// usable samples, a fit that cannot start).
    #[error("{what}: {why}")]
    Undetermined {
        /// The quantity being estimated.
        what: String,
        /// Why it cannot be estimated from these data.
        why: String,
    },
}

impl FitError {
    /// An [`FitError::Invalid`] error.
    pub fn invalid(field: &str, value: f64, expected: &str) -> Self {
        Self::Invalid {
            field: field.into(),
            value,
            expected: expected.into(),
        }
    }

    /// An [`FitError::Undetermined`] error.
    pub fn undetermined(what: &str, why: &str) -> Self {
        Self::Undetermined {
            what: what.into(),
            why: why.into(),
        }
    }
}
