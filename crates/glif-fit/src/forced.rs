//! Forced-spike runs: AllenSDK's `GlifOptimizerNeuron.run_with_biological_spikes`
//! (`allensdk.internal.model.glif.glif_optimizer_neuron`), the model run the
//! optimizer's error function judges.
//!
//! The model never spikes on its own: it is reset at the recorded spike
//! steps, and between them (from a spike plus the spike cut to the next
//! spike) it is integrated on a coarse grid of `dt x dt_multiplier` with the
//! stimulus averaged over each coarse step (float32, as numpy averages the
//! file's float32 current), then linearly interpolated back onto the fitting
//! grid (`scipy.interpolate.interp1d`, which calls `numpy.interp`). In each
//! interval the first fine step where the voltage exceeds the threshold is the
//! model's spike; when there is none, the spike is extrapolated from the
//! interval's end points (the `endpoints` method). All arithmetic is done in
//! AllenSDK's order, so the results are bit for bit AllenSDK's when `exp` is
//! numpy's (see [`ForcedNeuron::run`]).
//!
//! Units: seconds, volts (relative to `El_reference`, as the optimizer's
//! configs are), amperes.

use serde_json::Value;

use crate::filter::{numpy_sum, numpy_sum_f32};
use crate::FitError;

/// After-spike current dynamics.
#[derive(Clone, Copy, Debug, PartialEq)]
enum AscDyn {
    /// `none`: always zero.
    None,
    /// `exp`: `asc * exp(-k dt)`.
    Exp,
}

/// Threshold dynamics.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ThDyn {
    /// `inf`: `coeff_th_inf * th_inf`.
    Inf,
    /// `spike_component`: a spike component decaying at `b_spike` (1/s).
    Spike { b_spike: f64 },
    /// `three_components_exact`: spike and voltage components.
    Three {
        b_spike: f64,
        a_voltage: f64,
        b_voltage: f64,
    },
}

/// Voltage reset.
#[derive(Clone, Copy, Debug, PartialEq)]
enum VReset {
    /// `zero`.
    Zero,
    /// `v_before`: `a v + b`.
    VBefore { a: f64, b: f64 },
}

/// Threshold reset.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ThReset {
    /// `inf`.
    Inf,
    /// `three_components`: the spike component decays through the cut, then
    /// jumps by `a_spike` (V).
    Three { a_spike: f64, b_spike: f64 },
}

/// A neuron config as `GlifOptimizerNeuron.from_dict` reads it, with the
/// coefficients the optimizer sets.
#[derive(Clone, Debug, PartialEq)]
pub struct ForcedNeuron {
    /// Fitting time step (s).
    pub dt: f64,
    /// Coarse steps are `dt x dt_multiplier` (AllenSDK's optimizer uses 100, 32, 10).
    pub dt_multiplier: usize,
    /// Resting potential (V).
    pub el: f64,
    /// Conductance `1 / R_input` (S).
    pub g: f64,
    /// Capacitance (F).
    pub c: f64,
    /// Threshold at infinity (V).
    pub th_inf: f64,
    /// `coeffs['th_inf']`, the coefficient the optimizer tunes.
    pub coeff_th_inf: f64,
    /// `coeffs['G']`, `coeffs['C']`, `coeffs['a']`, `coeffs['b']`.
    pub coeff_g: f64,
    /// See `coeff_g`.
    pub coeff_c: f64,
    /// See `coeff_g`.
    pub coeff_a: f64,
    /// See `coeff_g`.
    pub coeff_b: f64,
    /// After-spike current rates `1 / asc_tau_array` (1/s).
    pub asc_k: Vec<f64>,
    /// After-spike current amplitudes (A).
    pub asc_amp: Vec<f64>,
    /// `coeffs['asc_amp_array']`.
    pub coeff_asc_amp: Vec<f64>,
    /// The `sum` reset's fraction `r` kept of each current.
    pub asc_r: Vec<f64>,
    /// Samples skipped after each recorded spike.
    pub spike_cut_length: usize,
    /// Initial voltage, threshold (V) and after-spike currents (A).
    pub init_voltage: f64,
    /// See `init_voltage`.
    pub init_threshold: f64,
    /// See `init_voltage`.
    pub init_asc: Vec<f64>,
    asc_dyn: AscDyn,
    asc_reset_sum: bool,
    th_dyn: ThDyn,
    v_reset: VReset,
    th_reset: ThReset,
}

