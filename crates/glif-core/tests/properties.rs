//! Property tests over random but realistic neurons and stimuli.
//!
//! 1. The engine equals, bit for bit, a plain transcription of AllenSDK's
//!    algorithm (`plain/mod.rs`: history lists, per-step `exp`, AllenSDK's
//!    loop), for every rule combination and 0 to 4 after-spike currents.
//! 2. Outputs are NaN exactly on spike-cut samples and after a bad-reset
//!    stop, and finite everywhere else.
//! 3. The single-step API (`Neuron::step`) and the run API agree.
//! 4. f32 and f64 runs agree on spike steps within the measured bound
//!    (see [`F32_BOUND`] and `docs/F32.md`).
//!
//! Case count: 256 per property by default (about 3 s in a debug build,
//! under 1 s in release, on 2 cores); set `PROPTEST_CASES` for more.
//!
//! # Parameter ranges, measured on the 2,441 Teeter et al. configs
//! Measured with a one-off Python script over `reference/teeter-all.jsonl.gz`
//! (min / 1st percentile / median / 99th percentile / max of each field,
//! over every config that has it):
//!
//! | field | min | p1 | median | p99 | max |
//! |---|---|---|---|---|---|
//! | `R_input` (Ω) | 2.77e7 | 5.15e7 | 1.90e8 | 6.34e8 | 1.79e9 |
//! | `C` (F) | 3.52e-11 | 3.85e-11 | 9.49e-11 | 5.48e-10 | 7.30e-10 |
//! | `tau_m = R_input*C` (s) | 4.10e-3 | 5.72e-3 | 1.84e-2 | 6.98e-2 | 0.374 |
//! | `th_inf` (V) | 9.91e-3 | 1.42e-2 | 2.66e-2 | 3.91e-2 | 4.94e-2 |
//! | `coeffs.th_inf` | 0.232 | 0.703 | 1.106 | 2.085 | 3.458 |
//! | `spike_cut_length` (samples at 5e-5 s) | 21 | 24 | 77 | 199 | 199 |
//! | `asc_tau_array` (s) | 3.33e-3 | | 3.33e-2 | | 0.333 |
//! | `asc_amp_array` (A) | -3.28e-8 | -1.12e-9 | -3.74e-11 | 8.67e-10 | 6.89e-9 |
//! | `a_spike` (V) | 3.6e-8 | 1.04e-4 | 2.63e-3 | 1.32e-2 | 1.64e-2 |
//! | `b_spike` (1/s) | 10.95 | 11.63 | 118.3 | 2224 | 3041 |
//! | `a_voltage` (1/s, GLIF5) | -1.79 | -0.089 | 20.1 | 118.5 | 230.6 |
//! | `b_voltage` (1/s, GLIF5) | 1.38 | 3.57 | 66.4 | 1036 | 1396 |
//! | `b_voltage - G/C` (1/s, GLIF5) | -130 | -114 | 13.1 | 1013 | 1353 |
//! | `v_before` `a` | -0.342 | -0.098 | 0.436 | 1.670 | 2.703 |
//! | `v_before` `b` (V) | -0.0396 | -0.0258 | 0.0060 | 0.0261 | 0.0270 |
//!
//! Constant in every Teeter config: `El = 0`, `init_voltage = 0`,
//! `init_AScurrents = 0`, `init_threshold = th_inf`, `coeffs.C = G = a = b = 1`,
//! `coeffs.asc_amp_array = 1`, `r = 1`, two currents, `dt = 5e-5`. The
//! generator mostly keeps those and sometimes leaves them (other `dt`,
//! nonzero `El` and initial values, 0 to 4 currents, coefficients in
//! 0.5..2, `r` in 0..1, `spike_cut_length` 0 and short cuts) to reach code
//! paths the published configs never take.

mod plain;

use glif_core::rules::*;
use glif_core::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------- generators

fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.ln()..hi.ln()).prop_map(f64::exp)
}

fn maybe<T: Clone + std::fmt::Debug + 'static>(
    usual: T,
    other: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = T> {
    prop_oneof![3 => Just(usual), 1 => other]
}

