//! The rule table: every built-in rule of each of the six families, in one
//! place.
//!
//! For each family there is one enum whose variants hold glif-core's rule
//! types. The same enum serves twice:
//!
//! - in `f64`, as the rule a config file names ([`crate::Methods`]): its
//!   name is the core type's `NAME`, its parameters are read and written
//!   here;
//! - in the run's precision `F`, as the rule a [`DynRules`] model runs,
//!   implementing glif-core's rule trait by matching on its variant. A
//!   `Model<F, N, DynRules<F, N>>` runs every combination of built-in rules
//!   with one monomorphization per `N`; the match on an enum whose value
//!   never changes during a run is predicted perfectly, so the cost over a
//!   compiled combination is small (the five published levels still get
//!   their own compiled types in [`crate::AnyModel`]).
//!
//! Every match below is exhaustive (no `_` arm): adding a variant makes the
//! compiler list each place to fill in, all of them in this file. The one
//! list it cannot check is each family's `ALL`, which the config reader
//! searches by name: a rule left out of it cannot be named in a config file
//! (an "unknown method name" error listing the names that can), never read
//! as another rule.
//!
//! `AScurrent_reset_method` has a config form of its own, [`AscResetMethod`],
//! because its `r` has one entry per after-spike current, a number a config
//! chooses and a model fixes in its type.

use serde_json::{json, Map, Value};

use glif_core::rules::*;
use glif_core::{Float, ParamError, Params, Rules};

use crate::config::Fields;
use crate::error::{Error, ErrorKind, Result};

/// The rule set of a run-time-chosen neuron with `N` after-spike currents.
pub type DynRules<F, const N: usize> = Rules<
    AnyVoltage,
    AnyThreshold<F>,
    AnyAsc,
    AnyVoltageReset<F>,
    AnyThresholdReset<F>,
    AnyAscReset<F, N>,
>;

/// Builds a `&'static [&'static str]` of the names of `$all` (a const slice).
macro_rules! names_of {
    ($all:expr) => {{
        const N: usize = $all.len();
        const fn names() -> [&'static str; N] {
            let mut names = [""; N];
            let mut i = 0;
            while i < N {
                names[i] = $all[i].name();
                i += 1;
            }
            names
        }
        const NAMES: [&'static str; N] = names();
        &NAMES
    }};
}

// ---------------------------------------------------------------- voltage

/// `voltage_dynamics_method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnyVoltage {
    /// `linear_forward_euler` (every published model).
    ForwardEuler(LinearForwardEuler),
    /// `linear_exact`: defined in AllenSDK's source but not registered in its
    /// method table, so AllenSDK 2.16.2 cannot load a file naming it.
    Exact(LinearExact),
}

impl AnyVoltage {
    /// The config key of this family.
    pub const KEY: &'static str = "voltage_dynamics_method";
    /// Every rule of the family, with default parameters.
    pub const ALL: &'static [Self] = &[
        Self::ForwardEuler(LinearForwardEuler),
        Self::Exact(LinearExact),
    ];
    /// The names a config may give.
    pub const NAMES: &'static [&'static str] = names_of!(AnyVoltage::ALL);

    /// The name in config files (glif-core's `NAME` of the rule).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::ForwardEuler(_) => <LinearForwardEuler as VoltageDynamics<f64, 0>>::NAME,
            Self::Exact(_) => <LinearExact as VoltageDynamics<f64, 0>>::NAME,
        }
    }

    /// The rule's parameters as they appear in `params`, in order.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match self {
            Self::ForwardEuler(LinearForwardEuler) | Self::Exact(LinearExact) => vec![],
        }
    }

    fn with_params(self, p: &Fields<'_>) -> Result<Self> {
        p.only(self.name(), &[])?;
        Ok(match self {
            Self::ForwardEuler(r) => Self::ForwardEuler(r),
            Self::Exact(r) => Self::Exact(r),
        })
    }
}

