//! Loading a sweep as AllenSDK's `data_access.load_sweep` prepares it for
//! fitting: a 4th-order Bessel low-pass (`scipy.signal.bessel(4, Wn, "low")`,
//! phase-normalised, digital) applied forwards and backwards with
//! `scipy.signal.filtfilt` (odd extension of `3 * max(len(a), len(b))`
//! samples at each end, `lfilter_zi` initial conditions), then
//! mean-subsampling to the fitting time step.
//!
//! The filter is applied to the voltage only; the stimulus is subsampled
//! unfiltered, as AllenSDK does.

use crate::FitError;

/// A digital IIR filter as transfer-function coefficients `b` (numerator)
/// and `a` (denominator), `a[0] == 1`, highest power of `z^-1` last, as
/// scipy returns them.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// Numerator coefficients.
    pub b: Vec<f64>,
    /// Denominator coefficients (`a[0] == 1`).
    pub a: Vec<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct C64 {
    re: f64,
    im: f64,
}

impl C64 {
    const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }
    fn add(self, o: Self) -> Self {
        Self::new(self.re + o.re, self.im + o.im)
    }
    fn sub(self, o: Self) -> Self {
        Self::new(self.re - o.re, self.im - o.im)
    }
    fn mul(self, o: Self) -> Self {
        Self::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
    fn scale(self, k: f64) -> Self {
        Self::new(self.re * k, self.im * k)
    }
    fn div(self, o: Self) -> Self {
        let d = o.re * o.re + o.im * o.im;
        Self::new(
            (self.re * o.re + self.im * o.im) / d,
            (self.im * o.re - self.re * o.im) / d,
        )
    }
    fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
}

/// Coefficients of the reverse Bessel polynomial of order `n`,
/// `theta_n(s) = sum_k a_k s^k`, `a_k = (2n-k)! / (2^(n-k) k! (n-k)!)`,
/// lowest power first.
fn reverse_bessel_coefficients(n: usize) -> Vec<f64> {
    let fact = |m: usize| (1..=m).fold(1.0f64, |p, i| p * i as f64);
    (0..=n)
        .map(|k| fact(2 * n - k) / (2f64.powi((n - k) as i32) * fact(k) * fact(n - k)))
        .collect()
}

fn poly_eval(c: &[f64], s: C64) -> (C64, C64) {
    // Horner for the value and its derivative; `c` lowest power first.
    let mut p = C64::new(0.0, 0.0);
    let mut dp = C64::new(0.0, 0.0);
    for &ck in c.iter().rev() {
        dp = dp.mul(s).add(p);
        p = p.mul(s).add(C64::new(ck, 0.0));
    }
    (p, dp)
}

/// Roots of a real polynomial (lowest power first) by the Aberth-Ehrlich
/// iteration, polished by Newton steps until they stop moving.
fn poly_roots(c: &[f64]) -> Vec<C64> {
    let n = c.len() - 1;
    let lead = c[n];
    let radius = (c[0] / lead).abs().powf(1.0 / n as f64);
    let mut z: Vec<C64> = (0..n)
        .map(|k| {
            let t = 2.0 * core::f64::consts::PI * (k as f64 + 0.25) / n as f64 + 0.4;
            C64::new(radius * t.cos(), radius * t.sin())
        })
        .collect();
    for _ in 0..500 {
        let mut moved = 0.0f64;
        for i in 0..n {
            let (p, dp) = poly_eval(c, z[i]);
            let ratio = p.div(dp);
            let mut sum = C64::new(0.0, 0.0);
            for j in 0..n {
                if j != i {
                    sum = sum.add(C64::new(1.0, 0.0).div(z[i].sub(z[j])));
                }
            }
            let w = ratio.div(C64::new(1.0, 0.0).sub(ratio.mul(sum)));
            z[i] = z[i].sub(w);
            moved = moved.max(w.abs() / z[i].abs());
        }
        if moved < 1e-17 {
            break;
        }
    }
    z
}

