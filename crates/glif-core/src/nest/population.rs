//! Many `glif_psc` neurons at once, `L` at a time in [`Lanes`]: the NEST
//! counterpart of [`crate::population`].
//!
//! Neurons are grouped in blocks of `L`. A block's constants are the `L`
//! neurons' [`GlifPsc`] models gathered lane by lane into one
//! `GlifPsc<Lanes<F, L>, P, A>` ([`PscWide`]), and its state is one
//! `PscState<Lanes<F, L>, P, A>` plus each lane's refractory count
//! ([`PscBlock`]). A step runs the single-neuron model's own code
//! (`integrate`, the synaptic terms, the port update) on the lanes, which
//! the compiler turns into SIMD instructions; only the rare lanes that are
//! refractory or spike go through the single-neuron code one by one (their
//! pre-step values are kept for that). Every lane computes exactly what
//! [`GlifPsc::step`] computes for that neuron alone, bit for bit.
//!
//! Input: one summed spike weight per neuron per port per step (pA, as
//! [`GlifPsc::step`] takes it) and one injected current per neuron per step.
//! All neurons of a block must share the GLIF level (NEST's three
//! switches); parameters may differ lane by lane.
//!
//! No heap: the caller owns the models, wide constants and blocks (arrays,
//! or `Vec`s on a host). The neuron count is a multiple of `L`; pad with
//! copies of a real model and ignore their outputs.

use super::glif::{GlifConsts, GlifParams, GlifState};
use super::psc::{AlphaPort, GlifPsc, PscParams, PscState};
use crate::population::LengthMismatch;
use crate::{Float, Lanes};

/// The neurons of one block do not share one GLIF level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MixedLevels {
    /// The first lane whose level differs from lane 0's.
    pub lane: usize,
}

impl core::fmt::Display for MixedLevels {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "lane {} of a block has another GLIF level than lane 0 (a block needs one level)",
            self.lane
        )
    }
}

impl core::error::Error for MixedLevels {}

fn gather<F: Float, T, const L: usize>(items: &[&T; L], f: impl Fn(&T) -> F) -> Lanes<F, L> {
    Lanes::from_fn(|i| f(items[i]))
}

fn gather_n<F: Float, T, const L: usize, const N: usize>(
    items: &[&T; L],
    f: impl Fn(&T) -> [F; N],
) -> [Lanes<F, L>; N] {
    core::array::from_fn(|j| Lanes::from_fn(|i| f(items[i])[j]))
}

/// The constants of `L` `glif_psc` neurons, one lane each.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PscWide<F: Float, const P: usize, const A: usize, const L: usize> {
    model: GlifPsc<Lanes<F, L>, P, A>,
}