/// The rule names: each family drawn independently, the five published
/// levels drawn more often.
fn rules() -> impl Strategy<Value = (u8, u8, u8, u8, u8, u8)> {
    // (voltage, threshold, asc, voltage reset, threshold reset, asc reset)
    let published = prop_oneof![
        Just((0, 0, 1, 0, 0, 1)), // GLIF1
        Just((0, 1, 1, 1, 1, 1)), // GLIF2
        Just((0, 0, 0, 0, 0, 0)), // GLIF3
        Just((0, 1, 0, 1, 1, 0)), // GLIF4
        Just((0, 2, 0, 1, 1, 0)), // GLIF5
    ];
    let any = (0..2u8, 0..3u8, 0..2u8, 0..2u8, 0..2u8, 0..2u8);
    prop_oneof![2 => published, 1 => any]
}

fn neuron(n_asc: usize) -> impl Strategy<Value = plain::Neuron> {
    let dt = prop_oneof![3 => Just(5e-5), 3 => Just(5e-6), 1 => log_uniform(5e-6, 1e-4)];
    let membrane = (log_uniform(4e-3, 0.37), log_uniform(2.77e7, 1.79e9));
    let threshold = (log_uniform(9.9e-3, 4.94e-2), log_uniform(0.232, 3.46));
    let cut = prop_oneof![4 => 21usize..200, 1 => Just(0usize), 1 => 1usize..5];
    let el = maybe(0.0, -5e-3..5e-3);
    let currents = proptest::collection::vec(
        (
            log_uniform(3.33e-3, 0.334),
            prop_oneof![
                (log_uniform(1e-12, 3.3e-8)).prop_map(|x| -x),
                log_uniform(1e-12, 6.9e-9)
            ],
            maybe(1.0, 0.5..2.0),
            maybe(1.0, 0.0..1.0),
            maybe(0.0, -1e-10..1e-10),
        ),
        n_asc,
    );
    let coeffs = (
        maybe(1.0, 0.5..2.0),
        maybe(1.0, 0.5..2.0),
        maybe(1.0, 0.5..2.0),
        maybe(1.0, 0.5..2.0),
    );
    let spike = (log_uniform(1e-5, 1.65e-2), log_uniform(10.9, 3042.0));
    let voltage = (-1.8..231.0, log_uniform(1.37, 1396.0));
    let v_before = prop_oneof![
        3 => (-0.35..1.7, -0.04..0.027),
        // a > 1 or a large b: resets that can land above threshold.
        1 => (1.0..2.71, 0.0..0.04),
    ];
    let init = (
        maybe(None, (-0.01..0.06).prop_map(Some)),
        maybe(None, (0.0..0.06).prop_map(Some)),
    );
    (
        (dt, membrane, threshold, cut, el, currents),
        (coeffs, spike, voltage, v_before, init, rules()),
    )
        .prop_filter_map(
            "three_components_exact needs b_voltage away from G/C",
            |(
                (dt, (tau_m, r_input), (th_inf, coeff_th), cut, el, currents),
                (
                    (coeff_c, coeff_g, coeff_a, coeff_b),
                    (a_spike, b_spike),
                    (a_voltage, b_voltage),
                    (vr_a, vr_b),
                    (init_v, init_th),
                    (vd, td, ad, vr, tr, ar),
                ),
            )| {
                let c = tau_m / r_input;
                let g_over_c = (1.0 / r_input) * coeff_g / (c * coeff_c);
                if td == 2 && (b_voltage * coeff_b - g_over_c).abs() < 0.5 {
                    return None;
                }
                let th_eff = th_inf * coeff_th;
                Some(plain::Neuron {
                    el,
                    dt,
                    asc_tau_array: currents.iter().map(|c| c.0).collect(),
                    r_input,
                    c,
                    asc_amp_array: currents.iter().map(|c| c.1).collect(),
                    spike_cut_length: cut,
                    th_inf,
                    coeffs: plain::Coeffs {
                        th_inf: coeff_th,
                        c: coeff_c,
                        g: coeff_g,
                        a: coeff_a,
                        b: coeff_b,
                        asc_amp_array: currents.iter().map(|c| c.2).collect(),
                    },
                    voltage_dynamics: if vd == 0 {
                        plain::VoltageDynamics::LinearForwardEuler
                    } else {
                        plain::VoltageDynamics::LinearExact
                    },
                    threshold_dynamics: match td {
                        0 => plain::ThresholdDynamics::Inf,
                        1 => plain::ThresholdDynamics::SpikeComponent {
                            a_spike,
                            b_spike,
                            a_voltage,
                            b_voltage,
                        },
                        _ => plain::ThresholdDynamics::ThreeComponentsExact {
                            a_spike,
                            b_spike,
                            a_voltage,
                            b_voltage,
                        },
                    },
                    asc_dynamics: if ad == 0 {
                        plain::AscDynamics::Exp
                    } else {
                        plain::AscDynamics::None
                    },
                    voltage_reset: if vr == 0 {
                        plain::VoltageReset::Zero
                    } else {
                        plain::VoltageReset::VBefore { a: vr_a, b: vr_b }
                    },
                    threshold_reset: if tr == 0 {
                        plain::ThresholdReset::Inf
                    } else {
                        plain::ThresholdReset::ThreeComponents { a_spike, b_spike }
                    },
                    asc_reset: if ar == 0 {
                        plain::AscReset::Sum {
                            r: currents.iter().map(|c| c.3).collect(),
                        }
                    } else {
                        plain::AscReset::None
                    },
                    init_voltage: init_v.unwrap_or(0.0),
                    init_threshold: init_th.unwrap_or(th_eff),
                    init_ascurrents: currents.iter().map(|c| c.4).collect(),
                })
            },
        )
}