/// scipy's `signal.bessel(order, wn, btype="low")`: the digital,
/// phase-normalised Bessel low-pass of `order`, its -3 dB-phase point at
/// `wn` (a fraction of the Nyquist frequency, `0 < wn < 1`). The analog
/// prototype's poles are the roots of the reverse Bessel polynomial scaled
/// by `a_0^(-1/order)` (phase normalisation); the cut-off is pre-warped
/// (`4 tan(pi wn / 2)`), the poles scaled to it and mapped by the bilinear
/// transform at `fs = 2`, with `order` zeros at `z = -1`.
///
/// Same design path as scipy; the poles are found by a different root
/// finder, so `b` and `a` agree with scipy's to within a few units in the
/// last place, not bit for bit.
pub fn bessel_lowpass(order: usize, wn: f64) -> Result<Filter, FitError> {
    if order == 0 || order > 12 {
        return Err(FitError::invalid(
            "filter order",
            order as f64,
            "an integer from 1 to 12",
        ));
    }
    if !(wn > 0.0 && wn < 1.0) {
        return Err(FitError::invalid(
            "filter cut-off (fraction of Nyquist)",
            wn,
            "strictly between 0 and 1: the cut-off must be below half the sampling rate",
        ));
    }
    let theta = reverse_bessel_coefficients(order);
    let norm = 10f64.powf(-theta[0].log10() / order as f64);
    let fs = 2.0;
    let warped = 2.0 * fs * (core::f64::consts::PI * wn / fs).tan();
    let fs2 = 2.0 * fs;
    let mut poles: Vec<C64> = poly_roots(&theta)
        .into_iter()
        .map(|p| p.scale(norm).scale(warped))
        .collect();
    // Conjugate pairs in a fixed order (upper half first), so `a` is real.
    poles.sort_by(|x, y| x.re.total_cmp(&y.re).then(y.im.total_cmp(&x.im)));
    let k_analog = warped.powi(order as i32);
    let mut denom = C64::new(1.0, 0.0);
    let zpoles: Vec<C64> = poles
        .iter()
        .map(|&p| {
            denom = denom.mul(C64::new(fs2, 0.0).sub(p));
            C64::new(fs2, 0.0).add(p).div(C64::new(fs2, 0.0).sub(p))
        })
        .collect();
    let k = k_analog * C64::new(1.0, 0.0).div(denom).re;
    // a = poly(zpoles), b = k * poly([-1; order]).
    let mut a = vec![C64::new(1.0, 0.0)];
    for &p in &zpoles {
        let mut next = vec![C64::new(0.0, 0.0); a.len() + 1];
        for (i, &ai) in a.iter().enumerate() {
            next[i] = next[i].add(ai);
            next[i + 1] = next[i + 1].sub(ai.mul(p));
        }
        a = next;
    }
    let mut b = vec![1.0];
    for _ in 0..order {
        let mut next = vec![0.0; b.len() + 1];
        for (i, &bi) in b.iter().enumerate() {
            next[i] += bi;
            next[i + 1] += bi;
        }
        b = next;
    }
    Ok(Filter {
        b: b.into_iter().map(|x| k * x).collect(),
        a: a.into_iter().map(|x| x.re).collect(),
    })
}

/// scipy's `lfilter_zi(b, a)`: the initial state of the transposed
/// direct-form II filter for a step response at steady state, i.e. the `zi`
/// solving `(I - A^T) zi = b[1:] - a[1:] b[0]` with `A` the companion matrix
/// of `a`. Solved by Gaussian elimination with partial pivoting (scipy:
/// LAPACK's `gesv`, the same method; results agree to rounding).
#[allow(clippy::needless_range_loop)] // row operations on two rows of `mat`
pub fn lfilter_zi(filter: &Filter) -> Vec<f64> {
    let (b, a) = normalised(filter);
    let n = a.len().max(b.len());
    let m = n - 1;
    if m == 0 {
        return Vec::new();
    }
    let get = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
    // companion(a): first row -a[1:]/a[0], sub-diagonal ones; (I - C^T).
    let mut mat = vec![vec![0.0; m]; m];
    for (i, row) in mat.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            let c_ji = if j == 0 {
                -get(&a, i + 1)
            } else if i == j - 1 {
                1.0
            } else {
                0.0
            };
            *x = f64::from(u8::from(i == j)) - c_ji;
        }
    }
    let mut rhs: Vec<f64> = (0..m)
        .map(|i| get(&b, i + 1) - get(&a, i + 1) * b[0])
        .collect();
    for col in 0..m {
        let piv = (col..m)
            .max_by(|&x, &y| mat[x][col].abs().total_cmp(&mat[y][col].abs()))
            .unwrap_or(col);
        mat.swap(col, piv);
        rhs.swap(col, piv);
        for row in col + 1..m {
            let f = mat[row][col] / mat[col][col];
            for j in col..m {
                mat[row][j] -= f * mat[col][j];
            }
            rhs[row] -= f * rhs[col];
        }
    }
    let mut zi = vec![0.0; m];
    for i in (0..m).rev() {
        let s: f64 = (i + 1..m).fold(rhs[i], |s, j| s - mat[i][j] * zi[j]);
        zi[i] = s / mat[i][i];
    }
    zi
}

