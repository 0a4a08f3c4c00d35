#!/usr/bin/env python3
"""Record numpy's exp for every exponential AllenSDK evaluates in the reference cases.

Why: AllenSDK 2.16.2 computes each exponential with numpy (arrays and numpy
scalars alike). numpy 1.23 on a CPU with AVX-512F uses its own SIMD exp, which
for some arguments differs by one ulp from the C library's (and from Rust's
libm). Every exponential of a GLIF model is a per-dt constant, so this table
(argument -> numpy's result, both as float hex) lets the Rust test suite build
each model with numpy's exact exponentials (`Model::with_exp`) and then demand
bit-identical traces. The arguments are formed exactly as AllenSDK forms them,
with the same array shapes.

Usage (inside the AllenSDK virtual environment, see setup_venv.sh):
    python scripts/allensdk/numpy_exp_table.py [reference_dir]
writes <reference_dir>/numpy-exp.json (default reference_dir: ./reference).
"""
import glob
import gzip
import json
import os
import platform
import sys

import numpy as np


def exp_args(config, dt):
    """Yield (argument array, numpy exp result array) per exponential AllenSDK evaluates."""
    k = 1.0 / np.array(config["asc_tau_array"])
    cut = int(config["spike_cut_length"])
    coeffs = {"th_inf": 1, "C": 1, "G": 1, "b": 1, "a": 1}
    coeffs.update(config.get("coeffs", {}))
    names = {m: config[m]["name"] for m in (
        "AScurrent_dynamics_method", "threshold_dynamics_method",
        "AScurrent_reset_method", "threshold_reset_method")}
    out = []
    # dynamics_AScurrent_exp: AScurrents_t0*np.exp(-neuron.k*neuron.dt)
    if names["AScurrent_dynamics_method"] == "exp":
        out.append(-k * dt)
    # reset_AScurrent_sum: np.exp(-(neuron.k * neuron.dt * neuron.spike_cut_length))
    if names["AScurrent_reset_method"] == "sum":
        out.append(-(k * dt * cut))
    td = config["threshold_dynamics_method"]
    if names["threshold_dynamics_method"] in ("spike_component", "three_components_exact"):
        # spike_component_of_threshold_exact(th, b_spike, dt): np.exp((-b_spike) * dt)
        out.append(np.float64(-td["params"]["b_spike"] * dt))
    if names["threshold_dynamics_method"] == "three_components_exact":
        p = td["params"]
        b = p["b_voltage"] * coeffs["b"]
        C = config["C"] * coeffs["C"]
        g = (1.0 / config["R_input"]) * coeffs["G"]
        out.append(np.float64(-g * dt / C))
        out.append(np.float64(b * dt))
    # dynamics_voltage_linear_exact (registered by hand in the linear_exact
    # cases): np.exp(-neuron.dt*tau) and np.exp(-tau*neuron.dt), tau = g/C.
    if config["voltage_dynamics_method"]["name"] == "linear_exact":
        C = config["C"] * coeffs["C"]
        g = (1.0 / config["R_input"]) * coeffs["G"]
        tau = g / C
        out.append(np.float64(-dt * tau))
        out.append(np.float64(-tau * dt))
    if names["threshold_reset_method"] == "three_components" and cut > 0:
        b_spike = config["threshold_reset_method"]["params"]["b_spike"]
        out.append((-b_spike) * (np.arange(1, cut + 1) * dt))
    return out


def main():
    ref = sys.argv[1] if len(sys.argv) > 1 else "reference"
    table = {}
    for path in sorted(glob.glob(os.path.join(ref, "traces", "*", "*.json*"))):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt") as f:
            case = json.load(f)
        for args in exp_args(case["config"], case["dt"]):
            args = np.atleast_1d(np.asarray(args, dtype=np.float64))
            results = np.exp(args)
            for a, r in zip(args, results):
                table[float(a).hex()] = float(r).hex()
    doc = {
        "what": "numpy.exp for every exponential argument AllenSDK 2.16.2 evaluates in the reference cases",
        "numpy_version": np.__version__,
        "machine": platform.machine(),
        "cpu_features": sorted(k for k, v in np.core._multiarray_umath.__cpu_features__.items() if v),
        "exp": table,
    }
    dest = os.path.join(ref, "numpy-exp.json")
    with open(dest, "w") as f:
        json.dump(doc, f, indent=0, sort_keys=True)
    differ = sum(1 for a, r in table.items()
                 if __import__("math").exp(float.fromhex(a)) != float.fromhex(r))
    print(f"{dest}: {len(table)} arguments, {differ} where numpy.exp != math.exp")


if __name__ == "__main__":
    main()
