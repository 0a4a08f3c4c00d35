//! A record-all run written to CSV as it goes (`glif_io::run::run_source_to_csv`): the
//! files are byte for byte those the in-memory writer (`csv::write_csv`)
//! writes for the same run — plain and gzipped, f64 and f32, with a spike
//! cut value, through a bad reset, with chunks cut at awkward places — and
//! the memory held does not grow with the run's length (counting
//! allocator).

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::*;
use glif_io::formats::{read_csv, write_csv};
use glif_io::run::{run_source_to_csv, CsvRunError};
use glif_io::stimulus::Generator;
use glif_io::stimulus::{Slice, Source};
use glif_io::{
    batch, AnyPrecisionModel, ErrorKind, NeuronConfig, Outcome, Precision, Record, RunEnd,
    WriteOptions,
};
use glif_reference::counting_alloc::{peak_during, Counting};

/// Counts the bytes held per thread, for [`peak_during`].
#[global_allocator]
static GLOBAL: Counting = Counting;

const DT: f64 = 5e-6;

/// A Teeter et al. GLIF5 model whose run on a 200 pA step ends in a bad
/// reset (as in glif-cli's tests/formats.rs).
fn bad_reset_config() -> NeuronConfig {
    let path = reference_dir().join("teeter-all.jsonl.gz");
    batch::read_configs(&path)
        .unwrap()
        .into_iter()
        .find(|e| e.name == "482809953_Nr5a1-Cre_GLIF5_neuron_config.json")
        .unwrap()
        .config
        .unwrap()
        .with_dt(DT)
        .unwrap()
}

/// The bundled Allen GLIF5 model 566283540, which fires without a bad reset.
fn glif5_config() -> NeuronConfig {
    let path = reference_dir().join("configs/osb/566283540_neuron_config.json");
    NeuronConfig::from_path(path, None)
        .unwrap()
        .with_dt(DT)
        .unwrap()
}

/// 0.1 s of zero, then `width` s of `amp` A, `duration` s in all.
fn square(duration: f64, width: f64, amp: f64) -> Generator {
    Generator::square(DT, duration, 0.1, width, amp).unwrap()
}

/// A source that hands out at most `max` samples per call, to cut chunks
/// at awkward places (inside spike cuts, on spikes, in the bad reset).
struct Dribble<S> {
    inner: S,
    max: usize,
}

impl<S: Source> Source for Dribble<S> {
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn fill(&mut self, buf: &mut [f64]) -> glif_io::Result<usize> {
        let n = buf.len().min(self.max);
        self.inner.fill(&mut buf[..n])
    }
}

fn paths(dir: &Path, name: &str, gz: bool) -> (PathBuf, PathBuf) {
    let ext = if gz { ".csv.gz" } else { ".csv" };
    let traces = dir.join(format!("{name}{ext}"));
    let spikes = glif_io::formats::csv_spikes_path(&traces);
    (traces, spikes)
}

/// One run written both ways.
struct Case<'a> {
    name: &'a str,
    config: &'a NeuronConfig,
    precision: Precision,
    options: WriteOptions,
    gz: bool,
}

/// Writes the run of `stimulus` (in memory) and of `source` (the same
/// samples, streamed) both ways and checks the files are the same bytes;
/// returns the end of the run.
fn both_ways(dir: &Path, case: &Case<'_>, stimulus: &[f64], source: &mut dyn Source) -> RunEnd {
    let Case {
        name,
        config,
        precision,
        options,
        gz,
    } = *case;
    let model = AnyPrecisionModel::new(config, precision).unwrap();
    let mem = glif_io::run::run_samples(&model, stimulus, Record::All, &|_| {});
    let (mt, ms) = paths(dir, &format!("{name}-memory"), gz);
    write_csv(&mt, &ms, &mem, DT, stimulus, &options).unwrap();
    let (st, ss) = paths(dir, &format!("{name}-stream"), gz);
    let done = AtomicUsize::new(0);
    let streamed = run_source_to_csv(&model, source, &st, &ss, DT, &options, &|n| {
        done.store(n, Ordering::Relaxed)
    })
    .unwrap();
    assert_eq!(
        done.load(Ordering::Relaxed),
        stimulus.len(),
        "{name}: the last progress report"
    );
    assert_eq!(streamed.end, mem.end, "{name}");
    assert!(streamed.voltage.is_empty(), "{name}: no traces kept");
    assert_eq!(streamed.spikes.len(), mem.spikes.len(), "{name}");
    for (a, b) in [(&mt, &st), (&ms, &ss)] {
        let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
        assert!(
            x.len() > 100,
            "{name}: {} is {} bytes",
            a.display(),
            x.len()
        );
        assert!(x == y, "{name}: {} and {} differ", a.display(), b.display());
    }
    if !gz {
        // And it reads back as the run computed it.
        let t = read_csv(&st, &ss).unwrap();
        let mut expected = mem.clone();
        if let Some(cut) = options.spike_cut_value {
            expected.voltage = mem.voltage_with_spike_cut_value(cut);
        }
        assert!(t.result.same_outputs(&expected), "{name}");
    }
    mem.end
}

