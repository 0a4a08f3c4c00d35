//! Many `glif_psc` neurons at once, `L` at a time in [`Lanes`]: the NEST
//! counterpart of [`crate::population`]. ([`super::double_alpha_population`]
//! does the same for `glif_psc_double_alpha`, with the shared lane step
//! defined here.)
//!
//! Neurons are grouped in blocks of `L`. A block's constants are the `L`
//! neurons' [`GlifPsc`] models gathered lane by lane into one
//! `GlifPsc<Lanes<F, L>, P, A>` ([`PscWide`]): structure of arrays, every
//! constant one vector, gathered once. Its state is one
//! `PscState<Lanes<F, L>, P, A>` plus each lane's refractory count
//! ([`PscBlock`]), stored the same way, so a step never moves values between
//! lanes.
//!
//! A step runs the single-neuron model's own code (`integrate`, the
//! synaptic terms, the port update) on all lanes, which the compiler turns
//! into SIMD instructions, refractory lanes included; a refractory lane then
//! takes back its held values with a lane-wise select (NEST holds `U`, the
//! currents and the threshold components and recomputes the threshold from
//! them) and counts down. A neuron is refractory for `t_ref` after each
//! spike, so in a firing population most blocks have a refractory lane in
//! most steps: this is the common path, without branches. Only lanes that
//! spike (rare: one step in hundreds) go through the single-neuron
//! `spike` code one by one. Every lane computes exactly what
//! [`GlifPsc::step`] computes for that neuron alone, bit for bit
//! (`tests/nest_population.rs` checks every lane's whole state at every step).
//!
//! Input: one summed spike weight per neuron per port per step (pA, as
//! [`GlifPsc::step`] takes it) and one injected current per neuron per step.
//! All neurons of a block must share the GLIF level (NEST's three
//! switches); parameters may differ lane by lane.
//!
//! No heap: the caller owns the models, wide constants and blocks (arrays,
//! or `Vec`s on a host). The neuron count is a multiple of `L`; pad with
//! copies of a real model and ignore their outputs.

use super::glif::{GlifConsts, GlifParams, GlifState, Level};
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

pub(crate) fn gather_n<F: Float, T, const L: usize, const N: usize>(
    items: &[&T; L],
    f: impl Fn(&T) -> [F; N],
) -> [Lanes<F, L>; N] {
    core::array::from_fn(|j| Lanes::from_fn(|i| f(items[i])[j]))
}

/// The level all of `params` share, or the first lane that differs.
pub(crate) fn one_level<F, const A: usize, const L: usize>(
    params: &[&GlifParams<F, A>; L],
) -> Result<Level, MixedLevels> {
    let level = params[0].level;
    match params.iter().position(|p| p.level != level) {
        Some(lane) => Err(MixedLevels { lane }),
        None => Ok(level),
    }
}

/// `$ty { field: ..., }` with each listed field gathered lane by lane from
/// `$items`: `gather` for the scalar fields before `;`, `gather_n` for the
/// array fields after it, then any fields given as they are.
macro_rules! gather_fields {
    ($items:expr, $ty:ident { $($f:ident),* ; $($n:ident),* ; $($rest:tt)* }) => {
        $ty {
            $($f: gather($items, |x| x.$f),)*
            $($n: gather_n($items, |x| x.$n),)*
            $($rest)*
        }
    };
}

/// The shared parameters of `L` neurons, one lane each (the level is lane 0's;
/// check it with [`one_level`]).
pub(crate) fn gather_glif<F: Float, const A: usize, const L: usize>(
    g: &[&GlifParams<F, A>; L],
) -> GlifParams<Lanes<F, L>, A> {
    gather_fields!(g, GlifParams {
        g, e_l, c_m, t_ref, th_inf, v_reset, th_spike_add, th_spike_decay,
        voltage_reset_fraction, voltage_reset_add, th_voltage_index, th_voltage_decay;
        asc_decay, asc_amps, asc_r;
        level: g[0].level,
    })
}

/// The shared per-resolution constants of `L` neurons, one lane each.
pub(crate) fn gather_consts<F: Float, const A: usize, const L: usize>(
    c: &[&GlifConsts<F, A>; L],
) -> GlifConsts<Lanes<F, L>, A> {
    gather_fields!(c, GlifConsts {
        h, theta_spike_decay_rate, theta_spike_refractory_decay_rate, potential_decay_rate,
        theta_voltage_decay_rate_inverse, phi, abpara_ratio_voltage, tau_m, p33, p30;
        asc_decay_rates, asc_stable_coeff, asc_refractory_decay_rates;
        // Never read on lanes: each lane's count is the block's, and a
        // spiking lane takes its own model's.
        refractory_counts: 0,
    })
}