impl<F: Float, const P: usize, const A: usize, const L: usize> PscWide<F, P, A, L> {
    /// Gathers `models` (lane `i` = `models[i]`); the constants are taken
    /// as the models computed them (whatever `exp` provider built them).
    pub fn new(models: &[&GlifPsc<F, P, A>; L]) -> Result<Self, MixedLevels> {
        let level = models[0].params.glif.level;
        if let Some(lane) = models.iter().position(|m| m.params.glif.level != level) {
            return Err(MixedLevels { lane });
        }
        let g: [&GlifParams<F, A>; L] = core::array::from_fn(|i| &models[i].params.glif);
        let glif = GlifParams {
            level,
            g: gather(&g, |p| p.g),
            e_l: gather(&g, |p| p.e_l),
            c_m: gather(&g, |p| p.c_m),
            t_ref: gather(&g, |p| p.t_ref),
            th_inf: gather(&g, |p| p.th_inf),
            v_reset: gather(&g, |p| p.v_reset),
            th_spike_add: gather(&g, |p| p.th_spike_add),
            th_spike_decay: gather(&g, |p| p.th_spike_decay),
            voltage_reset_fraction: gather(&g, |p| p.voltage_reset_fraction),
            voltage_reset_add: gather(&g, |p| p.voltage_reset_add),
            th_voltage_index: gather(&g, |p| p.th_voltage_index),
            th_voltage_decay: gather(&g, |p| p.th_voltage_decay),
            asc_decay: gather_n(&g, |p| p.asc_decay),
            asc_amps: gather_n(&g, |p| p.asc_amps),
            asc_r: gather_n(&g, |p| p.asc_r),
        };
        let c: [&GlifConsts<F, A>; L] = core::array::from_fn(|i| &models[i].consts);
        let consts = GlifConsts {
            h: gather(&c, |c| c.h),
            theta_spike_decay_rate: gather(&c, |c| c.theta_spike_decay_rate),
            theta_spike_refractory_decay_rate: gather(&c, |c| c.theta_spike_refractory_decay_rate),
            asc_decay_rates: gather_n(&c, |c| c.asc_decay_rates),
            asc_stable_coeff: gather_n(&c, |c| c.asc_stable_coeff),
            asc_refractory_decay_rates: gather_n(&c, |c| c.asc_refractory_decay_rates),
            potential_decay_rate: gather(&c, |c| c.potential_decay_rate),
            theta_voltage_decay_rate_inverse: gather(&c, |c| c.theta_voltage_decay_rate_inverse),
            phi: gather(&c, |c| c.phi),
            abpara_ratio_voltage: gather(&c, |c| c.abpara_ratio_voltage),
            tau_m: gather(&c, |c| c.tau_m),
            p33: gather(&c, |c| c.p33),
            p30: gather(&c, |c| c.p30),
            // Never read on lanes: refractory lanes and spikes run on each
            // lane's own model.
            refractory_counts: 0,
        };
        let ports = core::array::from_fn(|k| {
            let ps: [&AlphaPort<F>; L] = core::array::from_fn(|i| &models[i].ports[k]);
            AlphaPort {
                p11: gather(&ps, |p| p.p11),
                p21: gather(&ps, |p| p.p21),
                p22: gather(&ps, |p| p.p22),
                p31: gather(&ps, |p| p.p31),
                p32: gather(&ps, |p| p.p32),
                psc_initial: gather(&ps, |p| p.psc_initial),
            }
        });
        let tau_syn = gather_n(
            &core::array::from_fn::<_, L, _>(|i| &models[i].params),
            |p: &PscParams<F, P, A>| p.tau_syn,
        );
        Ok(PscWide {
            model: GlifPsc {
                params: PscParams { glif, tau_syn },
                consts,
                ports,
            },
        })
    }
}

/// The running state of `L` `glif_psc` neurons.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PscBlock<F: Float, const P: usize, const A: usize, const L: usize> {
    state: PscState<Lanes<F, L>, P, A>,
    refractory: [u32; L],
}

impl<F: Float, const P: usize, const A: usize, const L: usize> PscBlock<F, P, A, L> {
    /// `L` neurons in the given states (from [`GlifPsc::state`]).
    pub fn new(states: &[PscState<F, P, A>; L]) -> Self {
        let s: [&PscState<F, P, A>; L] = core::array::from_fn(|i| &states[i]);
        let g: [&GlifState<F, A>; L] = core::array::from_fn(|i| &states[i].glif);
        PscBlock {
            state: PscState {
                glif: GlifState {
                    u: gather(&g, |x| x.u),
                    threshold: gather(&g, |x| x.threshold),
                    threshold_spike: gather(&g, |x| x.threshold_spike),
                    threshold_voltage: gather(&g, |x| x.threshold_voltage),
                    i: gather(&g, |x| x.i),
                    asc: gather_n(&g, |x| x.asc),
                    asc_sum: gather(&g, |x| x.asc_sum),
                    refractory_steps: 0,
                },
                y1: gather_n(&s, |x| x.y1),
                y2: gather_n(&s, |x| x.y2),
                i_syn: gather(&s, |x| x.i_syn),
            },
            refractory: core::array::from_fn(|i| states[i].glif.refractory_steps),
        }
    }