/// Constants of [`AnyVoltage`].
#[derive(Clone, Copy, Debug)]
pub enum AnyVoltagePrepared<F: Float, const N: usize> {
    /// Of `linear_forward_euler`.
    ForwardEuler(<LinearForwardEuler as VoltageDynamics<F, N>>::Prepared),
    /// Of `linear_exact`.
    Exact(<LinearExact as VoltageDynamics<F, N>>::Prepared),
}

impl<F: Float, const N: usize> VoltageDynamics<F, N> for AnyVoltage {
    const NAME: &'static str = AnyVoltage::KEY;
    type Prepared = AnyVoltagePrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyVoltage::ForwardEuler(r) => AnyVoltagePrepared::ForwardEuler(r.prepare(p, exp)?),
            AnyVoltage::Exact(r) => AnyVoltagePrepared::Exact(r.prepare(p, exp)?),
        })
    }

    #[inline(always)]
    fn step(k: &Self::Prepared, v0: F, inj: F, asc_sum: F) -> F {
        match k {
            AnyVoltagePrepared::ForwardEuler(k) => {
                <LinearForwardEuler as VoltageDynamics<F, N>>::step(k, v0, inj, asc_sum)
            }
            AnyVoltagePrepared::Exact(k) => {
                <LinearExact as VoltageDynamics<F, N>>::step(k, v0, inj, asc_sum)
            }
        }
    }
}

// -------------------------------------------------------------- threshold

/// `threshold_dynamics_method`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyThreshold<F> {
    /// `inf`: constant `th_inf*coeffs.th_inf`.
    Inf(ThresholdInf),
    /// `spike_component` (only `b_spike` is used; all four are required, as
    /// AllenSDK requires them).
    SpikeComponent(SpikeComponent<F>),
    /// `three_components_exact`.
    ThreeComponentsExact(ThreeComponentsExact<F>),
}

/// The parameter names of the adaptive threshold rules.
const THRESHOLD_PARAMS: &[&str] = &["a_spike", "b_spike", "a_voltage", "b_voltage"];

impl AnyThreshold<f64> {
    /// The config key of this family.
    pub const KEY: &'static str = "threshold_dynamics_method";
    /// Every rule of the family, with default parameters.
    pub const ALL: &'static [Self] = &[
        Self::Inf(ThresholdInf),
        Self::SpikeComponent(SpikeComponent {
            a_spike: 0.0,
            b_spike: 0.0,
            a_voltage: 0.0,
            b_voltage: 0.0,
        }),
        Self::ThreeComponentsExact(ThreeComponentsExact {
            a_spike: 0.0,
            b_spike: 0.0,
            a_voltage: 0.0,
            b_voltage: 0.0,
        }),
    ];
    /// The names a config may give.
    pub const NAMES: &'static [&'static str] = names_of!(AnyThreshold::<f64>::ALL);

    /// The rule's parameters as they appear in `params`, in order.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match self {
            Self::Inf(ThresholdInf) => vec![],
            Self::SpikeComponent(SpikeComponent {
                a_spike,
                b_spike,
                a_voltage,
                b_voltage,
            })
            | Self::ThreeComponentsExact(ThreeComponentsExact {
                a_spike,
                b_spike,
                a_voltage,
                b_voltage,
            }) => THRESHOLD_PARAMS
                .iter()
                .copied()
                .zip([*a_spike, *b_spike, *a_voltage, *b_voltage])
                .collect(),
        }
    }

    fn with_params(self, p: &Fields<'_>) -> Result<Self> {
        let (name, names) = (self.name(), self.param_names());
        p.only(name, names)?;
        let v = |key| p.finite(key);
        Ok(match self {
            Self::Inf(r) => Self::Inf(r),
            Self::SpikeComponent(_) => Self::SpikeComponent(SpikeComponent {
                a_spike: v("a_spike")?,
                b_spike: v("b_spike")?,
                a_voltage: v("a_voltage")?,
                b_voltage: v("b_voltage")?,
            }),
            Self::ThreeComponentsExact(_) => Self::ThreeComponentsExact(ThreeComponentsExact {
                a_spike: v("a_spike")?,
                b_spike: v("b_spike")?,
                a_voltage: v("a_voltage")?,
                b_voltage: v("b_voltage")?,
            }),
        })
    }

    fn param_names(&self) -> &'static [&'static str] {
        match self {
            Self::Inf(_) => &[],
            Self::SpikeComponent(_) | Self::ThreeComponentsExact(_) => THRESHOLD_PARAMS,
        }
    }

    /// The rule in precision `G` (each parameter rounded to nearest).
    pub fn cast<G: Float>(&self) -> AnyThreshold<G> {
        let f = G::from_f64;
        match *self {
            Self::Inf(r) => AnyThreshold::Inf(r),
            Self::SpikeComponent(r) => AnyThreshold::SpikeComponent(SpikeComponent {
                a_spike: f(r.a_spike),
                b_spike: f(r.b_spike),
                a_voltage: f(r.a_voltage),
                b_voltage: f(r.b_voltage),
            }),
            Self::ThreeComponentsExact(r) => {
                AnyThreshold::ThreeComponentsExact(ThreeComponentsExact {
                    a_spike: f(r.a_spike),
                    b_spike: f(r.b_spike),
                    a_voltage: f(r.a_voltage),
                    b_voltage: f(r.b_voltage),
                })
            }
        }
    }
}

