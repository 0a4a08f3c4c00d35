//! NEST 3.10's GLIF models from files: a parameter dict in NEST's names and
//! units (`P.json`), input spikes (`S.json`), a run with a DC current, and
//! the output as NEST's multimeter and spike_recorder report it (`OUT.json`).
//! The `glif nest` command is a thin layer over [`run_files`].
//!
//! - [`NestParams::from_json`] applies a dict to a fresh neuron as NEST's
//!   `SetStatus` does: NEST 3.10's defaults for absent keys, potentials kept
//!   relative to `E_L` (so `V_m` keeps its default when only `E_L` changes),
//!   NEST's checks, unknown keys and invalid switch combinations refused
//!   naming the key.
//! - [`SpikeInput::from_json`] reads `[{"port": P, "times": [...], "weights": [...]}]`:
//!   `port` 1-based (`receptor_type`), each time the arrival at the neuron,
//!   on the resolution grid.
//! - [`run_nest`] runs the model for `duration` ms at resolution `h`: with DC `A`
//!   pA in effect from the first step (`I` reads `A` at every sample), the
//!   spikes entering in the step they arrive; samples at the end of every
//!   step from `h` to `duration`, times as NEST computes them from tics.
//!
//! Ports and after-spike currents are const generics in glif-core; this
//! module pads to [`MAX_PORTS`] ports and [`MAX_ASC`] currents. Padding adds
//! exact zeros after the real terms (`U + 0`), which changes no bit, except
//! that a `U` of exactly -0.0 would become +0.0 (only visible if `E_L` is 0).
//!
//! `glif_cond` pads ports the same way: a padding port's conductance stays
//! exactly 0, adds an exact zero to the synaptic current and a zero error to
//! the integrator's step-size control, so the step sequence is NEST's.

use std::fmt::Write as _;
use std::path::Path;

use glif_core::nest::{
    CondParams, DoubleAlphaParams, ExpProvider, GlifCond, GlifInit, GlifParams, GlifPsc,
    GlifPscDoubleAlpha, GlifSample, Level, Libm, NestError, PowProvider, PscParams, PscSample,
    Resolution, MAX_SUBSTEPS,
};
use glif_core::Float;
use serde_json::{Map, Value};

use crate::base::{Error, Result};

/// Most synaptic ports a model may have here.
pub const MAX_PORTS: usize = 16;
/// Most after-spike currents a model may have here.
pub const MAX_ASC: usize = 4;

/// The three NEST GLIF models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NestModel {
    /// `glif_psc`: alpha-shaped current synapses.
    GlifPsc,
    /// `glif_psc_double_alpha`: fast plus slow alpha currents per port.
    GlifPscDoubleAlpha,
    /// `glif_cond`: alpha-shaped conductances with reversal potentials.
    GlifCond,
}

impl NestModel {
    /// From NEST's model name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "glif_psc" => Ok(NestModel::GlifPsc),
            "glif_psc_double_alpha" => Ok(NestModel::GlifPscDoubleAlpha),
            "glif_cond" => Ok(NestModel::GlifCond),
            other => Err(Error::setting(
                "model",
                other,
                "glif_psc, glif_psc_double_alpha or glif_cond",
            )),
        }
    }

    /// NEST's model name.
    pub fn name(self) -> &'static str {
        match self {
            NestModel::GlifPsc => "glif_psc",
            NestModel::GlifPscDoubleAlpha => "glif_psc_double_alpha",
            NestModel::GlifCond => "glif_cond",
        }
    }

    /// The keys NEST's `SetStatus` takes for this model (parameters and
    /// settable state).
    pub fn keys(self) -> &'static [&'static str] {
        const COMMON: [&str; 22] = [
            "V_th",
            "E_L",
            "C_m",
            "t_ref",
            "V_reset",
            "th_spike_add",
            "th_spike_decay",
            "voltage_reset_fraction",
            "voltage_reset_add",
            "th_voltage_index",
            "th_voltage_decay",
            "asc_init",
            "asc_decay",
            "asc_amps",
            "asc_r",
            "spike_dependent_threshold",
            "after_spike_currents",
            "adapting_threshold",
            "V_m",
            "ASCurrents",
            "threshold_spike",
            "threshold_voltage",
        ];
        const PSC: [&str; 24] = concat_keys(COMMON, ["g", "tau_syn"]);
        const DA: [&str; 26] =
            concat_keys(COMMON, ["g", "tau_syn_fast", "tau_syn_slow", "amp_slow"]);
        const COND: [&str; 25] = concat_keys(COMMON, ["g_m", "tau_syn", "E_rev"]);
        match self {
            NestModel::GlifPsc => &PSC,
            NestModel::GlifPscDoubleAlpha => &DA,
            NestModel::GlifCond => &COND,
        }
    }

    /// The recordables NEST 3.10 offers, in the order of `OUT.json`, except
    /// `glif_cond`'s conductances `g_1`..`g_n` (one per port), which come
    /// last ([`NestParams::recordables`] lists them all).
    pub fn recordables(self) -> &'static [&'static str] {
        match self {
            NestModel::GlifPsc | NestModel::GlifPscDoubleAlpha => &[
                "V_m",
                "I",
                "threshold",
                "threshold_spike",
                "threshold_voltage",
                "ASCurrents_sum",
                "I_syn",
            ],
            NestModel::GlifCond => &[
                "V_m",
                "I",
                "threshold",
                "threshold_spike",
                "threshold_voltage",
                "ASCurrents_sum",
            ],
        }
    }
}

