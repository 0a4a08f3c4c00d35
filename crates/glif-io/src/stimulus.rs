//! Reading stimuli (A, one sample per `dt`) from files: a JSON array, text
//! or CSV with one value per line, or `.npy` (`float64` or `float32`, one
//! dimension or a single row or column), each optionally gzip-compressed
//! (`.json.gz`, `.npy.gz`, ...). Every sample must be finite and the
//! stimulus must not be empty; errors name the line or index.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::npy::{self, NpyData};

fn check(samples: Vec<f64>, location: impl Fn(usize) -> String) -> Result<Vec<f64>> {
    if samples.is_empty() {
        return Err(Error::stimulus("stimulus", "is empty (no samples)"));
    }
    if let Some(i) = samples.iter().position(|x| !x.is_finite()) {
        return Err(Error::stimulus(
            location(i),
            format!(
                "sample {} is {}; every sample must be a finite current in A",
                i, samples[i]
            ),
        ));
    }
    Ok(samples)
}

/// Reads a stimulus file; the format follows the extension: `.json`,
/// `.npy`, anything else as text (see [`stimulus_from_text`]). A further
/// `.gz` (`stim.json.gz`) means gzip-compressed.
pub fn read_stimulus(path: impl AsRef<Path>) -> Result<Vec<f64>> {
    let path = path.as_ref();
    let name = path
        .file_name()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = read_maybe_gzip(path)?;
    let inner = name.strip_suffix(".gz").unwrap_or(&name);
    let text = |b: &[u8]| -> Result<String> {
        String::from_utf8(b.to_vec()).map_err(|_| Error::stimulus("file", "is not UTF-8 text"))
    };
    let parsed = if inner.ends_with(".npy") {
        stimulus_from_npy(&bytes)
    } else if inner.ends_with(".json") {
        text(&bytes).and_then(|t| stimulus_from_json_str(&t))
    } else {
        text(&bytes).and_then(|t| stimulus_from_text(&t))
    };
    parsed.map_err(|e| e.in_file(path))
}

/// The bytes of `path`, decompressed when its name ends in `.gz`.
pub(crate) fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    if !gz {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_end(&mut out)
        .map_err(|e| {
            let e = std::io::Error::new(e.kind(), format!("not a valid gzip file: {e}"));
            Error::io(path, e)
        })?;
    Ok(out)
}

/// Parses a JSON array of numbers.
pub fn stimulus_from_json_str(text: &str) -> Result<Vec<f64>> {
    let value: Value = serde_json::from_str(text).map_err(|e| Error::syntax(&e))?;
    let Value::Array(items) = value else {
        return Err(Error::stimulus(
            "(top level)",
            "expected a JSON array of numbers",
        ));
    };
    let samples = items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_f64().ok_or_else(|| {
                Error::stimulus(
                    format!("[{i}]"),
                    format!("found {v}, expected a finite number (NaN is not allowed)"),
                )
            })
        })
        .collect::<Result<Vec<f64>>>()?;
    check(samples, |i| format!("[{i}]"))
}

/// Parses text with one value per line. Blank lines and lines starting with
/// `#` are skipped; the first line may be a column name (it must start with
/// a letter and not be `nan` or `inf`). A line with several comma-separated
/// columns is an error: choose the column first.
pub fn stimulus_from_text(text: &str) -> Result<Vec<f64>> {
    let mut samples = Vec::new();
    let mut lines = Vec::new();
    let mut first = true;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let is_first = std::mem::replace(&mut first, false);
        let location = || format!("line {}", i + 1);
        if line.contains(',') || line.contains('\t') || line.contains(';') {
            return Err(Error::stimulus(
                location(),
                format!("{line:?} has several columns; expected one value per line"),
            ));
        }
        match line.parse::<f64>() {
            Ok(x) => {
                samples.push(x);
                lines.push(i + 1);
            }
            Err(_) => {
                let lower = line.to_ascii_lowercase();
                let header = is_first
                    && line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '"')
                    && !["nan", "inf", "infinity"].contains(&lower.trim_start_matches(['+', '-']));
                if !header {
                    return Err(Error::stimulus(
                        location(),
                        format!("{line:?} is not a number"),
                    ));
                }
            }
        }
    }
    check(samples, |i| {
        format!("line {}", lines.get(i).copied().unwrap_or(0))
    })
}

/// Parses `.npy` bytes (`float64` or `float32`; shape `(n,)`, `(n, 1)` or `(1, n)`).
pub fn stimulus_from_npy(bytes: &[u8]) -> Result<Vec<f64>> {
    let a = npy::read(bytes)?;
    let ok_shape = match a.shape.as_slice() {
        [_] => true,
        [r, c] => *r == 1 || *c == 1,
        _ => false,
    };
    if !ok_shape {
        return Err(Error::npy(format!(
            "shape {:?}: a stimulus must be one-dimensional (or a single row or column)",
            a.shape
        )));
    }
    if matches!(a.data, NpyData::I64(_)) {
        return Err(Error::npy(
            "int64 array: a stimulus must be float64 or float32 (A)",
        ));
    }
    check(a.to_f64(), |i| format!("[{i}]"))
}
