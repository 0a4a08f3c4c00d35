//! numpy's `.npy` format (versions 1.0, 2.0 and 3.0), following numpy's
//! format specification (`numpy.lib.format`). Little- and big-endian `f8`,
//! `f4` and integers of every width (`i1`..`i8`, `u1`..`u8`) are read;
//! `f8` and `i8` little-endian are written. Every length is checked:
//! malformed or truncated input is an error, never a panic.
//!
//! The header and array code is ours (a few hundred lines) because a
//! stimulus is read from its file a block at a time ([`read_header`], then
//! [`crate::stimulus::NpyStream`]) and arrays are written straight from the
//! result's buffers ([`write_f64_data`]). The `.npz` container is the `zip`
//! crate's: [`zip()`] and [`unzip()`] here are thin wrappers over
//! [`super::npz::NpzWriter`] and [`super::npz::NpzReader`].

use crate::base::{Error, Result};

const MAGIC: &[u8] = b"\x93NUMPY";

/// The values of a `.npy` array.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyData {
    /// `f8`.
    F64(Vec<f64>),
    /// `f4`.
    F32(Vec<f32>),
    /// `i8`, or any other integer width (`i1`..`i4`, `u1`..`u8`) widened.
    I64(Vec<i64>),
}

/// A `.npy` array in C (row-major) order.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// The shape (empty for a scalar).
    pub shape: Vec<usize>,
    /// The values.
    pub data: NpyData,
}

impl NpyArray {
    /// The values as `f64`, without a copy for `f8` (see [`NpyArray::to_f64`]).
    pub fn into_f64(self) -> Vec<f64> {
        match self.data {
            NpyData::F64(v) => v,
            _ => self.to_f64(),
        }
    }

