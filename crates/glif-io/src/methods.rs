//! The six method families of a `neuron_config`, one enum each, with the
//! parameters of each rule as plain `f64`. Names and parameters are exactly
//! AllenSDK's (`glif_neuron_methods.METHOD_LIBRARY`), plus `linear_exact`.

use serde_json::{json, Map, Value};

use crate::config::Fields;
use crate::error::{Error, ErrorKind, Result};

/// `voltage_dynamics_method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoltageMethod {
    /// `linear_forward_euler` (every published model).
    LinearForwardEuler,
    /// `linear_exact`: defined in AllenSDK's source but not registered in its
    /// method table, so AllenSDK 2.16.2 cannot load a file naming it.
    LinearExact,
}

/// `threshold_dynamics_method`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ThresholdMethod {
    /// `inf`: constant `th_inf*coeffs.th_inf`.
    Inf,
    /// `spike_component` (only `b_spike` is used; all four are required, as AllenSDK requires them).
    SpikeComponent(ThresholdParams),
    /// `three_components_exact`.
    ThreeComponentsExact(ThresholdParams),
}

/// The four parameters of the adaptive threshold rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThresholdParams {
    /// Spike component jump (V).
    pub a_spike: f64,
    /// Spike component decay rate (1/s).
    pub b_spike: f64,
    /// Voltage component coupling (1/s).
    pub a_voltage: f64,
    /// Voltage component decay rate (1/s).
    pub b_voltage: f64,
}

/// `AScurrent_dynamics_method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AscMethod {
    /// `exp`: each current decays with its `asc_tau_array` time constant.
    Exp,
    /// `none`: currents are zero after every step.
    None,
}

/// `voltage_reset_method`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VoltageResetMethod {
    /// `zero`: 0 V.
    Zero,
    /// `v_before`: `a*v + b` (a dimensionless, b in V).
    VBefore {
        /// Slope.
        a: f64,
        /// Offset (V).
        b: f64,
    },
}

/// `threshold_reset_method`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ThresholdResetMethod {
    /// `inf`: `th_inf*coeffs.th_inf`.
    Inf,
    /// `three_components`: spike component decays through the cut, then jumps by `a_spike`.
    ThreeComponents {
        /// Jump (V).
        a_spike: f64,
        /// Decay rate (1/s).
        b_spike: f64,
    },
}

/// `AScurrent_reset_method`.
#[derive(Clone, Debug, PartialEq)]
pub enum AscResetMethod {
    /// `sum`: `asc_amp*coeffs + r*asc*exp(-k*dt*cut)`, one `r` per current.
    Sum {
        /// Fraction carried through a spike, one per current.
        r: Vec<f64>,
    },
    /// `none`: currents must be zero at a spike.
    None,
}

/// The six rules of a neuron.
#[derive(Clone, Debug, PartialEq)]
pub struct Methods {
    /// `voltage_dynamics_method`.
    pub voltage: VoltageMethod,
    /// `threshold_dynamics_method`.
    pub threshold: ThresholdMethod,
    /// `AScurrent_dynamics_method`.
    pub asc: AscMethod,
    /// `voltage_reset_method`.
    pub voltage_reset: VoltageResetMethod,
    /// `threshold_reset_method`.
    pub threshold_reset: ThresholdResetMethod,
    /// `AScurrent_reset_method`.
    pub asc_reset: AscResetMethod,
}

/// Valid names per family, for error messages and the CLI.
pub const VOLTAGE_NAMES: &[&str] = &["linear_forward_euler", "linear_exact"];
/// Valid `threshold_dynamics_method` names.
pub const THRESHOLD_NAMES: &[&str] = &["inf", "spike_component", "three_components_exact"];
/// Valid `AScurrent_dynamics_method` names.
pub const ASC_NAMES: &[&str] = &["exp", "none"];
/// Valid `voltage_reset_method` names.
pub const VOLTAGE_RESET_NAMES: &[&str] = &["zero", "v_before"];
/// Valid `threshold_reset_method` names.
pub const THRESHOLD_RESET_NAMES: &[&str] = &["inf", "three_components"];
/// Valid `AScurrent_reset_method` names.
pub const ASC_RESET_NAMES: &[&str] = &["sum", "none"];

const THRESHOLD_PARAMS: &[&str] = &["a_spike", "b_spike", "a_voltage", "b_voltage"];