const fn concat_keys<const N: usize, const M: usize, const T: usize>(
    a: [&'static str; N],
    b: [&'static str; M],
) -> [&'static str; T] {
    let mut out = [""; T];
    let mut i = 0;
    while i < N {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < M {
        out[N + j] = b[j];
        j += 1;
    }
    out
}

/// A NEST GLIF neuron's parameters and initial state after NEST's
/// `SetStatus` arithmetic, in NEST's internal form (f64, potentials relative
/// to `E_L` where NEST keeps them so).
#[derive(Clone, Debug, PartialEq)]
pub struct NestParams {
    /// Which model.
    pub model: NestModel,
    /// The GLIF level (NEST's three switches).
    pub level: Level,
    /// `g` (or `g_m`), nS.
    pub g: f64,
    /// `E_L`, mV.
    pub e_l: f64,
    /// `C_m`, pF.
    pub c_m: f64,
    /// `t_ref`, ms.
    pub t_ref: f64,
    /// `V_th - E_L` as NEST stores it, mV.
    pub th_inf: f64,
    /// `V_reset - E_L` as NEST stores it, mV.
    pub v_reset: f64,
    /// `th_spike_add`, mV.
    pub th_spike_add: f64,
    /// `th_spike_decay`, 1/ms.
    pub th_spike_decay: f64,
    /// `voltage_reset_fraction`.
    pub voltage_reset_fraction: f64,
    /// `voltage_reset_add`, mV.
    pub voltage_reset_add: f64,
    /// `th_voltage_index`, 1/ms.
    pub th_voltage_index: f64,
    /// `th_voltage_decay`, 1/ms.
    pub th_voltage_decay: f64,
    /// `asc_init`, pA (a parameter only: NEST does not start from it).
    pub asc_init: Vec<f64>,
    /// `asc_decay`, 1/ms.
    pub asc_decay: Vec<f64>,
    /// `asc_amps`, pA.
    pub asc_amps: Vec<f64>,
    /// `asc_r`.
    pub asc_r: Vec<f64>,
    /// `tau_syn` (`glif_psc`, `glif_cond`) or `tau_syn_fast`, ms.
    pub tau_syn: Vec<f64>,
    /// `tau_syn_slow`, ms (double alpha only).
    pub tau_syn_slow: Vec<f64>,
    /// `amp_slow` (double alpha only).
    pub amp_slow: Vec<f64>,
    /// `E_rev`, mV (`glif_cond` only).
    pub e_rev: Vec<f64>,
    /// Initial `V_m - E_L`, mV.
    pub u: f64,
    /// Initial `ASCurrents`, pA (empty: zeros).
    pub asc_state: Vec<f64>,
    /// Initial `threshold_spike`, mV.
    pub threshold_spike: f64,
    /// Initial `threshold_voltage`, mV.
    pub threshold_voltage: f64,
}

fn num(key: &str, v: &Value) -> Result<f64> {
    v.as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| Error::invalid(key, v.to_string(), "a finite number"))
}

fn nums(key: &str, v: &Value) -> Result<Vec<f64>> {
    let a = v
        .as_array()
        .ok_or_else(|| Error::invalid(key, v.to_string(), "an array of numbers"))?;
    a.iter()
        .enumerate()
        .map(|(i, x)| num(&format!("{key}[{i}]"), x))
        .collect()
}

/// Sets each `(key, slot)` of `table` whose key `d` holds to
/// `parse(key, value)`, in the table's order (the first bad value's error).
fn set_given<T, const N: usize>(
    d: &Map<String, Value>,
    table: [(&str, &mut T); N],
    parse: impl Fn(&str, &Value) -> Result<T>,
) -> Result<()> {
    for (k, slot) in table {
        if let Some(v) = d.get(k) {
            *slot = parse(k, v)?;
        }
    }
    Ok(())
}

fn flag(key: &str, v: &Value) -> Result<bool> {
    v.as_bool()
        .ok_or_else(|| Error::invalid(key, v.to_string(), "true or false"))
}

fn nest_err(e: NestError, d: &Map<String, Value>) -> Error {
    let key = e.field();
    let found = d
        .get(key)
        .map(|v| v.to_string())
        .unwrap_or_else(|| "NEST's default".into());
    Error::invalid(key, found, e.expected())
}

impl NestParams {
    /// NEST 3.10's defaults for `model` (a fresh node, nothing set).
    pub fn defaults(model: NestModel) -> Self {
        let d = GlifParams::<f64, 2>::nest_defaults(Level::Lif);
        let (tau_syn, e_rev) = match model {
            NestModel::GlifCond => (vec![0.2, 2.0], vec![0.0, -85.0]),
            _ => (vec![2.0], Vec::new()),
        };
        let da = model == NestModel::GlifPscDoubleAlpha;
        NestParams {
            model,
            level: d.level,
            g: d.g,
            e_l: d.e_l,
            c_m: d.c_m,
            t_ref: d.t_ref,
            th_inf: d.th_inf,
            v_reset: d.v_reset,
            th_spike_add: d.th_spike_add,
            th_spike_decay: d.th_spike_decay,
            voltage_reset_fraction: d.voltage_reset_fraction,
            voltage_reset_add: d.voltage_reset_add,
            th_voltage_index: d.th_voltage_index,
            th_voltage_decay: d.th_voltage_decay,
            asc_init: vec![0.0, 0.0],
            asc_decay: d.asc_decay.to_vec(),
            asc_amps: d.asc_amps.to_vec(),
            asc_r: d.asc_r.to_vec(),
            tau_syn,
            tau_syn_slow: if da { vec![6.0] } else { Vec::new() },
            amp_slow: if da { vec![0.3] } else { Vec::new() },
            e_rev,
            u: 0.0,
            asc_state: Vec::new(),
            threshold_spike: 0.0,
            threshold_voltage: 0.0,
        }
    }

    /// Applies the dict `d` to NEST's defaults as one `SetStatus` call does
    /// (parameters first, then state, in NEST's order), and runs NEST's checks.
    pub fn from_json(model: NestModel, d: &Value) -> Result<Self> {
        let d = d
            .as_object()
            .ok_or_else(|| Error::invalid("P.json", d.to_string(), "a JSON object"))?;
        let keys = model.keys();
        for k in d.keys() {
            if !keys.contains(&k.as_str()) {
                let hint = if k == "g" && model == NestModel::GlifCond {
                    " (glif_cond's conductance is g_m)".to_string()
                } else if k == "g_m" {
                    " (this model's conductance is g)".to_string()
                } else {
                    String::new()
                };
                return Err(Error::invalid(
                    k.as_str(),
                    "an unknown key",
                    format!("a parameter of NEST's {}{hint}", model.name()),
                ));
            }
        }
        let mut p = NestParams::defaults(model);
        let get = |k: &str| d.get(k);
        // Parameters_::set
        let el_old = p.e_l;
        if let Some(v) = get("E_L") {
            p.e_l = num("E_L", v)?;
        }
        let delta_el = p.e_l - el_old;
        match get("V_reset") {
            Some(v) => p.v_reset = num("V_reset", v)? - p.e_l,
            None => p.v_reset -= delta_el,
        }
        match get("V_th") {
            Some(v) => p.th_inf = num("V_th", v)? - p.e_l,
            None => p.th_inf -= delta_el,
        }
        let g_key = if model == NestModel::GlifCond {
            "g_m"
        } else {
            "g"
        };
        let scalars: [(&str, &mut f64); 11] = [
            (g_key, &mut p.g),
            ("C_m", &mut p.c_m),
            ("t_ref", &mut p.t_ref),
            ("th_spike_add", &mut p.th_spike_add),
            ("th_spike_decay", &mut p.th_spike_decay),
            ("voltage_reset_fraction", &mut p.voltage_reset_fraction),
            ("voltage_reset_add", &mut p.voltage_reset_add),
            ("th_voltage_index", &mut p.th_voltage_index),
            ("th_voltage_decay", &mut p.th_voltage_decay),
            ("threshold_spike", &mut p.threshold_spike),
            ("threshold_voltage", &mut p.threshold_voltage),
        ];
        set_given(d, scalars, num)?;
        let vectors: [(&str, &mut Vec<f64>); 5] = [
            ("asc_init", &mut p.asc_init),
            ("asc_decay", &mut p.asc_decay),
            ("asc_amps", &mut p.asc_amps),
            ("asc_r", &mut p.asc_r),
            ("ASCurrents", &mut p.asc_state),
        ];
        set_given(d, vectors, nums)?;
        let mut sw = [false; 3];
        for (i, k) in [
            "spike_dependent_threshold",
            "after_spike_currents",
            "adapting_threshold",
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(v) = get(k) {
                sw[i] = flag(k, v)?;
            }
        }
        p.level = Level::from_switches(sw[0], sw[1], sw[2]).ok_or_else(|| {
            let key = [
                "adapting_threshold",
                "after_spike_currents",
                "spike_dependent_threshold",
            ]
            .into_iter()
            .find(|k| d.contains_key(*k))
            .unwrap_or("adapting_threshold");
            Error::invalid(
                key,
                format!(
                    "spike_dependent_threshold={}, after_spike_currents={}, adapting_threshold={}",
                    sw[0], sw[1], sw[2]
                ),
                "one of NEST's five combinations (GLIF1..5): fff, tff, ftf, ttf, ttt",
            )
        })?;
        if p.level.after_spike_currents() {
            let n = p.asc_decay.len();
            for (k, len) in [
                ("asc_init", p.asc_init.len()),
                ("asc_amps", p.asc_amps.len()),
                ("asc_r", p.asc_r.len()),
            ] {
                if len != n {
                    return Err(Error::invalid(
                        k,
                        format!("{len} values"),
                        format!("{n} values, as asc_decay (NEST: all after spike current parameters must have the same size)"),
                    ));
                }
            }
            if n > MAX_ASC {
                return Err(Error::invalid(
                    "asc_decay",
                    format!("{n} values"),
                    format!("at most {MAX_ASC} after-spike currents"),
                ));
            }
        }
        let (tau_key, slots): (&str, Vec<(&str, &mut Vec<f64>)>) = match model {
            NestModel::GlifPsc => ("tau_syn", vec![("tau_syn", &mut p.tau_syn)]),
            NestModel::GlifPscDoubleAlpha => (
                "tau_syn_fast",
                vec![
                    ("tau_syn_fast", &mut p.tau_syn),
                    ("tau_syn_slow", &mut p.tau_syn_slow),
                    ("amp_slow", &mut p.amp_slow),
                ],
            ),
            NestModel::GlifCond => (
                "tau_syn",
                vec![("tau_syn", &mut p.tau_syn), ("E_rev", &mut p.e_rev)],
            ),
        };
        for (k, slot) in slots {
            if let Some(v) = d.get(k) {
                *slot = nums(k, v)?;
            }
        }
        if p.tau_syn.len() > MAX_PORTS {
            return Err(Error::invalid(
                tau_key,
                format!("{} ports", p.tau_syn.len()),
                format!("at most {MAX_PORTS} ports"),
            ));
        }
        let n_ports = p.tau_syn.len();
        let others: &[(&str, usize)] = match model {
            NestModel::GlifPsc => &[],
            NestModel::GlifPscDoubleAlpha => &[
                ("tau_syn_slow", p.tau_syn_slow.len()),
                ("amp_slow", p.amp_slow.len()),
            ],
            NestModel::GlifCond => &[("E_rev", p.e_rev.len())],
        };
        for &(k, len) in others {
            if len != n_ports {
                return Err(Error::invalid(
                    k,
                    format!("{len} values"),
                    format!("{n_ports} values, one per port as {tau_key}"),
                ));
            }
        }
        // State_::set
        match get("V_m") {
            Some(v) => p.u = num("V_m", v)? - p.e_l,
            None => p.u -= delta_el,
        }
        if d.contains_key("ASCurrents") {
            if !p.level.after_spike_currents() {
                return Err(Error::invalid(
                    "ASCurrents",
                    d["ASCurrents"].to_string(),
                    "no value: after-spike currents are off (after_spike_currents is false)",
                ));
            }
            if p.asc_state.len() != p.asc_decay.len() {
                return Err(Error::invalid(
                    "ASCurrents",
                    format!("{} values", p.asc_state.len()),
                    format!("{} values, as asc_decay", p.asc_decay.len()),
                ));
            }
        }
        if d.contains_key("threshold_spike") && !p.level.spike_dependent_threshold() {
            return Err(Error::invalid(
                "threshold_spike",
                d["threshold_spike"].to_string(),
                "no value: spike_dependent_threshold is false",
            ));
        }
        if d.contains_key("threshold_voltage") && !p.level.adapting_threshold() {
            return Err(Error::invalid(
                "threshold_voltage",
                d["threshold_voltage"].to_string(),
                "no value: adapting_threshold is false",
            ));
        }
        // NEST's value checks, through glif-core (the same code that runs).
        let glif: GlifParams<f64, MAX_ASC> = p.glif_params::<f64, MAX_ASC>();
        glif.validate().map_err(|e| {
            if model == NestModel::GlifCond && e.field() == "g" {
                // The shared check names the conductance `g`; glif_cond's key is g_m.
                let found = d
                    .get("g_m")
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "NEST's default".into());
                Error::invalid("g_m", found, e.expected())
            } else {
                nest_err(e, d)
            }
        })?;
        for (k, v, strict) in [
            (tau_key, &p.tau_syn, true),
            ("tau_syn_slow", &p.tau_syn_slow, true),
            ("amp_slow", &p.amp_slow, true),
        ] {
            for (i, &x) in v.iter().enumerate() {
                if strict && x <= 0.0 {
                    return Err(Error::invalid(
                        format!("{k}[{i}]"),
                        x.to_string(),
                        "a number > 0",
                    ));
                }
            }
        }
        Ok(p)
    }

    /// The number of synaptic ports (`receptor_type` 1..=n).
    pub fn n_ports(&self) -> usize {
        self.tau_syn.len()
    }

    /// Every recordable of this neuron, in the order of `OUT.json`: the
    /// model's fixed ones, then `g_1`..`g_n` for `glif_cond`.
    pub fn recordables(&self) -> Vec<String> {
        let mut r: Vec<String> = self
            .model
            .recordables()
            .iter()
            .map(|s| s.to_string())
            .collect();
        if self.model == NestModel::GlifCond {
            r.extend((1..=self.n_ports()).map(|i| format!("g_{i}")));
        }
        r
    }

    fn glif_params<F: Float, const A: usize>(&self) -> GlifParams<F, A> {
        let f = F::from_f64;
        // Padding currents: decay 1/ms, amplitude 0, r 0 (valid, and always 0).
        let pad = |v: &[f64], fill: f64| {
            let mut a = [f(fill); A];
            if self.level.after_spike_currents() {
                for (slot, &x) in a.iter_mut().zip(v) {
                    *slot = f(x);
                }
            }
            a
        };
        GlifParams {
            level: self.level,
            g: f(self.g),
            e_l: f(self.e_l),
            c_m: f(self.c_m),
            t_ref: f(self.t_ref),
            th_inf: f(self.th_inf),
            v_reset: f(self.v_reset),
            th_spike_add: f(self.th_spike_add),
            th_spike_decay: f(self.th_spike_decay),
            voltage_reset_fraction: f(self.voltage_reset_fraction),
            voltage_reset_add: f(self.voltage_reset_add),
            th_voltage_index: f(self.th_voltage_index),
            th_voltage_decay: f(self.th_voltage_decay),
            asc_decay: pad(&self.asc_decay, 1.0),
            asc_amps: pad(&self.asc_amps, 0.0),
            asc_r: pad(&self.asc_r, 0.0),
        }
    }

    fn init<F: Float, const A: usize>(&self) -> GlifInit<F, A> {
        let mut init = GlifInit::at(F::from_f64(self.u));
        for (slot, &x) in init.asc.iter_mut().zip(&self.asc_state) {
            *slot = F::from_f64(x);
        }
        init.threshold_spike = F::from_f64(self.threshold_spike);
        init.threshold_voltage = F::from_f64(self.threshold_voltage);
        init
    }

    /// These parameters as a glif-core `glif_psc` model with exactly `P`
    /// ports and room for `A` after-spike currents (unused ones padded with
    /// zero currents), prepared for resolution `h` ms with `exp`, and its
    /// initial state. For callers that fix `P` and `A` at compile time (the
    /// population engine, benchmarks); `glif nest` uses [`run_nest`].
    pub fn psc_model<F: Float, X: ExpProvider<F>, const P: usize, const A: usize>(
        &self,
        h: f64,
        exp: &X,
    ) -> Result<(GlifPsc<F, P, A>, GlifInit<F, A>)> {
        let res = self.fixed_shape::<P, A>(NestModel::GlifPsc, h)?;
        let params = PscParams {
            glif: self.glif_params::<F, A>(),
            tau_syn: core::array::from_fn(|i| F::from_f64(self.tau_syn[i])),
        };
        let model = GlifPsc::new(params, res, exp)
            .map_err(|e| Error::invalid(e.field(), "the given value", e.expected()))?;
        Ok((model, self.init::<F, A>()))
    }

    /// [`NestParams::psc_model`] for `glif_psc_double_alpha`.
    pub fn double_alpha_model<F: Float, X: ExpProvider<F>, const P: usize, const A: usize>(
        &self,
        h: f64,
        exp: &X,
    ) -> Result<(GlifPscDoubleAlpha<F, P, A>, GlifInit<F, A>)> {
        let res = self.fixed_shape::<P, A>(NestModel::GlifPscDoubleAlpha, h)?;
        let at = |v: &[f64]| core::array::from_fn(|i| F::from_f64(v[i]));
        let params = DoubleAlphaParams {
            glif: self.glif_params::<F, A>(),
            tau_syn_fast: at(&self.tau_syn),
            tau_syn_slow: at(&self.tau_syn_slow),
            amp_slow: at(&self.amp_slow),
        };
        let model = GlifPscDoubleAlpha::new(params, res, exp)
            .map_err(|e| Error::invalid(e.field(), "the given value", e.expected()))?;
        Ok((model, self.init::<F, A>()))
    }

    /// [`NestParams::psc_model`] for `glif_cond` (`pow` from `pow`).
    pub fn cond_model<
        F: Float,
        X: ExpProvider<F>,
        W: PowProvider<F>,
        const P: usize,
        const A: usize,
    >(
        &self,
        h: f64,
        exp: &X,
        pow: W,
    ) -> Result<(GlifCond<F, P, A, W>, GlifInit<F, A>)> {
        let res = self.fixed_shape::<P, A>(NestModel::GlifCond, h)?;
        let at = |v: &[f64]| core::array::from_fn(|i| F::from_f64(v[i]));
        let params = CondParams {
            glif: self.glif_params::<F, A>(),
            tau_syn: at(&self.tau_syn),
            e_rev: at(&self.e_rev),
        };
        let model = GlifCond::new(params, res, exp, pow)
            .map_err(|e| Error::invalid(e.field(), "the given value", e.expected()))?;
        Ok((model, self.init::<F, A>()))
    }

    /// Checks that these are `model`'s parameters with exactly `P` ports and
    /// at most `A` after-spike currents; the resolution `h`.
    fn fixed_shape<const P: usize, const A: usize>(
        &self,
        model: NestModel,
        h: f64,
    ) -> Result<Resolution> {
        if self.model != model {
            return Err(Error::invalid("model", self.model.name(), model.name()));
        }
        if self.n_ports() != P {
            return Err(Error::invalid(
                "tau_syn",
                format!("{} ports", self.n_ports()),
                format!("{P} ports"),
            ));
        }
        if self.level.after_spike_currents() && self.asc_decay.len() > A {
            return Err(Error::invalid(
                "asc_decay",
                format!("{} currents", self.asc_decay.len()),
                format!("at most {A} after-spike currents"),
            ));
        }
        Resolution::from_ms(h)
            .ok_or_else(|| Error::invalid("resolution", h.to_string(), "at least 0.001 ms"))
    }
}

/// Spikes reaching one port.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeInput {
    /// 1-based port (`receptor_type`).
    pub port: usize,
    /// Arrival times at the neuron, ms (on the resolution grid).
    pub times: Vec<f64>,
    /// Weights, in the model's units (pA for the psc models, nS for `glif_cond`).
    pub weights: Vec<f64>,
}

