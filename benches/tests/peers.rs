//! `glif_benches::peers`: the threaded runs give every neuron the spikes of
//! the one-thread run (and of the engine's own `AllenPopulation::run` path),
//! and the Brian2 parameters refuse what their equations do not describe.

use glif_benches::peers::{brian2_glif3, run_threads, Cycled, PscSetup};

/// 50 ms at 5 us: long enough for most models at 1.5 x rheobase to fire.
const STEPS: usize = 10_000;

#[test]
fn allen_population_on_threads_counts_the_spikes_of_one_thread() {
    // 100 neurons: not a multiple of 16 (padded) nor of the thread counts.
    let pop = Cycled::new(3, 100).glif3();
    let run = |threads| {
        let mut blocks = pop.fresh.clone();
        let mut counts = vec![0; pop.len()];
        run_threads(&pop, &mut blocks, STEPS, threads, &mut counts);
        counts
    };
    let one = run(1);
    assert!(
        one.iter().sum::<u32>() > 50,
        "too few spikes to compare: {one:?}"
    );
    for threads in [2, 3, 7] {
        assert_eq!(run(threads), one, "{threads} threads");
    }
}

#[test]
fn glif_psc_population_on_threads_counts_the_spikes_of_one_thread() {
    let setup = PscSetup::new(&Cycled::new(3, 42), 5e-3).expect("GLIF3 converts to glif_psc");
    let run = |threads| {
        let mut blocks = setup.fresh.clone();
        let mut counts = vec![0; setup.len()];
        setup.run_threads(&mut blocks, STEPS, threads, &mut counts);
        counts
    };
    let one = run(1);
    assert!(
        one.iter().sum::<u32>() > 20,
        "too few spikes to compare: {one:?}"
    );
    assert_eq!(run(2), one);
    assert_eq!(run(5), one);
}

#[test]
fn brian2_parameters_only_for_glif3() {
    let g3 = Cycled::new(3, 1);
    let p = brian2_glif3(&g3.configs[0]).expect("GLIF3");
    for key in [
        "G",
        "C",
        "th",
        "q1",
        "q2",
        "amp1",
        "amp2",
        "f1",
        "f2",
        "ref_steps",
    ] {
        assert!(p[key].is_number(), "{key}: {p}");
    }
    // The refractory steps are the spike cut plus the step AllenSDK resets in.
    assert_eq!(
        p["ref_steps"].as_u64(),
        Some(u64::from(g3.configs[0].spike_cut_length) + 1)
    );
    let g5 = Cycled::new(5, 1);
    let e = brian2_glif3(&g5.configs[0]).unwrap_err();
    assert!(e.contains("not a GLIF3 config"), "{e}");
}
