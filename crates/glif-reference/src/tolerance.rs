//! The one tolerance table of the reference checks, and the comparison that
//! applies it (glif-core's and glif-io's reference tests and
//! `cargo xtask verify` all call [`compare`]).
//!
//! With numpy's exponentials (the values AllenSDK itself used, recorded in
//! `reference/numpy-exp.json`) every output must be **bit-identical**: that
//! proves everything but `exp` is computed exactly as AllenSDK computes it.
//! There is no table for that: the bound is 0 everywhere.
//!
//! With libm's exponentials (the default, and what firmware computes), the
//! only difference from AllenSDK is `exp` itself: numpy 1.23's AVX-512 exp
//! is one ulp from the C library's for 485 of the 1,100 arguments these
//! models use. A decay factor one ulp off compounds over up to 240,000 steps
//! and dozens of resets. Ulps are the wrong yardstick for that (traces cross
//! 0, where an ulp is tiny), so the bounds are in epsilons (2^-52) of the
//! largest magnitude of AllenSDK's values for that output in that case.
//! Spike steps are compared exactly, with no tolerance, in both runs.

/// Which exponential a run used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpSource {
    /// numpy's, from `reference/numpy-exp.json`: bit-identical required.
    Numpy,
    /// libm's (glif-core's default): within [`LIBM_TOLERANCES`].
    Libm,
}

/// One output's bound for runs with libm's exp.
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    /// The output's name, as in the case files.
    pub output: &'static str,
    /// Allowed |ours - AllenSDK's|, in epsilons (2^-52) of the largest
    /// magnitude of AllenSDK's values of this output in the case.
    pub libm_eps: f64,
    /// The worst case measured over the whole reference set (all 242 cases,
    /// `cargo xtask verify` on 2026-11-30), in the same unit; `cargo xtask
    /// verify` prints the current worst per output beside this table.
    pub measured_eps: f64,
    /// Why a difference this large is expected.
    pub reason: &'static str,
}

const CROSSING: &str = "the crossing of voltage and threshold (linear interpolation between \
    two samples) inherits the threshold's and the voltage's differences, divided by their \
    slope difference";

/// The bounds with libm's exp, one entry per output.
pub const LIBM_TOLERANCES: &[Tolerance] = &[
    Tolerance {
        output: "voltage",
        libm_eps: 16384.0,
        // 5757 since 2026-12-07: the 40 linear_exact combinations compared
        // with AllenSDK's own linear_exact (2.8e-14 V); before, 4488.
        measured_eps: 5757.0,
        reason: "1-ulp exp differences in the current and threshold decay factors, \
            compounded over up to 240,000 steps and dozens of resets",
    },
    Tolerance {
        output: "AScurrents",
        libm_eps: 16384.0,
        measured_eps: 2722.0,
        reason: "1-ulp exp differences in exp(-k*dt), compounded over the run and the \
            resets that add to the decayed current",
    },
    Tolerance {
        output: "threshold",
        libm_eps: 1048576.0,
        measured_eps: 278137.0,
        reason: "three_components_exact multiplies exp(-g*dt/C) by phi = a/(b - g/C), and its \
            voltage component is a small difference of terms ~1000x larger; with \
            b - g/C = 0.098 1/s (bmtk fixture, phi = 95) a 1-ulp exp difference grows to \
            ~2.8e5 eps (about 6e-11 relative)",
    },
    Tolerance {
        output: "grid_spike_times",
        libm_eps: 0.0,
        measured_eps: 0.0,
        reason: "step*dt uses no exp, and spike steps are identical",
    },
    Tolerance {
        output: "interpolated_spike_times",
        libm_eps: 1048576.0,
        measured_eps: 175285.0,
        reason: CROSSING,
    },
    Tolerance {
        output: "interpolated_spike_voltage",
        libm_eps: 1048576.0,
        measured_eps: 255972.0,
        reason: CROSSING,
    },
    Tolerance {
        output: "interpolated_spike_threshold",
        libm_eps: 1048576.0,
        measured_eps: 257477.0,
        reason: CROSSING,
    },
];

