//! The whole preprocessing of a cell, as AllenSDK's
//! `preprocess_neuron.preprocess_neuron` runs it: sweep selection, loading
//! (filter and subsampling to 50 us), and every stage of this crate in
//! AllenSDK's order, giving AllenSDK's preprocessor values (the same keys
//! and SI units) and what [`crate::configure`] needs.
//!
//! The recordings come from a loader, so any source (an NWB file through
//! glif-io, a lab's own arrays) can feed it.

use serde_json::{json, Value};

use crate::configure::PreprocessorSummary;
use crate::diagnostics::{mean_spike, passive_response, Diagnostics};
use crate::filter::{load_sweep, LoadedSweep, DEFAULT_BESSEL_FREQ_HZ, DEFAULT_BESSEL_ORDER};
use crate::spikes::{self, SpikeSettings, SHORT_SQUARES_WINDOW, SHORT_SQUARE_TRIPLE_WINDOW};
use crate::sweeps::{el_reference, resting_potential, select, SweepEntry, SweepSelection};
use crate::{asc, noise, rc, spike_cut, stats, threshold, FitError};

/// The fitting time step, s (`preprocess_neuron.DEFAULT_DT`).
pub const DEFAULT_DT: f64 = 5e-5;

/// One sweep as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct RawSweep {
    /// Membrane voltage, V.
    pub voltage: Vec<f64>,
    /// Injected current, A.
    pub current: Vec<f64>,
    /// Samples per second, Hz.
    pub sampling_rate_hz: f64,
    /// First sample of the experiment (after the test pulse).
    pub index_range_start: usize,
}

/// What preprocessing gives.
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocessed {
    /// AllenSDK's `preprocessor_values` dictionary (its keys, SI units;
    /// `R_from_lims`/`C_from_lims` are `null`: they come from the Allen
    /// database, not from the recordings).
    pub values: Value,
    /// The values [`crate::configure::configure_model`] reads.
    pub summary: PreprocessorSummary,
    /// The sweeps used.
    pub selection: SweepSelection,
    /// The data behind each estimate, for figures.
    pub diagnostics: Diagnostics,
}

/// The voltages of `sweeps`, borrowed.
fn voltages(sweeps: &[LoadedSweep]) -> Vec<&[f64]> {
    sweeps.iter().map(|x| x.voltage.as_slice()).collect()
}

fn mean_axis0(rows: &[[f64; 2]]) -> Vec<f64> {
    (0..2)
        .map(|j| stats::mean(&rows.iter().map(|r| r[j]).collect::<Vec<_>>()))
        .collect()
}

