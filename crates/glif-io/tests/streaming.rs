//! Stimuli a chunk at a time (`glif_io::stimulus::Source`, `glif_io::run::run_into`): the chunked runner gives
//! the outputs of a whole-stimulus run bit for bit, wherever the chunks are
//! cut; generators give the samples of the `Vec` functions; `.npy` files
//! stream with the values, checks and errors of the in-memory reader; and a
//! spikes-only run from a `.npy` file or a generator allocates a bounded
//! amount of memory whatever the stimulus length (counting allocator).

mod common;

use std::path::Path;

use common::*;
use glif_io::run;
use glif_io::stimulus::{self, Generator};
use glif_io::stimulus::{stimulus_from_npy, NpyStream};
use glif_io::stimulus::{Slice, Source};
use glif_io::{AnyModel, NeuronConfig, RunEnd, RunResult, SpikeTrain};
use glif_reference::counting_alloc::{peak_during, Counting};

/// Counts the bytes held per thread, for [`peak_during`].
#[global_allocator]
static GLOBAL: Counting = Counting;

fn glif5() -> AnyModel<f64> {
    let path =
        reference_dir().join("configs/teeter/313861677_Rorb-IRES2-Cre-D_GLIF5_neuron_config.json");
    let c = NeuronConfig::from_path(path, None)
        .unwrap()
        .with_dt(5e-6)
        .unwrap();
    AnyModel::new(&c).unwrap()
}

/// A source that hands out at most `max` samples per call, to cut chunks
/// at awkward places (inside spike cuts, on spikes).
struct Trickle<'a> {
    inner: Slice<'a>,
    max: usize,
}

impl Source for Trickle<'_> {
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn fill(&mut self, buf: &mut [f64]) -> glif_io::Result<usize> {
        let n = buf.len().min(self.max);
        self.inner.fill(&mut buf[..n])
    }
}

#[test]
fn chunked_runs_equal_whole_runs() {
    let path = reference_dir().join("configs/osb/566283540_neuron_config.json");
    let c = NeuronConfig::from_path(path, None)
        .unwrap()
        .with_dt(5e-6)
        .unwrap();
    let stim = stimulus::square(5e-6, 0.2, 0.002, 0.19, 6e-10).unwrap();
    let models = [
        AnyModel::<f64>::new(&c).unwrap(),
        AnyModel::<f64>::general(&c, &|x: f64| glif_core::Float::exp(x)).unwrap(),
    ];
    for m in models {
        let whole = m.run_result(&stim);
        assert!(whole.spikes.len() > 10, "the stimulus must make it fire");
        for max in [1, 7, 30, 1000, stimulus::CHUNK, usize::MAX] {
            let mut source = Trickle {
                inner: Slice::new(&stim),
                max,
            };
            let mut r = RunResult::new(2, stim.len());
            let mut calls = Vec::new();
            r.end = run::run_into(&m, &mut source, &mut r, &mut |done| calls.push(done)).unwrap();
            assert!(r.same_outputs(&whole), "chunks of at most {max}");
            assert_eq!(r.end, whole.end);
            assert_eq!(calls.last(), Some(&stim.len()));
            assert!(calls.windows(2).all(|w| w[0] < w[1]));

            let mut source = Trickle {
                inner: Slice::new(&stim),
                max,
            };
            let mut s = SpikeTrain::default();
            s.end = run::run_into(&m, &mut source, &mut s, &mut |_| {}).unwrap();
            assert_eq!(s.spikes, whole.spikes);
        }
    }
    // f32: the samples are rounded as they come, as AnyPrecisionModel does.
    let m = AnyModel::<f32>::new(&c).unwrap();
    let stim32: Vec<f32> = stim.iter().map(|&x| x as f32).collect();
    let whole = m.run_result(&stim32);
    let mut r = RunResult::new(2, stim.len());
    r.end = run::run_into(&m, &mut Slice::new(&stim), &mut r, &mut |_| {}).unwrap();
    assert!(r.same_outputs(&whole));
}

#[test]
fn generators_give_the_vec_functions_samples() {
    let dt = 5e-6;
    let mut g = Generator::square(dt, 0.05, 0.01, 0.02, 3e-10).unwrap();
    let mut chunked = Vec::new();
    let mut buf = [0.0; 333];
    loop {
        let n = g.fill(&mut buf);
        if n == 0 {
            break;
        }
        chunked.extend_from_slice(&buf[..n]);
    }
    let square = stimulus::square(dt, 0.05, 0.01, 0.02, 3e-10).unwrap();
    assert_eq!(chunked, square);
    assert_eq!(square.iter().filter(|&&x| x == 3e-10).count(), 4000);

    // Noise cut at start + width: the levels of the whole noise, then 0.
    let full = stimulus::held_noise(dt, 0.05, 0.01, 1e-3, 1e-10, 5e-11, 9).unwrap();
    let cut = Generator::held_noise(&stimulus::Noise {
        dt,
        duration: 0.05,
        start: 0.01,
        width: Some(0.02),
        hold: 1e-3,
        mean: 1e-10,
        std: 5e-11,
        seed: 9,
    })
    .unwrap()
    .to_vec();
    assert_eq!(cut.len(), full.len());
    for (i, (a, b)) in full.iter().zip(&cut).enumerate() {
        if (2000..6000).contains(&i) {
            assert_eq!(a.to_bits(), b.to_bits(), "sample {i}");
        } else {
            assert_eq!(*b, 0.0, "sample {i}");
        }
    }
    assert!(full[7000] != 0.0);
}

