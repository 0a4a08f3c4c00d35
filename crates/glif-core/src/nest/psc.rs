//! NEST's `glif_psc`: a GLIF neuron with `P` alpha-shaped current synapses.
//!
//! Per port `i` (`receptor_type` = i + 1), with `tau = tau_syn[i]` (ms):
//! `y1' = -y1/tau`, `y2' = y1 - y2/tau` (pA), propagated exactly
//! (`P11 = P22 = e^{-h/tau}`, `P21 = h P11`); an arriving weight `w` (pA)
//! adds `w e / tau` to `y1`, so the current `y2` peaks at `w` after `tau`.
//! The membrane `C_m U' = -g U + I + ASCurrents + sum y2` is propagated
//! exactly ([`super::propagator`]); `I_syn` = `sum y2` at the step's start.
//!
//! One [`GlifPsc::step`] is one pass of NEST's update loop, in its order:
//! 1. not refractory: threshold spike component decays; after-spike
//!    currents give their exact mean over the step (`ASCurrents_sum`) and
//!    decay; `U` advances from the pre-step `U` with the previous step's `I`,
//!    then each port adds `P31 y1 + P32 y2`; the voltage component of the
//!    threshold advances (GLIF5); if `U` > threshold the neuron spikes:
//!    refractory for `ceil(t_ref / h)` steps, ASC reset, `U` reset (from the
//!    pre-step `U` for levels 2, 4, 5);
//!    refractory: one step less to wait, `U` held.
//! 2. every port's `y1`, `y2` advance, then this step's arriving weights
//!    enter `y1` (they act on `U` from the next step on);
//! 3. `I` becomes this step's injected current (the one-step lag of NEST's
//!    current input).

use super::error::{NestError, E};
use super::glif::{GlifConsts, GlifInit, GlifParams, GlifSample, GlifState};
use super::math::ExpProvider;
use super::propagator::alpha_propagator;
use super::time::Resolution;
use crate::Float;

/// Parameters of a `glif_psc` neuron with `P` ports and `A` after-spike currents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PscParams<F, const P: usize, const A: usize> {
    /// Membrane, threshold and after-spike current parameters.
    pub glif: GlifParams<F, A>,
    /// `tau_syn`: synaptic time constant per port, ms.
    pub tau_syn: [F; P],
}

/// One port's propagators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AlphaPort<F> {
    pub(crate) p11: F,
    pub(crate) p21: F,
    pub(crate) p22: F,
    pub(crate) p31: F,
    pub(crate) p32: F,
    pub(crate) psc_initial: F,
}

impl<F: Float> AlphaPort<F> {
    /// All propagators zero: an array's filler before [`AlphaPort::new`].
    pub(crate) const ZERO: Self = AlphaPort {
        p11: F::ZERO,
        p21: F::ZERO,
        p22: F::ZERO,
        p31: F::ZERO,
        p32: F::ZERO,
        psc_initial: F::ZERO,
    };

    /// NEST's `pre_run_hook` for one alpha port: `tau_syn`, `tau_m` (ms),
    /// `c_m` (pF), `h` (ms); `amp` scales the initial value (`amp_slow` of
    /// the double alpha's slow component; `None` for 1, with no multiply).
    pub(crate) fn new<X: ExpProvider<F>>(
        tau_syn: F,
        tau_m: F,
        c_m: F,
        h: F,
        amp: Option<F>,
        exp: &X,
    ) -> Result<Self, NestError> {
        let p11 = exp.exp(-h / tau_syn);
        let (p31, p32) = alpha_propagator(tau_syn, tau_m, c_m, h, exp);
        // NEST: 1.0 * numerics::e / tau_syn (times amp_slow for the slow part).
        let mut psc_initial = F::ONE * F::from_f64(E) / tau_syn;
        if let Some(a) = amp {
            psc_initial = psc_initial * a;
        }
        let port = AlphaPort {
            p11,
            p21: h * p11,
            p22: p11,
            p31,
            p32,
            psc_initial,
        };
        for x in [port.p11, port.p21, port.p31, port.p32, port.psc_initial] {
            if !x.is_finite() {
                return Err(NestError::DerivedNotFinite("tau_syn"));
            }
        }
        Ok(port)
    }

    /// `y2 <- P21 y1 + P22 y2`, `y1 <- P11 y1 + initial * w`.
    #[inline(always)]
    pub(crate) fn advance(&self, y1: &mut F, y2: &mut F, w: F) {
        *y2 = self.p21 * *y1 + self.p22 * *y2;
        *y1 = *y1 * self.p11;
        *y1 = *y1 + self.psc_initial * w;
    }
}

/// Adds every port's `P31 y1 + P32 y2` to `u` in port order; returns the
/// sum of the `y2` (`I_syn` for `glif_psc`, one component's share for the
/// double alpha).
#[inline(always)]
pub(crate) fn add_synaptic<F: Float, const P: usize>(
    ports: &[AlphaPort<F>; P],
    u: &mut F,
    y1: &[F; P],
    y2: &[F; P],
) -> F {
    let mut i_syn = F::ZERO;
    for i in 0..P {
        *u = *u + (ports[i].p31 * y1[i] + ports[i].p32 * y2[i]);
        i_syn = i_syn + y2[i];
    }
    i_syn
}