    /// The state of lane `lane` (< `L`), as [`GlifPsc::step`] would hold it.
    pub fn lane(&self, lane: usize) -> PscState<F, P, A> {
        let s = &self.state;
        PscState {
            glif: self.glif_lane(lane),
            y1: core::array::from_fn(|k| s.y1[k].0[lane]),
            y2: core::array::from_fn(|k| s.y2[k].0[lane]),
            i_syn: s.i_syn.0[lane],
        }
    }

    /// The membrane, threshold and current state of lane `lane`.
    #[inline(always)]
    fn glif_lane(&self, lane: usize) -> GlifState<F, A> {
        let g = &self.state.glif;
        GlifState {
            u: g.u.0[lane],
            threshold: g.threshold.0[lane],
            threshold_spike: g.threshold_spike.0[lane],
            threshold_voltage: g.threshold_voltage.0[lane],
            i: g.i.0[lane],
            asc: core::array::from_fn(|a| g.asc[a].0[lane]),
            asc_sum: g.asc_sum.0[lane],
            refractory_steps: self.refractory[lane],
        }
    }

    /// Writes the membrane, threshold, current and `I_syn` state of `x`
    /// into lane `lane` (the ports are advanced on the lanes).
    #[inline(always)]
    fn set_glif(&mut self, lane: usize, x: &GlifState<F, A>, i_syn: F) {
        let g = &mut self.state.glif;
        g.u.0[lane] = x.u;
        g.threshold.0[lane] = x.threshold;
        g.threshold_spike.0[lane] = x.threshold_spike;
        g.threshold_voltage.0[lane] = x.threshold_voltage;
        g.i.0[lane] = x.i;
        for a in 0..A {
            g.asc[a].0[lane] = x.asc[a];
        }
        g.asc_sum.0[lane] = x.asc_sum;
        self.state.i_syn.0[lane] = i_syn;
        self.refractory[lane] = x.refractory_steps;
    }

    /// One step of the block: lane `i` computes `models[i].step(weights[..][i],
    /// current[i])`. `models` are the block's own (those `wide` was built
    /// from). Returns a bit mask of the lanes that spiked (bit `i` = lane `i`;
    /// `L` <= 64).
    #[inline]
    pub fn step(
        &mut self,
        wide: &PscWide<F, P, A, L>,
        models: &[GlifPsc<F, P, A>],
        weights: &[Lanes<F, L>; P],
        current: Lanes<F, L>,
    ) -> u64 {
        const { assert!(L <= 64, "a block has at most 64 lanes (the spike mask)") };
        let mut refractory = 0u64;
        for (lane, &r) in self.refractory.iter().enumerate() {
            refractory |= u64::from(r != 0) << lane;
        }
        // Refractory lanes hold still: their pre-step values are kept.
        // (An `if`: `then_some` would copy them on every step, measured 20% slower.)
        let before = if refractory != 0 {
            Some((self.state.glif, self.state.i_syn))
        } else {
            None
        };
        let w = &wide.model;
        let v_old = self.state.glif.u;
        let (y1, y2) = (self.state.y1, self.state.y2);
        self.state
            .glif
            .integrate(&w.params.glif, &w.consts, &mut self.state.i_syn, |u| {
                w.add_synaptic(u, &y1, &y2)
            });
        if let Some((old, old_i_syn)) = before {
            let mut bits = refractory;
            while bits != 0 {
                let lane = bits.trailing_zeros() as usize;
                if let Some(m) = models.get(lane) {
                    let mut g = GlifState {
                        u: old.u.0[lane],
                        threshold: old.threshold.0[lane],
                        threshold_spike: old.threshold_spike.0[lane],
                        threshold_voltage: old.threshold_voltage.0[lane],
                        i: old.i.0[lane],
                        asc: core::array::from_fn(|a| old.asc[a].0[lane]),
                        asc_sum: old.asc_sum.0[lane],
                        refractory_steps: self.refractory[lane],
                    };
                    let mut i_syn = old_i_syn.0[lane];
                    // Refractory: `advance` holds U and never calls `syn`.
                    g.advance(&m.params.glif, &m.consts, &mut i_syn, |_| F::ZERO);
                    self.set_glif(lane, &g, i_syn);
                }
                bits &= bits - 1;
            }
        }
        let glif = &self.state.glif;
        let mut above = 0u64;
        for lane in 0..L {
            above |= u64::from(glif.u.0[lane] > glif.threshold.0[lane]) << lane;
        }
        let spiked = above & !refractory;
        let mut bits = spiked;
        while bits != 0 {
            let lane = bits.trailing_zeros() as usize;
            if let Some(m) = models.get(lane) {
                let mut g = self.glif_lane(lane);
                g.spike(&m.params.glif, &m.consts, v_old.0[lane]);
                let i_syn = self.state.i_syn.0[lane];
                self.set_glif(lane, &g, i_syn);
            }
            bits &= bits - 1;
        }
        w.finish_step(&mut self.state, weights, current);
        spiked
    }
}

