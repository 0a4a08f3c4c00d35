//! The one numeric trait of the crate: `f32` or `f64`, with its math routed
//! through [`libm`] so a host build and a firmware build evaluate the same
//! `exp` bit for bit.

use core::fmt::Debug;
use core::ops::{Add, Div, Mul, Neg, Sub};

/// A floating-point sample type: implemented for `f32` and `f64` only.
///
/// Every transcendental call goes through `libm` (never through the platform's
/// `std` or intrinsics), so results do not depend on the target.
pub trait Float:
    Copy
    + Debug
    + Default
    + PartialEq
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Send
    + Sync
    + 'static
{
    /// 0.0
    const ZERO: Self;
    /// 1.0
    const ONE: Self;
    /// A quiet NaN: the value of samples inside a spike cut.
    const NAN: Self;
    /// Number of bytes in one value (4 or 8).
    const BYTES: usize;

    /// `e^self`, computed by `libm` (`exp` or `expf`).
    fn exp(self) -> Self;
    /// Conversion from `f64`, rounding to nearest for `f32`.
    fn from_f64(x: f64) -> Self;
    /// Exact conversion to `f64`.
    fn to_f64(self) -> f64;
    /// Conversion of a sample count, rounding to nearest (exact below 2^24 for `f32`).
    fn from_count(n: usize) -> Self;
    /// Conversion of a (possibly negative) step index.
    fn from_step(n: i64) -> Self;
    /// True when neither infinite nor NaN.
    fn is_finite(self) -> bool;
    /// The IEEE bit pattern, widened to 64 bits (for checksums and ulp distances).
    fn to_bits_u64(self) -> u64;
}

impl Float for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const NAN: Self = f64::NAN;
    const BYTES: usize = 8;

    #[inline(always)]
    fn exp(self) -> Self {
        libm::exp(self)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_count(n: usize) -> Self {
        n as f64
    }
    #[inline(always)]
    fn from_step(n: i64) -> Self {
        n as f64
    }
    #[inline(always)]
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
    #[inline(always)]
    fn to_bits_u64(self) -> u64 {
        self.to_bits()
    }
}

impl Float for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const NAN: Self = f32::NAN;
    const BYTES: usize = 4;

    #[inline(always)]
    fn exp(self) -> Self {
        libm::expf(self)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_count(n: usize) -> Self {
        n as f32
    }
    #[inline(always)]
    fn from_step(n: i64) -> Self {
        n as f32
    }
    #[inline(always)]
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
    #[inline(always)]
    fn to_bits_u64(self) -> u64 {
        self.to_bits() as u64
    }
}
