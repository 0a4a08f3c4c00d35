#!/usr/bin/env python3
"""Generate and check glif-rs's NEST 3.10 reference cases (reference/nest/).

Run with the interpreter of the venv made by scripts/allensdk/setup_venv.sh
(nest-simulator 3.10.0, numpy 1.23.5):

    .venv-allensdk/bin/python scripts/nest/make_nest_reference.py --regen [--only GLOB]
    .venv-allensdk/bin/python scripts/nest/make_nest_reference.py --check [--only GLOB]
    .venv-allensdk/bin/python scripts/nest/make_nest_reference.py --list

Every case is reference/nest/<model>/<case>.json.gz, format `glif-nest-ref-v1`
(full arrays) or `-v2` (the `allen_*` cases: parameters of real Allen models
through `glif convert --to nest`, `--glif` names the binary, default
target/debug/glif; each series stored as a SHA-256 of its bytes plus strided
samples), described in reference/nest/README.md. A case holds its own recipe
(`model`, `params`, `resolution`, `duration`, `dc`, `spikes`, v2 `current`:
exactly the inputs of `glif nest --params P.json --dc A --spikes S.json
--current C.json`) and NEST's output `out` in the OUT.json layout of that
command. `--regen` also rewrites reference/nest/index.json (every case file;
verify-nest requires exactly those).

How a case is run in NEST (the `--dc` contract of `glif nest`):
- kernel: ResetKernel, one thread, `resolution` = the case's resolution.
- pre-roll of 2 steps with the neuron at rest (`V_m` = `E_L`, all other state
  0): a dc_generator (amplitude `dc`, start 0) connected with delay h reaches
  the neuron's `I` at the end of the 2nd step, so the first step after the
  pre-roll already integrates with `I` = dc. The script asserts that the
  neuron stayed bit for bit at rest during the pre-roll and that `I` reads
  dc at the pre-roll's last sample.
- after the pre-roll, the state keys of `params` (`V_m`, or NEST's default
  `V_m` when only `E_L` was set) are applied with SetStatus and the run goes
  on for `duration` plus a margin (NEST hands over the last min_delay slice of
  recordings only when the simulation goes on past it).
- input spikes: one spike_generator per port with `spike_weights`, connected
  with delay h and `receptor_type` = port; a spike that must reach the neuron
  at time a (the `times` of S.json) is emitted at a - h (shifted by the
  pre-roll).
- a step current (`current`): a step_current_generator with the case's
  `amplitude_values`, its `amplitude_times` shifted by the pre-roll,
  connected with the case's `delay`. Asserted on NEST's own `I`: it equals
  dc + a_i from the sample at t_i + delay on (dc alone before the first).
- a multimeter (interval = resolution, every recordable, times in steps) and
  a spike_recorder (times in steps). Samples and spikes of the pre-roll are
  dropped and steps are renumbered from the first step after the pre-roll;
  times are then written as NEST computes them for a run without pre-roll:
  steps * tics_per_step * 0.001 (integer tics times ms per tic). For every
  case without DC the script also runs the same inputs directly (no pre-roll,
  times in ms) and asserts that all recordables, times and spike times are
  bit-identical to the pre-roll run: this checks the time formula and the
  pre-roll protocol.

Facts asserted (from NEST's source and observation): recordables per model;
`g` refused by glif_cond; V_m kept at its default when only E_L changes; an
input spike arriving at a shows in V_m from a + h (psc models); at least one
input spike per spiking case arrives during a refractory period.

--check reruns every stored case and compares all values bit for bit.
Only the standard library, numpy and nest are used.
"""
import argparse
import ctypes
import fnmatch
import gzip
import io
import json
import os
import platform
import random
import sys
import contextlib
import hashlib
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT_DIR = os.path.join(REPO, "reference", "nest")
SCHEMA = "glif-nest-ref-v1"
SCHEMA_V2 = "glif-nest-ref-v2"
SAMPLES = 100  # strided samples kept beside each series' SHA-256 (readable diffs)
TEETER = os.path.join(REPO, "reference", "teeter-all.jsonl.gz")
INDEX = os.path.join(OUT_DIR, "index.json")
PRE_STEPS = 2
MARGIN_MS = 2.0

