//! glif-core's `glif_cond` directly (exactly 3 ports and 2 after-spike
//! currents, no padding, no glif-io): two committed NEST 3.10 reference
//! cases bit for bit, the GSL integrator pieces on a known ODE, the
//! refractory behaviour, and the named errors. All 45 cases are checked
//! through glif-io (`nest_reference` test, `cargo xtask verify-nest`).

use std::io::Read;
use std::path::Path;

use glif_core::nest::rkf45::{evolve_apply, rkf45_step, Adjust, Control, OdeSystem};
use glif_core::nest::{
    CondParams, ExpProvider, GlifCond, GlifInit, GlifParams, Level, Libm, NestError, PowProvider,
    Resolution,
};
use serde_json::Value;

/// `exp` and `pow` through std (glibc on Linux), as NEST and GSL call them.
#[derive(Clone, Copy, Debug)]
struct Glibc;

impl ExpProvider<f64> for Glibc {
    fn exp(&self, x: f64) -> f64 {
        x.exp()
    }
}

impl PowProvider<f64> for Glibc {
    fn pow(&self, x: f64, y: f64) -> f64 {
        x.powf(y)
    }
}

fn load(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference/nest/glif_cond")
        .join(name);
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&p).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    serde_json::from_str(&s).unwrap()
}

