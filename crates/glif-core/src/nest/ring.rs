//! A fixed-capacity delay line for spike input: weights added for a later
//! step, summed per port in the order they were added (as NEST's
//! `RingBuffer::add_value`), handed out step by step. No heap: capacity `N`
//! (the longest delay in steps, plus one) is part of the type.

use crate::Float;

/// Delays beyond the buffer's capacity are refused, not wrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelayTooLong {
    /// The delay asked for, in steps.
    pub delay: usize,
    /// The largest delay this buffer holds, in steps.
    pub max: usize,
}

impl core::fmt::Display for DelayTooLong {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "delay of {} steps exceeds the buffer's maximum of {}",
            self.delay, self.max
        )
    }
}

impl core::error::Error for DelayTooLong {}

/// Spike weights for the next `N` steps on `P` ports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DelayRing<F, const P: usize, const N: usize> {
    slots: [[F; P]; N],
    head: usize,
}

impl<F: Float, const P: usize, const N: usize> Default for DelayRing<F, P, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Float, const P: usize, const N: usize> DelayRing<F, P, N> {
    /// Empty.
    pub const fn new() -> Self {
        DelayRing {
            slots: [[F::ZERO; P]; N],
            head: 0,
        }
    }

    /// The largest delay accepted, in steps (`N - 1`).
    pub const fn max_delay(&self) -> usize {
        N.saturating_sub(1)
    }

    /// Adds `weight` at `port` (0-based; out of range is refused like a too
    /// long delay) to be handed out `delay` steps from now (0 = by the next
    /// [`DelayRing::take`]).
    pub fn add(&mut self, delay: usize, port: usize, weight: F) -> Result<(), DelayTooLong> {
        if delay >= N || port >= P {
            return Err(DelayTooLong {
                delay,
                max: self.max_delay(),
            });
        }
        let idx = (self.head + delay) % N;
        self.slots[idx][port] = self.slots[idx][port] + weight;
        Ok(())
    }

    /// The weights due this step, per port; the slot is cleared and the ring
    /// moves on by one step. For `N` = 0 it hands out zeros.
    pub fn take(&mut self) -> [F; P] {
        if N == 0 {
            return [F::ZERO; P];
        }
        let out = self.slots[self.head];
        self.slots[self.head] = [F::ZERO; P];
        self.head = (self.head + 1) % N;
        out
    }
}
