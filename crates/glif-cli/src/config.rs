//! Allen `neuron_config` JSON files: parsed into a [`Config`] (f64, any
//! number of after-spike currents), with every problem reported as the file
//! and the field. Files keyed by model id (`{"566283540": {...}}`) are
//! unwrapped, by `--model-id` when there is more than one.

use std::path::Path;

use glif_core::rules::{SpikeComponent, Sum, ThreeComponents, ThreeComponentsExact, VBefore};
use glif_core::{Coeffs, Float, ParamSpec, Params};
use serde_json::{Map, Value};

use crate::dynrules::{
    DynAsc, DynAscReset, DynModel, DynRules, DynThreshold, DynThresholdReset, DynVoltage,
    DynVoltageReset,
};
use crate::error::CliError;

/// The most after-spike currents a model may have (published models have 2).
pub const MAX_ASC: usize = 8;

/// The bundled model: Allen neuronal model 566283540 (GLIF5), from the Allen
/// Cell Types Database, as published (wrapped by its id).
pub const BUNDLED_CONFIG: &str = include_str!("../assets/566283540_neuron_config.json");
/// The bundled model's id.
pub const BUNDLED_ID: &str = "566283540";

/// Voltage dynamics rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VoltageRule {
    /// `linear_forward_euler`
    ForwardEuler,
    /// `linear_exact`
    Exact,
}

/// Threshold dynamics rule: `(a_spike, b_spike, a_voltage, b_voltage)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ThresholdRule {
    /// `inf`
    Inf,
    /// `spike_component`
    SpikeComponent([f64; 4]),
    /// `three_components_exact`
    ThreeComponentsExact([f64; 4]),
}

/// After-spike current dynamics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AscRule {
    /// `exp`
    Exp,
    /// `none`
    None,
}

/// Voltage reset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VoltageResetRule {
    /// `zero`
    Zero,
    /// `v_before` (a, b)
    VBefore(f64, f64),
}

/// Threshold reset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ThresholdResetRule {
    /// `inf`
    Inf,
    /// `three_components` (a_spike, b_spike)
    ThreeComponents(f64, f64),
}

/// After-spike current reset.
#[derive(Clone, Debug, PartialEq)]
pub enum AscResetRule {
    /// `sum` (r per current)
    Sum(Vec<f64>),
    /// `none`
    None,
}

/// A parsed `neuron_config`.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where it came from (a file name, or the bundled model).
    pub source: String,
    /// The model id it was keyed by, if any.
    pub model_id: Option<String>,
    /// `El` (V).
    pub el: f64,
    /// `El_reference` (V), if present.
    pub el_reference: Option<f64>,
    /// `dt` as stored (s).
    pub dt: f64,
    /// `R_input` (ohm).
    pub r_input: f64,
    /// `C` (F).
    pub c: f64,
    /// `asc_tau_array` (s).
    pub asc_tau: Vec<f64>,
    /// `asc_amp_array` (A).
    pub asc_amp: Vec<f64>,
    /// `spike_cut_length` (samples).
    pub spike_cut_length: u32,
    /// `th_inf` (V).
    pub th_inf: f64,
    /// `th_adapt`.
    pub th_adapt: Option<f64>,
    /// coeffs: th_inf, C, G, a, b.
    pub coeffs: [f64; 5],
    /// coeffs.asc_amp_array.
    pub coeffs_asc_amp: Vec<f64>,
    /// `init_voltage` (V).
    pub init_voltage: f64,
    /// `init_threshold` (V).
    pub init_threshold: f64,
    /// `init_AScurrents` (A).
    pub init_asc: Vec<f64>,
    /// Voltage dynamics.
    pub voltage: VoltageRule,
    /// Threshold dynamics.
    pub threshold: ThresholdRule,
    /// After-spike current dynamics.
    pub asc: AscRule,
    /// Voltage reset.
    pub voltage_reset: VoltageResetRule,
    /// Threshold reset.
    pub threshold_reset: ThresholdResetRule,
    /// After-spike current reset.
    pub asc_reset: AscResetRule,
}

struct Ctx<'a> {
    source: &'a str,
}

