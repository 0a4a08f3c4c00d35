//! The NWB 1.x layer on small files in the Allen layout, built by glif-reference's `nwb_fixture`.
#![cfg(feature = "nwb")]

use std::fs;
use std::path::Path;

use glif_io::nwb::{
    copy_for_output, parse_ephys_sweeps, select_sweeps, NwbError, NwbErrorKind, NwbFile,
    ObjectKind, StimulusUnit, DEFAULT_SPIKE_CUT_VALUE,
};
use glif_reference::nwb_fixture::{
    standard_spec, test_dir, write_nwb, FileSpec, SweepSpec, STANDARD_EPHYS_SWEEPS,
};
use hdf5::types::{TypeDescriptor, VarLenUnicode};

fn standard_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("cell.nwb");
    write_nwb(&path, &standard_spec());
    path
}

fn expect_err<T: std::fmt::Debug>(result: Result<T, NwbError>) -> NwbError {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(err) => err,
    }
}

/// The stimulus AllenSDK's `get_sweep` computes for pipeline >= 1.1: a float32 array times a
/// Python float, which numpy keeps in float32.
fn converted(stored: &[f32], conversion: f64) -> Vec<f64> {
    stored
        .iter()
        .map(|&x| f64::from(x * conversion as f32))
        .collect()
}

#[test]
fn lists_sweeps_in_numeric_order() {
    let dir = test_dir("lists_sweeps");
    let nwb = NwbFile::open(standard_file(&dir)).unwrap();
    assert_eq!(nwb.sweep_numbers().unwrap(), vec![0, 1, 2, 10]);
    assert_eq!(nwb.pipeline_version(), Some((1, 1)));
    assert!(nwb.applies_conversion());
}

#[test]
fn reads_a_sweep_with_conversion_applied_for_pipeline_1_1() {
    let dir = test_dir("reads_v1_1");
    let spec = standard_spec();
    let nwb = NwbFile::open(standard_file(&dir)).unwrap();
    let sweep = nwb.read_sweep(1).unwrap();
    let stored = &spec.sweeps[1];
    assert_eq!(sweep.number, 1);
    assert_eq!(sweep.stimulus, converted(&stored.stimulus, 1e-12));
    assert!((sweep.stimulus[60] - 101e-12).abs() < 1e-18);
    assert_eq!(sweep.stimulus_conversion, 1e-12);
    assert_eq!(sweep.sampling_rate, 200_000.0);
    assert_eq!(sweep.dt, 1.0 / 200_000.0);
    assert_eq!(sweep.stimulus_unit, StimulusUnit::Amps);
    assert_eq!(sweep.stimulus_unit_attribute.as_deref(), Some("Amps"));
    assert_eq!(sweep.index_range, (0, 119));
    assert_eq!(sweep.sweep_length, 120);
    assert_eq!(sweep.response_len, 120);

    let response = nwb.read_response(1).unwrap();
    assert_eq!(response, converted(&stored.response, 1e-3));
}

#[test]
fn experiment_epoch_gives_the_index_range() {
    let dir = test_dir("experiment_range");
    let nwb = NwbFile::open(standard_file(&dir)).unwrap();
    let sweep = nwb.read_sweep(2).unwrap();
    assert_eq!(sweep.index_range, (10, 89));
    assert_eq!(sweep.stimulus.len(), 100, "the whole sweep is returned");
}

#[test]
fn gzip_chunked_dataset_reads_like_a_contiguous_one() {
    let dir = test_dir("gzip");
    let path = standard_file(&dir);
    {
        let file = hdf5::File::open(&path).unwrap();
        let ds = file
            .dataset("epochs/Sweep_10/stimulus/timeseries/data")
            .unwrap();
        assert!(ds.is_chunked());
        assert!(
            ds.filters()
                .iter()
                .any(|f| matches!(f, hdf5::filters::Filter::Deflate(_))),
            "fixture must really be gzip-compressed"
        );
    }
    let spec = standard_spec();
    let nwb = NwbFile::open(&path).unwrap();
    let sweep = nwb.read_sweep(10).unwrap();
    assert_eq!(sweep.stimulus, converted(&spec.sweeps[3].stimulus, 1e-12));
    assert_eq!(sweep.stimulus.len(), 300);
}

