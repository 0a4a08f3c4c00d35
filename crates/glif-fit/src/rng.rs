//! numpy's legacy `RandomState(seed)` as AllenSDK's optimizer uses it: the
//! MT19937 generator seeded from one integer (`init_genrand`, as numpy's
//! legacy seeding does for an int seed), its 53-bit doubles, and the legacy
//! Gaussian (the polar Box-Muller method, which makes two values per accepted
//! pair and keeps the second for the next call), so that `normal(loc,
//! scale)` gives numpy's draws in numpy's order.

const N: usize = 624;
const M: usize = 397;

/// numpy's legacy `RandomState`: MT19937 and the cached second Gaussian.
#[derive(Clone, Debug)]
pub struct RandomState {
    key: [u32; N],
    pos: usize,
    gauss: Option<f64>,
}

impl RandomState {
    /// `numpy.random.RandomState(seed)` for an integer seed in `0..2^32`.
    pub fn new(seed: u32) -> RandomState {
        let mut key = [0u32; N];
        let mut s = seed;
        for (pos, k) in key.iter_mut().enumerate() {
            *k = s;
            s = 1_812_433_253u32
                .wrapping_mul(s ^ (s >> 30))
                .wrapping_add(pos as u32 + 1);
        }
        RandomState {
            key,
            pos: N,
            gauss: None,
        }
    }

    fn generate(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
        for i in 0..N {
            let y = (self.key[i] & UPPER) | (self.key[(i + 1) % N] & LOWER);
            self.key[i] = self.key[(i + M) % N] ^ (y >> 1) ^ mag(y);
        }
        self.pos = 0;
    }

    /// The next 32-bit output (tempered).
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == N {
            self.generate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// A double in [0, 1) from 53 random bits (`random_sample`).
    pub fn next_double(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as i32;
        let b = (self.next_u32() >> 6) as i32;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0
    }

    /// `standard_normal()`: the legacy polar method; `ln` and `sqrt` are the
    /// C library's, as numpy's.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.next_double() - 1.0;
            let x2 = 2.0 * self.next_double() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 >= 1.0 || r2 == 0.0 {
                continue;
            }
            let f = (-2.0 * r2.ln() / r2).sqrt();
            self.gauss = Some(f * x1);
            return f * x2;
        }
    }

    /// `normal(loc, scale)`: `loc + scale * standard_normal()`.
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        loc + scale * self.standard_normal()
    }
}
