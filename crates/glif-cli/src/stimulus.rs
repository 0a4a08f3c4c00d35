//! Stimuli: read from a file, or generated (amperes, seconds).

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::error::CliError;

/// Reads a stimulus file: one current (A) per sample.
///
/// - `.json` (or `.json.gz`): a list of numbers, or an object with a
///   `stimulus` list (AllenSDK-style dicts), or glif's own JSON output.
/// - `.npy`: a 1-D float64 or float32 array (numpy's `np.save`).
/// - anything else (`.csv`, `.txt`): one number per line; with several
///   columns, the column named `stimulus` (or `stimulus_A`), else the first;
///   a first line that is not a number is a header.
pub fn load(path: &Path) -> Result<Vec<f64>, CliError> {
    let name = path.display().to_string();
    let cant =
        |e: std::io::Error| CliError::input(format!("{name}: cannot read the stimulus file: {e}"));
    let mut bytes = std::fs::read(path).map_err(cant)?;
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| CliError::input(format!("{name}: not a valid gzip file: {e}")))?;
        bytes = out;
    }
    let stem = lower.trim_end_matches(".gz");
    let stim = if stem.ends_with(".json") {
        from_json(&bytes, &name)?
    } else if stem.ends_with(".npy") {
        from_npy(&bytes, &name)?
    } else {
        from_text(&bytes, &name)?
    };
    if stim.is_empty() {
        return Err(CliError::input(format!(
            "{name}: the stimulus has no samples"
        )));
    }
    if let Some(i) = stim.iter().position(|x| !x.is_finite()) {
        return Err(CliError::input(format!(
            "{name}: sample {i} of the stimulus is not a finite number"
        )));
    }
    Ok(stim)
}

fn from_json(bytes: &[u8], name: &str) -> Result<Vec<f64>, CliError> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| CliError::input(format!("{name}: not valid JSON: {e}")))?;
    let (list, field) = match &v {
        Value::Array(a) => (a, "the top-level list"),
        Value::Object(o) => match o.get("stimulus") {
            Some(Value::Array(a)) => (a, "field `stimulus`"),
            _ => {
                return Err(CliError::input(format!(
                    "{name}: expected a list of currents (A) or an object with a `stimulus` list"
                )))
            }
        },
        _ => {
            return Err(CliError::input(format!(
                "{name}: expected a list of currents (A)"
            )))
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64().ok_or_else(|| {
                CliError::input(format!(
                    "{name}: {field}[{i}]: expected a number, found {x}"
                ))
            })
        })
        .collect()
}

fn from_text(bytes: &[u8], name: &str) -> Result<Vec<f64>, CliError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        CliError::input(format!(
            "{name}: not a text file (expected .json, .npy, .csv or .txt)"
        ))
    })?;
    let mut out = Vec::new();
    let mut column = 0;
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line
            .split([',', '\t', ' ', ';'])
            .filter(|c| !c.is_empty())
            .collect();
        if out.is_empty()
            && lineno == first_data_line(text)
            && cells.iter().any(|c| c.parse::<f64>().is_err())
        {
            // A header.
            column = cells
                .iter()
                .position(|c| {
                    let c = c.trim_matches('"');
                    c == "stimulus" || c == "stimulus_A"
                })
                .unwrap_or(0);
            continue;
        }
        let cell = cells.get(column).ok_or_else(|| {
            CliError::input(format!(
                "{name}: line {}: has no column {}",
                lineno + 1,
                column + 1
            ))
        })?;
        let x: f64 = cell.parse().map_err(|_| {
            CliError::input(format!(
                "{name}: line {}: {cell:?} is not a number",
                lineno + 1
            ))
        })?;
        out.push(x);
    }
    Ok(out)
}

fn first_data_line(text: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with('#')
        })
        .unwrap_or(0)
}

