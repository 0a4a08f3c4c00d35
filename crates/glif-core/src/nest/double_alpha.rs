//! NEST's `glif_psc_double_alpha`: like [`super::psc`], but each port's
//! current is the sum of a fast and a slow alpha function,
//! `I_syn,i = alpha(tau_syn_fast[i]) + amp_slow[i] alpha(tau_syn_slow[i])`;
//! an arriving weight `w` adds `w e / tau_fast` to the fast `y1` and
//! `w e / tau_slow * amp_slow` to the slow `y1`.
//!
//! NEST's order within a step: `U` gets every port's fast term, then every
//! port's slow term; `I_syn` = (sum of fast `y2`) + (sum of slow `y2`); per
//! port, the fast component advances and takes the weight, then the slow one.

use super::error::NestError;
use super::glif::{GlifConsts, GlifInit, GlifParams, GlifState};
use super::math::ExpProvider;
use super::psc::{add_synaptic, check_tau, AlphaPort, PscSample};
use super::time::Resolution;
use crate::Float;

/// Parameters of a `glif_psc_double_alpha` neuron with `P` ports and `A`
/// after-spike currents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleAlphaParams<F, const P: usize, const A: usize> {
    /// Membrane, threshold and after-spike current parameters.
    pub glif: GlifParams<F, A>,
    /// `tau_syn_fast`: fast time constant per port, ms.
    pub tau_syn_fast: [F; P],
    /// `tau_syn_slow`: slow time constant per port, ms.
    pub tau_syn_slow: [F; P],
    /// `amp_slow`: amplitude of the slow component relative to the fast one (> 0).
    pub amp_slow: [F; P],
}

/// A prepared `glif_psc_double_alpha` model for one resolution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlifPscDoubleAlpha<F, const P: usize, const A: usize> {
    pub(crate) params: DoubleAlphaParams<F, P, A>,
    pub(crate) consts: GlifConsts<F, A>,
    pub(crate) fast: [AlphaPort<F>; P],
    pub(crate) slow: [AlphaPort<F>; P],
}

/// The state of one `glif_psc_double_alpha` neuron.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleAlphaState<F, const P: usize, const A: usize> {
    /// Membrane, threshold and after-spike current state.
    pub glif: GlifState<F, A>,
    /// Fast `y1`, `y2` per port.
    pub y1_fast: [F; P],
    /// Fast synaptic current per port, pA.
    pub y2_fast: [F; P],
    /// Slow `y1` per port.
    pub y1_slow: [F; P],
    /// Slow synaptic current per port, pA.
    pub y2_slow: [F; P],
    /// `I_syn`, pA.
    pub i_syn: F,
}

impl<F: Float, const P: usize, const A: usize> GlifPscDoubleAlpha<F, P, A> {
    /// Validates (NEST's checks) and prepares for resolution `res`.
    pub fn new<X: ExpProvider<F>>(
        params: DoubleAlphaParams<F, P, A>,
        res: Resolution,
        exp: &X,
    ) -> Result<Self, NestError> {
        params.glif.validate()?;
        check_tau(&params.tau_syn_fast, "tau_syn_fast")?;
        check_tau(&params.tau_syn_slow, "tau_syn_slow")?;
        check_tau(&params.amp_slow, "amp_slow")?;
        let consts = params.glif.consts(res, exp)?;
        let mut fast = [AlphaPort::ZERO; P];
        let mut slow = [AlphaPort::ZERO; P];
        let (tau_m, c_m, h) = (consts.tau_m, params.glif.c_m, consts.h);
        for i in 0..P {
            fast[i] = AlphaPort::new(params.tau_syn_fast[i], tau_m, c_m, h, None, exp)?;
            slow[i] = AlphaPort::new(
                params.tau_syn_slow[i],
                tau_m,
                c_m,
                h,
                Some(params.amp_slow[i]),
                exp,
            )?;
        }
        Ok(GlifPscDoubleAlpha {
            params,
            consts,
            fast,
            slow,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &DoubleAlphaParams<F, P, A> {
        &self.params
    }

    /// A neuron in the initial state `init`, with injected current `i` (pA)
    /// in effect from the first step.
    pub fn state(&self, init: &GlifInit<F, A>, i: F) -> DoubleAlphaState<F, P, A> {
        let mut glif = GlifState::new(&self.params.glif, init);
        glif.i = i;
        DoubleAlphaState {
            glif,
            y1_fast: [F::ZERO; P],
            y2_fast: [F::ZERO; P],
            y1_slow: [F::ZERO; P],
            y2_slow: [F::ZERO; P],
            i_syn: F::ZERO,
        }
    }

    /// One update step; arguments and result as [`super::GlifPsc::step`].
    #[inline]
    pub fn step(&self, s: &mut DoubleAlphaState<F, P, A>, weights: &[F; P], current: F) -> bool {
        let (y1f, y2f, y1s, y2s) = (&s.y1_fast, &s.y2_fast, &s.y1_slow, &s.y2_slow);
        let spiked = s
            .glif
            .advance(&self.params.glif, &self.consts, &mut s.i_syn, |u| {
                self.add_synaptic(u, y1f, y2f, y1s, y2s)
            });
        self.finish_step(s, weights, current);
        spiked
    }

    /// Adds every port's fast term, then every port's slow term, to `u`;
    /// returns `I_syn` = (sum of fast `y2`) + (sum of slow `y2`).
    #[inline(always)]
    pub(crate) fn add_synaptic(
        &self,
        u: &mut F,
        y1f: &[F; P],
        y2f: &[F; P],
        y1s: &[F; P],
        y2s: &[F; P],
    ) -> F {
        let i_fast = add_synaptic(&self.fast, u, y1f, y2f);
        let i_slow = add_synaptic(&self.slow, u, y1s, y2s);
        i_fast + i_slow
    }

    /// The end of a step: per port, the fast component advances and takes
    /// the weight, then the slow one; `I` becomes `current`.
    #[inline(always)]
    pub(crate) fn finish_step(
        &self,
        s: &mut DoubleAlphaState<F, P, A>,
        weights: &[F; P],
        current: F,
    ) {
        for (i, &w) in weights.iter().enumerate() {
            self.fast[i].advance(&mut s.y1_fast[i], &mut s.y2_fast[i], w);
            self.slow[i].advance(&mut s.y1_slow[i], &mut s.y2_slow[i], w);
        }
        s.glif.i = current;
    }

    /// The recordables after the last step.
    pub fn sample(&self, s: &DoubleAlphaState<F, P, A>) -> PscSample<F> {
        PscSample {
            glif: s.glif.sample(&self.params.glif),
            i_syn: s.i_syn,
        }
    }
}
