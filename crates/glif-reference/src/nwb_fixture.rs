//! Builds small NWB 1.x files in the Allen Cell Types layout with the HDF5 library itself,
//! for the NWB tests of glif-io and glif-cli. Strings are fixed-length ASCII, as the Allen pipeline writes them (h5py
//! reads them back as bytes, which is what hides the pipeline version from AllenSDK 2.16.2).

#![allow(missing_docs)]

use std::path::{Path, PathBuf};

use hdf5::types::FixedAscii;
use hdf5::{Group, Location};

/// One `/epochs/Sweep_<n>` of a fixture.
#[derive(Clone, Debug)]
pub struct SweepSpec {
    pub number: u32,
    /// Stored stimulus values (float32, as in Allen files).
    pub stimulus: Vec<f32>,
    pub stimulus_conversion: f64,
    /// `None` writes no `unit` attribute.
    pub stimulus_unit: Option<&'static str>,
    /// Stored response values (float32).
    pub response: Vec<f32>,
    pub response_conversion: f64,
    /// Hz.
    pub rate: f64,
    pub idx_start: i64,
    /// Defaults to the stimulus length.
    pub count: Option<i64>,
    /// Legacy `idx_stop`, written when set.
    pub idx_stop: Option<i64>,
    /// `(idx_start, count)` of `/epochs/Experiment_<n>`, written when set.
    pub experiment: Option<(i64, i64)>,
    /// Store stimulus and response chunked and gzip-compressed.
    pub compressed: bool,
    /// Paths relative to the sweep group that are left out, such as
    /// `stimulus/timeseries/starting_time`.
    pub omit: Vec<&'static str>,
}

impl SweepSpec {
    /// A current-clamp sweep of `len` samples at 200 kHz: a square pulse of 100 pA stored
    /// in pA with conversion 1e-12, and a response stored in mV with conversion 1e-3.
    pub fn square(number: u32, len: usize) -> Self {
        let stimulus = (0..len)
            .map(|i| {
                if i >= len / 4 && i < 3 * len / 4 {
                    100.0 + number as f32
                } else {
                    0.0
                }
            })
            .collect();
        let response = (0..len).map(|i| -70.0 + (i % 7) as f32 * 0.25).collect();
        Self {
            number,
            stimulus,
            stimulus_conversion: 1e-12,
            stimulus_unit: Some("Amps"),
            response,
            response_conversion: 1e-3,
            rate: 200_000.0,
            idx_start: 0,
            count: None,
            idx_stop: None,
            experiment: None,
            compressed: false,
            omit: Vec::new(),
        }
    }
}