fn normalised(filter: &Filter) -> (Vec<f64>, Vec<f64>) {
    let a0 = filter.a[0];
    let n = filter.a.len().max(filter.b.len());
    let pad = |v: &[f64]| {
        let mut v: Vec<f64> = v.iter().map(|x| x / a0).collect();
        v.resize(n, 0.0);
        v
    };
    (pad(&filter.b), pad(&filter.a))
}

/// scipy's `lfilter(b, a, x, zi=zi)`: the transposed direct-form II
/// recursion in scipy's operation order, `y = z0 + b0 x`,
/// `z_j = z_{j+1} + x b_{j+1} - y a_{j+1}`, last `z = x b_n - y a_n`.
/// `zi` is updated in place to the final state.
pub fn lfilter(filter: &Filter, x: &[f64], zi: &mut [f64]) -> Vec<f64> {
    let mut y = x.to_vec();
    lfilter_in_place(filter, &mut y, zi, false);
    y
}

/// [`lfilter`] over `data` in place, forwards or (`backwards`) from the
/// last sample to the first, which is filtering the reversed array and
/// reversing the result without the two copies.
fn lfilter_in_place(filter: &Filter, data: &mut [f64], zi: &mut [f64], backwards: bool) {
    let (b, a) = normalised(filter);
    macro_rules! fixed {
        ($n:literal) => {{
            let b: [f64; $n] = b[..].try_into().expect("length checked by the match");
            let a: [f64; $n] = a[..].try_into().expect("length checked by the match");
            if backwards {
                lfilter_fixed::<$n, _>(&b, &a, zi, data.iter_mut().rev())
            } else {
                lfilter_fixed::<$n, _>(&b, &a, zi, data.iter_mut())
            }
        }};
    }
    match b.len() {
        // The loading filter (order 4), and its neighbours: the state in
        // registers, the same operations.
        2 => fixed!(2),
        3 => fixed!(3),
        4 => fixed!(4),
        5 => fixed!(5),
        6 => fixed!(6),
        7 => fixed!(7),
        _ if backwards => lfilter_any(&b, &a, zi, data.iter_mut().rev()),
        _ => lfilter_any(&b, &a, zi, data.iter_mut()),
    }
}

/// The recursion of [`lfilter`] for `N` coefficients (`N >= 2`).
fn lfilter_fixed<'a, const N: usize, I: Iterator<Item = &'a mut f64>>(
    b: &[f64; N],
    a: &[f64; N],
    zi: &mut [f64],
    data: I,
) {
    let mut z = [0.0; N];
    z[..N - 1].copy_from_slice(&zi[..N - 1]);
    for x in data {
        let xn = *x;
        let yn = z[0] + b[0] * xn;
        for j in 0..N - 2 {
            z[j] = z[j + 1] + xn * b[j + 1] - yn * a[j + 1];
        }
        z[N - 2] = xn * b[N - 1] - yn * a[N - 1];
        *x = yn;
    }
    zi[..N - 1].copy_from_slice(&z[..N - 1]);
}

/// The recursion of [`lfilter`] for any number of coefficients.
fn lfilter_any<'a, I: Iterator<Item = &'a mut f64>>(b: &[f64], a: &[f64], zi: &mut [f64], data: I) {
    let n = b.len();
    for x in data {
        let xn = *x;
        if n > 1 {
            let yn = zi[0] + b[0] * xn;
            for j in 0..n - 2 {
                zi[j] = zi[j + 1] + xn * b[j + 1] - yn * a[j + 1];
            }
            zi[n - 2] = xn * b[n - 1] - yn * a[n - 1];
            *x = yn;
        } else {
            *x = xn * b[0];
        }
    }
}

