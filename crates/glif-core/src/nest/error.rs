//! [`NestError`], a NEST GLIF parameter refused, and Euler's number as
//! NEST's models use it.

/// Euler's number, e.
pub(crate) const E: f64 = core::f64::consts::E;

/// A NEST GLIF parameter refused; the field is NEST's parameter name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NestError {
    /// NaN or infinite.
    NotFinite(&'static str),
    /// Must be strictly positive.
    NotPositive(&'static str),
    /// Must lie in [0, 1].
    NotInUnitInterval(&'static str),
    /// `V_reset` must be smaller than `V_th` (NEST: "Reset potential must be
    /// smaller than threshold").
    ResetNotBelowThreshold,
    /// A derived constant (decay factor, propagator) is not finite.
    DerivedNotFinite(&'static str),
    /// The value gives more steps than the model can count.
    TooLong(&'static str),
}

impl NestError {
    /// The NEST parameter the error is about.
    pub const fn field(&self) -> &'static str {
        match *self {
            NestError::NotFinite(f)
            | NestError::NotPositive(f)
            | NestError::NotInUnitInterval(f)
            | NestError::DerivedNotFinite(f)
            | NestError::TooLong(f) => f,
            NestError::ResetNotBelowThreshold => "V_reset",
        }
    }

    /// What was expected, in words.
    pub const fn expected(&self) -> &'static str {
        match *self {
            NestError::NotFinite(_) => "a finite number",
            NestError::NotPositive(_) => "a number > 0",
            NestError::NotInUnitInterval(_) => "a number in [0, 1]",
            NestError::ResetNotBelowThreshold => "V_reset < V_th",
            NestError::DerivedNotFinite(_) => "values whose derived decay factors are finite",
            NestError::TooLong(_) => "a duration of fewer than 2^32 steps",
        }
    }
}

impl core::fmt::Display for NestError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: expected {}", self.field(), self.expected())
    }
}

impl core::error::Error for NestError {}
