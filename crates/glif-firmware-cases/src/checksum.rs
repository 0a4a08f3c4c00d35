//! What a case reports ([`Summary`]), the checksum it uses ([`Fnv`]) and
//! the integer hash behind the built-in stimulus's pseudo-noise.

/// A 32-bit integer hash (lowbias32): deterministic pseudo-noise without state.
#[inline(always)]
pub(crate) fn hash32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// What a case reports: spike count, a checksum over every spike's fields,
/// and the final state as bit patterns with their checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Number of spikes.
    pub spikes: u32,
    /// FNV-1a over every spike's step and the bit patterns of its
    /// interpolated time, voltage and threshold.
    pub spike_checksum: u64,
    /// Final state: v, th, `asc[0]`, `asc[1]`, threshold spike component,
    /// threshold voltage component (`to_bits`, f32 widened to u64), then the
    /// next sample index and the outcome (0 completed, 1 + spike step for a
    /// bad reset).
    pub state: [u64; 8],
    /// FNV-1a over `state`.
    pub state_checksum: u64,
}

/// FNV-1a over 64-bit words (each fed as 8 little-endian bytes).
#[derive(Clone, Copy, Debug)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Mixes in one word.
    pub fn word(&mut self, w: u64) {
        for i in 0..8 {
            self.0 ^= (w >> (8 * i)) & 0xff;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
