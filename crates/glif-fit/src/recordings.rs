//! Where a cell's sweeps come from, and the checks every source's sweeps
//! pass before preprocessing: the sweep table must match the recordings,
//! each sweep must be sampled at a rate the loading can use, hold finite
//! samples (no NaN-padded ends), and be in volts and amperes (recordings in
//! millivolts or picoamperes are detected and named).
//!
//! Two sources: an Allen NWB 1.x file with its `ephys_sweeps.json`
//! ([`NwbRecordings`], feature `nwb`), and a lab's own folder of `.npy` or
//! CSV files with a sweep table ([`RecordingsDir`]; the layout is
//! described there and in `docs/FITTING.md`). Both go through
//! [`preprocess_recordings`], so the same sweeps give the same values.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::preprocess::{preprocess, Preprocessed, RawSweep, DEFAULT_DT};
use crate::sweeps::{parse_sweep_table, select, SweepEntry, SweepSelection};
use crate::FitError;

/// A cell's recorded sweeps, by sweep number.
pub trait Recordings {
    /// What to call the source in messages (its file or folder).
    fn name(&self) -> String;
    /// Every sweep number the source holds.
    fn sweep_numbers(&self) -> Result<Vec<u32>, FitError>;
    /// Sweep `n`'s sampling rate, Hz, without reading its samples.
    fn sampling_rate(&self, n: u32) -> Result<f64, FitError>;
    /// Sweep `n` in SI units (V, A) as stored, not yet checked.
    fn read(&self, n: u32) -> Result<RawSweep, FitError>;
}

/// The largest voltage magnitude, V, taken as volts: a membrane potential
/// in volts stays within about ±0.2 V; in millivolts its resting value
/// alone is about 70.
pub const MAX_VOLTS: f64 = 1.0;

/// The largest current magnitude, A, taken as amperes: patch-clamp stimuli
/// are at most a few nA (1e-9 A); in picoamperes they are tens to
/// thousands.
pub const MAX_AMPERES: f64 = 1e-6;

fn sweep_error(source: &str, n: u32, why: String) -> FitError {
    FitError::undetermined(&format!("{source}: sweep {n}"), &why)
}

/// Refuses a sampling rate (Hz) the loading cannot use: the fit averages
/// whole blocks of samples into 50 µs steps ([`DEFAULT_DT`]) and first
/// low-passes at 10 kHz, which must be below the Nyquist frequency; so the
/// rate must be a whole multiple of 20 kHz above 20 kHz.
pub fn check_sampling_rate(source: &str, n: u32, rate: f64) -> Result<(), FitError> {
    let block = DEFAULT_DT * rate;
    if rate.is_nan() || rate <= 20_000.0 || (block - block.round()).abs() > 1e-9 {
        return Err(sweep_error(
            source,
            n,
            format!(
                "sampled at {rate} Hz: expected a whole multiple of 20 kHz above 20 kHz \
                 (the fit averages blocks of samples into 50 us steps and low-passes at 10 kHz first)"
            ),
        ));
    }
    Ok(())
}

