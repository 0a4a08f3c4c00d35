//! Allen `neuron_config` JSON: parsed into a plain [`NeuronConfig`] and
//! written back.
//!
//! Both published forms load: the bare config object (Teeter et al. files,
//! bmtk files) and the object keyed by neuronal model id that the Allen API
//! returns (`{"566283540": {...}}`). Floats are parsed exactly
//! (serde_json's `float_roundtrip`).
//!
//! What is checked, as AllenSDK 2.16.2 checks it or stricter:
//! - every field `GlifNeuron.from_dict` reads is present (`coeffs` may be
//!   absent; `th_adapt` must be present but may be `null`);
//! - numbers are numbers; `dt`, `R_input`, `C`, `coeffs.C` and every
//!   `asc_tau_array` value are > 0;
//! - `asc_amp_array`, `init_AScurrents`, `coeffs.asc_amp_array` and the
//!   `sum` reset's `r` have one value per after-spike current;
//! - `spike_cut_length` is a non-negative integer (`52` or `52.0`);
//! - each method dict has `name` and `params`; the name is one of the
//!   family's rules; `params` holds exactly the rule's parameters (AllenSDK
//!   passes them as keyword arguments, so a missing or extra one fails there
//!   at the first call).
//!
//! Unknown top-level keys (`El_reference`, `dt_multiplier`, `type`, ...) and
//! unknown `coeffs` keys are accepted, ignored by the simulation, and kept
//! for [`NeuronConfig::to_json`].

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::base::{write_atomic, Error, ErrorKind, Result};

use super::fields::{describe, number, positive, Fields};
use super::methods::Methods;

/// Coefficients AllenSDK multiplies onto parameters; each defaults to 1.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigCoeffs {
    /// Multiplies `th_inf`.
    pub th_inf: f64,
    /// Multiplies `C`.
    pub c: f64,
    /// Multiplies `G = 1/R_input`.
    pub g: f64,
    /// Multiplies `a_voltage`.
    pub a: f64,
    /// Multiplies `b_voltage`.
    pub b: f64,
    /// Multiplies `asc_amp_array`, one per current.
    pub asc_amp: Vec<f64>,
}

/// One neuron's parameters and rules, as in an Allen `neuron_config` file.
/// Units are SI: volts, seconds, amperes, ohms, farads.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronConfig {
    /// `El` (V).
    pub el: f64,
    /// `dt` (s). Allen files store 5e-5; AllenSDK's documented usage sets it
    /// to the stimulus sampling interval (5e-6 s for Allen data) before
    /// running: see [`NeuronConfig::with_dt`].
    pub dt: f64,
    /// `R_input` (Ω).
    pub r_input: f64,
    /// `C` (F).
    pub c: f64,
    /// `asc_tau_array` (s); its length is the number of after-spike currents.
    pub asc_tau: Vec<f64>,
    /// `asc_amp_array` (A).
    pub asc_amp: Vec<f64>,
    /// `spike_cut_length` (samples).
    pub spike_cut_length: u32,
    /// `th_inf` (V).
    pub th_inf: f64,
    /// `th_adapt` (unused by AllenSDK; `null` in real files).
    pub th_adapt: Option<f64>,
    /// `coeffs`.
    pub coeffs: ConfigCoeffs,
    /// `init_voltage` (V).
    pub init_voltage: f64,
    /// `init_threshold` (V).
    pub init_threshold: f64,
    /// `init_AScurrents` (A).
    pub init_asc: Vec<f64>,
    /// The six rules.
    pub methods: Methods,
    /// The config object as read, for the keys this crate does not interpret.
    pub original: Map<String, Value>,
    /// The file it came from, for error messages.
    pub source: Option<PathBuf>,
    /// The neuronal model id, for files keyed by id.
    pub model_id: Option<String>,
}

/// Checks a time step: finite and > 0 (s). The one check of `dt` every
/// run goes through ([`NeuronConfig::with_dt`], the batch runner, `glif`).
pub fn check_dt(dt: f64) -> Result<()> {
    if !dt.is_finite() {
        return Err(Error::invalid("dt", format!("{dt}"), "a finite number"));
    }
    positive(dt, "dt").map(|_| ())
}

/// The ids of a config keyed by neuronal model id, or None for a bare config.
pub(crate) fn keyed_ids(map: &Map<String, Value>) -> Option<Vec<String>> {
    let bare_key = ["El", "voltage_dynamics_method", "R_input", "C", "th_inf"]
        .iter()
        .any(|k| map.contains_key(*k));
    if bare_key || map.is_empty() || !map.values().all(Value::is_object) {
        return None;
    }
    Some(map.keys().cloned().collect())
}

