//! The six rules a `neuron_config` names ([`Methods`]), and what follows
//! from the combination: the published level, whether the rules can run
//! together, whether AllenSDK can run them. Each family's rules, names and
//! parameters are in the rule table, [`crate::model`]'s `rules.rs`.

use serde_json::{Map, Value};

use crate::base::{Error, ErrorKind, Result};

use super::fields::Fields;
use super::rules::{
    choose, write_method, AnyAsc, AnyThreshold, AnyThresholdReset, AnyVoltage, AnyVoltageReset,
    AscResetMethod, PublishedLevel,
};

/// The six rules of a neuron, with their parameters as a config gives them
/// (`f64`).
#[derive(Clone, Debug, PartialEq)]
pub struct Methods {
    /// `voltage_dynamics_method`.
    pub voltage: AnyVoltage,
    /// `threshold_dynamics_method`.
    pub threshold: AnyThreshold<f64>,
    /// `AScurrent_dynamics_method`.
    pub asc: AnyAsc,
    /// `voltage_reset_method`.
    pub voltage_reset: AnyVoltageReset<f64>,
    /// `threshold_reset_method`.
    pub threshold_reset: AnyThresholdReset<f64>,
    /// `AScurrent_reset_method`.
    pub asc_reset: AscResetMethod,
}

impl Methods {
    /// The six config keys, in the order of [`Methods::names`]: each
    /// family's `KEY` from the rule table.
    pub const KEYS: [&'static str; 6] = [
        AnyVoltage::KEY,
        AnyThreshold::<f64>::KEY,
        AnyAsc::KEY,
        AnyVoltageReset::<f64>::KEY,
        AnyThresholdReset::<f64>::KEY,
        AscResetMethod::KEY,
    ];

    /// The six names, in the order voltage, threshold, currents, voltage
    /// reset, threshold reset, current reset.
    pub fn names(&self) -> [&'static str; 6] {
        [
            self.voltage.name(),
            self.threshold.name(),
            self.asc.name(),
            self.voltage_reset.name(),
            self.threshold_reset.name(),
            self.asc_reset.name(),
        ]
    }

    /// The published GLIF level (1..=5) these rules are, if any (Teeter et
    /// al. 2018): the rule table's
    /// [`PUBLISHED_LEVELS`](super::rules::PUBLISHED_LEVELS) entry with these six
    /// names. Other combinations are none: they run through the general
    /// (run-time rules) model.
    pub fn level(&self) -> Option<u8> {
        self.published_level().map(|l| l.level)
    }

    /// The rule table's entry of the published level these rules are.
    pub fn published_level(&self) -> Option<&'static PublishedLevel> {
        PublishedLevel::of(self.names())
    }

    /// Rejects combinations that cannot run, naming the rule.
    ///
    /// `three_components` threshold reset with `inf` threshold dynamics:
    /// AllenSDK loads such a file, then raises "reset should never happen at
    /// the beginning of a trace" at the first spike (its `inf` dynamics keeps
    /// no threshold components for the reset to read). This is refused here
    /// when the neuron is built, before any run.
    pub(crate) fn check_compatible(&self) -> Result<()> {
        if matches!(self.threshold, AnyThreshold::Inf(_))
            && matches!(self.threshold_reset, AnyThresholdReset::ThreeComponents(_))
        {
            return Err(Error::new(ErrorKind::IncompatibleRules {
                path: "threshold_reset_method.name".into(),
                problem: "'three_components' needs threshold dynamics that keep threshold \
                          components ('spike_component' or 'three_components_exact'), but \
                          threshold_dynamics_method is 'inf' (AllenSDK loads this and then \
                          raises \"reset should never happen at the beginning of a trace\" at \
                          the first spike)"
                    .into(),
            }));
        }
        Ok(())
    }

    /// What stops AllenSDK 2.16.2 from running these rules, if anything.
    pub fn allensdk_incompatibility(&self) -> Option<&'static str> {
        if matches!(self.voltage, AnyVoltage::Exact(_)) {
            return Some(
                "voltage_dynamics_method 'linear_exact' is not registered in AllenSDK's \
                 METHOD_LIBRARY: GlifNeuron.from_dict fails with \"unknown method name linear_exact\"",
            );
        }
        None
    }

    pub(crate) fn parse(fields: &Fields<'_>, n: usize) -> Result<Methods> {
        let (r, p) = choose::<AnyVoltage>(fields)?;
        let voltage = r.with_params(&p)?;
        let (r, p) = choose::<AnyThreshold<f64>>(fields)?;
        let threshold = r.with_params(&p)?;
        let (r, p) = choose::<AnyAsc>(fields)?;
        let asc = r.with_params(&p)?;
        let (r, p) = choose::<AnyVoltageReset<f64>>(fields)?;
        let voltage_reset = r.with_params(&p)?;
        let (r, p) = choose::<AnyThresholdReset<f64>>(fields)?;
        let threshold_reset = r.with_params(&p)?;
        let (r, p) = choose::<AscResetMethod>(fields)?;
        let asc_reset = r.with_params(&p, n)?;
        Ok(Methods {
            voltage,
            threshold,
            asc,
            voltage_reset,
            threshold_reset,
            asc_reset,
        })
    }

    /// The six method dicts as AllenSDK writes them, `{"name": .., "params": {..}}`.
    pub(crate) fn write(&self, obj: &mut Map<String, Value>) {
        write_method(&self.voltage, obj);
        write_method(&self.threshold, obj);
        write_method(&self.asc, obj);
        write_method(&self.voltage_reset, obj);
        write_method(&self.threshold_reset, obj);
        write_method(&self.asc_reset, obj);
    }
}