impl SpikeInput {
    /// Reads `[{"port": P, "times": [...], "weights": [...]}, ...]`.
    pub fn from_json(v: &Value) -> Result<Vec<SpikeInput>> {
        let a = v.as_array().ok_or_else(|| {
            Error::invalid("S.json", "not an array", "a list of {port, times, weights}")
        })?;
        let mut out = Vec::with_capacity(a.len());
        for (i, e) in a.iter().enumerate() {
            let o = e.as_object().ok_or_else(|| {
                Error::invalid(format!("[{i}]"), e.to_string(), "{port, times, weights}")
            })?;
            for k in o.keys() {
                if !["port", "times", "weights"].contains(&k.as_str()) {
                    return Err(Error::invalid(
                        format!("[{i}].{k}"),
                        "an unknown key",
                        "port, times or weights",
                    ));
                }
            }
            let field = |k: &str| o.get(k).ok_or_else(|| Error::missing(format!("[{i}].{k}")));
            let port_v = field("port")?;
            let port = port_v.as_u64().filter(|&p| p >= 1).ok_or_else(|| {
                Error::invalid(format!("[{i}].port"), port_v.to_string(), "an integer >= 1")
            })? as usize;
            let times = nums(&format!("[{i}].times"), field("times")?)?;
            let weights = nums(&format!("[{i}].weights"), field("weights")?)?;
            if times.len() != weights.len() {
                return Err(Error::invalid(
                    format!("[{i}].weights"),
                    format!("{} values", weights.len()),
                    format!("{} values, one per time", times.len()),
                ));
            }
            out.push(SpikeInput {
                port,
                times,
                weights,
            });
        }
        Ok(out)
    }
}

