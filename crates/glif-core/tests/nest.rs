//! glif-core's NEST models: the pieces with rules of their own (switch
//! combinations, time grid, delay ring, propagator special cases, NEST's
//! expm1 series). Bit equality with NEST itself is checked against the
//! committed NEST runs by glif-io's `nest_reference` test and
//! `cargo xtask verify-nest`.

use glif_core::nest::math::series_expm1;
use glif_core::nest::propagator::alpha_propagator;
use glif_core::nest::{
    DelayRing, GlifInit, GlifParams, GlifPsc, Level, Libm, NestError, PscParams, Resolution,
};

#[test]
fn only_nests_five_switch_combinations_exist() {
    let mut n = 0;
    for a in [false, true] {
        for b in [false, true] {
            for c in [false, true] {
                if let Some(l) = Level::from_switches(a, b, c) {
                    n += 1;
                    assert_eq!(
                        (
                            l.spike_dependent_threshold(),
                            l.after_spike_currents(),
                            l.adapting_threshold()
                        ),
                        (a, b, c)
                    );
                }
            }
        }
    }
    assert_eq!(n, 5);
    assert!(Level::from_switches(false, false, true).is_none());
    assert!(Level::from_switches(true, false, true).is_none());
    assert!(Level::from_switches(false, true, true).is_none());
}

#[test]
fn time_grid_is_nests() {
    let r = Resolution::from_ms(0.1).unwrap();
    assert_eq!(r.tics_per_step(), 100);
    assert_eq!(r.h_ms(), 0.1);
    // 51 x 0.1 ms as NEST reports it (integer tics times 0.001).
    assert_eq!(r.time_of_step(51), 5.1000000000000005);
    // t_ref 3.75 ms: 3750 tics, rounded up to 38 steps of 100 tics.
    assert_eq!(r.steps_ceil(3.75), Some(38));
    assert_eq!(
        Resolution::from_ms(0.05).unwrap().steps_ceil(3.75),
        Some(75)
    );
    assert_eq!(r.step_at(2.1), Some(21));
    assert_eq!(r.step_at(2.15), None);
    assert!(Resolution::from_ms(0.0).is_none());
    assert!(Resolution::from_ms(f64::NAN).is_none());
}

#[test]
fn delay_ring_sums_in_order_and_refuses_long_delays() {
    let mut ring: DelayRing<f64, 2, 4> = DelayRing::new();
    ring.add(0, 0, 1.5).unwrap();
    ring.add(2, 1, -2.0).unwrap();
    ring.add(2, 1, 0.25).unwrap();
    assert_eq!(ring.add(4, 0, 1.0).unwrap_err().max, 3);
    assert!(ring.add(0, 2, 1.0).is_err());
    assert_eq!(ring.take(), [1.5, 0.0]);
    assert_eq!(ring.take(), [0.0, 0.0]);
    assert_eq!(ring.take(), [0.0, -1.75]);
    // The slot was cleared: the ring comes round to it empty.
    for _ in 0..4 {
        assert_eq!(ring.take(), [0.0, 0.0]);
    }
}

#[test]
fn series_expm1_is_accurate() {
    for &x in &[1e-12, -3e-5, 0.01, -0.2, 0.5, 0.69, 0.7, -2.0] {
        let s = series_expm1(x, libm::exp);
        let want = libm::expm1(x);
        assert!(
            ((s - want) / want).abs() < 4.0 * f64::EPSILON,
            "{x}: {s} vs {want}"
        );
    }
    assert_eq!(series_expm1(0.0, libm::exp), 0.0);
    assert!(series_expm1(f64::NAN, libm::exp).is_nan());
}

#[test]
fn propagator_special_cases_are_finite_and_continuous() {
    let (c_m, tau_m, h): (f64, f64, f64) = (58.72, 58.72 / 9.43, 0.1);
    let equal = alpha_propagator(tau_m, tau_m, c_m, h, &Libm);
    let near = alpha_propagator(tau_m * (1.0 + 1e-9), tau_m, c_m, h, &Libm);
    let far = alpha_propagator(tau_m * 1.01, tau_m, c_m, h, &Libm);
    for (p31, p32) in [equal, near, far] {
        assert!(p31.is_finite() && p31 > 0.0 && p32.is_finite() && p32 > 0.0);
    }
    assert!(((equal.0 - near.0) / equal.0).abs() < 1e-6);
    assert!(((equal.1 - near.1) / equal.1).abs() < 1e-6);
    assert!(((equal.1 - far.1) / equal.1).abs() < 1e-2);
}

/// NEST 3.10's defaults at level 1.
fn glif1<F: glif_core::Float>() -> GlifParams<F, 2> {
    GlifParams::nest_defaults(Level::Lif)
}

fn spikes_of<F: glif_core::Float>() -> (u32, u32)
where
    Libm: glif_core::nest::ExpProvider<F>,
{
    let res = Resolution::from_ms(0.1).unwrap();
    let m = GlifPsc::<F, 2, 2>::new(
        PscParams {
            glif: glif1::<F>(),
            tau_syn: [F::from_f64(2.0), F::from_f64(0.5)],
        },
        res,
        &Libm,
    )
    .unwrap();
    let dc = F::from_f64(300.0);
    let mut s = m.state(&GlifInit::at(F::ZERO), dc);
    let (mut n, mut held) = (0, 0);
    let mut refractory_left = 0;
    for k in 0..2000 {
        let w = if k % 50 == 0 {
            [F::from_f64(100.0), F::from_f64(-50.0)]
        } else {
            [F::ZERO; 2]
        };
        let before = m.sample(&s).glif.v_m;
        if m.step(&mut s, &w, dc) {
            n += 1;
            refractory_left = m.refractory_steps();
        } else if refractory_left > 0 {
            // Refractory: V_m held at its post-reset value for t_ref.
            assert_eq!(m.sample(&s).glif.v_m, before);
            refractory_left -= 1;
            held += 1;
        }
    }
    (n, held)
}

#[test]
fn a_driven_neuron_spikes_and_holds_v_during_refractoriness_in_f32_and_f64() {
    let (n64, held64) = spikes_of::<f64>();
    let (n32, _) = spikes_of::<f32>();
    assert!(n64 > 3, "{n64}");
    assert_eq!(held64, n64 * 38);
    assert!((n32 as i64 - n64 as i64).abs() <= 1, "{n32} vs {n64}");
}

#[test]
fn nests_checks_name_the_parameter() {
    let res = Resolution::from_ms(0.1).unwrap();
    let error = |glif: GlifParams<f64, 2>, tau_syn: f64| {
        GlifPsc::<f64, 1, 2>::new(
            PscParams {
                glif,
                tau_syn: [tau_syn],
            },
            res,
            &Libm,
        )
        .unwrap_err()
    };
    let mut p = glif1::<f64>();
    p.v_reset = p.th_inf;
    assert_eq!(error(p, 2.0), NestError::ResetNotBelowThreshold);
    assert_eq!(error(glif1::<f64>(), 0.0).field(), "tau_syn");
    let mut p = glif1::<f64>();
    p.level = Level::LifAsc;
    p.asc_r = [1.5, 0.0];
    assert_eq!(error(p, 2.0).field(), "asc_r");
}
