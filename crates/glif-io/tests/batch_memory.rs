//! Memory of a streamed batch: with a counting allocator, the peak of
//! bytes allocated while [`batch::run_batch_streamed`] runs and writes a
//! CSV summary does not grow with the number of models (at most one
//! window of [`batch::WINDOW`] models' results is held), where the
//! all-in-memory [`batch::run_batch`] grows with it.

// A counting global allocator must implement the unsafe GlobalAlloc trait;
// it only forwards to the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use glif_io::batch::SummaryWriter;
use glif_io::batch::{self, BatchOptions, Entry};
use glif_io::{stimulus, NeuronConfig};

/// Counts the bytes held by every thread (the batch's work runs on rayon's
/// threads); this file holds one test, so nothing else allocates meanwhile
/// but the test harness.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(p, layout) };
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const DT: f64 = 5e-6;

/// Peak bytes allocated above what was allocated before `go` ran.
fn peak_during(go: impl FnOnce()) -> usize {
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    go();
    PEAK.load(Ordering::Relaxed) - base
}

fn copies(config: &NeuronConfig, n: usize) -> Vec<Entry> {
    (0..n)
        .map(|i| Entry {
            name: format!("copy {i}"),
            config: Ok(config.clone()),
        })
        .collect()
}

#[test]
fn a_streamed_batch_holds_one_window_of_results() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference/configs/teeter/313861677_Rorb-IRES2-Cre-D_GLIF5_neuron_config.json");
    let config = NeuronConfig::from_path(&path, None).unwrap();
    // 2 ms of zero, 8 ms of 400 pA: a few spikes per model.
    let stimulus = stimulus::square(DT, 0.01, 0.002, 0.008, 4e-10).unwrap();
    let options = BatchOptions {
        threads: Some(2),
        stop: None,
        ..BatchOptions::new(DT)
    };
    let dir = std::env::temp_dir().join(format!("glif-batch-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let small = batch::WINDOW;
    let large = 8 * small;

    let streamed = |n: usize| {
        let entries = copies(&config, n);
        let (csv, spikes) = (dir.join(format!("{n}.csv")), dir.join(format!("{n}.jsonl")));
        peak_during(|| {
            let mut w = SummaryWriter::csv(&csv, Some(&spikes), true).unwrap();
            batch::run_batch_streamed(entries, &stimulus, &options, &|_| {}, |r| {
                assert!(!r.result.as_ref().unwrap().spikes.is_empty());
                w.push(&r, |e| e.to_string())
            })
            .unwrap();
            let tally = w.finish().unwrap();
            assert_eq!(tally.models, n);
        })
    };
    let all = |n: usize| {
        let entries = copies(&config, n);
        peak_during(|| {
            let runs = batch::run_batch(entries, &stimulus, &options, &|_| {}).unwrap();
            assert_eq!(runs.len(), n);
        })
    };
    let (s_small, s_large) = (streamed(small), streamed(large));
    let (a_small, a_large) = (all(small), all(large));
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("peak bytes: streamed {s_small} / {s_large}, all-in-memory {a_small} / {a_large}");
    // Eight times the models: the streamed peak stays within 1.5 times (the
    // margin is for allocator noise: buffers of the writers, rayon's
    // per-window collections), where holding every result (the all-in-memory
    // path, checked so this test can tell the two apart) is over 5 times.
    assert!(
        s_large * 2 < s_small * 3,
        "streamed peak {s_small} B for {small} models, {s_large} B for {large}"
    );
    assert!(
        a_large > 5 * a_small,
        "all-in-memory peak {a_small} B for {small} models, {a_large} B for {large}"
    );
}
