//! glif-fit's Nelder-Mead against `scipy.optimize.fmin` itself, evaluation
//! by evaluation: the same points (bit for bit), in the same order, the
//! same result, on functions whose values Rust and Python compute with the
//! same correctly rounded operations (+, -, *, /, abs, sqrt).

mod common;

use glif_fit::fmin::{fmin, FminOptions, FminStop};

/// The test functions; the same formulas are in `SCRIPT`.
fn eval(name: &str, x: &[f64]) -> f64 {
    match name {
        "rosenbrock" => {
            let a = x[1] - x[0] * x[0];
            let b = 1.0 - x[0];
            100.0 * a * a + b * b
        }
        "quadratic3" => {
            let u = x[0] - 1.5 + 0.3 * x[1];
            let v = x[1] + 2.0 - 0.2 * x[2];
            let w = x[2] - 0.25;
            u * u + 10.0 * v * v + 0.5 * w * w + 0.1 * u * w
        }
        "abs1" => (x[0] - 0.7).abs() + 0.01 * x[0] * x[0],
        "himmelblau" => {
            let a = x[0] * x[0] + x[1] - 11.0;
            let b = x[0] + x[1] * x[1] - 7.0;
            a * a + b * b
        }
        "flat" => {
            // Ties: a plateau of equal values, so the sort's order of equal
            // values decides the path.
            let r = (x[0] * x[0] + x[1] * x[1]).sqrt();
            if r < 2.0 {
                1.0
            } else {
                r
            }
        }
        "nan_region" => {
            if x[0] > 1.2 {
                f64::NAN
            } else {
                (x[0] - 1.0) * (x[0] - 1.0) + (x[1] + 0.5) * (x[1] + 0.5)
            }
        }
        "sum_squares5" => x
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 + 1.0) * (v - 0.1 * i as f64) * (v - 0.1 * i as f64))
            .sum(),
        _ => unreachable!(),
    }
}

const SCRIPT: &str = r#"
import json, sys, math
import numpy as np
from scipy.optimize import fmin
def make(name):
    def f(x):
        if name == "rosenbrock":
            a = x[1] - x[0]*x[0]; b = 1.0 - x[0]; return 100.0*a*a + b*b
        if name == "quadratic3":
            u = x[0] - 1.5 + 0.3*x[1]; v = x[1] + 2.0 - 0.2*x[2]; w = x[2] - 0.25
            return u*u + 10.0*v*v + 0.5*w*w + 0.1*u*w
        if name == "abs1":
            return abs(x[0] - 0.7) + 0.01*x[0]*x[0]
        if name == "himmelblau":
            a = x[0]*x[0] + x[1] - 11.0; b = x[0] + x[1]*x[1] - 7.0; return a*a + b*b
        if name == "flat":
            r = math.sqrt(x[0]*x[0] + x[1]*x[1]); return 1.0 if r < 2.0 else r
        if name == "nan_region":
            return float("nan") if x[0] > 1.2 else (x[0]-1.0)*(x[0]-1.0) + (x[1]+0.5)*(x[1]+0.5)
        if name == "sum_squares5":
            s = 0.0
            for i, v in enumerate(x):
                s += (i + 1.0)*(v - 0.1*i)*(v - 0.1*i)
            return s
    return f
out = []
for case in json.load(sys.stdin):
    f = make(case["name"]); seen = []
    def g(x):
        seen.append([float(v) for v in x]); return f(x)
    kw = {k: case[k] for k in ("xtol", "ftol", "maxiter", "maxfun") if case.get(k) is not None}
    xopt, fopt, it, calls, warn = fmin(g, np.array(case["x0"], dtype=float), full_output=True, disp=False, **kw)
    out.append({"points": seen, "x": [float(v) for v in xopt], "f": None if math.isnan(fopt) else float(fopt),
                "iter": int(it), "calls": int(calls), "warn": int(warn)})
print(json.dumps(out))
"#;

struct Case {
    name: &'static str,
    x0: Vec<f64>,
    xtol: Option<f64>,
    ftol: Option<f64>,
    maxiter: Option<u64>,
    maxfun: Option<u64>,
}

fn case(name: &'static str, x0: &[f64]) -> Case {
    Case {
        name,
        x0: x0.to_vec(),
        xtol: None,
        ftol: None,
        maxiter: None,
        maxfun: None,
    }
}

