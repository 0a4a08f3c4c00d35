//! The noise statistics the optimizer's error function needs, as AllenSDK's
//! `MLIN.MLIN` computes them from the largest subthreshold long square:
//! from 0.5 s after the square starts to its end, the voltage minus its
//! mean; its variance (V^2), `sv = std / sqrt(2)` (V, the scale of the
//! Laplace distribution the error function uses), and `tau_from_AC` (s),
//! the time constant of an exponential `amp exp(-t / tau)` fitted by least
//! squares to the autocorrelation of that voltage, starting from
//! `amp = AC[0]`, `tau = R C`, by scipy's `curve_fit` path ([`crate::minpack`]).

use crate::minpack::curve_fit;
use crate::stats;
use crate::FitError;

/// The square stimulus of a trace (`get_square_stim_characteristics(i, t,
/// no_test_pulse=True)`): the first rise and first fall of `current`; for a
/// positive square it starts one sample after the first rise and ends one
/// sample after the first fall, for a negative one the other way round.
/// Returns `(start_idx, end_idx)`.
pub fn square_stimulus_window(current: &[f64]) -> Result<(usize, usize), FitError> {
    let up = (0..current.len().saturating_sub(1)).find(|&k| current[k + 1] - current[k] > 0.0);
    let down = (0..current.len().saturating_sub(1)).find(|&k| current[k + 1] - current[k] < 0.0);
    match (up, down) {
        (Some(u), Some(d)) if u < d => Ok((u + 1, d + 1)),
        (Some(u), Some(d)) => Ok((d + 1, u + 1)),
        _ => Err(FitError::undetermined(
            "square stimulus",
            "the current has no rise and fall: a long square sweep must contain one square pulse",
        )),
    }
}

/// `MLIN.autocorr(x)`: `AC[k] = sum_i x[i] x[i + k]` for lags `k = 0 ..
/// len - 1` (the second half of `np.correlate(x, x, "full")`), each a
/// sequential sum over `i` from `-0.0`.
///
/// Computed row by row: sample `i` adds `x[i + k] x[i]` to every lag `k`
/// at once, so each lag still adds its terms in the order of `i` (the same
/// bits as one lag at a time, which a unit test compares) while the lags
/// are independent lanes for the vector unit.
pub fn autocorrelation(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut ac = vec![-0.0f64; n];
    for (i, &xi) in x.iter().enumerate() {
        for (a, &w) in ac[..n - i].iter_mut().zip(&x[i..]) {
            *a += w * xi;
        }
    }
    ac
}

/// `sum_i x[i + k] x[i]` in order from `-0.0`.
#[cfg(test)]
fn lag_sum(x: &[f64], k: usize) -> f64 {
    let n = x.len();
    x[k..].iter().zip(&x[..n - k]).map(|(a, b)| a * b).sum()
}

/// What `MLIN` returns, and the fitted amplitude.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseStats {
    /// Variance of the mean-subtracted voltage, V^2 (`var_of_section`).
    pub variance: f64,
    /// `std / sqrt(2)`, V (`sv_for_expsymm`).
    pub sv: f64,
    /// Time constant of the autocorrelation, s (`tau_from_AC`).
    pub tau_from_ac: f64,
    /// Fitted amplitude of the autocorrelation, V^2 (not returned by
    /// AllenSDK; for plots).
    pub ac_amplitude: f64,
}

/// `MLIN(voltage, current, res, cap, dt)`: `voltage` (V) and `current` (A)
/// sampled every `dt` seconds, starting at the stimulus (test pulse cut
/// off); `res` (ohm) and `cap` (F) give the fit's starting time constant.
pub fn mlin(
    voltage: &[f64],
    current: &[f64],
    res: f64,
    cap: f64,
    dt: f64,
) -> Result<NoiseStats, FitError> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
    }
    if voltage.len() != current.len() {
        return Err(FitError::invalid(
            "current samples",
            current.len() as f64,
            &format!("as many as the voltage's {}", voltage.len()),
        ));
    }
    let (start, end) = square_stimulus_window(current)?;
    let from = start + (0.5 / dt) as usize;
    if from + 3 > end {
        return Err(FitError::undetermined(
            "noise statistics",
            &format!(
                "the long square lasts {:.3} s; more than 0.5 s is needed (the statistics start 0.5 s after its onset)",
                (end - start) as f64 * dt
            ),
        ));
    }
    let section = &voltage[from..end];
    if let Some(i) = section.iter().position(|v| !v.is_finite()) {
        return Err(FitError::NotFinite {
            what: "long square voltage".into(),
            index: from + i,
            value: section[i],
        });
    }
    let m = stats::mean(section);
    let centred: Vec<f64> = section.iter().map(|v| v - m).collect();
    let variance = stats::var(&centred);
    let sv = stats::std(&centred) / 2f64.sqrt();
    let m2 = stats::mean(&centred);
    let twice: Vec<f64> = centred.iter().map(|v| v - m2).collect();
    let ac = autocorrelation(&twice);
    let times: Vec<f64> = (0..ac.len()).map(|k| k as f64 * dt).collect();
    let fit = curve_fit(
        |p, out| {
            for (o, t) in out.iter_mut().zip(&times) {
                *o = p[0] * (-t / p[1]).exp();
            }
        },
        &ac,
        &[ac[0], res * cap],
        "autocorrelation time constant",
    )?;
    Ok(NoiseStats {
        variance,
        sv,
        tau_from_ac: fit.x[1],
        ac_amplitude: fit.x[0],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_lags_side_by_side_equal_one_lag_at_a_time_bit_for_bit() {
        let mut state = 3u64;
        for n in [0, 1, 7, 8, 9, 16, 17, 100, 1001] {
            let x: Vec<f64> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
                })
                .collect();
            let by_lag: Vec<u64> = (0..n).map(|k| lag_sum(&x, k).to_bits()).collect();
            let got: Vec<u64> = autocorrelation(&x).iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, by_lag, "n {n}");
        }
    }
}
