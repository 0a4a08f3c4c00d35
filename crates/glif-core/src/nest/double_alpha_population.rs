//! Many `glif_psc_double_alpha` neurons at once, `L` at a time in
//! [`Lanes`]: [`super::population`]'s engine for NEST's double-alpha model.
//!
//! The same design: a block's constants are its `L` neurons'
//! [`GlifPscDoubleAlpha`] models gathered lane by lane
//! ([`DoubleAlphaWide`]), its state one `DoubleAlphaState<Lanes<F, L>, P, A>`
//! plus the lanes' refractory counts ([`DoubleAlphaBlock`]); a step runs the
//! single-neuron model's own code on all lanes (SIMD), holds the refractory
//! lanes with lane-wise selects, and resets the rare spiking lanes one by
//! one. Every lane computes exactly what [`GlifPscDoubleAlpha::step`]
//! computes for that neuron alone, bit for bit
//! (`tests/nest_population.rs`).
//!
//! Input: one summed spike weight per neuron per port per step (it enters
//! both the fast and the slow component, as in NEST) and one injected
//! current per neuron per step. All neurons of a block share the GLIF
//! level. No heap: the caller owns the arrays.

use super::double_alpha::{DoubleAlphaParams, DoubleAlphaState, GlifPscDoubleAlpha};
use super::glif::{GlifConsts, GlifParams, GlifState, Level};
use super::population::{
    gather_consts, gather_glif, gather_n, gather_port, gather_state, glif_lanes_step,
    impl_nest_block, one_level, spike_lanes, state_lane, MixedLevels, NestBlock, NestPopulation,
};
use crate::{Float, Lanes};

/// The constants of `L` `glif_psc_double_alpha` neurons, one lane each.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleAlphaWide<F: Float, const P: usize, const A: usize, const L: usize> {
    model: GlifPscDoubleAlpha<Lanes<F, L>, P, A>,
}

impl<F: Float, const P: usize, const A: usize, const L: usize> DoubleAlphaWide<F, P, A, L> {
    /// Gathers `models` (lane `i` = `models[i]`), constants as the models
    /// computed them.
    pub fn new(models: &[&GlifPscDoubleAlpha<F, P, A>; L]) -> Result<Self, MixedLevels> {
        let g: [&GlifParams<F, A>; L] = core::array::from_fn(|i| &models[i].params.glif);
        one_level(&g)?;
        let c: [&GlifConsts<F, A>; L] = core::array::from_fn(|i| &models[i].consts);
        let p: [&DoubleAlphaParams<F, P, A>; L] = core::array::from_fn(|i| &models[i].params);
        Ok(DoubleAlphaWide {
            model: GlifPscDoubleAlpha {
                params: DoubleAlphaParams {
                    glif: gather_glif(&g),
                    tau_syn_fast: gather_n(&p, |p| p.tau_syn_fast),
                    tau_syn_slow: gather_n(&p, |p| p.tau_syn_slow),
                    amp_slow: gather_n(&p, |p| p.amp_slow),
                },
                consts: gather_consts(&c),
                fast: core::array::from_fn(|k| {
                    gather_port(&core::array::from_fn::<_, L, _>(|i| &models[i].fast[k]))
                }),
                slow: core::array::from_fn(|k| {
                    gather_port(&core::array::from_fn::<_, L, _>(|i| &models[i].slow[k]))
                }),
            },
        })
    }
}

/// The running state of `L` `glif_psc_double_alpha` neurons.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleAlphaBlock<F: Float, const P: usize, const A: usize, const L: usize> {
    state: DoubleAlphaState<Lanes<F, L>, P, A>,
    refractory: [u32; L],
}

impl<F: Float, const P: usize, const A: usize, const L: usize> DoubleAlphaBlock<F, P, A, L> {
    /// `L` neurons in the given states (from [`GlifPscDoubleAlpha::state`]).
    pub fn new(states: &[DoubleAlphaState<F, P, A>; L]) -> Self {
        let s: [&DoubleAlphaState<F, P, A>; L] = core::array::from_fn(|i| &states[i]);
        let g: [&GlifState<F, A>; L] = core::array::from_fn(|i| &states[i].glif);
        DoubleAlphaBlock {
            state: DoubleAlphaState {
                glif: gather_state(&g),
                y1_fast: gather_n(&s, |x| x.y1_fast),
                y2_fast: gather_n(&s, |x| x.y2_fast),
                y1_slow: gather_n(&s, |x| x.y1_slow),
                y2_slow: gather_n(&s, |x| x.y2_slow),
                i_syn: Lanes::from_fn(|i| states[i].i_syn),
            },
            refractory: core::array::from_fn(|i| states[i].glif.refractory_steps),
        }
    }

    /// The state of lane `lane` (< `L`), as [`GlifPscDoubleAlpha::step`]
    /// would hold it.
    pub fn lane(&self, lane: usize) -> DoubleAlphaState<F, P, A> {
        let s = &self.state;
        DoubleAlphaState {
            glif: state_lane(&s.glif, lane, self.refractory[lane]),
            y1_fast: core::array::from_fn(|k| s.y1_fast[k].0[lane]),
            y2_fast: core::array::from_fn(|k| s.y2_fast[k].0[lane]),
            y1_slow: core::array::from_fn(|k| s.y1_slow[k].0[lane]),
            y2_slow: core::array::from_fn(|k| s.y2_slow[k].0[lane]),
            i_syn: s.i_syn.0[lane],
        }
    }
}

impl_nest_block!(
    DoubleAlphaBlock,
    GlifPscDoubleAlpha,
    DoubleAlphaWide,
    [y1_fast, y2_fast, y1_slow, y2_slow]
);

/// Many `glif_psc_double_alpha` neurons, stepped `L` at a time
/// ([`NestPopulation`], as [`super::PscPopulation`]). See the module docs.
pub type DoubleAlphaPopulation<'a, F, const P: usize, const A: usize, const L: usize> =
    NestPopulation<'a, F, P, L, DoubleAlphaBlock<F, P, A, L>>;