impl<F> AnyThreshold<F> {
    /// The name in config files (glif-core's `NAME` of the rule).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Inf(_) => <ThresholdInf as ThresholdDynamics<f64, 0>>::NAME,
            Self::SpikeComponent(_) => <SpikeComponent<f64> as ThresholdDynamics<f64, 0>>::NAME,
            Self::ThreeComponentsExact(_) => {
                <ThreeComponentsExact<f64> as ThresholdDynamics<f64, 0>>::NAME
            }
        }
    }
}

/// Constants of [`AnyThreshold`].
#[derive(Clone, Copy, Debug)]
pub enum AnyThresholdPrepared<F: Float, const N: usize> {
    /// Of `inf`.
    Inf(<ThresholdInf as ThresholdDynamics<F, N>>::Prepared),
    /// Of `spike_component`.
    SpikeComponent(<SpikeComponent<F> as ThresholdDynamics<F, N>>::Prepared),
    /// Of `three_components_exact`.
    ThreeComponentsExact(<ThreeComponentsExact<F> as ThresholdDynamics<F, N>>::Prepared),
}

impl<F: Float, const N: usize> ThresholdDynamics<F, N> for AnyThreshold<F> {
    const NAME: &'static str = AnyThreshold::KEY;
    type Prepared = AnyThresholdPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyThreshold::Inf(r) => AnyThresholdPrepared::Inf(r.prepare(p, exp)?),
            AnyThreshold::SpikeComponent(r) => {
                AnyThresholdPrepared::SpikeComponent(r.prepare(p, exp)?)
            }
            AnyThreshold::ThreeComponentsExact(r) => {
                AnyThresholdPrepared::ThreeComponentsExact(r.prepare(p, exp)?)
            }
        })
    }

    #[inline(always)]
    fn step(
        k: &Self::Prepared,
        v0: F,
        components: ThresholdComponents<F>,
        inj: F,
        asc_sum: F,
    ) -> (F, ThresholdComponents<F>) {
        match k {
            AnyThresholdPrepared::Inf(k) => {
                <ThresholdInf as ThresholdDynamics<F, N>>::step(k, v0, components, inj, asc_sum)
            }
            AnyThresholdPrepared::SpikeComponent(k) => {
                <SpikeComponent<F> as ThresholdDynamics<F, N>>::step(
                    k, v0, components, inj, asc_sum,
                )
            }
            AnyThresholdPrepared::ThreeComponentsExact(k) => {
                <ThreeComponentsExact<F> as ThresholdDynamics<F, N>>::step(
                    k, v0, components, inj, asc_sum,
                )
            }
        }
    }
}