/// One alpha port of `L` neurons, one lane each.
pub(crate) fn gather_port<F: Float, const L: usize>(
    ps: &[&AlphaPort<F>; L],
) -> AlphaPort<Lanes<F, L>> {
    gather_fields!(ps, AlphaPort { p11, p21, p22, p31, p32, psc_initial; ; })
}

/// The shared state of `L` neurons, one lane each (the lanes' refractory
/// counts go to the block's own array).
pub(crate) fn gather_state<F: Float, const A: usize, const L: usize>(
    g: &[&GlifState<F, A>; L],
) -> GlifState<Lanes<F, L>, A> {
    gather_fields!(g, GlifState {
        u, threshold, threshold_spike, threshold_voltage, i, asc_sum;
        asc;
        refractory_steps: 0,
    })
}

/// Lane `lane` of `g`, with refractory count `refractory`.
#[inline(always)]
pub(crate) fn state_lane<F: Float, const A: usize, const L: usize>(
    g: &GlifState<Lanes<F, L>, A>,
    lane: usize,
    refractory: u32,
) -> GlifState<F, A> {
    GlifState {
        u: g.u.0[lane],
        threshold: g.threshold.0[lane],
        threshold_spike: g.threshold_spike.0[lane],
        threshold_voltage: g.threshold_voltage.0[lane],
        i: g.i.0[lane],
        asc: core::array::from_fn(|a| g.asc[a].0[lane]),
        asc_sum: g.asc_sum.0[lane],
        refractory_steps: refractory,
    }
}

/// Writes `x` (all but the refractory count) into lane `lane` of `g`.
#[inline(always)]
fn set_lane<F: Float, const A: usize, const L: usize>(
    g: &mut GlifState<Lanes<F, L>, A>,
    lane: usize,
    x: &GlifState<F, A>,
) {
    g.u.0[lane] = x.u;
    g.threshold.0[lane] = x.threshold;
    g.threshold_spike.0[lane] = x.threshold_spike;
    g.threshold_voltage.0[lane] = x.threshold_voltage;
    g.i.0[lane] = x.i;
    for a in 0..A {
        g.asc[a].0[lane] = x.asc[a];
    }
    g.asc_sum.0[lane] = x.asc_sum;
}

/// Lane by lane: `old` where `hold` is set, else `new`.
#[inline(always)]
fn select<F: Float, const L: usize>(
    hold: &[bool; L],
    old: Lanes<F, L>,
    new: Lanes<F, L>,
) -> Lanes<F, L> {
    Lanes::from_fn(|l| if hold[l] { old.0[l] } else { new.0[l] })
}

/// The membrane, threshold and after-spike current part of one step of `L`
/// neurons (NEST's update up to the spike test, as `GlifState::advance`
/// does it for one neuron), without branches on the lanes' values, so that
/// every operation is one SIMD instruction per vector of lanes. Every lane
/// integrates (`integrate` on [`Lanes`]), refractory or not; the lanes that
/// were refractory then take back their pre-step `U`, threshold
/// components, after-spike currents, their mean and `I_syn` (selects), get
/// the threshold `threshold_spike + threshold_voltage + th_inf` that
/// `advance` computes for them, and count down. (Their discarded integrated
/// values are finite arithmetic on finite values: no side effect.) `p` and
/// `c` are the gathered constants, `level` the block's level (a constant
/// where the caller matched on it), `syn` the synaptic terms as in
/// `advance`. Returns the mask of the lanes that spike (above threshold
/// and not refractory; bit `l` = lane `l`) and the pre-step `U`: the
/// caller resets those lanes with [`spike_lanes`] at the end of its step
/// (rare; a call there keeps the step's values out of memory).
#[inline(always)]
pub(crate) fn glif_lanes_step<F: Float, const A: usize, const L: usize>(
    g: &mut GlifState<Lanes<F, L>, A>,
    refractory: &mut [u32; L],
    i_syn: &mut Lanes<F, L>,
    level: Level,
    p: &GlifParams<Lanes<F, L>, A>,
    c: &GlifConsts<Lanes<F, L>, A>,
    syn: impl FnOnce(&mut Lanes<F, L>) -> Lanes<F, L>,
) -> (u64, Lanes<F, L>) {
    const { assert!(L <= 64, "a block has at most 64 lanes (the spike mask)") };
    let hold: [bool; L] = core::array::from_fn(|l| refractory[l] != 0);
    let old = *g;
    let mut x = old;
    let mut new_i_syn = *i_syn;
    x.integrate_at(level, p, c, &mut new_i_syn, syn);
    x.u = select(&hold, old.u, x.u);
    // `integrate` leaves these alone at the levels without the mechanism.
    if level.spike_dependent_threshold() {
        x.threshold_spike = select(&hold, old.threshold_spike, x.threshold_spike);
    }
    if level.adapting_threshold() {
        x.threshold_voltage = select(&hold, old.threshold_voltage, x.threshold_voltage);
    }
    if level.after_spike_currents() {
        for a in 0..A {
            x.asc[a] = select(&hold, old.asc[a], x.asc[a]);
        }
    }
    x.asc_sum = select(&hold, old.asc_sum, x.asc_sum);
    let held_threshold = old.threshold_spike + old.threshold_voltage + p.th_inf;
    x.threshold = select(&hold, held_threshold, x.threshold);
    // The spike test on the values just computed (not re-read from `g`).
    let spike = |l: usize| !hold[l] & (x.u.0[l] > x.threshold.0[l]);
    // First whether any lane spikes (one vector compare and test), then
    // which (rare).
    let mut any = false;
    for l in 0..L {
        any |= spike(l);
    }
    let mut spikes = 0u64;
    if any {
        for l in 0..L {
            spikes |= u64::from(spike(l)) << l;
        }
    }
    *i_syn = select(&hold, *i_syn, new_i_syn);
    *g = x;
    for (r, &h) in refractory.iter_mut().zip(&hold) {
        *r -= u32::from(h);
    }
    (spikes, old.u)
}

