//! The five levels' starting configurations, as AllenSDK's
//! `configure_model.configure_model` builds them from the preprocessor's
//! values and a level's method names (those of the published Teeter et al.
//! configs of each level).
//!
//! A config is AllenSDK's `{"neuron": ..., "optimizer": ...}`: the neuron
//! part is a `neuron_config` (SI units: V, A, F, ohm, s) with every
//! coefficient at its starting value; the optimizer part holds the Allen
//! optimizer's settings and the noise statistics its error function needs.
//! Levels 2, 4 and 5 need the threshold's spike component, which only the
//! short-square triple gives: without it (or when its fit gave a zero
//! amplitude) only GLIF1 and GLIF3 can be configured, as in the published set.

use serde_json::{json, Map, Value};

use crate::FitError;

/// A published GLIF level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// GLIF1, LIF.
    Glif1,
    /// GLIF2, LIF-R.
    Glif2,
    /// GLIF3, LIF-ASC.
    Glif3,
    /// GLIF4, LIF-R-ASC.
    Glif4,
    /// GLIF5, LIF-R-ASC-A.
    Glif5,
}

impl Level {
    /// All five, in order.
    pub const ALL: [Level; 5] = [
        Level::Glif1,
        Level::Glif2,
        Level::Glif3,
        Level::Glif4,
        Level::Glif5,
    ];

    /// "GLIF1" .. "GLIF5".
    pub fn label(self) -> &'static str {
        ["GLIF1", "GLIF2", "GLIF3", "GLIF4", "GLIF5"][self as usize]
    }

    /// The method configuration's name (`LIF`, `LIF_R`, `LIF_ASC`,
    /// `LIF_R_ASC`, `LIF_R_ASC_AT`).
    pub fn method_config_name(self) -> &'static str {
        ["LIF", "LIF_R", "LIF_ASC", "LIF_R_ASC", "LIF_R_ASC_AT"][self as usize]
    }

    /// Whether the level needs the threshold's spike component (the triple).
    pub fn needs_spike_component(self) -> bool {
        matches!(self, Level::Glif2 | Level::Glif4 | Level::Glif5)
    }

    /// The six method names of the published configs of this level:
    /// voltage dynamics, threshold dynamics, AS current dynamics, voltage
    /// reset, threshold reset, AS current reset.
    pub fn methods(self) -> [&'static str; 6] {
        match self {
            Level::Glif1 => ["linear_forward_euler", "inf", "none", "zero", "inf", "none"],
            Level::Glif2 => [
                "linear_forward_euler",
                "spike_component",
                "none",
                "v_before",
                "three_components",
                "none",
            ],
            Level::Glif3 => ["linear_forward_euler", "inf", "exp", "zero", "inf", "sum"],
            Level::Glif4 => [
                "linear_forward_euler",
                "spike_component",
                "exp",
                "v_before",
                "three_components",
                "sum",
            ],
            Level::Glif5 => [
                "linear_forward_euler",
                "three_components_exact",
                "exp",
                "v_before",
                "three_components",
                "sum",
            ],
        }
    }
}

/// What `configure_model` reads of the preprocessor's values.
#[derive(Clone, Debug, PartialEq)]
pub struct PreprocessorSummary {
    /// Fitting time step, s (`dt_used_for_preprocessor_calculations`).
    pub dt: f64,
    /// Mean resting potential of the Noise 1 sweeps, V (`El_reference`).
    pub el_reference: f64,
    /// Capacitance, F (mean of the least-squares C over sweeps).
    pub c: f64,
    /// Resistance from least squares, ohm (GLIF1, GLIF2).
    pub r_least_squares: f64,
    /// Resistance from the after-spike-current fit, ohm (GLIF3-5).
    pub r_asc: f64,
    /// Spike cut length, samples.
    pub spike_cut_length: usize,
    /// `v_before` slope.
    pub spike_cutting_slope: f64,
    /// `v_before` intercept, V.
    pub spike_cutting_intercept: f64,
    /// After-spike current amplitudes, A.
    pub asc_amp_array: Vec<f64>,
    /// Their time constants, s (`1 / k`).
    pub asc_tau_array: Vec<f64>,
    /// Threshold above rest, V (`th_inf.via_Vmeasure.from_zero`).
    pub th_inf: f64,
    /// Spike component amplitude, V, after the cut correction (`None`
    /// without a triple or when its fit failed).
    pub a_spike: Option<f64>,
    /// Spike component decay rate, 1/s.
    pub b_spike: Option<f64>,
    /// Voltage component `a_voltage`, 1/s.
    pub a_voltage: Option<f64>,
    /// Voltage component `b_voltage`, 1/s.
    pub b_voltage: Option<f64>,
    /// MLIN `var_of_section`, V^2.
    pub var_of_section: f64,
    /// MLIN `sv_for_expsymm`, V.
    pub sv_for_expsymm: f64,
    /// MLIN `tau_from_AC`, s.
    pub tau_from_ac: f64,
    /// Threshold indices of the Noise 1 spikes, per sweep.
    pub noise1_spike_indices: Vec<Vec<usize>>,
}