/// Relative bound (of the trace's largest magnitude) on the mean of a whole
/// trace against the case's stored summary. Reason: numpy sums pairwise,
/// we sum left to right; the two differ by at most about n*eps of the sum of
/// magnitudes, and 1e-9 covers n = 240,000 (n*eps = 5.3e-11) with margin.
pub const MEAN_RELATIVE: f64 = 1e-9;

/// The entry of `output`; every output the reference cases hold has one.
pub fn libm_tolerance(output: &str) -> Result<&'static Tolerance, String> {
    LIBM_TOLERANCES
        .iter()
        .find(|t| t.output == output)
        .ok_or_else(|| format!("no tolerance for output {output:?}"))
}

/// The allowed difference of `output` for runs with `exp`, in epsilons of
/// the scale (0 with numpy's exp).
pub fn allowed_eps(exp: ExpSource, output: &str) -> Result<f64, String> {
    match exp {
        ExpSource::Numpy => Ok(0.0),
        ExpSource::Libm => libm_tolerance(output).map(|t| t.libm_eps),
    }
}

/// The worst difference found in one comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Worst {
    /// In units in the last place.
    pub ulps: u64,
    /// In epsilons (2^-52) of the scale.
    pub eps: f64,
}

impl Worst {
    /// The larger of the two in each unit.
    pub fn merge(&mut self, other: Worst) {
        self.ulps = self.ulps.max(other.ulps);
        self.eps = self.eps.max(other.eps);
    }
}

/// Compares our values of `output` with AllenSDK's, element by element:
/// lengths must be equal, NaN must face NaN, and every difference must be
/// within [`allowed_eps`] of the largest magnitude of AllenSDK's values.
/// Returns the worst difference, or a message naming the first offender.
pub fn compare(
    exp: ExpSource,
    output: &str,
    ours: &[f64],
    theirs: &[f64],
) -> Result<Worst, String> {
    if ours.len() != theirs.len() {
        return Err(format!(
            "{output}: {} values, AllenSDK {}",
            ours.len(),
            theirs.len()
        ));
    }
    let allowed = allowed_eps(exp, output)?;
    let scale = theirs
        .iter()
        .filter(|x| !x.is_nan())
        .fold(0.0f64, |m, x| m.max(x.abs()));
    let mut worst = Worst::default();
    for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
        let d = ulps(a, b);
        if d == 0 {
            continue;
        }
        if d == u64::MAX {
            return Err(format!(
                "{output}[{i}]: NaN position differs (ours {a}, AllenSDK {b})"
            ));
        }
        let eps = (a - b).abs() / (scale * f64::EPSILON);
        worst.merge(Worst { ulps: d, eps });
        if eps.is_nan() || eps > allowed {
            return Err(format!(
                "{output}[{i}]: ours {a:e}, AllenSDK {b:e}: {d} ulp, {eps:.1} eps of the scale \
                 {scale:e}; allowed {allowed} eps{}",
                match exp {
                    ExpSource::Numpy => " (numpy's exp: bit-identical)".to_string(),
                    ExpSource::Libm => format!(" ({})", libm_tolerance(output)?.reason),
                }
            ));
        }
    }
    Ok(worst)
}

/// Whether one summary value (a trace's min or max) is within the output's
/// bound, relative to `scale` (the trace's largest magnitude).
pub fn close(
    exp: ExpSource,
    output: &str,
    ours: f64,
    theirs: f64,
    scale: f64,
) -> Result<bool, String> {
    let allowed = allowed_eps(exp, output)?;
    Ok(ulps(ours, theirs) == 0 || (ours - theirs).abs() <= allowed * f64::EPSILON * scale)
}

