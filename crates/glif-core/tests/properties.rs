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
//! The stimuli are scaled by a drive estimate ([`drive_unit`]: the
//! rheobase with adaptation, raised for short stimuli) so that most cases
//! fire repeatedly, while bad resets, spike cuts past the end, spikes at
//! step 0 and typed errors keep a known share; the test
//! `generated_cases_fire_and_reach_the_edge_cases` prints that coverage
//! (`--nocapture`) and holds it to lower bounds.
//!
//! Case count: 256 per property by default (about 30 s for the whole file in
//! a debug build on 2 busy cores); set `PROPTEST_CASES` for more.
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
    // (a_voltage / b_voltage, b_voltage): the ratio decides whether the
    // threshold outruns the voltage (ratio >= 1 never fires under DC), so it
    // is drawn, mostly where the Teeter GLIF5 models are (median 0.3).
    let voltage = (
        prop_oneof![5 => 0.0..0.8, 1 => -0.05..0.0, 1 => 0.8..1.5],
        log_uniform(1.37, 1396.0),
    );
    let v_before = prop_oneof![
        // The bulk of the Teeter models (a median 0.44): resets below threshold.
        9 => (-0.35..1.0, -0.04..0.027),
        // a > 1 or a large b: resets that can land above threshold.
        1 => (1.0..2.71, 0.0..0.04),
    ];
    // Mostly at rest; sometimes elsewhere (then often above threshold: a
    // spike at step 0).
    let init = (
        prop_oneof![7 => Just(None), 1 => (-0.01..0.06).prop_map(Some)],
        prop_oneof![7 => Just(None), 1 => (0.0..0.06).prop_map(Some)],
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
                    (voltage_ratio, b_voltage),
                    (vr_a, vr_b),
                    (init_v, init_th),
                    (vd, td, ad, vr, tr, ar),
                ),
            )| {
                let a_voltage = voltage_ratio * b_voltage;
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
/// drive estimate ([`drive_unit`]) so that most cases fire repeatedly.
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
    // Long enough for several spikes after spike cuts of 21 to 200 samples.
    let len = prop_oneof![
        1 => 0usize..4,
        3 => 4usize..400,
        12 => 400usize..4000,
        2 => 4000usize..30000,
    ];
    let amp = prop_oneof![1 => -0.5..1.0, 3 => 1.0..4.0];
    let shape = prop_oneof![
        1 => Just(Shape::Zero),
        6 => proptest::collection::vec((0.0..1.0, 0.0..1.0, amp.clone()), 1..4)
            .prop_map(Shape::Steps),
        4 => (1usize..200, 0.5..2.5, 0.0..1.5, any::<u64>())
            .prop_map(|(hold, mean, sd, seed)| Shape::Noise { hold, mean, sd, seed }),
        2 => amp.prop_map(|to| Shape::Ramp { to }),
    ];
    (len, shape)
}

