//! A neuron whose rules and number of after-spike currents come from a
//! config file at run time: [`AnyModel`].

use glif_core::levels::{self, Glif1, Glif2, Glif3, Glif4, Glif5};
use glif_core::rules::ThresholdComponents;
use glif_core::{
    Coeffs, Float, Model, Outcome, ParamError, ParamSpec, Params, Problem, Recorder, RuleSet,
    Rules, RunError, State,
};

use super::config::NeuronConfig;
use super::fields::array;
use super::results::{RunEnd, RunResult, SpikeTrain};
use super::rules::*;
use crate::base::{Error, ErrorKind, Result};

/// The largest number of after-spike currents a config may have.
pub const MAX_ASC_CURRENTS: usize = 4;

/// A recorder that accepts every number of after-spike currents
/// [`AnyModel`] supports (0 to [`MAX_ASC_CURRENTS`]). Implemented for every
/// type that implements glif-core's `Recorder<F, N>` for those `N`, such as
/// [`RunResult`], [`SpikeTrain`] and `glif_core::OnSpike`.
pub trait AnyRecorder<F: Float>:
    Recorder<F, 0> + Recorder<F, 1> + Recorder<F, 2> + Recorder<F, 3> + Recorder<F, 4>
{
}

impl<F: Float, R> AnyRecorder<F> for R where
    R: Recorder<F, 0> + Recorder<F, 1> + Recorder<F, 2> + Recorder<F, 3> + Recorder<F, 4>
{
}

/// A model built from a [`NeuronConfig`], in precision `F` (`f32` or `f64`).
///
/// The five published levels with two after-spike currents (every Allen
/// model) are glif-core's compiled types [`Glif1`]..[`Glif5`] and run at
/// full compiled speed. Every other combination of built-in rules, and 0 to
/// [`MAX_ASC_CURRENTS`] currents, runs through [`DynRules`], which matches
/// on each rule per step.
#[derive(Clone, Copy, Debug)]
// Built once per config and never moved on a hot path: boxing would add an
// indirection to every step for nothing.
#[allow(clippy::large_enum_variant)]
pub enum AnyModel<F: Float> {
    /// GLIF1 (LIF), 2 currents.
    Glif1(Glif1<F, 2>),
    /// GLIF2 (LIF-R), 2 currents.
    Glif2(Glif2<F, 2>),
    /// GLIF3 (LIF-ASC), 2 currents.
    Glif3(Glif3<F, 2>),
    /// GLIF4 (LIF-R-ASC), 2 currents.
    Glif4(Glif4<F, 2>),
    /// GLIF5 (LIF-R-ASC-A), 2 currents.
    Glif5(Glif5<F, 2>),
    /// Any rules, no after-spike current.
    General0(Model<F, 0, DynRules<F, 0>>),
    /// Any rules, 1 current.
    General1(Model<F, 1, DynRules<F, 1>>),
    /// Any rules, 2 currents (combinations other than the five levels).
    General2(Model<F, 2, DynRules<F, 2>>),
    /// Any rules, 3 currents.
    General3(Model<F, 3, DynRules<F, 3>>),
    /// Any rules, 4 currents.
    General4(Model<F, 4, DynRules<F, 4>>),
}

/// Calls `$body` with `$m` bound to the model inside any variant.
macro_rules! each_model {
    ($self:expr, $m:ident => $body:expr) => {
        match $self {
            AnyModel::Glif1($m) => $body,
            AnyModel::Glif2($m) => $body,
            AnyModel::Glif3($m) => $body,
            AnyModel::Glif4($m) => $body,
            AnyModel::Glif5($m) => $body,
            AnyModel::General0($m) => $body,
            AnyModel::General1($m) => $body,
            AnyModel::General2($m) => $body,
            AnyModel::General3($m) => $body,
            AnyModel::General4($m) => $body,
        }
    };
}