    /// The values as `f64` (exact for `f4`; `i8` beyond 2^53 rounds).
    pub fn to_f64(&self) -> Vec<f64> {
        match &self.data {
            NpyData::F64(v) => v.clone(),
            NpyData::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::I64(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }
}

/// The `.npy` header (version 1.0) of a little-endian array of `descr`
/// (`<f8`, `<i8`) and `shape`.
pub fn header_bytes(descr: &str, shape: &[usize]) -> Vec<u8> {
    let mut b = Vec::new();
    header(&mut b, descr, shape);
    b
}

/// Writes the data of a little-endian `f8` array: `data` in order, NaN
/// written as `nan_as` when it is set. The values are converted a block at
/// a time into one 64 KiB buffer: no copy of the whole array.
pub fn write_f64_data(
    w: &mut (impl std::io::Write + ?Sized),
    data: &[f64],
    nan_as: Option<f64>,
) -> std::io::Result<()> {
    const BLOCK: usize = 8192;
    let mut buf = vec![0u8; BLOCK * 8];
    for block in data.chunks(BLOCK) {
        let bytes = &mut buf[..block.len() * 8];
        for (out, &x) in bytes.chunks_exact_mut(8).zip(block) {
            let x = match nan_as {
                Some(v) if x.is_nan() => v,
                _ => x,
            };
            out.copy_from_slice(&x.to_le_bytes());
        }
        w.write_all(bytes)?;
    }
    Ok(())
}

/// Writes a little-endian `f8` array of `shape`.
pub fn write_f64(out: &mut Vec<u8>, shape: &[usize], data: &[f64]) {
    header(out, "<f8", shape);
    out.reserve(data.len() * 8);
    for x in data {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// Writes a little-endian `i8` array of `shape`.
pub fn write_i64(out: &mut Vec<u8>, shape: &[usize], data: &[i64]) {
    header(out, "<i8", shape);
    for x in data {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn header(out: &mut Vec<u8>, descr: &str, shape: &[usize]) {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    // Version 1.0: magic (6) + version (2) + length (2) + dict, padded with
    // spaces and a newline to a multiple of 64 bytes.
    let unpadded = 10 + dict.len() + 1;
    let padding = (64 - unpadded % 64) % 64;
    dict.extend(std::iter::repeat_n(' ', padding));
    dict.push('\n');
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
}

/// The element type of a `.npy` array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// `f8`.
    F64,
    /// `f4`.
    F32,
    /// `i8`.
    I64,
    /// Any other integer: `i1`, `i2`, `i4` (signed) or `u1`, `u2`, `u4`, `u8`.
    Int {
        /// Bytes per element: 1, 2, 4 or 8.
        bytes: usize,
        /// Two's complement (`i`) or unsigned (`u`).
        signed: bool,
    },
}

impl Dtype {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::F64 | Dtype::I64 => 8,
            Dtype::F32 => 4,
            Dtype::Int { bytes, .. } => bytes,
        }
    }

    /// Whether the elements are integers.
    pub fn is_integer(self) -> bool {
        matches!(self, Dtype::I64 | Dtype::Int { .. })
    }
}

/// One integer element of `bytes.len()` (1, 2, 4 or 8) bytes, widened to
/// `i128` so that every `u8` value fits.
pub fn int_value(bytes: &[u8], little: bool, signed: bool) -> i128 {
    let mut b = [0u8; 16];
    let n = bytes.len().min(8);
    for (i, &x) in bytes[..n].iter().enumerate() {
        // Little-endian into b: the least significant byte first.
        let at = if little { i } else { n - 1 - i };
        b[at] = x;
    }
    let raw = u128::from_le_bytes(b);
    if signed && n > 0 && raw >> (8 * n - 1) & 1 == 1 {
        // Sign-extend from n bytes.
        (raw | (u128::MAX << (8 * n))) as i128
    } else {
        raw as i128
    }
}

/// What a `.npy` header says: enough to read the data that follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The shape (empty for a scalar).
    pub shape: Vec<usize>,
    /// The element type.
    pub dtype: Dtype,
    /// The dtype as written, e.g. `<f8`.
    pub descr: String,
    /// Little-endian (or byte-order-free) elements.
    pub little_endian: bool,
    /// Column-major order.
    pub fortran_order: bool,
    /// The number of elements (the product of the shape).
    pub count: usize,
    /// Where the data starts: the header's length in bytes.
    pub data_offset: usize,
}

/// Parses the header at the start of a `.npy` file. `bytes` need only hold
/// the header (its length is at most [`Header::data_offset`]); a header
/// longer than `bytes` is an error.
pub fn read_header(bytes: &[u8]) -> Result<Header> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(Error::npy("not a .npy file (no \\x93NUMPY magic)"));
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 => {
            let b = bytes
                .get(8..12)
                .ok_or_else(|| Error::npy("truncated .npy header"))?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => return Err(Error::npy(format!("unsupported .npy version {v}"))),
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| Error::npy("truncated .npy header"))?;
    let dict = std::str::from_utf8(&bytes[start..end])
        .map_err(|_| Error::npy("the .npy header is not text"))?;
    let descr = dict_value(dict, "descr")?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    let fortran = match dict_value(dict, "fortran_order")? {
        "False" => false,
        "True" => true,
        other => return Err(Error::npy(format!("fortran_order: unexpected {other:?}"))),
    };
    let shape = parse_shape(dict_value(dict, "shape")?)?;
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| Error::npy("shape too large"))?;
    let (little, kind) = match descr.as_bytes() {
        [b'<' | b'|', rest @ ..] => (true, rest),
        [b'>', rest @ ..] => (false, rest),
        _ => return Err(Error::npy(format!("unsupported dtype {descr:?}"))),
    };
    let dtype = match kind {
        b"f8" => Dtype::F64,
        b"i8" => Dtype::I64,
        b"f4" => Dtype::F32,
        [k @ (b'i' | b'u'), w @ (b'1' | b'2' | b'4' | b'8')] => Dtype::Int {
            bytes: usize::from(w - b'0'),
            signed: *k == b'i',
        },
        _ => {
            return Err(Error::npy(format!(
                "unsupported dtype {descr:?}: expected float64 (f8), float32 (f4) or an integer (i1..i8, u1..u8)"
            )))
        }
    };
    count
        .checked_mul(dtype.size())
        .ok_or_else(|| Error::npy("shape too large"))?;
    Ok(Header {
        shape,
        dtype,
        descr: descr.to_string(),
        little_endian: little,
        fortran_order: fortran,
        count,
        data_offset: end,
    })
}

