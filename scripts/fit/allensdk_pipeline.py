#!/usr/bin/env python3
"""Runs AllenSDK 2.16.2's own GLIF fitting pipeline (`allensdk.internal.model.glif`) on
synthetic cells and writes every stage's inputs and outputs as glif-rs's reference.

AllenSDK's pipeline as shipped does not run on Python 3. The smallest set of patches that
makes it run is applied HERE, AT IMPORT TIME, as exact string replacements of the installed
sources, compiled in memory under the original file names (the installed files are never
edited). Each patch is listed in PATCHES below with the original text beside the new one,
and in reference/fit/README.md. Every patch either fixes a Python 2 construct or a newer
library's refusal; none changes a number the original code computes when it runs (the
curve_fit patch passes the same values in the form scipy 1.11 accepts).

The pipeline itself is AllenSDK's `preprocess_neuron.preprocess_neuron` followed by
`configure_model.configure_model` for the five levels; this script only wraps the stage
functions it calls (in the module namespaces they are looked up in) to record their inputs,
outputs and wall time, and turns plotting off through the module's own switches
(MAKE_PLOT, SAVE_FIG).

    .venv-allensdk/bin/python scripts/fit/make_cells.py --out /tmp/glif-fit-cells
    .venv-allensdk/bin/python scripts/fit/allensdk_pipeline.py --cells-dir /tmp/glif-fit-cells --out reference/fit
    .venv-allensdk/bin/python scripts/fit/allensdk_pipeline.py --quick --cells-dir /tmp/glif-fit-cells   # CI

--quick (CI) regenerates one cell if needed, runs the loading, spike and R/C/El stages on it
and compares them with the committed reference; it fails (exit 1) on any difference.
"""

import argparse
import copy
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# (module, original text, replacement, occurrences, why)
PATCHES = [
    ("allensdk.internal.model.glif.find_spikes",
     "return spike_shapes, current_shapes, aligned_spike_ind, wave_index_of_first_spikes, spike_sweeps",
     "return spike_shapes, current_shapes, aligned_spike_ind.astype(int), wave_index_of_first_spikes, spike_sweeps",
     1, "align_and_cut_spikes builds its aligned indices with np.append onto a float array; "
        "spike_cutting indexes arrays with them, which numpy >= 1.12 refuses (IndexError). "
        "The values are whole numbers (int(0.002/dt) * ones), so astype(int) keeps them."),
    ("allensdk.internal.model.glif.MLIN",
     "return result[result.size/2:]",
     "return result[result.size//2:]",
     1, "Python 2 integer division in MLIN.autocorr: a float slice index is a TypeError on Python 3."),
    ("allensdk.internal.model.glif.ASGLM",
     "family=sm.families.Gaussian(sm.families.links.identity)",
     "family=sm.families.Gaussian(sm.families.links.identity())",
     1, "statsmodels 0.14 wants a link instance, not the class; without this every "
        "after-spike-current GLM raises and ASGLM_pairwise fails."),
    ("allensdk.internal.model.glif.threshold_adaptation",
     "curve_fit(exp_force_c, (time_previous_spike, thresh_inf), threshold,",
     "curve_fit(exp_force_c, np.array([time_previous_spike, np.full(len(time_previous_spike), thresh_inf)]), threshold,",
     1, "scipy 1.11 (this venv) converts xdata with np.asarray(xdata, float), which refuses the "
        "ragged tuple (array, scalar) (ValueError). exp_force_c unpacks xdata into (t, const) "
        "and adds const element-wise, so a row of thresh_inf gives the same values."),
    ("allensdk.internal.model.glif.threshold_adaptation",
     "logging.error(e.message)",
     "logging.error(str(e))",
     1, "Python 2 exception attribute: e.message is an AttributeError on Python 3, raised "
        "inside the except block that is meant to swallow the fit's failure and return None."),
    ("allensdk.internal.model.glif.error_functions",
     "temp=range(btw_spike_edges[0], btw_spike_edges[1], noSpike_bin_size_ind)",
     "temp=list(range(btw_spike_edges[0], btw_spike_edges[1], noSpike_bin_size_ind))",
     1, "Python 2 range() is a list; MLIN_list_error appends to it (AttributeError on Python 3). "
        "Only the optimizer reference (--part2) imports error_functions' MLIN_list_error."),
    ("allensdk.internal.model.glif.configure_model",
     "import find_sweeps as fs",
     "import allensdk.internal.model.glif.find_sweeps as fs",
     1, "Python 2 implicit relative import."),
]

# The method names of the published Teeter et al. configs of each level (reference/configs/teeter):
# the threshold's dynamics, the reset (without or with the spike component's "R") and the
# after-spike currents (none or "ASC") in the configs' key order.
_RESET = dict(voltage_reset_method="zero", threshold_reset_method="inf")
_RESET_R = dict(voltage_reset_method="v_before", threshold_reset_method="three_components")
_NO_ASC = dict(AScurrent_dynamics_method="none", AScurrent_reset_method="none")
_ASC = dict(AScurrent_dynamics_method="exp", AScurrent_reset_method="sum")


def _level(name, threshold_dynamics, reset, asc):
    return dict(name=name, voltage_dynamics_method="linear_forward_euler",
                threshold_dynamics_method=threshold_dynamics, **reset, **asc,
                error_function="MLIN", param_fit_names=["th_inf"])


