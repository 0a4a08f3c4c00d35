//! The population engine: many neurons of one rule set (one compiled
//! model, per-neuron parameters), `L` at a time in [`Lanes`].
//!
//! Neurons are grouped in blocks of `L`. A block's state is stored
//! structure-of-arrays ([`Block`]: each field holds `L` lanes) and its
//! dynamics constants likewise ([`WideDynamics`]), so one step of a block is
//! the ordinary generic rule code applied to `Lanes<F, L>`, which the
//! compiler turns into SIMD instructions. Spikes, spike cuts and resets are
//! rare; a block in which any lane needs one hands those lanes to the
//! single-neuron engine ([`Neuron`]), so every neuron computes exactly what
//! it would compute alone, bit for bit.
//!
//! No heap: the caller owns the models, the wide constants and the blocks
//! (arrays, or `Vec`s on a host). The neuron count is a multiple of `L`;
//! pad with copies of a real model and ignore their outputs.
//!
//! [`Population::run`] advances each block through many samples before
//! moving to the next (the blocks are independent), so a block's state stays
//! in the first-level cache however large the population.

use crate::error::{ParamError, RunError};
use crate::float::Float;
use crate::lanes::Lanes;
use crate::model::{Model, RuleSet, State};
use crate::neuron::{Neuron, Outcome, Phase, BAD_RESET_FILL};
use crate::params::{Coeffs, ParamSpec, Params};
use crate::record::{Recorder, Spike};
use crate::rules::*;

/// A rule whose parameters can be gathered from `L` scalar rules into one
/// rule over [`Lanes`].
pub trait Widen<F: Float, const L: usize>: Sized {
    /// The same rule over `Lanes<F, L>`.
    type Wide;
    /// Lane `i` takes the parameters of `rules[i]`.
    fn widen(rules: &[&Self; L]) -> Self::Wide;
}

macro_rules! widen_unit {
    ($($t:ty),*) => {$(
        impl<F: Float, const L: usize> Widen<F, L> for $t {
            type Wide = $t;
            fn widen(_: &[&Self; L]) -> $t {
                <$t>::default()
            }
        }
    )*};
}

widen_unit!(
    LinearForwardEuler,
    LinearExact,
    ThresholdInf,
    AscExp,
    AscNone
);

fn gather<F: Float, T, const L: usize>(items: &[&T; L], f: impl Fn(&T) -> F) -> Lanes<F, L> {
    Lanes::from_fn(|i| f(items[i]))
}

impl<F: Float, const L: usize> Widen<F, L> for SpikeComponent<F> {
    type Wide = SpikeComponent<Lanes<F, L>>;
    fn widen(r: &[&Self; L]) -> Self::Wide {
        SpikeComponent {
            a_spike: gather(r, |x| x.a_spike),
            b_spike: gather(r, |x| x.b_spike),
            a_voltage: gather(r, |x| x.a_voltage),
            b_voltage: gather(r, |x| x.b_voltage),
        }
    }
}

impl<F: Float, const L: usize> Widen<F, L> for ThreeComponentsExact<F> {
    type Wide = ThreeComponentsExact<Lanes<F, L>>;
    fn widen(r: &[&Self; L]) -> Self::Wide {
        ThreeComponentsExact {
            a_spike: gather(r, |x| x.a_spike),
            b_spike: gather(r, |x| x.b_spike),
            a_voltage: gather(r, |x| x.a_voltage),
            b_voltage: gather(r, |x| x.b_voltage),
        }
    }
}

/// The rule set of a population: its three dynamics rules can be widened.
/// (Resets run on the single-neuron engine and need no wide form.)
pub trait PopulationRules<F: Float, const N: usize, const L: usize>: RuleSet<F, N> {
    /// Voltage dynamics over lanes.
    type WideVoltage: VoltageDynamics<Lanes<F, L>, N> + Copy + core::fmt::Debug;
    /// Threshold dynamics over lanes.
    type WideThreshold: ThresholdDynamics<Lanes<F, L>, N> + Copy + core::fmt::Debug;
    /// After-spike current dynamics over lanes.
    type WideAsc: AscDynamics<Lanes<F, L>, N> + Copy + core::fmt::Debug;
    /// The three dynamics rules of `L` rule sets, gathered into lanes.
    fn widen(rules: &[&Self; L]) -> (Self::WideVoltage, Self::WideThreshold, Self::WideAsc);
}

