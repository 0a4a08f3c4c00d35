//! The `.npz` container (ZIP, through the `zip` crate): a file numpy's
//! `np.savez_compressed` wrote (deflated members, ZIP64 local records) read
//! back as arrays, as a stimulus and as a result; ZIP64 members written and
//! read back; corrupt members refused naming the member; and a `.npz`
//! written straight from the result's buffers, without a copy of its
//! traces (counting allocator).

mod common;

use common::*;
use glif_io::formats::{self, Format, NpyData, NpzWriter, ResultExtras};
use glif_io::stimulus::{read_stimulus, StimulusOptions};
use glif_io::{RunResult, WriteOptions};
use glif_reference::counting_alloc::{peak_during, Counting};

/// Counts the bytes held per thread, for [`peak_during`].
#[global_allocator]
static GLOBAL: Counting = Counting;

/// `reference/numpy/savez_compressed.npz`: written by numpy 1.23.5's
/// `np.savez_compressed` (see reference/SOURCES.md).
fn numpy_fixture() -> std::path::PathBuf {
    reference_dir().join("numpy/savez_compressed.npz")
}

/// The fixture's `stimulus`: 20 zeros, 60 samples of 150 pA, 20 zeros.
fn fixture_stimulus() -> Vec<f64> {
    (0..100)
        .map(|i| if (20..80).contains(&i) { 1.5e-10 } else { 0.0 })
        .collect()
}

/// A result of `n` samples with 2 after-spike currents, two spikes and a
/// NaN spike cut.
fn result(n: usize) -> RunResult {
    let mut r = RunResult::new(2, n);
    for i in 0..n {
        r.voltage.push(if i % 1000 == 5 {
            f64::NAN
        } else {
            i as f64 * 1e-9
        });
        r.threshold.push(0.02 + i as f64 * 1e-12);
        r.asc.extend([i as f64 * 1e-13, -(i as f64) * 1e-13]);
    }
    for step in [3, n / 2] {
        r.spikes.push(glif_core::Spike {
            step,
            grid_time: step as f64 * 5e-6,
            time: step as f64 * 5e-6 - 1e-6,
            voltage: 0.01,
            threshold: 0.02,
        });
    }
    r
}

#[test]
fn numpy_savez_compressed_deflated_members_read_back() {
    let bytes = std::fs::read(numpy_fixture()).unwrap();
    // Deflated members (method 8), as np.savez_compressed writes them.
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), 8);
    let members = formats::unzip_npz(&bytes).unwrap();
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["stimulus.npy", "steps.npy"]);
    let stim = formats::read_npy(&members[0].1).unwrap();
    assert_eq!(stim.shape, [100]);
    assert_eq!(stim.data, NpyData::F64(fixture_stimulus()));
    let steps = formats::read_npy(&members[1].1).unwrap();
    assert_eq!(steps.data, NpyData::I64((0..100).step_by(7).collect()));
    // The stimulus reader picks an array by key.
    let options = StimulusOptions {
        key: Some("stimulus".into()),
        ..StimulusOptions::default()
    };
    assert_eq!(
        read_stimulus(numpy_fixture(), &options).unwrap(),
        fixture_stimulus()
    );
}

#[test]
fn a_compressed_result_archive_reads_back() {
    // A result archive with deflated members (as np.savez_compressed would
    // write one), built with the zip crate: read_npz decompresses each.
    let r = result(5_000);
    let dir = scratch_dir("npz-deflated");
    let path = dir.join("r.npz");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in formats::results_to_npy(&r, &WriteOptions::default()) {
        zip.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut zip, &bytes).unwrap();
    }
    zip.finish().unwrap();
    assert!(formats::read_npz(&path).unwrap().same_outputs(&r));
}

/// Whether the local header of the archive's first member carries a ZIP64
/// extra field (header id 1).
fn first_member_has_zip64(bytes: &[u8]) -> bool {
    let name_len = usize::from(u16::from_le_bytes([bytes[26], bytes[27]]));
    let extra_len = usize::from(u16::from_le_bytes([bytes[28], bytes[29]]));
    let extra = &bytes[30 + name_len..30 + name_len + extra_len];
    extra.len() >= 4 && u16::from_le_bytes([extra[0], extra[1]]) == 1
}

#[test]
fn zip64_members_are_written_and_read_back() {
    let r = result(3_000);
    let members = formats::results_to_npy(&r, &WriteOptions::default());
    let write = |zip64: bool| {
        let mut w = NpzWriter::new(std::io::Cursor::new(Vec::new())).zip64_always(zip64);
        for (name, bytes) in &members {
            w.add_bytes(name, bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    };
    let (plain, zip64) = (write(false), write(true));
    assert!(!first_member_has_zip64(&plain));
    assert!(first_member_has_zip64(&zip64));
    for bytes in [plain, zip64] {
        assert!(formats::results_from_npz_bytes(&bytes)
            .unwrap()
            .same_outputs(&r));
    }
}

#[test]
fn a_corrupt_member_is_refused_naming_the_member() {
    let r = result(1_000);
    let mut bytes = formats::results_to_npz(&r, &WriteOptions::default()).unwrap();
    // A byte inside voltage.npy's data (the first member, stored): its
    // CRC-32 no longer matches.
    bytes[30 + "voltage.npy".len() + 200] ^= 0xFF;
    let e = formats::results_from_npz_bytes(&bytes)
        .unwrap_err()
        .to_string();
    assert!(e.contains("voltage.npy") && e.contains("checksum"), "{e}");
    let e = formats::results_from_npz_bytes(b"PK not an archive")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a valid .npz (ZIP) archive"), "{e}");
}

#[test]
fn a_npz_is_written_without_a_copy_of_its_traces() {
    // 400,000 samples: voltage and threshold 3.2 MB each, AScurrents 6.4 MB.
    let n = 400_000;
    let r = result(n);
    let stimulus = vec![1e-10; n];
    let dir = scratch_dir("npz-memory");
    let options = WriteOptions {
        spike_cut_value: Some(0.05),
        ..WriteOptions::default()
    };
    let extras = ResultExtras {
        stimulus: &stimulus,
        dt: 5e-6,
        ..ResultExtras::default()
    };
    let path = dir.join("r.npz");
    let (written, peak) =
        peak_during(|| formats::write_result(&path, Format::Npz, &r, &options, &extras));
    written.unwrap();
    // Bound: the 64 KiB conversion buffer, the file's 8 KiB buffer, the
    // spike arrays, headers and the archive's directory; well under the
    // 3.2 MB of a single trace copied.
    assert!(peak < 512 * 1024, "peak {peak} bytes while writing");
    let found = formats::read_result(&path).unwrap();
    let back = found.result;
    assert_eq!(
        back.voltage.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        r.voltage_with_spike_cut_value(0.05)
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    );
    assert_eq!(back.threshold, r.threshold);
    assert_eq!(back.asc, r.asc);
    assert_eq!(found.stimulus, Some(stimulus));
    assert_eq!(found.dt, Some(5e-6));
}
