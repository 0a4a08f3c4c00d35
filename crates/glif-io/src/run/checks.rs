//! Sanity checks of a run before it starts: a stimulus whose magnitude looks
//! like picoamperes typed as amperes, a time step at which forward Euler
//! diverges (and the slip that likely gave it), a stimulus whose duration
//! looks wrong for its sampling interval, and the DC current range in which
//! a model spikes without a bad reset. Front ends print what these return;
//! the judgement lives here.
//!
//! Units are SI: amperes, volts, seconds.

use crate::base::{sci, Result};
use crate::model::AnyModel;
use crate::model::NeuronConfig;
use crate::model::RunEnd;
use crate::model::{AnyThreshold, AnyThresholdReset, AnyVoltageReset};
use crate::stimulus::Generator;
use crate::stimulus::{Source, CHUNK};

/// Above this magnitude (A) a stimulus looks like picoamperes typed as
/// amperes whatever the model: 10 nA is far above any current Allen's
/// patch-clamp protocols inject into a cortical neuron (they stay below
/// about 1 nA).
pub const MAX_PLAUSIBLE_CURRENT: f64 = 1e-8;

/// A stimulus whose magnitude exceeds this many times the model's rheobase
/// looks like picoamperes typed as amperes: the strongest Allen protocols
/// reach a few times rheobase.
pub const MAX_RHEOBASE_MULTIPLE: f64 = 100.0;

/// The smallest and largest sample (A) of a stimulus.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// The smallest sample (A).
    pub min: f64,
    /// The largest sample (A).
    pub max: f64,
}

impl Range {
    /// The range of `samples` (A); `None` when there are none.
    pub fn of(samples: &[f64]) -> Option<Range> {
        let (&first, rest) = samples.split_first()?;
        // Eight running minima and maxima, compare-and-select, so that the
        // loop vectorizes (a single running minimum is a chain the compiler
        // may not reorder): it runs on every chunk of a streamed stimulus.
        // Stimuli are finite (checked when read).
        let (mut min, mut max) = ([first; 8], [first; 8]);
        let lanes = rest.chunks_exact(8);
        for &x in lanes.remainder() {
            min[0] = if x < min[0] { x } else { min[0] };
            max[0] = if x > max[0] { x } else { max[0] };
        }
        for xs in lanes {
            for i in 0..8 {
                min[i] = if xs[i] < min[i] { xs[i] } else { min[i] };
                max[i] = if xs[i] > max[i] { xs[i] } else { max[i] };
            }
        }
        let fold = |a: [f64; 8], pick: fn(f64, f64) -> f64| a.into_iter().fold(a[0], pick);
        Some(Range {
            min: fold(min, f64::min),
            max: fold(max, f64::max),
        })
    }

    /// The range of every sample of `source`, read a chunk at a time
    /// (constant memory); `None` when it has none.
    pub fn of_source(source: &mut dyn Source) -> Result<Option<Range>> {
        let mut buf = vec![0.0; CHUNK.min(source.len()).max(1)];
        let mut r: Option<Range> = None;
        loop {
            let n = source.fill(&mut buf)?;
            if n == 0 {
                return Ok(r);
            }
            r = Range::union(r, Range::of(&buf[..n]));
        }
    }

    /// The range covering both (either may be `None`: no samples).
    pub fn union(a: Option<Range>, b: Option<Range>) -> Option<Range> {
        match (a, b) {
            (Some(a), Some(b)) => Some(Range {
                min: a.min.min(b.min),
                max: a.max.max(b.max),
            }),
            (a, None) => a,
            (None, b) => b,
        }
    }

    /// The largest magnitude (A).
    pub fn max_abs(&self) -> f64 {
        self.min.abs().max(self.max.abs())
    }

    /// `"-20 to 150 pA"`: the range in picoamperes, for summaries.
    pub fn in_pa(&self) -> String {
        format!("{} to {} pA", sci(self.min * 1e12), sci(self.max * 1e12))
    }
}

/// A [`Source`] that keeps the [`Range`] of the samples it hands out, so
/// that a run over a streamed stimulus computes the range in its one pass
/// over the samples (no first pass to read or generate them twice). After
/// every chunk it shows the range so far to `watch`, so a check on it (the
/// pA warning) can speak as soon as a sample trips it, not after a long run.
pub struct Ranging<'a> {
    source: &'a mut dyn Source,
    range: Option<Range>,
    watch: &'a mut dyn FnMut(&Range),
}