/// Checks one full trace against AllenSDK's summary of it (`summary`:
/// `n_nan`, `min`, `max`, `mean`): the NaN count exactly, min and max
/// within `output`'s bound ([`close`]), the mean up to summation order
/// ([`MEAN_RELATIVE`]: numpy sums pairwise, we sum left to right). `name`
/// labels the problems it appends.
pub fn check_summary(
    exp: ExpSource,
    name: &str,
    output: &str,
    xs: &[f64],
    summary: &serde_json::Value,
    problems: &mut Vec<String>,
) {
    let finite: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    let n_nan = (xs.len() - finite.len()) as u64;
    if Some(n_nan) != summary["n_nan"].as_u64() {
        problems.push(format!(
            "summary {name}: {n_nan} NaN, AllenSDK {}",
            summary["n_nan"]
        ));
    }
    if finite.is_empty() {
        return;
    }
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    let scale = min.abs().max(max.abs());
    let close = |x: f64, y: f64| close(exp, output, x, y, scale).unwrap_or(false);
    for (what, ours, theirs) in [
        ("min", min, summary["min"].as_f64()),
        ("max", max, summary["max"].as_f64()),
    ] {
        if !theirs.is_some_and(|y| close(ours, y)) {
            problems.push(format!(
                "summary {name}: {what} {ours:e}, AllenSDK {theirs:?}"
            ));
        }
    }
    let their_mean = summary["mean"].as_f64().unwrap_or(f64::NAN);
    let mean_ok = (mean - their_mean).abs() <= MEAN_RELATIVE * scale;
    if !mean_ok {
        problems.push(format!(
            "summary {name}: mean {mean:e}, AllenSDK {their_mean:e}"
        ));
    }
}

/// Checks where the voltage trace stopped against the case's
/// `last_non_nan_index` (when it has one), appending a problem if not.
pub fn check_last_sample(case: &serde_json::Value, voltage: &[f64], problems: &mut Vec<String>) {
    if let Some(last) = case["last_non_nan_index"].as_u64() {
        let ours = voltage.iter().rposition(|v| !v.is_nan()).map(|i| i as u64);
        if ours != Some(last) {
            problems.push(format!("last non-NaN sample {ours:?}, AllenSDK {last}"));
        }
    }
}

/// Distance in units in the last place between two f64 (0 for equal values
/// and for two NaNs; `u64::MAX` when exactly one is NaN).
pub fn ulps(a: f64, b: f64) -> u64 {
    if a.is_nan() || b.is_nan() {
        return if a.is_nan() && b.is_nan() {
            0
        } else {
            u64::MAX
        };
    }
    if a == b {
        return 0;
    }
    let key = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 {
            i64::MIN - bits
        } else {
            bits
        }
    };
    key(a).abs_diff(key(b))
}

// ---------------------------------------------------------------------------
// Fitting (glif-fit) against AllenSDK's pipeline and its oracles. Each bound
// with its reason; the tests and `cargo xtask verify-fit` print the worst
// case measured beside it.

/// Closed-form stages (filtering, subsampling, statistics), relative: the
/// issue's bound. Measured: filtfilt 5.7e-13 (the Bessel poles come from
/// another root finder than scipy's, a few ulp in the coefficients);
/// subsampling bit for bit.
pub const FIT_CLOSED_FORM_REL: f64 = 1e-9;

/// R, C and El against AllenSDK's `least_squares_RCEl_calc_tested`,
/// relative. AllenSDK solves the regression with `np.linalg.lstsq` on raw
/// columns (volts near -0.07, amperes near 1e-10, ones): nearly collinear
/// and badly scaled, and R = -b / (a - 1) amplifies the error in `a` by
/// 1 / (1 - a), about 400 at dt = 50 us. Its own rounding error, measured
/// against an extended-precision solution, is up to 6.9e-7 relative (R on
/// a sweep with 1 mV of recording noise, glif-fit tests/rc.rs); glif-fit's
/// centred, scaled QR is within 1.2e-12 of that solution. The bound is
/// AllenSDK's measured error with a factor of about 7 of margin.
pub const FIT_RCEL_VS_ALLENSDK_REL: f64 = 5e-6;

/// Iterative fits (Levenberg-Marquardt, Nelder-Mead on a different
/// objective evaluation order), relative: the bound.
pub const FIT_ITERATIVE_REL: f64 = 1e-6;

/// A whole cell's preprocessing (glif-fit tests/preprocess.rs) against
/// AllenSDK's `preprocess_neuron`, relative, for every real-valued result.
/// The stages agree far more closely on the same inputs, but differences
/// propagate: the filtered voltages differ from scipy's by up to 6e-13, R
/// and C by AllenSDK's own lstsq rounding (up to 7e-7), and fits that stop
/// at a tolerance (scipy's `fmin` stops at xtol = 1e-4) turn such input
/// differences into larger output differences. Measured on the synthetic
/// cell: 1.6e-6 (a_voltage); integers (spike indices, cut length, sweep
/// numbers) identical.
pub const FIT_PREPROCESS_END_TO_END_REL: f64 = 5e-6;

