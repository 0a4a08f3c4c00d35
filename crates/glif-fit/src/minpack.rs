//! MINPACK's `lmdif` (Moré, Garbow and Hillstrom 1980), the
//! Levenberg-Marquardt solver behind scipy's `optimize.leastsq` and
//! `curve_fit` (method `"lm"`, no bounds), reproduced step for step: the
//! forward-difference Jacobian (`fdjac2`), the pivoted Householder QR
//! (`qrfac`), the Levenberg-Marquardt parameter (`lmpar`, `qrsolv`), the
//! scaled Euclidean norm (`enorm`), the trust-region updates and the same
//! convergence tests.
//!
//! Where a fit stops early on a flat cost surface (scipy's `ftol` and
//! `xtol` of 1.49e-8 are relative changes, not distances to the minimum),
//! the stopping point depends on the path; reproducing the path gives the
//! same stopping point. (AllenSDK's `tau_from_AC`, for one, stops 7e-5
//! relative from the true minimum of its own cost.)

// The loops index as MINPACK's Fortran does (column j, row i), so each line
// can be checked against the original operation order.
#![allow(clippy::needless_range_loop)]

use crate::FitError;

/// MINPACK's `dpmpar(1)`, machine precision, as the decimal constant of
/// its source (a little above 2^-52; it sets the finite-difference step).
const EPSMCH: f64 = 2.22044604926e-16;
/// `dpmpar(2)`, the smallest magnitude, as MINPACK's decimal constant.
const DWARF: f64 = 2.22507385852e-308;

/// Options of `scipy.optimize.leastsq`, with scipy's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct LmdifOptions {
    /// Relative reduction of the sum of squares below which it stops
    /// (`ftol`, 1.49012e-8).
    pub ftol: f64,
    /// Relative change of the parameters below which it stops (`xtol`,
    /// 1.49012e-8).
    pub xtol: f64,
    /// Cosine between residuals and Jacobian columns below which it stops
    /// (`gtol`, 0).
    pub gtol: f64,
    /// Most function evaluations (`None`: `200 (n + 1)`, scipy's default).
    pub maxfev: Option<usize>,
    /// Relative step of the forward differences is `sqrt(max(epsfcn, eps))`
    /// (`epsfcn`, default machine epsilon).
    pub epsfcn: f64,
    /// Initial step bound factor (`factor`, 100).
    pub factor: f64,
}

impl Default for LmdifOptions {
    fn default() -> Self {
        Self {
            ftol: 1.49012e-8,
            xtol: 1.49012e-8,
            gtol: 0.0,
            maxfev: None,
            epsfcn: f64::EPSILON,
            factor: 100.0,
        }
    }
}

/// What `lmdif` returns.
#[derive(Clone, Debug, PartialEq)]
pub struct LmdifResult {
    /// The parameters where it stopped.
    pub x: Vec<f64>,
    /// The residuals there.
    pub fvec: Vec<f64>,
    /// MINPACK's `info`: 1-4 converged (`curve_fit` accepts these), 5 too
    /// many evaluations, 6-8 tolerances too small.
    pub info: i32,
    /// Function evaluations (`nfev`).
    pub nfev: usize,
}

/// `enorm`: the Euclidean norm with MINPACK's three-range accumulation
/// (guards against overflow and underflow, in its operation order).
pub fn enorm(x: &[f64]) -> f64 {
    const RDWARF: f64 = 3.834e-20;
    const RGIANT: f64 = 1.304e19;
    let (mut s1, mut s2, mut s3, mut x1max, mut x3max) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let agiant = RGIANT / x.len() as f64;
    for &xi in x {
        let xabs = xi.abs();
        if xabs > RDWARF && xabs < agiant {
            s2 += xabs * xabs;
        } else if xabs > RDWARF {
            if xabs > x1max {
                let r = x1max / xabs;
                s1 = 1.0 + s1 * (r * r);
                x1max = xabs;
            } else {
                let r = xabs / x1max;
                s1 += r * r;
            }
        } else if xabs > x3max {
            let r = x3max / xabs;
            s3 = 1.0 + s3 * (r * r);
            x3max = xabs;
        } else if xabs != 0.0 {
            let r = xabs / x3max;
            s3 += r * r;
        }
    }
    if s1 != 0.0 {
        x1max * (s1 + (s2 / x1max) / x1max).sqrt()
    } else if s2 != 0.0 {
        if s2 >= x3max {
            (s2 * (1.0 + (x3max / s2) * (x3max * s3))).sqrt()
        } else {
            (x3max * ((s2 / x3max) + (x3max * s3))).sqrt()
        }
    } else {
        x3max * s3.sqrt()
    }
}

