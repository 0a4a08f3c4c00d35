//! [`NwbFile`]: an Allen NWB 1.x file opened for reading or writing, its
//! sweeps, stimuli, responses and spike times (the layout is in the
//! module doc of [`crate::nwb`]).

use std::path::{Path, PathBuf};

use hdf5::types::{
    FixedAscii, FixedUnicode, FloatSize, TypeDescriptor, VarLenAscii, VarLenUnicode,
};
use hdf5::{Container, Dataset, Group, Location};

use super::error::{NwbError, NwbErrorKind, ObjectKind};

/// The group under `/analysis` that holds spike times.
pub const SPIKE_TIMES_GROUP: &str = "spike_times";
/// The group older files use for spike times; read, never written.
pub const DEPRECATED_SPIKE_TIMES_GROUP: &str = "aibs_spike_times";

/// Fixed-length strings longer than this are cut when read; NWB 1.x metadata strings are
/// far shorter.
const MAX_FIXED_STRING: usize = 4096;

/// How AllenSDK classifies the `unit` attribute of a stimulus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StimulusUnit {
    /// A unit starting with `A`: current clamp, the stimulus is a current in amperes.
    Amps,
    /// A unit starting with `V`: voltage clamp, the stimulus is a voltage in volts.
    Volts,
    /// No `unit` attribute (AllenSDK reports `Unknown`); taken to be amperes.
    Unknown,
}

/// One sweep's stimulus and the facts needed to simulate it and write its response back.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Sweep {
    /// The sweep number `n` of `/epochs/Sweep_<n>`.
    pub number: u32,
    /// The whole stored stimulus series, in SI units: amperes when `stimulus_unit` is
    /// [`StimulusUnit::Amps`] (or `Unknown`). `conversion` is applied when the file's
    /// pipeline version is 1.1 or later; a float32 dataset is scaled in float32 arithmetic,
    /// as numpy does, then widened.
    pub stimulus: Vec<f64>,
    /// Samples per second (Hz), from the `rate` attribute of `starting_time`.
    pub sampling_rate: f64,
    /// The time step in seconds, `1.0 / sampling_rate`, as `simulate_neuron` sets it.
    pub dt: f64,
    /// The classified stimulus unit.
    pub stimulus_unit: StimulusUnit,
    /// The `unit` attribute of the stimulus data as stored, if present.
    pub stimulus_unit_attribute: Option<String>,
    /// The factor the stored stimulus was multiplied by (1.0 when none was applied).
    pub stimulus_conversion: f64,
    /// `(first, last)` sample index (inclusive) of the experiment, which excludes the test
    /// pulse; the whole sweep when the file has no `/epochs/Experiment_<n>`.
    pub index_range: (usize, usize),
    /// The sweep length `write_response` pads a response to: `idx_stop + 1` where the legacy
    /// `idx_stop` exists, else `count`.
    pub sweep_length: usize,
    /// The number of samples the stored response dataset holds.
    pub response_len: usize,
}

/// An open Allen NWB 1.x file.
///
/// Every method reports problems as [`NwbError`]s naming the file and the HDF5 path; none
/// panics on malformed files. The HDF5 library serialises its calls, so reading several
/// sweeps from several threads is safe but not faster.
#[derive(Debug)]
pub struct NwbFile {
    path: PathBuf,
    file: hdf5::File,
    writable: bool,
    pipeline_version: Option<(u32, u32)>,
}

