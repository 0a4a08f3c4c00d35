//! Forced-spike runs ([`crate::forced`]) re-scored for another `th_inf`
//! coefficient without re-running them: what AllenSDK's optimizer changes
//! between evaluations at one `dt_multiplier`.
//!
//! In a forced run nothing reads the threshold (the resets come at the
//! recorded spikes, the voltage and after-spike currents never see it), and
//! the coefficient enters each coarse threshold once, as `b + p` or `p`
//! with `p = th_inf x coeffs['th_inf']` (the first one is `init_threshold`
//! alone; [`crate::forced::ThParts`]). So one run per sweep gives the fine
//! voltage and, per interval, the coarse grid and each coarse threshold's
//! `b`; an evaluation then only forms the coarse thresholds from `p`,
//! interpolates them onto the fine grid (`numpy.interp`, the same function
//! as the run) and scores `threshold - voltage` with MLIN. Every operation
//! on a value is the run's, in the run's order, so the MLIN error is the
//! same bits as [`crate::forced::ForcedNeuron::run`] followed by
//! [`crate::mlin::mlin_list_error`]. Where the run would stop on a
//! non-finite coarse threshold, [`ThInfRuns::mlin`] returns `None` and the
//! caller runs the full forced runs (which report that error).

use crate::forced::{interp, ForcedNeuron, SegmentGrid};
use crate::mlin::{mean_of_sweeps, mlin_sweep_diff, MlinData};
use crate::FitError;

/// One sweep's coefficient-free part of a forced run.
struct Sweep {
    /// The model's voltage on the fitting grid (V; NaN in the spike cuts).
    voltage: Vec<f64>,
    /// Each interval's coarse grid and thresholds.
    segments: Vec<SegmentGrid>,
}

/// The coefficient-free part of one level's forced runs of every sweep at
/// one `dt_multiplier`, and the buffers an evaluation reuses.
pub(crate) struct ThInfRuns {
    sweeps: Vec<Sweep>,
    th_inf: f64,
    dt: f64,
    /// `threshold - voltage` of one sweep (V).
    diff: Vec<f64>,
    /// One interval's coarse thresholds (V).
    coarse: Vec<f64>,
}

impl ThInfRuns {
    /// Runs `neuron` (at its `dt_multiplier`; its `th_inf` coefficient is
    /// irrelevant) on each sweep's `stimuli` reset at `spikes`, with `exp`
    /// as [`ForcedNeuron::run`] takes it.
    pub(crate) fn new(
        neuron: &ForcedNeuron,
        stimuli: &[&[f32]],
        spikes: &[&[usize]],
        exp: &dyn Fn(f64) -> f64,
    ) -> Result<ThInfRuns, FitError> {
        let mut n = neuron.clone();
        // Any coefficient whose p is finite: 0 gives p = 0.
        n.coeff_th_inf = 0.0;
        let sweeps = stimuli
            .iter()
            .zip(spikes)
            .map(|(i, s)| {
                let (run, segments) = n.run_recording_grid(i, s, exp)?;
                Ok(Sweep {
                    voltage: run.voltage,
                    segments,
                })
            })
            .collect::<Result<Vec<_>, FitError>>()?;
        Ok(ThInfRuns {
            sweeps,
            th_inf: neuron.th_inf,
            dt: neuron.dt,
            diff: Vec::new(),
            coarse: Vec::new(),
        })
    }

    /// `MLIN_list_error` of the forced runs at `th_inf` coefficient
    /// `coeff` (`spikes` the recorded spikes the runs were made with);
    /// `None` when a coarse threshold the run checks is not finite.
    pub(crate) fn mlin(
        &mut self,
        coeff: f64,
        spikes: &[&[usize]],
        spike_cut_length: usize,
        data: MlinData,
    ) -> Option<Result<f64, FitError>> {
        let p = self.th_inf * coeff;
        let dt = self.dt;
        let mut per = Vec::with_capacity(self.sweeps.len());
        // The run checks every coarse threshold but the interval's last
        // before it scores anything: so does this, on every sweep first.
        for sw in &self.sweeps {
            for g in &sw.segments {
                let checked = &g.parts[..g.parts.len() - 1];
                if checked.iter().any(|t| !t.value(p).is_finite()) {
                    return None;
                }
            }
        }
        for (sw, s) in self.sweeps.iter().zip(spikes) {
            self.diff.clear();
            self.diff.resize(sw.voltage.len(), f64::NAN);
            for g in &sw.segments {
                self.coarse.clear();
                self.coarse.extend(g.parts.iter().map(|t| t.value(p)));
                let (t, y) = (&g.t_coarse, &self.coarse);
                let nc = t.len();
                let mut j = 0usize;
                // numpy.interp's slope on [t[j], t[j + 1]): the same
                // division for every fine step there, so made once.
                let mut slope = f64::NAN;
                let mut slope_at = usize::MAX;
                let v = &sw.voltage[g.start..g.start + g.len];
                let d = &mut self.diff[g.start..g.start + g.len];
                for (i, (d, &v)) in d.iter_mut().zip(v).enumerate() {
                    let x = i as f64 * dt;
                    while j + 1 < nc && t[j + 1] <= x {
                        j += 1;
                    }
                    let th = if j + 1 == nc || t[j] == x || x < t[0] || x > t[nc - 1] {
                        interp(t, y, 1, 0, j, x)
                    } else {
                        if slope_at != j {
                            slope = (y[j + 1] - y[j]) / (t[j + 1] - t[j]);
                            slope_at = j;
                        }
                        let r = slope * (x - t[j]) + y[j];
                        if r.is_nan() {
                            interp(t, y, 1, 0, j, x)
                        } else {
                            r
                        }
                    };
                    *d = th - v;
                }
            }
            match mlin_sweep_diff(s, &self.diff, spike_cut_length, dt, data) {
                Ok(e) => per.push(e),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(mean_of_sweeps(&per))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept runs are made and used for every level and multiplier (so
    /// tests/th_inf_error.rs, which compares `ThInfError` with fresh runs,
    /// compares this path, not the fallback), and refused only where the
    /// run refuses the threshold.
    #[test]
    fn every_level_keeps_its_runs_and_only_non_finite_thresholds_fall_back() {
        let stim: Vec<f32> = (0..20_000)
            .map(|i| (1e-10 * (1.0 + (i as f64 * 0.01).sin())) as f32)
            .collect();
        let spikes = [3_000usize, 9_000, 15_500];
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference/fit/adapting");
        for level in ["GLIF1", "GLIF2", "GLIF3", "GLIF4", "GLIF5"] {
            let read = |kind: &str| -> serde_json::Value {
                let p = dir.join(format!("{level}_{kind}_config.json"));
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
            };
            let mut n = ForcedNeuron::from_config(&read("neuron")).unwrap();
            let oc = &read("optimizer")["error_function_data"];
            let data = MlinData {
                sv: oc["sv_for_expsymm"].as_f64().unwrap(),
                tau_from_ac: oc["tau_from_AC"].as_f64().unwrap(),
            };
            for m in [100.0, 32.0, 10.0] {
                n.set_dt_multiplier(m).unwrap();
                let mut r = ThInfRuns::new(&n, &[&stim], &[&spikes], &f64::exp).unwrap();
                let e = r.mlin(0.9, &[&spikes], n.spike_cut_length, data);
                assert!(
                    matches!(e, Some(Ok(x)) if x.is_finite()),
                    "{level} x{m}: {e:?}"
                );
                let e = r.mlin(f64::INFINITY, &[&spikes], n.spike_cut_length, data);
                assert!(e.is_none(), "{level} x{m}: {e:?}");
            }
        }
    }
}