impl VoltageMethod {
    /// The name in config files.
    pub fn name(self) -> &'static str {
        match self {
            VoltageMethod::LinearForwardEuler => "linear_forward_euler",
            VoltageMethod::LinearExact => "linear_exact",
        }
    }
}

impl ThresholdMethod {
    /// The name in config files.
    pub fn name(&self) -> &'static str {
        match self {
            ThresholdMethod::Inf => "inf",
            ThresholdMethod::SpikeComponent(_) => "spike_component",
            ThresholdMethod::ThreeComponentsExact(_) => "three_components_exact",
        }
    }
}

impl AscMethod {
    /// The name in config files.
    pub fn name(self) -> &'static str {
        match self {
            AscMethod::Exp => "exp",
            AscMethod::None => "none",
        }
    }
}

impl VoltageResetMethod {
    /// The name in config files.
    pub fn name(&self) -> &'static str {
        match self {
            VoltageResetMethod::Zero => "zero",
            VoltageResetMethod::VBefore { .. } => "v_before",
        }
    }
}

impl ThresholdResetMethod {
    /// The name in config files.
    pub fn name(&self) -> &'static str {
        match self {
            ThresholdResetMethod::Inf => "inf",
            ThresholdResetMethod::ThreeComponents { .. } => "three_components",
        }
    }
}

impl AscResetMethod {
    /// The name in config files.
    pub fn name(&self) -> &'static str {
        match self {
            AscResetMethod::Sum { .. } => "sum",
            AscResetMethod::None => "none",
        }
    }
}

impl Methods {
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

    /// The published GLIF level (1..=5) these rules are, if any (Teeter et al. 2018).
    pub fn level(&self) -> Option<u8> {
        use AscMethod as A;
        use AscResetMethod as AR;
        use ThresholdMethod as T;
        use ThresholdResetMethod as TR;
        use VoltageResetMethod as VR;
        if self.voltage != VoltageMethod::LinearForwardEuler {
            return None;
        }
        match (
            &self.threshold,
            self.asc,
            &self.voltage_reset,
            &self.threshold_reset,
            &self.asc_reset,
        ) {
            (T::Inf, A::None, VR::Zero, TR::Inf, AR::None) => Some(1),
            (
                T::SpikeComponent(_),
                A::None,
                VR::VBefore { .. },
                TR::ThreeComponents { .. },
                AR::None,
            ) => Some(2),
            (T::Inf, A::Exp, VR::Zero, TR::Inf, AR::Sum { .. }) => Some(3),
            (
                T::SpikeComponent(_),
                A::Exp,
                VR::VBefore { .. },
                TR::ThreeComponents { .. },
                AR::Sum { .. },
            ) => Some(4),
            (
                T::ThreeComponentsExact(_),
                A::Exp,
                VR::VBefore { .. },
                TR::ThreeComponents { .. },
                AR::Sum { .. },
            ) => Some(5),
            _ => None,
        }
    }

    /// Rejects combinations that cannot run, naming the rule.
    ///
    /// `three_components` threshold reset with `inf` threshold dynamics:
    /// AllenSDK loads such a file, then raises "reset should never happen at
    /// the beginning of a trace" at the first spike (its `inf` dynamics keeps
    /// no threshold components for the reset to read). This is refused here
    /// when the neuron is built, before any run.
    pub(crate) fn check_compatible(&self) -> Result<()> {
        if matches!(self.threshold, ThresholdMethod::Inf)
            && matches!(
                self.threshold_reset,
                ThresholdResetMethod::ThreeComponents { .. }
            )
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
        if self.voltage == VoltageMethod::LinearExact {
            return Some(
                "voltage_dynamics_method 'linear_exact' is not registered in AllenSDK's \
                 METHOD_LIBRARY: GlifNeuron.from_dict fails with \"unknown method name linear_exact\"",
            );
        }
        None
    }