fn npy_bytes(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    b.extend_from_slice(dict.as_bytes());
    b.extend_from_slice(data);
    b
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn npy_streams_read_what_the_in_memory_reader_reads() {
    let dir = scratch_dir("streaming-npy");
    let x: Vec<f64> = (0..50_000)
        .map(|i| (i as f64 * 1e-3).sin() * 1e-10)
        .collect();
    let le: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    let be: Vec<u8> = x.iter().flat_map(|v| v.to_be_bytes()).collect();
    let f4: Vec<u8> = x.iter().flat_map(|v| (*v as f32).to_le_bytes()).collect();
    for (name, bytes) in [
        ("le.npy", npy_bytes("<f8", "(50000,)", &le)),
        ("be.npy", npy_bytes(">f8", "(50000,)", &be)),
        ("col.npy", npy_bytes("<f8", "(50000, 1)", &le)),
        ("f4.npy", npy_bytes("<f4", "(1, 50000)", &f4)),
    ] {
        let p = write(&dir, name, &bytes);
        let streamed = NpyStream::open(&p).unwrap().to_vec().unwrap();
        assert_eq!(streamed, stimulus_from_npy(&bytes).unwrap(), "{name}");
        assert_eq!(
            streamed,
            glif_io::read_stimulus(&p, &glif_io::StimulusOptions::default()).unwrap(),
            "{name}"
        );
    }

    // Errors: the sample, the file, the problem.
    let mut bad = x.clone();
    bad[40_000] = f64::NAN;
    let nan: Vec<u8> = bad.iter().flat_map(|v| v.to_le_bytes()).collect();
    let p = write(&dir, "nan.npy", &npy_bytes("<f8", "(50000,)", &nan));
    let e = NpyStream::open(&p)
        .unwrap()
        .to_vec()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nan.npy") && e.contains("[40000]") && e.contains("NaN"),
        "{e}"
    );
    let p = write(&dir, "short.npy", &npy_bytes("<f8", "(50000,)", &le[..100]));
    let e = NpyStream::open(&p).unwrap_err().to_string();
    assert!(e.contains("short.npy") && e.contains("truncated"), "{e}");
    // Integers of any width are read (widened to f64), streamed or not.
    let mut ints = 3i32.to_le_bytes().to_vec();
    ints.extend_from_slice(&(-2i32).to_le_bytes());
    let p = write(&dir, "int.npy", &npy_bytes("<i4", "(2,)", &ints));
    assert_eq!(NpyStream::open(&p).unwrap().to_vec().unwrap(), [3.0, -2.0]);
    assert_eq!(
        glif_io::read_stimulus(&p, &glif_io::StimulusOptions::default()).unwrap(),
        [3.0, -2.0]
    );
    let p = write(&dir, "complex.npy", &npy_bytes("<c16", "(1,)", &[0; 16]));
    let e = NpyStream::open(&p).unwrap_err().to_string();
    assert!(e.contains("complex.npy") && e.contains("<c16"), "{e}");
    let p = write(&dir, "empty.npy", &npy_bytes("<f8", "(0,)", &[]));
    let e = NpyStream::open(&p).unwrap_err().to_string();
    assert!(e.contains("empty"), "{e}");
    let p = write(&dir, "2d.npy", &npy_bytes("<f8", "(2, 2)", &le[..32]));
    let e = NpyStream::open(&p).unwrap_err().to_string();
    assert!(e.contains("one-dimensional"), "{e}");
    let p = write(&dir, "magic.npy", b"not numpy at all");
    let e = NpyStream::open(&p).unwrap_err().to_string();
    assert!(e.contains("magic"), "{e}");
    let p = write(&dir, "tiny.npy", b"\x93NUM");
    assert!(NpyStream::open(&p).is_err());
}

/// A spikes-only run streamed from a `.npy` file or a generator holds the
/// same few hundred KiB (one chunk, the file's read buffer) for 200,000
/// samples as for 2,000,000: memory independent of the stimulus length.
#[test]
fn spikes_only_streams_in_bounded_memory() {
    let dir = scratch_dir("streaming-memory");
    let m = glif5();
    let mut peaks = Vec::new();
    for n in [200_000usize, 2_000_000] {
        let x: Vec<f64> = (0..n)
            .map(|i| if i % 200_000 < 100_000 { 4e-10 } else { 0.0 })
            .collect();
        let le: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
        drop(x);
        let shape = format!("({n},)");
        let p = write(&dir, &format!("s{n}.npy"), &npy_bytes("<f8", &shape, &le));
        drop(le);
        let (end, peak) = peak_during(|| {
            let mut source = NpyStream::open(&p).unwrap();
            let mut s = SpikeTrain::default();
            let end = run::run_into(&m, &mut source, &mut s, &mut |_| {}).unwrap();
            (end, s.spikes.len())
        });
        assert_eq!(end.0, RunEnd::COMPLETED);
        assert!(end.1 > 0);
        let (_, gen_peak) = peak_during(|| {
            let mut g = Generator::square(5e-6, n as f64 * 5e-6, 0.1, 0.5, 4e-10).unwrap();
            let mut s = SpikeTrain::default();
            run::run_into(&m, &mut g, &mut s, &mut |_| {}).unwrap()
        });
        peaks.push((n, peak, gen_peak));
    }
    for &(n, npy, generated) in &peaks {
        // One chunk of f64 and its bytes (2 x 128 KiB), the 64 KiB read
        // buffer, and the spikes (40 bytes each): well under 1 MiB. The
        // stimulus itself would be 1.6 or 16 MB.
        assert!(npy < 1 << 20, "{n} samples from .npy: {npy} bytes held");
        assert!(
            generated < 1 << 20,
            "{n} generated samples: {generated} bytes held"
        );
    }
}