/// NEST's default connection delay, ms (`nest.Connect` without a `delay`).
pub const NEST_DEFAULT_DELAY_MS: f64 = 1.0;

/// A `step_current_generator` connected to the neuron, as NEST users give
/// it (`C.json`): `{"amplitude_times": [ms, ...], "amplitude_values": [pA,
/// ...], "delay": ms}`, `delay` optional (NEST's default 1 ms).
///
/// NEST's timing (measured against NEST 3.10, `docs/NEST.md`): the
/// generator takes amplitude `a_i` in its step ending at `t_i` and sends it
/// with the connection's delay `d`, so the neuron's `I` (the recordable, and
/// the current it integrates over the next step) reads `a_i` from the sample
/// at `t_i + d` on; before the first `t_i + d` the generator adds 0. The
/// current adds to the run's `dc` (two sources: the sum is exact in either order).
/// NEST's checks: times strictly positive, on the resolution grid, in
/// strictly increasing steps; a delay of at least one step, on the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct StepCurrent {
    /// When the generator changes its amplitude, ms.
    pub amplitude_times: Vec<f64>,
    /// The amplitudes, pA.
    pub amplitude_values: Vec<f64>,
    /// The connection's delay, ms.
    pub delay: f64,
}

impl StepCurrent {
    /// Reads `{"amplitude_times": [...], "amplitude_values": [...], "delay": d}`.
    pub fn from_json(v: &Value) -> Result<StepCurrent> {
        let o = v.as_object().ok_or_else(|| {
            Error::invalid(
                "C.json",
                "not an object",
                "{amplitude_times, amplitude_values, delay}",
            )
        })?;
        for k in o.keys() {
            if !["amplitude_times", "amplitude_values", "delay"].contains(&k.as_str()) {
                return Err(Error::invalid(
                    k.as_str(),
                    "an unknown key",
                    "amplitude_times, amplitude_values or delay",
                ));
            }
        }
        let field = |k: &str| o.get(k).ok_or_else(|| Error::missing(k));
        let amplitude_times = nums("amplitude_times", field("amplitude_times")?)?;
        let amplitude_values = nums("amplitude_values", field("amplitude_values")?)?;
        if amplitude_times.len() != amplitude_values.len() {
            return Err(Error::invalid(
                "amplitude_values",
                format!("{} values", amplitude_values.len()),
                format!("{} values, one per amplitude time", amplitude_times.len()),
            ));
        }
        let delay = match o.get("delay") {
            Some(d) => num("delay", d)?,
            None => NEST_DEFAULT_DELAY_MS,
        };
        Ok(StepCurrent {
            amplitude_times,
            amplitude_values,
            delay,
        })
    }