/// `preprocess_neuron(nwb, sweep_list)` with AllenSDK's defaults (dt 50 us,
/// Bessel order 4 at 10 kHz, no cut). `load(n)` returns sweep `n` as
/// recorded.
pub fn preprocess<L: FnMut(u32) -> Result<RawSweep, FitError>>(
    table: &[SweepEntry],
    mut load: L,
) -> Result<Preprocessed, FitError> {
    let dt = DEFAULT_DT;
    let sel = select(table)?;
    let mut load_many = |numbers: &[u32]| -> Result<Vec<LoadedSweep>, FitError> {
        numbers
            .iter()
            .map(|&n| {
                let raw = load(n)?;
                load_sweep(
                    &raw.voltage,
                    &raw.current,
                    raw.sampling_rate_hz,
                    raw.index_range_start,
                    dt,
                    Some((DEFAULT_BESSEL_ORDER, DEFAULT_BESSEL_FREQ_HZ)),
                )
                .map_err(|e| FitError::undetermined(&format!("sweep {n}"), &e.to_string()))
            })
            .collect()
    };
    let mut all_ssq = load_many(&sel.short_square_all)?;
    let ssq_settings = spikes::estimate_dv_cutoff(
        &voltages(&all_ssq),
        dt,
        SHORT_SQUARES_WINDOW.0,
        SHORT_SQUARES_WINDOW.1,
    )?;
    let noise1 = load_many(&sel.noise1)?;
    let noise2 = load_many(&sel.noise2)?;
    // Of Noise 2 only the spike indices are used: found now (an error is
    // reported below, where the other stages' errors come before it) so
    // that its traces are freed before the later stages allocate theirs.
    let n2_idx: Result<Vec<Vec<usize>>, FitError> = noise2
        .iter()
        .map(|s| spikes::threshold_indices(&s.voltage, noise1[0].dt, SpikeSettings::default()))
        .collect();
    drop(noise2);
    // A short square, loaded above: the same samples, not read twice; the
    // other short squares are not used again.
    let min_sup = match sel
        .short_square_all
        .iter()
        .position(|&n| n == sel.short_square_min_suprathreshold)
    {
        Some(k) => all_ssq.swap_remove(k),
        None => load_many(&[sel.short_square_min_suprathreshold])?.remove(0),
    };
    drop(all_ssq);
    let dt = noise1[0].dt;

    let window_end = (6.0 / dt) as usize;
    let mut sub_v = Vec::new();
    let mut sub_i = Vec::new();
    for (k, s) in noise1.iter().enumerate() {
        let end = window_end.min(s.voltage.len());
        if s.start_idx >= end {
            return Err(FitError::undetermined(
                "R, C, El",
                &format!(
                    "Noise 1 sweep {} ends before its stimulus starts + the 6 s window",
                    sel.noise1[k]
                ),
            ));
        }
        sub_v.push(&s.voltage[s.start_idx..end]);
        sub_i.push(&s.current[s.start_idx..end]);
    }
    let noise_el: Vec<f64> = sel
        .noise1
        .iter()
        .map(|&n| resting_potential(table, n))
        .collect::<Result<_, _>>()?;
    let el_noise = el_reference(table, &sel.noise1)?;
    let el_sub_blip = resting_potential(table, sel.short_square_max_subthreshold)?;
    let el_sup_blip = resting_potential(table, sel.short_square_min_suprathreshold)?;
    let triple = if sel.triple.is_empty() {
        None
    } else {
        Some(load_many(&sel.triple)?)
    };
    let triple_settings = match &triple {
        Some(t) => Some(spikes::estimate_dv_cutoff(
            &voltages(t),
            dt,
            SHORT_SQUARE_TRIPLE_WINDOW.0,
            SHORT_SQUARE_TRIPLE_WINDOW.1,
        )?),
        None => None,
    };
    // AllenSDK loads the suprathreshold ramps but uses only their El.
    let el_ramp = match sel.ramp_suprathreshold.first() {
        Some(&n) => Some(resting_potential(table, n)?),
        None => None,
    };
    let ls = load_many(&[sel.long_square_max_subthreshold])?.remove(0);
    let el_ls = resting_potential(table, sel.long_square_max_subthreshold)?;

    let n1_idx: Vec<Vec<usize>> = noise1
        .iter()
        .map(|s| spikes::threshold_indices(&s.voltage, dt, SpikeSettings::default()))
        .collect::<Result<_, _>>()?;
    let n2_idx = n2_idx?;
    let all_idx: Vec<Vec<usize>> = n1_idx.iter().chain(&n2_idx).cloned().collect();
    let min_isi = spike_cut::min_isi(&all_idx).ok_or_else(|| {
        FitError::undetermined(
            "spike cut length",
            "no Noise 1 or Noise 2 sweep has two spikes: the cell must fire on Noise 1 and Noise 2",
        )
    })?;

    let rcel = rc::rc_el_sweeps(&sub_v, &sub_i, dt)?;
    let r_list: Vec<f64> = rcel.iter().map(|x| x.r).collect();
    let c_list: Vec<f64> = rcel.iter().map(|x| x.c).collect();
    let (r_mean, c_mean) = (stats::mean(&r_list), stats::mean(&c_list));

    let n1_vr = voltages(&noise1);
    let n1_ir: Vec<&[f64]> = noise1.iter().map(|s| s.current.as_slice()).collect();
    let cut =
        spike_cut::spike_cut_and_v_reset(&n1_vr, &n1_idx, dt, el_noise, Some(min_isi as f64 * dt))?;

    // The after-spike-current GLM needs nothing the threshold's fits or
    // MLIN give, nor they anything of it: it runs on a second thread while
    // this one does the rest. Each computes exactly what it computed alone
    // (the same operations on the same values), so every output bit is
    // unchanged; errors are reported in AllenSDK's stage order as before
    // (the GLM's first).
    let n1_sweeps: Vec<threshold::VoltageComponentSweep<'_>> = n1_vr
        .iter()
        .zip(&noise_el)
        .zip(&n1_idx)
        .map(|((v, &el), s)| threshold::VoltageComponentSweep {
            voltage: v,
            el,
            spikes: s,
        })
        .collect();
    let (fit, thr, mlin) = std::thread::scope(|scope| {
        let glm = scope.spawn(|| {
            asc::asc_pairwise(
                &asc::K_ASC_POSSIBLE,
                &n1_ir,
                &n1_vr,
                &n1_idx,
                c_mean,
                c_mean * r_mean,
                cut.spike_cut_length,
                dt,
                el_noise,
            )
        });
        let thr = threshold_stage(
            &min_sup.voltage[min_sup.start_idx.min(min_sup.voltage.len())..],
            ssq_settings,
            triple.as_deref().zip(triple_settings),
            &n1_sweeps,
            cut.spike_cut_length,
            dt,
        );
        let ls_v = &ls.voltage[ls.start_idx.min(ls.voltage.len())..];
        let ls_i = &ls.current[ls.start_idx.min(ls.current.len())..];
        let mlin = noise::mlin(ls_v, ls_i, r_mean, c_mean, dt);
        let fit = glm
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (fit, thr, mlin)
    });
    let fit = fit?;
    let ThresholdStage {
        th_inf_v,
        a_spike,
        b_spike,
        ab,
        abth,
        triple_diag,
    } = thr?;
    let mlin = mlin?;
    let asc_amp = mean_axis0(&fit.amplitudes);
    let r_asc = stats::mean(&fit.r);
    let th_inf_from0 = th_inf_v - el_sup_blip;

    let th_fit = abth.as_ref().map(|x| x[2]);
    let k_pair = fit.k_pair.to_vec();
    let spike_slot = |k: usize| n1_idx.get(k).map_or(Value::Null, |s| json!(s));
    let mut noise1_props = serde_json::Map::new();
    for k in 0..5 {
        noise1_props.insert(
            (k + 1).to_string(),
            json!({"El": noise_el.get(k), "sweep_num": sel.noise1.get(k), "spike_ind": spike_slot(k)}),
        );
    }
    let values = json!({
        "dt_used_for_preprocessor_calculations": dt,
        "sweep_properties": {
            "noise1": noise1_props,
            "ramp": {"sweep_num": if sel.ramp_suprathreshold.is_empty() { Value::Null } else { json!(sel.ramp_suprathreshold) }},
            "subthreshold_short_square": {"sweep_num": [sel.short_square_max_subthreshold]},
            "suprathreshold_short_square": {"R_testpulsesweep_num": [sel.short_square_min_suprathreshold]},
            "max_subthresh_long_square": {"sweep_num": [sel.long_square_max_subthreshold]},
            "multi_short_square": {"sweep_num": if sel.triple.is_empty() { Value::Null } else { json!(sel.triple) }},
        },
        "El": {
            "El_noise": {"measured": {"mean": el_noise, "list": noise_el, "dependencies": Value::Null}},
            "El_ramp": {"value": el_ramp, "dependencies": Value::Null},
            "El_subthreshold_blip": {"value": el_sub_blip, "dependencies": Value::Null},
            "El_suprathreshold_blip": {"value": el_sup_blip, "dependencies": Value::Null},
            "El_max_subth_long_square": {"value": el_ls, "dependencies": Value::Null},
        },
        "resistance": {
            "R_from_lims": {"value": Value::Null},
            "R_test_list": {"mean": r_mean, "list": r_list},
            "R_fit_ASC_and_R": {"mean": r_asc, "list": fit.r},
        },
        "capacitance": {"C_from_lims": {"value": Value::Null}, "C_test_list": {"mean": c_mean, "list": c_list}},
        "spike_cut_length": {"no deltaV shift": {"length": cut.spike_cut_length, "slope": cut.slope, "intercept": cut.intercept, "dependencies": Value::Null}},
        "spike_cutting": {"NOdeltaV": {"cut_length": cut.spike_cut_length, "slope": cut.slope, "intercept": cut.intercept, "dependencies": Value::Null}},
        "asc": {"k": k_pair, "amp": asc_amp, "dependencies": "Cap and res from least squares"},
        "th_inf": {
            "via_Vmeasure": {"value": th_inf_v, "from_zero": th_inf_from0, "dependencies": "measured from suprathreshold blip"},
            "fit_with_v_comp_of_th": {"value": th_fit, "from_zero": th_fit.map(|t| t - el_noise)},
        },
        "threshold_adaptation": {
            "a_spike_component_of_threshold": a_spike,
            "b_spike_component_of_threshold": b_spike,
            "a_voltage_comp_of_thr_from_fitab": ab.as_ref().map(|x| x[0]),
            "b_voltage_comp_of_thr_from_fitab": ab.as_ref().map(|x| x[1]),
            "a_voltage_comp_of_thr_from_fitabth": abth.as_ref().map(|x| x[0]),
            "b_voltage_comp_of_thr_from_fitabth": abth.as_ref().map(|x| x[1]),
        },
        "MLIN": {"var_of_section": mlin.variance, "sv_for_expsymm": mlin.sv, "tau_from_AC": mlin.tau_from_ac},
    });
    let summary = PreprocessorSummary {
        dt,
        el_reference: el_noise,
        c: c_mean,
        r_least_squares: r_mean,
        r_asc,
        spike_cut_length: cut.spike_cut_length,
        spike_cutting_slope: cut.slope,
        spike_cutting_intercept: cut.intercept,
        asc_tau_array: fit.k_pair.iter().map(|k| 1.0 / k).collect(),
        asc_amp_array: asc_amp,
        th_inf: th_inf_from0,
        a_spike,
        b_spike,
        a_voltage: ab.as_ref().map(|x| x[0]),
        b_voltage: ab.as_ref().map(|x| x[1]),
        var_of_section: mlin.variance,
        sv_for_expsymm: mlin.sv,
        tau_from_ac: mlin.tau_from_ac,
        noise1_spike_indices: n1_idx.clone(),
    };
    let before = (0.002 / dt) as usize;
    let after = (0.012 / dt) as usize;
    let cut_n = cut.spike_cut_length;
    let (v_before, v_after): (Vec<f64>, Vec<f64>) = n1_vr
        .iter()
        .zip(&n1_idx)
        .flat_map(|(v, idx)| {
            idx.iter()
                .filter(move |&&i| i + cut_n < v.len())
                .map(move |&i| (v[i] - el_noise, v[i + cut_n] - el_noise))
        })
        .unzip();
    let th_inf_trace = min_sup.voltage[min_sup.start_idx.min(min_sup.voltage.len())..].to_vec();
    let diagnostics = Diagnostics {
        dt,
        rc_sweep: sel.noise1[0],
        rc: rcel[0],
        rc_measured: sub_v[0].to_vec(),
        rc_model: passive_response(sub_i[0], rcel[0], sub_v[0][0], dt),
        spike_mean: mean_spike(&n1_vr, &n1_idx, before, after, el_noise),
        spike_window_start: -(before as f64) * dt,
        spike_cut_time: cut_n as f64 * dt,
        v_before,
        v_after,
        th_inf_index: th_inf_trace
            .iter()
            .position(|&x| x == th_inf_v)
            .unwrap_or(0),
        th_inf_trace,
        th_inf_sweep: sel.short_square_min_suprathreshold,
        th_inf_voltage: th_inf_v,
        triple: triple_diag,
    };
    Ok(Preprocessed {
        values,
        summary,
        selection: sel,
        diagnostics,
    })
}