#[test]
fn streamed_csv_files_are_the_bytes_of_the_in_memory_writer() {
    let d = scratch_dir("csv_stream_bytes");
    let bad = bad_reset_config();
    let good = glif5_config();
    let step = square(0.3, 0.2, 2e-10).to_vec();
    let plain = WriteOptions::default();
    let cut = WriteOptions {
        spike_cut_value: Some(0.05),
        ..WriteOptions::default()
    };
    // A bad reset: NaN rows from the stop on, in both.
    for (name, options, gz) in [("bad", plain, false), ("bad-gz", plain, true)] {
        let case = Case {
            name,
            config: &bad,
            precision: Precision::F64,
            options,
            gz,
        };
        let end = both_ways(&d, &case, &step, &mut square(0.3, 0.2, 2e-10));
        assert!(
            matches!(end, RunEnd::Ended(Outcome::BadReset { .. })),
            "{end:?}"
        );
    }
    let fires = square(0.5, 0.35, 2.5e-10).to_vec();
    for (name, precision, options, gz) in [
        ("glif5", Precision::F64, plain, false),
        ("glif5-gz", Precision::F64, plain, true),
        ("glif5-cut", Precision::F64, cut, false),
        ("glif5-f32", Precision::F32, plain, true),
    ] {
        let case = Case {
            name,
            config: &good,
            precision,
            options,
            gz,
        };
        let end = both_ways(&d, &case, &fires, &mut square(0.5, 0.35, 2.5e-10));
        assert_eq!(end, RunEnd::COMPLETED, "{name}");
    }
    // Chunks of 997 samples: rows cut inside spike cuts and the bad reset.
    let case = Case {
        name: "bad-dribble",
        config: &bad,
        precision: Precision::F64,
        options: cut,
        gz: false,
    };
    let mut dribble = Dribble {
        inner: Slice::new(&step),
        max: 997,
    };
    both_ways(&d, &case, &step, &mut dribble);
}

#[test]
fn existing_files_are_kept_and_a_missing_folder_fails_before_the_run() {
    let d = scratch_dir("csv_stream_refusals");
    let model = AnyPrecisionModel::new(&glif5_config(), Precision::F64).unwrap();
    let ran = AtomicBool::new(false);
    // Runs a short square step to the two files; the progress callback
    // notes whether any sample was simulated.
    let refused = |t: &Path, s: &Path| {
        run_source_to_csv(
            &model,
            &mut square(0.3, 0.2, 2e-10),
            t,
            s,
            DT,
            &WriteOptions::default(),
            &|_| ran.store(true, Ordering::Relaxed),
        )
        .unwrap_err()
    };
    let (t, s) = paths(&d, "taken", false);
    std::fs::write(&s, "mine").unwrap();
    let err = refused(&t, &s);
    assert!(
        matches!(&err, CsvRunError::Output(e) if matches!(e.kind(), ErrorKind::Exists)),
        "{err}"
    );
    assert!(!t.exists() && std::fs::read_to_string(&s).unwrap() == "mine");
    assert!(!ran.load(Ordering::Relaxed), "refused before the run");

    let (t, s) = paths(&d.join("no-such-folder"), "x", false);
    let err = refused(&t, &s);
    assert!(matches!(err, CsvRunError::Output(_)), "{err}");
    assert!(err.to_string().contains("no-such-folder"), "{err}");
    assert!(!ran.load(Ordering::Relaxed), "failed before the run");
}

#[test]
fn a_streamed_record_all_csv_run_holds_memory_independent_of_its_length() {
    let d = scratch_dir("csv_stream_memory");
    let model = AnyPrecisionModel::new(&glif5_config(), Precision::F64).unwrap();
    let mut peaks = Vec::new();
    for n in [200_000usize, 2_000_000] {
        let (t, s) = paths(&d, &format!("n{n}"), false);
        let _ = std::fs::remove_file(&t);
        let _ = std::fs::remove_file(&s);
        // Fires throughout: 250 pA from 0.1 s to the end.
        let duration = n as f64 * DT;
        let mut g = square(duration, duration - 0.1, 2.5e-10);
        assert_eq!(g.len(), n);
        let (r, peak) = peak_during(|| {
            run_source_to_csv(
                &model,
                &mut g,
                &t,
                &s,
                DT,
                &WriteOptions::default(),
                &|_| {},
            )
            .unwrap()
        });
        assert_eq!(r.end, RunEnd::COMPLETED);
        assert!(r.spikes.len() > 10, "{n}: {} spikes", r.spikes.len());
        peaks.push((n, peak, r.spikes.len()));
    }
    for &(n, peak, spikes) in &peaks {
        // One chunk of traces (16,384 samples x 4 values x 8 bytes = 512
        // KiB), one chunk of stimulus (128 KiB), the file's 8 KiB buffer
        // and the spikes (40 bytes each, a few hundred): under 1 MiB. Held
        // in memory, the traces alone would be 6.4 or 64 MB.
        eprintln!("{n} samples, {spikes} spikes: peak {peak} bytes");
        assert!(
            peak < 1 << 20,
            "{n} samples ({spikes} spikes): {peak} bytes held"
        );
    }
    // Ten times the samples: the peak grows by the spikes' vector at most
    // (40 bytes a spike; a growing vector briefly holds its old and new
    // buffers, up to 3 x its length).
    let (small, large) = (peaks[0].1, peaks[1].1);
    assert!(large < small + peaks[1].2 * 40 * 3 + 4096, "{peaks:?}");
    // The two runs wrote about 220 MB of CSV: do not leave it in the
    // temporary folder of whoever runs the tests.
    let _ = std::fs::remove_dir_all(&d);
}
