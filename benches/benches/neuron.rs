//! One neuron per level (GLIF1..GLIF5), f64 and f32, recording everything
//! (glif-io's RunResult: voltage, threshold, currents, spikes; its buffers
//! reused from run to run) or spikes
//! only, on a 1 s step at dt = 5 µs that makes it fire. Throughput is in
//! steps: ns per step = 1e9 / (elements per second).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use glif_benches::{levels, one_second_step};
use glif_core::Float;
use glif_io::{AnyModel, RunResult};

fn bench_precision<F: Float>(c: &mut Criterion, precision: &str) {
    for (level, config) in levels() {
        let model = AnyModel::<F>::new(&config).expect("model");
        let stimulus: Vec<F> = one_second_step(&config)
            .into_iter()
            .map(F::from_f64)
            .collect();
        let mut group = c.benchmark_group(format!("neuron/GLIF{level}/{precision}"));
        group.throughput(Throughput::Elements(stimulus.len() as u64));
        group.sample_size(20);
        // Buffers are reused between runs, as in a sweep loop: the number is
        // the engine plus recording, not the kernel zeroing fresh pages.
        let mut result = RunResult::new(model.asc_count(), stimulus.len());
        group.bench_function("record-all", |b| {
            b.iter(|| {
                result.voltage.clear();
                result.threshold.clear();
                result.asc.clear();
                result.spikes.clear();
                let outcome = model.run(black_box(&stimulus), &mut result);
                black_box((outcome, result.voltage.len()))
            })
        });
        group.bench_function("record-spikes", |b| {
            b.iter(|| black_box(model.run_spikes(black_box(&stimulus))))
        });
        group.finish();
    }
}

fn neuron(c: &mut Criterion) {
    bench_precision::<f64>(c, "f64");
    bench_precision::<f32>(c, "f32");
}

criterion_group!(benches, neuron);
criterion_main!(benches);