impl NeuronConfig {
    /// Reads a config file (bare or keyed by id). With several models keyed
    /// by id, `model_id` chooses one; with one, it may be `None`.
    pub fn from_path(path: impl AsRef<Path>, model_id: Option<&str>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut config = Self::from_json_str(&text, model_id).map_err(|e| e.in_file(path))?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses config JSON text (bare or keyed by id).
    ///
    /// Python's `json` writes non-finite floats as `NaN`, `Infinity` and
    /// `-Infinity`, which are not JSON: such a file is refused with the
    /// field that holds the value, not a syntax error.
    pub fn from_json_str(text: &str, model_id: Option<&str>) -> Result<Self> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| non_finite_field(text).unwrap_or_else(|| Error::syntax(&e)))?;
        Self::from_value(&value, model_id)
    }

    /// Parses a config from a JSON value (bare or keyed by id).
    pub fn from_value(value: &Value, model_id: Option<&str>) -> Result<Self> {
        let Value::Object(map) = value else {
            return Err(Error::invalid(
                "(top level)",
                describe(value),
                "a neuron_config object",
            ));
        };
        match (keyed_ids(map), model_id) {
            (None, None) => Self::from_object(map),
            (None, Some(id)) => Err(Error::new(ErrorKind::ModelNotFound {
                id: id.to_string(),
                ids: Vec::new(),
            })),
            (Some(ids), id) => {
                let id = match id {
                    Some(id) => id.to_string(),
                    None if ids.len() == 1 => ids[0].clone(),
                    None => return Err(Error::new(ErrorKind::AmbiguousModel { ids })),
                };
                let Some(Value::Object(inner)) = map.get(&id) else {
                    return Err(Error::new(ErrorKind::ModelNotFound { id, ids }));
                };
                let mut config = Self::from_object(inner).map_err(|mut e| {
                    e.model_id = Some(id.clone());
                    e
                })?;
                config.model_id = Some(id);
                Ok(config)
            }
        }
    }

    /// Parses a bare config object.
    pub fn from_object(map: &Map<String, Value>) -> Result<Self> {
        let f = Fields::root(map);
        let asc_tau = f.array("asc_tau_array", None)?;
        let n = asc_tau.len();
        for (i, &tau) in asc_tau.iter().enumerate() {
            positive(tau, &format!("asc_tau_array[{i}]"))?;
        }
        let spike_cut_length = {
            let path = "spike_cut_length";
            let x = f.finite(path)?;
            if x < 0.0 || x.fract() != 0.0 || x > f64::from(u32::MAX) {
                return Err(Error::invalid(
                    path,
                    describe(f.required(path)?),
                    "a non-negative whole number of samples",
                ));
            }
            x as u32
        };
        let th_adapt = match f.required("th_adapt")? {
            Value::Null => None,
            v => Some(number(v, "th_adapt")?),
        };
        let coeffs = match f.get("coeffs") {
            None => ConfigCoeffs {
                th_inf: 1.0,
                c: 1.0,
                g: 1.0,
                a: 1.0,
                b: 1.0,
                asc_amp: vec![1.0; n],
            },
            Some(_) => {
                let c = f.object("coeffs")?;
                ConfigCoeffs {
                    th_inf: c.finite_or("th_inf", 1.0)?,
                    c: positive(c.finite_or("C", 1.0)?, "coeffs.C")?,
                    g: c.finite_or("G", 1.0)?,
                    a: c.finite_or("a", 1.0)?,
                    b: c.finite_or("b", 1.0)?,
                    asc_amp: match c.get("asc_amp_array") {
                        None => vec![1.0; n],
                        Some(_) => c.array("asc_amp_array", Some(n))?,
                    },
                }
            }
        };
        let config = NeuronConfig {
            el: f.finite("El")?,
            dt: f.positive("dt")?,
            r_input: f.positive("R_input")?,
            c: f.positive("C")?,
            asc_amp: f.array("asc_amp_array", Some(n))?,
            asc_tau,
            spike_cut_length,
            th_inf: f.finite("th_inf")?,
            th_adapt,
            coeffs,
            init_voltage: f.finite("init_voltage")?,
            init_threshold: f.finite("init_threshold")?,
            init_asc: f.array("init_AScurrents", Some(n))?,
            methods: Methods::parse(&f, n)?,
            original: map.clone(),
            source: None,
            model_id: None,
        };
        Ok(config)
    }

    /// The number of after-spike currents.
    pub fn asc_count(&self) -> usize {
        self.asc_tau.len()
    }

    /// The published level (1..=5) of the rules, if they are one.
    pub fn level(&self) -> Option<u8> {
        self.methods.level()
    }

    /// The same config with time step `dt` (s), e.g. the stimulus sampling
    /// interval, as AllenSDK's documentation requires.
    pub fn with_dt(mut self, dt: f64) -> Result<Self> {
        check_dt(dt).map_err(|e| e.with_source(&self))?;
        self.dt = dt;
        Ok(self)
    }

    /// The same config with another spike cut length (samples).
    pub fn with_spike_cut_length(mut self, samples: u32) -> Self {
        self.spike_cut_length = samples;
        self
    }

    /// The config as AllenSDK's `GlifNeuron.to_dict()` would give it (the
    /// bare form, which `GlifNeuron.from_dict` reads), with every key of the
    /// original file this crate does not interpret kept as it was.
    ///
    /// Unlike AllenSDK's `to_dict`, `El_reference` keeps its value from the
    /// file (AllenSDK overwrites it with `El`, which is 0 in real files).
    pub fn to_json(&self) -> Value {
        let mut obj = self.original.clone();
        obj.insert("El".into(), json!(self.el));
        obj.insert("dt".into(), json!(self.dt));
        obj.insert("R_input".into(), json!(self.r_input));
        obj.insert("C".into(), json!(self.c));
        obj.insert("asc_tau_array".into(), json!(self.asc_tau));
        obj.insert("asc_amp_array".into(), json!(self.asc_amp));
        obj.insert("spike_cut_length".into(), json!(self.spike_cut_length));
        obj.insert("th_inf".into(), json!(self.th_inf));
        obj.insert("th_adapt".into(), json!(self.th_adapt));
        let mut coeffs = match self.original.get("coeffs") {
            Some(Value::Object(c)) => c.clone(),
            _ => Map::new(),
        };
        coeffs.insert("th_inf".into(), json!(self.coeffs.th_inf));
        coeffs.insert("C".into(), json!(self.coeffs.c));
        coeffs.insert("G".into(), json!(self.coeffs.g));
        coeffs.insert("a".into(), json!(self.coeffs.a));
        coeffs.insert("b".into(), json!(self.coeffs.b));
        coeffs.insert("asc_amp_array".into(), json!(self.coeffs.asc_amp));
        obj.insert("coeffs".into(), Value::Object(coeffs));
        obj.insert("init_voltage".into(), json!(self.init_voltage));
        obj.insert("init_threshold".into(), json!(self.init_threshold));
        obj.insert("init_AScurrents".into(), json!(self.init_asc));
        obj.entry("type").or_insert_with(|| json!("GLIF"));
        self.methods.write(&mut obj);
        Value::Object(obj)
    }

    /// [`NeuronConfig::to_json`] as pretty-printed text.
    pub fn to_json_string(&self) -> String {
        // Serializing a Value of finite numbers cannot fail.
        serde_json::to_string_pretty(&self.to_json()).unwrap_or_default()
    }
}

