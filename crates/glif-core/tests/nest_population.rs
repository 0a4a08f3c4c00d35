//! The NEST population engines against the single-neuron models: every
//! lane's whole state (every recordable, the synaptic state, after-spike
//! currents, refractory count) and every spike bit-identical to
//! `GlifPsc::step` / `GlifPscDoubleAlpha::step` run on that neuron alone, at
//! every step, for all five levels, in f64 and f32, at 4 and 8 lanes, with
//! per-lane parameters (so per-lane refractory periods), excitatory and
//! inhibitory input on two ports, per-neuron injected current, spikes and
//! input during refractoriness, and blocks whose lanes are partly
//! refractory. Both ways of driving a block are checked: `run` (the block's
//! state kept in locals over many steps) and `step` (one step).

use glif_core::nest::{
    DoubleAlphaBlock, DoubleAlphaParams, DoubleAlphaPopulation, DoubleAlphaState, DoubleAlphaWide,
    ExpProvider, GlifInit, GlifParams, GlifPsc, GlifPscDoubleAlpha, GlifState, Level, Libm,
    NestBlock, PscBlock, PscParams, PscPopulation, PscState, PscWide, Resolution,
};
use glif_core::{Float, Lanes};

const BLOCKS: usize = 3;
const STEPS: usize = 4_000;
/// `run` covers steps in chunks of this many (the state goes back to the
/// block between chunks, as a caller driving a network would do it).
const CHUNK: usize = 37;

const LEVELS: [Level; 5] = [
    Level::Lif,
    Level::LifR,
    Level::LifAsc,
    Level::LifRAsc,
    Level::LifRAscA,
];

/// A deterministic pseudo-random sequence (64-bit LCG, top 53 bits).
struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// NEST's defaults at `level`, each value scaled by up to +-10% per neuron.
fn glif_params<F: Float>(level: Level, rng: &mut Lcg) -> GlifParams<F, 2> {
    let mut j = |x: f64| F::from_f64(x * (0.9 + 0.2 * rng.unit()));
    GlifParams {
        level,
        g: j(9.43),
        e_l: j(-78.85),
        c_m: j(58.72),
        t_ref: j(3.75),
        th_inf: j(27.17),
        v_reset: j(0.0),
        th_spike_add: j(0.37),
        th_spike_decay: j(0.009),
        voltage_reset_fraction: j(0.20),
        voltage_reset_add: j(18.51),
        th_voltage_index: j(0.005),
        th_voltage_decay: j(0.09),
        asc_decay: [j(0.003), j(0.1)],
        asc_amps: [j(-9.18), j(-198.94)],
        asc_r: [j(0.9), j(0.9)],
    }
}

fn jitter<F: Float>(x: f64, rng: &mut Lcg) -> F {
    F::from_f64(x * (0.9 + 0.2 * rng.unit()))
}

fn psc_model<F: Float>(level: Level, rng: &mut Lcg) -> GlifPsc<F, 2, 2>
where
    Libm: ExpProvider<F>,
{
    let glif = glif_params(level, rng);
    let params = PscParams {
        glif,
        tau_syn: [jitter(2.0, rng), jitter(5.0, rng)],
    };
    GlifPsc::new(params, Resolution::from_ms(0.1).unwrap(), &Libm).unwrap()
}

fn double_alpha_model<F: Float>(level: Level, rng: &mut Lcg) -> GlifPscDoubleAlpha<F, 2, 2>
where
    Libm: ExpProvider<F>,
{
    let glif = glif_params(level, rng);
    let params = DoubleAlphaParams {
        glif,
        tau_syn_fast: [jitter(1.0, rng), jitter(2.0, rng)],
        tau_syn_slow: [jitter(8.0, rng), jitter(15.0, rng)],
        amp_slow: [jitter(0.3, rng), jitter(0.6, rng)],
    };
    GlifPscDoubleAlpha::new(params, Resolution::from_ms(0.1).unwrap(), &Libm).unwrap()
}

/// Per neuron and step: weights on both ports (excitatory, inhibitory) and
/// an injected current.
type Input = Vec<Vec<([f64; 2], f64)>>;

fn input(rng: &mut Lcg, neurons: usize, excitatory_pa: f64) -> Input {
    (0..neurons)
        .map(|_| {
            (0..STEPS)
                .map(|_| {
                    let e = if rng.unit() < 0.15 {
                        excitatory_pa * rng.unit()
                    } else {
                        0.0
                    };
                    let i = if rng.unit() < 0.05 {
                        -60.0 * rng.unit()
                    } else {
                        0.0
                    };
                    ([e, i], 150.0 * rng.unit())
                })
                .collect()
        })
        .collect()
}

fn glif_bits<F: Float>(g: &GlifState<F, 2>, i_syn: F) -> Vec<u64> {
    let mut v = vec![
        g.u.to_bits_u64(),
        g.threshold.to_bits_u64(),
        g.threshold_spike.to_bits_u64(),
        g.threshold_voltage.to_bits_u64(),
        g.i.to_bits_u64(),
        g.asc_sum.to_bits_u64(),
        i_syn.to_bits_u64(),
        u64::from(g.refractory_steps),
    ];
    v.extend(g.asc.iter().map(|x| x.to_bits_u64()));
    v
}