impl<F: Float, const N: usize, const L: usize, R> PopulationRules<F, N, L> for R
where
    R: RuleSet<F, N>,
    R::Voltage: Widen<F, L>,
    R::Threshold: Widen<F, L>,
    R::Asc: Widen<F, L>,
    <R::Voltage as Widen<F, L>>::Wide: VoltageDynamics<Lanes<F, L>, N> + Copy + core::fmt::Debug,
    <R::Threshold as Widen<F, L>>::Wide:
        ThresholdDynamics<Lanes<F, L>, N> + Copy + core::fmt::Debug,
    <R::Asc as Widen<F, L>>::Wide: AscDynamics<Lanes<F, L>, N> + Copy + core::fmt::Debug,
{
    type WideVoltage = <R::Voltage as Widen<F, L>>::Wide;
    type WideThreshold = <R::Threshold as Widen<F, L>>::Wide;
    type WideAsc = <R::Asc as Widen<F, L>>::Wide;

    fn widen(rules: &[&Self; L]) -> (Self::WideVoltage, Self::WideThreshold, Self::WideAsc) {
        let r = |i: usize| rules[i].rules();
        (
            Widen::widen(&core::array::from_fn(|i| &r(i).voltage)),
            Widen::widen(&core::array::from_fn(|i| &r(i).threshold)),
            Widen::widen(&core::array::from_fn(|i| &r(i).asc)),
        )
    }
}

/// The dynamics constants of `L` neurons, one lane each.
#[derive(Clone, Copy, Debug)]
pub struct WideDynamics<F: Float, const N: usize, const L: usize, R: PopulationRules<F, N, L>> {
    voltage: <R::WideVoltage as Rule<Lanes<F, L>, N>>::Prepared,
    threshold: <R::WideThreshold as Rule<Lanes<F, L>, N>>::Prepared,
    asc: <R::WideAsc as Rule<Lanes<F, L>, N>>::Prepared,
}

impl<F: Float, const N: usize, const L: usize, R: PopulationRules<F, N, L>>
    WideDynamics<F, N, L, R>
{
    /// One sample of `L` neurons' dynamics, as [`crate::Prepared::dynamics`].
    #[inline(always)]
    fn dynamics(&self, s0: &State<Lanes<F, L>, N>, input: Lanes<F, L>) -> State<Lanes<F, L>, N> {
        crate::model::dynamics::<Lanes<F, L>, N, R::WideVoltage, R::WideThreshold, R::WideAsc>(
            &self.voltage,
            &self.threshold,
            &self.asc,
            s0,
            input,
        )
    }

    /// Gathers the dynamics constants of `models` (lane `i` = `models[i]`).
    ///
    /// The constants are recomputed lane by lane with `libm`'s `exp`, exactly
    /// as [`Model::new`] computes them; for models built with
    /// [`Model::with_exp`], use [`WideDynamics::with_exp`] with the same `exp`.
    pub fn new(models: &[&Model<F, N, R>; L]) -> Result<Self, ParamError> {
        Self::with_exp(models, &F::exp)
    }

    /// As [`WideDynamics::new`], with every exponential of the constants
    /// from `exp`, lane by lane: the constants of models built with
    /// [`Model::with_exp`] and this `exp`.
    pub fn with_exp(
        models: &[&Model<F, N, R>; L],
        exp: &dyn Fn(F) -> F,
    ) -> Result<Self, ParamError> {
        let spec = |i: usize| models[i].params().spec();
        let lanes = |f: &dyn Fn(&ParamSpec<F, N>) -> F| Lanes::from_fn(|i| f(spec(i)));
        let lanes_n = |f: &dyn Fn(&ParamSpec<F, N>, usize) -> F| -> [Lanes<F, L>; N] {
            core::array::from_fn(|j| Lanes::from_fn(|i| f(spec(i), j)))
        };
        let wide_spec = ParamSpec {
            el: lanes(&|s| s.el),
            dt: lanes(&|s| s.dt),
            r_input: lanes(&|s| s.r_input),
            c: lanes(&|s| s.c),
            asc_tau: lanes_n(&|s, j| s.asc_tau[j]),
            asc_amp: lanes_n(&|s, j| s.asc_amp[j]),
            // Dynamics never read the cut length; resets run on each lane's own model.
            spike_cut_length: 0,
            th_inf: lanes(&|s| s.th_inf),
            th_adapt: None,
            coeffs: Coeffs {
                th_inf: lanes(&|s| s.coeffs.th_inf),
                c: lanes(&|s| s.coeffs.c),
                g: lanes(&|s| s.coeffs.g),
                a: lanes(&|s| s.coeffs.a),
                b: lanes(&|s| s.coeffs.b),
                asc_amp: lanes_n(&|s, j| s.coeffs.asc_amp[j]),
            },
            init_voltage: lanes(&|s| s.init_voltage),
            init_threshold: lanes(&|s| s.init_threshold),
            init_asc: lanes_n(&|s, j| s.init_asc[j]),
        };
        let params = Params::new(wide_spec)?;
        let rules: [&R; L] = core::array::from_fn(|i| models[i].rules());
        let (voltage, threshold, asc) = R::widen(&rules);
        let exp = |x: Lanes<F, L>| Lanes(x.0.map(exp));
        Ok(WideDynamics {
            voltage: voltage.prepare(&params, &exp)?,
            threshold: threshold.prepare(&params, &exp)?,
            asc: asc.prepare(&params, &exp)?,
        })
    }
}

