#!/usr/bin/env python3
"""Synthetic cells for the GLIF fitting pipeline, in the Allen Cell Types layout.

Each cell is a single-compartment Hodgkin-Huxley neuron (Pospischil et al. 2008,
"Minimal Hodgkin-Huxley type models for different classes of cortical and
thalamic neurons", Biol. Cybern. 99:427: the Traub-Miles sodium and delayed-
rectifier potassium currents, the slow M-type potassium current I_M, a leak),
integrated here in numpy (exponential Euler at 25 us, rates from tables), optionally with slow sodium inactivation (a gate `s`
multiplying g_Na that closes during each action potential and recovers over tens
of ms, after Fleidervish et al. 1996 / Miles et al. 2005), which makes the
threshold rise after a spike. The model is not a GLIF: its action potentials
have real shapes (upstroke of a few hundred V/s to about +40 mV).

Each cell is driven by the Allen stimulus families at 40 kHz (the smallest rate
at which AllenSDK's 10 kHz Bessel filter is below Nyquist and the 50 us fitting
step is a whole number of samples): a test pulse, then Noise 1 and Noise 2 (a
frozen, seeded pink noise at 0.75, 1.0 and 1.5 x rheobase, three repeats each),
Short Square (3 ms), Short Square - Triple (three 3 ms pulses at six
intervals), Long Square (1 s) and a Ramp, and recorded with seeded white noise
(plus a drifting baseline and hum for the noisy-baseline cell) on a 2^-17 V
grid (about 7.6 uV, an amplifier's ADC step).

Writes, per cell, into OUT/<cell>/:
  cell.nwb              Allen NWB 1.x layout (/epochs/Sweep_<n>, /epochs/Experiment_<n>),
                        float32 SI values (V, A) with conversion 1.0, gzip + shuffle
  ephys_sweeps.json     the sweep table (Allen API keys `stimulus_name`, `num_spikes`,
                        `stimulus_amplitude` in pA, `slow_vm_mv`, and the nested
                        `ephys_stimulus.ephys_stimulus_type.name` the GLIF pipeline reads)
  cell_properties.json  `ri` (MOhm) and `tau` (ms) of the model's passive membrane
                        (what LIMS gives the pipeline as cell properties)
  truth.json            the model's parameters and what the generator measured
and OUT/SHA256SUMS with the SHA-256 of every file written.

Deterministic: same numpy (1.23.5) on the same CPU class gives the same bytes
(`--check` compares with reference/fit/cells.sha256).

    python scripts/fit/make_cells.py --out /tmp/glif-fit-cells            # all cells
    python scripts/fit/make_cells.py --out DIR --cells adapting --check   # one cell, verify hashes
"""

import argparse
import hashlib
import json
import os
import sys

# numpy 1.23.5 runs its own AVX-512 kernels (float64 exp, ...) on a CPU with
# AVX512F and the C library's path otherwise; the committed hashes
# (reference/fit/cells.sha256) were made on the C library's path, so that
# path is chosen here, before numpy is imported, on every CPU (the same
# switch as glif_reference::env::NUMPY_WITHOUT_AVX512; numpy refuses to
# switch off a feature the CPU lacks, hence the test).
try:
    with open("/proc/cpuinfo") as _fh:
        if "avx512f" in _fh.read().split():
            os.environ.setdefault(
                "NPY_DISABLE_CPU_FEATURES",
                "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL")
except OSError:
    pass

import h5py  # noqa: E402
import numpy as np  # noqa: E402

RATE = 40_000.0  # Hz, recorded sampling rate
SUBSTEPS = 1  # integration steps per recorded sample
DT_MS = 1e3 / RATE / SUBSTEPS  # integration step, ms (25 us)
V_LSB = 2.0 ** -17  # V, recording grid
I_LSB = 2.0 ** -44  # A, stimulus grid (about 0.057 pA)