impl<'a> Ranging<'a> {
    /// Wraps `source`; `watch` gets the range of the samples handed out so
    /// far after every chunk.
    pub fn new(source: &'a mut dyn Source, watch: &'a mut dyn FnMut(&Range)) -> Self {
        Ranging {
            source,
            range: None,
            watch,
        }
    }

    /// The range of every sample of the source: the samples already handed
    /// out, and the rest read now (none after a run that went to the end;
    /// the rest of the stimulus after a run that stopped early, at a bad
    /// reset). `None` for a source of no samples.
    pub fn finish(&mut self) -> Result<Option<Range>> {
        let rest = Range::of_source(self.source)?;
        self.range = Range::union(self.range, rest);
        Ok(self.range)
    }
}

impl Source for Ranging<'_> {
    fn len(&self) -> usize {
        self.source.len()
    }

    fn fill(&mut self, buf: &mut [f64]) -> Result<usize> {
        let n = self.source.fill(buf)?;
        if let Some(r) = Range::of(&buf[..n]) {
            let r = Range::union(self.range, Some(r)).unwrap_or(r);
            self.range = Some(r);
            (self.watch)(&r);
        }
        Ok(n)
    }
}

/// The warning for a stimulus whose magnitude looks like picoamperes typed
/// as amperes: above [`MAX_PLAUSIBLE_CURRENT`], or above
/// [`MAX_RHEOBASE_MULTIPLE`] times the model's rheobase
/// ([`NeuronConfig::rheobase`]). `None` when it looks plausible.
pub fn pa_warning(range: &Range, config: Option<&NeuronConfig>) -> Option<String> {
    let peak = range.max_abs();
    let rheobase = config
        .and_then(|c| c.rheobase())
        .filter(|r| r.is_finite() && *r > 0.0);
    let beyond_model = rheobase.filter(|r| peak > MAX_RHEOBASE_MULTIPLE * r);
    if peak <= MAX_PLAUSIBLE_CURRENT && beyond_model.is_none() {
        return None;
    }
    let why = match beyond_model {
        Some(r) => format!(
            "{} x the model's rheobase of {} pA",
            sci(peak / r),
            sci(r * 1e12)
        ),
        None => format!("above {} A", sci(MAX_PLAUSIBLE_CURRENT)),
    };
    Some(format!(
        "the stimulus reaches {} A ({why}): this looks like pA; stimuli are in amperes \
         (150 pA is 1.5e-10 A)",
        sci(if range.max.abs() >= range.min.abs() {
            range.max
        } else {
            range.min
        })
    ))
}

/// The forward-Euler step ratio of `config` at time step `dt` (s):
/// `dt * G*coeffs.G / (C*coeffs.C)`; `None` for `linear_exact` dynamics.
pub fn euler_ratio_at(config: &NeuronConfig, dt: f64) -> Option<f64> {
    let mut at = config.clone();
    at.dt = dt;
    at.euler_step_ratio()
}

/// The refusal of a time step `dt` (s) at which forward Euler diverges
/// (step ratio >= 2, see [`NeuronConfig::euler_step_ratio`]), naming the
/// slip that likely gave it: a sampling rate in Hz typed as seconds (dt of
/// 100 or more: 1/dt is the step meant), or milliseconds typed as seconds
/// (dt of 1e-3 s or more: dt/1000); at a plausible sampling interval, the
/// config's membrane time constant is named instead. `None` when the step
/// is stable or the dynamics exact.
pub fn unstable_dt(config: &NeuronConfig, dt: f64) -> Option<String> {
    let ratio = euler_ratio_at(config, dt)?;
    if ratio.is_nan() || ratio < 2.0 {
        return None;
    }
    let tau = config.capacitance() / config.conductance();
    let slip = dt_slip(dt).unwrap_or_else(|| {
        "none in dt, which is a plausible sampling interval: the config's membrane time \
         constant is implausibly short (check R_input, C and coeffs)"
            .to_string()
    });
    Some(format!(
        "dt = {} s is {} x the effective membrane time constant ({} s): forward Euler diverges \
         at this step and the results would be meaningless. Likely slip: {slip} (Allen stimuli \
         are sampled at 200 kHz, dt = 5e-6 s)",
        sci(dt),
        sci(ratio),
        sci(tau)
    ))
}