/// A stimulus description: length and shape, in units of the neuron's
/// rheobase `th_inf*coeffs.th_inf*G` so that it spikes at realistic rates.
#[derive(Clone, Debug)]
enum Shape {
    Zero,
    /// (start, stop, amplitude) segments.
    Steps(Vec<(f64, f64, f64)>),
    /// Levels held for `hold` samples, from a seed.
    Noise {
        hold: usize,
        mean: f64,
        sd: f64,
        seed: u64,
    },
    Ramp {
        to: f64,
    },
}

fn stimulus_spec() -> impl Strategy<Value = (usize, Shape)> {
    let len = prop_oneof![
        1 => 0usize..4,
        6 => 4usize..3000,
        1 => 3000usize..30000,
    ];
    let amp = prop_oneof![1 => -0.5..1.0, 3 => 1.0..4.0];
    let shape = prop_oneof![
        1 => Just(Shape::Zero),
        4 => proptest::collection::vec((0.0..1.0, 0.0..1.0, amp.clone()), 1..4)
            .prop_map(Shape::Steps),
        3 => (1usize..200, 0.5..2.5, 0.0..1.5, any::<u64>())
            .prop_map(|(hold, mean, sd, seed)| Shape::Noise { hold, mean, sd, seed }),
        1 => amp.prop_map(|to| Shape::Ramp { to }),
    ];
    (len, shape)
}

fn stimulus(n: &plain::Neuron, len: usize, shape: &Shape) -> Vec<f64> {
    let rheobase = n.th_inf * n.coeffs.th_inf * (1.0 / n.r_input) * n.coeffs.g;
    let mut x = vec![0.0; len];
    match shape {
        Shape::Zero => {}
        Shape::Steps(segments) => {
            for &(a, b, amp) in segments {
                let (a, b) = ((a * len as f64) as usize, (b * len as f64) as usize);
                for s in &mut x[a.min(b)..a.max(b)] {
                    *s += amp * rheobase;
                }
            }
        }
        Shape::Noise {
            hold,
            mean,
            sd,
            seed,
        } => {
            // xorshift64*, then a sum of uniforms: close enough to Gaussian.
            let mut state = seed | 1;
            let mut uniform = || {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
            };
            let mut level = 0.0;
            for (i, s) in x.iter_mut().enumerate() {
                if i % hold == 0 {
                    let z = (0..4).map(|_| uniform()).sum::<f64>() - 2.0;
                    level = (mean + sd * z * 1.7) * rheobase;
                }
                *s = level;
            }
        }
        Shape::Ramp { to } => {
            for (i, s) in x.iter_mut().enumerate() {
                *s = (i as f64 / len as f64) * to * rheobase;
            }
        }
    }
    x
}

// ------------------------------------------------- the engine, at run time

/// Everything a run produced, in f64.
#[derive(Clone, Debug, Default)]
struct Out {
    voltage: Vec<f64>,
    threshold: Vec<f64>,
    asc: Vec<Vec<f64>>,
    nan: Vec<bool>,
    spikes: Vec<Spike<f64>>,
    result: Option<Result<Outcome, RunError>>,
}

