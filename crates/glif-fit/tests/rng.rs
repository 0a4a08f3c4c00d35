//! numpy's legacy `RandomState(seed)` against numpy 1.23 in the AllenSDK
//! environment: for each seed, `random_sample`, then `standard_normal`
//! draws (the polar method's cached second value included), then
//! `normal(loc, scale)` on a length-3 `loc` array (one draw per element,
//! in order), all bit for bit.

mod common;

use glif_fit::rng::RandomState;

const SCRIPT: &str = r#"
import json, sys
import numpy as np
inp = json.load(sys.stdin)
out = []
for seed in inp["seeds"]:
    rs = np.random.RandomState()
    rs.seed(seed)
    u = [float(x) for x in rs.random_sample(5)]
    g = [float(rs.standard_normal()) for _ in range(101)]
    n = [float(x) for x in rs.normal(np.array([1.0, -2.5, 1e-3]), 0.3)]
    n1 = [float(x) for x in np.atleast_1d(rs.normal(np.array([0.97]), 0.01))]
    out.append({"uniform": u, "gauss": g, "normal": n, "normal1": n1})
print(json.dumps(out))
"#;

#[test]
fn legacy_random_state_matches_numpy() {
    let mut rng = common::Rng(7);
    let mut seeds: Vec<u64> = vec![0, 1, 2, 42, 1234, 4_294_967_295, 2_147_483_648];
    seeds.extend((0..40).map(|_| (rng.next_f64() * 4_294_967_296.0) as u64));
    let input = serde_json::json!({ "seeds": seeds });
    let Some(want) = common::oracle("fit/rng", SCRIPT, &input) else {
        return;
    };
    let mut draws = 0;
    for (seed, w) in seeds.iter().zip(want.as_array().unwrap()) {
        let mut rs = RandomState::new(*seed as u32);
        let mut got: Vec<f64> = (0..5).map(|_| rs.next_double()).collect();
        got.extend((0..101).map(|_| rs.standard_normal()));
        got.extend([1.0, -2.5, 1e-3].iter().map(|&l| rs.normal(l, 0.3)));
        got.push(rs.normal(0.97, 0.01));
        let mut expect = common::floats(&w["uniform"]);
        expect.extend(common::floats(&w["gauss"]));
        expect.extend(common::floats(&w["normal"]));
        expect.extend(common::floats(&w["normal1"]));
        assert_eq!(got.len(), expect.len());
        for (i, (g, e)) in got.iter().zip(&expect).enumerate() {
            assert_eq!(
                g.to_bits(),
                e.to_bits(),
                "seed {seed}, draw {i}: {g:e} vs numpy {e:e}"
            );
        }
        draws += got.len();
    }
    glif_reference::env::record(
        "fit/rng",
        glif_reference::env::Outcome::Ran,
        seeds.len(),
        &format!("{draws} draws bit for bit"),
    );
}