/// The threshold's spike component (a_spike, b_spike) when AllenSDK's own
/// fit of the short-square triple is degenerate (a_spike above 1 V; `cargo
/// xtask verify-fit` detects it from AllenSDK's values), relative. The
/// forced fit a * exp(-b * t) of the second spike's threshold then runs
/// along a flat valley where only the curve over the measured intervals is
/// determined, not a and b apart: a change of ln a by b's change times t
/// leaves the curve at t unchanged. Measured on the `noisybaseline` cell
/// (amplitude 2.9e7 V, 0.2 ms time constant): a_spike 4.8e-2 and b_spike
/// 2.0e-3 relative, and ln(a'/a) / (b' - b) = 4.6 ms, so the two fits give
/// the same threshold curve 4.6 ms after the first spike; at the triple's
/// shortest interval (7.5 ms between pulse onsets) both curves are about
/// 8e-10 V and differ by 2.4e-11 V, so as a model of the cell they agree.
/// Inputs that differ by 6e-13 (filtfilt) move the end point this far; the
/// healthy fits of the other four cells agree within 1.6e-6. Bound: about
/// twice the measured worst case.
pub const FIT_DEGENERATE_TRIPLE_REL: f64 = 0.1;

/// Explained variance of spike times (glif-fit `ev`) against the Teeter et
/// al. 2018 code's arithmetic (scipy's `fftconvolve`, numpy's means and
/// variances) on the same spike trains, relative, for the data's EV, the
/// model's EV and their ratio: the bound. glif-fit adds the
/// kernel at each spike instead of going through the FFT, whose round-off
/// (a few 1e-16 of the kernel's peak per sample) is the only difference.
/// Measured: 4.8e-16 on eleven generated cases (glif-fit tests/ev.rs:
/// 236,000-sample trains, shortened kernels, empty trains) and 1.3e-15 on
/// the 20 values sets of reference/fit's optimizer.json.
pub const FIT_EV_REL: f64 = 1e-12;

/// The best `th_inf` coefficient of glif-fit's `run_many(seed)` against
/// AllenSDK's `GlifOptimizer.run_many(seed=S)` on the same starting config
/// and Noise 1 (reference/fit's `run_many_*.json`), relative: the issue's
/// bound. Every evaluation on the way (coefficient, `dt_multiplier`, MLIN)
/// is required bit for bit, so the path is AllenSDK's; this bound is only
/// what the issue promises of the result. Measured: 0 (bit for bit) on
/// every committed record (glif-fit tests/forced.rs prints the worst).
pub const FIT_RUN_MANY_BEST_REL: f64 = 1e-12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_a_reason_and_holds_its_measured_worst() {
        for t in LIBM_TOLERANCES {
            assert!(!t.reason.is_empty(), "{}", t.output);
            assert!(t.measured_eps <= t.libm_eps, "{}", t.output);
        }
    }

    #[test]
    fn compare_catches_lengths_nan_and_excess() {
        assert!(compare(ExpSource::Numpy, "voltage", &[1.0], &[1.0, 2.0]).is_err());
        assert!(compare(ExpSource::Numpy, "voltage", &[f64::NAN], &[1.0]).is_err());
        let next = f64::from_bits(1.0f64.to_bits() + 1);
        assert!(compare(ExpSource::Numpy, "voltage", &[next], &[1.0]).is_err());
        let w = compare(ExpSource::Libm, "voltage", &[next], &[1.0]).unwrap();
        assert_eq!((w.ulps, w.eps), (1, 1.0));
        assert!(compare(ExpSource::Libm, "grid_spike_times", &[next], &[1.0]).is_err());
        assert!(compare(ExpSource::Libm, "nonsense", &[1.0], &[1.0]).is_err());
    }

    #[test]
    fn ulps_counts_across_zero() {
        assert_eq!(ulps(0.0, -0.0), 0);
        assert_eq!(ulps(f64::from_bits(1), -f64::from_bits(1)), 2);
        assert_eq!(ulps(f64::NAN, 1.0), u64::MAX);
    }
}