/// One sweep's forced-spike run: every array `run_with_biological_spikes`
/// returns (times in s, voltages in V, currents in A).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ForcedRun {
    /// The model's voltage on the fitting grid.
    pub voltage: Vec<f64>,
    /// The model's threshold on the fitting grid.
    pub threshold: Vec<f64>,
    /// After-spike currents, row-major (`voltage.len()` rows, one column per current).
    pub asc_matrix: Vec<f64>,
    /// Per recorded spike: the model's spike time from the interval's start, on the grid.
    pub grid_isi: Vec<f64>,
    /// The same, interpolated between steps.
    pub interpolated_isi: Vec<f64>,
    /// The model's spike times from the sweep's start, on the grid.
    pub grid_model_spike_times: Vec<f64>,
    /// The same, interpolated.
    pub interpolated_model_spike_times: Vec<f64>,
    /// The model's voltage at its spike, on the grid.
    pub grid_model_spike_voltages: Vec<f64>,
    /// The same, interpolated (AllenSDK's `interpolate_spike_voltage`, which adds `step x dt`).
    pub interpolated_model_spike_voltages: Vec<f64>,
    /// The model's voltage at each recorded spike.
    pub grid_bio_spike_model_voltage: Vec<f64>,
    /// The model's threshold at each recorded spike.
    pub grid_bio_spike_model_threshold: Vec<f64>,
}

fn num(v: &Value, path: &str) -> Result<f64, FitError> {
    let mut cur = v;
    for k in path.split('.') {
        cur = &cur[k];
    }
    cur.as_f64().ok_or_else(|| {
        FitError::undetermined(
            &format!("neuron config field {path}"),
            &format!("is {cur}: expected a number"),
        )
    })
}

fn nums(v: &Value, path: &str) -> Result<Vec<f64>, FitError> {
    let mut cur = v;
    for k in path.split('.') {
        cur = &cur[k];
    }
    let bad = || {
        FitError::undetermined(
            &format!("neuron config field {path}"),
            &format!("is {cur}: expected a list of numbers"),
        )
    };
    cur.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|x| x.as_f64().ok_or_else(bad))
        .collect()
}

fn method<'a>(v: &'a Value, family: &str) -> Result<&'a str, FitError> {
    v[family]["name"].as_str().ok_or_else(|| {
        FitError::undetermined(
            &format!("neuron config field {family}.name"),
            &format!("is {}: expected a method name", v[family]["name"]),
        )
    })
}

fn unknown(family: &str, name: &str, known: &str) -> FitError {
    FitError::undetermined(
        &format!("neuron config field {family}.name"),
        &format!("is {name:?}: expected one of {known} (the methods AllenSDK's optimizer runs)"),
    )
}

