//! After-spike currents as AllenSDK's `ASGLM.ASGLM_pairwise` fits them on
//! the Noise 1 sweeps.
//!
//! For each pair of rate constants from `k` (1/s; AllenSDK uses 3, 10, 30,
//! 100, 300), two exponential bases are built: at every sample, the sum over
//! earlier spikes (up to 8,000 samples back) of `exp(-k dt n) - 1e-20`, `n`
//! samples since the spike. The regression, per sweep and without
//! intercept, is
//!
//! `dV/dt - I/C = A1 b1/C + A2 b2/C - g (V - El)/tau`,
//!
//! over all samples except the `spike_cut_length` samples from each spike's
//! threshold, `dV/dt = (V[t+1] - V[t]) / dt`, `C` and `tau = R C` the least
//! squares estimates, `El` the resting potential. A Gaussian GLM with
//! identity link (statsmodels) is least squares; its log-likelihood is the
//! concentrated one, `-(n/2)(1 + ln(2 pi) + ln(RSS/n))`. The pair with the
//! largest mean log-likelihood over sweeps wins: its amplitudes `A1, A2`
//! (A, per sweep) and `R_ASC = tau / (g C)` (ohm, per sweep).
//!
//! AllenSDK quirk: statsmodels 0.14 refuses the link *class*
//! `links.identity` that ASGLM passes, every fit fails into its `except`,
//! and the pipeline then crashes on NaN log-likelihoods; the reference run
//! patches the link to `links.identity()` (an instance), which is what is
//! computed here (docs/DIFFERENCES.md).

use crate::linalg::{check_problem, column_norm, solve_three_sharing_first};
use crate::stats;
use crate::FitError;

/// The rate constants AllenSDK pairs, 1/s (`k_asc_possible`).
pub const K_ASC_POSSIBLE: [f64; 5] = [3.0, 10.0, 30.0, 100.0, 300.0];

/// Length of each exponential basis, samples (`nkt`).
pub const BASIS_LENGTH: usize = 8000;

/// The winning pair's fit.
#[derive(Clone, Debug, PartialEq)]
pub struct AscFit {
    /// The two rate constants, 1/s (`best_k_pair`); `asc_tau_array` is
    /// their inverse.
    pub k_pair: [f64; 2],
    /// Per sweep, the two current amplitudes, A (`best_asc_amp`).
    pub amplitudes: Vec<[f64; 2]>,
    /// Per sweep, R from the fit, ohm (`best_R`).
    pub r: Vec<f64>,
    /// Per sweep, the log-likelihood (`best_llh`).
    pub log_likelihood: Vec<f64>,
    /// Mean log-likelihood over sweeps of every pair, in AllenSDK's pair
    /// order (0-1, 0-2, 0-3, 0-4, 1-2, ..., 3-4 of [`K_ASC_POSSIBLE`]).
    pub mean_log_likelihood: Vec<f64>,
}

/// The exponential basis of one rate (`GLM.create_basis_IPSP` with
/// `flag_exp = 1`): per-sample rate `ks` (1/samples), spike indices `t0`;
/// written to `out` (`len` samples; its memory reused between calls).
fn basis(out: &mut Vec<f64>, len: usize, t0: &[usize], ks: f64) {
    let kernel: Vec<f64> = (0..BASIS_LENGTH)
        .map(|x| (-ks * x as f64).exp() - 1e-20)
        .collect();
    out.clear();
    out.resize(len, 0.0);
    for &s in t0 {
        for (n, o) in out.iter_mut().enumerate().skip(s).take(BASIS_LENGTH) {
            *o += kernel[n - s];
        }
    }
}

/// The Gaussian identity-link GLM's log-likelihood at the least-squares
/// fit (statsmodels' concentrated log-likelihood, scale = RSS / n).
pub fn gaussian_log_likelihood(residuals: &[f64]) -> f64 {
    log_likelihood_from_sum_sq(residuals.iter().map(|r| r * r).sum(), residuals.len())
}