/// The reset of the lanes in `spiked`, each through the single-neuron code
/// with its own constants `lane(l)` and its pre-step `U` `v_old[l]` (rare:
/// kept out of line). Takes and returns the state by value, so that the
/// caller's state can stay in registers.
#[inline(never)]
#[cold]
pub(crate) fn spike_lanes<'m, F: Float, const A: usize, const L: usize>(
    mut g: GlifState<Lanes<F, L>, A>,
    mut refractory: [u32; L],
    v_old: &[F; L],
    spiked: u64,
    lane: impl Fn(usize) -> Option<(&'m GlifParams<F, A>, &'m GlifConsts<F, A>)>,
) -> (GlifState<Lanes<F, L>, A>, [u32; L]) {
    let mut bits = spiked;
    while bits != 0 {
        let l = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        let Some((p, c)) = lane(l) else { continue };
        let mut x = state_lane(&g, l, refractory[l]);
        x.spike(p, c, v_old[l]);
        set_lane(&mut g, l, &x);
        refractory[l] = x.refractory_steps;
    }
    (g, refractory)
}

/// `impl NestBlock for $block` for a NEST current-based model: the block
/// type `$block<F, P, A, L>` with `state` (holding `glif`, `i_syn` and the
/// synaptic fields `$syn`) and `refractory`, its single-neuron model
/// `$model<F, P, A>`, and its constants `$wide<F, P, A, L>` (whose `model`
/// computes `add_synaptic(u, $syn...)` and `finish_step`). The step is
/// [`glif_lanes_step`] on all lanes, then the rare spikes through
/// [`spike_lanes`]: one definition for every such model, each expanded
/// into its own inlined step with its state in registers.
macro_rules! impl_nest_block {
    ($block:ident, $model:ident, $wide:ident, [$($syn:ident),*]) => {
        impl<F: Float, const P: usize, const A: usize, const L: usize> NestBlock<F, P, L>
            for $block<F, P, A, L>
        {
            type Model = $model<F, P, A>;
            type Wide = $wide<F, P, A, L>;

            fn level(wide: &Self::Wide) -> Level {
                wide.model.params.glif.level
            }

            /// [`NestBlock::step`] at `level` (the block's): the lanes one
            /// by one in a loop without branches on their values, which the
            /// compiler vectorizes (each array of lanes is one or two
            /// vectors); then the rare spikes.
            #[inline(always)]
            fn step_at(
                &mut self,
                level: Level,
                wide: &Self::Wide,
                models: &[Self::Model],
                weights: &[Lanes<F, L>; P],
                current: Lanes<F, L>,
            ) -> u64 {
                let w = &wide.model;
                let s = &mut self.state;
                let ($($syn,)*) = ($(&s.$syn,)*);
                let (spiked, v_old) = glif_lanes_step(
                    &mut s.glif,
                    &mut self.refractory,
                    &mut s.i_syn,
                    level,
                    &w.params.glif,
                    &w.consts,
                    #[inline(always)]
                    |u| w.add_synaptic(u, $($syn),*),
                );
                w.finish_step(s, weights, current);
                if spiked != 0 {
                    (s.glif, self.refractory) =
                        spike_lanes(s.glif, self.refractory, &v_old.0, spiked, |l| {
                            models.get(l).map(|m| (&m.params.glif, &m.consts))
                        });
                }
                spiked
            }
        }
    };
}
pub(crate) use impl_nest_block;

