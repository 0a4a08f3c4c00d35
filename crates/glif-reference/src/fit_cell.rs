//! A synthetic cell for the fitting tests (glif-fit's end-to-end check
//! against AllenSDK, `glif fit` on the real binary): a leaky
//! integrate-and-fire membrane (R 150 MOhm, C 100 pF, El -70 mV) with two
//! after-spike currents (10 and 100 1/s) and a threshold raised by 4 mV
//! after each spike (decaying at 50 1/s), a 1.2 ms action-potential
//! waveform (to +30 mV and down to -66 mV) written at each spike, and
//! 0.1 mV of recording noise; driven by the Allen stimulus families.
//! Deterministic for a seed.

/// One recorded sweep of the cell.
#[derive(Clone, Debug)]
pub struct CellSweep {
    /// Sweep number.
    pub number: u32,
    /// Allen stimulus name.
    pub stimulus_name: &'static str,
    /// Stimulus amplitude, pA (as Allen sweep tables give it).
    pub amplitude_pa: f64,
    /// Injected current, A.
    pub current: Vec<f64>,
    /// Membrane voltage, V.
    pub voltage: Vec<f64>,
    /// Spikes the model fired.
    pub num_spikes: u64,
    /// Resting potential written to the table, mV.
    pub slow_vm_mv: f64,
}

/// Deterministic pseudo-random numbers (splitmix64), so the cells and the
/// fitting tests need no random-number crate and every run is the same.
pub struct Rng(pub u64);

impl Rng {
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately normal (sum of 12 uniforms minus 6).
    pub fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.next_f64()).sum::<f64>() - 6.0
    }
}

struct Model {
    rng: Rng,
    dt: f64,
}

impl Model {
    fn run(&mut self, current: &[f64]) -> (Vec<f64>, u64) {
        let (r, c, el, th0) = (1.5e8, 1e-10, -0.07, -0.05);
        let (mut v, mut th_spike, mut a1, mut a2) = (el, 0.0, 0.0, 0.0);
        let (d1, d2, dth) = (
            (-10.0 * self.dt).exp(),
            (-100.0 * self.dt).exp(),
            (-50.0 * self.dt).exp(),
        );
        let mut out = Vec::with_capacity(current.len());
        let mut spikes = 0;
        let mut waveform: Vec<f64> = Vec::new();
        for &i in current {
            if let Some(w) = waveform.pop() {
                out.push(w + 1e-4 * self.rng.normal());
                continue;
            }
            v += self.dt / c * (i - (v - el) / r + a1 + a2);
            a1 *= d1;
            a2 *= d2;
            th_spike *= dth;
            if v >= th0 + th_spike {
                spikes += 1;
                let (up, down) = ((4e-4 / self.dt) as usize, (8e-4 / self.dt) as usize);
                let start = v;
                let mut w: Vec<f64> = (0..up)
                    .map(|k| {
                        start
                            + (0.03 - start)
                                * (0.5 - 0.5 * (std::f64::consts::PI * k as f64 / up as f64).cos())
                    })
                    .chain((0..down).map(|k| 0.03 + (-0.066 - 0.03) * k as f64 / down as f64))
                    .collect();
                w.reverse();
                waveform = w;
                v = -0.066 + 0.2 * (start + 0.05);
                th_spike += 0.004;
                a1 -= 2e-11;
                a2 += 4e-11;
            }
            out.push(v + 1e-4 * self.rng.normal());
        }
        (out, spikes)
    }

    /// Noise current (A): Ornstein-Uhlenbeck (3 ms) around `mean`, none in
    /// the first and last 0.2 s (no spike near a sweep's ends), and a
    /// third of the mean and half the spread (subthreshold) before
    /// `quiet_secs`.
    fn noise(&mut self, secs: f64, quiet_secs: f64, mean: f64, sd: f64) -> Vec<f64> {
        let n = (secs / self.dt) as usize;
        let a = (-self.dt / 3e-3).exp();
        let mut x = 0.0;
        let quiet = (0.2 / self.dt) as usize;
        (0..n)
            .map(|k| {
                x = a * x + (1.0 - a * a).sqrt() * self.rng.normal();
                if k < quiet || k + quiet > n {
                    0.0
                } else if (k as f64) * self.dt < quiet_secs {
                    mean / 3.0 + sd / 2.0 * x
                } else {
                    mean + sd * x
                }
            })
            .collect()
    }

