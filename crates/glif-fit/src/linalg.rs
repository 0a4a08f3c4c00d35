//! Linear least squares for the regressions of the pipeline (numpy's
//! `lstsq`, statsmodels' Gaussian GLM and OLS give the same minimiser).
//!
//! Householder QR on the columns scaled to unit norm, so a column in amperes
//! (1e-10) beside one in volts (1e-2) and a column of ones loses no
//! precision; the solution is unscaled afterwards. Accuracy is that of
//! LAPACK's SVD-based `gelsd` for full-rank problems (both backward stable);
//! results agree to rounding times the scaled problem's condition number.
//!
//! Each reflection is one pass over the rows for its sums (the squared norm
//! of the reflector and its dot product with every later column and the
//! data) and one for the updates (which also sums the next column's squared
//! norm); every sum is still a sequential sum over the rows in ascending
//! order, so the result is the same, bit for bit, as reflecting one column
//! at a time (the `textbook` test below keeps that version and compares).

use crate::FitError;

/// `sum(x * x)` in row order, from `-0.0` as `Iterator::sum` adds.
fn sum_sq(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// Checks one regressor (`j`, for messages) and returns its Euclidean norm:
/// an error when it has another length than the data, a non-finite value,
/// or is zero everywhere.
pub(crate) fn column_norm(c: &[f64], j: usize, m: usize, what: &str) -> Result<f64, FitError> {
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
    let norm = sum_sq(c).sqrt();
    if norm == 0.0 {
        return Err(FitError::undetermined(
            what,
            &format!("regressor {j} is zero everywhere"),
        ));
    }
    Ok(norm)
}

/// Checks the shape (at least as many samples `m` as unknowns `n`) and
/// the data `y` (finite) of a problem.
pub(crate) fn check_problem(m: usize, n: usize, y: &[f64], what: &str) -> Result<(), FitError> {
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
    Ok(())
}

/// Solves `min |A x - y|` for `A` given by its columns (each of `y`'s
/// length). Errors when a column is zero, contains a non-finite value, or
/// the columns are linearly dependent to working precision.
pub fn lstsq(columns: &[Vec<f64>], y: &[f64], what: &str) -> Result<Vec<f64>, FitError> {
    let m = y.len();
    let n = columns.len();
    check_problem(m, n, y, what)?;
    let mut scales = Vec::with_capacity(n);
    let mut unit = Vec::with_capacity(n);
    for (j, c) in columns.iter().enumerate() {
        let norm = column_norm(c, j, m, what)?;
        scales.push(norm);
        unit.push(c.iter().map(|v| v / norm).collect::<Vec<f64>>());
    }
    let unit: Vec<&[f64]> = unit.iter().map(Vec::as_slice).collect();
    let x = solve_unit_columns(&unit, y, &mut Vec::new(), what)?;
    Ok(x.iter().zip(&scales).map(|(v, s)| v / s).collect())
}

/// The Householder QR solve of `min |U z - y|` for columns `unit` already
/// divided by their norms and checked ([`check_problem`], [`column_norm`]);
/// returns `z` (divide by the norms for the unscaled solution). `work`
/// holds the reflected copies of the later columns and of `y` (reused
/// between calls; resized here). The columns themselves are not modified.
pub(crate) fn solve_unit_columns(
    unit: &[&[f64]],
    y: &[f64],
    work: &mut Vec<Vec<f64>>,
    what: &str,
) -> Result<Vec<f64>, FitError> {
    let n = unit.len();
    let m = y.len();
    // work[k], k in 1..n: column k as reflected so far; work[n]: y.
    work.resize_with(n + 1, Vec::new);
    for w in work.iter_mut().skip(1) {
        w.resize(m, 0.0);
    }
    let mut r = vec![vec![0.0; n]; n];
    let mut norm2 = sum_sq(unit[0]);
    for j in 0..n {
        // Column j as it stands: the input for j = 0, its reflected copy
        // after; `rest[k]` is work[j + 1 + k], the later columns and y.
        let (done, rest) = work.split_at_mut(j + 1);
        let col_j: &[f64] = if j == 0 { unit[0] } else { &done[j] };
        let ajj = col_j[j];
        let v0 = reflector_head(norm2, ajj).ok_or_else(|| rank_deficient(what, j))?;
        let (f_own, f) = {
            let srcs: Vec<&[f64]> = if j == 0 {
                unit[1..].iter().copied().chain([y]).collect()
            } else {
                rest.iter().map(Vec::as_slice).collect()
            };
            reflector_sums(&col_j[j..], v0, &srcs, j)
        };
        // R's column j: rows above j as earlier reflections left them, and
        // row j reflected (no other row of column j is read again).
        for (i, row) in r.iter_mut().enumerate().take(j) {
            row[j] = col_j[i];
        }
        r[j][j] = ajj - f_own * v0;
        // The later columns and y reflected from row j; the next column's
        // squared norm summed from row j + 1 as it is updated. After the
        // last column only row j of y is read again.
        let rows = if j + 1 == n { j + 1 } else { m };
        let v = &col_j[j + 1..rows];
        for (k, fk) in f.iter().copied().enumerate() {
            let next = k == 0 && j + 1 < n;
            let dst = &mut rest[k];
            if j == 0 {
                let src = if k + 1 < n { unit[k + 1] } else { y };
                dst[0] = src[0] - fk * v0;
                if next {
                    norm2 = reflect_summing(&mut dst[1..rows], Some(&src[1..rows]), fk, v);
                } else {
                    reflect(&mut dst[1..rows], Some(&src[1..rows]), fk, v);
                }
            } else {
                dst[j] -= fk * v0;
                if next {
                    norm2 = reflect_summing(&mut dst[j + 1..rows], None, fk, v);
                } else {
                    reflect(&mut dst[j + 1..rows], None, fk, v);
                }
            }
        }
    }
    let b = &work[n];
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s = (i + 1..n).fold(b[i], |s, k| s - r[i][k] * x[k]);
        x[i] = s / r[i][i];
    }
    Ok(x)
}

