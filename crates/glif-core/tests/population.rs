//! The population engine computes, for every neuron, exactly what the
//! single-neuron engine computes: every sample, every spike, every outcome,
//! bit for bit, including spike cuts, cut length 0, and bad resets (lanes
//! of GLIF2, GLIF4 and GLIF5 models stopping at different steps while the
//! other lanes of their block run on).

mod common;

use common::*;
use glif_core::population::{PopulationRules, WideDynamics};
use glif_core::*;
use serde_json::Value;

const GLIF5: &[&str] = &[
    "teeter/313861677_Rorb-IRES2-Cre-D_GLIF5_neuron_config.json",
    "teeter/313862134_Sst-IRES-Cre_GLIF5_neuron_config.json",
    "teeter/318556138_Pvalb-IRES-Cre_GLIF5_neuron_config.json",
    "teeter/327648537_Htr3a-Cre_NO152_GLIF5_neuron_config.json",
    "teeter/488701127_human_GLIF5_neuron_config.json",
    "teeter/501570114_Vip-IRES-Cre_GLIF5_neuron_config.json",
    "teeter/520454345_human_GLIF5_neuron_config.json",
    "teeter/580895033_Chrna2-Cre_OE25_GLIF5_neuron_config.json",
    "osb/566283540_neuron_config.json",
    "bmtk/637930677_lif_r_asc_a.json",
];

/// Per-neuron input: a step whose amplitude differs per neuron, with a
/// deterministic ripple so that lanes spike at different samples.
fn input(neuron: usize, t: usize) -> f64 {
    let amp = 1.0e-10 + 0.35e-10 * (neuron % 7) as f64;
    let ripple = ((t * 7919 + neuron * 104_729) % 1000) as f64 * 1e-13;
    if (2_000..38_000).contains(&t) {
        amp + ripple
    } else {
        ripple
    }
}

#[derive(Default, Clone, Debug, PartialEq)]
struct Trace {
    v: Vec<u64>,
    th: Vec<u64>,
    asc: Vec<[u64; 2]>,
    spikes: Vec<[u64; 5]>,
    error: Option<RunError>,
}

impl<F: Float> Recorder<F, 2> for Trace {
    fn sample(&mut self, _: usize, v: F, th: F, asc: &[F; 2]) {
        self.v.push(v.to_bits_u64());
        self.th.push(th.to_bits_u64());
        self.asc.push([asc[0].to_bits_u64(), asc[1].to_bits_u64()]);
    }
    fn spike(&mut self, s: &Spike<F>) {
        self.spikes.push([
            s.step as u64,
            s.grid_time.to_bits_u64(),
            s.time.to_bits_u64(),
            s.voltage.to_bits_u64(),
            s.threshold.to_bits_u64(),
        ]);
    }
}

struct Traces(Vec<Trace>);

/// Spikes and errors only ([`PopulationRecorder::SAMPLES`] false): the
/// engine's loops then leave their recording out, as in batch runs.
#[derive(Clone)]
struct SpikesOnly(Vec<Trace>);

impl<F: Float> PopulationRecorder<F, 2> for SpikesOnly {
    const SAMPLES: bool = false;
    fn sample(&mut self, _: usize, _: usize, _: F, _: F, _: &[F; 2]) {
        unreachable!("SAMPLES is false")
    }
    fn spike(&mut self, neuron: usize, s: &Spike<F>) {
        Recorder::<F, 2>::spike(&mut self.0[neuron], s);
    }
    fn error(&mut self, neuron: usize, e: RunError) {
        self.0[neuron].error = Some(e);
    }
}

impl<F: Float> PopulationRecorder<F, 2> for Traces {
    const SAMPLES: bool = true;
    fn sample(&mut self, neuron: usize, _: usize, v: F, th: F, asc: &[F; 2]) {
        Recorder::<F, 2>::sample(&mut self.0[neuron], 0, v, th, asc);
    }
    fn spike(&mut self, neuron: usize, s: &Spike<F>) {
        Recorder::<F, 2>::spike(&mut self.0[neuron], s);
    }
    fn error(&mut self, neuron: usize, e: RunError) {
        self.0[neuron].error = Some(e);
    }
}

/// Runs `models` one by one and as a population of `L` lanes on `input`,
/// and demands identical results. Returns the total spike count.
fn compare<F: Float, R: PopulationRules<F, 2, L>, const L: usize>(
    models: &[Model<F, 2, R>],
    steps: usize,
) -> usize {
    compare_on::<F, R, L>(models, steps, input).0
}