impl ForcedNeuron {
    /// Reads a `neuron_config` (AllenSDK's keys), coefficients 1 unless it
    /// has `coeffs`, `dt_multiplier` from the config (1 if absent).
    pub fn from_config(c: &Value) -> Result<ForcedNeuron, FitError> {
        let tau = nums(c, "asc_tau_array")?;
        let asc_amp = nums(c, "asc_amp_array")?;
        let init_asc = nums(c, "init_AScurrents")?;
        if tau.len() != asc_amp.len() || init_asc.len() != tau.len() {
            return Err(FitError::undetermined(
                "neuron config",
                &format!(
                    "asc_tau_array has {} values, asc_amp_array {}, init_AScurrents {}: expected the same number",
                    tau.len(),
                    asc_amp.len(),
                    init_asc.len()
                ),
            ));
        }
        let coeff = |k: &str| -> Result<f64, FitError> {
            match c.get("coeffs").and_then(|x| x.get(k)) {
                None | Some(Value::Null) => Ok(1.0),
                Some(_) => num(c, &format!("coeffs.{k}")),
            }
        };
        let coeff_asc_amp = match c.get("coeffs").and_then(|x| x.get("asc_amp_array")) {
            None | Some(Value::Null) => vec![1.0; tau.len()],
            Some(_) => nums(c, "coeffs.asc_amp_array")?,
        };
        let asc_dyn = match method(c, "AScurrent_dynamics_method")? {
            "none" => AscDyn::None,
            "exp" => AscDyn::Exp,
            n => return Err(unknown("AScurrent_dynamics_method", n, "none, exp")),
        };
        let asc_reset_sum = match method(c, "AScurrent_reset_method")? {
            "none" => false,
            "sum" => true,
            n => return Err(unknown("AScurrent_reset_method", n, "none, sum")),
        };
        let asc_r = if asc_reset_sum {
            nums(c, "AScurrent_reset_method.params.r")?
        } else {
            vec![]
        };
        match method(c, "voltage_dynamics_method")? {
            "linear_forward_euler" => {}
            n => {
                return Err(unknown(
                    "voltage_dynamics_method",
                    n,
                    "linear_forward_euler",
                ))
            }
        }
        let tp = "threshold_dynamics_method.params";
        let th_dyn = match method(c, "threshold_dynamics_method")? {
            "inf" => ThDyn::Inf,
            "spike_component" => ThDyn::Spike {
                b_spike: num(c, &format!("{tp}.b_spike"))?,
            },
            "three_components_exact" => ThDyn::Three {
                b_spike: num(c, &format!("{tp}.b_spike"))?,
                a_voltage: num(c, &format!("{tp}.a_voltage"))?,
                b_voltage: num(c, &format!("{tp}.b_voltage"))?,
            },
            n => {
                return Err(unknown(
                    "threshold_dynamics_method",
                    n,
                    "inf, spike_component, three_components_exact",
                ))
            }
        };
        let v_reset = match method(c, "voltage_reset_method")? {
            "zero" => VReset::Zero,
            "v_before" => VReset::VBefore {
                a: num(c, "voltage_reset_method.params.a")?,
                b: num(c, "voltage_reset_method.params.b")?,
            },
            n => return Err(unknown("voltage_reset_method", n, "zero, v_before")),
        };
        let th_reset = match method(c, "threshold_reset_method")? {
            "inf" => ThReset::Inf,
            "three_components" => ThReset::Three {
                a_spike: num(c, "threshold_reset_method.params.a_spike")?,
                b_spike: num(c, "threshold_reset_method.params.b_spike")?,
            },
            n => {
                return Err(unknown(
                    "threshold_reset_method",
                    n,
                    "inf, three_components",
                ))
            }
        };
        match c.get("extrapolation_method_name").and_then(Value::as_str) {
            None | Some("endpoints") => {}
            Some(n) => {
                return Err(unknown(
                    "extrapolation_method_name",
                    n,
                    "endpoints (the published configs' method)",
                ))
            }
        }
        let scl = num(c, "spike_cut_length")?;
        if !(scl >= 0.0 && scl.fract() == 0.0) {
            return Err(FitError::invalid(
                "spike_cut_length",
                scl,
                "a whole number of samples",
            ));
        }
        let dt = num(c, "dt")?;
        if !(dt > 0.0 && dt.is_finite()) {
            return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
        }
        let mult = match c.get("dt_multiplier") {
            None | Some(Value::Null) => 1.0,
            Some(_) => num(c, "dt_multiplier")?,
        };
        let mut n = ForcedNeuron {
            dt,
            dt_multiplier: 1,
            el: num(c, "El")?,
            g: 1.0 / num(c, "R_input")?,
            c: num(c, "C")?,
            th_inf: num(c, "th_inf")?,
            coeff_th_inf: coeff("th_inf")?,
            coeff_g: coeff("G")?,
            coeff_c: coeff("C")?,
            coeff_a: coeff("a")?,
            coeff_b: coeff("b")?,
            asc_k: tau.iter().map(|t| 1.0 / t).collect(),
            asc_amp,
            coeff_asc_amp,
            asc_r,
            spike_cut_length: scl as usize,
            init_voltage: num(c, "init_voltage")?,
            init_threshold: num(c, "init_threshold")?,
            init_asc,
            asc_dyn,
            asc_reset_sum,
            th_dyn,
            v_reset,
            th_reset,
        };
        n.set_dt_multiplier(mult)?;
        if n.asc_reset_sum && n.asc_r.len() != n.asc_k.len() {
            return Err(FitError::undetermined(
                "neuron config field AScurrent_reset_method.params.r",
                &format!(
                    "has {} values: expected one per after-spike current ({})",
                    n.asc_r.len(),
                    n.asc_k.len()
                ),
            ));
        }
        Ok(n)
    }

