//! Instruction counts and memory layout, per GLIF level and precision.
//!
//! For every level (GLIF1..GLIF5 of cell 313861677) in f32 and f64, runs a
//! fresh neuron over the first `N` and then the first `2N` samples of a
//! subthreshold input held in RAM (60 pA plus the built-in ±20 pA noise),
//! each between the instruction-count markers; `cargo xtask firmware
//! --report` takes `(count(2N) - count(N)) / N` as the instructions per
//! neuron-step, which cancels the call and set-up overhead. Also prints
//! `size_of` of the state, parameters, model and neuron types on this target.
//!
//! NEST's `glif_psc` (`NEST_PSC_<F>`) is measured the same way over its
//! built-in spike and current input; its "neuron" is its state.
//!
//! Lines: `sizeof <case> state=<b> params=<b> model=<b> neuron=<b>` and
//! `bench <case> <samples>`, one per measured region, in region order.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::mem::size_of;

use cortex_m_rt::entry;
use glif_core::nest::{ExpProvider, GlifInit, GlifPsc, Libm, PscParams, PscState};
use glif_core::{Float, Model, Neuron, ParamError, Params, RuleSet, State};
use glif_firmware::{self as fw, cases};

fw::fault_handlers!();

/// Samples of the shorter measured run; the longer one has twice as many.
const N: usize = 400;
/// The same for NEST's `glif_psc` (its input is three values per step).
const N_NEST: usize = 200;

fn bench<F: Float, R: RuleSet<F, 2>>(
    name: &str,
    model: Result<Model<F, 2, R>, ParamError>,
    buf: &mut [F; 2 * N],
) {
    let Ok(model) = model else { model_error(name) };
    print_sizes(
        name,
        [
            size_of::<State<F, 2>>(),
            size_of::<Params<F, 2>>(),
            size_of::<Model<F, 2, R>>(),
            size_of::<Neuron<'_, F, 2, R>>(),
        ],
    );
    let bias = F::from_f64(60e-12);
    for (t, x) in buf.iter_mut().enumerate() {
        *x = cases::stimulus::<F>(t) + bias;
    }
    for n in [N, 2 * N] {
        print_region(name, n);
        let input = black_box(&buf[..n]);
        let mut neuron = model.neuron();
        fw::glif_mark_start();
        let r = neuron.run(input, &mut ());
        fw::glif_mark_end();
        black_box((r.is_ok(), neuron.state()));
    }
}

/// Prints `sizeof <case> state=<b> params=<b> model=<b> neuron=<b>`.
fn print_sizes(name: &str, [state, params, model, neuron]: [usize; 4]) {
    let mut out = fw::Out::new();
    out.str("sizeof ").str(name);
    for (label, size) in [
        (" state=", state),
        (" params=", params),
        (" model=", model),
        (" neuron=", neuron),
    ] {
        out.str(label).dec(size as u64);
    }
    out.nl();
}

/// Prints `bench <case> <samples>`, before the region it names.
fn print_region(name: &str, samples: usize) {
    fw::Out::new()
        .str("bench ")
        .str(name)
        .str(" ")
        .dec(samples as u64)
        .nl();
}

/// Prints `error <case>` and exits: the case's model could not be built.
fn model_error(name: &str) -> ! {
    fw::Out::new().str("error ").str(name).nl();
    fw::exit(fw::code::MODEL_ERROR)
}

/// NEST's `glif_psc` (GLIF5, two ports): the same regions, over the
/// built-in spike and current input (`cases::nest::nest_input`) held in RAM.
#[inline(never)]
fn bench_nest<F: Float>(name: &str)
where
    Libm: ExpProvider<F>,
{
    // Its own frame, popped before the next case (the Cortex-M0 has 16 KiB of RAM).
    let mut buf = [([F::ZERO; 2], F::ZERO); 2 * N_NEST];
    let Ok(model) = cases::nest::nest_psc::<F>() else {
        model_error(name)
    };
    print_sizes(
        name,
        [
            size_of::<PscState<F, 2, 2>>(),
            size_of::<PscParams<F, 2, 2>>(),
            size_of::<GlifPsc<F, 2, 2>>(),
            size_of::<PscState<F, 2, 2>>(),
        ],
    );
    for (k, x) in buf.iter_mut().enumerate() {
        *x = cases::nest::nest_input::<F>(k);
    }
    for n in [N_NEST, 2 * N_NEST] {
        print_region(name, n);
        let input = black_box(&buf[..n]);
        let mut s = model.state(&GlifInit::at(F::ZERO), F::ZERO);
        fw::glif_mark_start();
        let mut spikes = 0u32;
        for (w, i) in input {
            spikes += u32::from(model.step(&mut s, w, *i));
        }
        fw::glif_mark_end();
        black_box((spikes, s));
    }
}

#[inline(never)]
fn bench_allen_f32() {
    let mut b32 = [0.0f32; 2 * N];
    bench("GLIF1_f32", cases::glif1::<f32>(), &mut b32);
    bench("GLIF2_f32", cases::glif2::<f32>(), &mut b32);
    bench("GLIF3_f32", cases::glif3::<f32>(), &mut b32);
    bench("GLIF4_f32", cases::glif4::<f32>(), &mut b32);
    bench("GLIF5_f32", cases::glif5::<f32>(), &mut b32);
}

#[inline(never)]
fn bench_allen_f64() {
    let mut b64 = [0.0f64; 2 * N];
    bench("GLIF1_f64", cases::glif1::<f64>(), &mut b64);
    bench("GLIF2_f64", cases::glif2::<f64>(), &mut b64);
    bench("GLIF3_f64", cases::glif3::<f64>(), &mut b64);
    bench("GLIF4_f64", cases::glif4::<f64>(), &mut b64);
    bench("GLIF5_f64", cases::glif5::<f64>(), &mut b64);
}

#[entry]
fn main() -> ! {
    bench_allen_f32();
    bench_allen_f64();
    bench_nest::<f32>("NEST_PSC_f32");
    bench_nest::<f64>("NEST_PSC_f64");
    fw::println("end ok");
    fw::exit(fw::code::OK)
}