// --------------------------------------------------- after-spike currents

/// `AScurrent_dynamics_method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnyAsc {
    /// `exp`: each current decays with its `asc_tau_array` time constant.
    Exp(AscExp),
    /// `none`: currents are zero after every step.
    None(AscNone),
}

impl AnyAsc {
    /// The config key of this family.
    pub const KEY: &'static str = "AScurrent_dynamics_method";
    /// Every rule of the family.
    pub const ALL: &'static [Self] = &[Self::Exp(AscExp), Self::None(AscNone)];
    /// The names a config may give.
    pub const NAMES: &'static [&'static str] = names_of!(AnyAsc::ALL);

    /// The name in config files (glif-core's `NAME` of the rule).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Exp(_) => <AscExp as AscDynamics<f64, 0>>::NAME,
            Self::None(_) => <AscNone as AscDynamics<f64, 0>>::NAME,
        }
    }

    /// The rule's parameters as they appear in `params`, in order.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match self {
            Self::Exp(AscExp) | Self::None(AscNone) => vec![],
        }
    }

    fn with_params(self, p: &Fields<'_>) -> Result<Self> {
        p.only(self.name(), &[])?;
        Ok(match self {
            Self::Exp(r) => Self::Exp(r),
            Self::None(r) => Self::None(r),
        })
    }
}

/// Constants of [`AnyAsc`].
#[derive(Clone, Copy, Debug)]
pub enum AnyAscPrepared<F: Float, const N: usize> {
    /// Of `exp`.
    Exp(<AscExp as AscDynamics<F, N>>::Prepared),
    /// Of `none`.
    None(<AscNone as AscDynamics<F, N>>::Prepared),
}

impl<F: Float, const N: usize> AscDynamics<F, N> for AnyAsc {
    const NAME: &'static str = AnyAsc::KEY;
    type Prepared = AnyAscPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyAsc::Exp(r) => AnyAscPrepared::Exp(r.prepare(p, exp)?),
            AnyAsc::None(r) => AnyAscPrepared::None(r.prepare(p, exp)?),
        })
    }

    #[inline(always)]
    fn step(k: &Self::Prepared, asc0: &[F; N]) -> [F; N] {
        match k {
            AnyAscPrepared::Exp(k) => <AscExp as AscDynamics<F, N>>::step(k, asc0),
            AnyAscPrepared::None(k) => <AscNone as AscDynamics<F, N>>::step(k, asc0),
        }
    }
}

// ---------------------------------------------------------- voltage reset

/// `voltage_reset_method`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyVoltageReset<F> {
    /// `zero`: 0 V.
    Zero(VoltageZero),
    /// `v_before`: `a*v + b` (a dimensionless, b in V).
    VBefore(VBefore<F>),
}

impl AnyVoltageReset<f64> {
    /// The config key of this family.
    pub const KEY: &'static str = "voltage_reset_method";
    /// Every rule of the family, with default parameters.
    pub const ALL: &'static [Self] = &[
        Self::Zero(VoltageZero),
        Self::VBefore(VBefore { a: 0.0, b: 0.0 }),
    ];
    /// The names a config may give.
    pub const NAMES: &'static [&'static str] = names_of!(AnyVoltageReset::<f64>::ALL);

    /// The rule's parameters as they appear in `params`, in order.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match *self {
            Self::Zero(VoltageZero) => vec![],
            Self::VBefore(VBefore { a, b }) => vec![("a", a), ("b", b)],
        }
    }

    fn with_params(self, p: &Fields<'_>) -> Result<Self> {
        Ok(match self {
            Self::Zero(r) => {
                p.only(self.name(), &[])?;
                Self::Zero(r)
            }
            Self::VBefore(_) => {
                p.only(self.name(), &["a", "b"])?;
                Self::VBefore(VBefore {
                    a: p.finite("a")?,
                    b: p.finite("b")?,
                })
            }
        })
    }

    /// The rule in precision `G` (each parameter rounded to nearest).
    pub fn cast<G: Float>(&self) -> AnyVoltageReset<G> {
        match *self {
            Self::Zero(r) => AnyVoltageReset::Zero(r),
            Self::VBefore(VBefore { a, b }) => AnyVoltageReset::VBefore(VBefore {
                a: G::from_f64(a),
                b: G::from_f64(b),
            }),
        }
    }
}