LEVELS = {
    "GLIF1": _level("LIF", "inf", _RESET, _NO_ASC),
    "GLIF2": _level("LIF_R", "spike_component", _RESET_R, _NO_ASC),
    "GLIF3": _level("LIF_ASC", "inf", _RESET, _ASC),
    "GLIF4": _level("LIF_R_ASC", "spike_component", _RESET_R, _ASC),
    "GLIF5": _level("LIF_R_ASC_AT", "three_components_exact", _RESET_R, _ASC),
}

QUICK_CELL = "adapting"
QUICK_STAGES = ("load_sweeps", "find_spikes_list", "least_squares_RCEl_calc_tested", "estimate_dv_cutoff")


def apply_patches():
    """Imports each patched module from its installed source with the replacements applied,
    registers it in sys.modules (so every later import gets it) and returns the patch list."""
    import numpy  # noqa: F401  (the patched modules import it themselves)
    by_module = {}
    for mod, old, new, count, why in PATCHES:
        by_module.setdefault(mod, []).append((old, new, count))
    for mod, reps in by_module.items():  # dict order = PATCHES order: find_spikes first
        if mod in sys.modules:
            raise RuntimeError("%s was imported before it could be patched" % mod)
        spec = importlib.util.find_spec(mod)
        with open(spec.origin) as fh:
            src = fh.read()
        for old, new, count in reps:
            found = src.count(old)
            if found != count:
                raise RuntimeError("patch for %s expects %d occurrence(s) of %r, found %d"
                                   % (mod, count, old, found))
            src = src.replace(old, new)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod] = module
        exec(compile(src, spec.origin, "exec"), module.__dict__)
        parent, _, child = mod.rpartition(".")
        setattr(importlib.import_module(parent), child, module)


# ---------------------------------------------------------------- recording