/// The current (A) that one unit of a generated stimulus stands for: the DC
/// rheobase from rest, raised for what the neuron's adaptation adds after a
/// spike and for a stimulus short against the membrane time constant, so
/// that a level of 1 to 4 units fires repeatedly within `len` samples:
///
/// - rheobase `(th_inf*coeffs.th_inf + a_spike - El) * G*coeffs.G`
///   (`a_spike` when the threshold has a spike component: the threshold one
///   spike leaves behind), divided by `1 - a_voltage*coeffs.a /
///   (b_voltage*coeffs.b)` for `three_components_exact` when that ratio is
///   in 0..0.9 (its voltage component settles at `(a/b) * I/g`);
/// - plus each inhibitory after-spike current's amplitude `-asc_amp*coeffs`
///   (what one spike adds against the drive);
/// - times `1 / (1 - exp(-T/(4 tau)))`, `T` the stimulus duration and
///   `tau = C*coeffs.C / (G*coeffs.G)`: a step of 1 unit reaches threshold
///   within a quarter of the stimulus however long `tau` is.
fn drive_unit(n: &plain::Neuron, len: usize) -> f64 {
    let g = (1.0 / n.r_input) * n.coeffs.g;
    let a_spike = match n.threshold_dynamics {
        plain::ThresholdDynamics::SpikeComponent { a_spike, .. }
        | plain::ThresholdDynamics::ThreeComponentsExact { a_spike, .. } => a_spike,
        plain::ThresholdDynamics::Inf => 0.0,
    };
    let mut rheobase = (n.th_inf * n.coeffs.th_inf + a_spike - n.el).max(1e-3) * g;
    if let plain::ThresholdDynamics::ThreeComponentsExact {
        a_voltage,
        b_voltage,
        ..
    } = n.threshold_dynamics
    {
        let ratio = (a_voltage * n.coeffs.a) / (b_voltage * n.coeffs.b);
        if (0.0..0.9).contains(&ratio) {
            rheobase /= 1.0 - ratio;
        }
    }
    let inhibition: f64 = match n.asc_dynamics {
        plain::AscDynamics::Exp => n
            .asc_amp_array
            .iter()
            .zip(&n.coeffs.asc_amp_array)
            .map(|(a, c)| (-a * c).max(0.0))
            .sum(),
        plain::AscDynamics::None => 0.0,
    };
    let tau = n.c * n.coeffs.c / g;
    let duration = (len.max(1) as f64) * n.dt;
    (rheobase + inhibition) / (1.0 - (-duration / (4.0 * tau)).exp())
}