impl Error {
    /// Attaches the config's file and model id.
    pub(crate) fn with_source(mut self, config: &NeuronConfig) -> Self {
        if self.file.is_none() {
            self.file.clone_from(&config.source);
        }
        if self.model_id.is_none() {
            self.model_id.clone_from(&config.model_id);
        }
        self
    }
}

/// Marks a Python non-finite literal replaced by a string in
/// [`non_finite_field`].
const NON_FINITE_MARK: &str = "\u{1}glif-non-finite:";

/// When `text` is JSON but for Python's `NaN`, `Infinity` or `-Infinity`
/// literals: the error naming the first field (dotted JSON path) that holds
/// one. `None` when the text has none, or is not JSON even without them.
fn non_finite_field(text: &str) -> Option<Error> {
    let mut fixed = String::with_capacity(text.len() + 64);
    let mut rest = text;
    let (mut in_string, mut escaped, mut found) = (false, false, false);
    while let Some(c) = rest.chars().next() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if let Some(token) = ["NaN", "Infinity", "-Infinity"]
            .into_iter()
            .find(|t| rest.starts_with(t))
        {
            // The mark's first character, U+0001, escaped as JSON requires.
            fixed.push_str(&format!("\"\\u0001glif-non-finite:{token}\""));
            rest = &rest[token.len()..];
            found = true;
            continue;
        }
        fixed.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !found {
        return None;
    }
    let value: Value = serde_json::from_str(&fixed).ok()?;
    let (path, token) = find_mark(&value, String::new())?;
    Some(Error::invalid(
        if path.is_empty() {
            "(top level)".to_string()
        } else {
            path
        },
        token,
        "a finite number (Python's json module writes NaN and Infinity for non-finite \
         floats; they are not JSON numbers and no parameter may be non-finite)",
    ))
}

/// The path and literal of the first marked value in `v`.
fn find_mark(v: &Value, path: String) -> Option<(String, String)> {
    match v {
        Value::String(s) => s
            .strip_prefix(NON_FINITE_MARK)
            .map(|token| (path, token.to_string())),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| find_mark(x, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            find_mark(x, p)
        }),
        _ => None,
    }
}

/// Writes a config (atomically, through [`write_atomic`]) as AllenSDK's `to_dict` would (see
/// [`NeuronConfig::to_json`]); `GlifNeuron.from_dict(json.load(f))` reads it.
pub fn write_config(path: impl AsRef<Path>, config: &NeuronConfig, overwrite: bool) -> Result<()> {
    let text = config.to_json_string();
    write_atomic(path.as_ref(), overwrite, |w| {
        std::io::Write::write_all(w, text.as_bytes())
    })
}
