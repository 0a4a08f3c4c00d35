//! The computations the firmware proof runs, shared word for word by the
//! firmware (`firmware/src/lib.rs` re-exports this crate as `cases`) and by
//! the host side of `cargo xtask firmware` (a dependency of xtask): real
//! Allen models, a built-in stimulus generated sample by sample (never
//! stored), and a summary of a run as bit patterns; and NEST's `glif_psc`
//! with built-in spike input ([`nest`]).
//!
//! Depends on `core` and `glif_core` only, so it compiles the same way for
//! `thumbv7em-none-eabihf`, `thumbv6m-none-eabi` and x86-64.
#![no_std]

use core::hint::black_box;

// Summaries and checksums first: the cases and `nest` both report them.
mod checksum;

pub mod nest;

use checksum::hash32;
pub use checksum::{Fnv, Summary};

use glif_core::levels;
use glif_core::rules::{SpikeComponent, Sum, ThreeComponents, ThreeComponentsExact, VBefore};
use glif_core::{
    Coeffs, Float, Glif1, Glif2, Glif3, Glif4, Glif5, Model, OnSpike, Outcome, ParamError,
    ParamSpec, Params, RuleSet, RunError, Spike,
};

/// Time step (s): Allen stimuli are sampled at 200 kHz; the configs' stored
/// `dt = 5e-05` is overridden as AllenSDK's documented usage does.
pub const DT: f64 = 5e-6;

/// Samples in the built-in stimulus: 0.4 s at 200 kHz.
pub const STEPS: usize = 80_000;

/// Number of after-spike currents in the real models.
pub const N: usize = 2;

/// The built-in stimulus (A) at sample `t`, computed in `F` itself so that
/// the f32 path uses no f64 arithmetic:
///
/// | time (ms) | current |
/// |---|---|
/// | 0 – 10 | 0 |
/// | 10 – 110 | 160 pA |
/// | 110 – 130 | 0 |
/// | 130 – 230 | 320 pA |
/// | 230 – 250 | 0 |
/// | 250 – 400 | ramp 0 → 450 pA |
///
/// plus uniform noise of ±20 pA on every sample. Every operation is a single
/// correctly rounded IEEE operation (or an exact integer conversion), so the
/// host and both Cortex-M targets produce the same bits.
#[inline(always)]
pub fn stimulus<F: Float>(t: usize) -> F {
    const MS: usize = 200; // samples per millisecond
    let pa = |x: f64| F::from_f64(x * 1e-12);
    let base = if t < 10 * MS {
        F::ZERO
    } else if t < 110 * MS {
        pa(160.0)
    } else if t < 130 * MS {
        F::ZERO
    } else if t < 230 * MS {
        pa(320.0)
    } else if t < 250 * MS {
        F::ZERO
    } else {
        // 450 pA over 150 ms.
        F::from_count(t - 250 * MS) * pa(450.0 / (150.0 * MS as f64))
    };
    // 24 random bits, exactly representable in f32 and f64.
    let r = F::from_count((hash32(t as u32) >> 8) as usize);
    base + (r * F::from_f64(1.0 / 16_777_216.0) - F::from_f64(0.5)) * pa(40.0)
}

/// The cell-wide values of one Allen `neuron_config` file, as f64 literals.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// `R_input` (Ω).
    pub r_input: f64,
    /// `C` (F).
    pub c: f64,
    /// `th_inf` (V).
    pub th_inf: f64,
    /// `coeffs.th_inf`.
    pub coeff_th_inf: f64,
    /// `asc_amp_array` (A).
    pub asc_amp: [f64; N],
    /// `asc_tau_array` (s).
    pub asc_tau: [f64; N],
    /// `spike_cut_length` (samples).
    pub spike_cut_length: u32,
    /// `init_threshold` (V).
    pub init_threshold: f64,
}