fn stimulus(n: &plain::Neuron, len: usize, shape: &Shape) -> Vec<f64> {
    let rheobase = drive_unit(n, len);
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
        self.spikes.push(s.to_f64());
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
        let [a_spike, b_spike, a_voltage, b_voltage] =
            threshold_components(&self.n.threshold_dynamics).map(F::from_f64);
        match self.n.threshold_dynamics {
            plain::ThresholdDynamics::Inf => self.ad(vd, ThresholdInf),
            plain::ThresholdDynamics::SpikeComponent { .. } => self.ad(
                vd,
                SpikeComponent {
                    a_spike,
                    b_spike,
                    a_voltage,
                    b_voltage,
                },
            ),
            plain::ThresholdDynamics::ThreeComponentsExact { .. } => self.ad(
                vd,
                ThreeComponentsExact {
                    a_spike,
                    b_spike,
                    a_voltage,
                    b_voltage,
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
            prop_assert_eq!(a.voltage.len(), b.voltage.len());
            prop_assert_eq!(a.threshold.len(), b.threshold.len());
            prop_assert_eq!(a.asc.len(), b.asc.len());
            prop_assert_eq!(a.nan.len(), b.nan.len());
            same_all("voltage", &a.voltage, &b.voltage)?;
            same_all("threshold", &a.threshold, &b.threshold)?;
            prop_assert_eq!(&a.nan, &b.nan);
            prop_assert_eq!(&a.asc.iter().flatten().map(|x| x.to_bits() | u64::from(x.is_nan())).collect::<Vec<_>>(),
                            &b.asc.iter().flatten().map(|x| x.to_bits() | u64::from(x.is_nan())).collect::<Vec<_>>());
            prop_assert_eq!(a.spikes, b.spikes);
        }
    }
}

/// How many cases to draw (the environment variable `var`, else `default`)
/// and proptest's deterministic runner, so the same cases every time.
fn deterministic_cases(var: &str, default: usize) -> (usize, proptest::test_runner::TestRunner) {
    let cases = std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    (cases, proptest::test_runner::TestRunner::deterministic())
}

/// What the generated cases reach, over the deterministic runner's first
/// `COVERAGE_CASES` (2,000 by default) cases of [`case`]: printed (run with
/// `--nocapture` to read it) and held to lower bounds, so that a change to
/// the generators cannot quietly stop exercising spikes, resets and the
/// edge cases. The shares measured are in the comment of each bound.
#[test]
fn generated_cases_fire_and_reach_the_edge_cases() {
    use proptest::strategy::ValueTree;
    let (cases, mut runner) = deterministic_cases("COVERAGE_CASES", 2000);
    let strategy = case();
    let mut by_spikes = [0usize; 4]; // 0, 1, 2..=9, 10+
    let (mut completed, mut bad_reset, mut errors) = (0, 0, 0);
    let (mut step0, mut cut_past_end) = (0, 0);
    let (mut exact, mut exact_repeated) = (0, 0);
    for _ in 0..cases {
        let (n, stim) = strategy.new_tree(&mut runner).expect("tree").current();
        let out = run::<f64>(&n, &stim, Api::Run);
        let spikes = out.spikes.len();
        by_spikes[match spikes {
            0 => 0,
            1 => 1,
            2..=9 => 2,
            _ => 3,
        }] += 1;
        match out.result {
            Some(Ok(Outcome::Completed)) => completed += 1,
            Some(Ok(Outcome::BadReset { .. })) => bad_reset += 1,
            _ => errors += 1,
        }
        if out.spikes.first().is_some_and(|s| s.step == 0) {
            step0 += 1;
        }
        if out
            .spikes
            .last()
            .is_some_and(|s| n.spike_cut_length > 0 && s.step + n.spike_cut_length > stim.len())
        {
            cut_past_end += 1;
        }
        if matches!(
            n.threshold_dynamics,
            plain::ThresholdDynamics::ThreeComponentsExact { .. }
        ) {
            exact += 1;
            if spikes >= 2 {
                exact_repeated += 1;
            }
        }
    }
    let pct = |k: usize, of: usize| 100.0 * k as f64 / of.max(1) as f64;
    println!("coverage of {cases} generated cases:");
    println!(
        "  spikes: 0: {} ({:.1}%), 1: {} ({:.1}%), 2-9: {} ({:.1}%), 10+: {} ({:.1}%)",
        by_spikes[0],
        pct(by_spikes[0], cases),
        by_spikes[1],
        pct(by_spikes[1], cases),
        by_spikes[2],
        pct(by_spikes[2], cases),
        by_spikes[3],
        pct(by_spikes[3], cases)
    );
    println!(
        "  outcome: completed {completed} ({:.1}%), bad reset {bad_reset} ({:.1}%), typed error {errors} ({:.1}%)",
        pct(completed, cases),
        pct(bad_reset, cases),
        pct(errors, cases)
    );
    println!(
        "  edge cases: spike at step 0 {step0} ({:.1}%), last spike's cut past the end {cut_past_end} ({:.1}%)",
        pct(step0, cases),
        pct(cut_past_end, cases)
    );
    println!(
        "  three_components_exact: {exact} cases, {exact_repeated} with 2+ spikes ({:.1}%)",
        pct(exact_repeated, exact)
    );
    // Measured on 2026-11-30 over the 2,000 default cases: 0 spikes 20.1%,
    // 1 spike 24.5%, 2-9 36.1%, 10+ 19.2%; completed 83.8%, bad reset
    // 13.0%, typed error 3.1%; step-0 spike 9.6%; cut past the end 18.4%;
    // three_components_exact 236 of 477 with 2+ spikes (49.5%). (Before the
    // drive estimate: 69% never spiked, 12% spiked twice or more, and 26 of
    // 497 three_components_exact cases did.) The bounds sit a little below.
    let repeated = by_spikes[2] + by_spikes[3];
    let at_least = |what: &str, k: usize, of: usize, bound: f64| {
        assert!(pct(k, of) >= bound, "{what}: {:.1}% < {bound}%", pct(k, of));
    };
    at_least("2+ spikes", repeated, cases, 50.0);
    at_least("no spike", by_spikes[0], cases, 3.0);
    at_least("bad resets", bad_reset, cases, 5.0);
    at_least("typed errors", errors, cases, 1.0);
    at_least("spikes at step 0", step0, cases, 3.0);
    at_least("cuts past the end", cut_past_end, cases, 8.0);
    at_least(
        "three_components_exact with 2+ spikes",
        exact_repeated,
        exact,
        40.0,
    );
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
/// Measured on 2026-11-30 over 5,000 generated cases (`MEASURE_CASES=5000`,
/// the deterministic runner, release build): all 5,000 run; 4,121 spike in
/// f64, and 3,970 of those (96.3%) give identical spike steps in f32. The
/// worst shift of spikes paired in order is 2.78 ms (73 vs 67 spikes at
/// dt 7.5 µs, where f32's extra spikes shift the pairing); the worst count
/// difference 9 (1,702 vs 1,693 spikes in 10,293 samples at dt 5 µs, a
/// drive far above the rheobase with a spike cut of a few samples: 0.5%).
/// The bound leaves a margin over those. (Over the earlier generators, where
/// most cases never spiked, 99.3% of all cases were identical: a share that
/// counted the cases without spikes.)
const F32_BOUND: SpikeDiff = SpikeDiff {
    count_diff: 12,
    max_shift_ms: 5.0,
};

/// The least share of spiking cases (f64 spikes at least once) whose f32
/// spike steps are identical: 96.3% measured (see [`F32_BOUND`]).
const F32_IDENTICAL_SHARE: f64 = 0.95;

/// The f32 comparison's cases: the published levels' rule sets (forward
/// Euler), every generated neuron and stimulus, marginal ones included (a
/// level near the rheobase can make the spike count depend on the last bit,
/// in any precision; the bound covers them).
fn f32_case() -> impl Strategy<Value = (plain::Neuron, Vec<f64>)> {
    case().prop_filter("published level", |(n, _)| {
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
/// distribution, and holds it to what was measured. The share of identical
/// spike steps is taken over the cases where f64 spikes at least once
/// (cases without spikes would agree trivially). 300 cases by default; more
/// with `MEASURE_CASES=5000 cargo test -p glif-core --release --test
/// properties f32_bound_measurement -- --nocapture`.
#[test]
fn f32_bound_measurement() {
    use proptest::strategy::ValueTree;
    let (cases, mut runner) = deterministic_cases("MEASURE_CASES", 300);
    let strategy = f32_case();
    let (mut identical, mut spiking, mut total) = (0, 0, 0);
    let (mut worst_count, mut worst_shift) = (0, 0.0f64);
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
        if !a.spikes.is_empty() {
            spiking += 1;
            let steps_a: Vec<usize> = a.spikes.iter().map(|s| s.step).collect();
            let steps_b: Vec<usize> = b.spikes.iter().map(|s| s.step).collect();
            if steps_a == steps_b {
                identical += 1;
            }
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
    println!(
        "{total} runnable cases, {spiking} with spikes in f64; {identical} of those have identical \
         spike steps in f32; worst count diff {worst_count}, worst shift {worst_shift} ms"
    );
    println!("(count diff, shift in 0.1 ms) -> cases: {hist:?}");
    assert!(
        total >= cases / 2,
        "too few runnable cases: {total} of {cases}"
    );
    assert!(
        spiking >= total / 2,
        "too few spiking cases: {spiking} of {total}"
    );
    assert!(
        identical as f64 >= F32_IDENTICAL_SHARE * spiking as f64,
        "only {identical} of {spiking} spiking cases have identical spike steps in f32 and f64"
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

/// `a_spike`, `b_spike`, `a_voltage`, `b_voltage` of a threshold with a
/// spike and a voltage component (zeros for `Inf`, which has neither).
fn threshold_components(td: &plain::ThresholdDynamics) -> [f64; 4] {
    match *td {
        plain::ThresholdDynamics::Inf => [0.0; 4],
        plain::ThresholdDynamics::SpikeComponent {
            a_spike,
            b_spike,
            a_voltage,
            b_voltage,
        }
        | plain::ThresholdDynamics::ThreeComponentsExact {
            a_spike,
            b_spike,
            a_voltage,
            b_voltage,
        } => [a_spike, b_spike, a_voltage, b_voltage],
    }
}
