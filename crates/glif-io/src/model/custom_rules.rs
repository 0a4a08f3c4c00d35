//! Models whose rules are partly defined outside glif-io: each of the six
//! families is either the config's built-in rule or a rule the caller
//! supplies (the Python package's rules made from Python functions, which
//! AllenSDK calls "custom" methods). [`BuiltinOr`] is the rule of one
//! family, [`model_with_custom_rules`] builds the model, and
//! [`run_custom_rules_model`] builds it for the config's number of
//! after-spike currents and hands it to the caller's [`CustomModelRunner`].
//!
//! A custom rule is a glif-core rule type like any other (its `prepare`,
//! and the family's `step` or `reset`); the run goes through glif-core's
//! `Neuron`, so spike detection, interpolation, spike cuts and bad resets
//! are exactly those of the built-in rules.

use glif_core::rules::{
    AscDynamics, AscReset, NonzeroCurrents, Rule, ThresholdComponents, ThresholdDynamics,
    ThresholdReset, VoltageDynamics, VoltageReset,
};
use glif_core::{Float, Model, ParamError, Params, RuleSet, Rules};

use super::any_model::{dyn_rules, model, too_many_currents};
use super::config::NeuronConfig;
use super::rules::*;
use crate::base::{Error, ErrorKind, Result};

/// One family's rule: the config's built-in rule `B`, or a custom rule `C`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BuiltinOr<B, C> {
    /// The config's rule (glif-io's run-time rule table).
    Builtin(B),
    /// The caller's rule.
    Custom(C),
}