    /// Sets `dt_multiplier` (a whole number >= 1).
    pub fn set_dt_multiplier(&mut self, m: f64) -> Result<(), FitError> {
        if !(m >= 1.0 && m.fract() == 0.0 && m < 1e9) {
            return Err(FitError::invalid(
                "dt_multiplier",
                m,
                "a whole number of fitting steps per coarse step, at least 1",
            ));
        }
        self.dt_multiplier = m as usize;
        Ok(())
    }

    /// One sweep's forced-spike run: `stimulus` (A, the float32 samples
    /// AllenSDK loads) with the model reset at `spikes` (sample indices,
    /// increasing). `exp` is the exponential used wherever AllenSDK calls
    /// `np.exp`: `f64::exp` (the C library's, which numpy 1.23 calls on
    /// CPUs without AVX-512F) gives AllenSDK's values bit for bit there.
    pub fn run(
        &self,
        stimulus: &[f32],
        spikes: &[usize],
        exp: &dyn Fn(f64) -> f64,
    ) -> Result<ForcedRun, FitError> {
        self.run_with_grid(stimulus, spikes, exp, None)
    }

    /// [`ForcedNeuron::run`], also returning each interval's coarse grid
    /// and how its thresholds depend on the `th_inf` coefficient (what
    /// [`crate::th_inf_runs`] re-evaluates for another coefficient).
    pub(crate) fn run_recording_grid(
        &self,
        stimulus: &[f32],
        spikes: &[usize],
        exp: &dyn Fn(f64) -> f64,
    ) -> Result<(ForcedRun, Vec<SegmentGrid>), FitError> {
        let mut grid = Vec::new();
        let run = self.run_with_grid(stimulus, spikes, exp, Some(&mut grid))?;
        Ok((run, grid))
    }

    fn run_with_grid(
        &self,
        stimulus: &[f32],
        spikes: &[usize],
        exp: &dyn Fn(f64) -> f64,
        mut grid: Option<&mut Vec<SegmentGrid>>,
    ) -> Result<ForcedRun, FitError> {
        let n = stimulus.len();
        let na = self.asc_k.len();
        let ns = spikes.len();
        let mut out = ForcedRun {
            voltage: vec![f64::NAN; n],
            threshold: vec![f64::NAN; n],
            asc_matrix: vec![f64::NAN; n * na],
            ..ForcedRun::default()
        };
        if self.init_voltage > self.init_threshold {
            return Err(FitError::undetermined(
                "forced-spike run",
                &format!(
                    "the initial voltage {} is above the initial threshold {}",
                    self.init_voltage, self.init_threshold
                ),
            ));
        }
        let mut st = State {
            v: self.init_voltage,
            th: ThParts::Fixed(self.init_threshold),
            asc: self.init_asc.clone(),
            th_spike: 0.0,
            th_voltage: 0.0,
        };
        let mut start = 0usize;
        for (s, &end) in spikes.iter().enumerate() {
            if start >= end || end > n {
                return Err(FitError::undetermined(
                    "forced-spike run",
                    &format!(
                        "spike {s} at sample {end} comes before sample {start} (the previous spike plus the spike cut) or after the sweep's {n} samples"
                    ),
                ));
            }
            let seg = self.segment(
                stimulus,
                start,
                end,
                &mut st,
                &mut out,
                exp,
                grid.as_deref_mut(),
            )?;
            out.grid_isi.push(seg.grid_time);
            out.interpolated_isi.push(seg.interp_time);
            out.grid_model_spike_times
                .push(seg.grid_time + start as f64 * self.dt);
            out.interpolated_model_spike_times
                .push(seg.interp_time + start as f64 * self.dt);
            out.grid_model_spike_voltages.push(seg.grid_voltage);
            out.interpolated_model_spike_voltages
                .push(seg.interp_voltage);
            out.grid_bio_spike_model_voltage.push(seg.v1);
            out.grid_bio_spike_model_threshold.push(seg.th1);
            start = end + self.spike_cut_length;
        }
        if ns == 0 || start < n {
            self.segment(stimulus, start, n, &mut st, &mut out, exp, grid)?;
        } else {
            return Err(FitError::undetermined(
                "forced-spike run",
                &format!(
                    "the last spike plus the spike cut ends at sample {start}, past the sweep's {n} samples"
                ),
            ));
        }
        Ok(out)
    }