/// NEST 3.10's `glif_cond` defaults with the level's switches.
fn defaults(level: Level) -> GlifParams<f64, 2> {
    GlifParams::nest_defaults(level)
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Runs a `vm_dc` case (only `V_m` of the state set, `E_L` default, 3
/// ports) and compares every recordable and spike time bit for bit.
fn check_vm_dc_case(name: &str) {
    let case = load(name);
    let p = &case["params"];
    let level = Level::from_switches(
        p["spike_dependent_threshold"].as_bool().unwrap(),
        p["after_spike_currents"].as_bool().unwrap(),
        p["adapting_threshold"].as_bool().unwrap(),
    )
    .unwrap();
    let mut glif = defaults(level);
    glif.g = p["g_m"].as_f64().unwrap();
    let tau = f64s(&p["tau_syn"]);
    let e_rev = f64s(&p["E_rev"]);
    let params = CondParams {
        glif,
        tau_syn: [tau[0], tau[1], tau[2]],
        e_rev: [e_rev[0], e_rev[1], e_rev[2]],
    };
    let h = case["resolution"].as_f64().unwrap();
    let res = Resolution::from_ms(h).unwrap();
    let m = GlifCond::<f64, 3, 2, Glibc>::new(params, res, &Glibc, Glibc).unwrap();
    // NEST's State_::set: V_m is stored relative to E_L.
    let u = p["V_m"].as_f64().unwrap() - glif.e_l;
    let dc = case["dc"].as_f64().unwrap();
    let mut s = m.state(&GlifInit::at(u), dc);
    let n = res.step_at(case["duration"].as_f64().unwrap()).unwrap() as usize;
    let mut weights = vec![[0.0f64; 3]; n];
    for sp in case["spikes"].as_array().unwrap() {
        let port = sp["port"].as_u64().unwrap() as usize - 1;
        for (t, w) in f64s(&sp["times"]).into_iter().zip(f64s(&sp["weights"])) {
            weights[res.step_at(t).unwrap() as usize - 1][port] += w;
        }
    }
    let out = &case["out"];
    let want = |k: &str| f64s(&out[k]);
    let (v_m, i, th, g1, g2, g3) = (
        want("V_m"),
        want("I"),
        want("threshold"),
        want("g_1"),
        want("g_2"),
        want("g_3"),
    );
    let (th_s, th_v, asc) = (
        want("threshold_spike"),
        want("threshold_voltage"),
        want("ASCurrents_sum"),
    );
    let mut spikes = Vec::new();
    for (k, w) in weights.iter().enumerate() {
        if m.step(&mut s, w, dc).unwrap() {
            spikes.push(res.time_of_step(k as i64 + 1));
        }
        let x = m.sample(&s);
        let got = [
            x.glif.v_m,
            x.glif.i,
            x.glif.threshold,
            x.glif.threshold_spike,
            x.glif.threshold_voltage,
            x.glif.asc_sum,
            x.g[0],
            x.g[1],
            x.g[2],
        ];
        let exp = [
            v_m[k], i[k], th[k], th_s[k], th_v[k], asc[k], g1[k], g2[k], g3[k],
        ];
        for (j, (a, b)) in got.iter().zip(exp).enumerate() {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{name}: step {} value {j}: {a} vs {b}",
                k + 1
            );
        }
    }
    assert_eq!(spikes, want("spike_times"), "{name}");
    assert!(!spikes.is_empty(), "{name}: the case should spike");
}

#[test]
fn glif_cond_matches_nest_bit_for_bit_glif2_at_0p05_ms() {
    check_vm_dc_case("L2_vm_dc_r0p05.json.gz");
}

#[test]
fn glif_cond_matches_nest_bit_for_bit_glif5_at_0p1_ms() {
    check_vm_dc_case("L5_vm_dc_r0p1.json.gz");
}

/// `y' = -y` (`y(0)` = 1).
struct Decay;

impl OdeSystem<f64, [f64; 1]> for Decay {
    fn derivative(&self, y: &[f64; 1]) -> [f64; 1] {
        [-y[0]]
    }
}

#[test]
fn rkf45_step_is_fifth_order_accurate_and_its_error_estimate_fourth() {
    for h in [0.1, 0.05] {
        let y0 = [1.0f64];
        let (y, err) = rkf45_step(&Decay, &y0, &Decay.derivative(&y0), h);
        let e = (y[0] - (-h).exp()).abs();
        // Local error of a fifth-order step is O(h^6); the estimate (the
        // difference to the embedded fourth-order result) is O(h^5).
        assert!(e < 1e-3 * h.powi(6), "{h}: {e}");
        assert!(
            err[0].abs() < 1e-2 * h.powi(5) && err[0] != 0.0,
            "{h}: {err:?}"
        );
    }
}

#[test]
fn control_shrinks_grows_and_keeps_as_gsl() {
    let c = Control::<f64>::nest_glif_cond();
    // Error 10 eps_abs: rmax = 10 > 1.1, h *= max(0.2, 0.9 / 10^(1/5)).
    let mut h = 0.1;
    assert_eq!(c.hadjust(&[0.0], &[1e-2], &mut h, &Glibc), Adjust::Decrease);
    assert_eq!(h, 0.9 / 10f64.powf(0.2) * 0.1);
    // Error 1e6 eps_abs: the factor is capped at 0.2.
    let mut h = 0.1;
    c.hadjust(&[0.0], &[1.0e3], &mut h, &Glibc);
    assert_eq!(h, 0.2 * 0.1);
    // No error at all: rmax = DBL_MIN, growth capped at 5.
    let mut h = 0.1;
    assert_eq!(c.hadjust(&[0.0], &[0.0], &mut h, &Glibc), Adjust::Increase);
    assert_eq!(h, 5.0 * 0.1);
    // Between 0.5 and 1.1: unchanged.
    let mut h = 0.1;
    assert_eq!(c.hadjust(&[0.0], &[0.8e-3], &mut h, &Glibc), Adjust::Keep);
    assert_eq!(h, 0.1);
}

#[test]
fn evolve_cuts_the_last_step_to_the_interval_end_and_carries_the_step_size() {
    let c = Control::<f64>::nest_glif_cond();
    let (mut t, mut h, mut y) = (0.0f64, 10.0f64, [1.0f64]);
    let mut calls = 0;
    while t < 0.3 {
        evolve_apply(&Decay, &c, &Glibc, &mut t, 0.3, &mut h, &mut y);
        calls += 1;
    }
    // The first try (10 ms) is cut to the 0.3 ms left: the step ends exactly at 0.3.
    assert_eq!(t, 0.3);
    assert_eq!(calls, 1);
    // One fifth-order step of 0.3 on y' = -y: local error h^6/720-ish
    // (measured 6.2e-7), well inside the control's eps_abs = 1e-3.
    assert!((y[0] - (-0.3f64).exp()).abs() < 1e-5);
    // A large error forces retries with smaller steps and several calls.
    let (mut t, mut h, mut y) = (0.0f64, 10.0f64, [1.0e4f64]);
    let mut calls = 0;
    while t < 3.0 {
        evolve_apply(&Decay, &c, &Glibc, &mut t, 3.0, &mut h, &mut y);
        calls += 1;
    }
    assert!(calls > 3, "{calls}");
    assert_eq!(t, 3.0);
    // Relative error after 3 ms, every step within eps_abs = 1e-3 of a
    // value near 1e4 (measured 5.5e-7).
    assert!((y[0] / (1.0e4 * (-3.0f64).exp()) - 1.0).abs() < 1e-5);
}

fn cond_model<F: glif_core::Float>() -> GlifCond<F, 2, 2, Libm>
where
    Libm: ExpProvider<F> + PowProvider<F>,
{
    let f = F::from_f64;
    let g = defaults(Level::LifR);
    let glif = GlifParams {
        level: g.level,
        g: f(g.g),
        e_l: f(g.e_l),
        c_m: f(g.c_m),
        t_ref: f(g.t_ref),
        th_inf: f(g.th_inf),
        v_reset: f(g.v_reset),
        th_spike_add: f(g.th_spike_add),
        th_spike_decay: f(g.th_spike_decay),
        voltage_reset_fraction: f(g.voltage_reset_fraction),
        voltage_reset_add: f(g.voltage_reset_add),
        th_voltage_index: f(g.th_voltage_index),
        th_voltage_decay: f(g.th_voltage_decay),
        asc_decay: g.asc_decay.map(f),
        asc_amps: g.asc_amps.map(f),
        asc_r: g.asc_r.map(f),
    };
    let params = CondParams {
        glif,
        tau_syn: [f(0.2), f(2.0)],
        e_rev: [f(0.0), f(-85.0)],
    };
    GlifCond::new(params, Resolution::from_ms(0.1).unwrap(), &Libm, Libm).unwrap()
}

/// Excitatory input every 2 ms on port 1; returns (spikes, refractory steps
/// with V_m held plus those still to come at the end, conductance changes
/// seen during refractory steps).
fn drive<F: glif_core::Float>() -> (u32, u32, u32)
where
    Libm: ExpProvider<F> + PowProvider<F>,
{
    let m = cond_model::<F>();
    let mut s = m.state(&GlifInit::at(F::ZERO), F::from_f64(200.0));
    let (mut n, mut held, mut g_moved, mut left) = (0, 0, 0, 0);
    for k in 0..3000 {
        let w = if k % 20 == 0 {
            [F::from_f64(8.0), F::ZERO]
        } else {
            [F::ZERO; 2]
        };
        let before = m.sample(&s);
        if m.step(&mut s, &w, F::from_f64(200.0)).unwrap() {
            n += 1;
            left = m.refractory_steps();
        } else if left > 0 {
            let after = m.sample(&s);
            assert_eq!(after.glif.v_m, before.glif.v_m);
            held += 1;
            g_moved += u32::from(after.g[0] != before.g[0]);
            left -= 1;
        }
    }
    (n, held + left, g_moved)
}

#[test]
fn glif_cond_spikes_holds_v_while_refractory_and_conductances_go_on_in_f32_and_f64() {
    let (n64, held64, moved64) = drive::<f64>();
    let (n32, _, _) = drive::<f32>();
    assert!(n64 > 3, "{n64}");
    assert_eq!(held64, n64 * 38);
    assert!(moved64 > 0);
    assert!((n32 as i64 - n64 as i64).abs() <= 1, "{n32} vs {n64}");
}

#[test]
fn glif_cond_errors_use_nests_names() {
    let res = Resolution::from_ms(0.1).unwrap();
    let mut glif = defaults(Level::Lif);
    glif.g = 0.0;
    let p = CondParams {
        glif,
        tau_syn: [2.0],
        e_rev: [0.0],
    };
    let e = GlifCond::<f64, 1, 2, Libm>::new(p, res, &Libm, Libm).unwrap_err();
    assert_eq!(e, NestError::NotPositive("g_m"));
    let p = CondParams {
        glif: defaults(Level::Lif),
        tau_syn: [-1.0],
        e_rev: [0.0],
    };
    let e = GlifCond::<f64, 1, 2, Libm>::new(p, res, &Libm, Libm).unwrap_err();
    assert_eq!(e.field(), "tau_syn");
    let p = CondParams {
        glif: defaults(Level::Lif),
        tau_syn: [2.0],
        e_rev: [f64::NAN],
    };
    let e = GlifCond::<f64, 1, 2, Libm>::new(p, res, &Libm, Libm).unwrap_err();
    assert_eq!(e.field(), "E_rev");
}