/// The running state of `L` neurons: their values in lanes, and where each
/// is in AllenSDK's loop.
#[derive(Clone, Copy, Debug)]
pub struct Block<F: Float, const N: usize, const L: usize> {
    state: State<Lanes<F, L>, N>,
    phase: [Phase; L],
    bad_reset_step: [usize; L],
    /// Lanes not in [`Phase::Running`]: while 0 the whole block takes the fast path.
    busy: u32,
}

impl<F: Float, const N: usize, const L: usize> Block<F, N, L> {
    /// `L` neurons at their models' initial states.
    pub fn new<R: RuleSet<F, N>>(models: &[&Model<F, N, R>; L]) -> Self {
        let init: [State<F, N>; L] = core::array::from_fn(|i| models[i].initial_state());
        let mut block = Block {
            state: State {
                v: Lanes::ZERO,
                th: Lanes::ZERO,
                asc: [Lanes::ZERO; N],
                components: ThresholdComponents::default(),
            },
            phase: [Phase::Running; L],
            bad_reset_step: [0; L],
            busy: 0,
        };
        for (lane, s) in init.iter().enumerate() {
            block.set_lane(lane, s);
        }
        block
    }

    /// The state of lane `lane`.
    pub fn lane(&self, lane: usize) -> State<F, N> {
        lane_of(&self.state, lane)
    }

    fn set_lane(&mut self, lane: usize, x: &State<F, N>) {
        let s = &mut self.state;
        s.v.0[lane] = x.v;
        s.th.0[lane] = x.th;
        for j in 0..N {
            s.asc[j].0[lane] = x.asc[j];
        }
        s.components.spike.0[lane] = x.components.spike;
        s.components.voltage.0[lane] = x.components.voltage;
    }

    /// Where lane `lane` is in AllenSDK's loop.
    pub fn phase(&self, lane: usize) -> Phase {
        self.phase[lane]
    }

    /// How lane `lane`'s run has gone: `None` after a run error (reported to
    /// the recorder), else completed or bad reset.
    pub fn outcome(&self, lane: usize, spike_cut_length: u32) -> Option<Outcome> {
        match self.phase[lane] {
            Phase::Failed => None,
            Phase::Running => Some(Outcome::Completed),
            Phase::Cutting {
                bad_reset: false, ..
            } => Some(Outcome::Completed),
            Phase::Cutting {
                bad_reset: true, ..
            }
            | Phase::Filling { .. }
            | Phase::Stopped => {
                let step = self.bad_reset_step[lane];
                Some(Outcome::BadReset {
                    spike_step: step,
                    stopped_at: step + spike_cut_length as usize + 1 + BAD_RESET_FILL as usize,
                })
            }
        }
    }
}