    /// `run_until_biological_spike` from `start` to `end` (exclusive):
    /// writes the interval's fine-grid traces into `out`, returns the model
    /// spike found or extrapolated and the values at `end`, and applies the
    /// reset to `st` when `end` is a recorded spike (`end < len`). With
    /// `grid`, also records the interval's coarse grid and how each coarse
    /// threshold depends on the `th_inf` coefficient.
    #[allow(clippy::too_many_arguments)]
    fn segment(
        &self,
        stim: &[f32],
        start: usize,
        end: usize,
        st: &mut State,
        out: &mut ForcedRun,
        exp: &dyn Fn(f64) -> f64,
        grid: Option<&mut Vec<SegmentGrid>>,
    ) -> Result<Segment, FitError> {
        let nf = end - start;
        let m = self.dt_multiplier;
        let na = self.asc_k.len();
        let dtc = self.dt * m as f64;
        // Coarse grid: every m-th fine step, then the interval's end.
        let nc = nf.div_ceil(m) + 1;
        let t_last = (nf - 1) as f64 * self.dt;
        let t_coarse: Vec<f64> = (0..nc)
            .map(|k| if k + 1 < nc { k as f64 * dtc } else { t_last })
            .collect();
        let mut vc = Vec::with_capacity(nc);
        let mut thc = Vec::with_capacity(nc);
        let mut partsc = Vec::with_capacity(if grid.is_some() { nc } else { 0 });
        // `th_inf x coeffs['th_inf']`: the only place the coefficient enters.
        let th_coeff = self.th_inf * self.coeff_th_inf;
        let mut ascc: Vec<f64> = Vec::with_capacity(nc * na);
        let (mut v0, mut parts0) = (st.v, st.th);
        let mut asc0 = st.asc.clone();
        for k in 0..nc - 1 {
            let th0 = parts0.value(th_coeff);
            vc.push(v0);
            thc.push(th0);
            if grid.is_some() {
                partsc.push(parts0);
            }
            ascc.extend_from_slice(&asc0);
            if !v0.is_finite() || !th0.is_finite() || asc0.iter().any(|a| !a.is_finite()) {
                return Err(FitError::undetermined(
                    "forced-spike run",
                    &format!(
                        "invalid threshold, voltage or after-spike current at coarse step {k} from sample {start}: voltage {v0}, threshold {th0}, currents {asc0:?}"
                    ),
                ));
            }
            let dt = t_coarse[k + 1] - t_coarse[k];
            let a = start + k * m;
            let b = if k + 2 < nc { start + (k + 1) * m } else { end };
            let slice = &stim[a..b];
            let inj = f64::from(numpy_sum_f32(slice) / slice.len() as f32);
            let (v1, parts1, asc1) = self.dynamics(v0, &asc0, inj, dt, st, exp);
            v0 = v1;
            parts0 = parts1;
            asc0 = asc1;
        }
        let th0 = parts0.value(th_coeff);
        vc.push(v0);
        thc.push(th0);
        ascc.extend_from_slice(&asc0);
        let (v1, th1) = (v0, th0);
        // numpy.interp onto the fine grid, column by column.
        let mut j = 0usize;
        for i in 0..nf {
            let x = i as f64 * self.dt;
            while j + 1 < nc && t_coarse[j + 1] <= x {
                j += 1;
            }
            out.voltage[start + i] = interp(&t_coarse, &vc, 1, 0, j, x);
            out.threshold[start + i] = interp(&t_coarse, &thc, 1, 0, j, x);
            for c in 0..na {
                out.asc_matrix[(start + i) * na + c] = interp(&t_coarse, &ascc, na, c, j, x);
            }
        }
        let v = &out.voltage[start..end];
        let th = &out.threshold[start..end];
        let dt = self.dt;
        let mut seg = match v.iter().zip(th).position(|(a, b)| a > b) {
            Some(ts) => {
                // Python's index -1 is the last element.
                let p = if ts == 0 { nf - 1 } else { ts - 1 };
                let tsm1 = ts as f64 - 1.0;
                Segment {
                    grid_time: dt * tsm1,
                    grid_voltage: v[p],
                    interp_time: tsm1 * dt + line_crossing_x(dt, v[p], v[ts], th[p], th[ts]),
                    interp_voltage: tsm1 * dt + line_crossing_y(dt, v[p], v[ts], th[p], th[ts]),
                    v1,
                    th1,
                }
            }
            None if v1 > th1 => Segment {
                grid_time: dt * (nf - 1) as f64,
                grid_voltage: v1,
                interp_time: (nf - 1) as f64 * dt
                    + line_crossing_x(dt, v[nf - 1], v1, th[nf - 1], th1),
                interp_voltage: nf as f64 * dt
                    + line_crossing_y(dt, v[nf - 1], v1, th[nf - 1], th1),
                v1,
                th1,
            },
            None => {
                let span = dt * nf as f64;
                let t = line_crossing_x(span, v[0], v1, th[0], th1);
                let y = line_crossing_y(span, v[0], v1, th[0], th1);
                Segment {
                    grid_time: (t / dt).ceil() * dt,
                    grid_voltage: y,
                    interp_time: t,
                    interp_voltage: y,
                    v1,
                    th1,
                }
            }
        };
        if let Some(g) = grid {
            partsc.push(parts0);
            g.push(SegmentGrid {
                start,
                len: nf,
                t_coarse,
                parts: partsc,
            });
        }
        if end < stim.len() {
            self.reset(v1, &asc0, st, exp)?;
        }
        seg.v1 = v1;
        Ok(seg)
    }