    /// The current `I` the neuron reads at every sample `0..=n` (index 0:
    /// the start, integrated over step 1), with `dc` added.
    fn per_sample(&self, res: Resolution, n: usize, dc: f64) -> Result<Vec<f64>> {
        let grid = |key: String, t: f64, min: i64| -> Result<i64> {
            res.step_at(t).filter(|&k| k >= min).ok_or_else(|| {
                Error::invalid(
                    key,
                    t.to_string(),
                    format!(
                        "a time > 0 on the grid of {} ms (NEST's step_current_generator)",
                        res.h_ms()
                    ),
                )
            })
        };
        let d = grid("delay".into(), self.delay, 1)?;
        let mut out = vec![dc; n + 1];
        let mut last = 0i64;
        for (i, (&t, &a)) in self
            .amplitude_times
            .iter()
            .zip(&self.amplitude_values)
            .enumerate()
        {
            let k = grid(format!("amplitude_times[{i}]"), t, 1)?;
            if k <= last {
                return Err(Error::invalid(
                    format!("amplitude_times[{i}]"),
                    t.to_string(),
                    "a time in a later step than the one before (NEST: strictly increasing)",
                ));
            }
            last = k;
            let from = usize::try_from(k.saturating_add(d)).unwrap_or(usize::MAX);
            if let Some(tail) = out.get_mut(from..) {
                tail.fill(dc + a);
            }
        }
        Ok(out)
    }
}

/// Floating-point type of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NestPrecision {
    /// f64, as NEST.
    F64,
    /// f32 (not bit-comparable with NEST).
    F32,
}

/// Where the propagators' `exp`/`expm1` come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpSource {
    /// The platform's C library through `std` (glibc on Linux, as NEST's build).
    Std,
    /// The `libm` crate (what firmware uses); also `pow` for `glif_cond`.
    Libm,
}

/// `exp` and `pow` through `std` (the C library's, glibc on Linux, as
/// NEST's and GSL's); `expm1` is NEST's own series (see
/// `glif_core::nest::math`).
#[derive(Clone, Copy, Debug, Default)]
pub struct StdExp;

impl ExpProvider<f64> for StdExp {
    fn exp(&self, x: f64) -> f64 {
        x.exp()
    }
}

impl ExpProvider<f32> for StdExp {
    fn exp(&self, x: f32) -> f32 {
        x.exp()
    }
}

impl PowProvider<f64> for StdExp {
    fn pow(&self, x: f64, y: f64) -> f64 {
        x.powf(y)
    }
}