with contextlib.redirect_stdout(io.StringIO()):
    import nest  # prints a banner on stdout
import numpy as np

MODELS = ["glif_psc", "glif_psc_double_alpha", "glif_cond"]
RESOLUTIONS = [0.1, 0.05, 0.01]
LEVELS = {
    1: (False, False, False),
    2: (True, False, False),
    3: (False, True, False),
    4: (True, True, False),
    5: (True, True, True),
}
RECORDABLES = {
    "glif_psc": ["ASCurrents_sum", "I", "I_syn", "V_m", "threshold", "threshold_spike", "threshold_voltage"],
    "glif_psc_double_alpha": ["ASCurrents_sum", "I", "I_syn", "V_m", "threshold", "threshold_spike",
                              "threshold_voltage"],
}
# NEST 3.10's defaults: C_m 58.72 pF, g 9.43 nS, so tau_m = C_m / g computed in
# double as NEST does (Tau_ = C_m_ / G_).
C_M, G = 58.72, 9.43
TAU_M = C_M / G


def level_switches(level):
    a, b, c = LEVELS[level]
    return {"spike_dependent_threshold": a, "after_spike_currents": b, "adapting_threshold": c}


def port_params(model):
    """Synaptic parameters: several ports, one with tau_syn == tau_m exactly
    (singular propagator) and, for glif_psc, one within 1e-9 of it (regular
    P32, singular P31)."""
    if model == "glif_psc":
        return {"tau_syn": [2.0, 0.5, TAU_M, TAU_M * (1 + 1e-9)]}
    if model == "glif_psc_double_alpha":
        return {"tau_syn_fast": [2.0, 0.5, TAU_M], "tau_syn_slow": [6.0, TAU_M, 8.0],
                "amp_slow": [0.3, 0.5, 1.2]}
    return {"tau_syn": [0.2, 2.0, TAU_M], "E_rev": [0.0, -85.0, -70.0]}


def make_spikes(model, seed, n_ports, duration):
    """Input spikes on the 0.1 ms grid (valid at every resolution used)."""
    rng = random.Random(seed)
    out = []
    for p in range(1, n_ports + 1):
        k = rng.randint(5, 30)
        times, weights = [], []
        while k * 0.1 < duration:
            times.append(round(k * 0.1, 10))
            if model == "glif_cond":
                w = round(rng.uniform(0.5, 4.0), 3)  # nS; inhibition through E_rev
            else:
                w = round(rng.uniform(50.0, 400.0), 2)
                if p % 2 == 0:
                    w = -w  # inhibitory ports
            weights.append(w)
            k += rng.randint(8, 40)
        out.append({"port": p, "times": times, "weights": weights})
    return out


def cases():
    for model in MODELS:
        n_ports = len(next(iter(port_params(model).values())))
        for level in LEVELS:
            for res in RESOLUTIONS:
                tag = "r%s" % str(res).replace(".", "p")
                base = dict(level_switches(level), **port_params(model))
                # 0.01 ms cases run half as long, to keep the committed files small.
                sc = 0.5 if res == 0.01 else 1.0
                if model == "glif_cond":
                    base["g_m"] = G
                # 1. DC plus excitatory and inhibitory spikes on every port.
                yield {
                    "model": model, "case": "L%d_dc_spikes_%s" % (level, tag), "level": level,
                    "resolution": res, "duration": 30.0 * sc, "params": dict(base), "dc": 290.0,
                    "spikes": make_spikes(model, 1000 * level + 1, n_ports, 30.0 * sc),
                }
                # 2. No DC, a moved E_L (V_m stays at its default), strong input.
                p = dict(base)
                p["E_L"] = -75.0
                p["V_th"] = -50.0
                p["V_reset"] = -74.0
                sp = make_spikes(model, 1000 * level + 2, n_ports, 25.0 * sc)
                for s in sp:
                    s["weights"] = [w * 3 for w in s["weights"]]
                    if model != "glif_cond" and s["port"] % 2 == 0:
                        s["weights"] = [w / 4 for w in s["weights"]]
                yield {
                    "model": model, "case": "L%d_el_spikes_%s" % (level, tag), "level": level,
                    "resolution": res, "duration": 25.0 * sc, "params": p, "dc": 0.0, "spikes": sp,
                }
                # 3. DC and a set V_m, plus state of the threshold, below threshold then above.
                p = dict(base)
                p["V_m"] = -60.0
                yield {
                    "model": model, "case": "L%d_vm_dc_%s" % (level, tag), "level": level,
                    "resolution": res, "duration": 20.0 * sc, "params": p, "dc": 350.0,
                    "spikes": make_spikes(model, 1000 * level + 3, n_ports, 20.0 * sc)[:1],
                }