/// Many `glif_psc` neurons, stepped `L` at a time. See the module docs.
#[derive(Debug)]
pub struct PscPopulation<'a, F: Float, const P: usize, const A: usize, const L: usize> {
    models: &'a [GlifPsc<F, P, A>],
    wide: &'a [PscWide<F, P, A, L>],
    blocks: &'a mut [PscBlock<F, P, A, L>],
}

impl<'a, F: Float, const P: usize, const A: usize, const L: usize> PscPopulation<'a, F, P, A, L> {
    /// A population over caller-owned arrays: `models` (one per neuron),
    /// `wide[b]` and `blocks[b]` built from `models[b*L .. b*L+L]`.
    pub fn new(
        models: &'a [GlifPsc<F, P, A>],
        wide: &'a [PscWide<F, P, A, L>],
        blocks: &'a mut [PscBlock<F, P, A, L>],
    ) -> Result<Self, LengthMismatch> {
        if L > 64 || models.len() != blocks.len() * L || wide.len() != blocks.len() {
            return Err(LengthMismatch {
                models: models.len(),
                dynamics: wide.len(),
                blocks: blocks.len(),
                lanes: L,
            });
        }
        Ok(PscPopulation {
            models,
            wide,
            blocks,
        })
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// True when there are no neurons.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// The blocks (each neuron's state through [`PscBlock::lane`]).
    pub fn blocks(&self) -> &[PscBlock<F, P, A, L>] {
        self.blocks
    }

    /// Steps `first .. first + n` (0-based step numbers handed to the
    /// closures), block after block (blocks are independent, so a block's
    /// state stays in cache). `input(block, step, weights)` fills block
    /// `block`'s summed weights per port for that step (all zero before the
    /// call) and returns its injected currents; `on_spike(neuron, step)` is
    /// called for every spike, in step order per block.
    pub fn run(
        &mut self,
        first: usize,
        n: usize,
        mut input: impl FnMut(usize, usize, &mut [Lanes<F, L>; P]) -> Lanes<F, L>,
        mut on_spike: impl FnMut(usize, usize),
    ) {
        for (b, (block, wide)) in self.blocks.iter_mut().zip(self.wide).enumerate() {
            let models = &self.models[b * L..b * L + L];
            for k in first..first + n {
                let mut weights = [Lanes::ZERO; P];
                let current = input(b, k, &mut weights);
                let mut mask = block.step(wide, models, &weights, current);
                while mask != 0 {
                    let lane = mask.trailing_zeros() as usize;
                    on_spike(b * L + lane, k);
                    mask &= mask - 1;
                }
            }
        }
    }
}
