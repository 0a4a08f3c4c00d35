//! What NEST's three GLIF models share: membrane, threshold and after-spike
//! current parameters, their precomputed decay factors, the state, and the
//! update of one step up to the spike test and reset (NEST's
//! `glif_psc::update`, `glif_psc_double_alpha::update`; `glif_cond::update`
//! uses the threshold, after-spike current, refractory and reset parts).

use super::error::NestError;
use super::math::ExpProvider;
use super::time::Resolution;
use crate::Float;

/// The five GLIF levels: the only combinations of NEST's three switches
/// (`spike_dependent_threshold`, `after_spike_currents`,
/// `adapting_threshold`) that NEST accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// GLIF1 (LIF): no switch on.
    Lif,
    /// GLIF2 (LIF-R): `spike_dependent_threshold`.
    LifR,
    /// GLIF3 (LIF-ASC): `after_spike_currents`.
    LifAsc,
    /// GLIF4 (LIF-R-ASC): `spike_dependent_threshold`, `after_spike_currents`.
    LifRAsc,
    /// GLIF5 (LIF-R-ASC-A): all three switches.
    LifRAscA,
}

impl Level {
    /// The level of a switch combination, `None` for the three combinations
    /// NEST refuses ("Incorrect model mechanism combination setting").
    pub const fn from_switches(
        spike_dependent_threshold: bool,
        after_spike_currents: bool,
        adapting_threshold: bool,
    ) -> Option<Self> {
        match (
            spike_dependent_threshold,
            after_spike_currents,
            adapting_threshold,
        ) {
            (false, false, false) => Some(Level::Lif),
            (true, false, false) => Some(Level::LifR),
            (false, true, false) => Some(Level::LifAsc),
            (true, true, false) => Some(Level::LifRAsc),
            (true, true, true) => Some(Level::LifRAscA),
            _ => None,
        }
    }

    /// The level number 1..=5.
    pub const fn number(self) -> u8 {
        match self {
            Level::Lif => 1,
            Level::LifR => 2,
            Level::LifAsc => 3,
            Level::LifRAsc => 4,
            Level::LifRAscA => 5,
        }
    }

    /// `spike_dependent_threshold` ("R": spike component of the threshold, reset rule with fraction and add).
    pub const fn spike_dependent_threshold(self) -> bool {
        matches!(self, Level::LifR | Level::LifRAsc | Level::LifRAscA)
    }
    /// `after_spike_currents` ("ASC").
    pub const fn after_spike_currents(self) -> bool {
        matches!(self, Level::LifAsc | Level::LifRAsc | Level::LifRAscA)
    }
    /// `adapting_threshold` ("A": voltage component of the threshold).
    pub const fn adapting_threshold(self) -> bool {
        matches!(self, Level::LifRAscA)
    }
}

/// Membrane, threshold and after-spike current parameters of a NEST GLIF
/// neuron with `A` after-spike currents, in NEST's units, with the two
/// potentials NEST stores relative to `E_L` given the same way.
///
/// NEST's `SetStatus` turns `V_th` and `V_reset` into `th_inf = V_th - E_L`
/// and `v_reset = V_reset - E_L`, and when only `E_L` changes it shifts
/// them by the change (`th_inf -= E_L_new - E_L_old`), which is not always
/// bit-identical to recomputing the difference; the I/O layer reproduces
/// that sequence and hands the results here.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlifParams<F, const A: usize> {
    /// Which mechanisms are on (the three switches).
    pub level: Level,
    /// `g` (`g_m` for `glif_cond`): membrane conductance, nS.
    pub g: F,
    /// `E_L`: resting potential, mV.
    pub e_l: F,
    /// `C_m`: membrane capacitance, pF.
    pub c_m: F,
    /// `t_ref`: refractory period, ms (counted in whole steps, rounded up).
    pub t_ref: F,
    /// `V_th - E_L`: the threshold's constant part, mV relative to `E_L`.
    pub th_inf: F,
    /// `V_reset - E_L`: reset potential for levels 1 and 3, mV relative to `E_L`.
    pub v_reset: F,
    /// `th_spike_add`: added to the spike component at a spike, mV.
    pub th_spike_add: F,
    /// `th_spike_decay`: decay rate of the spike component, 1/ms.
    pub th_spike_decay: F,
    /// `voltage_reset_fraction`: reset `U = fraction * U_pre + add` (levels 2, 4, 5).
    pub voltage_reset_fraction: F,
    /// `voltage_reset_add`: mV.
    pub voltage_reset_add: F,
    /// `th_voltage_index`: adaptation index of the voltage component, 1/ms.
    pub th_voltage_index: F,
    /// `th_voltage_decay`: decay rate of the voltage component, 1/ms.
    pub th_voltage_decay: F,
    /// `asc_decay`: after-spike current decay rates, 1/ms.
    pub asc_decay: [F; A],
    /// `asc_amps`: after-spike current jumps at a spike, pA.
    pub asc_amps: [F; A],
    /// `asc_r`: fraction of each current kept at a spike, in [0, 1].
    pub asc_r: [F; A],
}