def arr_digest(a):
    """What the reference keeps of an array: dtype, length, SHA-256 of its values as
    little-endian float64 (exact for float32 data), and samples at fixed positions."""
    import numpy as np
    a = np.asarray(a)
    flat = a.ravel()
    n = flat.size
    idx = sorted(set([0, 1, 2] + [n * k // 16 for k in range(1, 16)] + [n - 2, n - 1])) if n else []
    idx = [i for i in idx if 0 <= i < n]
    return {
        "dtype": str(a.dtype), "len": int(n),
        "sha256_f64le": hashlib.sha256(flat.astype("<f8").tobytes()).hexdigest(),
        "samples": {str(i): float(flat[i]) for i in idx},
    }


def plain(x, digest_arrays=True):
    """JSON-ready copy: numpy scalars to Python numbers, long arrays digested, short ones listed."""
    import numpy as np
    if isinstance(x, dict):
        return {str(k): plain(v, digest_arrays) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v, digest_arrays) for v in x]
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "iu":
            return [int(v) for v in x.ravel()] if x.ndim <= 1 else x.tolist()
        if digest_arrays and x.size > 64:
            return {"array": arr_digest(x)}
        return x.tolist()
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, (range,)):
        return list(x)
    if callable(x):
        return getattr(x, "__name__", repr(x))
    return x


class Recorder:
    def __init__(self):
        self.calls = []
        self.depth = 0
        self.stage_seconds = {}
        self.stage_cpu_seconds = {}  # process time: the machine is shared, wall time is not the cost

    def wrap(self, module, name, summarize_in, summarize_out):
        fn = getattr(module, name)
        rec = self

        def wrapper(*args, **kwargs):
            entry = {"stage": name, "depth": rec.depth, "inputs": summarize_in(*args, **kwargs)}
            rec.depth += 1
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                out = fn(*args, **kwargs)
            finally:
                dt, dc = time.perf_counter() - t0, time.process_time() - c0
                rec.depth -= 1
            entry["seconds"] = dt
            entry["cpu_seconds"] = dc
            entry["outputs"] = summarize_out(out)
            if entry["depth"] == 0:
                rec.stage_seconds[name] = rec.stage_seconds.get(name, 0.0) + dt
                rec.stage_cpu_seconds[name] = rec.stage_cpu_seconds.get(name, 0.0) + dc
            rec.calls.append(entry)
            return out

        wrapper.__wrapped__ = fn
        setattr(module, name, wrapper)


def instrument(rec, pn, fspk, tadapt):
    import numpy as np

    def sweeps_in(nwb_file, sweep_numbers, dt=None, cut=0, bessel=False):
        return {"sweeps": [int(s) for s in sweep_numbers], "dt": dt, "cut": cut, "bessel": bessel}

    def sweeps_out(d):
        return {"voltage": [arr_digest(v) for v in d["voltage"]],
                "current": [arr_digest(c) for c in d["current"]],
                "dt": [float(x) for x in d["dt"]], "start_idx": [int(x) for x in d["start_idx"]]}

    def vlist_in(voltage_list, dt, *rest, **kw):
        return {"voltage": [arr_digest(v) for v in voltage_list], "dt": dt,
                "rest": plain(list(rest)), "kwargs": plain(kw)}

    def spikes_out(out):
        idx, v = out
        return {"indices": [[int(i) for i in a] for a in idx],
                "threshold_v_mV": [[float(x) for x in a] for a in v]}

    rec.wrap(pn, "load_sweeps", sweeps_in, sweeps_out)
    rec.wrap(pn, "estimate_dv_cutoff", vlist_in, lambda o: {"dv_cutoff": float(o[0]), "thresh_frac": float(o[1])})
    for mod in (pn, fspk):
        rec.wrap(mod, "find_spikes_list", vlist_in, spikes_out)
    for mod in (fspk, tadapt):
        rec.wrap(mod, "find_spikes_ssq_list", vlist_in, spikes_out)
    rec.wrap(pn, "least_squares_RCEl_calc_tested",
             lambda v, c, dt: {"voltage": [arr_digest(x) for x in v], "current": [arr_digest(x) for x in c], "dt": dt},
             lambda o: {"R": plain(o[0]), "C": plain(o[1]), "El": plain(o[2])})
    rec.wrap(pn, "calc_spike_cut_and_v_reset_via_expvar_residuals",
             lambda cur, volt, dt, El, dV, **kw: {"dt": dt, "El_reference": El, "deltaV": dV,
                                                  "max_spike_cut_time": plain(kw.get("max_spike_cut_time"))},
             lambda o: {"spike_cut_length": plain(o[0]), "slope": plain(o[1]), "intercept": plain(o[2])})
    rec.wrap(pn, "ASGLM_pairwise",
             lambda ks, I, V, si, cinit, tauinit, SCL, dt, El, **kw: {
                 "ks": plain(ks), "spike_ind": plain(si), "C": cinit, "tau": tauinit, "SCL": plain(SCL),
                 "dt": dt, "El": El},
             lambda o: {"best_k_pair": plain(o[0]), "asc_amp": plain(o[1]), "R": plain(o[2]), "llh": plain(o[3])})
    rec.wrap(pn, "find_first_spike_voltage",
             lambda v, dt, **kw: {"voltage": arr_digest(v), "dt": dt,
                                  "dv_cutoff": plain(kw.get("dv_cutoff")), "thresh_frac": plain(kw.get("thresh_frac"))},
             lambda o: float(o))
    rec.wrap(pn, "calc_spike_component_of_threshold_from_multiblip",
             lambda d, dt, dvc, tf, **kw: {"voltage": [arr_digest(v) for v in d["voltage"]], "dt": dt,
                                           "dv_cutoff": dvc, "thresh_frac": tf},
             lambda o: {"a_spike_raw": plain(o[0]), "b_spike": plain(o[1]), "thresh_inf": plain(o[2])})
    rec.wrap(pn, "MLIN",
             lambda v, c, R, C, dt, **kw: {"voltage": arr_digest(v), "current": arr_digest(c), "R": R, "C": C, "dt": dt},
             lambda o: {"var_of_section": float(o[0]), "sv_for_expsymm": float(o[1]), "tau_from_AC": float(o[2])})

    # fmin: record every evaluation (x, f) in order, for both voltage-component fits
    orig_fmin = pn.fmin

    def fmin_recorded(func, x0, args=(), **kw):
        evals = []

        def f(x, *a):
            y = func(x, *a)
            evals.append([[float(v) for v in np.atleast_1d(x)], float(y)])
            return y

        entry = {"stage": "fmin:" + func.__name__, "depth": rec.depth,
                 "inputs": {"x0": plain(list(x0)), "kwargs": plain(kw)}}
        t0, c0 = time.perf_counter(), time.process_time()
        out = orig_fmin(f, x0, args=args, **kw)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        entry.update(seconds=dt, cpu_seconds=dc, outputs={"xopt": plain(out), "evaluations": evals})
        if rec.depth == 0:
            key = "fmin:" + func.__name__
            rec.stage_seconds[key] = rec.stage_seconds.get(key, 0.0) + dt
            rec.stage_cpu_seconds[key] = rec.stage_cpu_seconds.get(key, 0.0) + dc
        rec.calls.append(entry)
        return out

    pn.fmin = fmin_recorded


# ---------------------------------------------------------------- one cell

def run_cell(cell_dir, quick=False):
    """Runs the pipeline on one cell; returns the reference record (a dict)."""
    import numpy as np
    import allensdk.core.json_utilities as ju
    import allensdk.internal.model.glif.preprocess_neuron as pn
    import allensdk.internal.model.glif.find_spikes as fspk
    import allensdk.internal.model.glif.threshold_adaptation as tadapt
    import allensdk.internal.model.glif.configure_model as cm
    import allensdk.internal.model.glif.find_sweeps as fs
    from allensdk.internal.model.data_access import load_sweeps

    pn.MAKE_PLOT = False
    pn.SHOW_PLOT = False
    pn.SAVE_FIG = False
    nwb = os.path.join(cell_dir, "cell.nwb")
    sweep_list = json.load(open(os.path.join(cell_dir, "ephys_sweeps.json")))
    cell_properties = json.load(open(os.path.join(cell_dir, "cell_properties.json")))
    rec = Recorder()

    if quick:
        # loading, spikes, R/C/El, as preprocess_neuron calls them, on Noise 1
        t0 = time.perf_counter()
        index = {s["sweep_number"]: s for s in sweep_list}
        n1 = fs.find_noise_sweeps(index)["noise1"]
        d = load_sweeps(nwb, n1, pn.DEFAULT_DT, pn.DEFAULT_CUT, pn.DEFAULT_BESSEL)
        dt = d["dt"][0]
        spk = pn.find_spikes_list(d["voltage"], dt)
        rc = pn.least_squares_RCEl_calc_tested(
            [v[s:int(6. / dt)] for v, s in zip(d["voltage"], d["start_idx"])],
            [c[s:int(6. / dt)] for c, s in zip(d["current"], d["start_idx"])], dt)
        return {"noise1_sweeps": n1, "load": {"voltage": [arr_digest(v) for v in d["voltage"]],
                                              "current": [arr_digest(c) for c in d["current"]],
                                              "start_idx": d["start_idx"], "dt": d["dt"]},
                "spike_indices": [[int(i) for i in a] for a in spk[0]],
                "R": plain(rc[0]), "C": plain(rc[1]), "El": plain(rc[2]),
                "seconds": time.perf_counter() - t0}

    instrument(rec, pn, fspk, tadapt)
    t0, c0 = time.perf_counter(), time.process_time()
    values = pn.preprocess_neuron(nwb, sweep_list, cell_properties=cell_properties)
    t_pre, c_pre = time.perf_counter() - t0, time.process_time() - c0

    levels = {}
    t1 = time.perf_counter()
    for level, method in LEVELS.items():
        try:
            out = cm.configure_model(copy.deepcopy(method), copy.deepcopy(values))
            levels[level] = {"method_config": method, "neuron_config": out["neuron"],
                             "optimizer_config": out["optimizer"]}
        except cm.ModelConfigurationException as e:
            levels[level] = {"method_config": method, "refused": str(e)}
    t_cfg = time.perf_counter() - t1
    rec.stage_seconds["configure_model (5 levels)"] = t_cfg

    return {"values": values, "levels": levels, "calls": rec.calls,
            "seconds": {"preprocess_neuron": t_pre, "stages": rec.stage_seconds,
                        "preprocess_neuron_cpu": c_pre, "stages_cpu": rec.stage_cpu_seconds,
                        "note": "wall (perf_counter) and process (CPU) seconds of AllenSDK's calls, "
                                "one process, on a shared 2-core machine: CPU seconds are the cost"}}


def time_cell(cell_dir):
    """The cost of AllenSDK's preprocessing of one cell as a user runs it: read the
    sweep table, preprocess_neuron (reads the NWB file, filters, fits every stage), then
    configure_model for the five levels; no instrumentation, nothing written. Returns wall
    (perf_counter) and CPU (process_time: every thread of this process) seconds. The
    AllenSDK modules are already imported by apply_patches(), so import_* is near 0."""
    t0, c0 = time.perf_counter(), time.process_time()
    import allensdk.internal.model.glif.preprocess_neuron as pn
    import allensdk.internal.model.glif.configure_model as cm
    t_imp, c_imp = time.perf_counter() - t0, time.process_time() - c0
    pn.MAKE_PLOT = False
    pn.SHOW_PLOT = False
    pn.SAVE_FIG = False
    t0, c0 = time.perf_counter(), time.process_time()
    sweep_list = json.load(open(os.path.join(cell_dir, "ephys_sweeps.json")))
    cell_properties = json.load(open(os.path.join(cell_dir, "cell_properties.json")))
    values = pn.preprocess_neuron(os.path.join(cell_dir, "cell.nwb"), sweep_list, cell_properties=cell_properties)
    configured = []
    for level, method in LEVELS.items():
        try:
            cm.configure_model(copy.deepcopy(method), copy.deepcopy(values))
            configured.append(level)
        except cm.ModelConfigurationException:
            pass
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
            "import_wall_s": t_imp, "import_cpu_s": c_imp, "levels": configured}


