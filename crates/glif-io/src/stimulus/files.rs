//! Reading stimuli (A, one sample per `dt`) from files: a JSON array, text
//! or CSV (one value per line, or a table with a header from which one
//! column is chosen; a `time` column is checked against `dt`), `.npy`
//! (`float64`, `float32` or integers of any width, one dimension or a single
//! row or column) or one array of a `.npz` archive, each optionally
//! gzip-compressed (`.json.gz`, `.csv.gz`, `.npy.gz`, ...). Every sample
//! must be finite and the stimulus must not be empty; errors name the file
//! and the line, column, key or index.

use std::path::Path;

use super::source::Source;
use crate::base::read_maybe_gzip;
use crate::base::{Error, Fix, Result};
use crate::formats::{npy_int_value, read_npy, read_npy_header, unzip_npz, NpyDtype, NpyHeader};

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

/// How to read a stimulus file beyond its extension.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StimulusOptions {
    /// The sampling interval the run will use (s). A table's `time` column
    /// is checked against it; `None` derives it from the time column.
    pub dt: Option<f64>,
    /// The column of a text/CSV table, by its header name.
    pub column: Option<String>,
    /// The array of a `.npz` archive (with or without `.npy`).
    pub key: Option<String>,
}

impl StimulusOptions {
    /// Whether `path` is read as the run goes by [`NpyStream`] rather than
    /// read whole: an uncompressed `.npy` file (any case), with no column
    /// or key chosen (which only other formats have).
    pub fn streams(&self, path: &Path) -> bool {
        is_npy(path) && self.column.is_none() && self.key.is_none()
    }
}

/// An uncompressed `.npy` file, by its name (any case).
fn is_npy(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(".npy"))
}