/// [`gaussian_log_likelihood`] from the residuals' sum of squares (summed
/// in order) and their number.
fn log_likelihood_from_sum_sq(sum_sq: f64, n: usize) -> f64 {
    let n = n as f64;
    let scale = sum_sq / n;
    -n / 2.0 * (1.0 + (2.0 * core::f64::consts::PI).ln() + scale.ln())
}

/// For each `(p, c)` of `problems`, the sum over rows `n` of
/// `(y[n] - (p[0] c[0][n] + p[1] c[1][n] + p[2] c[2][n]))^2`, in row order
/// from `-0.0` as `Iterator::sum` adds. Five problems' sums run in one
/// pass over the rows, independent chains of additions side by side, so
/// each sum is the one summed alone.
fn residual_sums_of_squares(y: &[f64], problems: &[([f64; 3], [&[f64]; 3])]) -> Vec<f64> {
    const LANES: usize = 5;
    let m = y.len();
    let mut out = Vec::with_capacity(problems.len());
    for group in problems.chunks(LANES) {
        // Lanes past the group's end repeat its first problem, unused.
        let lane = |i: usize| &group[if i < group.len() { i } else { 0 }];
        let p: [[f64; 3]; LANES] = core::array::from_fn(|i| lane(i).0);
        let c: [[&[f64]; 3]; LANES] = core::array::from_fn(|i| lane(i).1.map(|col| &col[..m]));
        let mut acc = [-0.0f64; LANES];
        for n in 0..m {
            for i in 0..LANES {
                let r = y[n] - (p[i][0] * c[i][0][n] + p[i][1] * c[i][1][n] + p[i][2] * c[i][2][n]);
                acc[i] += r * r;
            }
        }
        out.extend_from_slice(&acc[..group.len()]);
    }
    out
}

