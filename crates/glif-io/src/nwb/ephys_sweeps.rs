//! `ephys_sweeps.json`: the Allen API's list of sweeps of a cell.

use std::path::Path;

use serde::Deserialize;

use super::error::{NwbError, NwbErrorKind};

/// The name AllenSDK's `simulate_neuron` skips: the test-pulse sweeps.
pub const TEST_STIMULUS_NAME: &str = "Test";

/// One entry of `ephys_sweeps.json`. Fields this layer does not use are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct EphysSweep {
    /// The sweep number, as in `/epochs/Sweep_<n>`.
    pub sweep_number: u32,
    /// The stimulus name (`Long Square`, `Ramp`, `Test`, ...).
    pub stimulus_name: String,
    /// `Amps` for current clamp, `Volts` for voltage clamp; absent in some listings.
    #[serde(default)]
    pub stimulus_units: Option<String>,
}

/// Parses the text of an `ephys_sweeps.json` file (a JSON list of objects). `file` only
/// names the source in errors.
pub fn parse_ephys_sweeps(text: &str, file: &Path) -> Result<Vec<EphysSweep>, NwbError> {
    serde_json::from_str(text)
        .map_err(|err| NwbError::new(file, None, NwbErrorKind::Json(err.to_string())))
}

/// Reads every entry of an `ephys_sweeps.json` file, in file order.
pub fn read_ephys_sweeps(path: impl AsRef<Path>) -> Result<Vec<EphysSweep>, NwbError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .map_err(|err| NwbError::new(path, None, NwbErrorKind::Io(err)))?;
    parse_ephys_sweeps(&text, path)
}

/// The sweep numbers AllenSDK's `simulate_neuron` command line runs: every entry of
/// `ephys_sweeps.json` whose `stimulus_name` is not `Test`, in file order.
pub fn select_sweeps(path: impl AsRef<Path>) -> Result<Vec<u32>, NwbError> {
    Ok(select_from(&read_ephys_sweeps(path)?))
}

/// [`select_sweeps`] on entries already read.
pub fn select_from(sweeps: &[EphysSweep]) -> Vec<u32> {
    sweeps
        .iter()
        .filter(|s| s.stimulus_name != TEST_STIMULUS_NAME)
        .map(|s| s.sweep_number)
        .collect()
}