TEST_PULSE = (0.02, 0.03, -20e-12)  # s, s, A: Allen sweeps open with a test pulse
EXPERIMENT_START = 0.5  # s: /epochs/Experiment_<n> starts here (after the test pulse)
STIM_START = 1.02  # s: AllenSDK's SHORT_SQUARES_WINDOW_START, LONG_SQUARES_START
TRIPLE_START = 2.02  # s: AllenSDK's SHORT_SQUARE_TRIPLE_WINDOW_START
NOISE_EPOCHS = ((1.02, 4.02, 0.75), (8.02, 9.52, 1.0), (10.02, 11.52, 1.5))  # s, s, x rheobase
# s. The pipeline reads Noise 1 up to 6 s for R and C (epoch 1 and rest) and refuses a cell with
# a Noise 1 spike before 8 s (configure_model: "subthreshold region ... contains spikes").
NOISE_LEN = 11.8
NOISE_CV = 0.3
SHORT_LEN = 1.5
TRIPLE_LEN = 2.5
LONG_LEN = 2.3
RAMP_LEN = 4.3
TRIPLE_GAPS = (0.0075, 0.010, 0.015, 0.020, 0.030, 0.050)  # s between pulse onsets

# Pospischil et al. 2008 (units: mV, ms, mS/cm^2, uF/cm^2, uA/cm^2).
BASE = dict(
    area_cm2=8e-5, c_m=1.0, g_na=56.0, g_k=6.0, g_m=0.075, g_l=0.0205, e_na=50.0, e_k=-90.0,
    e_l=-70.3, v_t=-56.2, tau_max=608.0,
    # slow Na inactivation: off unless g_slow_on
    slow_na=False, s_v_half=-40.0, s_k=4.0, s_tau_fast=6.0, s_tau_rec=60.0,
    # spike-triggered shift of the Na gates (a dynamic threshold): off unless theta_jump > 0
    theta_jump=0.0, theta_tau=25.0,
    # Ornstein-Uhlenbeck background current (channel and synaptic noise), pA and ms
    ou_sd_pa=4.0, ou_tau_ms=5.0,
)

CELLS = {
    # regular spiking, adapting (strong I_M); threshold rises after a spike
    "adapting": dict(seed=1101, params=dict(g_m=0.2, tau_max=300.0, theta_jump=6.0, theta_tau=25.0),
                     noise_sd=0.1e-3),
    # fast spiking: small fast membrane, strong delayed rectifier, no I_M; threshold rises
    "fastspiking": dict(seed=1102, params=dict(area_cm2=4e-5, g_na=50.0, g_k=10.0, g_m=0.0,
                                               g_l=0.1, e_l=-70.4, v_t=-57.9, theta_jump=6.0,
                                               theta_tau=15.0, ou_sd_pa=3.0), noise_sd=0.1e-3,
                        # its fast membrane follows the noise: at 0.75 x rheobase epoch 1 fires, and
                        # AllenSDK refuses a cell with Noise 1 spikes before 8 s
                        noise1_scale=(0.5, 1.0, 1.5), noise2_scale=(0.5, 1.0, 1.5)),
    # regular spiking without the short-square triple (GLIF1 and GLIF3 only)
    # (Noise 1 epoch 1 at 0.6 x rheobase: at 0.75 a peak of its frozen noise fired in every
    # repeat at 2.1 s, and AllenSDK refuses Noise 1 spikes before 8 s)
    "notriple": dict(seed=1103, params=dict(g_m=0.1, theta_jump=5.0), noise_sd=0.1e-3, triple=False,
                     noise1_scale=(0.6, 1.0, 1.5)),
    # barely fires on Noise 1 (its three epochs at 0.6, 0.75, 1.0 x rheobase)
    "sparse": dict(seed=1104, params=dict(g_m=0.1, theta_jump=5.0, theta_tau=40.0), noise_sd=0.1e-3,
                   noise1_scale=(0.6, 0.75, 1.0)),
    # noisy baseline (0.4 mV white noise, 60 Hz hum, slow drift); plain Traub sodium, whose
    # threshold is lower right after a spike (what NEST's hh_cond_exp_traub cells showed)
    "noisybaseline": dict(seed=1105, params=dict(g_m=0.075), noise_sd=0.4e-3, hum=0.15e-3,
                          drift=0.5e-3),
}


def vtrap(x, y):
    """x / (exp(x/y) - 1), continuous at x = 0."""
    small = np.abs(x / y) < 1e-6
    safe = np.where(small, 1.0, x)
    return np.where(small, y * (1.0 - x / y / 2.0), safe / np.expm1(safe / y))


VMIN, VMAX, DV = -150.0, 100.0, 0.002  # mV: the rate tables' voltage grid