impl<F: Float> GlifParams<F, 2> {
    /// NEST 3.10's defaults (a fresh `glif_psc`, `glif_psc_double_alpha` or
    /// `glif_cond` node, nothing set: `E_L` -78.85 mV, `V_th` -51.68 mV,
    /// `V_reset` = `E_L`, two after-spike currents) with the switches of
    /// `level`. Each value is converted from its f64 literal; `th_inf` is
    /// `V_th - E_L` computed in f64, as NEST stores it.
    pub fn nest_defaults(level: Level) -> Self {
        let f = F::from_f64;
        let e_l = -78.85;
        GlifParams {
            level,
            g: f(9.43),
            e_l: f(e_l),
            c_m: f(58.72),
            t_ref: f(3.75),
            th_inf: f(-51.68 - e_l),
            v_reset: f(0.0),
            th_spike_add: f(0.37),
            th_spike_decay: f(0.009),
            voltage_reset_fraction: f(0.20),
            voltage_reset_add: f(18.51),
            th_voltage_index: f(0.005),
            th_voltage_decay: f(0.09),
            asc_decay: [f(0.003), f(0.1)],
            asc_amps: [f(-9.18), f(-198.94)],
            asc_r: [f(1.0), f(1.0)],
        }
    }
}

/// The initial state NEST lets a user set: `V_m` (given as `U = V_m - E_L`
/// after NEST's `SetStatus` arithmetic), `ASCurrents`, `threshold_spike`,
/// `threshold_voltage`. NEST's `asc_init` parameter does not set the state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlifInit<F, const A: usize> {
    /// `V_m - E_L`, mV.
    pub u: F,
    /// `ASCurrents`, pA.
    pub asc: [F; A],
    /// `threshold_spike`, mV.
    pub threshold_spike: F,
    /// `threshold_voltage`, mV.
    pub threshold_voltage: F,
}

impl<F: Float, const A: usize> GlifInit<F, A> {
    /// NEST's default state for `V_m`: at rest plus `u` mV.
    pub fn at(u: F) -> Self {
        GlifInit {
            u,
            asc: [F::ZERO; A],
            threshold_spike: F::ZERO,
            threshold_voltage: F::ZERO,
        }
    }
}

/// Per-resolution constants of [`GlifParams`] (NEST's `Variables_`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct GlifConsts<F, const A: usize> {
    pub(crate) h: F,
    pub(crate) theta_spike_decay_rate: F,
    pub(crate) theta_spike_refractory_decay_rate: F,
    pub(crate) asc_decay_rates: [F; A],
    pub(crate) asc_stable_coeff: [F; A],
    pub(crate) asc_refractory_decay_rates: [F; A],
    pub(crate) potential_decay_rate: F,
    pub(crate) theta_voltage_decay_rate_inverse: F,
    pub(crate) phi: F,
    pub(crate) abpara_ratio_voltage: F,
    /// `tau_m = C_m / g`, ms.
    pub(crate) tau_m: F,
    pub(crate) p33: F,
    pub(crate) p30: F,
    pub(crate) refractory_counts: u32,
}

fn finite<F: Float>(x: F, field: &'static str) -> Result<F, NestError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(NestError::NotFinite(field))
    }
}