/// Column-major `m x n` matrix: `a[j][i]` is row `i` of column `j`.
type Cols = Vec<Vec<f64>>;

/// `qrfac` with pivoting: Householder QR of `a` (overwritten with the
/// Householder vectors below and the strict upper triangle of R above the
/// diagonal). Returns `(ipvt, rdiag, acnorm)`.
fn qrfac(a: &mut Cols, m: usize) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    let n = a.len();
    let acnorm: Vec<f64> = a.iter().map(|c| enorm(c)).collect();
    let mut rdiag = acnorm.clone();
    let mut wa = rdiag.clone();
    let mut ipvt: Vec<usize> = (0..n).collect();
    for j in 0..m.min(n) {
        let mut kmax = j;
        for k in j..n {
            if rdiag[k] > rdiag[kmax] {
                kmax = k;
            }
        }
        if kmax != j {
            a.swap(j, kmax);
            rdiag[kmax] = rdiag[j];
            wa[kmax] = wa[j];
            ipvt.swap(j, kmax);
        }
        let mut ajnorm = enorm(&a[j][j..m]);
        if ajnorm != 0.0 {
            if a[j][j] < 0.0 {
                ajnorm = -ajnorm;
            }
            for v in &mut a[j][j..m] {
                *v /= ajnorm;
            }
            a[j][j] += 1.0;
            let (left, right) = a.split_at_mut(j + 1);
            let aj = &left[j];
            for (off, ak) in right.iter_mut().enumerate() {
                let k = j + 1 + off;
                let mut sum = 0.0;
                for i in j..m {
                    sum += aj[i] * ak[i];
                }
                let temp = sum / aj[j];
                for i in j..m {
                    ak[i] -= temp * aj[i];
                }
                if rdiag[k] != 0.0 {
                    let t = ak[j] / rdiag[k];
                    rdiag[k] *= (1.0 - t * t).max(0.0).sqrt();
                    let r = rdiag[k] / wa[k];
                    if 0.05 * (r * r) <= EPSMCH {
                        rdiag[k] = enorm(&ak[j + 1..m]);
                        wa[k] = rdiag[k];
                    }
                }
            }
        }
        rdiag[j] = -ajnorm;
    }
    (ipvt, rdiag, acnorm)
}

/// `qrsolv`: solves `(R; D) x = (qtb; 0)` in the least-squares sense by
/// Givens rotations. `r` is the `n x n` upper triangle (column-major, full
/// columns of length >= n); its strict lower triangle receives S.
fn qrsolv(r: &mut Cols, ipvt: &[usize], diag: &[f64], qtb: &[f64], sdiag: &mut [f64]) -> Vec<f64> {
    let n = r.len();
    let mut x = vec![0.0; n];
    let mut wa = vec![0.0; n];
    for j in 0..n {
        for i in j..n {
            r[j][i] = r[i][j];
        }
        x[j] = r[j][j];
        wa[j] = qtb[j];
    }
    for j in 0..n {
        let l = ipvt[j];
        if diag[l] != 0.0 {
            for s in &mut sdiag[j..n] {
                *s = 0.0;
            }
            sdiag[j] = diag[l];
            let mut qtbpj = 0.0;
            for k in j..n {
                if sdiag[k] == 0.0 {
                    continue;
                }
                let (sin, cos);
                if r[k][k].abs() < sdiag[k].abs() {
                    let cotan = r[k][k] / sdiag[k];
                    sin = 0.5 / (0.25 + 0.25 * cotan * cotan).sqrt();
                    cos = sin * cotan;
                } else {
                    let tan = sdiag[k] / r[k][k];
                    cos = 0.5 / (0.25 + 0.25 * tan * tan).sqrt();
                    sin = cos * tan;
                }
                r[k][k] = cos * r[k][k] + sin * sdiag[k];
                let temp = cos * wa[k] + sin * qtbpj;
                qtbpj = -sin * wa[k] + cos * qtbpj;
                wa[k] = temp;
                for i in k + 1..n {
                    let temp = cos * r[k][i] + sin * sdiag[i];
                    sdiag[i] = -sin * r[k][i] + cos * sdiag[i];
                    r[k][i] = temp;
                }
            }
        }
        sdiag[j] = r[j][j];
        r[j][j] = x[j];
    }
    let mut nsing = n;
    for j in 0..n {
        if sdiag[j] == 0.0 && nsing == n {
            nsing = j;
        }
        if nsing < n {
            wa[j] = 0.0;
        }
    }
    for j in (0..nsing).rev() {
        let mut sum = 0.0;
        for i in j + 1..nsing {
            sum += r[j][i] * wa[i];
        }
        wa[j] = (wa[j] - sum) / sdiag[j];
    }
    let mut out = vec![0.0; n];
    for j in 0..n {
        out[ipvt[j]] = wa[j];
    }
    out
}

