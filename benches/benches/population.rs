//! The population engine on real Allen models: every Teeter et al. GLIF3
//! (789) or GLIF5 (287) model, padded to a multiple of the lane count,
//! stepped together on one shared step current, spikes counted.
//! Throughput is in neuron-steps: ns per neuron-step = 1e9 / (elements per second).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use glif_benches::teeter_level;
use glif_core::population::{PopulationRules, WideDynamics};
use glif_core::{Block, Float, Lanes, Model, Population, PopulationRecorder, RunError, Spike};
use glif_io::AnyModel;

/// Lanes per block: 16 f64 (two AVX-512 registers) keeps two independent
/// dependency chains in flight; measured fastest of 8, 16, 32, 64 here.
const L: usize = 16;
const STEPS: usize = 2_000;

struct CountSpikes(usize);

impl<F: Float> PopulationRecorder<F, 2> for CountSpikes {
    const SAMPLES: bool = false;
    fn sample(&mut self, _: usize, _: usize, _: F, _: F, _: &[F; 2]) {}
    fn spike(&mut self, _: usize, _: &Spike<F>) {
        self.0 += 1;
    }
    fn error(&mut self, _: usize, _: RunError) {}
}

fn bench_population<F: Float, R: PopulationRules<F, 2, L>>(
    c: &mut Criterion,
    name: &str,
    mut models: Vec<Model<F, 2, R>>,
    amplitude: f64,
) {
    while !models.len().is_multiple_of(L) {
        models.push(models[0]);
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
    let input = Lanes::splat(F::from_f64(amplitude));
    let mut group = c.benchmark_group(format!("population/{name}"));
    group.throughput(Throughput::Elements((models.len() * STEPS) as u64));
    group.sample_size(20);
    group.bench_function(format!("{}-neurons", models.len()), |b| {
        b.iter(|| {
            let mut blocks = fresh.clone();
            let mut population = Population::new(&models, &dynamics, &mut blocks).expect("lengths");
            let mut spikes = CountSpikes(0);
            population.run(0, STEPS, |_, _| input, &mut spikes);
            black_box(spikes.0)
        })
    });
    group.finish();
}

fn population(c: &mut Criterion) {
    let glif3 = teeter_level(3);
    let glif5 = teeter_level(5);
    // 200 pA drives most Teeter models to fire.
    let amplitude = 2.0e-10;
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
    bench_population(c, "GLIF3/f64", g3_64, amplitude);
    bench_population(c, "GLIF5/f64", g5_64, amplitude);
    bench_population(c, "GLIF3/f32", g3_32, amplitude);
    bench_population(c, "GLIF5/f32", g5_32, amplitude);
}

criterion_group!(benches, population);
criterion_main!(benches);
