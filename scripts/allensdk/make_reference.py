#!/usr/bin/env python3
"""Regenerate, check and extend glif-rs's AllenSDK reference traces.

Run with the interpreter of the venv made by setup_venv.sh:

    .venv-allensdk/bin/python scripts/allensdk/make_reference.py --check [--only GLOB]
    .venv-allensdk/bin/python scripts/allensdk/make_reference.py --regen [--only GLOB]
    .venv-allensdk/bin/python scripts/allensdk/make_reference.py --extend [--only GLOB]
    .venv-allensdk/bin/python scripts/allensdk/make_reference.py --list

Every case file is reference/traces/<config key>/<case>.json.gz in the format
`glif-allensdk-ref-v1` (reference/README.md). A case is fully described by its
own recipe fields: `config_key` (an entry of reference/configs/index.json),
`config_modifications` (top-level keys replaced in the unwrapped config),
`dt` (assigned to `neuron.dt` after `GlifNeuron.from_dict`), `stimulus`
(rebuilt exactly, see `build_stimulus`) and `trace_stride`.

--check   rebuilds each stored case from its recipe, runs AllenSDK, and compares
          with the stored file: the `config` dict (types and float bits), the
          stimulus check, the error, spike steps, every spike list, every
          stored trace sample (bit-for-bit, NaN = null), the reset fields, and
          the summaries (n_nan/min/max exact, mean to 1e-12 relative). It also
          says whether the re-serialised file is byte-identical to the stored
          JSON apart from `run_wall_s`. Prints OK or DIFF per case; exit 1 on
          any DIFF.
--regen   rewrites the stored cases from their recipes (keeps `note` and
          `amplitude_multiplier`).
--extend  writes the extension cases defined in `extension_cases()`:
          `combo-*` (every combination of built-in method names on one GLIF5
          config; the `linear_exact` ones with AllenSDK's own
          dynamics_voltage_linear_exact registered, as `allensdk_patch`
          says), `linear_exact_registered` and `asc_count_<n>`.
--index   rewrites reference/traces/index.json (--regen and --extend do too).

--exp table (the default) runs AllenSDK with numpy's AVX512F exp results
from reference/numpy-exp.json in place of this numpy's exp (see TableExp), so
that every command reproduces the stored cases on any x86-64 CPU; --exp numpy
uses this numpy's own exp (on an AVX512F CPU the two agree: that is how the
table was recorded).

Only the standard library, numpy and allensdk are used.

CPU dependence: numpy 1.23.5 computes float64 exp with its own AVX512F kernel
when the CPU has AVX512F, and with the C library's exp otherwise; the two differ
by an ulp for a large share of the exp arguments GLIF uses. The stored traces
were made with the AVX512F kernel. With --exp numpy on a CPU without AVX512F
(or with NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX
AVX512_CNL AVX512_ICL"), every case that calls exp (all but GLIF1) reports
DIFF by a few ulps; with --exp table they reproduce. --check prints which
path is active.
"""
import argparse
import copy
import fnmatch
import glob
import gzip
import hashlib
import itertools
import json
import math
import os
import platform
import struct
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
REF = os.path.join(REPO, "reference")
SCHEMA = "glif-allensdk-ref-v1"

KEY_ORDER = [
    "schema", "config_key", "config_file", "config_wrap_key", "level", "case",
    "note", "config_modifications", "config", "dt", "stimulus",
    "stimulus_check", "n_samples", "trace_stride", "allensdk_version",
    "numpy_version", "python_version", "error", "spike_time_steps",
    "grid_spike_times", "interpolated_spike_times",
    "interpolated_spike_voltage", "interpolated_spike_threshold",
    "bad_reset_flag", "n_resets", "threshold_components_len",
    "last_non_nan_index", "summary", "trace_sha256", "error_step",
    "error_prefix", "voltage", "threshold", "AScurrents", "run_wall_s",
]


# ---------------------------------------------------------------- configs
def config_index():
    with open(os.path.join(REF, "configs", "index.json")) as f:
        return {e["key"]: e for e in json.load(f)}