impl PowProvider<f32> for StdExp {
    fn pow(&self, x: f32, y: f32) -> f32 {
        x.powf(y)
    }
}

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct NestRun {
    /// Resolution `h`, ms.
    pub resolution: f64,
    /// Duration, ms (a whole number of steps).
    pub duration: f64,
    /// DC current, pA, in effect from the first step.
    pub dc: f64,
    /// A step current generator's input, added to `dc` ([`StepCurrent`]).
    pub current: Option<StepCurrent>,
    /// Input spikes.
    pub spikes: Vec<SpikeInput>,
    /// Floating-point type.
    pub precision: NestPrecision,
    /// Source of `exp`/`expm1`.
    pub exp: ExpSource,
}

impl NestRun {
    /// `duration` ms at resolution `resolution` ms with a DC current `dc` pA
    /// in `precision`, as `glif nest` runs: no step current, no input
    /// spikes, `exp`/`expm1` from std (NEST's, [`ExpSource::Std`]).
    pub fn new(resolution: f64, duration: f64, dc: f64, precision: NestPrecision) -> Self {
        NestRun {
            resolution,
            duration,
            dc,
            current: None,
            spikes: Vec::new(),
            precision,
            exp: ExpSource::Std,
        }
    }
}

/// What NEST's multimeter (interval = resolution) and spike_recorder report.
#[derive(Clone, Debug, PartialEq)]
pub struct NestOutput {
    /// Sample times, ms (`h`..=`duration`, from integer tics).
    pub times: Vec<f64>,
    /// One series per recordable, in [`NestModel::recordables`] order.
    pub series: Vec<(String, Vec<f64>)>,
    /// Spike times, ms.
    pub spike_times: Vec<f64>,
}

impl NestOutput {
    /// The series of recordable `name`.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        if name == "times" {
            return Some(&self.times);
        }
        if name == "spike_times" {
            return Some(&self.spike_times);
        }
        self.series
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The OUT.json text: `times`, the recordables, `spike_times`, in that order.
    pub fn to_json_string(&self) -> String {
        let mut s = String::from("{");
        let arr = |v: &[f64]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let _ = write!(s, "\"times\":{}", arr(&self.times));
        for (name, v) in &self.series {
            let _ = write!(s, ",\"{name}\":{}", arr(v));
        }
        let _ = write!(s, ",\"spike_times\":{}}}", arr(&self.spike_times));
        s.push('\n');
        s
    }
}

/// Runs `params` as [`NestRun`] says (named apart from glif-io's one
/// `run`, [`crate::run::run_samples`], the Allen model's).
pub fn run_nest(params: &NestParams, r: &NestRun) -> Result<NestOutput> {
    let res = Resolution::from_ms(r.resolution).ok_or_else(|| {
        Error::setting(
            "resolution",
            r.resolution.to_string(),
            "a positive number of ms, at least 0.001 (one tic)",
        )
    })?;
    let n = res
        .step_at(r.duration)
        .filter(|n| (1..=100_000_000).contains(n))
        .ok_or_else(|| {
            Error::setting(
                "duration",
                r.duration.to_string(),
                format!(
                    "a positive whole number of steps of {} ms (at most 1e8 steps)",
                    res.h_ms()
                ),
            )
        })? as usize;
    if !r.dc.is_finite() {
        return Err(Error::setting(
            "dc",
            r.dc.to_string(),
            "a finite current in pA",
        ));
    }
    // Summed weights per step (index k-1 for the step ending at k h) and port,
    // in the order the spikes are listed.
    let mut weights = vec![[0.0f64; MAX_PORTS]; n];
    for (i, s) in r.spikes.iter().enumerate() {
        if s.port > params.n_ports() {
            return Err(Error::invalid(
                format!("spikes[{i}].port"),
                s.port.to_string(),
                format!("a port in 1..={} (one per tau_syn)", params.n_ports()),
            ));
        }
        for (j, (&t, &w)) in s.times.iter().zip(&s.weights).enumerate() {
            let k = res.step_at(t).filter(|&k| k >= 1).ok_or_else(|| {
                Error::invalid(
                    format!("spikes[{i}].times[{j}]"),
                    t.to_string(),
                    format!("an arrival time >= h on the grid of {} ms", res.h_ms()),
                )
            })? as usize;
            if k <= n {
                weights[k - 1][s.port - 1] += w;
            }
        }
    }
    let current = match &r.current {
        Some(c) => c.per_sample(res, n, r.dc)?,
        None => vec![r.dc; n + 1],
    };
    match (r.precision, r.exp) {
        (NestPrecision::F64, ExpSource::Std) => {
            simulate::<f64, _>(params, res, n, &current, &weights, &StdExp)
        }
        (NestPrecision::F64, ExpSource::Libm) => {
            simulate::<f64, _>(params, res, n, &current, &weights, &Libm)
        }
        (NestPrecision::F32, ExpSource::Std) => {
            simulate::<f32, _>(params, res, n, &current, &weights, &StdExp)
        }
        (NestPrecision::F32, ExpSource::Libm) => {
            simulate::<f32, _>(params, res, n, &current, &weights, &Libm)
        }
    }
}

/// One step of a current-based model in `simulate`: takes the step's
/// weights per port and the current `I` read at its end, returns whether it spiked and its recordables.
type PscStep<'a, F> = dyn FnMut(&[F; MAX_PORTS], F) -> (bool, PscSample<F>) + 'a;