/// What the threshold's stages give: `th_inf` from the smallest
/// suprathreshold short square, and with a short-square triple its spike
/// component and the two voltage-component fits.
struct ThresholdStage {
    /// Voltage at the first spike's threshold of the short square, V.
    th_inf_v: f64,
    /// Spike component's amplitude at the cut, V.
    a_spike: Option<f64>,
    /// Spike component's decay rate, 1/s.
    b_spike: Option<f64>,
    /// `fit_ab`: a_voltage (1/s), b_voltage (1/s).
    ab: Option<Vec<f64>>,
    /// `fit_abth`: a_voltage, b_voltage, th_inf (V).
    abth: Option<Vec<f64>>,
    /// The triple's points and spike component, for the figures.
    triple_diag: Option<(threshold::TriplePoints, threshold::SpikeComponent)>,
}

/// `th_inf`, then (with a triple and its spike settings) the spike component
/// and the voltage component's `fmin` fits on the Noise 1 sweeps, in
/// AllenSDK's order. `noise1`: the Noise 1 sweeps with their El and spike
/// indices.
fn threshold_stage(
    min_suprathreshold: &[f64],
    ssq_settings: SpikeSettings,
    triple: Option<(&[LoadedSweep], SpikeSettings)>,
    noise1: &[threshold::VoltageComponentSweep<'_>],
    spike_cut_length: usize,
    dt: f64,
) -> Result<ThresholdStage, FitError> {
    let th_inf_v = spikes::first_spike_voltage_short_square(min_suprathreshold, dt, ssq_settings)?;
    let mut out = ThresholdStage {
        th_inf_v,
        a_spike: None,
        b_spike: None,
        ab: None,
        abth: None,
        triple_diag: None,
    };
    let Some((t, settings)) = triple else {
        return Ok(out);
    };
    let vr = voltages(t);
    let Some(sc) =
        threshold::spike_component_from_triple(&vr, dt, settings.dv_cutoff, settings.thresh_frac)?
    else {
        return Ok(out);
    };
    out.triple_diag = Some((
        threshold::triple_points(&vr, dt, settings.dv_cutoff, settings.thresh_frac)?,
        sc,
    ));
    let a = threshold::spike_component_at_cut(sc.a_spike, sc.b_spike, spike_cut_length as f64 * dt);
    out.a_spike = Some(a);
    out.b_spike = Some(sc.b_spike);
    let (two, three) =
        threshold::fit_voltage_components(noise1, spike_cut_length, th_inf_v, dt, a, sc.b_spike)?;
    out.ab = Some(two.x);
    out.abth = Some(three.x);
    Ok(out)
}
