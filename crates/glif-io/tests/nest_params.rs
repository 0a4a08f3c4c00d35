//! P.json and S.json as NEST reads them: defaults, NEST's SetStatus
//! arithmetic, refusals naming the key.

use glif_io::nest::{
    run_nest, ExpSource, NestModel, NestParams, NestPrecision, NestRun, SpikeInput,
};
use glif_io::ErrorKind;
use serde_json::json;

fn refused_key(model: NestModel, p: serde_json::Value) -> String {
    match NestParams::from_json(model, &p).unwrap_err().kind() {
        ErrorKind::Invalid { path, .. } => path.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn v_m_keeps_its_default_when_only_e_l_changes() {
    let p = NestParams::from_json(NestModel::GlifPsc, &json!({"E_L": -70.0})).unwrap();
    // NEST: U -= delta_EL, so V_m = U + E_L stays at -78.85 (up to rounding).
    assert!((p.u + p.e_l - -78.85).abs() < 1e-12);
    let p =
        NestParams::from_json(NestModel::GlifPsc, &json!({"E_L": -70.0, "V_m": -65.0})).unwrap();
    assert_eq!(p.u, -65.0 - -70.0);
}

#[test]
fn unknown_keys_and_bad_combinations_are_refused_by_name() {
    assert_eq!(
        refused_key(NestModel::GlifPsc, json!({"tau_m": 5.0})),
        "tau_m"
    );
    assert_eq!(refused_key(NestModel::GlifCond, json!({"g": 5.0})), "g");
    assert_eq!(refused_key(NestModel::GlifPsc, json!({"g_m": 5.0})), "g_m");
    assert_eq!(
        refused_key(NestModel::GlifPsc, json!({"adapting_threshold": true})),
        "adapting_threshold"
    );
    assert_eq!(
        refused_key(NestModel::GlifPsc, json!({"V_reset": -40.0})),
        "V_reset"
    );
    assert_eq!(
        refused_key(NestModel::GlifPsc, json!({"tau_syn": [2.0, -1.0]})),
        "tau_syn[1]"
    );
    assert_eq!(
        refused_key(
            NestModel::GlifPscDoubleAlpha,
            json!({"tau_syn_fast": [2.0, 3.0]})
        ),
        "tau_syn_slow"
    );
    assert_eq!(
        refused_key(NestModel::GlifPsc, json!({"threshold_spike": 1.0})),
        "threshold_spike"
    );
    assert_eq!(
        refused_key(NestModel::GlifPsc, json!({"C_m": "big"})),
        "C_m"
    );
    assert!(NestParams::from_json(NestModel::GlifCond, &json!({"g_m": 5.0})).is_ok());
}

#[test]
fn spikes_must_be_on_the_grid_and_on_a_port() {
    let p = NestParams::from_json(NestModel::GlifPsc, &json!({})).unwrap();
    let mk = |s: serde_json::Value| NestRun {
        resolution: 0.1,
        duration: 10.0,
        dc: 0.0,
        current: None,
        spikes: SpikeInput::from_json(&s).unwrap(),
        precision: NestPrecision::F64,
        exp: ExpSource::Std,
    };
    assert!(run_nest(
        &p,
        &mk(json!([{"port": 1, "times": [1.0], "weights": [10.0]}]))
    )
    .is_ok());
    assert!(run_nest(
        &p,
        &mk(json!([{"port": 2, "times": [1.0], "weights": [10.0]}]))
    )
    .is_err());
    assert!(run_nest(
        &p,
        &mk(json!([{"port": 1, "times": [1.05], "weights": [10.0]}]))
    )
    .is_err());
    assert!(run_nest(
        &p,
        &mk(json!([{"port": 1, "times": [0.0], "weights": [10.0]}]))
    )
    .is_err());
    assert!(SpikeInput::from_json(&json!([{"port": 1, "times": [1.0], "weights": []}])).is_err());
    assert!(SpikeInput::from_json(&json!([{"port": 0, "times": [], "weights": []}])).is_err());
}

#[test]
fn dc_reads_in_i_from_the_first_sample() {
    let p = NestParams::from_json(NestModel::GlifPsc, &json!({})).unwrap();
    let out = run_nest(
        &p,
        &NestRun {
            resolution: 0.05,
            duration: 1.0,
            dc: 123.5,
            current: None,
            spikes: vec![],
            precision: NestPrecision::F64,
            exp: ExpSource::Std,
        },
    )
    .unwrap();
    assert_eq!(out.times.len(), 20);
    assert_eq!(out.times[0], 0.05);
    assert!(out.get("I").unwrap().iter().all(|&i| i == 123.5));
    assert!(out.get("V_m").unwrap()[0] > -78.85);
}

/// `double_alpha_model` and `cond_model` (exactly 2 ports, as the NEST
/// benchmark builds them) step bit for bit as `run` (16 padded ports) on the
/// same GLIF5 neuron and input: `V_m` at every sample and every spike.
#[test]
fn fixed_shape_models_equal_run() {
    use glif_io::nest::StdExp;
    let steps = 3000usize;
    let spikes = json!([
        {"port": 1, "times": (1..=steps).filter(|k| k.is_multiple_of(7)).map(|k| k as f64 * 0.1).collect::<Vec<_>>(),
         "weights": (1..=steps).filter(|k| k.is_multiple_of(7)).map(|_| 30.0).collect::<Vec<_>>()},
        {"port": 2, "times": (1..=steps).filter(|k| k.is_multiple_of(11)).map(|k| k as f64 * 0.1).collect::<Vec<_>>(),
         "weights": (1..=steps).filter(|k| k.is_multiple_of(11)).map(|_| 4.0).collect::<Vec<_>>()},
    ]);
    let input = SpikeInput::from_json(&spikes).unwrap();
    let weights_at = |k: usize| -> [f64; 2] {
        [
            if k.is_multiple_of(7) { 30.0 } else { 0.0 },
            if k.is_multiple_of(11) { 4.0 } else { 0.0 },
        ]
    };
    let glif5 = json!({"spike_dependent_threshold": true, "after_spike_currents": true,
                       "adapting_threshold": true});
    let mut da = glif5.clone();
    da["tau_syn_fast"] = json!([2.0, 5.0]);
    da["tau_syn_slow"] = json!([6.0, 10.0]);
    da["amp_slow"] = json!([0.3, 0.5]);
    let mut cond = glif5.clone();
    cond["tau_syn"] = json!([0.2, 2.0]);
    cond["E_rev"] = json!([0.0, -85.0]);
    for (model, d) in [
        (NestModel::GlifPscDoubleAlpha, da),
        (NestModel::GlifCond, cond),
    ] {
        let p = NestParams::from_json(model, &d).unwrap();
        let r = NestRun {
            resolution: 0.1,
            duration: steps as f64 * 0.1,
            dc: 150.0,
            current: None,
            spikes: input.clone(),
            precision: NestPrecision::F64,
            exp: ExpSource::Std,
        };
        let want = run_nest(&p, &r).unwrap();
        let mut v = Vec::new();
        let mut spiked = Vec::new();
        if model == NestModel::GlifCond {
            let (m, init) = p
                .cond_model::<f64, _, _, 2, 2>(0.1, &StdExp, StdExp)
                .unwrap();
            let mut s = m.state(&init, 150.0);
            for k in 1..=steps {
                if m.step(&mut s, &weights_at(k), 150.0).unwrap() {
                    spiked.push(k);
                }
                v.push(m.sample(&s).glif.v_m);
            }
        } else {
            let (m, init) = p.double_alpha_model::<f64, _, 2, 2>(0.1, &StdExp).unwrap();
            let mut s = m.state(&init, 150.0);
            for k in 1..=steps {
                if m.step(&mut s, &weights_at(k), 150.0) {
                    spiked.push(k);
                }
                v.push(m.sample(&s).glif.v_m);
            }
        }
        let want_v = want.get("V_m").unwrap();
        assert!(
            v.iter()
                .zip(want_v)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{}",
            model.name()
        );
        let times: Vec<f64> = spiked.iter().map(|&k| want.times[k - 1]).collect();
        assert_eq!(times, want.spike_times, "{}", model.name());
        assert!(
            !times.is_empty(),
            "{}: the input makes it spike",
            model.name()
        );
    }
}