/// As [`compare`], on the input `input(neuron, step)`; returns the total
/// spike count and each model's outcome (in `models`' order, padding left
/// out), as both engines agreed on it.
fn compare_on<F: Float, R: PopulationRules<F, 2, L>, const L: usize>(
    models: &[Model<F, 2, R>],
    steps: usize,
    input: impl Fn(usize, usize) -> f64 + Copy,
) -> (usize, Vec<Result<Outcome, RunError>>) {
    // Pad to a multiple of L with copies of the first model.
    let mut padded: Vec<Model<F, 2, R>> = models.to_vec();
    while !padded.len().is_multiple_of(L) {
        padded.push(models[0]);
    }
    let refs: Vec<&Model<F, 2, R>> = padded.iter().collect();
    let dynamics: Vec<WideDynamics<F, 2, L, R>> = refs
        .chunks_exact(L)
        .map(|c| WideDynamics::new(c.try_into().expect("L models")).expect("wide dynamics"))
        .collect();
    let mut blocks: Vec<Block<F, 2, L>> = refs
        .chunks_exact(L)
        .map(|c| Block::new(c.try_into().expect("L")))
        .collect();
    let mut spikes_only_blocks = blocks.clone();
    let mut population = Population::new(&padded, &dynamics, &mut blocks).expect("lengths");
    let mut together = Traces(vec![Trace::default(); padded.len()]);
    population.run(
        0,
        steps,
        |b, t| Lanes::from_fn(|l| F::from_f64(input(b * L + l, t))),
        &mut together,
    );
    // The same run without samples: the same spikes, errors and end states.
    let mut spikes_only = SpikesOnly(vec![Trace::default(); padded.len()]);
    Population::new(&padded, &dynamics, &mut spikes_only_blocks)
        .expect("lengths")
        .run(
            0,
            steps,
            |b, t| Lanes::from_fn(|l| F::from_f64(input(b * L + l, t))),
            &mut spikes_only,
        );
    for (i, (with, without)) in together.0.iter().zip(&spikes_only.0).enumerate() {
        assert_eq!(
            with.spikes, without.spikes,
            "neuron {i}: spikes without samples"
        );
        assert_eq!(
            with.error, without.error,
            "neuron {i}: error without samples"
        );
        let (a, b) = (&population.blocks()[i / L], &spikes_only_blocks[i / L]);
        assert_eq!(
            a.phase(i % L),
            b.phase(i % L),
            "neuron {i}: phase without samples"
        );
        // Debug text: equal for equal values, NaN included (`==` is not).
        assert_eq!(
            format!("{:?}", a.lane(i % L)),
            format!("{:?}", b.lane(i % L)),
            "neuron {i}: end state without samples"
        );
    }

    let mut spikes = 0;
    let mut outcomes = Vec::new();
    for (i, model) in padded.iter().enumerate() {
        let stim: Vec<F> = (0..steps).map(|t| F::from_f64(input(i, t))).collect();
        let mut alone = Trace::default();
        let outcome = model.run(&stim, &mut alone);
        if let Err(e) = outcome {
            alone.error = Some(e);
            // The population keeps recording NaN after an error.
            while alone.v.len() < steps {
                Recorder::<F, 2>::nan_sample(&mut alone, 0);
            }
        }
        let got = &together.0[i];
        assert_eq!(got.spikes, alone.spikes, "neuron {i}: spikes");
        assert_eq!(got.error, alone.error, "neuron {i}: error");
        for t in 0..steps {
            assert_eq!(
                (got.v[t], got.th[t], got.asc[t]),
                (alone.v[t], alone.th[t], alone.asc[t]),
                "neuron {i}, sample {t}"
            );
        }
        if let Ok(o) = outcome {
            let cut = model.params().spike_cut_length();
            assert_eq!(
                population.blocks()[i / L].outcome(i % L, cut),
                Some(o),
                "neuron {i}: outcome"
            );
        }
        spikes += alone.spikes.len();
        if i < models.len() {
            outcomes.push(outcome);
        }
    }
    (spikes, outcomes)
}

