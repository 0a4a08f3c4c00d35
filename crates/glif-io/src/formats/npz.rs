//! numpy files of a result: one `.npy` per output in a folder
//! ([`write_npy_dir`] / [`read_npy_dir`]), or the same arrays in one `.npz`
//! archive as `np.savez(**run_output)` writes it ([`write_npz`] /
//! [`read_npz`]). `AScurrents` is samples x currents; `spike_time_steps`
//! is int64.
//!
//! `glif simulate` writes (through [`write_result`](super::write_result))
//! the arrays plus `stimulus` (A per sample), `dt` (s) and
//! `bad_reset_spike_step` (int64, -1 for none); a spikes-only run leaves
//! out the three traces and the stimulus. [`read_result`](super::read_result)
//! reads those back.
//!
//! The ZIP container is the `zip` crate's ([`NpzWriter`], [`NpzReader`]).
//! Archives are read whether their members are stored (`np.savez`) or
//! deflated (`np.savez_compressed`), with or without ZIP64 records, and
//! each member's CRC-32 is checked. They are written stored, as `np.savez`
//! writes them: deflating costs far more time than writing the bytes (for
//! a 4,000,000-step GLIF5 run, `np.savez_compressed` took 11.6 s to write
//! 72 MB where `glif simulate` writes the 160 MB stored archive, run
//! included, in 0.9 s; docs/PERFORMANCE.md), so compression is left to
//! `np.savez_compressed`, whose files are read here. A member or archive
//! past 4 GiB gets ZIP64 records; each array is written straight from the
//! result's buffers.

use std::io::{Read, Seek, Write};
use std::path::Path;

use super::npy::{self, NpyArray, NpyData};
use crate::base::{write_atomic, write_atomic_file};
use crate::base::{Error, ErrorKind, Result};
use crate::model::{assemble, spikes_from, RunEnd, RunResult};

use super::options::WriteOptions;

/// The values of one array to write.
enum Values<'a> {
    /// `<f8`, NaN written as the second field when it is set.
    F64(&'a [f64], Option<f64>),
    /// `<f8`, computed for writing (the spike arrays: a few values).
    F64Owned(Vec<f64>),
    /// `<i8`.
    I64(Vec<i64>),
}

/// One array of a result: its key (the member is `key.npy`), shape and values.
struct Array<'a> {
    key: &'static str,
    shape: Vec<usize>,
    values: Values<'a>,
}

impl Array<'_> {
    fn header(&self) -> Vec<u8> {
        let descr = match self.values {
            Values::I64(_) => "<i8",
            _ => "<f8",
        };
        npy::header_bytes(descr, &self.shape)
    }

    /// The `.npy` header and data, written to `w`; `header` is [`Array::header`].
    fn write(&self, header: &[u8], w: &mut (impl Write + ?Sized)) -> std::io::Result<()> {
        w.write_all(header)?;
        match &self.values {
            Values::F64(data, nan_as) => npy::write_f64_data(w, data, *nan_as),
            Values::F64Owned(data) => npy::write_f64_data(w, data, None),
            Values::I64(data) => {
                let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
                w.write_all(&bytes)
            }
        }
    }

    /// Bytes of data after the header.
    fn data_len(&self) -> u64 {
        let n = match &self.values {
            Values::F64(d, _) => d.len(),
            Values::F64Owned(d) => d.len(),
            Values::I64(d) => d.len(),
        };
        8 * n as u64
    }

    fn write_to(&self, npz: &mut NpzWriter<impl Write + Seek>) -> std::io::Result<()> {
        let header = self.header();
        let name = format!("{}.npy", self.key);
        npz.start(&name, header.len() as u64 + self.data_len())?;
        self.write(&header, &mut npz.zip)
    }
}

