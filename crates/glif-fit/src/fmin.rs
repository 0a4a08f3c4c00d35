//! scipy's `optimize.fmin` (Nelder-Mead, `_minimize_neldermead` of scipy
//! 1.11), reproduced operation for operation: the same initial simplex, the
//! same reflection, expansion, contraction and shrink points computed with
//! the same floating-point operations, the same sort after each iteration
//! (numpy's `argsort`, which for at most 16 vertices is an insertion sort
//! that keeps ties in order and puts NaN last), the same stopping tests and
//! the same evaluation budget. Given a function that returns the same
//! values, it evaluates the same points in the same order as scipy and
//! returns the same minimum, bit for bit.
//!
//! AllenSDK uses it for the threshold's voltage component
//! (`fit_avoltage_bvoltage`) and for the optimizer of part 2.
//!
//! Not reproduced: `bounds`, `callback` and `retall`. For 16 or more
//! parameters numpy's argsort switches to an unstable quicksort; here the
//! sort stays stable, so a tie between equal function values may be
//! ordered differently there.

/// Options of `scipy.optimize.fmin`, with scipy's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct FminOptions {
    /// Absolute change in `x` between iterations accepted for convergence
    /// (scipy `xtol`, default 1e-4), in the units of `x`.
    pub xtol: f64,
    /// Absolute change in `f` accepted for convergence (scipy `ftol`,
    /// default 1e-4), in the units of `f`.
    pub ftol: f64,
    /// Most iterations (`None`: 200 per parameter, or unbounded if only
    /// `maxfun` is given, as scipy decides).
    pub maxiter: Option<u64>,
    /// Most function evaluations (`None`: as `maxiter`).
    pub maxfun: Option<u64>,
    /// scipy's `adaptive` (dimension-dependent coefficients, Gao and Han
    /// 2012); `fmin` itself always uses `false`.
    pub adaptive: bool,
    /// A starting simplex of `n + 1` points (`None`: `x0` and `x0` with
    /// each coordinate in turn times 1.05, or 0.00025 where it is 0).
    pub initial_simplex: Option<Vec<Vec<f64>>>,
}

impl Default for FminOptions {
    fn default() -> Self {
        Self {
            xtol: 1e-4,
            ftol: 1e-4,
            maxiter: None,
            maxfun: None,
            adaptive: false,
            initial_simplex: None,
        }
    }
}

/// Why the minimisation stopped (scipy's `warnflag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FminStop {
    /// Converged: the simplex is within `xtol` and its values within `ftol`.
    Converged,
    /// The evaluation budget `maxfun` was used up (warnflag 1).
    MaxFunctionEvaluations,
    /// `maxiter` iterations were done (warnflag 2).
    MaxIterations,
}

/// What `fmin(..., full_output=True)` returns.
#[derive(Clone, Debug, PartialEq)]
pub struct FminResult {
    /// The best vertex (`xopt`).
    pub x: Vec<f64>,
    /// The smallest function value in the final simplex (`fopt`; NaN if
    /// any final value is NaN, as `np.min` gives).
    pub fun: f64,
    /// Iterations done (`iter`).
    pub iterations: u64,
    /// Function evaluations done (`funcalls`).
    pub evaluations: u64,
    /// Why it stopped (`warnflag`).
    pub stop: FminStop,
}

/// Errors of [`fmin`]'s arguments.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FminError {
    /// `x0` is empty.
    #[error("x0 is empty: fmin needs at least one parameter")]
    Empty,
    /// `initial_simplex` has the wrong shape.
    #[error("initial_simplex has {rows} rows of {cols} values: expected {expected_rows} rows of {expected_cols} (n + 1 points of x0's length n)")]
    SimplexShape {
        /// Rows given.
        rows: usize,
        /// Values in the first row that differs (or in the first row).
        cols: usize,
        /// `n + 1`.
        expected_rows: usize,
        /// `n`.
        expected_cols: usize,
    },
}

