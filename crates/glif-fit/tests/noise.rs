//! Noise statistics against AllenSDK's own `MLIN.MLIN` on the same arrays.
//! One patch, applied in the oracle process (never to the installed file):
//! `MLIN.autocorr` slices with `result.size/2`, a float on Python 3; the
//! patched function slices with `result.size//2`, what Python 2 computed.

mod common;

use glif_fit::noise::{autocorrelation, mlin, square_stimulus_window};
use glif_reference::tolerance::{FIT_CLOSED_FORM_REL, FIT_ITERATIVE_REL};

const SCRIPT: &str = r#"
import json, sys, io, contextlib, warnings
import numpy as np
warnings.simplefilter("ignore")
import allensdk.internal.model.glif.MLIN as M
def autocorr(x):  # patch: Python 2's integer division (was result.size/2)
    result = np.correlate(x, x, mode='full')
    return result[result.size//2:]
M.autocorr = autocorr
out = []
for c in json.load(sys.stdin):
    v = np.array(c["v"]); i = np.array(c["i"])
    with contextlib.redirect_stdout(io.StringIO()):  # MLIN prints the section
        var, sv, tau = M.MLIN(v, i, c["r"], c["c"], c["dt"])
    out.append({"var": float(var), "sv": float(sv), "tau": float(tau)})
print(json.dumps(out))
"#;

/// A long-square sweep: `pre` s of rest, a 1 s square of `amp` A, 0.2 s of
/// rest; the voltage relaxes with `tau` s and carries Ornstein-Uhlenbeck
/// noise of time constant `tau` and white recording noise.
fn long_square(
    rng: &mut common::Rng,
    dt: f64,
    amp: f64,
    tau: f64,
    noise: f64,
) -> (Vec<f64>, Vec<f64>) {
    let n = (1.3 / dt) as usize;
    let (on, off) = ((0.1 / dt) as usize, (1.1 / dt) as usize);
    let (mut v, mut x) = (-0.07, 0.0);
    let mut vs = Vec::with_capacity(n);
    let mut is = Vec::with_capacity(n);
    for k in 0..n {
        let i = if (on..off).contains(&k) { amp } else { 0.0 };
        is.push(i);
        x += -x * dt / tau + noise * (2.0 * dt / tau).sqrt() * rng.normal();
        v += dt / tau * (-(v + 0.07) + 2e8 * i);
        vs.push(v + x + 1e-5 * rng.normal());
    }
    (vs, is)
}

#[test]
fn noise_statistics_match_allensdk_mlin() {
    let dt = 5e-5;
    let mut rng = common::Rng(5);
    let cases = [
        (long_square(&mut rng, dt, 5e-11, 0.02, 1e-3), 2e8, 1e-10),
        (long_square(&mut rng, dt, 3e-11, 0.005, 5e-4), 1e8, 5e-11),
        (long_square(&mut rng, dt, -4e-11, 0.03, 2e-3), 3e8, 1e-10),
    ];
    let input: Vec<serde_json::Value> = cases
        .iter()
        .map(|((v, i), r, c)| serde_json::json!({"v": v, "i": i, "r": r, "c": c, "dt": dt}))
        .collect();
    let Some(want) = common::oracle("fit/noise", SCRIPT, &serde_json::Value::Array(input)) else {
        return;
    };
    let (mut worst_closed, mut worst_tau) = (0.0f64, 0.0f64);
    for (k, (((v, i), r, c), w)) in cases.iter().zip(want.as_array().unwrap()).enumerate() {
        let got = mlin(v, i, *r, *c, dt).unwrap();
        let rel =
            |x: f64, key: &str| ((x - w[key].as_f64().unwrap()) / w[key].as_f64().unwrap()).abs();
        let (rv, rs, rt) = (
            rel(got.variance, "var"),
            rel(got.sv, "sv"),
            rel(got.tau_from_ac, "tau"),
        );
        worst_closed = worst_closed.max(rv).max(rs);
        worst_tau = worst_tau.max(rt);
        assert!(
            rv < FIT_CLOSED_FORM_REL && rs < FIT_CLOSED_FORM_REL,
            "case {k}: var {rv:e}, sv {rs:e}"
        );
        // tau comes from curve_fit (Levenberg-Marquardt), an iterative fit.
        assert!(
            rt < FIT_ITERATIVE_REL,
            "case {k}: tau glif-fit {} AllenSDK {} ({rt:e})",
            got.tau_from_ac,
            w["tau"]
        );
    }
    eprintln!("var/sv within {worst_closed:e}, tau_from_AC within {worst_tau:e}");
    glif_reference::env::record(
        "fit/noise",
        glif_reference::env::Outcome::Ran,
        cases.len(),
        &format!("variance and sv within {worst_closed:.1e}, tau_from_AC within {worst_tau:.1e} relative"),
    );
}

#[test]
fn autocorrelation_and_window_by_hand() {
    assert_eq!(autocorrelation(&[1.0, 2.0, 3.0]), vec![14.0, 8.0, 3.0]);
    assert_eq!(
        square_stimulus_window(&[0.0, 0.0, 1.0, 1.0, 0.0]).unwrap(),
        (2, 4)
    );
    assert_eq!(
        square_stimulus_window(&[0.0, -1.0, -1.0, 0.0]).unwrap(),
        (1, 3)
    );
    let e = square_stimulus_window(&[0.0; 10]).unwrap_err().to_string();
    assert!(e.contains("square"), "{e}");
    let e = mlin(&[0.0; 100], &[0.0; 100], 1e8, 1e-10, 5e-5)
        .unwrap_err()
        .to_string();
    assert!(e.contains("long square"), "{e}");
}