/// The eight outputs, in AllenSDK's order.
fn arrays<'a>(result: &'a RunResult, options: &WriteOptions) -> Vec<Array<'a>> {
    let n = result.len();
    let s = result.spikes.len();
    let f = |key, shape: Vec<usize>, data: &'a [f64]| Array {
        key,
        shape,
        values: Values::F64(data, None),
    };
    let spikes = |key, data: Vec<f64>| Array {
        key,
        shape: vec![s],
        values: Values::F64Owned(data),
    };
    vec![
        Array {
            key: "voltage",
            shape: vec![n],
            values: Values::F64(&result.voltage, options.spike_cut_value),
        },
        f("threshold", vec![n], &result.threshold),
        f("AScurrents", vec![n, result.asc_count], &result.asc),
        spikes("grid_spike_times", result.grid_spike_times()),
        spikes(
            "interpolated_spike_times",
            result.interpolated_spike_times(),
        ),
        Array {
            key: "spike_time_steps",
            shape: vec![s],
            values: Values::I64(result.spikes.iter().map(|x| x.step as i64).collect()),
        },
        spikes(
            "interpolated_spike_voltage",
            result.interpolated_spike_voltage(),
        ),
        spikes(
            "interpolated_spike_threshold",
            result.interpolated_spike_threshold(),
        ),
    ]
}

/// A `.npz` archive being written to `W`: stored `.npy` members, each
/// written straight from its values (no copy of the archive or of a member
/// in memory). A member gets ZIP64 records when it passes 4 GiB (or always,
/// with [`NpzWriter::zip64_always`], as `np.savez` writes them); the
/// archive's end gets them when its offsets pass 4 GiB.
pub struct NpzWriter<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    zip64_always: bool,
}

impl<W: Write + Seek> NpzWriter<W> {
    /// An empty archive written to `w`.
    pub fn new(w: W) -> Self {
        NpzWriter {
            zip: zip::ZipWriter::new(w),
            zip64_always: false,
        }
    }

    /// Writes ZIP64 records for every member, whatever its size (as numpy's
    /// `np.savez` does); 20 bytes more per member.
    pub fn zip64_always(mut self, always: bool) -> Self {
        self.zip64_always = always;
        self
    }

    /// Starts member `name` of `size` bytes.
    fn start(&mut self, name: &str, size: u64) -> std::io::Result<()> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(self.zip64_always || size >= u64::from(u32::MAX));
        self.zip.start_file(name, options)?;
        Ok(())
    }

    /// Adds member `name` (such as `voltage.npy`) holding `bytes`.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.start(name, bytes.len() as u64)?;
        self.zip.write_all(bytes)
    }

    /// Adds `key.npy`: a little-endian `f8` array of `shape`, NaN written as
    /// `nan_as` when it is set.
    pub fn add_f64(
        &mut self,
        key: &str,
        shape: &[usize],
        data: &[f64],
        nan_as: Option<f64>,
    ) -> std::io::Result<()> {
        let header = npy::header_bytes("<f8", shape);
        self.start(
            &format!("{key}.npy"),
            header.len() as u64 + 8 * data.len() as u64,
        )?;
        self.zip.write_all(&header)?;
        npy::write_f64_data(&mut self.zip, data, nan_as)
    }

    /// Adds `key.npy`: a little-endian `i8` array of `shape`.
    pub fn add_i64(&mut self, key: &str, shape: &[usize], data: &[i64]) -> std::io::Result<()> {
        let mut b = npy::header_bytes("<i8", shape);
        b.extend(data.iter().flat_map(|x| x.to_le_bytes()));
        self.add_bytes(&format!("{key}.npy"), &b)
    }

    /// Writes the central directory; returns the writer.
    pub fn finish(self) -> std::io::Result<W> {
        Ok(self.zip.finish()?)
    }
}

/// A `.npz` archive read from `R`: its members are read one at a time, by
/// name, stored or deflated, each checked against its CRC-32.
pub struct NpzReader<R: Read + Seek> {
    zip: zip::ZipArchive<R>,
}

impl<R: Read + Seek> NpzReader<R> {
    /// Reads the archive's directory.
    pub fn new(r: R) -> Result<Self> {
        let zip = zip::ZipArchive::new(r)
            .map_err(|e| Error::npy(format!("not a valid .npz (ZIP) archive: {e}")))?;
        Ok(NpzReader { zip })
    }

