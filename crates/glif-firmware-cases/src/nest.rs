//! NEST's `glif_psc` in the firmware proof: a GLIF5 neuron with two
//! synaptic ports (NEST 3.10's default parameters, all three switches on,
//! `tau_syn` 2 and 5 ms), h = 0.1 ms, driven by built-in spike input and a
//! DC current, propagators from `libm`'s `exp` ([`Libm`]) on every target
//! and on the host, so the comparison is bit for bit. (Against NEST itself
//! the host uses glibc's `exp`; see docs/NEST.md for what `libm` changes.)

use core::hint::black_box;

use glif_core::nest::{
    ExpProvider, GlifInit, GlifParams, GlifPsc, Level, Libm, NestError, PscParams, PscState,
    Resolution,
};
use glif_core::Float;

use crate::checksum::{hash32, Fnv, Summary};

/// Steps of a NEST case: 2 s at 0.1 ms.
pub const NEST_STEPS: usize = 20_000;

/// The resolution, ms.
const H_MS: f64 = 0.1;

/// NEST 3.10's `glif_psc` defaults with all switches on (GLIF5) and ports
/// `tau_syn` = [2, 5] ms. Parameters pass through `black_box` so LTO cannot
/// fold the run.
pub fn nest_psc<F: Float>() -> Result<GlifPsc<F, 2, 2>, NestError>
where
    Libm: ExpProvider<F>,
{
    let f = |x: f64| black_box(F::from_f64(x));
    let params = PscParams {
        glif: black_box(GlifParams::nest_defaults(Level::LifRAscA)),
        tau_syn: [f(2.0), f(5.0)],
    };
    let res = Resolution::from_ms(black_box(H_MS)).ok_or(NestError::NotPositive("resolution"))?;
    GlifPsc::new(params, res, &Libm)
}

/// The built-in input of step `k` (0-based): spike weights per port (pA)
/// and the injected current (pA). Port 1 receives an 80 pA spike in about
/// one step in 8, port 2 a -60 pA spike in one step in 32 (from a hash of
/// the step number); the current is 60 pA for the first second, then 120 pA.
#[inline(always)]
pub fn nest_input<F: Float>(k: usize) -> ([F; 2], F) {
    let r = hash32(k as u32);
    let exc = if r & 7 == 0 {
        F::from_f64(80.0)
    } else {
        F::ZERO
    };
    let inh = if (r >> 3) & 31 == 0 {
        F::from_f64(-60.0)
    } else {
        F::ZERO
    };
    let dc = if k < NEST_STEPS / 2 {
        F::from_f64(60.0)
    } else {
        F::from_f64(120.0)
    };
    ([exc, inh], dc)
}

/// The final state as bit patterns: `U`, threshold, both after-spike
/// currents, threshold spike and voltage components, `I_syn`, refractory steps.
pub fn state_bits<F: Float>(s: &PscState<F, 2, 2>) -> [u64; 8] {
    let g = &s.glif;
    [
        g.u.to_bits_u64(),
        g.threshold.to_bits_u64(),
        g.asc[0].to_bits_u64(),
        g.asc[1].to_bits_u64(),
        g.threshold_spike.to_bits_u64(),
        g.threshold_voltage.to_bits_u64(),
        s.i_syn.to_bits_u64(),
        u64::from(g.refractory_steps),
    ]
}

/// Runs `model` for [`NEST_STEPS`] over the built-in input, streaming every
/// spike's step (1-based, NEST's spike time / h) to `on_spike`.
pub fn run_nest<F: Float>(model: &GlifPsc<F, 2, 2>, on_spike: &mut dyn FnMut(usize)) -> Summary {
    let mut s = model.state(&GlifInit::at(F::ZERO), F::ZERO);
    let mut spikes = 0u32;
    let mut sc = Fnv::default();
    for k in 0..black_box(NEST_STEPS) {
        let (w, i) = nest_input::<F>(k);
        if model.step(&mut s, &w, i) {
            spikes += 1;
            sc.word(k as u64 + 1);
            on_spike(k + 1);
        }
    }
    let state = state_bits(&s);
    let mut h = Fnv::default();
    for w in state {
        h.word(w);
    }
    Summary {
        spikes,
        spike_checksum: sc.0,
        state,
        state_checksum: h.0,
    }
}