def digest(values):
    """A v2 series: its length, the SHA-256 of its IEEE-754 binary64
    little-endian bytes, and every `stride`-th value (from index 0)."""
    a = np.ascontiguousarray(np.asarray(values, dtype="<f8"))
    stride = max(1, len(a) // SAMPLES)
    return {"n": int(len(a)), "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
            "stride": stride, "samples": [float(x) for x in a[::stride]]}


def check_step_current_timing(case, out):
    """NEST's timing of a step_current_generator, asserted on NEST's own
    `I`: amplitude a_i shows from the sample at t_i + delay on (added to the
    DC), 0 before the first."""
    res = case["resolution"]
    cur = case["current"]
    n = len(out["I"])
    want = np.full(n, case["dc"], dtype="<f8")
    d = int(round(cur["delay"] / res))
    for t, a in zip(cur["amplitude_times"], cur["amplitude_values"]):
        k = int(round(t / res)) + d  # sample index k is step k (1-based): want[k - 1]
        if k - 1 < n:
            want[k - 1:] = case["dc"] + a
    got = np.asarray(out["I"], dtype="<f8")
    assert got.tobytes() == want.tobytes(), ("step current timing", case["case"],
                                             np.nonzero(got != want)[0][:5])


def teeter_by_level():
    by = {lv: [] for lv in LEVELS}
    with gzip.open(TEETER, "rt") as f:
        for line in f:
            d = json.loads(line)
            lv = int(d["file"].split("_GLIF")[1][0])
            by[lv].append(d)
    for lv in by:
        by[lv].sort(key=lambda d: d["file"])
    return by


def convert(glif, config, model, syn):
    """`glif convert --to nest` of one Allen config (the library's conversion)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
        path = f.name
    try:
        args = [glif, "convert", "--to", "nest", "--config", path, "--model", model]
        for flag, key in [("--tau-syn", "tau_syn"), ("--tau-syn-slow", "tau_syn_slow"),
                          ("--amp-slow", "amp_slow"), ("--e-rev", "E_rev")]:
            if key in syn:
                args += [flag, ",".join(repr(float(x)) for x in syn[key])]
        r = subprocess.run(args, capture_output=True, text=True, check=True)
        return json.loads(r.stdout)
    finally:
        os.unlink(path)


ALLEN_RES = [0.1, 0.05, 0.025, 0.02, 0.01]
PER_LEVEL = 14  # Allen models per model and level: 3 x 5 x 14 = 210 cases


def allen_cases(glif):
    """Cases from real Allen models (Teeter et al. 2018's 2,441 configs, a
    different model in every case), converted by `glif convert --to nest`,
    then: 1 to 4 after-spike currents (levels 3-5; the 3rd and 4th derived
    from the model's own) with asc_r below 1 in most, 2 to 4 ports, DC
    around the model's rheobase, a step current in half the cases, input
    spikes on the case's resolution grid (off the 0.1 ms grid at finer
    resolutions) with weights of both signs, some several in one step on
    one port; 1 to 1.5 s runs."""
    by = teeter_by_level()
    rng = random.Random(20261207)
    # Each level's models in a seeded order; each case takes the next one
    # that NEST accepts (some Allen models have voltage_reset_fraction > 1,
    # which NEST refuses: `glif convert` says so and they are skipped).
    pool = {lv: rng.sample(by[lv], len(by[lv])) for lv in LEVELS}
    for mi, model in enumerate(MODELS):
        for level in LEVELS:
            for j in range(PER_LEVEL):
                r = random.Random("%s-%d-%d" % (model, level, j))
                res = ALLEN_RES[j % len(ALLEN_RES)]
                n_ports = 2 + j % 3
                if model == "glif_psc":
                    syn = {"tau_syn": [round(r.uniform(0.5, 8.0), 3) for _ in range(n_ports)]}
                elif model == "glif_psc_double_alpha":
                    syn = {"tau_syn_fast": [round(r.uniform(0.5, 3.0), 3) for _ in range(n_ports)],
                           "tau_syn_slow": [round(r.uniform(4.0, 15.0), 3) for _ in range(n_ports)],
                           "amp_slow": [round(r.uniform(0.1, 1.5), 3) for _ in range(n_ports)]}
                else:
                    n_ports = 3 + j % 2
                    syn = {"tau_syn": [round(r.uniform(0.2, 5.0), 3) for _ in range(n_ports)],
                           "E_rev": [0.0, -85.0, -70.0, 0.0][:n_ports]}
                conv_syn = dict(syn)
                if model == "glif_psc_double_alpha":
                    conv_syn = {"tau_syn": syn["tau_syn_fast"], "tau_syn_slow": syn["tau_syn_slow"],
                                "amp_slow": syn["amp_slow"]}
                while True:
                    src = pool[level].pop(0)
                    try:
                        p = convert(glif, src["config"], model, conv_syn)
                        break
                    except subprocess.CalledProcessError as e:
                        print("skipped %s: %s" % (src["file"], e.stderr.strip()), file=sys.stderr)
                if p.get("after_spike_currents"):
                    n_asc = 1 + j % 4
                    amps, dec = list(p["asc_amps"]), list(p["asc_decay"])
                    while len(amps) < n_asc:  # a 3rd/4th current from the model's own
                        k = len(amps)
                        amps.append(round(amps[k % 2] * r.uniform(-0.8, 0.8), 6))
                        dec.append(round(dec[k % 2] * r.uniform(0.2, 3.0), 6))
                    amps, dec = amps[:n_asc], dec[:n_asc]
                    p["asc_amps"], p["asc_decay"] = amps, dec
                    p["asc_init"] = [0.0] * n_asc
                    p["ASCurrents"] = [0.0] * n_asc
                    p["asc_r"] = [1.0 if j % 5 == 4 else round(r.uniform(0.2, 0.95), 3)
                                  for _ in range(n_asc)]
                g = p["g_m"] if model == "glif_cond" else p["g"]
                rheo = g * (p["V_th"] - p["E_L"])  # pA: g (nS) x (V_th - E_L) (mV)
                dur = 1500.0 if res >= 0.05 and j % 2 else 1000.0
                steps = int(round(dur / res))
                dc = round(rheo * r.uniform(1.3, 2.6), 3) if j % 7 != 3 else 0.0
                current = None
                if j % 2 == 0:
                    # a step current: 4-10 amplitude changes, both signs, on the grid
                    m = r.randint(4, 10)
                    ks = sorted(r.sample(range(1, steps), m))
                    current = {"amplitude_times": [round(k * res, 10) for k in ks],
                               # without DC the current alone drives the neuron
                               "amplitude_values": [round(rheo * (r.uniform(-0.8, 1.5) if dc else
                                                                  r.uniform(1.2, 2.4)), 3) for _ in ks],
                               "delay": [res, 0.5, 1.0][j % 3]}
                spikes = []
                for port in range(1, n_ports + 1):
                    if model == "glif_cond":
                        exc = syn["E_rev"][port - 1] == 0.0
                        rate = r.uniform(150, 500) if exc else r.uniform(100, 400)  # Hz
                    else:
                        rate = r.uniform(60, 250)
                    times, weights = [], []
                    k = 1  # first arrival at 2 h or later: a generator cannot emit at 0 (run without pre-roll)
                    while True:
                        k += 1 + int(r.expovariate(rate * res * 1e-3))
                        if k > steps:
                            break
                        copies = 1 if r.random() > 0.08 else r.randint(2, 3)  # several in one step
                        for _ in range(copies):
                            times.append(round(k * res, 10))
                            if model == "glif_cond":
                                w = g * r.uniform(0.02, 0.25)  # nS; inhibition through E_rev
                            else:
                                w = rheo * r.uniform(0.05, 0.4) * (1 if r.random() < 0.6 else -1)
                            weights.append(round(w, 4))
                    spikes.append({"port": port, "times": times, "weights": weights})
                if dc == 0.0 and current is None:
                    dc = round(rheo * 1.8, 3)  # every case is driven
                yield {
                    "schema": SCHEMA_V2, "model": model,
                    "case": "allen_L%d_%02d_r%s" % (level, j, str(res).replace(".", "p")),
                    "level": level, "resolution": res, "duration": dur, "params": p, "dc": dc,
                    "current": current, "spikes": spikes,
                    "source": {"allen_config": src["file"], "from": "reference/teeter-all.jsonl.gz",
                               "converted_by": "glif convert --to nest"},
                }


def write_index():
    """reference/nest/index.json: every case file, per model, and the total;
    verify-nest asserts exactly these files and this count."""
    files = sorted("%s/%s" % (m, f) for m in MODELS
                   for f in os.listdir(os.path.join(OUT_DIR, m)) if f.endswith(".json.gz"))
    idx = {"schema": "glif-nest-ref-index-v1", "total": len(files),
           "per_model": {m: sum(f.startswith(m + "/") for f in files) for m in MODELS},
           "cases": files}
    with open(INDEX, "w") as f:
        json.dump(idx, f, indent=1)
        f.write("\n")
    return idx


STATE_KEYS = ("V_m",)


def tics_per_step(res):
    return int(round(res * 1000))


def nest_time(steps, res):
    # NEST: Time::get_ms() = MS_PER_TIC * tics, tics = steps * TICS_PER_STEP.
    return (steps * tics_per_step(res)) * (1 / 1000.0)


def run_nest(case, preroll):
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    res = case["resolution"]
    nest.SetKernelStatus({"resolution": res, "local_num_threads": 1})
    model = case["model"]
    params = case["params"]
    neuron = nest.Create(model)
    pre = PRE_STEPS if preroll else 0
    par = {k: v for k, v in params.items() if k not in STATE_KEYS}
    neuron.set(par)
    if preroll:
        v_after = params["V_m"] if "V_m" in params else neuron.get("V_m")
        neuron.set({"V_m": neuron.get("E_L")})
    elif "V_m" in params:
        neuron.set({"V_m": params["V_m"]})
    recordables = sorted(neuron.get("recordables"))
    mm = nest.Create("multimeter", params={"interval": res, "record_from": recordables,
                                           "time_in_steps": preroll})
    sr = nest.Create("spike_recorder", params={"time_in_steps": preroll})
    nest.Connect(mm, neuron)
    nest.Connect(neuron, sr)
    if case["dc"] != 0.0:
        dc = nest.Create("dc_generator", params={"amplitude": case["dc"]})
        nest.Connect(dc, neuron, syn_spec={"delay": res})
    cur = case.get("current")
    if cur:
        # A step_current_generator as the case gives it; its times move with the pre-roll.
        scg = nest.Create("step_current_generator", params={
            "amplitude_times": [round(t + pre * res, 10) for t in cur["amplitude_times"]],
            "amplitude_values": cur["amplitude_values"]})
        nest.Connect(scg, neuron, syn_spec={"delay": cur["delay"]})
    for s in case["spikes"]:
        steps = [int(round(t / res)) for t in s["times"]]
        for t, k in zip(s["times"], steps):
            assert abs(k * res - t) < 1e-9, "spike time off the grid"
        gen_times = [round((k + pre - 1) * res, 10) for k in steps]
        sg = nest.Create("spike_generator", params={"spike_times": gen_times,
                                                    "spike_weights": s["weights"]})
        nest.Connect(sg, neuron, syn_spec={"delay": res, "weight": 1.0, "receptor_type": s["port"]})
    n = int(round(case["duration"] / res))
    if preroll:
        nest.Simulate(pre * res)
        neuron.set({"V_m": v_after})
    nest.Simulate(case["duration"] + MARGIN_MS)
    ev = mm.get("events")
    sev = sr.get("events")
    out = {}
    if preroll:
        steps = np.asarray(ev["times"], dtype=np.int64)
        assert np.all(np.asarray(ev["offsets"]) == 0.0)
        pre_mask = steps <= pre
        assert list(steps[pre_mask]) == list(range(1, pre + 1)), steps[:5]
        el = neuron.get("E_L")
        for r in recordables:
            v = np.asarray(ev[r])[pre_mask]
            if r == "V_m":
                assert np.all(v == el), ("not at rest during pre-roll", v)
            elif r == "I":
                # (a step current's first amplitude time is > 0, so it adds nothing here)
                assert v[-1] == case["dc"] and np.all(v[:-1] == 0.0), ("dc timing", v)
            elif r == "threshold":
                pass
            else:
                assert np.all(v == 0.0), ("state moved during pre-roll", r, v)
        keep = (steps > pre) & (steps <= pre + n)
        k = steps[keep] - pre
        assert list(k) == list(range(1, n + 1))
        out["times"] = np.array([nest_time(int(x), res) for x in k], dtype="<f8")
        for r in recordables:
            out[r] = np.asarray(ev[r], dtype="<f8")[keep]
        ssteps = np.asarray(sev["times"], dtype=np.int64) - pre
        assert np.all(ssteps >= 1)
        out["spike_times"] = [nest_time(int(x), res) for x in ssteps if x <= n]
    else:
        t = np.asarray(ev["times"], dtype=float)
        keep = t <= nest_time(n, res)
        out["times"] = np.asarray(t[keep], dtype="<f8")
        for r in recordables:
            out[r] = np.asarray(ev[r], dtype="<f8")[keep]
        st = np.asarray(sev["times"], dtype=float)
        out["spike_times"] = [float(x) for x in st if x <= nest_time(n, res)]
    return recordables, out


def assert_facts_once():
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    for m in MODELS:
        recs = sorted(nest.GetDefaults(m)["recordables"])
        if m in RECORDABLES:
            assert recs == sorted(RECORDABLES[m]), (m, recs)
        else:
            assert recs == sorted(["ASCurrents_sum", "I", "V_m", "threshold", "threshold_spike",
                                   "threshold_voltage", "g_1", "g_2"]), recs
    n = nest.Create("glif_psc")
    v0 = n.get("V_m")
    n.set({"E_L": -70.0})
    assert n.get("V_m") == v0 == -78.85, "V_m should keep its default when E_L changes"
    c = nest.Create("glif_cond")
    try:
        c.set({"g": 5.0})
        raise AssertionError("glif_cond accepted g")
    except nest.NESTError:
        pass
    for bad in [(False, False, True), (True, False, True), (False, True, True)]:
        try:
            nest.Create("glif_psc", params=dict(zip(
                ["spike_dependent_threshold", "after_spike_currents", "adapting_threshold"], bad)))
            raise AssertionError("invalid switch combination accepted: %r" % (bad,))
        except nest.NESTError:
            pass


def check_case_facts(case, out):
    res = case["resolution"]
    if case["model"] != "glif_cond" and case["spikes"]:
        # first input spike shows in V_m from a + h, not before (no DC cases only)
        if case["dc"] == 0.0 and case["params"].get("V_m") is None:
            first = min(t for s in case["spikes"] for t in s["times"])
            k = int(round(first / res))
            v = out["V_m"]
            # before a + h: V_m follows its own relaxation, which does not depend on the spike;
            # checked by a run without spikes.
            nospk = dict(case, spikes=[])
            _, o2 = run_nest(nospk, True)
            assert list(o2["V_m"][:k]) == list(v[:k]), "spike visible before a + h"
            assert o2["V_m"][k] != v[k], "spike not visible at a + h"
    # refractory input
    if out["spike_times"]:
        t_ref = case["params"].get("t_ref", 3.75)
        arrivals = [t for s in case["spikes"] for t in s["times"]]
        hit = any(any(ts < a <= ts + t_ref for ts in out["spike_times"]) for a in arrivals)
        return hit
    return False


def glibc_version():
    try:
        f = ctypes.CDLL("libc.so.6").gnu_get_libc_version
        f.restype = ctypes.c_char_p
        return f().decode()
    except Exception:
        return None


def path_of(case):
    return os.path.join(OUT_DIR, case["model"], case["case"] + ".json.gz")


def build(case):
    recordables, out = run_nest(case, True)
    if case["dc"] == 0.0:
        _, direct = run_nest(case, False)
        for k in out:
            a, b = np.asarray(out[k], dtype="<f8"), np.asarray(direct[k], dtype="<f8")
            assert a.shape == b.shape and a.tobytes() == b.tobytes(), \
                ("pre-roll and direct runs differ", case["case"], k)
    refr = check_case_facts(case, out)
    v2 = case.get("schema") == SCHEMA_V2
    if case.get("current"):
        check_step_current_timing(case, out)
    if v2:
        stored = {k: digest(v) for k, v in out.items() if k != "spike_times"}
        stored["spike_times"] = [float(x) for x in out["spike_times"]]
    else:
        stored = {k: [float(x) for x in v] for k, v in out.items()}
    doc = {
        "schema": case.get("schema", SCHEMA),
        "model": case["model"],
        "case": case["case"],
        "level": case["level"],
        "resolution": case["resolution"],
        "duration": case["duration"],
        "params": case["params"],
        "dc": case["dc"],
        "spikes": case["spikes"],
        "spike_input_during_refractory": refr,
        **({"current": case.get("current"), "source": case["source"]} if v2 else {}),
        "nest_version": nest.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "glibc_version": glibc_version(),
        "out": stored,
    }
    return doc


def write(doc, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    raw = json.dumps(doc, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as g:
            g.write(raw)


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--regen", action="store_true")
    g.add_argument("--check", action="store_true")
    g.add_argument("--list", action="store_true")
    ap.add_argument("--only", default="*")
    ap.add_argument("--glif", default=os.path.join(REPO, "target", "debug", "glif"),
                    help="the glif binary whose `convert --to nest` makes the Allen cases' params")
    a = ap.parse_args()
    assert nest.__version__ == "3.10.0", nest.__version__
    assert_facts_once()
    allc = list(cases()) + list(allen_cases(a.glif))
    sel = [c for c in allc if fnmatch.fnmatch(c["model"] + "/" + c["case"], a.only)]
    bad = 0
    n_refr = 0
    for c in sel:
        name = c["model"] + "/" + c["case"]
        if a.list:
            print(name)
            continue
        doc = build(c)
        n_refr += doc["spike_input_during_refractory"]
        if a.regen:
            write(doc, path_of(c))
            n = doc["out"]["times"]
            print("wrote", name, n["n"] if isinstance(n, dict) else len(n), "samples",
                  len(doc["out"]["spike_times"]), "spikes", flush=True)
        else:
            with gzip.open(path_of(c)) as f:
                old = json.load(f)
            same = json.dumps(old["out"]) == json.dumps(doc["out"]) and old["params"] == doc["params"] \
                and old.get("current") == doc.get("current") and old["spikes"] == doc["spikes"]
            print("OK" if same else "DIFF", name)
            bad += not same
    if not a.list:
        print("%d cases, %d with an input spike during a refractory period" % (len(sel), n_refr))
        spiking_dc = [c for c in sel if "dc_spikes" in c["case"]]
        assert spiking_dc == [] or n_refr >= len(spiking_dc), "too few refractory-input cases"
        if a.regen:
            idx = write_index()
            print("index: %d cases %r" % (idx["total"], idx["per_model"]))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