    /// The members' names (`voltage.npy`, ...), in archive order.
    pub fn names(&self) -> Vec<String> {
        self.zip.file_names().map(str::to_string).collect()
    }

    /// Whether the archive holds `key.npy`.
    pub fn has(&self, key: &str) -> bool {
        self.zip.index_for_name(&format!("{key}.npy")).is_some()
    }

    /// The bytes of member `name` (decompressed), or `None` if the archive
    /// has no such member.
    pub fn member(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let bad = |e: &dyn std::fmt::Display| {
            Error::npy(format!("not a valid .npz (ZIP) archive: {name}: {e}"))
        };
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let mut file = self.zip.by_index(index).map_err(|e| bad(&e))?;
        // The declared size only sizes the first allocation (capped: a
        // corrupt size must not reserve memory the data does not fill).
        let mut out = Vec::with_capacity(file.size().min(1 << 26) as usize);
        file.read_to_end(&mut out).map_err(|e| bad(&e))?;
        Ok(Some(out))
    }

    /// The array `key` (member `key.npy`), or `None` if the archive has none.
    pub fn array(&mut self, key: &str) -> Result<Option<NpyArray>> {
        let name = format!("{key}.npy");
        match self.member(&name)? {
            None => Ok(None),
            Some(bytes) => npy::read(&bytes).map(Some).map_err(|e| match e.kind() {
                ErrorKind::Npy(m) => Error::npy(format!("{name}: {m}")),
                _ => e,
            }),
        }
    }
}

/// The eight outputs as `(file name, .npy bytes)`.
pub fn results_to_npy(result: &RunResult, options: &WriteOptions) -> Vec<(String, Vec<u8>)> {
    arrays(result, options)
        .iter()
        .map(|a| {
            let header = a.header();
            let mut b = Vec::with_capacity(header.len() + a.data_len() as usize);
            // Writing into a Vec cannot fail.
            let _ = a.write(&header, &mut b);
            (format!("{}.npy", a.key), b)
        })
        .collect()
}

fn results_from_npy(
    spikes_only: bool,
    mut get: impl FnMut(&str) -> Result<NpyArray>,
) -> Result<RunResult> {
    let one_d = |key: &str, a: NpyArray| -> Result<Vec<f64>> {
        if a.shape.len() != 1 {
            return Err(Error::results(
                key,
                format!("has shape {:?}, expected one dimension", a.shape),
            ));
        }
        Ok(a.into_f64())
    };
    let traces = if spikes_only {
        None
    } else {
        let voltage = one_d("voltage", get("voltage")?)?;
        let threshold = one_d("threshold", get("threshold")?)?;
        let asc = get("AScurrents")?;
        let asc_count = match asc.shape.as_slice() {
            [_, k] => *k,
            other => {
                return Err(Error::results(
                    "AScurrents",
                    format!("has shape {other:?}, expected (samples, currents)"),
                ))
            }
        };
        Some((voltage, threshold, asc_count, asc.into_f64()))
    };
    let steps = match get("spike_time_steps")? {
        NpyArray {
            shape,
            data: NpyData::I64(v),
        } if shape.len() == 1 => v
            .iter()
            .map(|&x| usize::try_from(x))
            .collect::<std::result::Result<Vec<usize>, _>>()
            .map_err(|_| Error::results("spike_time_steps", "negative step"))?,
        _ => {
            return Err(Error::results(
                "spike_time_steps",
                "expected a one-dimensional int64 array",
            ))
        }
    };
    let spikes = spikes_from(
        &steps,
        &one_d("grid_spike_times", get("grid_spike_times")?)?,
        &one_d("interpolated_spike_times", get("interpolated_spike_times")?)?,
        &one_d(
            "interpolated_spike_voltage",
            get("interpolated_spike_voltage")?,
        )?,
        &one_d(
            "interpolated_spike_threshold",
            get("interpolated_spike_threshold")?,
        )?,
    )?;
    match traces {
        Some((voltage, threshold, asc_count, asc)) => {
            assemble(voltage, threshold, asc_count, asc, spikes)
        }
        None => Ok(RunResult {
            spikes,
            ..RunResult::default()
        }),
    }
}

