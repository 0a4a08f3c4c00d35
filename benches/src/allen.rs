//! The Allen population workload (`benches/benches/population.rs` and
//! `cargo xtask roofline`): every Teeter et al. GLIF3 (789) or GLIF5 (287)
//! model, padded to a multiple of [`LANES`] with copies of the first, each
//! on the reference set's `long_square` at 1.5 x its own rheobase (1.2 s at
//! 200 kHz = 240,000 steps: 0.1 s of zero, a 1 s step, 0.1 s of zero; the
//! amplitude of `glif_reference::stimuli::long_square_amplitude`, as `glif
//! batch` and the reference cases use), spikes counted per neuron.

use glif_core::population::{PopulationRules, WideDynamics};
use glif_core::{
    Block, Float, Glif3, Glif5, Lanes, Model, Population, PopulationRecorder, RunError, Spike,
};
use glif_io::{AnyModel, NeuronConfig};
use glif_reference::stimuli::{long_square_amplitude, LONG_SQUARE};

use crate::teeter_level;

/// Lanes per block: 16 (two AVX-512 registers of f64, one of f32, per
/// quantity; four and two AVX2 registers); measured fastest of 8, 16, 32,
/// 64 on AVX2, and on AVX-512 (Zen 4) faster on the firing workload than
/// 32 or 64, which are faster only on the silent one (docs/PERFORMANCE.md).
pub const LANES: usize = 16;
/// The `long_square`: samples.
pub const STEPS: usize = LONG_SQUARE.0;
/// The `long_square`: first sample of the step.
const ON: usize = LONG_SQUARE.1;
/// The `long_square`: first sample after the step.
const OFF: usize = LONG_SQUARE.2;

/// Spikes per neuron.
pub struct CountSpikes(pub Vec<usize>);

impl<F: Float> PopulationRecorder<F, 2> for CountSpikes {
    const SAMPLES: bool = false;
    fn sample(&mut self, _: usize, _: usize, _: F, _: F, _: &[F; 2]) {}
    fn spike(&mut self, neuron: usize, _: &Spike<F>) {
        self.0[neuron] += 1;
    }
    fn error(&mut self, _: usize, _: RunError) {}
}

/// One level's population, ready to run from its initial state.
/// `L` lanes per block (default [`LANES`]).
pub struct AllenPopulation<F: Float, R: PopulationRules<F, 2, L>, const L: usize = LANES> {
    /// Real (unpadded) neurons.
    pub real: usize,
    /// One model per neuron (padded).
    pub models: Vec<Model<F, 2, R>>,
    /// One per block.
    pub dynamics: Vec<WideDynamics<F, 2, L, R>>,
    /// The blocks at their initial state.
    pub fresh: Vec<Block<F, 2, L>>,
    /// Each block's step amplitudes (A), one per lane.
    pub on: Vec<Lanes<F, L>>,
}

impl<F: Float, R: PopulationRules<F, 2, L>, const L: usize> AllenPopulation<F, R, L> {
    /// The population of `models`, neuron `i` driven at `amplitudes[i]` (A).
    pub fn new(mut models: Vec<Model<F, 2, R>>, mut amplitudes: Vec<f64>) -> Self {
        let real = models.len();
        while !models.len().is_multiple_of(L) {
            models.push(models[0]);
            amplitudes.push(amplitudes[0]);
        }
        let refs: Vec<&Model<F, 2, R>> = models.iter().collect();
        let dynamics = refs
            .chunks_exact(L)
            .map(|c| WideDynamics::new(c.try_into().expect("L")).expect("wide"))
            .collect();
        let fresh = refs
            .chunks_exact(L)
            .map(|c| Block::new(c.try_into().expect("L")))
            .collect();
        let on = amplitudes
            .chunks_exact(L)
            .map(|a| Lanes::from_fn(|l| F::from_f64(a[l])))
            .collect();
        AllenPopulation {
            real,
            models,
            dynamics,
            fresh,
            on,
        }
    }

    /// The same population with no input (every neuron stays at rest, no
    /// spike): only the engine's quiet step loop runs.
    pub fn silent(&self) -> Self {
        AllenPopulation {
            real: self.real,
            models: self.models.clone(),
            dynamics: self.dynamics.clone(),
            fresh: self.fresh.clone(),
            on: vec![Lanes::splat(F::ZERO); self.on.len()],
        }
    }

    /// Neurons, padding included.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// True when there are no neurons.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// Runs the whole `long_square` from the initial state; spikes per
    /// neuron (padding included).
    #[inline(always)]
    pub fn run(&self) -> Vec<usize> {
        let mut blocks = self.fresh.clone();
        let mut population =
            Population::new(&self.models, &self.dynamics, &mut blocks).expect("lengths");
        let mut spikes = CountSpikes(vec![0; self.models.len()]);
        let off = Lanes::splat(F::ZERO);
        let input = |b: usize, t: usize| {
            if (ON..OFF).contains(&t) {
                self.on[b]
            } else {
                off
            }
        };
        population.run(0, STEPS, input, &mut spikes);
        spikes.0
    }
}

/// 1.5 x each model's rheobase (A), as the reference `long_square`.
pub fn amplitudes(configs: &[NeuronConfig]) -> Vec<f64> {
    configs
        .iter()
        .map(|c| long_square_amplitude(c, 1.5))
        .collect()
}

/// Every Teeter GLIF3 model in precision `F`, [`LANES`] per block.
pub fn glif3<F: Float>() -> AllenPopulation<F, glif_core::levels::Glif3Rules<F, 2>> {
    glif3_lanes()
}

/// Every Teeter GLIF5 model in precision `F`, [`LANES`] per block.
pub fn glif5<F: Float>() -> AllenPopulation<F, glif_core::levels::Glif5Rules<F, 2>> {
    glif5_lanes()
}

/// Every Teeter GLIF3 model in precision `F`, `L` per block.
pub fn glif3_lanes<F: Float, const L: usize>(
) -> AllenPopulation<F, glif_core::levels::Glif3Rules<F, 2>, L> {
    let configs = teeter_level(3);
    let models: Vec<Glif3<F, 2>> = configs
        .iter()
        .map(|c| match AnyModel::<F>::new(c) {
            Ok(AnyModel::Glif3(m)) => m,
            _ => panic!("GLIF3"),
        })
        .collect();
    AllenPopulation::new(models, amplitudes(&configs))
}

/// Every Teeter GLIF5 model in precision `F`, `L` per block.
pub fn glif5_lanes<F: Float, const L: usize>(
) -> AllenPopulation<F, glif_core::levels::Glif5Rules<F, 2>, L> {
    let configs = teeter_level(5);
    let models: Vec<Glif5<F, 2>> = configs
        .iter()
        .map(|c| match AnyModel::<F>::new(c) {
            Ok(AnyModel::Glif5(m)) => m,
            _ => panic!("GLIF5"),
        })
        .collect();
    AllenPopulation::new(models, amplitudes(&configs))
}
