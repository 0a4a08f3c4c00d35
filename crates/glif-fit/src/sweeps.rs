//! Which sweeps each stage uses, as AllenSDK's `find_sweeps` chooses them
//! from a cell's sweep table (`ephys_sweeps.json`): by stimulus name, sorted
//! by sweep number; "subthreshold" means `num_spikes` is 0 or absent (an
//! absent count makes AllenSDK fail on Python 3, `None > 0`; it is counted
//! as 0 here, as Python 2 compared it);
//! the largest subthreshold and smallest suprathreshold sweeps by
//! `stimulus_amplitude` (every sweep tied at that amplitude).

use crate::FitError;

/// AllenSDK's stimulus names.
pub mod names {
    /// Short squares (3 ms pulses).
    pub const SHORT_SQUARE: &str = "Short Square";
    /// Short-square triples (the threshold's spike component).
    pub const SHORT_SQUARE_TRIPLE: &str = "Short Square - Triple";
    /// Long squares (1 s steps).
    pub const LONG_SQUARE: &str = "Long Square";
    /// Ramps.
    pub const RAMP: &str = "Ramp";
    /// Noise 1 (training).
    pub const NOISE1: &str = "Noise 1";
    /// Noise 2 (held out).
    pub const NOISE2: &str = "Noise 2";
}

/// One row of the sweep table, the fields the pipeline reads.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepEntry {
    /// Sweep number.
    pub sweep_number: u32,
    /// Stimulus name (`ephys_stimulus.ephys_stimulus_type.name`, or
    /// `stimulus_name`).
    pub stimulus_name: String,
    /// Spikes the Allen pipeline counted (`None`: absent or null).
    pub num_spikes: Option<u64>,
    /// Stimulus amplitude (pA in Allen tables; only compared).
    pub stimulus_amplitude: Option<f64>,
    /// Resting potential before the stimulus, mV (`slow_vm_mv`).
    pub slow_vm_mv: Option<f64>,
}

/// Reads the entries of an `ephys_sweeps.json` text (a JSON list).
pub fn parse_sweep_table(text: &str) -> Result<Vec<SweepEntry>, FitError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| FitError::undetermined("sweep table", &format!("not JSON: {e}")))?;
    let list = value
        .as_array()
        .ok_or_else(|| FitError::undetermined("sweep table", "expected a JSON list of sweeps"))?;
    list.iter()
        .enumerate()
        .map(|(k, s)| {
            let number = s["sweep_number"]
                .as_u64()
                .filter(|&n| n <= u32::MAX as u64)
                .ok_or_else(|| {
                    FitError::undetermined(
                        "sweep table",
                        &format!(
                            "entry {k}: sweep_number {} is not a sweep number",
                            s["sweep_number"]
                        ),
                    )
                })?;
            let name = s["ephys_stimulus"]["ephys_stimulus_type"]["name"]
                .as_str()
                .or_else(|| s["stimulus_name"].as_str())
                .ok_or_else(|| {
                    FitError::undetermined(
                        "sweep table",
                        &format!("sweep {number}: no stimulus name"),
                    )
                })?;
            Ok(SweepEntry {
                sweep_number: number as u32,
                stimulus_name: name.to_string(),
                num_spikes: s["num_spikes"].as_u64(),
                stimulus_amplitude: s["stimulus_amplitude"].as_f64(),
                slow_vm_mv: s["slow_vm_mv"].as_f64(),
            })
        })
        .collect()
}

/// `organize_sweeps_by_name`: one stimulus family's sweeps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Family {
    /// Every sweep of the family, by sweep number.
    pub all: Vec<u32>,
    /// Those without spikes (`num_spikes` 0 or absent).
    pub subthreshold: Vec<u32>,
    /// Those with spikes.
    pub suprathreshold: Vec<u32>,
    /// The subthreshold sweeps of the largest amplitude.
    pub maximum_subthreshold: Vec<u32>,
    /// The suprathreshold sweeps of the smallest amplitude.
    pub minimum_suprathreshold: Vec<u32>,
}

fn ranked(list: &[&SweepEntry], largest: bool) -> Vec<u32> {
    let mut sorted: Vec<&SweepEntry> = list.to_vec();
    let key = |s: &SweepEntry| s.stimulus_amplitude.unwrap_or(f64::NAN);
    // Python's sorted is stable; reverse=True keeps equal items in order.
    if largest {
        sorted.sort_by(|a, b| key(b).total_cmp(&key(a)));
    } else {
        sorted.sort_by(|a, b| key(a).total_cmp(&key(b)));
    }
    match sorted.first() {
        None => Vec::new(),
        Some(first) => sorted
            .iter()
            .take_while(|s| key(s) == key(first))
            .map(|s| s.sweep_number)
            .collect(),
    }
}