# ---------------------------------------------------------------- part 2 (issue 22)

MULTIPLIERS = (100, 32, 10)
# numpy's runtime-dispatch features turned off for the optimizer reference (see main()).
NPY_NO_AVX512 = "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"


def numpy_dispatch():
    """What the record's numpy computed exp and log with: its version, the CPU's AVX-512F,
    and whether numpy used it (NPY_DISABLE_CPU_FEATURES)."""
    import numpy as np
    from numpy.core._multiarray_umath import __cpu_features__ as feat
    return {"numpy": np.__version__, "cpu": cpu_name(), "numpy_uses_avx512f": bool(feat.get("AVX512F")),
            "NPY_DISABLE_CPU_FEATURES": os.environ.get("NPY_DISABLE_CPU_FEATURES")}
EV_SIGMA = 0.01  # s: the Teeter et al. explained variance's Gaussian sigma (10 ms)


def teeter_norm_gauss(sigma, dt, steps):
    """Teeter's makeNormGaussFunc4Convolve: a window of int(10 sigma/dt) samples, std sigma/dt,
    normalised to sum 1 (np.sum). A window longer than the trains (`steps` samples) keeps its
    middle 2 (steps // 2) samples (at least 95% of the area) with the lost area spread evenly
    over them (its Python 2 integer divisions written //)."""
    import numpy as np
    from scipy.signal.windows import gaussian  # what Teeter's scipy.signal.gaussian was
    s = sigma / dt
    g = gaussian(int(s * 10), s)
    g = g / np.sum(g)
    if len(g) > steps:
        ht, hg = steps // 2, len(g) // 2
        short = g[hg - ht:hg + ht]
        area = sum(short)
        assert area > 0.95
        g = short + (1. - area) / len(short)
    return g