impl<F: Float> AnyModel<F> {
    /// Builds the model, with `exp` from `libm` (glif-core's default).
    ///
    /// Fails, naming the file and the field, when a value does not pass
    /// glif-core's validation (in precision `F`: an `f64` value beyond
    /// `f32`'s range fails in `f32`), when the config has more than
    /// [`MAX_ASC_CURRENTS`] currents, or when the rules cannot run together
    /// (`three_components` threshold reset after `inf` threshold dynamics,
    /// which AllenSDK only discovers at the first spike).
    pub fn new(config: &NeuronConfig) -> Result<Self> {
        Self::with_exp(config, &F::exp)
    }

    /// As [`AnyModel::new`] with every precomputed exponential taken from
    /// `exp` (see glif-core's `Model::with_exp`).
    pub fn with_exp(config: &NeuronConfig, exp: &dyn Fn(F) -> F) -> Result<Self> {
        build(config, exp, true).map_err(|e| e.with_source(config))
    }

    /// The argument of every exponential in the precomputed constants of the
    /// model `config` builds (glif-core's `Model::with_exp`), each once, in
    /// the order they are first asked for.
    ///
    /// For front ends that take `exp` from elsewhere: evaluate `exp` on
    /// these (the Python package uses the user's `numpy.exp`, as AllenSDK
    /// does on that machine), then build with [`AnyModel::with_exp`] looking
    /// the values up. Fails as [`AnyModel::new`] fails.
    pub fn exp_arguments(config: &NeuronConfig) -> Result<Vec<F>> {
        let seen = std::cell::RefCell::new(Vec::<F>::new());
        let record = |x: F| {
            let mut seen = seen.borrow_mut();
            if !seen
                .iter()
                .any(|s| s.to_f64().to_bits() == x.to_f64().to_bits())
            {
                seen.push(x);
            }
            F::exp(x)
        };
        Self::with_exp(config, &record)?;
        Ok(seen.into_inner())
    }

    /// The general (run-time rules) variant of `config`, even for a
    /// published level, every precomputed exponential taken from `exp` (as
    /// [`AnyModel::with_exp`]): to compare the two paths or measure what the
    /// compiled levels save.
    pub fn general(config: &NeuronConfig, exp: &dyn Fn(F) -> F) -> Result<Self> {
        build(config, exp, false).map_err(|e| e.with_source(config))
    }

    /// The published level (1..=5) when this model runs one of the five
    /// compiled levels; `None` for the general variants.
    pub fn level(&self) -> Option<u8> {
        match self {
            AnyModel::Glif1(_) => Some(1),
            AnyModel::Glif2(_) => Some(2),
            AnyModel::Glif3(_) => Some(3),
            AnyModel::Glif4(_) => Some(4),
            AnyModel::Glif5(_) => Some(5),
            _ => None,
        }
    }

    /// The number of after-spike currents.
    pub fn asc_count(&self) -> usize {
        match self {
            AnyModel::General0(_) => 0,
            AnyModel::General1(_) => 1,
            AnyModel::General3(_) => 3,
            AnyModel::General4(_) => 4,
            _ => 2,
        }
    }

    /// The time step (s).
    pub fn dt(&self) -> f64 {
        each_model!(self, m => m.params().dt().to_f64())
    }

    /// The spike cut length (samples).
    pub fn spike_cut_length(&self) -> u32 {
        each_model!(self, m => m.params().spike_cut_length())
    }

    /// Runs `stimulus` (A, one sample per `dt`) from the initial state into
    /// `recorder`, as glif-core's `Model::run`.
    pub fn run<R: AnyRecorder<F>>(
        &self,
        stimulus: &[F],
        recorder: &mut R,
    ) -> Result<Outcome, RunError> {
        each_model!(self, m => m.run(stimulus, recorder))
    }

    /// Runs a stimulus that arrives as an iterator (converted, generated or
    /// read on the fly, e.g. with a progress count), from the initial state,
    /// as glif-core's `Neuron::run_iter`; the same outputs as
    /// [`AnyModel::run`] on the collected samples.
    pub fn run_iter<I, R>(&self, stimulus: I, recorder: &mut R) -> Result<Outcome, RunError>
    where
        I: IntoIterator<Item = F>,
        R: AnyRecorder<F>,
    {
        each_model!(self, m => m.neuron().run_iter(stimulus, recorder))
    }