impl<F> AnyVoltageReset<F> {
    /// The name in config files (glif-core's `NAME` of the rule).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Zero(_) => <VoltageZero as VoltageReset<f64, 0>>::NAME,
            Self::VBefore(_) => <VBefore<f64> as VoltageReset<f64, 0>>::NAME,
        }
    }
}

/// Constants of [`AnyVoltageReset`].
#[derive(Clone, Copy, Debug)]
pub enum AnyVoltageResetPrepared<F: Float, const N: usize> {
    /// Of `zero`.
    Zero(<VoltageZero as VoltageReset<F, N>>::Prepared),
    /// Of `v_before`.
    VBefore(<VBefore<F> as VoltageReset<F, N>>::Prepared),
}

impl<F: Float, const N: usize> VoltageReset<F, N> for AnyVoltageReset<F> {
    const NAME: &'static str = AnyVoltageReset::KEY;
    type Prepared = AnyVoltageResetPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyVoltageReset::Zero(r) => AnyVoltageResetPrepared::Zero(r.prepare(p, exp)?),
            AnyVoltageReset::VBefore(r) => AnyVoltageResetPrepared::VBefore(r.prepare(p, exp)?),
        })
    }

    #[inline(always)]
    fn reset(k: &Self::Prepared, v1: F) -> F {
        match k {
            AnyVoltageResetPrepared::Zero(k) => <VoltageZero as VoltageReset<F, N>>::reset(k, v1),
            AnyVoltageResetPrepared::VBefore(k) => <VBefore<F> as VoltageReset<F, N>>::reset(k, v1),
        }
    }
}

// -------------------------------------------------------- threshold reset

/// `threshold_reset_method`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyThresholdReset<F> {
    /// `inf`: `th_inf*coeffs.th_inf`.
    Inf(ThresholdResetInf),
    /// `three_components`: the spike component decays through the cut, then
    /// jumps by `a_spike`.
    ThreeComponents(ThreeComponents<F>),
}

impl AnyThresholdReset<f64> {
    /// The config key of this family.
    pub const KEY: &'static str = "threshold_reset_method";
    /// Every rule of the family, with default parameters.
    pub const ALL: &'static [Self] = &[
        Self::Inf(ThresholdResetInf),
        Self::ThreeComponents(ThreeComponents {
            a_spike: 0.0,
            b_spike: 0.0,
        }),
    ];
    /// The names a config may give.
    pub const NAMES: &'static [&'static str] = names_of!(AnyThresholdReset::<f64>::ALL);

    /// The rule's parameters as they appear in `params`, in order.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match *self {
            Self::Inf(ThresholdResetInf) => vec![],
            Self::ThreeComponents(ThreeComponents { a_spike, b_spike }) => {
                vec![("a_spike", a_spike), ("b_spike", b_spike)]
            }
        }
    }

    fn with_params(self, p: &Fields<'_>) -> Result<Self> {
        Ok(match self {
            Self::Inf(r) => {
                p.only(self.name(), &[])?;
                Self::Inf(r)
            }
            Self::ThreeComponents(_) => {
                p.only(self.name(), &["a_spike", "b_spike"])?;
                Self::ThreeComponents(ThreeComponents {
                    a_spike: p.finite("a_spike")?,
                    b_spike: p.finite("b_spike")?,
                })
            }
        })
    }

    /// The rule in precision `G` (each parameter rounded to nearest).
    pub fn cast<G: Float>(&self) -> AnyThresholdReset<G> {
        match *self {
            Self::Inf(r) => AnyThresholdReset::Inf(r),
            Self::ThreeComponents(ThreeComponents { a_spike, b_spike }) => {
                AnyThresholdReset::ThreeComponents(ThreeComponents {
                    a_spike: G::from_f64(a_spike),
                    b_spike: G::from_f64(b_spike),
                })
            }
        }
    }
}

