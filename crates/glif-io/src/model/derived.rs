//! What a config implies without running it: the membrane time constant,
//! the rheobase for DC input, the forward-Euler step ratio and its warning,
//! and the names of the published levels. Every front end (the `glif`
//! command, xtask, the benchmarks) asks here instead of spelling out a
//! formula.
//!
//! Symbols as in AllenSDK's `GlifNeuron`: `G = 1/R_input` (S), `C` (F),
//! `El`, `th_inf` (V), and the fitted multipliers `coeffs`.

use super::config::NeuronConfig;
use super::rules::PUBLISHED_LEVELS;

/// Short names of the five published levels (Teeter et al. 2018), GLIF1
/// first, from the rule table's [`PUBLISHED_LEVELS`].
pub const LEVEL_NAMES: [&str; 5] = {
    let mut names = [""; 5];
    let mut i = 0;
    while i < 5 {
        names[i] = PUBLISHED_LEVELS[i].name;
        i += 1;
    }
    names
};

/// `"GLIF1"`..`"GLIF5"` for a published level, `"custom"` for any other
/// rule combination (the `level` column of `glif batch`).
pub fn level_label(level: Option<u8>) -> String {
    match level {
        Some(l) => format!("GLIF{l}"),
        None => "custom".into(),
    }
}

/// `"GLIF5 (LIF-R-ASC-A)"` for a published level, else
/// `"custom rule combination (not one of the five published levels)"`.
pub fn level_description(level: Option<u8>) -> String {
    match level.and_then(|l| Some((l, *LEVEL_NAMES.get(usize::from(l).checked_sub(1)?)?))) {
        Some((l, name)) => format!("GLIF{l} ({name})"),
        None => "custom rule combination (not one of the five published levels)".into(),
    }
}

impl NeuronConfig {
    /// The membrane time constant `tau_m = R_input * C` (s), as the file
    /// states it (without `coeffs`).
    pub fn tau_m(&self) -> f64 {
        self.r_input * self.c
    }

    /// The effective conductance `G * coeffs.G = (1/R_input) * coeffs.G` (S).
    pub fn conductance(&self) -> f64 {
        (1.0 / self.r_input) * self.coeffs.g
    }

    /// The effective capacitance `C * coeffs.C` (F).
    pub fn capacitance(&self) -> f64 {
        self.c * self.coeffs.c
    }

    /// The effective threshold at rest `th_inf * coeffs.th_inf` (V).
    pub fn threshold_at_rest(&self) -> f64 {
        self.th_inf * self.coeffs.th_inf
    }

    /// The rheobase of the leaky integrator (A):
    /// `(th_inf*coeffs.th_inf - El) * G*coeffs.G`, the DC current whose steady
    /// voltage `El + I/(G*coeffs.G)` reaches the threshold at rest. Ignores
    /// the threshold's voltage component.
    pub fn rheobase_lif(&self) -> f64 {
        (self.threshold_at_rest() - self.el) * self.conductance()
    }

    /// The ratio `a_voltage*coeffs.a / (b_voltage*coeffs.b)` of the threshold's
    /// voltage component under the dynamics that run one (the rule table's
    /// `voltage_component`: `three_components_exact`, GLIF5): the component
    /// settles at `ratio * (V - El)`. `None` for other dynamics.
    pub fn threshold_voltage_ratio(&self) -> Option<f64> {
        let (a_voltage, b_voltage) = self.methods.threshold.voltage_component()?;
        Some((a_voltage * self.coeffs.a) / (b_voltage * self.coeffs.b))
    }

    /// The rheobase for DC input with the threshold's voltage component (A):
    /// [`rheobase_lif`](Self::rheobase_lif) divided by `1 - ratio` (see
    /// [`threshold_voltage_ratio`](Self::threshold_voltage_ratio)) under
    /// `three_components_exact`, else the LIF rheobase. `None` when the ratio
    /// is 1 or more (or NaN): the threshold then rises at least as fast as the voltage
    /// and no DC current makes the model fire.
    pub fn rheobase(&self) -> Option<f64> {
        match self.threshold_voltage_ratio() {
            Some(ratio) if ratio < 1.0 => Some(self.rheobase_lif() / (1.0 - ratio)),
            Some(_) => None,
            None => Some(self.rheobase_lif()),
        }
    }

    /// The amplitude (A) of the default step stimulus: 1.5 x
    /// [`rheobase`](Self::rheobase), so that the model fires; `None` when it
    /// has no rheobase or it is not a finite positive current.
    pub fn default_step_amplitude(&self) -> Option<f64> {
        self.rheobase()
            .map(|r| 1.5 * r)
            .filter(|a| a.is_finite() && *a > 0.0)
    }

    /// The forward-Euler step ratio `dt * G*coeffs.G / (C*coeffs.C)`: the
    /// fraction of the way to rest the voltage moves in one step (Allen models
    /// at their 5 µs sampling interval: near 0.0003). At 1 or more the voltage
    /// overshoots rest every step; at 2 or more the update diverges. `None`
    /// for a rule that is not forward Euler (the rule table's
    /// `forward_euler`: `linear_exact` is exact at any `dt`).
    pub fn euler_step_ratio(&self) -> Option<f64> {
        self.methods
            .voltage
            .forward_euler()
            .then(|| self.dt * (1.0 / self.r_input) * self.coeffs.g / (self.c * self.coeffs.c))
    }

    /// A warning when [`euler_step_ratio`](Self::euler_step_ratio) is 1 or
    /// more (the step overshoots or diverges), naming the remedy.
    pub fn euler_warning(&self) -> Option<String> {
        let ratio = self.euler_step_ratio()?;
        let what = if ratio >= 2.0 {
            "forward Euler is unstable at this step and the voltage diverges"
        } else if ratio >= 1.0 {
            "forward Euler overshoots rest every step, which is not physiological"
        } else {
            return None;
        };
        Some(format!(
            "dt = {} s is {} x the effective membrane time constant ({} s): {what}; \
             use the stimulus sampling interval (5e-6 s for Allen data)",
            crate::base::sci(self.dt),
            crate::base::sci(ratio),
            crate::base::sci(self.tau_m())
        ))
    }
}
