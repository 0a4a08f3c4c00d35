//! Every committed NEST 3.10 reference case (reference/nest) of the three
//! models, run through `glif_io::nest`: every recordable and spike time
//! must be bit-identical in f64 (exp and, for glif_cond's integrator, pow
//! from std, i.e. glibc on Linux, as NEST's and GSL's; expm1 NEST's own
//! series). The number of cases per model is the committed index's
//! (reference/nest/index.json); this test runs 55 of each model's 115
//! (`check_model`), `cargo xtask verify-nest` all.

use std::io::Read;
use std::path::{Path, PathBuf};

use glif_io::nest::{check_reference_case, ExpSource, NestPrecision};
use serde_json::Value;

fn cases(model: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference/nest")
        .join(model);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .collect();
    v.sort();
    v
}

fn load(p: &Path) -> Value {
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    serde_json::from_str(&s).unwrap()
}

/// The v1 cases (full arrays; names without the `allen_` prefix): the
/// libm measurements docs/NEST.md quotes are over these.
fn v1_cases(model: &str) -> Vec<PathBuf> {
    cases(model)
        .into_iter()
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("allen_")
        })
        .collect()
}

fn indexed(model: &str) -> usize {
    let idx: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference/nest/index.json"),
        )
        .unwrap(),
    )
    .unwrap();
    idx["per_model"][model].as_u64().unwrap() as usize
}

/// The cases of `model` this (unoptimized) test runs: the 45 short ones
/// and 10 Allen ones at 0.1 ms, two per level (`_00`: DC and a step
/// current; `_10`: a step current alone), 10,000 steps each. `cargo xtask
/// verify-nest` runs all 115, optimized (unoptimized, the 0.01 ms Allen
/// cases of 100,000 steps each make it minutes).
fn check_model(model: &str) {
    let all = cases(model);
    assert_eq!(all.len(), indexed(model), "{model}: the index's count");
    assert_eq!(
        v1_cases(model).len(),
        45,
        "{model}: 5 levels x 3 resolutions x 3 scenarios"
    );
    assert!(all.len() >= 100, "{model}: {} cases", all.len());
    let files: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            !name.starts_with("allen_")
                || name.ends_with("_00_r0p1.json.gz")
                || name.ends_with("_10_r0p1.json.gz")
        })
        .collect();
    assert_eq!(files.len(), 55, "{model}: 45 short and 10 Allen cases");
    let mut bad = Vec::new();
    for f in &files {
        let d = check_reference_case(&load(f), NestPrecision::F64, ExpSource::Std).unwrap();
        assert!(d.len() >= 9, "every recordable, times and spike_times");
        for s in d.iter().filter(|s| !s.identical()) {
            bad.push(format!("{}: {s:?}", f.display()));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn glif_psc_bit_identical_to_nest() {
    check_model("glif_psc");
}

#[test]
fn glif_psc_double_alpha_bit_identical_to_nest() {
    check_model("glif_psc_double_alpha");
}

#[test]
fn glif_cond_bit_identical_to_nest() {
    check_model("glif_cond");
}

/// The check can fail: a parameter moved by one ulp changes the output.
#[test]
fn a_one_ulp_change_is_detected() {
    let mut case = load(&cases("glif_psc")[0]);
    let c_m = case["params"]
        .get("C_m")
        .and_then(Value::as_f64)
        .unwrap_or(58.72);
    case["params"]["C_m"] = Value::from(f64::from_bits(c_m.to_bits() + 1));
    let d = check_reference_case(&case, NestPrecision::F64, ExpSource::Std).unwrap();
    assert!(d.iter().any(|s| !s.identical()));
}

/// Every case of `models` with `exp` (and glif_cond's `pow`) from the
/// `libm` crate instead of glibc's (what firmware uses): spike times must
/// agree exactly and every series have its length. Returns how many cases
/// stay bit-identical, of how many, and the largest relative difference.
fn libm_measurement(models: &[&str]) -> (usize, usize, f64) {
    let (mut identical, mut total, mut max_rel) = (0, 0, 0.0f64);
    for model in models {
        for f in v1_cases(model) {
            let d = check_reference_case(&load(&f), NestPrecision::F64, ExpSource::Libm).unwrap();
            total += 1;
            if d.iter().all(|s| s.identical()) {
                identical += 1;
            }
            for s in &d {
                assert_eq!(s.expected, s.computed, "{}: {}", f.display(), s.name);
                if s.name == "spike_times" {
                    assert_eq!(
                        s.differing,
                        0,
                        "{}: spike times differ with libm's exp (and pow)",
                        f.display()
                    );
                }
                max_rel = max_rel.max(s.max_rel);
            }
        }
    }
    (identical, total, max_rel)
}

/// With `exp` from the `libm` crate instead of glibc's (what firmware
/// uses): spike times must still agree and values stay within 1e-12
/// relative (measured: 3.3e-14); prints how many cases stay bit-identical
/// (measured: 61 of 90), the figure docs/NEST.md quotes.
#[test]
fn libm_exp_measurement() {
    let (identical, total, max_rel) = libm_measurement(&["glif_psc", "glif_psc_double_alpha"]);
    eprintln!("libm exp: {identical} of {total} cases bit-identical; largest relative difference {max_rel:e}");
    assert!(max_rel < 1e-12, "{max_rel}");
}

/// glif_cond's check can fail too: one ulp more in `E_rev` of port 2 (which
/// acts only through the integrated synaptic current) changes the output.
#[test]
fn glif_cond_one_ulp_change_is_detected() {
    let mut case = load(&cases("glif_cond")[0]);
    let e = case["params"]["E_rev"][1].as_f64().unwrap();
    case["params"]["E_rev"][1] = Value::from(f64::from_bits(e.to_bits() + 1));
    let d = check_reference_case(&case, NestPrecision::F64, ExpSource::Std).unwrap();
    assert!(d.iter().any(|s| !s.identical()));
}

/// glif_cond with `exp` and `pow` from the `libm` crate (what firmware
/// uses): spike times must still agree and values stay within 1e-12
/// relative; prints how many cases stay bit-identical and the largest
/// difference, the figures docs/NEST.md quotes.
#[test]
fn glif_cond_libm_measurement() {
    let (identical, total, max_rel) = libm_measurement(&["glif_cond"]);
    eprintln!(
        "glif_cond, libm exp and pow: {identical} of {total} cases bit-identical; largest relative difference {max_rel:e}"
    );
    assert!(max_rel < 1e-12, "{max_rel}");
}

/// A v2 case (SHA-256 plus strided samples) detects a one-ulp change of a
/// step current's amplitude. (In a case without DC, so that `I` is the
/// amplitude itself: added to a DC, one ulp of the amplitude can round away.)
#[test]
fn a_v2_case_detects_a_one_ulp_step_current_change() {
    let f = cases("glif_psc")
        .into_iter()
        .find(|p| {
            let c = load(p);
            c["current"].is_object() && c["dc"].as_f64() == Some(0.0)
        })
        .unwrap();
    let mut case = load(&f);
    assert!(
        check_reference_case(&case, NestPrecision::F64, ExpSource::Std)
            .unwrap()
            .iter()
            .all(|s| s.identical())
    );
    let a = case["current"]["amplitude_values"][0].as_f64().unwrap();
    case["current"]["amplitude_values"][0] = Value::from(f64::from_bits(a.to_bits() + 1));
    let d = check_reference_case(&case, NestPrecision::F64, ExpSource::Std).unwrap();
    let i = d.iter().find(|s| s.name == "I").unwrap();
    assert!(i.digest_differs && !i.identical(), "{i:?}");
}
