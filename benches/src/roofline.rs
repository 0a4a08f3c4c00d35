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
//!   timing as in `cargo xtask compare-nest`;
//! - `glif_psc one neuron`: one `glif_psc` neuron through the single-neuron
//!   model, as `compare-nest`'s one-neuron row ([`nest::run_single`], 100,000
//!   steps of the same input): one lane, a scalar loop, so what bounds it
//!   is the step's loop-carried latency chain, not throughput.
//!
//! Each also runs `silent` (no input: no neuron leaves rest, so only the
//! step loop runs, never the spike path), through the same function: the
//! difference between the two is what spikes, spike cuts and resets cost.

use glif_core::levels::{Glif3Rules, Glif5Rules};

use crate::allen::{self, AllenPopulation, LANES};
use glif_core::nest::{GlifPsc, PscState};

use crate::nest::{self, DoubleAlphaSetup, PopulationSetup, SpikeTrains, ASC, PORTS};

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

/// Steps of the one-neuron case (as `compare-nest`'s one-neuron row).
pub const ONE_NEURON_STEPS: u32 = 100_000;

/// Every case, set up (models built, input prepared).
pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    allen_case!(
        cases,
        "GLIF3/f64",
        glif3_lanes,
        f64,
        allen::LANES,
        roofline_case_glif3_f64
    );
    allen_case!(
        cases,
        "GLIF5/f64",
        glif5_lanes,
        f64,
        allen::LANES,
        roofline_case_glif5_f64
    );
    allen_case!(
        cases,
        "GLIF3/f32",
        glif3_lanes,
        f32,
        allen::LANES,
        roofline_case_glif3_f32
    );
    allen_case!(
        cases,
        "GLIF5/f32",
        glif5_lanes,
        f32,
        allen::LANES,
        roofline_case_glif5_f32
    );
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
    let one = SpikeTrains::generate(1, ONE_NEURON_STEPS);
    let none = SpikeTrains {
        offsets: [vec![0, 0], vec![0, 0]],
        arrivals: [Vec::new(), Vec::new()],
        ..one.clone()
    };
    let (m1, init1) = (m, init);
    cases.push(Case {
        name: "glif_psc one neuron",
        symbol: "roofline_case_glif_psc_one_neuron",
        lanes: 1,
        neuron_steps: ONE_NEURON_STEPS as usize,
        run: Box::new(move || roofline_case_glif_psc_one_neuron(&m, &init, &one)),
        silent: Box::new(move || roofline_case_glif_psc_one_neuron(&m1, &init1, &none)),
    });
    cases
}

fn total(spikes: Vec<usize>) -> usize {
    spikes.iter().sum()
}

/// One Allen case: `$name`, every Teeter model of the level (`$make`) in
/// `$f` with `$l` lanes per block, run through the never-inlined `$sym`.
macro_rules! allen_case {
    ($cases:ident, $name:expr, $make:ident, $f:ty, $l:expr, $sym:ident) => {{
        let p = allen::$make::<$f, { $l }>();
        let q = p.silent();
        $cases.push(Case {
            name: $name,
            symbol: stringify!($sym),
            lanes: $l,
            neuron_steps: p.len() * allen::STEPS,
            silent: Box::new(move || $sym(&q)),
            run: Box::new(move || $sym(&p)),
        });
    }};
}
use allen_case;

/// The never-inlined function of one Allen case.
macro_rules! allen_fn {
    ($($sym:ident: $rules:ident, $f:ty, $l:expr;)*) => {$(
        #[doc = concat!("`", stringify!($rules), "` in ", stringify!($f), ", ", stringify!($l), " lanes per block.")]
        #[inline(never)]
        pub fn $sym(p: &AllenPopulation<$f, $rules<$f, 2>, $l>) -> usize {
            total(p.run())
        }
    )*};
}

allen_fn! {
    roofline_case_glif3_f64: Glif3Rules, f64, LANES;
    roofline_case_glif5_f64: Glif5Rules, f64, LANES;
    roofline_case_glif3_f32: Glif3Rules, f32, LANES;
    roofline_case_glif5_f32: Glif5Rules, f32, LANES;
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

/// One `glif_psc` neuron (GLIF5, two ports), f64, through the single-neuron
/// model `GlifPsc::step` (as `compare-nest`'s one-neuron row).
#[inline(never)]
pub fn roofline_case_glif_psc_one_neuron(
    m: &GlifPsc<f64, PORTS, ASC>,
    init: &PscState<f64, PORTS, ASC>,
    trains: &SpikeTrains,
) -> usize {
    nest::run_single(m, init, trains).len()
}
