//! What a generated stimulus is, as a front end asks for it: its kind
//! ([`Generated`]: square, short pulse, ramp, held noise) with its
//! amplitude, and its timing, each part optional ([`GeneratedStimulus`]:
//! onset [`DEFAULT_START`], width 1 s or 3 ms for a pulse, length onset +
//! width + 0.1 s). From it: the checked [`Timing`], the samples (a
//! [`super::generate::Generator`]), a one-line description, and the
//! `run.stimulus` record a result file keeps ([`stimulus_record`]).
//! Amplitudes in amperes, times in seconds.
//!
//! Errors are [`crate::ErrorKind::Stimulus`] errors whose location is the
//! part at fault (`start`, `width`, `duration`, `amplitude`, `mean`, `std`,
//! `hold`, `slope`, `stop`); a front end words them as its own options.

use std::path::Path;

use serde_json::{json, Value};

use super::generate::{Generator, Noise};
use crate::base::{sci, Error, Fix, Result};

/// Onset of a generated stimulus when none is given (s).
pub const DEFAULT_START: f64 = 0.1;

/// How long each noise level is held when none is given (s).
pub const DEFAULT_NOISE_HOLD: f64 = 0.001;

/// Time after the end of the stimulus in the default length (s).
const DEFAULT_TAIL: f64 = 0.1;

/// A generated stimulus's kind and amplitude.
#[derive(Clone, Debug, PartialEq)]
pub enum Generated {
    /// A constant current `amp` (A) from the onset for the width.
    Square {
        /// A
        amp: f64,
    },
    /// A short square pulse (default width 3 ms, as Allen's "Short Square").
    Pulse {
        /// A
        amp: f64,
    },
    /// A linear ramp from 0 at the onset, slope `amp / width`, for the width.
    Ramp {
        /// A
        amp: f64,
    },
    /// Gaussian noise of mean `mean` and standard deviation `sd`, each value
    /// held for `hold` seconds, from a seeded generator, from the onset for
    /// the width.
    Noise {
        /// A
        mean: f64,
        /// A
        sd: f64,
        /// s
        hold: f64,
        /// Seed.
        seed: u64,
    },
}

/// Timing of a generated stimulus (s).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Onset (s).
    pub start: f64,
    /// Duration of the stimulus (s).
    pub width: f64,
    /// Total length (s).
    pub duration: f64,
}

/// A generated stimulus as asked for: the kind, and the timing parts given
/// (the others take their defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedStimulus {
    /// Kind and amplitude.
    pub kind: Generated,
    /// Onset (s) [default [`DEFAULT_START`]].
    pub start: Option<f64>,
    /// Width (s) [default [`Generated::default_width`]].
    pub width: Option<f64>,
    /// Total length (s) [default start + width + 0.1 s].
    pub duration: Option<f64>,
}

fn g(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Generated {
    /// Noise with the default standard deviation, `|mean| / 2`, when `sd`
    /// is not given.
    pub fn noise(mean: f64, sd: Option<f64>, hold: f64, seed: u64) -> Generated {
        Generated::Noise {
            mean,
            sd: sd.unwrap_or(mean.abs() / 2.0),
            hold,
            seed,
        }
    }

    /// Default width (s): 3 ms for a pulse, 1 s otherwise.
    pub fn default_width(&self) -> f64 {
        match self {
            Generated::Pulse { .. } => super::generate::PULSE_WIDTH,
            _ => 1.0,
        }
    }

    /// The kind's name in the `run.stimulus` record: `square`, `pulse`,
    /// `ramp`, `noise`.
    pub fn name(&self) -> &'static str {
        match self {
            Generated::Square { .. } => "square",
            Generated::Pulse { .. } => "pulse",
            Generated::Ramp { .. } => "ramp",
            Generated::Noise { .. } => "noise",
        }
    }

    /// The amplitude (A): the noise's mean for noise.
    pub fn amplitude(&self) -> f64 {
        match *self {
            Generated::Square { amp } | Generated::Pulse { amp } | Generated::Ramp { amp } => amp,
            Generated::Noise { mean, .. } => mean,
        }
    }

    /// Describes it, for a summary.
    pub fn describe(&self, t: &Timing) -> String {
        let span = format!(
            "from {} s for {} s, {} s in all",
            g(t.start),
            g(t.width),
            g(t.duration)
        );
        match self {
            Generated::Square { amp } => format!("square step of {} pA {span}", sci(amp * 1e12)),
            Generated::Pulse { amp } => format!("short pulse of {} pA {span}", sci(amp * 1e12)),
            Generated::Ramp { amp } => format!("ramp from 0 to {} pA {span}", sci(amp * 1e12)),
            Generated::Noise {
                mean,
                sd,
                hold,
                seed,
            } => format!(
                "noise of mean {} pA, sd {} pA, held {} s, seed {seed}, {span}",
                sci(mean * 1e12),
                sci(sd * 1e12),
                hold
            ),
        }
    }

    /// Its samples at `dt`, a chunk at a time. An error for a ramp of
    /// width 0 (location `width`) and for a length shorter than one sample
    /// (location `duration`).
    pub fn generator(&self, t: &Timing, dt: f64) -> Result<Generator> {
        let x = match *self {
            Generated::Square { amp } | Generated::Pulse { amp } => {
                Generator::square(dt, t.duration, t.start, t.width, amp)?
            }
            Generated::Ramp { amp } => {
                if t.width.is_nan() || t.width <= 0.0 {
                    return Err(Error::stimulus(
                        "width",
                        format!("a ramp needs a width > 0 s, found {}", sci(t.width)),
                    ));
                }
                Generator::ramp(dt, t.duration, t.start, t.start + t.width, amp / t.width)?
            }
            // Zero after start + width, as the square.
            Generated::Noise {
                mean,
                sd,
                hold,
                seed,
            } => Generator::held_noise(&Noise {
                dt,
                duration: t.duration,
                start: t.start,
                width: Some(t.width),
                hold,
                mean,
                std: sd,
                seed,
            })?,
        };
        if x.is_empty() {
            return Err(Error::stimulus(
                "duration",
                format!(
                    "{} s is shorter than one sample of {} s",
                    sci(t.duration),
                    sci(dt)
                ),
            )
            .with_fix(Fix::OneSampleLong(dt)));
        }
        Ok(x)
    }
}

