//! `Lanes<T, L>`: `L` values of `f32` or `f64` that go through every
//! operation together, so the population engine runs `L` neurons with the
//! same generic rule code that runs one.
//!
//! Each operation is the scalar IEEE operation applied lane by lane (the
//! compiler turns the fixed-length loops into SIMD instructions), so every
//! lane computes exactly what the scalar engine computes, bit for bit.

use core::cmp::Ordering;
use core::ops::{Add, Div, Mul, Neg, Sub};

use crate::float::Float;

/// `L` lanes of `T`, processed together.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(transparent)]
pub struct Lanes<T, const L: usize>(pub [T; L]);

impl<T: Float, const L: usize> Lanes<T, L> {
    /// Every lane set to `x`.
    #[inline(always)]
    pub fn splat(x: T) -> Self {
        Lanes([x; L])
    }

    /// Lane `i` from `f(i)`.
    #[inline(always)]
    pub fn from_fn(f: impl FnMut(usize) -> T) -> Self {
        Lanes(core::array::from_fn(f))
    }

    #[inline(always)]
    fn zip(self, other: Self, f: impl Fn(T, T) -> T) -> Self {
        Lanes(core::array::from_fn(|i| f(self.0[i], other.0[i])))
    }
}

impl<T: Float, const L: usize> Default for Lanes<T, L> {
    fn default() -> Self {
        Lanes([T::default(); L])
    }
}

impl<T: Float, const L: usize> Add for Lanes<T, L> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.zip(o, |a, b| a + b)
    }
}

impl<T: Float, const L: usize> Sub for Lanes<T, L> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self.zip(o, |a, b| a - b)
    }
}

impl<T: Float, const L: usize> Mul for Lanes<T, L> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self.zip(o, |a, b| a * b)
    }
}

impl<T: Float, const L: usize> Div for Lanes<T, L> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        self.zip(o, |a, b| a / b)
    }
}

impl<T: Float, const L: usize> Neg for Lanes<T, L> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Lanes(self.0.map(|a| -a))
    }
}

/// Orders two lane vectors only when every lane agrees (all less, all
/// equal or all greater); otherwise they are unordered. The engine never
/// branches on lane comparisons: validation happens on each neuron's scalar
/// parameters before they are combined into lanes.
impl<T: Float, const L: usize> PartialOrd for Lanes<T, L> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        let mut order = None;
        for (a, b) in self.0.iter().zip(&other.0) {
            let o = a.partial_cmp(b)?;
            match order {
                None => order = Some(o),
                Some(prev) if prev != o => return None,
                Some(_) => {}
            }
        }
        order.or(Some(Ordering::Equal))
    }
}

impl<T: Float, const L: usize> Float for Lanes<T, L> {
    const ZERO: Self = Lanes([T::ZERO; L]);
    const ONE: Self = Lanes([T::ONE; L]);
    const NAN: Self = Lanes([T::NAN; L]);
    const BYTES: usize = T::BYTES * L;

    /// Lane by lane, through `libm` as for the scalar types.
    #[inline]
    fn exp(self) -> Self {
        Lanes(self.0.map(T::exp))
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        Lanes::splat(T::from_f64(x))
    }
    /// The first lane.
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self.0.first().map_or(f64::NAN, |x| x.to_f64())
    }
    #[inline(always)]
    fn from_count(n: usize) -> Self {
        Lanes::splat(T::from_count(n))
    }
    #[inline(always)]
    fn from_step(n: i64) -> Self {
        Lanes::splat(T::from_step(n))
    }
    /// True when every lane is finite.
    #[inline]
    fn is_finite(self) -> bool {
        self.0.iter().all(|x| x.is_finite())
    }
    /// The first lane's bits.
    #[inline(always)]
    fn to_bits_u64(self) -> u64 {
        self.0.first().map_or(0, |x| x.to_bits_u64())
    }
}
