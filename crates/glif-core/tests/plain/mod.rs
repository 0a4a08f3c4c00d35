//! A deliberately plain transcription of AllenSDK 2.16.2's GLIF algorithm
//! (`allensdk/model/glif/glif_neuron.py`, `GlifNeuron.run`, `dynamics`,
//! `reset`, and the rule functions of `glif_neuron_methods.py`), written
//! for the property tests only.
//!
//! It keeps AllenSDK's structure on purpose, costs and all: the threshold
//! components are two growing history lists (`None` until the first dynamics
//! call), every `exp` is evaluated where AllenSDK evaluates it (every step;
//! the `three_components` reset computes the decay for every cut sample and
//! keeps the last), time advances by `spike_cut_length + 1` after a spike,
//! the `cut_past_end` rule decides whether the reset values are written, and
//! a bad reset fills 5 samples and breaks out of the loop. Every expression
//! keeps AllenSDK's operation order. `exp` is `libm`'s, through
//! `glif_core::Float::exp`, as in the engine, so the two must agree bit for
//! bit.
//!
//! Nothing here is shared with the engine: a bug in the engine cannot hide
//! behind the same bug here.
#![allow(dead_code)]

use glif_core::Float;

fn exp(x: f64) -> f64 {
    Float::exp(x)
}

/// `np.sum` of fewer than 8 elements: a plain loop from +0.0.
fn np_sum(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += x;
    }
    s
}

/// `voltage_dynamics_method`.
#[derive(Clone, Debug, PartialEq)]
pub enum VoltageDynamics {
    LinearForwardEuler,
    /// Unregistered in AllenSDK; transcribed from its function anyway.
    LinearExact,
}

/// `threshold_dynamics_method` with its params.
#[derive(Clone, Debug, PartialEq)]
pub enum ThresholdDynamics {
    Inf,
    SpikeComponent {
        a_spike: f64,
        b_spike: f64,
        a_voltage: f64,
        b_voltage: f64,
    },
    ThreeComponentsExact {
        a_spike: f64,
        b_spike: f64,
        a_voltage: f64,
        b_voltage: f64,
    },
}

/// `AScurrent_dynamics_method`.
#[derive(Clone, Debug, PartialEq)]
pub enum AscDynamics {
    Exp,
    None,
}

/// `voltage_reset_method` with its params.
#[derive(Clone, Debug, PartialEq)]
pub enum VoltageReset {
    Zero,
    VBefore { a: f64, b: f64 },
}

/// `threshold_reset_method` with its params.
#[derive(Clone, Debug, PartialEq)]
pub enum ThresholdReset {
    Inf,
    ThreeComponents { a_spike: f64, b_spike: f64 },
}

/// `AScurrent_reset_method` with its params.
#[derive(Clone, Debug, PartialEq)]
pub enum AscReset {
    Sum { r: Vec<f64> },
    None,
}

/// AllenSDK's `coeffs` dict after `update` over the defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Coeffs {
    pub th_inf: f64,
    pub c: f64,
    pub g: f64,
    pub a: f64,
    pub b: f64,
    pub asc_amp_array: Vec<f64>,
}

/// The arguments of `GlifNeuron.__init__`.
#[derive(Clone, Debug, PartialEq)]
pub struct Neuron {
    pub el: f64,
    pub dt: f64,
    pub asc_tau_array: Vec<f64>,
    pub r_input: f64,
    pub c: f64,
    pub asc_amp_array: Vec<f64>,
    pub spike_cut_length: usize,
    pub th_inf: f64,
    pub coeffs: Coeffs,
    pub voltage_dynamics: VoltageDynamics,
    pub threshold_dynamics: ThresholdDynamics,
    pub asc_dynamics: AscDynamics,
    pub voltage_reset: VoltageReset,
    pub threshold_reset: ThresholdReset,
    pub asc_reset: AscReset,
    pub init_voltage: f64,
    pub init_threshold: f64,
    pub init_ascurrents: Vec<f64>,
}

/// The exceptions AllenSDK raises mid-run.
#[derive(Clone, Debug, PartialEq)]
pub enum Raised {
    /// "You are running a LIF but the AScurrents are not zero!"
    LifAscNotZero,
    /// "reset should never happen at the beginning of a trace"
    ResetAtBeginning,
}