def teeter_convolved(spike_ind_list, g, steps, mode):
    """Teeter's makeConvolvedSpikeTrains: binary trains of `steps` samples convolved with the
    kernel `g` by scipy.signal.fftconvolve in `mode`."""
    import numpy as np
    from scipy.signal import fftconvolve
    out = []
    for train in spike_ind_list:
        b = np.zeros(steps)
        if len(train):
            b[list(train)] = 1.0
        out.append(fftconvolve(b, g, mode))
    return out


def teeter_basic_ev(t1, t2):
    import numpy as np
    v1, v2, v12 = np.var(t1), np.var(t2), np.var(t1 - t2)
    return 1.0 if v12 == 0.0 else (v1 + v2 - v12) / (v1 + v2)


def teeter_across(model_list, data_list):
    import numpy as np
    return float(np.mean([teeter_basic_ev(d, m) for m in model_list for d in data_list]))


def teeter_ev_ratio(data_ind, model_ind, dt, steps, sigma=EV_SIGMA):
    """calc_all_explained_variance.exVar for one sigma: EV(model vs each recorded train, 'same')
    divided by EV(PSTH of the 'full' recorded trains vs each of them)."""
    import numpy as np
    g = teeter_norm_gauss(sigma, dt, steps)
    full = teeter_convolved(data_ind, g, steps, "full")
    psth = np.mean(np.array(full), axis=0)
    ev_data = teeter_across([psth], full)
    ev_model = teeter_across(teeter_convolved(model_ind, g, steps, "same"),
                             teeter_convolved(data_ind, g, steps, "same"))
    return {"ev_data": ev_data, "ev_model": ev_model, "ratio": ev_model / ev_data}


def glif_optimizer(nc, oc, d1, si1, sv1):
    """AllenSDK's GlifExperiment and GlifOptimizer for one level, as the Allen pipeline builds them:
    a fresh GlifOptimizerNeuron from the neuron config `nc`, the optimizer config `oc`'s settings,
    and Noise 1 (`d1`: the loaded sweeps; `si1`, `sv1`: their spike indices and voltages)."""
    from allensdk.internal.model.glif.glif_optimizer_neuron import GlifOptimizerNeuron
    from allensdk.internal.model.glif.glif_experiment import GlifExperiment
    from allensdk.internal.model.glif.glif_optimizer import GlifOptimizer
    neuron = GlifOptimizerNeuron.from_dict(copy.deepcopy(nc))
    exp = GlifExperiment(neuron=neuron, dt=neuron.dt, stim_list=d1["current"],
                         resp_list=[v - nc["El_reference"] for v in d1["voltage"]],
                         spike_time_steps=si1, grid_spike_times=[i * nc["dt"] for i in si1],
                         grid_spike_voltages=[v - nc["El_reference"] for v in sv1],
                         param_fit_names=oc["param_fit_names"])
    opt = GlifOptimizer(experiment=exp, dt=neuron.dt, outer_iterations=oc["outer_iterations"],
                        inner_iterations=oc["inner_iterations"], sigma_inner=oc["sigma_inner"],
                        sigma_outer=oc["sigma_outer"], param_fit_names=oc["param_fit_names"],
                        stim=d1["current"], error_function_data=oc["error_function_data"],
                        xtol=oc["xtol"], ftol=oc["ftol"], internal_iterations=oc["internal_iterations"],
                        init_params=oc.get("init_params", None), bessel=oc["bessel"])
    return exp, opt