/// The unit slip a time step `dt` (s) suggests, whatever the model: 100 s
/// or more looks like a sampling rate in Hz (1/dt meant), 1 ms or more like
/// milliseconds (dt/1000 meant). `None` for a plausible sampling interval.
pub fn dt_slip(dt: f64) -> Option<String> {
    if dt >= 100.0 {
        Some(format!(
            "a sampling rate in Hz typed as seconds? {} Hz is dt = {} s",
            sci(dt),
            sci(1.0 / dt)
        ))
    } else if dt >= 1e-3 {
        Some(format!(
            "milliseconds typed as seconds? {} ms is dt = {} s",
            sci(dt),
            sci(dt * 1e-3)
        ))
    } else {
        None
    }
}

/// A warning for a stimulus of `samples` samples at `dt` (s) whose duration
/// looks wrong for its sampling interval: shorter than 1 ms (a stimulus
/// written at 5 µs but run at a step 1000 x too small ends up this short),
/// or longer than a day (dt in the wrong unit the other way).
pub fn duration_warning(samples: usize, dt: f64) -> Option<String> {
    let duration = samples as f64 * dt;
    let problem = if duration < 1e-3 {
        "shorter than 1 ms"
    } else if duration > 86_400.0 {
        "longer than a day"
    } else {
        return None;
    };
    Some(format!(
        "{samples} samples at dt = {} s last {} s, {problem}: is dt the stimulus's sampling \
         interval, in seconds?",
        sci(dt),
        sci(duration)
    ))
}

/// The bad-reset risk a config's voltage reset rule implies, from its
/// parameters alone: with `v_before`, a spike at the threshold `θ` resets
/// the voltage to `a*θ + b` (AllenSDK's `reset_voltage_v_before`); when that is above the threshold
/// after the reset, AllenSDK's run stops with a bad reset. Evaluated at the
/// resting threshold `th_inf*coeffs.th_inf` plus the spike component's jump
/// `a_spike` (the threshold right after a first spike). `None` when the rule
/// cannot give one at that threshold.
pub fn reset_risk(config: &NeuronConfig) -> Option<String> {
    let AnyVoltageReset::VBefore(p) = config.methods.voltage_reset else {
        return None;
    };
    let (a, b) = (p.a, p.b);
    let theta = config.threshold_at_rest();
    let jump = match (config.methods.threshold, config.methods.threshold_reset) {
        (AnyThreshold::Inf(_), _) | (_, AnyThresholdReset::Inf(_)) => 0.0,
        (_, AnyThresholdReset::ThreeComponents(r)) => r.a_spike,
    };
    let v_reset = a * theta + b;
    let th_after = theta + jump;
    (v_reset > th_after).then(|| {
        format!(
            "voltage_reset_method v_before (a = {}, b = {} V) resets a spike at the resting \
             threshold {} V to {} V, above the threshold after the reset ({} V): the run \
             stops with a bad reset at the first spike that starts from rest; with a > 1 \
             a higher threshold at the spike (strong or fast input) makes it worse",
            sci(a),
            sci(b),
            sci(theta),
            sci(v_reset),
            sci(th_after)
        )
    })
}

/// What a DC scan found: for each amplitude (A), how a run of a square step
/// of it ended.
#[derive(Clone, Debug, PartialEq)]
pub struct DcScan {
    /// The amplitudes tried (A), ascending.
    pub amplitudes: Vec<f64>,
    /// Per amplitude: the number of spikes and whether the run ended in a
    /// bad reset (or failed).
    pub outcomes: Vec<(usize, bool)>,
}

impl DcScan {
    /// The smallest and largest amplitude (A) at which the model spiked
    /// without a bad reset, and every amplitude between them did too: the
    /// first contiguous clean firing range from below. `None` when no
    /// amplitude gives one.
    pub fn clean_range(&self) -> Option<(f64, f64)> {
        let first = self.outcomes.iter().position(|&(n, bad)| n > 0 && !bad)?;
        let mut last = first;
        while last + 1 < self.outcomes.len() {
            let (n, bad) = self.outcomes[last + 1];
            if n == 0 || bad {
                break;
            }
            last += 1;
        }
        Some((self.amplitudes[first], self.amplitudes[last]))
    }

    /// The smallest amplitude (A) whose run ended in a bad reset.
    pub fn first_bad_reset(&self) -> Option<f64> {
        self.outcomes
            .iter()
            .position(|&(_, bad)| bad)
            .map(|i| self.amplitudes[i])
    }
}