/// [`solve_unit_columns`] of the three-column problems `[first, s, last]`
/// for each `s` of `seconds`, on the same `y`: the first reflection (from
/// `first`) and what it makes of `last` and `y` are computed once for all
/// of them, in one pass that sums the reflector's products with every
/// column. Each problem's sums are the same sequential sums over the rows
/// as when it is solved alone, so each result is [`solve_unit_columns`]'s,
/// bit for bit, and so is each error (rank deficiency). `work` is reused
/// scratch space.
pub(crate) fn solve_three_sharing_first(
    first: &[f64],
    seconds: &[&[f64]],
    last: &[f64],
    y: &[f64],
    work: &mut Vec<Vec<f64>>,
    what: &str,
) -> Vec<Result<[f64; 3], FitError>> {
    let m = y.len();
    // Step 0, shared: the reflector from `first`; its products with `last`,
    // `y` and every second column in one pass.
    let ajj = first[0];
    let Some(v0) = reflector_head(sum_sq(first), ajj) else {
        return seconds
            .iter()
            .map(|_| Err(rank_deficient(what, 0)))
            .collect();
    };
    let srcs: Vec<&[f64]> = [last, y]
        .into_iter()
        .chain(seconds.iter().copied())
        .collect();
    let (f_own, f) = reflector_sums(first, v0, &srcs, 0);
    let r00 = ajj - f_own * v0;
    let v = &first[1..m];
    // work: last and y after step 0, the second column after step 0, last
    // and y after step 1.
    work.resize_with(5, Vec::new);
    for w in work.iter_mut() {
        w.resize(m, 0.0);
    }
    let (shared, own) = work.split_at_mut(2);
    let (last1, y1) = shared.split_at_mut(1);
    let (last1, y1) = (&mut last1[0], &mut y1[0]);
    last1[0] = last[0] - f[0] * v0;
    reflect(&mut last1[1..m], Some(&last[1..m]), f[0], v);
    y1[0] = y[0] - f[1] * v0;
    reflect(&mut y1[1..m], Some(&y[1..m]), f[1], v);
    let (last1, y1) = (&last1[..], &y1[..]);
    let (second1, own) = own.split_at_mut(1);
    let (last2, y2) = own.split_at_mut(1);
    let (second1, last2, y2) = (&mut second1[0], &mut last2[0], &mut y2[0]);
    seconds
        .iter()
        .zip(&f[2..])
        .map(|(second, &fs)| {
            // Step 0's reflection of this problem's second column, summing
            // its squared norm from row 1.
            second1[0] = second[0] - fs * v0;
            let norm2 = reflect_summing(&mut second1[1..m], Some(&second[1..m]), fs, v);
            // Step 1: the reflector from the second column; last and y
            // reflected into this problem's own copies.
            let ajj = second1[1];
            let v0 = reflector_head(norm2, ajj).ok_or_else(|| rank_deficient(what, 1))?;
            let (f_own, f) = reflector_sums(&second1[1..], v0, &[last1, y1], 1);
            let r01 = second1[0];
            let r11 = ajj - f_own * v0;
            let v = &second1[2..m];
            last2[0] = last1[0];
            last2[1] = last1[1] - f[0] * v0;
            let norm2 = reflect_summing(&mut last2[2..m], Some(&last1[2..m]), f[0], v);
            y2[0] = y1[0];
            y2[1] = y1[1] - f[1] * v0;
            reflect(&mut y2[2..m], Some(&y1[2..m]), f[1], v);
            // Step 2: the reflector from last; only row 2 of y is read
            // after it.
            let ajj = last2[2];
            let v0 = reflector_head(norm2, ajj).ok_or_else(|| rank_deficient(what, 2))?;
            let (f_own, f) = reflector_sums(&last2[2..], v0, &[&y2[..]], 2);
            let (r02, r12, r22) = (last2[0], last2[1], ajj - f_own * v0);
            let b2 = y2[2] - f[0] * v0;
            // Back substitution, as solve_unit_columns sums it.
            let x2 = b2 / r22;
            let x1 = (y2[1] - r12 * x2) / r11;
            let x0 = (y2[0] - r01 * x1 - r02 * x2) / r00;
            Ok([x0, x1, x2])
        })
        .collect()
}

