//! One neuron advancing one sample at a time: the engine behind every run.

use crate::error::RunError;
use crate::float::Float;
use crate::model::{Model, RuleSet, State};
use crate::record::{interpolate_spike_time, interpolate_spike_value, Recorder, Spike};

/// How many samples AllenSDK fills with the reset values after a bad reset
/// before it stops.
pub const BAD_RESET_FILL: u32 = 5;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Outcome {
    /// Every sample was integrated.
    Completed,
    /// After the spike at `spike_step` the reset voltage was above the reset
    /// threshold. As AllenSDK does, the reset values were recorded at the
    /// sample after the cut and at the [`BAD_RESET_FILL`] samples after it,
    /// and the run stopped: samples from `stopped_at` on are NaN. AllenSDK
    /// raises nothing here; it only sets a flag.
    BadReset {
        /// The sample of the spike whose reset was bad.
        spike_step: usize,
        /// The first sample left NaN (may be past the end of the stimulus).
        stopped_at: usize,
    },
}

/// Where a neuron is in AllenSDK's loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Phase {
    /// Integrating: the next sample is computed from the state.
    Running,
    /// Inside a spike cut: `left` more samples until the one that shows the
    /// reset values; the input of those samples is never read.
    Cutting {
        /// Samples left, including the one that shows the reset values.
        left: u32,
        /// The reset was bad: stop after the fill.
        bad_reset: bool,
    },
    /// After a bad reset: `left` more samples show the reset values.
    Filling {
        /// Samples left to fill.
        left: u32,
    },
    /// After a bad reset: every further sample is NaN.
    Stopped,
    /// After a run error (set by the population engine, which carries on
    /// with the other neurons): every further sample is NaN.
    Failed,
}

/// What happened at one sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step<F> {
    /// The sample index.
    pub index: usize,
    /// The spike detected at this sample, if any.
    pub spike: Option<Spike<F>>,
    /// The sample is NaN (inside a spike cut, or after a bad-reset stop);
    /// otherwise it holds [`Neuron::state`].
    pub nan: bool,
}

/// A neuron running from a [`Model`]: its state, its sample index and where
/// it is in a spike cut. Steps one input sample at a time
/// ([`Neuron::step`]) or over a slice ([`Neuron::run`]); both give the same
/// results.
#[derive(Clone, Copy, Debug)]
pub struct Neuron<'m, F: Float, const N: usize, R: RuleSet<F, N>> {
    model: &'m Model<F, N, R>,
    state: State<F, N>,
    phase: Phase,
    index: usize,
    bad_reset_step: usize,
}

/// Running a [`Model`] (here rather than in `model.rs`, so the model does
/// not depend on the neuron that runs it).
impl<F: Float, const N: usize, R: RuleSet<F, N>> Model<F, N, R> {
    /// A neuron at the initial state, to be stepped one sample at a time.
    pub fn neuron(&self) -> Neuron<'_, F, N, R> {
        Neuron::new(self, self.initial_state())
    }

    /// Runs the whole stimulus `stimulus` (A per sample, one sample per `dt`)
    /// from the initial state, as AllenSDK's `GlifNeuron.run` does, and hands
    /// every sample and spike to `recorder`.
    ///
    /// Returns how the run ended; a bad reset is an [`Outcome`], not an
    /// error. Errors stop the run; what was recorded before stays recorded.
    pub fn run<Rec: Recorder<F, N>>(
        &self,
        stimulus: &[F],
        recorder: &mut Rec,
    ) -> Result<Outcome, RunError> {
        self.neuron().run(stimulus, recorder)
    }
}

impl<'m, F: Float, const N: usize, R: RuleSet<F, N>> Neuron<'m, F, N, R> {
    /// A neuron resumed from its parts: for engines that store neurons
    /// their own way (the population engine keeps them in lanes).
    pub fn from_parts(
        model: &'m Model<F, N, R>,
        state: State<F, N>,
        phase: Phase,
        index: usize,
        bad_reset_step: usize,
    ) -> Self {
        Neuron {
            model,
            state,
            phase,
            index,
            bad_reset_step,
        }
    }

    /// The sample of the last bad reset (meaningful once [`Neuron::outcome`]
    /// says [`Outcome::BadReset`]).
    pub const fn bad_reset_step(&self) -> usize {
        self.bad_reset_step
    }