/// `ASGLM_pairwise(ks, I, V, spike_ind, C, R C, spike_cut_length, dt, El)`:
/// currents (A), voltages (V) and spike threshold indices of each Noise 1
/// sweep, all sampled every `dt` s; `c` (F) and `tau` (s) from least
/// squares, `el` (V) the resting potential.
#[allow(clippy::too_many_arguments)]
pub fn asc_pairwise(
    ks: &[f64],
    currents: &[&[f64]],
    voltages: &[&[f64]],
    spike_indices: &[Vec<usize>],
    c: f64,
    tau: f64,
    spike_cut_length: usize,
    dt: f64,
    el: f64,
) -> Result<AscFit, FitError> {
    if currents.len() != voltages.len()
        || spike_indices.len() != voltages.len()
        || voltages.is_empty()
    {
        return Err(FitError::undetermined(
            "after-spike currents",
            &format!("{} current, {} voltage and {} spike lists: one of each per sweep, at least one sweep", currents.len(), voltages.len(), spike_indices.len()),
        ));
    }
    for (name, x) in [("C", c), ("tau", tau), ("dt", dt)] {
        if !(x > 0.0 && x.is_finite()) {
            return Err(FitError::invalid(name, x, "a positive finite number"));
        }
    }
    let f = 1e-3 / dt;
    let ks_filter: Vec<f64> = ks.iter().map(|k| 1.0 / (f * (1000.0 / k))).collect();
    let mut pairs = Vec::new();
    for a in 0..ks.len() {
        for b in a + 1..ks.len() {
            pairs.push((a, b));
        }
    }
    // Per sweep: kept rows and spikes (every sweep checked before any is
    // fitted; the regression data are built sweep by sweep, below).
    struct Sweep {
        keep: Vec<bool>,
        t0: Vec<usize>,
        len: usize,
    }
    let mut sweeps = Vec::with_capacity(voltages.len());
    for (s, ((i, v), idx)) in currents.iter().zip(voltages).zip(spike_indices).enumerate() {
        if i.len() != v.len() || v.len() < 3 {
            return Err(FitError::undetermined(
                "after-spike currents",
                &format!(
                    "sweep {s}: {} current and {} voltage samples",
                    i.len(),
                    v.len()
                ),
            ));
        }
        let tend = i.len();
        let t0: Vec<usize> = idx.iter().copied().filter(|&k| k > 0 && k < tend).collect();
        let mut keep = vec![true; tend - 1];
        for &t in &t0 {
            if t + spike_cut_length > tend - 1 {
                return Err(FitError::undetermined(
                    "after-spike currents",
                    &format!("sweep {s}: the spike at sample {t} is cut past the end of the sweep (AllenSDK fails here too)"),
                ));
            }
            keep[t..t + spike_cut_length].fill(false);
        }
        sweeps.push(Sweep {
            keep,
            t0,
            len: tend,
        });
    }
    // Per sweep, each rate's basis column is built, checked and scaled to
    // unit norm once and shared by the four pairs that use it; the pairs
    // are then solved on the shared columns. Each pair's numbers are those
    // of `lstsq` on its own three columns (the same operations on the same
    // values), and an error is reported for the first pair, sweep and
    // column at which `lstsq` would have stopped.
    type PairResult = Result<([f64; 2], f64, f64), FitError>;
    let what = |s: usize| format!("after-spike current fit, sweep {s}");
    let mut per_sweep: Vec<Vec<PairResult>> = Vec::with_capacity(sweeps.len());
    let mut work = Vec::new();
    let mut full = Vec::new();
    for (s, sw) in sweeps.iter().enumerate() {
        // The regression data that do not depend on k.
        let (i, v) = (currents[s], voltages[s]);
        let out: Vec<f64> = (0..sw.len - 1)
            .filter(|&k| sw.keep[k])
            .map(|k| (v[k + 1] - v[k]) / dt - i[k] / c)
            .collect();
        let leak: Vec<f64> = (0..sw.len - 1)
            .filter(|&k| sw.keep[k])
            .map(|k| -(v[k] - el) / tau)
            .collect();
        let m = out.len();
        let what = what(s);
        let problem = check_problem(m, 3, &out, &what);
        // Per rate, then the leak: the column, its norm (or why it is
        // refused), and the column divided by the norm.
        let mut raw: Vec<Vec<f64>> = ks_filter
            .iter()
            .map(|&k| {
                basis(&mut full, sw.len, &sw.t0, k);
                (0..sw.len - 1)
                    .filter(|&n| sw.keep[n])
                    .map(|n| full[n] / c)
                    .collect()
            })
            .collect();
        raw.push(leak);
        let norms: Vec<Option<f64>> = raw
            .iter()
            .map(|col| column_norm(col, 0, m, &what).ok())
            .collect();
        let unit: Vec<Vec<f64>> = raw
            .iter()
            .zip(&norms)
            .map(|(col, norm)| match norm {
                Some(norm) => col.iter().map(|v| v / norm).collect(),
                None => Vec::new(),
            })
            .collect();
        let leak = ks.len();
        // Each pair's coefficients (or why it fails): the pairs that share
        // their first rate solved together, sharing the first reflection.
        let mut coefs: Vec<Option<Result<[f64; 3], FitError>>> = vec![None; pairs.len()];
        for a in 0..ks.len() {
            let mut solvable = Vec::new();
            for (q, &(pa, b)) in pairs.iter().enumerate().filter(|(_, p)| p.0 == a) {
                let checked = problem.clone().and_then(|()| {
                    for (j, &col) in [pa, b, leak].iter().enumerate() {
                        if norms[col].is_none() {
                            // Refused: the error for column j, as lstsq gives it.
                            return Err(column_norm(&raw[col], j, m, &what).unwrap_err());
                        }
                    }
                    Ok(())
                });
                match checked {
                    Ok(()) => solvable.push((q, b)),
                    Err(e) => coefs[q] = Some(Err(e)),
                }
            }
            if solvable.is_empty() {
                continue;
            }
            let seconds: Vec<&[f64]> = solvable.iter().map(|&(_, b)| &unit[b][..]).collect();
            let solved =
                solve_three_sharing_first(&unit[a], &seconds, &unit[leak], &out, &mut work, &what);
            for (&(q, b), z) in solvable.iter().zip(solved) {
                let scales = [norms[a], norms[b], norms[leak]].map(|n| n.expect("checked above"));
                coefs[q] = Some(z.map(|z| core::array::from_fn(|j| z[j] / scales[j])));
            }
        }
        let coefs: Vec<Result<[f64; 3], FitError>> = coefs
            .into_iter()
            .map(|c| c.expect("every pair has a first rate"))
            .collect();
        // ... then the solved pairs' residual sums of squares, side by side.
        let solved: Vec<([f64; 3], [&[f64]; 3])> = pairs
            .iter()
            .zip(&coefs)
            .filter_map(|(&(a, b), p)| {
                let p = p.as_ref().ok()?;
                Some((*p, [&raw[a][..], &raw[b][..], &raw[leak][..]]))
            })
            .collect();
        let mut sums = residual_sums_of_squares(&out, &solved).into_iter();
        let out: Vec<PairResult> = coefs
            .into_iter()
            .map(|p| {
                let p = p?;
                let sum_sq = sums.next().expect("one sum per solved pair");
                Ok((
                    [p[0], p[1]],
                    tau / (p[2] * c),
                    log_likelihood_from_sum_sq(sum_sq, m),
                ))
            })
            .collect();
        per_sweep.push(out);
    }
    let mut results = Vec::with_capacity(pairs.len());
    for q in 0..pairs.len() {
        let mut amps = Vec::new();
        let mut rs = Vec::new();
        let mut llh = Vec::new();
        for sweep in &mut per_sweep {
            let (amp, r, l) = std::mem::replace(&mut sweep[q], Ok(([0.0; 2], 0.0, 0.0)))?;
            amps.push(amp);
            rs.push(r);
            llh.push(l);
        }
        results.push((amps, rs, llh));
    }
    let means: Vec<f64> = results.iter().map(|(_, _, l)| stats::mean(l)).collect();
    if let Some(k) = means.iter().position(|m| !m.is_finite()) {
        return Err(FitError::undetermined(
            "after-spike currents",
            &format!("the fit of rate pair {k} has a non-finite log-likelihood"),
        ));
    }
    let max = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let best = means
        .iter()
        .position(|&m| m == max)
        .expect("finite means have a maximum");
    let (a, b) = pairs[best];
    let (amplitudes, r, log_likelihood) = results.swap_remove(best);
    Ok(AscFit {
        k_pair: [ks_filter[a] / dt, ks_filter[b] / dt],
        amplitudes,
        r,
        log_likelihood,
        mean_log_likelihood: means,
    })
}

