//! Shared setup for the benchmarks in `benches/`: real Allen models from the
//! repository's reference set and the stimuli the numbers are quoted for.
//!
//! - `cargo bench`: measure (one core; ns per step = 1e9 / elements per second).
//! - `cargo bench -- --test`: run every benchmark once, timing nothing (CI smoke test).

use std::io::Read;
use std::path::{Path, PathBuf};

use glif_io::NeuronConfig;

pub mod nest;

/// Time step of the Allen stimuli (s): 200 kHz.
pub const DT: f64 = 5e-6;

/// The repository's reference folder.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reference")
}

/// The five levels of one Allen cell (Teeter et al. specimen 313861677,
/// Rorb-IRES2-Cre-D), at dt = 5 µs.
pub fn levels() -> Vec<(u8, NeuronConfig)> {
    (1..=5)
        .map(|level| {
            let path = reference_dir().join(format!(
                "configs/teeter/313861677_Rorb-IRES2-Cre-D_GLIF{level}_neuron_config.json"
            ));
            let config = NeuronConfig::from_path(&path, None)
                .and_then(|c| c.with_dt(DT))
                .unwrap_or_else(|e| panic!("{e}"));
            (level, config)
        })
        .collect()
}

/// DC current at threshold for a LIF: `I = (th_inf*coeffs.th_inf - El) * G*coeffs.G` (A).
pub fn rheobase(c: &NeuronConfig) -> f64 {
    (c.th_inf * c.coeffs.th_inf - c.el) * (1.0 / c.r_input) * c.coeffs.g
}

/// A 1 s step (200,000 samples at 5 µs) of 1.5 x the model's rheobase: it fires.
pub fn one_second_step(c: &NeuronConfig) -> Vec<f64> {
    vec![1.5 * rheobase(c); 200_000]
}

/// Every Teeter et al. config (reference/teeter-all.jsonl.gz) of one level, at dt = 5 µs.
pub fn teeter_level(level: u8) -> Vec<NeuronConfig> {
    let bytes = std::fs::read(reference_dir().join("teeter-all.jsonl.gz")).expect("teeter-all");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("gunzip");
    text.lines()
        .filter_map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).ok()?;
            let c = NeuronConfig::from_value(&v["config"], None)
                .ok()?
                .with_dt(DT)
                .ok()?;
            (c.level() == Some(level)).then_some(c)
        })
        .collect()
}