impl<F> AnyThresholdReset<F> {
    /// The name in config files (glif-core's `NAME` of the rule).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Inf(_) => <ThresholdResetInf as ThresholdReset<f64, 0>>::NAME,
            Self::ThreeComponents(_) => <ThreeComponents<f64> as ThresholdReset<f64, 0>>::NAME,
        }
    }
}

/// Constants of [`AnyThresholdReset`].
#[derive(Clone, Copy, Debug)]
pub enum AnyThresholdResetPrepared<F: Float, const N: usize> {
    /// Of `inf`.
    Inf(<ThresholdResetInf as ThresholdReset<F, N>>::Prepared),
    /// Of `three_components`.
    ThreeComponents(<ThreeComponents<F> as ThresholdReset<F, N>>::Prepared),
}

impl<F: Float, const N: usize> ThresholdReset<F, N> for AnyThresholdReset<F> {
    const NAME: &'static str = AnyThresholdReset::KEY;
    type Prepared = AnyThresholdResetPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyThresholdReset::Inf(r) => AnyThresholdResetPrepared::Inf(r.prepare(p, exp)?),
            AnyThresholdReset::ThreeComponents(r) => {
                AnyThresholdResetPrepared::ThreeComponents(r.prepare(p, exp)?)
            }
        })
    }

    #[inline(always)]
    fn reset(
        k: &Self::Prepared,
        th1: F,
        v_reset: F,
        components: ThresholdComponents<F>,
    ) -> (F, ThresholdComponents<F>) {
        match k {
            AnyThresholdResetPrepared::Inf(k) => {
                <ThresholdResetInf as ThresholdReset<F, N>>::reset(k, th1, v_reset, components)
            }
            AnyThresholdResetPrepared::ThreeComponents(k) => {
                <ThreeComponents<F> as ThresholdReset<F, N>>::reset(k, th1, v_reset, components)
            }
        }
    }
}

// --------------------------------------------- after-spike current reset

/// `AScurrent_reset_method` as a config gives it: `r` has one entry per
/// after-spike current, however many the config has.
#[derive(Clone, Debug, PartialEq)]
pub enum AscResetMethod {
    /// `sum`: `asc_amp*coeffs + r*asc*exp(-k*dt*cut)`, one `r` per current.
    Sum {
        /// Fraction carried through a spike, one per current.
        r: Vec<f64>,
    },
    /// `none`: currents must be zero at a spike.
    None,
}

impl AscResetMethod {
    /// The config key of this family.
    pub const KEY: &'static str = "AScurrent_reset_method";
    /// Every rule of the family, with default parameters.
    pub const ALL: &'static [Self] = &[Self::Sum { r: Vec::new() }, Self::None];
    /// The names a config may give.
    pub const NAMES: &'static [&'static str] = names_of!(AscResetMethod::ALL);

    /// The name in config files (glif-core's `NAME` of the rule).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Sum { .. } => <Sum<f64, 0> as AscReset<f64, 0>>::NAME,
            Self::None => <AscResetNone as AscReset<f64, 0>>::NAME,
        }
    }

    /// `r`, the one array parameter (empty for `none`).
    pub fn r(&self) -> &[f64] {
        match self {
            Self::Sum { r } => r,
            Self::None => &[],
        }
    }

    /// Reads the params of a config with `n` after-spike currents.
    fn with_params(self, p: &Fields<'_>, n: usize) -> Result<Self> {
        Ok(match self {
            Self::Sum { .. } => {
                p.only(self.name(), &["r"])?;
                Self::Sum {
                    r: p.array("r", Some(n))?,
                }
            }
            Self::None => {
                p.only(self.name(), &[])?;
                Self::None
            }
        })
    }

    fn params_json(&self) -> Value {
        match self {
            Self::Sum { r } => json!({ "r": r }),
            Self::None => json!({}),
        }
    }

    /// The rule for a model with `N` currents, in precision `F`; fails when
    /// `r` does not have `N` entries.
    pub fn for_model<F: Float, const N: usize>(&self) -> Result<AnyAscReset<F, N>> {
        Ok(match self {
            Self::Sum { r } => AnyAscReset::Sum(Sum {
                r: crate::model::array("AScurrent_reset_method.params.r", r)?,
            }),
            Self::None => AnyAscReset::None(AscResetNone),
        })
    }
}