// Values copied from reference/configs/teeter/313861677_Rorb-IRES2-Cre-D_GLIF<n>_neuron_config.json
// (mouse Rorb-IRES2-Cre-D cell 313861677, the AllenSDK reference set). Common
// to all five: El = 0, El_reference = -0.07090196990966802, coeffs a = b = C =
// G = 1, coeffs.asc_amp_array = [1, 1], init_voltage = 0,
// init_AScurrents = [0, 0], th_adapt = null.
const C_313861677: f64 = 9.571784225962422e-11;
const TH_INF_313861677: f64 = 0.029967109026751877;
const ASC_AMP_313861677: [f64; N] = [-6.034310413714846e-12, -2.258429188993877e-10];
const ASC_TAU_313861677: [f64; N] = [0.3333333333333333, 0.01];
/// Threshold reset / spike component (GLIF2, GLIF4, GLIF5): a_spike, b_spike.
const A_SPIKE_313861677: f64 = 0.0033432849301384023;
const B_SPIKE_313861677: f64 = 325.3454847547063;
/// Voltage reset `v_before` (GLIF2, GLIF4, GLIF5): a, b.
const V_BEFORE_313861677: (f64, f64) = (0.5001739346140949, 0.0042160687929951556);

/// `..._GLIF1_neuron_config.json`
pub const GLIF1_313861677: Config = Config {
    r_input: 213395905.4882654,
    c: C_313861677,
    th_inf: TH_INF_313861677,
    coeff_th_inf: 1.0390472003077897,
    asc_amp: ASC_AMP_313861677,
    asc_tau: ASC_TAU_313861677,
    spike_cut_length: 121,
    init_threshold: TH_INF_313861677,
};
/// `..._GLIF2_neuron_config.json`
pub const GLIF2_313861677: Config = Config {
    coeff_th_inf: 1.0685533587446374,
    ..GLIF1_313861677
};
/// `..._GLIF3_neuron_config.json`
pub const GLIF3_313861677: Config = Config {
    r_input: 200024896.13042206,
    coeff_th_inf: 0.8717242594779463,
    ..GLIF1_313861677
};
/// `..._GLIF4_neuron_config.json`
pub const GLIF4_313861677: Config = Config {
    r_input: 200024896.13042206,
    coeff_th_inf: 0.877651182230508,
    ..GLIF1_313861677
};
/// `..._GLIF5_neuron_config.json` (threshold_dynamics three_components_exact:
/// a_voltage = 7.920093265650063, b_voltage = 39.574113934778254).
pub const GLIF5_313861677: Config = Config {
    r_input: 200024896.13042206,
    coeff_th_inf: 0.7235447314169678,
    ..GLIF1_313861677
};
const GLIF5_A_VOLTAGE: f64 = 7.920093265650063;
const GLIF5_B_VOLTAGE: f64 = 39.574113934778254;

/// Validated parameters of `cfg` in precision `F`. The config passes through
/// `black_box`, so the compiler cannot fold the simulation at build time.
pub fn params<F: Float>(cfg: &Config) -> Result<Params<F, N>, ParamError> {
    // Converted at compile time, then hidden from the optimiser.
    let f = |x: f64| black_box(F::from_f64(x));
    Params::new(ParamSpec {
        el: F::ZERO,
        dt: f(DT),
        r_input: f(cfg.r_input),
        c: f(cfg.c),
        asc_tau: [f(cfg.asc_tau[0]), f(cfg.asc_tau[1])],
        asc_amp: [f(cfg.asc_amp[0]), f(cfg.asc_amp[1])],
        spike_cut_length: black_box(cfg.spike_cut_length),
        th_inf: f(cfg.th_inf),
        th_adapt: None,
        coeffs: Coeffs {
            th_inf: f(cfg.coeff_th_inf),
            ..Coeffs::default()
        },
        init_voltage: F::ZERO,
        init_threshold: f(cfg.init_threshold),
        init_asc: [F::ZERO; N],
    })
}