fn psc_bits<F: Float>(s: &PscState<F, 2, 2>) -> Vec<u64> {
    let mut v = glif_bits(&s.glif, s.i_syn);
    v.extend(s.y1.iter().chain(&s.y2).map(|x| x.to_bits_u64()));
    v
}

fn double_alpha_bits<F: Float>(s: &DoubleAlphaState<F, 2, 2>) -> Vec<u64> {
    let mut v = glif_bits(&s.glif, s.i_syn);
    v.extend(
        s.y1_fast
            .iter()
            .chain(&s.y2_fast)
            .chain(&s.y1_slow)
            .chain(&s.y2_slow)
            .map(|x| x.to_bits_u64()),
    );
    v
}

/// What a run covered, to show that the test exercises what it claims.
#[derive(Default)]
struct Coverage {
    spikes: Vec<(usize, usize)>,
    /// Input spikes that arrived at a refractory neuron.
    refractory_input: usize,
    /// Block-steps with some lanes refractory and some not.
    mixed_steps: usize,
    /// Spikes in a step in which another lane of the block was refractory.
    spikes_next_to_refractory: usize,
}

/// Steps the single neurons through `input` with `step(n, k, weights,
/// current) -> spiked` and `refractory(n)`; records the coverage.
fn coverage_step(
    cov: &mut Coverage,
    lanes: usize,
    k: usize,
    input: &Input,
    refractory: &dyn Fn(usize) -> bool,
    step: &mut dyn FnMut(usize, [f64; 2], f64) -> bool,
) {
    for b in 0..BLOCKS {
        let held = (0..lanes).filter(|&l| refractory(b * lanes + l)).count();
        if held > 0 && held < lanes {
            cov.mixed_steps += 1;
        }
        for l in 0..lanes {
            let n = b * lanes + l;
            let ([e, i], c) = input[n][k];
            if refractory(n) && e != 0.0 {
                cov.refractory_input += 1;
            }
            if step(n, [e, i], c) {
                cov.spikes.push((n, k));
                if held > 0 {
                    cov.spikes_next_to_refractory += 1;
                }
            }
        }
    }
}

fn check_coverage(cov: &Coverage, lanes: usize, what: &str) {
    for b in 0..BLOCKS {
        assert!(
            cov.spikes.iter().any(|&(n, _)| n / lanes == b),
            "{what}: block {b} never spiked"
        );
    }
    assert!(
        cov.refractory_input > 100,
        "{what}: {}",
        cov.refractory_input
    );
    assert!(cov.mixed_steps > 1_000, "{what}: {}", cov.mixed_steps);
    assert!(
        cov.spikes_next_to_refractory > 10,
        "{what}: {}",
        cov.spikes_next_to_refractory
    );
}

fn weights_of<F: Float, const L: usize>(input: &Input, b: usize, k: usize) -> [Lanes<F, L>; 2] {
    core::array::from_fn(|p| Lanes::from_fn(|l| F::from_f64(input[b * L + l][k].0[p])))
}

fn current_of<F: Float, const L: usize>(input: &Input, b: usize, k: usize) -> Lanes<F, L> {
    Lanes::from_fn(|l| F::from_f64(input[b * L + l][k].1))
}