impl<F: Float, const N: usize> Recorder<F, N> for Out {
    fn sample(&mut self, index: usize, v: F, th: F, asc: &[F; N]) {
        assert_eq!(index, self.voltage.len(), "samples in order");
        self.voltage.push(v.to_f64());
        self.threshold.push(th.to_f64());
        self.asc.push(asc.iter().map(|a| a.to_f64()).collect());
        self.nan.push(false);
    }
    fn nan_sample(&mut self, index: usize) {
        assert_eq!(index, self.voltage.len(), "samples in order");
        self.voltage.push(f64::NAN);
        self.threshold.push(f64::NAN);
        self.asc.push(vec![f64::NAN; N]);
        self.nan.push(true);
    }
    fn spike(&mut self, s: &Spike<F>) {
        self.spikes.push(Spike {
            step: s.step,
            grid_time: s.grid_time.to_f64(),
            time: s.time.to_f64(),
            voltage: s.voltage.to_f64(),
            threshold: s.threshold.to_f64(),
        });
    }
}

/// How to drive the model: the run API, or one `Neuron::step` per sample.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Api {
    Run,
    Step,
}

fn arr<F: Float, const N: usize>(xs: &[f64]) -> [F; N] {
    core::array::from_fn(|i| F::from_f64(xs[i]))
}