def gate_tables(p):
    """Per-voltage steady states and one-step decay factors exp(-DT_MS/tau) of the gates
    m, h, n (Traub-Miles), p (I_M) and s (slow Na inactivation; held at 1 when off), on a
    grid of DV mV. Columns: (m_inf, m_dec, h_inf, h_dec, n_inf, n_dec, p_inf, p_dec, s_inf,
    s_dec). The model is integrated with the rates at the grid point nearest to V."""
    v = np.arange(VMIN, VMAX + DV / 2, DV)
    u = v - p["v_t"]
    am = 0.32 * vtrap(-(u - 13.0), 4.0)
    bm = 0.28 * vtrap(u - 40.0, 5.0)
    ah = 0.128 * np.exp(-(u - 17.0) / 18.0)
    bh = 4.0 / (1.0 + np.exp(-(u - 40.0) / 5.0))
    an = 0.032 * vtrap(-(u - 15.0), 5.0)
    bn = 0.5 * np.exp(-(u - 10.0) / 40.0)
    cols = []
    for a, b in ((am, bm), (ah, bh), (an, bn)):
        cols += [a / (a + b), np.exp(-DT_MS * (a + b))]
    pinf = 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))
    ptau = p["tau_max"] / (3.3 * np.exp((v + 35.0) / 20.0) + np.exp(-(v + 35.0) / 20.0))
    cols += [pinf, np.exp(-DT_MS / ptau)]
    if p["slow_na"]:
        sinf = 1.0 / (1.0 + np.exp((v - p["s_v_half"]) / p["s_k"]))
        stau = p["s_tau_rec"] - (p["s_tau_rec"] - p["s_tau_fast"]) / (1.0 + np.exp(-(v + 20.0) / 3.0))
        cols += [sinf, np.exp(-DT_MS / stau)]
    else:
        cols += [np.ones_like(v), np.zeros_like(v)]
    return np.ascontiguousarray(np.stack(cols, axis=1))


class HH:
    """Vectorised over lanes (one per sweep). V in mV; gates (m, h, n, p, s) as columns;
    theta (mV): the spike-triggered shift of the sodium gates' voltage dependence."""

    def __init__(self, p, lanes, tables):
        self.p = p
        self.tab = tables
        self.v = np.full(lanes, p["e_l"])
        self.g = np.zeros((lanes, 5))
        self.g[:, 1] = 1.0
        self.g[:, 4] = 1.0
        self.theta = np.zeros(lanes)
        self.theta_decay = np.exp(-DT_MS / p["theta_tau"])

    def index(self, v):
        return np.clip(((v - VMIN) * (1.0 / DV) + 0.5).astype(np.intp), 0, len(self.tab) - 1)

    def step(self, i_ua_cm2, dt):
        """One exponential-Euler step of dt ms (= DT_MS, the tables' step) with injected
        current density i (uA/cm^2): gates relax towards their steady state at V (m and h
        at V - theta), then V towards the steady state of the conductances at the new
        gates; theta decays and jumps by theta_jump at each upward crossing of 0 mV."""
        p = self.p
        t = self.tab[self.index(self.v)]
        if p["theta_jump"]:
            t[:, :4] = self.tab[self.index(self.v - self.theta), :4]
        inf = t[:, 0::2]
        self.g = inf + (self.g - inf) * t[:, 1::2]
        m, h, n, pm, s = self.g.T
        g_na = p["g_na"] * (m * m * m * h * s)
        g_k = p["g_k"] * (n * n) * (n * n) + p["g_m"] * pm
        g = g_na + g_k + p["g_l"]
        v_inf = (g_na * p["e_na"] + g_k * p["e_k"] + (p["g_l"] * p["e_l"] + i_ua_cm2)) / g
        v_new = v_inf + (self.v - v_inf) * np.exp(g * (-dt / p["c_m"]))
        if p["theta_jump"]:
            self.theta = self.theta * self.theta_decay + p["theta_jump"] * ((v_new > 0.0) & (self.v <= 0.0))
        self.v = v_new