/// scipy's `filtfilt(b, a, x)` with its defaults (`padtype="odd"`,
/// `padlen = 3 * max(len(a), len(b))`, `method="pad"`): `x` extended at
/// each end by `padlen` samples of its odd reflection (`2 x[0] - x[k]`),
/// filtered forwards from `lfilter_zi * ext[0]`, backwards from
/// `lfilter_zi * y[last]`, and the padding removed. Zero phase; the
/// output has the input's length and units.
///
/// Errors when `x` has `padlen` samples or fewer (scipy's ValueError) or a
/// NaN/infinite sample (scipy would return NaN everywhere).
pub fn filtfilt(filter: &Filter, x: &[f64]) -> Result<Vec<f64>, FitError> {
    let (y, padlen) = filtfilt_padded(filter, x)?;
    Ok(y[padlen..padlen + x.len()].to_vec())
}

/// [`filtfilt`] before the padding is removed: the filtered extended
/// array and `padlen`.
fn filtfilt_padded(filter: &Filter, x: &[f64]) -> Result<(Vec<f64>, usize), FitError> {
    let padlen = 3 * filter.a.len().max(filter.b.len());
    if x.len() <= padlen {
        return Err(FitError::invalid(
            "samples to filter",
            x.len() as f64,
            &format!("more than the filter's padding of {padlen} samples"),
        ));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(FitError::NotFinite {
            what: "trace to filter".into(),
            index: i,
            value: x[i],
        });
    }
    let n = x.len();
    let mut y = Vec::with_capacity(n + 2 * padlen);
    y.extend((1..=padlen).rev().map(|k| 2.0 * x[0] - x[k]));
    y.extend_from_slice(x);
    y.extend((1..=padlen).map(|k| 2.0 * x[n - 1] - x[n - 1 - k]));
    let zi = lfilter_zi(filter);
    let mut z: Vec<f64> = zi.iter().map(|z| z * y[0]).collect();
    lfilter_in_place(filter, &mut y, &mut z, false);
    let y0 = y[y.len() - 1];
    let mut z: Vec<f64> = zi.iter().map(|z| z * y0).collect();
    lfilter_in_place(filter, &mut y, &mut z, true);
    Ok((y, padlen))
}

/// numpy's pairwise sum of a contiguous run (`pairwise_sum` in numpy's
/// `loops_utils`), which `np.mean(..., axis=-1)` uses: fewer than 8 values
/// added in order, up to 128 in eight interleaved partial sums, more split
/// in halves (rounded down to a multiple of 8).
pub fn numpy_sum(v: &[f64]) -> f64 {
    pairwise_sum(v)
}

/// [`numpy_sum`] of the products `a[i] * b[i]` (each rounded, as numpy
/// rounds `a * b` into an array before summing it), without the array of
/// products: the same additions in the same order, so the same bits.
/// Sums over the shorter of the two.
pub fn numpy_sum_of_products(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    pairwise_sum_of_products(&a[..n], &b[..n])
}

fn pairwise_sum_of_products(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for (x, y) in a.iter().zip(b) {
            res += x * y;
        }
        res
    } else if n <= 128 {
        let mut r = leaf_start(a, b);
        leaf_add(&mut r, &a[8..n - n % 8], &b[8..n - n % 8]);
        leaf_finish(&r, a, b)
    } else {
        let n2 = (n / 2) - (n / 2) % 8;
        if n - n2 <= 128 {
            // Both halves are leaves (of 64 to 128 terms): their
            // accumulators run in one loop, two independent chains of
            // additions instead of one after the other; each leaf's sums
            // are the same, and they are added as the recursion adds them.
            let (a1, a2) = a.split_at(n2);
            let (b1, b2) = b.split_at(n2);
            let (w1, w2) = (n2, a2.len() - a2.len() % 8);
            let (mut r1, mut r2) = (leaf_start(a1, b1), leaf_start(a2, b2));
            let both = w1.min(w2);
            for (((x1, y1), x2), y2) in a1[8..both]
                .chunks_exact(8)
                .zip(b1[8..both].chunks_exact(8))
                .zip(a2[8..both].chunks_exact(8))
                .zip(b2[8..both].chunks_exact(8))
            {
                for k in 0..8 {
                    r1[k] += x1[k] * y1[k];
                    r2[k] += x2[k] * y2[k];
                }
            }
            leaf_add(&mut r1, &a1[both..w1], &b1[both..w1]);
            leaf_add(&mut r2, &a2[both..w2], &b2[both..w2]);
            leaf_finish(&r1, a1, b1) + leaf_finish(&r2, a2, b2)
        } else {
            pairwise_sum_of_products(&a[..n2], &b[..n2])
                + pairwise_sum_of_products(&a[n2..], &b[n2..])
        }
    }
}