/// The first element of step `j`'s Householder reflector, `v0 = ajj -
/// alpha` with `alpha = -sign(ajj) |col|`, for a column whose squared norm
/// from row `j` is `norm2` and whose element `j` is `ajj`; `None` when the
/// norm is below 1e-13 (the column is a combination of the earlier ones).
fn reflector_head(norm2: f64, ajj: f64) -> Option<f64> {
    let norm = norm2.sqrt();
    if norm < 1e-13 {
        return None;
    }
    let alpha = if ajj > 0.0 { -norm } else { norm };
    Some(ajj - alpha)
}

/// The error for regressor `j` of the problem `what` being rank-deficient.
fn rank_deficient(what: &str, j: usize) -> FitError {
    FitError::undetermined(
        what,
        &format!("regressor {j} is a linear combination of the others (rank-deficient)"),
    )
}

/// For the reflector of step `j` (`col` its column from row `j`, `v0` its
/// first element, `col[0]` the column's own first element): in row order
/// from `-0.0`, `|v|^2`, `v . col` and `v . s` for each `srcs` (later
/// columns and y, from row 0, read from row `j`); returns
/// `(2 (v . col) / |v|^2, [2 (v . s) / |v|^2])`.
fn reflector_sums(col: &[f64], v0: f64, srcs: &[&[f64]], j: usize) -> (f64, Vec<f64>) {
    macro_rules! fixed {
        ($l:literal) => {{
            let s: [&[f64]; $l] = core::array::from_fn(|k| &srcs[k][j..j + col.len()]);
            let (own, d) = reflector_sums_fixed::<$l>(col, v0, s);
            (own, d.to_vec())
        }};
    }
    match srcs.len() {
        1 => fixed!(1),
        2 => fixed!(2),
        3 => fixed!(3),
        4 => fixed!(4),
        5 => fixed!(5),
        6 => fixed!(6),
        _ => {
            let ajj = col[0];
            let mut vnorm2 = -0.0 + v0 * v0;
            let mut own = -0.0 + v0 * ajj;
            let mut d: Vec<f64> = srcs.iter().map(|s| -0.0 + v0 * s[j]).collect();
            for (i, &vi) in col.iter().enumerate().skip(1) {
                vnorm2 += vi * vi;
                own += vi * vi;
                for (d, s) in d.iter_mut().zip(srcs) {
                    *d += vi * s[j + i];
                }
            }
            (
                2.0 * own / vnorm2,
                d.iter().map(|d| 2.0 * d / vnorm2).collect(),
            )
        }
    }
}