fn simulate<F: Float, X: ExpProvider<F> + PowProvider<F> + Copy>(
    p: &NestParams,
    res: Resolution,
    n: usize,
    current: &[f64],
    weights: &[[f64; MAX_PORTS]],
    exp: &X,
) -> Result<NestOutput> {
    let f = F::from_f64;
    let glif = p.glif_params::<F, MAX_ASC>();
    let init = p.init::<F, MAX_ASC>();
    let n_ports = p.n_ports();
    // Padding ports: tau 1 ms, never receiving input, so y1 = y2 = 0.
    let pad = |v: &[f64]| {
        let mut a = [F::ONE; MAX_PORTS];
        for (slot, &x) in a.iter_mut().zip(v) {
            *slot = f(x);
        }
        a
    };
    let err = |e: NestError| Error::invalid(e.field(), "the given value", e.expected());
    let mut out = NestOutput {
        times: Vec::with_capacity(n),
        series: p
            .recordables()
            .into_iter()
            .map(|r| (r, Vec::with_capacity(n)))
            .collect(),
        spike_times: Vec::new(),
    };
    // `I` at sample k (index 0: the start), integrated over step k + 1.
    let current: Vec<F> = current.iter().map(|&x| f(x)).collect();
    // The shared recordables, then the model's own (`I_syn`, or `g_1`..`g_n`),
    // in the order of `NestParams::recordables`.
    let record = |k: usize, spiked: bool, s: GlifSample<F>, own: &[F], out: &mut NestOutput| {
        out.times.push(res.time_of_step(k as i64));
        let vals = [
            s.v_m,
            s.i,
            s.threshold,
            s.threshold_spike,
            s.threshold_voltage,
            s.asc_sum,
        ];
        for ((_, series), v) in out.series.iter_mut().zip(vals.iter().chain(own)) {
            series.push(v.to_f64());
        }
        if spiked {
            out.spike_times.push(res.time_of_step(k as i64));
        }
    };
    let to_f = |w: &[f64; MAX_PORTS]| {
        let mut a = [F::ZERO; MAX_PORTS];
        for (slot, &x) in a.iter_mut().zip(&w[..n_ports]) {
            *slot = f(x);
        }
        a
    };
    // The run of the two current-based models: `step(weights)` steps the
    // model and returns whether it spiked and its recordables.
    let mut run_psc = |step: &mut PscStep<'_, F>| {
        for ((k, w), &i) in (1..=n).zip(weights).zip(&current[1..]) {
            let (spiked, sample) = step(&to_f(w), i);
            record(k, spiked, sample.glif, &[sample.i_syn], &mut out);
        }
    };
    // Builds a current-based model with `$new` (`GlifPsc` or
    // `GlifPscDoubleAlpha`, which have the same `state`, `step` and
    // `sample`) and runs it from the initial state.
    macro_rules! run_psc_model {
        ($new:expr) => {{
            let m = $new.map_err(err)?;
            let mut s = m.state(&init, current[0]);
            run_psc(&mut |w, i| (m.step(&mut s, w, i), m.sample(&s)));
        }};
    }
    match p.model {
        NestModel::GlifPsc => {
            let params = PscParams {
                glif,
                tau_syn: pad(&p.tau_syn),
            };
            run_psc_model!(GlifPsc::<F, MAX_PORTS, MAX_ASC>::new(params, res, exp))
        }
        NestModel::GlifPscDoubleAlpha => {
            let params = DoubleAlphaParams {
                glif,
                tau_syn_fast: pad(&p.tau_syn),
                tau_syn_slow: pad(&p.tau_syn_slow),
                amp_slow: pad(&p.amp_slow),
            };
            run_psc_model!(GlifPscDoubleAlpha::<F, MAX_PORTS, MAX_ASC>::new(
                params, res, exp
            ))
        }
        NestModel::GlifCond => {
            // Padding ports: tau 1 ms, E_rev 1 mV, never receiving input, so g = dg = 0.
            let params = CondParams {
                glif,
                tau_syn: pad(&p.tau_syn),
                e_rev: pad(&p.e_rev),
            };
            let m =
                GlifCond::<F, MAX_PORTS, MAX_ASC, X>::new(params, res, exp, *exp).map_err(err)?;
            let mut s = m.state(&init, current[0]);
            for ((k, w), &i) in (1..=n).zip(weights).zip(&current[1..]) {
                let spiked = m.step(&mut s, &to_f(w), i).map_err(|_| {
                    Error::invalid(
                        format!("step {k} (t = {} ms)", res.time_of_step(k as i64)),
                        format!("more than {MAX_SUBSTEPS} integrator steps within one step"),
                        "a state glif_cond's RKF45 integration can advance (finite, not absurdly stiff)",
                    )
                })?;
                let sample = m.sample(&s);
                record(k, spiked, sample.glif, &sample.g[..n_ports], &mut out);
            }
        }
    }
    Ok(out)
}

/// The input files of [`run_files`].
#[derive(Clone, Copy, Debug)]
pub struct NestFiles<'a> {
    /// `P.json`, the parameter dict.
    pub params: &'a Path,
    /// `S.json`, input spikes (none: no input spikes).
    pub spikes: Option<&'a Path>,
    /// `C.json`, a step current (none: the run's `dc` alone).
    pub current: Option<&'a Path>,
}

/// Everything `glif nest` does between parsing its arguments and printing:
/// reads `P.json` (and `S.json`, and the step current `C.json`), runs, and
/// returns the output.
pub fn run_files(
    model: NestModel,
    files: NestFiles<'_>,
    resolution: f64,
    duration: f64,
    dc: f64,
    precision: NestPrecision,
) -> Result<NestOutput> {
    let read = |p: &Path| -> Result<Value> {
        let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
        serde_json::from_str(&text).map_err(|e| Error::syntax(&e).in_file(p))
    };
    let NestFiles {
        params: params_path,
        spikes: spikes_path,
        current: current_path,
    } = files;
    let pv = read(params_path)?;
    let params = NestParams::from_json(model, &pv).map_err(|e| e.in_file(params_path))?;
    let spikes = match spikes_path {
        Some(sp) => SpikeInput::from_json(&read(sp)?).map_err(|e| e.in_file(sp))?,
        None => Vec::new(),
    };
    let current = match current_path {
        Some(cp) => Some(StepCurrent::from_json(&read(cp)?).map_err(|e| e.in_file(cp))?),
        None => None,
    };
    run_nest(
        &params,
        &NestRun {
            current,
            spikes,
            ..NestRun::new(resolution, duration, dc, precision)
        },
    )
}

/// Writes `out` as OUT.json to `path` atomically; an existing file is
/// replaced only if `overwrite`.
pub fn write_output(path: &Path, out: &NestOutput, overwrite: bool) -> Result<()> {
    let text = out.to_json_string();
    crate::base::write_atomic(path, overwrite, |w| w.write_all(text.as_bytes()))
}

/// How one series of a reference case compares, value by value, bit for bit.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesDiff {
    /// `times`, a recordable, or `spike_times`.
    pub name: String,
    /// Values in the reference.
    pub expected: usize,
    /// Values computed.
    pub computed: usize,
    /// Values whose bits differ (positions present in both; for a series
    /// stored as a digest, among its stored samples).
    pub differing: usize,
    /// Largest |difference| / |reference| among differing values (0 if none).
    pub max_rel: f64,
    /// For a series stored as a digest: whether the SHA-256 of the computed
    /// series' bytes differs from the stored one (always false for a series
    /// stored in full).
    pub digest_differs: bool,
}

impl SeriesDiff {
    /// True when lengths agree and every value is bit-identical.
    pub fn identical(&self) -> bool {
        self.expected == self.computed && self.differing == 0 && !self.digest_differs
    }
}