/// Writes one `.npy` per output into folder `dir` (created if missing).
/// Refuses to start if any of the eight files exists, unless `overwrite`.
pub fn write_npy_dir(
    dir: impl AsRef<Path>,
    result: &RunResult,
    options: &WriteOptions,
) -> Result<()> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let arrays = arrays(result, options);
    let path = |a: &Array<'_>| dir.join(format!("{}.npy", a.key));
    if !options.overwrite {
        if let Some(a) = arrays.iter().find(|a| path(a).exists()) {
            return Err(Error::new(ErrorKind::Exists).in_file(path(a)));
        }
    }
    for a in &arrays {
        let header = a.header();
        write_atomic(&path(a), options.overwrite, |w| a.write(&header, w))?;
    }
    Ok(())
}

/// Reads the eight `.npy` files of [`write_npy_dir`].
pub fn read_npy_dir(dir: impl AsRef<Path>) -> Result<RunResult> {
    let dir = dir.as_ref();
    results_from_npy(false, |key| {
        let path = dir.join(format!("{key}.npy"));
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        npy::read(&bytes).map_err(|e| e.in_file(&path))
    })
    .map_err(|e| e.in_file(dir))
}

/// The `.npz` bytes of a result.
pub fn results_to_npz(result: &RunResult, options: &WriteOptions) -> Result<Vec<u8>> {
    let mut npz = NpzWriter::new(std::io::Cursor::new(Vec::new()));
    let written = arrays(result, options)
        .iter()
        .try_for_each(|a| a.write_to(&mut npz))
        .and_then(|()| npz.finish());
    written
        .map(std::io::Cursor::into_inner)
        .map_err(|e| Error::npy(e.to_string()))
}

/// Writes a result as one `.npz` archive (`np.load(path)["voltage"]`, ...).
pub fn write_npz(path: impl AsRef<Path>, result: &RunResult, options: &WriteOptions) -> Result<()> {
    write_npz_extra(
        path.as_ref(),
        result,
        options,
        &NpzExtra {
            only_outputs: true,
            ..NpzExtra::default()
        },
    )
}

/// Parses `.npz` bytes holding the outputs, as [`results_to_npz`], glif's
/// result files or `np.savez(**run_output)` write them. Without `voltage`
/// the result is spikes-only: empty traces and `asc_count` 0.
pub fn results_from_npz_bytes(bytes: &[u8]) -> Result<RunResult> {
    results_from_npz_reader(NpzReader::new(std::io::Cursor::new(bytes))?).map(|(r, _)| r)
}

/// Reads a `.npz` written by [`write_npz`], by glif's result files or by
/// `np.savez(**run_output)` (or `np.savez_compressed`); what glif's files
/// hold besides the outputs is read by [`read_result`](super::read_result).
pub fn read_npz(path: impl AsRef<Path>) -> Result<RunResult> {
    read_npz_extra(path.as_ref()).map(|(r, _)| r)
}

/// What `glif simulate` writes into its `.npz` besides the outputs.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct NpzExtra<'a> {
    /// Leave out `voltage`, `threshold`, `AScurrents` and `stimulus` (a
    /// spikes-only run).
    pub spikes_only: bool,
    /// Write only AllenSDK's eight outputs (what [`write_npz`] writes): no
    /// `stimulus`, `dt` or `bad_reset_spike_step`.
    pub only_outputs: bool,
    /// The stimulus (A per sample), written as `stimulus` unless `spikes_only`.
    pub stimulus: &'a [f64],
    /// The time step (s), written as `dt`.
    pub dt: f64,
}