/// The dict `run()` returns, plus what the reference cases record by
/// wrapping `reset()` (the bad-reset flag).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunResult {
    pub voltage: Vec<f64>,
    pub threshold: Vec<f64>,
    /// N rows of n currents.
    pub ascurrents: Vec<Vec<f64>>,
    pub grid_spike_times: Vec<f64>,
    pub interpolated_spike_times: Vec<f64>,
    pub spike_time_steps: Vec<usize>,
    pub interpolated_spike_voltage: Vec<f64>,
    pub interpolated_spike_threshold: Vec<f64>,
    pub bad_reset_flag: bool,
}

/// `neuron.threshold_components`: `None`, or the two history lists.
type Components = Option<(Vec<f64>, Vec<f64>)>;

impl Neuron {
    fn k(&self) -> Vec<f64> {
        self.asc_tau_array.iter().map(|tau| 1.0 / tau).collect()
    }

    fn g(&self) -> f64 {
        1.0 / self.r_input
    }

    fn asc_dynamics(&self, asc0: &[f64]) -> Vec<f64> {
        match self.asc_dynamics {
            // AScurrents_t0*np.exp(-neuron.k*neuron.dt)
            AscDynamics::Exp => {
                let k = self.k();
                asc0.iter()
                    .zip(&k)
                    .map(|(a, k)| a * exp(-k * self.dt))
                    .collect()
            }
            AscDynamics::None => vec![0.0; asc0.len()],
        }
    }

    fn voltage_dynamics(&self, v0: f64, asc0: &[f64], inj: f64) -> f64 {
        match self.voltage_dynamics {
            VoltageDynamics::LinearForwardEuler => {
                v0 + (inj + np_sum(asc0) - self.g() * self.coeffs.g * (v0 - self.el)) * self.dt
                    / (self.c * self.coeffs.c)
            }
            VoltageDynamics::LinearExact => {
                let c = self.c * self.coeffs.c;
                let i = inj + np_sum(asc0);
                let g = self.g() * self.coeffs.g;
                let tau = g / c;
                let n = (i + g * self.el) / c;
                v0 * exp(-self.dt * tau) + n * (1.0 - exp(-tau * self.dt)) / tau
            }
        }
    }

    fn threshold_dynamics(
        &self,
        components: &mut Components,
        v0: f64,
        asc0: &[f64],
        inj: f64,
    ) -> f64 {
        let (th_spike, th_voltage) = match components {
            None => (0.0, 0.0),
            Some((spike, voltage)) => (*spike.last().unwrap(), *voltage.last().unwrap()),
        };
        let mut append = |s: f64, v: f64| {
            let lists = components.get_or_insert_with(|| (Vec::new(), Vec::new()));
            lists.0.push(s);
            lists.1.push(v);
        };
        match self.threshold_dynamics {
            ThresholdDynamics::Inf => self.coeffs.th_inf * self.th_inf,
            ThresholdDynamics::SpikeComponent { b_spike, .. } => {
                let spike_component =
                    spike_component_of_threshold_exact(th_spike, b_spike, self.dt);
                append(spike_component, 0.0);
                spike_component + self.th_inf * self.coeffs.th_inf
            }
            ThresholdDynamics::ThreeComponentsExact {
                b_spike,
                a_voltage,
                b_voltage,
                ..
            } => {
                let a_voltage = a_voltage * self.coeffs.a;
                let b_voltage = b_voltage * self.coeffs.b;
                let i = inj + np_sum(asc0);
                let c = self.c * self.coeffs.c;
                let g = self.g() * self.coeffs.g;
                let voltage_component = voltage_component_of_threshold_exact(
                    th_voltage, v0, i, self.dt, a_voltage, b_voltage, c, g, self.el,
                );
                let spike_component =
                    spike_component_of_threshold_exact(th_spike, b_spike, self.dt);
                append(spike_component, voltage_component);
                voltage_component + spike_component + self.th_inf * self.coeffs.th_inf
            }
        }
    }