    /// `GlifNeuron.dynamics` at step `dt`: after-spike currents, voltage,
    /// threshold (each from the previous step's values; none reads the
    /// threshold, so the threshold is returned as its [`ThParts`]).
    fn dynamics(
        &self,
        v0: f64,
        asc0: &[f64],
        inj: f64,
        dt: f64,
        st: &mut State,
        exp: &dyn Fn(f64) -> f64,
    ) -> (f64, ThParts, Vec<f64>) {
        let asc1: Vec<f64> = match self.asc_dyn {
            AscDyn::None => vec![0.0; asc0.len()],
            AscDyn::Exp => asc0
                .iter()
                .zip(&self.asc_k)
                .map(|(a, k)| a * exp(-k * dt))
                .collect(),
        };
        let s = numpy_sum(asc0);
        let v1 =
            v0 + (inj + s - self.g * self.coeff_g * (v0 - self.el)) * dt / (self.c * self.coeff_c);
        let th1 = match self.th_dyn {
            ThDyn::Inf => ThParts::Coeff,
            ThDyn::Spike { b_spike } => {
                let sc = st.th_spike * exp(-b_spike * dt);
                st.th_spike = sc;
                st.th_voltage = 0.0;
                ThParts::Plus(sc)
            }
            ThDyn::Three {
                b_spike,
                a_voltage,
                b_voltage,
            } => {
                let a_v = a_voltage * self.coeff_a;
                let b_v = b_voltage * self.coeff_b;
                let i = inj + s;
                let c = self.c * self.coeff_c;
                let g = self.g * self.coeff_g;
                let beta = (i + g * self.el) / g;
                let phi = a_v / (b_v - g / c);
                let ab = a_v / b_v;
                let vc = phi * (v0 - beta) * exp(-g * dt / c)
                    + 1.0 / exp(b_v * dt)
                        * (st.th_voltage - phi * (v0 - beta) - ab * (beta - self.el) - 0.0)
                    + ab * (beta - self.el)
                    + 0.0;
                let sc = st.th_spike * exp(-b_spike * dt);
                st.th_spike = sc;
                st.th_voltage = vc;
                ThParts::Plus(vc + sc)
            }
        };
        (v1, th1, asc1)
    }