pub(crate) fn check_tau<F: Float>(tau: &[F], field: &'static str) -> Result<(), NestError> {
    for &t in tau {
        if !t.is_finite() {
            return Err(NestError::NotFinite(field));
        }
        if t <= F::ZERO {
            return Err(NestError::NotPositive(field));
        }
    }
    Ok(())
}

/// A prepared `glif_psc` model: validated parameters and every constant for
/// one resolution (immutable; many [`PscState`]s can share it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlifPsc<F, const P: usize, const A: usize> {
    pub(crate) params: PscParams<F, P, A>,
    pub(crate) consts: GlifConsts<F, A>,
    pub(crate) ports: [AlphaPort<F>; P],
}

/// The state of one `glif_psc` neuron.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PscState<F, const P: usize, const A: usize> {
    /// Membrane, threshold and after-spike current state.
    pub glif: GlifState<F, A>,
    /// `y1` per port (pA/ms).
    pub y1: [F; P],
    /// `y2` per port: the synaptic current, pA.
    pub y2: [F; P],
    /// `I_syn`: sum of `y2` at the start of the last integrated step, pA.
    pub i_syn: F,
}

/// One multimeter sample of `glif_psc` (and `glif_psc_double_alpha`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PscSample<F> {
    /// The shared recordables.
    pub glif: GlifSample<F>,
    /// `I_syn`, pA.
    pub i_syn: F,
}

impl<F: Float, const P: usize, const A: usize> GlifPsc<F, P, A> {
    /// Validates (NEST's checks) and prepares for resolution `res`, with
    /// `exp`/`expm1` from `exp` (see [`super::math`]).
    pub fn new<X: ExpProvider<F>>(
        params: PscParams<F, P, A>,
        res: Resolution,
        exp: &X,
    ) -> Result<Self, NestError> {
        params.glif.validate()?;
        check_tau(&params.tau_syn, "tau_syn")?;
        let consts = params.glif.consts(res, exp)?;
        let mut ports = [AlphaPort::ZERO; P];
        for (port, &tau) in ports.iter_mut().zip(params.tau_syn.iter()) {
            *port = AlphaPort::new(tau, consts.tau_m, params.glif.c_m, consts.h, None, exp)?;
        }
        Ok(GlifPsc {
            params,
            consts,
            ports,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &PscParams<F, P, A> {
        &self.params
    }

    /// Refractory period in steps (`t_ref` rounded up to whole steps).
    pub fn refractory_steps(&self) -> u32 {
        self.consts.refractory_counts
    }

    /// A neuron in the initial state `init`, with injected current `i` (pA)
    /// already in effect in the first step (as a DC input that reached the
    /// neuron before the run).
    pub fn state(&self, init: &GlifInit<F, A>, i: F) -> PscState<F, P, A> {
        let mut glif = GlifState::new(&self.params.glif, init);
        glif.i = i;
        PscState {
            glif,
            y1: [F::ZERO; P],
            y2: [F::ZERO; P],
            i_syn: F::ZERO,
        }
    }

    /// One update step of length h. `weights[i]` is the summed weight (pA)
    /// of the spikes arriving at port i + 1 in this step; `current` is the
    /// injected current (pA) read this step, in effect from the next step.
    /// Returns true when the neuron spiked in this step (NEST's spike time
    /// is the end of the step).
    #[inline]
    pub fn step(&self, s: &mut PscState<F, P, A>, weights: &[F; P], current: F) -> bool {
        let (y1, y2) = (s.y1, s.y2);
        let spiked = s
            .glif
            .advance(&self.params.glif, &self.consts, &mut s.i_syn, |u| {
                self.add_synaptic(u, &y1, &y2)
            });
        self.finish_step(s, weights, current);
        spiked
    }

    /// Adds every port's `P31 y1 + P32 y2` to `u` in port order; returns
    /// `I_syn`, the sum of the `y2`.
    #[inline(always)]
    pub(crate) fn add_synaptic(&self, u: &mut F, y1: &[F; P], y2: &[F; P]) -> F {
        add_synaptic(&self.ports, u, y1, y2)
    }

    /// The end of a step: the ports advance and take this step's weights;
    /// `I` becomes `current`.
    #[inline(always)]
    pub(crate) fn finish_step(&self, s: &mut PscState<F, P, A>, weights: &[F; P], current: F) {
        for (i, (port, &w)) in self.ports.iter().zip(weights).enumerate() {
            port.advance(&mut s.y1[i], &mut s.y2[i], w);
        }
        s.glif.i = current;
    }

    /// The recordables after the last step, as NEST's multimeter reads them.
    pub fn sample(&self, s: &PscState<F, P, A>) -> PscSample<F> {
        PscSample {
            glif: s.glif.sample(&self.params.glif),
            i_syn: s.i_syn,
        }
    }
}
