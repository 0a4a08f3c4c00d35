//! The `glif_psc` benchmark against NEST 3.10 (`cargo xtask compare-nest`
//! and `benches/benches/nest.rs`): the model, the seeded input spike trains
//! and the glif-core runs, shared so both measure the same thing.
//!
//! Model: NEST 3.10's `glif_psc` defaults with all three switches on (GLIF5:
//! threshold spike and voltage components, two after-spike currents) and two
//! ports, `tau_syn` = 2 ms (excitatory) and 5 ms (inhibitory); resolution
//! 0.1 ms; [`params_json`] is the dict both sides are given.
//!
//! Input: every neuron gets its own spike train on each port, a Bernoulli
//! process per step (the discrete form of a Poisson process: at most one
//! spike per step and port), [`PORT_RATE_HZ`] with weight [`PORT_WEIGHT_PA`],
//! drawn from a seeded generator ([`SpikeTrains::generate`]), so the trains
//! are the same on every run and on both sides (NEST reads them from the
//! file [`SpikeTrains::write`] makes, as `spike_generator` times). Arrival
//! steps start after [`DELAY_STEPS`]: NEST's connections have a 1 ms delay
//! (so its kernel advances 10 steps per slice, as in a network) and a
//! generator cannot emit before time 0.
//!
//! The same trains also drive `glif_psc_double_alpha` ([`double_alpha_model`]:
//! the same GLIF5 neuron, fast and slow alpha currents per port; single
//! neuron and [`DoubleAlphaSetup`], its population engine) and `glif_cond`
//! ([`cond_model`]: conductances with reversal potentials 0 and -85 mV,
//! weights [`COND_WEIGHT_NS`]; single neuron, the only engine it has).

use glif_core::nest::{
    CondState, DoubleAlphaBlock, DoubleAlphaState, DoubleAlphaWide, GlifCond, GlifInit, GlifPsc,
    GlifPscDoubleAlpha, NestBlock, NestPopulation, PscBlock, PscState, PscWide,
};
use glif_core::{Float, Lanes};
use glif_io::nest::{NestModel, NestParams, StdExp};
use serde_json::{json, Value};

/// Resolution h, ms.
pub const RESOLUTION_MS: f64 = 0.1;
/// NEST connection delay in steps (1 ms): the first arrival is in step `DELAY_STEPS + 1`.
pub const DELAY_STEPS: u32 = 10;
/// Spike rate per port (Hz): excitatory, inhibitory.
pub const PORT_RATE_HZ: [f64; 2] = [1000.0, 250.0];
/// Spike weight per port (pA).
pub const PORT_WEIGHT_PA: [f64; 2] = [80.0, -60.0];
/// The seed of the spike trains.
pub const SEED: u64 = 20_261_130;
/// Ports.
pub const PORTS: usize = 2;
/// After-spike currents.
pub const ASC: usize = 2;
/// Lanes per population block: 4 f64 lanes are one AVX2 register per
/// quantity; at 8 the step's values spill out of the 16 registers (more
/// instructions per neuron-step; docs/PERFORMANCE.md). With AVX-512 (Zen
/// 4), 8 lanes (one zmm) ran `glif_psc` 1.6x slower than 4 (the loop went
/// from 119 to 254 instructions, twice the work per pass and more).
pub const LANES: usize = 4;

/// The NEST parameter dict of the benchmark neuron.
pub fn params_json() -> Value {
    json!({
        "spike_dependent_threshold": true,
        "after_spike_currents": true,
        "adapting_threshold": true,
        "tau_syn": [2.0, 5.0],
    })
}

/// The glif-core model of [`params_json`] (through `glif_io::nest`, as
/// `glif nest` reads it; `exp` from the C library, as NEST's) and its
/// initial state.
pub fn model() -> (GlifPsc<f64, PORTS, ASC>, PscState<f64, PORTS, ASC>) {
    let p = NestParams::from_json(NestModel::GlifPsc, &params_json()).expect("benchmark params");
    let (m, init): (GlifPsc<f64, PORTS, ASC>, GlifInit<f64, ASC>) = p
        .psc_model(RESOLUTION_MS, &StdExp)
        .expect("benchmark model");
    let s = m.state(&init, 0.0);
    (m, s)
}

