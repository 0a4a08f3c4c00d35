//! Generated stimuli, so users and tests need no files. Amplitudes are in
//! amperes, times in seconds; a time becomes a sample index as
//! `round(t / dt)`. Every generator checks its arguments and refuses
//! stimuli longer than [`MAX_SAMPLES`].
//!
//! [`ReferenceStimulus`] rebuilds the stimuli of the repository's AllenSDK
//! reference cases exactly (`reference/README.md`: `piecewise_constant`,
//! `ramp`, `held_levels`, `explicit`), and deserializes from their
//! `"stimulus"` objects.

use serde::Deserialize;

use crate::base::{sci, Error, Result};

/// The longest stimulus a generator makes: 2^30 samples (8 GiB of `f64`,
/// 90 minutes at 200 kHz).
pub const MAX_SAMPLES: usize = 1 << 30;

fn finite(name: &str, x: f64) -> Result<f64> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Error::stimulus(
            name,
            format!("{} is not a finite number", sci(x)),
        ))
    }
}

fn non_negative(name: &str, x: f64) -> Result<f64> {
    if finite(name, x)? >= 0.0 {
        Ok(x)
    } else {
        Err(Error::stimulus(name, format!("{} is negative", sci(x))))
    }
}

/// `round(t / dt)` samples, checked.
fn samples(name: &str, t: f64, dt: f64) -> Result<usize> {
    non_negative(name, t)?;
    crate::model::check_dt(dt).map_err(|_| {
        Error::stimulus(
            "dt",
            format!("{} is not a number > 0", crate::base::sci(dt)),
        )
    })?;
    let n = (t / dt).round();
    if n > MAX_SAMPLES as f64 {
        return Err(Error::stimulus(
            name,
            format!(
                "{} s at dt {} s is {} samples, more than {MAX_SAMPLES}",
                sci(t),
                sci(dt),
                sci(n)
            ),
        ));
    }
    Ok(n as usize)
}

/// A square step: `amplitude` (A) from `start` for `width` seconds, 0
/// elsewhere, `duration` seconds in all (AllenSDK's long and short squares).
pub fn square(dt: f64, duration: f64, start: f64, width: f64, amplitude: f64) -> Result<Vec<f64>> {
    Ok(Generator::square(dt, duration, start, width, amplitude)?.to_vec())
}

/// A short pulse: [`square`] with the width of Allen's "short square", 3 ms.
pub fn pulse(dt: f64, duration: f64, start: f64, amplitude: f64) -> Result<Vec<f64>> {
    square(dt, duration, start, PULSE_WIDTH, amplitude)
}

/// The width of a short pulse (s): Allen's "short square", 3 ms.
pub const PULSE_WIDTH: f64 = 3e-3;

/// A ramp from 0 at `start` rising by `slope` (A/s) until `stop`, then 0;
/// sample `start + j` is `j * dt * slope`.
pub fn ramp(dt: f64, duration: f64, start: f64, stop: f64, slope: f64) -> Result<Vec<f64>> {
    Ok(Generator::ramp(dt, duration, start, stop, slope)?.to_vec())
}

/// Gaussian noise levels (`mean`, `std` in A) each held for `hold` seconds,
/// from `start` to the end; 0 before. The same `seed` gives the same
/// stimulus on every platform. The generator is SplitMix64 with the
/// Box-Muller transform (implemented here, documented so the numbers can be
/// reproduced elsewhere); it is not numpy's, so the same seed gives other
/// levels than numpy does. For AllenSDK's exact reference noise use
/// [`ReferenceStimulus::HeldLevels`] with the stored levels.
pub fn held_noise(
    dt: f64,
    duration: f64,
    start: f64,
    hold: f64,
    mean: f64,
    std: f64,
    seed: u64,
) -> Result<Vec<f64>> {
    let noise = Noise {
        dt,
        duration,
        start,
        width: None,
        hold,
        mean,
        std,
        seed,
    };
    Ok(Generator::held_noise(&noise)?.to_vec())
}