    fn pulses(&self, secs: f64, onsets: &[f64], width: f64, amp: f64) -> Vec<f64> {
        let n = (secs / self.dt) as usize;
        (0..n)
            .map(|k| {
                let t = k as f64 * self.dt;
                if onsets.iter().any(|&o| t >= o && t < o + width) {
                    amp
                } else {
                    0.0
                }
            })
            .collect()
    }
}

/// The cell's sweeps at `rate_hz`: Noise 1 (3 sweeps of `noise_secs`,
/// subthreshold before `subthreshold_secs`, as the Allen Noise 1 and 2
/// stimuli are before 8 s), Noise 2 (2), short squares of 300, 500, 800 and 1000 pA (3 ms at
/// 1.02 s), four short-square triples (1 nA, gaps 8-30 ms, from 2.02 s)
/// when `triple`, and long squares of 80 and 200 pA (1 s from 0.1 s).
pub fn synthetic_cell(
    seed: u64,
    rate_hz: f64,
    noise_secs: f64,
    subthreshold_secs: f64,
    triple: bool,
) -> Vec<CellSweep> {
    let mut m = Model {
        rng: Rng(seed),
        dt: 1.0 / rate_hz,
    };
    let mut plan: Vec<(&'static str, f64, Vec<f64>)> = Vec::new();
    for _ in 0..3 {
        plan.push((
            "Noise 1",
            120.0,
            m.noise(noise_secs, subthreshold_secs, 1.2e-10, 9e-11),
        ));
    }
    for _ in 0..2 {
        plan.push((
            "Noise 2",
            120.0,
            m.noise(noise_secs, subthreshold_secs, 1.2e-10, 9e-11),
        ));
    }
    for amp in [3e-10, 5e-10, 8e-10, 1e-9] {
        plan.push((
            "Short Square",
            amp * 1e12,
            m.pulses(1.2, &[1.02], 3e-3, amp),
        ));
    }
    if triple {
        for gap in [0.008, 0.012, 0.02, 0.03] {
            plan.push((
                "Short Square - Triple",
                1000.0,
                m.pulses(2.3, &[2.02, 2.02 + gap, 2.02 + 2.0 * gap], 3e-3, 1e-9),
            ));
        }
    }
    for amp in [8e-11, 2e-10] {
        plan.push(("Long Square", amp * 1e12, m.pulses(1.3, &[0.1], 1.0, amp)));
    }
    plan.into_iter()
        .enumerate()
        .map(|(k, (name, amp, current))| {
            let (voltage, num_spikes) = m.run(&current);
            let number = 11 + k as u32;
            CellSweep {
                number,
                stimulus_name: name,
                amplitude_pa: amp,
                current,
                voltage,
                num_spikes,
                slow_vm_mv: -70.0 + 0.01 * (number as f64 % 7.0),
            }
        })
        .collect()
}

/// The cell's `ephys_sweeps.json` (Allen keys, including the nested name
/// AllenSDK's fitting code reads).
pub fn sweep_table(sweeps: &[CellSweep]) -> serde_json::Value {
    serde_json::Value::Array(
        sweeps
            .iter()
            .map(|s| {
                serde_json::json!({"sweep_number": s.number, "stimulus_name": s.stimulus_name,
                    "ephys_stimulus": {"ephys_stimulus_type": {"name": s.stimulus_name}},
                    "stimulus_units": "Amps", "stimulus_amplitude": s.amplitude_pa,
                    "num_spikes": s.num_spikes, "slow_vm_mv": s.slow_vm_mv})
            })
            .collect(),
    )
}