fn spike_component<F: Float>() -> SpikeComponent<F> {
    let f = |x: f64| black_box(F::from_f64(x));
    SpikeComponent {
        a_spike: f(A_SPIKE_313861677),
        b_spike: f(B_SPIKE_313861677),
        a_voltage: F::ZERO,
        b_voltage: F::ZERO,
    }
}

fn v_before<F: Float>() -> VBefore<F> {
    let f = |x: f64| black_box(F::from_f64(x));
    VBefore {
        a: f(V_BEFORE_313861677.0),
        b: f(V_BEFORE_313861677.1),
    }
}

fn three_components<F: Float>() -> ThreeComponents<F> {
    let f = |x: f64| black_box(F::from_f64(x));
    ThreeComponents {
        a_spike: f(A_SPIKE_313861677),
        b_spike: f(B_SPIKE_313861677),
    }
}

fn sum<F: Float>() -> Sum<F, N> {
    Sum {
        r: [black_box(F::ONE); N],
    }
}

/// GLIF1 (LIF) of cell 313861677.
pub fn glif1<F: Float>() -> Result<Glif1<F, N>, ParamError> {
    Model::new(params(&GLIF1_313861677)?, levels::glif1())
}

/// GLIF2 (LIF-R) of cell 313861677.
pub fn glif2<F: Float>() -> Result<Glif2<F, N>, ParamError> {
    Model::new(
        params(&GLIF2_313861677)?,
        levels::glif2(spike_component(), v_before(), three_components()),
    )
}

/// GLIF3 (LIF-ASC) of cell 313861677.
pub fn glif3<F: Float>() -> Result<Glif3<F, N>, ParamError> {
    Model::new(params(&GLIF3_313861677)?, levels::glif3(sum()))
}

/// GLIF4 (LIF-R-ASC) of cell 313861677.
pub fn glif4<F: Float>() -> Result<Glif4<F, N>, ParamError> {
    Model::new(
        params(&GLIF4_313861677)?,
        levels::glif4(spike_component(), v_before(), three_components(), sum()),
    )
}

/// GLIF5 (LIF-R-ASC-A) of cell 313861677.
pub fn glif5<F: Float>() -> Result<Glif5<F, N>, ParamError> {
    let f = |x: f64| black_box(F::from_f64(x));
    Model::new(
        params(&GLIF5_313861677)?,
        levels::glif5(
            ThreeComponentsExact {
                a_spike: f(A_SPIKE_313861677),
                b_spike: f(B_SPIKE_313861677),
                a_voltage: f(GLIF5_A_VOLTAGE),
                b_voltage: f(GLIF5_B_VOLTAGE),
            },
            v_before(),
            three_components(),
            sum(),
        ),
    )
}

/// Runs `model` over the built-in stimulus, generated sample by sample,
/// streaming every spike to `on_spike` through glif-core's recorder API
/// (no trace is stored), and summarises the run.
pub fn run_model<F: Float, R: RuleSet<F, N>>(
    model: &Model<F, N, R>,
    on_spike: &mut dyn FnMut(&Spike<F>),
) -> Result<Summary, RunError> {
    let mut spikes = 0u32;
    let mut sc = Fnv::default();
    let mut recorder = OnSpike(|s: &Spike<F>| {
        spikes += 1;
        sc.word(s.step as u64);
        sc.word(s.time.to_bits_u64());
        sc.word(s.voltage.to_bits_u64());
        sc.word(s.threshold.to_bits_u64());
        on_spike(s);
    });
    let mut neuron = model.neuron();
    let outcome = neuron.run_iter((0..STEPS).map(stimulus::<F>), &mut recorder)?;
    let st = *neuron.state();
    let state = [
        st.v.to_bits_u64(),
        st.th.to_bits_u64(),
        st.asc[0].to_bits_u64(),
        st.asc[1].to_bits_u64(),
        st.components.spike.to_bits_u64(),
        st.components.voltage.to_bits_u64(),
        neuron.index() as u64,
        match outcome {
            Outcome::Completed => 0,
            Outcome::BadReset { spike_step, .. } => 1 + spike_step as u64,
        },
    ];
    let mut h = Fnv::default();
    for w in state {
        h.word(w);
    }
    Ok(Summary {
        spikes,
        spike_checksum: sc.0,
        state,
        state_checksum: h.0,
    })
}