/// [`reflector_sums`] for `L` later columns (their slices from row `j`,
/// as long as `col`), the sums in registers.
fn reflector_sums_fixed<const L: usize>(
    col: &[f64],
    v0: f64,
    srcs: [&[f64]; L],
) -> (f64, [f64; L]) {
    let len = col.len();
    let ajj = col[0];
    let mut vnorm2 = -0.0 + v0 * v0;
    let mut own = -0.0 + v0 * ajj;
    let mut d: [f64; L] = core::array::from_fn(|k| -0.0 + v0 * srcs[k][0]);
    for s in &srcs {
        assert_eq!(s.len(), len);
    }
    for i in 1..len {
        let vi = col[i];
        vnorm2 += vi * vi;
        own += vi * vi;
        for k in 0..L {
            d[k] += vi * srcs[k][i];
        }
    }
    (2.0 * own / vnorm2, d.map(|d| 2.0 * d / vnorm2))
}

/// `dst[i] = src[i] - f v[i]` (`src` = `dst` when `None`).
fn reflect(dst: &mut [f64], src: Option<&[f64]>, f: f64, v: &[f64]) {
    match src {
        Some(src) => {
            for ((d, s), vi) in dst.iter_mut().zip(src).zip(v) {
                *d = s - f * vi;
            }
        }
        None => {
            for (d, vi) in dst.iter_mut().zip(v) {
                *d -= f * vi;
            }
        }
    }
}

