//! Reading stimuli (A, one sample per `dt`) from files: a JSON array, text
//! or CSV with one value per line, or `.npy` (`float64` or `float32`, one
//! dimension or a single row or column), each optionally gzip-compressed
//! (`.json.gz`, `.npy.gz`, ...). Every sample must be finite and the
//! stimulus must not be empty; errors name the line or index.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::npy::{self, NpyData};
use crate::stream::Source;

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
    let inner = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".npy") {
        // Read as a stream: the file is checked sample by sample without a
        // second copy of its bytes.
        return NpyStream::open(path)?.to_vec();
    }
    let bytes = read_maybe_gzip(path)?;
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

/// Parses a JSON array of numbers, straight into the samples (no
/// intermediate JSON tree).
pub fn stimulus_from_json_str(text: &str) -> Result<Vec<f64>> {
    let items: Items = serde_json::from_str(text).map_err(|e| Error::syntax(&e))?;
    let samples = match items {
        Items::Array(samples) => samples,
        Items::Other(found) => {
            return Err(Error::stimulus(
                "(top level)",
                format!("found {found}, expected a JSON array of numbers"),
            ))
        }
        Items::Bad { index, found } => {
            return Err(Error::stimulus(
                format!("[{index}]"),
                format!("found {found}, expected a finite number (NaN is not allowed)"),
            ))
        }
    };
    check(samples, |i| format!("[{i}]"))
}

