//! An Allen `neuron_config` as a NEST 3.10 parameter dict (`glif_psc`,
//! `glif_psc_double_alpha` or `glif_cond`): the mapping `glif convert --to nest`
//! writes, following the Brain Modeling Toolkit's converter
//! (`bmtk/simulator/pointnet/glif_utils.py`), with its defects fixed.
//!
//! | NEST key | from the Allen config (SI) |
//! | --- | --- |
//! | `V_th` | `coeffs.th_inf * th_inf * 1e3 + El_reference * 1e3` (mV) |
//! | `g` (`g_m` for `glif_cond`) | `coeffs.G / R_input * 1e9` (nS) |
//! | `E_L` | `El * 1e3 + El_reference * 1e3` (mV) |
//! | `C_m` | `coeffs.C * C * 1e12` (pF) |
//! | `t_ref` | `spike_cut_length * dt * 1e3` (ms) |
//! | `V_reset` | `El_reference * 1e3` (levels 1, 3: AllenSDK's `zero` reset) |
//! | `th_spike_add` | threshold reset's `a_spike * 1e3` (mV) |
//! | `th_spike_decay` | threshold dynamics' `b_spike * 1e-3` (1/ms) |
//! | `voltage_reset_fraction`, `voltage_reset_add` | `v_before`'s `a`, `b * 1e3` (mV) |
//! | `th_voltage_index`, `th_voltage_decay` | `a_voltage * coeffs.a * 1e-3`, `b_voltage * coeffs.b * 1e-3` (1/ms) |
//! | `asc_init`, `ASCurrents` | `init_AScurrents * 1e12` (pA) |
//! | `asc_decay` | `1 / asc_tau_array * 1e-3` (1/ms) |
//! | `asc_amps` | `asc_amp_array * coeffs.asc_amp_array * 1e12` (pA) |
//! | `asc_r` | the `sum` reset's `r` |
//! | `V_m` | `init_voltage * 1e3 + El_reference * 1e3` (mV) |
//! | switches | the level's entry in the rule table (`PublishedLevel`: only the five published levels convert) |
//!
//! Differences from bmtk, on purpose: `asc_r` comes from the config (bmtk
//! writes 1.0); `tau_syn` is the caller's (bmtk hard-codes it); GLIF5
//! converts (bmtk's returns nothing for it); `V_m` and `ASCurrents` are set
//! (NEST keeps its own default `V_m` of -78.85 mV when only `E_L` is set,
//! and `asc_init` does not set the starting currents).

use serde_json::{Map, Value};

use super::models::NestModel;
use crate::base::{Error, Result};
use crate::model::NeuronConfig;
use crate::model::{
    names_where, AnyThreshold, AnyThresholdReset, AnyVoltageReset, AscResetMethod, Methods,
};

/// Synaptic parameters to write (none: NEST's defaults apply).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SynapseParams {
    /// `tau_syn` (`glif_psc`, `glif_cond`) or `tau_syn_fast` (double alpha), ms.
    pub tau_syn: Option<Vec<f64>>,
    /// `tau_syn_slow`, ms (double alpha).
    pub tau_syn_slow: Option<Vec<f64>>,
    /// `amp_slow` (double alpha).
    pub amp_slow: Option<Vec<f64>>,
    /// `E_rev`, mV (`glif_cond`).
    pub e_rev: Option<Vec<f64>>,
}

fn el_reference(config: &NeuronConfig) -> Result<f64> {
    let v = config
        .original
        .get("El_reference")
        .ok_or_else(|| Error::missing("El_reference"))?;
    v.as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| Error::invalid("El_reference", v.to_string(), "a finite number (V)"))
}