/// Reads a stimulus file (A per sample); the format follows the extension:
/// `.json`, `.npy`, `.npz`, anything else as text (see
/// [`stimulus_from_text`]). A further `.gz` (`stim.json.gz`) means
/// gzip-compressed. `options` chooses a column of a table or a key of a
/// `.npz` archive and checks a table's time column against `options.dt`;
/// `StimulusOptions::default()` reads a file's only column or array.
pub fn read_stimulus(path: impl AsRef<Path>, options: &StimulusOptions) -> Result<Vec<f64>> {
    let path = path.as_ref();
    let name = path
        .file_name()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let inner = name.strip_suffix(".gz").unwrap_or(&name);
    let binary = inner.ends_with(".npy") || inner.ends_with(".npz") || inner.ends_with(".json");
    if options.column.is_some() && binary {
        return Err(Error::stimulus(
            "column",
            "a column is chosen only in a text/CSV table, not in .json, .npy or .npz",
        )
        .in_file(path));
    }
    if options.key.is_some() && !inner.ends_with(".npz") {
        return Err(Error::stimulus("key", "a key is chosen only in a .npz archive").in_file(path));
    }
    if is_npy(path) {
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
    } else if inner.ends_with(".npz") {
        stimulus_from_npz(&bytes, options.key.as_deref())
    } else if inner.ends_with(".json") {
        text(&bytes).and_then(|t| stimulus_from_json_str(&t))
    } else {
        text(&bytes).and_then(|t| stimulus_from_table(&t, options.column.as_deref(), options.dt))
    };
    parsed.map_err(|e| e.in_file(path))
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
/// a letter and not be `nan` or `inf`). A table of several columns is read
/// as [`stimulus_from_table`] with no column chosen and `dt` derived.
pub fn stimulus_from_text(text: &str) -> Result<Vec<f64>> {
    stimulus_from_table(text, None, None)
}

/// Whether a column name is a time column (`t`, `time`, `time_s`, `times`,
/// `t_s`, `time (s)`, ...).
fn is_time_name(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    n == "t" || n.starts_with("time") || n.starts_with("t_") || n.starts_with("t (")
}

/// Parses a text table: one value per line, or several columns separated
/// by `,`, tab or `;` under a header line of names. Blank lines and lines
/// starting with `#` are skipped. The current is `column` (by header name),
/// else the only column, else the column beside a first column named like
/// a time (`time_s,current_A`, the common two-column export). A time column
/// must step by `dt` (s; derived from the column when `None`): each time
/// within half a sample of `t0 + i * dt`, so that every row is one sample.
pub fn stimulus_from_table(text: &str, column: Option<&str>, dt: Option<f64>) -> Result<Vec<f64>> {
    let lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let mut lines = lines.peekable();
    let Some(&(first_no, first)) = lines.peek() else {
        return Err(Error::stimulus("stimulus", "is empty (no samples)"));
    };
    let sep = [',', '\t', ';'].into_iter().find(|&c| first.contains(c));
    let fields = |l: &str| -> Vec<String> {
        match sep {
            Some(c) => l.split(c).map(|f| f.trim().to_string()).collect(),
            None => vec![l.to_string()],
        }
    };
    let first_fields = fields(first);
    let is_name = |f: &str| {
        let lower = f.to_ascii_lowercase();
        f.parse::<f64>().is_err()
            && f.starts_with(|c: char| c.is_ascii_alphabetic() || c == '"' || c == '\'')
            && !["nan", "inf", "infinity"].contains(&lower.trim_start_matches(['+', '-']))
    };
    let header: Option<Vec<String>> = first_fields.iter().any(|f| is_name(f)).then(|| {
        first_fields
            .iter()
            .map(|f| f.trim_matches(|c| c == '"' || c == '\'').to_string())
            .collect()
    });
    if header.is_some() {
        lines.next();
    }
    let n_cols = first_fields.len();
    let names = |h: &[String]| h.join(", ");
    let time_col = header
        .as_ref()
        .filter(|h| h.len() > 1 && is_time_name(&h[0]))
        .map(|_| 0usize);
    let col = match (column, &header) {
        (Some(want), Some(h)) => h.iter().position(|n| n == want).ok_or_else(|| {
            Error::stimulus(
                "column",
                format!("no column named {want:?}; the header holds: {}", names(h)),
            )
        })?,
        (Some(want), None) => {
            return Err(Error::stimulus(
                format!("line {first_no}"),
                format!("column {want:?} asked for, but the first line is not a header of column names"),
            ))
        }
        (None, _) if n_cols == 1 => 0,
        (None, Some(_)) if n_cols == 2 && time_col.is_some() => 1,
        (None, Some(h)) => {
            return Err(Error::stimulus(
                format!("line {first_no}"),
                format!(
                    "{n_cols} columns ({}); choose the current's column by name",
                    names(h)
                ),
            )
            .with_fix(Fix::ChooseColumn))
        }
        (None, None) => {
            return Err(Error::stimulus(
                format!("line {first_no}"),
                format!(
                    "{first:?} has several columns and no header line naming them; expected one value per line, or a header such as time_s,current_A"
                ),
            ))
        }
    };
    let time_col = time_col.filter(|&t| t != col);
    let mut samples = Vec::new();
    let mut times = Vec::new();
    let mut time_lines = Vec::new();
    for (no, line) in lines {
        let location = || format!("line {no}");
        if sep.is_none() && line.contains([',', '\t', ';']) {
            return Err(Error::stimulus(
                location(),
                format!("{line:?} has several columns; expected one value per line like line {first_no}"),
            ));
        }
        let f = fields(line);
        if f.len() != n_cols {
            return Err(Error::stimulus(
                location(),
                format!("{line:?} has {} columns, expected {n_cols}", f.len()),
            ));
        }
        let name = |c: usize| match &header {
            Some(h) => format!("column {:?}", h[c]),
            None => "the value".to_string(),
        };
        let value = |c: usize| -> Result<f64> {
            let x = f[c].parse::<f64>().map_err(|_| {
                Error::stimulus(
                    location(),
                    format!("{}: {:?} is not a number", name(c), f[c]),
                )
            })?;
            if !x.is_finite() {
                return Err(Error::stimulus(
                    location(),
                    format!(
                        "{}: sample {} is {x}; every sample must be finite",
                        name(c),
                        samples.len()
                    ),
                ));
            }
            Ok(x)
        };
        let x = value(col)?;
        if let Some(t) = time_col {
            times.push(value(t)?);
            time_lines.push(no);
        }
        samples.push(x);
    }
    if let (Some(t), Some(h)) = (time_col, &header) {
        check_time_column(&times, &time_lines, &h[t], dt)?;
    }
    check(samples, |i| format!("sample {i}"))
}

/// Checks that `times` (s) step by `dt` (derived from the first and last
/// time when `None`). Tolerance: half a sample, so each row is exactly one
/// sample; times written with few decimals (`0.000015`) still pass.
fn check_time_column(times: &[f64], lines: &[usize], name: &str, dt: Option<f64>) -> Result<()> {
    let n = times.len();
    if n < 2 {
        return Ok(());
    }
    let span = times[n - 1] - times[0];
    let file_dt = span / (n - 1) as f64;
    if file_dt.is_nan() || file_dt <= 0.0 {
        return Err(Error::stimulus(
            format!("column {name:?}"),
            format!(
                "times do not increase (first {} s, last {} s)",
                crate::base::sci(times[0]),
                crate::base::sci(times[n - 1])
            ),
        ));
    }
    let dt = match dt {
        Some(dt) => {
            if ((file_dt - dt) / dt).abs() > 0.5 / (n - 1) as f64 {
                return Err(Error::stimulus(
                    format!("column {name:?}"),
                    format!(
                        "the times step by {} s ({} Hz) but dt is {} s",
                        crate::base::sci(file_dt),
                        crate::base::sci(1.0 / file_dt),
                        crate::base::sci(dt),
                    ),
                )
                .with_fix(Fix::UseDt(file_dt)));
            }
            dt
        }
        None => file_dt,
    };
    for (i, (&t, &no)) in times.iter().zip(lines).enumerate() {
        let expected = times[0] + i as f64 * dt;
        if (t - expected).abs() > 0.5 * dt {
            return Err(Error::stimulus(
                format!("line {no}"),
                format!(
                    "column {name:?}: time {} s, expected {} s (samples every {} s, one row each)",
                    crate::base::sci(t),
                    crate::base::sci(expected),
                    crate::base::sci(dt)
                ),
            ));
        }
    }
    Ok(())
}

/// The array `key` (with or without `.npy`) of a `.npz` archive as a
/// stimulus; without `key`, the archive's only array.
pub fn stimulus_from_npz(bytes: &[u8], key: Option<&str>) -> Result<Vec<f64>> {
    let members = unzip_npz(bytes)?;
    let keys: Vec<&str> = members
        .iter()
        .map(|(n, _)| n.strip_suffix(".npy").unwrap_or(n))
        .collect();
    let index = match key {
        Some(k) => {
            let k = k.strip_suffix(".npy").unwrap_or(k);
            keys.iter().position(|&n| n == k).ok_or_else(|| {
                Error::stimulus(
                    "key",
                    format!("no array {k:?}; the archive holds: {}", keys.join(", ")),
                )
            })?
        }
        None if members.len() == 1 => 0,
        None => {
            return Err(Error::stimulus(
                "key",
                format!(
                    "the archive holds {} arrays ({}); choose one by key",
                    keys.len(),
                    keys.join(", ")
                ),
            )
            .with_fix(Fix::ChooseNpzKey))
        }
    };
    stimulus_from_npy(&members[index].1).map_err(|e| match e.kind() {
        crate::base::ErrorKind::Npy(m) => Error::npy(format!("array {:?}: {m}", keys[index])),
        _ => e,
    })
}

/// Parses `.npy` bytes (`float64`, `float32` or any integer; shape `(n,)`, `(n, 1)` or `(1, n)`).
pub fn stimulus_from_npy(bytes: &[u8]) -> Result<Vec<f64>> {
    let a = read_npy(bytes)?;
    check_npy_shape(&a.shape)?;
    check(a.to_f64(), |i| format!("[{i}]"))
}

/// Refuses an `.npy` shape other than `(n,)`, `(n, 1)` or `(1, n)`.
fn check_npy_shape(shape: &[usize]) -> Result<()> {
    let ok_shape = match shape {
        [_] => true,
        [r, c] => *r == 1 || *c == 1,
        _ => false,
    };
    if !ok_shape {
        return Err(Error::npy(format!(
            "shape {shape:?}: a stimulus must be one-dimensional (or a single row or column)"
        )));
    }
    Ok(())
}

/// A `.npy` stimulus (`float64`, `float32` or integers, one dimension or a single row
/// or column) read from its file as the run goes: a [`Source`] whose memory
/// is one chunk, whatever the length of the file. The header and the file's
/// length are checked when it is opened; each sample is checked (finite)
/// as it is read.
#[derive(Debug)]
pub struct NpyStream {
    file: std::io::BufReader<std::fs::File>,
    path: std::path::PathBuf,
    header: NpyHeader,
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
        let header = read_npy_header(&head)?;
        check_npy_shape(&header.shape)?;
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
            NpyDtype::F32 => {
                for (x, b) in buf.iter_mut().zip(self.bytes.chunks_exact(4)) {
                    let b = [b[0], b[1], b[2], b[3]];
                    *x = f64::from(if little {
                        f32::from_le_bytes(b)
                    } else {
                        f32::from_be_bytes(b)
                    });
                }
            }
            NpyDtype::I64 | NpyDtype::Int { .. } => {
                let signed = !matches!(self.header.dtype, NpyDtype::Int { signed: false, .. });
                for (x, b) in buf.iter_mut().zip(self.bytes.chunks_exact(size)) {
                    // Exact up to 2^53 in magnitude; beyond, the nearest f64.
                    *x = npy_int_value(b, little, signed) as f64;
                }
            }
            NpyDtype::F64 => {
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
        // One pass without an early exit (it vectorizes), then the search.
        let finite = buf[..n].iter().fold(true, |ok, x| ok & x.is_finite());
        if let Some(i) = (!finite)
            .then(|| buf[..n].iter().position(|x| !x.is_finite()))
            .flatten()
        {
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