def run_part2(cell_dir, levels, run_many_level=None, seed=1234, outer=2, inner=3, run_many_only=False):
    """Forced-spike runs and MLIN_list_error at each multiplier (coefficient 1) for each fitted
    level, explained variance before optimisation on Noise 1 and Noise 2, and optionally one
    GlifOptimizer.run_many with a fixed seed and small restarts, every evaluation recorded."""
    import numpy as np
    import allensdk.internal.model.glif.find_sweeps as fs
    import allensdk.internal.model.glif.error_functions as ef
    from allensdk.internal.model.data_access import load_sweeps
    from allensdk.internal.model.glif.find_spikes import find_spikes_list
    from allensdk.model.glif.glif_neuron import GlifNeuron

    nwb = os.path.join(cell_dir, "cell.nwb")
    sweep_list = json.load(open(os.path.join(cell_dir, "ephys_sweeps.json")))
    index = {s["sweep_number"]: s for s in sweep_list}
    noise = fs.find_noise_sweeps(index)
    out = {}
    data_cache = {}
    for level, lv in levels.items():
        if "refused" in lv:
            continue
        nc, oc = lv["neuron_config"], lv["optimizer_config"]
        key = (nc["dt"], json.dumps(oc["bessel"], sort_keys=True), oc["cut"])
        if key not in data_cache:
            d1 = load_sweeps(nwb, noise["noise1"], nc["dt"], oc["cut"], oc["bessel"])
            d2 = load_sweeps(nwb, noise["noise2"], nc["dt"], oc["cut"], oc["bessel"])
            data_cache[key] = (d1, find_spikes_list(d1["voltage"], nc["dt"]), d2,
                               find_spikes_list(d2["voltage"], nc["dt"]))
        d1, (si1, sv1), d2, (si2, sv2) = data_cache[key]

        def fresh():
            return glif_optimizer(nc, oc, d1, si1, sv1)

        rec = {"noise1_spike_ind": [[int(i) for i in a] for a in si1], "forced": {},
               "numpy_dispatch": numpy_dispatch()}
        if run_many_only and level != run_many_level:
            continue
        exp, opt = fresh()
        for mult in ([] if run_many_only else MULTIPLIERS):
            exp.neuron.dt_multiplier = mult
            captured = {}
            orig_run = exp.run

            def run_capture(param_guess):
                r = orig_run(param_guess)
                captured.update(r)
                return r

            exp.run = run_capture
            t0, c0 = time.perf_counter(), time.process_time()
            err = opt.error_function(np.ones(len(oc["param_fit_names"])), exp, oc["error_function_data"])
            secs, cpu = time.perf_counter() - t0, time.process_time() - c0
            exp.run = orig_run
            rec["forced"][str(mult)] = {"MLIN_list_error": float(err), "seconds": secs,
                                        "cpu_seconds": cpu, "run": plain(captured)}
        # explained variance before optimisation (coefficients 1), model run at the fitting dt
        ev = {}
        for name, d, si in ([] if run_many_only else (("noise1", d1, si1), ("noise2", d2, si2))):
            # GlifNeuron.from_dict needs th_adapt, which configure_model does not set (the
            # published configs carry "th_adapt": null); no rule reads it.
            cfg = copy.deepcopy(nc)
            cfg.setdefault("th_adapt", None)
            neuron = GlifNeuron.from_dict(cfg)
            t0 = time.perf_counter()
            run = neuron.run(d["current"][0])
            steps = len(d["current"][0])
            e = teeter_ev_ratio([np.asarray(a) for a in si], [np.asarray(run["spike_time_steps"], dtype=int)],
                                nc["dt"], steps)
            e.update(model_spike_time_steps=[int(i) for i in run["spike_time_steps"]],
                     seconds=time.perf_counter() - t0)
            ev[name] = e
        if not run_many_only:
            rec["explained_variance_before"] = ev

        if level == run_many_level:
            exp, opt = fresh()
            opt.outer_iterations, opt.inner_iterations = outer, inner
            evals = []
            orig_err = opt.error_function

            def err_recorded(x, experiment, data):
                c0 = time.process_time()
                y = orig_err(x, experiment, data)
                evals.append({"x": [float(v) for v in np.atleast_1d(x)],
                              "dt_multiplier": int(experiment.neuron.dt_multiplier), "error": float(y),
                              "cpu_seconds": time.process_time() - c0})
                return y

            opt.error_function = err_recorded
            t0, c0 = time.perf_counter(), time.process_time()
            best, begin = opt.run_many(seed=seed)
            rec["run_many"] = {"seed": seed, "outer_iterations": outer, "inner_iterations": inner,
                               "best_params": plain(best), "iteration_info": plain(opt.iteration_info),
                               "evaluations": evals, "seconds": time.perf_counter() - t0,
                               "cpu_seconds": time.process_time() - c0}
        out[level] = rec
    return out


def time_evaluations(cell_dir, level_dir, levels, evals, currents_dir=None):
    """The cost of AllenSDK's optimizer per evaluation, for `cargo xtask compare-fit --optimize`:
    for each level configured in `level_dir` (its committed GLIF<n>_neuron_config.json and
    _optimizer_config.json), `evals` calls of GlifOptimizer.error_function (what fmin calls:
    forced-spike runs of every Noise 1 sweep, then MLIN_list_error) at coefficient 1 and each
    dt_multiplier 100, 32, 10, on Noise 1 loaded and its spikes found as optimize_neuron does.
    Returns {level: {multiplier: {"cpu_s": [...], "wall_s": [...]}}} (process_time and
    perf_counter seconds of each call). With `currents_dir`, also writes each level's Noise 1
    currents as little-endian float32 (<level>_i<k>.f32) and its spike indices (<level>_spikes.json),
    so glif's optimizer can run on exactly AllenSDK's inputs."""
    import numpy as np
    import allensdk.core.json_utilities as ju
    import allensdk.internal.model.glif.find_sweeps as fs
    from allensdk.internal.model.data_access import load_sweeps
    from allensdk.internal.model.glif.find_spikes import find_spikes_list

    nwb = os.path.join(cell_dir, "cell.nwb")
    index = {s["sweep_number"]: s for s in json.load(open(os.path.join(cell_dir, "ephys_sweeps.json")))}
    noise1 = fs.find_noise_sweeps(index)["noise1"]
    out = {}
    for level in levels:
        base = os.path.join(level_dir, level)
        if not os.path.exists(base + "_neuron_config.json"):
            continue
        nc, oc = ju.read(base + "_neuron_config.json"), ju.read(base + "_optimizer_config.json")
        d1 = load_sweeps(nwb, noise1, nc["dt"], oc["cut"], oc["bessel"])
        si1, sv1 = find_spikes_list(d1["voltage"], nc["dt"])
        if currents_dir:
            for k, c in enumerate(d1["current"]):
                assert c.dtype == np.float32, c.dtype
                c.astype("<f4").tofile(os.path.join(currents_dir, "%s_i%d.f32" % (level, k)))
            write_json(os.path.join(currents_dir, "%s_spikes.json" % level), [[int(i) for i in a] for a in si1])
        exp, opt = glif_optimizer(nc, oc, d1, si1, sv1)
        per = {}
        for mult in MULTIPLIERS:
            exp.neuron.dt_multiplier = mult
            cpu, wall = [], []
            for _ in range(evals):
                t0, c0 = time.perf_counter(), time.process_time()
                opt.error_function(np.ones(len(oc["param_fit_names"])), exp, oc["error_function_data"])
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - t0)
            per[str(mult)] = {"cpu_s": cpu, "wall_s": wall}
        out[level] = per
    return out


