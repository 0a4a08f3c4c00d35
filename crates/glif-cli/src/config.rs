//! Allen `neuron_config` files, read with glif-io ([`NeuronConfig`]), and
//! the bundled model. What the summary and `glif info` say about a config.

use std::path::{Path, PathBuf};

use glif_io::{sci, AnyPrecisionModel, NeuronConfig};

use crate::error::CliError;
use crate::sim::Precision;

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
    match c.level() {
        Some(l) => format!(
            "GLIF{l} ({})",
            ["LIF", "LIF-R", "LIF-ASC", "LIF-R-ASC", "LIF-R-ASC-A"][l as usize - 1]
        ),
        None => "custom rule combination (not one of the five published levels)".into(),
    }
}

/// The rule names, in the order of glif-io's `Methods::names`.
pub const RULE_FIELDS: [&str; 6] = [
    "voltage_dynamics_method",
    "threshold_dynamics_method",
    "AScurrent_dynamics_method",
    "voltage_reset_method",
    "threshold_reset_method",
    "AScurrent_reset_method",
];

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
    if !(dt.is_finite() && dt > 0.0) {
        return Err(CliError::input(format!(
            "--dt: expected a time step > 0 s, found {}",
            sci(dt)
        )));
    }
    let mut c = c.clone().with_dt(dt).map_err(CliError::reading)?;
    if let Some(n) = spike_cut_length {
        c = c.with_spike_cut_length(n);
    }
    Ok(c)
}

/// Builds the model (validating every parameter at this precision).
pub fn build(c: &NeuronConfig, precision: Precision) -> Result<AnyPrecisionModel, CliError> {
    AnyPrecisionModel::new(c, precision.io()).map_err(CliError::reading)
}

/// What the time step does to forward Euler: `dt*G*coeffs.G/(C*coeffs.C)`,
/// the fraction of the way to rest the voltage moves in one step. At 1 or
/// more the voltage overshoots rest every step (not physiological); at 2 or
/// more the update is unstable and the run ends in a non-finite error. Allen
/// models at their 5 µs sampling interval are near 0.0003. `None` for
/// `linear_exact`, which is exact at any `dt`.
pub fn euler_stability_warning(c: &NeuronConfig) -> Option<String> {
    if !matches!(
        c.methods.voltage,
        glif_io::methods::VoltageMethod::LinearForwardEuler
    ) {
        return None;
    }
    let ratio = c.dt * (1.0 / c.r_input) * c.coeffs.g / (c.c * c.coeffs.c);
    let tau_m = c.r_input * c.c;
    if ratio >= 2.0 {
        Some(format!(
            "dt = {} s is {} x the effective membrane time constant ({} s): forward \
             Euler is unstable at this step and the voltage diverges; use the stimulus sampling \
             interval (5e-6 s for Allen data)",
            sci(c.dt),
            sci(ratio),
            sci(tau_m)
        ))
    } else if ratio >= 1.0 {
        Some(format!(
            "dt = {} s is {} x the effective membrane time constant ({} s): forward \
             Euler overshoots rest every step, which is not physiological; use the stimulus \
             sampling interval (5e-6 s for Allen data)",
            sci(c.dt),
            sci(ratio),
            sci(tau_m)
        ))
    } else {
        None
    }
}