/// The constants of `L` `glif_psc` neurons, one lane each.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PscWide<F: Float, const P: usize, const A: usize, const L: usize> {
    model: GlifPsc<Lanes<F, L>, P, A>,
}

impl<F: Float, const P: usize, const A: usize, const L: usize> PscWide<F, P, A, L> {
    /// Gathers `models` (lane `i` = `models[i]`); the constants are taken
    /// as the models computed them (whatever `exp` provider built them).
    pub fn new(models: &[&GlifPsc<F, P, A>; L]) -> Result<Self, MixedLevels> {
        let g: [&GlifParams<F, A>; L] = core::array::from_fn(|i| &models[i].params.glif);
        one_level(&g)?;
        let c: [&GlifConsts<F, A>; L] = core::array::from_fn(|i| &models[i].consts);
        let ports = core::array::from_fn(|k| {
            gather_port(&core::array::from_fn::<_, L, _>(|i| &models[i].ports[k]))
        });
        let tau_syn = gather_n(
            &core::array::from_fn::<_, L, _>(|i| &models[i].params),
            |p: &PscParams<F, P, A>| p.tau_syn,
        );
        Ok(PscWide {
            model: GlifPsc {
                params: PscParams {
                    glif: gather_glif(&g),
                    tau_syn,
                },
                consts: gather_consts(&c),
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
                glif: gather_state(&g),
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
            glif: state_lane(&s.glif, lane, self.refractory[lane]),
            y1: core::array::from_fn(|k| s.y1[k].0[lane]),
            y2: core::array::from_fn(|k| s.y2[k].0[lane]),
            i_syn: s.i_syn.0[lane],
        }
    }
}

/// A block of `L` neurons of one NEST current-based model, stepped as one
/// by [`NestPopulation`]: [`PscBlock`] (`glif_psc`) and
/// [`DoubleAlphaBlock`](super::DoubleAlphaBlock) (`glif_psc_double_alpha`).
pub trait NestBlock<F: Float, const P: usize, const L: usize>: Copy {
    /// The single-neuron model (one per lane).
    type Model: core::fmt::Debug;
    /// The block's constants, its models gathered lane by lane.
    type Wide: core::fmt::Debug;
    /// The GLIF level every lane of `wide` runs.
    fn level(wide: &Self::Wide) -> Level;
    /// One step at `level` (the block's): lane `i` computes
    /// `models[i].step(weights[..][i], current[i])`; returns the mask of the
    /// lanes that spiked (bit `i` = lane `i`).
    fn step_at(
        &mut self,
        level: Level,
        wide: &Self::Wide,
        models: &[Self::Model],
        weights: &[Lanes<F, L>; P],
        current: Lanes<F, L>,
    ) -> u64;

    /// One step of the block: lane `i` computes `models[i].step(weights[..][i],
    /// current[i])`. `models` are the block's own (those `wide` was built
    /// from). Returns a bit mask of the lanes that spiked (bit `i` = lane `i`;
    /// `L` <= 64).
    #[inline]
    fn step(
        &mut self,
        wide: &Self::Wide,
        models: &[Self::Model],
        weights: &[Lanes<F, L>; P],
        current: Lanes<F, L>,
    ) -> u64 {
        // One copy of the step per level, with the level a constant in it.
        match Self::level(wide) {
            Level::Lif => self.step_at(Level::Lif, wide, models, weights, current),
            Level::LifR => self.step_at(Level::LifR, wide, models, weights, current),
            Level::LifAsc => self.step_at(Level::LifAsc, wide, models, weights, current),
            Level::LifRAsc => self.step_at(Level::LifRAsc, wide, models, weights, current),
            Level::LifRAscA => self.step_at(Level::LifRAscA, wide, models, weights, current),
        }
    }
}

impl_nest_block!(PscBlock, GlifPsc, PscWide, [y1, y2]);

/// Many `glif_psc` neurons, stepped `L` at a time. See the module docs.
pub type PscPopulation<'a, F, const P: usize, const A: usize, const L: usize> =
    NestPopulation<'a, F, P, L, PscBlock<F, P, A, L>>;

/// Many neurons of one NEST current-based model, stepped a block `B` of `L`
/// at a time ([`PscPopulation`], [`DoubleAlphaPopulation`](super::DoubleAlphaPopulation)).
/// See the module docs.
#[derive(Debug)]
pub struct NestPopulation<'a, F: Float, const P: usize, const L: usize, B: NestBlock<F, P, L>> {
    models: &'a [B::Model],
    wide: &'a [B::Wide],
    blocks: &'a mut [B],
}

impl<'a, F: Float, const P: usize, const L: usize, B: NestBlock<F, P, L>>
    NestPopulation<'a, F, P, L, B>
{
    /// A population over caller-owned arrays: `models` (one per neuron),
    /// `wide[b]` and `blocks[b]` built from `models[b*L .. b*L+L]`.
    pub fn new(
        models: &'a [B::Model],
        wide: &'a [B::Wide],
        blocks: &'a mut [B],
    ) -> Result<Self, LengthMismatch> {
        if L > 64 || models.len() != blocks.len() * L || wide.len() != blocks.len() {
            return Err(LengthMismatch {
                models: models.len(),
                dynamics: wide.len(),
                blocks: blocks.len(),
                lanes: L,
            });
        }
        Ok(NestPopulation {
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

    /// The blocks (each neuron's state through its block's `lane`).
    pub fn blocks(&self) -> &[B] {
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
        realign_frame();
        for (b, (block, wide)) in self.blocks.iter_mut().zip(self.wide).enumerate() {
            let models = &self.models[b * L..b * L + L];
            // One copy of the loop per level, with the level a constant in it.
            let (input, on_spike) = (&mut input, &mut on_spike);
            let at = |level| (b, level, first, n);
            *block = match B::level(wide) {
                Level::Lif => run_block(*block, wide, models, at(Level::Lif), input, on_spike),
                Level::LifR => run_block(*block, wide, models, at(Level::LifR), input, on_spike),
                Level::LifAsc => {
                    run_block(*block, wide, models, at(Level::LifAsc), input, on_spike)
                }
                Level::LifRAsc => {
                    run_block(*block, wide, models, at(Level::LifRAsc), input, on_spike)
                }
                Level::LifRAscA => {
                    run_block(*block, wide, models, at(Level::LifRAscA), input, on_spike)
                }
            };
        }
    }
}

/// 64 bytes aligned to 64, one per call: the vector width of AVX-512.
#[repr(C, align(64))]
struct CacheLine([u8; 64]);

/// Makes the calling function keep a 64-byte-aligned object on its stack
/// (`black_box` takes its address, so the object is not optimised away),
/// so the compiler realigns that function's frame to 64 bytes on entry and
/// its 512-bit spill slots with it. Without it the step loop's two 512-bit
/// temporaries (`glif_psc_double_alpha` on AVX-512: values the compiler
/// spills and reloads within a step) sat at 16 modulo 64 from a 16-aligned
/// stack pointer, so whether they split a cache line depended on where the
/// process's stack started, and the loop ran at 4.4 or 6.4 ns per
/// neuron-step from one process to the next (docs/PERFORMANCE.md, the
/// roofline section). The frame is realigned only if LLVM knows of the
/// over-aligned object before register allocation; once a frame pointer
/// may be given out as a general register it is too late. Costs one
/// store of nothing per [`NestPopulation::run`] call; changes no result.
#[inline(always)]
fn realign_frame() {
    let line = CacheLine([0; 64]);
    core::hint::black_box(&line);
}

/// Steps `first .. first + n` of block `b` at `level` (`at`), with the
/// block's state a local value (the compiler keeps it in registers rather
/// than re-reading it from memory every step) returned at the end.
#[inline(always)]
fn run_block<F: Float, const P: usize, const L: usize, B: NestBlock<F, P, L>>(
    mut local: B,
    wide: &B::Wide,
    models: &[B::Model],
    (b, level, first, n): (usize, Level, usize, usize),
    input: &mut impl FnMut(usize, usize, &mut [Lanes<F, L>; P]) -> Lanes<F, L>,
    on_spike: &mut impl FnMut(usize, usize),
) -> B {
    for k in first..first + n {
        let mut weights = [Lanes::ZERO; P];
        let current = input(b, k, &mut weights);
        let mut mask = local.step_at(level, wide, models, &weights, current);
        while mask != 0 {
            let lane = mask.trailing_zeros() as usize;
            on_spike(b * L + lane, k);
            mask &= mask - 1;
        }
    }
    local
}