impl Ctx<'_> {
    fn err(&self, field: &str, msg: impl std::fmt::Display) -> CliError {
        CliError::input(format!("{}: field `{field}`: {msg}", self.source))
    }
    fn num(&self, obj: &Map<String, Value>, field: &str, path: &str) -> Result<f64, CliError> {
        match obj.get(field) {
            None => Err(self.err(path, "is missing")),
            Some(v) => self.as_num(v, path),
        }
    }
    fn as_num(&self, v: &Value, path: &str) -> Result<f64, CliError> {
        v.as_f64()
            .ok_or_else(|| self.err(path, format!("expected a number, found {}", describe(v))))
    }
    fn num_or(
        &self,
        obj: &Map<String, Value>,
        field: &str,
        path: &str,
        default: f64,
    ) -> Result<f64, CliError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => self.as_num(v, path),
        }
    }
    fn list(
        &self,
        obj: &Map<String, Value>,
        field: &str,
        path: &str,
    ) -> Result<Vec<f64>, CliError> {
        match obj.get(field) {
            None => Err(self.err(path, "is missing")),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| self.as_num(v, &format!("{path}[{i}]")))
                .collect(),
            Some(v) => Err(self.err(
                path,
                format!("expected a list of numbers, found {}", describe(v)),
            )),
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Reads a config file.
pub fn load(path: &Path, model_id: Option<&str>) -> Result<Config, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::input(format!(
            "{}: cannot read the config file: {e}",
            path.display()
        ))
    })?;
    parse(&text, &path.display().to_string(), model_id)
}

/// The bundled model.
pub fn bundled() -> Result<Config, CliError> {
    parse(
        BUNDLED_CONFIG,
        &format!("bundled Allen model {BUNDLED_ID}"),
        Some(BUNDLED_ID),
    )
}

/// Parses the text of a config; `source` names it in messages.
pub fn parse(text: &str, source: &str, model_id: Option<&str>) -> Result<Config, CliError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| CliError::input(format!("{source}: not valid JSON: {e}")))?;
    let Value::Object(top) = value else {
        return Err(CliError::input(format!(
            "{source}: expected a JSON object (an Allen neuron_config), found {}",
            describe(&value)
        )));
    };
    let (obj, id) = if top.contains_key("voltage_dynamics_method") || top.contains_key("R_input") {
        if let Some(id) = model_id {
            if top.contains_key(id) {
                (unwrap_obj(&top, id, source)?, Some(id.to_string()))
            } else {
                (top.clone(), None)
            }
        } else {
            (top.clone(), None)
        }
    } else {
        match model_id {
            Some(id) => {
                if !top.contains_key(id) {
                    let keys: Vec<&str> = top.keys().map(|k| k.as_str()).collect();
                    return Err(CliError::input(format!(
                        "{source}: no model with id {id} (the file has: {})",
                        keys.join(", ")
                    )));
                }
                (unwrap_obj(&top, id, source)?, Some(id.to_string()))
            }
            None => {
                if top.len() == 1 {
                    let (k, _) = top.iter().next().expect("one entry");
                    (unwrap_obj(&top, k, source)?, Some(k.clone()))
                } else if top.is_empty() {
                    return Err(CliError::input(format!(
                        "{source}: the file is an empty JSON object"
                    )));
                } else {
                    let keys: Vec<&str> = top.keys().take(10).map(|k| k.as_str()).collect();
                    return Err(CliError::input(format!(
                        "{source}: the file holds several models ({}); choose one with --model-id",
                        keys.join(", ")
                    )));
                }
            }
        }
    };
    let ctx = Ctx { source };
    parse_obj(&ctx, &obj, id)
}

fn unwrap_obj(
    top: &Map<String, Value>,
    id: &str,
    source: &str,
) -> Result<Map<String, Value>, CliError> {
    match top.get(id) {
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(v) => Err(CliError::input(format!(
            "{source}: field `{id}`: expected a neuron_config object, found {}",
            describe(v)
        ))),
        None => Err(CliError::input(format!("{source}: no model with id {id}"))),
    }
}

