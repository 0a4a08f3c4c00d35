//! Stimuli: read from a file with glif-io (gzip-compressed or not), or
//! generated with `glif_io::stimulus` (amperes, seconds).

use std::path::{Path, PathBuf};

use clap::Args;
use glif_io::sci;
use glif_io::stimulus::Generator;
use glif_io::stimulus::NpyStream;
use glif_io::stimulus::Source;

use crate::error::CliError;

/// Reads a stimulus file with glif-io: one current (A) per sample. `.json`
/// (an array), `.npy` (float64/float32, 1-D), anything else as text with one
/// value per line; each of them may be gzip-compressed (`.json.gz`, ...).
pub fn load(path: &Path, a: &StimArgs, dt: f64) -> Result<Vec<f64>, CliError> {
    let options = glif_io::StimulusOptions {
        dt: Some(dt),
        column: a.column.clone(),
        key: a.key.clone(),
    };
    glif_io::read_stimulus_with(path, &options).map_err(CliError::reading)
}

/// The stimulus options of `glif simulate` and `glif batch`: a file, or a
/// generated stimulus.
#[derive(Args, Debug, Clone)]
pub struct StimArgs {
    /// Stimulus file: one current (A) per sample, sampled at --dt.
    #[arg(long, value_name = "FILE", group = "stim")]
    pub stimulus: Option<PathBuf>,
    /// The current's column of a CSV/text --stimulus with a header line
    /// [default: the only column, or the one beside a time column].
    #[arg(long, value_name = "NAME", requires = "stimulus")]
    pub column: Option<String>,
    /// The array of a .npz --stimulus [default: its only array].
    #[arg(long, value_name = "NAME", requires = "stimulus")]
    pub key: Option<String>,
    /// Generate a square step of AMP amperes (from --start for --width; default 1 s).
    #[arg(long, value_name = "AMP", group = "stim")]
    #[arg(allow_negative_numbers = true)]
    pub square: Option<f64>,
    /// Generate a short square pulse of AMP amperes (default width 3 ms).
    #[arg(long, value_name = "AMP", group = "stim")]
    #[arg(allow_negative_numbers = true)]
    pub pulse: Option<f64>,
    /// Generate a ramp rising linearly from 0 to AMP amperes over --width.
    #[arg(long, value_name = "AMP", group = "stim")]
    #[arg(allow_negative_numbers = true)]
    pub ramp: Option<f64>,
    /// Generate Gaussian noise of mean MEAN amperes, held for --noise-hold, seeded by --seed.
    #[arg(long, value_name = "MEAN", group = "stim")]
    #[arg(allow_negative_numbers = true)]
    pub noise: Option<f64>,
    /// Standard deviation of --noise (A) [default: MEAN / 2].
    #[arg(long, value_name = "AMP", requires = "noise")]
    pub noise_sd: Option<f64>,
    /// How long each --noise value is held (s).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 0.001,
        requires = "noise"
    )]
    pub noise_hold: f64,
    /// Seed of --noise (the same seed gives the same stimulus).
    #[arg(long, value_name = "N", default_value_t = 0, requires = "noise")]
    pub seed: u64,
    /// Onset of a generated stimulus (s) [default: 0.1].
    #[arg(long, value_name = "SECONDS")]
    pub start: Option<f64>,
    /// Duration of a generated stimulus (s) [default: 1 s; 0.003 s for --pulse].
    #[arg(long, value_name = "SECONDS")]
    pub width: Option<f64>,
    /// Total length of a generated stimulus (s) [default: start + width + 0.1 s].
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
}

impl StimArgs {
    /// Whether the options choose a stimulus (a file or a generated one).
    pub fn chooses_stimulus(&self) -> bool {
        self.stimulus.is_some() || self.generated().is_some()
    }