/// Writes the archive of [`write_npz_extra`] to `w`; returns `w`.
fn npz_with<W: Write + Seek>(
    w: W,
    result: &RunResult,
    options: &WriteOptions,
    extra: &NpzExtra<'_>,
) -> std::io::Result<W> {
    let mut npz = NpzWriter::new(w);
    for a in arrays(result, options) {
        let trace = matches!(a.key, "voltage" | "threshold" | "AScurrents");
        if !(extra.spikes_only && trace) {
            a.write_to(&mut npz)?;
        }
    }
    if !extra.only_outputs {
        if !extra.spikes_only {
            npz.add_f64("stimulus", &[extra.stimulus.len()], extra.stimulus, None)?;
        }
        npz.add_f64("dt", &[], &[extra.dt], None)?;
        let bad = match result.end {
            RunEnd::Ended(glif_core::Outcome::BadReset { spike_step, .. }) => spike_step as i64,
            _ => -1,
        };
        npz.add_i64("bad_reset_spike_step", &[], &[bad])?;
    }
    npz.finish()
}

/// Writes the `.npz` `glif simulate` writes (see the module docs), each
/// array straight from `result` into the file.
pub(crate) fn write_npz_extra(
    path: &Path,
    result: &RunResult,
    options: &WriteOptions,
    extra: &NpzExtra<'_>,
) -> Result<()> {
    write_atomic_file(path, options.overwrite, |w| {
        npz_with(w, result, options, extra).map(drop)
    })
}

/// What [`read_npz_extra`] found besides the outputs.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct NpzFound {
    /// `stimulus`, if the archive holds it.
    pub stimulus: Option<Vec<f64>>,
    /// `dt`, if the archive holds it.
    pub dt: Option<f64>,
    /// `bad_reset_spike_step` when it is not -1.
    pub bad_reset_spike_step: Option<usize>,
}

fn results_from_npz_reader<R: Read + Seek>(mut npz: NpzReader<R>) -> Result<(RunResult, NpzFound)> {
    let spikes_only = !npz.has("voltage");
    let result = results_from_npy(spikes_only, |key| {
        npz.array(key)?
            .ok_or_else(|| Error::results(key, format!("the archive has no {key}.npy")))
    })?;
    let bad = match npz.array("bad_reset_spike_step")? {
        None => None,
        Some(NpyArray {
            data: NpyData::I64(v),
            ..
        }) => v.first().and_then(|&s| usize::try_from(s).ok()),
        Some(_) => {
            return Err(Error::results(
                "bad_reset_spike_step",
                "expected an int64 scalar",
            ))
        }
    };
    let found = NpzFound {
        stimulus: npz.array("stimulus")?.map(NpyArray::into_f64),
        dt: npz.array("dt")?.and_then(|a| a.into_f64().first().copied()),
        bad_reset_spike_step: bad,
    };
    Ok((result, found))
}

/// Reads a `.npz` file and what `glif simulate` writes besides the outputs.
/// Members are read one at a time from the file (not the whole archive
/// into memory first).
pub(crate) fn read_npz_extra(path: &Path) -> Result<(RunResult, NpzFound)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    NpzReader::new(std::io::BufReader::new(file))
        .and_then(results_from_npz_reader)
        .map_err(|e| e.in_file(path))
}

// ---- whole archives in memory (moved from npy.rs) ----

/// Builds a `.npz` of `(name, npy bytes)` members, stored (uncompressed) as
/// `np.savez` writes them; ZIP64 records where a member or the archive
/// passes 4 GiB. See [`NpzWriter`] to write members straight
/// from their values.
pub fn zip_npz(members: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut w = NpzWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.add_bytes(name, data)
            .map_err(|e| Error::npy(format!("{name}: {e}")))?;
    }
    w.finish()
        .map(std::io::Cursor::into_inner)
        .map_err(|e| Error::npy(e.to_string()))
}

/// The members of a `.npz` archive, `(name, bytes)`, in archive order:
/// stored (`np.savez`) or deflated (`np.savez_compressed`), with or
/// without ZIP64 records; each member's CRC-32 is checked. See
/// [`NpzReader`] to read single members of a file.
pub fn unzip_npz(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut r = NpzReader::new(std::io::Cursor::new(bytes))?;
    let names = r.names();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let data = r.member(&name)?.unwrap_or_default();
        out.push((name, data));
    }
    Ok(out)
}