fn method<'a>(
    ctx: &Ctx<'_>,
    obj: &'a Map<String, Value>,
    field: &str,
) -> Result<(String, &'a Map<String, Value>), CliError> {
    let m = match obj.get(field) {
        None => return Err(ctx.err(field, "is missing")),
        Some(Value::Object(m)) => m,
        Some(v) => {
            return Err(ctx.err(
                field,
                format!(
                    "expected {{\"name\": ..., \"params\": {{...}}}}, found {}",
                    describe(v)
                ),
            ))
        }
    };
    let name = match m.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(v) => {
            return Err(ctx.err(
                &format!("{field}.name"),
                format!("expected a string, found {}", describe(v)),
            ))
        }
        None => return Err(ctx.err(&format!("{field}.name"), "is missing")),
    };
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    let params = match m.get("params") {
        Some(Value::Object(p)) => p,
        Some(Value::Null) => EMPTY.get_or_init(Map::new),
        Some(v) => {
            return Err(ctx.err(
                &format!("{field}.params"),
                format!("expected an object, found {}", describe(v)),
            ))
        }
        None => {
            return Err(ctx.err(
                &format!("{field}.params"),
                "is missing (AllenSDK requires it)",
            ))
        }
    };
    Ok((name, params))
}

fn unknown(ctx: &Ctx<'_>, field: &str, name: &str, known: &[&str]) -> CliError {
    ctx.err(
        &format!("{field}.name"),
        format!("unknown rule {name:?} (known: {})", known.join(", ")),
    )
}