    /// `GlifNeuron.reset` at a recorded spike (its bad-reset flag is ignored,
    /// as the forced run ignores it).
    fn reset(
        &self,
        v1: f64,
        asc1: &[f64],
        st: &mut State,
        exp: &dyn Fn(f64) -> f64,
    ) -> Result<(), FitError> {
        let scl = self.spike_cut_length as f64;
        st.asc = if self.asc_reset_sum {
            (0..asc1.len())
                .map(|i| {
                    self.asc_amp[i] * self.coeff_asc_amp[i]
                        + asc1[i] * self.asc_r[i] * exp(-(self.asc_k[i] * self.dt * scl))
                })
                .collect()
        } else {
            if numpy_sum(asc1) != 0.0 {
                return Err(FitError::undetermined(
                    "forced-spike run",
                    "the after-spike currents are not zero at a reset of a model without them",
                ));
            }
            vec![0.0; asc1.len()]
        };
        st.v = match self.v_reset {
            VReset::Zero => 0.0,
            VReset::VBefore { a, b } => a * v1 + b,
        };
        st.th = match self.th_reset {
            ThReset::Inf => ThParts::Coeff,
            ThReset::Three { a_spike, b_spike } => {
                if self.spike_cut_length > 0 {
                    st.th_spike *= exp(-b_spike * (scl * self.dt));
                }
                st.th_spike += a_spike;
                ThParts::Plus(st.th_spike + st.th_voltage)
            }
        };
        Ok(())
    }
}

/// The state carried from one interval to the next.
struct State {
    v: f64,
    /// The threshold (V), as it depends on the `th_inf` coefficient.
    th: ThParts,
    asc: Vec<f64>,
    /// The threshold's last spike and voltage components (V).
    th_spike: f64,
    th_voltage: f64,
}

/// How a threshold value (V) depends on `p = th_inf x coeffs['th_inf']`,
/// in AllenSDK's operation order: the threshold is [`ThParts::value`] of
/// `p`. Nothing else in a forced run depends on the coefficient.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ThParts {
    /// `init_threshold`: no `p`.
    Fixed(f64),
    /// `p` alone (`inf` dynamics and reset).
    Coeff,
    /// `b + p`, `b` the spike (and voltage) components.
    Plus(f64),
}

impl ThParts {
    /// The threshold (V) at `p = th_inf x coeffs['th_inf']`.
    #[inline]
    pub(crate) fn value(self, p: f64) -> f64 {
        match self {
            ThParts::Fixed(x) => x,
            ThParts::Coeff => p,
            ThParts::Plus(b) => b + p,
        }
    }
}

/// One interval's coarse grid as [`ForcedNeuron::run_recording_grid`]
/// records it.
pub(crate) struct SegmentGrid {
    /// The interval's first fine sample.
    pub(crate) start: usize,
    /// Its fine samples.
    pub(crate) len: usize,
    /// Coarse times from the interval's start (s).
    pub(crate) t_coarse: Vec<f64>,
    /// The threshold at each coarse time.
    pub(crate) parts: Vec<ThParts>,
}

struct Segment {
    grid_time: f64,
    grid_voltage: f64,
    interp_time: f64,
    interp_voltage: f64,
    v1: f64,
    th1: f64,
}

/// `numpy.interp` at `x` with `xp[j] <= x < xp[j + 1]` (or `j` the last
/// point), for column `c` of the row-major `yp` with `w` columns.
pub(crate) fn interp(xp: &[f64], yp: &[f64], w: usize, c: usize, j: usize, x: f64) -> f64 {
    let n = xp.len();
    let y = |k: usize| yp[k * w + c];
    if x > xp[n - 1] || x < xp[0] {
        // interp1d's fill value (never reached: the fine grid lies within the coarse one).
        return y(n - 1);
    }
    if j == n - 1 || xp[j] == x {
        return y(j);
    }
    let slope = (y(j + 1) - y(j)) / (xp[j + 1] - xp[j]);
    let r = slope * (x - xp[j]) + y(j);
    if r.is_nan() {
        let r2 = slope * (x - xp[j + 1]) + y(j + 1);
        if r2.is_nan() && y(j) == y(j + 1) {
            return y(j);
        }
        return r2;
    }
    r
}

/// `glif_neuron.line_crossing_x`: where the line through `(0, a0), (dx, a1)`
/// meets the one through `(0, b0), (dx, b1)`.
pub fn line_crossing_x(dx: f64, a0: f64, a1: f64, b0: f64, b1: f64) -> f64 {
    dx * (b0 - a0) / ((a1 - a0) - (b1 - b0))
}

/// `glif_neuron.line_crossing_y`: the value where the two lines meet.
pub fn line_crossing_y(dx: f64, a0: f64, a1: f64, b0: f64, b1: f64) -> f64 {
    let _ = dx;
    b0 + (b1 - b0) * (b0 - a0) / ((a1 - a0) - (b1 - b0))
}
