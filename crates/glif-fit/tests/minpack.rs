//! MINPACK's lmdif as reproduced in glif-fit against scipy's own
//! (`scipy.optimize.leastsq` / `curve_fit`, the Fortran MINPACK scipy 1.11
//! ships), on models built from +, -, *, / only, so both sides evaluate
//! the same residuals bit for bit: the same number of evaluations, the
//! same `info`, the same parameters bit for bit.

mod common;

use glif_fit::minpack::{curve_fit, enorm, lmdif, LmdifOptions};

const SCRIPT: &str = r#"
import json, sys
import numpy as np
from scipy.optimize import leastsq
def model(name, p, x):
    if name == "rational":
        return p[0] / (1.0 + p[1] * x) + p[2] * x
    if name == "poly":
        return p[0] + x * (p[1] + x * p[2])
    if name == "hill":
        return p[0] * x * x / (p[1] * p[1] + x * x)
out = []
for c in json.load(sys.stdin):
    x = np.array(c["x"]); y = np.array(c["y"]); calls = [0]
    def res(p):
        calls[0] += 1
        return model(c["name"], p, x) - y
    p, cov, info, msg, ier = leastsq(res, np.array(c["p0"]), full_output=1)
    out.append({"p": p.tolist(), "ier": int(ier), "nfev": int(info["nfev"]), "calls": calls[0]})
print(json.dumps(out))
"#;

fn model(name: &str, p: &[f64], x: f64) -> f64 {
    match name {
        "rational" => p[0] / (1.0 + p[1] * x) + p[2] * x,
        "poly" => p[0] + x * (p[1] + x * p[2]),
        "hill" => p[0] * x * x / (p[1] * p[1] + x * x),
        _ => unreachable!(),
    }
}

#[test]
fn lmdif_takes_scipys_path() {
    let mut rng = common::Rng(3);
    let xs: Vec<f64> = (0..200).map(|k| k as f64 * 0.05).collect();
    let noisy = |rng: &mut common::Rng, name: &str, p: &[f64], s: f64| -> Vec<f64> {
        xs.iter()
            .map(|&x| model(name, p, x) + s * rng.normal())
            .collect()
    };
    let cases = [
        (
            "rational",
            noisy(&mut rng, "rational", &[2.0, 0.7, -0.1], 0.01),
            vec![1.0, 1.0, 0.0],
        ),
        (
            "poly",
            noisy(&mut rng, "poly", &[1.0, -2.0, 0.3], 0.1),
            vec![0.0, 0.0, 0.0],
        ),
        (
            "hill",
            noisy(&mut rng, "hill", &[3.0, 2.0], 0.05),
            vec![1.0, 1.0],
        ),
        (
            "hill",
            noisy(&mut rng, "hill", &[3e-3, 2.0], 1e-5),
            vec![1e-3, 5.0],
        ),
    ];
    let input: Vec<serde_json::Value> = cases
        .iter()
        .map(|(name, y, p0)| serde_json::json!({"name": name, "x": xs, "y": y, "p0": p0}))
        .collect();
    let Some(want) = common::oracle("fit/minpack", SCRIPT, &serde_json::Value::Array(input)) else {
        return;
    };
    let mut worst = 0.0f64;
    for ((name, y, p0), w) in cases.iter().zip(want.as_array().unwrap()) {
        let mut calls = 0;
        let got = lmdif(
            |p, out| {
                calls += 1;
                for (o, (&x, yi)) in out.iter_mut().zip(xs.iter().zip(y)) {
                    *o = model(name, p, x) - yi;
                }
            },
            p0,
            xs.len(),
            &LmdifOptions::default(),
        );
        assert_eq!(got.info as i64, w["ier"].as_i64().unwrap(), "{name}: info");
        // MINPACK's own count; scipy's wrapper also calls the function
        // outside MINPACK (to check the output's shape), so the Python-side
        // count is larger by those calls.
        assert_eq!(got.nfev, calls);
        assert_eq!(got.nfev as u64, w["nfev"].as_u64().unwrap(), "{name}: nfev");
        let p = common::floats(&w["p"]);
        // The same path: the same parameters, bit for bit.
        let rel = common::max_rel(&got.x, &p, 1e-300);
        worst = worst.max(rel);
        for (a, b) in got.x.iter().zip(&p) {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{name}: parameters {:?} vs scipy {p:?}",
                got.x
            );
        }
        let fit = curve_fit(
            |p, out| {
                for (o, &x) in out.iter_mut().zip(&xs) {
                    *o = model(name, p, x);
                }
            },
            y,
            p0,
            "test fit",
        )
        .unwrap();
        assert_eq!(fit.x, got.x, "{name}: curve_fit is lmdif on model - data");
    }
    glif_reference::env::record(
        "fit/minpack",
        glif_reference::env::Outcome::Ran,
        cases.len(),
        &format!("evaluation counts, info and parameters identical to scipy's (largest difference {worst:.1e})"),
    );
}

#[test]
fn enorm_and_refusals() {
    assert_eq!(enorm(&[3.0, 4.0]), 5.0);
    // Below 3.834e-20 MINPACK scales by the largest element: 1 ulp off.
    assert!((enorm(&[3e-30, 4e-30]) - 5e-30).abs() < 5e-30 * 1e-15);
    assert!((enorm(&[3e200, 4e200]) - 5e200).abs() < 5e200 * 1e-15);
    let e = curve_fit(|_, o| o.fill(0.0), &[1.0, f64::NAN, 2.0], &[1.0], "t")
        .unwrap_err()
        .to_string();
    assert!(e.contains("index 1"), "{e}");
    assert_eq!(
        lmdif(|_, _| {}, &[1.0, 2.0], 1, &LmdifOptions::default()).info,
        0
    );
}