/// A leaf of [`pairwise_sum_of_products`] (8 to 128 terms): its eight
/// accumulators' first products.
#[inline(always)]
fn leaf_start(a: &[f64], b: &[f64]) -> [f64; 8] {
    let mut r = [0.0; 8];
    for ((rk, x), y) in r.iter_mut().zip(&a[..8]).zip(&b[..8]) {
        *rk = x * y;
    }
    r
}

/// Adds the products of `a` and `b` (whole blocks of 8) to the eight
/// accumulators, block by block.
#[inline(always)]
fn leaf_add(r: &mut [f64; 8], a: &[f64], b: &[f64]) {
    for (ca, cb) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for ((rk, x), y) in r.iter_mut().zip(ca).zip(cb) {
            *rk += x * y;
        }
    }
}

/// A leaf's sum: its accumulators added pairwise, then the products past
/// its last whole block of 8 added in order.
#[inline(always)]
fn leaf_finish(r: &[f64; 8], a: &[f64], b: &[f64]) -> f64 {
    let whole = a.len() - a.len() % 8;
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (x, y) in a[whole..].iter().zip(&b[whole..]) {
        res += x * y;
    }
    res
}

/// numpy's pairwise sum of a float32 array, accumulated in float32 (what
/// `np.mean` of a float32 array sums with).
pub fn numpy_sum_f32(v: &[f32]) -> f32 {
    pairwise_sum(v)
}

/// [`pairwise_sum`] of fewer than 8 values: added in order. numpy starts
/// from -0.0 only for an empty sum; `0.0 + x` keeps x except for x = -0.0,
/// which numpy's loop also turns into 0.0.
#[inline]
fn short_sum<T>(v: impl IntoIterator<Item = T>) -> T
where
    T: Copy + Default + core::ops::AddAssign,
{
    let mut res = T::default();
    for x in v {
        res += x;
    }
    res
}