def load_config(key, index=None):
    """The unwrapped config dict of a reference config key, as json.load gives it."""
    e = (index or config_index())[key]
    with open(os.path.join(REF, e["file"])) as f:
        d = json.load(f)
    if e.get("wrap_key") is not None:
        d = d[e["wrap_key"]]
    return e, d


def apply_modifications(config, mods):
    config = copy.deepcopy(config)
    for k, v in (mods or {}).items():
        config[k] = copy.deepcopy(v)
    return config


# ---------------------------------------------------------------- stimulus
def build_stimulus(desc):
    """Rebuild a stimulus exactly from its description (reference/README.md)."""
    kind, n = desc["kind"], desc["n"]
    stim = np.zeros(n)
    if kind == "piecewise_constant":
        for a, b, v in desc["segments"]:
            stim[a:b] = v
    elif kind == "ramp":
        start, stop, amp = desc["start"], desc["stop"], desc["amp_end"]
        length = stop - start
        # (j / length) first, in f64, then times amp_end
        stim[start:stop] = (np.arange(length) / length) * amp
    elif kind == "held_levels":
        start, hold, levels = desc["start"], desc["hold"], np.asarray(desc["levels"], dtype=float)
        j = np.arange(n - start)
        stim[start:] = levels[j // hold]
    elif kind == "explicit":
        stim[:] = np.asarray(desc["values"], dtype=float)
    else:
        raise ValueError("unknown stimulus kind %r" % kind)
    return stim


def stimulus_check(stim):
    return {
        "sum": float(np.sum(stim)),
        "max": float(np.max(stim)),
        "min": float(np.min(stim)),
        "every_10000th": [float(x) for x in stim[::10000]],
    }


# ---------------------------------------------------------------- numpy's exp
class MissingExp(BaseException):
    """An exp argument the table lacks. A BaseException, so that run_allensdk
    (which records AllenSDK's own exceptions as the case's `error`) lets it
    through and the script stops."""


class TableExp:
    """numpy's exp with each result taken from reference/numpy-exp.json.

    The stored traces were made by numpy 1.23.5's AVX512F exp kernel; other
    CPUs compute some exponentials an ulp apart. Installed as the `np` that
    AllenSDK's glif_neuron_methods sees (its only calls of exp), this gives
    AllenSDK's own code the AVX512F results on any CPU. Every other numpy
    function is numpy's own. An argument missing from the table raises: the
    table must then be extended on an AVX512F CPU (`--exp numpy`, then
    numpy_exp_table.py)."""

    def __init__(self, path):
        with open(path) as f:
            doc = json.load(f)
        self.table = {float.fromhex(a): float.fromhex(r) for a, r in doc["exp"].items()}
        self.calls = 0

    def __getattr__(self, name):
        return getattr(np, name)

    def _get(self, v):
        r = self.table.get(v)  # -0.0 and 0.0 are one key: both give 1.0
        if r is None:
            raise MissingExp("exp argument %s is not in reference/numpy-exp.json "
                             "(extend the table on an AVX512F CPU: --exp numpy, then "
                             "numpy_exp_table.py)" % float(v).hex())
        return r

    def exp(self, x):
        if type(x) in (float, np.float64):
            return np.float64(self._get(float(x)))
        a = np.asarray(x, dtype=np.float64)
        if a.ndim == 0:
            return np.float64(self._get(float(a)))
        return np.array([self._get(v) for v in a.ravel().tolist()],
                        dtype=np.float64).reshape(a.shape)


EXP_MODE = {"mode": "table"}


def install_exp(mode):
    """Make AllenSDK's exponentials numpy's own (`numpy`) or the table's (`table`)."""
    from allensdk.model.glif import glif_neuron_methods as m
    EXP_MODE["mode"] = mode
    m.np = TableExp(os.path.join(REF, "numpy-exp.json")) if mode == "table" else np


def trace_sha256(x):
    """SHA-256 of a full trace: its float64 values little-endian in C order
    (AScurrents row by row), every NaN written as 0x7ff8000000000000."""
    a = np.ascontiguousarray(x, dtype="<f8")
    bits = a.view("<u8").copy()
    bits[np.isnan(a)] = 0x7FF8000000000000
    return hashlib.sha256(bits.tobytes()).hexdigest()


# ---------------------------------------------------------------- running
def _nan_to_none(x):
    x = float(x)
    return None if math.isnan(x) else x


def _summary(x):
    ok = x[~np.isnan(x)]
    if ok.size == 0:
        return {"n_nan": int(x.size), "min": None, "max": None, "mean": None}
    return {"n_nan": int(np.isnan(x).sum()), "min": float(ok.min()),
            "max": float(ok.max()), "mean": float(np.mean(ok))}


def run_allensdk(config, dt, stim):
    """Run GlifNeuron once. Returns (outputs dict or None, error dict or None, neuron, seconds)."""
    from allensdk.model.glif.glif_neuron import GlifNeuron
    neuron = None
    flags = []
    steps = []
    t0 = time.perf_counter()
    try:
        neuron = GlifNeuron.from_dict(config)
        neuron.dt = dt
        # Each step's dynamics outputs (until the first spike), so that a run
        # that raises still shows what AllenSDK computed before it raised.
        dynamics = neuron.dynamics

        def recording_dynamics(v, th, asc, inj, time_step, spike_time_steps):
            r = dynamics(v, th, asc, inj, time_step, spike_time_steps)
            if not spike_time_steps and len(steps) == time_step:
                steps.append((time_step, float(r[0]), float(r[1]), [float(a) for a in r[2]]))
            else:
                steps.append((time_step,))
            return r
        neuron.dynamics = recording_dynamics
        # run() keeps the bad-reset flag in a local variable: record what each
        # reset() call returns (the wrapper does not change any value).
        reset = neuron.reset

        def recording_reset(*args):
            r = reset(*args)
            flags.append(bool(r[3]))
            return r
        neuron.reset = recording_reset
        out = neuron.run(stim)
    except Exception as e:  # AllenSDK raises plain Exception / AssertionError
        err = {"type": type(e).__name__, "message": str(e)}
        return {"_steps": steps}, err, neuron, time.perf_counter() - t0
    out["_reset_flags"] = flags
    return out, None, neuron, time.perf_counter() - t0


def make_case(config_key, case, note, mods, dt, stimulus, stride, extra=None, index=None,
              config_override=None):
    """Build one case dict in the glif-allensdk-ref-v1 format (key order as stored)."""
    import allensdk
    entry, base = load_config(config_key, index)
    config = config_override if config_override is not None else apply_modifications(base, mods)
    stim = build_stimulus(stimulus)
    d = {
        "schema": SCHEMA,
        "config_key": config_key,
        "config_file": entry["file"],
        "config_wrap_key": entry.get("wrap_key"),
        "level": entry["level"],
        "case": case,
        "note": note,
        "config_modifications": mods,
        "config": config,
        "dt": dt,
        "stimulus": stimulus,
        "stimulus_check": stimulus_check(stim),
        "n_samples": int(stim.size),
        "trace_stride": stride,
        "allensdk_version": allensdk.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }
    out, err, neuron, secs = run_allensdk(config, dt, stim)
    d["error"] = err
    if err is not None and out["_steps"]:
        # The step whose dynamics ran last before AllenSDK raised, and the
        # values AllenSDK had stored before it: every sample before the
        # first spike (stride 1).
        d["error_step"] = out["_steps"][-1][0]
        full = [s for s in out["_steps"] if len(s) == 4]
        stored = [s for s in full if s[0] < d["error_step"]]
        d["error_prefix"] = {
            "voltage": [s[1] for s in stored],
            "threshold": [s[2] for s in stored],
            "AScurrents": [s[3] for s in stored],
        }
    if err is None:
        v, th, asc = out["voltage"], out["threshold"], out["AScurrents"]
        steps = [int(s) for s in out["spike_time_steps"]]
        d["spike_time_steps"] = steps
        for k in ("grid_spike_times", "interpolated_spike_times",
                  "interpolated_spike_voltage", "interpolated_spike_threshold"):
            d[k] = [float(x) for x in out[k]]
        tc = neuron.threshold_components
        ok = np.nonzero(~np.isnan(v))[0]
        d["bad_reset_flag"] = any(out["_reset_flags"])
        d["n_resets"] = len(out["_reset_flags"])
        d["threshold_components_len"] = None if tc is None else len(tc["spike"])
        d["last_non_nan_index"] = int(ok[-1]) if ok.size else None
        d["summary"] = {
            "voltage": _summary(v),
            "threshold": _summary(th),
            "AScurrents": [_summary(asc[:, i]) for i in range(asc.shape[1])],
        }
        d["trace_sha256"] = {"voltage": trace_sha256(v), "threshold": trace_sha256(th),
                             "AScurrents": trace_sha256(asc)}
        d["voltage"] = [_nan_to_none(x) for x in v[::stride]]
        d["threshold"] = [_nan_to_none(x) for x in th[::stride]]
        d["AScurrents"] = [[_nan_to_none(x) for x in row] for row in asc[::stride]]
        d["run_wall_s"] = secs
    if extra:
        d.update(extra)
    return d


# ---------------------------------------------------------------- JSON
def dumps(d):
    # The original generator wrote cases that raised with json's default
    # separators and all others compactly; keep that so --regen is byte-stable.
    if d.get("error") is not None:
        return json.dumps(d, allow_nan=False)
    return json.dumps(d, separators=(",", ":"), allow_nan=False)


def write_case(d):
    path = os.path.join(REF, "traces", d["config_key"], d["case"] + ".json.gz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as g:
        g.write(dumps(d).encode())
    return path


def read_case(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return raw, json.loads(raw)


def stored_cases(only=None):
    paths = sorted(glob.glob(os.path.join(REF, "traces", "*", "*.json.gz")))
    out = []
    for p in paths:
        name = os.path.relpath(p, os.path.join(REF, "traces"))[:-len(".json.gz")]
        if only and not any(fnmatch.fnmatch(name, g) for g in only):
            continue
        out.append((name, p))
    return out


def index_doc():
    """reference/traces/index.json: every stored case, with AllenSDK's error
    message when its run raised. `cargo xtask verify` and the test suites
    check the files on disk against it and expect exactly its count."""
    cases = []
    for name, path in stored_cases():
        _, d = read_case(path)
        cases.append({"name": name, "error": d["error"]["message"] if d.get("error") else None})
    return {"what": "the AllenSDK reference cases under reference/traces (make_reference.py --index)",
            "count": len(cases), "cases": cases}


def write_index():
    path = os.path.join(REF, "traces", "index.json")
    doc = index_doc()
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote %s (%d cases)" % (os.path.relpath(path, REPO), doc["count"]))


# ---------------------------------------------------------------- comparison
def _bits(x):
    return None if x is None else struct.pack("<d", float(x))


def _same_json(a, b):
    """Structural equality with types kept (int vs float) and floats compared by bits."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return _bits(a) == _bits(b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b))
    return a == b


def _first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if not _same_json(x, y):
            return "first at [%d]: stored %r, now %r" % (i, x, y)
    return "lengths %d vs %d" % (len(a), len(b))


def compare(stored, new):
    diffs = []
    for k in ("config", "dt", "stimulus", "n_samples", "trace_stride", "stimulus_check", "error"):
        if not _same_json(stored.get(k), new.get(k)):
            diffs.append(k)
    for k in ("error_step", "error_prefix", "trace_sha256"):
        if not _same_json(stored.get(k), new.get(k)):
            diffs.append(k)
    if stored.get("error") is None and new.get("error") is None:
        for k in ("spike_time_steps", "grid_spike_times", "interpolated_spike_times",
                  "interpolated_spike_voltage", "interpolated_spike_threshold",
                  "voltage", "threshold", "AScurrents"):
            if not _same_json(stored[k], new[k]):
                diffs.append("%s (%s)" % (k, _first_diff(stored[k], new[k])))
        for k in ("bad_reset_flag", "n_resets", "threshold_components_len", "last_non_nan_index"):
            if stored[k] != new[k]:
                diffs.append("%s %r vs %r" % (k, stored[k], new[k]))
        s_all = [stored["summary"]["voltage"], stored["summary"]["threshold"]] + stored["summary"]["AScurrents"]
        n_all = [new["summary"]["voltage"], new["summary"]["threshold"]] + new["summary"]["AScurrents"]
        if len(s_all) != len(n_all):
            diffs.append("summary length")
        for i, (s, n) in enumerate(zip(s_all, n_all)):
            for k in ("n_nan", "min", "max"):
                if not _same_json(s[k], n[k]):
                    diffs.append("summary[%d].%s" % (i, k))
            sm, nm = s["mean"], n["mean"]
            if (sm is None) != (nm is None) or (sm is not None and abs(sm - nm) > 1e-12 * max(abs(sm), 1e-300)):
                diffs.append("summary[%d].mean %r vs %r" % (i, sm, nm))
    return diffs


def recipe_of(stored):
    extra = {k: stored[k] for k in stored if k not in KEY_ORDER}
    return dict(config_key=stored["config_key"], case=stored["case"], note=stored["note"],
                mods=stored["config_modifications"], dt=stored["dt"],
                stimulus=stored["stimulus"], stride=stored["trace_stride"], extra=extra or None)


def numpy_exp_path():
    try:
        from numpy.core._multiarray_umath import __cpu_features__ as f
        return "AVX512F kernel" if f.get("AVX512F") else "C library exp (no AVX512F)"
    except Exception:
        return "unknown"


def cmd_check(only):
    index = config_index()
    print("numpy %s, float64 exp path: %s (the stored traces were made with the AVX512F kernel); "
          "AllenSDK's exp here: %s" % (np.__version__, numpy_exp_path(),
                                        "reference/numpy-exp.json (--exp table)"
                                        if EXP_MODE["mode"] == "table" else "numpy's own (--exp numpy)"),
          flush=True)
    cases = stored_cases(only)
    n_ok = n_bytes = 0
    bad = []
    t_all = time.perf_counter()
    for name, path in cases:
        raw, stored = read_case(path)
        if stored.get("allensdk_patch"):
            new = make_patched_case(stored, index)
        else:
            new = make_case(index=index, **recipe_of(stored))
        diffs = compare(stored, new)
        if "run_wall_s" in stored and "run_wall_s" in new:
            new["run_wall_s"] = stored["run_wall_s"]
        same_bytes = dumps(new).encode() == raw
        n_bytes += same_bytes
        if diffs:
            bad.append(name)
            print("DIFF %s: %s" % (name, "; ".join(diffs)), flush=True)
        else:
            n_ok += 1
            print("OK   %s (%d spikes%s)%s" % (
                name, len(new.get("spike_time_steps") or []),
                ", error " + new["error"]["type"] if new["error"] else "",
                "" if same_bytes else " [JSON text differs apart from run_wall_s]"), flush=True)
    print("checked %d cases in %.0f s: %d OK, %d DIFF; %d byte-identical apart from run_wall_s"
          % (len(cases), time.perf_counter() - t_all, n_ok, len(bad), n_bytes))
    with open(os.path.join(REF, "traces", "index.json")) as f:
        index_ok = json.load(f) == index_doc()
    print("reference/traces/index.json %s" % ("matches the stored cases" if index_ok
                                               else "DIFFERS from the stored cases (--index rewrites it)"))
    return 1 if bad or not index_ok else 0


def cmd_regen(only):
    index = config_index()
    for name, path in stored_cases(only):
        _, stored = read_case(path)
        if stored.get("allensdk_patch"):
            new = make_patched_case(stored, index)
        else:
            new = make_case(index=index, **recipe_of(stored))
        print("wrote", write_case(new), flush=True)
    write_index()


# ---------------------------------------------------------------- extension cases
COMBO_KEY = "osb_566283540_GLIF5"
COMBO_STIM = {"kind": "piecewise_constant", "n": 4000, "segments": [[200, 3800, 6e-10]]}
COMBO_DT = 5e-06

COMBO_AXES = [
    ("voltage_dynamics_method", ["linear_forward_euler", "linear_exact"]),
    ("threshold_dynamics_method", ["inf", "spike_component", "three_components_exact"]),
    ("AScurrent_dynamics_method", ["exp", "none"]),
    ("voltage_reset_method", ["zero", "v_before"]),
    ("threshold_reset_method", ["inf", "three_components"]),
    ("AScurrent_reset_method", ["sum", "none"]),
]
SHORT = {"voltage_dynamics_method": "vd", "threshold_dynamics_method": "td",
         "AScurrent_dynamics_method": "ad", "voltage_reset_method": "vr",
         "threshold_reset_method": "tr", "AScurrent_reset_method": "ar"}


def method_params(base, kind, name):
    """Parameters each built-in rule takes, taken from the GLIF5 config's own methods."""
    if kind == "threshold_dynamics_method" and name in ("spike_component", "three_components_exact"):
        return copy.deepcopy(base["threshold_dynamics_method"]["params"])
    if kind == "threshold_reset_method" and name == "three_components":
        return copy.deepcopy(base["threshold_reset_method"]["params"])
    if kind == "voltage_reset_method" and name == "v_before":
        return copy.deepcopy(base["voltage_reset_method"]["params"])
    if kind == "AScurrent_reset_method" and name == "sum":
        return copy.deepcopy(base["AScurrent_reset_method"]["params"])
    return {}


def combo_note(names, d):
    """Short human summary of a combo run, for the case's note."""
    parts = ["combination of built-in rule names on %s: %s" % (
        COMBO_KEY, ", ".join("%s=%s" % (k, v) for k, v in names))]
    if d.get("allensdk_patch"):
        parts.append("AllenSDK's own dynamics_voltage_linear_exact registered by hand (allensdk_patch)")
    if d["error"]:
        parts.append("AllenSDK raised %s: %s" % (d["error"]["type"], d["error"]["message"]))
    else:
        parts.append("%d spikes" % len(d["spike_time_steps"]))
        if d["bad_reset_flag"]:
            parts.append("bad reset: run stopped after the 5-sample fill")
    return "; ".join(parts)


def extension_cases():
    """Yield (config_key, case, note_fn, mods, dt, stimulus, stride)."""
    index = config_index()
    _, base = load_config(COMBO_KEY, index)
    for combo in itertools.product(*[names for _, names in COMBO_AXES]):
        names = list(zip([k for k, _ in COMBO_AXES], combo))
        mods = {k: {"name": n, "params": method_params(base, k, n)} for k, n in names}
        case = "combo-" + "-".join("%s_%s" % (SHORT[k], n) for k, n in names)
        yield COMBO_KEY, case, (lambda d, names=names: combo_note(names, d)), mods, COMBO_DT, COMBO_STIM, 1

    # after-spike current counts
    for key in ("osb_566283540_GLIF5", "teeter_313861677_GLIF3"):
        _, cfg = load_config(key, index)
        tau0, amp0 = cfg["asc_tau_array"], cfg["asc_amp_array"]
        # the real two currents, then two invented ones (10 ms and 100 ms, small amplitudes)
        taus = list(tau0) + [0.01, 0.1]
        amps = list(amp0) + [-2.0e-11, 1.0e-11]
        for n in (0, 1, 3, 4):
            mods = {
                "asc_tau_array": taus[:n],
                "asc_amp_array": amps[:n],
                "init_AScurrents": [0.0] * n,
                "coeffs": dict(cfg["coeffs"], asc_amp_array=[1.0] * n),
                "AScurrent_reset_method": {"name": "sum", "params": {"r": [1.0] * n}},
            }
            def note(d, n=n, key=key):
                s = ("%s with %d after-spike currents: asc_tau_array, asc_amp_array, "
                     "init_AScurrents, coeffs.asc_amp_array and the sum reset's r all cut or "
                     "extended to length %d (currents 3 and 4 are invented: tau 10 ms, 100 ms; "
                     "amp -2e-11, 1e-11 A)" % (key, n, n))
                if d["error"]:
                    return s + "; AllenSDK raised %s: %s" % (d["error"]["type"], d["error"]["message"])
                return s + "; runs, %d spikes" % len(d["spike_time_steps"])
            yield key, "asc_count_%d" % n, note, mods, COMBO_DT, COMBO_STIM, 1


PATCH_LINEAR_EXACT = ("METHOD_LIBRARY['voltage_dynamics_method']['linear_exact'] = "
                      "glif_neuron_methods.dynamics_voltage_linear_exact (registered by this script; "
                      "AllenSDK 2.16.2 does not register it)")


def make_patched_case(stored_or_recipe, index=None):
    """The linear_exact_registered case: AllenSDK with linear_exact registered by hand."""
    from allensdk.model.glif import glif_neuron_methods as m
    lib = m.METHOD_LIBRARY["voltage_dynamics_method"]
    added = "linear_exact" not in lib
    lib["linear_exact"] = m.dynamics_voltage_linear_exact
    try:
        r = stored_or_recipe
        extra = {"allensdk_patch": PATCH_LINEAR_EXACT}
        return make_case(r["config_key"], r["case"], r["note"], r["config_modifications"],
                         r["dt"], r["stimulus"], r["trace_stride"], extra=extra, index=index)
    finally:
        if added:
            del lib["linear_exact"]


def cmd_extend(only):
    index = config_index()
    written = []
    for key, case, note_fn, mods, dt, stim, stride in extension_cases():
        name = key + "/" + case
        if only and not any(fnmatch.fnmatch(name, g) for g in only):
            continue
        if mods.get("voltage_dynamics_method", {}).get("name") == "linear_exact":
            recipe = {"config_key": key, "case": case, "note": None, "config_modifications": mods,
                      "dt": dt, "stimulus": stim, "trace_stride": stride}
            d = make_patched_case(recipe, index)
        else:
            d = make_case(key, case, None, mods, dt, stim, stride, index=index)
        d["note"] = note_fn(d)
        print("wrote", os.path.relpath(write_case(d), REPO), "|", d["note"][-110:], flush=True)
        written.append(name)
    name = COMBO_KEY + "/linear_exact_registered"
    if not only or any(fnmatch.fnmatch(name, g) for g in only):
        recipe = {"config_key": COMBO_KEY, "case": "linear_exact_registered",
                  "note": ("the published GLIF5 config with voltage_dynamics_method linear_exact, "
                           "after registering AllenSDK's own dynamics_voltage_linear_exact in "
                           "METHOD_LIBRARY (see allensdk_patch); shows what that unregistered "
                           "rule computes"),
                  "config_modifications": {"voltage_dynamics_method": {"name": "linear_exact", "params": {}}},
                  "dt": COMBO_DT, "stimulus": COMBO_STIM, "trace_stride": 1}
        d = make_patched_case(recipe, index)
        print("wrote", os.path.relpath(write_case(d), REPO), flush=True)
    write_index()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--check", action="store_true")
    g.add_argument("--regen", action="store_true")
    g.add_argument("--extend", action="store_true")
    g.add_argument("--list", action="store_true")
    g.add_argument("--index", action="store_true", help="rewrite reference/traces/index.json")
    ap.add_argument("--only", action="append", help="glob on '<config key>/<case>' (repeatable)")
    ap.add_argument("--exp", choices=["table", "numpy"], default="table",
                    help="AllenSDK's exponentials: numpy's AVX512F results from "
                         "reference/numpy-exp.json (default; any CPU), or this numpy's own exp")
    a = ap.parse_args()
    install_exp(a.exp)
    if a.list:
        for name, _ in stored_cases(a.only):
            print(name)
        return 0
    if a.index:
        write_index()
        return 0
    if a.check:
        return cmd_check(a.only)
    if a.regen:
        cmd_regen(a.only)
        return 0
    cmd_extend(a.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
