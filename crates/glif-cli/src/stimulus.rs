//! Stimulus options: read from a file with glif-io (gzip-compressed or
//! not), or generated from glif-io's specification
//! ([`glif_io::stimulus::GeneratedStimulus`]: kinds, default timing, checks,
//! description). Here: the flags, and each library error worded as the
//! flag that would fix it.

use std::path::{Path, PathBuf};

use clap::Args;
use glif_io::stimulus::{Generated, GeneratedStimulus, NpyStream, Source, DEFAULT_NOISE_HOLD};

use crate::error::CliError;

/// Reads a stimulus file with glif-io: one current (A) per sample. `.json`
/// (an array), `.npy` (float64/float32, 1-D), anything else as text with one
/// value per line; each of them may be gzip-compressed (`.json.gz`, ...).
pub fn load(path: &Path, a: &StimArgs, dt: f64) -> Result<Vec<f64>, CliError> {
    glif_io::read_stimulus(path, &a.file_options(dt)).map_err(CliError::reading)
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
        default_value_t = DEFAULT_NOISE_HOLD,
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
            Generated::noise(mean, self.noise_sd, self.noise_hold, self.seed)
        } else {
            return None;
        })
    }

    /// A generated stimulus of `kind` with the timing flags given.
    pub fn spec(&self, kind: Generated) -> GeneratedStimulus {
        GeneratedStimulus {
            kind,
            start: self.start,
            width: self.width,
            duration: self.duration,
        }
    }

    /// How glif-io reads the `--stimulus` file.
    pub fn file_options(&self, dt: f64) -> glif_io::StimulusOptions {
        glif_io::StimulusOptions {
            dt: Some(dt),
            column: self.column.clone(),
            key: self.key.clone(),
        }
    }

    /// Where the stimulus comes from, for the result file's record:
    /// `default` is the generated stimulus used when none was chosen.
    pub fn origin<'a>(
        &'a self,
        default: Option<&'a GeneratedStimulus>,
    ) -> glif_io::stimulus::StimulusOrigin<'a> {
        use glif_io::stimulus::StimulusOrigin;
        match (&self.stimulus, default) {
            (Some(path), _) => StimulusOrigin::File(path),
            (None, Some(g)) => StimulusOrigin::Generated(g),
            (None, None) => StimulusOrigin::Other,
        }
    }
}

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
        if !in_memory && a.file_options(dt).streams(path) {
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
    let Some(spec) = generated_spec(a, default) else {
        return Err(CliError::input(
            "no stimulus: give --stimulus FILE, or generate one with --square, --pulse, --ramp or --noise",
        ));
    };
    let (generator, describe) = spec
        .generator(dt)
        .map_err(|e| generated_error(&e, &spec.kind))?;
    if in_memory {
        return Ok(in_memory_source(generator.to_vec(), |_| describe));
    }
    Ok(Opened {
        len: generator.len(),
        samples: Samples::Streamed(Box::new(generator)),
        describe,
    })
}

/// The generated stimulus the options ask for, or `default` if they ask
/// for none (`None` when a file is given or neither is there).
pub fn generated_spec(a: &StimArgs, default: Option<Generated>) -> Option<GeneratedStimulus> {
    if a.stimulus.is_some() {
        return None;
    }
    a.generated().or(default).map(|kind| a.spec(kind))
}

/// A glif-io error about a generated stimulus, worded as the flag that sets
/// the part at fault.
fn generated_error(e: &glif_io::Error, kind: &Generated) -> CliError {
    let amplitude_flag = match kind {
        Generated::Square { .. } => "--square",
        Generated::Pulse { .. } => "--pulse",
        Generated::Ramp { .. } => "--ramp",
        Generated::Noise { .. } => "--noise",
    };
    match e.kind() {
        glif_io::ErrorKind::Stimulus {
            location, problem, ..
        } => {
            let hint = CliError::hint(e);
            let flag = match location.as_str() {
                "hold" => "--noise-hold",
                "std" => "--noise-sd",
                "mean" => "--noise",
                "amplitude" => amplitude_flag,
                "slope" => "--ramp / --width",
                "stop" => "--width",
                other => return CliError::input(format!("--{other}: {problem}{hint}")),
            };
            CliError::input(format!("{flag}: {problem}{hint}"))
        }
        _ => CliError::input(format!("generated stimulus: {e}")),
    }
}

fn in_memory_source(samples: Vec<f64>, describe: impl FnOnce(usize) -> String) -> Opened {
    let len = samples.len();
    Opened {
        samples: Samples::InMemory(samples),
        len,
        describe: describe(len),
    }
}