fn parse_obj(
    ctx: &Ctx<'_>,
    o: &Map<String, Value>,
    model_id: Option<String>,
) -> Result<Config, CliError> {
    let asc_tau = ctx.list(o, "asc_tau_array", "asc_tau_array")?;
    let n = asc_tau.len();
    let asc_amp = ctx.list(o, "asc_amp_array", "asc_amp_array")?;
    let init_asc = ctx.list(o, "init_AScurrents", "init_AScurrents")?;
    for (name, v) in [("asc_amp_array", &asc_amp), ("init_AScurrents", &init_asc)] {
        if v.len() != n {
            return Err(ctx.err(
                name,
                format!("has {} values but asc_tau_array has {n}", v.len()),
            ));
        }
    }
    if n > MAX_ASC {
        return Err(ctx.err(
            "asc_tau_array",
            format!("has {n} values; at most {MAX_ASC} after-spike currents are supported"),
        ));
    }
    let spike_cut_length = {
        let x = ctx.num(o, "spike_cut_length", "spike_cut_length")?;
        if x < 0.0 || x.fract() != 0.0 || x > u32::MAX as f64 {
            return Err(ctx.err(
                "spike_cut_length",
                format!("expected a whole number of samples >= 0, found {x}"),
            ));
        }
        x as u32
    };
    let coeffs_obj = match o.get("coeffs") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(c)) => c.clone(),
        Some(v) => {
            return Err(ctx.err(
                "coeffs",
                format!("expected an object, found {}", describe(v)),
            ))
        }
    };
    let coeffs = [
        ctx.num_or(&coeffs_obj, "th_inf", "coeffs.th_inf", 1.0)?,
        ctx.num_or(&coeffs_obj, "C", "coeffs.C", 1.0)?,
        ctx.num_or(&coeffs_obj, "G", "coeffs.G", 1.0)?,
        ctx.num_or(&coeffs_obj, "a", "coeffs.a", 1.0)?,
        ctx.num_or(&coeffs_obj, "b", "coeffs.b", 1.0)?,
    ];
    let coeffs_asc_amp = match coeffs_obj.get("asc_amp_array") {
        None | Some(Value::Null) => vec![1.0; n],
        Some(_) => {
            let v = ctx.list(&coeffs_obj, "asc_amp_array", "coeffs.asc_amp_array")?;
            if v.len() != n {
                return Err(ctx.err(
                    "coeffs.asc_amp_array",
                    format!("has {} values but asc_tau_array has {n}", v.len()),
                ));
            }
            v
        }
    };
    let th_adapt = match o.get("th_adapt") {
        None | Some(Value::Null) => None,
        Some(v) => Some(ctx.as_num(v, "th_adapt")?),
    };
    let el_reference = match o.get("El_reference") {
        None | Some(Value::Null) => None,
        Some(v) => Some(ctx.as_num(v, "El_reference")?),
    };

    let (name, _) = method(ctx, o, "voltage_dynamics_method")?;
    let voltage = match name.as_str() {
        "linear_forward_euler" => VoltageRule::ForwardEuler,
        "linear_exact" => VoltageRule::Exact,
        _ => {
            return Err(unknown(
                ctx,
                "voltage_dynamics_method",
                &name,
                &["linear_forward_euler", "linear_exact"],
            ))
        }
    };
    let f = "threshold_dynamics_method";
    let (name, p) = method(ctx, o, f)?;
    let four = |p: &Map<String, Value>| -> Result<[f64; 4], CliError> {
        Ok([
            ctx.num(p, "a_spike", &format!("{f}.params.a_spike"))?,
            ctx.num(p, "b_spike", &format!("{f}.params.b_spike"))?,
            ctx.num(p, "a_voltage", &format!("{f}.params.a_voltage"))?,
            ctx.num(p, "b_voltage", &format!("{f}.params.b_voltage"))?,
        ])
    };
    let threshold = match name.as_str() {
        "inf" => ThresholdRule::Inf,
        "spike_component" => ThresholdRule::SpikeComponent(four(p)?),
        "three_components_exact" => ThresholdRule::ThreeComponentsExact(four(p)?),
        _ => {
            return Err(unknown(
                ctx,
                f,
                &name,
                &["inf", "spike_component", "three_components_exact"],
            ))
        }
    };
    let (name, _) = method(ctx, o, "AScurrent_dynamics_method")?;
    let asc = match name.as_str() {
        "exp" => AscRule::Exp,
        "none" => AscRule::None,
        _ => {
            return Err(unknown(
                ctx,
                "AScurrent_dynamics_method",
                &name,
                &["exp", "none"],
            ))
        }
    };
    let f = "voltage_reset_method";
    let (name, p) = method(ctx, o, f)?;
    let voltage_reset = match name.as_str() {
        "zero" => VoltageResetRule::Zero,
        "v_before" => VoltageResetRule::VBefore(
            ctx.num(p, "a", &format!("{f}.params.a"))?,
            ctx.num(p, "b", &format!("{f}.params.b"))?,
        ),
        _ => return Err(unknown(ctx, f, &name, &["zero", "v_before"])),
    };
    let f = "threshold_reset_method";
    let (name, p) = method(ctx, o, f)?;
    let threshold_reset = match name.as_str() {
        "inf" => ThresholdResetRule::Inf,
        "three_components" => ThresholdResetRule::ThreeComponents(
            ctx.num(p, "a_spike", &format!("{f}.params.a_spike"))?,
            ctx.num(p, "b_spike", &format!("{f}.params.b_spike"))?,
        ),
        _ => return Err(unknown(ctx, f, &name, &["inf", "three_components"])),
    };
    let f = "AScurrent_reset_method";
    let (name, p) = method(ctx, o, f)?;
    let asc_reset = match name.as_str() {
        "none" => AscResetRule::None,
        "sum" => {
            let r = ctx.list(p, "r", &format!("{f}.params.r"))?;
            if r.len() != n {
                return Err(ctx.err(
                    &format!("{f}.params.r"),
                    format!("has {} values but asc_tau_array has {n}", r.len()),
                ));
            }
            AscResetRule::Sum(r)
        }
        _ => return Err(unknown(ctx, f, &name, &["sum", "none"])),
    };

    Ok(Config {
        source: ctx.source.to_string(),
        model_id,
        el: ctx.num(o, "El", "El")?,
        el_reference,
        dt: ctx.num(o, "dt", "dt")?,
        r_input: ctx.num(o, "R_input", "R_input")?,
        c: ctx.num(o, "C", "C")?,
        asc_tau,
        asc_amp,
        spike_cut_length,
        th_inf: ctx.num(o, "th_inf", "th_inf")?,
        th_adapt,
        coeffs,
        coeffs_asc_amp,
        init_voltage: ctx.num(o, "init_voltage", "init_voltage")?,
        init_threshold: ctx.num(o, "init_threshold", "init_threshold")?,
        init_asc,
        voltage,
        threshold,
        asc,
        voltage_reset,
        threshold_reset,
        asc_reset,
    })
}

impl Config {
    /// The number of after-spike currents.
    pub fn n_asc(&self) -> usize {
        self.asc_tau.len()
    }

