//! NEST's `glif_cond`: a GLIF neuron with `P` alpha-shaped conductance
//! synapses, integrated as NEST integrates it, with GSL's adaptive RKF45
//! ([`super::rkf45`]).
//!
//! The ODE state is `U = V_m - E_L` (mV) and per port `i` (`receptor_type`
//! = i + 1) `dg_i` (nS/ms) and `g_i` (nS), with `tau = tau_syn[i]` (ms):
//!
//! - `C_m U' = -g_m U - sum_i g_i (U + E_L - E_rev[i]) + I + ASCurrents_sum`
//!   (`U' = 0` while refractory),
//! - `dg_i' = -dg_i / tau`, `g_i' = dg_i - g_i / tau`;
//!
//! an arriving weight `w` (nS) adds `w e / tau` to `dg_i`, so `g_i` peaks at
//! `w` after `tau`. `I` and `ASCurrents_sum` are the values of the previous
//! step (NEST updates both after the integration).
//!
//! One [`GlifCond::step`] is one pass of NEST's `glif_cond::update`:
//! 1. the ODE is integrated over the step `(0, h]` by repeated GSL
//!    `evolve_apply` calls, the integrator's step size carried from step to
//!    step (NEST's `IntegrationStep_`, starting at `h`);
//! 2. not refractory: the threshold's spike component decays, the
//!    after-spike currents give their mean over the step and decay, GLIF5's
//!    voltage component advances from the pre-step `U`, the total threshold
//!    is formed; if the integrated `U` > threshold the neuron spikes:
//!    refractory for `ceil(t_ref / h)` steps, ASC reset, `U` reset (from the
//!    pre-step `U` for levels 2, 4, 5). Refractory: one step less to wait,
//!    `U` held at its pre-step value (so `V_m` reads the reset value; the
//!    conductances go on evolving);
//! 3. this step's arriving weights enter `dg` (they act from the next step);
//! 4. `I` becomes this step's injected current (NEST's one-step lag).
//!
//! Bits: with glibc's `pow` (the `std` one on Linux) and `exp`, results are
//! bit-identical to NEST 3.10 in f64 (checked against NEST's own runs by
//! the project's reference checks). [`Libm`](super::Libm)'s `pow` can differ
//! in the last bit, which changes later step sizes and values by rounding
//! amounts; f32 follows the same algorithm in single precision and is not
//! comparable bit for bit.

use super::error::{NestError, E};
use super::glif::{GlifConsts, GlifInit, GlifParams, GlifSample, GlifState};
use super::math::{ExpProvider, PowProvider};
use super::psc::check_tau;
use super::rkf45::{evolve_apply, Control, OdeState, OdeSystem};
use super::time::Resolution;
use crate::Float;

/// Most integrator calls (accepted RKF45 steps) within one update step
/// before [`GlifCond::step`] gives up. NEST has no limit: where it would
/// need more, it would be grinding through steps far below any useful size
/// (or, with a non-finite state, never finish).
pub const MAX_SUBSTEPS: u32 = 1_000_000;

/// Parameters of a `glif_cond` neuron with `P` ports and `A` after-spike
/// currents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CondParams<F, const P: usize, const A: usize> {
    /// Membrane, threshold and after-spike current parameters (`g` is
    /// NEST's `g_m` here).
    pub glif: GlifParams<F, A>,
    /// `tau_syn`: rise time of the alpha conductance per port, ms.
    pub tau_syn: [F; P],
    /// `E_rev`: reversal potential per port, mV (absolute, not relative to `E_L`).
    pub e_rev: [F; P],
}

/// The ODE state of a `glif_cond` neuron (NEST's `y_`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CondVars<F, const P: usize> {
    /// `U = V_m - E_L`, mV.
    pub v: F,
    /// `dg` per port, nS/ms.
    pub dg: [F; P],
    /// `g` per port: the conductance, nS.
    pub g: [F; P],
}

impl<F: Float, const P: usize> OdeState<F> for CondVars<F, P> {
    #[inline(always)]
    fn combine<const K: usize>(&self, ks: [&Self; K], f: impl Fn(F, [F; K]) -> F) -> Self {
        CondVars {
            v: f(self.v, ks.map(|k| k.v)),
            dg: core::array::from_fn(|i| f(self.dg[i], ks.map(|k| k.dg[i]))),
            g: core::array::from_fn(|i| f(self.g[i], ks.map(|k| k.g[i]))),
        }
    }