/// A whole fixture file.
#[derive(Clone, Debug, Default)]
pub struct FileSpec {
    /// `/general/generated_by`; `None` leaves it out.
    pub generated_by: Option<Vec<&'static str>>,
    pub sweeps: Vec<SweepSpec>,
    /// Mark the file as NWB 2 (root attribute `nwb_version`).
    pub nwb2: bool,
    /// Leave out `/epochs`.
    pub no_epochs: bool,
    /// Spike times already stored, as `(group under /analysis, sweep, times)`.
    pub spike_times: Vec<(&'static str, u32, Vec<f64>)>,
}

impl FileSpec {
    /// A pipeline-1.1 file (conversion applies) with the given sweeps.
    pub fn v1_1(sweeps: Vec<SweepSpec>) -> Self {
        Self {
            generated_by: Some(vec!["pipeline", "IVSCC", "version", "1.1"]),
            sweeps,
            ..Self::default()
        }
    }
}

pub type Fixed = FixedAscii<64>;

pub fn fixed(s: &str) -> Fixed {
    Fixed::from_ascii(s).expect("fixture strings are short ASCII")
}

fn string_attr(obj: &Location, name: &str, value: &str) {
    obj.new_attr::<Fixed>()
        .create(name)
        .and_then(|a| a.write_scalar(&fixed(value)))
        .expect("write string attribute");
}

fn f64_attr(obj: &Location, name: &str, value: f64) {
    obj.new_attr::<f64>()
        .create(name)
        .and_then(|a| a.write_scalar(&value))
        .expect("write float attribute");
}

fn scalar_i64(group: &Group, name: &str, value: i64) {
    group
        .new_dataset::<i64>()
        .create(name)
        .and_then(|d| d.write_scalar(&value))
        .expect("write scalar");
}

fn series(group: &Group, name: &str, data: &[f32], compressed: bool) -> hdf5::Dataset {
    let builder = group.new_dataset_builder().with_data(data);
    let builder = if compressed {
        builder.chunk(data.len().clamp(1, 64)).deflate(6)
    } else {
        builder
    };
    builder.create(name).expect("write series")
}

fn write_timeseries(
    parent: &Group,
    data: &[f32],
    conversion: f64,
    unit: Option<&str>,
    rate: f64,
    compressed: bool,
    omit: &dyn Fn(&str) -> bool,
) {
    let ts = parent.create_group("timeseries").expect("timeseries group");
    if !omit("data") {
        let ds = series(&ts, "data", data, compressed);
        if !omit("conversion") {
            f64_attr(&ds, "conversion", conversion);
        }
        if let Some(unit) = unit {
            string_attr(&ds, "unit", unit);
        }
        f64_attr(&ds, "resolution", f64::NAN);
    }
    if !omit("starting_time") {
        let st = ts
            .new_dataset::<f64>()
            .create("starting_time")
            .expect("starting_time");
        st.write_scalar(&0.0).expect("starting_time value");
        if !omit("rate") {
            f64_attr(&st, "rate", rate);
        }
        string_attr(&st, "unit", "Seconds");
    }
}

/// Turns HDF5's file locking off in this (test) process, once, before its
/// first HDF5 call.
///
/// Tests run in parallel threads and spawn processes: HDF5 does not open
/// files close-on-exec, so a process spawned by one test inherits the
/// descriptor of a file another test holds open, and with it that file's
/// lock, for as long as the child lives; the other test's next open of its
/// own file then fails ("unable to lock file, errno = 11"). The children
/// get `HDF5_USE_FILE_LOCKING=FALSE` too (glif-cli's tests/common). The
/// lock guards against concurrent writers, which these tests never are.
fn no_file_locking() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // Set before this process opens any HDF5 file: every NWB test writes
    // its fixture first, through `write_nwb`.
    ONCE.call_once(|| std::env::set_var("HDF5_USE_FILE_LOCKING", "FALSE"));
}

/// A synthetic cell's sweeps ([`crate::fit_cell::synthetic_cell`]) as an
/// Allen NWB 1.1 file stores them: stimulus in pA, response in mV, at
/// `rate` (Hz).
pub fn cell_spec(cell: &[crate::fit_cell::CellSweep], rate: f64) -> FileSpec {
    FileSpec::v1_1(
        cell.iter()
            .map(|s| {
                let mut sw = SweepSpec::square(s.number, s.current.len());
                sw.stimulus = s.current.iter().map(|i| (i * 1e12) as f32).collect();
                sw.response = s.voltage.iter().map(|v| (v * 1e3) as f32).collect();
                sw.rate = rate;
                sw
            })
            .collect(),
    )
}