fn glif5<F: Float>(dt: f64, cut: Option<u32>) -> Vec<Glif5<F, 2>> {
    GLIF5
        .iter()
        .map(|f| {
            let c: Value = config_file(f);
            let mut p = params::<F>(&c, dt);
            if let Some(cut) = cut {
                p = p.with_spike_cut_length(cut);
            }
            Model::new(p, glif5_rules::<F>(&c)).expect("model")
        })
        .collect()
}

#[test]
fn glif5_population_f64_equals_single_neurons() {
    let spikes = compare::<f64, _, 8>(&glif5(5e-6, None), 40_000);
    assert!(spikes > 50, "the test must exercise spikes ({spikes})");
}

#[test]
fn glif5_population_with_cut_zero_and_four_lanes() {
    let spikes = compare::<f64, _, 4>(&glif5(5e-6, Some(0)), 40_000);
    assert!(spikes > 50, "{spikes}");
}

#[test]
fn glif5_population_f32_sixteen_lanes() {
    let spikes = compare::<f32, _, 16>(&glif5(5e-6, None), 40_000);
    assert!(spikes > 50, "{spikes}");
}

/// Teeter et al. models whose `v_before` reset can land above the reset
/// threshold (found by `a*th + b` against `th + a_spike`, and checked by
/// the test's assertions), with a model of the same level that resets well.
const BAD_RESETS: &[(&str, &[&str])] = &[
    (
        "GLIF2",
        &[
            "520454345_human_GLIF2_neuron_config.json",
            "313861677_Rorb-IRES2-Cre-D_GLIF2_neuron_config.json",
        ],
    ),
    (
        "GLIF4",
        &[
            "520454345_human_GLIF4_neuron_config.json",
            "313861677_Rorb-IRES2-Cre-D_GLIF4_neuron_config.json",
        ],
    ),
    (
        "GLIF5",
        &[
            "520454345_human_GLIF5_neuron_config.json",
            "576113488_human_GLIF5_neuron_config.json",
            "464079491_Scnn1a-Tg2-Cre_GLIF5_neuron_config.json",
            "313861677_Rorb-IRES2-Cre-D_GLIF5_neuron_config.json",
        ],
    ),
];

/// Lanes of the bad-reset test: each model of the level four times, each
/// copy with its own onset (2,000 + 5,000*copy samples) and amplitude
/// (2 + copy/2 x the model's DC rheobase `(th_inf*coeffs.th_inf - El)*G`),
/// so that bad resets come at different steps, beside lanes that run on.
fn bad_reset_lanes(level: &str) -> (Vec<Value>, Vec<(usize, f64)>) {
    let files = BAD_RESETS
        .iter()
        .find(|(l, _)| *l == level)
        .expect("level")
        .1;
    let all = glif_reference::cases::teeter_configs().expect("teeter-all.jsonl.gz");
    let mut configs = Vec::new();
    let mut drive = Vec::new();
    for file in files {
        let config = &all
            .iter()
            .find(|(f, _)| f == file)
            .unwrap_or_else(|| panic!("{file} in teeter-all.jsonl.gz"))
            .1;
        let g = (1.0 / config["R_input"].as_f64().expect("R_input"))
            * config["coeffs"]["G"].as_f64().unwrap_or(1.0);
        let th = config["th_inf"].as_f64().expect("th_inf")
            * config["coeffs"]["th_inf"].as_f64().unwrap_or(1.0);
        let rheobase = (th - config["El"].as_f64().expect("El")) * g;
        for copy in 0..4 {
            configs.push(config.clone());
            drive.push((2_000 + 5_000 * copy, (2.0 + copy as f64 / 2.0) * rheobase));
        }
    }
    (configs, drive)
}

/// Checks the outcomes of a bad-reset run: each of the first model's lanes
/// stops on a bad reset, at distinct steps; the last model's lanes complete.
fn assert_bad_resets(level: &str, outcomes: &[Result<Outcome, RunError>]) {
    let models = outcomes.len() / 4;
    let mut steps = Vec::new();
    for (lane, o) in outcomes.iter().enumerate() {
        match o {
            Ok(Outcome::BadReset { spike_step, .. }) => steps.push(*spike_step),
            Ok(Outcome::Completed) => {}
            other => panic!("{level} lane {lane}: {other:?}"),
        }
        if lane < 4 {
            assert!(
                matches!(o, Ok(Outcome::BadReset { .. })),
                "{level} lane {lane} (the first model) must reset badly: {o:?}"
            );
        }
        if lane >= 4 * (models - 1) {
            assert_eq!(o, &Ok(Outcome::Completed), "{level} lane {lane}");
        }
    }
    steps.sort_unstable();
    steps.dedup();
    assert!(
        steps.len() >= 4,
        "{level}: bad resets at distinct steps {steps:?}"
    );
    println!("{level}: bad resets at steps {steps:?}");
}

