//! Populations of any size, on one or several threads: the workload of
//! `cargo xtask peers` (glif-rs beside Brian2 and NEST 3.10) and of its
//! `--scale` table.
//!
//! Models: the Teeter et al. models of one level (789 GLIF3, 287 GLIF5),
//! cycled to `n` neurons (neuron `i` is model `i mod count`) and padded to a
//! multiple of [`LANES`] with copies of the first, as
//! [`crate::allen::AllenPopulation`] pads. Input: each neuron's own direct
//! current, 1.5 x its model's rheobase
//! (`glif_reference::stimuli::long_square_amplitude`, as the population
//! bench), constant from the first step (a DC step from rest, not the
//! `long_square`: the steps of a run are then all alike, whatever their
//! number). Spikes are counted per neuron.
//!
//! Threads: glif-core's population engine is single-threaded (`no_std`);
//! its blocks are independent, so [`run_threads`] gives each of `T` scoped
//! threads a contiguous share of the blocks (as `glif batch` spreads its
//! blocks over a thread pool), each running the engine's own
//! `Population::run` on its share.
//!
//! NEST's `glif_psc` population engine runs the same models converted to
//! NEST parameters (`glif_io::nest::allen_to_nest`, one port, the GLIF3
//! switches) on the same currents (pA) at the same resolution
//! ([`PscSetup`]).

use glif_core::nest::{GlifPsc, NestPopulation, PscBlock, PscWide};
use glif_core::population::PopulationRules;
use glif_core::{Block, Float, Lanes, Model, Population, PopulationRecorder, RunError, Spike};
use glif_io::nest::{allen_to_nest, NestModel, NestParams, StdExp, SynapseParams};
use glif_io::{AnyModel, NeuronConfig};

use crate::allen::{amplitudes, AllenPopulation, LANES};
use crate::teeter_level;

/// Spikes per neuron, into a caller's slice (one thread's share).
struct CountInto<'a>(&'a mut [u32]);

impl<F: Float> PopulationRecorder<F, 2> for CountInto<'_> {
    const SAMPLES: bool = false;
    fn sample(&mut self, _: usize, _: usize, _: F, _: F, _: &[F; 2]) {}
    fn spike(&mut self, neuron: usize, _: &Spike<F>) {
        self.0[neuron] += 1;
    }
    fn error(&mut self, _: usize, _: RunError) {}
}

/// The Teeter models of `level` (3 or 5) cycled to `n` neurons at
/// [`crate::DT`], each driven at 1.5 x its rheobase from the first step:
/// the configs (one per distinct model) and, per neuron, its model index.
pub struct Cycled {
    /// The distinct configs.
    pub configs: Vec<NeuronConfig>,
    /// Per distinct config: its current (A).
    pub amplitudes: Vec<f64>,
    /// Per neuron (unpadded): index into `configs`.
    pub model_of: Vec<usize>,
}

impl Cycled {
    /// The Teeter models of `level`, cycled to `n` neurons.
    pub fn new(level: u8, n: usize) -> Self {
        let configs = teeter_level(level);
        let amplitudes = amplitudes(&configs);
        let model_of = (0..n).map(|i| i % configs.len()).collect();
        Cycled {
            configs,
            amplitudes,
            model_of,
        }
    }

    /// Neurons (unpadded).
    pub fn len(&self) -> usize {
        self.model_of.len()
    }

    /// True when there are no neurons.
    pub fn is_empty(&self) -> bool {
        self.model_of.is_empty()
    }

    /// Per neuron, its current (A).
    pub fn currents(&self) -> Vec<f64> {
        self.model_of.iter().map(|&m| self.amplitudes[m]).collect()
    }

    /// glif-core's population of these neurons in precision `F`, rules `R`
    /// (`pick` takes the level's model out of [`AnyModel`]).
    pub fn population<F: Float, R: PopulationRules<F, 2, LANES>>(
        &self,
        pick: impl Fn(AnyModel<F>) -> Option<Model<F, 2, R>>,
    ) -> AllenPopulation<F, R> {
        let distinct: Vec<Model<F, 2, R>> = self
            .configs
            .iter()
            .map(|c| {
                AnyModel::<F>::new(c)
                    .ok()
                    .and_then(&pick)
                    .expect("a Teeter model of the level")
            })
            .collect();
        let models = self.model_of.iter().map(|&m| distinct[m]).collect();
        AllenPopulation::new(models, self.currents())
    }

    /// The GLIF3 population (f64).
    pub fn glif3(&self) -> AllenPopulation<f64, glif_core::levels::Glif3Rules<f64, 2>> {
        self.population(|m| match m {
            AnyModel::Glif3(m) => Some(m),
            _ => None,
        })
    }

    /// The GLIF5 population (f64).
    pub fn glif5(&self) -> AllenPopulation<f64, glif_core::levels::Glif5Rules<f64, 2>> {
        self.population(|m| match m {
            AnyModel::Glif5(m) => Some(m),
            _ => None,
        })
    }