/// Runs `config` (at its own `dt`, in `f64`) on square steps of `duration`
/// seconds of each amplitude in `amplitudes` (A), spikes only, and reports
/// how each run ended: the honest answer to "in which DC range does this
/// model fire without a bad reset", which the reset rule alone cannot give.
pub fn dc_scan(config: &NeuronConfig, amplitudes: &[f64], duration: f64) -> Result<DcScan> {
    let model = AnyModel::<f64>::new(config)?;
    let mut outcomes = Vec::with_capacity(amplitudes.len());
    for &amp in amplitudes {
        let mut gen = Generator::square(config.dt, duration, 0.0, duration, amp)?;
        let mut spikes = crate::model::SpikeTrain::default();
        let end = super::chunks::run_into(&model, &mut gen, &mut spikes, &mut |_| {})?;
        outcomes.push((spikes.spikes.len(), !matches!(end, RunEnd::COMPLETED)));
    }
    Ok(DcScan {
        amplitudes: amplitudes.to_vec(),
        outcomes,
    })
}

/// The length (s) of each square DC step [`dc_scan`] runs for `glif info`
/// and `glif_rs.info`: long enough for a model near rheobase to reach its
/// first spike (a few membrane time constants), short enough that the 100
/// steps of [`dc_grid`] take well under a second.
pub const DC_SCAN_SECONDS: f64 = 0.5;