/// The NEST parameter dict for `config` run as `model`, with the synaptic
/// parameters `syn`. Refuses configs that are not one of the five published
/// levels (NEST has only those), naming the method, and configs whose dict
/// NEST's checks would refuse (NEST's reason in the message).
pub fn allen_to_nest(
    config: &NeuronConfig,
    model: NestModel,
    syn: &SynapseParams,
) -> Result<Map<String, Value>> {
    let level = config.methods.published_level().ok_or_else(|| {
        Error::invalid(
            Methods::KEYS[1],
            "a combination of methods that is not a published GLIF level",
            "one of the five GLIF levels (NEST implements only those)",
        )
    })?;
    let el_ref = el_reference(config)?;
    let c = &config.coeffs;
    let mut d = Map::new();
    let mut put = |k: &str, v: f64| {
        d.insert(k.to_string(), Value::from(v));
    };
    put("V_th", c.th_inf * config.th_inf * 1.0e03 + el_ref * 1.0e03);
    put(
        if model == NestModel::GlifCond {
            "g_m"
        } else {
            "g"
        },
        c.g / config.r_input * 1.0e09,
    );
    put("E_L", config.el * 1.0e03 + el_ref * 1.0e03);
    put("C_m", c.c * config.c * 1.0e12);
    put("t_ref", config.spike_cut_length as f64 * config.dt * 1.0e03);
    put("V_m", config.init_voltage * 1.0e03 + el_ref * 1.0e03);
    let m = &config.methods;
    let (r, asc, a) = (
        level.spike_dependent_threshold(),
        level.after_spike_currents(),
        level.adapting_threshold(),
    );
    if !r {
        put("V_reset", el_ref * 1.0e03);
    }
    // Each switch's rules, read (and named when absent) through the rule
    // table.
    if r {
        let b_spike = m.threshold.spike_decay().ok_or_else(|| {
            Error::invalid(
                AnyThreshold::<f64>::KEY,
                m.threshold.name(),
                names_where(AnyThreshold::<f64>::ALL, AnyThreshold::name, |t| {
                    t.spike_decay().is_some()
                }),
            )
        })?;
        let a_spike = m.threshold_reset.spike_jump().ok_or_else(|| {
            Error::invalid(
                AnyThresholdReset::<f64>::KEY,
                m.threshold_reset.name(),
                names_where(
                    AnyThresholdReset::<f64>::ALL,
                    AnyThresholdReset::name,
                    |t| t.spike_jump().is_some(),
                ),
            )
        })?;
        let (reset_a, reset_b) = m.voltage_reset.linear().ok_or_else(|| {
            Error::invalid(
                AnyVoltageReset::<f64>::KEY,
                m.voltage_reset.name(),
                names_where(AnyVoltageReset::<f64>::ALL, AnyVoltageReset::name, |v| {
                    v.linear().is_some()
                }),
            )
        })?;
        put("th_spike_add", a_spike * 1.0e03);
        put("th_spike_decay", b_spike * 1.0e-03);
        put("voltage_reset_fraction", reset_a);
        put("voltage_reset_add", reset_b * 1.0e03);
        if a {
            let (a_voltage, b_voltage) = m.threshold.voltage_component().ok_or_else(|| {
                Error::invalid(
                    AnyThreshold::<f64>::KEY,
                    m.threshold.name(),
                    names_where(AnyThreshold::<f64>::ALL, AnyThreshold::name, |t| {
                        t.voltage_component().is_some()
                    }),
                )
            })?;
            put("th_voltage_index", a_voltage * c.a * 1.0e-03);
            put("th_voltage_decay", b_voltage * c.b * 1.0e-03);
        }
    }
    let arr = |v: Vec<f64>| Value::from(v);
    if asc {
        let asc_r = m.asc_reset.sum().ok_or_else(|| {
            Error::invalid(
                AscResetMethod::KEY,
                m.asc_reset.name(),
                names_where(AscResetMethod::ALL, AscResetMethod::name, |r| {
                    r.sum().is_some()
                }),
            )
        })?;
        let init: Vec<f64> = config.init_asc.iter().map(|x| x * 1.0e12).collect();
        d.insert("asc_init".into(), arr(init.clone()));
        d.insert("ASCurrents".into(), arr(init));
        d.insert(
            "asc_decay".into(),
            arr(config.asc_tau.iter().map(|t| 1.0 / t * 1.0e-03).collect()),
        );
        d.insert(
            "asc_amps".into(),
            arr(config
                .asc_amp
                .iter()
                .zip(&c.asc_amp)
                .map(|(a, k)| a * k * 1.0e12)
                .collect()),
        );
        d.insert("asc_r".into(), arr(asc_r.to_vec()));
    }
    d.insert("spike_dependent_threshold".into(), Value::from(r));
    d.insert("after_spike_currents".into(), Value::from(asc));
    d.insert("adapting_threshold".into(), Value::from(a));
    let fast_key = if model == NestModel::GlifPscDoubleAlpha {
        "tau_syn_fast"
    } else {
        "tau_syn"
    };
    let mut opt = |k: &str, v: &Option<Vec<f64>>, allowed: bool| -> Result<()> {
        if let Some(v) = v {
            if !allowed {
                return Err(Error::invalid(
                    k,
                    format!("{v:?}"),
                    format!("no value: {} has no {k}", model.name()),
                ));
            }
            d.insert(k.into(), arr(v.clone()));
        }
        Ok(())
    };
    let da = model == NestModel::GlifPscDoubleAlpha;
    opt(fast_key, &syn.tau_syn, true)?;
    opt("tau_syn_slow", &syn.tau_syn_slow, da)?;
    opt("amp_slow", &syn.amp_slow, da)?;
    opt("E_rev", &syn.e_rev, model == NestModel::GlifCond)?;
    // NEST's own checks: a dict NEST would refuse is not written. Some real
    // Allen models have a `v_before` reset fraction outside [0, 1], which
    // NEST refuses (docs/NEST.md counts them).
    super::models::NestParams::from_json(model, &Value::Object(d.clone()))?;
    Ok(d)
}