/// A NEST reference case's recipe run through [`run_nest`]: what NEST was given.
fn run_case(case: &Value, precision: NestPrecision, exp: ExpSource) -> Result<NestOutput> {
    let field = |k: &str| case.get(k).ok_or_else(|| Error::missing(k));
    let number = |k: &str| -> Result<f64> { num(k, field(k)?) };
    let model_v = field("model")?;
    let model = NestModel::from_name(model_v.as_str().unwrap_or_default())?;
    let params = NestParams::from_json(model, field("params")?)?;
    let current = match case.get("current") {
        None | Some(Value::Null) => None,
        Some(c) => Some(StepCurrent::from_json(c)?),
    };
    run_nest(
        &params,
        &NestRun {
            resolution: number("resolution")?,
            duration: number("duration")?,
            dc: number("dc")?,
            current,
            spikes: SpikeInput::from_json(field("spikes")?)?,
            precision,
            exp,
        },
    )
}

/// Reruns a NEST reference case (`glif-nest-ref-v1` or `-v2`, the
/// repository's `reference/nest/`) from its recipe (`model`, `params`,
/// `resolution`, `duration`, `dc`, `spikes`, optional `current`) and
/// compares every series of its `out`: a series stored in full (an array,
/// v1) value by value; a series stored as `{"n", "sha256", "stride",
/// "samples"}` (v2) by its length, the SHA-256 of its values' bytes
/// (IEEE-754 binary64, little-endian, in order: every value, bit for bit)
/// and value by value at its stored samples (indices 0, stride, 2 stride,
/// ...; they make a difference readable). Returns the computed output too.
pub fn check_reference_case_output(
    case: &Value,
    precision: NestPrecision,
    exp: ExpSource,
) -> Result<(NestOutput, Vec<SeriesDiff>)> {
    let out = run_case(case, precision, exp)?;
    let expected = case
        .get("out")
        .ok_or_else(|| Error::missing("out"))?
        .as_object()
        .ok_or_else(|| Error::invalid("out", "not an object", "the OUT.json object"))?;
    let mut diffs = Vec::with_capacity(expected.len());
    for (name, v) in expected {
        let got = out.get(name).ok_or_else(|| {
            Error::invalid(
                format!("out.{name}"),
                "a series",
                "a recordable this model has",
            )
        })?;
        diffs.push(compare_series(name, v, got)?);
    }
    Ok((out, diffs))
}

/// [`check_reference_case_output`] without the output.
pub fn check_reference_case(
    case: &Value,
    precision: NestPrecision,
    exp: ExpSource,
) -> Result<Vec<SeriesDiff>> {
    check_reference_case_output(case, precision, exp).map(|(_, d)| d)
}

fn compare_series(name: &str, stored: &Value, got: &[f64]) -> Result<SeriesDiff> {
    let key = |k: &str| format!("out.{name}.{k}");
    let (want, stride, expected, digest_differs) =
        match stored {
            Value::Object(o) => {
                let field = |k: &str| o.get(k).ok_or_else(|| Error::missing(key(k)));
                let n_v = field("n")?;
                let n = n_v
                    .as_u64()
                    .ok_or_else(|| Error::invalid(key("n"), n_v.to_string(), "a count"))?
                    as usize;
                let st_v = field("stride")?;
                let stride = st_v.as_u64().filter(|&s| s >= 1).ok_or_else(|| {
                    Error::invalid(key("stride"), st_v.to_string(), "an integer >= 1")
                })? as usize;
                let sha_v = field("sha256")?;
                let sha = sha_v.as_str().filter(|h| h.len() == 64).ok_or_else(|| {
                    Error::invalid(key("sha256"), sha_v.to_string(), "64 hex digits")
                })?;
                let samples = nums(&key("samples"), field("samples")?)?;
                let mut bytes = Vec::with_capacity(got.len() * 8);
                for x in got {
                    bytes.extend_from_slice(&x.to_le_bytes());
                }
                let differs = hex(&sha256(&bytes)) != sha.to_ascii_lowercase();
                (samples, stride, n, differs)
            }
            other => {
                let all = nums(&format!("out.{name}"), other)?;
                let n = all.len();
                (all, 1, n, false)
            }
        };
    let mut d = SeriesDiff {
        name: name.to_string(),
        expected,
        computed: got.len(),
        differing: 0,
        max_rel: 0.0,
        digest_differs,
    };
    for (a, b) in got.iter().step_by(stride).zip(&want) {
        if a.to_bits() != b.to_bits() {
            d.differing += 1;
            let rel = ((a - b) / b.abs().max(f64::MIN_POSITIVE)).abs();
            d.max_rel = d.max_rel.max(rel);
        }
    }
    Ok(d)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// SHA-256 (FIPS 180-4) of `data` (the `sha2` crate): the digest the
/// reference cases store (Python's `hashlib.sha256`; checked against it by
/// every v2 case and against the standard's test vectors in this module's
/// tests).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FIPS 180-4's examples (NIST's SHA-256 example values), and lengths
    /// around the 55/56/64-byte padding boundaries against digests Python's
    /// hashlib printed.
    #[test]
    fn sha256_matches_the_standard() {
        let cases: [(&[u8], &str); 3] = [
            (
                b"abc",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                b"",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
        ];
        for (m, want) in cases {
            assert_eq!(hex(&sha256(m)), want);
        }
    }

    #[test]
    fn a_step_current_changes_i_at_t_plus_delay() {
        let res = Resolution::from_ms(0.1).unwrap();
        let c = StepCurrent {
            amplitude_times: vec![0.5, 1.0],
            amplitude_values: vec![100.0, -50.0],
            delay: 0.1,
        };
        let i = c.per_sample(res, 12, 5.0).unwrap();
        // samples 0..=5: dc only; from 0.6 ms (sample 6): dc + 100; from 1.1 ms: dc - 50.
        assert_eq!(i[..6], [5.0; 6]);
        assert_eq!(i[6..11], [105.0; 5]);
        assert_eq!(i[11..], [-45.0; 2]);
        let bad = StepCurrent {
            amplitude_times: vec![1.0, 1.0],
            ..c.clone()
        };
        assert!(bad
            .per_sample(res, 12, 0.0)
            .unwrap_err()
            .to_string()
            .contains("amplitude_times[1]"));
        let off = StepCurrent {
            amplitude_times: vec![0.05],
            amplitude_values: vec![1.0],
            delay: 0.1,
        };
        assert!(off
            .per_sample(res, 12, 0.0)
            .unwrap_err()
            .to_string()
            .contains("amplitude_times[0]"));
        let zero_delay = StepCurrent { delay: 0.0, ..c };
        assert!(zero_delay
            .per_sample(res, 12, 0.0)
            .unwrap_err()
            .to_string()
            .contains("delay"));
    }
}
