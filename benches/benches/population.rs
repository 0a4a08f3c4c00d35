//! The population engine on real Allen models: every Teeter et al. GLIF3
//! (789) or GLIF5 (287) model, padded to a multiple of the lane count,
//! stepped together, each on the reference set's `long_square` at 1.5 x its
//! own rheobase (the workload of [`glif_benches::allen`], which
//! `cargo xtask roofline` also runs), spikes counted. Every model fires
//! repeatedly on it: before timing, each group prints its spikes per neuron
//! (mean, least, most) and how many neurons fire at least twice.
//! Throughput is in neuron-steps: ns per neuron-step = 1e9 / (elements per second).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use glif_benches::allen::{self, AllenPopulation, LANES, STEPS};
use glif_core::population::PopulationRules;
use glif_core::Float;

fn bench_population<F: Float, R: PopulationRules<F, 2, LANES>>(
    c: &mut Criterion,
    name: &str,
    population: AllenPopulation<F, R>,
) {
    let real = population.real;
    let spikes = &population.run()[..real];
    println!(
        "population/{name}: {real} neurons, spikes per neuron: mean {:.1}, least {}, most {}; \
         {} of {real} fire twice or more",
        spikes.iter().sum::<usize>() as f64 / real as f64,
        spikes.iter().min().unwrap_or(&0),
        spikes.iter().max().unwrap_or(&0),
        spikes.iter().filter(|&&n| n >= 2).count()
    );
    let mut group = c.benchmark_group(format!("population/{name}"));
    group.throughput(Throughput::Elements((population.len() * STEPS) as u64));
    group.sample_size(10);
    group.bench_function(format!("{}-neurons", population.len()), |b| {
        b.iter(|| black_box(population.run().len()))
    });
    group.finish();
}

fn population(c: &mut Criterion) {
    bench_population(c, "GLIF3/f64", allen::glif3::<f64>());
    bench_population(c, "GLIF5/f64", allen::glif5::<f64>());
    bench_population(c, "GLIF3/f32", allen::glif3::<f32>());
    bench_population(c, "GLIF5/f32", allen::glif5::<f32>());
}

criterion_group!(benches, population);
criterion_main!(benches);