/// `AScurrent_reset_method` of a model with `N` currents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyAscReset<F, const N: usize> {
    /// `sum`.
    Sum(Sum<F, N>),
    /// `none`.
    None(AscResetNone),
}

/// Constants of [`AnyAscReset`].
#[derive(Clone, Copy, Debug)]
pub enum AnyAscResetPrepared<F: Float, const N: usize> {
    /// Of `sum`.
    Sum(<Sum<F, N> as AscReset<F, N>>::Prepared),
    /// Of `none`.
    None(<AscResetNone as AscReset<F, N>>::Prepared),
}

impl<F: Float, const N: usize> AscReset<F, N> for AnyAscReset<F, N> {
    const NAME: &'static str = AscResetMethod::KEY;
    type Prepared = AnyAscResetPrepared<F, N>;

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        Ok(match self {
            AnyAscReset::Sum(r) => AnyAscResetPrepared::Sum(r.prepare(p, exp)?),
            AnyAscReset::None(r) => AnyAscResetPrepared::None(r.prepare(p, exp)?),
        })
    }

    #[inline(always)]
    fn reset(k: &Self::Prepared, asc1: &[F; N]) -> Result<[F; N], NonzeroCurrents> {
        match k {
            AnyAscResetPrepared::Sum(k) => <Sum<F, N> as AscReset<F, N>>::reset(k, asc1),
            AnyAscResetPrepared::None(k) => <AscResetNone as AscReset<F, N>>::reset(k, asc1),
        }
    }
}

// ------------------------------------------------- reading and writing

/// The unit of a rule parameter, by its config name (for display; `""` for
/// dimensionless ones).
pub fn param_unit(name: &str) -> &'static str {
    match name {
        "a_spike" | "b" => "V",
        "b_spike" | "a_voltage" | "b_voltage" => "1/s",
        _ => "",
    }
}

/// Reads `{name, params}` of one family from `fields[key]`: both required,
/// the name one of `all`'s. Returns the chosen rule (default parameters)
/// and its params object.
fn choose<'a, T: Clone>(
    fields: &Fields<'a>,
    key: &str,
    all: &[T],
    names: &'static [&'static str],
    name_of: impl Fn(&T) -> &'static str,
) -> Result<(T, Fields<'a>)> {
    let obj = fields.object(key)?;
    let name_path = obj.path_of("name");
    let name = match obj.get("name") {
        None => return Err(Error::missing(name_path)),
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(Error::invalid(name_path, other.to_string(), "a string")),
    };
    let Some(rule) = all.iter().find(|r| name_of(r) == name) else {
        return Err(Error::new(ErrorKind::UnknownMethod {
            path: name_path,
            name: name.to_string(),
            valid: names,
        }));
    };
    let params = obj.object("params")?;
    Ok((rule.clone(), params))
}

/// `{"name": .., "params": {..}}` as AllenSDK writes a method.
fn method_json(name: &str, params: Value) -> Value {
    json!({ "name": name, "params": params })
}

