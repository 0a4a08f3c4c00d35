//! One neuron per level (GLIF1..GLIF5), f64 and f32, recording everything
//! (glif-io's RunResult: voltage, threshold, currents, spikes; its buffers
//! reused from run to run) or spikes
//! only, on a 1 s step at dt = 5 µs that makes it fire. Throughput is in
//! steps: ns per step = 1e9 / (elements per second).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use glif_benches::{levels, one_second_step};
use glif_core::rules::{ForwardEulerConsts, LinearForwardEuler, Rule, VoltageDynamics};
use glif_core::{
    Float, Model, OnSpike, Outcome, ParamError, Params, RuleSet, Rules, RunError, Spike,
};
use glif_io::{AnyModel, RunResult};

/// NOT AllenSDK-exact: forward Euler with `dt/Ce` precomputed, so the
/// voltage update multiplies instead of dividing: `v0 + (inj + S - g*(v0 -
/// El)) * (dt/Ce)`. It rounds differently from AllenSDK's `(...)*dt/Ce`;
/// measured here only to show what the exact operation order costs.
#[derive(Clone, Copy, Debug)]
struct ForwardEulerNoDivision;

impl<F: Float, const N: usize> Rule<F, N> for ForwardEulerNoDivision {
    const NAME: &'static str = "linear_forward_euler_no_division";
    type Prepared = (ForwardEulerConsts<F>, F);

    fn prepare(
        &self,
        p: &Params<F, N>,
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self::Prepared, ParamError> {
        let k = Rule::<F, N>::prepare(&LinearForwardEuler, p, exp)?;
        Ok((k, k.dt / k.ce))
    }
}

impl<F: Float, const N: usize> VoltageDynamics<F, N> for ForwardEulerNoDivision {
    #[inline(always)]
    fn step(k: &Self::Prepared, v0: F, inj: F, asc_sum: F) -> F {
        let (k, dt_over_ce) = k;
        v0 + (inj + asc_sum - k.g * (v0 - k.el)) * *dt_over_ce
    }
}

/// Runs `model` on `stimulus` keeping only the number of spikes (the
/// no-heap spikes-only recorder: a closure per spike).
fn count_spikes<R: RuleSet<f64, 2>>(
    model: &Model<f64, 2, R>,
    stimulus: &[f64],
) -> (Result<Outcome, RunError>, usize) {
    let mut spikes = 0usize;
    let outcome = model.run(stimulus, &mut OnSpike(|_: &Spike<f64>| spikes += 1));
    (outcome, spikes)
}

/// GLIF5 f64, spikes only: AllenSDK's exact voltage update against one
/// without the division on the critical path.
fn exact_versus_no_division(c: &mut Criterion) {
    let (_, config) = levels().pop().expect("GLIF5");
    let AnyModel::Glif5(exact) = AnyModel::<f64>::new(&config).expect("model") else {
        panic!("GLIF5 config");
    };
    let r = exact.rules();
    let fast = Model::new(
        *exact.params(),
        Rules {
            voltage: ForwardEulerNoDivision,
            threshold: r.threshold,
            asc: r.asc,
            voltage_reset: r.voltage_reset,
            threshold_reset: r.threshold_reset,
            asc_reset: r.asc_reset,
        },
    )
    .expect("model");
    let stimulus = one_second_step(&config);
    let mut group = c.benchmark_group("neuron/GLIF5/f64/voltage-update");
    group.throughput(Throughput::Elements(stimulus.len() as u64));
    group.sample_size(20);
    group.bench_function("exact", |b| {
        b.iter(|| black_box(count_spikes(&exact, black_box(&stimulus))))
    });
    group.bench_function("no-division-not-exact", |b| {
        b.iter(|| black_box(count_spikes(&fast, black_box(&stimulus))))
    });
    group.finish();
}

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
    exact_versus_no_division(c);
}

criterion_group!(benches, neuron);
criterion_main!(benches);
