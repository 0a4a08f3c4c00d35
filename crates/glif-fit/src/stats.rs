//! numpy's reductions as the pipeline uses them, in numpy's operation order.

pub use crate::filter::numpy_sum;

/// `np.mean(v)` of a contiguous array: numpy's pairwise sum divided by the
/// length (NaN for an empty slice, as numpy gives with a warning).
pub fn mean(v: &[f64]) -> f64 {
    numpy_sum(v) / v.len() as f64
}

/// `np.var(v)` (population variance, `ddof=0`): the mean of the squared
/// deviations from the mean, each step as numpy computes it.
pub fn var(v: &[f64]) -> f64 {
    let m = mean(v);
    let sq: Vec<f64> = v.iter().map(|x| (x - m) * (x - m)).collect();
    numpy_sum(&sq) / v.len() as f64
}

/// `np.median(v)`: the middle value, or the mean of the two middle values
/// (NaN for an empty slice, as numpy gives with a warning).
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// `np.std(v)`: the square root of [`var`].
pub fn std(v: &[f64]) -> f64 {
    var(v).sqrt()
}