/// Held Gaussian noise for [`Generator::held_noise`]: levels of mean
/// `mean` and standard deviation `std` (A), each held for `hold` seconds,
/// from `start` (s); with `width` (s), zero from `start + width` on (the
/// levels drawn are the same); `duration` seconds in all, sampled at `dt`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Noise {
    /// Time step (s).
    pub dt: f64,
    /// Total length (s).
    pub duration: f64,
    /// Onset (s).
    pub start: f64,
    /// How long the noise lasts (s); `None`: to the end.
    pub width: Option<f64>,
    /// How long each level is held (s).
    pub hold: f64,
    /// Mean (A).
    pub mean: f64,
    /// Standard deviation (A).
    pub std: f64,
    /// Seed.
    pub seed: u64,
}

/// What a [`Generator`] produces between its onset and its end.
#[derive(Clone, Debug)]
enum Shape {
    /// A constant (A).
    Constant(f64),
    /// `j * dt * slope` at `j` samples after the onset (`slope` in A/s).
    Ramp { dt: f64, slope: f64 },
    /// A new Gaussian level every `hold` samples from the onset.
    HeldNoise {
        hold: usize,
        mean: f64,
        std: f64,
        rng: SplitMix64,
        level: f64,
    },
}

/// A generated stimulus produced a chunk at a time ([`Generator::fill`]),
/// so that a run of any length needs no memory for its stimulus. Zero
/// before the onset and from the end on. The functions [`square`],
/// [`ramp`] and [`held_noise`] collect these generators, so both give the
/// same samples, bit for bit.
#[derive(Clone, Debug)]
pub struct Generator {
    len: usize,
    on: usize,
    off: usize,
    next: usize,
    shape: Shape,
}

impl Generator {
    /// The samples of [`square`], a chunk at a time.
    pub fn square(dt: f64, duration: f64, start: f64, width: f64, amplitude: f64) -> Result<Self> {
        let n = samples("duration", duration, dt)?;
        let a = samples("start", start, dt)?.min(n);
        let b = a.saturating_add(samples("width", width, dt)?).min(n);
        finite("amplitude", amplitude)?;
        Ok(Generator::new(n, a, b, Shape::Constant(amplitude)))
    }

    /// The samples of [`ramp`], a chunk at a time.
    pub fn ramp(dt: f64, duration: f64, start: f64, stop: f64, slope: f64) -> Result<Self> {
        let n = samples("duration", duration, dt)?;
        let a = samples("start", start, dt)?.min(n);
        let b = samples("stop", stop, dt)?.min(n).max(a);
        finite("slope", slope)?;
        Ok(Generator::new(n, a, b, Shape::Ramp { dt, slope }))
    }

    /// The samples of [`held_noise`], a chunk at a time (see [`Noise`]).
    pub fn held_noise(noise: &Noise) -> Result<Self> {
        let Noise {
            dt,
            duration,
            start,
            width,
            hold,
            mean,
            std,
            seed,
        } = *noise;
        let n = samples("duration", duration, dt)?;
        let a = samples("start", start, dt)?.min(n);
        let h = samples("hold", hold, dt)?;
        if h == 0 {
            return Err(Error::stimulus(
                "hold",
                format!("{} s is less than half a sample", sci(hold)),
            ));
        }
        finite("mean", mean)?;
        non_negative("std", std)?;
        let b = match width {
            Some(w) => a.saturating_add(samples("width", w, dt)?).min(n),
            None => n,
        };
        let shape = Shape::HeldNoise {
            hold: h,
            mean,
            std,
            rng: SplitMix64(seed),
            level: 0.0,
        };
        Ok(Generator::new(n, a, b, shape))
    }

    fn new(len: usize, on: usize, off: usize, shape: Shape) -> Self {
        Generator {
            len,
            on,
            off,
            next: 0,
            shape,
        }
    }

    /// The number of samples in all.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for a stimulus of no samples.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes the next samples into `buf`; returns how many (0 at the end).
    pub fn fill(&mut self, buf: &mut [f64]) -> usize {
        let count = buf.len().min(self.len - self.next);
        for (i, x) in (self.next..).zip(&mut buf[..count]) {
            *x = if i < self.on || i >= self.off {
                0.0
            } else {
                match &mut self.shape {
                    Shape::Constant(c) => *c,
                    Shape::Ramp { dt, slope } => (i - self.on) as f64 * *dt * *slope,
                    Shape::HeldNoise {
                        hold,
                        mean,
                        std,
                        rng,
                        level,
                    } => {
                        if (i - self.on).is_multiple_of(*hold) {
                            *level = *mean + *std * rng.gaussian();
                        }
                        *level
                    }
                }
            };
        }
        self.next += count;
        count
    }