fn finish<F: Float, const N: usize, R: RuleSet<F, N>>(
    params: Params<F, N>,
    rules: R,
    stim: &[f64],
    api: Api,
) -> Out {
    let model = Model::new(params, rules).expect("generated parameters are valid");
    let stim: Vec<F> = stim.iter().map(|&x| F::from_f64(x)).collect();
    let mut out = Out::default();
    match api {
        Api::Run => out.result = Some(model.run(&stim, &mut out)),
        Api::Step => {
            let mut neuron = model.neuron();
            let mut result = Ok(Outcome::Completed);
            for &x in &stim {
                match neuron.step(x) {
                    Ok(step) => {
                        if step.nan {
                            Recorder::<F, N>::nan_sample(&mut out, step.index);
                        } else {
                            let s = neuron.state();
                            out.sample(step.index, s.v, s.th, &s.asc);
                        }
                        if let Some(spike) = step.spike {
                            Recorder::<F, N>::spike(&mut out, &spike);
                        }
                    }
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            out.result = Some(result.map(|_| neuron.outcome()));
        }
    }
    out
}

/// Builds the engine's model for `n` (the plain neuron's parameters and rule
/// names) in precision `F` with `N` currents, and runs it. One generic
/// function per rule family picks that family's type.
fn engine<F: Float, const N: usize>(n: &plain::Neuron, stim: &[f64], api: Api) -> Out {
    let cv = F::from_f64;
    let params = Params::new(ParamSpec::<F, N> {
        el: cv(n.el),
        dt: cv(n.dt),
        r_input: cv(n.r_input),
        c: cv(n.c),
        asc_tau: arr(&n.asc_tau_array),
        asc_amp: arr(&n.asc_amp_array),
        spike_cut_length: n.spike_cut_length as u32,
        th_inf: cv(n.th_inf),
        th_adapt: None,
        coeffs: Coeffs {
            th_inf: cv(n.coeffs.th_inf),
            c: cv(n.coeffs.c),
            g: cv(n.coeffs.g),
            a: cv(n.coeffs.a),
            b: cv(n.coeffs.b),
            asc_amp: arr(&n.coeffs.asc_amp_array),
        },
        init_voltage: cv(n.init_voltage),
        init_threshold: cv(n.init_threshold),
        init_asc: arr(&n.init_ascurrents),
    })
    .expect("generated parameters are valid");
    let go = Go {
        n,
        stim,
        api,
        params,
    };
    match n.voltage_dynamics {
        plain::VoltageDynamics::LinearForwardEuler => go.td(LinearForwardEuler),
        plain::VoltageDynamics::LinearExact => go.td(LinearExact),
    }
}

struct Go<'a, F: Float, const N: usize> {
    n: &'a plain::Neuron,
    stim: &'a [f64],
    api: Api,
    params: Params<F, N>,
}

impl<F: Float, const N: usize> Go<'_, F, N> {
    fn td<VD: VoltageDynamics<F, N> + Copy + std::fmt::Debug>(self, vd: VD) -> Out {
        let cv = F::from_f64;
        match self.n.threshold_dynamics {
            plain::ThresholdDynamics::Inf => self.ad(vd, ThresholdInf),
            plain::ThresholdDynamics::SpikeComponent {
                a_spike,
                b_spike,
                a_voltage,
                b_voltage,
            } => self.ad(
                vd,
                SpikeComponent {
                    a_spike: cv(a_spike),
                    b_spike: cv(b_spike),
                    a_voltage: cv(a_voltage),
                    b_voltage: cv(b_voltage),
                },
            ),
            plain::ThresholdDynamics::ThreeComponentsExact {
                a_spike,
                b_spike,
                a_voltage,
                b_voltage,
            } => self.ad(
                vd,
                ThreeComponentsExact {
                    a_spike: cv(a_spike),
                    b_spike: cv(b_spike),
                    a_voltage: cv(a_voltage),
                    b_voltage: cv(b_voltage),
                },
            ),
        }
    }

    fn ad<VD, TD>(self, vd: VD, td: TD) -> Out
    where
        VD: VoltageDynamics<F, N> + Copy + std::fmt::Debug,
        TD: ThresholdDynamics<F, N> + Copy + std::fmt::Debug,
    {
        match self.n.asc_dynamics {
            plain::AscDynamics::Exp => self.vr(vd, td, AscExp),
            plain::AscDynamics::None => self.vr(vd, td, AscNone),
        }
    }

    fn vr<VD, TD, AD>(self, vd: VD, td: TD, ad: AD) -> Out
    where
        VD: VoltageDynamics<F, N> + Copy + std::fmt::Debug,
        TD: ThresholdDynamics<F, N> + Copy + std::fmt::Debug,
        AD: AscDynamics<F, N> + Copy + std::fmt::Debug,
    {
        match self.n.voltage_reset {
            plain::VoltageReset::Zero => self.tr(vd, td, ad, VoltageZero),
            plain::VoltageReset::VBefore { a, b } => self.tr(
                vd,
                td,
                ad,
                VBefore {
                    a: F::from_f64(a),
                    b: F::from_f64(b),
                },
            ),
        }
    }

    fn tr<VD, TD, AD, VR>(self, vd: VD, td: TD, ad: AD, vr: VR) -> Out
    where
        VD: VoltageDynamics<F, N> + Copy + std::fmt::Debug,
        TD: ThresholdDynamics<F, N> + Copy + std::fmt::Debug,
        AD: AscDynamics<F, N> + Copy + std::fmt::Debug,
        VR: VoltageReset<F, N> + Copy + std::fmt::Debug,
    {
        match self.n.threshold_reset {
            plain::ThresholdReset::Inf => self.ar(vd, td, ad, vr, ThresholdResetInf),
            plain::ThresholdReset::ThreeComponents { a_spike, b_spike } => self.ar(
                vd,
                td,
                ad,
                vr,
                ThreeComponents {
                    a_spike: F::from_f64(a_spike),
                    b_spike: F::from_f64(b_spike),
                },
            ),
        }
    }

    fn ar<VD, TD, AD, VR, TR>(self, vd: VD, td: TD, ad: AD, vr: VR, tr: TR) -> Out
    where
        VD: VoltageDynamics<F, N> + Copy + std::fmt::Debug,
        TD: ThresholdDynamics<F, N> + Copy + std::fmt::Debug,
        AD: AscDynamics<F, N> + Copy + std::fmt::Debug,
        VR: VoltageReset<F, N> + Copy + std::fmt::Debug,
        TR: ThresholdReset<F, N> + Copy + std::fmt::Debug,
    {
        macro_rules! rules {
            ($asc_reset:expr) => {
                Rules {
                    voltage: vd,
                    threshold: td,
                    asc: ad,
                    voltage_reset: vr,
                    threshold_reset: tr,
                    asc_reset: $asc_reset,
                }
            };
        }
        match &self.n.asc_reset {
            plain::AscReset::Sum { r } => finish(
                self.params,
                rules!(Sum { r: arr::<F, N>(r) }),
                self.stim,
                self.api,
            ),
            plain::AscReset::None => finish(self.params, rules!(AscResetNone), self.stim, self.api),
        }
    }
}

/// [`engine`] for the neuron's number of currents.
fn run<F: Float>(n: &plain::Neuron, stim: &[f64], api: Api) -> Out {
    match n.asc_tau_array.len() {
        0 => engine::<F, 0>(n, stim, api),
        1 => engine::<F, 1>(n, stim, api),
        2 => engine::<F, 2>(n, stim, api),
        3 => engine::<F, 3>(n, stim, api),
        4 => engine::<F, 4>(n, stim, api),
        other => panic!("{other} currents: not generated"),
    }
}

// ---------------------------------------------------------------- properties

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