    /// The published level these rules make (1-5), if they make one.
    pub fn level(&self) -> Option<u8> {
        use AscResetRule as AR;
        use AscRule as A;
        use ThresholdResetRule as TR;
        use ThresholdRule as T;
        use VoltageResetRule as VR;
        if self.voltage != VoltageRule::ForwardEuler {
            return None;
        }
        match (
            &self.threshold,
            &self.asc,
            &self.voltage_reset,
            &self.threshold_reset,
            &self.asc_reset,
        ) {
            (T::Inf, A::None, VR::Zero, TR::Inf, AR::None) => Some(1),
            (T::SpikeComponent(_), A::None, VR::VBefore(..), TR::ThreeComponents(..), AR::None) => {
                Some(2)
            }
            (T::Inf, A::Exp, VR::Zero, TR::Inf, AR::Sum(_)) => Some(3),
            (
                T::SpikeComponent(_),
                A::Exp,
                VR::VBefore(..),
                TR::ThreeComponents(..),
                AR::Sum(_),
            ) => Some(4),
            (
                T::ThreeComponentsExact(_),
                A::Exp,
                VR::VBefore(..),
                TR::ThreeComponents(..),
                AR::Sum(_),
            ) => Some(5),
            _ => None,
        }
    }

    /// "GLIF5 (LIF-R-ASC-A)", or "custom rule combination".
    pub fn level_name(&self) -> String {
        match self.level() {
            Some(l) => format!(
                "GLIF{l} ({})",
                ["LIF", "LIF-R", "LIF-ASC", "LIF-R-ASC", "LIF-R-ASC-A"][l as usize - 1]
            ),
            None => "custom rule combination (not one of the five published levels)".into(),
        }
    }

    /// The six rule names, AllenSDK spelling.
    pub fn rule_names(&self) -> [(&'static str, &'static str); 6] {
        [
            (
                "voltage_dynamics_method",
                match self.voltage {
                    VoltageRule::ForwardEuler => "linear_forward_euler",
                    VoltageRule::Exact => "linear_exact",
                },
            ),
            (
                "threshold_dynamics_method",
                match self.threshold {
                    ThresholdRule::Inf => "inf",
                    ThresholdRule::SpikeComponent(_) => "spike_component",
                    ThresholdRule::ThreeComponentsExact(_) => "three_components_exact",
                },
            ),
            (
                "AScurrent_dynamics_method",
                match self.asc {
                    AscRule::Exp => "exp",
                    AscRule::None => "none",
                },
            ),
            (
                "voltage_reset_method",
                match self.voltage_reset {
                    VoltageResetRule::Zero => "zero",
                    VoltageResetRule::VBefore(..) => "v_before",
                },
            ),
            (
                "threshold_reset_method",
                match self.threshold_reset {
                    ThresholdResetRule::Inf => "inf",
                    ThresholdResetRule::ThreeComponents(..) => "three_components",
                },
            ),
            (
                "AScurrent_reset_method",
                match self.asc_reset {
                    AscResetRule::Sum(_) => "sum",
                    AscResetRule::None => "none",
                },
            ),
        ]
    }

    /// A one-line description of the rules.
    pub fn rules_line(&self) -> String {
        let r = self.rule_names();
        format!(
            "voltage {}, threshold {}, currents {}; reset: voltage {}, threshold {}, currents {}",
            r[0].1, r[1].1, r[2].1, r[3].1, r[4].1, r[5].1
        )
    }

    /// Effective threshold at rest `th_inf*coeffs.th_inf` (V).
    pub fn th_inf_eff(&self) -> f64 {
        self.th_inf * self.coeffs[0]
    }
    /// Effective conductance `(1/R_input)*coeffs.G` (S).
    pub fn g_eff(&self) -> f64 {
        (1.0 / self.r_input) * self.coeffs[2]
    }