    /// Runs `stimulus` and records every output AllenSDK's `run()` gives.
    pub fn run_result(&self, stimulus: &[F]) -> RunResult {
        let mut result = RunResult::new(self.asc_count(), stimulus.len());
        result.end = RunEnd::from(self.run(stimulus, &mut result));
        result
    }

    /// Runs `stimulus` and keeps only the spikes.
    pub fn run_spikes(&self, stimulus: &[F]) -> SpikeTrain {
        let mut spikes = SpikeTrain::default();
        spikes.end = RunEnd::from(self.run(stimulus, &mut spikes));
        spikes
    }
}

/// The values of one sample with any number of after-spike currents: the
/// input and output of the single steps [`AnyModel::dynamics`] and
/// [`AnyModel::reset`] (AllenSDK's `GlifNeuron.dynamics()` and `reset()`).
#[derive(Clone, Debug, PartialEq)]
pub struct AnyState<F> {
    /// Voltage (V).
    pub v: F,
    /// Threshold (V).
    pub th: F,
    /// After-spike currents (A), one per current.
    pub asc: Vec<F>,
    /// Threshold components (V): AllenSDK's last `threshold_components`.
    pub components: ThresholdComponents<F>,
}

impl<F: Float> AnyState<F> {
    fn fixed<const N: usize>(&self) -> Result<State<F, N>> {
        let asc = <[F; N]>::try_from(self.asc.as_slice()).map_err(|_| {
            Error::new(ErrorKind::WrongLength {
                path: "AScurrents_t0".into(),
                found: self.asc.len(),
                expected: N,
            })
        })?;
        Ok(State {
            v: self.v,
            th: self.th,
            asc,
            components: self.components,
        })
    }

    fn from_fixed<const N: usize>(s: State<F, N>) -> Self {
        AnyState {
            v: s.v,
            th: s.th,
            asc: s.asc.to_vec(),
            components: s.components,
        }
    }
}

impl<F: Float> AnyModel<F> {
    /// One sample of the three dynamics rules from `s0` with input `inj`
    /// (A), as glif-core's `Prepared::dynamics`. Fails when `s0` does not
    /// have one current per after-spike current of the model.
    pub fn dynamics(&self, s0: &AnyState<F>, inj: F) -> Result<AnyState<F>> {
        each_model!(self, m => {
            let s = s0.fixed()?;
            Ok(AnyState::from_fixed(m.prepared().dynamics(&s, inj)))
        })
    }

    /// The three reset rules applied to `s1`, the values that crossed
    /// threshold, as glif-core's `Prepared::reset`. Fails when `s1` has the
    /// wrong number of currents, or when the current reset is `none` and
    /// the currents are not zero.
    pub fn reset(&self, s1: &AnyState<F>) -> Result<AnyState<F>> {
        each_model!(self, m => {
            let s = s1.fixed()?;
            let reset = m.prepared().reset(&s).map_err(|_| {
                Error::from(RunError::NonzeroAfterSpikeCurrents { step: 0 })
            })?;
            Ok(AnyState::from_fixed(reset))
        })
    }
}

/// Floating-point precision of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Precision {
    /// `f32`: what firmware computes.
    F32,
    /// `f64`: what AllenSDK computes (the default).
    #[default]
    F64,
}

impl std::str::FromStr for Precision {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "f32" => Ok(Precision::F32),
            "f64" => Ok(Precision::F64),
            other => Err(Error::invalid("precision", other, "f32 or f64")),
        }
    }
}

impl Precision {
    /// `"f32"` or `"f64"`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }
}

/// An [`AnyModel`] whose precision was chosen at run time (a CLI's
/// `--precision f32|f64`). Stimuli come in and results go out as `f64`.
#[derive(Clone, Copy, Debug)]
#[allow(clippy::large_enum_variant)] // built once per run, as AnyModel
pub enum AnyPrecisionModel {
    /// Single precision.
    F32(AnyModel<f32>),
    /// Double precision.
    F64(AnyModel<f64>),
}