/// The pairwise sum of [`numpy_sum`], in `T`'s own arithmetic.
fn pairwise_sum<T>(v: &[T]) -> T
where
    T: Copy + Default + core::ops::Add<Output = T> + core::ops::AddAssign,
{
    let n = v.len();
    if n < 8 {
        short_sum(v.iter().copied())
    } else if n <= 128 {
        // Eight partial sums over whole blocks of eight (fixed-size chunks,
        // so the compiler keeps them in one or two vector registers), the
        // remainder added in order.
        let whole = n - (n % 8);
        let mut r = [T::default(); 8];
        r.copy_from_slice(&v[..8]);
        for c in v[8..whole].chunks_exact(8) {
            for (rk, &x) in r.iter_mut().zip(c) {
                *rk += x;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &v[whole..] {
            res += x;
        }
        res
    } else {
        let n2 = (n / 2) - (n / 2) % 8;
        pairwise_sum(&v[..n2]) + pairwise_sum(&v[n2..])
    }
}

/// [`subsample_mean`] of float32 samples, in float32 as numpy computes the
/// mean of a float32 array (AllenSDK leaves a float32 stimulus read from an
/// NWB file in float32); the results widened to f64.
pub fn subsample_mean_f32(data: &[f32], dt: f64, desired_dt: f64) -> Result<Vec<f64>, FitError> {
    block_means(data, dt, desired_dt, |c| {
        f64::from(block_sum(c, numpy_sum_f32) / c.len() as f32)
    })
}

/// [`subsample_mean_f32`] of `data` converted to float32, for `data` whose
/// every value is exactly a float32 value: each block converted as it is
/// summed, without a float32 copy of the whole trace.
fn subsample_mean_f32_of_exact(
    data: &[f64],
    dt: f64,
    desired_dt: f64,
) -> Result<Vec<f64>, FitError> {
    block_means(data, dt, desired_dt, |c| {
        let sum = if c.len() < 8 {
            short_sum(c.iter().map(|&x| x as f32))
        } else {
            numpy_sum_f32(&c.iter().map(|&x| x as f32).collect::<Vec<_>>())
        };
        f64::from(sum / c.len() as f32)
    })
}

/// AllenSDK's `subsample_data(data, "mean", dt, desired_dt)`: averages of
/// consecutive blocks of `int(desired_dt / dt)` samples (numpy's pairwise
/// sum divided by the block length); a last partial block is dropped.
/// `dt` and `desired_dt` in seconds; the values keep their units.
pub fn subsample_mean(data: &[f64], dt: f64, desired_dt: f64) -> Result<Vec<f64>, FitError> {
    block_means(data, dt, desired_dt, |c| {
        block_sum(c, numpy_sum) / c.len() as f64
    })
}

/// numpy's sum of one block: blocks of fewer than 8 samples (40 kHz to
/// 50 us: 2) are summed in line, as numpy's pairwise sum (`sum`) sums them.
#[inline]
fn block_sum<T>(c: &[T], sum: impl Fn(&[T]) -> T) -> T
where
    T: Copy + Default + core::ops::AddAssign,
{
    if c.len() < 8 {
        short_sum(c.iter().copied())
    } else {
        sum(c)
    }
}

/// `mean` of each whole block of `int(desired_dt / dt)` samples, after
/// checking both steps (s).
fn block_means<T, R>(
    data: &[T],
    dt: f64,
    desired_dt: f64,
    mean: impl Fn(&[T]) -> R,
) -> Result<Vec<R>, FitError> {
    if !(dt > 0.0 && dt.is_finite()) {
        return Err(FitError::invalid("dt", dt, "a positive number of seconds"));
    }
    if !(desired_dt >= dt && desired_dt.is_finite()) {
        return Err(FitError::invalid(
            "fitting dt",
            desired_dt,
            &format!("a time step in seconds no smaller than the recording's {dt:e} s"),
        ));
    }
    let block = (desired_dt / dt) as usize;
    let blocks = data.len() / block;
    Ok(data[..blocks * block]
        .chunks_exact(block)
        .map(mean)
        .collect())
}

/// AllenSDK's default loading filter (`preprocess_neuron.DEFAULT_BESSEL`):
/// order 4, cut-off 10 kHz.
pub const DEFAULT_BESSEL_ORDER: usize = 4;
/// The default loading filter's cut-off, Hz.
pub const DEFAULT_BESSEL_FREQ_HZ: f64 = 10_000.0;

/// One sweep loaded for fitting, as `load_sweep` returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedSweep {
    /// Membrane voltage, V, filtered and subsampled.
    pub voltage: Vec<f64>,
    /// Injected current, A, subsampled (not filtered).
    pub current: Vec<f64>,
    /// Time step of the returned traces, s.
    pub dt: f64,
    /// Index (at `dt`) where the stimulus starts: `int(index_range_start /
    /// (dt / recording_dt))` after subsampling, as AllenSDK computes it.
    pub start_idx: usize,
}

/// `load_sweep(..., desired_dt, cut=0, bessel={"N": order, "freq": freq_hz})`
/// on a sweep already read: voltage (V) and current (A) sampled at
/// `sampling_rate_hz`, the stimulus starting at sample `index_range_start`.
/// The voltage is low-passed (`bessel(order, freq_hz / (rate / 2))` and
/// `filtfilt`), then both traces are mean-subsampled to `desired_dt` (s)
/// unless the recording is already at that step. A current whose every
/// sample is exactly a float32 value is taken to come from a float32
/// dataset (as Allen NWB files store it) and averaged in float32, as
/// AllenSDK's numpy does; any other current in float64.
pub fn load_sweep(
    voltage: &[f64],
    current: &[f64],
    sampling_rate_hz: f64,
    index_range_start: usize,
    desired_dt: f64,
    bessel: Option<(usize, f64)>,
) -> Result<LoadedSweep, FitError> {
    if voltage.len() != current.len() {
        return Err(FitError::invalid(
            "current samples",
            current.len() as f64,
            &format!("as many as the voltage's {}", voltage.len()),
        ));
    }
    if !(sampling_rate_hz > 0.0 && sampling_rate_hz.is_finite()) {
        return Err(FitError::invalid(
            "sampling rate (Hz)",
            sampling_rate_hz,
            "a positive number of samples per second",
        ));
    }
    let dt = 1.0 / sampling_rate_hz;
    let filtered;
    let v_in: &[f64] = match bessel {
        Some((order, freq)) => {
            let wn = freq / (sampling_rate_hz / 2.0);
            let (y, padlen) = filtfilt_padded(&bessel_lowpass(order, wn)?, voltage)?;
            filtered = y;
            &filtered[padlen..padlen + voltage.len()]
        }
        None => voltage,
    };
    if dt == desired_dt {
        return Ok(LoadedSweep {
            voltage: v_in.to_vec(),
            current: current.to_vec(),
            dt,
            start_idx: index_range_start,
        });
    }
    let v = subsample_mean(v_in, dt, desired_dt)?;
    // A current that is exactly float32 everywhere came from a float32
    // dataset: AllenSDK averages it in float32.
    let float32 = current.iter().all(|&x| f64::from(x as f32) == x);
    let i = if float32 {
        subsample_mean_f32_of_exact(current, dt, desired_dt)?
    } else {
        subsample_mean(current, dt, desired_dt)?
    };
    let start_idx = (index_range_start as f64 / (desired_dt / dt)) as usize;
    let out_dt = desired_dt;
    Ok(LoadedSweep {
        voltage: v,
        current: i,
        dt: out_dt,
        start_idx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reproducible pseudo-random number in [-1, 1) (xorshift64*).
    fn next(state: &mut u64) -> f64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        let x = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    #[test]
    fn float32_means_without_the_copy_equal_those_of_the_copy_bit_for_bit() {
        let mut s = 5u64;
        for n in [0, 1, 2, 3, 15, 16, 17, 1001] {
            let x: Vec<f64> = (0..n)
                .map(|_| f64::from((next(&mut s) * 1e-10) as f32))
                .collect();
            let copy: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            // Blocks of 2 (40 kHz to 50 us), 4 (200 kHz), 8 and 10.
            for rate in [40e3, 80e3, 160e3, 200e3] {
                let (dt, want_dt) = (1.0 / rate, 5e-5);
                let got = subsample_mean_f32_of_exact(&x, dt, want_dt).unwrap();
                let want = subsample_mean_f32(&copy, dt, want_dt).unwrap();
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "n {n}, rate {rate}");
            }
        }
    }

    #[test]
    fn sum_of_products_is_the_sum_of_the_product_array_bit_for_bit() {
        let mut s = 7u64;
        for n in [
            0, 1, 7, 8, 9, 127, 128, 129, 136, 137, 200, 248, 249, 255, 256, 257, 263, 1000, 4097,
            100_003,
        ] {
            let a: Vec<f64> = (0..n).map(|_| next(&mut s) * 1e-3).collect();
            let b: Vec<f64> = (0..n + 5).map(|k| (1e-4 * k as f64).exp()).collect();
            let products: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
            assert_eq!(
                numpy_sum_of_products(&a, &b).to_bits(),
                numpy_sum(&products).to_bits(),
                "n {n}"
            );
        }
    }

    /// The recursion for any order, on a copy, forwards: the reference
    /// the fixed-order and in-place (backwards) versions must equal.
    fn reference(filter: &Filter, x: &[f64], zi: &mut [f64]) -> Vec<f64> {
        let (b, a) = normalised(filter);
        let mut y = x.to_vec();
        lfilter_any(&b, &a, zi, y.iter_mut());
        y
    }

    #[test]
    fn fixed_order_and_backwards_filtering_equal_the_reference_bit_for_bit() {
        let mut s = 11u64;
        let x: Vec<f64> = (0..5000).map(|_| -0.07 + 1e-3 * next(&mut s)).collect();
        for order in 1..=8 {
            let f = bessel_lowpass(order, 0.5).unwrap();
            let zi = lfilter_zi(&f);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let (mut z1, mut z2) = (zi.clone(), zi.clone());
            assert_eq!(
                bits(&lfilter(&f, &x, &mut z1)),
                bits(&reference(&f, &x, &mut z2))
            );
            assert_eq!(bits(&z1), bits(&z2), "order {order}: final state");
            // Backwards in place = reverse, filter, reverse.
            let mut rev: Vec<f64> = x.iter().rev().copied().collect();
            let mut z2 = zi.clone();
            rev = reference(&f, &rev, &mut z2);
            rev.reverse();
            let mut back = x.clone();
            let mut z1 = zi.clone();
            lfilter_in_place(&f, &mut back, &mut z1, true);
            assert_eq!(bits(&back), bits(&rev), "order {order}: backwards");
        }
    }
}