def write_json(path, obj):
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True, allow_nan=True)
        fh.write("\n")


def write_cell(out_dir, name, r):
    import allensdk.core.json_utilities as ju
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    for level in LEVELS:  # a rerun replaces the level files of the previous run, whatever they were
        for suffix in ("refused", "neuron_config", "optimizer_config", "method_config"):
            stale = os.path.join(d, "%s_%s.json" % (level, suffix))
            if os.path.exists(stale):
                os.remove(stale)
    # AllenSDK's own writer for the preprocessor values (its keys, its number formatting)
    ju.write(os.path.join(d, "preprocessor_values.json"), r["values"])
    for level, lv in r["levels"].items():
        if "refused" in lv:
            write_json(os.path.join(d, "%s_refused.json" % level), {"method_config": lv["method_config"],
                                                                    "refused": lv["refused"]})
        else:
            ju.write(os.path.join(d, "%s_neuron_config.json" % level), lv["neuron_config"])
            ju.write(os.path.join(d, "%s_optimizer_config.json" % level), lv["optimizer_config"])
            write_json(os.path.join(d, "%s_method_config.json" % level), lv["method_config"])
    write_json(os.path.join(d, "stages.json"), plain(r["calls"]))
    write_json(os.path.join(d, "timing.json"), r["seconds"])


def environment():
    import numpy, scipy, statsmodels, allensdk, platform
    return {"python": platform.python_version(), "numpy": numpy.__version__, "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__, "allensdk": allensdk.__version__,
            "machine": platform.machine(), "cpu": cpu_name()}


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def ensure_cells(cells_dir, names):
    missing = [n for n in names if not os.path.exists(os.path.join(cells_dir, n, "cell.nwb"))]
    if missing:
        subprocess.check_call([sys.executable, os.path.join(HERE, "make_cells.py"), "--out", cells_dir,
                               "--cells"] + missing + ["--check"])