impl<F: Float, const A: usize> GlifParams<F, A> {
    /// NEST's checks of `Parameters_::set`, in its order, plus finiteness.
    pub fn validate(&self) -> Result<(), NestError> {
        let z = F::ZERO;
        finite(self.g, "g")?;
        finite(self.e_l, "E_L")?;
        finite(self.c_m, "C_m")?;
        finite(self.t_ref, "t_ref")?;
        finite(self.th_inf, "V_th")?;
        finite(self.v_reset, "V_reset")?;
        finite(self.th_spike_add, "th_spike_add")?;
        finite(self.th_spike_decay, "th_spike_decay")?;
        finite(self.voltage_reset_fraction, "voltage_reset_fraction")?;
        finite(self.voltage_reset_add, "voltage_reset_add")?;
        finite(self.th_voltage_index, "th_voltage_index")?;
        finite(self.th_voltage_decay, "th_voltage_decay")?;
        for a in 0..A {
            finite(self.asc_decay[a], "asc_decay")?;
            finite(self.asc_amps[a], "asc_amps")?;
            finite(self.asc_r[a], "asc_r")?;
        }
        if self.level.after_spike_currents() {
            for a in 0..A {
                if self.asc_decay[a] <= z {
                    return Err(NestError::NotPositive("asc_decay"));
                }
                if self.asc_r[a] < z || self.asc_r[a] > F::ONE {
                    return Err(NestError::NotInUnitInterval("asc_r"));
                }
            }
        }
        if self.v_reset >= self.th_inf {
            return Err(NestError::ResetNotBelowThreshold);
        }
        if self.c_m <= z {
            return Err(NestError::NotPositive("C_m"));
        }
        if self.g <= z {
            return Err(NestError::NotPositive("g"));
        }
        if self.t_ref <= z {
            return Err(NestError::NotPositive("t_ref"));
        }
        if self.level.adapting_threshold() && self.th_voltage_decay <= z {
            return Err(NestError::NotPositive("th_voltage_decay"));
        }
        if self.level.spike_dependent_threshold() {
            if self.th_spike_decay <= z {
                return Err(NestError::NotPositive("th_spike_decay"));
            }
            if self.voltage_reset_fraction < z || self.voltage_reset_fraction > F::ONE {
                return Err(NestError::NotInUnitInterval("voltage_reset_fraction"));
            }
        }
        Ok(())
    }

    /// NEST's `pre_run_hook` for the shared part, in its order and with its
    /// expressions. Constants of switched-off mechanisms stay 0 (NEST leaves
    /// them unset and never reads them).
    pub(crate) fn consts<E: ExpProvider<F>>(
        &self,
        res: Resolution,
        exp: &E,
    ) -> Result<GlifConsts<F, A>, NestError> {
        let h = F::from_f64(res.h_ms());
        let one = F::ONE;
        let z = F::ZERO;
        let mut c = GlifConsts {
            h,
            theta_spike_decay_rate: z,
            theta_spike_refractory_decay_rate: z,
            asc_decay_rates: [z; A],
            asc_stable_coeff: [z; A],
            asc_refractory_decay_rates: [z; A],
            potential_decay_rate: z,
            theta_voltage_decay_rate_inverse: z,
            phi: z,
            abpara_ratio_voltage: z,
            tau_m: z,
            p33: z,
            p30: z,
            refractory_counts: 0,
        };
        if self.level.spike_dependent_threshold() {
            c.theta_spike_decay_rate = exp.exp(-self.th_spike_decay * h);
            c.theta_spike_refractory_decay_rate = exp.exp(-self.th_spike_decay * self.t_ref);
        }
        if self.level.after_spike_currents() {
            for a in 0..A {
                c.asc_decay_rates[a] = exp.exp(-self.asc_decay[a] * h);
                c.asc_stable_coeff[a] =
                    ((one / self.asc_decay[a]) / h) * (one - c.asc_decay_rates[a]);
                c.asc_refractory_decay_rates[a] =
                    self.asc_r[a] * exp.exp(-self.asc_decay[a] * self.t_ref);
            }
        }
        if self.level.adapting_threshold() {
            c.potential_decay_rate = exp.exp(-self.g * h / self.c_m);
            c.theta_voltage_decay_rate_inverse = one / exp.exp(self.th_voltage_decay * h);
            c.phi = self.th_voltage_index / (self.th_voltage_decay - self.g / self.c_m);
            c.abpara_ratio_voltage = self.th_voltage_index / self.th_voltage_decay;
        }
        c.tau_m = self.c_m / self.g;
        c.p33 = exp.exp(-h / c.tau_m);
        c.p30 = one / self.c_m * (one - c.p33) * c.tau_m;
        let steps = res
            .steps_ceil(self.t_ref.to_f64())
            .ok_or(NestError::NotFinite("t_ref"))?;
        c.refractory_counts = u32::try_from(steps).map_err(|_| NestError::TooLong("t_ref"))?;
        for (x, name) in [
            (c.theta_spike_decay_rate, "th_spike_decay"),
            (c.theta_spike_refractory_decay_rate, "th_spike_decay"),
            (c.potential_decay_rate, "g"),
            (c.theta_voltage_decay_rate_inverse, "th_voltage_decay"),
            (c.phi, "th_voltage_index"),
            (c.p33, "C_m"),
            (c.p30, "C_m"),
        ] {
            finite(x, name).map_err(|_| NestError::DerivedNotFinite(name))?;
        }
        for a in 0..A {
            finite(c.asc_stable_coeff[a], "asc_decay")
                .map_err(|_| NestError::DerivedNotFinite("asc_decay"))?;
            finite(c.asc_refractory_decay_rates[a], "asc_decay")
                .map_err(|_| NestError::DerivedNotFinite("asc_decay"))?;
        }
        Ok(c)
    }
}