fn case() -> impl Strategy<Value = (plain::Neuron, Vec<f64>)> {
    prop_oneof![1 => Just(0usize), 1 => Just(1usize), 6 => Just(2usize), 1 => Just(3usize), 1 => Just(4usize)]
        .prop_flat_map(|n_asc| (neuron(n_asc), stimulus_spec()))
        .prop_map(|(n, (len, shape))| {
            let stim = stimulus(&n, len, &shape);
            (n, stim)
        })
}

/// Same bits, with every NaN equal to every NaN.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn same_all(what: &str, ours: &[f64], theirs: &[f64]) -> Result<(), TestCaseError> {
    prop_assert_eq!(ours.len(), theirs.len(), "{} length", what);
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        prop_assert!(same(a, b), "{}[{}]: engine {:e}, plain {:e}", what, i, a, b);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// The engine (f64, libm exp) equals the plain transcription of
    /// AllenSDK bit for bit: every sample of every output, every spike
    /// value, the bad-reset flag and the errors.
    #[test]
    fn engine_equals_plain_allensdk_transcription((n, stim) in case()) {
        let ours = run::<f64>(&n, &stim, Api::Run);
        let theirs = n.run(&stim);
        match (theirs, ours.result.expect("ran")) {
            (Err(plain::Raised::LifAscNotZero), Err(RunError::NonzeroAfterSpikeCurrents { step })) => {
                // AllenSDK raises at the first spike; the engine stops there
                // with every earlier sample recorded.
                prop_assert_eq!(ours.voltage.len(), step);
                prop_assert!(ours.spikes.is_empty());
            }
            // AllenSDK cannot run `inf` threshold dynamics with the
            // `three_components` reset (its history lists do not exist);
            // the engine can (docs/DIFFERENCES.md). Up to that spike they agree.
            (Err(plain::Raised::ResetAtBeginning), Ok(_)) => {
                prop_assert!(matches!(n.threshold_dynamics, plain::ThresholdDynamics::Inf));
                prop_assert!(!ours.spikes.is_empty());
            }
            (Ok(theirs), Ok(outcome)) => {
                same_all("voltage", &ours.voltage, &theirs.voltage)?;
                same_all("threshold", &ours.threshold, &theirs.threshold)?;
                for j in 0..n.asc_tau_array.len() {
                    let o: Vec<f64> = ours.asc.iter().map(|r| r[j]).collect();
                    let t: Vec<f64> = theirs.ascurrents.iter().map(|r| r[j]).collect();
                    same_all("AScurrents", &o, &t)?;
                }
                let steps: Vec<usize> = ours.spikes.iter().map(|s| s.step).collect();
                prop_assert_eq!(&steps, &theirs.spike_time_steps);
                let get = |f: fn(&Spike<f64>) -> f64| ours.spikes.iter().map(f).collect::<Vec<_>>();
                same_all("grid_spike_times", &get(|s| s.grid_time), &theirs.grid_spike_times)?;
                same_all("interpolated_spike_times", &get(|s| s.time), &theirs.interpolated_spike_times)?;
                same_all("interpolated_spike_voltage", &get(|s| s.voltage), &theirs.interpolated_spike_voltage)?;
                same_all("interpolated_spike_threshold", &get(|s| s.threshold), &theirs.interpolated_spike_threshold)?;
                prop_assert_eq!(matches!(outcome, Outcome::BadReset { .. }), theirs.bad_reset_flag);
            }
            (theirs, ours) => prop_assert!(false, "plain {:?}, engine {:?}", theirs.map(|_| ()), ours),
        }
    }

    /// NaN exactly on the spike-cut samples (`t .. t+c-1` for a spike at
    /// `t`) and from the bad-reset stop on; finite everywhere else.
    #[test]
    fn nan_exactly_on_cut_samples_and_after_bad_reset((n, stim) in case()) {
        let out = run::<f64>(&n, &stim, Api::Run);
        let Some(Ok(outcome)) = out.result else {
            return Ok(()); // the error cases are covered above
        };
        let len = stim.len();
        let mut expected = vec![false; len];
        for s in &out.spikes {
            for e in expected.iter_mut().take((s.step + n.spike_cut_length).min(len)).skip(s.step) {
                *e = true;
            }
        }
        if let Outcome::BadReset { spike_step, stopped_at } = outcome {
            prop_assert_eq!(Some(spike_step), out.spikes.last().map(|s| s.step));
            prop_assert_eq!(stopped_at, spike_step + n.spike_cut_length + 1 + 5);
            for e in expected.iter_mut().skip(stopped_at) {
                *e = true;
            }
        }
        prop_assert_eq!(out.voltage.len(), len);
        for (i, &nan) in expected.iter().enumerate() {
            let values = [out.voltage[i], out.threshold[i]].into_iter().chain(out.asc[i].iter().copied());
            for x in values {
                if nan {
                    prop_assert!(x.is_nan(), "sample {} should be NaN, is {}", i, x);
                } else {
                    prop_assert!(x.is_finite(), "sample {} should be finite, is {}", i, x);
                }
            }
            prop_assert_eq!(out.nan[i], nan);
        }
        for s in &out.spikes {
            prop_assert!(s.time.is_finite() && s.voltage.is_finite() && s.threshold.is_finite());
        }
    }

    /// `Neuron::step`, one sample at a time, gives what `Model::run` gives.
    #[test]
    fn single_step_api_agrees_with_run_api((n, stim) in case()) {
        for precision in [32, 64] {
            let (a, b) = if precision == 64 {
                (run::<f64>(&n, &stim, Api::Run), run::<f64>(&n, &stim, Api::Step))
            } else {
                (run::<f32>(&n, &stim, Api::Run), run::<f32>(&n, &stim, Api::Step))
            };
            prop_assert_eq!(a.result, b.result);
            let len = a.voltage.len().min(b.voltage.len());
            same_all("voltage", &a.voltage[..len], &b.voltage[..len])?;
            same_all("threshold", &a.threshold[..len], &b.threshold[..len])?;
            prop_assert_eq!(&a.nan[..len], &b.nan[..len]);
            prop_assert_eq!(&a.asc[..len].iter().flatten().map(|x| x.to_bits() | u64::from(x.is_nan())).collect::<Vec<_>>(),
                            &b.asc[..len].iter().flatten().map(|x| x.to_bits() | u64::from(x.is_nan())).collect::<Vec<_>>());
            prop_assert_eq!(a.spikes, b.spikes);
        }
    }
}