    #[inline(always)]
    fn fold_with(&self, other: &Self, init: F, f: impl Fn(F, F, F) -> F) -> F {
        let mut acc = f(init, self.v, other.v);
        for i in 0..P {
            acc = f(acc, self.dg[i], other.dg[i]);
            acc = f(acc, self.g[i], other.g[i]);
        }
        acc
    }
}

/// The right-hand side during one update step (NEST's `glif_cond_dynamics`):
/// refractoriness, `I` and `ASCurrents_sum` are fixed for the step.
struct Dynamics<'a, F, const P: usize, const A: usize> {
    params: &'a CondParams<F, P, A>,
    refractory: bool,
    i: F,
    asc_sum: F,
}

impl<F: Float, const P: usize, const A: usize> OdeSystem<F, CondVars<F, P>>
    for Dynamics<'_, F, P, A>
{
    #[inline(always)]
    fn derivative(&self, y: &CondVars<F, P>) -> CondVars<F, P> {
        let p = self.params;
        let v_dot = if self.refractory {
            // NEST clamps U to V_reset for the synaptic current, then sets
            // the derivative to 0 anyway.
            F::ZERO
        } else {
            let v = y.v;
            let mut i_syn = F::ZERO;
            for i in 0..P {
                i_syn = i_syn + y.g[i] * (v + p.glif.e_l - p.e_rev[i]);
            }
            let i_leak = p.glif.g * v;
            (-i_leak - i_syn + self.i + self.asc_sum) / p.glif.c_m
        };
        CondVars {
            v: v_dot,
            dg: core::array::from_fn(|i| -y.dg[i] / p.tau_syn[i]),
            g: core::array::from_fn(|i| y.dg[i] - y.g[i] / p.tau_syn[i]),
        }
    }
}

/// `glif_cond`'s integrator needed more than [`MAX_SUBSTEPS`] steps within
/// one update step (a non-finite or absurdly stiff state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntegrationStalled;

impl core::fmt::Display for IntegrationStalled {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "glif_cond: the RKF45 integrator needed more than {MAX_SUBSTEPS} steps in one update step"
        )
    }
}

impl core::error::Error for IntegrationStalled {}

/// A prepared `glif_cond` model: validated parameters and every constant
/// for one resolution (immutable; many [`CondState`]s can share it), with
/// the `pow` the step-size control uses (`W`, [`Libm`](super::Libm) by default).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlifCond<F, const P: usize, const A: usize, W = super::math::Libm> {
    params: CondParams<F, P, A>,
    consts: GlifConsts<F, A>,
    /// `CondInitialValues_`: `e / tau_syn` per port, 1/ms.
    cond_initial: [F; P],
    control: Control<F>,
    pow: W,
}

/// The state of one `glif_cond` neuron.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CondState<F, const P: usize, const A: usize> {
    /// Threshold and after-spike current state; `glif.u` is `U`.
    pub glif: GlifState<F, A>,
    /// `dg` per port, nS/ms.
    pub dg: [F; P],
    /// `g` per port, nS.
    pub g: [F; P],
    /// NEST's `IntegrationStep_`: the step size the integrator tries next, ms.
    pub integration_step: F,
}

/// One multimeter sample of `glif_cond`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CondSample<F, const P: usize> {
    /// The shared recordables (`V_m`, `I`, `ASCurrents_sum`, thresholds).
    pub glif: GlifSample<F>,
    /// `g_1`..`g_P`, nS.
    pub g: [F; P],
}

/// NEST's names for `glif_cond`: its conductance is `g_m`.
fn cond_names(e: NestError) -> NestError {
    match e {
        NestError::NotFinite("g") => NestError::NotFinite("g_m"),
        NestError::NotPositive("g") => NestError::NotPositive("g_m"),
        NestError::DerivedNotFinite("g") => NestError::DerivedNotFinite("g_m"),
        other => other,
    }
}