/// A JSON stimulus as parsed: the samples, or what was found instead.
enum Items {
    Array(Vec<f64>),
    Other(&'static str),
    Bad { index: usize, found: String },
}

/// One array element: a number, or a description of what it is instead.
struct Item(std::result::Result<f64, String>);

struct ItemVisitor;

impl<'de> serde::de::Visitor<'de> for ItemVisitor {
    type Value = Item;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number")
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Item, E> {
        Ok(Item(Ok(v)))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Item, E> {
        Ok(Item(Ok(v as f64)))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Item, E> {
        Ok(Item(Ok(v as f64)))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Item, E> {
        Ok(Item(Err(format!("{v:?}"))))
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Item, E> {
        Ok(Item(Err(v.to_string())))
    }
    fn visit_unit<E>(self) -> std::result::Result<Item, E> {
        Ok(Item(Err("null".into())))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Item, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Item(Err("an array".into())))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Item, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Item(Err("an object".into())))
    }
}

impl<'de> serde::Deserialize<'de> for Item {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
}

struct ItemsVisitor;

impl<'de> serde::de::Visitor<'de> for ItemsVisitor {
    type Value = Items;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of numbers")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Items, A::Error> {
        let mut samples = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut bad = None;
        while let Some(Item(x)) = seq.next_element::<Item>()? {
            match x {
                Ok(x) => samples.push(x),
                Err(found) => {
                    bad.get_or_insert((samples.len(), found));
                    samples.push(0.0);
                }
            }
        }
        Ok(match bad {
            Some((index, found)) => Items::Bad { index, found },
            None => Items::Array(samples),
        })
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Items, E> {
        Ok(Items::Other("a number"))
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Items, E> {
        Ok(Items::Other("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Items, E> {
        Ok(Items::Other("a number"))
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Items, E> {
        Ok(Items::Other("a string"))
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Items, E> {
        Ok(Items::Other("a boolean"))
    }
    fn visit_unit<E>(self) -> std::result::Result<Items, E> {
        Ok(Items::Other("null"))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Items, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Items::Other("an object"))
    }
}

impl<'de> serde::Deserialize<'de> for Items {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ItemsVisitor)
    }
}

/// Parses text with one value per line. Blank lines and lines starting with
/// `#` are skipped; the first line may be a column name (it must start with
/// a letter and not be `nan` or `inf`). A line with several comma-separated
/// columns is an error: choose the column first.
pub fn stimulus_from_text(text: &str) -> Result<Vec<f64>> {
    let mut samples = Vec::new();
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
            Ok(x) if x.is_finite() => samples.push(x),
            Ok(x) => {
                return Err(Error::stimulus(
                    location(),
                    format!(
                        "sample {} is {x}; every sample must be a finite current in A",
                        samples.len()
                    ),
                ))
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
    check(samples, |i| format!("sample {i}"))
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

/// A `.npy` stimulus (`float64` or `float32`, one dimension or a single row
/// or column) read from its file as the run goes: a [`Source`] whose memory
/// is one chunk, whatever the length of the file. The header and the file's
/// length are checked when it is opened; each sample is checked (finite)
/// as it is read.
#[derive(Debug)]
pub struct NpyStream {
    file: std::io::BufReader<std::fs::File>,
    path: std::path::PathBuf,
    header: npy::Header,
    next: usize,
    bytes: Vec<u8>,
}

impl NpyStream {
    /// Opens `path` and checks its header against its length.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Self::open_inner(path).map_err(|e| e.in_file(path))
    }

    fn open_inner(path: &Path) -> Result<Self> {
        use std::io::Read;
        let io = |e| Error::io(path, e);
        let file = std::fs::File::open(path).map_err(io)?;
        let file_len = file.metadata().map_err(io)?.len();
        let mut file = std::io::BufReader::with_capacity(1 << 16, file);
        // The magic, the version and the header length (2 or 4 bytes).
        let mut head = vec![0u8; 12.min(file_len as usize)];
        file.read_exact(&mut head).map_err(io)?;
        let header_end = match head.get(6) {
            Some(1) if head.len() >= 10 => 10 + u16::from_le_bytes([head[8], head[9]]) as usize,
            Some(2 | 3) if head.len() >= 12 => {
                12 + u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize
            }
            _ => head.len(),
        };
        if header_end > head.len() {
            if header_end as u64 > file_len {
                return Err(Error::npy("truncated .npy header"));
            }
            let have = head.len();
            head.resize(header_end, 0);
            file.read_exact(&mut head[have..]).map_err(io)?;
        }
        let header = npy::read_header(&head)?;
        let ok_shape = match header.shape.as_slice() {
            [_] => true,
            [r, c] => *r == 1 || *c == 1,
            _ => false,
        };
        if !ok_shape {
            return Err(Error::npy(format!(
                "shape {:?}: a stimulus must be one-dimensional (or a single row or column)",
                header.shape
            )));
        }
        if header.dtype == npy::Dtype::I64 {
            return Err(Error::npy(
                "int64 array: a stimulus must be float64 or float32 (A)",
            ));
        }
        let expected = (header.count * header.dtype.size()) as u64;
        let body = file_len - header.data_offset as u64;
        if body != expected {
            return Err(Error::npy(format!(
                "data is {body} bytes, expected {expected} for shape {:?} of {} (truncated or corrupt file)",
                header.shape, header.descr
            )));
        }
        if header.count == 0 {
            return Err(Error::stimulus("stimulus", "is empty (no samples)"));
        }
        Ok(NpyStream {
            file,
            path: path.to_path_buf(),
            header,
            next: 0,
            bytes: Vec::new(),
        })
    }

    /// Every remaining sample, read into memory.
    pub fn to_vec(mut self) -> Result<Vec<f64>> {
        let mut x = vec![0.0; self.header.count - self.next];
        let mut done = 0;
        while done < x.len() {
            done += Source::fill(&mut self, &mut x[done..])?;
        }
        Ok(x)
    }
}

impl Source for NpyStream {
    fn len(&self) -> usize {
        self.header.count
    }

    fn fill(&mut self, buf: &mut [f64]) -> Result<usize> {
        use std::io::Read;
        let n = buf.len().min(self.header.count - self.next);
        let size = self.header.dtype.size();
        self.bytes.resize(n * size, 0);
        self.file
            .read_exact(&mut self.bytes)
            .map_err(|e| Error::io(&self.path, e))?;
        let little = self.header.little_endian;
        match self.header.dtype {
            npy::Dtype::F32 => {
                for (x, b) in buf.iter_mut().zip(self.bytes.chunks_exact(4)) {
                    let b = [b[0], b[1], b[2], b[3]];
                    *x = f64::from(if little {
                        f32::from_le_bytes(b)
                    } else {
                        f32::from_be_bytes(b)
                    });
                }
            }
            _ => {
                for (x, b) in buf.iter_mut().zip(self.bytes.chunks_exact(8)) {
                    let b = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
                    *x = if little {
                        f64::from_le_bytes(b)
                    } else {
                        f64::from_be_bytes(b)
                    };
                }
            }
        }
        if let Some(i) = buf[..n].iter().position(|x| !x.is_finite()) {
            let i = self.next + i;
            return Err(Error::stimulus(
                format!("[{i}]"),
                format!(
                    "sample {i} is {}; every sample must be a finite current in A",
                    buf[i - self.next]
                ),
            )
            .in_file(&self.path));
        }
        self.next += n;
        Ok(n)
    }
}
