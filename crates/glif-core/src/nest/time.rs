//! NEST's time grid: integer tics (1000 per ms), a resolution of a whole
//! number of tics, and the conversions NEST's `Time` class makes.

/// Tics per millisecond in NEST's default build (`Time::Range::TICS_PER_MS`).
pub const TICS_PER_MS: i64 = 1000;

/// A simulation resolution `h` as NEST holds it: a whole number of tics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolution {
    tics_per_step: i64,
}

impl Resolution {
    /// The resolution for `ms` milliseconds, rounded to tics as NEST's
    /// `set_resolution` does (`dround(1000 * ms)`); `None` unless it is at
    /// least one tic and `ms` is finite.
    pub fn from_ms(ms: f64) -> Option<Self> {
        if !ms.is_finite() || ms <= 0.0 || ms > 1.0e9 {
            return None;
        }
        let t = libm::round(TICS_PER_MS as f64 * ms) as i64;
        if t < 1 {
            return None;
        }
        Some(Resolution { tics_per_step: t })
    }

    /// Tics per step.
    pub const fn tics_per_step(self) -> i64 {
        self.tics_per_step
    }

    /// `h` in ms, as `Time::get_resolution().get_ms()` computes it:
    /// `MS_PER_TIC * tics` with `MS_PER_TIC = 1 / 1000.0`.
    pub fn h_ms(self) -> f64 {
        (1.0 / TICS_PER_MS as f64) * self.tics_per_step as f64
    }

    /// The time in ms NEST reports for the end of step `k` (multimeter
    /// samples and spike times): `MS_PER_TIC * (k * tics_per_step)`. It can
    /// differ in the last bit from `k * h`.
    pub fn time_of_step(self, k: i64) -> f64 {
        (1.0 / TICS_PER_MS as f64) * (k.saturating_mul(self.tics_per_step)) as f64
    }

    /// `Time(Time::ms(t)).get_steps()`: `t` rounded to tics
    /// (`(long)(t * 1000 + 0.5)`), then rounded up to whole steps. Used for
    /// the refractory count `t_ref`. `None` for a non-finite or negative `t`
    /// or one beyond about 10^12 ms.
    pub fn steps_ceil(self, t_ms: f64) -> Option<i64> {
        if !t_ms.is_finite() || !(0.0..1.0e12).contains(&t_ms) {
            return None;
        }
        let tics = (t_ms * TICS_PER_MS as f64 + 0.5) as i64;
        let inv = 1.0 / self.tics_per_step as f64;
        Some(((tics + self.tics_per_step - 1) as f64 * inv) as i64)
    }

    /// The step whose end is at `t_ms` on this grid (`t` rounded to tics),
    /// or `None` when `t_ms` is not on the grid, negative or not finite.
    pub fn step_at(self, t_ms: f64) -> Option<i64> {
        if !t_ms.is_finite() || !(0.0..1.0e12).contains(&t_ms) {
            return None;
        }
        let tics = (t_ms * TICS_PER_MS as f64 + 0.5) as i64;
        if tics % self.tics_per_step != 0 {
            return None;
        }
        Some(tics / self.tics_per_step)
    }
}