    /// Per distinct config, the NEST 3.10 `glif_psc` parameter dict
    /// (`glif_io::nest::allen_to_nest`, one port with `tau_syn` 2 ms: no
    /// synaptic input reaches it here).
    pub fn nest_params(&self) -> Result<Vec<serde_json::Value>, String> {
        let syn = SynapseParams {
            tau_syn: Some(vec![2.0]),
            ..SynapseParams::default()
        };
        self.configs
            .iter()
            .map(|c| {
                allen_to_nest(c, NestModel::GlifPsc, &syn)
                    .map(serde_json::Value::Object)
                    .map_err(|e| e.to_string())
            })
            .collect()
    }
}

/// Runs `pop` for `steps` samples from the states in `blocks` (the
/// population's `fresh` blocks, copied by the caller before timing), every
/// neuron at its own constant current from sample 0, on `threads` threads
/// (each a contiguous share of the blocks); spikes per neuron (padding
/// included) into `counts`.
pub fn run_threads<F: Float, R: PopulationRules<F, 2, LANES> + Sync>(
    pop: &AllenPopulation<F, R>,
    blocks: &mut [Block<F, 2, LANES>],
    steps: usize,
    threads: usize,
    counts: &mut [u32],
) where
    Model<F, 2, R>: Sync,
    glif_core::WideDynamics<F, 2, LANES, R>: Sync,
{
    assert_eq!(blocks.len(), pop.dynamics.len(), "blocks");
    assert_eq!(counts.len(), pop.models.len(), "counts");
    let run = |first: usize, blocks: &mut [Block<F, 2, LANES>], counts: &mut [u32]| {
        let b = blocks.len();
        let models = &pop.models[first * LANES..(first + b) * LANES];
        let dynamics = &pop.dynamics[first..first + b];
        let on = &pop.on[first..first + b];
        let mut population = Population::new(models, dynamics, blocks).expect("lengths");
        population.run(0, steps, |b, _| on[b], &mut CountInto(counts));
    };
    on_threads(threads, LANES, blocks, counts, run);
}

/// Lanes per block of NEST's `glif_psc` population engine (one AVX2
/// register of f64 per quantity, as `glif_benches::nest::LANES`).
pub const PSC_LANES: usize = crate::nest::LANES;

/// One `glif_psc` neuron: one port, two after-spike currents.
pub type Psc = GlifPsc<f64, 1, 2>;
/// Its block.
pub type PscLanes = PscBlock<f64, 1, 2, PSC_LANES>;

/// NEST's `glif_psc` population engine on [`Cycled`]'s neurons (NEST
/// parameters from `allen_to_nest`, glibc's `exp` as NEST), each at its
/// current in pA, resolution `dt_ms`; padded to a multiple of [`PSC_LANES`]
/// with copies of the first neuron.
pub struct PscSetup {
    /// One model per neuron (padded).
    pub models: Vec<Psc>,
    /// One per block.
    pub wide: Vec<PscWide<f64, 1, 2, PSC_LANES>>,
    /// The blocks at their initial state.
    pub fresh: Vec<PscLanes>,
    /// Per block, its lanes' currents (pA).
    pub current: Vec<Lanes<f64, PSC_LANES>>,
}

impl PscSetup {
    /// The setup of `cycled` at resolution `dt_ms`.
    pub fn new(cycled: &Cycled, dt_ms: f64) -> Result<Self, String> {
        let dicts = cycled.nest_params()?;
        let mut distinct = Vec::with_capacity(dicts.len());
        for d in &dicts {
            let p = NestParams::from_json(NestModel::GlifPsc, d).map_err(|e| e.to_string())?;
            let (m, init) = p
                .psc_model::<f64, _, 1, 2>(dt_ms, &StdExp)
                .map_err(|e| e.to_string())?;
            distinct.push((m, m.state(&init, 0.0)));
        }
        let mut index = cycled.model_of.clone();
        let mut pa: Vec<f64> = cycled.currents().iter().map(|a| a * 1e12).collect();
        while !index.len().is_multiple_of(PSC_LANES) {
            index.push(index[0]);
            pa.push(pa[0]);
        }
        let models: Vec<Psc> = index.iter().map(|&i| distinct[i].0).collect();
        let mut wide = Vec::with_capacity(index.len() / PSC_LANES);
        let mut fresh = Vec::with_capacity(index.len() / PSC_LANES);
        for (c, idx) in models
            .chunks_exact(PSC_LANES)
            .zip(index.chunks_exact(PSC_LANES))
        {
            let refs: [&Psc; PSC_LANES] = std::array::from_fn(|l| &c[l]);
            wide.push(PscWide::new(&refs).map_err(|e| format!("{e:?}"))?);
            fresh.push(PscBlock::new(&std::array::from_fn(|l| distinct[idx[l]].1)));
        }
        let current = pa
            .chunks_exact(PSC_LANES)
            .map(|a| Lanes::from_fn(|l| a[l]))
            .collect();
        Ok(PscSetup {
            models,
            wide,
            fresh,
            current,
        })
    }

