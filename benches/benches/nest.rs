//! glif-core's side of the benchmark against NEST 3.10's `glif_psc`
//! (`cargo xtask compare-nest` runs both sides in one run and prints the
//! ratios): GLIF5 `glif_psc` neurons with seeded Bernoulli (Poisson) input
//! on two ports (`glif_benches::nest`), one neuron for 1 s and 10,000
//! unconnected neurons for 0.2 s at h = 0.1 ms, through the single-neuron
//! model and the population engine. Throughput is in neuron-steps:
//! ns per neuron-step = 1e9 / (elements per second).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use glif_benches::nest::{model, run_single, PopulationSetup, SpikeTrains};

fn bench(c: &mut Criterion) {
    let (m, init) = model();
    let mut group = c.benchmark_group("nest-glif-psc");
    group.sample_size(10);

    let one = SpikeTrains::generate(1, 10_000);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("1-neuron", |b| {
        b.iter(|| black_box(run_single(&m, &init, &one)))
    });

    let many = SpikeTrains::generate(10_000, 2_000);
    group.throughput(Throughput::Elements(10_000 * 2_000));
    group.bench_function("10000-neurons-single", |b| {
        b.iter(|| black_box(run_single(&m, &init, &many)))
    });
    let pop = PopulationSetup::new(&m, &init, 10_000);
    let masks = pop.masks(&many);
    group.bench_function("10000-neurons-population", |b| {
        b.iter(|| black_box(pop.run(&masks, 2_000)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
