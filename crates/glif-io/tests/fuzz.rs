//! Property tests: malformed JSON, truncated and corrupted `.npy`/`.npz`,
//! and random bytes fed to every reader. Only errors, never a panic.

use glif_io::{stimulus, AnyModel, NeuronConfig};
use proptest::prelude::*;

fn base_config() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../reference/configs/bmtk/637930677_lif_r_asc_a.json"
    ))
    .unwrap()
}

fn valid_npz() -> Vec<u8> {
    let mut r = glif_io::RunResult::new(2, 3);
    for i in 0..3 {
        glif_core::Recorder::<f64, 2>::sample(&mut r, i, 0.01, 0.02, &[1e-10, 2e-10]);
    }
    glif_io::formats::results_to_npz(&r, &Default::default()).unwrap()
}

/// Every reader on the same input; results are ignored, panics are not.
fn read_everything(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(c) = NeuronConfig::from_json_str(&text, None) {
        let _ = AnyModel::<f64>::new(&c).map(|m| m.run_result(&[1e-9; 50]));
        let _ = AnyModel::<f32>::new(&c).map(|m| m.run_result(&[1e-9; 50]));
    }
    let _ = NeuronConfig::from_json_str(&text, Some("1"));
    let _ = stimulus::stimulus_from_json_str(&text);
    let _ = stimulus::stimulus_from_text(&text);
    let _ = stimulus::stimulus_from_npy(bytes);
    let _ = glif_io::formats::read_npy(bytes);
    let _ = glif_io::formats::unzip_npz(bytes);
    let _ = glif_io::formats::results_from_json_str(&text);
    let _ = glif_io::formats::results_from_npz_bytes(bytes);
    if let Ok(spec) = serde_json::from_str::<stimulus::ReferenceStimulus>(&text) {
        let _ = spec.samples();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        read_everything(&bytes);
    }

    #[test]
    fn truncated_and_mutated_config(cut in 0usize..4000, pos in 0usize..4000, byte in any::<u8>()) {
        let mut b = base_config().into_bytes();
        if pos < b.len() { b[pos] = byte; }
        b.truncate(cut.min(b.len()));
        read_everything(&b);
    }

    #[test]
    fn config_values_replaced(key in 0usize..40, value in prop_oneof![
        Just(serde_json::json!(null)), Just(serde_json::json!(-1.0)), Just(serde_json::json!(0)),
        Just(serde_json::json!(1e308)), Just(serde_json::json!("x")), Just(serde_json::json!([])),
        Just(serde_json::json!({})), Just(serde_json::json!([1.0, 2.0, 3.0])), any::<f64>().prop_map(|x| serde_json::json!(x)),
    ]) {
        let mut v: serde_json::Value = serde_json::from_str(&base_config()).unwrap();
        // Replace the key-th value found walking the object (nested included).
        fn walk(v: &mut serde_json::Value, n: &mut usize, target: usize, new: &serde_json::Value) {
            if let Some(obj) = v.as_object_mut() {
                for (_, x) in obj.iter_mut() {
                    if *n == target { *x = new.clone(); }
                    *n += 1;
                    walk(x, n, target, new);
                }
            }
        }
        walk(&mut v, &mut 0, key, &value);
        read_everything(v.to_string().as_bytes());
    }

    #[test]
    fn truncated_and_mutated_npy_npz(cut in 0usize..2000, pos in 0usize..2000, byte in any::<u8>()) {
        let mut npy = Vec::new();
        glif_io::formats::write_npy_f64(&mut npy, &[5], &[1.0, 2.0, 3.0, 4.0, 5.0]);
        for mut b in [npy, valid_npz()] {
            if pos < b.len() { b[pos] = byte; }
            b.truncate(cut.min(b.len()));
            read_everything(&b);
        }
    }

    #[test]
    fn generators_take_any_numbers(dt in any::<f64>(), d in any::<f64>(), s in any::<f64>(), w in any::<f64>(), a in any::<f64>(), seed in any::<u64>()) {
        let _ = stimulus::square(dt, d.abs() % 0.1, s, w, a);
        let _ = stimulus::ramp(dt, d.abs() % 0.1, s, w, a);
        let _ = stimulus::held_noise(dt, d.abs() % 0.1, s, w, a, a, seed);
    }
}
