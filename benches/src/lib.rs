//! Shared setup for the benchmarks in `benches/`: real Allen models from the
//! repository's reference set and the stimuli the numbers are quoted for.
//!
//! - `cargo bench`: measure (one core; ns per step = 1e9 / elements per second).
//! - `cargo bench -- --test`: run every benchmark once, timing nothing (CI smoke test).

use std::path::{Path, PathBuf};

use glif_io::NeuronConfig;

pub mod allen;
pub mod nest;
pub mod peers;
pub mod roofline;

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

/// A 1 s step (200,000 samples at 5 µs) of 1.5 x the model's LIF rheobase
/// ([`NeuronConfig::rheobase_lif`]): it fires.
pub fn one_second_step(c: &NeuronConfig) -> Vec<f64> {
    vec![1.5 * c.rheobase_lif(); 200_000]
}

/// Every Teeter et al. config (reference/teeter-all.jsonl.gz) of one level,
/// at dt = 5 µs, read as `glif batch` reads it.
pub fn teeter_level(level: u8) -> Vec<NeuronConfig> {
    glif_io::batch::read_configs(&reference_dir().join("teeter-all.jsonl.gz"))
        .expect("teeter-all")
        .into_iter()
        .filter_map(|e| e.config.ok()?.with_dt(DT).ok())
        .filter(|c| c.level() == Some(level))
        .collect()
}