/// Refuses a sweep whose voltage and current differ in length, hold a NaN
/// or infinite sample (a NaN-padded end is named as such), or are not in
/// volts and amperes (a voltage beyond [`MAX_VOLTS`] is named as
/// millivolts, a current beyond [`MAX_AMPERES`] as picoamperes).
pub fn check_sweep(source: &str, n: u32, sweep: &RawSweep) -> Result<(), FitError> {
    let bad = |why: String| sweep_error(source, n, why);
    if sweep.voltage.len() != sweep.current.len() {
        return Err(bad(format!(
            "{} response (voltage) samples but {} stimulus (current) samples: expected as many of each",
            sweep.voltage.len(),
            sweep.current.len()
        )));
    }
    if sweep.voltage.is_empty() {
        return Err(bad("no samples".into()));
    }
    if sweep.index_range_start >= sweep.voltage.len() {
        return Err(bad(format!(
            "the stimulus starts at sample {} of {}: expected a start inside the sweep",
            sweep.index_range_start,
            sweep.voltage.len()
        )));
    }
    // One pass over each trace for both checks; the first non-finite
    // sample is searched for only when there is one.
    let (vmax, imax) = (
        abs_max_if_finite(&sweep.voltage),
        abs_max_if_finite(&sweep.current),
    );
    for (what, x, found) in [
        ("response (voltage)", &sweep.voltage, vmax),
        ("stimulus (current)", &sweep.current, imax),
    ] {
        if let Err(i) = found {
            let tail = x[i..].iter().all(|v| v.is_nan());
            return Err(bad(format!(
                "the {what} is {} from sample {i} of {}{}",
                x[i],
                x.len(),
                if tail {
                    " to the end (a NaN-padded sweep: cut the recording at its last valid sample)"
                } else {
                    ": every sample must be finite"
                }
            )));
        }
    }
    let (vmax, imax) = (vmax.unwrap_or(f64::NAN), imax.unwrap_or(f64::NAN));
    if vmax > MAX_VOLTS {
        return Err(bad(format!(
            "the voltage reaches {vmax} in magnitude: that looks like millivolts; the fit needs volts (a resting potential near -0.07)"
        )));
    }
    if imax > MAX_AMPERES {
        return Err(bad(format!(
            "the current reaches {imax} in magnitude: that looks like picoamperes; the fit needs amperes (hundreds of pA are about 1e-10 A)"
        )));
    }
    Ok(())
}

/// The largest magnitude in `x` (from 0, as `fold(0.0, max(|v|))`), or
/// the index of its first NaN or infinite sample. Eight running maxima
/// side by side (the maximum of finite values does not depend on the
/// order it is taken in), so the pass is not one chain of comparisons.
fn abs_max_if_finite(x: &[f64]) -> Result<f64, usize> {
    const LANES: usize = 8;
    let mut m = [0.0f64; LANES];
    let mut finite = true;
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..LANES {
            finite &= c[k].is_finite();
            m[k] = m[k].max(c[k].abs());
        }
    }
    for &v in rest {
        finite &= v.is_finite();
        m[0] = m[0].max(v.abs());
    }
    if !finite {
        return Err(x.iter().position(|v| !v.is_finite()).unwrap_or(0));
    }
    Ok(m.iter().fold(0.0f64, |a, &b| a.max(b)))
}

/// Every sweep preprocessing reads, in the order it reads them.
pub fn used_sweeps(sel: &SweepSelection) -> Vec<u32> {
    let mut used: Vec<u32> = sel
        .short_square_all
        .iter()
        .chain(&sel.noise1)
        .chain(&sel.noise2)
        .chain([&sel.short_square_min_suprathreshold])
        .chain(&sel.triple)
        .chain([&sel.long_square_max_subthreshold])
        .copied()
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    used.retain(|n| seen.insert(*n));
    used
}

/// Refuses a sweep table that lists a sweep the recordings do not hold, and
/// a used sweep at a sampling rate the loading cannot use; reads no
/// samples. `table_name` names the table in messages.
pub fn check_table(
    table_name: &str,
    sel: &SweepSelection,
    rec: &(impl Recordings + ?Sized),
) -> Result<(), FitError> {
    let held = rec.sweep_numbers()?;
    let source = rec.name();
    for n in used_sweeps(sel) {
        if !held.contains(&n) {
            return Err(FitError::undetermined(
                table_name,
                &format!(
                    "lists sweep {n}, which {source} does not hold: the sweep table does not match the file"
                ),
            ));
        }
        check_sampling_rate(&source, n, rec.sampling_rate(n)?)?;
    }
    Ok(())
}

/// The whole preprocessing of a cell from any source: the sweeps chosen by
/// the table ([`select`]), the table checked against the recordings
/// ([`check_table`]), then every sweep checked ([`check_sweep`]) as it is
/// read and the preprocessing of [`preprocess`].
pub fn preprocess_recordings(
    table_name: &str,
    table: &[SweepEntry],
    rec: &(impl Recordings + ?Sized),
) -> Result<Preprocessed, FitError> {
    let sel = select(table).map_err(|e| FitError::undetermined(table_name, &e.to_string()))?;
    check_table(table_name, &sel, rec)?;
    let source = rec.name();
    preprocess(table, |n| {
        let s = rec.read(n)?;
        check_sweep(&source, n, &s)?;
        Ok(s)
    })
}

