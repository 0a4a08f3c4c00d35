//! After-spike currents against AllenSDK's own `ASGLM.ASGLM_pairwise`
//! (statsmodels 0.14's GLM) on the same sweeps. One patch in the oracle
//! process: ASGLM passes the link class `links.identity`, which
//! statsmodels 0.14 refuses (every fit would fail); the patched call passes
//! an instance, `links.identity()`.

mod common;

use glif_fit::asc::{asc_pairwise, K_ASC_POSSIBLE};
use glif_reference::tolerance::FIT_CLOSED_FORM_REL;

const SCRIPT: &str = r#"
import json, sys, io, contextlib, logging, types, warnings
import numpy as np
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
import statsmodels.api as sm
import allensdk.internal.model.glif.ASGLM as A
class Families:  # patch: an identity-link instance (was the class)
    links = sm.families.links
    @staticmethod
    def Gaussian(link):
        return sm.families.Gaussian(link() if isinstance(link, type) else link)
A.sm = types.SimpleNamespace(GLM=sm.GLM, families=Families)
c = json.load(sys.stdin)
with contextlib.redirect_stdout(io.StringIO()):
    k, amp, r, llh = A.ASGLM_pairwise(np.array(c["ks"]), [np.array(i) for i in c["i"]], [np.array(v) for v in c["v"]],
                                      [np.array(s) for s in c["spikes"]], c["c"], c["tau"], c["cut"], c["dt"], c["el"])
print(json.dumps({"k": k.tolist(), "amp": np.asarray(amp).tolist(), "r": np.asarray(r).tolist(), "llh": np.asarray(llh).tolist()}))
"#;

/// A leaky neuron with two after-spike currents (rates 10 and 100 1/s),
/// driven by noisy current; at threshold a spike index is recorded, the
/// voltage held at +20 mV for `cut` samples and then reset.
fn sweep(rng: &mut common::Rng, dt: f64, n: usize, cut: usize) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    let (r, c, el) = (1.5e8, 1.2e-10, -0.07);
    let (mut v, mut a1, mut a2, mut i) = (el, 0.0, 0.0, 0.0);
    let mut held = 0;
    let (mut vs, mut is, mut spikes) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..n {
        i = 0.98 * i + 0.02 * (2.2e-10 + 1.5e-10 * rng.normal());
        is.push(i);
        if held > 0 {
            held -= 1;
            vs.push(0.02 + 1e-4 * rng.normal());
            if held == 0 {
                v = -0.068;
            }
            continue;
        }
        vs.push(v + 5e-5 * rng.normal());
        v += dt / c * (i - (v - el) / r + a1 + a2);
        a1 *= (-10.0 * dt).exp();
        a2 *= (-100.0 * dt).exp();
        if v > -0.05 && k + cut + 2 < n {
            spikes.push(k + 1);
            held = cut;
            a1 += -3e-11;
            a2 += 5e-11;
        }
    }
    (vs, is, spikes)
}

#[test]
fn asc_pairwise_matches_allensdk() {
    let dt = 5e-5;
    let cut = 30;
    let mut rng = common::Rng(41);
    let sweeps: Vec<_> = (0..2).map(|_| sweep(&mut rng, dt, 60_000, cut)).collect();
    let (c, tau, el) = (1.1e-10, 1.1e-10 * 1.6e8, -0.0702);
    let vs: Vec<&[f64]> = sweeps.iter().map(|s| s.0.as_slice()).collect();
    let is: Vec<&[f64]> = sweeps.iter().map(|s| s.1.as_slice()).collect();
    let spikes: Vec<Vec<usize>> = sweeps.iter().map(|s| s.2.clone()).collect();
    assert!(
        spikes.iter().all(|s| s.len() > 10),
        "spike counts {:?}",
        spikes.iter().map(Vec::len).collect::<Vec<_>>()
    );
    let input = serde_json::json!({"ks": K_ASC_POSSIBLE, "i": is, "v": vs, "spikes": spikes, "c": c, "tau": tau, "cut": cut, "dt": dt, "el": el});
    let Some(want) = common::oracle("fit/asc", SCRIPT, &input) else {
        return;
    };
    let got = asc_pairwise(&K_ASC_POSSIBLE, &is, &vs, &spikes, c, tau, cut, dt, el).unwrap();
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    let k = common::floats(&want["k"]);
    assert!(
        rel(got.k_pair[0], k[0]) < 1e-15 && rel(got.k_pair[1], k[1]) < 1e-15,
        "pair {:?} vs {k:?}",
        got.k_pair
    );
    let mut worst = 0.0f64;
    for s in 0..sweeps.len() {
        let amp = common::floats(&want["amp"][s]);
        let pairs = [
            (got.amplitudes[s][0], amp[0]),
            (got.amplitudes[s][1], amp[1]),
            (got.r[s], want["r"][s].as_f64().unwrap()),
            (got.log_likelihood[s], want["llh"][s].as_f64().unwrap()),
        ];
        for (x, y) in pairs {
            worst = worst.max(rel(x, y));
            assert!(
                rel(x, y) < FIT_CLOSED_FORM_REL,
                "sweep {s}: {x} vs AllenSDK {y}"
            );
        }
    }
    common::ran(
        "fit/asc",
        sweeps.len(),
        &format!(
            "best pair {:?} 1/s; same rate pair as AllenSDK; amplitudes, R_ASC and log-likelihoods within {worst:.1e} relative",
            got.k_pair
        ),
    );
}