/// numpy's `a < b` for sorting floats: NaN after everything.
fn np_lt(a: f64, b: f64) -> bool {
    a < b || (b.is_nan() && !a.is_nan())
}

/// numpy's `argsort` of `v` for up to 16 elements (an insertion sort; kept
/// for longer inputs too, see the module notes).
fn argsort(v: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    for i in 1..idx.len() {
        let vi = idx[i];
        let vp = v[vi];
        let mut j = i;
        while j > 0 && np_lt(vp, v[idx[j - 1]]) {
            idx[j] = idx[j - 1];
            j -= 1;
        }
        idx[j] = vi;
    }
    idx
}

/// `np.max` of absolute values: NaN if any is NaN.
fn max_abs(vals: impl Iterator<Item = f64>) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for v in vals {
        let a = v.abs();
        if a.is_nan() {
            return f64::NAN;
        }
        if a > m {
            m = a;
        }
    }
    m
}

struct Budget<F> {
    f: F,
    calls: u64,
    max: u64,
}

impl<F: FnMut(&[f64]) -> f64> Budget<F> {
    /// scipy's wrapper: `None` where it raises `_MaxFuncCallError`.
    fn call(&mut self, x: &[f64]) -> Option<f64> {
        if self.calls >= self.max {
            return None;
        }
        self.calls += 1;
        Some((self.f)(x))
    }
}