/// Reads a sweep table file (`ephys_sweeps.json`, see
/// [`parse_sweep_table`]); errors name the file.
pub fn read_sweep_table(path: &Path) -> Result<Vec<SweepEntry>, FitError> {
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| FitError::undetermined(&name, &e.to_string()))?;
    parse_sweep_table(&text).map_err(|e| FitError::undetermined(&name, &e.to_string()))
}

#[cfg(feature = "nwb")]
pub use nwb::NwbRecordings;

#[cfg(feature = "nwb")]
mod nwb {
    use std::path::{Path, PathBuf};

    use glif_io::nwb::NwbFile;

    use super::Recordings;
    use crate::preprocess::RawSweep;
    use crate::FitError;

    /// An Allen NWB 1.x file's sweeps (through glif-io's reader, which
    /// applies `conversion` for pipeline 1.1 files, so values are V and A).
    pub struct NwbRecordings {
        file: NwbFile,
        path: PathBuf,
    }

    impl NwbRecordings {
        /// Opens `path`; a missing file or one that is not an Allen NWB file
        /// is an error naming it.
        pub fn open(path: &Path) -> Result<Self, FitError> {
            let name = path.display().to_string();
            if !path.is_file() {
                return Err(FitError::undetermined(&name, "no such file"));
            }
            let file =
                NwbFile::open(path).map_err(|e| FitError::undetermined(&name, &e.to_string()))?;
            Ok(Self {
                file,
                path: path.to_path_buf(),
            })
        }
    }

    impl Recordings for NwbRecordings {
        fn name(&self) -> String {
            self.path.display().to_string()
        }

        fn sweep_numbers(&self) -> Result<Vec<u32>, FitError> {
            self.file
                .sweep_numbers()
                .map_err(|e| FitError::undetermined(&self.name(), &e.to_string()))
        }

        fn sampling_rate(&self, n: u32) -> Result<f64, FitError> {
            self.file
                .sampling_rate(n)
                .map_err(|e| FitError::undetermined(&self.name(), &e.to_string()))
        }

        fn read(&self, n: u32) -> Result<RawSweep, FitError> {
            let bad = |e: glif_io::nwb::NwbError| {
                FitError::undetermined(&format!("{}: sweep {n}", self.name()), &e.to_string())
            };
            let sweep = self.file.read_current_clamp_sweep(n).map_err(bad)?;
            let voltage = self.file.read_response(n).map_err(bad)?;
            Ok(RawSweep {
                voltage,
                current: sweep.stimulus,
                sampling_rate_hz: sweep.sampling_rate,
                index_range_start: sweep.index_range.0,
            })
        }
    }
}

/// The name of a recordings folder's sweep table.
pub const RECORDINGS_TABLE: &str = "sweeps.json";

/// A lab's own recordings: a folder holding `sweeps.json` and one voltage
/// and one current file per sweep.
///
/// `sweeps.json` is a JSON list with one object per sweep: the fields of
/// an Allen sweep table that selection reads (see
/// [`crate::sweeps::parse_sweep_table`]: `sweep_number`, `stimulus_name`
/// (`Noise 1`, `Noise 2`, `Short Square`, `Short Square - Triple`,
/// `Long Square`, `Ramp`), `num_spikes` (required here: it decides
/// sub- or suprathreshold), `stimulus_amplitude`, `slow_vm_mv`), and:
///
/// | field | meaning |
/// |---|---|
/// | `sampling_rate_hz` | samples per second of both files |
/// | `voltage`, `current` | the files, relative to the folder: `.npy` (float64/float32/integer, one dimension) or text/CSV (one number per line; a first line that is not a number is a header) |
/// | `voltage_unit` | `V` or `mV` |
/// | `current_unit` | `A`, `nA` or `pA` |
/// | `stimulus_start_index` | the sample at which the stimulus starts (after any test pulse; Allen's experiment epoch start), 0 if absent |
///
/// Values are converted to V and A by the declared unit, then checked as
/// any source's are ([`check_sweep`]), so a file in millivolts declared as
/// `V` is refused by name.
pub struct RecordingsDir {
    dir: PathBuf,
    sweeps: Vec<DirSweep>,
}