/// The cases of the proof, in the order the firmware runs them.
pub const CASES: [&str; 12] = [
    "GLIF1_f32",
    "GLIF2_f32",
    "GLIF3_f32",
    "GLIF4_f32",
    "GLIF5_f32",
    "GLIF1_f64",
    "GLIF2_f64",
    "GLIF3_f64",
    "GLIF4_f64",
    "GLIF5_f64",
    "NEST_PSC_f32",
    "NEST_PSC_f64",
];

/// Why a case could not run.
#[derive(Clone, Copy, Debug)]
pub enum CaseError {
    /// The parameters were rejected.
    Param(ParamError),
    /// The run stopped with an error.
    Run(RunError),
    /// NEST `glif_psc` parameters were rejected.
    Nest(glif_core::nest::NestError),
}

impl From<glif_core::nest::NestError> for CaseError {
    fn from(e: glif_core::nest::NestError) -> Self {
        CaseError::Nest(e)
    }
}

impl From<ParamError> for CaseError {
    fn from(e: ParamError) -> Self {
        CaseError::Param(e)
    }
}

impl From<RunError> for CaseError {
    fn from(e: RunError) -> Self {
        CaseError::Run(e)
    }
}

/// The size baseline: consumes the built-in stimulus the way a model would,
/// without a model, so that `size_<model>_<F> - size_base_<F>` is
/// glif-core's share of flash and RAM.
pub fn baseline<F: Float>(on_spike: &mut dyn FnMut(usize)) -> Result<Summary, CaseError> {
    let mut h = Fnv::default();
    let mut acc = F::ZERO;
    for t in 0..black_box(STEPS) {
        acc = acc + black_box(stimulus::<F>(t));
        if black_box(false) {
            on_spike(t);
        }
    }
    h.word(acc.to_bits_u64());
    Ok(Summary {
        spikes: 0,
        spike_checksum: 0,
        state: [acc.to_bits_u64(), 0, 0, 0, 0, 0, STEPS as u64, 0],
        state_checksum: h.0,
    })
}

/// Runs case `index` of [`CASES`]; spikes go to `on_spike` as (step) as they happen.
pub fn run_case(index: usize, on_spike: &mut dyn FnMut(usize)) -> Result<Summary, CaseError> {
    let mut s32 = |s: &Spike<f32>| on_spike(s.step);
    match index {
        0 => Ok(run_model(&glif1::<f32>()?, &mut s32)?),
        1 => Ok(run_model(&glif2::<f32>()?, &mut s32)?),
        2 => Ok(run_model(&glif3::<f32>()?, &mut s32)?),
        3 => Ok(run_model(&glif4::<f32>()?, &mut s32)?),
        4 => Ok(run_model(&glif5::<f32>()?, &mut s32)?),
        _ => {
            let mut s64 = |s: &Spike<f64>| on_spike(s.step);
            match index {
                5 => Ok(run_model(&glif1::<f64>()?, &mut s64)?),
                6 => Ok(run_model(&glif2::<f64>()?, &mut s64)?),
                7 => Ok(run_model(&glif3::<f64>()?, &mut s64)?),
                8 => Ok(run_model(&glif4::<f64>()?, &mut s64)?),
                9 => Ok(run_model(&glif5::<f64>()?, &mut s64)?),
                10 => Ok(nest::run_nest(&nest::nest_psc::<f32>()?, on_spike)),
                _ => Ok(nest::run_nest(&nest::nest_psc::<f64>()?, on_spike)),
            }
        }
    }
}
