//! The population engine on real Allen models: every Teeter et al. GLIF3
//! (789) or GLIF5 (287) model, padded to a multiple of the lane count,
//! stepped together, each on the reference set's `long_square` at 1.5 x its
//! own rheobase (1.2 s at 200 kHz = 240,000 steps: 0.1 s of zero, a 1 s
//! step, 0.1 s of zero; the amplitude `glif_reference::stimuli::
//! long_square_amplitude` gives, as `glif batch` and the reference cases
//! use), spikes counted. Every model fires repeatedly on it: before timing,
//! each group prints its spikes per neuron (mean, least, most) and how many
//! neurons fire at least twice.
//! Throughput is in neuron-steps: ns per neuron-step = 1e9 / (elements per second).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use glif_benches::teeter_level;
use glif_core::population::{PopulationRules, WideDynamics};
use glif_core::{Block, Float, Lanes, Model, Population, PopulationRecorder, RunError, Spike};
use glif_io::{AnyModel, NeuronConfig};
use glif_reference::stimuli::{long_square_amplitude, LONG_SQUARE};

/// Lanes per block: 16 f64 (two AVX-512 registers) keeps two independent
/// dependency chains in flight; measured fastest of 8, 16, 32, 64 here.
const L: usize = 16;
/// The `long_square`: (steps, step on, step off).
const STEPS: usize = LONG_SQUARE.0;
const ON: usize = LONG_SQUARE.1;
const OFF: usize = LONG_SQUARE.2;

/// Spikes per neuron.
struct CountSpikes(Vec<usize>);

impl<F: Float> PopulationRecorder<F, 2> for CountSpikes {
    const SAMPLES: bool = false;
    fn sample(&mut self, _: usize, _: usize, _: F, _: F, _: &[F; 2]) {}
    fn spike(&mut self, neuron: usize, _: &Spike<F>) {
        self.0[neuron] += 1;
    }
    fn error(&mut self, _: usize, _: RunError) {}
}

fn bench_population<F: Float, R: PopulationRules<F, 2, L>>(
    c: &mut Criterion,
    name: &str,
    mut models: Vec<Model<F, 2, R>>,
    mut amplitudes: Vec<f64>,
) {
    let real = models.len();
    while !models.len().is_multiple_of(L) {
        models.push(models[0]);
        amplitudes.push(amplitudes[0]);
    }
    let refs: Vec<&Model<F, 2, R>> = models.iter().collect();
    let dynamics: Vec<WideDynamics<F, 2, L, R>> = refs
        .chunks_exact(L)
        .map(|c| WideDynamics::new(c.try_into().expect("L")).expect("wide"))
        .collect();
    let fresh: Vec<Block<F, 2, L>> = refs
        .chunks_exact(L)
        .map(|c| Block::new(c.try_into().expect("L")))
        .collect();
    // Each block's step amplitudes, one per lane.
    let on: Vec<Lanes<F, L>> = amplitudes
        .chunks_exact(L)
        .map(|a| Lanes::from_fn(|l| F::from_f64(a[l])))
        .collect();
    let off = Lanes::splat(F::ZERO);
    let input = |b: usize, t: usize| if (ON..OFF).contains(&t) { on[b] } else { off };
    let run = || {
        let mut blocks = fresh.clone();
        let mut population = Population::new(&models, &dynamics, &mut blocks).expect("lengths");
        let mut spikes = CountSpikes(vec![0; models.len()]);
        population.run(0, STEPS, input, &mut spikes);
        spikes.0
    };
    let spikes = &run()[..real];
    println!(
        "population/{name}: {real} neurons, spikes per neuron: mean {:.1}, least {}, most {}; \
         {} of {real} fire twice or more",
        spikes.iter().sum::<usize>() as f64 / real as f64,
        spikes.iter().min().unwrap_or(&0),
        spikes.iter().max().unwrap_or(&0),
        spikes.iter().filter(|&&n| n >= 2).count()
    );
    let mut group = c.benchmark_group(format!("population/{name}"));
    group.throughput(Throughput::Elements((models.len() * STEPS) as u64));
    group.sample_size(10);
    group.bench_function(format!("{}-neurons", models.len()), |b| {
        b.iter(|| black_box(run().len()))
    });
    group.finish();
}

fn population(c: &mut Criterion) {
    let glif3 = teeter_level(3);
    let glif5 = teeter_level(5);
    // 1.5 x each model's rheobase, as the reference long_square.
    let amplitudes = |configs: &[NeuronConfig]| -> Vec<f64> {
        configs
            .iter()
            .map(|c| long_square_amplitude(c, 1.5))
            .collect()
    };
    let g3_64: Vec<_> = glif3
        .iter()
        .map(|c| match AnyModel::<f64>::new(c) {
            Ok(AnyModel::Glif3(m)) => m,
            _ => panic!("GLIF3"),
        })
        .collect();
    let g5_64: Vec<_> = glif5
        .iter()
        .map(|c| match AnyModel::<f64>::new(c) {
            Ok(AnyModel::Glif5(m)) => m,
            _ => panic!("GLIF5"),
        })
        .collect();
    let g3_32: Vec<_> = glif3
        .iter()
        .map(|c| match AnyModel::<f32>::new(c) {
            Ok(AnyModel::Glif3(m)) => m,
            _ => panic!("GLIF3"),
        })
        .collect();
    let g5_32: Vec<_> = glif5
        .iter()
        .map(|c| match AnyModel::<f32>::new(c) {
            Ok(AnyModel::Glif5(m)) => m,
            _ => panic!("GLIF5"),
        })
        .collect();
    bench_population(c, "GLIF3/f64", g3_64, amplitudes(&glif3));
    bench_population(c, "GLIF5/f64", g5_64, amplitudes(&glif5));
    bench_population(c, "GLIF3/f32", g3_32, amplitudes(&glif3));
    bench_population(c, "GLIF5/f32", g5_32, amplitudes(&glif5));
}

criterion_group!(benches, population);
criterion_main!(benches);
