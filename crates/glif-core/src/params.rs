//! Neuron parameters: the plain, unvalidated [`ParamSpec`] a caller fills in,
//! and the validated, immutable [`Params`] the engine accepts.
//!
//! Units are SI throughout: volts, seconds, amperes, ohms, farads.

use crate::error::{ParamError, Problem};
use crate::float::Float;

/// Coefficients AllenSDK premultiplies onto parameters (left over from its
/// optimiser). AllenSDK's defaults are all 1; real files set `th_inf`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(bound = "F: crate::serde_array::Element"))]
pub struct Coeffs<F, const N: usize> {
    /// Multiplies `th_inf` (dimensionless).
    pub th_inf: F,
    /// Multiplies the capacitance `C` (dimensionless).
    pub c: F,
    /// Multiplies the conductance `G = 1/R_input` (dimensionless).
    pub g: F,
    /// Multiplies `a_voltage` of `three_components_exact` (dimensionless).
    pub a: F,
    /// Multiplies `b_voltage` of `three_components_exact` (dimensionless).
    pub b: F,
    /// Multiplies each `asc_amp_array[i]` (dimensionless).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_array"))]
    pub asc_amp: [F; N],
}

impl<F: Float, const N: usize> Default for Coeffs<F, N> {
    /// AllenSDK's defaults: every coefficient 1.
    fn default() -> Self {
        Coeffs {
            th_inf: F::ONE,
            c: F::ONE,
            g: F::ONE,
            a: F::ONE,
            b: F::ONE,
            asc_amp: [F::ONE; N],
        }
    }
}

/// Unvalidated parameters, field for field as in an Allen `neuron_config`
/// file. Turn it into [`Params`] with [`Params::new`].
///
/// `N` is the number of after-spike currents (2 in every published model; 0
/// works).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(bound = "F: crate::serde_array::Element"))]
pub struct ParamSpec<F, const N: usize> {
    /// Resting (reversal) potential `El` (V). Allen files use 0: voltages are relative to rest.
    pub el: F,
    /// Time step `dt` (s). Set it to the stimulus sampling interval (5e-6 s for Allen data).
    pub dt: F,
    /// Input resistance `R_input` (Ω).
    pub r_input: F,
    /// Membrane capacitance `C` (F).
    pub c: F,
    /// After-spike current time constants `asc_tau_array` (s); `k = 1/tau`.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_array"))]
    pub asc_tau: [F; N],
    /// After-spike current amplitudes added at each spike, `asc_amp_array` (A).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_array"))]
    pub asc_amp: [F; N],
    /// Samples left NaN after a spike, `spike_cut_length` (samples, not seconds).
    pub spike_cut_length: u32,
    /// Threshold at rest `th_inf` (V); the effective value is `th_inf * coeffs.th_inf`.
    pub th_inf: F,
    /// `th_adapt`: stored by AllenSDK, never used (`null` in real files).
    pub th_adapt: Option<F>,
    /// Coefficients (AllenSDK defaults: all 1).
    pub coeffs: Coeffs<F, N>,
    /// Voltage before the first sample (V).
    pub init_voltage: F,
    /// Threshold before the first sample (V). No threshold rule reads it: it
    /// matters only for the spike interpolation of a spike at sample 0.
    pub init_threshold: F,
    /// After-spike currents before the first sample, `init_AScurrents` (A).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_array"))]
    pub init_asc: [F; N],
}

/// Validated parameters: every value finite; `R_input`, `C`, `dt` and every
/// `asc_tau_array[i]` > 0; `coeffs.C` > 0. Immutable once built.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params<F, const N: usize> {
    spec: ParamSpec<F, N>,
}

fn finite<F: Float>(field: &'static str, x: F) -> Result<(), ParamError> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(ParamError::new(field, Problem::NotFinite))
    }
}

fn positive<F: Float>(field: &'static str, x: F) -> Result<(), ParamError> {
    finite(field, x)?;
    if x > F::ZERO {
        Ok(())
    } else {
        Err(ParamError::new(field, Problem::NotPositive))
    }
}

fn all_finite<F: Float, const N: usize>(
    field: &'static str,
    xs: &[F; N],
) -> Result<(), ParamError> {
    for (i, x) in xs.iter().enumerate() {
        if !x.is_finite() {
            return Err(ParamError::at(field, i, Problem::NotFinite));
        }
    }
    Ok(())
}

/// Checks a rule parameter: finite.
pub(crate) fn check_finite<F: Float>(field: &'static str, x: F) -> Result<F, ParamError> {
    finite(field, x).map(|()| x)
}

/// Checks a derived constant: finite.
pub(crate) fn check_derived<F: Float>(field: &'static str, x: F) -> Result<F, ParamError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(ParamError::new(field, Problem::DerivedNotFinite))
    }
}

