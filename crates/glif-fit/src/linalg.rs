//! Linear least squares for the regressions of the pipeline (numpy's
//! `lstsq`, statsmodels' Gaussian GLM and OLS give the same minimiser).
//!
//! Householder QR on the columns scaled to unit norm, so a column in amperes
//! (1e-10) beside one in volts (1e-2) and a column of ones loses no
//! precision; the solution is unscaled afterwards. Accuracy is that of
//! LAPACK's SVD-based `gelsd` for full-rank problems (both backward stable);
//! results agree to rounding times the scaled problem's condition number.

use crate::FitError;

/// Solves `min |A x - y|` for `A` given by its columns (each of `y`'s
/// length). Errors when a column is zero, contains a non-finite value, or
/// the columns are linearly dependent to working precision.
pub fn lstsq(columns: &[Vec<f64>], y: &[f64], what: &str) -> Result<Vec<f64>, FitError> {
    let m = y.len();
    let n = columns.len();
    if m < n || n == 0 {
        return Err(FitError::undetermined(
            what,
            &format!(
                "{m} samples for {n} unknowns: at least as many samples as unknowns are needed"
            ),
        ));
    }
    if let Some(k) = y.iter().position(|v| !v.is_finite()) {
        return Err(FitError::NotFinite {
            what: format!("{what}: data"),
            index: k,
            value: y[k],
        });
    }
    let mut a: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut scales = Vec::with_capacity(n);
    for (j, c) in columns.iter().enumerate() {
        if c.len() != m {
            return Err(FitError::undetermined(
                what,
                &format!("column {j} has {} samples, the data {m}", c.len()),
            ));
        }
        if let Some(k) = c.iter().position(|v| !v.is_finite()) {
            return Err(FitError::NotFinite {
                what: format!("{what}: regressor {j}"),
                index: k,
                value: c[k],
            });
        }
        let norm = c.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Err(FitError::undetermined(
                what,
                &format!("regressor {j} is zero everywhere"),
            ));
        }
        scales.push(norm);
        a.push(c.iter().map(|v| v / norm).collect());
    }
    let mut b = y.to_vec();
    let mut r = vec![vec![0.0; n]; n];
    for j in 0..n {
        // Householder reflection of column j below the diagonal.
        let norm = a[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm < 1e-13 {
            return Err(FitError::undetermined(
                what,
                &format!("regressor {j} is a linear combination of the others (rank-deficient)"),
            ));
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut v = a[j][j..].to_vec();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        for col in a.iter_mut().skip(j) {
            let d: f64 = v.iter().zip(&col[j..]).map(|(p, q)| p * q).sum();
            let f = 2.0 * d / vnorm2;
            for (x, p) in col[j..].iter_mut().zip(&v) {
                *x -= f * p;
            }
        }
        let d: f64 = v.iter().zip(&b[j..]).map(|(p, q)| p * q).sum();
        let f = 2.0 * d / vnorm2;
        for (x, p) in b[j..].iter_mut().zip(&v) {
            *x -= f * p;
        }
        for (i, row) in r.iter_mut().enumerate().take(j + 1) {
            row[j] = a[j][i];
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s = (i + 1..n).fold(b[i], |s, k| s - r[i][k] * x[k]);
        x[i] = s / r[i][i];
    }
    Ok(x.iter().zip(&scales).map(|(v, s)| v / s).collect())
}

/// `min |A x + c - y|`: least squares with an intercept `c` (a column of
/// ones), solved on the columns and data centred on their means, so that a
/// regressor far from zero (a voltage near -70 mV) is not nearly collinear
/// with the column of ones. Returns `(x, c)`.
pub fn lstsq_with_intercept(
    columns: &[Vec<f64>],
    y: &[f64],
    what: &str,
) -> Result<(Vec<f64>, f64), FitError> {
    let m = y.len() as f64;
    let mean = |v: &[f64]| crate::filter::numpy_sum(v) / m;
    let ym = mean(y);
    let means: Vec<f64> = columns.iter().map(|c| mean(c)).collect();
    let centred: Vec<Vec<f64>> = columns
        .iter()
        .zip(&means)
        .map(|(c, mu)| c.iter().map(|v| v - mu).collect())
        .collect();
    let yc: Vec<f64> = y.iter().map(|v| v - ym).collect();
    if y.len() <= columns.len() {
        return Err(FitError::undetermined(
            what,
            &format!(
                "{} samples for {} unknowns and an intercept",
                y.len(),
                columns.len()
            ),
        ));
    }
    let x = lstsq(&centred, &yc, what)?;
    let c = ym - x.iter().zip(&means).map(|(a, mu)| a * mu).sum::<f64>();
    if !c.is_finite() {
        return Err(FitError::NotFinite {
            what: format!("{what}: data"),
            index: 0,
            value: c,
        });
    }
    Ok((x, c))
}