impl GeneratedStimulus {
    /// The timing, defaults filled in and checked: onset and width are
    /// times of at least 0 s (checked before the default length is derived
    /// from them), the onset is before the end.
    pub fn timing(&self) -> Result<Timing> {
        let (start, width) = self.start_width();
        for (name, x) in [("width", width), ("start", start)] {
            if !(x >= 0.0 && x.is_finite()) {
                return Err(Error::stimulus(
                    name,
                    format!("expected a time >= 0 s, found {}", sci(x)),
                ));
            }
        }
        let timing = Timing {
            start,
            width,
            duration: self.duration_or_default(start, width),
        };
        if timing.start >= timing.duration {
            return Err(Error::stimulus(
                "start",
                format!(
                    "{} s is at or after the end of the stimulus ({} s in all): it would be all zero",
                    sci(timing.start),
                    sci(timing.duration)
                ),
            )
            .with_fix(Fix::StartBeforeEnd));
        }
        Ok(timing)
    }

    fn start_width(&self) -> (f64, f64) {
        (
            self.start.unwrap_or(DEFAULT_START),
            self.width.unwrap_or_else(|| self.kind.default_width()),
        )
    }

    fn duration_or_default(&self, start: f64, width: f64) -> f64 {
        self.duration.unwrap_or(start + width + DEFAULT_TAIL)
    }

    /// Its samples at `dt` and a description: [`Self::timing`], then
    /// [`Generated::generator`].
    pub fn generator(&self, dt: f64) -> Result<(Generator, String)> {
        let timing = self.timing()?;
        let generator = self.kind.generator(&timing, dt)?;
        Ok((generator, self.kind.describe(&timing)))
    }
}

/// Where a run's stimulus came from, for [`stimulus_record`].
#[derive(Clone, Copy, Debug)]
pub enum StimulusOrigin<'a> {
    /// A file.
    File(&'a Path),
    /// Generated.
    Generated(&'a GeneratedStimulus),
    /// Given in memory by the caller.
    Other,
}

/// The `run.stimulus` record of a result file: how the stimulus was made
/// (`kind`: `file` with its `file`, or the generated kind with
/// `amplitude_A`, `start_s`, `width_s`, `duration_s` and for noise `sd_A`,
/// `hold_s`, `seed`), its `description` and its `range` (text, pA).
pub fn stimulus_record(origin: StimulusOrigin<'_>, describe: &str, range_pa: &str) -> Value {
    let s = match origin {
        StimulusOrigin::File(path) => {
            return json!({
                "kind": "file",
                "file": path.display().to_string(),
                "description": describe,
                "range": range_pa,
            })
        }
        StimulusOrigin::Other => return json!({ "description": describe, "range": range_pa }),
        StimulusOrigin::Generated(s) => s,
    };
    let (start, width) = s.start_width();
    let mut v = json!({
        "start_s": start,
        "width_s": width,
        "duration_s": s.duration_or_default(start, width),
        "description": describe,
        "range": range_pa,
    });
    if let Generated::Noise { sd, hold, seed, .. } = s.kind {
        v["sd_A"] = json!(sd);
        v["hold_s"] = json!(hold);
        v["seed"] = json!(seed);
    }
    v["kind"] = json!(s.kind.name());
    v["amplitude_A"] = json!(s.kind.amplitude());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() {
        let s = GeneratedStimulus {
            kind: Generated::Pulse { amp: 1e-9 },
            start: None,
            width: None,
            duration: None,
        };
        let t = s.timing().unwrap();
        assert_eq!((t.start, t.width), (DEFAULT_START, 0.003));
        assert_eq!(t.duration, 0.1 + 0.003 + 0.1);
        let late = GeneratedStimulus {
            start: Some(2.0),
            duration: Some(1.0),
            ..s.clone()
        };
        let e = late.timing().unwrap_err();
        assert!(
            e.to_string().starts_with("start: 2 s is at or after"),
            "{e}"
        );
        let ramp = GeneratedStimulus {
            kind: Generated::Ramp { amp: 1e-10 },
            width: Some(0.0),
            ..s
        };
        let e = ramp.generator(5e-5).unwrap_err();
        assert!(e.to_string().starts_with("width: a ramp needs"), "{e}");
    }

    #[test]
    fn record_names_the_kind_and_timing() {
        let s = GeneratedStimulus {
            kind: Generated::noise(2e-10, None, DEFAULT_NOISE_HOLD, 7),
            start: Some(0.2),
            width: None,
            duration: None,
        };
        let v = stimulus_record(StimulusOrigin::Generated(&s), "d", "r");
        assert_eq!(v["kind"], "noise");
        assert_eq!(v["sd_A"], 1e-10);
        assert_eq!(v["width_s"], 1.0);
        assert_eq!(v["duration_s"], 0.2 + 1.0 + 0.1);
        let f = stimulus_record(StimulusOrigin::File(Path::new("a.npy")), "d", "r");
        assert_eq!(f["file"], "a.npy");
    }
}
