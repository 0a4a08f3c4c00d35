#!/usr/bin/env python3
"""Time one AllenSDK GLIF run (and optionally NEST's glif_psc) for `cargo xtask compare`.

    .venv-allensdk/bin/python scripts/allensdk/bench_allensdk.py \\
        --config reference/configs/osb/566283540_neuron_config.json --dt 5e-6 \\
        --stimulus '{"kind":"piecewise_constant","n":240000,"segments":[[20000,220000,1.68e-10]]}' \\
        [--nest] [--repeats N]

`--stimulus` takes the JSON of a reference case's `stimulus` field (kinds
piecewise_constant, ramp, held_levels, explicit: reference/README.md), or `-` to
read it from standard input, or `@path` to read it from a file (a whole case
file, .json or .json.gz, is accepted too: its `stimulus` field is used).
The config file may be wrapped as {"<neuronal_model_id>": {...}} (one key) or bare.
`dt` overrides the config's own dt, as the reference cases do.

Prints one JSON line:
    {"simulator": "allensdk", "allensdk_version", "numpy_version", "config", "dt",
     "steps", "seconds", "us_per_step", "n_spikes", "spike_time_steps",
     "error": null or {type, message}, "nest": {...} (with --nest)}
`seconds` times only `GlifNeuron.run(stim)` (not import, parsing or construction);
`startup_s` is the import of AllenSDK's GLIF simulator and one `from_dict`, timed apart.
With `--repeats N` (default 1) the run is repeated N times, each on a neuron
freshly made by `from_dict`; `seconds` is the shortest, `seconds_all` lists
all of them, and the spikes are the first run's (`repeats_agree` says whether
every run gave the same spike steps). NEST is repeated the same way.

NEST (--nest)
-------------
If the `nest` module (PyPI `nest-simulator`) imports, the same model is run as
NEST's `glif_psc` driven by a `step_current_generator` that reproduces the
stimulus sample by sample (one amplitude change per change of value), at
resolution dt, and the JSON gets
    "nest": {"available": true, "nest_version", "params", "steps", "seconds",
             "ns_per_step", "n_spikes", "spike_times_ms", "spike_time_steps"}
`seconds` times only `nest.Simulate`. If `nest` does not import, the JSON says
    "nest": {"available": false, "reason": "..."}.
Checked here: `pip install nest-simulator` (3.10.0, a manylinux wheel for
CPython 3.11) installs into the venv next to numpy 1.23.5 and imports;
setup_venv.sh installs it (skip with GLIF_ALLENSDK_NEST=0).

The Allen -> glif_psc mapping (NEST units mV, nS, pF, ms, pA; NEST voltages are
absolute, Allen's are relative to El_reference):
    E_L = (El + El_reference)*1e3          V_th = (th_inf*coeffs.th_inf + El_reference)*1e3
    g = coeffs.G/R_input*1e9               C_m = C*coeffs.C*1e12
    t_ref = spike_cut_length*dt*1e3        V_reset (GLIF1/3) = (El + El_reference)*1e3
    th_spike_add = a_spike*1e3             th_spike_decay = b_spike*1e-3
    voltage_reset_fraction = a (v_before)  voltage_reset_add = b*1e3
    asc_init = init_AScurrents*1e12        asc_decay = 1e-3/asc_tau_array
    asc_amps = asc_amp_array*coeffs.asc_amp_array*1e12    asc_r = r
    th_voltage_index = a_voltage*coeffs.a*1e-3   th_voltage_decay = b_voltage*coeffs.b*1e-3
    flags: spike_dependent_threshold = (threshold reset is three_components),
           after_spike_currents = (AScurrent dynamics is exp),
           adapting_threshold = (threshold dynamics is three_components_exact)
glif_psc is not AllenSDK: it integrates the voltage exactly (not forward Euler),
holds the neuron refractory for t_ref instead of skipping samples, and the step
current generator's input arrives after a connection delay (1 ms here, taken out
of the reported spike times); expect spike times close to, not equal to,
AllenSDK's (a few steps apart: 23203 vs 23200 for the first spike of
osb_566283540_GLIF5 long_square). The comparison is of speed, with spikes as a sanity check.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_reference import build_stimulus  # noqa: E402  (same directory)


def load_json_arg(text):
    if text == "-":
        return json.load(sys.stdin)
    if text.startswith("@"):
        path = text[1:]
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt") as f:
            return json.load(f)
    return json.loads(text)


def load_config(path):
    with open(path) as f:
        d = json.load(f)
    if "El" not in d and len(d) == 1:
        (d,) = d.values()
    return d


def run_allensdk(config, dt, stim, repeats=1):
    # Start-up, measured apart from the runs: importing AllenSDK's GLIF
    # simulator (numpy is already imported) and the first from_dict.
    t0 = time.perf_counter()
    import allensdk
    from allensdk.model.glif.glif_neuron import GlifNeuron
    GlifNeuron.from_dict(config)
    startup = time.perf_counter() - t0
    res = {"simulator": "allensdk", "allensdk_version": allensdk.__version__,
           "numpy_version": np.__version__, "steps": int(stim.size), "repeats": repeats,
           "startup_s": startup}
    times, runs = [], []
    try:
        for _ in range(repeats):
            neuron = GlifNeuron.from_dict(config)
            neuron.dt = dt
            t0 = time.perf_counter()
            out = neuron.run(stim)
            times.append(time.perf_counter() - t0)
            runs.append([int(s) for s in out["spike_time_steps"]])
    except Exception as e:
        res.update(error={"type": type(e).__name__, "message": str(e)}, seconds=None,
                   us_per_step=None, n_spikes=None, spike_time_steps=None)
        return res
    secs, steps = min(times), runs[0]
    res.update(seconds=secs, seconds_all=times, us_per_step=secs / max(stim.size, 1) * 1e6,
               n_spikes=len(steps), spike_time_steps=steps,
               repeats_agree=all(r == steps for r in runs), error=None)
    return res


def nest_params(c, dt):
    """glif_psc parameters for an Allen neuron_config (see the module docstring)."""
    co = c.get("coeffs", {})
    el_ref = c.get("El_reference", 0.0)
    names = {k: c[k]["name"] for k in ("threshold_dynamics_method", "threshold_reset_method",
                                       "AScurrent_dynamics_method", "voltage_reset_method")}
    sdt = names["threshold_reset_method"] == "three_components"
    asc = names["AScurrent_dynamics_method"] == "exp"
    adapt = names["threshold_dynamics_method"] == "three_components_exact"
    p = {
        "E_L": (c["El"] + el_ref) * 1e3,
        "V_m": (c["init_voltage"] + el_ref) * 1e3,
        "V_th": (c["th_inf"] * co.get("th_inf", 1.0) + el_ref) * 1e3,
        "g": co.get("G", 1.0) / c["R_input"] * 1e9,
        "C_m": c["C"] * co.get("C", 1.0) * 1e12,
        "t_ref": c["spike_cut_length"] * dt * 1e3,
        "spike_dependent_threshold": sdt,
        "after_spike_currents": asc,
        "adapting_threshold": adapt,
    }
    if names["voltage_reset_method"] == "v_before":
        vr = c["voltage_reset_method"]["params"]
        p["voltage_reset_fraction"] = vr["a"]
        p["voltage_reset_add"] = vr["b"] * 1e3
    else:
        p["V_reset"] = (c["El"] + el_ref) * 1e3
    if sdt:
        tr = c["threshold_reset_method"]["params"]
        p["th_spike_add"] = tr["a_spike"] * 1e3
        p["th_spike_decay"] = tr["b_spike"] * 1e-3
    if asc:
        n = len(c["asc_tau_array"])
        p["asc_init"] = [x * 1e12 for x in c["init_AScurrents"]]
        p["asc_decay"] = [1e-3 / t for t in c["asc_tau_array"]]
        p["asc_amps"] = [a * m * 1e12 for a, m in zip(c["asc_amp_array"],
                                                      co.get("asc_amp_array", [1.0] * n))]
        p["asc_r"] = list(c["AScurrent_reset_method"]["params"].get("r", [1.0] * n))
    if adapt:
        td = c["threshold_dynamics_method"]["params"]
        p["th_voltage_index"] = td["a_voltage"] * co.get("a", 1.0) * 1e-3
        p["th_voltage_decay"] = td["b_voltage"] * co.get("b", 1.0) * 1e-3
    return p


def run_nest(config, dt, stim, repeats=1):
    # NEST writes its banner and messages to file descriptor 1: send them to
    # stderr so that stdout stays one JSON line.
    os.environ.setdefault("PYNEST_QUIET", "1")
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        res = None
        times = []
        for _ in range(repeats):
            r = _run_nest(config, dt, stim)
            if "seconds" not in r:  # unavailable or failed
                return r
            times.append(r["seconds"])
            if res is None:
                res = r
            elif r["spike_time_steps"] != res["spike_time_steps"]:
                res["repeats_agree"] = False
        res.setdefault("repeats_agree", True)
        res.update(repeats=repeats, seconds=min(times), seconds_all=times,
                   ns_per_step=min(times) / max(stim.size, 1) * 1e9)
        return res
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _run_nest(config, dt, stim):
    try:
        import nest
    except Exception as e:  # not installed or fails to load
        return {"available": False, "reason": "import nest failed: %s: %s" % (type(e).__name__, e)}
    try:
        nest.ResetKernel()
        try:
            nest.verbosity = nest.VerbosityLevel.ERROR
        except AttributeError:
            nest.set_verbosity("M_ERROR")
        h = dt * 1e3
        nest.resolution = h
        params = nest_params(config, dt)
        neuron = nest.Create("glif_psc", params=params)
        change = np.nonzero(np.diff(np.concatenate(([0.0], stim))))[0]
        times = [max(int(i), 1) * h for i in change]
        values = [float(stim[i]) * 1e12 for i in change]
        gen = nest.Create("step_current_generator",
                          params={"amplitude_times": times, "amplitude_values": values})
        rec = nest.Create("spike_recorder")
        # Keep NEST's usual 1 ms delay (a one-step delay would make NEST
        # exchange events every step and cost ~20x per step): the input reaches
        # the neuron `delay - h` later than in AllenSDK, so simulate that much
        # longer and shift the spike times back. The neuron rests meanwhile.
        delay = 1.0
        nest.Connect(gen, neuron, syn_spec={"delay": delay})
        nest.Connect(neuron, rec)
        nest.Prepare()
        t0 = time.perf_counter()
        nest.Run(stim.size * h + delay - h)
        secs = time.perf_counter() - t0
        nest.Cleanup()
        t_ms = [float(t) - (delay - h) for t in rec.get("events")["times"]]
        return {"available": True, "nest_version": nest.__version__, "model": "glif_psc",
                "params": params, "steps": int(stim.size), "seconds": secs,
                "ns_per_step": secs / max(stim.size, 1) * 1e9, "n_spikes": len(t_ms),
                "spike_times_ms": t_ms,
                "spike_time_steps": [int(round(t / h)) for t in t_ms],
                "note": ("spike_times_ms are shifted back by the generator's delay minus one step; "
                         "spike_time_steps = round(t/dt); NEST stamps a spike at the end of its step")}
    except Exception as e:
        return {"available": True, "error": {"type": type(e).__name__, "message": str(e)}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="neuron_config JSON file (wrapped or bare)")
    ap.add_argument("--dt", type=float, required=True, help="time step in s (replaces the config's dt)")
    ap.add_argument("--stimulus", default="-", help="stimulus JSON, '-' for stdin, or @file")
    ap.add_argument("--nest", action="store_true", help="also run NEST glif_psc if importable")
    ap.add_argument("--no-allensdk", action="store_true", help="skip the AllenSDK run")
    ap.add_argument("--repeats", type=int, default=1,
                    help="time each simulator this many times; report the shortest")
    a = ap.parse_args()
    desc = load_json_arg(a.stimulus)
    if "stimulus" in desc and "kind" not in desc:
        desc = desc["stimulus"]
    config = load_config(a.config)
    stim = build_stimulus(desc)
    if a.no_allensdk:
        res = {"simulator": "allensdk", "skipped": True, "steps": int(stim.size)}
    else:
        res = run_allensdk(config, a.dt, stim, max(a.repeats, 1))
    res["config"] = a.config
    res["dt"] = a.dt
    if a.nest:
        res["nest"] = run_nest(config, a.dt, stim, max(a.repeats, 1))
    sys.stdout.write(json.dumps(res, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