impl NwbFile {
    /// Opens `path` read-only and checks that it has the NWB 1.x layout (an `/epochs` group
    /// and no NWB 2 root attribute `nwb_version`).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, NwbError> {
        Self::open_with(path.as_ref(), false)
    }

    /// Opens `path` for reading and writing (the output file, or the input with `--in-place`).
    ///
    /// HDF5 refuses to open a file that this process already holds open in another mode, so
    /// work in place through this one handle, reading and writing alike.
    pub fn open_rw(path: impl AsRef<Path>) -> Result<Self, NwbError> {
        Self::open_with(path.as_ref(), true)
    }

    fn open_with(path: &Path, writable: bool) -> Result<Self, NwbError> {
        let opened = if writable {
            hdf5::File::open_rw(path)
        } else {
            hdf5::File::open(path)
        };
        let file =
            opened.map_err(|err| NwbError::new(path, None, NwbErrorKind::Open(err.to_string())))?;
        let mut nwb = Self {
            path: path.to_path_buf(),
            file,
            writable,
            pipeline_version: None,
        };
        nwb.check_layout()?;
        nwb.pipeline_version = nwb.read_pipeline_version();
        Ok(nwb)
    }

    fn check_layout(&self) -> Result<(), NwbError> {
        let root: &Group = &self.file;
        if has_attr(root, "nwb_version") {
            let version = read_string_attr(root, "nwb_version").unwrap_or_default();
            return Err(NwbError::at(
                &self.path,
                "/",
                NwbErrorKind::NotNwb1(format!(
                    "root attribute nwb_version = {version:?} marks an NWB 2 file"
                )),
            ));
        }
        if !root.link_exists("epochs") || root.group("epochs").is_err() {
            return Err(NwbError::at(
                &self.path,
                "/epochs",
                NwbErrorKind::NotNwb1("there is no /epochs group".to_owned()),
            ));
        }
        Ok(())
    }

    /// Reads `/general/generated_by` as AllenSDK intends: the value after the element
    /// `version`, split at dots into major and minor numbers. `None` when absent or unreadable.
    fn read_pipeline_version(&self) -> Option<(u32, u32)> {
        let ds = self.file.dataset("general/generated_by").ok()?;
        let items = read_strings(&ds).ok()?;
        parse_pipeline_version(&items)
    }

    /// The file path given to `open`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pipeline version `(major, minor)` from `/general/generated_by`, if the file names
    /// one.
    pub fn pipeline_version(&self) -> Option<(u32, u32)> {
        self.pipeline_version
    }

    /// Whether data are multiplied by their `conversion` attribute: for pipeline version 1.1
    /// and later. Older files store SI values and carry conversion factors that must not be
    /// applied.
    ///
    /// AllenSDK 2.16.2 means to do the same but compares the elements of `generated_by` with
    /// the Python string `'version'`; h5py 3 returns them as bytes, so it never finds the
    /// version and never applies `conversion`. This layer applies it as intended.
    pub fn applies_conversion(&self) -> bool {
        matches!(self.pipeline_version, Some((major, minor)) if major > 1 || (major == 1 && minor > 0))
    }

    /// The numbers of all `/epochs/Sweep_<n>` groups, test sweeps included, in ascending
    /// order (AllenSDK lists them in HDF5 name order).
    pub fn sweep_numbers(&self) -> Result<Vec<u32>, NwbError> {
        let epochs = self.group("/epochs")?;
        let names = epochs
            .member_names()
            .map_err(|err| NwbError::hdf5(&self.path, "/epochs", &err))?;
        let mut numbers = Vec::new();
        for name in names {
            if let Some(suffix) = name.strip_prefix("Sweep_") {
                let number = suffix.parse::<u32>().map_err(|_| {
                    NwbError::invalid(
                        &self.path,
                        &format!("/epochs/{name}"),
                        "sweep group name does not end in a sweep number",
                    )
                })?;
                numbers.push(number);
            }
        }
        numbers.sort_unstable();
        Ok(numbers)
    }

    /// The sampling rate (Hz) of sweep `number`'s stimulus, the `rate`
    /// attribute of its `starting_time`, without reading the samples (what
    /// [`read_sweep`](Self::read_sweep) takes its `dt = 1/rate` from).
    pub fn sampling_rate(&self, number: u32) -> Result<f64, NwbError> {
        let rate_path = format!("/epochs/Sweep_{number}/stimulus/timeseries/starting_time");
        let rate_ds = self.dataset(&rate_path)?;
        let sampling_rate = self.attr_f64(&rate_ds, &rate_path, "rate")?;
        if !(sampling_rate.is_finite() && sampling_rate > 0.0) {
            return Err(NwbError::invalid(
                &self.path,
                &rate_path,
                format!("attribute `rate` is {sampling_rate}, not a positive sampling rate in Hz"),
            ));
        }
        Ok(sampling_rate)
    }

    /// Reads sweep `number`: the stimulus (see [`Sweep::stimulus`] for units), sampling rate,
    /// extent and the length of the stored response. Fails as AllenSDK's `get_sweep` does
    /// when a required dataset or attribute is missing, the sweep does not start at sample
    /// 0, or the stimulus unit starts with neither `A` nor `V`.
    pub fn read_sweep(&self, number: u32) -> Result<Sweep, NwbError> {
        let sweep = format!("/epochs/Sweep_{number}");
        let stim_path = format!("{sweep}/stimulus/timeseries/data");
        let stim_ds = self.dataset(&stim_path)?;

        let convert = self.applies_conversion();
        let conversion = if convert {
            self.attr_f64(&stim_ds, &stim_path, "conversion")?
        } else {
            1.0
        };
        let stimulus = self.read_series(&stim_ds, &stim_path, convert.then_some(conversion))?;

        let unit_attribute = if has_attr(&stim_ds, "unit") {
            Some(read_string_attr(&stim_ds, "unit").map_err(|err| {
                NwbError::invalid(&self.path, &stim_path, format!("attribute `unit`: {err}"))
            })?)
        } else {
            None
        };
        let stimulus_unit = match unit_attribute.as_deref() {
            None => StimulusUnit::Unknown,
            Some(u) if u.starts_with('A') => StimulusUnit::Amps,
            Some(u) if u.starts_with('V') => StimulusUnit::Volts,
            Some(u) => {
                return Err(NwbError::at(
                    &self.path,
                    &stim_path,
                    NwbErrorKind::WrongUnit {
                        found: u.to_owned(),
                        expected: "a unit starting with A (amperes) or V (volts)",
                    },
                ))
            }
        };

        let resp_path = format!("{sweep}/response/timeseries/data");
        let resp_ds = self.dataset(&resp_path)?;
        let response_len = self.series_len(&resp_ds, &resp_path)?;

        let sampling_rate = self.sampling_rate(number)?;

        let idx_start_path = format!("{sweep}/stimulus/idx_start");
        let idx_start = self.read_index(&idx_start_path)?;
        if idx_start != 0 {
            return Err(NwbError::invalid(
                &self.path,
                &idx_start_path,
                format!("the sweep starts at sample {idx_start}, not 0"),
            ));
        }
        let count = self.read_index(&format!("{sweep}/stimulus/count"))?;
        let sweep_range = (0, count.saturating_sub(1));
        let index_range = self.experiment_range(number).unwrap_or(sweep_range);
        let sweep_length = self.sweep_length(number)?;

        Ok(Sweep {
            number,
            stimulus,
            sampling_rate,
            dt: 1.0 / sampling_rate,
            stimulus_unit,
            stimulus_unit_attribute: unit_attribute,
            stimulus_conversion: if convert { conversion } else { 1.0 },
            index_range,
            sweep_length,
            response_len,
        })
    }

    /// [`read_sweep`](Self::read_sweep), refusing voltage-clamp sweeps: a GLIF neuron is
    /// driven by a current, so the stimulus unit must start with `A` (or be absent).
    pub fn read_current_clamp_sweep(&self, number: u32) -> Result<Sweep, NwbError> {
        let sweep = self.read_sweep(number)?;
        if sweep.stimulus_unit == StimulusUnit::Volts {
            return Err(NwbError::at(
                &self.path,
                &format!("/epochs/Sweep_{number}/stimulus/timeseries/data"),
                NwbErrorKind::WrongUnit {
                    found: sweep.stimulus_unit_attribute.unwrap_or_default(),
                    expected: "amperes (a unit starting with A): this is a voltage-clamp sweep",
                },
            ));
        }
        Ok(sweep)
    }

    /// The stored response of sweep `number`, in SI units (volts for current clamp), with
    /// `conversion` applied under the same rule as the stimulus.
    pub fn read_response(&self, number: u32) -> Result<Vec<f64>, NwbError> {
        let path = format!("/epochs/Sweep_{number}/response/timeseries/data");
        let ds = self.dataset(&path)?;
        let conversion = if self.applies_conversion() {
            Some(self.attr_f64(&ds, &path, "conversion")?)
        } else {
            None
        };
        self.read_series(&ds, &path, conversion)
    }

    /// The spike times (seconds from the start of the sweep) stored for sweep `number`, from
    /// `/analysis/spike_times` or else the older `/analysis/aibs_spike_times`; `None` when
    /// neither has the sweep.
    pub fn read_spike_times(&self, number: u32) -> Result<Option<Vec<f64>>, NwbError> {
        for group in [SPIKE_TIMES_GROUP, DEPRECATED_SPIKE_TIMES_GROUP] {
            let path = format!("/analysis/{group}/Sweep_{number}");
            if self.exists(&path) {
                let ds = self.dataset(&path)?;
                return self.read_series(&ds, &path, None).map(Some);
            }
        }
        Ok(None)
    }

    /// Overwrites the stored response of sweep `number` with a simulated voltage (volts), as
    /// AllenSDK's `simulate_neuron` does: NaN samples (cut after spikes) become
    /// `spike_cut_value` (volts; AllenSDK's default is [`DEFAULT_SPIKE_CUT_VALUE`](super::DEFAULT_SPIKE_CUT_VALUE)), the
    /// series is padded with zeros to [`Sweep::sweep_length`], and must then fill the stored
    /// dataset exactly.
    ///
    /// The values are written in volts, without dividing by the dataset's `conversion`, as
    /// AllenSDK writes them. So that a reader applying `conversion` still reads volts, a
    /// `conversion` attribute other than 1.0 on the response dataset is set to 1.0 (AllenSDK
    /// leaves it, which only goes unnoticed because it never applies it).
    pub fn write_response(
        &mut self,
        number: u32,
        voltage: &[f64],
        spike_cut_value: f64,
    ) -> Result<(), NwbError> {
        let path = format!("/epochs/Sweep_{number}/response/timeseries/data");
        self.ensure_writable(&path)?;
        let ds = self.dataset(&path)?;
        let stored = self.series_len(&ds, &path)?;
        match ds.dtype().and_then(|t| t.to_descriptor()) {
            Ok(TypeDescriptor::Float(_)) => {}
            Ok(other) => {
                return Err(NwbError::invalid(
                    &self.path,
                    &path,
                    format!("response dataset holds {other}, not floating-point values"),
                ))
            }
            Err(err) => return Err(NwbError::hdf5(&self.path, &path, &err)),
        }
        let sweep_length = self.sweep_length(number)?;
        let mut data: Vec<f64> = voltage
            .iter()
            .map(|&v| if v.is_nan() { spike_cut_value } else { v })
            .collect();
        if data.len() < sweep_length {
            data.resize(sweep_length, 0.0);
        }
        if data.len() != stored {
            return Err(NwbError::at(
                &self.path,
                &path,
                NwbErrorKind::LengthMismatch {
                    stored,
                    given: data.len(),
                },
            ));
        }
        ds.write_raw(&data)
            .map_err(|err| NwbError::hdf5(&self.path, &path, &err))?;
        if has_attr(&ds, "conversion") {
            let current = self.attr_f64(&ds, &path, "conversion")?;
            if current != 1.0 {
                ds.attr("conversion")
                    .and_then(|attr| attr.write_scalar(&1.0_f64))
                    .map_err(|err| NwbError::hdf5(&self.path, &path, &err))?;
            }
        }
        Ok(())
    }

    /// Stores interpolated spike times (seconds from the start of the sweep) as
    /// `/analysis/spike_times/Sweep_<number>`: a resizable float64 dataset replacing any
    /// older one. Creates `/analysis` and `/analysis/spike_times` (with attribute
    /// `neurodata_type = "Custom"`) when absent, as AllenSDK's `set_spike_times` does.
    pub fn write_spike_times(&mut self, number: u32, times: &[f64]) -> Result<(), NwbError> {
        let dir_path = format!("/analysis/{SPIKE_TIMES_GROUP}");
        let path = format!("{dir_path}/Sweep_{number}");
        self.ensure_writable(&path)?;
        let root: &Group = &self.file;
        let analysis = open_or_create_group(root, "analysis")
            .map_err(|err| NwbError::hdf5(&self.path, "/analysis", &err))?;
        let spike_dir = if analysis.link_exists(SPIKE_TIMES_GROUP) {
            analysis
                .group(SPIKE_TIMES_GROUP)
                .map_err(|err| NwbError::hdf5(&self.path, &dir_path, &err))?
        } else {
            let group = analysis
                .create_group(SPIKE_TIMES_GROUP)
                .map_err(|err| NwbError::hdf5(&self.path, &dir_path, &err))?;
            let custom: VarLenUnicode = "Custom".parse().map_err(|_| {
                NwbError::invalid(&self.path, &dir_path, "cannot encode neurodata_type")
            })?;
            group
                .new_attr::<VarLenUnicode>()
                .create("neurodata_type")
                .and_then(|attr| attr.write_scalar(&custom))
                .map_err(|err| NwbError::hdf5(&self.path, &dir_path, &err))?;
            group
        };
        let name = format!("Sweep_{number}");
        if spike_dir.link_exists(&name) {
            spike_dir
                .unlink(&name)
                .map_err(|err| NwbError::hdf5(&self.path, &path, &err))?;
        }
        let ds = spike_dir
            .new_dataset::<f64>()
            .shape(hdf5::SimpleExtents::resizable([times.len()]))
            .chunk(times.len().clamp(1, 8192))
            .create(name.as_str())
            .map_err(|err| NwbError::hdf5(&self.path, &path, &err))?;
        if !times.is_empty() {
            ds.write_raw(times)
                .map_err(|err| NwbError::hdf5(&self.path, &path, &err))?;
        }
        Ok(())
    }

    /// Flushes and closes the file, reporting errors that dropping it would hide.
    pub fn close(self) -> Result<(), NwbError> {
        let path = self.path;
        if self.writable {
            self.file
                .flush()
                .map_err(|err| NwbError::hdf5(&path, "/", &err))?;
        }
        self.file
            .close()
            .map_err(|err| NwbError::hdf5(&path, "/", &err))
    }

    fn ensure_writable(&self, object: &str) -> Result<(), NwbError> {
        if self.writable {
            Ok(())
        } else {
            Err(NwbError::at(&self.path, object, NwbErrorKind::ReadOnly))
        }
    }

    /// The length `set_sweep` pads to: `idx_stop + 1` where the legacy dataset exists, else
    /// `count`.
    fn sweep_length(&self, number: u32) -> Result<usize, NwbError> {
        let stimulus = format!("/epochs/Sweep_{number}/stimulus");
        let idx_stop = format!("{stimulus}/idx_stop");
        if self.exists(&idx_stop) {
            Ok(self.read_index(&idx_stop)?.saturating_add(1))
        } else {
            self.read_index(&format!("{stimulus}/count"))
        }
    }

    /// The experiment range of AllenSDK's `get_sweep`, or `None` when the file has no
    /// complete `/epochs/Experiment_<n>` (AllenSDK then falls back to the whole sweep).
    fn experiment_range(&self, number: u32) -> Option<(usize, usize)> {
        let exp = format!("/epochs/Experiment_{number}/stimulus");
        let start = self.read_index(&format!("{exp}/idx_start")).ok()?;
        let count = self.read_index(&format!("{exp}/count")).ok()?;
        Some((start, (start + count).saturating_sub(1)))
    }

    /// Whether every component of the absolute `path` exists.
    fn exists(&self, path: &str) -> bool {
        self.first_missing(path).is_none()
    }

    /// The shortest prefix of `path` that does not exist, if any.
    fn first_missing(&self, path: &str) -> Option<String> {
        let mut group: Group = (*self.file).clone();
        let mut prefix = String::new();
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        for (i, part) in parts.iter().enumerate() {
            prefix.push('/');
            prefix.push_str(part);
            if !group.link_exists(part) {
                return Some(prefix);
            }
            if i + 1 < parts.len() {
                match group.group(part) {
                    Ok(next) => group = next,
                    Err(_) => return Some(prefix),
                }
            }
        }
        None
    }

    fn missing(&self, path: &str, what: ObjectKind) -> Option<NwbError> {
        self.first_missing(path).map(|first_missing| {
            NwbError::at(
                &self.path,
                path,
                NwbErrorKind::Missing {
                    what,
                    first_missing,
                },
            )
        })
    }

    fn group(&self, path: &str) -> Result<Group, NwbError> {
        if let Some(err) = self.missing(path, ObjectKind::Group) {
            return Err(err);
        }
        self.file
            .group(path)
            .map_err(|err| NwbError::invalid(&self.path, path, format!("not a group: {err}")))
    }

    fn dataset(&self, path: &str) -> Result<Dataset, NwbError> {
        if let Some(err) = self.missing(path, ObjectKind::Dataset) {
            return Err(err);
        }
        self.file
            .dataset(path)
            .map_err(|err| NwbError::invalid(&self.path, path, format!("not a dataset: {err}")))
    }

    fn attr_f64(&self, obj: &Location, path: &str, name: &str) -> Result<f64, NwbError> {
        if !has_attr(obj, name) {
            return Err(NwbError::at(
                &self.path,
                path,
                NwbErrorKind::Missing {
                    what: ObjectKind::Attribute(name.to_owned()),
                    first_missing: path.to_owned(),
                },
            ));
        }
        let attr = obj
            .attr(name)
            .map_err(|err| NwbError::hdf5(&self.path, path, &err))?;
        let values = read_numbers(&attr).map_err(|problem| {
            NwbError::invalid(&self.path, path, format!("attribute `{name}`: {problem}"))
        })?;
        match values.as_slice() {
            [value] => Ok(*value),
            _ => Err(NwbError::invalid(
                &self.path,
                path,
                format!(
                    "attribute `{name}` holds {} values, expected one",
                    values.len()
                ),
            )),
        }
    }

    /// Reads a scalar (or one-element) integer dataset as a non-negative index.
    fn read_index(&self, path: &str) -> Result<usize, NwbError> {
        let ds = self.dataset(path)?;
        let is_integer = matches!(
            ds.dtype().and_then(|t| t.to_descriptor()),
            Ok(TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_))
        );
        if !is_integer {
            return Err(NwbError::invalid(
                &self.path,
                path,
                "not an integer dataset",
            ));
        }
        let values = ds
            .read_raw::<i64>()
            .map_err(|err| NwbError::hdf5(&self.path, path, &err))?;
        match values.as_slice() {
            [value] => usize::try_from(*value).map_err(|_| {
                NwbError::invalid(&self.path, path, format!("negative index {value}"))
            }),
            _ => Err(NwbError::invalid(
                &self.path,
                path,
                format!("holds {} values, expected one", values.len()),
            )),
        }
    }

    /// The number of samples of a one-dimensional dataset.
    fn series_len(&self, ds: &Dataset, path: &str) -> Result<usize, NwbError> {
        match ds.shape().as_slice() {
            [len] => Ok(*len),
            shape => Err(NwbError::invalid(
                &self.path,
                path,
                format!("has shape {shape:?}, expected one dimension"),
            )),
        }
    }

    /// Reads a one-dimensional numeric series as f64, multiplied by `conversion` if given.
    /// float32 data are scaled in float32, as numpy scales a float32 array by a Python float.
    fn read_series(
        &self,
        ds: &Dataset,
        path: &str,
        conversion: Option<f64>,
    ) -> Result<Vec<f64>, NwbError> {
        self.series_len(ds, path)?;
        let hdf5_err = |err: hdf5::Error| NwbError::hdf5(&self.path, path, &err);
        let descriptor = ds
            .dtype()
            .and_then(|t| t.to_descriptor())
            .map_err(hdf5_err)?;
        match descriptor {
            TypeDescriptor::Float(FloatSize::U4) => {
                // The narrowing is numpy's: a float32 array times a Python float stays
                // float32, with the factor rounded to float32.
                #[allow(clippy::cast_possible_truncation)]
                let widen = |x: f32| match conversion {
                    Some(c) => f64::from(x * c as f32),
                    None => f64::from(x),
                };
                Ok(match super::deflate_chunks::read_f32(ds, widen) {
                    Some(values) => values,
                    None => {
                        let raw = ds.read_raw::<f32>().map_err(hdf5_err)?;
                        raw.into_iter().map(widen).collect()
                    }
                })
            }
            TypeDescriptor::Float(_) | TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_) => {
                let raw = ds.read_raw::<f64>().map_err(hdf5_err)?;
                Ok(match conversion {
                    Some(c) => raw.iter().map(|&x| x * c).collect(),
                    None => raw,
                })
            }
            other => Err(NwbError::invalid(
                &self.path,
                path,
                format!("holds {other}, not numbers"),
            )),
        }
    }
}