/// Receives a population's outputs, per neuron (neuron `i` is lane
/// `i % L` of block `i / L`).
pub trait PopulationRecorder<F: Float, const N: usize> {
    /// Whether [`PopulationRecorder::sample`] wants to be called. A
    /// spikes-only recorder sets this to `false` and the engine skips the
    /// per-sample work entirely.
    const SAMPLES: bool;
    /// The values of neuron `neuron` at sample `index` (NaN inside a spike
    /// cut and after a bad-reset stop), as [`Recorder::sample`].
    fn sample(&mut self, neuron: usize, index: usize, v: F, th: F, asc: &[F; N]);
    /// A spike of neuron `neuron`.
    fn spike(&mut self, neuron: usize, spike: &Spike<F>);
    /// Neuron `neuron` stopped with an error; its later samples are NaN.
    fn error(&mut self, neuron: usize, error: RunError);
}

/// A neuron's view of a population recorder.
struct OneNeuron<'r, Rec> {
    rec: &'r mut Rec,
    neuron: usize,
}

impl<F: Float, const N: usize, Rec: PopulationRecorder<F, N>> Recorder<F, N>
    for OneNeuron<'_, Rec>
{
    #[inline(always)]
    fn sample(&mut self, index: usize, v: F, th: F, asc: &[F; N]) {
        if Rec::SAMPLES {
            self.rec.sample(self.neuron, index, v, th, asc);
        }
    }
    #[inline(always)]
    fn spike(&mut self, spike: &Spike<F>) {
        self.rec.spike(self.neuron, spike);
    }
}

/// The population was given arrays of mismatched lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthMismatch {
    /// `models.len()`.
    pub models: usize,
    /// `dynamics.len()`.
    pub dynamics: usize,
    /// `blocks.len()`.
    pub blocks: usize,
    /// Lanes per block.
    pub lanes: usize,
}

impl core::fmt::Display for LengthMismatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "population arrays do not fit: {} models, {} wide dynamics, {} blocks of {} lanes \
             (need models = blocks x lanes and one wide dynamics per block)",
            self.models, self.dynamics, self.blocks, self.lanes
        )
    }
}

impl core::error::Error for LengthMismatch {}

/// [`Population::step`] was given a number of inputs other than the number of neurons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputLength {
    /// `inputs.len()`.
    pub inputs: usize,
    /// Neurons in the population.
    pub neurons: usize,
}

impl core::fmt::Display for InputLength {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} inputs for a population of {} neurons (need one input per neuron)",
            self.inputs, self.neurons
        )
    }
}

impl core::error::Error for InputLength {}

/// Many neurons of one rule set, stepped `L` at a time. See the module docs.
#[derive(Debug)]
pub struct Population<'a, F: Float, const N: usize, const L: usize, R: PopulationRules<F, N, L>> {
    models: &'a [Model<F, N, R>],
    dynamics: &'a [WideDynamics<F, N, L, R>],
    blocks: &'a mut [Block<F, N, L>],
}

