//! NEST's exact propagators from an alpha-shaped synaptic current to the
//! membrane potential (`libnestutil/iaf_propagator`, `IAFPropagatorAlpha`),
//! with its treatment of `tau_syn` equal or nearly equal to `tau_m`.
//!
//! With `y1' = -y1/tau_syn`, `y2' = y1 - y2/tau_syn` (pA) and
//! `C_m V' = -C_m V/tau_m + y2`, one step of length `h` adds
//! `P31 y1 + P32 y2` to `V`, where (regular case)
//!
//! - `beta = tau_syn tau_m / (tau_m - tau_syn)`, `gamma = beta / C_m`,
//! - `P32 = gamma e^{-h/tau_syn} expm1(h (tau_m - tau_syn)/(tau_syn tau_m))`,
//! - `P31 = gamma e^{-h/tau_syn} (beta expm1(...) - h)`.
//!
//! When `P32` is not a positive normal number (`tau_syn` = `tau_m`, or so
//! close that it rounds to 0 or NaN), `P32 = h e^{-h/tau_m} / C_m`. When
//! `h <= 1e-7 tau_m^2 / |tau_m - tau_syn|`, `P31 = h^2 e^{-h/tau_m} / (2 C_m)`.
//! Every expression is evaluated in NEST's order, so results agree bit for
//! bit given the same `exp`/`expm1`.

use super::math::{is_normal, ExpProvider};
use crate::Float;

/// `NUMERICAL_STABILITY_FACTOR_` of NEST's `IAFPropagator`.
const STABILITY_FACTOR: f64 = 1e-7;

/// `(P31, P32)` for one synaptic port: `tau_syn`, `tau_m` in ms, `c_m` in pF,
/// `h` in ms. `P31` multiplies `y1` (pA/ms) and `P32` multiplies `y2` (pA);
/// both give mV.
pub fn alpha_propagator<F: Float, E: ExpProvider<F>>(
    tau_syn: F,
    tau_m: F,
    c_m: F,
    h: F,
    exp: &E,
) -> (F, F) {
    let one = F::ONE;
    let diff = tau_m - tau_syn;
    let abs_diff = if diff < F::ZERO { -diff } else { diff };
    let h_min_regular = F::from_f64(STABILITY_FACTOR) * tau_m * tau_m / abs_diff;
    let beta = tau_syn * tau_m / diff;
    let gamma = beta / c_m;
    let inv_tau_syn = one / tau_syn;
    let inv_tau_m = one / tau_m;
    let inv_c_m = one / c_m;
    let inv_beta = diff / (tau_syn * tau_m);

    // evaluate_P32_
    let exp_h_tau_syn = exp.exp(-h * inv_tau_syn);
    let expm1_h_tau = exp.expm1(h * inv_beta);
    let p32_regular = gamma * exp_h_tau_syn * expm1_h_tau;
    let mut exp_h_tau: Option<F> = None;
    let p32 = if is_normal(p32_regular) && p32_regular > F::ZERO {
        p32_regular
    } else {
        let e = exp.exp(-h * inv_tau_m);
        exp_h_tau = Some(e);
        h * inv_c_m * e
    };
    if h > h_min_regular {
        let p31 = gamma * exp_h_tau_syn * (beta * expm1_h_tau - h);
        return (p31, p32);
    }
    let e = match exp_h_tau {
        Some(e) => e,
        None => exp.exp(-h * inv_tau_m),
    };
    let half = F::from_f64(0.5);
    (half * h * h * inv_c_m * e, p32)
}