/// The state NEST's GLIF models share (`State_`), potentials relative to `E_L`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlifState<F, const A: usize> {
    /// `U = V_m - E_L`, mV.
    pub u: F,
    /// Total threshold relative to `E_L`, mV.
    pub threshold: F,
    /// `threshold_spike`, mV.
    pub threshold_spike: F,
    /// `threshold_voltage`, mV.
    pub threshold_voltage: F,
    /// `I`: injected current in effect this step, pA.
    pub i: F,
    /// `ASCurrents`, pA.
    pub asc: [F; A],
    /// `ASCurrents_sum`: mean after-spike current of the last integrated step, pA.
    pub asc_sum: F,
    /// Steps of refractoriness left.
    pub refractory_steps: u32,
}

impl<F: Float, const A: usize> GlifState<F, A> {
    pub(crate) fn new(p: &GlifParams<F, A>, init: &GlifInit<F, A>) -> Self {
        GlifState {
            u: init.u,
            threshold: p.th_inf,
            threshold_spike: init.threshold_spike,
            threshold_voltage: init.threshold_voltage,
            i: F::ZERO,
            asc: init.asc,
            // NEST's State_ constructor sums its default asc_init (zeros) here;
            // setting ASCurrents later does not touch the sum.
            asc_sum: F::ZERO,
            refractory_steps: 0,
        }
    }

    /// One step up to the spike test and reset; `syn` adds the synaptic
    /// terms to `U` in NEST's order and returns `I_syn`. Returns whether the
    /// neuron spiked. `I_syn` is left unchanged while refractory.
    #[inline(always)]
    pub(crate) fn advance(
        &mut self,
        p: &GlifParams<F, A>,
        c: &GlifConsts<F, A>,
        i_syn: &mut F,
        syn: impl FnOnce(&mut F) -> F,
    ) -> bool {
        let v_old = self.u;
        if self.refractory_steps != 0 {
            self.hold_refractory(p, v_old);
            return false;
        }
        self.integrate(p, c, i_syn, syn);
        if self.u > self.threshold {
            self.spike(p, c, v_old);
            return true;
        }
        false
    }

    /// The not-refractory part of a step before the spike test: threshold
    /// spike component, after-spike currents, `U` (from its pre-step value,
    /// then `syn`), GLIF5's voltage component, the total threshold. Only
    /// `+ - * /`, so it runs lane by lane on [`crate::Lanes`] too (the
    /// population engine), computing exactly what one neuron computes.
    #[inline(always)]
    pub(crate) fn integrate(
        &mut self,
        p: &GlifParams<F, A>,
        c: &GlifConsts<F, A>,
        i_syn: &mut F,
        syn: impl FnOnce(&mut F) -> F,
    ) {
        self.integrate_at(p.level, p, c, i_syn, syn);
    }

    /// [`GlifState::integrate`] at `level` (`p.level`; the population
    /// engine passes it as a constant, so the switch tests fold away).
    #[inline(always)]
    pub(crate) fn integrate_at(
        &mut self,
        level: Level,
        p: &GlifParams<F, A>,
        c: &GlifConsts<F, A>,
        i_syn: &mut F,
        syn: impl FnOnce(&mut F) -> F,
    ) {
        let v_old = self.u;
        self.decay_spike_threshold_and_asc(level, c);
        self.u = v_old * c.p33 + (self.i + self.asc_sum) * c.p30;
        *i_syn = syn(&mut self.u);
        self.adapt_threshold(level, p, c, v_old);
    }