/// `lmpar`: the Levenberg-Marquardt parameter for the step bound `delta`.
/// Returns `(par, x)`, `x` the step (before negation).
fn lmpar(
    r: &mut Cols,
    ipvt: &[usize],
    diag: &[f64],
    qtb: &[f64],
    delta: f64,
    mut par: f64,
) -> (f64, Vec<f64>) {
    let n = r.len();
    let mut wa1 = vec![0.0; n];
    let mut nsing = n;
    for j in 0..n {
        wa1[j] = qtb[j];
        if r[j][j] == 0.0 && nsing == n {
            nsing = j;
        }
        if nsing < n {
            wa1[j] = 0.0;
        }
    }
    for j in (0..nsing).rev() {
        wa1[j] /= r[j][j];
        let temp = wa1[j];
        for i in 0..j {
            wa1[i] -= r[j][i] * temp;
        }
    }
    let mut x = vec![0.0; n];
    for j in 0..n {
        x[ipvt[j]] = wa1[j];
    }
    let mut iter = 0;
    let mut wa2: Vec<f64> = (0..n).map(|j| diag[j] * x[j]).collect();
    let mut dxnorm = enorm(&wa2);
    let mut fp = dxnorm - delta;
    if fp <= 0.1 * delta {
        return (0.0, x);
    }
    let mut parl = 0.0;
    if nsing == n {
        for j in 0..n {
            let l = ipvt[j];
            wa1[j] = diag[l] * (wa2[l] / dxnorm);
        }
        for j in 0..n {
            let mut sum = 0.0;
            for i in 0..j {
                sum += r[j][i] * wa1[i];
            }
            wa1[j] = (wa1[j] - sum) / r[j][j];
        }
        let temp = enorm(&wa1);
        parl = ((fp / delta) / temp) / temp;
    }
    for j in 0..n {
        let mut sum = 0.0;
        for i in 0..=j {
            sum += r[j][i] * qtb[i];
        }
        wa1[j] = sum / diag[ipvt[j]];
    }
    let gnorm = enorm(&wa1);
    let mut paru = gnorm / delta;
    if paru == 0.0 {
        paru = DWARF / delta.min(0.1);
    }
    par = par.max(parl);
    par = par.min(paru);
    if par == 0.0 {
        par = gnorm / dxnorm;
    }
    let mut sdiag = vec![0.0; n];
    loop {
        iter += 1;
        if par == 0.0 {
            par = DWARF.max(0.001 * paru);
        }
        let temp = par.sqrt();
        let wa1d: Vec<f64> = diag.iter().map(|d| temp * d).collect();
        x = qrsolv(r, ipvt, &wa1d, qtb, &mut sdiag);
        wa2 = (0..n).map(|j| diag[j] * x[j]).collect();
        dxnorm = enorm(&wa2);
        let temp = fp;
        fp = dxnorm - delta;
        if fp.abs() <= 0.1 * delta || (parl == 0.0 && fp <= temp && temp < 0.0) || iter == 10 {
            break;
        }
        for j in 0..n {
            let l = ipvt[j];
            wa1[j] = diag[l] * (wa2[l] / dxnorm);
        }
        for j in 0..n {
            wa1[j] /= sdiag[j];
            let temp = wa1[j];
            for i in j + 1..n {
                wa1[i] -= r[j][i] * temp;
            }
        }
        let temp = enorm(&wa1);
        let parc = ((fp / delta) / temp) / temp;
        if fp > 0.0 {
            parl = parl.max(par);
        }
        if fp < 0.0 {
            paru = paru.min(par);
        }
        par = parl.max(par + parc);
    }
    (par, x)
}

