//! The `glif_psc` population engine against the single-neuron model: every
//! lane's whole state (every recordable, `y1`, `y2`, after-spike currents,
//! refractory count) and every spike bit-identical to `GlifPsc::step` run on
//! that neuron alone, at every step, for all five levels, in f64 and f32,
//! with per-lane parameters, excitatory and inhibitory input on two ports,
//! per-neuron injected current, spikes and input during refractoriness.

use glif_core::nest::{
    ExpProvider, GlifInit, GlifParams, GlifPsc, Level, Libm, PscBlock, PscParams, PscPopulation,
    PscState, PscWide, Resolution,
};
use glif_core::{Float, Lanes};

const L: usize = 8;
const BLOCKS: usize = 3;
const STEPS: usize = 4_000;

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
fn model<F: Float>(level: Level, rng: &mut Lcg) -> GlifPsc<F, 2, 2>
where
    Libm: ExpProvider<F>,
{
    let mut j = |x: f64| F::from_f64(x * (0.9 + 0.2 * rng.unit()));
    let params = PscParams {
        glif: GlifParams {
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
        },
        tau_syn: [j(2.0), j(5.0)],
    };
    GlifPsc::new(params, Resolution::from_ms(0.1).unwrap(), &Libm).unwrap()
}

fn bits<F: Float, const P: usize, const A: usize>(s: &PscState<F, P, A>) -> Vec<u64> {
    let g = &s.glif;
    let mut v = vec![
        g.u.to_bits_u64(),
        g.threshold.to_bits_u64(),
        g.threshold_spike.to_bits_u64(),
        g.threshold_voltage.to_bits_u64(),
        g.i.to_bits_u64(),
        g.asc_sum.to_bits_u64(),
        s.i_syn.to_bits_u64(),
        u64::from(g.refractory_steps),
    ];
    v.extend(g.asc.iter().map(|x| x.to_bits_u64()));
    v.extend(s.y1.iter().chain(&s.y2).map(|x| x.to_bits_u64()));
    v
}

fn check_level<F: Float>(level: Level)
where
    Libm: ExpProvider<F>,
{
    let mut rng = Lcg(0x5eed ^ u64::from(level.number()));
    let models: Vec<GlifPsc<F, 2, 2>> = (0..BLOCKS * L).map(|_| model(level, &mut rng)).collect();
    let init: Vec<PscState<F, 2, 2>> = models
        .iter()
        .map(|m| m.state(&GlifInit::at(F::ZERO), F::ZERO))
        .collect();
    let refs: Vec<&GlifPsc<F, 2, 2>> = models.iter().collect();
    let wide: Vec<PscWide<F, 2, 2, L>> = refs
        .chunks_exact(L)
        .map(|c| PscWide::new(c.try_into().unwrap()).unwrap())
        .collect();
    let mut blocks: Vec<PscBlock<F, 2, 2, L>> = init
        .chunks_exact(L)
        .map(|c| PscBlock::new(c.try_into().unwrap()))
        .collect();
    // Per neuron and step: weights on both ports and an injected current.
    let input: Vec<Vec<([f64; 2], f64)>> = (0..BLOCKS * L)
        .map(|_| {
            (0..STEPS)
                .map(|_| {
                    let e = if rng.unit() < 0.15 {
                        90.0 * rng.unit()
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
        .collect();
    let mut alone = init.clone();
    let mut spikes_alone = Vec::new();
    let mut spikes_pop = Vec::new();
    let mut refractory_input = 0;
    let mut pop = PscPopulation::new(&models, &wide, &mut blocks).unwrap();
    for k in 0..STEPS {
        for (n, (m, s)) in models.iter().zip(alone.iter_mut()).enumerate() {
            let ([e, i], c) = input[n][k];
            if s.glif.refractory_steps != 0 && e != 0.0 {
                refractory_input += 1;
            }
            if m.step(s, &[F::from_f64(e), F::from_f64(i)], F::from_f64(c)) {
                spikes_alone.push((n, k));
            }
        }
        pop.run(
            k,
            1,
            |b, k, w| {
                for lane in 0..L {
                    let ([e, i], _) = input[b * L + lane][k];
                    w[0].0[lane] = F::from_f64(e);
                    w[1].0[lane] = F::from_f64(i);
                }
                Lanes::from_fn(|lane| F::from_f64(input[b * L + lane][k].1))
            },
            |n, k| spikes_pop.push((n, k)),
        );
        for (n, s) in alone.iter().enumerate() {
            let lane = pop.blocks()[n / L].lane(n % L);
            assert_eq!(
                bits(&lane),
                bits(s),
                "level {level:?}, neuron {n}, step {k}"
            );
        }
    }
    spikes_pop.sort_unstable_by_key(|&(n, k)| (k, n));
    assert_eq!(spikes_pop, spikes_alone, "level {level:?}");
    // The test covers what it claims: spikes in every block, input while refractory.
    for b in 0..BLOCKS {
        assert!(
            spikes_alone.iter().any(|&(n, _)| n / L == b),
            "level {level:?}: block {b} never spiked"
        );
    }
    assert!(
        refractory_input > 100,
        "level {level:?}: {refractory_input}"
    );
}

/// NEST's five GLIF levels.
const LEVELS: [Level; 5] = [
    Level::Lif,
    Level::LifR,
    Level::LifAsc,
    Level::LifRAsc,
    Level::LifRAscA,
];

#[test]
fn population_equals_single_neurons_bit_for_bit_f64() {
    for level in LEVELS {
        check_level::<f64>(level);
    }
}

#[test]
fn population_equals_single_neurons_bit_for_bit_f32() {
    for level in LEVELS {
        check_level::<f32>(level);
    }
}

#[test]
fn a_block_needs_one_level() {
    let mut rng = Lcg(1);
    let mut models: Vec<GlifPsc<f64, 2, 2>> = (0..L).map(|_| model(Level::Lif, &mut rng)).collect();
    models[5] = model(Level::LifR, &mut rng);
    let refs: Vec<&GlifPsc<f64, 2, 2>> = models.iter().collect();
    let err = PscWide::<f64, 2, 2, L>::new(refs[..].try_into().unwrap()).unwrap_err();
    assert_eq!(err.lane, 5);
}