#[test]
fn old_pipeline_versions_store_si_values_and_skip_conversion() {
    let dir = test_dir("old_version");
    for (name, generated_by) in [
        (
            "v1_0.nwb",
            Some(vec!["pipeline", "IVSCC", "version", "1.0"]),
        ),
        ("none.nwb", None),
        ("no_version_key.nwb", Some(vec!["pipeline", "IVSCC"])),
    ] {
        let path = dir.join(name);
        let mut sweep = SweepSpec::square(3, 50);
        sweep.stimulus = sweep.stimulus.iter().map(|x| x * 1e-12).collect();
        let spec = FileSpec {
            generated_by,
            ..FileSpec::v1_1(vec![sweep.clone()])
        };
        write_nwb(&path, &spec);
        let nwb = NwbFile::open(&path).unwrap();
        assert!(!nwb.applies_conversion(), "{name}");
        let read = nwb.read_sweep(3).unwrap();
        let widened: Vec<f64> = sweep.stimulus.iter().map(|&x| f64::from(x)).collect();
        assert_eq!(read.stimulus, widened, "{name}");
        assert_eq!(read.stimulus_conversion, 1.0, "{name}");
    }
}

#[test]
fn missing_datasets_name_the_file_and_path() {
    let dir = test_dir("missing");
    let cases: [(&str, &str, ObjectKind, &str); 4] = [
        (
            "stimulus/timeseries/data",
            "/epochs/Sweep_5/stimulus/timeseries/data",
            ObjectKind::Dataset,
            "/epochs/Sweep_5/stimulus/timeseries/data",
        ),
        (
            "stimulus/timeseries/starting_time",
            "/epochs/Sweep_5/stimulus/timeseries/starting_time",
            ObjectKind::Dataset,
            "/epochs/Sweep_5/stimulus/timeseries/starting_time",
        ),
        (
            "response",
            "/epochs/Sweep_5/response/timeseries/data",
            ObjectKind::Dataset,
            "/epochs/Sweep_5/response",
        ),
        (
            "stimulus/count",
            "/epochs/Sweep_5/stimulus/count",
            ObjectKind::Dataset,
            "/epochs/Sweep_5/stimulus/count",
        ),
    ];
    for (i, (omit, object, what, first_missing)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("case{i}.nwb"));
        let mut sweep = SweepSpec::square(5, 20);
        sweep.omit = vec![omit];
        write_nwb(&path, &FileSpec::v1_1(vec![sweep]));
        let err = expect_err(NwbFile::open(&path).unwrap().read_sweep(5));
        assert_eq!(err.file(), path.as_path());
        assert_eq!(err.object(), Some(object), "{omit}");
        match err.kind() {
            NwbErrorKind::Missing {
                what: w,
                first_missing: f,
            } => {
                assert_eq!(*w, what);
                assert_eq!(f, first_missing);
            }
            other => panic!("{omit}: unexpected {other:?}"),
        }
        let message = err.to_string();
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(
            message.contains(object) && message.contains("missing"),
            "{message}"
        );
    }

    let path = dir.join("case0.nwb");
    let err = expect_err(NwbFile::open(&path).unwrap().read_sweep(5));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: /epochs/Sweep_5/stimulus/timeseries/data: dataset is missing",
            path.display()
        )
    );
    let err = expect_err(NwbFile::open(&path).unwrap().read_sweep(99));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: /epochs/Sweep_99/stimulus/timeseries/data: dataset is missing \
             (/epochs/Sweep_99 does not exist)",
            path.display()
        )
    );
    assert!(
        matches!(err.kind(), NwbErrorKind::Missing { first_missing, .. } if first_missing == "/epochs/Sweep_99"),
        "{err}"
    );
}

#[test]
fn missing_attributes_are_reported() {
    let dir = test_dir("missing_attrs");
    for (omit, attr) in [
        ("stimulus/timeseries/conversion", "conversion"),
        ("stimulus/timeseries/rate", "rate"),
    ] {
        let path = dir.join(format!("{attr}.nwb"));
        let mut sweep = SweepSpec::square(4, 20);
        sweep.omit = vec![omit];
        write_nwb(&path, &FileSpec::v1_1(vec![sweep]));
        let err = expect_err(NwbFile::open(&path).unwrap().read_sweep(4));
        assert!(
            matches!(err.kind(), NwbErrorKind::Missing { what: ObjectKind::Attribute(a), .. } if a == attr),
            "{err}"
        );
        assert!(err
            .to_string()
            .ends_with(&format!(": attribute `{attr}` is missing")));
    }
}