impl AnyPrecisionModel {
    /// Builds the model in `precision`.
    pub fn new(config: &NeuronConfig, precision: Precision) -> Result<Self> {
        Ok(match precision {
            Precision::F32 => AnyPrecisionModel::F32(AnyModel::new(config)?),
            Precision::F64 => AnyPrecisionModel::F64(AnyModel::new(config)?),
        })
    }

    /// The published level when a compiled level runs.
    pub fn level(&self) -> Option<u8> {
        match self {
            AnyPrecisionModel::F32(m) => m.level(),
            AnyPrecisionModel::F64(m) => m.level(),
        }
    }

    /// Runs a stimulus given in `f64` (rounded to nearest `f32` in single precision).
    pub fn run_result(&self, stimulus: &[f64]) -> RunResult {
        match self {
            AnyPrecisionModel::F32(m) => m.run_result(&to_f32(stimulus)),
            AnyPrecisionModel::F64(m) => m.run_result(stimulus),
        }
    }

    /// Runs a stimulus given in `f64`, keeping only the spikes.
    pub fn run_spikes(&self, stimulus: &[f64]) -> SpikeTrain {
        match self {
            AnyPrecisionModel::F32(m) => m.run_spikes(&to_f32(stimulus)),
            AnyPrecisionModel::F64(m) => m.run_spikes(stimulus),
        }
    }
}