    /// Every remaining sample, collected.
    pub fn to_vec(mut self) -> Vec<f64> {
        let mut x = vec![0.0; self.len - self.next];
        let n = self.fill(&mut x);
        x.truncate(n);
        x
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): 64-bit state, full period.
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: 53 random bits.
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller, cosine branch).
    fn gaussian(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// The stimulus kinds of the AllenSDK reference cases (`reference/README.md`),
/// in sample indices. Deserializes from a case's `"stimulus"` object.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReferenceStimulus {
    /// For each `[a, b, v]`, samples `a..b` are `v`.
    PiecewiseConstant {
        /// Length.
        n: usize,
        /// `(start, end exclusive, value)`.
        segments: Vec<(usize, usize, f64)>,
    },
    /// Sample `start + j` is `(j / (stop - start)) * amp_end`.
    Ramp {
        /// Length.
        n: usize,
        /// First sample.
        start: usize,
        /// End (exclusive).
        stop: usize,
        /// Amplitude reached at `stop` (A).
        amp_end: f64,
    },
    /// Sample `start + j` is `levels[j / hold]`.
    HeldLevels {
        /// Length.
        n: usize,
        /// First sample.
        start: usize,
        /// Samples per level.
        hold: usize,
        /// Levels (A).
        levels: Vec<f64>,
    },
    /// Every sample.
    Explicit {
        /// Length.
        n: usize,
        /// Values (A).
        values: Vec<f64>,
    },
}

impl ReferenceStimulus {
    /// The samples, exactly as the reference README defines them.
    pub fn samples(&self) -> Result<Vec<f64>> {
        let len = |n: usize| {
            if n > MAX_SAMPLES {
                Err(Error::stimulus(
                    "n",
                    format!("{n} samples, more than {MAX_SAMPLES}"),
                ))
            } else {
                Ok(vec![0.0; n])
            }
        };
        let x = match self {
            ReferenceStimulus::PiecewiseConstant { n, segments } => {
                let mut x = len(*n)?;
                for (i, &(a, b, v)) in segments.iter().enumerate() {
                    if a > b || b > *n {
                        return Err(Error::stimulus(
                            format!("segments[{i}]"),
                            format!("{a}..{b} is not within 0..{n}"),
                        ));
                    }
                    x[a..b].fill(finite(&format!("segments[{i}]"), v)?);
                }
                x
            }
            ReferenceStimulus::Ramp {
                n,
                start,
                stop,
                amp_end,
            } => {
                let mut x = len(*n)?;
                if start > stop || stop > n {
                    return Err(Error::stimulus(
                        "start/stop",
                        format!("{start}..{stop} is not within 0..{n}"),
                    ));
                }
                finite("amp_end", *amp_end)?;
                let span = (stop - start) as f64;
                for (j, s) in x[*start..*stop].iter_mut().enumerate() {
                    *s = (j as f64 / span) * amp_end;
                }
                x
            }
            ReferenceStimulus::HeldLevels {
                n,
                start,
                hold,
                levels,
            } => {
                let mut x = len(*n)?;
                if *hold == 0 || start > n {
                    return Err(Error::stimulus(
                        "hold",
                        "hold must be > 0 and start within n",
                    ));
                }
                for (j, s) in x[*start..].iter_mut().enumerate() {
                    *s = *levels.get(j / hold).ok_or_else(|| {
                        Error::stimulus("levels", format!("too few levels for {n} samples"))
                    })?;
                }
                x
            }
            ReferenceStimulus::Explicit { n, values } => {
                if values.len() != *n {
                    return Err(Error::stimulus(
                        "values",
                        format!("has {} samples, expected n = {n}", values.len()),
                    ));
                }
                values.clone()
            }
        };
        if x.is_empty() {
            return Err(Error::stimulus("n", "is 0: the stimulus is empty"));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::stimulus(format!("sample {i}"), "is not finite"));
        }
        Ok(x)
    }
}
