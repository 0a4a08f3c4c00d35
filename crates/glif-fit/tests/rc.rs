//! R, C, El against AllenSDK's own `rc.least_squares_RCEl_calc_tested`
//! (numpy's SVD-based `lstsq`) on the same arrays.

mod common;

use glif_fit::rc::{rc_el, rc_el_sweeps};

const SCRIPT: &str = r#"
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
from allensdk.internal.model.glif.rc import least_squares_RCEl_calc_tested
inp = json.load(sys.stdin)
r, c, el = least_squares_RCEl_calc_tested([np.array(v) for v in inp["v"]], [np.array(i) for i in inp["i"]], inp["dt"])
# The same regression in extended precision (x87 long double, 64-bit
# significand): normal equations of the centred problem, whose condition
# number is small, so this is accurate to far below double rounding.
exact = {"r": [], "c": [], "el": []}
for v, i in zip(inp["v"], inp["i"]):
    v = np.array(v, dtype=np.longdouble); i = np.array(i, dtype=np.longdouble)
    V, I, Y = v[:-1], i[:-1], v[1:]
    Vc, Ic, Yc = V - V.mean(), I - I.mean(), Y - Y.mean()
    s11, s12, s22 = (Vc*Vc).sum(), (Vc*Ic).sum(), (Ic*Ic).sum()
    t1, t2 = (Vc*Yc).sum(), (Ic*Yc).sum()
    det = s11*s22 - s12*s12
    a = (t1*s22 - s12*t2)/det; b = (s11*t2 - s12*t1)/det
    c0 = Y.mean() - a*V.mean() - b*I.mean()
    exact["r"].append(float(-b/(a - 1))); exact["c"].append(float(inp["dt"]/b)); exact["el"].append(float(-c0/(a - 1)))
print(json.dumps({"r": [float(x) for x in r], "c": [float(x) for x in c], "el": [float(x) for x in el],
                  "mean_r": float(np.mean(r)), "exact": exact}))
"#;

/// A passive membrane (R ohm, C F, El V) driven by noisy current, Euler at
/// `dt`, with recording noise of `noise` V.
fn sweep(
    rng: &mut common::Rng,
    n: usize,
    r: f64,
    c: f64,
    el: f64,
    noise: f64,
    dt: f64,
) -> (Vec<f64>, Vec<f64>) {
    let mut v = el;
    let mut vs = Vec::with_capacity(n);
    let mut is = Vec::with_capacity(n);
    let mut i = 0.0;
    for _ in 0..n {
        i = 0.9 * i + 2e-11 * rng.normal();
        vs.push(v + noise * rng.normal());
        is.push(i);
        v += dt / c * (-(v - el) / r + i);
    }
    (vs, is)
}

#[test]
fn rc_el_matches_allensdk() {
    let dt = 5e-5;
    let mut rng = common::Rng(11);
    let sweeps = [
        sweep(&mut rng, 20_000, 2e8, 1e-10, -0.07, 2e-4, dt),
        sweep(&mut rng, 20_000, 1.2e8, 6e-11, -0.065, 1e-3, dt),
        sweep(&mut rng, 5_000, 4e8, 2e-10, -0.075, 1e-5, dt),
    ];
    let vs: Vec<&[f64]> = sweeps.iter().map(|s| s.0.as_slice()).collect();
    let is: Vec<&[f64]> = sweeps.iter().map(|s| s.1.as_slice()).collect();
    let input = serde_json::json!({"v": vs, "i": is, "dt": dt});
    let Some(want) = common::oracle("fit/rc", SCRIPT, &input) else {
        return;
    };
    let got = rc_el_sweeps(&vs, &is, dt).unwrap();
    let (mut worst, mut worst_exact) = (0.0f64, 0.0f64);
    for (k, g) in got.iter().enumerate() {
        for (name, x) in [("r", g.r), ("c", g.c), ("el", g.el)] {
            let exact = want["exact"][name][k].as_f64().unwrap();
            let rel = ((x - exact) / exact).abs();
            worst_exact = worst_exact.max(rel);
            // Against the extended-precision solution of the same problem:
            // 1e-11 relative (the centred, scaled QR loses a few digits to
            // the amplification by 1 / (a - 1), about 400 here).
            assert!(
                rel < 1e-11,
                "sweep {k} {name}: glif-fit {x:e}, extended precision {exact:e} ({rel:e})"
            );
            let w = want[name][k].as_f64().unwrap();
            let rel = ((x - w) / w).abs();
            worst = worst.max(rel);
            // Against AllenSDK: its lstsq on the raw columns carries its own
            // rounding error (measured up to 8e-8 relative in R on a noisy
            // sweep), so agreement is bounded by that, not by ours.
            assert!(
                rel < glif_reference::tolerance::FIT_RCEL_VS_ALLENSDK_REL,
                "sweep {k} {name}: glif-fit {x:e}, AllenSDK {w:e} ({rel:e})"
            );
        }
    }
    let mean_r = glif_fit::stats::mean(&got.iter().map(|g| g.r).collect::<Vec<_>>());
    assert!(
        ((mean_r - want["mean_r"].as_f64().unwrap()) / mean_r).abs()
            < glif_reference::tolerance::FIT_RCEL_VS_ALLENSDK_REL
    );
    eprintln!("worst relative difference {worst:e} from AllenSDK, {worst_exact:e} from extended precision");
    glif_reference::env::record(
        "fit/rc",
        glif_reference::env::Outcome::Ran,
        sweeps.len(),
        &format!("R, C, El within {worst_exact:.1e} relative of extended precision, {worst:.1e} of AllenSDK's lstsq"),
    );
}

#[test]
fn rc_el_refuses_bad_input() {
    let e = rc_el(&[0.0; 10], &[0.0; 9], 5e-5).unwrap_err().to_string();
    assert!(e.contains("current samples") && e.contains("10"), "{e}");
    // No current: the current regressor is zero, C cannot be estimated.
    let v: Vec<f64> = (0..100)
        .map(|k| -0.07 + 1e-3 * (k as f64 * 0.1).sin())
        .collect();
    let e = rc_el(&v, &[0.0; 100], 5e-5).unwrap_err().to_string();
    assert!(e.contains("regressor 1") && e.contains("zero"), "{e}");
    let mut v2 = v.clone();
    v2[5] = f64::NAN;
    let e = rc_el(&v2, &[1e-10; 100], 5e-5).unwrap_err().to_string();
    assert!(e.contains("non-finite") && e.contains("index"), "{e}");
    let e = rc_el(&v, &[1e-10; 100], -1.0).unwrap_err().to_string();
    assert!(e.contains("dt"), "{e}");
}
