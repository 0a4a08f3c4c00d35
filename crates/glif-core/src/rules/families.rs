//! The six rule families' traits ([`Rule`] and the per-family step and
//! reset traits) and the threshold's components, which the rules of
//! `asc.rs`, `reset.rs`, `threshold.rs` and `voltage.rs` implement.

use core::fmt::Debug;

use crate::error::ParamError;
use crate::float::Float;
use crate::params::Params;

/// The two adaptive components of the threshold, both relative to
/// `th_inf * coeffs.th_inf` (V). Both start at 0.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ThresholdComponents<F> {
    /// Spike component (V): jumps by `a_spike` at a spike and decays with rate `b_spike`.
    pub spike: F,
    /// Voltage component (V): follows the voltage (only `three_components_exact`).
    pub voltage: F,
}

/// What a rule of every family has: its name and the constants it computes
/// once. Each family's trait below adds the per-sample function that uses
/// them.
pub trait Rule<F: Float, const N: usize> {
    /// The rule's name in Allen `neuron_config` files.
    const NAME: &'static str;
    /// Constants computed once per (parameters, `dt`).
    type Prepared: Copy + Debug;
    /// Validates the rule against the parameters and computes its constants,
    /// with `exp` for every exponential.
    fn prepare(
        &self,
        params: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError>;
}

/// Voltage dynamics: `v1` from the previous voltage, the input and the
/// previous after-spike currents.
pub trait VoltageDynamics<F: Float, const N: usize>: Rule<F, N> {
    /// `v1` (V) from `v0` (V), the injected current `inj` (A) and
    /// `asc_sum` = the sum of the previous after-spike currents (A).
    fn step(k: &Self::Prepared, v0: F, inj: F, asc_sum: F) -> F;
}

/// Threshold dynamics: `th1` and the new threshold components.
pub trait ThresholdDynamics<F: Float, const N: usize>: Rule<F, N> {
    /// `(th1, components1)` from the previous voltage `v0` (V), the previous
    /// components, the input `inj` (A) and the sum of the previous after-spike
    /// currents (A).
    fn step(
        k: &Self::Prepared,
        v0: F,
        components: ThresholdComponents<F>,
        inj: F,
        asc_sum: F,
    ) -> (F, ThresholdComponents<F>);
}

/// After-spike current dynamics: the currents one step later.
pub trait AscDynamics<F: Float, const N: usize>: Rule<F, N> {
    /// `asc1` (A) from `asc0` (A).
    fn step(k: &Self::Prepared, asc0: &[F; N]) -> [F; N];
}

/// Voltage reset: the voltage after a spike.
pub trait VoltageReset<F: Float, const N: usize>: Rule<F, N> {
    /// The reset voltage (V) from the voltage `v1` (V) that crossed threshold.
    fn reset(k: &Self::Prepared, v1: F) -> F;
}

/// Threshold reset: the threshold after a spike (applied after the voltage reset).
pub trait ThresholdReset<F: Float, const N: usize>: Rule<F, N> {
    /// `(threshold, components)` after the spike, from the threshold `th1`
    /// (V) that was crossed, the reset voltage (V) and the components at the
    /// spike.
    fn reset(
        k: &Self::Prepared,
        th1: F,
        v_reset: F,
        components: ThresholdComponents<F>,
    ) -> (F, ThresholdComponents<F>);
}

/// After-spike currents were not zero where the rule requires it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NonzeroCurrents;

/// After-spike current reset: the currents after a spike.
pub trait AscReset<F: Float, const N: usize>: Rule<F, N> {
    /// The currents (A) after the spike from the currents `asc1` (A) at the spike.
    fn reset(k: &Self::Prepared, asc1: &[F; N]) -> Result<[F; N], NonzeroCurrents>;
}

/// `sum(asc)` as numpy computes it for short arrays: `((0 + a0) + a1) + ...`.
#[inline(always)]
pub fn asc_sum<F: Float, const N: usize>(asc: &[F; N]) -> F {
    let mut s = F::ZERO;
    for &a in asc {
        s = s + a;
    }
    s
}