    /// Builds the glif-core model at precision `F` with `N` currents and time step `dt`.
    pub fn build<F: Float, const N: usize>(
        &self,
        dt: f64,
        spike_cut_length: Option<u32>,
    ) -> Result<DynModel<F, N>, CliError> {
        let arr = |v: &[f64]| -> [F; N] {
            let mut a = [F::ZERO; N];
            for (x, y) in a.iter_mut().zip(v) {
                *x = F::from_f64(*y);
            }
            a
        };
        let c = F::from_f64;
        let spec = ParamSpec::<F, N> {
            el: c(self.el),
            dt: c(dt),
            r_input: c(self.r_input),
            c: c(self.c),
            asc_tau: arr(&self.asc_tau),
            asc_amp: arr(&self.asc_amp),
            spike_cut_length: spike_cut_length.unwrap_or(self.spike_cut_length),
            th_inf: c(self.th_inf),
            th_adapt: self.th_adapt.map(c),
            coeffs: Coeffs {
                th_inf: c(self.coeffs[0]),
                c: c(self.coeffs[1]),
                g: c(self.coeffs[2]),
                a: c(self.coeffs[3]),
                b: c(self.coeffs[4]),
                asc_amp: arr(&self.coeffs_asc_amp),
            },
            init_voltage: c(self.init_voltage),
            init_threshold: c(self.init_threshold),
            init_asc: arr(&self.init_asc),
        };
        let bad = |e: glif_core::ParamError| {
            let msg = if e.field == "dt" {
                format!("--dt: {e}")
            } else {
                format!("{}: field `{e}`", self.source)
            };
            CliError::input(msg)
        };
        let params = Params::new(spec).map_err(bad)?;
        let four = |p: &[f64; 4]| (c(p[0]), c(p[1]), c(p[2]), c(p[3]));
        let rules: DynRules<F, N> = glif_core::Rules {
            voltage: match self.voltage {
                VoltageRule::ForwardEuler => DynVoltage::Euler,
                VoltageRule::Exact => DynVoltage::Exact,
            },
            threshold: match &self.threshold {
                ThresholdRule::Inf => DynThreshold::Inf,
                ThresholdRule::SpikeComponent(p) => {
                    let (a_spike, b_spike, a_voltage, b_voltage) = four(p);
                    DynThreshold::SpikeComponent(SpikeComponent {
                        a_spike,
                        b_spike,
                        a_voltage,
                        b_voltage,
                    })
                }
                ThresholdRule::ThreeComponentsExact(p) => {
                    let (a_spike, b_spike, a_voltage, b_voltage) = four(p);
                    DynThreshold::ThreeComponentsExact(ThreeComponentsExact {
                        a_spike,
                        b_spike,
                        a_voltage,
                        b_voltage,
                    })
                }
            },
            asc: match self.asc {
                AscRule::Exp => DynAsc::Exp,
                AscRule::None => DynAsc::None,
            },
            voltage_reset: match self.voltage_reset {
                VoltageResetRule::Zero => DynVoltageReset::Zero,
                VoltageResetRule::VBefore(a, b) => {
                    DynVoltageReset::VBefore(VBefore { a: c(a), b: c(b) })
                }
            },
            threshold_reset: match self.threshold_reset {
                ThresholdResetRule::Inf => DynThresholdReset::Inf,
                ThresholdResetRule::ThreeComponents(a, b) => {
                    DynThresholdReset::ThreeComponents(ThreeComponents {
                        a_spike: c(a),
                        b_spike: c(b),
                    })
                }
            },
            asc_reset: match &self.asc_reset {
                AscResetRule::None => DynAscReset::None,
                AscResetRule::Sum(r) => DynAscReset::Sum(Sum { r: arr(r) }),
            },
        };
        glif_core::Model::new(params, rules).map_err(bad)
    }
}

/// Calls `$body` with `const $n: usize` equal to the run-time value `$count`
/// (0..=MAX_ASC).
#[macro_export]
macro_rules! with_n {
    ($count:expr, $n:ident => $body:expr) => {
        match $count {
            0 => {
                const $n: usize = 0;
                $body
            }
            1 => {
                const $n: usize = 1;
                $body
            }
            2 => {
                const $n: usize = 2;
                $body
            }
            3 => {
                const $n: usize = 3;
                $body
            }
            4 => {
                const $n: usize = 4;
                $body
            }
            5 => {
                const $n: usize = 5;
                $body
            }
            6 => {
                const $n: usize = 6;
                $body
            }
            7 => {
                const $n: usize = 7;
                $body
            }
            8 => {
                const $n: usize = 8;
                $body
            }
            other => Err($crate::error::CliError::input(format!(
                "{other} after-spike currents: at most {} are supported",
                $crate::config::MAX_ASC
            ))),
        }
    };
}