#[test]
fn bad_resets_through_the_population_glif2_glif4_glif5() {
    let input = |drive: &[(usize, f64)]| {
        let drive = drive.to_vec();
        move |neuron: usize, t: usize| {
            let (onset, amp) = drive[neuron % drive.len()];
            if t >= onset {
                amp
            } else {
                0.0
            }
        }
    };
    let (configs, drive) = bad_reset_lanes("GLIF2");
    let models: Vec<Glif2<f64, 2>> = configs
        .iter()
        .map(|c| Model::new(params::<f64>(c, 5e-6), glif2_rules::<f64>(c)).expect("model"))
        .collect();
    let (_, outcomes) = compare_on::<_, _, 4>(&models, 30_000, &input(&drive));
    assert_bad_resets("GLIF2", &outcomes);

    let (configs, drive) = bad_reset_lanes("GLIF4");
    let models: Vec<Glif4<f64, 2>> = configs
        .iter()
        .map(|c| Model::new(params::<f64>(c, 5e-6), glif4_rules::<f64>(c)).expect("model"))
        .collect();
    let (_, outcomes) = compare_on::<_, _, 8>(&models, 30_000, &input(&drive));
    assert_bad_resets("GLIF4", &outcomes);

    let (configs, drive) = bad_reset_lanes("GLIF5");
    let models: Vec<Glif5<f64, 2>> = configs
        .iter()
        .map(|c| Model::new(params::<f64>(c, 5e-6), glif5_rules::<f64>(c)).expect("model"))
        .collect();
    let (_, outcomes) = compare_on::<_, _, 8>(&models, 30_000, &input(&drive));
    assert_bad_resets("GLIF5", &outcomes);
}

#[test]
fn mismatched_arrays_are_an_error() {
    let models = glif5::<f64>(5e-6, None);
    let refs: Vec<&Glif5<f64, 2>> = models.iter().take(4).collect();
    let arr: [&Glif5<f64, 2>; 4] = refs[..].try_into().expect("4");
    let dynamics = [WideDynamics::new(&arr).expect("wide")];
    let mut blocks = [Block::new(&arr)];
    let err = Population::new(&models[..5], &dynamics, &mut blocks).unwrap_err();
    assert_eq!(err.models, 5);
    assert!(err.to_string().contains("5 models"));
}

#[test]
fn step_by_step_equals_run() {
    const L: usize = 4;
    let mut models = glif5::<f64>(5e-6, None);
    models.truncate(8);
    let refs: Vec<&Glif5<f64, 2>> = models.iter().collect();
    let dynamics: Vec<WideDynamics<f64, 2, L, _>> = refs
        .chunks_exact(L)
        .map(|c| WideDynamics::new(c.try_into().expect("L")).expect("wide"))
        .collect();
    let fresh: Vec<Block<f64, 2, L>> = refs
        .chunks_exact(L)
        .map(|c| Block::new(c.try_into().expect("L")))
        .collect();
    let steps = 20_000;

    let mut blocks = fresh.clone();
    let mut run = Traces(vec![Trace::default(); models.len()]);
    Population::new(&models, &dynamics, &mut blocks)
        .expect("lengths")
        .run(
            0,
            steps,
            |b, t| Lanes::from_fn(|l| input(b * L + l, t)),
            &mut run,
        );

    let mut blocks = fresh.clone();
    let mut stepped = Traces(vec![Trace::default(); models.len()]);
    let mut population = Population::new(&models, &dynamics, &mut blocks).expect("lengths");
    for t in 0..steps {
        let inputs: Vec<f64> = (0..models.len()).map(|i| input(i, t)).collect();
        population
            .step(t, &inputs, &mut stepped)
            .expect("one input per neuron");
    }
    assert!(run.0.iter().map(|t| t.spikes.len()).sum::<usize>() > 10);
    assert_eq!(run.0, stepped.0);

    let err = population.step(steps, &[0.0; 3], &mut stepped).unwrap_err();
    assert_eq!((err.inputs, err.neurons), (3, 8));
    assert!(err
        .to_string()
        .contains("3 inputs for a population of 8 neurons"));
}
