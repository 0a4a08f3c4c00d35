//! Small `Copy` errors: no heap, no formatting machinery needed to carry them.

use core::fmt;

/// What is wrong with a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// NaN or infinite.
    NotFinite,
    /// Must be strictly greater than zero.
    NotPositive,
    /// Must not be zero (it is a divisor).
    Zero,
    /// `three_components_exact` divides by `b_voltage*coeffs.b - G*coeffs.G/(C*coeffs.C)`,
    /// which is zero for these parameters.
    SingularThreshold,
    /// A precomputed constant (decay factor, quotient) overflowed to a non-finite value.
    DerivedNotFinite,
}

impl Problem {
    /// What the value was expected to be, in words.
    pub const fn expected(self) -> &'static str {
        match self {
            Problem::NotFinite => "a finite number",
            Problem::NotPositive => "a number > 0",
            Problem::Zero => "a non-zero number",
            Problem::SingularThreshold => "b_voltage*coeffs.b != G*coeffs.G/(C*coeffs.C)",
            Problem::DerivedNotFinite => {
                "parameters whose derived decay factors and quotients are finite"
            }
        }
    }
}

/// A parameter failed validation: which field (with the array index for
/// per-current arrays) and what is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// The field's name as in Allen's `neuron_config` JSON, e.g. `"asc_tau_array"`
    /// or `"threshold_dynamics_method.params.b_voltage"`.
    pub field: &'static str,
    /// Index into the field when it is an array.
    pub index: Option<usize>,
    /// The problem.
    pub problem: Problem,
}

impl ParamError {
    pub(crate) const fn new(field: &'static str, problem: Problem) -> Self {
        ParamError {
            field,
            index: None,
            problem,
        }
    }

    pub(crate) const fn at(field: &'static str, index: usize, problem: Problem) -> Self {
        ParamError {
            field,
            index: Some(index),
            problem,
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "{}[{}]", self.field, i)?,
            None => f.write_str(self.field)?,
        }
        write!(f, ": expected {}", self.problem.expected())
    }
}

impl core::error::Error for ParamError {}

/// A run could not continue. The recorder keeps every sample and spike
/// recorded before the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunError {
    /// The after-spike current reset rule is `none` but the currents were not
    /// zero at a spike (AllenSDK raises "You are running a LIF but the
    /// AScurrents are not zero!").
    NonzeroAfterSpikeCurrents {
        /// The sample of the spike.
        step: usize,
    },
    /// Voltage or threshold became NaN or infinite (for example a forward-Euler
    /// step far too large for the membrane time constant). AllenSDK would
    /// silently carry on with NaN.
    NonFinite {
        /// The first sample at which it was seen.
        step: usize,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RunError::NonzeroAfterSpikeCurrents { step } => write!(
                f,
                "after-spike currents are not zero at the spike at step {step}, \
                 but AScurrent_reset_method is 'none' (AllenSDK: \"You are running a LIF \
                 but the AScurrents are not zero!\")"
            ),
            RunError::NonFinite { step } => write!(
                f,
                "voltage or threshold became NaN or infinite at step {step} \
                 (is dt far too large for the membrane time constant?)"
            ),
        }
    }
}

impl core::error::Error for RunError {}