/// [`reflect`], returning the sum of the squared results in row order
/// from `-0.0`.
fn reflect_summing(dst: &mut [f64], src: Option<&[f64]>, f: f64, v: &[f64]) -> f64 {
    let mut s2 = -0.0;
    match src {
        Some(src) => {
            for ((d, s), vi) in dst.iter_mut().zip(src).zip(v) {
                let x = s - f * vi;
                *d = x;
                s2 += x * x;
            }
        }
        None => {
            for (d, vi) in dst.iter_mut().zip(v) {
                let x = *d - f * vi;
                *d = x;
                s2 += x * x;
            }
        }
    }
    s2
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-column-at-a-time Householder QR this module computed before
    /// its passes were fused: the reference the fused version must equal
    /// bit for bit.
    fn textbook(columns: &[Vec<f64>], y: &[f64], what: &str) -> Result<Vec<f64>, FitError> {
        let m = y.len();
        let n = columns.len();
        // The input checks are the module's own (they are not what the
        // fused passes changed).
        check_problem(m, n, y, what)?;
        let mut a: Vec<Vec<f64>> = Vec::with_capacity(n);
        let mut scales = Vec::with_capacity(n);
        for (j, c) in columns.iter().enumerate() {
            let norm = column_norm(c, j, m, what)?;
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
                    &format!(
                        "regressor {j} is a linear combination of the others (rank-deficient)"
                    ),
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

    /// A reproducible pseudo-random number in [-1, 1) (xorshift64*).
    fn next(state: &mut u64) -> f64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        let x = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    #[test]
    fn fused_passes_equal_the_textbook_reflections_bit_for_bit() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for (m, n) in [
            (1, 1),
            (2, 2),
            (5, 1),
            (7, 3),
            (50, 2),
            (300, 3),
            (1000, 4),
            (33, 5),
        ] {
            for scale in [1.0, 1e-10, 1e3] {
                let cols: Vec<Vec<f64>> = (0..n)
                    .map(|j| {
                        (0..m)
                            .map(|i| {
                                scale * (next(&mut s) + if j == 0 { 0.5 } else { 0.0 })
                                    + (i % 3) as f64 * 1e-3
                            })
                            .collect()
                    })
                    .collect();
                let y: Vec<f64> = (0..m).map(|_| next(&mut s)).collect();
                let want = textbook(&cols, &y, "t").unwrap();
                let got = lstsq(&cols, &y, "t").unwrap();
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "m {m}, n {n}, scale {scale}");
            }
        }
    }

    #[test]
    fn shared_first_reflection_equals_each_problem_solved_alone_bit_for_bit() {
        let mut s = 0x2545_f491_4f6c_dd1du64;
        for m in [3, 4, 9, 200, 1001] {
            let unit = |s: &mut u64, scale: f64| -> Vec<f64> {
                let c: Vec<f64> = (0..m).map(|_| scale * next(s) + 0.2).collect();
                let norm = sum_sq(&c).sqrt();
                c.iter().map(|v| v / norm).collect()
            };
            let first = unit(&mut s, 1.0);
            let last = unit(&mut s, 1e-3);
            let y: Vec<f64> = (0..m).map(|_| next(&mut s)).collect();
            // Random columns, one equal to `first` (rank-deficient at step
            // 1) and one equal to `last` (at step 2).
            let mut seconds: Vec<Vec<f64>> = (0..4).map(|k| unit(&mut s, 10f64.powi(k))).collect();
            seconds.push(first.clone());
            seconds.push(last.clone());
            for count in [1, 2, 4, 6] {
                let refs: Vec<&[f64]> = seconds[seconds.len() - count..]
                    .iter()
                    .map(Vec::as_slice)
                    .collect();
                let got = solve_three_sharing_first(&first, &refs, &last, &y, &mut Vec::new(), "t");
                for (second, got) in refs.iter().zip(got) {
                    let want =
                        solve_unit_columns(&[&first, second, &last], &y, &mut Vec::new(), "t");
                    match (got, want) {
                        (Ok(g), Ok(w)) => {
                            let bits =
                                |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                            assert_eq!(bits(&g), bits(&w), "m {m}, {count} problems");
                        }
                        (g, w) => assert_eq!(
                            g.map(|_| ()).unwrap_err().to_string(),
                            w.map(|_| ()).unwrap_err().to_string(),
                            "m {m}"
                        ),
                    }
                }
            }
        }
        // A zero-norm first column fails every problem at regressor 0, as
        // each problem alone does.
        let z = vec![0.0; 5];
        let c = vec![0.5; 5];
        let got = solve_three_sharing_first(&z, &[&c, &c], &c, &c, &mut Vec::new(), "t");
        let want = solve_unit_columns(&[&z, &c, &c], &c, &mut Vec::new(), "t").unwrap_err();
        for g in got {
            assert_eq!(g.unwrap_err().to_string(), want.to_string());
        }
    }

    #[test]
    fn rank_deficiency_and_bad_columns_are_named_as_before() {
        let a = vec![1.0, 2.0, 3.0, 4.0];
        let cols = vec![a.clone(), a.iter().map(|x| 2.0 * x).collect()];
        let y = vec![1.0, 0.0, 1.0, 0.0];
        let want = textbook(&cols, &y, "t").unwrap_err().to_string();
        assert_eq!(lstsq(&cols, &y, "t").unwrap_err().to_string(), want);
        assert!(
            want.contains("regressor 1 is a linear combination"),
            "{want}"
        );
        for (bad, named) in [
            (vec![vec![0.0; 4]], "regressor 0 is zero everywhere"),
            (vec![vec![1.0, f64::NAN, 0.0, 0.0]], "regressor 0"),
            (vec![vec![1.0; 3]], "column 0 has 3 samples, the data 4"),
        ] {
            let err = lstsq(&bad, &y, "t").unwrap_err().to_string();
            assert!(err.contains(named), "{err}");
        }
    }
}