/// The amplitudes [`dc_scan`] tries for `glif info`: 10 pA to 1 nA in steps
/// of 10 pA (the range of Allen's long-square protocols, and finer than
/// their 20 pA steps).
pub fn dc_grid() -> Vec<f64> {
    (1..=100).map(|i| f64::from(i) * 1e-11).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rel: &str) -> NeuronConfig {
        let path = format!(
            "{}/../../reference/configs/{rel}",
            env!("CARGO_MANIFEST_DIR")
        );
        NeuronConfig::from_path(path, None)
            .and_then(|c| c.with_dt(5e-6))
            .unwrap()
    }

    fn bundled() -> NeuronConfig {
        config("osb/566283540_neuron_config.json")
    }

    #[test]
    fn range_of_a_source_is_the_range_of_its_samples() {
        let g = Generator::square(5e-6, 0.5, 0.1, 0.2, -3e-10).unwrap();
        let mut streamed = g.clone();
        let samples = g.to_vec();
        let r = Range::of_source(&mut streamed).unwrap().unwrap();
        assert_eq!(Some(r), Range::of(&samples));
        assert_eq!((r.min, r.max), (-3e-10, 0.0));
        assert_eq!(r.in_pa(), "-300 to 0 pA");
        assert_eq!(Range::of(&[]), None);
    }

    #[test]
    fn range_of_is_the_smallest_and_largest_sample_at_every_length() {
        // Lengths around the eight lanes and their remainder, extremes at
        // every position.
        for len in 1..40 {
            for at in 0..len {
                let mut x: Vec<f64> = (0..len).map(|i| (i % 7) as f64 * 1e-11).collect();
                x[at] = -5e-10;
                x[len - 1 - at] = 7e-10;
                let naive = x
                    .iter()
                    .fold((x[0], x[0]), |(a, b), &v| (a.min(v), b.max(v)));
                let r = Range::of(&x).unwrap();
                assert_eq!((r.min, r.max), naive, "len {len}, at {at}");
            }
        }
    }

    #[test]
    fn ranging_keeps_the_range_of_what_it_hands_out_and_finish_reads_the_rest() {
        // 0.1 s of zero, then -300 pA: the step starts in the second chunk.
        let g = Generator::square(5e-6, 0.5, 0.1, 0.2, -3e-10).unwrap();
        let whole = Range::of(&g.clone().to_vec());
        let (mut a, mut seen) = (g.clone(), Vec::new());
        let mut watch = |r: &Range| seen.push(*r);
        let mut ranging = Ranging::new(&mut a, &mut watch);
        let mut buf = vec![0.0; CHUNK];
        // One chunk only, as a run stopped early by a bad reset.
        assert_eq!(ranging.fill(&mut buf).unwrap(), CHUNK);
        assert_eq!(ranging.range, Some(Range { min: 0.0, max: 0.0 }));
        assert_eq!(ranging.finish().unwrap(), whole);
        // The rest went through `finish`, not `fill`: one range watched.
        assert_eq!(seen, [Range { min: 0.0, max: 0.0 }]);

        // Read to the end: the watched ranges grow to the whole range, and
        // `finish` reads nothing more.
        let (mut b, mut seen) = (g.clone(), Vec::new());
        let mut watch = |r: &Range| seen.push(*r);
        let mut ranging = Ranging::new(&mut b, &mut watch);
        let mut chunks = 0;
        while ranging.fill(&mut buf).unwrap() > 0 {
            chunks += 1;
        }
        assert_eq!(ranging.finish().unwrap(), whole);
        assert_eq!(seen.len(), chunks);
        assert_eq!(seen.last().copied(), whole);
        assert_eq!(
            seen[1],
            Range {
                min: -3e-10,
                max: 0.0
            }
        );
    }

    #[test]
    fn pa_warning_flags_picoamperes_typed_as_amperes_only() {
        let c = bundled();
        let amps = Range {
            min: 0.0,
            max: 1.5e-10,
        };
        assert_eq!(pa_warning(&amps, Some(&c)), None);
        let pa = Range {
            min: 0.0,
            max: 150.0,
        };
        let w = pa_warning(&pa, Some(&c)).unwrap();
        assert!(
            w.contains("this looks like pA; stimuli are in amperes"),
            "{w}"
        );
        assert!(w.contains("rheobase"), "{w}");
        // Without a model: the absolute bound alone.
        assert!(pa_warning(
            &Range {
                min: -2e-8,
                max: 0.0
            },
            None
        )
        .is_some());
        assert_eq!(
            pa_warning(
                &Range {
                    min: -5e-9,
                    max: 0.0
                },
                None
            ),
            None
        );
        // 40 x the rheobase (112 pA) is strong but plausible; 200 x is not.
        let r = c.rheobase().unwrap();
        assert_eq!(
            pa_warning(
                &Range {
                    min: 0.0,
                    max: 40.0 * r
                },
                Some(&c)
            ),
            None
        );
        assert!(pa_warning(
            &Range {
                min: 0.0,
                max: 200.0 * r
            },
            Some(&c)
        )
        .is_some());
    }

    #[test]
    fn unstable_dt_names_the_likely_slip() {
        let c = bundled();
        assert_eq!(unstable_dt(&c, 5e-6), None);
        // 0.02 s overshoots (ratio 1.1) but does not diverge: not refused.
        assert_eq!(unstable_dt(&c, 0.02), None);
        let hz = unstable_dt(&c, 2e5).unwrap();
        assert!(
            hz.contains("Hz typed as seconds") && hz.contains("5e-6 s"),
            "{hz}"
        );
        let ms = unstable_dt(&c, 0.05).unwrap();
        assert!(
            ms.contains("milliseconds typed as seconds") && ms.contains("5e-5 s"),
            "{ms}"
        );
        assert!((euler_ratio_at(&c, 0.05).unwrap() - 2.837).abs() < 1e-3);
    }

    #[test]
    fn duration_warning_for_implausible_lengths() {
        assert!(duration_warning(100, 5e-6)
            .unwrap()
            .contains("shorter than 1 ms"));
        assert_eq!(duration_warning(200_000, 5e-6), None);
        assert!(duration_warning(1000, 2e5)
            .unwrap()
            .contains("longer than a day"));
    }

    #[test]
    fn reset_risk_and_dc_scan_of_a_v_before_model_with_a_above_one() {
        let human = config("teeter/520454345_human_GLIF5_neuron_config.json");
        let risk = reset_risk(&human).unwrap();
        assert!(risk.contains("a = 2.703"), "{risk}");
        assert_eq!(reset_risk(&bundled()), None);
        let grid = [1e-10, 3e-10, 5e-10];
        let scan = dc_scan(&human, &grid, 0.2).unwrap();
        assert!(scan.first_bad_reset().is_some(), "{scan:?}");
        let scan = dc_scan(&bundled(), &grid, 0.2).unwrap();
        assert_eq!(scan.first_bad_reset(), None);
        // 100 pA is below its rheobase (112 pA): the clean range starts at 300.
        assert_eq!(scan.clean_range(), Some((3e-10, 5e-10)));
    }

    #[test]
    fn clean_range_is_the_first_contiguous_clean_firing_run() {
        let scan = DcScan {
            amplitudes: vec![1.0, 2.0, 3.0, 4.0, 5.0],
            outcomes: vec![(0, false), (2, false), (5, false), (1, true), (9, false)],
        };
        assert_eq!(scan.clean_range(), Some((2.0, 3.0)));
        assert_eq!(scan.first_bad_reset(), Some(4.0));
    }
}
