#!/usr/bin/env python3
"""Generate and check glif-rs's NEST 3.10 reference cases (reference/nest/).

Run with the interpreter of the venv made by scripts/allensdk/setup_venv.sh
(nest-simulator 3.10.0, numpy 1.23.5):

    .venv-allensdk/bin/python scripts/nest/make_nest_reference.py --regen [--only GLOB]
    .venv-allensdk/bin/python scripts/nest/make_nest_reference.py --check [--only GLOB]
    .venv-allensdk/bin/python scripts/nest/make_nest_reference.py --list

Every case is reference/nest/<model>/<case>.json.gz, format `glif-nest-ref-v1`
(reference/nest/README.md). A case holds its own recipe (`model`, `params`,
`resolution`, `duration`, `dc`, `spikes`: exactly the inputs of
`glif nest --params P.json --dc A --spikes S.json`) and NEST's output `out`
in the OUT.json layout of that command.

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

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT_DIR = os.path.join(REPO, "reference", "nest")
SCHEMA = "glif-nest-ref-v1"
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
                assert v[-1] == case["dc"] and np.all(v[:-1] == 0.0), ("dc timing", v)
            elif r == "threshold":
                pass
            else:
                assert np.all(v == 0.0), ("state moved during pre-roll", r, v)
        keep = (steps > pre) & (steps <= pre + n)
        k = steps[keep] - pre
        assert list(k) == list(range(1, n + 1))
        out["times"] = [nest_time(int(x), res) for x in k]
        for r in recordables:
            out[r] = [float(x) for x in np.asarray(ev[r])[keep]]
        ssteps = np.asarray(sev["times"], dtype=np.int64) - pre
        assert np.all(ssteps >= 1)
        out["spike_times"] = [nest_time(int(x), res) for x in ssteps if x <= n]
    else:
        t = np.asarray(ev["times"], dtype=float)
        keep = t <= nest_time(n, res)
        out["times"] = [float(x) for x in t[keep]]
        for r in recordables:
            out[r] = [float(x) for x in np.asarray(ev[r])[keep]]
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
            assert o2["V_m"][:k] == v[:k], "spike visible before a + h"
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
            a, b = out[k], direct[k]
            assert len(a) == len(b) and all(x == y or (x != x and y != y) for x, y in zip(a, b)), \
                ("pre-roll and direct runs differ", case["case"], k)
    refr = check_case_facts(case, out)
    doc = {
        "schema": SCHEMA,
        "model": case["model"],
        "case": case["case"],
        "level": case["level"],
        "resolution": case["resolution"],
        "duration": case["duration"],
        "params": case["params"],
        "dc": case["dc"],
        "spikes": case["spikes"],
        "spike_input_during_refractory": refr,
        "nest_version": nest.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "glibc_version": glibc_version(),
        "out": out,
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
    a = ap.parse_args()
    assert nest.__version__ == "3.10.0", nest.__version__
    assert_facts_once()
    sel = [c for c in cases() if fnmatch.fnmatch(c["model"] + "/" + c["case"], a.only)]
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
            print("wrote", name, len(doc["out"]["times"]), "samples",
                  len(doc["out"]["spike_times"]), "spikes")
        else:
            with gzip.open(path_of(c)) as f:
                old = json.load(f)
            same = json.dumps(old["out"]) == json.dumps(doc["out"]) and old["params"] == doc["params"]
            print("OK" if same else "DIFF", name)
            bad += not same
    if not a.list:
        print("%d cases, %d with an input spike during a refractory period" % (len(sel), n_refr))
        spiking_dc = [c for c in sel if "dc_spikes" in c["case"]]
        assert spiking_dc == [] or n_refr >= len(spiking_dc), "too few refractory-input cases"
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