    /// The stimulus the generator options ask for (`--square`, `--pulse`,
    /// `--ramp`, `--noise`), if any.
    pub fn generated(&self) -> Option<Generated> {
        Some(if let Some(amp) = self.square {
            Generated::Square { amp }
        } else if let Some(amp) = self.pulse {
            Generated::Pulse { amp }
        } else if let Some(amp) = self.ramp {
            Generated::Ramp { amp }
        } else if let Some(mean) = self.noise {
            Generated::Noise {
                mean,
                sd: self.noise_sd.unwrap_or(mean.abs() / 2.0),
                hold: self.noise_hold,
                seed: self.seed,
            }
        } else {
            return None;
        })
    }
}

/// Onset of a generated stimulus when `--start` is not given (s).
pub const DEFAULT_START: f64 = 0.1;

/// The stimulus of a run and a description.
pub struct Stim {
    /// A per sample.
    pub samples: Vec<f64>,
    /// For the summary.
    pub describe: String,
}

/// The samples of a run.
pub enum Samples {
    /// In memory.
    InMemory(Vec<f64>),
    /// Read or generated as the run goes.
    Streamed(Box<dyn Source>),
}

/// The stimulus of a run, in memory or read/generated as the run goes.
pub struct Opened {
    /// The samples, or where they come from.
    pub samples: Samples,
    /// The number of samples.
    pub len: usize,
    /// For the summary.
    pub describe: String,
}

/// The stimulus the options ask for, sampled at `dt`, in memory; `default`
/// when they ask for none (else an error).
pub fn make(a: &StimArgs, dt: f64, default: Option<Generated>) -> Result<Stim, CliError> {
    let o = open(a, dt, default, true)?;
    let samples = match o.samples {
        Samples::InMemory(x) => x,
        Samples::Streamed(_) => Vec::new(),
    };
    Ok(Stim {
        samples,
        describe: o.describe,
    })
}

/// As [`make`]; with `in_memory` false, a generated stimulus or a `.npy`
/// file is not held in memory but produced as the run reads it (constant
/// memory for spikes-only runs of any length).
pub fn open(
    a: &StimArgs,
    dt: f64,
    default: Option<Generated>,
    in_memory: bool,
) -> Result<Opened, CliError> {
    if let Some(path) = &a.stimulus {
        for (flag, given) in [
            ("--duration", a.duration.is_some()),
            ("--width", a.width.is_some()),
            ("--start", a.start.is_some()),
        ] {
            if given {
                return Err(CliError::input(format!(
                    "{flag} applies to generated stimuli, not to --stimulus FILE"
                )));
            }
        }
        let is_npy = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
        if is_npy && !in_memory && a.column.is_none() && a.key.is_none() {
            let stream = NpyStream::open(path).map_err(CliError::reading)?;
            let len = Source::len(&stream);
            return Ok(Opened {
                describe: format!("{} ({len} samples)", path.display()),
                samples: Samples::Streamed(Box::new(stream)),
                len,
            });
        }
        return Ok(in_memory_source(load(path, a, dt)?, |n| {
            format!("{} ({n} samples)", path.display())
        }));
    }
    let gen = if let Some(g) = a.generated() {
        g
    } else if let Some(g) = default {
        g
    } else {
        return Err(CliError::input(
            "no stimulus: give --stimulus FILE, or generate one with --square, --pulse, --ramp or --noise",
        ));
    };
    let width = a.width.unwrap_or_else(|| gen.default_width());
    let start = a.start.unwrap_or(DEFAULT_START);
    // Checked here, before the default --duration is derived from them, so
    // a bad value is reported under its own flag.
    for (flag, x) in [("--width", width), ("--start", start)] {
        if !(x >= 0.0 && x.is_finite()) {
            return Err(CliError::input(format!(
                "{flag}: expected a time >= 0 s, found {}",
                sci(x)
            )));
        }
    }
    let timing = Timing {
        start,
        width,
        duration: a.duration.unwrap_or(start + width + 0.1),
    };
    if timing.start >= timing.duration {
        return Err(CliError::input(format!(
            "--start: {} s is at or after the end of the stimulus ({} s in all): it would be all zero; \
             give a --start before --duration, or a longer --duration",
            sci(timing.start),
            sci(timing.duration)
        )));
    }
    let generator = gen.generator(&timing, dt)?;
    let describe = gen.describe(&timing);
    if in_memory {
        return Ok(in_memory_source(generator.to_vec(), |_| describe));
    }
    Ok(Opened {
        len: generator.len(),
        samples: Samples::Streamed(Box::new(generator)),
        describe,
    })
}