/// Parses AllenSDK's `generated_by` convention: the element after `version`, `major.minor`.
fn parse_pipeline_version(items: &[String]) -> Option<(u32, u32)> {
    let at = items.iter().position(|item| item == "version")?;
    let version = items.get(at + 1)?;
    let mut parts = version.split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = parts.next()?.trim().parse().ok()?;
    Some((major, minor))
}

fn has_attr(obj: &Location, name: &str) -> bool {
    obj.attr_names()
        .map(|names| names.iter().any(|n| n == name))
        .unwrap_or(false)
}

fn open_or_create_group(parent: &Group, name: &str) -> hdf5::Result<Group> {
    if parent.link_exists(name) {
        parent.group(name)
    } else {
        parent.create_group(name)
    }
}

fn read_string_attr(obj: &Location, name: &str) -> Result<String, String> {
    let attr = obj.attr(name).map_err(|err| err.to_string())?;
    let mut strings = read_strings(&attr)?;
    match strings.len() {
        1 => Ok(strings.remove(0)),
        n => Err(format!("holds {n} strings, expected one")),
    }
}

/// Reads a scalar or array of strings, fixed- or variable-length, ASCII or UTF-8 (h5py and
/// the Allen pipeline write fixed-length ASCII; h5py 3 writes Python `str` as variable-length
/// UTF-8).
fn read_strings(c: &Container) -> Result<Vec<String>, String> {
    let descriptor = c
        .dtype()
        .and_then(|t| t.to_descriptor())
        .map_err(|err| err.to_string())?;
    let strings: Vec<String> = match descriptor {
        TypeDescriptor::VarLenUnicode => read_as::<VarLenUnicode>(c, |s| s.as_str().to_owned())?,
        TypeDescriptor::VarLenAscii => read_as::<VarLenAscii>(c, |s| s.as_str().to_owned())?,
        TypeDescriptor::FixedAscii(_) => read_as::<FixedAscii<MAX_FIXED_STRING>>(c, |s| {
            String::from_utf8_lossy(s.as_bytes()).into_owned()
        })?,
        TypeDescriptor::FixedUnicode(_) => read_as::<FixedUnicode<MAX_FIXED_STRING>>(c, |s| {
            String::from_utf8_lossy(s.as_bytes()).into_owned()
        })?,
        other => return Err(format!("holds {other}, not strings")),
    };
    Ok(strings
        .into_iter()
        .map(|s| s.trim_end_matches('\0').to_owned())
        .collect())
}