#[test]
fn files_that_are_not_nwb_1_are_refused() {
    let dir = test_dir("not_nwb1");
    let text = dir.join("notes.nwb");
    fs::write(&text, "not an HDF5 file").unwrap();
    let err = expect_err(NwbFile::open(&text));
    assert!(matches!(err.kind(), NwbErrorKind::Open(_)), "{err}");
    assert!(err.to_string().contains("notes.nwb"));

    let missing = dir.join("absent.nwb");
    assert!(matches!(
        expect_err(NwbFile::open(&missing)).kind(),
        NwbErrorKind::Open(_)
    ));

    let no_epochs = dir.join("no_epochs.nwb");
    write_nwb(
        &no_epochs,
        &FileSpec {
            no_epochs: true,
            ..FileSpec::default()
        },
    );
    let err = expect_err(NwbFile::open(&no_epochs));
    assert!(matches!(err.kind(), NwbErrorKind::NotNwb1(_)), "{err}");
    assert_eq!(err.object(), Some("/epochs"));

    let nwb2 = dir.join("nwb2.nwb");
    write_nwb(
        &nwb2,
        &FileSpec {
            nwb2: true,
            ..FileSpec::v1_1(vec![SweepSpec::square(1, 10)])
        },
    );
    let err = expect_err(NwbFile::open(&nwb2));
    assert!(matches!(err.kind(), NwbErrorKind::NotNwb1(_)), "{err}");
    assert!(err.to_string().contains("NWB 2"), "{err}");
}

#[test]
fn units_are_classified_as_allensdk_does() {
    let dir = test_dir("units");
    let path = dir.join("units.nwb");
    let mut volts = SweepSpec::square(1, 10);
    volts.stimulus_unit = Some("Volts");
    let mut ohms = SweepSpec::square(2, 10);
    ohms.stimulus_unit = Some("Ohms");
    let mut none = SweepSpec::square(3, 10);
    none.stimulus_unit = None;
    write_nwb(&path, &FileSpec::v1_1(vec![volts, ohms, none]));
    let nwb = NwbFile::open(&path).unwrap();

    assert_eq!(
        nwb.read_sweep(1).unwrap().stimulus_unit,
        StimulusUnit::Volts
    );
    let err = expect_err(nwb.read_current_clamp_sweep(1));
    assert!(
        matches!(err.kind(), NwbErrorKind::WrongUnit { found, .. } if found == "Volts"),
        "{err}"
    );
    assert_eq!(
        err.object(),
        Some("/epochs/Sweep_1/stimulus/timeseries/data")
    );

    let err = expect_err(nwb.read_sweep(2));
    assert!(matches!(err.kind(), NwbErrorKind::WrongUnit { found, .. } if found == "Ohms"));

    let unknown = nwb.read_current_clamp_sweep(3).unwrap();
    assert_eq!(unknown.stimulus_unit, StimulusUnit::Unknown);
    assert_eq!(unknown.stimulus_unit_attribute, None);
}

#[test]
fn malformed_values_are_errors_not_panics() {
    let dir = test_dir("malformed");
    let path = dir.join("bad.nwb");
    let mut late_start = SweepSpec::square(1, 10);
    late_start.idx_start = 5;
    let mut zero_rate = SweepSpec::square(2, 10);
    zero_rate.rate = 0.0;
    let mut negative_count = SweepSpec::square(3, 10);
    negative_count.count = Some(-4);
    write_nwb(
        &path,
        &FileSpec::v1_1(vec![late_start, zero_rate, negative_count]),
    );
    {
        // A two-dimensional stimulus and a float `count` for sweep 4.
        let file = hdf5::File::open_rw(&path).unwrap();
        let stim = file
            .create_group("epochs/Sweep_4")
            .and_then(|g| g.create_group("stimulus"))
            .unwrap();
        let ts = stim.create_group("timeseries").unwrap();
        let data = ts
            .new_dataset::<f32>()
            .shape([2, 3])
            .create("data")
            .unwrap();
        data.new_attr::<f64>()
            .create("conversion")
            .and_then(|a| a.write_scalar(&1e-12))
            .unwrap();
        stim.new_dataset::<f64>().create("count").unwrap();
    }
    let nwb = NwbFile::open(&path).unwrap();
    for (sweep, needle) in [
        (1, "starts at sample 5"),
        (2, "not a positive sampling rate"),
        (3, "negative index"),
        (4, "expected one dimension"),
    ] {
        let err = expect_err(nwb.read_sweep(sweep));
        assert!(matches!(err.kind(), NwbErrorKind::Invalid(_)), "{err}");
        assert!(err.to_string().contains(needle), "{sweep}: {err}");
    }
}