pub fn write_nwb(path: &Path, spec: &FileSpec) {
    no_file_locking();
    let file = hdf5::File::create(path).expect("create fixture");
    let root: &Group = &file;
    if spec.nwb2 {
        string_attr(root, "nwb_version", "2.2.5");
    } else {
        root.new_dataset::<Fixed>()
            .create("nwb_version")
            .and_then(|d| d.write_scalar(&fixed("NWB-1.0.5")))
            .expect("nwb_version");
    }
    let general = root.create_group("general").expect("general");
    if let Some(items) = &spec.generated_by {
        let values: Vec<Fixed> = items.iter().map(|s| fixed(s)).collect();
        general
            .new_dataset_builder()
            .with_data(values.as_slice())
            .create("generated_by")
            .expect("generated_by");
    }
    root.create_group("acquisition").expect("acquisition");
    root.create_group("stimulus").expect("stimulus");
    let analysis = root.create_group("analysis").expect("analysis");
    for (group, sweep, times) in &spec.spike_times {
        let g = if analysis.link_exists(group) {
            analysis.group(group).expect("group")
        } else {
            analysis.create_group(group).expect("group")
        };
        g.new_dataset_builder()
            .with_data(times.as_slice())
            .create(format!("Sweep_{sweep}").as_str())
            .expect("spike times");
    }
    if spec.no_epochs {
        return;
    }
    let epochs = root.create_group("epochs").expect("epochs");
    for s in &spec.sweeps {
        let sweep = epochs
            .create_group(&format!("Sweep_{}", s.number))
            .expect("sweep group");
        let omitted =
            |prefix: &str, rel: &str| s.omit.contains(&format!("{prefix}/{rel}").as_str());
        for (kind, data, conversion, unit) in [
            (
                "stimulus",
                &s.stimulus,
                s.stimulus_conversion,
                s.stimulus_unit,
            ),
            (
                "response",
                &s.response,
                s.response_conversion,
                Some("Volts"),
            ),
        ] {
            if s.omit.contains(&kind) {
                continue;
            }
            let g = sweep.create_group(kind).expect("epoch part");
            let omit = |rel: &str| omitted(kind, &format!("timeseries/{rel}"));
            write_timeseries(&g, data, conversion, unit, s.rate, s.compressed, &omit);
            if !omitted(kind, "idx_start") {
                scalar_i64(&g, "idx_start", s.idx_start);
            }
            if !omitted(kind, "count") {
                scalar_i64(&g, "count", s.count.unwrap_or(data.len() as i64));
            }
            if let Some(stop) = s.idx_stop {
                scalar_i64(&g, "idx_stop", stop);
            }
        }
        if let Some((start, count)) = s.experiment {
            let exp = epochs
                .create_group(&format!("Experiment_{}", s.number))
                .and_then(|g| g.create_group("stimulus"))
                .expect("experiment");
            scalar_i64(&exp, "idx_start", start);
            scalar_i64(&exp, "count", count);
        }
    }
}

/// A fresh directory for one test (see [`crate::paths::scratch_dir`]).
pub fn test_dir(name: &str) -> PathBuf {
    crate::paths::scratch_dir(&format!("nwb-{name}"))
}

/// The standard fixture of the tests: pipeline 1.1, sweeps 1, 2 and 10 (sweep 10 gzip
/// compressed, sweep 2 with an experiment range), and a Test sweep 0.
pub fn standard_spec() -> FileSpec {
    let mut test = SweepSpec::square(0, 40);
    test.stimulus = vec![0.0; 40];
    let mut two = SweepSpec::square(2, 100);
    two.experiment = Some((10, 80));
    let mut ten = SweepSpec::square(10, 300);
    ten.compressed = true;
    FileSpec::v1_1(vec![test, SweepSpec::square(1, 120), two, ten])
}

/// The `ephys_sweeps.json` that goes with [`standard_spec`].
pub const STANDARD_EPHYS_SWEEPS: &str = r#"[
  {"sweep_number": 0, "stimulus_name": "Test", "stimulus_units": "Amps", "id": 1},
  {"sweep_number": 10, "stimulus_name": "Ramp", "stimulus_units": "Amps", "num_spikes": null},
  {"sweep_number": 1, "stimulus_name": "Long Square", "stimulus_units": "Amps"},
  {"sweep_number": 2, "stimulus_name": "Short Square", "stimulus_units": "Amps"}
]"#;