/// The sweeps of stimulus `name` in `table`, as AllenSDK organises them.
pub fn family(table: &[SweepEntry], name: &str) -> Family {
    let mut list: Vec<&SweepEntry> = table.iter().filter(|s| s.stimulus_name == name).collect();
    list.sort_by_key(|s| s.sweep_number);
    let sub: Vec<&SweepEntry> = list
        .iter()
        .copied()
        .filter(|s| matches!(s.num_spikes, None | Some(0)))
        .collect();
    let sup: Vec<&SweepEntry> = list
        .iter()
        .copied()
        .filter(|s| s.num_spikes.is_some_and(|n| n > 0))
        .collect();
    Family {
        all: list.iter().map(|s| s.sweep_number).collect(),
        subthreshold: sub.iter().map(|s| s.sweep_number).collect(),
        suprathreshold: sup.iter().map(|s| s.sweep_number).collect(),
        maximum_subthreshold: ranked(&sub, true),
        minimum_suprathreshold: ranked(&sup, false),
    }
}

/// The sweeps preprocessing uses.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSelection {
    /// Noise 1 sweeps (at least 2).
    pub noise1: Vec<u32>,
    /// Noise 2 sweeps (at least 2).
    pub noise2: Vec<u32>,
    /// Every short square.
    pub short_square_all: Vec<u32>,
    /// The largest subthreshold short square (the first of a tie).
    pub short_square_max_subthreshold: u32,
    /// The smallest suprathreshold short square (th_inf).
    pub short_square_min_suprathreshold: u32,
    /// Short-square triples (may be empty: GLIF1 and GLIF3 only).
    pub triple: Vec<u32>,
    /// The largest subthreshold long square (the noise statistics).
    pub long_square_max_subthreshold: u32,
    /// Suprathreshold ramps (may be empty).
    pub ramp_suprathreshold: Vec<u32>,
}

/// AllenSDK's choice of sweeps for `preprocess_neuron`, or an error naming
/// the missing family and which levels could still be fitted (none: every
/// level needs these).
pub fn select(table: &[SweepEntry]) -> Result<SweepSelection, FitError> {
    let missing = |what: String| {
        FitError::undetermined("sweep selection", &format!("{what}; no level can be fitted without it (GLIF1 to GLIF5 all need Noise 1 and 2, a subthreshold and a suprathreshold short square and a subthreshold long square)"))
    };
    let n1 = family(table, names::NOISE1);
    let n2 = family(table, names::NOISE2);
    if n1.all.len() < 2 {
        return Err(missing(format!(
            "not enough \"{}\" sweeps ({}/2)",
            names::NOISE1,
            n1.all.len()
        )));
    }
    if n2.all.len() < 2 {
        return Err(missing(format!(
            "not enough \"{}\" sweeps ({}/2)",
            names::NOISE2,
            n2.all.len()
        )));
    }
    let ssq = family(table, names::SHORT_SQUARE);
    let Some(&max_sub) = ssq.maximum_subthreshold.first() else {
        return Err(missing(format!(
            "no subthreshold \"{}\" sweep",
            names::SHORT_SQUARE
        )));
    };
    let Some(&min_sup) = ssq.minimum_suprathreshold.first() else {
        return Err(missing(format!(
            "no suprathreshold \"{}\" sweep",
            names::SHORT_SQUARE
        )));
    };
    let ls = family(table, names::LONG_SQUARE);
    let Some(&ls_max) = ls.maximum_subthreshold.first() else {
        return Err(missing(format!(
            "no subthreshold \"{}\" sweep",
            names::LONG_SQUARE
        )));
    };
    Ok(SweepSelection {
        noise1: n1.all,
        noise2: n2.all,
        short_square_all: ssq.all,
        short_square_max_subthreshold: max_sub,
        short_square_min_suprathreshold: min_sup,
        triple: family(table, names::SHORT_SQUARE_TRIPLE).all,
        long_square_max_subthreshold: ls_max,
        ramp_suprathreshold: family(table, names::RAMP).suprathreshold,
    })
}

/// The resting potential of a sweep, V (`slow_vm_mv * 1e-3`).
pub fn resting_potential(table: &[SweepEntry], sweep: u32) -> Result<f64, FitError> {
    table
        .iter()
        .find(|s| s.sweep_number == sweep)
        .and_then(|s| s.slow_vm_mv)
        .map(|mv| mv * 1e-3)
        .ok_or_else(|| {
            FitError::undetermined(
                "resting potential",
                &format!("sweep {sweep} has no slow_vm_mv in the sweep table"),
            )
        })
}

/// `El_reference`, V: the mean of the Noise 1 sweeps' resting potentials.
pub fn el_reference(table: &[SweepEntry], noise1: &[u32]) -> Result<f64, FitError> {
    let els = noise1
        .iter()
        .map(|&s| resting_potential(table, s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::stats::mean(&els))
}