    pub(crate) fn parse(fields: &Fields<'_>, n: usize) -> Result<Methods> {
        let (name, p) = method(fields, "voltage_dynamics_method", VOLTAGE_NAMES)?;
        p.only(name, &[])?;
        let voltage = match name {
            "linear_forward_euler" => VoltageMethod::LinearForwardEuler,
            _ => VoltageMethod::LinearExact,
        };

        let (name, p) = method(fields, "threshold_dynamics_method", THRESHOLD_NAMES)?;
        let threshold = match name {
            "inf" => {
                p.only(name, &[])?;
                ThresholdMethod::Inf
            }
            _ => {
                p.only(name, THRESHOLD_PARAMS)?;
                let tp = ThresholdParams {
                    a_spike: p.finite("a_spike")?,
                    b_spike: p.finite("b_spike")?,
                    a_voltage: p.finite("a_voltage")?,
                    b_voltage: p.finite("b_voltage")?,
                };
                if name == "spike_component" {
                    ThresholdMethod::SpikeComponent(tp)
                } else {
                    ThresholdMethod::ThreeComponentsExact(tp)
                }
            }
        };

        let (name, p) = method(fields, "AScurrent_dynamics_method", ASC_NAMES)?;
        p.only(name, &[])?;
        let asc = if name == "exp" {
            AscMethod::Exp
        } else {
            AscMethod::None
        };

        let (name, p) = method(fields, "voltage_reset_method", VOLTAGE_RESET_NAMES)?;
        let voltage_reset = if name == "zero" {
            p.only(name, &[])?;
            VoltageResetMethod::Zero
        } else {
            p.only(name, &["a", "b"])?;
            VoltageResetMethod::VBefore {
                a: p.finite("a")?,
                b: p.finite("b")?,
            }
        };

        let (name, p) = method(fields, "threshold_reset_method", THRESHOLD_RESET_NAMES)?;
        let threshold_reset = if name == "inf" {
            p.only(name, &[])?;
            ThresholdResetMethod::Inf
        } else {
            p.only(name, &["a_spike", "b_spike"])?;
            ThresholdResetMethod::ThreeComponents {
                a_spike: p.finite("a_spike")?,
                b_spike: p.finite("b_spike")?,
            }
        };

        let (name, p) = method(fields, "AScurrent_reset_method", ASC_RESET_NAMES)?;
        let asc_reset = if name == "sum" {
            p.only(name, &["r"])?;
            AscResetMethod::Sum {
                r: p.array("r", Some(n))?,
            }
        } else {
            p.only(name, &[])?;
            AscResetMethod::None
        };

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
        let m = |name: &str, params: Value| json!({ "name": name, "params": params });
        let tp = |p: &ThresholdParams| json!({"a_spike": p.a_spike, "b_spike": p.b_spike, "a_voltage": p.a_voltage, "b_voltage": p.b_voltage});
        obj.insert(
            "voltage_dynamics_method".into(),
            m(self.voltage.name(), json!({})),
        );
        let th = match &self.threshold {
            ThresholdMethod::Inf => json!({}),
            ThresholdMethod::SpikeComponent(p) | ThresholdMethod::ThreeComponentsExact(p) => tp(p),
        };
        obj.insert(
            "threshold_dynamics_method".into(),
            m(self.threshold.name(), th),
        );
        obj.insert(
            "AScurrent_dynamics_method".into(),
            m(self.asc.name(), json!({})),
        );
        let vr = match self.voltage_reset {
            VoltageResetMethod::Zero => json!({}),
            VoltageResetMethod::VBefore { a, b } => json!({"a": a, "b": b}),
        };
        obj.insert(
            "voltage_reset_method".into(),
            m(self.voltage_reset.name(), vr),
        );
        let tr = match self.threshold_reset {
            ThresholdResetMethod::Inf => json!({}),
            ThresholdResetMethod::ThreeComponents { a_spike, b_spike } => {
                json!({"a_spike": a_spike, "b_spike": b_spike})
            }
        };
        obj.insert(
            "threshold_reset_method".into(),
            m(self.threshold_reset.name(), tr),
        );
        let ar = match &self.asc_reset {
            AscResetMethod::Sum { r } => json!({ "r": r }),
            AscResetMethod::None => json!({}),
        };
        obj.insert(
            "AScurrent_reset_method".into(),
            m(self.asc_reset.name(), ar),
        );
    }
}

/// Reads `{name, params}` of one family: both required, the name one of `valid`.
fn method<'a>(
    fields: &Fields<'a>,
    key: &str,
    valid: &'static [&'static str],
) -> Result<(&'static str, Fields<'a>)> {
    let obj = fields.object(key)?;
    let name_path = obj.path_of("name");
    let name = match obj.get("name") {
        None => return Err(Error::missing(name_path)),
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(Error::invalid(name_path, other.to_string(), "a string")),
    };
    let Some(&known) = valid.iter().find(|v| **v == name) else {
        return Err(Error::new(ErrorKind::UnknownMethod {
            path: name_path,
            name: name.to_string(),
            valid,
        }));
    };
    let params = obj.object("params")?;
    Ok((known, params))
}