def compare_quick(got, want_path):
    """Exact comparison of the quick run with the committed reference (same AllenSDK, numpy and
    scipy: the numbers must be identical)."""
    want = json.load(open(want_path))
    got = json.loads(json.dumps(plain(got)))
    problems = []
    for key in ("noise1_sweeps", "load", "spike_indices", "R", "C", "El"):
        if got[key] != want[key]:
            problems.append(key)
    return problems, got["seconds"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells-dir", default="/tmp/glif-fit-cells", help="where make_cells.py wrote (or will write) the cells")
    ap.add_argument("--out", default=os.path.join(REPO, "reference", "fit"))
    ap.add_argument("--cells", nargs="*", default=None)
    ap.add_argument("--quick", action="store_true", help="CI: one cell, loading/spikes/RC only, compared with the committed reference")
    ap.add_argument("--part2", action="store_true", help="also the optimizer reference (issue 22): forced-spike runs, MLIN_list_error, EV")
    ap.add_argument("--run-many", default=None, metavar="CELL:LEVEL", help="with --part2: one GlifOptimizer.run_many (seed 1234, 2 x 3 restarts) on this cell and level")
    ap.add_argument("--run-many-only", default=None, metavar="CELL:LEVEL:SEED:OUTER:INNER",
                    help="only one GlifOptimizer.run_many (no forced/EV records), written to "
                         "OUT/CELL/run_many_LEVEL_sSEED_oOUTER_iINNER.json; a reduced setting CI can replay")
    ap.add_argument("--run-many-all", default=None, metavar="SEED:OUTER:INNER",
                    help="--run-many-only for every level (--levels, default all) of every cell (--cells) "
                         "that has the level's configs in --out and no such record yet; each record "
                         "written as it is done")
    ap.add_argument("--levels", nargs="*", default=None, help="with --run-many-all: these levels only")
    ap.add_argument("--part2-only", action="store_true", help="the optimizer reference from the level configs already in --out (no preprocessing)")
    ap.add_argument("--write-quick", action="store_true", help="write the quick reference (quick.json) instead of comparing")
    ap.add_argument("--time", default=None, metavar="CELL_DIR",
                    help="time the preprocessing of the cell in CELL_DIR (preprocess_neuron and configure_model for the "
                         "five levels, not instrumented, nothing written) and print one JSON line of seconds (cargo xtask compare-fit)")
    ap.add_argument("--time-evals", nargs=2, default=None, metavar=("CELL_DIR", "LEVEL_DIR"),
                    help="time AllenSDK's optimizer error function (--evals calls at each dt_multiplier, "
                         "coefficient 1) for each level (--levels) configured in LEVEL_DIR on the cell in "
                         "CELL_DIR; print one JSON line (cargo xtask compare-fit --optimize)")
    ap.add_argument("--evals", type=int, default=2, help="with --time-evals: calls per level and multiplier")
    ap.add_argument("--currents-dir", default=None,
                    help="with --time-evals: also write each level's Noise 1 currents (float32) and spikes here")
    args = ap.parse_args()
    if args.part2 or args.part2_only or args.run_many_only or args.run_many_all:
        # The optimizer reference is numpy's portable exp and log (the C library's, bit for bit),
        # as numpy 1.23 computes them on a CPU without AVX-512F: on an AVX-512F CPU it
        # dispatches float64 exp/log to its own AVX-512F loops, which differ from the C
        # library's by an ulp for about a quarter of arguments, and MLIN_list_error's sum then
        # differs in its last bits (reference/fit/README.md). Must be set before numpy loads.
        os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", NPY_NO_AVX512)
    logging.basicConfig(level=logging.WARNING)
    apply_patches()

    if args.time:
        print(json.dumps(time_cell(args.time)), flush=True)
        return
    if args.time_evals:
        cell_dir, level_dir = args.time_evals
        t = time_evaluations(cell_dir, level_dir, args.levels or list(LEVELS), args.evals, args.currents_dir)
        print(json.dumps(t), flush=True)
        return

    if args.quick or args.write_quick:
        ensure_cells(args.cells_dir, [QUICK_CELL])
        got = run_cell(os.path.join(args.cells_dir, QUICK_CELL), quick=True)
        path = os.path.join(args.out, QUICK_CELL, "quick.json")
        if args.write_quick:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            write_json(path, plain(got))
            print("wrote", path)
            return
        problems, secs = compare_quick(got, path)
        if problems:
            sys.exit("allensdk_pipeline --quick: differs from %s in: %s" % (path, ", ".join(problems)))
        print("allensdk_pipeline --quick: %s matches %s (AllenSDK stages took %.1f s)" % (QUICK_CELL, path, secs))
        return

    import make_cells  # noqa: E402  (beside this script)
    if args.run_many_all:
        # One process for every cell and level: each record is written as soon as it is done
        # (a long batch interrupted keeps what it finished), existing records are kept.
        import allensdk.core.json_utilities as ju
        seed, outer, inner = (int(x) for x in args.run_many_all.split(":"))
        names = args.cells or list(make_cells.CELLS)
        ensure_cells(args.cells_dir, names)
        for level in (args.levels or list(LEVELS)):
            for cell in names:
                base = os.path.join(args.out, cell, level)
                path = os.path.join(args.out, cell, "run_many_%s_s%d_o%d_i%d.json" % (level, seed, outer, inner))
                if not os.path.exists(base + "_neuron_config.json") or os.path.exists(path):
                    continue
                levels = {level: {"method_config": LEVELS[level],
                                  "neuron_config": ju.read(base + "_neuron_config.json"),
                                  "optimizer_config": ju.read(base + "_optimizer_config.json")}}
                p2 = run_part2(os.path.join(args.cells_dir, cell), levels, run_many_level=level, seed=seed,
                               outer=outer, inner=inner, run_many_only=True)
                write_json(path + ".tmp", p2[level])
                os.replace(path + ".tmp", path)
                rm = p2[level]["run_many"]
                print("wrote %s (%d evaluations, %.0f s CPU, %.0f s wall)" % (
                    path, len(rm["evaluations"]), rm["cpu_seconds"], rm["seconds"]), flush=True)
        return
    if args.run_many_only:
        import allensdk.core.json_utilities as ju
        cell, level, seed, outer, inner = args.run_many_only.split(":")
        ensure_cells(args.cells_dir, [cell])
        base = os.path.join(args.out, cell, level)
        levels = {level: {"method_config": LEVELS[level],
                          "neuron_config": ju.read(base + "_neuron_config.json"),
                          "optimizer_config": ju.read(base + "_optimizer_config.json")}}
        p2 = run_part2(os.path.join(args.cells_dir, cell), levels, run_many_level=level, seed=int(seed),
                       outer=int(outer), inner=int(inner), run_many_only=True)
        path = os.path.join(args.out, cell, "run_many_%s_s%s_o%s_i%s.json" % (level, seed, outer, inner))
        write_json(path, p2[level])
        print("wrote", path, flush=True)
        return
    names = args.cells or list(make_cells.CELLS)
    ensure_cells(args.cells_dir, names)
    os.makedirs(args.out, exist_ok=True)
    if args.part2_only:
        import allensdk.core.json_utilities as ju
        for name in names:
            levels = {}
            for level, method in LEVELS.items():
                base = os.path.join(args.out, name, level)
                if os.path.exists(base + "_neuron_config.json"):
                    levels[level] = {"method_config": method,
                                     "neuron_config": ju.read(base + "_neuron_config.json"),
                                     "optimizer_config": ju.read(base + "_optimizer_config.json")}
            rm = args.run_many.split(":") if args.run_many else (None, None)
            p2 = run_part2(os.path.join(args.cells_dir, name), levels,
                           run_many_level=rm[1] if rm[0] == name else None)
            write_json(os.path.join(args.out, name, "optimizer.json"), p2)
            print("%s: optimizer reference for %s" % (name, ", ".join(p2)), flush=True)
        return
    for name in names:
        t0 = time.perf_counter()
        r = run_cell(os.path.join(args.cells_dir, name))
        write_cell(args.out, name, r)
        if args.part2:
            rm = args.run_many.split(":") if args.run_many else (None, None)
            p2 = run_part2(os.path.join(args.cells_dir, name), r["levels"],
                           run_many_level=rm[1] if rm[0] == name else None)
            write_json(os.path.join(args.out, name, "optimizer.json"), p2)
        print("%s: preprocess %.1f s, levels %s" % (
            name, r["seconds"]["preprocess_neuron"],
            ", ".join("%s%s" % (k, "" if "refused" not in v else " (refused)") for k, v in r["levels"].items())),
            flush=True)
    write_json(os.path.join(args.out, "environment.json"), environment())


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