#[test]
fn fmin_takes_scipys_path_evaluation_by_evaluation() {
    let cases = vec![
        case("rosenbrock", &[-1.2, 1.0]),
        Case {
            xtol: Some(1e-10),
            ftol: Some(1e-12),
            ..case("rosenbrock", &[0.0, 0.0])
        },
        case("quadratic3", &[0.0, 0.0, 0.0]),
        case("abs1", &[3.0]),
        // AllenSDK's optimizer settings (xtol = ftol = 1e-5), one coefficient from 1.
        Case {
            xtol: Some(1e-5),
            ftol: Some(1e-5),
            ..case("abs1", &[1.0])
        },
        case("himmelblau", &[0.5, -3.0]),
        case("flat", &[0.5, 0.3]),
        case("nan_region", &[0.0, 0.0]),
        case("sum_squares5", &[1.0, 1.0, 1.0, 1.0, 1.0]),
        // Budgets running out inside an iteration.
        Case {
            maxfun: Some(17),
            ..case("rosenbrock", &[-1.2, 1.0])
        },
        Case {
            maxiter: Some(9),
            ..case("himmelblau", &[0.5, -3.0])
        },
        Case {
            maxfun: Some(2),
            ..case("quadratic3", &[0.0, 0.0, 0.0])
        },
    ];
    let input: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "x0": c.x0, "xtol": c.xtol, "ftol": c.ftol, "maxiter": c.maxiter, "maxfun": c.maxfun}))
        .collect();
    let Some(oracle) = common::oracle("fit/fmin", SCRIPT, &serde_json::Value::Array(input)) else {
        return;
    };
    let mut evaluations = 0;
    for (c, want) in cases.iter().zip(oracle.as_array().unwrap()) {
        let mut seen: Vec<Vec<f64>> = Vec::new();
        let options = FminOptions {
            xtol: c.xtol.unwrap_or(1e-4),
            ftol: c.ftol.unwrap_or(1e-4),
            maxiter: c.maxiter,
            maxfun: c.maxfun,
            ..FminOptions::default()
        };
        let got = fmin(
            |x| {
                seen.push(x.to_vec());
                eval(c.name, x)
            },
            &c.x0,
            &options,
        )
        .unwrap();
        let points: Vec<Vec<f64>> = want["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(common::floats)
            .collect();
        assert_eq!(seen.len(), points.len(), "{}: evaluation count", c.name);
        for (k, (a, b)) in seen.iter().zip(&points).enumerate() {
            let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(
                same,
                "{} evaluation {k}: glif-fit {a:?}, scipy {b:?}",
                c.name
            );
        }
        evaluations += points.len();
        let x = common::floats(&want["x"]);
        assert!(
            got.x
                .iter()
                .zip(&x)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{}: x {:?} vs {x:?}",
            c.name,
            got.x
        );
        match want["f"].as_f64() {
            Some(f) => assert_eq!(got.fun.to_bits(), f.to_bits(), "{}: fopt", c.name),
            None => assert!(got.fun.is_nan(), "{}: fopt should be NaN", c.name),
        }
        assert_eq!(
            got.iterations,
            want["iter"].as_u64().unwrap(),
            "{}: iterations",
            c.name
        );
        assert_eq!(
            got.evaluations,
            want["calls"].as_u64().unwrap(),
            "{}: calls",
            c.name
        );
        let warn = match got.stop {
            FminStop::Converged => 0,
            FminStop::MaxFunctionEvaluations => 1,
            FminStop::MaxIterations => 2,
        };
        assert_eq!(warn, want["warn"].as_u64().unwrap(), "{}: warnflag", c.name);
    }
    glif_reference::env::record(
        "fit/fmin",
        glif_reference::env::Outcome::Ran,
        cases.len(),
        &format!("{evaluations} evaluations identical to scipy's"),
    );
}

#[test]
fn fmin_refuses_bad_arguments() {
    assert!(fmin(|_| 0.0, &[], &FminOptions::default()).is_err());
    let bad = FminOptions {
        initial_simplex: Some(vec![vec![0.0, 1.0]]),
        ..FminOptions::default()
    };
    let e = fmin(|_| 0.0, &[0.0, 0.0], &bad).unwrap_err().to_string();
    assert!(e.contains("initial_simplex") && e.contains("3 rows"), "{e}");
}
