//! Sweep selection against AllenSDK's own `find_sweeps` functions on the
//! same sweep tables (random families, amplitudes with ties, spike counts
//! 0 or positive), including the tables it refuses.

mod common;

use glif_fit::sweeps::{family, names, parse_sweep_table, select};

const SCRIPT: &str = r#"
import json, sys
import numpy as np
import allensdk.internal.model.glif.find_sweeps as fs
out = []
for table in json.load(sys.stdin):
    index = {s["sweep_number"]: s for s in table}
    r = {}
    for key, f in [("noise", fs.find_noise_sweeps), ("ssq", fs.find_short_square_sweeps), ("ls", fs.find_long_square_sweeps), ("ramp", fs.find_ramp_sweeps)]:
        try:
            r[key] = f(index)
        except fs.MissingSweepException as e:
            r[key] = "missing: " + str(e)
    n1 = r["noise"]["noise1"] if isinstance(r["noise"], dict) else []
    r["el_reference"] = float(np.mean([index[s]["slow_vm_mv"] * 1e-3 for s in n1])) if n1 else None
    out.append(r)
print(json.dumps(out))
"#;

fn table(rng: &mut common::Rng, counts: [usize; 6]) -> serde_json::Value {
    let families = [
        names::NOISE1,
        names::NOISE2,
        names::SHORT_SQUARE,
        names::LONG_SQUARE,
        names::RAMP,
        names::SHORT_SQUARE_TRIPLE,
    ];
    let mut rows = Vec::new();
    let mut numbers: Vec<u32> = (1..=60).collect();
    // Shuffle so that file order differs from sweep-number order.
    for i in (1..numbers.len()).rev() {
        let j = (rng.next_f64() * (i + 1) as f64) as usize;
        numbers.swap(i, j);
    }
    let mut next = numbers.into_iter();
    for (f, &n) in families.iter().zip(&counts) {
        for _ in 0..n {
            let amp = 20.0 * (rng.next_f64() * 5.0).floor();
            // 0 or a count: a null count in a fitted family makes AllenSDK
            // fail on Python 3 (`None > 0`); glif-fit counts it as 0, as
            // Python 2 did (`by_hand` below).
            let spikes = match (rng.next_f64() * 2.0) as u32 {
                0 => serde_json::json!(0),
                _ => serde_json::json!(1 + (rng.next_f64() * 5.0) as u64),
            };
            rows.push(serde_json::json!({
                "sweep_number": next.next().unwrap(),
                "stimulus_name": f,
                "ephys_stimulus": {"ephys_stimulus_type": {"name": f}},
                "stimulus_amplitude": amp,
                "num_spikes": spikes,
                "slow_vm_mv": -70.0 + rng.next_f64(),
            }));
        }
    }
    serde_json::Value::Array(rows)
}

fn numbers(v: &serde_json::Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

#[test]
fn selection_matches_allensdk_find_sweeps() {
    let mut rng = common::Rng(61);
    let mut tables: Vec<serde_json::Value> = (0..20)
        .map(|_| table(&mut rng, [3, 3, 12, 10, 3, 2]))
        .collect();
    tables.push(table(&mut rng, [1, 3, 8, 8, 1, 0]));
    tables.push(table(&mut rng, [3, 1, 8, 8, 1, 0]));
    tables.push(table(&mut rng, [2, 2, 0, 8, 0, 0]));
    tables.push(table(&mut rng, [2, 2, 4, 0, 0, 1]));
    let Some(want) = common::oracle(
        "fit/sweeps",
        SCRIPT,
        &serde_json::Value::Array(tables.clone()),
    ) else {
        return;
    };
    let (mut ok, mut refused) = (0, 0);
    for (k, (t, w)) in tables.iter().zip(want.as_array().unwrap()).enumerate() {
        let entries = parse_sweep_table(&t.to_string()).unwrap();
        for (key, name) in [
            ("ssq", names::SHORT_SQUARE),
            ("ls", names::LONG_SQUARE),
            ("ramp", names::RAMP),
        ] {
            if let Some(obj) = w[key].as_object() {
                let f = family(&entries, name);
                for (got, key) in [
                    (&f.all, "all"),
                    (&f.subthreshold, "subthreshold"),
                    (&f.suprathreshold, "suprathreshold"),
                    (&f.maximum_subthreshold, "maximum_subthreshold"),
                    (&f.minimum_suprathreshold, "minimum_suprathreshold"),
                ] {
                    assert_eq!(*got, numbers(&obj[key]), "table {k} {name}: {key}");
                }
            }
        }
        let allensdk_ok = w["noise"].is_object()
            && w["ssq"].is_object()
            && w["ls"]["maximum_subthreshold"]
                .as_array()
                .is_some_and(|a| !a.is_empty());
        match select(&entries) {
            Ok(sel) => {
                assert!(allensdk_ok, "table {k}: AllenSDK refuses ({w})");
                assert_eq!(sel.noise1, numbers(&w["noise"]["noise1"]));
                assert_eq!(sel.noise2, numbers(&w["noise"]["noise2"]));
                assert_eq!(sel.triple, numbers(&w["ssq"]["triple"]));
                assert_eq!(
                    sel.short_square_min_suprathreshold,
                    numbers(&w["ssq"]["minimum_suprathreshold"])[0]
                );
                assert_eq!(
                    sel.long_square_max_subthreshold,
                    numbers(&w["ls"]["maximum_subthreshold"])[0]
                );
                let el = glif_fit::sweeps::el_reference(&entries, &sel.noise1).unwrap();
                assert_eq!(
                    el.to_bits(),
                    w["el_reference"].as_f64().unwrap().to_bits(),
                    "table {k}: El_reference"
                );
                ok += 1;
            }
            Err(e) => {
                // AllenSDK raises (or, for a missing subthreshold long
                // square, fails later with an IndexError on [0]).
                assert!(
                    !allensdk_ok,
                    "table {k}: glif-fit refuses ({e}), AllenSDK selects"
                );
                assert!(e.to_string().contains("no level can be fitted"), "{e}");
                refused += 1;
            }
        }
    }
    assert!(ok >= 5 && refused >= 4, "{ok} selected, {refused} refused");
    glif_reference::env::record(
        "fit/sweeps",
        glif_reference::env::Outcome::Ran,
        tables.len(),
        &format!("{ok} selections and El_reference identical, {refused} refusals shared"),
    );
}

#[test]
fn by_hand() {
    let t = r#"[{"sweep_number": 4, "stimulus_name": "Long Square", "stimulus_amplitude": 50, "num_spikes": null, "slow_vm_mv": -70},
               {"sweep_number": 2, "stimulus_name": "Long Square", "stimulus_amplitude": 50, "num_spikes": 0},
               {"sweep_number": 3, "stimulus_name": "Long Square", "stimulus_amplitude": 90, "num_spikes": 3}]"#;
    let f = family(&parse_sweep_table(t).unwrap(), names::LONG_SQUARE);
    assert_eq!(f.subthreshold, vec![2, 4]);
    assert_eq!(f.maximum_subthreshold, vec![2, 4]);
    assert_eq!(f.minimum_suprathreshold, vec![3]);
    let e = parse_sweep_table(r#"[{"sweep_number": -1, "stimulus_name": "Ramp"}]"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("entry 0") && e.contains("sweep_number"), "{e}");
    let e = glif_fit::sweeps::resting_potential(&parse_sweep_table(t).unwrap(), 2)
        .unwrap_err()
        .to_string();
    assert!(e.contains("sweep 2") && e.contains("slow_vm_mv"), "{e}");
}