/// Defines `$check::<F, L>(level)`, the test of one engine: `$pop` (by
/// `run`) and `$block` (by `step`) against `$model::step` neuron by neuron.
/// One body for both engines, whose types differ but whose driving is the
/// same.
macro_rules! engine_check {
    ($check:ident, $name:literal, $seed:literal, $model:ident, $make:ident, $state:ident, $wide:ident, $block:ident, $pop:ident, $bits:ident) => {
        fn $check<F: Float, const L: usize>(level: Level)
        where
            Libm: ExpProvider<F>,
        {
            let what = format!("{} {level:?}, {} bytes, {L} lanes", $name, F::BYTES);
            let mut rng = Lcg($seed ^ u64::from(level.number()) ^ (L as u64) << 8);
            let models: Vec<$model<F, 2, 2>> =
                (0..BLOCKS * L).map(|_| $make(level, &mut rng)).collect();
            let init: Vec<$state<F, 2, 2>> = models
                .iter()
                .map(|m| m.state(&GlifInit::at(F::ZERO), F::ZERO))
                .collect();
            let refs: Vec<&$model<F, 2, 2>> = models.iter().collect();
            let wide: Vec<$wide<F, 2, 2, L>> = refs
                .chunks_exact(L)
                .map(|c| $wide::new(c.try_into().unwrap()).unwrap())
                .collect();
            let mut blocks: Vec<$block<F, 2, 2, L>> = init
                .chunks_exact(L)
                .map(|c| $block::new(c.try_into().unwrap()))
                .collect();
            let mut stepped = blocks.clone();
            let input = input(&mut rng, BLOCKS * L, 90.0);
            let mut alone = init.clone();
            let mut cov = Coverage::default();
            let mut spikes_run = Vec::new();
            let mut spikes_step = Vec::new();
            for first in (0..STEPS).step_by(CHUNK) {
                let n = CHUNK.min(STEPS - first);
                let mut pop = $pop::new(&models, &wide, &mut blocks).unwrap();
                pop.run(
                    first,
                    n,
                    |b, k, w| {
                        *w = weights_of(&input, b, k);
                        current_of(&input, b, k)
                    },
                    |n, k| spikes_run.push((n, k)),
                );
                for k in first..first + n {
                    let snapshot = alone.clone();
                    coverage_step(
                        &mut cov,
                        L,
                        k,
                        &input,
                        &|n| snapshot[n].glif.refractory_steps != 0,
                        &mut |n, [e, i], c| {
                            models[n].step(
                                &mut alone[n],
                                &[F::from_f64(e), F::from_f64(i)],
                                F::from_f64(c),
                            )
                        },
                    );
                    for (b, block) in stepped.iter_mut().enumerate() {
                        let w = weights_of(&input, b, k);
                        let mut mask = block.step(
                            &wide[b],
                            &models[b * L..b * L + L],
                            &w,
                            current_of(&input, b, k),
                        );
                        while mask != 0 {
                            spikes_step.push((b * L + mask.trailing_zeros() as usize, k));
                            mask &= mask - 1;
                        }
                    }
                    for (n, s) in alone.iter().enumerate() {
                        let lane = stepped[n / L].lane(n % L);
                        assert_eq!(
                            $bits(&lane),
                            $bits(s),
                            "{what}: step(), neuron {n}, step {k}"
                        );
                    }
                }
                for (n, s) in alone.iter().enumerate() {
                    let lane = blocks[n / L].lane(n % L);
                    assert_eq!(
                        $bits(&lane),
                        $bits(s),
                        "{what}: run(), neuron {n}, after step {}",
                        first + n - 1
                    );
                }
            }
            let by_step = |v: &mut Vec<(usize, usize)>| v.sort_unstable_by_key(|&(n, k)| (k, n));
            by_step(&mut spikes_run);
            by_step(&mut spikes_step);
            assert_eq!(spikes_run, cov.spikes, "{what}: run()");
            assert_eq!(spikes_step, cov.spikes, "{what}: step()");
            check_coverage(&cov, L, &what);
        }
    };
}

engine_check!(
    check_psc,
    "glif_psc",
    0x5eed,
    GlifPsc,
    psc_model,
    PscState,
    PscWide,
    PscBlock,
    PscPopulation,
    psc_bits
);
engine_check!(
    check_double_alpha,
    "glif_psc_double_alpha",
    0xa1fa,
    GlifPscDoubleAlpha,
    double_alpha_model,
    DoubleAlphaState,
    DoubleAlphaWide,
    DoubleAlphaBlock,
    DoubleAlphaPopulation,
    double_alpha_bits
);

#[test]
fn psc_population_equals_single_neurons_bit_for_bit_f64() {
    for level in LEVELS {
        check_psc::<f64, 4>(level);
        check_psc::<f64, 8>(level);
    }
}

#[test]
fn psc_population_equals_single_neurons_bit_for_bit_f32() {
    for level in LEVELS {
        check_psc::<f32, 4>(level);
        check_psc::<f32, 8>(level);
    }
}

#[test]
fn double_alpha_population_equals_single_neurons_bit_for_bit_f64() {
    for level in LEVELS {
        check_double_alpha::<f64, 4>(level);
        check_double_alpha::<f64, 8>(level);
    }
}

#[test]
fn double_alpha_population_equals_single_neurons_bit_for_bit_f32() {
    for level in LEVELS {
        check_double_alpha::<f32, 4>(level);
        check_double_alpha::<f32, 8>(level);
    }
}

#[test]
fn a_block_needs_one_level() {
    let mut rng = Lcg(1);
    let mut models: Vec<GlifPsc<f64, 2, 2>> =
        (0..8).map(|_| psc_model(Level::Lif, &mut rng)).collect();
    models[5] = psc_model(Level::LifR, &mut rng);
    let refs: Vec<&GlifPsc<f64, 2, 2>> = models.iter().collect();
    let err = PscWide::<f64, 2, 2, 8>::new(refs[..].try_into().unwrap()).unwrap_err();
    assert_eq!(err.lane, 5);

    let mut da: Vec<GlifPscDoubleAlpha<f64, 2, 2>> = (0..4)
        .map(|_| double_alpha_model(Level::LifRAscA, &mut rng))
        .collect();
    da[2] = double_alpha_model(Level::LifAsc, &mut rng);
    let refs: Vec<&GlifPscDoubleAlpha<f64, 2, 2>> = da.iter().collect();
    let err = DoubleAlphaWide::<f64, 2, 2, 4>::new(refs[..].try_into().unwrap()).unwrap_err();
    assert_eq!(err.lane, 2);
}