impl<F: Float, const N: usize> Params<F, N> {
    /// Validates every field and returns the immutable parameters.
    ///
    /// ```
    /// use glif_core::{Coeffs, ParamSpec, Params};
    /// let spec = ParamSpec::<f64, 0> {
    ///     el: 0.0, dt: 5e-6, r_input: 2e8, c: 1e-10,
    ///     asc_tau: [], asc_amp: [], spike_cut_length: 10,
    ///     th_inf: 0.02, th_adapt: None, coeffs: Coeffs::default(),
    ///     init_voltage: 0.0, init_threshold: 0.02, init_asc: [],
    /// };
    /// assert!(Params::new(spec).is_ok());
    /// let bad = ParamSpec { dt: -1.0, ..spec };
    /// assert_eq!(Params::new(bad).unwrap_err().field, "dt");
    /// ```
    pub fn new(spec: ParamSpec<F, N>) -> Result<Self, ParamError> {
        finite("El", spec.el)?;
        positive("dt", spec.dt)?;
        positive("R_input", spec.r_input)?;
        positive("C", spec.c)?;
        for (i, tau) in spec.asc_tau.iter().enumerate() {
            if !tau.is_finite() {
                return Err(ParamError::at("asc_tau_array", i, Problem::NotFinite));
            }
            if *tau <= F::ZERO {
                return Err(ParamError::at("asc_tau_array", i, Problem::NotPositive));
            }
        }
        all_finite("asc_amp_array", &spec.asc_amp)?;
        finite("th_inf", spec.th_inf)?;
        if let Some(th_adapt) = spec.th_adapt {
            finite("th_adapt", th_adapt)?;
        }
        finite("coeffs.th_inf", spec.coeffs.th_inf)?;
        positive("coeffs.C", spec.coeffs.c)?;
        finite("coeffs.G", spec.coeffs.g)?;
        finite("coeffs.a", spec.coeffs.a)?;
        finite("coeffs.b", spec.coeffs.b)?;
        all_finite("coeffs.asc_amp_array", &spec.coeffs.asc_amp)?;
        finite("init_voltage", spec.init_voltage)?;
        finite("init_threshold", spec.init_threshold)?;
        all_finite("init_AScurrents", &spec.init_asc)?;
        let p = Params { spec };
        // Derived values every rule relies on.
        check_derived("C*coeffs.C", p.capacitance())?;
        check_derived("G*coeffs.G", p.conductance())?;
        check_derived("th_inf*coeffs.th_inf", p.th_inf_effective())?;
        Ok(p)
    }

    /// The fields as given.
    pub const fn spec(&self) -> &ParamSpec<F, N> {
        &self.spec
    }
    /// `El` (V).
    pub fn el(&self) -> F {
        self.spec.el
    }
    /// `dt` (s).
    pub fn dt(&self) -> F {
        self.spec.dt
    }
    /// `spike_cut_length` (samples).
    pub fn spike_cut_length(&self) -> u32 {
        self.spec.spike_cut_length
    }
    /// Effective capacitance `C * coeffs.C` (F).
    pub fn capacitance(&self) -> F {
        self.spec.c * self.spec.coeffs.c
    }
    /// Effective conductance `(1 / R_input) * coeffs.G` (S).
    pub fn conductance(&self) -> F {
        (F::ONE / self.spec.r_input) * self.spec.coeffs.g
    }
    /// Effective threshold at rest `th_inf * coeffs.th_inf` (V).
    pub fn th_inf_effective(&self) -> F {
        self.spec.th_inf * self.spec.coeffs.th_inf
    }
    /// `k[i] = 1 / asc_tau_array[i]` (1/s).
    pub fn k(&self, i: usize) -> F {
        F::ONE / self.spec.asc_tau[i]
    }
    /// Membrane time constant `tau_m = R_input * C` (s), as AllenSDK's `tau_m`.
    pub fn tau_m(&self) -> F {
        self.spec.r_input * self.spec.c
    }

    /// The same parameters with another time step (AllenSDK's documented
    /// usage sets `dt` to the stimulus sampling interval).
    pub fn with_dt(&self, dt: F) -> Result<Self, ParamError> {
        Params::new(ParamSpec { dt, ..self.spec })
    }

    /// The same parameters with another spike cut length (samples).
    pub fn with_spike_cut_length(&self, spike_cut_length: u32) -> Self {
        Params {
            spec: ParamSpec {
                spike_cut_length,
                ..self.spec
            },
        }
    }
}

impl<F: Float, const N: usize> TryFrom<ParamSpec<F, N>> for Params<F, N> {
    type Error = ParamError;
    fn try_from(spec: ParamSpec<F, N>) -> Result<Self, ParamError> {
        Params::new(spec)
    }
}
