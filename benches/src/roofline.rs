//! The population workloads `cargo xtask roofline` times and disassembles.
//!
//! Each case runs through a function of its own, never inlined
//! (`roofline_case_*`), so the xtask finds the engine's hot loop in its own
//! release binary by following calls from that symbol. Cases:
//!
//! - `GLIF3/f64`, `GLIF5/f64`, `GLIF3/f32`, `GLIF5/f32`: the Allen
//!   population engine on [`crate::allen`]'s workload (every Teeter model of
//!   the level at 1.5 x rheobase, 240,000 steps, 16 lanes per block);
//! - `glif_psc`, `glif_psc_double_alpha`: NEST's models on
//!   [`crate::nest`]'s workload (10,000 neurons, 2,000 steps of seeded
//!   Bernoulli input, 4 lanes per block), the input masks built before
//!   timing as in `cargo xtask compare-nest`.
//!
//! Each also runs `silent` (no input: no neuron leaves rest, so only the
//! step loop runs, never the spike path), through the same function: the
//! difference between the two is what spikes, spike cuts and resets cost.

use glif_core::levels::{Glif3Rules, Glif5Rules};

use crate::allen::{self, AllenPopulation};
use crate::nest::{self, DoubleAlphaSetup, PopulationSetup, SpikeTrains};

/// One workload.
pub struct Case {
    /// Level and precision (or NEST model), as printed.
    pub name: &'static str,
    /// The part of the never-inlined function's symbol that names it.
    pub symbol: &'static str,
    /// Neurons in one block (one pass of the hot loop advances this many
    /// neurons by one step).
    pub lanes: usize,
    /// Neuron-steps of one run (padding included).
    pub neuron_steps: usize,
    /// One run from the initial state; its spike count.
    pub run: Box<dyn Fn() -> usize>,
    /// The same run with no input (no spikes).
    pub silent: Box<dyn Fn() -> usize>,
}

/// The NEST cases' population and steps (as `compare-nest`'s population row).
pub const NEST_NEURONS: usize = 10_000;
/// Steps of the NEST cases.
pub const NEST_STEPS: u32 = 2_000;

/// Every case, set up (models built, input prepared).
pub fn cases() -> Vec<Case> {
    let g3_64 = allen::glif3::<f64>();
    let g5_64 = allen::glif5::<f64>();
    let g3_32 = allen::glif3::<f32>();
    let g5_32 = allen::glif5::<f32>();
    let allen_steps = |n: usize| n * allen::STEPS;
    let mut cases = vec![
        Case {
            name: "GLIF3/f64",
            symbol: "roofline_case_glif3_f64",
            lanes: allen::LANES,
            neuron_steps: allen_steps(g3_64.len()),
            silent: {
                let q = g3_64.silent();
                Box::new(move || roofline_case_glif3_f64(&q))
            },
            run: Box::new(move || roofline_case_glif3_f64(&g3_64)),
        },
        Case {
            name: "GLIF5/f64",
            symbol: "roofline_case_glif5_f64",
            lanes: allen::LANES,
            neuron_steps: allen_steps(g5_64.len()),
            silent: {
                let q = g5_64.silent();
                Box::new(move || roofline_case_glif5_f64(&q))
            },
            run: Box::new(move || roofline_case_glif5_f64(&g5_64)),
        },
        Case {
            name: "GLIF3/f32",
            symbol: "roofline_case_glif3_f32",
            lanes: allen::LANES,
            neuron_steps: allen_steps(g3_32.len()),
            silent: {
                let q = g3_32.silent();
                Box::new(move || roofline_case_glif3_f32(&q))
            },
            run: Box::new(move || roofline_case_glif3_f32(&g3_32)),
        },
        Case {
            name: "GLIF5/f32",
            symbol: "roofline_case_glif5_f32",
            lanes: allen::LANES,
            neuron_steps: allen_steps(g5_32.len()),
            silent: {
                let q = g5_32.silent();
                Box::new(move || roofline_case_glif5_f32(&q))
            },
            run: Box::new(move || roofline_case_glif5_f32(&g5_32)),
        },
    ];
    let trains = SpikeTrains::generate(NEST_NEURONS, NEST_STEPS);
    let steps = NEST_STEPS as usize;
    let (m, init) = nest::model();
    let psc = PopulationSetup::new(&m, &init, NEST_NEURONS);
    let psc_masks = psc.masks(&trains);
    let (m2, init2) = nest::double_alpha_model();
    let da = DoubleAlphaSetup::new(&m2, &init2, NEST_NEURONS);
    let da_masks = da.masks(&trains);
    let no_masks = vec![[0u64; 2]; psc_masks.len()];
    let (psc, da) = (std::rc::Rc::new(psc), std::rc::Rc::new(da));
    let (psc2, da2, no_masks2) = (psc.clone(), da.clone(), no_masks.clone());
    cases.push(Case {
        name: "glif_psc",
        symbol: "roofline_case_glif_psc",
        lanes: nest::LANES,
        neuron_steps: NEST_NEURONS * steps,
        run: Box::new(move || roofline_case_glif_psc(&psc, &psc_masks, steps)),
        silent: Box::new(move || roofline_case_glif_psc(&psc2, &no_masks, steps)),
    });
    cases.push(Case {
        name: "glif_psc_double_alpha",
        symbol: "roofline_case_glif_psc_double_alpha",
        lanes: nest::LANES,
        neuron_steps: NEST_NEURONS * steps,
        run: Box::new(move || roofline_case_glif_psc_double_alpha(&da, &da_masks, steps)),
        silent: Box::new(move || roofline_case_glif_psc_double_alpha(&da2, &no_masks2, steps)),
    });
    cases
}

fn total(spikes: Vec<usize>) -> usize {
    spikes.iter().sum()
}

/// GLIF3, f64.
#[inline(never)]
pub fn roofline_case_glif3_f64(p: &AllenPopulation<f64, Glif3Rules<f64, 2>>) -> usize {
    total(p.run())
}

/// GLIF5, f64.
#[inline(never)]
pub fn roofline_case_glif5_f64(p: &AllenPopulation<f64, Glif5Rules<f64, 2>>) -> usize {
    total(p.run())
}

/// GLIF3, f32.
#[inline(never)]
pub fn roofline_case_glif3_f32(p: &AllenPopulation<f32, Glif3Rules<f32, 2>>) -> usize {
    total(p.run())
}

/// GLIF5, f32.
#[inline(never)]
pub fn roofline_case_glif5_f32(p: &AllenPopulation<f32, Glif5Rules<f32, 2>>) -> usize {
    total(p.run())
}

/// NEST's `glif_psc` (GLIF5, two ports), f64.
#[inline(never)]
pub fn roofline_case_glif_psc(s: &PopulationSetup, masks: &[[u64; 2]], steps: usize) -> usize {
    s.run(masks, steps).len()
}

/// NEST's `glif_psc_double_alpha` (GLIF5, two ports), f64.
#[inline(never)]
pub fn roofline_case_glif_psc_double_alpha(
    s: &DoubleAlphaSetup,
    masks: &[[u64; 2]],
    steps: usize,
) -> usize {
    s.run(masks, steps).len()
}