struct DirSweep {
    number: u32,
    rate: f64,
    voltage: PathBuf,
    voltage_scale: f64,
    current: PathBuf,
    current_scale: f64,
    start: usize,
}

impl RecordingsDir {
    /// Reads `dir/sweeps.json` (and no samples yet); returns the folder and
    /// the sweep table for [`preprocess_recordings`].
    pub fn open(dir: &Path) -> Result<(Self, Vec<SweepEntry>), FitError> {
        let table_path = dir.join(RECORDINGS_TABLE);
        let tname = table_path.display().to_string();
        if !dir.is_dir() {
            return Err(FitError::undetermined(
                &dir.display().to_string(),
                "no such folder (expected a folder holding sweeps.json and the sweeps' files)",
            ));
        }
        let text = std::fs::read_to_string(&table_path)
            .map_err(|e| FitError::undetermined(&tname, &e.to_string()))?;
        let table =
            parse_sweep_table(&text).map_err(|e| FitError::undetermined(&tname, &e.to_string()))?;
        let list: Value = serde_json::from_str(&text).expect("parse_sweep_table parsed it");
        let mut sweeps = Vec::new();
        for (entry, s) in table.iter().zip(list.as_array().expect("a list")) {
            let n = entry.sweep_number;
            let field = |key: &str, expected: &str| -> Result<&Value, FitError> {
                match &s[key] {
                    Value::Null => Err(FitError::undetermined(
                        &tname,
                        &format!("sweep {n}: no `{key}` (expected {expected})"),
                    )),
                    v => Ok(v),
                }
            };
            let wrong = |key: &str, v: &Value, expected: &str| {
                FitError::undetermined(
                    &tname,
                    &format!("sweep {n}: `{key}` is {v}: expected {expected}"),
                )
            };
            let e = "a whole number of spikes (it decides sub- or suprathreshold)";
            let ns = field("num_spikes", e)?;
            if ns.as_u64().is_none() {
                return Err(wrong("num_spikes", ns, e));
            }
            let e = "a sampling rate in Hz";
            let r = field("sampling_rate_hz", e)?;
            let rate = r.as_f64().ok_or_else(|| wrong("sampling_rate_hz", r, e))?;
            let file = |key: &str| -> Result<PathBuf, FitError> {
                let e = "a file name relative to the folder";
                let v = field(key, e)?;
                let name = v.as_str().ok_or_else(|| wrong(key, v, e))?;
                Ok(dir.join(name))
            };
            let (voltage, current) = (file("voltage")?, file("current")?);
            let e = "\"V\" or \"mV\"";
            let vu = field("voltage_unit", e)?;
            let voltage_scale = match vu.as_str() {
                Some("V") => 1.0,
                Some("mV") => 1e-3,
                _ => return Err(wrong("voltage_unit", vu, e)),
            };
            let e = "\"A\", \"nA\" or \"pA\"";
            let cu = field("current_unit", e)?;
            let current_scale = match cu.as_str() {
                Some("A") => 1.0,
                Some("nA") => 1e-9,
                Some("pA") => 1e-12,
                _ => return Err(wrong("current_unit", cu, e)),
            };
            let start = match &s["stimulus_start_index"] {
                Value::Null => 0,
                v => v
                    .as_u64()
                    .ok_or_else(|| wrong("stimulus_start_index", v, "a sample index"))?
                    as usize,
            };
            sweeps.push(DirSweep {
                number: n,
                rate,
                voltage,
                voltage_scale,
                current,
                current_scale,
                start,
            });
        }
        Ok((
            Self {
                dir: dir.to_path_buf(),
                sweeps,
            },
            table,
        ))
    }