    fn dynamics(
        &self,
        components: &mut Components,
        v0: f64,
        asc0: &[f64],
        inj: f64,
    ) -> (f64, f64, Vec<f64>) {
        let asc1 = self.asc_dynamics(asc0);
        let v1 = self.voltage_dynamics(v0, asc0, inj);
        let th1 = self.threshold_dynamics(components, v0, asc0, inj);
        (v1, th1, asc1)
    }

    fn reset(
        &self,
        components: &mut Components,
        v1: f64,
        asc1: &[f64],
    ) -> Result<(f64, f64, Vec<f64>, bool), Raised> {
        let asc = match &self.asc_reset {
            AscReset::Sum { r } => {
                let k = self.k();
                (0..asc1.len())
                    .map(|i| {
                        let new_current = self.asc_amp_array[i] * self.coeffs.asc_amp_array[i];
                        let left_over =
                            asc1[i] * r[i] * exp(-(k[i] * self.dt * self.spike_cut_length as f64));
                        new_current + left_over
                    })
                    .collect()
            }
            AscReset::None => {
                if np_sum(asc1) != 0.0 {
                    return Err(Raised::LifAscNotZero);
                }
                vec![0.0; asc1.len()]
            }
        };
        let v = match self.voltage_reset {
            VoltageReset::Zero => 0.0,
            VoltageReset::VBefore { a, b } => a * v1 + b,
        };
        let th = match self.threshold_reset {
            ThresholdReset::Inf => self.coeffs.th_inf * self.th_inf,
            ThresholdReset::ThreeComponents { a_spike, b_spike } => {
                let Some((spike, voltage)) = components.as_mut() else {
                    return Err(Raised::ResetAtBeginning);
                };
                let th_spike = *spike.last().unwrap();
                let th_voltage = *voltage.last().unwrap();
                // np.arange(1, spike_cut_length + 1) * dt, one decay per cut sample.
                let spike_comp_decay: Vec<f64> = (1..=self.spike_cut_length)
                    .map(|j| {
                        spike_component_of_threshold_exact(th_spike, b_spike, j as f64 * self.dt)
                    })
                    .collect();
                for _ in 0..self.spike_cut_length {
                    voltage.push(th_voltage);
                }
                spike.extend(spike_comp_decay);
                *spike.last_mut().unwrap() += a_spike;
                spike.last().unwrap() + voltage.last().unwrap() + self.th_inf * self.coeffs.th_inf
            }
        };
        let bad_reset_flag = v > th;
        Ok((v, th, asc, bad_reset_flag))
    }