fn num(x: f64) -> Value {
    json!(x)
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

/// Python truthiness of an optional number (`None` and 0.0 are false).
fn truthy(x: Option<f64>) -> bool {
    x.is_some_and(|v| v != 0.0)
}

/// `configure_model(method_config, preprocessor_values)` for `level`:
/// AllenSDK's `{"neuron": ..., "optimizer": ...}`. Errors as AllenSDK
/// raises `ModelConfigurationException`: a Noise 1 spike before 8 s (the
/// subthreshold part of the stimulus), or a level that needs the spike
/// component without one.
pub fn configure_model(level: Level, pv: &PreprocessorSummary) -> Result<Value, FitError> {
    if let Some((s, &i)) = pv
        .noise1_spike_indices
        .iter()
        .enumerate()
        .find_map(|(s, idx)| {
            idx.iter()
                .find(|&&i| (i as f64) * pv.dt < 8.0)
                .map(|i| (s, i))
        })
    {
        return Err(FitError::undetermined(
            "model configuration",
            &format!("Noise 1 sweep {s} has a spike at {:.4} s, in the subthreshold part of the stimulus (before 8 s)", i as f64 * pv.dt),
        ));
    }
    let has_triple = truthy(pv.b_spike) && truthy(pv.a_spike);
    if level.needs_spike_component() && !has_triple {
        return Err(FitError::undetermined(
            &format!("{} configuration", level.label()),
            "it needs the threshold's spike component, from a short-square triple with two spikes in enough sweeps and a positive amplitude; this cell can be fitted at GLIF1 and GLIF3 only",
        ));
    }
    let [vdyn, thdyn, ascdyn, vreset, threset, ascreset] = level.methods();
    let method = |name: &str, params: Value| json!({"name": name, "params": params});
    let vreset_params = match vreset {
        "v_before" => json!({"a": pv.spike_cutting_slope, "b": pv.spike_cutting_intercept}),
        _ => json!({}),
    };
    let threset_params = match threset {
        "three_components" => json!({"a_spike": opt(pv.a_spike), "b_spike": opt(pv.b_spike)}),
        _ => json!({}),
    };
    let thdyn_params = match thdyn {
        "spike_component" => {
            json!({"a_spike": opt(pv.a_spike), "b_spike": opt(pv.b_spike), "a_voltage": 0, "b_voltage": 0})
        }
        "three_components_exact" => {
            json!({"a_spike": opt(pv.a_spike), "b_spike": opt(pv.b_spike), "a_voltage": opt(pv.a_voltage), "b_voltage": opt(pv.b_voltage)})
        }
        _ => json!({}),
    };
    let ascreset_params = match ascreset {
        "sum" => json!({"r": vec![1.0; pv.asc_tau_array.len()]}),
        _ => json!({}),
    };
    let r_input = if matches!(level, Level::Glif1 | Level::Glif2) {
        pv.r_least_squares
    } else {
        pv.r_asc
    };
    let mut neuron = Map::new();
    neuron.insert("type".into(), json!("GLIF"));
    neuron.insert("dt".into(), num(5e-5));
    neuron.insert("El".into(), num(0.0));
    neuron.insert("asc_tau_array".into(), json!(pv.asc_tau_array));
    neuron.insert("asc_amp_array".into(), json!(pv.asc_amp_array));
    neuron.insert("init_AScurrents".into(), json!([0.0, 0.0]));
    neuron.insert("init_threshold".into(), num(pv.th_inf * 1.0));
    neuron.insert("init_voltage".into(), num(0.0));
    neuron.insert("extrapolation_method_name".into(), json!("endpoints"));
    neuron.insert("dt_multiplier".into(), json!(1));
    neuron.insert(
        "AScurrent_dynamics_method".into(),
        method(ascdyn, json!({})),
    );
    neuron.insert("voltage_dynamics_method".into(), method(vdyn, json!({})));
    neuron.insert(
        "threshold_dynamics_method".into(),
        method(thdyn, thdyn_params),
    );
    neuron.insert(
        "AScurrent_reset_method".into(),
        method(ascreset, ascreset_params),
    );
    neuron.insert("voltage_reset_method".into(), method(vreset, vreset_params));
    neuron.insert(
        "threshold_reset_method".into(),
        method(threset, threset_params),
    );
    neuron.insert("El_reference".into(), num(pv.el_reference));
    neuron.insert("C".into(), num(pv.c));
    neuron.insert("spike_cut_length".into(), json!(pv.spike_cut_length));
    neuron.insert("R_input".into(), num(r_input));
    neuron.insert("th_inf".into(), num(pv.th_inf));
    if pv.asc_tau_array.len() != 2 {
        return Err(FitError::undetermined(
            "model configuration",
            "init_AScurrents have incorrect length (two after-spike currents are fitted)",
        ));
    }
    let optimizer = json!({
        "xtol": 1e-05, "ftol": 1e-05, "sigma_outer": 0.3, "sigma_inner": 0.01,
        "inner_iterations": 3, "outer_iterations": 3, "internal_iterations": 10_000_000,
        "iteration_info": [], "param_fit_names": ["th_inf"], "cut": 0,
        "bessel": {"N": 4, "freq": 10000},
        "error_function": "MLIN",
        "error_function_data": {
            "subthreshold_long_square_voltage_variance": pv.var_of_section,
            "sv_for_expsymm": pv.sv_for_expsymm,
            "tau_from_AC": pv.tau_from_ac,
        },
    });
    Ok(json!({"neuron": Value::Object(neuron), "optimizer": optimizer}))
}