fn in_memory_source(samples: Vec<f64>, describe: impl FnOnce(usize) -> String) -> Opened {
    let len = samples.len();
    Opened {
        samples: Samples::InMemory(samples),
        len,
        describe: describe(len),
    }
}

/// A generated stimulus.
#[derive(Clone, Debug)]
pub enum Generated {
    /// A constant current `amp` (A) from `start` for `width` seconds.
    Square {
        /// A
        amp: f64,
    },
    /// A short square pulse (default 3 ms, as Allen's "Short Square").
    Pulse {
        /// A
        amp: f64,
    },
    /// A linear ramp from 0 at `start`, slope `amp / width`, for `width` seconds.
    Ramp {
        /// A
        amp: f64,
    },
    /// Gaussian noise of mean `mean` and standard deviation `sd`, each value
    /// held for `hold` seconds, from a seeded generator, from `start` for `width`.
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
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Onset (s).
    pub start: f64,
    /// Duration of the stimulus (s).
    pub width: f64,
    /// Total length (s).
    pub duration: f64,
}

fn g(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Generated {
    /// Default width (s) of the stimulus when `--width` is not given.
    pub fn default_width(&self) -> f64 {
        match self {
            Generated::Pulse { .. } => 0.003,
            _ => 1.0,
        }
    }

    /// Describes it, for the summary.
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

    /// Its samples at `dt`, from glif-io's generators, a chunk at a time.
    pub fn generator(&self, t: &Timing, dt: f64) -> Result<Generator, CliError> {
        let amplitude_flag = match self {
            Generated::Square { .. } => "--square",
            Generated::Pulse { .. } => "--pulse",
            Generated::Ramp { .. } => "--ramp",
            Generated::Noise { .. } => "--noise",
        };
        let bad = |e: glif_io::Error| match e.kind() {
            glif_io::ErrorKind::Stimulus {
                location, problem, ..
            } => {
                let flag = match location.as_str() {
                    "hold" => "--noise-hold",
                    "std" => "--noise-sd",
                    "mean" => "--noise",
                    "amplitude" => amplitude_flag,
                    "slope" => "--ramp / --width",
                    "stop" => "--width",
                    other => return CliError::input(format!("--{other}: {problem}")),
                };
                CliError::input(format!("{flag}: {problem}"))
            }
            _ => CliError::input(format!("generated stimulus: {e}")),
        };
        let x = match *self {
            Generated::Square { amp } | Generated::Pulse { amp } => {
                Generator::square(dt, t.duration, t.start, t.width, amp).map_err(bad)?
            }
            Generated::Ramp { amp } => {
                if t.width.is_nan() || t.width <= 0.0 {
                    return Err(CliError::input(format!(
                        "--width: a ramp needs a width > 0 s, found {}",
                        sci(t.width)
                    )));
                }
                Generator::ramp(dt, t.duration, t.start, t.start + t.width, amp / t.width)
                    .map_err(bad)?
            }
            // Zero after start + width, as the square.
            Generated::Noise {
                mean,
                sd,
                hold,
                seed,
            } => {
                Generator::held_noise(dt, t.duration, t.start, Some(t.width), hold, mean, sd, seed)
                    .map_err(bad)?
            }
        };
        if x.is_empty() {
            let hint = glif_io::run::dt_slip(dt)
                .map(|s| format!(" (--dt: {s})"))
                .unwrap_or_default();
            return Err(CliError::input(format!(
                "--duration: {} s is shorter than one sample of {} s{hint}",
                sci(t.duration),
                sci(dt)
            )));
        }
        Ok(x)
    }
}