#[test]
fn selects_every_sweep_but_test_in_file_order() {
    let dir = test_dir("select");
    let json = dir.join("ephys_sweeps.json");
    fs::write(&json, STANDARD_EPHYS_SWEEPS).unwrap();
    assert_eq!(select_sweeps(&json).unwrap(), vec![10, 1, 2]);

    fs::write(&json, r#"[{"sweep_number": 1}]"#).unwrap();
    let err = expect_err(select_sweeps(&json));
    assert!(matches!(err.kind(), NwbErrorKind::Json(_)), "{err}");
    assert!(err.to_string().contains("stimulus_name"), "{err}");
    assert_eq!(err.file(), json.as_path());

    let err = expect_err(select_sweeps(dir.join("absent.json")));
    assert!(matches!(err.kind(), NwbErrorKind::Io(_)));
    assert!(parse_ephys_sweeps("{}", Path::new("x.json")).is_err());
}

#[test]
fn copy_for_output_never_clobbers_unless_asked() {
    let dir = test_dir("copy");
    let input = standard_file(&dir);
    let output = dir.join("out.nwb");
    copy_for_output(&input, &output, false).unwrap();
    assert_eq!(fs::read(&input).unwrap(), fs::read(&output).unwrap());

    fs::write(&output, "keep me").unwrap();
    let err = expect_err(copy_for_output(&input, &output, false));
    assert!(matches!(err.kind(), NwbErrorKind::OutputExists), "{err}");
    assert_eq!(fs::read(&output).unwrap(), b"keep me");

    copy_for_output(&input, &output, true).unwrap();
    assert_eq!(fs::read(&input).unwrap(), fs::read(&output).unwrap());

    let err = expect_err(copy_for_output(&input, &input, true));
    assert!(matches!(err.kind(), NwbErrorKind::SameFile), "{err}");
    let err = expect_err(copy_for_output(
        dir.join("absent.nwb"),
        dir.join("o.nwb"),
        false,
    ));
    assert!(matches!(err.kind(), NwbErrorKind::Io(_)), "{err}");

    let leftovers: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn writes_responses_like_simulate_neuron() {
    let dir = test_dir("write_response");
    let input = standard_file(&dir);
    let before = fs::read(&input).unwrap();
    let output = dir.join("out.nwb");
    copy_for_output(&input, &output, false).unwrap();

    let mut nwb = NwbFile::open_rw(&output).unwrap();
    let sweep = nwb.read_sweep(1).unwrap();
    // A simulated voltage shorter than the sweep, with a spike cut of NaNs.
    let mut voltage: Vec<f64> = (0..100).map(|i| -0.07 + f64::from(i) * 1e-4).collect();
    voltage[40..43].fill(f64::NAN);
    nwb.write_response(1, &voltage, DEFAULT_SPIKE_CUT_VALUE)
        .unwrap();
    nwb.write_spike_times(1, &[0.000_2, 0.000_35]).unwrap();
    nwb.close().unwrap();

    assert_eq!(fs::read(&input).unwrap(), before, "input must not change");

    let mut expected: Vec<f64> = voltage
        .iter()
        .map(|&v| if v.is_nan() { 0.05 } else { v })
        .collect();
    expected.resize(sweep.sweep_length, 0.0);
    // The stored dataset is float32, as in Allen files.
    let expected: Vec<f64> = expected.iter().map(|&v| f64::from(v as f32)).collect();

    let nwb = NwbFile::open(&output).unwrap();
    assert_eq!(nwb.read_response(1).unwrap(), expected);
    assert_eq!(
        nwb.read_spike_times(1).unwrap(),
        Some(vec![0.000_2, 0.000_35])
    );
    // The response now holds volts, so its conversion factor says 1.
    let file = hdf5::File::open(&output).unwrap();
    let conversion: f64 = file
        .dataset("epochs/Sweep_1/response/timeseries/data")
        .and_then(|d| d.attr("conversion"))
        .and_then(|a| a.read_scalar())
        .unwrap();
    assert_eq!(conversion, 1.0);
    // Other sweeps are untouched.
    let untouched = NwbFile::open(&input).unwrap().read_response(2).unwrap();
    assert_eq!(nwb.read_response(2).unwrap(), untouched);
}

#[test]
fn response_writing_refuses_what_does_not_fit() {
    let dir = test_dir("write_refusals");
    let path = standard_file(&dir);
    let nwb = NwbFile::open(&path).unwrap();
    drop(nwb);

    let mut read_only = NwbFile::open(&path).unwrap();
    let err = expect_err(read_only.write_response(1, &[0.0; 120], 0.05));
    assert!(matches!(err.kind(), NwbErrorKind::ReadOnly), "{err}");
    let err = expect_err(read_only.write_spike_times(1, &[]));
    assert!(matches!(err.kind(), NwbErrorKind::ReadOnly), "{err}");
    drop(read_only);

    let mut nwb = NwbFile::open_rw(&path).unwrap();
    let err = expect_err(nwb.write_response(1, &[0.0; 121], 0.05));
    assert!(
        matches!(
            err.kind(),
            NwbErrorKind::LengthMismatch {
                stored: 120,
                given: 121
            }
        ),
        "{err}"
    );
    let err = expect_err(nwb.write_response(42, &[0.0; 10], 0.05));
    assert!(matches!(err.kind(), NwbErrorKind::Missing { .. }), "{err}");
}

#[test]
fn legacy_idx_stop_sets_the_padded_length() {
    let dir = test_dir("idx_stop");
    let path = dir.join("legacy.nwb");
    let mut sweep = SweepSpec::square(7, 30);
    sweep.idx_stop = Some(29);
    sweep.count = Some(10);
    write_nwb(&path, &FileSpec::v1_1(vec![sweep]));
    let mut nwb = NwbFile::open_rw(&path).unwrap();
    assert_eq!(nwb.read_sweep(7).unwrap().sweep_length, 30);
    nwb.write_response(7, &[0.01; 5], 0.05).unwrap();
    let written = nwb.read_response(7).unwrap();
    assert_eq!(written.len(), 30);
    assert_eq!(written[4], f64::from(0.01_f32));
    assert!(written[5..].iter().all(|&v| v == 0.0));
}

#[test]
fn spike_times_replace_old_ones_in_a_custom_group() {
    let dir = test_dir("spike_times");
    let path = dir.join("spikes.nwb");
    let spec = FileSpec {
        spike_times: vec![("aibs_spike_times", 2, vec![0.5, 0.7])],
        ..FileSpec::v1_1(vec![SweepSpec::square(1, 10), SweepSpec::square(2, 10)])
    };
    write_nwb(&path, &spec);

    let mut nwb = NwbFile::open_rw(&path).unwrap();
    assert_eq!(nwb.read_spike_times(1).unwrap(), None);
    assert_eq!(nwb.read_spike_times(2).unwrap(), Some(vec![0.5, 0.7]));

    nwb.write_spike_times(1, &[0.1, 0.2, 0.3]).unwrap();
    nwb.write_spike_times(1, &[0.25]).unwrap();
    nwb.write_spike_times(2, &[]).unwrap();
    assert_eq!(nwb.read_spike_times(1).unwrap(), Some(vec![0.25]));
    assert_eq!(nwb.read_spike_times(2).unwrap(), Some(vec![]));
    nwb.close().unwrap();

    let file = hdf5::File::open(&path).unwrap();
    let group = file.group("analysis/spike_times").unwrap();
    let tag: VarLenUnicode = group
        .attr("neurodata_type")
        .and_then(|a| a.read_scalar())
        .unwrap();
    assert_eq!(tag.as_str(), "Custom");
    let ds = group.dataset("Sweep_1").unwrap();
    assert!(ds.is_resizable(), "maxshape must be (None,)");
    assert!(matches!(
        ds.dtype().unwrap().to_descriptor().unwrap(),
        TypeDescriptor::Float(hdf5::types::FloatSize::U8)
    ));
    assert_eq!(ds.shape(), vec![1]);
}
