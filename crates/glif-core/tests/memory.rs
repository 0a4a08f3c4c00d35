//! Memory claims, checked: a neuron's state is a few tens of bytes, and a run
//! that streams its stimulus and keeps only spikes allocates nothing at all,
//! however long the stimulus (glif-core never touches the heap).

// A counting global allocator must implement the unsafe GlobalAlloc trait;
// it only forwards to the system allocator.
#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::*;
use glif_core::*;

/// Counts every allocation made through the global allocator, per thread
/// (tests run in parallel threads).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

fn allocations() -> (usize, usize) {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| {
            let (n, bytes) = c.get();
            c.set((n + 1, bytes + layout.size()));
        });
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn glif5() -> Glif5<f64, 2> {
    let c = config_file("teeter/313861677_Rorb-IRES2-Cre-D_GLIF5_neuron_config.json");
    Model::new(params::<f64>(&c, 5e-6), glif5_rules::<f64>(&c)).expect("model")
}

/// Allocations made while running `samples` samples of a streamed 200 pA
/// step, spikes counted only.
fn allocations_during_run(model: &Glif5<f64, 2>, samples: usize) -> (usize, usize, usize) {
    let mut spikes = 0;
    let before = allocations();
    let stimulus = (0..samples).map(|t| if t % 200_000 < 150_000 { 2.0e-10 } else { 0.0 });
    let outcome = model
        .neuron()
        .run_iter(stimulus, &mut OnSpike(|_: &Spike<f64>| spikes += 1));
    let after = allocations();
    assert_eq!(outcome, Ok(Outcome::Completed));
    (after.0 - before.0, after.1 - before.1, spikes)
}

#[test]
fn a_streamed_spikes_only_run_allocates_nothing_whatever_its_length() {
    let model = glif5();
    let short = allocations_during_run(&model, 200_000);
    let long = allocations_during_run(&model, 20_000_000);
    assert!(
        short.2 > 0 && long.2 > 50 * short.2,
        "the runs spike: {short:?} {long:?}"
    );
    assert_eq!((short.0, short.1), (0, 0), "1 s run allocated");
    assert_eq!((long.0, long.1), (0, 0), "100 s run allocated");
}

#[test]
fn state_is_a_few_tens_of_bytes() {
    use core::mem::size_of;
    // v, th, two currents, two threshold components: six floats, every level.
    assert_eq!(size_of::<State<f32, 2>>(), 24);
    assert_eq!(size_of::<State<f64, 2>>(), 48);
    assert_eq!(size_of::<State<f64, 0>>(), 32);
    // A running neuron adds its sample index, cut phase and model reference.
    assert!(size_of::<Neuron<'static, f64, 2, glif_core::levels::Glif5Rules<f64, 2>>>() <= 96);
    // The model (parameters and precomputed constants) is shared by any
    // number of neurons with the same parameters.
    let sizes = [
        size_of::<Glif1<f64, 2>>(),
        size_of::<Glif2<f64, 2>>(),
        size_of::<Glif3<f64, 2>>(),
        size_of::<Glif4<f64, 2>>(),
        size_of::<Glif5<f64, 2>>(),
    ];
    println!("Model<f64, 2> size_of, GLIF1..GLIF5: {sizes:?} bytes");
    assert!(sizes.iter().all(|&s| s <= 512), "{sizes:?}");
}
