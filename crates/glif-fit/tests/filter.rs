//! Loading (Bessel low-pass, filtfilt, mean-subsampling) against scipy,
//! numpy and AllenSDK's own `data_access.subsample_data` on the same arrays.

mod common;

use glif_fit::filter::{bessel_lowpass, filtfilt, lfilter_zi, load_sweep, subsample_mean};

const SCRIPT: &str = r#"
import json, sys
import numpy as np
from scipy import signal
from allensdk.internal.model.data_access import subsample_data
inp = json.load(sys.stdin)
out = {"designs": [], "traces": []}
for order, wn in inp["designs"]:
    b, a = signal.bessel(order, wn, "low")
    out["designs"].append({"b": b.tolist(), "a": a.tolist(), "zi": signal.lfilter_zi(b, a).tolist()})
for t in inp["traces"]:
    x = np.array(t["v"]); rate = t["rate"]
    # data_access.load_sweep's steps, on arrays.
    b, a = signal.bessel(4, 10000 / (rate / 2.), "low")
    f = signal.filtfilt(b, a, x, axis=0)
    dt = 1.0 / rate
    sub = subsample_data(f, "mean", dt, 5e-05) if dt != 5e-05 else f
    i = np.array(t["i"], dtype=np.float32) if t["f32"] else np.array(t["i"])  # as read from a float32 dataset
    cur = subsample_data(i, "mean", dt, 5e-05) if dt != 5e-05 else i
    out["traces"].append({"filtered": f.tolist(), "sub": sub.tolist(), "cur": cur.tolist()})
print(json.dumps(out))
"#;

/// A voltage (V) and current (A) trace.
type Trace = (Vec<f64>, Vec<f64>);

/// A voltage-like trace, V: a random walk around -70 mV with a few
/// 1 ms spike-shaped excursions to +30 mV.
fn trace(rng: &mut common::Rng, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = -0.07;
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        v += 2e-4 * rng.normal() - 0.01 * (v + 0.07);
        let spike = if k % 3000 > 2900 {
            0.1 * (((k % 3000) - 2900) as f64 / 100.0 * std::f64::consts::PI).sin()
        } else {
            0.0
        };
        out.push(v + spike);
    }
    let i = (0..n).map(|_| 1e-10 * rng.next_f64()).collect();
    (out, i)
}

#[test]
fn loading_matches_scipy_and_allensdk() {
    let designs = [
        (4usize, 0.1f64),
        (4, 0.4),
        (2, 0.05),
        (6, 0.7),
        (4, 10000.0 / 25000.0),
    ];
    let mut rng = common::Rng(7);
    let traces: Vec<(f64, Trace)> = vec![
        (200_000.0, trace(&mut rng, 20_003)),
        (50_000.0, trace(&mut rng, 5_000)),
        (25_000.0, trace(&mut rng, 1_000)),
        (200_000.0, trace(&mut rng, 16)),
        (40_000.0, trace(&mut rng, 4_001)),
    ];
    // The 40 kHz trace's current is float32-valued (as an NWB dataset
    // stores it): averaged in float32, as numpy does.
    let mut traces = traces;
    traces[4].1 .1 = traces[4]
        .1
         .1
        .iter()
        .map(|&x| f64::from(x as f32))
        .collect();
    let input = serde_json::json!({
        "designs": designs,
        "traces": traces.iter().enumerate().map(|(k, (r, (v, i)))| serde_json::json!({"rate": r, "v": v, "i": i, "f32": k == 4})).collect::<Vec<_>>(),
    });
    let Some(want) = common::oracle("fit/filter", SCRIPT, &input) else {
        return;
    };
    let mut worst_coef = 0.0f64;
    for ((order, wn), w) in designs.iter().zip(want["designs"].as_array().unwrap()) {
        let f = bessel_lowpass(*order, *wn).unwrap();
        // The poles come from another root finder than scipy's, so the
        // coefficients agree to rounding (a few ulp, 1e-13 relative at most
        // measured) rather than bit for bit.
        let rb = common::max_rel(&f.b, &common::floats(&w["b"]), 0.0);
        let ra = common::max_rel(&f.a, &common::floats(&w["a"]), 1e-300);
        let rz = common::max_rel(&lfilter_zi(&f), &common::floats(&w["zi"]), 1e-12);
        worst_coef = worst_coef.max(rb).max(ra).max(rz);
        assert!(
            rb < 1e-12 && ra < 1e-12 && rz < 1e-11,
            "bessel({order}, {wn}): b {rb:e} a {ra:e} zi {rz:e}"
        );
    }
    let mut worst_filtered = 0.0f64;
    for ((rate, (v, i)), w) in traces.iter().zip(want["traces"].as_array().unwrap()) {
        let f = bessel_lowpass(4, 10_000.0 / (rate / 2.0)).unwrap();
        let got = filtfilt(&f, v).unwrap();
        // Closed-form stage: within 1e-9 relative (the project's bound for
        // filtering); the coefficient rounding above is all that differs.
        let rel = common::max_rel(&got, &common::floats(&w["filtered"]), 1e-3);
        worst_filtered = worst_filtered.max(rel);
        assert!(rel < 1e-9, "filtfilt at {rate} Hz: {rel:e}");
        // Subsampling alone is numpy's pairwise sum reproduced: bit for bit
        // on scipy's filtered trace.
        let dt = 1.0 / rate;
        let sub_of_scipy = subsample_mean(&common::floats(&w["filtered"]), dt, 5e-5).unwrap();
        let want_sub = common::floats(&w["sub"]);
        assert_eq!(sub_of_scipy.len(), want_sub.len());
        assert!(
            sub_of_scipy
                .iter()
                .zip(&want_sub)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "subsample at {rate} Hz not bit for bit"
        );
        let loaded = load_sweep(v, i, *rate, 0, 5e-5, Some((4, 10_000.0))).unwrap();
        assert!(common::max_rel(&loaded.voltage, &want_sub, 1e-3) < 1e-9);
        let want_cur = common::floats(&w["cur"]);
        assert!(
            loaded
                .current
                .iter()
                .zip(&want_cur)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "current subsample at {rate} Hz"
        );
    }
    eprintln!(
        "worst coefficient difference {worst_coef:e}, worst filtered {worst_filtered:e} relative"
    );
    glif_reference::env::record(
        "fit/filter",
        glif_reference::env::Outcome::Ran,
        designs.len() + traces.len(),
        &format!("coefficients within {worst_coef:.1e}, filtfilt within {worst_filtered:.1e} relative; subsampling bit for bit"),
    );
}

#[test]
fn loading_refuses_bad_input() {
    let f = bessel_lowpass(4, 0.1).unwrap();
    let e = filtfilt(&f, &[0.0; 15]).unwrap_err().to_string();
    assert!(e.contains("15") && e.contains("padding"), "{e}");
    let mut x = vec![-0.07; 100];
    x[60] = f64::NAN;
    let e = filtfilt(&f, &x).unwrap_err().to_string();
    assert!(e.contains("index 60") && e.contains("NaN"), "{e}");
    let e = bessel_lowpass(4, 1.0).unwrap_err().to_string();
    assert!(
        e.contains("cut-off") && e.contains("between 0 and 1"),
        "{e}"
    );
    let e = subsample_mean(&x, 5e-5, 5e-6).unwrap_err().to_string();
    assert!(e.contains("fitting dt"), "{e}");
    let e = load_sweep(&x, &[0.0; 3], 2e5, 0, 5e-5, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("current samples") && e.contains("100"), "{e}");
}