    /// `GlifNeuron.run(stim)`.
    pub fn run(&self, stim: &[f64]) -> Result<RunResult, Raised> {
        let mut bad_reset_flag = false;
        let mut voltage_t0 = self.init_voltage;
        let mut threshold_t0 = self.init_threshold;
        let mut ascurrents_t0 = self.init_ascurrents.clone();
        let mut components: Components = None;

        let num_time_steps = stim.len();
        let num_ascurrents = ascurrents_t0.len();
        let mut out = RunResult {
            voltage: vec![f64::NAN; num_time_steps],
            threshold: vec![f64::NAN; num_time_steps],
            ascurrents: vec![vec![f64::NAN; num_ascurrents]; num_time_steps],
            ..RunResult::default()
        };

        let mut time_step = 0;
        while time_step < num_time_steps {
            let (voltage_t1, threshold_t1, ascurrents_t1) =
                self.dynamics(&mut components, voltage_t0, &ascurrents_t0, stim[time_step]);
            if voltage_t1 > threshold_t1 {
                out.spike_time_steps.push(time_step);
                out.grid_spike_times.push(time_step as f64 * self.dt);
                out.interpolated_spike_times.push(interpolate_spike_time(
                    self.dt,
                    time_step,
                    threshold_t0,
                    threshold_t1,
                    voltage_t0,
                    voltage_t1,
                ));
                let offset = out.interpolated_spike_times.last().unwrap()
                    - (time_step as i64 - 1) as f64 * self.dt;
                out.interpolated_spike_voltage.push(interpolate_spike_value(
                    self.dt, offset, voltage_t0, voltage_t1,
                ));
                out.interpolated_spike_threshold
                    .push(interpolate_spike_value(
                        self.dt,
                        offset,
                        threshold_t0,
                        threshold_t1,
                    ));

                let (v, th, asc, bad) = self.reset(&mut components, voltage_t1, &ascurrents_t1)?;
                voltage_t0 = v;
                threshold_t0 = th;
                ascurrents_t0 = asc;
                bad_reset_flag = bad;

                if self.spike_cut_length > 0 {
                    let mut n = self.spike_cut_length;
                    let cut_past_end = time_step + n >= out.voltage.len();
                    if cut_past_end {
                        n = out.voltage.len() - time_step;
                    }
                    for i in time_step..time_step + n {
                        out.voltage[i] = f64::NAN;
                        out.threshold[i] = f64::NAN;
                        out.ascurrents[i] = vec![f64::NAN; num_ascurrents];
                    }
                    if !cut_past_end {
                        out.voltage[time_step + n] = voltage_t0;
                        out.threshold[time_step + n] = threshold_t0;
                        out.ascurrents[time_step + n] = ascurrents_t0.clone();
                    }
                    time_step += self.spike_cut_length + 1;
                } else {
                    out.voltage[time_step] = voltage_t0;
                    out.threshold[time_step] = threshold_t0;
                    out.ascurrents[time_step] = ascurrents_t0.clone();
                    time_step += 1;
                }

                if bad_reset_flag {
                    // voltage_out[time_step:time_step+5] = ...: the slice clips at the end.
                    for i in time_step..(time_step + 5).min(num_time_steps) {
                        out.voltage[i] = voltage_t0;
                        out.threshold[i] = threshold_t0;
                        out.ascurrents[i] = ascurrents_t0.clone();
                    }
                    break;
                }
            } else {
                out.voltage[time_step] = voltage_t1;
                out.threshold[time_step] = threshold_t1;
                out.ascurrents[time_step] = ascurrents_t1.clone();
                voltage_t0 = voltage_t1;
                threshold_t0 = threshold_t1;
                ascurrents_t0 = ascurrents_t1;
                time_step += 1;
            }
        }
        out.bad_reset_flag = bad_reset_flag;
        Ok(out)
    }
}

/// `spike_component_of_threshold_exact(th0, b_spike, t)`: `b_spike` is
/// negated first, then `th0*exp(b_spike*t)`.
fn spike_component_of_threshold_exact(th0: f64, b_spike: f64, t: f64) -> f64 {
    let b_spike = -b_spike;
    th0 * exp(b_spike * t)
}

/// `voltage_component_of_threshold_exact`, with its literal `- 0` and `+ 0`.
#[allow(clippy::too_many_arguments)] // AllenSDK's function, argument for argument
fn voltage_component_of_threshold_exact(
    th0: f64,
    v0: f64,
    i: f64,
    t: f64,
    a_voltage: f64,
    b_voltage: f64,
    c: f64,
    g: f64,
    el: f64,
) -> f64 {
    let beta = (i + g * el) / g;
    let phi = a_voltage / (b_voltage - g / c);
    phi * (v0 - beta) * exp(-g * t / c)
        + 1.0 / (exp(b_voltage * t))
            * (th0 - phi * (v0 - beta) - (a_voltage / b_voltage) * (beta - el) - 0.0)
        + (a_voltage / b_voltage) * (beta - el)
        + 0.0
}

fn interpolate_spike_time(
    dt: f64,
    time_step: usize,
    threshold_t0: f64,
    threshold_t1: f64,
    voltage_t0: f64,
    voltage_t1: f64,
) -> f64 {
    time_step as f64 * dt + line_crossing_x(dt, voltage_t0, voltage_t1, threshold_t0, threshold_t1)
}

fn interpolate_spike_value(dt: f64, offset: f64, v0: f64, v1: f64) -> f64 {
    v0 + (v1 - v0) * offset / dt
}

fn line_crossing_x(dx: f64, a0: f64, a1: f64, b0: f64, b1: f64) -> f64 {
    dx * (b0 - a0) / ((a1 - a0) - (b1 - b0))
}