fn to_f32(x: &[f64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

fn spec<F: Float, const N: usize>(c: &NeuronConfig) -> Result<ParamSpec<F, N>> {
    let f = F::from_f64;
    Ok(ParamSpec {
        el: f(c.el),
        dt: f(c.dt),
        r_input: f(c.r_input),
        c: f(c.c),
        asc_tau: array("asc_tau_array", &c.asc_tau)?,
        asc_amp: array("asc_amp_array", &c.asc_amp)?,
        spike_cut_length: c.spike_cut_length,
        th_inf: f(c.th_inf),
        th_adapt: c.th_adapt.map(f),
        coeffs: Coeffs {
            th_inf: f(c.coeffs.th_inf),
            c: f(c.coeffs.c),
            g: f(c.coeffs.g),
            a: f(c.coeffs.a),
            b: f(c.coeffs.b),
            asc_amp: array("coeffs.asc_amp_array", &c.coeffs.asc_amp)?,
        },
        init_voltage: f(c.init_voltage),
        init_threshold: f(c.init_threshold),
        init_asc: array("init_AScurrents", &c.init_asc)?,
    })
}

/// The value at a dotted config path (with an optional index), as text.
fn value_at(config: &NeuronConfig, field: &str, index: Option<usize>) -> Option<String> {
    let json = config.to_json();
    let mut v = &json;
    for key in field.split('.') {
        v = v.get(key)?;
    }
    if let Some(i) = index {
        v = v.get(i)?;
    }
    Some(v.to_string())
}

/// Turns glif-core's validation error into one that names the JSON path and
/// the value.
fn param_error<F: Float>(config: &NeuronConfig, e: ParamError) -> Error {
    let path = match e.index {
        Some(i) => format!("{}[{i}]", e.field),
        None => e.field.to_string(),
    };
    let derived = e.problem == Problem::DerivedNotFinite;
    let found = match value_at(config, e.field, e.index) {
        Some(v) if !derived => v,
        _ if derived => "a non-finite derived value".to_string(),
        _ => "an invalid value".to_string(),
    };
    let mut expected = e.problem.expected().to_string();
    if F::BYTES == 4 && matches!(e.problem, Problem::NotFinite | Problem::DerivedNotFinite) {
        expected.push_str(" in f32 (|x| < 3.4e38; run in f64 instead)");
    }
    Error::invalid(path, found, expected)
}

pub(super) fn dyn_rules<F: Float, const N: usize>(c: &NeuronConfig) -> Result<DynRules<F, N>> {
    let m = &c.methods;
    Ok(Rules {
        voltage: m.voltage,
        threshold: m.threshold.cast(),
        asc: m.asc,
        voltage_reset: m.voltage_reset.cast(),
        threshold_reset: m.threshold_reset.cast(),
        asc_reset: m.asc_reset.for_model()?,
    })
}

/// Builds one model with rules `rules`, mapping validation errors to paths.
pub(super) fn model<F: Float, const N: usize, R: RuleSet<F, N>>(
    c: &NeuronConfig,
    rules: R,
    exp: &dyn Fn(F) -> F,
) -> Result<Model<F, N, R>> {
    let params = Params::new(spec::<F, N>(c)?).map_err(|e| param_error::<F>(c, e))?;
    Model::with_exp(params, rules, exp).map_err(|e| param_error::<F>(c, e))
}

fn general<F: Float, const N: usize>(
    c: &NeuronConfig,
    exp: &dyn Fn(F) -> F,
) -> Result<Model<F, N, DynRules<F, N>>> {
    model(c, dyn_rules::<F, N>(c)?, exp)
}

/// The compiled model of a published level with two currents, or `None`
/// for any other combination.
fn level<F: Float>(c: &NeuronConfig, exp: &dyn Fn(F) -> F) -> Result<Option<AnyModel<F>>> {
    use AnyAscReset as AR;
    use AnyThreshold as T;
    use AnyThresholdReset as TR;
    use AnyVoltageReset as VR;
    if c.asc_count() != 2 || c.level().is_none() {
        return Ok(None);
    }
    let r: DynRules<F, 2> = dyn_rules(c)?;
    let built = match (r.threshold, r.voltage_reset, r.threshold_reset, r.asc_reset) {
        (T::Inf(_), VR::Zero(_), TR::Inf(_), AR::None(_)) => {
            AnyModel::Glif1(model(c, levels::glif1(), exp)?)
        }
        (T::SpikeComponent(th), VR::VBefore(vr), TR::ThreeComponents(tr), AR::None(_)) => {
            AnyModel::Glif2(model(c, levels::glif2(th, vr, tr), exp)?)
        }
        (T::Inf(_), VR::Zero(_), TR::Inf(_), AR::Sum(sum)) => {
            AnyModel::Glif3(model(c, levels::glif3(sum), exp)?)
        }
        (T::SpikeComponent(th), VR::VBefore(vr), TR::ThreeComponents(tr), AR::Sum(sum)) => {
            AnyModel::Glif4(model(c, levels::glif4(th, vr, tr, sum), exp)?)
        }
        (T::ThreeComponentsExact(th), VR::VBefore(vr), TR::ThreeComponents(tr), AR::Sum(sum)) => {
            AnyModel::Glif5(model(c, levels::glif5(th, vr, tr, sum), exp)?)
        }
        _ => return Ok(None),
    };
    Ok(Some(built))
}

fn build<F: Float>(
    c: &NeuronConfig,
    exp: &dyn Fn(F) -> F,
    compiled_levels: bool,
) -> Result<AnyModel<F>> {
    c.methods.check_compatible()?;
    if compiled_levels {
        if let Some(m) = level(c, exp)? {
            return Ok(m);
        }
    }
    Ok(match c.asc_count() {
        0 => AnyModel::General0(general(c, exp)?),
        1 => AnyModel::General1(general(c, exp)?),
        2 => AnyModel::General2(general(c, exp)?),
        3 => AnyModel::General3(general(c, exp)?),
        4 => AnyModel::General4(general(c, exp)?),
        n => return Err(too_many_currents(n)),
    })
}

/// The error for a config with `n` after-spike currents, more than any
/// model supports ([`MAX_ASC_CURRENTS`]).
pub(super) fn too_many_currents(n: usize) -> Error {
    Error::invalid(
        "asc_tau_array",
        format!("{n} after-spike currents"),
        format!("0 to {MAX_ASC_CURRENTS} after-spike currents"),
    )
}

impl From<AnyModel<f64>> for AnyPrecisionModel {
    fn from(m: AnyModel<f64>) -> Self {
        AnyPrecisionModel::F64(m)
    }
}

impl From<AnyModel<f32>> for AnyPrecisionModel {
    fn from(m: AnyModel<f32>) -> Self {
        AnyPrecisionModel::F32(m)
    }
}