impl<F: Float, const P: usize, const A: usize, W: PowProvider<F>> GlifCond<F, P, A, W> {
    /// Validates (NEST's checks) and prepares for resolution `res`, with
    /// `exp` for the decay factors (see [`super::math`]) and `pow` for the
    /// integrator's step-size control.
    pub fn new<X: ExpProvider<F>>(
        params: CondParams<F, P, A>,
        res: Resolution,
        exp: &X,
        pow: W,
    ) -> Result<Self, NestError> {
        params.glif.validate().map_err(cond_names)?;
        check_tau(&params.tau_syn, "tau_syn")?;
        if params.e_rev.iter().any(|e| !e.is_finite()) {
            return Err(NestError::NotFinite("E_rev"));
        }
        let consts = params.glif.consts(res, exp).map_err(cond_names)?;
        let mut cond_initial = [F::ZERO; P];
        for (c, &tau) in cond_initial.iter_mut().zip(params.tau_syn.iter()) {
            // NEST: 1.0 * numerics::e / tau_syn.
            *c = F::ONE * F::from_f64(E) / tau;
            if !c.is_finite() {
                return Err(NestError::DerivedNotFinite("tau_syn"));
            }
        }
        Ok(GlifCond {
            params,
            consts,
            cond_initial,
            control: Control::nest_glif_cond(),
            pow,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &CondParams<F, P, A> {
        &self.params
    }

    /// Refractory period in steps (`t_ref` rounded up to whole steps).
    pub fn refractory_steps(&self) -> u32 {
        self.consts.refractory_counts
    }

    /// A neuron in the initial state `init` (conductances 0), with injected
    /// current `i` (pA) already in effect in the first step, and the
    /// integrator's step size at `h` (NEST's `init_buffers_`).
    pub fn state(&self, init: &GlifInit<F, A>, i: F) -> CondState<F, P, A> {
        let mut glif = GlifState::new(&self.params.glif, init);
        glif.i = i;
        CondState {
            glif,
            dg: [F::ZERO; P],
            g: [F::ZERO; P],
            integration_step: self.consts.h,
        }
    }

    /// One update step of length h. `weights[i]` is the summed weight (nS)
    /// of the spikes arriving at port i + 1 in this step; `current` is the
    /// injected current (pA) read this step, in effect from the next step.
    /// Returns whether the neuron spiked in this step (NEST's spike time is
    /// the end of the step), or [`IntegrationStalled`] (the state is then
    /// left partly integrated).
    #[inline]
    pub fn step(
        &self,
        s: &mut CondState<F, P, A>,
        weights: &[F; P],
        current: F,
    ) -> Result<bool, IntegrationStalled> {
        let p = &self.params.glif;
        let c = &self.consts;
        let v_old = s.glif.u;
        let dynamics = Dynamics {
            params: &self.params,
            refractory: s.glif.refractory_steps != 0,
            i: s.glif.i,
            asc_sum: s.glif.asc_sum,
        };
        let mut y = CondVars {
            v: s.glif.u,
            dg: s.dg,
            g: s.g,
        };
        let mut t = F::ZERO;
        let mut calls = 0u32;
        while t < c.h {
            if calls == MAX_SUBSTEPS {
                s.glif.u = y.v;
                s.dg = y.dg;
                s.g = y.g;
                return Err(IntegrationStalled);
            }
            evolve_apply(
                &dynamics,
                &self.control,
                &self.pow,
                &mut t,
                c.h,
                &mut s.integration_step,
                &mut y,
            );
            calls += 1;
        }
        s.glif.u = y.v;
        s.dg = y.dg;
        s.g = y.g;
        let spiked = if s.glif.refractory_steps != 0 {
            s.glif.hold_refractory(p, v_old);
            false
        } else {
            s.glif.decay_spike_threshold_and_asc(p.level, c);
            s.glif.adapt_threshold(p.level, p, c, v_old);
            if s.glif.u > s.glif.threshold {
                s.glif.spike(p, c, v_old);
                true
            } else {
                false
            }
        };
        for ((dg, &w), &init) in s.dg.iter_mut().zip(weights).zip(&self.cond_initial) {
            *dg = *dg + w * init;
        }
        s.glif.i = current;
        Ok(spiked)
    }

    /// The recordables after the last step, as NEST's multimeter reads them.
    pub fn sample(&self, s: &CondState<F, P, A>) -> CondSample<F, P> {
        CondSample {
            glif: s.glif.sample(&self.params.glif),
            g: s.g,
        }
    }
}