def simulate(p, stim_a, rest_state=None, tables=None, noise_seed=None):
    """stim_a: (lanes, samples) in A at RATE. Returns V (lanes, samples) in V, sampled at the
    end of each sample's substeps, and the number of upward 0 mV crossings per lane. With
    noise_seed, an Ornstein-Uhlenbeck background current (sd p["ou_sd_pa"] pA, time constant
    p["ou_tau_ms"]) seeded by it is added, different in every lane."""
    from scipy.signal import lfilter
    lanes, samples = stim_a.shape
    hh = HH(p, lanes, gate_tables(p) if tables is None else tables)
    if rest_state is not None:
        hh.v = np.full(lanes, rest_state["v"])
        hh.g = np.tile(np.array(rest_state["gates"]), (lanes, 1))
    scale = 1e6 / p["area_cm2"]  # A -> uA/cm^2
    cur = (stim_a * scale).T
    if noise_seed is not None:
        a = np.exp(-DT_MS * SUBSTEPS / p["ou_tau_ms"])
        white = np.random.RandomState(noise_seed).standard_normal((samples, lanes))
        ou = lfilter([p["ou_sd_pa"] * 1e-12 * scale * np.sqrt(1.0 - a * a)], [1.0, -a], white, axis=0)
        cur = cur + ou
    cur = np.ascontiguousarray(cur)
    out = np.empty((samples, lanes))
    for j in range(samples):
        i = cur[j]
        for _ in range(SUBSTEPS):
            hh.step(i, DT_MS)
        out[j] = hh.v
    spikes = ((out[1:] > 0.0) & (out[:-1] <= 0.0)).sum(axis=0)
    return np.ascontiguousarray(out.T) * 1e-3, spikes


def rest_state(p):
    """State after 1.5 s without input (the resting state every sweep starts from)."""
    hh = HH(p, 1, gate_tables(p))
    zero = np.zeros(1)
    for _ in range(int(1500.0 / DT_MS)):
        hh.step(zero, DT_MS)
    return {"v": float(hh.v[0]), "gates": [float(x) for x in hh.g[0]]}


def times(length):
    return np.arange(int(round(length * RATE))) / RATE


def base_stim(length):
    t = times(length)
    s = np.zeros(t.size)
    s[(t >= TEST_PULSE[0]) & (t < TEST_PULSE[1])] = TEST_PULSE[2]
    return t, s


def square(length, start, dur, amp):
    t, s = base_stim(length)
    s[(t >= start) & (t < start + dur)] += amp
    return s