fn params_json(params: Vec<(&'static str, f64)>) -> Value {
    Value::Object(
        params
            .into_iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
    )
}

/// The six rules a config names, read from its top-level fields (`n`: the
/// number of after-spike currents).
pub(crate) fn parse_methods(fields: &Fields<'_>, n: usize) -> Result<crate::Methods> {
    let (r, p) = choose(
        fields,
        AnyVoltage::KEY,
        AnyVoltage::ALL,
        AnyVoltage::NAMES,
        AnyVoltage::name,
    )?;
    let voltage = r.with_params(&p)?;

    let (r, p) = choose(
        fields,
        AnyThreshold::KEY,
        AnyThreshold::ALL,
        AnyThreshold::NAMES,
        AnyThreshold::name,
    )?;
    let threshold = r.with_params(&p)?;

    let (r, p) = choose(
        fields,
        AnyAsc::KEY,
        AnyAsc::ALL,
        AnyAsc::NAMES,
        AnyAsc::name,
    )?;
    let asc = r.with_params(&p)?;

    let (r, p) = choose(
        fields,
        AnyVoltageReset::KEY,
        AnyVoltageReset::ALL,
        AnyVoltageReset::NAMES,
        AnyVoltageReset::name,
    )?;
    let voltage_reset = r.with_params(&p)?;

    let (r, p) = choose(
        fields,
        AnyThresholdReset::KEY,
        AnyThresholdReset::ALL,
        AnyThresholdReset::NAMES,
        AnyThresholdReset::name,
    )?;
    let threshold_reset = r.with_params(&p)?;

    let (r, p) = choose(
        fields,
        AscResetMethod::KEY,
        AscResetMethod::ALL,
        AscResetMethod::NAMES,
        AscResetMethod::name,
    )?;
    let asc_reset = r.with_params(&p, n)?;

    Ok(crate::Methods {
        voltage,
        threshold,
        asc,
        voltage_reset,
        threshold_reset,
        asc_reset,
    })
}

/// The six method dicts as AllenSDK writes them, `{"name": .., "params": {..}}`.
pub(crate) fn write_methods(m: &crate::Methods, obj: &mut Map<String, Value>) {
    let entries = [
        (
            AnyVoltage::KEY,
            m.voltage.name(),
            params_json(m.voltage.params()),
        ),
        (
            AnyThreshold::KEY,
            m.threshold.name(),
            params_json(m.threshold.params()),
        ),
        (AnyAsc::KEY, m.asc.name(), params_json(m.asc.params())),
        (
            AnyVoltageReset::KEY,
            m.voltage_reset.name(),
            params_json(m.voltage_reset.params()),
        ),
        (
            AnyThresholdReset::KEY,
            m.threshold_reset.name(),
            params_json(m.threshold_reset.params()),
        ),
        (
            AscResetMethod::KEY,
            m.asc_reset.name(),
            m.asc_reset.params_json(),
        ),
    ];
    for (key, name, params) in entries {
        obj.insert(key.into(), method_json(name, params));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names a config can give are exactly glif-core's rule names,
    /// family by family (the table reads them from the core types).
    #[test]
    fn names_are_the_core_names() {
        assert_eq!(AnyVoltage::NAMES, ["linear_forward_euler", "linear_exact"]);
        assert_eq!(
            AnyThreshold::NAMES,
            ["inf", "spike_component", "three_components_exact"]
        );
        assert_eq!(AnyAsc::NAMES, ["exp", "none"]);
        assert_eq!(AnyVoltageReset::NAMES, ["zero", "v_before"]);
        assert_eq!(AnyThresholdReset::NAMES, ["inf", "three_components"]);
        assert_eq!(AscResetMethod::NAMES, ["sum", "none"]);
    }

    /// No two rules of a family share a name, so a name picks one rule.
    #[test]
    fn names_are_unique_per_family() {
        for names in [
            AnyVoltage::NAMES,
            AnyThreshold::NAMES,
            AnyAsc::NAMES,
            AnyVoltageReset::NAMES,
            AnyThresholdReset::NAMES,
            AscResetMethod::NAMES,
        ] {
            for (i, a) in names.iter().enumerate() {
                assert!(!names[i + 1..].contains(a), "{a} twice in {names:?}");
            }
        }
    }
}