/// `lmdif` with `mode = 1` (scaling from the Jacobian's column norms), as
/// `scipy.optimize.leastsq(func, x0)` calls it: minimises the sum of
/// squares of the `m` residuals `func(x, fvec)` fills, from `x0`.
/// Arguments MINPACK refuses (`m < n`, negative tolerances) give `info = 0`.
pub fn lmdif<F: FnMut(&[f64], &mut [f64])>(
    mut func: F,
    x0: &[f64],
    m: usize,
    options: &LmdifOptions,
) -> LmdifResult {
    let n = x0.len();
    let maxfev = options.maxfev.unwrap_or(200 * (n + 1));
    let mut x = x0.to_vec();
    let mut fvec = vec![0.0; m];
    if n == 0
        || m < n
        || options.ftol < 0.0
        || options.xtol < 0.0
        || options.gtol < 0.0
        || maxfev == 0
        || options.factor <= 0.0
    {
        return LmdifResult {
            x,
            fvec,
            info: 0,
            nfev: 0,
        };
    }
    func(&x, &mut fvec);
    let mut nfev = 1;
    let mut fnorm = enorm(&fvec);
    let mut par = 0.0;
    let mut iter = 1;
    let eps = options.epsfcn.max(EPSMCH).sqrt();
    let mut diag = vec![0.0; n];
    let (mut delta, mut xnorm) = (0.0, 0.0);
    let mut wa4 = vec![0.0; m];
    let info;
    'outer: loop {
        // fdjac2: forward differences.
        let mut fjac: Cols = vec![vec![0.0; m]; n];
        for j in 0..n {
            let temp = x[j];
            let mut h = eps * temp.abs();
            if h == 0.0 {
                h = eps;
            }
            x[j] = temp + h;
            func(&x, &mut wa4);
            x[j] = temp;
            for i in 0..m {
                fjac[j][i] = (wa4[i] - fvec[i]) / h;
            }
        }
        nfev += n;
        let (ipvt, rdiag, acnorm) = qrfac(&mut fjac, m);
        if iter == 1 {
            for j in 0..n {
                diag[j] = if acnorm[j] == 0.0 { 1.0 } else { acnorm[j] };
            }
            let wa3: Vec<f64> = (0..n).map(|j| diag[j] * x[j]).collect();
            xnorm = enorm(&wa3);
            delta = options.factor * xnorm;
            if delta == 0.0 {
                delta = options.factor;
            }
        }
        wa4.copy_from_slice(&fvec);
        let mut qtf = vec![0.0; n];
        for j in 0..n {
            if fjac[j][j] != 0.0 {
                let mut sum = 0.0;
                for i in j..m {
                    sum += fjac[j][i] * wa4[i];
                }
                let temp = -sum / fjac[j][j];
                for i in j..m {
                    wa4[i] += fjac[j][i] * temp;
                }
            }
            fjac[j][j] = rdiag[j];
            qtf[j] = wa4[j];
        }
        let mut gnorm: f64 = 0.0;
        if fnorm != 0.0 {
            for j in 0..n {
                let l = ipvt[j];
                if acnorm[l] != 0.0 {
                    let mut sum = 0.0;
                    for i in 0..=j {
                        sum += fjac[j][i] * (qtf[i] / fnorm);
                    }
                    gnorm = gnorm.max((sum / acnorm[l]).abs());
                }
            }
        }
        if gnorm <= options.gtol {
            info = 4;
            break 'outer;
        }
        for j in 0..n {
            diag[j] = diag[j].max(acnorm[j]);
        }
        // R as n x n columns for lmpar/qrsolv.
        let mut r: Cols = fjac.iter().map(|c| c[..n].to_vec()).collect();
        loop {
            let (p, step) = lmpar(&mut r, &ipvt, &diag, &qtf, delta, par);
            par = p;
            let wa1: Vec<f64> = step.iter().map(|s| -s).collect();
            let wa2: Vec<f64> = (0..n).map(|j| x[j] + wa1[j]).collect();
            let wa3: Vec<f64> = (0..n).map(|j| diag[j] * wa1[j]).collect();
            let pnorm = enorm(&wa3);
            if iter == 1 {
                delta = delta.min(pnorm);
            }
            func(&wa2, &mut wa4);
            nfev += 1;
            let fnorm1 = enorm(&wa4);
            let mut actred = -1.0;
            if 0.1 * fnorm1 < fnorm {
                let q = fnorm1 / fnorm;
                actred = 1.0 - q * q;
            }
            let mut wa3 = vec![0.0; n];
            for j in 0..n {
                let temp = wa1[ipvt[j]];
                for i in 0..=j {
                    wa3[i] += r[j][i] * temp;
                }
            }
            let temp1 = enorm(&wa3) / fnorm;
            let temp2 = (par.sqrt() * pnorm) / fnorm;
            let prered = temp1 * temp1 + temp2 * temp2 / 0.5;
            let dirder = -(temp1 * temp1 + temp2 * temp2);
            let mut ratio = 0.0;
            if prered != 0.0 {
                ratio = actred / prered;
            }
            if ratio <= 0.25 {
                let mut temp = if actred >= 0.0 {
                    0.5
                } else {
                    0.5 * dirder / (dirder + 0.5 * actred)
                };
                if 0.1 * fnorm1 >= fnorm || temp < 0.1 {
                    temp = 0.1;
                }
                delta = temp * delta.min(pnorm / 0.1);
                par /= temp;
            } else if par == 0.0 || ratio >= 0.75 {
                delta = pnorm / 0.5;
                par *= 0.5;
            }
            if ratio >= 0.0001 {
                x.copy_from_slice(&wa2);
                let wa2s: Vec<f64> = (0..n).map(|j| diag[j] * x[j]).collect();
                fvec.copy_from_slice(&wa4);
                xnorm = enorm(&wa2s);
                fnorm = fnorm1;
                iter += 1;
            }
            let mut inf = 0;
            if actred.abs() <= options.ftol && prered <= options.ftol && 0.5 * ratio <= 1.0 {
                inf = 1;
            }
            if delta <= options.xtol * xnorm {
                inf = 2;
            }
            if actred.abs() <= options.ftol
                && prered <= options.ftol
                && 0.5 * ratio <= 1.0
                && inf == 2
            {
                inf = 3;
            }
            if inf != 0 {
                info = inf;
                break 'outer;
            }
            if nfev >= maxfev {
                inf = 5;
            }
            if actred.abs() <= EPSMCH && prered <= EPSMCH && 0.5 * ratio <= 1.0 {
                inf = 6;
            }
            if delta <= EPSMCH * xnorm {
                inf = 7;
            }
            if gnorm <= EPSMCH {
                inf = 8;
            }
            if inf != 0 {
                info = inf;
                break 'outer;
            }
            if ratio >= 0.0001 {
                break;
            }
        }
    }
    LmdifResult {
        x,
        fvec,
        info,
        nfev,
    }
}