/// `scipy.optimize.fmin(func, x0, xtol, ftol, maxiter, maxfun)`: minimises
/// `func` by the Nelder-Mead simplex method, starting from `x0`, exactly as
/// scipy 1.11 does (see the module notes). `func` is called with each point
/// scipy would evaluate, in scipy's order.
pub fn fmin<F: FnMut(&[f64]) -> f64>(
    func: F,
    x0: &[f64],
    options: &FminOptions,
) -> Result<FminResult, FminError> {
    let n = x0.len();
    if n == 0 {
        return Err(FminError::Empty);
    }
    let dim = n as f64;
    let (rho, chi, psi, sigma) = if options.adaptive {
        (
            1.0,
            1.0 + 2.0 / dim,
            0.75 - 1.0 / (2.0 * dim),
            1.0 - 1.0 / dim,
        )
    } else {
        (1.0, 2.0, 0.5, 0.5)
    };
    let nonzdelt = 0.05;
    let zdelt = 0.00025;
    let mut sim: Vec<Vec<f64>> = match &options.initial_simplex {
        None => {
            let mut sim = vec![x0.to_vec()];
            for k in 0..n {
                let mut y = x0.to_vec();
                if y[k] != 0.0 {
                    y[k] *= 1.0 + nonzdelt;
                } else {
                    y[k] = zdelt;
                }
                sim.push(y);
            }
            sim
        }
        Some(s) => {
            let bad = s.iter().find(|r| r.len() != n);
            if s.len() != n + 1 || bad.is_some() {
                return Err(FminError::SimplexShape {
                    rows: s.len(),
                    cols: bad.or(s.first()).map_or(0, Vec::len),
                    expected_rows: n + 1,
                    expected_cols: n,
                });
            }
            s.clone()
        }
    };
    let default_limit = 200 * n as u64;
    let (maxiter, maxfun) = match (options.maxiter, options.maxfun) {
        (None, None) => (default_limit, default_limit),
        (None, Some(f)) => (u64::MAX, f),
        (Some(i), None) => (i, u64::MAX),
        (Some(i), Some(f)) => (i, f),
    };
    let mut budget = Budget {
        f: func,
        calls: 0,
        max: maxfun,
    };
    let mut fsim = vec![f64::INFINITY; n + 1];
    for k in 0..=n {
        match budget.call(&sim[k]) {
            Some(v) => fsim[k] = v,
            None => break,
        }
    }
    let reorder = |sim: &mut Vec<Vec<f64>>, fsim: &mut Vec<f64>| {
        let ind = argsort(fsim);
        *sim = ind.iter().map(|&i| sim[i].clone()).collect();
        *fsim = ind.iter().map(|&i| fsim[i]).collect();
    };
    // scipy sorts twice here (in `finally` and after); the second is a no-op
    // on sorted values but kept for ties, which a stable sort leaves alone.
    reorder(&mut sim, &mut fsim);
    let mut iterations: u64 = 1;
    let lin = |a: f64, xbar: &[f64], b: f64, xw: &[f64]| -> Vec<f64> {
        // (a) * xbar - (b) * xw, elementwise, as numpy evaluates it.
        xbar.iter().zip(xw).map(|(x, w)| a * x - b * w).collect()
    };
    while budget.calls < maxfun && iterations < maxiter {
        let converged = max_abs(
            sim[1..]
                .iter()
                .flat_map(|r| r.iter().zip(&sim[0]).map(|(a, b)| a - b)),
        ) <= options.xtol
            && max_abs(fsim[1..].iter().map(|f| fsim[0] - f)) <= options.ftol;
        if converged {
            break;
        }
        // One iteration; `None` from the budget ends it early, as scipy's
        // `_MaxFuncCallError` does, without counting it.
        let step = (|| -> Option<()> {
            let mut xbar = sim[0].clone();
            for row in &sim[1..n] {
                for (s, v) in xbar.iter_mut().zip(row) {
                    *s += v;
                }
            }
            for s in &mut xbar {
                *s /= dim;
            }
            let worst = sim[n].clone();
            let xr = lin(1.0 + rho, &xbar, rho, &worst);
            let fxr = budget.call(&xr)?;
            let mut doshrink = false;
            if fxr < fsim[0] {
                let xe = lin(1.0 + rho * chi, &xbar, rho * chi, &worst);
                let fxe = budget.call(&xe)?;
                if fxe < fxr {
                    sim[n] = xe;
                    fsim[n] = fxe;
                } else {
                    sim[n] = xr;
                    fsim[n] = fxr;
                }
            } else if fxr < fsim[n - 1] {
                sim[n] = xr;
                fsim[n] = fxr;
            } else if fxr < fsim[n] {
                let xc = lin(1.0 + psi * rho, &xbar, psi * rho, &worst);
                let fxc = budget.call(&xc)?;
                if fxc <= fxr {
                    sim[n] = xc;
                    fsim[n] = fxc;
                } else {
                    doshrink = true;
                }
            } else {
                let xcc: Vec<f64> = xbar
                    .iter()
                    .zip(&worst)
                    .map(|(x, w)| (1.0 - psi) * x + psi * w)
                    .collect();
                let fxcc = budget.call(&xcc)?;
                if fxcc < fsim[n] {
                    sim[n] = xcc;
                    fsim[n] = fxcc;
                } else {
                    doshrink = true;
                }
            }
            if doshrink {
                for j in 1..=n {
                    let s: Vec<f64> = sim[0]
                        .iter()
                        .zip(&sim[j])
                        .map(|(b, x)| b + sigma * (x - b))
                        .collect();
                    sim[j] = s;
                    fsim[j] = budget.call(&sim[j])?;
                }
            }
            Some(())
        })();
        if step.is_some() {
            iterations += 1;
        }
        reorder(&mut sim, &mut fsim);
    }
    let fun = if fsim.iter().any(|f| f.is_nan()) {
        f64::NAN
    } else {
        fsim.iter().copied().fold(f64::INFINITY, f64::min)
    };
    let stop = if budget.calls >= maxfun {
        FminStop::MaxFunctionEvaluations
    } else if iterations >= maxiter {
        FminStop::MaxIterations
    } else {
        FminStop::Converged
    };
    Ok(FminResult {
        x: sim[0].clone(),
        fun,
        iterations,
        evaluations: budget.calls,
        stop,
    })
}