    fn sweep(&self, n: u32) -> Result<&DirSweep, FitError> {
        self.sweeps.iter().find(|s| s.number == n).ok_or_else(|| {
            FitError::undetermined(&self.name(), &format!("no sweep {n} in its sweeps.json"))
        })
    }
}

/// Reads one trace file: `.npy` or text/CSV (one number per line, an
/// optional header line). Non-finite values are kept (the checks name them).
pub fn read_trace(path: &Path) -> Result<Vec<f64>, FitError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| FitError::undetermined(&name, &e.to_string()))?;
    let is_npy = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if is_npy {
        let a = glif_io::formats::read_npy(&bytes)
            .map_err(|e| FitError::undetermined(&name, &e.to_string()))?;
        if a.shape.iter().filter(|&&d| d > 1).count() > 1 {
            return Err(FitError::undetermined(
                &name,
                &format!("an array of shape {:?}: expected one dimension", a.shape),
            ));
        }
        return Ok(a.into_f64());
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| FitError::undetermined(&name, "not text (expected .npy, or CSV/text)"))?;
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let cell = line.split(',').next().unwrap_or("").trim();
        if cell.is_empty() {
            continue;
        }
        match cell.parse::<f64>() {
            Ok(x) => out.push(x),
            Err(_) if k == 0 => {} // a header
            Err(_) => {
                return Err(FitError::undetermined(
                    &name,
                    &format!("line {}: {cell:?} is not a number", k + 1),
                ))
            }
        }
    }
    Ok(out)
}

impl Recordings for RecordingsDir {
    fn name(&self) -> String {
        self.dir.display().to_string()
    }

    fn sweep_numbers(&self) -> Result<Vec<u32>, FitError> {
        Ok(self
            .sweeps
            .iter()
            .filter(|s| s.voltage.is_file() && s.current.is_file())
            .map(|s| s.number)
            .collect())
    }

    fn sampling_rate(&self, n: u32) -> Result<f64, FitError> {
        Ok(self.sweep(n)?.rate)
    }

    fn read(&self, n: u32) -> Result<RawSweep, FitError> {
        let s = self.sweep(n)?;
        let scale = |x: Vec<f64>, k: f64| {
            if k == 1.0 {
                x
            } else {
                x.into_iter().map(|v| v * k).collect()
            }
        };
        Ok(RawSweep {
            voltage: scale(read_trace(&s.voltage)?, s.voltage_scale),
            current: scale(read_trace(&s.current)?, s.current_scale),
            sampling_rate_hz: s.rate,
            index_range_start: s.start,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::abs_max_if_finite;

    /// The two passes [`abs_max_if_finite`] replaced.
    fn straightforward(x: &[f64]) -> Result<f64, usize> {
        match x.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(i),
            None => Ok(x.iter().fold(0.0f64, |m, v| m.max(v.abs()))),
        }
    }

    #[test]
    fn one_pass_equals_the_position_and_fold_bit_for_bit() {
        for n in [0usize, 1, 7, 8, 9, 16, 17, 1000, 1003] {
            let x: Vec<f64> = (0..n)
                .map(|k| ((k * 7919) % 1013) as f64 * if k % 3 == 0 { -1e-3 } else { 1e-4 })
                .collect();
            let bits = |r: Result<f64, usize>| r.map(f64::to_bits);
            assert_eq!(
                bits(abs_max_if_finite(&x)),
                bits(straightforward(&x)),
                "n {n}"
            );
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                for at in [0, n / 2, n.saturating_sub(1)] {
                    if n == 0 {
                        continue;
                    }
                    let mut y = x.clone();
                    y[at] = bad;
                    if at + 1 < n {
                        y[n - 1] = f64::NAN;
                    }
                    assert_eq!(abs_max_if_finite(&y), straightforward(&y), "n {n}, at {at}");
                }
            }
        }
        let zeros = [-0.0, 0.0, -0.0];
        assert_eq!(
            abs_max_if_finite(&zeros).map(f64::to_bits),
            straightforward(&zeros).map(f64::to_bits)
        );
    }
}