/// splitmix64: a small, well-mixed 64-bit generator (Steele, Lea and Flood 2014).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) from the top 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Input spike trains: per port, each neuron's arrival steps (1-based: a
/// spike in step `k` arrives at `k h`), increasing.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeTrains {
    /// Neurons.
    pub neurons: usize,
    /// Steps simulated.
    pub steps: u32,
    /// Per port: neuron `i`'s arrivals are `steps_of[port][offsets[port][i]..offsets[port][i + 1]]`.
    pub offsets: [Vec<u64>; PORTS],
    /// Per port: arrival steps, neuron after neuron.
    pub arrivals: [Vec<u32>; PORTS],
}

impl SpikeTrains {
    /// The trains of `neurons` neurons over `steps` steps from [`SEED`].
    pub fn generate(neurons: usize, steps: u32) -> Self {
        let mut offsets: [Vec<u64>; PORTS] = Default::default();
        let mut arrivals: [Vec<u32>; PORTS] = Default::default();
        for port in 0..PORTS {
            let p = PORT_RATE_HZ[port] * RESOLUTION_MS * 1e-3;
            let mut rng = SplitMix64(SEED ^ (port as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            offsets[port].push(0);
            for _ in 0..neurons {
                for k in DELAY_STEPS + 1..=steps {
                    if rng.unit() < p {
                        arrivals[port].push(k);
                    }
                }
                offsets[port].push(arrivals[port].len() as u64);
            }
        }
        SpikeTrains {
            neurons,
            steps,
            offsets,
            arrivals,
        }
    }

    /// Neuron `i`'s arrivals on `port`.
    pub fn of(&self, port: usize, i: usize) -> &[u32] {
        let o = &self.offsets[port];
        &self.arrivals[port][o[i] as usize..o[i + 1] as usize]
    }

    /// Total input spikes.
    pub fn total(&self) -> usize {
        self.arrivals.iter().map(Vec::len).sum()
    }

    /// The file `scripts/nest/bench_nest.py` reads (little-endian): u64
    /// neurons, u64 ports, then per port u64 offsets[neurons + 1] and u32
    /// arrival steps.
    pub fn write(&self, path: &std::path::Path) -> std::io::Result<()> {
        let mut b = Vec::with_capacity(16 + self.total() * 4 + self.neurons * 16);
        b.extend((self.neurons as u64).to_le_bytes());
        b.extend((PORTS as u64).to_le_bytes());
        for port in 0..PORTS {
            for &o in &self.offsets[port] {
                b.extend(o.to_le_bytes());
            }
            for &k in &self.arrivals[port] {
                b.extend(k.to_le_bytes());
            }
        }
        std::fs::write(path, b)
    }
}

/// Spikes as (neuron, step), step 1-based (NEST's spike time / h).
pub type Spikes = Vec<(u32, u32)>;

/// A NEST current-based model stepped on its own (`glif_psc`,
/// `glif_psc_double_alpha`), for [`run_single`].
pub trait SingleNeuron {
    /// The neuron's state.
    type State: Copy;
    /// One step with `weights` (pA) arriving on the ports and no current;
    /// whether it spiked.
    fn step_weights(&self, s: &mut Self::State, weights: &[f64; PORTS]) -> bool;
}

impl SingleNeuron for GlifPsc<f64, PORTS, ASC> {
    type State = PscState<f64, PORTS, ASC>;
    #[inline(always)]
    fn step_weights(&self, s: &mut Self::State, weights: &[f64; PORTS]) -> bool {
        self.step(s, weights, 0.0)
    }
}

impl SingleNeuron for GlifPscDoubleAlpha<f64, PORTS, ASC> {
    type State = DoubleAlphaState<f64, PORTS, ASC>;
    #[inline(always)]
    fn step_weights(&self, s: &mut Self::State, weights: &[f64; PORTS]) -> bool {
        self.step(s, weights, 0.0)
    }
}

/// Every neuron through the single-neuron model, one after another (all
/// share `model`); returns the spikes sorted by (neuron, step).
pub fn run_single<M: SingleNeuron>(model: &M, init: &M::State, t: &SpikeTrains) -> Spikes {
    walk(t, PORT_WEIGHT_PA, init, |s, w| model.step_weights(s, w))
}

/// The population engine's arrays for `neurons` copies of one model (a
/// multiple of [`LANES`]), blocks `B`: [`PopulationSetup`] (`glif_psc`),
/// [`DoubleAlphaSetup`] (`glif_psc_double_alpha`).
pub struct NestSetup<B: NestBlock<f64, PORTS, LANES>> {
    /// One model per neuron.
    pub models: Vec<B::Model>,
    /// One per block.
    pub wide: Vec<B::Wide>,
    /// The blocks at their initial state.
    pub blocks: Vec<B>,
}

/// [`NestSetup`] for `glif_psc` (`PscPopulation`).
pub type PopulationSetup = NestSetup<PscBlock<f64, PORTS, ASC, LANES>>;

/// [`NestSetup`] for `glif_psc_double_alpha` (`DoubleAlphaPopulation`).
pub type DoubleAlphaSetup = NestSetup<DoubleAlphaBlock<f64, PORTS, ASC, LANES>>;

impl<B: NestBlock<f64, PORTS, LANES>> NestSetup<B>
where
    B::Model: Copy,
{
    /// `neurons` (a multiple of [`LANES`]) copies of `model`, each block's
    /// constants from `wide` and its initial state `block`.
    fn from_parts(
        model: &B::Model,
        neurons: usize,
        wide: impl Fn(&[&B::Model; LANES]) -> B::Wide,
        block: B,
    ) -> Self {
        assert!(
            neurons.is_multiple_of(LANES),
            "neurons must be a multiple of {LANES}"
        );
        let models = vec![*model; neurons];
        let refs: Vec<&B::Model> = models.iter().collect();
        let wide = refs
            .chunks_exact(LANES)
            .map(|c| wide(c.try_into().expect("LANES")))
            .collect();
        NestSetup {
            models,
            wide,
            blocks: vec![block; neurons / LANES],
        }
    }

    /// The trains as the population engine takes them: per block and step,
    /// one bit per lane and port (bit `l` of `[block * steps + k - 1][port]`:
    /// lane `l` receives a spike in step `k`). Built once, before timing, as
    /// NEST's spike generators are loaded before its simulation is timed.
    pub fn masks(&self, t: &SpikeTrains) -> Vec<[u64; PORTS]> {
        lane_masks(self.blocks.len(), t)
    }

    /// Runs the population engine from the initial blocks (copied) for
    /// `steps` steps on the input `masks` ([`NestSetup::masks`]); spikes
    /// sorted by (neuron, step).
    pub fn run(&self, masks: &[[u64; PORTS]], steps: usize) -> Spikes {
        let mut blocks = self.blocks.clone();
        let mut pop =
            NestPopulation::<f64, PORTS, LANES, B>::new(&self.models, &self.wide, &mut blocks)
                .expect("lengths");
        let mut spikes = Vec::new();
        pop.run(
            1,
            steps,
            |b, k, w| {
                let m = masks[b * steps + k - 1];
                for port in 0..PORTS {
                    let wp = PORT_WEIGHT_PA[port];
                    w[port] =
                        Lanes::from_fn(|lane| if m[port] >> lane & 1 != 0 { wp } else { 0.0 });
                }
                Lanes::ZERO
            },
            |n, k| spikes.push((n as u32, k as u32)),
        );
        spikes.sort_unstable();
        spikes
    }
}

/// `new` for one block type's [`NestSetup`]: `neurons` (a multiple of
/// [`LANES`]) copies of `model` in state `init`, each block's constants
/// gathered by the block's `Wide` type.
macro_rules! setup_new {
    ($($setup:ty: $model:ty, $state:ty, $wide:ident, $block:ident;)*) => {$(
        impl $setup {
            /// `neurons` (a multiple of [`LANES`]) copies of `model` in state `init`.
            pub fn new(model: &$model, init: &$state, neurons: usize) -> Self {
                let wide = |c: &[&$model; LANES]| $wide::new(c).expect("one level");
                NestSetup::from_parts(model, neurons, wide, $block::new(&[*init; LANES]))
            }
        }
    )*};
}

setup_new! {
    PopulationSetup: GlifPsc<f64, PORTS, ASC>, PscState<f64, PORTS, ASC>, PscWide, PscBlock;
    DoubleAlphaSetup: GlifPscDoubleAlpha<f64, PORTS, ASC>, DoubleAlphaState<f64, PORTS, ASC>, DoubleAlphaWide, DoubleAlphaBlock;
}

/// The `glif_psc_double_alpha` benchmark neuron: [`params_json`]'s GLIF5
/// with `tau_syn_fast` 2 and 5 ms, `tau_syn_slow` 6 and 10 ms, `amp_slow`
/// 0.3 and 0.5.
pub fn params_json_double_alpha() -> Value {
    json!({
        "spike_dependent_threshold": true,
        "after_spike_currents": true,
        "adapting_threshold": true,
        "tau_syn_fast": [2.0, 5.0],
        "tau_syn_slow": [6.0, 10.0],
        "amp_slow": [0.3, 0.5],
    })
}

/// Conductance weights (nS) of the `glif_cond` benchmark, per port:
/// excitatory (`E_rev` 0 mV), inhibitory (`E_rev` -85 mV).
pub const COND_WEIGHT_NS: [f64; 2] = [20.0, 4.0];

/// The `glif_cond` benchmark neuron: GLIF5 with NEST's defaults,
/// `tau_syn` 0.2 and 2 ms, `E_rev` 0 and -85 mV.
pub fn params_json_cond() -> Value {
    json!({
        "spike_dependent_threshold": true,
        "after_spike_currents": true,
        "adapting_threshold": true,
        "tau_syn": [0.2, 2.0],
        "E_rev": [0.0, -85.0],
    })
}

/// The glif-core model of [`params_json_double_alpha`] and its initial state.
pub fn double_alpha_model() -> (
    GlifPscDoubleAlpha<f64, PORTS, ASC>,
    DoubleAlphaState<f64, PORTS, ASC>,
) {
    let p = NestParams::from_json(NestModel::GlifPscDoubleAlpha, &params_json_double_alpha())
        .expect("benchmark params");
    let (m, init): (GlifPscDoubleAlpha<f64, PORTS, ASC>, GlifInit<f64, ASC>) = p
        .double_alpha_model(RESOLUTION_MS, &StdExp)
        .expect("benchmark model");
    let s = m.state(&init, 0.0);
    (m, s)
}

/// The glif-core model of [`params_json_cond`] (`exp` and `pow` from the C
/// library, as NEST's and GSL's) and its initial state.
pub fn cond_model() -> (
    GlifCond<f64, PORTS, ASC, StdExp>,
    CondState<f64, PORTS, ASC>,
) {
    let p =
        NestParams::from_json(NestModel::GlifCond, &params_json_cond()).expect("benchmark params");
    let (m, init): (GlifCond<f64, PORTS, ASC, StdExp>, GlifInit<f64, ASC>) = p
        .cond_model(RESOLUTION_MS, &StdExp, StdExp)
        .expect("benchmark model");
    let s = m.state(&init, 0.0);
    (m, s)
}

/// Every neuron from `init` through `step(state, weights)` (true: it
/// spiked), one after another, on the trains with `weights` per port;
/// spikes sorted by (neuron, step).
///
/// A neuron's spikes go into a buffer of one slot per step, allocated
/// before its steps: the step loop then has no call in it (a `Vec::push`
/// may call its allocator, and every vector register is caller-saved, so
/// the compiler kept the neuron's state in stack slots across every step,
/// each step's result stored and loaded back in the next: about 7 cycles
/// added to the loop-carried chain).
fn walk<S: Copy>(
    t: &SpikeTrains,
    weights: [f64; PORTS],
    init: &S,
    mut step: impl FnMut(&mut S, &[f64; PORTS]) -> bool,
) -> Spikes {
    let mut spikes = Vec::new();
    let mut buf = vec![(0u32, 0u32); t.steps as usize];
    for n in 0..t.neurons {
        let mut s = *init;
        let trains = [t.of(0, n), t.of(1, n)];
        let mut next = [0usize; PORTS];
        let mut count = 0;
        for k in 1..=t.steps {
            let mut w = [0.0; PORTS];
            for port in 0..PORTS {
                // Branch-free: a spike arrives in a step about 1 time in 10.
                let hit = trains[port].get(next[port]) == Some(&k);
                w[port] = if hit { weights[port] } else { 0.0 };
                next[port] += usize::from(hit);
            }
            if step(&mut s, &w) {
                // At most one spike per step: a slot is always free.
                if let Some(slot) = buf.get_mut(count) {
                    *slot = (n as u32, k);
                    count += 1;
                }
            }
        }
        spikes.extend_from_slice(&buf[..count]);
    }
    spikes
}

/// [`run_single`] for `glif_cond` (weights [`COND_WEIGHT_NS`]); `Err` if
/// the integrator stalls (it does not on this input).
pub fn run_single_cond(
    model: &GlifCond<f64, PORTS, ASC, StdExp>,
    init: &CondState<f64, PORTS, ASC>,
    t: &SpikeTrains,
) -> Result<Spikes, String> {
    let mut stalled = None;
    let spikes = walk(t, COND_WEIGHT_NS, init, |s, w| {
        model.step(s, w, 0.0).unwrap_or_else(|_| {
            stalled.get_or_insert("glif_cond's integrator stalled".to_string());
            false
        })
    });
    match stalled {
        Some(e) => Err(e),
        None => Ok(spikes),
    }
}

/// Per block and step, one bit per lane and port ([`PopulationSetup::masks`]).
// `port` picks both the train and the row's slot.
#[allow(clippy::needless_range_loop)]
fn lane_masks(blocks: usize, t: &SpikeTrains) -> Vec<[u64; PORTS]> {
    let steps = t.steps as usize;
    let mut m = vec![[0u64; PORTS]; blocks * steps];
    for n in 0..t.neurons {
        let (b, lane) = (n / LANES, n % LANES);
        for port in 0..PORTS {
            for &k in t.of(port, n) {
                m[b * steps + k as usize - 1][port] |= 1 << lane;
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each setup's population run gives the spikes of the single-neuron
    /// runs (what `cargo xtask compare-nest` times them against), so the
    /// setups feed the engine the same models, states and input.
    #[test]
    fn population_setups_give_the_single_neuron_spikes() {
        let (neurons, steps) = (2 * LANES, 3000);
        let trains = SpikeTrains::generate(neurons, steps);
        let (m, init) = model();
        let psc = PopulationSetup::new(&m, &init, neurons);
        let single = run_single(&m, &init, &trains);
        assert!(!single.is_empty(), "the case should spike");
        assert_eq!(psc.run(&psc.masks(&trains), steps as usize), single);
        let (da, da_init) = double_alpha_model();
        let pop = DoubleAlphaSetup::new(&da, &da_init, neurons);
        let single = run_single(&da, &da_init, &trains);
        assert!(!single.is_empty(), "the case should spike");
        assert_eq!(pop.run(&pop.masks(&trains), steps as usize), single);
    }
}