    /// A refractory step: one step less to wait, `U` held at `v_old`, the
    /// total threshold recomputed from its components.
    #[inline(always)]
    pub(crate) fn hold_refractory(&mut self, p: &GlifParams<F, A>, v_old: F) {
        self.refractory_steps -= 1;
        self.u = v_old;
        self.threshold = self.threshold_spike + self.threshold_voltage + p.th_inf;
    }

    /// The start of a not-refractory step's threshold and current update:
    /// the spike component decays (levels 2, 4, 5); the after-spike currents
    /// give their exact mean over the step (`ASCurrents_sum`) and decay
    /// (levels 3, 4, 5). `level` is `p.level` (a constant in the population
    /// engine).
    #[inline(always)]
    pub(crate) fn decay_spike_threshold_and_asc(&mut self, level: Level, c: &GlifConsts<F, A>) {
        if level.spike_dependent_threshold() {
            self.threshold_spike = self.threshold_spike * c.theta_spike_decay_rate;
        }
        self.asc_sum = F::ZERO;
        if level.after_spike_currents() {
            for a in 0..A {
                self.asc_sum = self.asc_sum + c.asc_stable_coeff[a] * self.asc[a];
                self.asc[a] = self.asc[a] * c.asc_decay_rates[a];
            }
        }
    }

    /// The end of a not-refractory step's threshold update: GLIF5's voltage
    /// component advances exactly from the pre-step `v_old` (with `I` and
    /// `ASCurrents_sum` of this step), then the total threshold.
    #[inline(always)]
    pub(crate) fn adapt_threshold(
        &mut self,
        level: Level,
        p: &GlifParams<F, A>,
        c: &GlifConsts<F, A>,
        v_old: F,
    ) {
        if level.adapting_threshold() {
            let beta = (self.i + self.asc_sum) / p.g;
            self.threshold_voltage = c.phi * (v_old - beta) * c.potential_decay_rate
                + c.theta_voltage_decay_rate_inverse
                    * (self.threshold_voltage
                        - c.phi * (v_old - beta)
                        - c.abpara_ratio_voltage * beta)
                + c.abpara_ratio_voltage * beta;
        }
        self.threshold = self.threshold_spike + self.threshold_voltage + p.th_inf;
    }

    /// A spike at the end of this step: refractory for `refractory_counts`
    /// steps, after-spike currents reset, `U` reset (from the pre-step
    /// `v_old` for levels 2, 4, 5) and the threshold's spike component jumps.
    #[inline(always)]
    pub(crate) fn spike(&mut self, p: &GlifParams<F, A>, c: &GlifConsts<F, A>, v_old: F) {
        let level = p.level;
        self.refractory_steps = c.refractory_counts;
        if level.after_spike_currents() {
            for a in 0..A {
                self.asc[a] = p.asc_amps[a] + self.asc[a] * c.asc_refractory_decay_rates[a];
            }
        }
        if !level.spike_dependent_threshold() {
            self.u = p.v_reset;
        } else {
            self.u = p.voltage_reset_fraction * v_old + p.voltage_reset_add;
            self.threshold_spike =
                self.threshold_spike * c.theta_spike_refractory_decay_rate + p.th_spike_add;
            self.threshold = self.threshold_spike + self.threshold_voltage + p.th_inf;
        }
    }
}

/// One sample of the recordables the three models share, as NEST's
/// multimeter reports them (potentials absolute, mV; currents pA).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GlifSample<F> {
    /// `V_m` = `U + E_L`, mV.
    pub v_m: F,
    /// `I`, pA.
    pub i: F,
    /// `ASCurrents_sum`, pA.
    pub asc_sum: F,
    /// `threshold` = total threshold + `E_L`, mV.
    pub threshold: F,
    /// `threshold_spike`, mV.
    pub threshold_spike: F,
    /// `threshold_voltage`, mV.
    pub threshold_voltage: F,
}

impl<F: Float, const A: usize> GlifState<F, A> {
    pub(crate) fn sample(&self, p: &GlifParams<F, A>) -> GlifSample<F> {
        GlifSample {
            v_m: self.u + p.e_l,
            i: self.i,
            asc_sum: self.asc_sum,
            threshold: self.threshold + p.e_l,
            threshold_spike: self.threshold_spike,
            threshold_voltage: self.threshold_voltage,
        }
    }
}
