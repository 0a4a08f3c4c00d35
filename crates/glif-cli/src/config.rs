//! Allen `neuron_config` files, read with glif-io ([`NeuronConfig`]), and
//! the bundled model. What the summary and `glif info` say about a config.

use std::path::{Path, PathBuf};

use glif_io::{AnyPrecisionModel, NeuronConfig, Precision};

use crate::error::CliError;

/// The bundled model: Allen neuronal model 566283540 (GLIF5), from the Allen
/// Cell Types Database, as published (wrapped by its id).
pub const BUNDLED_CONFIG: &str = include_str!("../assets/566283540_neuron_config.json");
/// The bundled model's id.
pub const BUNDLED_ID: &str = "566283540";

/// Reads a config file (bare, or keyed by model id).
pub fn load(path: &Path, model_id: Option<&str>) -> Result<NeuronConfig, CliError> {
    NeuronConfig::from_path(path, model_id).map_err(CliError::reading)
}

/// The bundled model.
pub fn bundled() -> Result<NeuronConfig, CliError> {
    let mut c =
        NeuronConfig::from_json_str(BUNDLED_CONFIG, Some(BUNDLED_ID)).map_err(CliError::reading)?;
    c.source = Some(PathBuf::from(format!("bundled Allen model {BUNDLED_ID}")));
    Ok(c)
}

/// Where a config came from.
pub fn source(c: &NeuronConfig) -> String {
    c.source
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(config)".into())
}

/// "GLIF5 (LIF-R-ASC-A)", or "custom rule combination ...".
pub fn level_name(c: &NeuronConfig) -> String {
    glif_io::model::level_description(c.level())
}

/// A one-line description of the rules.
pub fn rules_line(c: &NeuronConfig) -> String {
    let r = c.methods.names();
    format!(
        "voltage {}, threshold {}, currents {}; reset: voltage {}, threshold {}, currents {}",
        r[0], r[1], r[2], r[3], r[4], r[5]
    )
}

/// The config as it runs: time step `dt` (s) and, if given, another spike
/// cut length.
pub fn at_dt(
    c: &NeuronConfig,
    dt: f64,
    spike_cut_length: Option<u32>,
) -> Result<NeuronConfig, CliError> {
    crate::common::dt_flag(dt)?;
    let mut c = c.clone().with_dt(dt).map_err(CliError::reading)?;
    if let Some(n) = spike_cut_length {
        c = c.with_spike_cut_length(n);
    }
    Ok(c)
}

/// Builds the model (validating every parameter at this precision).
pub fn build(c: &NeuronConfig, precision: Precision) -> Result<AnyPrecisionModel, CliError> {
    AnyPrecisionModel::new(c, precision).map_err(CliError::reading)
}
