//! `glif batch`'s engine, `glif_io::batch::run_batch`, on every Teeter et
//! al. model of `reference/teeter-all.jsonl.gz` (2,441; the population
//! engine, 16 lanes, for every published level) with 1 and with 2 worker
//! threads (`BatchOptions::threads`), spikes only, on 0.02 s of zero and
//! 0.08 s of a 200 pA step at 200 kHz (20,000 steps). Parallel efficiency
//! = (time with 1 thread) / (2 x time with 2 threads). Throughput is in
//! neuron-steps. The figure is only as good as the machine is quiet: with
//! other work on the cores, the 2-thread time is inflated.

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use glif_io::batch::{read_configs, run_batch, BatchOptions};
use glif_io::stimulus;

const DT: f64 = 5e-6;

fn bench_batch(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference/teeter-all.jsonl.gz");
    let n_models = read_configs(&path).expect("teeter-all").len();
    let stimulus = stimulus::square(DT, 0.1, 0.02, 0.08, 2e-10).expect("stimulus");
    let mut group = c.benchmark_group("batch_teeter_all");
    group.sample_size(10);
    group.throughput(Throughput::Elements((n_models * stimulus.len()) as u64));
    for threads in [1, 2] {
        let options = BatchOptions {
            threads: Some(threads),
            stop: None,
            ..BatchOptions::new(DT)
        };
        group.bench_function(format!("threads_{threads}"), |b| {
            b.iter_batched(
                || read_configs(&path).expect("teeter-all"),
                |entries| {
                    let runs = run_batch(entries, &stimulus, &options, &|_| {}).expect("batch");
                    black_box(runs.len())
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench_batch);
criterion_main!(benches);
