//! P.json and S.json as NEST reads them: defaults, NEST's SetStatus
//! arithmetic, refusals naming the key.

use glif_io::nest::{run, ExpSource, NestModel, NestParams, NestPrecision, NestRun, SpikeInput};
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
        spikes: SpikeInput::from_json(&s).unwrap(),
        precision: NestPrecision::F64,
        exp: ExpSource::Std,
    };
    assert!(run(
        &p,
        &mk(json!([{"port": 1, "times": [1.0], "weights": [10.0]}]))
    )
    .is_ok());
    assert!(run(
        &p,
        &mk(json!([{"port": 2, "times": [1.0], "weights": [10.0]}]))
    )
    .is_err());
    assert!(run(
        &p,
        &mk(json!([{"port": 1, "times": [1.05], "weights": [10.0]}]))
    )
    .is_err());
    assert!(run(
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
    let out = run(
        &p,
        &NestRun {
            resolution: 0.05,
            duration: 1.0,
            dc: 123.5,
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