fn from_npy(bytes: &[u8], name: &str) -> Result<Vec<f64>, CliError> {
    let bad = |m: &str| CliError::input(format!("{name}: {m}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("not a .npy file"));
    }
    let major = bytes[6];
    let (hlen, start) = if major == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        if bytes.len() < 12 {
            return Err(bad("truncated .npy header"));
        }
        (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        )
    };
    let header = bytes
        .get(start..start + hlen)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated .npy header"))?;
    let data = &bytes[start + hlen..];
    if header.contains("'fortran_order': True") {
        return Err(bad("Fortran-ordered arrays are not supported"));
    }
    let shape = header
        .split("'shape':")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape in the .npy header"))?;
    let dims: Vec<usize> = shape
        .trim_start_matches([' ', '('])
        .split(',')
        .filter_map(|d| d.trim().parse().ok())
        .collect();
    let n: usize = dims.iter().product();
    if dims.len() > 1 && dims.iter().filter(|&&d| d > 1).count() > 1 {
        return Err(bad("expected a 1-D array of currents (A)"));
    }
    let values: Vec<f64> = if header.contains("'<f8'") {
        data.chunks_exact(8)
            .take(n)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect()
    } else if header.contains("'<f4'") {
        data.chunks_exact(4)
            .take(n)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap_or([0; 4])) as f64)
            .collect()
    } else {
        return Err(bad("expected a float64 ('<f8') or float32 ('<f4') array"));
    };
    if values.len() != n {
        return Err(bad("the .npy data is shorter than its shape says"));
    }
    Ok(values)
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
    /// A linear ramp from 0 at `start` to `amp` at `start + width`.
    Ramp {
        /// A
        amp: f64,
    },
    /// Gaussian noise of mean `mean` and standard deviation `sd`, each value
    /// held for `hold` seconds, from a seeded generator.
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
        let g = |x: f64| {
            let s = format!("{x:.6}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        };
        let span = format!(
            "from {} s for {} s, {} s in all",
            g(t.start),
            g(t.width),
            g(t.duration)
        );
        match self {
            Generated::Square { amp } => format!("square step of {} pA {span}", amp * 1e12),
            Generated::Pulse { amp } => format!("short pulse of {} pA {span}", amp * 1e12),
            Generated::Ramp { amp } => format!("ramp from 0 to {} pA {span}", amp * 1e12),
            Generated::Noise {
                mean,
                sd,
                hold,
                seed,
            } => format!(
                "noise of mean {} pA, sd {} pA, held {} s, seed {seed}, {span}",
                mean * 1e12,
                sd * 1e12,
                hold
            ),
        }
    }

    /// Samples it at `dt`.
    pub fn samples(&self, t: &Timing, dt: f64) -> Result<Vec<f64>, CliError> {
        for (name, x) in [
            ("--start", t.start),
            ("--width", t.width),
            ("--duration", t.duration),
        ] {
            if !x.is_finite() || x < 0.0 {
                return Err(CliError::input(format!(
                    "{name}: expected a time >= 0 s, found {x}"
                )));
            }
        }
        let n = (t.duration / dt).round();
        if n < 1.0 {
            return Err(CliError::input(format!(
                "--duration: {} s is shorter than one sample of {dt} s",
                t.duration
            )));
        }
        if n > 2e9 {
            return Err(CliError::input(format!(
                "--duration: {} s at dt {dt} s is {n} samples, too many",
                t.duration
            )));
        }
        let n = n as usize;
        let i0 = (t.start / dt).round() as usize;
        let i1 = ((t.start + t.width) / dt).round() as usize;
        let mut out = vec![0.0; n];
        match *self {
            Generated::Square { amp } | Generated::Pulse { amp } => {
                for x in out.iter_mut().take(i1.min(n)).skip(i0) {
                    *x = amp;
                }
            }
            Generated::Ramp { amp } => {
                let len = (i1.saturating_sub(i0)).max(1) as f64;
                for (i, x) in out.iter_mut().enumerate().take(i1.min(n)).skip(i0) {
                    *x = amp * ((i - i0 + 1) as f64 / len);
                }
            }
            Generated::Noise {
                mean,
                sd,
                hold,
                seed,
            } => {
                if hold.is_nan() || hold <= 0.0 {
                    return Err(CliError::input(format!(
                        "--noise-hold: expected a time > 0 s, found {hold}"
                    )));
                }
                let per = ((hold / dt).round() as usize).max(1);
                let mut rng = SplitMix(seed);
                let mut value = 0.0;
                for (k, i) in (i0..i1.min(n)).enumerate() {
                    if k % per == 0 {
                        value = mean + sd * rng.normal();
                    }
                    out[i] = value;
                }
            }
        }
        Ok(out)
    }
}

/// SplitMix64, with Box-Muller normals: small, seeded, reproducible.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        // In (0, 1].
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}
