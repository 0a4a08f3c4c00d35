//! After-spike current dynamics rules.

use super::families::{AscDynamics, Rule};
use crate::error::ParamError;
use crate::float::Float;
use crate::params::{check_derived, Params};

/// `exp`: each current decays exponentially, `asc1[i] = asc0[i] * exp(-k[i]*dt)`
/// with `k[i] = 1/asc_tau_array[i]` (1/s).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AscExp;

impl<F: Float, const N: usize> Rule<F, N> for AscExp {
    const NAME: &'static str = "exp";
    /// `exp(-k[i]*dt)` per current.
    type Prepared = [F; N];

    fn prepare(&self, p: &Params<F, N>, exp: &dyn Fn(F) -> F) -> Result<[F; N], ParamError> {
        let mut decay = [F::ZERO; N];
        for (i, d) in decay.iter_mut().enumerate() {
            *d = check_derived("exp(-dt/asc_tau_array)", exp(-p.k(i) * p.dt()))?;
        }
        Ok(decay)
    }
}

impl<F: Float, const N: usize> AscDynamics<F, N> for AscExp {
    #[inline(always)]
    fn step(decay: &[F; N], asc0: &[F; N]) -> [F; N] {
        let mut asc1 = *asc0;
        for (a, d) in asc1.iter_mut().zip(decay) {
            *a = *a * *d;
        }
        asc1
    }
}

/// `none`: the currents are zero after every step, `asc1[i] = 0`.
/// (`init_AScurrents` still reaches the voltage of the very first step.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AscNone;

impl<F: Float, const N: usize> Rule<F, N> for AscNone {
    const NAME: &'static str = "none";
    type Prepared = ();

    fn prepare(&self, _p: &Params<F, N>, _exp: &dyn Fn(F) -> F) -> Result<(), ParamError> {
        Ok(())
    }
}

impl<F: Float, const N: usize> AscDynamics<F, N> for AscNone {
    #[inline(always)]
    fn step(_k: &(), _asc0: &[F; N]) -> [F; N] {
        [F::ZERO; N]
    }
}