fn read_as<T: hdf5::H5Type>(
    c: &Container,
    f: impl Fn(&T) -> String,
) -> Result<Vec<String>, String> {
    c.read_raw::<T>()
        .map(|values| values.iter().map(f).collect())
        .map_err(|err| err.to_string())
}

/// Reads a numeric scalar or array as f64.
fn read_numbers(c: &Container) -> Result<Vec<f64>, String> {
    match c.dtype().and_then(|t| t.to_descriptor()) {
        Ok(TypeDescriptor::Float(_) | TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_)) => {
            c.read_raw::<f64>().map_err(|err| err.to_string())
        }
        Ok(other) => Err(format!("holds {other}, not a number")),
        Err(err) => Err(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_pipeline_version;

    fn items(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn pipeline_version_follows_the_version_key() {
        let v = parse_pipeline_version(&items(&["pipeline", "IVSCC", "version", "1.1"]));
        assert_eq!(v, Some((1, 1)));
        let v = parse_pipeline_version(&items(&["version", "2.0.3"]));
        assert_eq!(v, Some((2, 0)));
    }

    #[test]
    fn unreadable_pipeline_versions_count_as_none() {
        assert_eq!(parse_pipeline_version(&items(&["pipeline", "IVSCC"])), None);
        assert_eq!(parse_pipeline_version(&items(&["version"])), None);
        assert_eq!(parse_pipeline_version(&items(&["version", "1"])), None);
        assert_eq!(
            parse_pipeline_version(&items(&["version", "one.two"])),
            None
        );
    }
}