    /// Neurons, padding included.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// True when there are no neurons.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// Runs `steps` steps from `blocks` (copies of `fresh`, made before
    /// timing) on `threads` threads (contiguous shares of the blocks);
    /// spikes per neuron into `counts`.
    pub fn run_threads(
        &self,
        blocks: &mut [PscLanes],
        steps: usize,
        threads: usize,
        counts: &mut [u32],
    ) {
        assert_eq!(blocks.len(), self.wide.len(), "blocks");
        assert_eq!(counts.len(), self.models.len(), "counts");
        let run = |first: usize, blocks: &mut [PscLanes], counts: &mut [u32]| {
            let b = blocks.len();
            let models = &self.models[first * PSC_LANES..(first + b) * PSC_LANES];
            let wide = &self.wide[first..first + b];
            let current = &self.current[first..first + b];
            let mut pop = NestPopulation::<f64, 1, PSC_LANES, PscLanes>::new(models, wide, blocks)
                .expect("lengths");
            pop.run(1, steps, |b, _, _| current[b], |n, _| counts[n] += 1);
        };
        on_threads(threads, PSC_LANES, blocks, counts, run);
    }
}

/// Brian2's parameters of one GLIF3 config (SI units), as
/// `scripts/peers/bench_peers.py` writes the equations:
///
/// - `dv/dt = (I_e + I1 + I2 - G (v - El)) / C` (forward Euler: AllenSDK's
///   `linear_forward_euler`, `G = coeffs.G / R_input`, `C = coeffs.C * C`),
/// - `dIj/dt = -q_j Ij` with `q_j = (1 - exp(-k_j dt)) / dt`, so that
///   Euler's step `Ij (1 - q_j dt)` is AllenSDK's exact decay
///   `Ij exp(-k_j dt)` (`k_j = 1 / asc_tau_j`),
/// - spike when `v > th` (`th = coeffs.th_inf * th_inf`), then
///   `v = 0` (the `zero` reset) and
///   `Ij = amp_j + Ij r_j exp(-k_j dt cut)` (the `sum` reset,
///   `amp_j = asc_amp_j * coeffs.asc_amp_j`),
/// - refractory (every variable held, no spike test) for `cut + 1` steps
///   counted from the spike's step: AllenSDK holds the reset values through
///   samples `t + 1 ..= t + cut` and integrates again at `t + cut + 1`.
pub fn brian2_glif3(c: &NeuronConfig) -> Result<serde_json::Value, String> {
    if c.level() != Some(3) {
        return Err(format!(
            "{}: not a GLIF3 config (Brian2's equations here are GLIF3's)",
            c.model_id.as_deref().unwrap_or("config")
        ));
    }
    if c.asc_tau.len() != 2 || c.methods.asc_reset.r().len() != 2 {
        return Err(format!(
            "{}: Brian2's equations here have two after-spike currents, the config has {}",
            c.model_id.as_deref().unwrap_or("config"),
            c.asc_tau.len()
        ));
    }
    let dt = c.dt;
    let cut = f64::from(c.spike_cut_length);
    let k = [1.0 / c.asc_tau[0], 1.0 / c.asc_tau[1]];
    let r = c.methods.asc_reset.r();
    let coeff = |j: usize| c.coeffs.asc_amp.get(j).copied().unwrap_or(1.0);
    Ok(serde_json::json!({
        "El": c.el,
        "G": c.coeffs.g / c.r_input,
        "C": c.coeffs.c * c.c,
        "th": c.coeffs.th_inf * c.th_inf,
        "q1": (1.0 - (-k[0] * dt).exp()) / dt,
        "q2": (1.0 - (-k[1] * dt).exp()) / dt,
        "amp1": c.asc_amp[0] * coeff(0),
        "amp2": c.asc_amp[1] * coeff(1),
        "f1": r[0] * (-(k[0] * dt * cut)).exp(),
        "f2": r[1] * (-(k[1] * dt * cut)).exp(),
        "ref_steps": c.spike_cut_length + 1,
        "v0": c.init_voltage,
        "I1_0": c.init_asc.first().copied().unwrap_or(0.0),
        "I2_0": c.init_asc.get(1).copied().unwrap_or(0.0),
    }))
}

/// Runs `run(first_block, blocks, counts)` on `threads` scoped threads, each
/// over a contiguous share of `blocks` and the `lanes` spike counts of each
/// of its blocks (`first_block` is where the share starts); one thread runs
/// it in place.
fn on_threads<B: Send>(
    threads: usize,
    lanes: usize,
    blocks: &mut [B],
    counts: &mut [u32],
    run: impl Fn(usize, &mut [B], &mut [u32]) + Sync,
) {
    if threads <= 1 {
        run(0, blocks, counts);
        return;
    }
    let per = blocks.len().div_ceil(threads).max(1);
    let run = &run;
    std::thread::scope(|s| {
        for (i, (blocks, counts)) in blocks
            .chunks_mut(per)
            .zip(counts.chunks_mut(per * lanes))
            .enumerate()
        {
            s.spawn(move || run(i * per, blocks, counts));
        }
    });
}