proptest! {
    // A fixed seed: the bound is a measurement, so the cases it is checked
    // on are fixed too (no run can draw a new worst case and fail at random).
    #![proptest_config(ProptestConfig { rng_seed: proptest::test_runner::RngSeed::Fixed(0x6c1f_32f6), ..config() })]

    /// f32 and f64 runs agree on spike steps within the measured bound.
    #[test]
    fn f32_and_f64_agree_on_spike_steps_within_the_measured_bound((n, stim) in f32_case()) {
        let a = run::<f64>(&n, &stim, Api::Run);
        let b = run::<f32>(&n, &stim, Api::Run);
        let (Some(Ok(_)), Some(Ok(_))) = (&a.result, &b.result) else {
            return Ok(());
        };
        let d = compare_spikes(&a.spikes, &b.spikes, n.dt);
        prop_assert!(d.count_diff <= F32_BOUND.count_diff, "{:?} exceeds {:?}", d, F32_BOUND);
        prop_assert!(d.max_shift_ms <= F32_BOUND.max_shift_ms, "{:?} exceeds {:?}", d, F32_BOUND);
    }
}

/// How far f32 spike steps are from f64's.
#[derive(Clone, Copy, Debug)]
struct SpikeDiff {
    /// |number of f32 spikes - number of f64 spikes|.
    count_diff: usize,
    /// Largest |f32 step - f64 step| * dt of the spikes paired in order (ms).
    max_shift_ms: f64,
}

fn compare_spikes(a: &[Spike<f64>], b: &[Spike<f64>], dt: f64) -> SpikeDiff {
    let max_shift = a
        .iter()
        .zip(b)
        .map(|(x, y)| x.step.abs_diff(y.step))
        .max()
        .unwrap_or(0);
    SpikeDiff {
        count_diff: a.len().abs_diff(b.len()),
        max_shift_ms: max_shift as f64 * dt * 1e3,
    }
}

/// The f32-vs-f64 bound, measured by `f32_bound_measurement` on the cases
/// of [`f32_case`] (the five published levels, every generated stimulus). For
/// the reference set's numbers see docs/F32.md.
///
/// Measured over 4,999 generated cases (`MEASURE_CASES=5000`, the
/// deterministic runner): 4,962 (99.3%) give identical spike steps; 27 shift
/// a spike by one step (at most 0.1 ms); the worst shift of spikes paired in
/// order is 2.55 ms (one spike more in f32 among 81, at dt 5e-5), the worst
/// count difference 6 (124 vs 118 spikes in 20 ms of strong drive at
/// dt 5e-6). The bound leaves a margin over those.
const F32_BOUND: SpikeDiff = SpikeDiff {
    count_diff: 8,
    max_shift_ms: 5.0,
};