    /// A neuron of `model` starting at `state`, at sample 0.
    pub fn new(model: &'m Model<F, N, R>, state: State<F, N>) -> Self {
        Neuron {
            model,
            state,
            phase: Phase::Running,
            index: 0,
            bad_reset_step: 0,
        }
    }

    /// The values after the last sample: what it recorded, or during a
    /// cut, the reset values the neuron will resume from.
    pub const fn state(&self) -> &State<F, N> {
        &self.state
    }

    /// The index of the next sample.
    pub const fn index(&self) -> usize {
        self.index
    }

    /// Where the neuron is in AllenSDK's loop.
    pub const fn phase(&self) -> Phase {
        self.phase
    }

    /// The model.
    pub const fn model(&self) -> &'m Model<F, N, R> {
        self.model
    }

    /// How the run has gone so far: [`Outcome::BadReset`] once a bad reset
    /// happened, [`Outcome::Completed`] otherwise.
    pub fn outcome(&self) -> Outcome {
        let bad = match self.phase {
            Phase::Running | Phase::Failed => false,
            Phase::Cutting { bad_reset, .. } => bad_reset,
            Phase::Filling { .. } | Phase::Stopped => true,
        };
        if bad {
            let cut = self.model.params().spike_cut_length() as usize;
            Outcome::BadReset {
                spike_step: self.bad_reset_step,
                stopped_at: self.bad_reset_step + cut + 1 + BAD_RESET_FILL as usize,
            }
        } else {
            Outcome::Completed
        }
    }

    /// Advances one sample with input current `input` (A) and says what
    /// happened. Inside a spike cut and after a bad-reset stop the input is
    /// not read, as in AllenSDK.
    pub fn step(&mut self, input: F) -> Result<Step<F>, RunError> {
        let mut probe = Probe {
            spike: None,
            nan: false,
        };
        let index = self.index;
        self.advance(input, &mut probe)?;
        Ok(Step {
            index,
            spike: probe.spike,
            nan: probe.nan,
        })
    }

    /// Runs the neuron over `stimulus` (A per sample), continuing from where
    /// it is, handing every sample and spike to `recorder`. See
    /// [`Model::run`].
    pub fn run<Rec: Recorder<F, N>>(
        &mut self,
        stimulus: &[F],
        recorder: &mut Rec,
    ) -> Result<Outcome, RunError> {
        self.run_iter(stimulus.iter().copied(), recorder)
    }

    /// Runs the neuron over a stimulus that arrives as an iterator (for
    /// streams that never sit in memory whole).
    ///
    /// Between spikes the state stays in local variables and each sample is
    /// only the dynamics and one comparison; a spike, a cut sample or a
    /// stopped run goes through [`Neuron::advance`], which computes exactly
    /// the same values.
    pub fn run_iter<I, Rec>(&mut self, stimulus: I, recorder: &mut Rec) -> Result<Outcome, RunError>
    where
        I: IntoIterator<Item = F>,
        Rec: Recorder<F, N>,
    {
        let mut inputs = stimulus.into_iter();
        loop {
            if self.phase != Phase::Running {
                match inputs.next() {
                    Some(input) => self.advance(input, recorder)?,
                    None => return Ok(self.outcome()),
                }
                continue;
            }
            let k = self.model.prepared();
            let mut s = self.state;
            let mut t = self.index;
            let crossing = loop {
                let Some(input) = inputs.next() else {
                    break None;
                };
                let s1 = k.dynamics(&s, input);
                // True for a spike and for NaN; `advance` tells them apart.
                #[allow(clippy::neg_cmp_op_on_partial_ord)]
                if !(s1.v <= s1.th) {
                    break Some(input);
                }
                s = s1;
                recorder.sample(t, s1.v, s1.th, &s1.asc);
                t += 1;
            };
            self.state = s;
            self.index = t;
            match crossing {
                Some(input) => self.advance(input, recorder)?,
                None => return Ok(self.outcome()),
            }
        }
    }

    /// One sample of AllenSDK's loop, recorded into `recorder`.
    #[inline(always)]
    pub fn advance<Rec: Recorder<F, N>>(
        &mut self,
        input: F,
        recorder: &mut Rec,
    ) -> Result<(), RunError> {
        let t = self.index;
        self.index = t + 1;
        match self.phase {
            Phase::Running => self.integrate(t, input, recorder),
            Phase::Cutting { left, bad_reset } => {
                if left <= 1 {
                    self.end_cut(t, bad_reset, recorder);
                } else {
                    self.phase = Phase::Cutting {
                        left: left - 1,
                        bad_reset,
                    };
                    record_nan(t, recorder);
                }
                Ok(())
            }
            Phase::Filling { left } => {
                self.record_state(t, recorder);
                self.phase = if left <= 1 {
                    Phase::Stopped
                } else {
                    Phase::Filling { left: left - 1 }
                };
                Ok(())
            }
            Phase::Stopped | Phase::Failed => {
                record_nan(t, recorder);
                Ok(())
            }
        }
    }

    #[inline(always)]
    fn record_state<Rec: Recorder<F, N>>(&self, t: usize, recorder: &mut Rec) {
        recorder.sample(t, self.state.v, self.state.th, &self.state.asc);
    }

    /// The sample that ends a spike cut (or the spike's own, with no cut):
    /// it shows the reset values; then the run goes on, or after a bad reset
    /// holds them for [`BAD_RESET_FILL`] samples.
    #[inline(always)]
    fn end_cut<Rec: Recorder<F, N>>(&mut self, t: usize, bad_reset: bool, recorder: &mut Rec) {
        self.record_state(t, recorder);
        self.phase = if bad_reset {
            Phase::Filling {
                left: BAD_RESET_FILL,
            }
        } else {
            Phase::Running
        };
    }

    /// Dynamics for sample `t`, then the spike test and reset.
    #[inline(always)]
    fn integrate<Rec: Recorder<F, N>>(
        &mut self,
        t: usize,
        input: F,
        recorder: &mut Rec,
    ) -> Result<(), RunError> {
        let k = self.model.prepared();
        let s0 = self.state;
        let s1 = k.dynamics(&s0, input);
        // `!(v1 <= th1)` is true for a spike and for NaN: one test on the hot path.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !(s1.v <= s1.th) {
            if s1.v > s1.th {
                return self.spike(t, &s0, &s1, recorder);
            }
            return Err(RunError::NonFinite { step: t });
        }
        self.state = s1;
        recorder.sample(t, s1.v, s1.th, &s1.asc);
        Ok(())
    }

    /// A spike at sample `t`: interpolate, reset, start the cut.
    #[cold]
    #[inline(never)]
    fn spike<Rec: Recorder<F, N>>(
        &mut self,
        t: usize,
        s0: &State<F, N>,
        s1: &State<F, N>,
        recorder: &mut Rec,
    ) -> Result<(), RunError> {
        let (v1, th1) = (s1.v, s1.th);
        let model = self.model;
        let k = model.prepared();
        let dt = model.params().dt();
        let (v0, th0) = (s0.v, s0.th);
        let grid_time = F::from_count(t) * dt;
        let time = interpolate_spike_time(dt, t as i64, th0, th1, v0, v1);
        let offset = time - F::from_step(t as i64 - 1) * dt;
        let spike = Spike {
            step: t,
            grid_time,
            time,
            voltage: interpolate_spike_value(dt, offset, v0, v1),
            threshold: interpolate_spike_value(dt, offset, th0, th1),
        };

        self.state = k
            .reset(s1)
            .map_err(|_| RunError::NonzeroAfterSpikeCurrents { step: t })?;
        let bad_reset = self.state.v > self.state.th;
        if bad_reset {
            self.bad_reset_step = t;
        }
        let cut = model.params().spike_cut_length();
        if cut == 0 {
            self.end_cut(t, bad_reset, recorder);
        } else {
            record_nan(t, recorder);
            self.phase = Phase::Cutting {
                left: cut,
                bad_reset,
            };
        }
        recorder.spike(&spike);
        Ok(())
    }
}

#[inline(always)]
fn record_nan<F: Float, const N: usize, Rec: Recorder<F, N>>(t: usize, recorder: &mut Rec) {
    recorder.nan_sample(t);
}

/// The recorder behind [`Neuron::step`]: remembers what one sample did.
struct Probe<F> {
    spike: Option<Spike<F>>,
    nan: bool,
}

impl<F: Float, const N: usize> Recorder<F, N> for Probe<F> {
    #[inline(always)]
    fn sample(&mut self, _: usize, _: F, _: F, _: &[F; N]) {
        self.nan = false;
    }
    #[inline(always)]
    fn nan_sample(&mut self, _: usize) {
        self.nan = true;
    }
    #[inline(always)]
    fn spike(&mut self, spike: &Spike<F>) {
        self.spike = Some(*spike);
    }
}