impl<F: Float, const N: usize, B, C> Rule<F, N> for BuiltinOr<B, C>
where
    B: Rule<F, N>,
    C: Rule<F, N>,
{
    const NAME: &'static str = "builtin or custom";
    type Prepared = BuiltinOr<B::Prepared, C::Prepared>;

    fn prepare(
        &self,
        params: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> core::result::Result<Self::Prepared, ParamError> {
        Ok(match self {
            BuiltinOr::Builtin(b) => BuiltinOr::Builtin(b.prepare(params, exp)?),
            BuiltinOr::Custom(c) => BuiltinOr::Custom(c.prepare(params, exp)?),
        })
    }
}

/// Implements a family's trait for [`BuiltinOr`] by dispatching to whichever
/// rule it holds.
macro_rules! either {
    ($trait:ident, $fn:ident($($arg:ident: $ty:ty),*) -> $out:ty) => {
        impl<F: Float, const N: usize, B, C> $trait<F, N> for BuiltinOr<B, C>
        where
            B: $trait<F, N>,
            C: $trait<F, N>,
        {
            #[inline(always)]
            fn $fn(k: &Self::Prepared, $($arg: $ty),*) -> $out {
                match k {
                    BuiltinOr::Builtin(k) => B::$fn(k, $($arg),*),
                    BuiltinOr::Custom(k) => C::$fn(k, $($arg),*),
                }
            }
        }
    };
}

either!(VoltageDynamics, step(v0: F, inj: F, asc_sum: F) -> F);
either!(ThresholdDynamics, step(v0: F, components: ThresholdComponents<F>, inj: F, asc_sum: F) -> (F, ThresholdComponents<F>));
either!(AscDynamics, step(asc0: &[F; N]) -> [F; N]);
either!(VoltageReset, reset(v1: F) -> F);
either!(ThresholdReset, reset(th1: F, v_reset: F, components: ThresholdComponents<F>) -> (F, ThresholdComponents<F>));
either!(AscReset, reset(asc1: &[F; N]) -> core::result::Result<[F; N], NonzeroCurrents>);

/// The rules of a [`model_with_custom_rules`] model: each family the
/// config's built-in rule or the custom rule of the same position.
pub type WithCustomRules<F, const N: usize, VD, TD, AD, VR, TR, AR> = Rules<
    BuiltinOr<AnyVoltage, VD>,
    BuiltinOr<AnyThreshold<F>, TD>,
    BuiltinOr<AnyAsc, AD>,
    BuiltinOr<AnyVoltageReset<F>, VR>,
    BuiltinOr<AnyThresholdReset<F>, TR>,
    BuiltinOr<AnyAscReset<F, N>, AR>,
>;

/// A model of `config` whose families with `Some` in `custom` run that
/// custom rule and the others the config's built-in rule (the config's
/// method of a custom family is ignored, but must still be a rule the
/// config reader accepts). `N` must be the config's number of after-spike
/// currents. Exponentials of the built-in rules' constants come from `exp`.
///
/// The built-in rules' compatibility (a `three_components` threshold reset
/// needs threshold dynamics that keep components) is checked only when
/// neither threshold family is custom: a custom rule decides for itself.
#[allow(clippy::type_complexity)]
pub fn model_with_custom_rules<F, const N: usize, VD, TD, AD, VR, TR, AR>(
    config: &NeuronConfig,
    custom: Rules<Option<VD>, Option<TD>, Option<AD>, Option<VR>, Option<TR>, Option<AR>>,
    exp: &dyn Fn(F) -> F,
) -> Result<Model<F, N, WithCustomRules<F, N, VD, TD, AD, VR, TR, AR>>>
where
    F: Float,
    WithCustomRules<F, N, VD, TD, AD, VR, TR, AR>: RuleSet<F, N>,
{
    fn pick<B, C>(builtin: B, custom: Option<C>) -> BuiltinOr<B, C> {
        match custom {
            Some(c) => BuiltinOr::Custom(c),
            None => BuiltinOr::Builtin(builtin),
        }
    }
    let build = || {
        if custom.threshold.is_none() && custom.threshold_reset.is_none() {
            config.methods.check_compatible()?;
        }
        let r: DynRules<F, N> = dyn_rules(config)?;
        let rules = Rules {
            voltage: pick(r.voltage, custom.voltage),
            threshold: pick(r.threshold, custom.threshold),
            asc: pick(r.asc, custom.asc),
            voltage_reset: pick(r.voltage_reset, custom.voltage_reset),
            threshold_reset: pick(r.threshold_reset, custom.threshold_reset),
            asc_reset: pick(r.asc_reset, custom.asc_reset),
        };
        model(config, rules, exp)
    };
    if config.asc_count() != N {
        return Err(Error::new(ErrorKind::WrongLength {
            path: "asc_tau_array".into(),
            found: config.asc_count(),
            expected: N,
        })
        .with_source(config));
    }
    build().map_err(|e| e.with_source(config))
}

/// What to do with a [`model_with_custom_rules`] model once its number of
/// after-spike currents `N` is known: [`run_custom_rules_model`] builds the
/// model for the config's count and hands it to [`CustomModelRunner::run`].
pub trait CustomModelRunner<F: Float> {
    /// What the run gives back.
    type Output;
    /// Runs `model`, which has `N` after-spike currents.
    fn run<const N: usize, R: RuleSet<F, N>>(self, model: Model<F, N, R>) -> Self::Output;
}

/// [`model_with_custom_rules`] for the config's own number of after-spike
/// currents (0 to [`MAX_ASC_CURRENTS`](crate::MAX_ASC_CURRENTS)), handed to `run`: the one dispatch
/// from a run-time count to the model's type. Refuses a config with more
/// currents, naming `asc_tau_array`.
#[allow(clippy::type_complexity)]
pub fn run_custom_rules_model<F, VD, TD, AD, VR, TR, AR, M>(
    config: &NeuronConfig,
    custom: Rules<Option<VD>, Option<TD>, Option<AD>, Option<VR>, Option<TR>, Option<AR>>,
    exp: &dyn Fn(F) -> F,
    run: M,
) -> Result<M::Output>
where
    F: Float,
    M: CustomModelRunner<F>,
    WithCustomRules<F, 0, VD, TD, AD, VR, TR, AR>: RuleSet<F, 0>,
    WithCustomRules<F, 1, VD, TD, AD, VR, TR, AR>: RuleSet<F, 1>,
    WithCustomRules<F, 2, VD, TD, AD, VR, TR, AR>: RuleSet<F, 2>,
    WithCustomRules<F, 3, VD, TD, AD, VR, TR, AR>: RuleSet<F, 3>,
    WithCustomRules<F, 4, VD, TD, AD, VR, TR, AR>: RuleSet<F, 4>,
{
    Ok(match config.asc_count() {
        0 => run.run(model_with_custom_rules::<F, 0, _, _, _, _, _, _>(
            config, custom, exp,
        )?),
        1 => run.run(model_with_custom_rules::<F, 1, _, _, _, _, _, _>(
            config, custom, exp,
        )?),
        2 => run.run(model_with_custom_rules::<F, 2, _, _, _, _, _, _>(
            config, custom, exp,
        )?),
        3 => run.run(model_with_custom_rules::<F, 3, _, _, _, _, _, _>(
            config, custom, exp,
        )?),
        4 => run.run(model_with_custom_rules::<F, 4, _, _, _, _, _, _>(
            config, custom, exp,
        )?),
        n => return Err(too_many_currents(n)),
    })
}