#[cfg(test)]
mod tests {
    use super::residual_sums_of_squares;

    #[test]
    fn side_by_side_residual_sums_equal_each_sum_alone_bit_for_bit() {
        let m = 1001;
        let col = |k: usize| -> Vec<f64> {
            (0..m)
                .map(|n| ((n * (k + 3)) as f64 * 0.37).sin() * 10f64.powi(k as i32 % 5 - 2))
                .collect()
        };
        let cols: Vec<Vec<f64>> = (0..6).map(col).collect();
        let y: Vec<f64> = (0..m).map(|n| (n as f64 * 0.011).cos()).collect();
        for count in [0, 1, 4, 5, 6, 10, 12] {
            let problems: Vec<([f64; 3], [&[f64]; 3])> = (0..count)
                .map(|q| {
                    let p = [0.3 + q as f64, -1.7 / (q + 1) as f64, 1e-3 * q as f64];
                    (p, [&cols[q % 6][..], &cols[(q + 1) % 6][..], &cols[5][..]])
                })
                .collect();
            let got = residual_sums_of_squares(&y, &problems);
            let want: Vec<f64> = problems
                .iter()
                .map(|(p, c)| {
                    (0..m)
                        .map(|n| {
                            let r = y[n] - (p[0] * c[0][n] + p[1] * c[1][n] + p[2] * c[2][n]);
                            r * r
                        })
                        .sum()
                })
                .collect();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "{count} problems");
        }
    }
}