def pink(rng, n):
    """Unit-variance pink (1/f power) noise, 1-100 Hz, n samples at RATE."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / RATE)
    band = (f >= 1.0) & (f <= 100.0)
    spec[~band] = 0.0
    spec[band] /= np.sqrt(f[band])
    x = np.fft.irfft(spec, n)
    return x / x.std()


def noise_stim(rng_seed, rheo, scales):
    t, s = base_stim(NOISE_LEN)
    rng = np.random.RandomState(rng_seed)
    for (a, b, _), scale in zip(NOISE_EPOCHS, scales):
        idx = (t >= a) & (t < b)
        s[idx] += scale * rheo * (1.0 + NOISE_CV * pink(rng, int(idx.sum())))
    return s


def quantize(x, lsb):
    return (np.round(x / lsb) * lsb).astype(np.float32)


def first_firing(p, rest, amps, length, start, dur):
    """Smallest amplitude in `amps` (ascending) whose square fires, by simulating all at once."""
    stims = np.array([square(length, start, dur, a) for a in amps])
    _, spikes = simulate(p, stims, rest)
    fired = np.nonzero(spikes > 0)[0]
    if fired.size == 0:
        raise RuntimeError("no amplitude fired")
    return amps[fired[0]]


def grid(lo, hi, step):
    return np.arange(lo, hi + step / 2, step)


def make_cell(name, spec, out_dir):
    p = dict(BASE)
    p.update(spec["params"])
    rest = rest_state(p)
    c_farad = p["c_m"] * 1e-6 * p["area_cm2"]
    r_ohm = 1.0 / (p["g_l"] * 1e-3 * p["area_cm2"])

    # rheobase (1 s square) to 10 pA, then to 1 pA; short-square threshold (3 ms) to 10 pA
    coarse = first_firing(p, rest, grid(10e-12, 600e-12, 10e-12), 1.3, 0.1, 1.0)
    rheo = first_firing(p, rest, grid(coarse - 9e-12, coarse, 1e-12), 1.3, 0.1, 1.0)
    ssq_coarse = first_firing(p, rest, grid(100e-12, 6000e-12, 100e-12), 0.1, 0.02, 0.003)
    ssq_rheo = first_firing(p, rest, grid(ssq_coarse - 90e-12, ssq_coarse, 10e-12), 0.1, 0.02, 0.003)

    sweeps = []  # (number, name, amplitude A, stimulus A)
    n = 0

    def add(stim_name, amp, stim):
        nonlocal n
        n += 1
        sweeps.append((n, stim_name, amp, stim))

    test = np.zeros(int(round(0.5 * RATE)))
    add("Test", 0.0, base_stim(0.5)[1])
    for k in range(3):
        add("Noise 1", rheo, noise_stim(spec["seed"] * 10 + 1, rheo, spec.get("noise1_scale", (0.75, 1.0, 1.5))))
    for k in range(3):
        add("Noise 2", rheo, noise_stim(spec["seed"] * 10 + 2, rheo, spec.get("noise2_scale", (0.75, 1.0, 1.5))))
    for f in (0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2):
        a = np.round(ssq_rheo * f / 10e-12) * 10e-12
        add("Short Square", a, square(SHORT_LEN, STIM_START, 0.003, a))
    if spec.get("triple", True):
        a = np.round(ssq_rheo * 1.5 / 10e-12) * 10e-12
        for gap in TRIPLE_GAPS:
            t, s = base_stim(TRIPLE_LEN)
            for q in range(3):
                s[(t >= TRIPLE_START + q * gap) & (t < TRIPLE_START + q * gap + 0.003)] += a
            add("Short Square - Triple", a, s)
    for f in (-0.5, 0.25, 0.5, 0.75, 0.9, 1.0, 1.2, 1.5):
        a = np.round(rheo * f / 1e-12) * 1e-12
        if f == 1.0:
            a = rheo
        add("Long Square", a, square(LONG_LEN, STIM_START, 1.0, a))
    t, s = base_stim(RAMP_LEN)
    ramp = (t >= STIM_START) & (t < STIM_START + 3.0)
    s[ramp] += (t[ramp] - STIM_START) / 3.0 * 2.0 * rheo
    add("Ramp", 2.0 * rheo, s)

    # simulate: the noise sweeps together, the rest together (padded with zero current)
    volts = {}
    spikes = {}
    groups = [[sw for sw in sweeps if sw[1].startswith("Noise")],
              [sw for sw in sweeps if not sw[1].startswith("Noise")]]
    for gi, group in enumerate(groups):
        length = max(len(sw[3]) for sw in group)
        stims = np.zeros((len(group), length))
        for i, sw in enumerate(group):
            stims[i, :len(sw[3])] = quantize(sw[3], I_LSB)
        v, nsp = simulate(p, stims, rest, noise_seed=spec["seed"] * 10 + gi)
        for i, sw in enumerate(group):
            volts[sw[0]] = v[i, :len(sw[3])]
            spikes[sw[0]] = int(nsp[i])

    rng = np.random.RandomState(spec["seed"])
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "cell.nwb")
    table = []
    with h5py.File(path, "w", track_order=True) as f:
        f.create_dataset("nwb_version", data=np.bytes_("NWB-1.0.5"))
        f.create_group("general").create_dataset(
            "generated_by", data=np.array([b"pipeline", b"glif-rs scripts/fit/make_cells.py",
                                           b"version", b"1.1"], dtype="S64"))
        for g in ("acquisition", "stimulus", "analysis"):
            f.create_group(g)
        epochs = f.create_group("epochs")
        for number, stim_name, amp, stim in sweeps:
            v = volts[number]
            t = times(len(v) / RATE)
            rec = v + rng.standard_normal(v.size) * spec["noise_sd"]
            if "hum" in spec:
                rec += spec["hum"] * np.sin(2 * np.pi * 60.0 * t + rng.uniform(0, 2 * np.pi))
                rec += spec["drift"] * np.sin(2 * np.pi * 0.3 * t + rng.uniform(0, 2 * np.pi))
            rec32 = quantize(rec, V_LSB)
            stim32 = quantize(stim, I_LSB)
            sw = epochs.create_group("Sweep_%d" % number)
            for kind, data, unit in (("stimulus", stim32, b"Amps"), ("response", rec32, b"Volts")):
                g = sw.create_group(kind)
                ts = g.create_group("timeseries")
                d = ts.create_dataset("data", data=data, compression="gzip", compression_opts=6,
                                      shuffle=True, chunks=(min(len(data), 1 << 16),))
                d.attrs["conversion"] = np.float64(1.0)
                d.attrs["unit"] = np.bytes_(unit)
                d.attrs["resolution"] = np.float64(np.nan)
                st = ts.create_dataset("starting_time", data=np.float64(0.0))
                st.attrs["rate"] = np.float64(RATE)
                st.attrs["unit"] = np.bytes_(b"Seconds")
                g.create_dataset("idx_start", data=np.int64(0))
                g.create_dataset("count", data=np.int64(len(data)))
            if stim_name != "Test":
                ex = epochs.create_group("Experiment_%d" % number).create_group("stimulus")
                start = int(round(EXPERIMENT_START * RATE))
                ex.create_dataset("idx_start", data=np.int64(start))
                ex.create_dataset("count", data=np.int64(len(rec32) - start))
            base = rec32[int(0.2 * RATE):int(0.5 * RATE)].astype(np.float64)
            table.append({
                "sweep_number": number,
                "stimulus_name": stim_name,
                "stimulus_units": "Amps",
                "ephys_stimulus": {"ephys_stimulus_type": {"name": stim_name}},
                "stimulus_amplitude": float(round(amp * 1e12, 6)),
                "stimulus_absolute_amplitude": float(round(abs(amp) * 1e12, 6)),
                "num_spikes": spikes[number] if stim_name != "Test" else None,
                "slow_vm_mv": float(round(base.mean() * 1e3, 6)),
                "sampling_rate": RATE,
                "id": 900000 + number,
            })
    with open(os.path.join(out_dir, "ephys_sweeps.json"), "w") as fh:
        json.dump(table, fh, indent=1)
        fh.write("\n")
    with open(os.path.join(out_dir, "cell_properties.json"), "w") as fh:
        json.dump({"ri": r_ohm * 1e-6, "tau": r_ohm * c_farad * 1e3}, fh, indent=1)
        fh.write("\n")
    truth = {"model": "Pospischil et al. 2008 HH (INa, IKd, IM, leak), OU background current"
                      + (" + slow Na inactivation" if p["slow_na"] else "")
                      + (" + spike-triggered Na gate shift" if p["theta_jump"] else ""),
             "params": p, "seed": spec["seed"], "rest_state": rest,
             "R_ohm": r_ohm, "C_farad": c_farad, "El_V": p["e_l"] * 1e-3,
             "rheobase_A": rheo, "short_square_threshold_A": ssq_rheo,
             "recording_noise_sd_V": spec["noise_sd"],
             "spikes_per_sweep": {str(k): v for k, v in spikes.items()}}
    with open(os.path.join(out_dir, "truth.json"), "w") as fh:
        json.dump(truth, fh, indent=1, sort_keys=True)
        fh.write("\n")
    return ["cell.nwb", "ephys_sweeps.json", "cell_properties.json", "truth.json"]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cells", nargs="*", default=list(CELLS), choices=list(CELLS))
    ap.add_argument("--check", default=None, nargs="?",
                    const=os.path.join(os.path.dirname(__file__), "..", "..", "reference", "fit", "cells.sha256"),
                    help="compare the SHA-256 of what was written with this file (default reference/fit/cells.sha256)")
    args = ap.parse_args()
    lines = []
    for name in args.cells:
        files = make_cell(name, CELLS[name], os.path.join(args.out, name))
        for fn in files:
            rel = "%s/%s" % (name, fn)
            lines.append("%s  %s" % (sha256(os.path.join(args.out, rel)), rel))
            print(lines[-1], flush=True)
    with open(os.path.join(args.out, "SHA256SUMS"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    if args.check:
        want = dict(reversed(l.split()) for l in open(args.check) if l.strip())
        bad = [l for l in lines if want.get(l.split()[1]) != l.split()[0]]
        if bad:
            sys.exit("SHA-256 mismatch with %s:\n%s" % (args.check, "\n".join(bad)))
        print("all %d files match %s" % (len(lines), args.check))


if __name__ == "__main__":
    main()