/// Reads a `.npy` file's bytes.
pub fn read(bytes: &[u8]) -> Result<NpyArray> {
    let h = read_header(bytes)?;
    let (shape, little, fortran, end, count) = (
        h.shape,
        h.little_endian,
        h.fortran_order,
        h.data_offset,
        h.count,
    );
    let (kind, item): (&[u8], usize) = match h.dtype {
        Dtype::F64 => (b"f8", 8),
        Dtype::I64 => (b"i8", 8),
        Dtype::F32 => (b"f4", 4),
        Dtype::Int { bytes, .. } => (b"in", bytes),
    };
    let descr = h.descr;
    let body = &bytes[end..];
    let expected = count
        .checked_mul(item)
        .ok_or_else(|| Error::npy("shape too large"))?;
    if body.len() != expected {
        return Err(Error::npy(format!(
            "data is {} bytes, expected {expected} for shape {shape:?} of {descr} (truncated or corrupt file)",
            body.len()
        )));
    }
    let data = match (kind, item) {
        (b"f8", _) => NpyData::F64(
            body.chunks_exact(8)
                .map(|c| {
                    let b: [u8; 8] = c.try_into().unwrap_or_default();
                    if little {
                        f64::from_le_bytes(b)
                    } else {
                        f64::from_be_bytes(b)
                    }
                })
                .collect(),
        ),
        (b"i8", _) => NpyData::I64(
            body.chunks_exact(8)
                .map(|c| {
                    let b: [u8; 8] = c.try_into().unwrap_or_default();
                    if little {
                        i64::from_le_bytes(b)
                    } else {
                        i64::from_be_bytes(b)
                    }
                })
                .collect(),
        ),
        (b"in", _) => {
            let signed = matches!(h.dtype, Dtype::Int { signed: true, .. });
            let mut v = Vec::with_capacity(count);
            for (i, c) in body.chunks_exact(item).enumerate() {
                let x = int_value(c, little, signed);
                v.push(i64::try_from(x).map_err(|_| {
                    Error::npy(format!(
                        "[{i}]: {x} does not fit in a 64-bit signed integer"
                    ))
                })?);
            }
            NpyData::I64(v)
        }
        _ => NpyData::F32(
            body.chunks_exact(4)
                .map(|c| {
                    let b: [u8; 4] = c.try_into().unwrap_or_default();
                    if little {
                        f32::from_le_bytes(b)
                    } else {
                        f32::from_be_bytes(b)
                    }
                })
                .collect(),
        ),
    };
    let mut array = NpyArray { shape, data };
    if fortran && array.shape.len() == 2 {
        transpose(&mut array);
    } else if fortran && array.shape.len() > 2 {
        return Err(Error::npy(
            "fortran_order arrays of more than 2 dimensions are not supported",
        ));
    }
    Ok(array)
}

/// Column-major (rows, cols) to row-major.
fn transpose(a: &mut NpyArray) {
    let (rows, cols) = (a.shape[0], a.shape[1]);
    fn t<T: Copy>(v: &[T], rows: usize, cols: usize) -> Vec<T> {
        (0..rows * cols)
            .map(|k| v[(k % cols) * rows + k / cols])
            .collect()
    }
    a.data = match &a.data {
        NpyData::F64(v) => NpyData::F64(t(v, rows, cols)),
        NpyData::F32(v) => NpyData::F32(t(v, rows, cols)),
        NpyData::I64(v) => NpyData::I64(t(v, rows, cols)),
    };
}

/// The text of `'key': value` in a Python dict literal, up to the next
/// top-level comma or closing brace.
fn dict_value<'a>(dict: &'a str, key: &str) -> Result<&'a str> {
    let missing = || Error::npy(format!("the .npy header has no '{key}'"));
    let pos = dict
        .find(&format!("'{key}'"))
        .or_else(|| dict.find(&format!("\"{key}\"")))
        .ok_or_else(missing)?;
    let rest = &dict[pos + key.len() + 2..];
    let rest = rest
        .trim_start()
        .strip_prefix(':')
        .ok_or_else(missing)?
        .trim_start();
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' | '}' if depth == 0 => return Ok(rest[..i].trim()),
            _ => {}
        }
    }
    Err(Error::npy("the .npy header dict is not closed"))
}

fn parse_shape(s: &str) -> Result<Vec<usize>> {
    let inner = s
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| Error::npy(format!("shape: expected a tuple, found {s:?}")))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| Error::npy(format!("shape: {d:?} is not a dimension")))
        })
        .collect()
}

#[cfg(test)]
mod int_tests {
    use super::int_value;

    #[test]
    fn integers_of_every_width_and_byte_order() {
        assert_eq!(int_value(&(-2i8).to_le_bytes(), true, true), -2);
        assert_eq!(int_value(&200u8.to_le_bytes(), true, false), 200);
        assert_eq!(int_value(&(-300i16).to_le_bytes(), true, true), -300);
        assert_eq!(int_value(&(-300i16).to_be_bytes(), false, true), -300);
        assert_eq!(int_value(&60_000u16.to_le_bytes(), true, false), 60_000);
        assert_eq!(int_value(&(-70_000i32).to_be_bytes(), false, true), -70_000);
        assert_eq!(
            int_value(&i64::MIN.to_le_bytes(), true, true),
            i64::MIN as i128
        );
        assert_eq!(
            int_value(&u64::MAX.to_le_bytes(), true, false),
            u64::MAX as i128
        );
    }

    #[test]
    fn a_u8_array_beyond_i64_is_an_error_naming_the_index() {
        let mut b = Vec::new();
        super::header(&mut b, "<u8", &[2]);
        b.extend_from_slice(&1u64.to_le_bytes());
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        let e = super::read(&b).unwrap_err().to_string();
        assert!(e.contains("[1]"), "{e}");
    }
}