/// `scipy.optimize.curve_fit(f, xdata, ydata, p0)` without bounds or
/// sigma: `lmdif` on the residuals `f(x_i, p) - y_i`. `model(p, out)` fills
/// the model's value at every `xdata` point. Errors (as scipy raises
/// RuntimeError) unless MINPACK reports convergence (`info` 1-4), and on
/// non-finite data (scipy's `asarray_chkfinite`).
pub fn curve_fit<F: FnMut(&[f64], &mut [f64])>(
    mut model: F,
    ydata: &[f64],
    p0: &[f64],
    what: &str,
) -> Result<LmdifResult, FitError> {
    if let Some(i) = ydata.iter().position(|v| !v.is_finite()) {
        return Err(FitError::NotFinite {
            what: format!("{what}: data"),
            index: i,
            value: ydata[i],
        });
    }
    let fit = lmdif(
        |p, out| {
            model(p, out);
            for (o, y) in out.iter_mut().zip(ydata) {
                *o -= y;
            }
        },
        p0,
        ydata.len(),
        &LmdifOptions::default(),
    );
    if !(1..=4).contains(&fit.info) {
        return Err(FitError::undetermined(
            what,
            &format!(
                "the least-squares fit did not converge (MINPACK info {} after {} evaluations)",
                fit.info, fit.nfev
            ),
        ));
    }
    Ok(fit)
}
