//! How a result file is written ([`WriteOptions`]) and the names of
//! AllenSDK's output arrays ([`OUTPUT_KEYS`]), shared by every format.
//! (Moved from `write.rs`, which is below the results in the layers.)

use crate::model::RunResult;

/// How to write.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WriteOptions {
    /// Replace an existing file (default: refuse).
    pub overwrite: bool,
    /// Write NaN voltages (spike cuts) as this value, as AllenSDK's
    /// `simulate_neuron` does with [`crate::model::SPIKE_CUT_VALUE`] (0.05 V).
    /// `None` (the default) keeps NaN.
    pub spike_cut_value: Option<f64>,
}

impl WriteOptions {
    /// The voltage to write: NaN replaced by [`WriteOptions::spike_cut_value`] if set.
    pub(crate) fn voltage(&self, result: &RunResult) -> Vec<f64> {
        match self.spike_cut_value {
            Some(v) => result.voltage_with_spike_cut_value(v),
            None => result.voltage.clone(),
        }
    }
}

/// Names of the output arrays, in AllenSDK's order.
pub const OUTPUT_KEYS: [&str; 8] = [
    "voltage",
    "threshold",
    "AScurrents",
    "grid_spike_times",
    "interpolated_spike_times",
    "spike_time_steps",
    "interpolated_spike_voltage",
    "interpolated_spike_threshold",
];