/// The f32 comparison's cases: published levels and stimuli that are not
/// marginal (a level within a few percent of the rheobase makes the spike
/// count depend on the last bit, in any precision).
fn f32_case() -> impl Strategy<Value = (plain::Neuron, Vec<f64>)> {
    case().prop_filter("published level, not marginal", |(n, _)| {
        let published = matches!(
            (
                &n.threshold_dynamics,
                &n.asc_dynamics,
                &n.threshold_reset,
                &n.asc_reset
            ),
            (
                plain::ThresholdDynamics::Inf,
                plain::AscDynamics::None,
                plain::ThresholdReset::Inf,
                plain::AscReset::None
            ) | (
                plain::ThresholdDynamics::SpikeComponent { .. },
                plain::AscDynamics::None,
                plain::ThresholdReset::ThreeComponents { .. },
                plain::AscReset::None
            ) | (
                plain::ThresholdDynamics::Inf,
                plain::AscDynamics::Exp,
                plain::ThresholdReset::Inf,
                plain::AscReset::Sum { .. }
            ) | (
                plain::ThresholdDynamics::SpikeComponent { .. },
                plain::AscDynamics::Exp,
                plain::ThresholdReset::ThreeComponents { .. },
                plain::AscReset::Sum { .. }
            ) | (
                plain::ThresholdDynamics::ThreeComponentsExact { .. },
                plain::AscDynamics::Exp,
                plain::ThresholdReset::ThreeComponents { .. },
                plain::AscReset::Sum { .. }
            )
        );
        published && n.voltage_dynamics == plain::VoltageDynamics::LinearForwardEuler
    })
}

/// Measures the f32-vs-f64 spike agreement over many generated cases (the
/// deterministic runner, so the same cases every time), prints the
/// distribution, and holds the aggregate to what was measured: at least 97%
/// of cases with identical spike steps (99.3% measured over 4,999 cases),
/// and no case beyond [`F32_BOUND`]. 300 cases by default; more with
/// `MEASURE_CASES=5000 cargo test -p glif-core --release --test properties
/// f32_bound_measurement -- --nocapture`.
#[test]
fn f32_bound_measurement() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let cases: usize = std::env::var("MEASURE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut runner = TestRunner::deterministic();
    let strategy = f32_case();
    let (mut identical, mut total, mut worst_count, mut worst_shift) = (0, 0, 0, 0.0f64);
    let mut hist = std::collections::BTreeMap::new();
    for _ in 0..cases {
        let (n, stim) = strategy.new_tree(&mut runner).expect("tree").current();
        let a = run::<f64>(&n, &stim, Api::Run);
        let b = run::<f32>(&n, &stim, Api::Run);
        if !matches!((&a.result, &b.result), (Some(Ok(_)), Some(Ok(_)))) {
            continue;
        }
        total += 1;
        let d = compare_spikes(&a.spikes, &b.spikes, n.dt);
        let steps_a: Vec<usize> = a.spikes.iter().map(|s| s.step).collect();
        let steps_b: Vec<usize> = b.spikes.iter().map(|s| s.step).collect();
        if steps_a == steps_b {
            identical += 1;
        }
        *hist
            .entry((d.count_diff, (d.max_shift_ms * 10.0).ceil() as i64))
            .or_insert(0) += 1;
        if d.count_diff > worst_count || d.max_shift_ms > worst_shift {
            println!(
                "new worst: {d:?} spikes {} vs {}, n = {}, dt {}",
                a.spikes.len(),
                b.spikes.len(),
                stim.len(),
                n.dt
            );
        }
        worst_count = worst_count.max(d.count_diff);
        worst_shift = worst_shift.max(d.max_shift_ms);
    }
    println!("{identical} of {total} identical; worst count diff {worst_count}, worst shift {worst_shift} ms");
    println!("(count diff, shift in 0.1 ms) -> cases: {hist:?}");
    assert!(
        total >= cases / 2,
        "too few runnable cases: {total} of {cases}"
    );
    assert!(
        identical as f64 >= 0.97 * total as f64,
        "only {identical} of {total} cases have identical spike steps in f32 and f64"
    );
    assert!(
        worst_count <= F32_BOUND.count_diff,
        "worst count difference {worst_count}"
    );
    assert!(
        worst_shift <= F32_BOUND.max_shift_ms,
        "worst shift {worst_shift} ms"
    );
}