impl<'a, F: Float, const N: usize, const L: usize, R: PopulationRules<F, N, L>>
    Population<'a, F, N, L, R>
{
    /// A population over caller-owned arrays: `models` (one per neuron),
    /// `dynamics[b]` and `blocks[b]` built from `models[b*L .. b*L+L]`.
    pub fn new(
        models: &'a [Model<F, N, R>],
        dynamics: &'a [WideDynamics<F, N, L, R>],
        blocks: &'a mut [Block<F, N, L>],
    ) -> Result<Self, LengthMismatch> {
        if models.len() != blocks.len() * L || dynamics.len() != blocks.len() {
            return Err(LengthMismatch {
                models: models.len(),
                dynamics: dynamics.len(),
                blocks: blocks.len(),
                lanes: L,
            });
        }
        Ok(Population {
            models,
            dynamics,
            blocks,
        })
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// True when there are no neurons.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// The blocks (for each neuron's state, phase and outcome).
    pub fn blocks(&self) -> &[Block<F, N, L>] {
        self.blocks
    }

    /// Advances every neuron through samples `start .. start + steps`;
    /// `input(b, t)` gives block `b`'s inputs (A, one lane per neuron) at
    /// sample `t`. Each block runs through all the samples before the next
    /// block starts.
    pub fn run<I, Rec>(&mut self, start: usize, steps: usize, mut input: I, recorder: &mut Rec)
    where
        I: FnMut(usize, usize) -> Lanes<F, L>,
        Rec: PopulationRecorder<F, N>,
    {
        for (b, (block, k)) in self.blocks.iter_mut().zip(self.dynamics).enumerate() {
            let models = &self.models[b * L..b * L + L];
            run_block(
                block,
                k,
                models,
                b * L,
                start,
                start + steps,
                |t| input(b, t),
                recorder,
            );
        }
    }

    /// Advances every neuron by one sample `t`, neuron `i` with input
    /// `inputs[i]` (A). For populations driven sample by sample. `inputs`
    /// must hold one value per neuron ([`Population::len`]); otherwise
    /// nothing is advanced and the lengths are returned.
    pub fn step<Rec: PopulationRecorder<F, N>>(
        &mut self,
        t: usize,
        inputs: &[F],
        recorder: &mut Rec,
    ) -> Result<(), InputLength> {
        if inputs.len() != self.len() {
            return Err(InputLength {
                inputs: inputs.len(),
                neurons: self.len(),
            });
        }
        for (b, ((block, k), x)) in self
            .blocks
            .iter_mut()
            .zip(self.dynamics)
            .zip(inputs.chunks_exact(L))
            .enumerate()
        {
            let models = &self.models[b * L..b * L + L];
            let x = Lanes::from_fn(|l| x[l]);
            step_block(block, k, models, b * L, t, x, recorder);
        }
        Ok(())
    }
}

/// Samples `start..end` of one block. While no lane spikes or cuts, the
/// block's state stays in local variables (registers): the loop-carried
/// values never go through memory. A block with lanes inside a spike cut
/// goes through [`run_holding`].
#[allow(clippy::too_many_arguments)] // a private hot loop: the block's parts as separate borrows, inlined (roofline measures it)
#[inline(always)]
fn run_block<F, const N: usize, const L: usize, R, Rec>(
    block: &mut Block<F, N, L>,
    k: &WideDynamics<F, N, L, R>,
    models: &[Model<F, N, R>],
    first_neuron: usize,
    start: usize,
    end: usize,
    mut input: impl FnMut(usize) -> Lanes<F, L>,
    recorder: &mut Rec,
) where
    F: Float,
    R: PopulationRules<F, N, L>,
    Rec: PopulationRecorder<F, N>,
{
    let mut t = start;
    while t < end {
        if block.busy != 0 {
            t = run_holding(block, k, models, first_neuron, t, end, &mut input, recorder);
            continue;
        }
        let mut s = block.state;
        let crossing = loop {
            if t == end {
                break None;
            }
            let x = input(t);
            let s1 = k.dynamics(&s, x);
            let (v1, th1, asc1) = (s1.v, s1.th, s1.asc);
            let mut quiet = true;
            for l in 0..L {
                quiet &= v1.0[l] <= th1.0[l];
            }
            if !quiet {
                break Some(x);
            }
            s = s1;
            if Rec::SAMPLES {
                for l in 0..L {
                    let asc: [F; N] = core::array::from_fn(|j| asc1[j].0[l]);
                    recorder.sample(first_neuron + l, t, v1.0[l], th1.0[l], &asc);
                }
            }
            t += 1;
        };
        block.state = s;
        if let Some(x) = crossing {
            step_block(block, k, models, first_neuron, t, x, recorder);
            t += 1;
        }
    }
}

/// Samples from `t` of a block with some lane not running: while every
/// such lane is inside a spike cut (before its last sample) or stopped, the
/// running lanes integrate with the state in local variables and the others
/// hold their state (restored after the loop) and show NaN, exactly as
/// [`step_block`] gives them,
/// until a running lane crosses threshold or a cut reaches its last sample
/// (the reset); those samples, and lanes in any other phase, go through
/// [`step_block`]. Returns the next sample.
#[allow(clippy::too_many_arguments)] // a private hot loop: the block's parts as separate borrows, inlined (roofline measures it)
#[inline(never)]
fn run_holding<F, const N: usize, const L: usize, R, Rec>(
    block: &mut Block<F, N, L>,
    k: &WideDynamics<F, N, L, R>,
    models: &[Model<F, N, R>],
    first_neuron: usize,
    mut t: usize,
    end: usize,
    input: &mut impl FnMut(usize) -> Lanes<F, L>,
    recorder: &mut Rec,
) -> usize
where
    F: Float,
    R: PopulationRules<F, N, L>,
    Rec: PopulationRecorder<F, N>,
{
    // Which lanes hold, and for how many samples: a cut with `left`
    // samples shows `left - 1` NaN samples before its last one.
    let mut hold = [false; L];
    let mut room = end - t;
    for (h, phase) in hold.iter_mut().zip(&block.phase) {
        match *phase {
            Phase::Running => {}
            Phase::Cutting { left, .. } if left > 1 => {
                *h = true;
                room = room.min(left as usize - 1);
            }
            Phase::Stopped | Phase::Failed => *h = true,
            Phase::Cutting { .. } | Phase::Filling { .. } => {
                step_block(block, k, models, first_neuron, t, input(t), recorder);
                return t + 1;
            }
        }
    }
    let run: [bool; L] = core::array::from_fn(|l| !hold[l]);
    let (from, stop) = (t, t + room);
    // Every lane integrates, as in the step loop (the same vector code):
    // the held lanes' values are ignored by the quiet test, never
    // recorded, and replaced by their held state after the loop. Selecting
    // the held lanes' state on every sample instead made the compiler
    // build each lane's values apart (shuffles, some lanes in scalar
    // arithmetic: docs/PERFORMANCE.md). A held lane integrates as a running
    // lane that never fires would (its currents decay the same way), from
    // its held state on every call.
    let held = block.state;
    let mut s = held;
    let crossing = loop {
        if t == stop {
            break None;
        }
        let x = input(t);
        let s1 = k.dynamics(&s, x);
        let mut quiet = true;
        for ((v, th), h) in s1.v.0.iter().zip(&s1.th.0).zip(&hold) {
            quiet &= (v <= th) | *h;
        }
        if !quiet {
            break Some(x);
        }
        s = s1;
        if Rec::SAMPLES {
            for (l, h) in hold.iter().enumerate() {
                let neuron = first_neuron + l;
                if *h {
                    let rec = &mut *recorder;
                    OneNeuron { rec, neuron }.nan_sample(t);
                } else {
                    let lane = lane_of(&s1, l);
                    recorder.sample(neuron, t, lane.v, lane.th, &lane.asc);
                }
            }
        }
        t += 1;
    };
    block.state = blend(&run, &s, &held);
    // The held cuts advanced by the samples just taken.
    let done = (t - from) as u32;
    for phase in block.phase.iter_mut() {
        if let Phase::Cutting { left, bad_reset } = *phase {
            *phase = Phase::Cutting {
                left: left - done,
                bad_reset,
            };
        }
    }
    if let Some(x) = crossing {
        step_block(block, k, models, first_neuron, t, x, recorder);
        t += 1;
    }
    t
}

/// One sample of one block.
#[inline(always)]
fn step_block<F, const N: usize, const L: usize, R, Rec>(
    block: &mut Block<F, N, L>,
    k: &WideDynamics<F, N, L, R>,
    models: &[Model<F, N, R>],
    first_neuron: usize,
    t: usize,
    x: Lanes<F, L>,
    recorder: &mut Rec,
) where
    F: Float,
    R: PopulationRules<F, N, L>,
    Rec: PopulationRecorder<F, N>,
{
    let s1 = k.dynamics(&block.state, x);
    let (v1, th1, asc1) = (s1.v, s1.th, s1.asc);

    let mut quiet = block.busy == 0;
    if quiet {
        for l in 0..L {
            quiet &= v1.0[l] <= th1.0[l];
        }
    }
    if quiet {
        block.state = s1;
        if Rec::SAMPLES {
            for l in 0..L {
                let asc: [F; N] = core::array::from_fn(|j| asc1[j].0[l]);
                recorder.sample(first_neuron + l, t, v1.0[l], th1.0[l], &asc);
            }
        }
        return;
    }
    // Some lane spikes, is inside a cut or stopped. Lanes that integrate
    // normally take their new values in one blend; the others go through the
    // single-neuron engine from the state before this sample.
    let commit: [bool; L] =
        core::array::from_fn(|l| block.phase[l] == Phase::Running && v1.0[l] <= th1.0[l]);
    let before = block.state;
    block.state = blend(&commit, &s1, &before);
    let mut busy = 0;
    #[allow(clippy::needless_range_loop)] // `l` indexes lanes of several arrays at once
    for l in 0..L {
        let neuron_index = first_neuron + l;
        if commit[l] {
            if Rec::SAMPLES {
                let lane = lane_of(&s1, l);
                recorder.sample(neuron_index, t, lane.v, lane.th, &lane.asc);
            }
            continue;
        }
        busy += 1;
        let mut one = OneNeuron {
            rec: &mut *recorder,
            neuron: neuron_index,
        };
        match block.phase[l] {
            // Inside a cut the state does not change: count down, as
            // `Neuron::advance` does, without moving the lane out and back.
            Phase::Cutting { left, bad_reset } if left > 1 => {
                one.nan_sample(t);
                block.phase[l] = Phase::Cutting {
                    left: left - 1,
                    bad_reset,
                };
                continue;
            }
            Phase::Stopped | Phase::Failed => {
                one.nan_sample(t);
                continue;
            }
            _ => {}
        }
        let mut neuron = Neuron::from_parts(
            &models[l],
            lane_of(&before, l),
            block.phase[l],
            t,
            block.bad_reset_step[l],
        );
        match neuron.advance(x.0[l], &mut one) {
            Ok(()) => {
                block.set_lane(l, neuron.state());
                block.phase[l] = neuron.phase();
                block.bad_reset_step[l] = neuron.bad_reset_step();
            }
            Err(e) => {
                one.nan_sample(t);
                recorder.error(neuron_index, e);
                block.phase[l] = Phase::Failed;
            }
        }
        if block.phase[l] == Phase::Running {
            busy -= 1;
        }
    }
    block.busy = busy;
}

/// Lane by lane: `new` where `take` is set, else `old`.
#[inline(always)]
fn blend<F: Float, const N: usize, const L: usize>(
    take: &[bool; L],
    new: &State<Lanes<F, L>, N>,
    old: &State<Lanes<F, L>, N>,
) -> State<Lanes<F, L>, N> {
    let pick = |a: &Lanes<F, L>, b: &Lanes<F, L>| {
        Lanes::from_fn(|l| if take[l] { a.0[l] } else { b.0[l] })
    };
    // A loop, not `core::array::from_fn`: LLVM left that call out of line
    // (the lanes went through the stack on every sample of a spike cut).
    let mut asc = new.asc;
    for (a, o) in asc.iter_mut().zip(&old.asc) {
        *a = pick(a, o);
    }
    State {
        v: pick(&new.v, &old.v),
        th: pick(&new.th, &old.th),
        asc,
        components: ThresholdComponents {
            spike: pick(&new.components.spike, &old.components.spike),
            voltage: pick(&new.components.voltage, &old.components.voltage),
        },
    }
}

#[inline(always)]
fn lane_of<F: Float, const N: usize, const L: usize>(
    s: &State<Lanes<F, L>, N>,
    l: usize,
) -> State<F, N> {
    State {
        v: s.v.0[l],
        th: s.th.0[l],
        asc: core::array::from_fn(|j| s.asc[j].0[l]),
        components: ThresholdComponents {
            spike: s.components.spike.0[l],
            voltage: s.components.voltage.0[l],
        },
    }
}
